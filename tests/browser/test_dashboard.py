"""End-to-end tests of the dashboard in headless Chromium against `pantau serve` on a store from the seeds.

Each test also writes a screenshot of its page (to docs/screenshots/ with PANTAU_SCREENSHOTS=1).
"""

from __future__ import annotations

import json
import re
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


# --- issue #23: signal first, honest charts, both languages -----------------------------------------

STATIC = Path(__file__).resolve().parents[2] / "pantau" / "web" / "static"
I18N = json.loads((STATIC / "i18n.json").read_text(encoding="utf-8"))
ID_DATE = re.compile(r"^\d{1,2} (Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Sep|Okt|Nov|Des) \d{4}$")
DATE_CELLS, TEXTS = "table.events tr.row td:first-child", "els => els.map(e => e.innerText)"
EN_DATE = re.compile(r"^\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec) \d{4}$")


def _story_ids(pw: Any) -> list[str]:
    return pw.page.eval_on_selector_all("table.stories tbody tr", "rows => rows.map(r => r.dataset.id)")


def _wait_total(pw: Any, before: str) -> None:
    pw.page.wait_for_function(f"document.body.dataset.total !== '{before}'")


def test_stories_relevance_first_and_filters(server: str, page: Any, screenshots: Path) -> None:
    pw = page
    pw.page.goto(server + "/stories")
    pw.page.wait_for_selector("table.stories tbody tr")
    assert pw.page.get_attribute("body", "data-sort") == "relevance"
    ranked = _api(server, "/api/stories", sort="relevance", limit=50)
    assert _story_ids(pw) == [s["id"] for s in ranked["items"]]
    rel = [s["relevance"] for s in ranked["items"]]
    assert rel == sorted(rel, reverse=True)
    # "All news": newest first, the API's plain order.
    total = pw.page.get_attribute("body", "data-total")
    pw.page.check("input[name=all]")
    pw.page.click("#filters button[type=submit]")
    pw.page.wait_for_function("document.body.dataset.sort === 'recent'")
    pw.page.wait_for_selector("table.stories tbody tr")
    recent = _api(server, "/api/stories", sort="recent", limit=50)["items"]
    pw.page.wait_for_function(
        f"[...document.querySelectorAll('table.stories tbody tr')].map(r => r.dataset.id).join() === "
        f"{json.dumps(','.join(s['id'] for s in recent))}"
    )
    pw.page.uncheck("input[name=all]")
    # Dyad and type filters: the stories whose events match, as the API counts them.
    ev = _api(server, "/api/events", limit=200)["items"]
    dyadic = next(e for e in ev if e["actor_codes"] and e["recipient_codes"]
                  and e["actor_codes"][0] != e["recipient_codes"][0])
    dyad = f"{dyadic['actor_codes'][0]}-{dyadic['recipient_codes'][0]}"
    expected = _api(server, "/api/stories", dyad=dyad, sort="relevance", limit=50)
    assert 0 < expected["total"] <= int(total)
    pw.page.fill("input[name=dyad]", dyad)
    pw.page.select_option("#filters select[name=type]", dyadic["type"])
    before = pw.page.get_attribute("body", "data-total")
    pw.page.click("#filters button[type=submit]")
    both = _api(server, "/api/stories", dyad=dyad, type=dyadic["type"], sort="relevance", limit=50)
    if str(both["total"]) != before:
        _wait_total(pw, before)
    assert pw.page.get_attribute("body", "data-total") == str(both["total"]) and both["total"] >= 1
    assert _story_ids(pw) == [s["id"] for s in both["items"]]
    assert f"dyad={dyad}" in pw.page.url  # the filter is in the address, so it can be shared
    # Text and outlet filters.
    pw.page.click("#filters button[type=reset]")
    first = ranked["items"][0]
    word = max((first["title"] or "x").split(), key=len)
    pw.page.fill("input[name=q]", word)
    pw.page.fill("input[name=outlet]", first["outlets"][0])
    pw.page.click("#filters button[type=submit]")
    want = _api(server, "/api/stories", q=word, outlet=first["outlets"][0], sort="relevance", limit=50)
    pw.page.wait_for_function(f"document.body.dataset.total === '{want['total']}'")
    assert first["id"] in _story_ids(pw)
    pw.page.screenshot(path=str(screenshots / "stories-filtered.png"), full_page=False)
    assert not pw.errors, pw.errors


