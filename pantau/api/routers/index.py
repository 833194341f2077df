"""``/api/index`` and ``/api/alerts``: the daily escalation index of dyads and its alerts."""

from __future__ import annotations

import itertools
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Query
from fastapi.responses import Response

from pantau.api.db import rows_as_dicts
from pantau.api.deps import (
    DB,
    MAX_PAGE,
    DateFrom,
    DateTo,
    Dyad,
    Limit,
    Offset,
    Series,
    documented,
    empty_range,
    respond,
    sorted_dyad,
)
from pantau.api.models import AlertPage, DyadList, IndexReply
from pantau.store.filters import Where

router = APIRouter(tags=["index"])
INDEX_COLUMNS = ("dyad", "day", "score", "conflict", "cooperation", "cbrn", "n_events")


@router.get("/api/index/dyads", **documented(DyadList))
def index_dyads(
    db: DB,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    one_party: Annotated[bool, Query(description="also one-code series (one known party)")] = False,
) -> Response:
    """Dyads present in the escalation index, busiest first (for the overview's picker, whose
    points link to the events of a dyad: one-code series only when asked for)."""
    if not db.has("escalation_index", "dyad", "day"):
        return respond({"items": []})
    cnt = "sum(n_events)" if db.has("escalation_index", "n_events") else "count(*)"
    where = "" if one_party else "WHERE contains(dyad, '-')"
    with db.cursor() as cur:
        cur.execute(
            f"SELECT dyad, coalesce({cnt}, 0)::BIGINT AS n_events, min(day) AS first_day, "
            "max(day) AS last_day "
            f"FROM escalation_index {where} GROUP BY dyad ORDER BY n_events DESC, dyad LIMIT ?",
            [limit],
        )
        return respond({"items": rows_as_dicts(cur)})


@router.get("/api/index", **documented(IndexReply))
def get_index(
    db: DB,
    dyad: Annotated[
        list[Series],
        Query(min_length=1, max_length=10, description="one to ten dyads, e.g. RUS-UKR, or codes (RUS)"),
    ],
    date_from: DateFrom = None,
    date_to: DateTo = None,
    alerts: bool = True,
) -> Response:
    """The daily escalation index of each dyad and the alerts on it.

    Each dyad comes as columns: ``day`` (list of dates) and one list per measure (``score``,
    ``conflict``, ``cooperation``, ``cbrn`` = the nuclear channel, ``n_events``), index-aligned."""
    # The index stores unordered pairs as sorted codes ("UKR-RUS" is "RUS-UKR").
    dyads = list(dict.fromkeys(sorted_dyad(d) for d in dyad))
    out: dict[str, Any] = {"dyads": [], "alerts": []}
    if not db.has("escalation_index", "dyad", "day"):
        out["dyads"] = [{"dyad": d, "day": []} for d in dyads]
        return respond(out)
    cols = [c for c in INDEX_COLUMNS[2:] if db.has("escalation_index", c)]
    empty = {c: [] for c in cols}
    if empty_range(date_from, date_to):
        out["dyads"] = [{"dyad": d, "day": [], **empty} for d in dyads]
        return respond(out)
    w = Where()
    w.add(f"dyad IN ({', '.join('?' * len(dyads))})", *dyads)
    if date_from:
        w.add("day >= ?", date_from)
    if date_to:
        w.add("day <= ?", date_to)
    # Columnar series (one list per measure): compact to send and to chart. Rows come in (dyad, day)
    # order as numpy columns, cut at each dyad's first row: one slice and ``tolist`` per list instead of
    # a Python loop over the rows (which held about a quarter of the GIL under read load). DuckDB's
    # ordered list aggregates cost 3x more than the sort.
    with db.cursor() as cur:
        cur.execute(
            f"SELECT dyad, strftime(day, '%Y-%m-%d') AS day, {', '.join(cols)} "
            f"FROM escalation_index {w.sql()} ORDER BY dyad, day",
            w.params,
        )
        found = _series(cur.fetchnumpy(), cols)
        out["dyads"] = [found.get(d) or {"dyad": d, "day": [], **empty} for d in dyads]
        if alerts and db.has("alerts", "dyad", "day"):
            cur.execute(f"SELECT * FROM alerts {w.sql()} ORDER BY day, dyad", w.params)
            out["alerts"] = rows_as_dicts(cur)
    return respond(out)


def _series(columns: dict[str, Any], cols: list[str]) -> dict[str, dict[str, Any]]:
    """Each dyad's columnar series from numpy columns sorted by (dyad, day). NULL measures come as
    masked arrays, whose ``tolist`` gives None, as a row fetch does."""
    keys = columns["dyad"]
    cuts = [0, *(np.flatnonzero(keys[1:] != keys[:-1]) + 1).tolist(), len(keys)]
    found: dict[str, dict[str, Any]] = {}
    for lo, hi in itertools.pairwise(cuts):
        if lo < hi:
            key = str(keys[lo])
            found[key] = {"dyad": key, "day": columns["day"][lo:hi].tolist()}
            found[key].update({c: columns[c][lo:hi].tolist() for c in cols})
    return found


@router.get("/api/alerts", **documented(AlertPage))
def list_alerts(
    db: DB,
    dyad: Dyad = None,
    channel: Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$")] = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Escalation alerts (z-score jumps of a dyad's channel), newest first."""
    if not db.has("alerts", "dyad", "day") or empty_range(date_from, date_to):
        return respond({"total": 0, "limit": limit, "offset": offset, "items": []})
    w = Where()
    if dyad:
        w.add("dyad = ?", sorted_dyad(dyad))
    if channel and db.has("alerts", "channel"):
        w.add("channel = ?", channel)
    if date_from:
        w.add("day >= ?", date_from)
    if date_to:
        w.add("day <= ?", date_to)
    with db.cursor() as cur:
        total = cur.execute(f"SELECT count(*) FROM alerts {w.sql()}", w.params).fetchone()[0]
        cur.execute(
            f"SELECT * FROM alerts {w.sql()} ORDER BY day DESC, dyad LIMIT ? OFFSET ?",
            [*w.params, limit, offset],
        )
        items = rows_as_dicts(cur)
    return respond({"total": total, "limit": limit, "offset": offset, "items": items})
