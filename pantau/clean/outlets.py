"""Known outlets: normalise outlet names, find them in text, map URLs to them.

The data live in ``outlets.yaml``; this module only compiles them once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

from pantau.clean.rules import load_yaml

DATA = Path(__file__).with_name("outlets.yaml")


@dataclass(frozen=True)
class Outlet:
    name: str
    country: str | None = None


@dataclass
class _Table:
    by_alias_ci: dict[str, Outlet]  # lowercased alias -> outlet (dotted aliases)
    by_alias_cs: dict[str, Outlet]  # exact alias -> outlet
    by_domain: dict[str, Outlet]
    by_name: dict[str, Outlet]
    alias_re: re.Pattern[str]  # any alias, longest first
    patterns: list[tuple[re.Pattern[str], str, str | None]]


@lru_cache(maxsize=1)
def table() -> _Table:
    data = load_yaml(DATA.read_text(encoding="utf-8"))
    ci: dict[str, Outlet] = {}
    cs: dict[str, Outlet] = {}
    dom: dict[str, Outlet] = {}
    names: dict[str, Outlet] = {}
    alts_ci: list[str] = []
    alts_cs: list[str] = []
    for entry in data["outlets"]:
        o = Outlet(entry["name"], entry.get("country"))
        names[o.name.lower()] = o
        aliases = {str(a) for a in entry.get("aliases", [])} | {o.name}
        for a in aliases:
            if "." in a:
                ci.setdefault(a.lower(), o)
                alts_ci.append(re.escape(a))
            else:
                for v in (a, a.upper()):
                    cs.setdefault(v, o)
                    alts_cs.append(re.escape(v))
        for d in entry.get("domains", []):
            dom[d.lower()] = o
    pats = [(re.compile(p["regex"]), p["template"], p.get("country")) for p in data.get("patterns", [])]
    alts_ci = sorted(set(alts_ci), key=len, reverse=True)
    alts_cs = sorted(set(alts_cs), key=len, reverse=True)
    # pattern families join the alternation; a leading global "(?i)" becomes a scoped group
    fam = "|".join(
        "(?i:" + p["regex"][4:] + ")" if p["regex"].startswith("(?i)") else "(?:" + p["regex"] + ")"
        for p in data.get("patterns", [])
    )
    alias_re = re.compile(
        r"(?<![\w.])(?:(?i:"
        + "|".join(alts_ci)
        + r")|"
        + "|".join(alts_cs)
        + (f"|{fam}" if fam else "")
        + r")(?![\w])"
    )
    return _Table(ci, cs, dom, names, alias_re, pats)


@lru_cache(maxsize=1)
def not_places() -> frozenset[str]:
    """Rubric labels that open a lead like a dateline ("OPINI - ") but are not places."""
    data = load_yaml(DATA.read_text(encoding="utf-8"))
    return frozenset(str(w).lower() for w in data.get("not_places", []))


def lookup(name: str | None) -> Outlet | None:
    """The known outlet a spelling or domain stands for, else None."""
    if not name:
        return None
    s = name.strip().strip(".,;:()[]")
    t = table()
    o = t.by_alias_cs.get(s) or t.by_alias_ci.get(s.lower()) or t.by_name.get(s.lower())
    if o:
        return o
    for rx, template, country in t.patterns:
        m = rx.fullmatch(s) or rx.search(s)
        if m and m.group(0).lower() == s.lower():
            return Outlet(template.replace("{1}", m.group(1).capitalize()), country)
    if "." in s or "/" in s:
        return from_url(s)
    return None


def from_url(url: str | None) -> Outlet | None:
    """The outlet a URL or bare host belongs to (longest matching domain suffix)."""
    if not url:
        return None
    u = url if "//" in url else "//" + url
    try:
        parsed = urlparse(u)
    except ValueError:
        return None
    host = (parsed.hostname or "").lower()
    path = parsed.path.lower()
    t = table()
    best: tuple[int, Outlet] | None = None
    for d, o in t.by_domain.items():
        dhost, _, dpath = d.partition("/")
        if (host == dhost or host.endswith("." + dhost)) and (
            not dpath or path.lstrip("/").startswith(dpath)
        ):
            score = len(d)
            if best is None or score > best[0]:
                best = (score, o)
    if best:
        return best[1]
    for rx, template, country in t.patterns:
        m = rx.search(host)
        if m:
            return Outlet(template.replace("{1}", m.group(1).capitalize()), country)
    return None


def normalise(name: str | None) -> str | None:
    """Canonical outlet name for a given spelling; unknown names come back trimmed, not dropped."""
    if not name or not name.strip():
        return None
    o = lookup(name)
    if o:
        return o.name
    # "Kompas.com - Internasional" (feed titles), "Detiknews": try the first part.
    head = re.split(r"\s+[-|–—:]\s+", name.strip())[0]
    o = lookup(head)
    return o.name if o else name.strip()


def is_indonesian(name: str | None) -> bool:
    o = lookup(name) if name else None
    return bool(o and o.country == "IDN")


def find_all(text: str) -> list[tuple[int, int, str]]:
    """Every known outlet mention in text as (start, end, canonical name)."""
    out = []
    for m in table().alias_re.finditer(text):
        o = lookup(m.group(0))
        if o:
            out.append((m.start(), m.end(), o.name))
    return out
