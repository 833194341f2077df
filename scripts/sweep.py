"""Run the corpus through the whole pipeline and count what went wrong.

Reliability sweep (issue 20): every article of ``shared/corpus`` (the JSONL corpus and
the saved HTML pages) goes through ingest -> clean -> NLP -> events, and the script
counts

* internal errors: records that failed with an unexpected exception (a bug, not bad input);
* schema violations: results that ``pantau/schema/output.schema.json`` rejects;
* span errors: evidence or quote spans with ``article.text[start:end] != text``
  (entity spans are counted on their own line);
* rejected records (expected IngestErrors, by reason), peak RSS and articles per second;

and prints the first few examples of each failure. Exit status 1 if any internal
error, schema violation or span error was found.

    python scripts/sweep.py --limit 1500 --jobs 2       # a sample
    python scripts/sweep.py --jobs 4                     # the whole corpus
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import Any

from pantau.records import IngestError, RawRecord, Result

EXAMPLES = 3
CHUNK = 32
KINDS = ("internal", "schema", "span", "entity_span")


def _validator() -> Any:
    import jsonschema

    schema = json.loads(resources.files("pantau").joinpath("schema/output.schema.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _where(x: Result | IngestError) -> str:
    if isinstance(x, IngestError):
        return str(x).split(": ", 1)[0]
    return f"{x.article.source} (id {x.article.id})"


def check(result: Result | IngestError, validator: Any) -> list[tuple[str, str]]:
    """(kind, message) for every problem of one outcome; [] when it is fine or an expected rejection."""
    if isinstance(result, IngestError):
        return [("internal", str(result))] if "internal error" in result.message else []
    problems: list[tuple[str, str]] = []
    data = result.to_dict()
    for err in sorted(validator.iter_errors(data), key=str)[:2]:
        path = "/".join(str(p) for p in err.absolute_path)
        problems.append(("schema", f"{_where(result)}: {path}: {err.message[:200]}"))
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        problems.append(("schema", f"{_where(result)}: not serialisable as UTF-8 JSON: {exc}"))
    text = result.article.text
    spans = [(f"event {ev.id} ({ev.type}) evidence", s) for ev in result.events for s in ev.evidence]
    spans += [(f"quote {q.id}", q.span) for q in result.quotes]
    for what, span in spans:
        if text[span.start : span.end] != span.text:
            got = text[span.start : span.end][:60]
            where = f"{_where(result)}: {what} [{span.start}:{span.end}]"
            problems.append(("span", f"{where} {span.text[:60]!r} != {got!r}"))
    for ent in result.entities:
        if ent.start is not None and ent.end is not None and text[ent.start : ent.end] != ent.text:
            got = text[ent.start : ent.end][:60]
            where = f"{_where(result)}: entity [{ent.start}:{ent.end}]"
            problems.append(("entity_span", f"{where} {ent.text!r} != {got!r}"))
    return problems


def work(chunk: list[RawRecord | IngestError], with_events: bool) -> dict[str, Any]:
    """Process one chunk (in a worker process) and return its tallies, not its results."""
    from pantau.pipeline import process_all

    validator = _validator()
    tally: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    examples: dict[str, list[str]] = {k: [] for k in (*KINDS, "rejected")}
    for outcome in process_all(chunk, with_events=with_events):
        tally["records"] += 1
        if isinstance(outcome, Result):
            tally["results"] += 1
            tally["events"] += len(outcome.events)
            tally["quotes"] += len(outcome.quotes)
        elif "internal error" not in outcome.message:
            tally["rejected"] += 1
            reason = outcome.message.split(":")[0][:60]
            rejected[reason] += 1
            if len(examples["rejected"]) < EXAMPLES:
                examples["rejected"].append(str(outcome)[:300])
        for kind, message in check(outcome, validator):
            tally[kind] += 1
            if len(examples[kind]) < EXAMPLES:
                examples[kind].append(message[:300])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"tally": tally, "rejected": rejected, "examples": examples, "rss_mb": rss}


def inputs(shared: Path) -> list[str]:
    corpus = shared / "corpus"
    paths = [corpus / "news_id.jsonl.gz", corpus / "html"]
    return [str(p) for p in paths if p.exists()]


def chunks(items: Iterator[RawRecord | IngestError], size: int) -> Iterator[list[RawRecord | IngestError]]:
    while chunk := list(islice(items, size)):
        yield chunk


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared",
                    help="the shared data folder (default: ../shared)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N records")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (each loads the NLP model)")
    ap.add_argument("--no-events", action="store_true", help="ingest and clean only")
    ap.add_argument("inputs", nargs="*", help="inputs instead of the shared corpus")
    args = ap.parse_args(argv)

    from pantau.ingest import read_inputs

    paths = args.inputs or inputs(args.shared)
    if not paths:
        print(f"no corpus under {args.shared}", file=sys.stderr)
        return 2
    warnings: list[str] = []
    stream = read_inputs(paths, warn=warnings.append)
    if args.limit is not None:
        stream = islice(stream, args.limit)

    tally: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    examples: dict[str, list[str]] = {k: [] for k in (*KINDS, "rejected")}
    peak = 0.0
    started = time.monotonic()

    def add(part: dict[str, Any]) -> None:
        nonlocal peak
        tally.update(part["tally"])
        rejected.update(part["rejected"])
        for kind, found in part["examples"].items():
            examples[kind] += found[: EXAMPLES - len(examples[kind])]
        peak = max(peak, part["rss_mb"])
        done = tally["records"]
        if done and done % (CHUNK * 10) < CHUNK:
            rate = done / (time.monotonic() - started)
            print(f"  {done} records, {rate:.1f}/s", file=sys.stderr, flush=True)

    with_events = not args.no_events
    if args.jobs <= 1:
        for chunk in chunks(iter(stream), CHUNK):
            add(work(chunk, with_events))
    else:
        with ProcessPoolExecutor(args.jobs) as pool:
            pending = []
            for chunk in chunks(iter(stream), CHUNK):
                pending.append(pool.submit(work, chunk, with_events))
                if len(pending) >= 2 * args.jobs:  # bounded: never the whole corpus in flight
                    add(pending.pop(0).result())
            for fut in pending:
                add(fut.result())
    elapsed = time.monotonic() - started
    peak = max(peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

    n = tally["records"]
    print(f"sweep of {', '.join(paths)}" + (f" (first {args.limit})" if args.limit else ""))
    print(f"records           {n}")
    print(f"results           {tally['results']}  ({tally['events']} events, {tally['quotes']} quotes)")
    print(f"rejected (input)  {tally['rejected']}")
    for reason, count in rejected.most_common(8):
        print(f"    {count:>6}  {reason}")
    print(f"internal errors   {tally['internal']}")
    print(f"schema violations {tally['schema']}")
    print(f"span errors       {tally['span']}  (evidence and quote spans)")
    print(f"entity span errs  {tally['entity_span']}")
    print(f"peak RSS          {peak:.0f} MB (largest process; {max(args.jobs, 1)} job(s))")
    print(f"speed             {n / elapsed if elapsed else 0:.1f} articles/s ({elapsed:.0f} s)")
    if warnings:
        print(f"skipped files     {len(warnings)}: {warnings[0]}")
    for kind in (*KINDS, "rejected"):
        if examples[kind]:
            print(f"\nfirst {kind} examples:")
            for line in examples[kind]:
                print(f"  - {line}")
    return 1 if tally["internal"] or tally["schema"] or tally["span"] else 0


if __name__ == "__main__":
    sys.exit(main())
