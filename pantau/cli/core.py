"""Core commands: ``extract``, ``ingest``, ``events``, ``show`` and ``summary``.

Errors about input records go to stderr as ``FILE:LINE: message`` and never stop a
batch; the exit status is 0 when every record went through, 1 when any failed and
2 for usage errors (click's convention).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import textwrap
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from pantau.cli import main
from pantau.cli.common import UpperChoice, db_option, print_table
from pantau.records import EVENT_TYPES, QUAD_NAMES, QUAD_OF, IngestError, RawRecord, Result

BATCH_SIZE = 256
BATCH_SECONDS = 5.0
_WIDTH = 100


# -- shared plumbing -----------------------------------------------------------------
def _check_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Accept YYYY-MM-DD (or an ISO datetime) and nothing else: a typo must not go unnoticed."""
    if value is None:
        return None
    text = value.strip()
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None
    return text


def _read(inputs: tuple[str, ...]) -> Iterator[RawRecord | IngestError]:
    """Records of every input; stdin is read as bytes, line by line; skipped files are named on stderr."""
    from pantau.ingest import read_inputs

    stdin = click.get_binary_stream("stdin") if "-" in inputs else None
    yield from read_inputs(list(inputs), stdin=stdin, warn=_warn)


def _warn(message: str) -> None:
    click.echo(f"pantau: warning: {message}", file=sys.stderr)


def _results(
    inputs: tuple[str, ...], stages: Any, workers: int,
    skip: Callable[[list[Result]], list[bool]] | None = None,
) -> Iterator[tuple[RawRecord | IngestError, Result | IngestError | None]]:
    """(where it came from, what it became) for every input record, in order, on ``workers`` processes.

    With ``skip``, ``skip(results)`` says which cleaned articles need no further work (ingest:
    already stored, unchanged); those are yielded with None and the NLP stage is not run for them.
    """
    from pantau.scale.workers import results

    yield from results(_read(inputs), stages, workers=workers, skip=skip)


def _error(err: IngestError) -> None:
    # sys.stderr as it is now: while a progress bar runs, rich's proxy that prints above the bar
    click.echo(str(err), file=sys.stderr)


published_option = click.option(
    "--published",
    metavar="DATE",
    callback=_check_date,
    help="Publication date (YYYY-MM-DD) for records that carry none.",
)
no_events_option = click.option(
    "--no-events", is_flag=True, help="Only read, clean and add metadata; skip NLP and event extraction."
)
workers_option = click.option(
    "--workers", "-j", type=click.IntRange(1, 1024), default=None, metavar="N",
    help="Worker processes (default: every core). The model loads once; workers fork after it.",
)


def _workers(n: int | None) -> int:
    from pantau.scale.workers import available_cores

    return n or available_cores()


def _open_store(db: str | None, *, read_only: bool) -> Any:
    import duckdb

    from pantau.store import Store

    try:
        return Store(db, read_only=read_only)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise click.ClickException(f"cannot open database {db or 'pantau.duckdb'}: {first}") from exc


# -- extract ---------------------------------------------------------------------------
@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@published_option
@no_events_option
@workers_option
def extract(inputs: tuple[str, ...], published: str | None, no_events: bool, workers: int | None) -> None:
    """Print one JSON result per article (the output contract) to stdout, in input order.

    INPUT is a file (.txt, .jsonl[.gz], .html, .warc ...), a directory, or "-" for stdin.
    """
    from pantau.pipeline import Stages
    from pantau.scale.progress import progress

    failed = 0
    out = click.get_text_stream("stdout")
    with progress("extract", inputs) as advance:
        for _, result in _results(inputs, Stages(published, not no_events), _workers(workers)):
            advance(1)
            failed += _write_result(out, result)
    sys.exit(1 if failed else 0)


