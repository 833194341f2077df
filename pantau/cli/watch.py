"""``pantau watch``: run continuously over feeds, folders and stdin; alerts as JSON lines and webhooks."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import click

from pantau.cli import main
from pantau.cli.common import log_level_option


def _config(
    config: Path | None,
    feeds: tuple[str, ...],
    folders: tuple[str, ...],
    stdin: bool,
    db: str | None,
    **over: Any,
) -> Any:
    from pantau.watch.config import ConfigError, FeedSource, WatchConfig, Webhook, check_url, load

    try:
        cfg = (
            load(config)
            if config is not None
            else WatchConfig(db=os.environ.get("PANTAU_DB", "pantau.duckdb"))
        )
        cfg.feeds += [FeedSource(check_url(u, "--feed"), over["interval"] or cfg.interval_s) for u in feeds]
        cfg.folders += [str(Path(f)) for f in folders]
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    cfg.stdin = cfg.stdin or stdin
    if db:
        cfg.db = db
    if over["interval"]:
        cfg.interval_s = over["interval"]
        for f in cfg.feeds:
            f.interval_s = over["interval"]
    if over["politeness"] is not None:
        cfg.politeness_s = over["politeness"]
    if over["webhook"]:
        secret = os.environ.get(over["webhook_secret_env"]) if over["webhook_secret_env"] else None
        if over["webhook_secret_env"] and not secret:
            raise click.ClickException(f"--webhook-secret-env: ${over['webhook_secret_env']} is not set")
        try:
            cfg.webhook = Webhook(check_url(over["webhook"], "--webhook"), secret)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
    if over["workers"] is not None:
        cfg.workers = over["workers"]
    if over["no_events"]:
        cfg.events = False
    if over["no_stdout"]:
        cfg.stdout = False
    if over["serve"] or over["port"] is not None:
        cfg.serve_host = over["host"] or cfg.serve_host or "127.0.0.1"
        cfg.serve_port = over["port"] if over["port"] is not None else (cfg.serve_port or 8000)
    return cfg


def _status(db: str) -> dict[str, Any]:
    """From the store when it can be opened, else from the status file a running watcher writes."""
    import duckdb

    from pantau.watch import status as st
    from pantau.watch.state import read_sources

    written = st.read_file(db)
    if written is not None and written.get("running"):
        return written
    try:
        con = duckdb.connect(db, read_only=True)
    except duckdb.Error as exc:
        if written is not None:
            return written
        raise click.ClickException(f"cannot open {db}: {str(exc).splitlines()[0]}") from None
    try:
        rows = read_sources(con)
    finally:
        con.close()
    out = st.snapshot(rows, running=False)
    if written is not None:
        out["lag"] = written.get("lag")
    return out


@main.command()
@click.option(
    "--config",
    "config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A watch.yaml or watch.toml (see README, 'Monitor feeds').",
)
@click.option("--feed", "feeds", multiple=True, metavar="URL", help="An RSS/Atom feed to poll (repeatable).")
@click.option(
    "--folder",
    "folders",
    multiple=True,
    metavar="DIR",
    help="A folder whose new or changed .txt/.jsonl/.html/.warc.gz files are read (repeatable).",
)
@click.option("--stdin", "stdin", is_flag=True, help="Read JSON lines from standard input as they come.")
@click.option(
    "--db", default=None, help="The store (default: the config's, else $PANTAU_DB or ./pantau.duckdb)."
)
@click.option("--once", is_flag=True, help="One poll of every source, then exit (cron, tests).")
@click.option(
    "--status", "show_status", is_flag=True, help="Show each source's last poll, new article, errors, lag."
)
@click.option("--json", "as_json", is_flag=True, help="With --status: the status as JSON.")
@click.option("--interval", type=click.FloatRange(1.0), default=None, help="Seconds between polls of a feed.")
@click.option(
    "--politeness",
    type=click.FloatRange(0.0),
    default=None,
    help="Least seconds between two requests to one host (default 1).",
)
@click.option("--webhook", default=None, metavar="URL", help="POST each new alert here (JSON).")
@click.option(
    "--webhook-secret-env",
    default=None,
    metavar="NAME",
    help="Environment variable holding the shared secret that signs webhook bodies.",
)
@click.option(
    "--workers",
    type=click.IntRange(0, 64),
    default=None,
    help="Analysis processes (default 0: in the watch process; 1 or more keep the NLP off the "
    "dashboard's process and use more cores).",
)
@click.option("--no-events", is_flag=True, help="Store articles without the event stage (no NLP).")
@click.option("--no-stdout", is_flag=True, help="Do not print alerts as JSON lines on stdout.")
@click.option("--serve", is_flag=True, help="Also serve the API and the live dashboard from this process.")
@click.option("--host", default=None, help="With --serve: interface (default 127.0.0.1).")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None, help="With --serve: port (default 8000)."
)
@log_level_option("info")
def watch(
    config: Path | None,
    feeds: tuple[str, ...],
    folders: tuple[str, ...],
    stdin: bool,
    db: str | None,
    once: bool,
    show_status: bool,
    as_json: bool,
    log_level: str,
    **over: Any,
) -> None:
    """Monitor feeds, folders and stdin: each new or changed article is analysed, stored and its story,
    canonical events, index days and alerts updated within seconds; new alerts go to stdout (JSON lines)
    and the webhook. Stop with Ctrl-C (or kill) at any moment: a restart resumes without duplicates."""
    cfg = _config(config, feeds, folders, stdin, db, **over)
    if show_status:
        from pantau.watch.status import render

        data = _status(cfg.db)
        click.echo(json.dumps(data, indent=1, default=str) if as_json else render(data))
        return
    if not (cfg.feeds or cfg.folders or cfg.stdin):
        raise click.UsageError("nothing to watch: give --config, --feed, --folder or --stdin")
    logging.basicConfig(level=log_level.upper(), stream=sys.stderr, format="pantau watch: %(message)s")
    for noisy in ("httpx", "httpcore", "watchfiles"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    stdin_stream = sys.stdin.buffer if cfg.stdin else None
    if once:
        _once(cfg, stdin_stream)
    elif cfg.serve_port is not None:
        _serve(cfg, stdin_stream, log_level)
    else:
        _forever(cfg, stdin_stream)


def _open(cfg: Any, stdin_stream: Any, db: Any = None) -> Any:
    import duckdb

    from pantau.watch import Watcher

    try:
        return Watcher(cfg, db=db, stdin=stdin_stream)
    except duckdb.Error as exc:
        from pantau.cli.serve import _open_error

        raise click.ClickException(_open_error(cfg.db, exc)) from None


def _once(cfg: Any, stdin_stream: Any) -> None:
    watcher = _open(cfg, stdin_stream)
    try:
        status = watcher.run_once()
    except KeyboardInterrupt:
        watcher.close()
        sys.exit(130)
    watcher.close()
    counts = status.get("counts", {})
    click.echo(
        f"pantau watch: {counts.get('inserted', 0)} inserted, {counts.get('replaced', 0)} replaced, "
        f"{counts.get('errors', 0)} errors",
        err=True,
    )
    sys.exit(1 if counts.get("errors") else 0)


def _forever(cfg: Any, stdin_stream: Any) -> None:
    watcher = _open(cfg, stdin_stream)
    signal.signal(signal.SIGTERM, lambda *_: watcher.stop.set())
    watcher.start()
    click.echo(f"pantau watch: {len(cfg.sources())} source(s) into {cfg.db}; Ctrl-C stops", err=True)
    try:
        while not watcher.stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    click.echo("pantau watch: stopping after the current batch", err=True)
    watcher.close()


def _serve(cfg: Any, stdin_stream: Any, log_level: str) -> None:
    """The API and dashboard in this process: DuckDB lets only one process open the store, so the
    dashboard of a running watch is served by the watch itself."""
    import uvicorn

    from pantau.api import create_app

    app = create_app(cfg.db, preload=False, isolate=False, hosts=[cfg.serve_host], writable=True)
    watcher = _open(cfg, stdin_stream, db=app.state.db)
    app.state.watch = watcher
    watcher.start()
    click.echo(
        f"pantau watch: {len(cfg.sources())} source(s) into {cfg.db}; dashboard on "
        f"http://{cfg.serve_host}:{cfg.serve_port}/",
        err=True,
    )
    try:
        uvicorn.run(
            app,
            host=cfg.serve_host,
            port=cfg.serve_port,
            log_level="warning" if log_level == "info" else log_level,
            access_log=False,
            timeout_keep_alive=30,
        )
    finally:
        watcher.close()
