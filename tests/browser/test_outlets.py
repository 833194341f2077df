"""The dashboard shows how many independent outlets reported each event and story (issue 24), as the API
counts them (syndicated copies once)."""

from __future__ import annotations

from typing import Any

import httpx


def _api(server: str, path: str, **params: Any) -> Any:
    r = httpx.get(server + path, params=params, timeout=30)
    r.raise_for_status()
    return r.json()


def test_events_table_has_an_independent_outlets_column(server: str, page: Any) -> None:
    pw = page
    pw.page.goto(server + "/events")
    pw.page.wait_for_selector("table.events tr.row td.sources")
    items = _api(server, "/api/events", sort="relevance", limit=50)["items"]
    want = {e["id"]: e["n_sources"] for e in items}
    got = pw.page.eval_on_selector_all(
        "table.events tr.row",
        "rows => rows.map(r => [r.dataset.id, r.querySelector('td.sources').innerText])",
    )
    assert len(got) == len(want) > 0
    assert {i: (int(t) if t else None) for i, t in got} == want
    assert any(n for n in want.values())  # the sample store has canonical events
    heads = pw.page.locator("table.events thead th").all_inner_texts()
    rows = pw.page.locator("table.events tr.row").first.locator("td").count()
    assert len(heads) == rows  # the column is in the header too
    # an expanded row spans the whole table
    pw.page.locator("table.events tr.row").first.click()
    pw.page.wait_for_selector("tr.detail td")
    assert pw.page.locator("tr.detail td").first.get_attribute("colspan") == str(rows)
    assert not pw.errors, pw.errors


def test_stories_show_independent_outlets(server: str, page: Any) -> None:
    pw = page
    pw.page.goto(server + "/stories")
    pw.page.wait_for_selector("table.stories tbody tr .n-outlets")
    items = _api(server, "/api/stories", sort="relevance", limit=50)["items"]
    want = {s["id"]: s["n_outlets"] for s in items}
    got = pw.page.eval_on_selector_all(
        "table.stories tbody tr",
        "rows => rows.map(r => [r.dataset.id, r.querySelector('.n-outlets').innerText])",
    )
    assert {i: int(t) for i, t in got} == want
    # a story with canonical events: each event's independent outlets in the timeline table
    story = next(
        (d for s in _api(server, "/api/stories", sort="relevance", limit=50)["items"]
         if (d := _api(server, f"/api/stories/{s['id']}"))["events"] and d["events"][0].get("canonical")),
        None,
    )
    if story is None:  # the sample store always has one; say so rather than pass silently
        raise AssertionError("no story with canonical events in the sample store")
    pw.page.goto(server + "/stories?id=" + story["id"])
    pw.page.wait_for_selector("#events .n-sources")
    shown = [int(t) for t in pw.page.locator("#events .n-sources").all_inner_texts()]
    assert shown == [e["n_sources"] for e in story["events"]]
    assert pw.page.locator(".n-outlets").first.inner_text() == str(story["n_outlets"])
    assert not pw.errors, pw.errors


def test_overview_day_events_show_independent_outlets(server: str, page: Any) -> None:
    """Clicking a point of the overview chart lists that day's events with each one's independent outlets."""
    pw = page
    pw.page.goto(server + "/")
    pw.page.wait_for_selector("body[data-chart='ready']")
    pt = pw.page.locator("#chart-score circle.pt").first
    day, dyad = pt.get_attribute("data-day"), pt.get_attribute("data-series")
    pt.click()
    pw.page.wait_for_selector("#day-events tr.row td.sources")
    items = _api(server, "/api/events", dyad=dyad, limit=100, **{"from": day, "to": day})["items"]
    want = {e["id"]: e["n_sources"] for e in items}
    got = pw.page.eval_on_selector_all(
        "#day-events tr.row",
        "rows => rows.map(r => [r.dataset.id, r.querySelector('td.sources').innerText])",
    )
    assert len(got) == len(want) > 0
    assert {i: (int(t) if t else None) for i, t in got} == want
    heads = pw.page.locator("#day-events thead th").all_inner_texts()
    assert len(heads) == pw.page.locator("#day-events tr.row").first.locator("td").count()
    assert not pw.errors, pw.errors
