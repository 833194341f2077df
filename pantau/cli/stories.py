"""CLI of the stories layer: ``pantau stories``, ``pantau index``, ``pantau alerts``."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from typing import Any

import click

from pantau.cli import main


def _open(db: str | None, read_only: bool = False) -> Any:
    from pantau.store import Store, default_db_path

    return Store(db or default_db_path(), read_only=read_only)


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def _json_default(o: Any) -> Any:
    return o.isoformat() if hasattr(o, "isoformat") else str(o)


def _update(store: Any, quiet: bool) -> None:
    from pantau import stories

    stats = stories.update(store)
    if not quiet and (stats.get("articles") or stats.get("events")):
        click.echo(f"updated: {json.dumps(stats, default=_json_default)}", err=True)


@main.command("stories")
@click.argument("action", required=False, default="list", type=click.Choice(["list", "show"]))
@click.argument("story_id", required=False)
@click.option("--db", default=None, help="database path (default $PANTAU_DB or ./pantau.duckdb)")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@click.option("--limit", type=int, default=30, show_default=True, help="rows of the table listing")
@click.option("--min-articles", type=int, default=1, show_default=True)
@click.option("--no-update", is_flag=True, help="do not process new articles/events first")
def stories_cmd(action: str, story_id: str | None, db: str | None, fmt: str, limit: int, min_articles: int,
                no_update: bool) -> None:
    """Stories: clusters of articles about one event or tightly connected development.

    Runs the incremental update first. ``--format jsonl`` prints every story as
    {"story", "title", "articles", "events"}.
    """
    from pantau import stories

    with _open(db) as store:
        if not no_update:
            _update(store, quiet=fmt == "jsonl")
        con = store.con
        if action == "show":
            if not story_id:
                raise click.UsageError("pantau stories show STORY_ID")
            st = stories.get_story(con, story_id)
            if st is None:
                raise click.ClickException(f"no story {story_id}")
            if fmt == "jsonl":
                click.echo(json.dumps(st, default=_json_default, ensure_ascii=False))
                return
            click.echo(f"{st['id']}  {st['title']}")
            click.echo(f"  {st['first_date']} .. {st['last_date']}  {st['n_articles']} articles, "
                       f"{st['n_outlets']} independent outlets: {', '.join(st['outlets'] or [])}")
            if st["main_actors"]:
                click.echo(f"  actors: {', '.join(st['main_actors'])}")
            for a in st["articles"]:
                dup = f"  [{a['relation']} of {a['duplicate_of'][:10]}]" if a["duplicate_of"] else ""
                when, outlet = a["published"] or "?", a["outlet"] or "?"
                click.echo(f"  - {when:<10} {outlet:<22} {a['title'] or ''}{dup}")
            for e in st["events"]:
                who = "+".join(e["actor_codes"] or []) + (">" + "+".join(e["recipient_codes"])
                                                          if e["recipient_codes"] else "")
                click.echo(f"  * {e['day']} {e['type']:<9} {who:<14} sources={e['n_sources']} "
                           f"mentions={e['n_mentions']} {'[cbrn] ' if e['cbrn'] else ''}{e['id']}")
            return
        if fmt == "jsonl":
            members = stories.story_members(con)
            events = stories.story_events(con)
            order = con.execute(
                "SELECT id, title FROM stories WHERE n_articles >= ? ORDER BY first_date NULLS LAST, id",
                [min_articles],
            ).fetchall()
            for sid, title in order:
                if sid in members:
                    click.echo(json.dumps({"story": sid, "title": title, "articles": members[sid],
                                           "events": events.get(sid, [])}, ensure_ascii=False))
            return
        rows = stories.list_stories(con, limit=limit, min_articles=min_articles)
        click.echo(f"{'story':<20} {'dates':<23} {'art':>3} {'out':>3} {'ev':>3}  title")
        for r in rows:
            span = f"{r['first_date'] or '?'}..{r['last_date'] or '?'}"
            click.echo(f"{r['id']:<20} {span:<23} {r['n_articles']:>3} {r['n_outlets']:>3} "
                       f"{r['n_events']:>3}  {(r['title'] or '')[:70]}")


@main.command("index")
@click.option("--db", default=None, help="database path (default $PANTAU_DB or ./pantau.duckdb)")
@click.option("--dyad", "dyads", multiple=True, help="e.g. RUS-UKR (repeatable; order does not matter)")
@click.option("--from", "date_from", default=None, help="first day YYYY-MM-DD")
@click.option("--to", "date_to", default=None, help="last day YYYY-MM-DD")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "parquet"]), default="table",
              show_default=True)
@click.option("--output", "-o", default=None, help="write to FILE (parquet requires it)")
@click.option("--plot", default=None, help="write a PNG chart to this path")
@click.option("--fill", is_flag=True, help="one row per calendar day (zeros where no events)")
@click.option("--no-update", is_flag=True)
def index_cmd(db: str | None, dyads: tuple[str, ...], date_from: str | None, date_to: str | None, fmt: str,
              output: str | None, plot: str | None, fill: bool, no_update: bool) -> None:
    """Escalation index per dyad and day (PLOVER intensity, independent sources, nuclear channel).

    Without --dyad lists the dyads with events.
    """
    from pantau import stories

    lo, hi = _day(date_from), _day(date_to)
    with _open(db) as store:
        if not no_update:
            _update(store, quiet=True)
        con = store.con
        if plot:
            from pantau.stories.plot import plot_index

            chosen = list(dyads) or [d["dyad"] for d in stories.list_dyads(con, limit=2)] or ["RUS-UKR"]
            plot_index(con, chosen, plot, lo, hi)
            click.echo(f"wrote {plot}", err=True)
            if not dyads:
                return
        if not dyads:
            click.echo(f"{'dyad':<12} {'events':>6} {'first':<10} {'last':<10} {'conflict':>9} {'coop':>8}")
            for d in stories.list_dyads(con, limit=100):
                click.echo(f"{d['dyad']:<12} {d['n_events']:>6} {d['first_day']!s:<10} {d['last_day']!s:<10} "
                           f"{d['conflict']:>9.1f} {d['cooperation']:>8.1f}")
            return
        rows: list[dict[str, Any]] = []
        for dy in dyads:
            rows.extend(stories.index_series(con, dy, lo, hi, fill=fill))
        cols = ["dyad", "day", "score", "conflict", "cooperation", "cbrn", "n_events"]
        if fmt == "parquet":
            if not output:
                raise click.UsageError("--format parquet needs --output FILE")
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({c: [r[c] for r in rows] for c in cols}), output)
            click.echo(f"wrote {len(rows)} rows to {output}", err=True)
            return
        fh = open(output, "w", newline="", encoding="utf-8") if output else sys.stdout
        try:
            if fmt == "csv":
                w = csv.writer(fh)
                w.writerow(cols)
                for r in rows:
                    w.writerow([r[c].isoformat() if c == "day" else r[c] for c in cols])
            else:
                fh.write(f"{'dyad':<10} {'day':<10} {'score':>8} {'conflict':>8} {'coop':>8} {'cbrn':>6} "
                         f"{'n':>3}\n")
                for r in rows:
                    fh.write(f"{r['dyad']:<10} {r['day']!s:<10} {r['score']:>8.2f} {r['conflict']:>8.2f} "
                             f"{r['cooperation']:>8.2f} {r['cbrn']:>6.2f} {r['n_events']:>3}\n")
        finally:
            if output:
                fh.close()


@main.command("alerts")
@click.option("--db", default=None, help="database path (default $PANTAU_DB or ./pantau.duckdb)")
@click.option("--dyad", default=None, help="e.g. RUS-UKR")
@click.option("--from", "date_from", default=None)
@click.option("--to", "date_to", default=None)
@click.option("--channel", type=click.Choice(["conflict", "cbrn", "cooperation"]), default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@click.option("--limit", type=int, default=100, show_default=True)
@click.option("--no-update", is_flag=True)
def alerts_cmd(db: str | None, dyad: str | None, date_from: str | None, date_to: str | None,
               channel: str | None, fmt: str, limit: int, no_update: bool) -> None:
    """Escalation alerts: 7-day window against the 28-day trailing baseline (see METHOD.md)."""
    from pantau import stories

    with _open(db) as store:
        if not no_update:
            _update(store, quiet=True)
        rows = stories.alerts(store.con, dyad, date_from=_day(date_from), date_to=_day(date_to),
                              channel=channel, limit=limit)
        if fmt == "jsonl":
            for r in rows:
                click.echo(json.dumps(r, default=_json_default))
            return
        head = ("day", "dyad", "channel", "kind", "value", "base", "z")
        click.echo("{:<10} {:<10} {:<11} {:<20} {:>7} {:>6} {:>5}  events".format(*head))
        for r in rows:
            ids = ", ".join(r["event_ids"][:5])
            click.echo(f"{r['day']!s:<10} {r['dyad']:<10} {r['channel']:<11} {r['kind']:<20} "
                       f"{r['value']:>7.1f} {r['baseline']:>6.1f} {r['z']:>5.1f}  {ids}")
