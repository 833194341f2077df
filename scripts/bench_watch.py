"""Live-monitoring benchmark: the lag from an item appearing in a feed to its events (and its story,
canonical events, index and alerts) being visible through the API of ``pantau watch --serve``.

A local HTTP server (the machine is offline) serves one RSS feed and the pages it links: real saved pages
from ``../shared/corpus/html`` and corpus articles (``../shared/corpus/news_id.jsonl.gz``) rendered as
simple HTML pages. Items are added to the feed at a fixed rate in phases (default 1/s, then 2/s, then
4/s); for each item the bench polls ``/api/articles/{id}`` (oldest waiting items first, a few
requests a round: see ``Tracker._run``) until it answers (article and events are stored in one
transaction) and until it lists the article's story (the stories update, which writes the
canonical events, index days and alerts in the same call, has run). Reports p50/p95 per phase, whether
the lag grows within a phase (the sustained rate is the highest rate where it does not), the watcher's
own lag (poll -> stories updated, from ``/api/status``), its RSS at start and end, and its CPU seconds.

    nice python scripts/bench_watch.py                       # about 3 minutes plus model loading
    nice python scripts/bench_watch.py --phases 1:60 --json out.json
    nice python scripts/bench_watch.py --phases 1:1800 --trace trace.jsonl   # memory: caches, vocabulary
    nice python scripts/bench_watch.py --phases 1:900 --trace t.jsonl --trace-malloc 300   # growing lines

``memory_at_minutes`` in the report is the watcher's memory curve (RSS, Python blocks, C heap, vocabulary,
DuckDB) at 2, 5, 10, ... minutes. ``--trace`` adds, every minute, each pantau LRU cache's size and hits
and the vocabulary; ``--trace-malloc S`` also starts tracemalloc at second S and lists the source lines
whose live memory grew since (it costs the watcher about twice the CPU: for finding, not for timing).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import formatdate
from pathlib import Path
from typing import Any

import httpx

from pantau.watch.testing import HTML, RSS, LocalServer, free_port, page, rss

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
FEED_ITEMS = 40  # a feed lists its latest items only
MISSES = 3  # items not done yet that end one polling round of the tracker
STUCK_S = 60.0  # an item waiting longer no longer ends a round (it does not hold the newer ones back)


def _lru_caches() -> dict[str, Any]:
    """Every ``functools.lru_cache`` of the loaded pantau modules (and their classes): name -> wrapper."""
    import functools
    import types

    kind = type(functools.lru_cache(maxsize=1)(lambda: None))
    out: dict[str, Any] = {}
    for name, mod in list(sys.modules.items()):
        if not name.startswith("pantau") or not isinstance(mod, types.ModuleType):
            continue
        for attr, value in list(vars(mod).items()):
            if isinstance(value, kind) and getattr(value, "__module__", name) == name:
                out[f"{name}.{attr}"] = value
            elif isinstance(value, type) and value.__module__ == name:
                for cattr, cvalue in vars(value).items():
                    if isinstance(cvalue, kind):
                        out[f"{name}.{attr}.{cattr}"] = cvalue
    return out


def _malloc_arenas() -> list[list[float]] | None:
    """glibc's arenas (``malloc_info``): [MiB held, MiB free in it] each; None off glibc."""
    import ctypes
    import re

    try:
        libc = ctypes.CDLL("libc.so.6")
        buf, size = ctypes.c_char_p(), ctypes.c_size_t()
        libc.open_memstream.restype = ctypes.c_void_p
        fp = libc.open_memstream(ctypes.byref(buf), ctypes.byref(size))
        libc.malloc_info(0, ctypes.c_void_p(fp))
        libc.fclose(ctypes.c_void_p(fp))
        xml = (buf.value or b"").decode()
        libc.free(buf)
    except (OSError, AttributeError):
        return None
    out = []
    for heap in re.findall(r'<heap nr="\d+">(.*?)</heap>', xml, re.S):
        held = re.search(r'<system type="current" size="(\d+)"', heap)
        free = sum(int(x) for x in re.findall(r'<total type="(?:fast|rest)" count="\d+" size="(\d+)"', heap))
        out.append([round(int(held[1]) / 2**20, 1) if held else 0.0, round(free / 2**20, 1)])
    return out


