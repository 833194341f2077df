#!/usr/bin/env python3
"""End-to-end throughput of the pipeline: one process, worker processes, a Dask LocalCluster.

    python scripts/bench_pipeline.py --shared ../shared [--n 400] [--workers 1,2] [--dask 2]
                                     [--before DIR]

The input is the first N corpus articles with ``topic_guess`` international (the figure the
speed targets name). Every configuration runs as its own command, as a user runs it:

* startup: a fresh process importing Pantau and loading the model and its tables (``warm_up``),
  after one unmeasured start per tree that compiles its bytecode (into a temporary
  ``PYTHONPYCACHEPREFIX``, as an installed package has it; ``--no-bytecode`` keeps the environment's
  setting, e.g. ``PYTHONDONTWRITEBYTECODE``, which recompiles Pantau's modules at every start,
  about 0.3 CPU-s) and fills the derived-table cache (``pantau/cache.py``); the median CPU
  time of ``--startup-runs`` starts;
* ``pantau extract FILE --workers K`` for each K (output to /dev/null);
* ``pantau ingest FILE --dask local:W`` into a new store (cluster start, model load in each
  worker, the run, the load into DuckDB);
* the same ``ingest --dask`` again on that store (every article stored: what a re-run costs);
* with ``--before DIR`` (a source tree of an older commit, e.g. ``git archive REV pantau | tar -x -C
  DIR``; its package runs through PYTHONPATH): its startup, ``extract`` with each worker count and
  both Dask runs, so every figure has its before and after from one run on one machine. The
  ``extract`` outputs are compared byte for byte (before against after, and every worker count
  against one worker).

Per configuration: wall seconds, CPU seconds (the command and every process it waited for),
articles/s, articles/s per core (divided by the cores it used), the same without the startup
time, articles per CPU-second with and without the startup's CPU seconds, and the peak memory
of each process (RSS, and USS: the memory only it holds, which is what forked workers add)
sampled every 0.2 s with psutil. The load average is printed before and after each run: on a
machine shared with other work, wall figures are only comparable within one run of this script,
and CPU seconds are the steadier measure.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def write_input(shared: Path, n: int, out: Path) -> int:
    """The first ``n`` international corpus articles as a JSON-lines file; returns how many."""
    k = 0
    with gzip.open(shared / "corpus" / "news_id.jsonl.gz", "rt", encoding="utf-8") as src, \
            out.open("w", encoding="utf-8") as dst:
        for line in src:
            if json.loads(line).get("topic_guess") == "international":
                dst.write(line if line.endswith("\n") else line + "\n")
                k += 1
                if k >= n:
                    break
    return k


class Sampler:
    """Peak RSS and USS per process of a process tree, sampled in a thread."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.root, self.every = pid, every
        self.peaks: dict[int, tuple[str, float, float]] = {}  # pid -> (name, rss MB, uss MB)
        self.cpu: dict[int, float] = {}  # pid -> CPU seconds at the last sample
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.root)
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                procs = []
            for p in procs:
                try:
                    mem = p.memory_full_info()
                    name = " ".join(p.cmdline()[1:3])[:40] or p.name()
                    times = p.cpu_times()
                    self.cpu[p.pid] = times.user + times.system
                except psutil.Error:
                    continue
                _, rss, uss = self.peaks.get(p.pid, ("", 0.0, 0.0))
                self.peaks[p.pid] = (name, max(rss, mem.rss / 2**20), max(uss, mem.uss / 2**20))
            self._stop.wait(self.every)

    def stop(self) -> list[tuple[str, float, float, float]]:
        """(name, peak RSS MB, peak USS MB, CPU seconds) per process, largest first."""
        self._stop.set()
        self._thread.join()
        rows = [(name, rss, uss, self.cpu.get(pid, 0.0)) for pid, (name, rss, uss) in self.peaks.items()]
        return sorted(rows, key=lambda x: -x[1])


