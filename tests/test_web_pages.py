"""The dashboard pages: Jinja2 templates in one frame, the filter form from one shared partial."""

from __future__ import annotations

from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import pytest

from pantau.api.routers.pages import PAGES, environment, render_page

TEMPLATES = Path(str(resources.files("pantau.web").joinpath("templates")))

# The filter fields each page's script reads (static/pages/*.js: form.<name>, FormData).
WANT = {
    "overview": ["from", "to"],
    "events": ["from", "to", "actor", "recipient", "dyad", "type", "quad", "outlet", "story", "all"],
    "stories": ["q", "outlet", "actor", "dyad", "from", "to", "type", "all"],
    "actors": ["from", "to", "quad"],
    "map": ["from", "to", "actor", "quad"],
    "article": [],
}


class _Form(HTMLParser):
    """The named fields of ``form#filters`` and the page's frame attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []
        self.in_form = False
        self.body_page: str | None = None
        self.scripts: list[str] = []
        self.buttons: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("id") == "filters":
            self.in_form = True
        elif tag == "body":
            self.body_page = a.get("data-page")
        elif tag == "script":
            self.scripts.append(a.get("src") or "")
        elif self.in_form and tag in ("input", "select") and a.get("name"):
            self.fields.append(a["name"] or "")
        elif self.in_form and tag == "button":
            self.buttons.append(a.get("type") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False


def _parse(html: str) -> _Form:
    p = _Form()
    p.feed(html)
    return p


@pytest.mark.parametrize("name", [n for _r, n in PAGES])
def test_each_page_in_the_frame_with_its_filters(name: str) -> None:
    html = render_page(environment(TEMPLATES), name)
    p = _parse(html)
    assert p.body_page == name
    assert f"/static/pages/{name}.js" in p.scripts and "/static/common.js" in p.scripts
    assert p.fields == WANT[name]
    assert html.count("<main>") == 1 and "{{" not in html and "{%" not in html
    if WANT[name]:
        assert p.buttons[0] == "submit"
        # the pages whose script handles "reset" have the button
        assert ("reset" in p.buttons) == (name in ("events", "stories"))


def test_one_definition_per_filter_field() -> None:
    """A field is written once (the partial); pages only name the fields they use."""
    for path in TEMPLATES.glob("*.html"):
        if path.name != "_filters.html":
            assert "<input" not in path.read_text(encoding="utf-8") or path.name == "_layout.html", path.name
    env = environment(TEMPLATES)
    dates = [i for i in render_page(env, "events").split("<input") if 'name="from"' in i or 'name="to"' in i]
    assert len(dates) == 2 and all(r'pattern="\d{4}-\d{2}-\d{2}"' in d for d in dates)


def test_an_unknown_field_is_an_error_not_an_empty_input() -> None:
    env = environment(TEMPLATES)
    tpl = env.from_string('{% import "_filters.html" as f %}{{ f.filter_form(["nosuch"]) }}')
    with pytest.raises(jinja2.UndefinedError):
        tpl.render()


def test_pages_are_served(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from pantau.api import create_app
    from pantau.store import Store

    db = tmp_path / "p.duckdb"
    Store(str(db)).close()
    app = create_app(db, preload=False)
    client: Any
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for route, name in PAGES:
            r = client.get(route)
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
            assert _parse(r.text).body_page == name
            assert r.text == render_page(environment(TEMPLATES), name)
    app.state.db.close()