def _write_result(out: Any, result: Result | IngestError | None) -> int:
    """One JSON line for a result (0), or its error on stderr (1)."""
    assert result is not None  # nothing is skipped without a skip rule
    if isinstance(result, IngestError):
        _error(result)
        return 1
    try:
        line = json.dumps(result.to_dict(), ensure_ascii=False) + "\n"
        line.encode("utf-8")  # an unencodable character fails this record, not the output stream
    except (TypeError, ValueError) as exc:
        _error(IngestError(result.article.source or result.article.id, None, f"cannot write: {exc}"))
        return 1
    out.write(line)
    out.flush()
    return 0


# -- ingest ----------------------------------------------------------------------------
_STATUSES = ("inserted", "replaced", "unchanged", "failed")


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@db_option
@published_option
@no_events_option
@click.option("--force", is_flag=True, help="Rewrite articles even when their content is unchanged.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=BATCH_SIZE, show_default=True,
              help="Articles per transaction.")
@workers_option
@click.option("--dask", "dask_address", metavar="ADDRESS",
              help="Run the pipeline on a Dask cluster: a scheduler address (tcp://host:8786) or local:N "
                   "for N local worker processes. INPUTs are files, directories or globs.")
@click.option("--shard-size", type=click.IntRange(1, 10_000_000), default=None, metavar="N",
              help="With --dask: JSON-lines records per task (default 256); other files are one task each.")
def ingest(
    inputs: tuple[str, ...], db: str | None, published: str | None, no_events: bool, force: bool,
    batch_size: int, workers: int | None, dask_address: str | None, shard_size: int | None,
) -> None:
    """Extract articles and store them (idempotent: unchanged articles are skipped).

    Prints a summary per INPUT (inserted/replaced/unchanged/failed); each failed record
    is reported on stderr as FILE:LINE: message. Exit status 1 if any record failed.
    """
    from pantau.pipeline import Stages
    from pantau.scale.progress import progress

    if dask_address and "-" in inputs:
        raise click.UsageError("--dask reads files, not stdin")
    if shard_size and not dask_address:
        raise click.UsageError("--shard-size needs --dask")
    store = _open_store(db, read_only=False)
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    batch: list[tuple[RawRecord, Result]] = []
    started = last_flush = time.monotonic()

    def flush() -> None:
        nonlocal last_flush
        if not batch:
            return
        outcomes = _store_batch(store, [r for _, r in batch], force=force)
        for (raw, _), outcome in zip(batch, outcomes, strict=True):
            tally[group(raw.source)][outcome.status] += 1
            if outcome.status == "failed":
                _error(IngestError(raw.source, raw.line, outcome.error or "cannot store"))
        batch.clear()
        last_flush = time.monotonic()

    def group(source: str) -> str:
        """The INPUT argument a record came from (a directory's files are counted under it)."""
        if source in inputs:
            return source
        path = Path(source)
        for arg in inputs:
            if arg != "-" and Path(arg) in path.parents:
                return arg
        return source

    def _take(item: RawRecord | IngestError, result: Result | IngestError | None) -> None:
        if isinstance(result, IngestError):
            tally[group(result.source)]["failed"] += 1
            _error(result)
            return
        assert isinstance(item, RawRecord)
        if result is None:  # already stored with the same content: NLP not run
            tally[group(item.source)]["unchanged"] += 1
            return
        batch.append((item, result))
        if len(batch) >= batch_size or time.monotonic() - last_flush > BATCH_SECONDS:
            flush()

    interrupted = False
    stages = Stages(published, not no_events)
    n_workers = _workers(workers)
    where = f"{n_workers} worker{'s' if n_workers > 1 else ''}"
    try:

        def skip(results: list[Result]) -> list[bool]:
            if force:
                return [False] * len(results)
            return store.unchanged(results, analysed=stages.with_events)

        if dask_address:
            from pantau.scale.cluster import cluster_results

            stream = cluster_results(dask_address, inputs, stages, shard_size=shard_size, warn=_warn,
                                     skip=skip)
            where = f"Dask {dask_address}"
        else:
            stream = _results(inputs, stages, n_workers, skip)
        with progress("ingest", inputs) as advance:
            for item, result in stream:
                advance(1)
                _take(item, result)
    except KeyboardInterrupt:
        interrupted = True
    flush()
    elapsed = time.monotonic() - started
    order = {arg: i for i, arg in enumerate(inputs)}  # rows in input order, not in order of first outcome
    tally = dict(sorted(tally.items(), key=lambda kv: order.get(kv[0], len(order))))
    _print_ingest_summary(tally, elapsed, store, where)
    store.close()
    if interrupted:
        click.echo("pantau: interrupted; everything listed above was stored", err=True)
        sys.exit(130)
    sys.exit(1 if any(c["failed"] for c in tally.values()) else 0)


