"""Options and output shared by the commands: one wording for ``--db``, upper-case choices, dyads,
tables that wrap."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import click

# One wording for the shared options of every command (the same as `pantau ingest --db`).
DB_HELP = "Database file (default: $PANTAU_DB, else ./pantau.duckdb)."
db_option = click.option("--db", type=click.Path(dir_okay=False), default=None, help=DB_HELP)
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def log_level_option(default: str) -> Callable[[Any], Any]:
    """``--log-level`` of the long-running commands (``serve``, ``watch``): one spelling and one set of
    levels; each command keeps its own default (a server is quiet, a monitor says what it does)."""
    return click.option(
        "--log-level", default=default, show_default=True, type=click.Choice(LOG_LEVELS),
        help="Messages of this level and above go to stderr.",
    )


class UpperChoice(click.Choice):
    """A choice of upper-case codes given in any case (``--sector gov``, ``--type assault``); a wrong
    value is a usage error that lists the valid ones as they are written."""

    name = "upper choice"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return super().convert(str(value).strip().upper(), param, ctx)


_DYAD_RE = re.compile(r"^[A-Z][A-Z0-9]{1,5}(?:-[A-Z][A-Z0-9]{1,5})?$")


def check_dyad(ctx: click.Context | None, param: click.Parameter | None, value: Any) -> Any:
    """Click callback: dyads as two codes joined by '-' (RUS-UKR) or one code (RUS), upper-cased;
    anything else is a usage error that says what is expected."""
    many = isinstance(value, tuple)
    out = []
    for v in value if many else ([value] if value else []):
        code = str(v).strip().upper()
        if not _DYAD_RE.match(code):
            raise click.BadParameter(
                f"{v!r} is not a dyad: two actor codes joined by '-', e.g. RUS-UKR (or one code, e.g. RUS)"
            )
        out.append(code)
    return tuple(out) if many else (out[0] if out else None)


def print_table(
    columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]], *, file: Any = None
) -> None:
    """A table whose long cells wrap instead of being cut (rich). ``columns`` are (header, justify):
    "left" columns wrap (words, else folded), "right" (numbers) and "nowrap" columns stay whole."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for name, justify in columns:
        whole = justify != "left"
        table.add_column(name, justify="right" if justify == "right" else "left",  # type: ignore[arg-type]
                         overflow="fold", no_wrap=whole, min_width=len(name) if whole else 24)
    for row in rows:
        table.add_row(*(Text("" if v is None else str(v)) for v in row))  # Text: no markup parsing
    out = file or sys.stdout
    # A terminal wraps at its width; piped output gets a wide page (rich would assume 80 columns).
    width = None if out.isatty() else 160
    Console(file=out, highlight=False, soft_wrap=False, width=width).print(table)
