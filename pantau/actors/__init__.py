"""Actors: who acts, resolved to PLOVER codes and sectors (see resolver.py and data/README)."""

from __future__ import annotations

from typing import Any

from pantau.actors.analysis import Mention
from pantau.actors.chunker import fuzzy_lookup
from pantau.actors.resolver import ActorResolver, entity_at, get_resolver, reset_resolver
from pantau.records import Article, Entity

__all__ = [
    "ActorResolver",
    "Mention",
    "entity_at",
    "fuzzy_lookup",
    "get_resolver",
    "reset_resolver",
    "resolve_mentions",
    "lookup",
]


def resolve_mentions(doc: Any, article: Article | None = None) -> list[Entity]:
    """Module-level shortcut to ``get_resolver().resolve_mentions``."""
    return get_resolver().resolve_mentions(doc, article)


def lookup(text: str, context_country: str | None = None) -> Entity | None:
    """Module-level shortcut to ``get_resolver().lookup``."""
    return get_resolver().lookup(text, context_country)
