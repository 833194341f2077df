"""Load the actor knowledge base from the package data files (and the user's local file).

Why a separate module: the resolver only needs flat, pre-indexed records; keeping YAML/TSV parsing
here makes the resolver testable with an in-memory KB and keeps load cost in one place.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

try:  # the C loader is ~10x faster on the KB files
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

DATA = Path(__file__).resolve().parent / "data"
LOCAL_DEFAULT = DATA / "local.yaml"


def local_path() -> Path:
    """The user KB file: $PANTAU_ACTORS if set, else pantau/actors/data/local.yaml."""
    env = os.environ.get("PANTAU_ACTORS")
    return Path(env) if env else LOCAL_DEFAULT


@dataclass
class Term:
    office: str
    start: dt.date | None
    end: dt.date | None
    sector: str | None = None
    code: str | None = None


@dataclass
class KBEntry:
    """One actor of the KB (a state, metonym, organisation, group or person)."""

    kind: str  # country | metonym | org | group | person
    name: str
    code: str
    sector: str
    label: str
    aliases: list[str]
    wikidata: str | None = None
    terms: list[Term] = field(default_factory=list)
    other_sector: str | None = None
    after_lower: bool = False  # alias only counts when the previous word is not capitalised
    source: str = "kb"
    # a home-default name ("Istana", "Kemlu") gives way when a foreign state follows it directly
    # ("Istana Kepresidenan Rusia", "Kemlu China"): that state owns it
    yield_to_owner: bool = False

    def at(self, day: dt.date | None) -> tuple[str, str, str | None]:
        """(code, sector, office) valid on ``day``; outside every term: code and other_sector."""
        if day is not None and self.terms:
            for t in self.terms:
                if (t.start is None or t.start <= day) and (t.end is None or day < t.end):
                    return t.code or self.code, t.sector or self.sector, t.office
            return self.code, self.other_sector or self.sector, None
        return self.code, self.sector, self.terms[0].office if self.terms else None


@dataclass
class Role:
    id: str
    sector: str
    kind: str  # person | body | collective
    phrases: list[str]
    code: str | None = None
    alone_code: str | None = None
    standalone: bool = False
    inherit: bool = False


@dataclass
class KB:
    entries: list[KBEntry]
    roles: list[Role]
    blockers: list[str]
    joiners: list[str]
    former: list[str]
    version: str


def _date(v: Any) -> dt.date | None:
    if v is None or v == "":
        return None
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v))


def _terms(raw: list[dict] | None) -> list[Term]:
    return [
        Term(
            str(t.get("office", "")), _date(t.get("from")), _date(t.get("to")), t.get("sector"), t.get("code")
        )
        for t in raw or []
    ]


def _entry(kind: str, d: dict, default_label: str, source: str) -> KBEntry:
    aliases = [str(a) for a in d.get("aliases", [])]
    name = str(d.get("name") or aliases[0])
    if name not in aliases:
        aliases.append(name)
    return KBEntry(
        kind=kind,
        name=name,
        code=str(d["code"]),
        sector=str(d.get("sector", "GOV")),
        label=str(d.get("label", default_label)),
        aliases=aliases,
        wikidata=d.get("wikidata"),
        terms=_terms(d.get("terms")),
        other_sector=d.get("other_sector"),
        after_lower=bool(d.get("after_lower", False)),
        source=source,
        yield_to_owner=bool(d.get("yield_to_owner", False)),
    )


def _read_yaml_entries(data: dict, source: str) -> list[KBEntry]:
    out: list[KBEntry] = []
    for d in data.get("metonyms", []) or []:
        out.append(_entry("metonym", d, "ACTOR", source))
    for d in data.get("organizations", []) or []:
        out.append(_entry("org", d, "ORG", source))
    for d in data.get("groups", []) or []:
        out.append(_entry("group", d, "ORG", source))
    for d in data.get("people", []) or []:
        out.append(_entry("person", d, "PER", source))
    return out


def load_kb(data_dir: Path = DATA, local: Path | None = None) -> KB:
    """Read countries.tsv + actors.yaml + roles.yaml + the local user file into one KB."""
    main = yaml.load((data_dir / "actors.yaml").read_text(encoding="utf-8"), Loader=_Loader)
    extra_country = {k: list(v) for k, v in (main.get("countries") or {}).items()}
    entries: list[KBEntry] = []
    with (data_dir / "countries.tsv").open(encoding="utf-8") as fh:
        rows = [line for line in fh if not line.startswith("#")]
    for row in csv.DictReader(rows, delimiter="\t"):
        aliases = [a for a in row["aliases"].split("|") if a]
        for a in extra_country.pop(row["alpha3"], []):
            if a not in aliases:
                aliases.append(a)
        entries.append(KBEntry("country", row["name_id"], row["alpha3"], "GOV", "LOC", aliases))
    for code, aliases in extra_country.items():  # states CLDR does not list (e.g. XKX)
        entries.append(KBEntry("country", aliases[0], code, "GOV", "LOC", aliases))
    entries += _read_yaml_entries(main, "kb")
    for code, names in (main.get("regions") or {}).items():
        for nm in names:
            entries.append(KBEntry("region", str(nm), str(code), "GOV", "LOC", [str(nm)]))
    lp = local if local is not None else local_path()
    if lp.exists():
        entries += _read_yaml_entries(
            yaml.load(lp.read_text(encoding="utf-8"), Loader=_Loader) or {}, "local"
        )
    rdata = yaml.load((data_dir / "roles.yaml").read_text(encoding="utf-8"), Loader=_Loader)
    roles = [
        Role(
            id=r["id"],
            sector=r["sector"],
            kind=r["kind"],
            phrases=[str(p) for p in r["phrases"]],
            code=r.get("code"),
            alone_code=r.get("alone_code"),
            standalone=bool(r.get("standalone", False)),
            inherit=bool(r.get("inherit", False)),
        )
        for r in rdata["roles"]
    ]
    version = "?"
    for line in (data_dir / "actors.yaml").read_text(encoding="utf-8").splitlines()[:3]:
        if "Version:" in line:
            version = line.split("Version:")[1].strip()
    return KB(
        entries=entries,
        roles=roles,
        blockers=[str(b) for b in main.get("blockers", [])],
        joiners=[str(j) for j in rdata.get("joiners", [])],
        former=[str(f) for f in rdata.get("former", [])],
        version=version,
    )


def sources(data_dir: Path = DATA) -> list[Path]:
    """The files ``load_kb`` reads (and this module): what a table derived from the KB depends on."""
    return [data_dir / "actors.yaml", data_dir / "countries.tsv", data_dir / "roles.yaml", local_path(),
            Path(__file__)]


_CACHED: KB | None = None


def load_kb_cached() -> KB:
    """The default KB, parsed once per process (places and actors share it); read back from
    ``pantau.cache``'s cache while its files are unchanged (a tenth of the YAML parsing)."""
    global _CACHED
    if _CACHED is None:
        from pantau.cache import cached

        _CACHED = from_plain(cached("actor-kb", sources(), _plain_kb))
    return _CACHED