def _store_batch(store: Any, results: list[Result], *, force: bool) -> list[Any]:
    """``store.upsert_many``; if the batch call itself raises, each article is stored alone so one bad
    article fails alone (its outcome says why)."""
    from pantau.store import UpsertOutcome

    try:
        return store.upsert_many(results, force=force)
    except KeyboardInterrupt:
        raise
    except Exception:  # noqa: BLE001
        if os.environ.get("PANTAU_DEBUG"):
            raise
    outcomes = []
    for result in results:
        try:
            outcomes += store.upsert_many([result], force=force)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001
            why = f"cannot store: {type(exc).__name__}: {exc}"
            outcomes.append(UpsertOutcome(result.article.id, "failed", why))
    return outcomes


def _print_ingest_summary(tally: dict[str, Counter[str]], elapsed: float, store: Any, where: str) -> None:
    """A row per INPUT (when there are several, a total), then one line for the whole run."""
    name_w = max([len("input")] + [len(s) for s in tally] + [len("total")])
    header = f"{'input':<{name_w}}  {'records':>7}" + "".join(f"  {s:>9}" for s in _STATUSES)
    click.echo(header)
    total: Counter[str] = Counter()

    def row(name: str, counts: Counter[str]) -> str:
        cells = "".join(f"  {counts[s]:>9}" for s in _STATUSES)
        return f"{name:<{name_w}}  {sum(counts.values()):>7}{cells}"

    for source, counts in tally.items():
        total.update(counts)
        click.echo(row(source, counts))
    if len(tally) != 1:
        click.echo(row("total", total))
    click.echo(ingest_line(total, elapsed, where, store.path, store.counts()))


def ingest_line(total: Counter[str], elapsed: float, where: str, path: str, counts: dict[str, int]) -> str:
    """The run in one readable line: what happened to the records, how fast, and what the store holds."""
    n = sum(total.values())
    per_s = n / elapsed if elapsed > 0 else 0.0
    rate = f"{per_s:.{0 if per_s >= 10 else 1}f} records/s, " if per_s else ""
    what = ", ".join(f"{total[s]} {s}" for s in _STATUSES if total[s]) or "nothing to do"
    return (
        f"{n} records in {elapsed:.1f} s ({rate}{where}): {what}. Store {path}:"
        f" {counts['articles']} articles, {counts['entities']} entities, {counts['events']} events,"
        f" {counts['quotes']} quotes."
    )


# -- export ----------------------------------------------------------------------------
@main.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["parquet"]), default="parquet", show_default=True)
@click.option("--output", "-o", type=click.Path(file_okay=False), required=True, metavar="DIR",
              help="Directory for one file per table (articles, attributions, entities, events, quotes).")
def export(db: str | None, fmt: str, output: str) -> None:
    """Export every table of the store for downstream tools (DuckDB, Dask, Spark, pandas)."""
    from pantau.scale.parquet import export_store

    with _open_store(db, read_only=True) as store:
        counts = export_store(store, output)
    click.echo(f"exported to {output}: " + ", ".join(f"{n} {table}" for table, n in counts.items()), err=True)


