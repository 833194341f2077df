"""`pantau actors`: inspect and extend the actor knowledge base.

pantau actors lookup "Menlu Rusia" [--date 2022-11-08]
pantau actors --unknown [--db pantau.duckdb] [--top 50]
pantau actors add "Enrique Manalo" --code PHL --sector GOV --alias Manalo \
    --office "Menteri Luar Negeri Filipina"
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import click

from pantau.cli import main
from pantau.cli.common import DB_HELP, UpperChoice, print_table

# PLOVER sectors (EVENTS.md section 3).
SECTORS = ("GOV", "MIL", "SPY", "LEG", "JUD", "COP", "REB", "OPP", "PTY", "JRN", "BUS", "NGO", "CVL", "UNK")


@main.group(invoke_without_command=True)
@click.option("--unknown", is_flag=True, help="List people named in stored articles who are not in the KB.")
@click.option("--db", type=click.Path(dir_okay=False), default=None, help=DB_HELP)
@click.option("--top", type=int, default=50, show_default=True, help="How many unknown names to list.")
@click.option(
    "--recompute",
    is_flag=True,
    help="Re-resolve the stored article texts instead of reading the entities table.",
)
@click.pass_context
def actors(ctx: click.Context, unknown: bool, db: str | None, top: int, recompute: bool) -> None:
    """Actor knowledge base: lookup, unknown actors, additions."""
    if ctx.invoked_subcommand is not None:
        return
    if not unknown:
        from pantau.actors import get_resolver
        from pantau.actors.kb import local_path

        kb = get_resolver().kb
        kinds = Counter(e.kind for e in kb.entries)
        click.echo(
            f"actor KB version {kb.version}: "
            + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
            + f", roles {len(kb.roles)}; local file: {local_path()}"
        )
        click.echo("Use --unknown, `pantau actors lookup TEXT` or `pantau actors add NAME ...`.")
        return
    _list_unknown(db, top, recompute)


def _list_unknown(db: str | None, top: int, recompute: bool) -> None:
    """Unknown = a PER entity with a name, no Wikidata id, and a name not in the KB."""
    import duckdb

    from pantau.actors import get_resolver
    from pantau.store import Store

    resolver = get_resolver()
    try:
        store = Store(db, read_only=True)
    except (duckdb.Error, FileNotFoundError) as exc:
        raise click.ClickException(f"cannot open database {db or 'pantau.duckdb'}: {exc}") from exc
    counts: Counter[tuple[str, str | None, str | None]] = Counter()
    examples: dict[tuple[str, str | None, str | None], str] = {}
    with store:
        if recompute:
            from pantau.records import Article

            rows = store.con.execute("SELECT id, text, published FROM articles").fetchall()
            for aid, text, published in rows:
                art = Article(id=aid, text=text or "", published=published)
                for e in resolver.resolve_mentions(None, art):
                    if e.label == "PER" and resolver.is_unknown(e):
                        key = (e.name or e.text, e.code, e.sector)
                        counts[key] += 1
                        examples.setdefault(key, e.text)
        else:
            rows = store.con.execute(
                "SELECT name, text, code, sector FROM entities WHERE label = 'PER' AND wikidata IS NULL "
                "AND name IS NOT NULL"
            ).fetchall()
            for name, text, code, sector in rows:
                if name.lower() in resolver.known_names:
                    continue
                key = (name, code, sector)
                counts[key] += 1
                examples.setdefault(key, text)
    if not counts:
        click.echo("no unknown actors")
        return
    print_table(
        [("mentions", "right"), ("name", "left"), ("code", "nowrap"), ("sector", "nowrap"),
         ("example", "left")],
        ([n, name, code or "-", sector or "-", examples[(name, code, sector)]]
         for (name, code, sector), n in counts.most_common(top)),
    )


@actors.command("lookup")
@click.argument("text")
@click.option("--date", "date_", default=None, help="Reference date (YYYY-MM-DD) for office terms.")
@click.option("--country", default=None, help="Context country code for untitled roles.")
def lookup_cmd(text: str, date_: str | None, country: str | None) -> None:
    """Resolve TEXT ("Menlu Rusia", "pasukan Putin") and print the actor as JSON."""
    from dataclasses import asdict

    from pantau.actors import get_resolver

    ref = dt.date.fromisoformat(date_) if date_ else dt.date.today()
    ent = get_resolver().lookup(text, context_country=country, ref=ref)
    if ent is None:
        raise click.ClickException(f"no actor found in {text!r}")
    click.echo(json.dumps(asdict(ent), ensure_ascii=False))


@actors.command("add")
@click.argument("name")
@click.option("--code", required=True, help="ISO alpha-3 or NATO/UN/EU/... (EVENTS.md section 3).")
@click.option(
    "--sector",
    required=True,
    type=UpperChoice(SECTORS),
    help="PLOVER sector (EVENTS.md section 3).",
)
@click.option("--alias", "aliases", multiple=True, help="Another spelling (repeatable), e.g. the surname.")
@click.option("--office", default=None, help='Office held, in Indonesian ("Menteri Luar Negeri Filipina").')
@click.option("--wikidata", default=None, help="Wikidata Q-id, only if known.")
@click.option(
    "--kind",
    type=click.Choice(["people", "organizations", "groups", "metonyms"]),
    default="people",
    show_default=True,
)
def add_cmd(
    name: str,
    code: str,
    sector: str,
    aliases: tuple[str, ...],
    office: str | None,
    wikidata: str | None,
    kind: str,
) -> None:
    """Append NAME to the user KB file ($PANTAU_ACTORS or pantau/actors/data/local.yaml)."""
    from pantau.actors import reset_resolver
    from pantau.actors.kb import append_local

    if not (code.isalpha() and 2 <= len(code) <= 5):
        raise click.BadParameter(f"code {code!r} is not an ISO alpha-3 or bloc code")
    sector = sector.upper()
    path = append_local(name, code, sector, list(aliases), office, kind=kind, wikidata=wikidata)
    reset_resolver()
    click.echo(f"added {name} ({code.upper()} {sector.upper()}) to {path}")