def test_events_list_relevance_first(server: str, page: Any) -> None:
    pw = page
    pw.page.goto(server + "/events")
    pw.page.wait_for_selector("table.events tr.row")
    assert pw.page.get_attribute("body", "data-sort") == "relevance"
    want = [e["id"] for e in _api(server, "/api/events", sort="relevance", limit=50)["items"]]
    got = pw.page.eval_on_selector_all("table.events tr.row", "rows => rows.map(r => r.dataset.id)")
    assert got == want
    assert not pw.errors, pw.errors


def test_line_chart_breaks_at_gaps(server: str, page: Any) -> None:
    """Days 1-3, 10, 20-21: two lines (1-3 and 20-21), the lone day 10 only as a point."""
    pw = page
    pw.page.goto(server + "/")
    _ready(pw)
    got = pw.page.evaluate(
        """() => {
          const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
          svg.style.width = "800px"; document.body.appendChild(svg);
          const t = (d) => Date.UTC(2024, 0, d);
          const pts = [1, 2, 3, 10, 20, 21].map((d) => ({ t: t(d), y: d }));
          PantauCharts.lineChart(svg, [{ name: "A-B", color: "#4e79a7", points: pts }], []);
          const lines = [...svg.querySelectorAll("polyline")]
            .map((l) => l.getAttribute("points").split(" ").length);
          const out = { lines, points: svg.querySelectorAll("circle.pt").length };
          PantauCharts.lineChart(svg, [{ name: "A-B", color: "#4e79a7", points: pts }], [], { lines: false });
          out.noLines = svg.querySelectorAll("polyline").length;
          svg.remove();
          return out;
        }"""
    )
    assert got == {"lines": [3, 2], "points": 6, "noLines": 0}
    # On the real chart: one polyline per run of consecutive days, none across a gap.
    data = _api(server, "/api/index/dyads", limit=3)["items"]
    series = _api(server, "/api/index", dyad=[d["dyad"] for d in data], alerts="false")["dyads"]
    import datetime as dt

    runs = 0
    for s in series:
        days = [dt.date.fromisoformat(d) for d, v in zip(s["day"], s["score"], strict=True) if v is not None]
        runs += sum(1 for a, b, c in zip([None, *days[:-1]], days, [*days[1:], None], strict=True)
                    if (a is None or (b - a).days > 1) and c is not None and (c - b).days == 1)
    assert pw.page.locator("#chart-score polyline").count() == runs
    assert not pw.errors, pw.errors


def test_dyad_colours_never_repeat(server: str, page: Any) -> None:
    pw = page
    pw.page.goto(server + "/")
    _ready(pw)
    boxes = pw.page.locator("#dyads input[type=checkbox]")
    for i in range(boxes.count()):
        if not boxes.nth(i).is_checked() and not boxes.nth(i).is_disabled():
            boxes.nth(i).check()
    pw.page.wait_for_timeout(300)
    checked = pw.page.eval_on_selector_all(
        "#dyads label",
        "ls => ls.filter(l => l.querySelector('input').checked)"
        ".map(l => l.querySelector('.swatch').style.background)",
    )
    assert 1 <= len(checked) <= 10
    assert len(set(checked)) == len(checked), checked
    strokes = pw.page.eval_on_selector_all(
        "#chart-score polyline", "ls => ls.map(l => [l.dataset.series, l.getAttribute('stroke')])"
    )
    by_series: dict[str, set[str]] = {}
    for name, colour in strokes:
        by_series.setdefault(name, set()).add(colour)
    assert all(len(c) == 1 for c in by_series.values())
    colours = [next(iter(c)) for c in by_series.values()]
    assert len(set(colours)) == len(colours)
    if boxes.count() > 10:
        assert pw.page.locator("#dyads input:disabled").count() == boxes.count() - 10
    # Axes are explained: both charts carry axis titles.
    assert pw.page.locator("#chart-score text.ylabel").text_content() == I18N["id"]["overview.score_axis"]
    assert pw.page.locator("#chart-score text.xlabel").count() == 1
    assert not pw.errors, pw.errors