# -- events ----------------------------------------------------------------------------
@main.command()
@db_option
@click.option("--from", "date_from", metavar="DATE", callback=_check_date, help="Events on or after DATE.")
@click.option("--to", "date_to", metavar="DATE", callback=_check_date, help="Events on or before DATE.")
@click.option("--actor", metavar="CODE", help="Actor code, e.g. RUS.")
@click.option("--recipient", metavar="CODE", help="Recipient code, e.g. UKR.")
@click.option("--type", "type_", type=UpperChoice(EVENT_TYPES), help="PLOVER event type, e.g. ASSAULT.")
@click.option("--outlet", help="Outlet name (case-insensitive).")
@click.option("--limit", type=click.IntRange(min=0), default=None, help="At most this many events.")
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip this many events first.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "jsonl", "parquet"]), default="table",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write to FILE instead of stdout (required for parquet).")
def events(
    db: str | None, date_from: str | None, date_to: str | None, actor: str | None, recipient: str | None,
    type_: str | None, outlet: str | None, limit: int | None, offset: int, fmt: str, output: str | None,
) -> None:
    """List stored events, filtered; as a table or exported as csv/jsonl/parquet.

    Dates apply to the event's date, or its article's publication day where the event has none.
    """
    from pantau.cli.events import outlet_counts
    from pantau.store import write_csv, write_jsonl

    if fmt == "parquet" and not output:
        raise click.UsageError("--format parquet needs --output FILE")
    filters = dict(
        date_from=date_from, date_to=date_to, actor=actor, recipient=recipient, type=type_, outlet=outlet,
        limit=limit, offset=offset,
    )
    with _open_store(db, read_only=True) as store:
        if output and fmt != "table":
            n = store.export_events(output, fmt, **filters)
            click.echo(f"{n} events written to {output}", err=True)
            return
        rows = store.events(**filters)
        outlets = outlet_counts(store.con, [r["id"] for r in rows]) if fmt == "table" else {}
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            _events_table(rows, fh, outlets)
        return
    out = click.get_text_stream("stdout")
    if fmt == "jsonl":
        write_jsonl(rows, out)
    elif fmt == "csv":
        write_csv(rows, out)
    else:
        _events_table(rows, sys.stdout, outlets)


def _codes(ev: dict[str, Any], key: str) -> str:
    return "+".join(ev.get(f"{key}_codes") or []) or ("?" if key == "actor" else "-")


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _events_table(rows: list[dict[str, Any]], out: Any, outlets: dict[str, int] | None = None) -> None:
    """The events as a table whose cells wrap (the whole type, dyad and first evidence span); ``outlets``:
    the independent outlets of each event's canonical event, once ``pantau stories`` has run."""
    if not rows:
        print("(no events)", file=out)
        return
    table = []
    for ev in rows:
        typ = ev["type"] + (f"/{ev['mode']}" if ev.get("mode") else "")
        if ev.get("factuality") not in (None, "asserted"):
            typ += f" ({ev['factuality']})"
        evidence = " ".join(((ev.get("evidence") or [{}])[0].get("text") or "").split())
        n = (outlets or {}).get(ev["id"])
        table.append((ev.get("day") or "?", typ, f"{_codes(ev, 'actor')} → {_codes(ev, 'recipient')}",
                      ev.get("outlet") or "", "-" if n is None else str(n), ev["article_id"], evidence))
    print_table([("day", "nowrap"), ("type", "nowrap"), ("actor → recipient", "nowrap"), ("outlet", "left"),
                 ("outlets", "nowrap"), ("article", "nowrap"), ("evidence", "left")], table, file=out)
    print(f"({len(rows)} events)", file=out)


