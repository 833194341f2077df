"""Record ids: stable, so that reading the same article again replaces it instead of adding a copy."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from pantau.ingest.decode import _no_surrogates, _norm_text


def make_id(
    given: Any = None, stem: str | None = None, url: str | None = None, text: str | None = None
) -> str:
    """Stable id: the given id, else a file stem, else sha1(url)[:16], else sha1(normalised text)[:16]."""
    if given is not None and str(given).strip():
        return str(given).strip()
    if stem:
        return stem
    if url:
        return hashlib.sha1(url.strip().encode("utf-8", "replace")).hexdigest()[:16]
    return hashlib.sha1(_norm_text(text or "").encode("utf-8", "replace")).hexdigest()[:16]


def _path_stem(p: Path) -> str:
    """Id of a plain-text file: its name plus a digest of its absolute path.

    The name alone collided (two different ``a.txt`` in two folders overwrote each
    other in the store); the same file read again keeps its id, so re-ingesting it
    stays idempotent and an edited file replaces its old version.
    """
    where = os.fsencode(p.resolve())
    return f"{_no_surrogates(p.stem)}-{hashlib.sha1(where).hexdigest()[:8]}"
