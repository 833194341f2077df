"""Byte-stream adapters, so that files, pipes, gzip and text-mode stdin all take one sniff-then-read path.

The first ``SNIFF_BYTES`` are read to choose a format and put back in front of
the rest (``_Prefixed``), which works on pipes that cannot seek.
"""

from __future__ import annotations

import io
import zlib
from typing import IO, Any

from pantau.ingest.decode import _no_surrogates
from pantau.ingest.limits import SNIFF_BYTES

_READ_ERRORS = (OSError, EOFError, zlib.error, ValueError)


class _Prefixed(io.RawIOBase):
    """``head`` (already read, to sniff the format) followed by the rest of ``rest``: works on pipes."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest
        self._read = getattr(rest, "read1", rest.read)

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._read(len(b))
        b[: len(data)] = data
        return len(data)


def _read_head(fh: IO[bytes]) -> tuple[bytes, BaseException | None]:
    """Up to SNIFF_BYTES from ``fh``, and the read error that stopped it early, if any."""
    read = getattr(fh, "read1", fh.read)
    parts: list[bytes] = []
    size = 0
    try:
        while size < SNIFF_BYTES:
            chunk = read(SNIFF_BYTES - size)
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
    except _READ_ERRORS as exc:
        return b"".join(parts), exc
    return b"".join(parts), None


class _Failing:
    """A stream whose every read raises ``exc`` (the rest of an input that broke while sniffing it)."""

    def __init__(self, exc: BaseException) -> None:
        self._exc = exc

    def read(self, n: int = -1) -> bytes:
        raise self._exc


class _TextAsBytes(io.RawIOBase):
    """A text stream (e.g. ``io.StringIO``) read as UTF-8 bytes, so that every input takes one path."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._pending:
            chunk = self._text.read(16_384)
            if not chunk:
                return 0
            self._pending = _no_surrogates(chunk).encode("utf-8")
        n = min(len(b), len(self._pending))
        b[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n