def test_both_languages_show_translated_values_and_local_dates(server: str, browser: Any) -> None:
    from conftest import PageWatch

    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
    pw = PageWatch(ctx.new_page())
    try:
        pw.page.goto(server + "/events")
        pw.page.wait_for_selector("table.events tr.row")
        # No native date inputs (they would show mm/dd/yyyy in an en-US browser), placeholders in Indonesian.
        assert pw.page.locator("input[type=date]").count() == 0
        assert pw.page.get_attribute("input[name=from]", "placeholder") == I18N["id"]["filter.date_ph"]
        dates = pw.page.eval_on_selector_all(DATE_CELLS, TEXTS)
        assert dates and all(ID_DATE.match(d) or d == "—" for d in dates), dates[:5]
        badges = pw.page.eval_on_selector_all(
            "table.events .type", "bs => bs.map(b => [b.dataset.type, b.innerText])")
        assert badges and all(text == I18N["id"][f"type.{t}"] for t, text in badges), badges[:5]
        modes = pw.page.eval_on_selector_all("table.events .mode", "ms => ms.map(m => m.innerText)")
        assert all(m in set(I18N["id"].values()) for m in modes), modes
        facts = pw.page.eval_on_selector_all("table.events .fact", "ms => ms.map(m => m.innerText)")
        assert not set(facts) & {"hypothetical", "future", "negated", "asserted"}, facts
        pw.page.locator("table.events tr.row").first.click()
        pw.page.wait_for_selector("tr.detail .trace .fact")
        fact = pw.page.inner_text("tr.detail .trace .fact")
        assert fact in {I18N["id"][f"fact.{f}"] for f in ("asserted", "future", "hypothetical", "negated")}
        # English: the same rows in English words and English dates.
        pw.page.click("#lang")
        pw.page.wait_for_function("document.documentElement.lang === 'en'")
        pw.page.wait_for_selector("table.events tr.row")
        assert pw.page.get_attribute("input[name=from]", "placeholder") == I18N["en"]["filter.date_ph"]
        badges = pw.page.eval_on_selector_all(
            "table.events .type", "bs => bs.map(b => [b.dataset.type, b.innerText])")
        assert all(text == I18N["en"][f"type.{t}"] for t, text in badges), badges[:5]
        dates = pw.page.eval_on_selector_all(DATE_CELLS, TEXTS)
        assert all(EN_DATE.match(d) or d == "—" for d in dates), dates[:5]
        # Overview alerts: kinds and channels in the chosen language.
        pw.page.goto(server + "/")
        pw.page.wait_for_selector("body[data-chart]", state="attached")
        kinds = pw.page.eval_on_selector_all("#alerts .kind", "ks => ks.map(k => k.innerText)")
        known = {v for k, v in I18N["en"].items() if k.startswith("alert.")}
        assert all(k in known for k in kinds), kinds
        pw.page.click("#lang")
        pw.page.wait_for_function("document.documentElement.lang === 'id'")
        pw.page.wait_for_selector("body[data-chart]", state="attached")
        kinds = pw.page.eval_on_selector_all("#alerts .kind", "ks => ks.map(k => k.innerText)")
        known = {v for k, v in I18N["id"].items() if k.startswith("alert.")}
        assert all(k in known for k in kinds), kinds
        assert pw.page.locator("#changed h2").inner_text() == I18N["id"]["overview.changed"]
        assert not pw.errors, pw.errors
    finally:
        ctx.close()


def test_overview_leads_with_what_changed(server: str, page: Any) -> None:
    import datetime as dt

    pw = page
    pw.page.goto(server + "/")
    pw.page.wait_for_selector("#changed[data-ready]", state="attached")
    assert pw.page.eval_on_selector("main", "m => m.querySelector('.card').id") == "changed"
    alerts = _api(server, "/api/alerts", limit=5)["items"]
    days = pw.page.eval_on_selector_all("#new-alerts a[data-day]", "as => as.map(a => a.dataset.day)")
    assert days == [str(a["day"])[:10] for a in alerts]
    # Rising: conflict magnitude of the last 30 days of data against the 30 days before.
    dyads = _api(server, "/api/index/dyads", limit=12)["items"]
    last = max(dt.date.fromisoformat(d["last_day"][:10]) for d in dyads)
    mid = last - dt.timedelta(days=29)
    data = _api(server, "/api/index", dyad=[d["dyad"] for d in dyads[:10]],
                **{"from": (last - dt.timedelta(days=59)).isoformat()}, alerts="false")["dyads"]
    rising = []
    for d in data:
        recent = sum(abs(v or 0) for day, v in zip(d["day"], d["conflict"], strict=True)
                     if dt.date.fromisoformat(day) >= mid)
        before = sum(abs(v or 0) for day, v in zip(d["day"], d["conflict"], strict=True)
                     if dt.date.fromisoformat(day) < mid)
        if recent > before:
            rising.append((recent - before, d["dyad"]))
    want = [name for _, name in sorted(rising, key=lambda x: -x[0])][:5]
    got = pw.page.eval_on_selector_all("#rising li[data-dyad]", "ls => ls.map(l => l.dataset.dyad)")
    assert got == want
    assert not pw.errors, pw.errors
