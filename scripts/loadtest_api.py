#!/usr/bin/env python3
"""A bounded load test of `pantau serve` on loopback: N concurrent clients for T seconds.

Starts the server on 127.0.0.1 over a store (or uses --url, which must be a loopback address), runs
--clients async httpx clients for --seconds (and at most --max-requests requests in all) over a mix of
read endpoints, then prints errors (must be 0), latency percentiles, throughput, and the server's RSS
at start and end. With --ingest-every S it also posts a batch of --ingest-batch corpus articles every S
seconds to POST /api/ingest (the server is started with a token, on a copy of the store, since ingest
writes) and reports the ingest jobs and throughput: reads must stay fast while the worker writes. The
server's CPU seconds (and its NLP child's) during the measured run are printed too: on a shared machine
they vary less than wall-clock latencies. Replies served from the server's read cache carry
``X-Cache: hit``; their share is printed.

    python scripts/gen_events.py --out /tmp/pantau-1m.duckdb --events 1000000
    python scripts/loadtest_api.py --db /tmp/pantau-1m.duckdb --clients 50 --seconds 30
    python scripts/loadtest_api.py --db /tmp/pantau-1m.duckdb --ingest-every 1 --ingest-batch 2
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import ipaddress
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import free_port, pct, start_server  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "news_id.jsonl.gz"
ARTICLE_FIELDS = ("id", "url", "title", "published", "outlet", "text")
TOKEN = "loadtest-token"


def rss_mb(pid: int) -> float:
    """Resident set size of a process (Linux /proc), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """Direct child processes (the ingest worker's NLP process)."""
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids


