"""``pantau watch``: live monitoring of feeds, folders and stdin, from a new item to its alerts in seconds.

Layout: ``config`` (YAML/TOML or options), ``fetch`` (HTTP: conditional GET, politeness per host,
backoff, one thread per host), ``sources`` (feeds and their pages, folders, stdin), ``state`` (durable
tables in the store: sources, seen items, delivered alerts), ``delivery`` (stdout JSON lines, signed
webhook), ``loop`` (the scheduler and the single writer), ``status`` (per-source figures).
"""

from __future__ import annotations

from pantau.watch.config import ConfigError, FeedSource, WatchConfig, Webhook, load
from pantau.watch.loop import Watcher

__all__ = ["ConfigError", "FeedSource", "WatchConfig", "Watcher", "Webhook", "load"]
