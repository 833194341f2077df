"""Shared helpers of the stories layer: configuration, schema, text normalisation."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar

import yaml

T = TypeVar("T")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=1)
def config() -> dict[str, Any]:
    """Weights and parameters from escalation.yaml (loaded once)."""
    return yaml.safe_load(resources.files("pantau.stories").joinpath("escalation.yaml").read_text("utf-8"))


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    """Stop words, furniture and digest patterns from text.yaml (compiled once)."""
    raw = yaml.safe_load(resources.files("pantau.stories").joinpath("text.yaml").read_text("utf-8"))
    return {
        "stopwords": frozenset(raw["stopwords"]),
        "furniture": [re.compile(p, re.I) for p in raw["furniture_lines"]],
        "digest_titles": [re.compile(p, re.I) for p in raw["digest_titles"]],
        "digest_markers": [m.lower() for m in raw["digest_item_markers"]],
    }


def ensure_schema(con: Any) -> None:
    """Create this layer's tables on a DuckDB connection (idempotent)."""
    run_sql(con, resources.files("pantau.stories").joinpath("schema.sql").read_text("utf-8"))


def run_sql(con: Any, sql: str) -> None:
    """Execute a script of ';'-separated statements whose comments may contain ';'."""
    sql = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    for stmt in sql.split(";"):
        if stmt.strip():
            con.execute(stmt)


def tolerant(fn: Callable[..., T], empty: T) -> Callable[..., T]:
    """Wrap a read function: a missing table (update() never ran on this DB) gives ``empty``."""
    import duckdb

    @functools.wraps(fn)
    def wrapper(*args: Any, **kw: Any) -> T:
        try:
            return fn(*args, **kw)
        except duckdb.CatalogException:
            return copy.copy(empty)

    return wrapper


def connection(store_or_con: Any) -> Any:
    """Accept a pantau Store (uses ``.con``) or a bare DuckDB connection."""
    return getattr(store_or_con, "con", store_or_con)


def strip_furniture(text: str) -> str:
    """Drop outlet furniture lines ("Baca juga: ...") that would make unrelated articles look alike."""
    pats = lexicon()["furniture"]
    return "\n".join(line for line in text.splitlines() if not any(p.search(line) for p in pats))


def is_digest(title: str | None) -> bool:
    """A daily round-up ("5 Berita Terpopuler", "Dunia Hari Ini: ...")."""
    return bool(title) and any(p.search(title) for p in lexicon()["digest_titles"])


def digest_lead(text: str, max_chars: int) -> str:
    """The top item of a digest: text before the first item marker, at most ``max_chars``."""
    low = text.lower()
    cut = min([i for m in lexicon()["digest_markers"] if (i := low.find(m)) > 0] + [max_chars])
    return text[:cut]


def words(text: str) -> list[str]:
    """Lower-cased alphabetic words (numbers dropped: they differ between copies of one report)."""
    return _WORD.findall(text.lower())


def content_words(text: str) -> list[str]:
    """Words that can carry story identity: no stop words, at least 3 letters."""
    return keep_content(words(text))


def keep_content(toks: list[str]) -> list[str]:
    """Filter a word list down to content words."""
    stop = lexicon()["stopwords"]
    return [w for w in toks if len(w) >= 3 and w not in stop]


_VIA = re.compile(r"\(via ([^)]+)\)", re.I)
_OUTLET_NOISE = re.compile(r"\b(news|indonesia|online|tv|com|co|id|net|the)\b|\.com|\.co\.id|\.id", re.I)


def outlet_key(name: str | None) -> str:
    """Normalise an outlet or attribution name: 'DW Indonesia (via detik.com)' -> 'dw'."""
    if not name:
        return ""
    s = _VIA.sub("", name).lower()
    s = _OUTLET_NOISE.sub(" ", s)
    s = re.sub(r"[^a-z0-9]+", " ", s).strip()
    s = s.replace("detikcom", "detik")
    return s.split()[0] if s else ""


def via_key(name: str | None) -> str:
    """The republishing outlet of a syndicated outlet name ('X (via detik.com)' -> 'detik'), else ''."""
    if not name:
        return ""
    m = _VIA.search(name)
    return outlet_key(m.group(1)) if m else ""