def require_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    try:
        addrs = {ipaddress.ip_address(a[4][0]) for a in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise SystemExit(f"cannot resolve {host!r}: {exc}") from exc
    if not addrs or not all(a.is_loopback for a in addrs):
        raise SystemExit(
            f"refusing to load-test {url}: only loopback addresses (127.0.0.0/8, ::1) are allowed"
        )


def request_mix(client: httpx.Client) -> list[tuple[str, dict[str, Any]]]:
    actors = [a["code"] for a in client.get("/api/actors", params={"limit": 20}).json()["actors"]] or ["RUS"]
    dyads = [d["dyad"] for d in client.get("/api/index/dyads", params={"limit": 20}).json()["items"]] or [
        "RUS-UKR"
    ]
    rng = random.Random(11)
    mix: list[tuple[str, dict[str, Any]]] = []
    for _ in range(200):
        y = rng.randint(2015, 2025)
        mix += [
            ("/api/events", {"limit": 50, "offset": rng.randint(0, 2000)}),
            ("/api/events", {"actor": rng.choice(actors), "from": f"{y}-01-01", "to": f"{y}-12-31"}),
            ("/api/events", {"dyad": rng.choice(dyads), "limit": 100}),
            ("/api/index", {"dyad": rng.sample(dyads, min(3, len(dyads)))}),
            ("/api/index", {"dyad": rng.choice(dyads), "from": f"{y}-01-01"}),
            ("/api/articles", {"limit": 20, "offset": rng.randint(0, 500)}),
            ("/api/stories", {"limit": 20}),
            ("/api/alerts", {"limit": 50}),
            ("/api/health", {}),
        ]
    rng.shuffle(mix)
    return mix


def corpus_articles(n: int, max_chars: int = 8000) -> list[dict[str, Any]]:
    """The first ``n`` corpus articles of at most ``max_chars`` characters (news as the monitor sees it),
    with the fields POST /api/ingest takes; read at run time from ../shared (nothing is copied)."""
    if not CORPUS.exists():
        raise SystemExit(f"{CORPUS} not found: --ingest-every needs the shared corpus")
    arts: list[dict[str, Any]] = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec.get("text") and len(rec["text"]) <= max_chars:
                arts.append({k: rec[k] for k in ARTICLE_FIELDS if rec.get(k) is not None})
            if len(arts) >= n:
                break
    return arts


async def ingest_loop(
    base: str, every: float, batch: int, seconds: float, arts: list[dict[str, Any]], out: dict[str, Any]
) -> None:
    """Post ``batch`` articles every ``every`` seconds (the corpus in order: new articles while it lasts,
    the store is a fresh copy) and record the replies."""
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {TOKEN}"}
    i = 0
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as client:
        while time.monotonic() < deadline:
            body = [arts[(i + k) % len(arts)] for k in range(batch)]
            i += batch
            t = time.perf_counter()
            try:
                r = await client.post("/api/ingest", json=body)
                out["post_ms"].append((time.perf_counter() - t) * 1000)
                out["status"][r.status_code] = out["status"].get(r.status_code, 0) + 1
                if r.status_code == 202:
                    out["jobs"].append(r.json()["id"])
            except httpx.HTTPError as exc:
                out["errors"].append(repr(exc))
            await asyncio.sleep(every)


def warm_ingest(base: str, art: dict[str, Any], clients: int, max_requests: int, pause: bool) -> None:
    """Ingest one article and wait until it is stored, so that the NLP models are loaded before the
    measured run (loading takes a core for seconds: start-up, not ingest under load).

    Reads go on meanwhile unless ``pause``: the worker holds pending stories work back while reads come
    in (up to 2 min), so the measured run sees article ingest alone. With ``pause`` the stories update
    of that article starts in the quiet moment after it, as it would on an idle server, and runs in
    slices during the measured run (on a store whose stories are far behind, e.g. a fresh gen_events
    store with a million events to attach, that is the stories stage's catch-up)."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=base, timeout=30, headers=headers) as c:
        job = c.post("/api/ingest", json={**art, "id": "loadtest-warm-up"}).json()["id"]
        deadline = time.monotonic() + 300
        while c.get(f"/api/ingest/{job}").json()["status"] in ("queued", "running"):
            if time.monotonic() > deadline:
                raise SystemExit("the warm-up ingest job did not finish in 300 s")
            if pause:
                time.sleep(0.5)
            else:
                asyncio.run(run(base, clients, 2.0, max_requests))


def job_summary(base: str, jobs: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Jobs by status, and their records by outcome (inserted, unchanged, errors...)."""
    by: dict[str, int] = {}
    records: dict[str, int] = {}
    with httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        for j in jobs:
            view = c.get(f"/api/ingest/{j}").json()
            st = view.get("status", "?")
            by[st] = by.get(st, 0) + 1
            for k, v in (view.get("counts") or {}).items():
                if k != "records":
                    records[k] = records.get(k, 0) + v
    return by, records


async def run(
    base: str, clients: int, seconds: float, max_requests: int, hits: list[int] | None = None
) -> tuple[list[float], list[str], int]:
    with httpx.Client(base_url=base, timeout=30) as c:
        mix = request_mix(c)
    latencies: list[float] = []
    errors: list[str] = []
    sent = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def worker(i: int, client: httpx.AsyncClient) -> None:
        nonlocal sent
        j = i
        while time.monotonic() < deadline and sent < max_requests:
            sent += 1
            path, params = mix[j % len(mix)]
            j += clients
            t = time.perf_counter()
            try:
                r = await client.get(path, params=params)
                if r.status_code != 200:
                    errors.append(f"{r.status_code} {path} {params}")
                else:
                    r.json()
                    if hits is not None and r.headers.get("x-cache") == "hit":
                        hits.append(1)
            except (httpx.HTTPError, ValueError) as exc:
                errors.append(f"{type(exc).__name__} {path}: {exc!r}")
            latencies.append((time.perf_counter() - t) * 1000)

    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        await asyncio.gather(*(worker(i, client) for i in range(clients)))
    return latencies, errors, sent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path("/tmp/pantau-bench.duckdb"))
    ap.add_argument("--url", default=None, help="an already running server on loopback (else one is started)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=1, help="repeat the run to see whether RSS keeps growing")
    ap.add_argument("--ingest-every", type=float, default=0.0, help="post a batch every S s (0: off)")
    ap.add_argument("--ingest-batch", type=int, default=1, help="corpus articles per POST (1-1000)")
    ap.add_argument(
        "--stories-in-pause",
        action="store_true",
        help="let the warm-up article's stories update start in a pause of reads (see warm_ingest)",
    )
    args = ap.parse_args()
    if not 1 <= args.clients <= 500 or not 0 < args.seconds <= 600 or not 1 <= args.rounds <= 10:
        raise SystemExit("--clients must be 1-500, --seconds at most 600, --rounds 1-10")
    if not 1 <= args.ingest_batch <= 1000:
        raise SystemExit("--ingest-batch must be 1-1000")
    proc: subprocess.Popen[bytes] | None = None
    ingest: dict[str, Any] = {
        "post_ms": [], "status": {}, "jobs": [], "errors": [], "job_states": {}, "records": {}
    }
    arts: list[dict[str, Any]] = []
    if args.ingest_every:
        posts = int(args.seconds * args.rounds / args.ingest_every) + 1
        arts = corpus_articles(posts * args.ingest_batch)
    if args.url:
        base = args.url.rstrip("/")
        require_loopback(base)
        pid = None
    else:
        if not args.db.exists():
            raise SystemExit(f"{args.db} not found: run scripts/gen_events.py --out {args.db} first")
        port = free_port()
        db = args.db
        if args.ingest_every:
            db = args.db.with_name(args.db.stem + "-ingest.duckdb")
            db.with_name(db.name + ".wal").unlink(missing_ok=True)  # a WAL left by an earlier run
            shutil.copyfile(args.db, db)
        proc = start_server(db, port, TOKEN if args.ingest_every else None)
        base, pid = f"http://127.0.0.1:{port}", proc.pid
    try:
        # Warm-up: one short concurrent round loads the store's columns into DuckDB's buffer pool, so
        # that RSS at start is the steady state and growth after it would mean a leak.
        asyncio.run(run(base, args.clients, min(10.0, args.seconds), args.max_requests))
        if args.ingest_every:
            warm_ingest(base, arts[-1], args.clients, args.max_requests, args.stories_in_pause)
        rss_start = rss_mb(pid) if pid else float("nan")
        samples: list[float] = []
        stop = threading.Event()

        def sample() -> None:
            while pid and not stop.wait(1.0):
                samples.append(rss_mb(pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        kids = children(pid) if pid else []
        cpu0 = (cpu_s(pid), sum(cpu_s(k) for k in kids)) if pid else (0.0, 0.0)
        t0 = time.monotonic()
        latencies: list[float] = []
        errors: list[str] = []
        hits: list[int] = []
        sent = 0

        async def measured() -> tuple[list[float], list[str], int]:
            tasks = [run(base, args.clients, args.seconds, args.max_requests, hits)]
            if args.ingest_every:
                tasks.append(
                    ingest_loop(base, args.ingest_every, args.ingest_batch, args.seconds, arts, ingest)
                )
            return (await asyncio.gather(*tasks))[0]

        for i in range(args.rounds):
            lat, err, n = asyncio.run(measured())
            latencies += lat
            errors += err
            sent += n
            if pid:
                print(
                    f"round {i + 1}: {n} requests, errors={len(err)}, server RSS {rss_mb(pid):.0f} MiB",
                    flush=True,
                )
        elapsed = time.monotonic() - t0
        cpu_server = cpu_s(pid) - cpu0[0] if pid else float("nan")
        cpu_nlp = sum(cpu_s(k) for k in kids) - cpu0[1] if pid else float("nan")
        stop.set()
        sampler.join()
        rss_end = rss_mb(pid) if pid else float("nan")
        if args.ingest_every:
            ingest["job_states"], ingest["records"] = job_summary(base, ingest["jobs"])
    finally:
        if proc is not None:
            t_stop = time.monotonic()
            proc.terminate()
            proc.wait(timeout=15)
            print(f"server stopped {time.monotonic() - t_stop:.1f} s after SIGTERM (exit {proc.returncode})")
    print(
        f"{args.clients} clients, {elapsed:.1f} s, {sent} requests, {sent / elapsed:.1f} req/s, "
        f"errors={len(errors)}"
    )
    print(
        f"cache hits {len(hits) / max(1, len(latencies)):.0%}; server CPU {cpu_server:.1f} s "
        f"({1000 * cpu_server / max(1, sent):.1f} ms a request), NLP child CPU {cpu_nlp:.1f} s"
    )
    if latencies:
        print(
            "latency ms: "
            + "  ".join(f"p{p}={pct(latencies, p):.0f}" for p in (50, 90, 95, 99))
            + f"  max={max(latencies):.0f}"
        )
    peak = max(samples, default=float("nan"))
    print(
        f"server RSS after warm-up: start={rss_start:.0f} MiB end={rss_end:.0f} MiB peak={peak:.0f} MiB "
        f"(growth {rss_end - rss_start:+.0f} MiB)"
    )
    if args.ingest_every:
        posts = ingest["post_ms"]
        stored = ingest["records"].get("stored", 0)
        print(
            f"ingest: {len(posts)} posts of {args.ingest_batch}, replies {ingest['status']}, "
            f"post p95={pct(posts, 95):.0f} ms, jobs at end {ingest['job_states']}, "
            f"records {ingest['records']}, {stored / elapsed:.2f} articles/s stored during the run, "
            f"errors={len(ingest['errors'])}"
        )
    for e in errors[:10]:
        print("error:", e)
    sys.exit(1 if errors or ingest["errors"] else 0)


if __name__ == "__main__":
    main()