# -- show ------------------------------------------------------------------------------
@main.command()
@click.argument("article_id", metavar="ID")
@db_option
@click.option("--no-text", is_flag=True, help="Leave out the article text.")
def show(article_id: str, db: str | None, no_text: bool) -> None:
    """Show one stored article (ID or a unique prefix of it) with everything extracted from it."""
    with _open_store(db, read_only=True) as store:
        ids = store.resolve_id(article_id)
        if not ids:
            raise click.ClickException(f"no article with id {article_id!r}")
        if len(ids) > 1:
            raise click.ClickException(f"{article_id!r} is ambiguous: {', '.join(ids)}")
        art = store.article(ids[0])
    assert art is not None
    click.echo(render_article(art, with_text=not no_text))


def _entity(e: dict[str, Any] | None) -> str:
    if not e:
        return "?"
    label = e.get("name") or e.get("text") or "?"
    code = "/".join(x for x in (e.get("code"), e.get("sector")) if x)
    return f"{label} [{code}]" if code else label


def render_article(art: dict[str, Any], *, with_text: bool = True) -> str:
    """A stored article (from :meth:`Store.article`) as readable plain text."""
    out: list[str] = []
    title = art.get("title") or "(untitled)"
    out += [title, "=" * min(len(title), _WIDTH)]
    meta = [
        ("id", art["id"]),
        ("outlet", art.get("outlet")),
        ("published", art.get("published")),
        ("url", art.get("url")),
        ("authors", ", ".join(art.get("authors") or [])),
        ("editors", ", ".join(art.get("editors") or [])),
        ("dateline", art.get("dateline")),
        ("attributed to", ", ".join(art.get("attributions") or [])),
        ("language", (f"{art['language']} ({art['language_confidence']:.2f})"
                      if art.get("language") and art.get("language_confidence") is not None
                      else art.get("language"))),
        ("flags", ", ".join(art.get("flags") or [])),
        ("source", art.get("source")),
    ]
    out += [f"{k + ':':<15}{v}" for k, v in meta if v]
    removed = art.get("removed") or []
    if removed:
        rules = Counter(r.get("rule", "?") for r in removed)
        why = ", ".join(f"{k} {n}" for k, n in rules.items())
        out.append(f"{'removed:':<15}{len(removed)} lines ({why})")
    for cap in art.get("captions") or []:
        out.append(f"{'caption:':<15}{_clip(cap, _WIDTH - 15)}")
    if with_text:
        out += ["", "Text", "----"]
        for para in (art.get("text") or "").split("\n"):
            if para.strip():
                out.append(textwrap.fill(para.strip(), _WIDTH))
                out.append("")
        if out[-1] == "":
            out.pop()

    evs = art.get("events") or []
    out += ["", f"Events ({len(evs)})", "------"]
    for i, ev in enumerate(evs, 1):
        typ = ev["type"] + (f"/{ev['mode']}" if ev.get("mode") else "")
        actors = ", ".join(_entity(e) for e in ev.get("actor") or []) or "?"
        recips = ", ".join(_entity(e) for e in ev.get("recipient") or []) or "-"
        when = ev.get("date") or "no date"
        if ev.get("date") and ev.get("date_precision") and ev["date_precision"] != "day":
            when += f" ({ev['date_precision']})"
        extra = [ev.get("factuality") or "asserted", f"confidence {ev.get('confidence', 0):.2f}"]
        if ev.get("quote"):
            extra.append("quoted")
        if ev.get("context"):
            extra.append("context " + ",".join(ev["context"]))
        loc = ev.get("location")
        if isinstance(loc, dict):
            extra.append("at " + (loc.get("name") or loc.get("text") or "?"))
        out.append(f"{i:>2}. {typ}  {actors} → {recips}  [{when}; {'; '.join(extra)}]")
        for span in ev.get("evidence") or []:
            out.append(textwrap.fill(f"“{' '.join(span.get('text', '').split())}” @{span.get('start')}",
                                     _WIDTH, initial_indent="      ", subsequent_indent="       "))
        if ev.get("pattern"):
            out.append(f"      why: {_clip(ev['pattern'], _WIDTH - 11)}")

    quotes = art.get("quotes") or []
    out += ["", f"Quotes ({len(quotes)})", "------"]
    for q in quotes:
        who = _entity(q.get("speaker")) if q.get("speaker") else "(unknown speaker)"
        kind = "direct" if q.get("direct") else "indirect"
        cue = f", cue “{q['cue']}”" if q.get("cue") else ""
        out.append(textwrap.fill(f"{who} ({kind}{cue}): “{' '.join((q.get('text') or '').split())}”",
                                 _WIDTH, subsequent_indent="    "))

    ents = art.get("entities") or []
    out += ["", f"Entities ({len(ents)})", "--------"]
    grouped: dict[tuple[str, str, str], int] = Counter(
        (e.get("label") or "?", e.get("name") or e.get("text") or "?",
         "/".join(x for x in (e.get("code"), e.get("sector")) if x)) for e in ents
    )
    for (label, name, code), n in sorted(grouped.items(), key=lambda kv: (-kv[1], kv[0])):
        out.append(f"  {label:<6} {name}{f' [{code}]' if code else ''}{f' ×{n}' if n > 1 else ''}")
    return "\n".join(out)


