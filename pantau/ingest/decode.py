"""Bytes to safe text: legacy encodings read rather than rejected, binary refused, invisible junk removed.

Decoding tries UTF-16/32 by BOM, then UTF-8 (BOM stripped), cp1252 and latin-1.
Unpaired surrogates (from JSON ``\\ud800`` escapes) cannot be written as UTF-8,
so they become U+FFFD; controls and bidi overrides are stripped from metadata.
"""

from __future__ import annotations

import codecs
import re

_WS = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")
# C0/C1 controls except tab and newlines, and bidi embeddings/overrides/isolates: invisible, never
# article text, and U+202E can make stored text read backwards.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _bom_encoding(data: bytes) -> str | None:
    """ "utf-16"/"utf-32" when data starts with that BOM (these files are full of NUL bytes, not binary)."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc
    return None


def decode_bytes(data: bytes) -> str:
    """Decode text: UTF-16/32 with a BOM, else UTF-8 (BOM stripped), else cp1252, else latin-1.

    cp1252 comes before latin-1 because Windows-saved Indonesian text uses its
    curly quotes and dashes (0x91-0x97), which latin-1 maps to control characters.
    """
    enc = _bom_encoding(data)
    if enc:
        return data.decode(enc, errors="replace")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _looks_binary(data: bytes) -> bool:
    """True for content that is not text: NUL bytes or many controls (UTF-16/32 with a BOM is text)."""
    head = data[:8192]
    if not head or _bom_encoding(head):
        return False
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return ctrl / len(head) > 0.05


def strip_controls(text: str) -> str:
    """Text without C0/C1 controls (tab and newlines kept) and bidi overrides (U+202A-E, U+2066-9)."""
    return _CONTROLS.sub("", text)


def _no_surrogates(text: str) -> str:
    """Unpaired surrogates (JSON "\\ud800", not encodable as UTF-8) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _norm_text(text: str) -> str:
    """Runs of whitespace as one space, ends stripped."""
    return _WS.sub(" ", text).strip()


def _safe_source(name: str) -> str:
    """A file name fit for messages and JSON (undecodable bytes in a file name become U+FFFD)."""
    return strip_controls(_no_surrogates(name))
