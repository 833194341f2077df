"""The watch configuration: sources, politeness, delivery; read from YAML or TOML, or built from options.

Why a dataclass with stated defaults: a monitor runs unattended, so every setting it honours (poll
interval, per-host politeness, timeouts, retries) is visible in one place, and a bad config fails at
start with the file and the setting named, never hours later in a poll.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from pantau import __version__ as _version

USER_AGENT = f"Pantau/{_version} (news event monitor; +https://github.com/pantau)"


class ConfigError(ValueError):
    """A config file or option that cannot be used; the message names the file and the setting."""


@dataclass
class FeedSource:
    """One RSS/Atom feed URL and how often to poll it."""

    url: str
    interval_s: float = 60.0


@dataclass
class Webhook:
    """Where alerts are POSTed; ``secret`` signs each body (header ``X-Pantau-Signature``)."""

    url: str
    secret: str | None = field(default=None, repr=False)  # never in logs or tracebacks
    retries: int = 5
    backoff_s: float = 1.0
    timeout_s: float = 10.0


@dataclass
class WatchConfig:
    """Everything one ``pantau watch`` process does."""

    db: str = "pantau.duckdb"
    feeds: list[FeedSource] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    stdin: bool = False
    interval_s: float = 60.0  # default poll interval of a feed
    folder_interval_s: float = 5.0  # rescan of a folder when file events are unavailable (--once uses one)
    politeness_s: float = 1.0  # the least time between two requests to one host
    timeout_s: float = 15.0
    retries: int = 3
    backoff_s: float = 1.0
    max_page_bytes: int = 20_000_000
    user_agent: str = USER_AGENT
    batch_size: int = 8  # articles analysed and stored together before the stories update
    stories_budget_s: float = 5.0  # one stories slice; the rest follows after the next batch
    workers: int = 0  # analysis processes (0: in the watch process)
    stories_every_s: float = 2.0  # while items wait, the stories update is deferred at most this long
    # DuckDB's cache of the store's blocks is held to this many MiB (its default, 80% of the machine's
    # memory, is what a store that grows for days would fill); raise it for stores past ~10M events
    duckdb_memory_mb: int = 1024
    webhook: Webhook | None = None
    stdout: bool = True  # alerts as JSON lines on stdout
    events: bool = True  # the event stage (off: articles only, as `pantau ingest --no-events`)
    serve_host: str | None = None
    serve_port: int | None = None
    source: str = "<options>"  # the file this came from, for messages

    def sources(self) -> list[str]:
        """Names of every source, as the status lists them."""
        names = [f.url for f in self.feeds] + [str(Path(p)) for p in self.folders]
        return names + (["<stdin>"] if self.stdin else [])


def _number(raw: dict[str, Any], key: str, default: float, where: str, *, minimum: float = 0.0) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise ConfigError(f"{where}: '{key}' must be a number >= {minimum:g}, not {value!r}")
    return float(value)


def check_url(url: Any, where: str) -> str:
    """An http(s) URL with a host, else a ConfigError naming it."""
    if not isinstance(url, str):
        raise ConfigError(f"{where}: a URL must be a string, not {url!r}")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: {url!r} is not an http(s) URL")
    return url.strip()


def _feeds(raw: Any, where: str, interval: float) -> list[FeedSource]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: 'feeds' must be a list of URLs or {{url, interval}} tables")
    out = []
    for i, item in enumerate(raw, 1):
        at = f"{where}: feeds[{i}]"
        if isinstance(item, str):
            out.append(FeedSource(check_url(item, at), interval))
        elif isinstance(item, dict):
            out.append(
                FeedSource(
                    check_url(item.get("url"), at), _number(item, "interval", interval, at, minimum=1.0)
                )
            )
        else:
            raise ConfigError(f"{at}: expected a URL or a table with 'url', not {item!r}")
    return out


def _folders(raw: Any, where: str, base: Path) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: 'folders' must be a list of paths")
    out = []
    for i, item in enumerate(raw, 1):
        path = item.get("path") if isinstance(item, dict) else item
        if not isinstance(path, str) or not path:
            raise ConfigError(f"{where}: folders[{i}]: expected a path, not {item!r}")
        p = Path(os.path.expanduser(path))
        out.append(str(p if p.is_absolute() else base / p))
    return out


def _webhook(raw: Any, where: str) -> Webhook | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = {"url": raw}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: 'webhook' must be a URL or a table with 'url'")
    secret = raw.get("secret")
    if secret is None and raw.get("secret_env"):
        secret = os.environ.get(str(raw["secret_env"]))
        if not secret:
            raise ConfigError(f"{where}: webhook.secret_env: ${raw['secret_env']} is not set")
    at = f"{where}: webhook"
    return Webhook(
        url=check_url(raw.get("url"), at),
        secret=secret,
        retries=int(_number(raw, "retries", 5, at)),
        backoff_s=_number(raw, "backoff", 1.0, at),
        timeout_s=_number(raw, "timeout", 10.0, at, minimum=0.1),
    )


_KNOWN = {
    "db",
    "duckdb_memory_mb",
    "feeds",
    "folders",
    "stdin",
    "interval",
    "folder_interval",
    "politeness",
    "timeout",
    "retries",
    "backoff",
    "user_agent",
    "batch_size",
    "stories_budget",
    "webhook",
    "stdout",
    "serve",
    "max_page_bytes",
    "events",
    "stories_every",
    "workers",
}


def from_mapping(raw: Any, where: str = "<config>", base: Path | None = None) -> WatchConfig:
    """A config from parsed YAML/TOML; unknown keys are errors (a typo must not silently do nothing)."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping of settings at the top level")
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise ConfigError(
            f"{where}: unknown setting(s): {', '.join(unknown)} (known: {', '.join(sorted(_KNOWN))})"
        )
    base = base or Path.cwd()
    interval = _number(raw, "interval", 60.0, where, minimum=1.0)
    serve = raw.get("serve")
    if serve is not None and not isinstance(serve, dict):
        raise ConfigError(f"{where}: 'serve' must be a table with host and port")
    db = raw.get("db", "pantau.duckdb")
    if not isinstance(db, str):
        raise ConfigError(f"{where}: 'db' must be a path")
    return WatchConfig(
        db=str(base / db) if db != ":memory:" and not Path(db).is_absolute() else db,
        feeds=_feeds(raw.get("feeds"), where, interval),
        folders=_folders(raw.get("folders"), where, base),
        stdin=bool(raw.get("stdin", False)),
        interval_s=interval,
        folder_interval_s=_number(raw, "folder_interval", 5.0, where, minimum=0.1),
        politeness_s=_number(raw, "politeness", 1.0, where),
        timeout_s=_number(raw, "timeout", 15.0, where, minimum=0.1),
        retries=int(_number(raw, "retries", 3, where)),
        backoff_s=_number(raw, "backoff", 1.0, where),
        max_page_bytes=int(_number(raw, "max_page_bytes", 20_000_000, where, minimum=1000)),
        user_agent=str(raw.get("user_agent") or USER_AGENT),
        batch_size=int(_number(raw, "batch_size", 8, where, minimum=1)),
        stories_budget_s=_number(raw, "stories_budget", 5.0, where, minimum=0.1),
        stories_every_s=_number(raw, "stories_every", 2.0, where),
        duckdb_memory_mb=int(_number(raw, "duckdb_memory_mb", 1024, where, minimum=64)),
        workers=int(_number(raw, "workers", 0, where)),
        webhook=_webhook(raw.get("webhook"), where),
        stdout=bool(raw.get("stdout", True)),
        events=bool(raw.get("events", True)),
        serve_host=str(serve.get("host", "127.0.0.1")) if serve else None,
        serve_port=int(_number(serve, "port", 8000, where)) if serve else None,
        source=where,
    )


def load(path: str | Path) -> WatchConfig:
    """Read a ``.yaml``/``.yml`` or ``.toml`` file; relative paths in it are relative to the file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror or exc}") from None
    try:
        if p.suffix.lower() == ".toml":
            raw = tomllib.loads(text)
        else:
            raw = yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"{p}: not valid {'TOML' if p.suffix.lower() == '.toml' else 'YAML'}: {exc}"
        ) from None
    return from_mapping(raw, str(p), p.resolve().parent)