# -- summary ---------------------------------------------------------------------------
@main.command()
@db_option
@click.option("--top", type=click.IntRange(1, 100), default=10, show_default=True, help="Rows per ranking.")
@click.option("--examples", type=click.IntRange(0, 100), default=5, show_default=True,
              help="Example events to show.")
def summary(db: str | None, top: int, examples: int) -> None:
    """A readable overview of the store: outlets, languages, event types, top dyads, examples, and how many
    independent outlets reported the stories and events (once ``pantau stories`` has run)."""
    from pantau.cli.events import outlet_counts
    from pantau.stories.query import outlet_overview

    with _open_store(db, read_only=True) as store:
        stats = store.stats(top=top)
        sample = _example_events(store, examples)
        reach = outlet_overview(store.con, top=top)
        outlets = outlet_counts(store.con, [e["id"] for e in sample])
        click.echo(render_summary(store.path, stats, sample, outlets=outlets, reach=reach))


def _example_events(store: Any, n: int) -> list[dict[str, Any]]:
    """The most confident asserted events, at most one per type so the sample shows variety."""
    if n <= 0:
        return []
    picked: list[dict[str, Any]] = []
    seen: set[str] = set()
    rows = sorted(store.events(factuality="asserted"), key=lambda e: -(e.get("confidence") or 0))
    for ev in rows:
        if ev["type"] not in seen:
            picked.append(ev)
            seen.add(ev["type"])
        if len(picked) >= n:
            break
    for ev in rows:  # fewer types than asked: fill up with the next most confident
        if len(picked) >= n:
            break
        if ev not in picked:
            picked.append(ev)
    return picked


def _bars(
    pairs: list[tuple[Any, ...]], label: Callable[[tuple[Any, ...]], str], width: int = 30
) -> list[str]:
    if not pairs:
        return ["  (none)"]
    peak = max(p[-1] for p in pairs) or 1
    names = [label(p) for p in pairs]
    w = max(len(s) for s in names)
    return [
        f"  {name:<{w}}  {p[-1]:>6}  {'█' * max(1, round(width * p[-1] / peak))}"
        for name, p in zip(names, pairs, strict=True)
    ]


