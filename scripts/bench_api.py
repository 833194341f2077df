#!/usr/bin/env python3
"""Latency of every read endpoint on a large store, and the overview page's time to first chart.

Starts `pantau serve` on 127.0.0.1 over the store (generate one with scripts/gen_events.py), sends a mix of
realistic filtered queries one at a time, and prints p50/p95/max per endpoint against the targets
(p95 < 150 ms), and the server's CPU milliseconds per request (per route and per filter kind: the steadier
figure on a shared machine). Each request carries an unused ``_nocache`` parameter so that the server's
reply cache cannot answer it (``--cache`` measures with the cache).
With Playwright and Debian's chromium present it also loads the overview page a few times
and reports the time to the first rendered chart (target < 1.5 s).

    python scripts/gen_events.py --out /tmp/pantau-bench.duckdb
    python scripts/bench_api.py --db /tmp/pantau-bench.duckdb
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

TARGET_P95_MS = 150.0
TARGET_FIRST_CHART_MS = 1500.0
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, token: str | None = None) -> subprocess.Popen[bytes]:
    """`pantau serve` in a child process (ingest on when ``token`` is given); returns once /api/health
    answers."""
    cmd = [
        sys.executable,
        "-c",
        "from pantau.cli import main; main()",
        "serve",
        "--db",
        str(db),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    env = {**os.environ, "PANTAU_TOKEN": token or ""}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                f"server exited: {proc.stderr.read().decode(errors='replace') if proc.stderr else ''}"
            )
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start in 120 s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (its threads included), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def query_mix(client: httpx.Client, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """Realistic requests for every read endpoint, built from what the store holds.

    Keys are the route templates; ``{code}``/``{id}`` routes carry their path value in ``_path``."""
    actors = [a["code"] for a in client.get("/api/actors", params={"limit": 30}).json()["actors"]] or ["RUS"]
    dyads = [d["dyad"] for d in client.get("/api/index/dyads", params={"limit": 30}).json()["items"]] or [
        "RUS-UKR"
    ]
    arts = client.get("/api/articles", params={"limit": 50}).json()["items"]
    outlets = [a["outlet"] for a in arts if a.get("outlet")] or ["x"]
    article_ids = [a["id"] for a in arts] or ["x"]
    stories = [s["id"] for s in client.get("/api/stories", params={"limit": 50}).json()["items"]] or ["x"]
    event_ids = [e["id"] for e in client.get("/api/events", params={"limit": 50}).json()["items"]] or ["x"]
    types = ["ASSAULT", "THREATEN", "CONSULT", "ACCUSE", "AID", "COERCE"]

    def year() -> dict[str, str]:
        y = rng.randint(2015, 2024)
        return {"from": f"{y}-01-01", "to": f"{y}-12-31"}

    def month() -> dict[str, str]:
        y, m = rng.randint(2015, 2024), rng.randint(1, 12)
        return {"from": f"{y}-{m:02d}-01", "to": f"{y}-{m:02d}-28"}

    events: list[dict[str, Any]] = []
    for _ in range(40):
        events += [
            {"limit": 50},
            {"limit": 50, "offset": rng.randint(0, 5000)},
            {"actor": rng.choice(actors), "limit": 50},
            {"dyad": rng.choice(dyads), "limit": 100},
            {"quad": rng.randint(1, 4), **year(), "limit": 50},
            {"type": rng.choice(types), **month(), "limit": 50},
            {"outlet": rng.choice(outlets), "limit": 50},
            {"story": rng.choice(stories), "limit": 50},
            {"actor": rng.choice(actors), "recipient": rng.choice(actors), **year(), "limit": 200},
            {"limit": 500, **month()},
        ]
    index: list[dict[str, Any]] = []
    for _ in range(80):
        index += [
            {"dyad": rng.choice(dyads)},
            {"dyad": rng.choice(dyads), **year()},
            {"dyad": rng.sample(dyads, min(3, len(dyads)))},
            {"dyad": rng.sample(dyads, min(3, len(dyads))), **year()},
            {"dyad": rng.choice(dyads), "alerts": "false"},
        ]
    actor_list: list[dict[str, Any]] = []
    geo: list[dict[str, Any]] = []
    for _ in range(40):
        actor_list += [
            {},
            {"limit": 30},
            {**year()},
            {"quad": rng.randint(1, 4)},
            {"quad": rng.randint(1, 4), **year(), "min_weight": 2},
        ]
        geo += [
            {},
            {**year()},
            {"actor": rng.choice(actors)},
            {"dyad": rng.choice(dyads)},
            {"type": rng.choice(types), **year()},
            {"quad": rng.randint(1, 4), "limit": 100},
        ]
    small: dict[str, list[dict[str, Any]]] = {
        "/api/articles": [{"limit": 20, "offset": rng.randint(0, 5000)} for _ in range(100)]
        + [{"outlet": rng.choice(outlets), **year()} for _ in range(50)],
        "/api/stories": [{"limit": 20, "offset": rng.randint(0, 2000)} for _ in range(100)]
        + [{"actor": rng.choice(actors), **year()} for _ in range(50)],
        "/api/alerts": [{"limit": 50, "offset": rng.randint(0, 500)} for _ in range(100)]
        + [{"dyad": rng.choice(dyads)} for _ in range(50)],
        "/api/index/dyads": [{"limit": rng.randint(10, 100)} for _ in range(50)]
        + [{"one_party": "true", "limit": rng.randint(10, 100)} for _ in range(50)],
        "/api/health": [{} for _ in range(100)],
        "/api/actors/{code}": [{"_path": rng.choice(actors), "limit": 50} for _ in range(150)],
        "/api/events/{id}": [{"_path": rng.choice(event_ids)} for _ in range(150)],
        "/api/articles/{id}": [{"_path": rng.choice(article_ids)} for _ in range(150)],
        "/api/stories/{id}": [{"_path": rng.choice(stories)} for _ in range(150)],
    }
    return {"/api/events": events, "/api/index": index, "/api/actors": actor_list, "/api/map": geo, **small}


def _get(client: httpx.Client, route: str, params: dict[str, Any], nonce: int | None) -> httpx.Response:
    """GET a route of the mix; ``nonce`` adds an unused parameter so the server's reply cache cannot answer
    (the figures are then what the query costs, not what the cache costs)."""
    params = dict(params)
    path = params.pop("_path", None)
    url = route.replace("{code}", str(path)).replace("{id}", str(path)) if path is not None else route
    if nonce is not None:
        params["_nocache"] = nonce
    return client.get(url, params=params)


def run_http(
    base: str, rounds: int, *, pid: int, cache: bool = False, only: list[str] | None = None
) -> dict[str, tuple[list[float], float]]:
    """Per route: the request times (ms) and the server's CPU ms per request. Requests run grouped by
    filter kind, so each kind's CPU is read around its own requests (``/proc`` counts in 10 ms ticks:
    summed over a kind's requests, not per request)."""
    rng = random.Random(7)
    out: dict[str, tuple[list[float], float]] = {}
    nonce = 0
    with httpx.Client(base_url=base, timeout=60) as client:
        mix = query_mix(client, rng)
        for path, params_list in mix.items():
            if only and path not in only:
                continue
            for params in params_list[:5]:  # warm-up
                _get(client, path, params, None).raise_for_status()
            kinds: dict[str, list[dict[str, Any]]] = {}
            for params in params_list * rounds:
                kinds.setdefault(",".join(sorted(params)), []).append(params)
            times: list[float] = []
            cpu: dict[str, float] = {}
            kind_times: dict[str, list[float]] = {}
            for kind, group in kinds.items():
                c0 = cpu_seconds(pid)
                for params in group:
                    nonce += 1
                    t = time.perf_counter()
                    r = _get(client, path, params, None if cache else nonce)
                    r.raise_for_status()
                    r.json()
                    kind_times.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
                cpu[kind] = (cpu_seconds(pid) - c0) * 1000
                times += kind_times[kind]
            out[path] = (times, sum(cpu.values()) / len(times))
            if len(kinds) > 1:
                per_kind = "; ".join(
                    f"{k or '-'} p95={pct(kind_times[k], 95):.0f} ms cpu={cpu[k] / len(kind_times[k]):.1f} ms"
                    for k in sorted(kinds, key=lambda k: -cpu[k] / len(kind_times[k]))
                )
                print(f"  {path} by filter (CPU per request, costliest first): {per_kind}", flush=True)
    return out


