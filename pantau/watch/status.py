"""What the monitor is doing, per source: last poll, last new article, errors, lag.

One shape for three readers: the running watcher (in memory), ``/api/status`` and ``pantau watch
--status``. Another process cannot open a store the watcher holds (DuckDB: one process per file), so
the watcher also writes the status to ``<db>.watch.json``; the durable rows are the store's
``watch_sources`` table.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any


def status_path(db: str) -> str:
    return f"{db}.watch.json"


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted ``values`` (None when empty)."""
    if not values:
        return None
    k = max(0, min(len(values) - 1, math.ceil(q / 100 * len(values)) - 1))
    return round(values[k], 3)


def _iso(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    return value


def _age(value: Any, now: dt.datetime) -> float | None:
    if isinstance(value, dt.datetime):
        return round((now - value).total_seconds(), 1)
    return None


def source_view(row: dict[str, Any], now: dt.datetime | None = None) -> dict[str, Any]:
    """One source for display: times as ISO (UTC), with how long ago the last poll was."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return {
        "name": row.get("name"),
        "kind": row.get("kind"),
        "last_poll": _iso(row.get("last_poll")),
        "since_poll_s": _age(row.get("last_poll"), now),
        "last_ok": _iso(row.get("last_ok")),
        "last_new": _iso(row.get("last_new")),
        "articles": row.get("articles") or 0,
        "polls": row.get("polls") or 0,
        "errors": row.get("errors") or 0,
        "last_error": row.get("last_error"),
        "last_error_at": _iso(row.get("last_error_at")),
        "lag_s": row.get("lag_s"),
    }


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
        "keepcost")]


def _libc() -> Any:
    """glibc, when this is Linux with glibc (``mallinfo2``: 2.33 and later), else None."""
    global _LIBC
    if _LIBC is None:
        try:
            lib = ctypes.CDLL("libc.so.6")
            lib.mallinfo2.restype = _MallInfo2
            _LIBC = lib
        except (OSError, AttributeError):
            _LIBC = False
    return _LIBC or None


_LIBC: Any = None


def malloc_figures() -> dict[str, float] | None:
    """The C heap (glibc): what it holds from the system (``heap_mib``, its mmap'd blocks included), what
    is in use, and what is free but kept between live blocks (``free_mib``; ``malloc_trim`` every minute
    gave back about 15 of 60-80 MiB in a 35-minute watch, so it is not called)."""
    lib = _libc()
    if lib is None:
        return None
    info = lib.mallinfo2()
    mib = 2**20
    return {
        "heap_mib": round((info.arena + info.hblkhd) / mib, 1),
        "in_use_mib": round((info.uordblks + info.hblkhd) / mib, 1),
        "free_mib": round(info.fordblks / mib, 1),
    }


M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8  # glibc's mallopt parameters (malloc.h)


def tune_malloc(arenas: int = 2, mmap_threshold: int = 1 << 20) -> bool:
    """Hold glibc's heap to a long run's needs (True when set): at most ``arenas`` malloc arenas
    (glibc's default is 8 per core, and each of a watcher's threads, API requests included, may take
    one and keep its freed memory), and a fixed mmap threshold, so large blocks (numpy arrays of the
    NLP, the vector cache) go back to the system when freed instead of the threshold growing to 32 MB
    and such blocks fragmenting the heap."""
    lib = _libc()
    if lib is None:
        return False
    return bool(lib.mallopt(M_ARENA_MAX, arenas)) and bool(lib.mallopt(M_MMAP_THRESHOLD, mmap_threshold))


def memory(con: Any = None) -> dict[str, Any]:
    """Where the process's memory is (a long run's growth shows which part grows): resident set (Linux),
    DuckDB's own accounting (buffer pool, indexes, allocator) over ``con``'s database, the blocks Python
    has allocated, and the NLP vocabulary's strings when the model is loaded. Cheap: read every poll."""
    out: dict[str, Any] = {"rss_mib": None, "duckdb_mib": None, "python_blocks": sys.getallocatedblocks()}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out["rss_mib"] = round(int(line.split()[1]) / 1024, 1)
    except OSError:  # not Linux
        pass
    if con is not None:
        try:
            cur = con.cursor()
            try:
                tags = cur.execute(
                    "SELECT tag, memory_usage_bytes FROM duckdb_memory() WHERE memory_usage_bytes > 0 "
                    "ORDER BY memory_usage_bytes DESC"
                ).fetchall()
            finally:
                cur.close()
            out["duckdb_mib"] = round(sum(b for _, b in tags) / 2**20, 1)
            out["duckdb_by_tag_mib"] = {t: round(b / 2**20, 1) for t, b in tags[:4]}
        except Exception:  # noqa: BLE001 - a closed store or an older DuckDB: the other figures stand
            pass
    heap = malloc_figures()
    if heap is not None:
        out["malloc"] = heap
    nlp = sys.modules.get("pantau.nlp")
    models = getattr(nlp, "_NLP", None)
    if models:
        out["vocab_strings"] = sum(len(m.vocab.strings) for m in list(models.values()))
    return out


def snapshot(rows: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """The status object: the watcher's figures and one view per source."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    started = extra.pop("started", None)
    out: dict[str, Any] = {"now": _iso(now), **extra}
    if started is not None:
        out["started"] = _iso(dt.datetime.fromtimestamp(started, dt.UTC).replace(tzinfo=None))
        out["uptime_s"] = round(time.time() - started, 1)
    out["sources"] = [
        source_view(r, now) for r in sorted(rows, key=lambda r: (r.get("kind") or "", r["name"]))
    ]
    return out


def read_file(db: str) -> dict[str, Any] | None:
    """The status a watcher wrote for ``db``; ``running`` is set false when its process is gone."""
    path = Path(status_path(db))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid = data.get("pid")
    if data.get("running") and isinstance(pid, int):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            data["running"] = False
            data["note"] = f"the watcher (PID {pid}) is gone; figures as it last wrote them"
        except PermissionError:
            pass
    return data


def render(status: dict[str, Any]) -> str:
    """A plain table for the terminal."""
    lines = []
    state = "running" if status.get("running") else "not running"
    lag = status.get("lag") or {}
    head = f"watch: {state}"
    if status.get("pid"):
        head += f" (PID {status['pid']})"
    if lag.get("n"):
        head += f"; lag p50 {lag.get('p50_s')} s, p95 {lag.get('p95_s')} s over {lag['n']} articles"
    lines.append(head)
    if status.get("note"):
        lines.append(status["note"])
    lines.append(
        f"{'source':<48} {'kind':<6} {'last poll':<21} {'last new':<21} {'new':>5} {'err':>4} {'lag s':>6}"
    )
    for s in status.get("sources", []):
        name = s["name"] if len(s["name"]) <= 48 else "…" + s["name"][-47:]
        lag_s = f"{s['lag_s']:.1f}" if isinstance(s.get("lag_s"), int | float) else "-"
        lines.append(
            f"{name:<48} {s['kind'] or '':<6} {s['last_poll'] or '-':<21} {s['last_new'] or '-':<21} "
            f"{s['articles']:>5} {s['errors']:>4} {lag_s:>6}"
        )
        if s.get("last_error"):
            lines.append(f"    last error {s['last_error_at']}: {s['last_error'][:200]}")
    return "\n".join(lines)
