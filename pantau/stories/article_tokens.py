"""What an article contributes to story clustering: content words, names, countries (issue 24 split).

Why a module of its own: the clusterer compares articles by these tokens only, and the tokenising rules
(names split at generic title words, a Title-Case headline's names only when the lead has them too, a
digest's top item, the foreign countries of the resolved places) are tested and tuned on their own.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from pantau.stories.common import (
    content_words,
    digest_lead,
    is_digest,
    keep_content,
    strip_furniture,
    words,
)
from pantau.stories.features import kb_names, lemmas

# A run of capitalised words ("Khan Sheikhoun", "Mariano Rajoy", "Suu Kyi"): a name.
_NAME = re.compile(r"(?<![\w])[A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*|al|bin|binti|van|de|der|von))*")
_SENT_START = re.compile(r"(?:^|[.!?\n\"“”]\s*|--\s*|–\s*)$")
# A dateline at the start of the lead ("Jakarta, CNN Indonesia --", "SPANYOL–"): not content.
_DATELINE = re.compile(r"^[^\n]{0,60}?(?:--|–|—)\s*")


@lru_cache(maxsize=1)
def _name_stop() -> frozenset[str]:
    """Capitalised words that are not names (text.yaml: generic_capitalised) plus the stop words."""
    raw = yaml.safe_load(resources.files("pantau.stories").joinpath("text.yaml").read_text("utf-8"))
    return frozenset(w.lower() for w in raw.get("generic_capitalised", [])) | frozenset(raw["stopwords"])


def names(text: str) -> list[str]:
    """Name features of a text: each capitalised run (lower-cased, '_'-joined) and its words.

    Why: the specific event is carried by who and where (Rajoy, Catalunya, Khan Sheikhoun,
    Rohingya); generic conflict words are not. A single capitalised word at a sentence start is
    only an ordinary word written with a capital, so it counts only if it is also written
    capitalised inside a sentence somewhere in the text.
    """
    found: list[tuple[tuple[str, ...], bool]] = []
    inner: set[str] = set()
    for m in _NAME.finditer(text):
        parts = _run_words(m.group(0))
        if not parts:
            continue
        start = m.start()
        initial = start == 0 or _starts_sentence(text[max(0, start - 3): start])
        found.append((parts, initial))
        if not initial:
            inner.update(parts)
    out: list[str] = []
    for parts, initial in found:
        if initial and parts[0] not in inner:
            parts = parts[1:]  # an ordinary word that starts the sentence
        out.extend(_split_generic(parts))
    return out


@lru_cache(maxsize=4096)
def _starts_sentence(before: str) -> bool:
    """Whether a name preceded by these (up to 3) characters starts a sentence (cached: few distinct)."""
    return bool(_SENT_START.search(before))


@lru_cache(maxsize=5_000)
def _run_words(run: str) -> tuple[str, ...]:
    """The words of a capitalised run, lower-cased, without quotes and hyphens at their ends, numbers and
    single letters (cached: the same runs recur in every article of a story)."""
    parts = (w.strip("'’-").lower() for w in run.split())
    return tuple(w for w in parts if len(w) >= 2 and not w.isdigit())


@lru_cache(maxsize=5_000)
def _split_generic(parts: tuple[str, ...]) -> tuple[str, ...]:
    """Generic title words split a run: "Perdana Menteri Norwegia Ingrid Hansen" -> "norwegia",
    "ingrid", "hansen", "norwegia_ingrid_hansen"."""
    stop = _name_stop()
    out: list[str] = []
    run: list[str] = []
    for w in [*parts, ""]:
        if w and w not in stop and len(w) >= 3:
            run.append(w)
            continue
        out.extend(run)
        if len(run) > 1:
            out.append("_".join(run))
        run = []
    return tuple(out)


@lru_cache(maxsize=1)
def _series_patterns() -> list[re.Pattern[str]]:
    raw = yaml.safe_load(resources.files("pantau.stories").joinpath("text.yaml").read_text("utf-8"))
    return [re.compile(p, re.I) for p in raw.get("daily_series_titles", [])]


def is_daily_series(title: str | None) -> bool:
    """A recurring daily report (market close, exchange rate): text.yaml ``daily_series_titles``."""
    return bool(title) and any(p.search(title) for p in _series_patterns())


def countries_and_places(text: str) -> tuple[list[str], list[str]]:
    """Resolved places of a text (geonames names) and their countries; [] when places is absent."""
    try:
        from pantau.places import find_places
    except ImportError:  # the places stage is optional
        return [], []
    try:
        found = find_places(text)
    except Exception:  # noqa: BLE001 - a gazetteer failure must not stop clustering
        return [], []
    places = [loc.name.lower() for _s, _e, loc in found if getattr(loc, "name", None)]
    ctys = [loc.country for _s, _e, loc in found if getattr(loc, "country", None)]
    return places, ctys


def article_tokens(art: dict[str, Any], cfg: dict[str, Any]) -> dict[str, list[str]]:
    """Features of an article: content words of title (weighted) and lead, the names of
    title and lead, the countries of its resolved places; a digest contributes its top item."""
    title = art.get("title") or ""
    if is_digest(title):
        lead = digest_lead(strip_furniture(art.get("text") or ""), cfg["digest_lead_chars"])
        text_toks = content_words(lead)
        name_src = lead
        title = ""
    else:
        toks = art.get("_words")
        if toks is None:
            toks = words(strip_furniture(art.get("text") or ""))
        text_toks = content_words(title) * cfg["title_weight"] + keep_content(toks[: cfg["lead_words"]])
        body = art.get("_body")
        if body is None:
            body = strip_furniture(art.get("text") or "")
        lead = _DATELINE.sub("", body[: cfg["name_lead_chars"] + 80], count=1)
        name_src = lead[: cfg["name_lead_chars"]]
    # a title in Title Case capitalises every word: only names also found in the lead count
    body_names = names(name_src)
    known = set(body_names)
    ents = kb_names([w for w in names(title) if w in known] * cfg["title_weight"] + body_names)
    places, ctys = countries_and_places((title + "\n" + name_src)[: cfg["place_lead_chars"]])
    if cfg["place_names"]:
        ents += [f"@{p}" for p in places]
    foreign = sorted({c for c in ctys if c != cfg["home_country"]})
    if cfg.get("root_lemmas", True):
        text_toks = lemmas(text_toks)
    return {"text": text_toks, "ent": ents, "title": lemmas(content_words(title)),
            "cty": foreign if cfg.get("conflict_foreign_only") else (foreign or sorted(set(ctys)))}