def _plain_kb() -> tuple[Any, ...]:
    return to_plain(load_kb())


def _ordinal(day: dt.date | None) -> int | None:
    return None if day is None else day.toordinal()


def _day(n: int | None) -> dt.date | None:
    return None if n is None else dt.date.fromordinal(n)


def to_plain(kb: KB) -> tuple[Any, ...]:
    """The KB as plain data (tuples in field order, days as ordinals) for ``pantau.cache``."""
    names = [f.name for f in fields(KBEntry)]
    entries = [
        tuple(
            [(t.office, _ordinal(t.start), _ordinal(t.end), t.sector, t.code) for t in e.terms]
            if n == "terms" else getattr(e, n)
            for n in names
        )
        for e in kb.entries
    ]
    roles = [tuple(getattr(r, f.name) for f in fields(Role)) for r in kb.roles]
    return entries, roles, kb.blockers, kb.joiners, kb.former, kb.version


def from_plain(data: tuple[Any, ...]) -> KB:
    """The KB back from ``to_plain``'s data."""
    entries, roles, blockers, joiners, former, version = data
    at = [f.name for f in fields(KBEntry)].index("terms")
    out = []
    for row in entries:
        values = list(row)
        values[at] = [Term(o, _day(a), _day(b), sec, code) for o, a, b, sec, code in row[at]]
        out.append(KBEntry(*values))
    return KB(out, [Role(*r) for r in roles], list(blockers), list(joiners), list(former), version)


def clear_cache() -> None:
    global _CACHED
    _CACHED = None


def append_local(
    name: str,
    code: str,
    sector: str,
    aliases: list[str] | None = None,
    office: str | None = None,
    kind: str = "people",
    wikidata: str | None = None,
    path: Path | None = None,
) -> Path:
    """Append one actor to the user KB file (created with a header if missing)."""
    p = path or local_path()
    data: dict = {}
    if p.exists():
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    rec: dict[str, Any] = {"name": name, "code": code.upper(), "sector": sector.upper()}
    if aliases:
        rec["aliases"] = list(aliases)
    if office:
        rec["terms"] = [{"office": office, "from": None, "to": None}]
    if wikidata:
        rec["wikidata"] = wikidata
    data.setdefault(kind, []).append(rec)
    header = (
        "# Pantau user actor KB (written by `pantau actors add`; same format as actors.yaml).\n"
        "# Loaded after the shipped KB; set $PANTAU_ACTORS to use another file.\n"
    )
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p
