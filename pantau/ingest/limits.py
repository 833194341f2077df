"""Size limits and capped reads, so that no input, however large or endless, can exhaust memory.

Every limit is checked on a stream: at most ``limit + 1`` units are ever read to
learn that an input is too big. Device files and sockets are refused outright,
since they block or never end.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from typing import IO, Any

MAX_TEXT_CHARS = 300_000
MAX_TEXT_BYTES = 4 * MAX_TEXT_CHARS  # a plain-text file larger than this cannot hold an allowed article
MAX_HTML_BYTES = 20_000_000
MAX_JSON_BYTES = 50_000_000
MAX_LINE_BYTES = 2 * MAX_HTML_BYTES  # a JSON line may carry an escaped HTML page
SNIFF_BYTES = 65_536

_SPECIAL = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


class _TooBig(Exception):
    """An input over its stated limit (message says which)."""


def _special_kind(mode: int) -> str | None:
    """What a file of ``mode`` is when it must not be read (a device, a socket, a directory), else None."""
    for test, what in _SPECIAL:
        if test(mode):
            return what
    return None


def _too_big(n: int, limit: int, what: str) -> str:
    return f"{what} is {n / 1e6:.1f} MB, over the {limit / 1e6:g} MB limit; skipped"


def _over(what: str, limit: int) -> str:
    """The error for a streamed input found to be over its limit (its full size is never read)."""
    return f"{what} is over the {limit / 1e6:g} MB limit; skipped"


def text_too_long(n: int) -> str:
    """The error for an article text of ``n`` characters (ingest and clean say the same)."""
    return f"article text is {n:,} characters, over the {MAX_TEXT_CHARS:,}-character limit; skipped"


def _bounded_lines(fh: IO[Any], limit: int) -> Iterator[Any]:
    """Lines of ``fh`` (bytes or str) of at most ``limit`` units; None stands for a longer line.

    A longer line is skipped in 1 MiB steps, never held in memory whole.
    """
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) > limit:
            end = line[-1:]
            while end not in ("\n", b"\n"):
                chunk = fh.readline(1 << 20)
                if not chunk:
                    break
                end = chunk[-1:]
            yield None
        else:
            yield line


def _read_capped(fh: IO[Any], limit: int) -> Any | None:
    """The whole rest of ``fh`` if it holds at most ``limit`` units, else None (only limit + 1 are read)."""
    data = fh.read(limit + 1)
    return None if len(data) > limit else data
