"""A progress bar (count, rate, ETA) for long commands, on stderr when it is a terminal.

Why rich: a maintained library that draws above-the-bar messages correctly (errors about single
records keep going to stderr while the bar runs). When stderr is not a terminal (pipes, logs,
tests) nothing is drawn. The total for the ETA is counted in a background thread (JSON lines are
counted by their newlines, a directory by its files); inputs it cannot count cheaply (stdin, WARC)
leave the bar without a total: count and rate only.
"""

from __future__ import annotations

import gzip
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Advance = Callable[[int], None]
_LINES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
_ONE = (".txt", ".html", ".htm")


def _count_file(path: Path) -> int | None:
    name = path.name.lower()
    if name.endswith(_LINES):
        opener: Any = gzip.open if name.endswith(".gz") else open
        n = 0
        with opener(path, "rb") as fh:
            while block := fh.read(1 << 20):
                n += block.count(b"\n")
        return n
    if name.endswith(_ONE):
        return 1
    return None


def count_records(inputs: tuple[str, ...] | list[str]) -> int | None:
    """About how many records ``inputs`` hold, or None where that is not cheap to know."""
    total = 0
    for arg in inputs:
        if arg == "-":
            return None
        path = Path(arg)
        try:
            files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
            for f in files:
                if any(part.startswith(".") for part in f.parts[len(path.parts):]):
                    continue
                n = _count_file(f)
                if n is None:
                    return None
                total += n
        except OSError:
            return None
    return total


def enabled() -> bool:
    """Draw only on a terminal."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def progress(what: str, inputs: tuple[str, ...] | list[str], unit: str = "articles") -> Iterator[Advance]:
    """``with progress("ingest", inputs) as advance: ... advance(1)``; a no-op off a terminal."""
    if not enabled():
        yield lambda n=1: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    # rate and ETA over the whole run so far: results arrive a chunk at a time, so rich's
    # windowed speed (a burst of 64 in a millisecond) would swing wildly
    def rate(task: Any) -> float:
        return task.completed / task.elapsed if task.elapsed and task.completed else 0.0

    class Rate(ProgressColumn):
        def render(self, task: Any) -> Text:
            r = rate(task)
            return Text(f"{r:.1f} {unit}/s" if r else f"- {unit}/s", style="progress.data.speed")

    class Eta(ProgressColumn):
        def render(self, task: Any) -> Text:
            r = rate(task)
            if task.total is None or not r:
                return Text("ETA -:--:--", style="progress.remaining")
            left = max(task.total - task.completed, 0) / r
            return Text(f"ETA {int(left) // 3600}:{int(left) % 3600 // 60:02d}:{int(left) % 60:02d}",
                        style="progress.remaining")

    bar = Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(),
        TimeElapsedColumn(), Eta(), console=Console(stderr=True), transient=True,
    )
    task = bar.add_task(what, total=None)

    def count() -> None:
        n = count_records(inputs)
        if n:
            bar.update(task, total=n)

    threading.Thread(target=count, name="pantau-count", daemon=True).start()
    with bar:
        yield lambda n=1: bar.advance(task, n)