def run_browser(base: str, loads: int) -> list[float] | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("browser: playwright not installed; skipped")
        return None
    if not Path("/usr/bin/chromium").exists():
        print("browser: /usr/bin/chromium missing (tests/browser/setup.sh); skipped")
        return None
    times: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_FLAGS)
        for _ in range(loads):
            ctx = browser.new_context(viewport={"width": 1360, "height": 900})
            page = ctx.new_page()
            page.goto(base + "/")
            page.wait_for_selector("body[data-chart]", state="attached", timeout=30_000)
            times.append(page.evaluate("window.__pantauFirstChart"))
            ctx.close()
        browser.close()
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path("/tmp/pantau-bench.duckdb"))
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--browser-loads", type=int, default=5)
    ap.add_argument("--cache", action="store_true", help="let the server's reply cache answer repeats")
    ap.add_argument("--only", nargs="*", help="route templates to measure (default: all)")
    args = ap.parse_args()
    if not args.db.exists():
        raise SystemExit(f"{args.db} not found: run scripts/gen_events.py --out {args.db} first")
    port = free_port()
    proc = start_server(args.db, port)
    base = f"http://127.0.0.1:{port}"
    ok = True
    try:
        n = httpx.get(base + "/api/health", timeout=30).json()
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"store: {args.db} ({n['articles']:,} articles, {n['events']:,} events)")
        replies = run_http(base, args.rounds, pid=proc.pid, cache=args.cache, only=args.only)
        for path, (times, cpu_ms) in replies.items():
            p95 = pct(times, 95)
            status = "PASS" if p95 < TARGET_P95_MS else "FAIL"
            ok &= status == "PASS"
            print(
                f"{path:<20} n={len(times):<4} p50={statistics.median(times):6.1f} ms  p95={p95:6.1f} ms  "
                f"max={max(times):6.1f} ms  cpu={cpu_ms:5.1f} ms/req  "
                f"target p95<{TARGET_P95_MS:.0f} ms: {status}"
            )
        first = run_browser(base, args.browser_loads)
        if first:
            worst = max(first)
            status = "PASS" if worst < TARGET_FIRST_CHART_MS else "FAIL"
            ok &= status == "PASS"
            print(
                f"overview first chart: median={statistics.median(first):.0f} ms max={worst:.0f} ms "
                f"over {len(first)} loads; target <{TARGET_FIRST_CHART_MS:.0f} ms: {status}"
            )
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
