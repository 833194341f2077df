"""``pantau serve``: the REST API and dashboard on localhost."""

from __future__ import annotations

import os
import re
from pathlib import Path

import click

from pantau.cli import main
from pantau.cli.common import log_level_option


def _default_db() -> str:
    return os.environ.get("PANTAU_DB", "pantau.duckdb")


@main.command()
@click.option(
    "--db",
    "db_path",
    default=_default_db,
    show_default="$PANTAU_DB or ./pantau.duckdb",
    help="DuckDB store to serve.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (keep it local).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--token",
    envvar="PANTAU_TOKEN",
    default=None,
    help="Bearer token that enables POST /api/ingest (env PANTAU_TOKEN). Without one, ingest is off.",
)
@click.option(
    "--token-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Read the ingest token from this file instead.",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    envvar="PANTAU_ALLOWED_HOSTS",
    help="Host header to accept besides localhost, 127.0.0.1, [::1] and --host (repeatable; '*' "
    "accepts any). Guards against DNS rebinding.",
)
@log_level_option("warning")
def serve(
    db_path: str,
    host: str,
    port: int,
    token: str | None,
    token_file: Path | None,
    allowed_hosts: tuple[str, ...],
    log_level: str,
) -> None:
    """Serve the API (schema at /openapi.json) and the dashboard (/) over a store."""
    import duckdb
    import uvicorn

    from pantau.api import create_app

    if token_file is not None:
        token = token_file.read_text(encoding="utf-8").strip() or None
    hosts = [h.strip() for v in allowed_hosts for h in v.split(",") if h.strip()]
    if host not in ("0.0.0.0", "::", ""):
        hosts.append(host)
    try:
        app = create_app(db_path, token=token, hosts=hosts)
    except duckdb.Error as exc:
        raise click.ClickException(_open_error(db_path, exc)) from None
    click.echo(
        f"pantau: serving {db_path} on http://{host}:{port}/ (ingest {'on' if token else 'off'})", err=True
    )
    # A longer keep-alive than uvicorn's 5 s default, so that busy clients do not race the server
    # closing a pooled connection (seen as read errors under load).
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, timeout_keep_alive=30)


def _open_error(db_path: str, exc: Exception) -> str:
    """One line for a store that cannot be opened (why: a traceback told users nothing they could act on)."""
    message = str(exc)
    if "lock" in message.lower():
        pid = re.search(r"PID (\d+)", message)
        holder = f" (PID {pid.group(1)})" if pid else ""
        return (
            f"cannot open {db_path}: the store is in use by another process{holder}; stop it or serve a copy"
        )
    first = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    return f"cannot open {db_path}: {first}"
