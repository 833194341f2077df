"""The dashboard: static assets and the pages (each assembled once from ``_layout.html``)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

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


def _page(pages_dir: Path, layout: str, name: str) -> Callable[[], HTMLResponse]:
    main = (pages_dir / f"{name}.html").read_text(encoding="utf-8")
    html = layout.replace("{page}", name).replace("{main}", main)

    def handler() -> HTMLResponse:
        return HTMLResponse(html)

    handler.__name__ = f"page_{name}"
    return handler


def mount(app: FastAPI) -> None:
    """Add /static and the pages to ``app`` (not in the API schema)."""
    web = resources.files("pantau.web")
    static_dir = Path(str(web.joinpath("static")))
    pages_dir = Path(str(web.joinpath("templates")))
    app.mount("/static", StaticFiles(directory=static_dir), name="static")
    # Each page file holds only its <main> content; the shared frame (head, scripts, header) is
    # _layout.html, so a page is assembled once at start-up.
    layout = (pages_dir / "_layout.html").read_text(encoding="utf-8").split("\n", 1)[1]
    for route, name in PAGES:
        app.add_api_route(route, _page(pages_dir, layout, name), methods=["GET"], include_in_schema=False)
