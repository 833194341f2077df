"""Fixtures for the browser tests: a store built from the seeds, `pantau serve` on it, headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sampledb  # noqa: E402

CHROMIUM = os.environ.get("PANTAU_CHROMIUM", "/usr/bin/chromium")
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
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def sample_db(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Depends on ``browser`` so that a missing chromium skips before the store is built.
    if not sampledb.available():
        pytest.skip("shared seeds/gold not found next to the repo (../shared)")
    path = tmp_path_factory.mktemp("browser") / "pantau.duckdb"
    sampledb.build(path)
    return path


@pytest.fixture(scope="session")
def server(sample_db: Path) -> Iterator[str]:
    """`pantau serve` in a subprocess on a free loopback port; yields its base URL."""
    port = _free_port()
    cmd = [
        sys.executable,
        "-c",
        "from pantau.cli import main; main()",
        "serve",
        "--db",
        str(sample_db),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    env = {k: v for k, v in os.environ.items() if k != "PANTAU_TOKEN"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"pantau serve exited: {proc.stderr.read().decode(errors='replace')}")
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("pantau serve did not come up in 60 s")
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(
            "playwright is not installed (pip install 'playwright>=1.40'; see tests/browser/setup.sh)"
        )
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"chromium not found at {CHROMIUM} (run tests/browser/setup.sh)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


class PageWatch:
    """A page plus the console errors and failed requests seen on it."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("requestfailed", self._failed)

    def _failed(self, request: Any) -> None:
        # a request cut off by the page's own navigation (the language toggle reloads while live.js polls)
        # is not a failure of the page
        if "ERR_ABORTED" not in (request.failure or ""):
            self.errors.append(f"requestfailed: {request.url} ({request.failure})")


@pytest.fixture()
def page(browser: Any) -> Iterator[PageWatch]:
    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="id-ID")
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    watch = PageWatch(pg)
    yield watch
    ctx.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the tests save their page screenshots: a temporary folder, so a test run leaves the
    checkout as it was; docs/screenshots/ (the README's pictures) with PANTAU_SCREENSHOTS=1."""
    if os.environ.get("PANTAU_SCREENSHOTS") != "1":
        return tmp_path_factory.mktemp("screenshots")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
