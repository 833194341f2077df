"""``pantau explain``: show each coded event of an article with its highlighted evidence and trace."""

from __future__ import annotations

import sys
from typing import Any

import click

from pantau.cli import main
from pantau.cli.common import DB_HELP

BOLD, DIM, RESET = "\033[1m", "\033[2m", "\033[0m"


def _names(ents: list[dict[str, Any]] | None) -> str:
    out = []
    for e in ents or []:
        label = e.get("name") or e.get("text") or "?"
        out.append(f"{label} [{e.get('code') or '?'}/{e.get('sector') or '?'}]")
    return ", ".join(out) or "-"


def highlight(text: str, spans: list[dict[str, Any]], color: bool, context: int = 60) -> list[str]:
    """Each evidence span with some surrounding text, the span itself in bold (or [[brackets]])."""
    lines = []
    for sp in spans:
        s, e = int(sp["start"]), int(sp["end"])
        a, b = max(0, s - context), min(len(text), e + context)
        left, mid, right = text[a:s], text[s:e], text[e:b]
        mid = f"{BOLD}{mid}{RESET}" if color else f"[[{mid}]]"
        pre = "…" if a > 0 else ""
        post = "…" if b < len(text) else ""
        lines.append((pre + left + mid + right + post).replace("\n", " ⏎ "))
    return lines


def render(article: dict[str, Any], events: list[dict[str, Any]], color: bool,
           sources: dict[str, tuple[str, int, list[str]]] | None = None) -> str:
    """The explanation text for one article (events in article order); ``sources``: event id ->
    (canonical event, independent outlets, their names) where the stories stage has run."""
    text = article.get("text") or ""
    out = [
        f"{article.get('id')}  {article.get('title') or ''}  ({article.get('published') or '?'})",
        f"{len(events)} event(s)",
    ]
    for ev in events:
        fact = ev.get("factuality") or "asserted"
        date = ev.get("date")
        date = f"{str(date)[:10]} ({ev.get('date_precision')})" if date else "no date"
        mode = f"/{ev['mode']}" if ev.get("mode") else ""
        who = f"{_names(ev.get('actor'))} -> {_names(ev.get('recipient'))}"
        head = f"{ev.get('id')}  {ev.get('type')}{mode}  {who}"
        out.append("")
        out.append(f"{BOLD}{head}{RESET}" if color else head)
        ctx = ",".join(ev.get("context") or []) or "-"
        out.append(
            f"  {fact}; {date}; context {ctx}; confidence {ev.get('confidence')}"
            + ("; quoted" if ev.get("quote") else "")
        )
        out.append(f"  why: {ev.get('pattern')}")
        if sources is not None and ev.get("id") in sources:
            cid, n, names = sources[ev["id"]]
            out.append(f"  reported by {n} independent outlet{'s' if n != 1 else ''} "
                       f"({', '.join(names)}; canonical event {cid})")
        for line in highlight(text, ev.get("evidence") or [], color):
            out.append(f"  > {line}")
    return "\n".join(out)


@main.command()
@click.argument("article_id")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None, help=DB_HELP)
@click.option(
    "--input",
    "input_path",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="Run the pipeline on this input file instead of reading the store.",
)
@click.option("--color/--no-color", default=None, help="ANSI bold highlighting (default: when a terminal).")
def explain(article_id: str, db_path: str | None, input_path: str | None, color: bool | None) -> None:
    """Show each event of ARTICLE_ID (an id or unique prefix) with its evidence highlighted and its trace."""
    color = sys.stdout.isatty() if color is None else color
    if input_path:
        from pantau.ingest import read_inputs
        from pantau.pipeline import process_all

        for res in process_all(read_inputs([input_path])):
            art = getattr(res, "article", None)
            if art is not None and (art.id == article_id or art.id.startswith(article_id)):
                d = res.to_dict()
                click.echo(render(d["article"], d["events"], color))
                return
        raise click.ClickException(f"no article {article_id!r} in {input_path}")
    from pantau.store import Store, default_db_path

    path = db_path or default_db_path()
    with Store(path, read_only=True) as store:
        ids = store.resolve_id(article_id)
        if not ids:
            raise click.ClickException(f"no article {article_id!r} in {path}")
        if len(ids) > 1:
            raise click.ClickException(f"ambiguous id {article_id!r}: {', '.join(ids)}")
        art = store.article(ids[0])
        sources = canonical_sources(store.con, ids[0])
    assert art is not None
    events = sorted(
        art.get("events") or [],
        key=lambda e: (
            int(str(e.get("id", "")).rsplit(":e", 1)[-1] or 0)
            if str(e.get("id", "")).rsplit(":e", 1)[-1].isdigit()
            else 0
        ),
    )
    click.echo(render(art, events, color, sources))


def outlet_counts(con: Any, event_ids: list[str]) -> dict[str, int]:
    """Event id -> independent outlets that reported its canonical event (empty before ``pantau stories``)."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if not event_ids or not {"event_mentions", "canonical_events"} <= tables:
        return {}
    rows = con.execute(
        "SELECT m.event_id, c.n_sources FROM event_mentions m "
        "JOIN canonical_events c ON c.id = m.canonical_id WHERE m.event_id IN (SELECT unnest(?::VARCHAR[]))",
        [list(event_ids)],
    ).fetchall()
    return {r[0]: int(r[1] or 0) for r in rows}


def canonical_sources(con: Any, article_id: str) -> dict[str, tuple[str, int, list[str]]] | None:
    """Event id -> (canonical event, independent outlets, their names) for one article's events; None when
    the stories stage has not run (why: "how many independent outlets reported it", copies counted once)."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if not {"event_mentions", "canonical_events"} <= tables:
        return None
    rows = con.execute(
        "SELECT m.event_id, c.id, c.n_sources, c.sources FROM event_mentions m "
        "JOIN canonical_events c ON c.id = m.canonical_id WHERE m.article_id = ?",
        [article_id],
    ).fetchall()
    return {r[0]: (r[1], int(r[2] or 0), list(r[3] or [])) for r in rows}
