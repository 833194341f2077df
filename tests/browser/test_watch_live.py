"""The live dashboard in headless Chromium: `pantau watch --serve` over a folder; a new article file shows
its events in the open events page without a reload."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pantau.watch.testing import free_port

pytestmark = pytest.mark.browser

# self-written articles (not from the evaluation data)
FIRST = {
    "id": "live-1",
    "title": "Rusia serang Kharkiv",
    "published": "2026-12-07",
    "text": "Pasukan Rusia menyerang kota Kharkiv di Ukraina pada Senin, kata pejabat setempat.\n\n"
    "Serangan itu menewaskan tiga warga sipil.",
}
SECOND = {
    "id": "live-2",
    "title": "Ukraina kecam Rusia",
    "published": "2026-12-07",
    "text": "Pemerintah Ukraina mengecam serangan tersebut dan menuduh Rusia melanggar hukum "
    "internasional.\n\nMenteri luar negeri Ukraina meminta sekutu mengirim bantuan.",
}


def _status(base: str) -> dict[str, Any]:
    return httpx.get(base + "/api/status", timeout=5).json()


@pytest.fixture()
def live(browser: Any, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "first.jsonl").write_text(json.dumps(FIRST) + "\n", encoding="utf-8")
    port = free_port()
    cmd = [
        sys.executable,
        "-c",
        "from pantau.cli import main; main()",
        "watch",
        "--serve",
        "--port",
        str(port),
        "--db",
        str(tmp_path / "live.duckdb"),
        "--folder",
        str(inbox),
        "--no-stdout",
    ]
    env = {k: v for k, v in os.environ.items() if k != "PANTAU_TOKEN"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:  # up, and the first article's events stored
            if proc.poll() is not None:
                raise RuntimeError(f"pantau watch exited: {proc.stderr.read().decode(errors='replace')}")
            try:
                if _status(base)["events"] > 0:
                    break
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.3)
        else:
            raise RuntimeError("pantau watch --serve did not store the first article in 120 s")
        yield base, inbox
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_new_event_appears_without_reload(live: tuple[str, Path], page: Any, screenshots: Path) -> None:
    base, inbox = live
    pw = page
    pw.page.add_init_script("window.PANTAU_LIVE_MS = 500")
    pw.page.goto(base + "/events?all=1")
    pw.page.wait_for_selector("table.events tr.row")
    before = int(pw.page.get_attribute("body", "data-total"))
    assert before == _status(base)["events"] > 0
    pw.page.wait_for_function("document.body.dataset.live === 'on'")
    pw.page.evaluate("window.__sameDocument = true")
    (inbox / "second.jsonl").write_text(json.dumps(SECOND) + "\n", encoding="utf-8")
    pw.page.wait_for_function(f"Number(document.body.dataset.total) > {before}", timeout=90_000)
    after = int(pw.page.get_attribute("body", "data-total"))
    assert after == _status(base)["events"]
    assert pw.page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    assert pw.page.locator("#live").is_visible()
    assert pw.page.locator("table.events tr.row").count() == after
    pw.page.screenshot(path=str(screenshots / "live.png"), full_page=False)
    assert not pw.errors, pw.errors
