"""REST API and dashboard for analysts: ``create_app(db_path, token=None) -> FastAPI``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["create_app"]


def create_app(db_path: Any = None, token: str | None = None, **kw: Any) -> FastAPI:
    """Build the app (imported lazily so ``import pantau.api`` stays cheap); see ``pantau.api.app``."""
    from pantau.api.app import create_app as _create

    return _create(db_path, token, **kw)