def render_summary(path: str, stats: dict[str, Any], sample: list[dict[str, Any]], *,
                   outlets: dict[str, int] | None = None, reach: dict[str, Any] | None = None) -> str:
    """The store's overview as plain text (what ``make demo`` prints). ``outlets``: each example event's
    independent outlets (its canonical event's count); ``reach``: ``pantau.stories.query.outlet_overview``
    (None: ``pantau stories`` has not run)."""
    c = stats["counts"]
    first, last = stats["published_range"]
    out = [f"Pantau store {path}", "=" * min(len(path) + 13, _WIDTH)]
    out.append(
        f"{c['articles']} articles · {c['events']} events · {c['quotes']} quotes ·"
        f" {c['entities']} entity mentions"
    )
    if first:
        out.append(f"published {first} … {last}")
    out += ["", "Articles per outlet"] + _bars(stats["outlets"], lambda p: str(p[0]))
    out += ["", "Languages"] + _bars(stats["languages"], lambda p: str(p[0]))
    if stats["flags"]:
        out += ["", "Flags"] + _bars(stats["flags"], lambda p: str(p[0]))
    out += _reach_lines(reach)
    if not c["events"]:
        out += ["", "No events stored (event stage not installed, or ingested with --no-events)."]
        return "\n".join(out)
    out += ["", "Events per type"] + _bars(
        stats["event_types"], lambda p: f"{p[0]:<10} {QUAD_NAMES.get(QUAD_OF.get(p[0], 0), '')}"
    )
    quads = Counter()
    for typ, n in stats["event_types"]:
        quads[QUAD_NAMES.get(QUAD_OF.get(typ, 0), "other")] += n
    names = (*QUAD_NAMES.values(), "other")
    out.append("  by quad: " + ", ".join(f"{q} {quads[q]}" for q in names if quads[q]))
    if stats["factuality"]:
        out.append("  factuality: " + ", ".join(f"{f} {n}" for f, n in stats["factuality"]))
    out += ["", "Top dyads (actor → recipient; asserted/future events)"] + _bars(
        stats["dyads"], lambda p: f"{p[0]} → {p[1] or '(no recipient)'}"
    )
    out += ["", "Most active actors (asserted/future events)"] + _bars(stats["actors"], lambda p: str(p[0]))
    if sample:
        out += ["", "Example events"]
        for ev in sample:
            actors = ", ".join(_entity(e) for e in ev.get("actor") or []) or "?"
            recips = ", ".join(_entity(e) for e in ev.get("recipient") or []) or "-"
            typ = ev["type"] + (f"/{ev['mode']}" if ev.get("mode") else "")
            out.append(f"  {ev.get('day') or '????-??-??'}  {typ}: {actors} → {recips}")
            src = " · ".join(x for x in (ev.get("outlet"), ev["article_id"]) if x)
            n = (outlets or {}).get(ev["id"])
            reported = "" if n is None else f", {n} independent outlet{'' if n == 1 else 's'}"
            out.append(f"      ({src}, confidence {ev.get('confidence') or 0:.2f}{reported})")
            span = (ev.get("evidence") or [{}])[0].get("text", "")
            if span:
                out.append(textwrap.fill(f"“{_clip(span, 280)}”", _WIDTH, initial_indent="      ",
                                         subsequent_indent="       "))
    return "\n".join(out)


def _reach_lines(reach: dict[str, Any] | None) -> list[str]:
    """The "Stories and independent outlets" section: copies of one report counted once (issue 24)."""
    if reach is None or not reach["stories"]:
        return ["", "Stories: none yet (`pantau stories` groups articles and counts independent outlets)."]
    by = reach["events_by_outlets"]
    out = ["", "Stories and independent outlets (syndicated copies counted once)",
           f"  {reach['stories']} stories · {reach['multi_article']} with several articles ·"
           f" {reach['multi_outlet']} reported by several outlets"]
    if reach["events"]:
        out.append(f"  {reach['events']} canonical events: {by[1]} from one outlet, {by[2]} from two,"
                   f" {by[3]} from three or more")
    for s in reach["widest"]:
        days = f"{s['first_date']}" + (f" … {s['last_date']}" if s["last_date"] != s["first_date"] else "")
        out.append(f"  {s['n_outlets']:>3} outlets  {_clip(s['title'] or s['id'], 60)}  ({days};"
                   f" {', '.join(s['outlets'][:4])}{' …' if len(s['outlets']) > 4 else ''})")
    return out