def start_trace(path: str, every: float, malloc_after: float | None) -> None:
    """Inside the watcher (``--trace``): every ``every`` seconds, one JSON line in ``path`` with the
    Python blocks, the size and hit rate of each pantau LRU cache, the vocabulary, the commonest new
    object types (``gc``; the frozen model is not counted) and, when ``malloc_after`` is set, the
    source lines whose live allocations grew most since tracemalloc started at that second (why: the
    memory a long watch still gains after warm-up is found by measurement, line by line)."""
    import collections
    import gc
    import tracemalloc

    def run() -> None:
        t0 = time.time()
        first: tracemalloc.Snapshot | None = None
        prev: tracemalloc.Snapshot | None = None
        while True:
            time.sleep(every)
            t = round(time.time() - t0)
            row: dict[str, Any] = {"t_s": t, "python_blocks": sys.getallocatedblocks()}
            row["caches"] = {
                k: [c.cache_info().currsize, c.cache_info().hits, c.cache_info().misses]
                for k, c in sorted(_lru_caches().items())
                if c.cache_info().currsize > 100
            }
            nlp = sys.modules.get("pantau.nlp")
            models = getattr(nlp, "_NLP", None) or {}
            row["vocab"] = {str(k): [len(m.vocab.strings), len(m.vocab)] for k, m in list(models.items())}
            row["malloc_arenas"] = _malloc_arenas()
            counts = collections.Counter(type(o).__name__ for o in gc.get_objects())
            row["gc_types"] = counts.most_common(25)
            if malloc_after is not None and t >= malloc_after:
                if not tracemalloc.is_tracing():
                    tracemalloc.start(1)
                else:
                    snap = tracemalloc.take_snapshot()
                    if first is None:
                        first = snap
                    else:
                        row["malloc_since_first"] = [
                            [str(d.traceback), round(d.size_diff / 2**20, 2), d.count_diff]
                            for d in snap.compare_to(first, "lineno")[:40]
                        ]
                        if prev is not None and prev is not first:
                            row["malloc_since_prev"] = [
                                [str(d.traceback), round(d.size_diff / 2**20, 2), d.count_diff]
                                for d in snap.compare_to(prev, "lineno")[:20]
                            ]
                    prev = snap
                    row["malloc_traced_mib"] = round(tracemalloc.get_traced_memory()[0] / 2**20, 1)
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(row) + "\n")

    threading.Thread(target=run, name="bench-trace", daemon=True).start()