def measure(label: str, cmd: list[str], env: dict[str, str] | None = None, out: Path | None = None) -> dict:
    """Run one command; wall, CPU (with its children) and per-process peak memory. ``out``: where its
    standard output goes (else nowhere); its SHA-256 is kept for comparisons."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as log, (out.open("wb") if out else open(os.devnull, "wb")) as sink:
        where = tempfile.gettempdir()
        proc = subprocess.Popen(cmd, stdout=sink, stderr=log, env=env, cwd=where)
        sampler = Sampler(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        peaks = sampler.stop()
        log.seek(0)
        err = log.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        print(f"{label}: exit {code}\n{err[-2000:]}", file=sys.stderr)
    digest = hashlib.sha256(out.read_bytes()).hexdigest() if out else None
    return {"label": label, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peaks": peaks,
            "load": (load, os.getloadavg()[0]), "exit": code, "sha256": digest}


def report(r: dict, n: int, cores: int, startup: float | None, startup_cpu: float | None = None) -> None:
    wall, cpu = r["wall"], r["cpu"]
    line = (f"{r['label']:<36} wall {wall:6.1f} s  cpu {cpu:6.1f} s  {n / wall:5.1f} art/s"
            f"  {n / wall / cores:5.1f} art/s/core")
    if startup is not None and wall > startup:
        line += f"  (after startup: {n / (wall - startup) / cores:5.1f} art/s/core)"
    line += f"  {n / cpu:5.1f} art/CPU-s"
    if startup_cpu is not None and cpu > startup_cpu:
        line += f" ({n / (cpu - startup_cpu):5.1f} without one startup's CPU)"
    line += f"  load {r['load'][0]:.1f}->{r['load'][1]:.1f}"
    print(line)
    for name, rss, uss, cpu_s in r["peaks"][:6]:
        print(f"    peak RSS {rss:7.0f} MB  USS {uss:7.0f} MB  CPU {cpu_s:6.1f} s  {name}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts for extract")
    ap.add_argument("--dask", type=int, default=2, help="LocalCluster workers (0: skip)")
    ap.add_argument("--before", type=Path, help="source tree of an older commit to time as a baseline")
    ap.add_argument("--startup-runs", type=int, default=3, help="measured starts per tree (median shown)")
    ap.add_argument("--no-bytecode", action="store_true",
                    help="keep the environment's bytecode setting (default: compile into a temporary cache)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="pantau-bench-"))
    src = tmp / "international.jsonl"
    n = write_input(args.shared, args.n, src)
    print(f"{n} international articles; {psutil.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    cli = [PY, "-c", "import sys; from pantau.cli import main; sys.exit(main())"]
    # one string-hash seed for every command: the event coder's relevance score sums a set of words, whose
    # order follows the seed, and its 4th decimal can flip between processes; outputs compare only so
    seeded = {**os.environ, "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "0")}
    if not args.no_bytecode:  # bytecode as an installed package has it, kept outside the source trees
        seeded.pop("PYTHONDONTWRITEBYTECODE", None)
        seeded["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    print("bytecode: " + ("as the environment sets it" if args.no_bytecode else "compiled once, then cached"))
    trees: list[tuple[str, str, dict[str, str] | None]] = [("", "this", seeded)]
    if args.before:
        before_env = {**seeded, "PYTHONPATH": str(args.before.resolve())}
        trees = [("before: ", "before", before_env), ("after:  ", "after", seeded)]
    outputs: dict[str, str | None] = {}
    for tag, name, env in trees:
        warm = [PY, "-c", "from pantau.pipeline import warm_up; warm_up()"]
        measure(f"{tag}first start", warm, env)  # compiles bytecode, fills the derived-table cache
        starts = sorted((measure(f"{tag}startup", warm, env) for _ in range(max(args.startup_runs, 1))),
                        key=lambda r: r["cpu"])
        start = starts[len(starts) // 2]
        each = ", ".join(f"{r['cpu']:.2f}" for r in starts)
        print(f"{tag + 'startup (load, warm-up)':<36} wall {start['wall']:6.1f} s  cpu {start['cpu']:6.1f} s"
              f" (median of {len(starts)}: {each})"
              f"  peak RSS {start['peaks'][0][1] if start['peaks'] else 0:.0f} MB"
              f"  load {start['load'][0]:.1f}->{start['load'][1]:.1f}")
        startup, startup_cpu = start["wall"], start["cpu"]
        for k in (int(x) for x in args.workers.split(",")):
            label = f"{tag}extract --workers {k}"
            cmd = [*cli, "extract", str(src), "--workers", str(k)]
            r = measure(label, cmd, env, tmp / f"{name}-{k}.jsonl")
            outputs[label] = r["sha256"]
            report(r, n, k, startup, startup_cpu)
        if args.dask:
            db = tmp / f"dask-{name}.duckdb"
            shard = max(n // (4 * args.dask), 1)
            cmd = [*cli, "ingest", str(src), "--db", str(db), "--dask", f"local:{args.dask}", "--shard-size",
                   str(shard)]
            report(measure(f"{tag}ingest --dask local:{args.dask}", cmd, env), n, args.dask, startup)
            report(measure(f"{tag}  again (all stored)", cmd, env), n, args.dask, startup)
    print("extract outputs (SHA-256 of stdout):")
    for label, digest in outputs.items():
        print(f"    {digest[:16] if digest else '-':<16}  {label}")
    print("identical" if len(set(outputs.values())) == 1 else "DIFFERENT outputs")

if __name__ == "__main__":
    main()
