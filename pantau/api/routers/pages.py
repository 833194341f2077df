"""The dashboard: static assets and the pages (Jinja2 templates, each rendered once at start-up).

Why Jinja2 templates: every page extends one frame (``_layout.html``: head, scripts, header) and the pages
with filters build their form from one partial (``_filters.html``), so a filter field is defined once for
all pages. The pages are static HTML (the data comes from the API in the browser), so each is rendered
once when the app is built, not per request.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

import jinja2
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

PAGES = (
    ("/", "overview"),
    ("/events", "events"),
    ("/stories", "stories"),
    ("/article", "article"),
    ("/actors", "actors"),
    ("/map", "map"),
)


def environment(pages_dir: Path) -> jinja2.Environment:
    """The template environment: strict (an unknown name is an error at start-up, not an empty string)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(pages_dir)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_page(env: jinja2.Environment, name: str) -> str:
    """One page's HTML (``templates/NAME.html`` in the shared frame)."""
    return env.get_template(f"{name}.html").render(page=name)


def _page(html: str, name: str) -> Callable[[], HTMLResponse]:
    def handler() -> HTMLResponse:
        return HTMLResponse(html)

    handler.__name__ = f"page_{name}"
    return handler


def mount(app: FastAPI) -> None:
    """Add /static and the pages to ``app`` (not in the API schema)."""
    web = resources.files("pantau.web")
    static_dir = Path(str(web.joinpath("static")))
    env = environment(Path(str(web.joinpath("templates"))))
    app.mount("/static", StaticFiles(directory=static_dir), name="static")
    for route, name in PAGES:
        html = render_page(env, name)
        app.add_api_route(route, _page(html, name), methods=["GET"], include_in_schema=False)