def corpus_pages(n: int) -> list[tuple[str, bytes]]:
    """(title, page) pairs: the saved pages, then corpus articles rendered as simple pages, interleaved."""
    saved = [(p.stem, p.read_bytes()) for p in sorted((SHARED / "html").glob("*.html"))]
    rendered: list[tuple[str, bytes]] = []
    with gzip.open(SHARED / "news_id.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            if len(rendered) >= n:
                break
            a = json.loads(line)
            text = a.get("text") or ""
            if not (500 < len(text) < 8000):
                continue
            title = a.get("title") or ""
            body = page(title, text.split("\n"), nav=a.get("outlet") or "", escape=True)
            rendered.append((title, body))
    out: list[tuple[str, bytes]] = []
    for i in range(n):  # one saved page in four
        if i % 4 == 3 and saved:
            out.append(saved[(i // 4) % len(saved)])
        else:
            out.append(rendered[i % len(rendered)])
    return out


class Site:
    """The feed and its pages on a local server; ``add`` puts the next item on the feed."""

    def __init__(self, pages: list[tuple[str, bytes]]) -> None:
        self.pages = pages
        self.items: list[tuple[int, str, float]] = []  # (n, title, when added)
        self.lock = threading.Lock()
        self.server = LocalServer(log_requests=False)
        self.url = self.server.url
        self.server.routes["/feed"] = lambda _request: (200, RSS, self.feed())
        for n, (_title, body) in enumerate(pages):
            self.server.routes[f"/p/{n}"] = (200, HTML, body)

    def link(self, n: int) -> str:
        return f"{self.url}/p/{n}"

    def add(self, n: int) -> float:
        t = time.time()
        with self.lock:
            self.items.append((n, self.pages[n % len(self.pages)][0], t))
        return t

    def feed(self) -> bytes:
        with self.lock:
            latest = self.items[-FEED_ITEMS:]
        items = [
            {"title": title, "link": self.link(n), "date": formatdate(t, usegmt=True)}
            for n, title, t in reversed(latest)
        ]
        return rss(items, "Bench", escape=True)


def article_id(url: str) -> str:
    return hashlib.sha1(url.encode()).hexdigest()[:16]  # pantau.ingest.make_id(url=...)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return round(v[max(0, min(len(v) - 1, int(round(q / 100 * len(v) + 0.5)) - 1))], 2)


def proc_stats(pid: int) -> tuple[float, float]:
    """(RSS MiB, CPU seconds) of a process, from /proc."""
    rss = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return round(rss, 1), round(cpu, 1)


MINUTES = (2, 5, 10, 15, 20, 25, 30, 40, 50, 60)


def memory_curve(samples: list[dict[str, Any]], minutes: tuple[int, ...] = MINUTES) -> dict[int, dict]:
    """The watcher's memory at these minutes of the timed run (the sample nearest each): the curve a long
    run is judged by (flat after warm-up: RSS, Python blocks, C heap, vocabulary, DuckDB)."""
    out: dict[int, dict[str, Any]] = {}
    for m in minutes:
        near = min(samples, key=lambda s: abs(s["t_s"] - 60 * m), default=None)
        if near is None or abs(near["t_s"] - 60 * m) > 45:
            continue
        heap = near.get("malloc") or {}
        out[m] = {
            "rss_mib": near.get("rss_mib"),
            "python_blocks": near.get("python_blocks"),
            "c_heap_in_use_mib": heap.get("in_use_mib"),
            "c_heap_free_mib": heap.get("free_mib"),
            "vocab_strings": near.get("vocab_strings"),
            "duckdb_mib": near.get("duckdb_mib"),
            "articles": near.get("articles_seen"),
        }
    return out


class Tracker:
    """Polls the API for each added item: when its article (with events) and its story are visible."""

    def __init__(self, api: str, site: Site) -> None:
        self.api, self.site = api, site
        self.added: dict[int, float] = {}
        self.seen: dict[int, float] = {}
        self.story: dict[int, float] = {}
        self.events: dict[int, int] = {}
        self.requests = 0  # API requests made (they cost the watcher CPU)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.client = httpx.Client(timeout=10)
        self.rss: list[tuple[float, float]] = []  # (seconds since the timed run began, RSS MiB)
        self.memory: list[dict[str, Any]] = []  # the watcher's own memory figures (``/api/status``)
        threading.Thread(target=self._run, daemon=True).start()

    def sample(self, pid: int, every: float = 30.0) -> None:
        """The watcher's RSS every ``every`` seconds (memory over the run)."""
        t0 = time.time()

        def run() -> None:
            while not self.stop.is_set():
                t = round(time.time() - t0)
                self.rss.append((t, proc_stats(pid)[0]))
                try:
                    mem = httpx.get(f"{self.api}/api/status", timeout=10).json()["watch"]["memory"]
                    self.memory.append({"t_s": t, "articles_seen": len(self.seen), **mem})
                except (httpx.HTTPError, KeyError, TypeError, ValueError):
                    pass
                self.stop.wait(every)

        threading.Thread(target=run, daemon=True).start()

    def add(self, n: int) -> None:
        t = self.site.add(n)
        with self.lock:
            self.added[n] = t

    def _run(self) -> None:
        """Every 0.2 s, the waiting items oldest first, until ``MISSES`` of them are not done yet.

        Why not every waiting item each round: each request costs the watcher about 4 ms of CPU (measured),
        so asking for all of them every 0.2 s took a core-fifth at a backlog of ten, the lag grew, the
        backlog with it: the bench slowed what it measured. The watcher takes items in order, so the
        oldest waiting items are the ones that become visible next; an item older than ``STUCK_S`` (a
        failed page) is asked for without holding the newer ones back."""
        while not self.stop.is_set():
            with self.lock:
                todo = [n for n in self.added if n not in self.story]
            misses = 0
            for n in todo:
                if misses >= MISSES:
                    break
                try:
                    r = self.client.get(f"{self.api}/api/articles/{article_id(self.site.link(n))}")
                except httpx.HTTPError:  # the server is not up yet
                    break
                self.requests += 1
                now = time.time()
                done = False
                if r.status_code == 200:
                    a = r.json()
                    self.seen.setdefault(n, now)
                    self.events[n] = len(a.get("events") or [])
                    if a.get("stories"):
                        self.story[n] = now
                        done = True
                if not done and now - self.added[n] < STUCK_S:
                    misses += 1
            self.stop.wait(0.2)

    def lags(self, ns: list[int], which: dict[int, float]) -> list[float]:
        return [which[n] - self.added[n] for n in ns if n in which]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--phases", default="1:90,2:45,4:30", help="rate:seconds,... (items per second)")
    ap.add_argument("--interval", type=float, default=1.0, help="feed poll interval of the watcher (s)")
    ap.add_argument("--drain", type=float, default=60.0, help="seconds to wait for the last items")
    ap.add_argument("--workers", type=int, default=0, help="the watcher's analysis processes (--workers)")
    ap.add_argument("--trace", default=None, help="the watcher writes its caches and memory here (JSONL)")
    ap.add_argument("--trace-every", type=float, default=60.0, help="seconds between trace lines")
    ap.add_argument(
        "--trace-malloc",
        type=float,
        default=None,
        help="start tracemalloc at this second of the trace and add the growing source lines",
    )
    ap.add_argument("--json", dest="json_out", default=None, help="also write the figures here")
    ap.add_argument(
        "--db-from",
        default=None,
        help="start from a copy of this store (stories brought up to "
        "date first, untimed): the lag on a populated store",
    )
    args = ap.parse_args()
    phases = [(float(r), float(s)) for r, s in (p.split(":") for p in args.phases.split(","))]
    total = int(sum(r * s for r, s in phases)) + 2
    site = Site(corpus_pages(total))
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    tmp = tempfile.mkdtemp(prefix="bench_watch_")
    if args.db_from:
        shutil.copyfile(args.db_from, f"{tmp}/bench.duckdb")
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from pantau.cli import main; main()",
                "stories",
                "--db",
                f"{tmp}/bench.duckdb",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    start = "from pantau.cli import main; main()"
    if args.trace:
        start = (
            f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_watch; "
            f"bench_watch.start_trace({str(Path(args.trace).resolve())!r}, {args.trace_every!r}, "
            f"{args.trace_malloc!r}); {start}"
        )
    cmd = [
        sys.executable,
        "-c",
        start,
        "watch",
        "--serve",
        "--port",
        str(port),
        "--db",
        f"{tmp}/bench.duckdb",
        "--feed",
        f"{site.url}/feed",
        "--interval",
        str(args.interval),
        "--politeness",
        "0",
        "--no-stdout",
        "--log-level",
        "warning",
        "--workers",
        str(args.workers),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    tracker = Tracker(api, site)
    try:
        t0 = time.time()
        tracker.add(0)  # the first item waits for the model to load: not counted
        while 0 not in tracker.story:
            if proc.poll() is not None:
                sys.exit("pantau watch exited")
            time.sleep(0.2)
        warm = round(time.time() - t0, 1)
        rss0, cpu0 = proc_stats(proc.pid)
        print(f"warm: first item visible after {warm} s (model loading); RSS {rss0} MiB", flush=True)
        tracker.sample(proc.pid)
        n = 1
        report: dict[str, Any] = {
            "warm_s": warm,
            "rss_start_mib": rss0,
            "db_from": args.db_from,
            "workers": args.workers,
            "phases": [],
        }
        bounds = []
        for rate, seconds in phases:
            first = n
            start = time.time()
            k = 0
            while time.time() - start < seconds:
                due = start + k / rate
                if time.time() < due:
                    time.sleep(min(0.05, due - time.time()))
                    continue
                tracker.add(n)
                n += 1
                k += 1
            bounds.append((rate, seconds, first, n))
            backlog = sum(1 for i in range(first, n) if i not in tracker.seen)
            print(
                f"phase {rate}/s for {seconds:.0f} s: {n - first} items, {backlog} not visible at its end",
                flush=True,
            )
            bounds[-1] = (*bounds[-1], backlog)
        deadline = time.time() + args.drain
        while time.time() < deadline and len(tracker.story) < n:
            time.sleep(0.5)
        rss1, cpu1 = proc_stats(proc.pid)
        status = httpx.get(f"{api}/api/status", timeout=10).json()
        for rate, seconds, first, last, backlog in bounds:
            ns = list(range(first, last))
            ev, st = tracker.lags(ns, tracker.seen), tracker.lags(ns, tracker.story)
            third = max(1, len(ns) // 3)
            early, late = tracker.lags(ns[:third], tracker.seen), tracker.lags(ns[-third:], tracker.seen)
            holds = backlog <= max(3, rate * 10) and (pct(late, 50) or 0) <= (pct(early, 50) or 0) + 5
            row = {
                "rate_per_s": rate,
                "seconds": seconds,
                "items": len(ns),
                "visible": len(ev),
                "with_story": len(st),
                "events": sum(tracker.events.get(i, 0) for i in ns),
                "events_p50_s": pct(ev, 50),
                "events_p95_s": pct(ev, 95),
                "story_p50_s": pct(st, 50),
                "story_p95_s": pct(st, 95),
                "early_p50_s": pct(early, 50),
                "late_p50_s": pct(late, 50),
                "backlog_at_end": backlog,
                "holds": holds,
            }
            report["phases"].append(row)
        held = [p["rate_per_s"] for p in report["phases"] if p["holds"]]
        report.update(
            {
                "rss_end_mib": rss1,
                "cpu_s": round(cpu1 - cpu0, 1),
                "sustained_rate_per_s": max(held or [0]),
                "watcher_lag": (status.get("watch") or {}).get("lag"),
                "watcher_stage_seconds": (status.get("watch") or {}).get("seconds"),
                "watcher_stories_updates": (status.get("watch") or {}).get("stories_updates"),
                "watcher_gc_full": (status.get("watch") or {}).get("gc_full"),
                "rss_every_30s_mib": [m for _, m in tracker.rss],
                "memory_every_30s": tracker.memory,
                "memory_at_minutes": memory_curve(tracker.memory),
                "tracker_requests": tracker.requests,
                "articles": status.get("articles"),
                "events": status.get("events"),
                "alerts": status.get("alerts"),
            }
        )
    finally:
        tracker.stop.set()
        proc.terminate()
        proc.wait(30)
    print(json.dumps(report, indent=1))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
