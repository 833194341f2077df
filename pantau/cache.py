"""Tables derived from data files, kept on disk by the digest of what they were made from.

Why: a process spent about 2 of its 5 CPU-seconds of startup turning the same data files into the
same lookup tables (GeoNames' 17 MB city table for the place gazetteer and the dateline places, the
190k-name NER gazetteer). ``cached(name, sources, build)`` returns ``build()``, read back from a file
when one was saved for the same inputs: the digest covers the sources' bytes, the source file of
the module that builds the table (a change to the code is a change to the table), the Python
version and an optional ``salt``. A stale file is never read; a missing or unreadable one is
rebuilt and saved again. Nothing is downloaded.

The files are ``marshal`` data (plain dicts, lists, tuples, sets, strings and numbers only: it loads
several times faster than JSON or YAML and cannot run code), in ``$PANTAU_CACHE_DIR``, else
``$XDG_CACHE_HOME/pantau``, else ``~/.cache/pantau``; ``PANTAU_CACHE_DIR=off`` (or an unwritable
folder) turns saving off. Writes are atomic (a temporary file renamed), so concurrent processes are
safe; when a new version of a table is saved, only the three most recent versions are kept.

It is a top-level utility module shared by several stages (clean, nlp, places, actors) and imports
nothing heavy.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
_FORMAT = 1  # bump when the file layout below changes
_LARGE = 4 << 20  # bytes: larger sources are known by size and modification time
_KEEP = 3  # versions kept per table: checkouts of different versions sharing a cache do not evict each other


def cache_dir() -> Path | None:
    """Where derived tables are saved, or None when saving is off."""
    env = os.environ.get("PANTAU_CACHE_DIR")
    if env:
        return None if env.lower() == "off" else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pantau"


Source = Path | str | bytes


def digest(sources: Iterable[Source], builder: Callable[..., Any] | None = None, salt: str = "") -> str:
    """SHA-256 over the sources (a path: its bytes, or its size and modification time when over
    4 MB, or a marker when it does not exist; bytes or text: as given), the builder's module file,
    the Python version and ``salt``."""
    h = hashlib.sha256(f"{_FORMAT}\0{sys.version}\0{marshal.version}\0{salt}\0".encode())
    items: list[Source] = list(sources)
    module = sys.modules.get(builder.__module__) if builder is not None else None
    if module is not None and getattr(module, "__file__", None):
        items.append(Path(module.__file__))  # type: ignore[arg-type]
    for item in items:
        if isinstance(item, Path):
            h.update(str(item).encode() + b"\0")
            h.update(_fingerprint(item))
        else:
            h.update(item if isinstance(item, bytes) else item.encode())
        h.update(b"\0\0")
    return h.hexdigest()


def _fingerprint(path: Path) -> bytes:
    """A file's bytes; for a large file (another package's data, e.g. GeoNames' 17 MB city table),
    its size and modification time: hashing it would cost 0.03 s of every start."""
    try:
        st = path.stat()
    except OSError:
        return b"<missing>"
    if st.st_size > _LARGE:
        return f"<size {st.st_size} mtime {st.st_mtime_ns}>".encode()
    return path.read_bytes()


def _read(path: Path) -> tuple[bool, Any]:
    try:
        return True, marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return False, None


def _write(folder: Path, name: str, key: str, value: Any) -> None:
    try:
        data = marshal.dumps(value)
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, folder / f"{name}-{key}.marshal")
        saved = sorted(folder.glob(f"{name}-*.marshal"), key=lambda f: f.stat().st_mtime, reverse=True)
        for old in saved[_KEEP:]:
            old.unlink(missing_ok=True)
    except (OSError, ValueError):  # a read-only home or a value marshal cannot write: just not saved
        return


def cached(name: str, sources: Iterable[Source], build: Callable[[], T], salt: str = "") -> T:
    """``build()``, or the table saved for the same sources, builder code and salt.

    ``build`` must return marshal-able plain data; the caller turns it into its objects."""
    folder = cache_dir()
    if folder is None:
        return build()
    key = digest(sources, build, salt)[:24]
    ok, value = _read(folder / f"{name}-{key}.marshal")
    if ok:
        return value  # type: ignore[no-any-return]
    value = build()
    _write(folder, name, key, value)
    return value
