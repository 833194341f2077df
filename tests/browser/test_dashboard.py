"""End-to-end tests of the dashboard in headless Chromium against `pantau serve` on a store from the seeds.

Each test also writes a screenshot of its page (to docs/screenshots/ with PANTAU_SCREENSHOTS=1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.browser


def _ready(pw: Any) -> None:
    pw.page.wait_for_selector("body[data-chart]", state="attached")


def _api(server: str, path: str, **params: Any) -> Any:
    r = httpx.get(server + path, params=params, timeout=30)
    r.raise_for_status()
    return r.json()


def test_overview_chart_renders_fast_and_lists_events(server: str, page: Any, screenshots: Path) -> None:
    pw = page
    pw.page.goto(server + "/")
    _ready(pw)
    assert pw.page.get_attribute("body", "data-chart") == "ready"
    points = pw.page.locator("#chart-score circle.pt")
    assert points.count() > 0, "the escalation chart drew no points"
    assert pw.page.locator("#chart-score polyline, #chart-score circle").count() > 0
    first_chart_ms = pw.page.evaluate("window.__pantauFirstChart")
    assert 0 < first_chart_ms < 1500, f"overview took {first_chart_ms:.0f} ms to its first chart"
    # Default language is Indonesian.
    assert pw.page.locator("header nav a.active").inner_text() == "Ikhtisar"
    # Clicking a point lists that day's events of that dyad.
    pt = points.first
    day, dyad = pt.get_attribute("data-day"), pt.get_attribute("data-series")
    pt.click()
    pw.page.wait_for_selector("#day-events tr.row")
    expected = _api(server, "/api/events", dyad=dyad, **{"from": day, "to": day})["total"]
    assert pw.page.locator("#day-events tr.row").count() == min(expected, 100) > 0
    pw.page.screenshot(path=str(screenshots / "overview.png"), full_page=True)
    assert not pw.errors, pw.errors


def test_events_filters_and_evidence_highlight(server: str, page: Any, screenshots: Path) -> None:
    pw = page
    pw.page.goto(server + "/events")
    pw.page.wait_for_selector("table.events tr.row")
    total_all = int(pw.page.get_attribute("body", "data-total"))
    assert total_all == _api(server, "/api/events", limit=1)["total"]
    # Filter: material conflict only.
    pw.page.select_option("select[name=quad]", "4")
    pw.page.click("#filters button[type=submit]")
    pw.page.wait_for_function(f"document.body.dataset.total != '{total_all}'")
    total_q4 = int(pw.page.get_attribute("body", "data-total"))
    assert 0 < total_q4 < total_all
    assert total_q4 == _api(server, "/api/events", quad=4, limit=1)["total"]
    badges = pw.page.locator("table.events tr.row .type")
    assert badges.count() > 0
    assert all("q4" in (badges.nth(i).get_attribute("class") or "") for i in range(badges.count()))
    # Expand the first row: the highlighted evidence equals the stored span of the article text.
    row = pw.page.locator("table.events tr.row").first
    event_id = row.get_attribute("data-id")
    row.click()
    pw.page.wait_for_selector("tr.detail .sentence mark.ev")
    ev = _api(server, f"/api/events/{event_id}")
    art = _api(server, f"/api/articles/{ev['article_id']}")
    marks = pw.page.locator("tr.detail .sentence mark.ev").all_inner_texts()
    spans = [art["text"][s["start"] : s["end"]] for s in ev["evidence"]]
    assert "".join(marks) == "".join(s for s in spans if s in ev["context"]["text"])
    assert pw.page.locator("tr.detail .trace code").inner_text() == (ev["pattern"] or "—")
    assert pw.page.locator("tr.detail ul.reports li").count() == len(ev["reports"]) >= 1
    pw.page.screenshot(path=str(screenshots / "events.png"), full_page=False)
    assert not pw.errors, pw.errors


def test_article_highlights_match_stored_spans(server: str, page: Any, screenshots: Path) -> None:
    pw = page
    arts = _api(server, "/api/articles", limit=200)["items"]
    best = max(arts, key=lambda a: a["n_events"])
    art = _api(server, f"/api/articles/{best['id']}")
    pw.page.goto(server + f"/article?id={best['id']}")
    pw.page.wait_for_selector("#text mark.ev")
    checked = 0
    for ev in art["events"]:
        if len(ev["evidence"]) != 1:
            continue
        span = ev["evidence"][0]
        got = pw.page.evaluate(
            "id => [...document.querySelectorAll('#text mark.ev')]"
            ".filter(m => m.dataset.ev.split(' ').includes(id)).map(m => m.textContent).join('')",
            ev["id"],
        )
        assert got == art["text"][span["start"] : span["end"]], ev["id"]
        checked += 1
    assert checked > 0
    # The whole text is shown, and removed furniture is collapsed.
    assert pw.page.locator("#text").inner_text().replace("\n", "") == art["text"].replace("\n", "")
    details = pw.page.locator("details.removed")
    assert details.count() == 1 and details.get_attribute("open") is None
    if art["entities"]:
        assert pw.page.locator("#text mark.ent").count() > 0
    pw.page.screenshot(path=str(screenshots / "article.png"), full_page=False)
    assert not pw.errors, pw.errors


def test_stories_list_and_detail(server: str, page: Any, screenshots: Path) -> None:
    pw = page
    pw.page.goto(server + "/stories")
    pw.page.wait_for_selector("table.stories a")
    stories = _api(server, "/api/stories", limit=50)["items"]
    assert pw.page.locator("table.stories tbody tr").count() == len(stories)
    target = max(stories, key=lambda s: s["n_articles"] or 0)
    pw.page.goto(server + f"/stories?id={target['id']}")
    _ready(pw)
    detail = _api(server, f"/api/stories/{target['id']}")
    assert pw.page.locator("h1.story-title").inner_text() == (detail["title"] or detail["id"])
    assert pw.page.locator("ul.syndication li").count() == max(1, len(detail["syndication"]))
    if detail["events"]:
        assert pw.page.locator("#timeline circle").count() > 0
    pw.page.screenshot(path=str(screenshots / "stories.png"), full_page=True)
    assert not pw.errors, pw.errors


def test_actor_network_and_actor_page(server: str, page: Any, screenshots: Path) -> None:
    pw = page
    pw.page.goto(server + "/actors")
    _ready(pw)
    assert pw.page.locator("#network g.node").count() >= 2
    assert pw.page.locator("#network path.edge").count() >= 1
    pw.page.screenshot(path=str(screenshots / "actors.png"), full_page=False)
    node = pw.page.locator("#network g.node").first
    code = node.get_attribute("data-id")
    node.click()
    pw.page.wait_for_url(f"**/actors?code={code}")
    pw.page.wait_for_selector("#actor-events tr.row")
    n = len(_api(server, f"/api/actors/{code}", limit=50)["events"])
    assert pw.page.locator("#actor-events tr.row").count() == n
    pw.page.screenshot(path=str(screenshots / "actor.png"), full_page=False)
    assert not pw.errors, pw.errors


def test_map_draws_countries_and_places(server: str, page: Any, screenshots: Path) -> None:
    pw = page
    pw.page.goto(server + "/map")
    _ready(pw)
    assert pw.page.locator("#map path.country").count() > 150
    places = pw.page.locator("#map circle.place")
    n_features = len(_api(server, "/api/map")["features"])
    assert places.count() == n_features > 0
    places.first.click(force=True)
    pw.page.wait_for_selector("#place-events tr.row")
    pw.page.screenshot(path=str(screenshots / "map.png"), full_page=True)
    assert not pw.errors, pw.errors


def test_language_toggle(server: str, page: Any) -> None:
    pw = page
    pw.page.goto(server + "/events")
    pw.page.wait_for_selector("table.events tr.row")
    assert pw.page.locator("h1").inner_text() == "Peristiwa"
    pw.page.click("#lang")
    pw.page.wait_for_function("document.documentElement.lang === 'en'")
    pw.page.wait_for_selector("table.events tr.row")
    assert pw.page.locator("h1").inner_text() == "Events"
    assert pw.page.locator("header nav a.active").inner_text() == "Events"
    pw.page.click("#lang")
    pw.page.wait_for_function("document.documentElement.lang === 'id'")
    assert not pw.errors, pw.errors
