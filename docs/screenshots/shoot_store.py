"""Screenshots of the dashboard on a real store (docs/screenshots/store2000/): how they were made.

    pantau serve --db STORE --port 8765 &
    python docs/screenshots/shoot_store.py http://127.0.0.1:8765 docs/screenshots/store2000 after

Headless Debian chromium (tests/browser/setup.sh) with an en-US browser locale and the dashboard in
Indonesian, the case where a native date input showed mm/dd/yyyy. PREFIX names the files
(before-*.png, after-*.png).
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = [("overview", "/"), ("stories", "/stories"), ("events", "/events"), ("actors", "/actors"),
         ("map", "/map")]


def main(base: str, out: Path, prefix: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        for lang in ("id", "en"):
            ctx = browser.new_context(viewport={"width": 1360, "height": 1000}, locale="en-US")
            page = ctx.new_page()
            page.goto(base + "/")
            page.evaluate(f"localStorage.setItem('pantau.lang', '{lang}')")
            for name, path in PAGES if lang == "id" else PAGES[:3]:
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(800)
                page.screenshot(path=str(out / f"{prefix}-{lang}-{name}.png"))
            ctx.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3])
