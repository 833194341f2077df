"""CLI of the stories layer: ``pantau stories``, ``pantau index``, ``pantau alerts``."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any

import click

from pantau.cli import main
from pantau.cli.common import check_dyad, db_option, print_table


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


def _span(first: Any, last: Any) -> str:
    return f"{first or '?'}" if first == last else f"{first or '?'}..{last or '?'}"


def _ids(ids: Sequence[str], n: int = 2) -> str:
    return ", ".join(ids[:n]) + (f" (+{len(ids) - n})" if len(ids) > n else "")


def _json_default(o: Any) -> Any:
    return o.isoformat() if hasattr(o, "isoformat") else str(o)


_STAT_WORDS = {
    "articles": "articles clustered", "stories_new": "new stories", "duplicates": "duplicates",
    "retracted": "retracted", "events": "events", "events_skipped": "events skipped",
    "canonical_new": "new canonical events", "canonical_updated": "canonical events updated",
    "index_rows": "index rows", "alerts": "alerts updated",
}


def describe_update(stats: dict[str, Any]) -> str:
    """One human line for the stats of ``stories.update``: the non-zero counts, then the time."""
    parts = [f"{stats[k]} {w}" for k, w in _STAT_WORDS.items() if stats.get(k)]
    skip = {*_STAT_WORDS, "seconds", "partial"}
    parts += [f"{k} {v}" for k, v in stats.items() if k not in skip and v]
    line = "updated: " + (", ".join(parts) or "nothing new")
    if stats.get("seconds") is not None:
        line += f" in {stats['seconds']} s"
    return line + (" (partial: run again to finish)" if stats.get("partial") else "")


def _update(store: Any, quiet: bool) -> None:
    from pantau import stories

    stats = stories.update(store)
    if not quiet and (stats.get("articles") or stats.get("events")):
        click.echo(describe_update(stats), err=True)


@main.command("stories")
@click.argument("action", required=False, default="list", type=click.Choice(["list", "show"]))
@click.argument("story_id", required=False)
@db_option
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@click.option("--limit", type=int, default=30, show_default=True, help="rows of the table listing")
@click.option("--min-articles", type=int, default=1, show_default=True)
@click.option("--no-update", is_flag=True, help="do not process new articles/events first")
@click.option("--explain", "explain", default=None, metavar="STORY",
              help="why each article of STORY joined it (merge features, contributions, P)")
def stories_cmd(action: str, story_id: str | None, db: str | None, fmt: str, limit: int, min_articles: int,
                no_update: bool, explain: str | None) -> None:
    """Stories: clusters of articles about one event or tightly connected development.

    Runs the incremental update first. ``--format jsonl`` prints every story as
    {"story", "title", "articles", "events"}.
    """
    from pantau import stories

    with _open(db) as store:
        if not no_update:
            _update(store, quiet=fmt == "jsonl")
        con = store.con
        if explain:
            _explain(con, explain, fmt)
            return
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
                click.echo(f"  * {e['day']} {e['type']:<9} {who:<14} independent outlets={e['n_sources']} "
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
        print_table(
            [("story", "nowrap"), ("dates", "nowrap"), ("articles", "right"), ("indep. outlets", "right"),
             ("events", "right"), ("title", "left")],
            ([r["id"], _span(r["first_date"], r["last_date"]), r["n_articles"], r["n_outlets"],
              r["n_events"], r["title"] or "(untitled)"] for r in rows),
        )


def _explain(con: Any, story_id: str, fmt: str) -> None:
    """Print the merge decision kept for each article of a story."""
    from pantau import stories

    rows = stories.story_reasons(con, story_id)
    if not rows:
        raise click.ClickException(f"no story {story_id}")
    if fmt == "jsonl":
        for r in rows:
            click.echo(json.dumps(r, default=_json_default, ensure_ascii=False))
        return
    for r in rows:
        why = r["reason"] or {}
        head = f"{r['published_date'] or '?'} {(r['outlet'] or '?')[:18]:<18} {(r['title'] or '')[:60]}"
        if "copy_of" in why:
            click.echo(f"{head}\n    copy of {why['copy_of']} (similarity {why['similarity']})")
        elif "contributions" in why:
            top = sorted(why["contributions"].items(), key=lambda kv: -abs(kv[1]))
            parts = ", ".join(f"{k}={why['features'][k]} ({v:+.2f})" for k, v in top if abs(v) >= 0.05)
            rival = why.get("runner_up")
            alt = f"; runner-up {rival['story']} P={rival['p']}" if rival else ""
            model = f" ({why['model']} model)" if why.get("model") else ""
            click.echo(f"{head}\n    joined: P={why['p']}{model}: {parts}{alt}")
        else:
            best = why.get("best")
            alt = f" (best candidate {best['story']} P={best['p']})" if best else ""
            click.echo(f"{head}\n    started the story{alt}")


@main.command("index")
@db_option
@click.option("--dyad", "dyads", multiple=True, callback=check_dyad,
              help="e.g. RUS-UKR (repeatable; order does not matter), or one code, e.g. RUS")
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
            print_table(
                [("dyad", "nowrap"), ("events", "right"), ("first", "nowrap"), ("last", "nowrap"),
                 ("conflict", "right"), ("cooperation", "right")],
                ([d["dyad"], d["n_events"], d["first_day"], d["last_day"], f"{d['conflict']:.1f}",
                  f"{d['cooperation']:.1f}"] for d in stories.list_dyads(con, limit=100)),
            )
            return
        rows: list[dict[str, Any]] = []
        for dy in dyads:
            got = stories.index_series(con, dy, lo, hi, fill=fill)
            if not got:
                click.echo(f"no index rows for {dy} (`pantau index` lists the dyads with events)", err=True)
            rows.extend(got)
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
                print_table(
                    [("dyad", "nowrap"), ("day", "nowrap"), ("score", "right"), ("conflict", "right"),
                     ("cooperation", "right"), ("cbrn", "right"), ("events", "right")],
                    ([r["dyad"], r["day"], f"{r['score']:.2f}", f"{r['conflict']:.2f}",
                      f"{r['cooperation']:.2f}", f"{r['cbrn']:.2f}", r["n_events"]] for r in rows),
                    file=fh,
                )
        finally:
            if output:
                fh.close()


@main.command("alerts")
@db_option
@click.option("--dyad", default=None, callback=check_dyad, help="e.g. RUS-UKR")
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
        print_table(
            [("day", "nowrap"), ("dyad", "nowrap"), ("channel", "nowrap"), ("kind", "nowrap"),
             ("value", "right"), ("baseline", "right"), ("z", "right"), ("events", "left")],
            ([r["day"], r["dyad"], r["channel"], r["kind"].replace("_", " "), f"{r['value']:.1f}",
              f"{r['baseline']:.1f}", f"{r['z']:.1f}", _ids(r["event_ids"])] for r in rows),
        )
