"""The actor network and the event map, answered from the derived data when it is fresh.

Each function has two paths with the same result: the plain SQL over ``events`` (the reference, used when
the derived data is missing or stale, see :mod:`pantau.store.derived`) and a fast one over the count
tables and the typed location columns. Ties are ordered explicitly (codes, places and event ids), so both
paths give the same rows in the same order; tests compare them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pantau.store.derived import LOC_EXPRS, LOCATED, delta_sql
from pantau.store.filters import QUAD_CASE, Where, event_filters

PLACE_KEYS = ("name", "country", "lat", "lon")
PLACE_ORDER = "n DESC, name NULLS LAST, country NULLS LAST, lat, lon"
RECENT_IDS = 20  # the newest event ids listed per place
# windows (days before the newest event) searched for a place's newest events, widest last
_SPANS = (45, 720)


def _dicts(cur: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur.execute(sql, params)
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def actor_network(
    cur: Any,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    quad: int | None = None,
    limit: int = 100,
    min_weight: int = 1,
    fast: bool = True,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Actor codes with their event counts (as actor, as recipient), busiest first, and the weighted
    actor→recipient edges by quad. ``fast``: use the count tables (totals, or whole months of a date range
    plus the events of the days at its ends)."""
    if fast and date_from is None and date_to is None:
        where, params = ("WHERE quad = ?", [quad]) if quad is not None else ("", [])
        actors_from = f"SELECT code, as_actor, as_recipient FROM agg_actor_codes {where}"
        edges_from = f"SELECT source, target, quad, weight FROM agg_actor_edges {where}"
        return _network(cur, actors_from, edges_from, params, limit, min_weight)
    months = _full_months(date_from, date_to) if fast else None
    if months is not None:
        # whole months from the monthly counts, the days around them from the events
        w = Where()
        w.add("month IS NOT NULL")
        if months[0] is not None:
            w.add("month >= ?", months[0])
        if months[1] is not None:
            w.add("month <= ?", months[1])
        if quad is not None:
            w.add("quad = ?", quad)
        days = event_filters(quad=quad)
        ends = ["date BETWEEN ? AND ?" for _ in months[2]]
        if ends:
            days.add("(" + " OR ".join(ends) + ")", *(d for pair in months[2] for d in pair))
        else:
            days.add("FALSE")
        src = f"SELECT * FROM events {days.sql()}"
        actors_from = (
            f"SELECT code, as_actor, as_recipient FROM agg_actor_codes_m {w.sql()} UNION ALL "
            f"SELECT code, as_actor, as_recipient FROM ({delta_sql('agg_actor_codes', src)})"
        )
        edges_from = (
            f"SELECT source, target, quad, weight FROM agg_actor_edges_m {w.sql()} UNION ALL "
            f"SELECT source, target, quad, weight FROM ({delta_sql('agg_actor_edges', src)})"
        )
        return _network(cur, actors_from, edges_from, [*w.params, *days.params], limit, min_weight)
    w = event_filters(date_from=date_from, date_to=date_to, quad=quad)
    actors = _dicts(
        cur,
        "WITH f AS (SELECT actor_codes, recipient_codes FROM events " + w.sql() + "), "
        "c AS (SELECT unnest(actor_codes) AS code, 1 AS a, 0 AS r FROM f "
        "UNION ALL SELECT unnest(recipient_codes), 0, 1 FROM f) "
        "SELECT code, sum(a)::BIGINT AS as_actor, sum(r)::BIGINT AS as_recipient, "
        "(sum(a) + sum(r))::BIGINT AS n_events FROM c WHERE code IS NOT NULL "
        "GROUP BY code ORDER BY n_events DESC, code LIMIT ?",
        [*w.params, limit],
    )
    edges = _dicts(
        cur,
        f"WITH f AS (SELECT unnest(actor_codes) AS source, recipient_codes, {QUAD_CASE} AS quad "
        f"FROM events {w.sql()}), g AS (SELECT source, unnest(recipient_codes) AS target, quad FROM f) "
        "SELECT source, target, quad, count(*) AS weight FROM g "
        "WHERE source IS NOT NULL AND target IS NOT NULL AND source <> target "
        "GROUP BY ALL HAVING count(*) >= ? ORDER BY weight DESC, source, target, quad LIMIT ?",
        [*w.params, min_weight, limit],
    )
    return actors, edges


def _network(
    cur: Any, actors_from: str, edges_from: str, params: list[Any], limit: int, min_weight: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Sum count rows (``code, as_actor, as_recipient`` and ``source, target, quad, weight``)."""
    actors = _dicts(
        cur,
        "SELECT code, sum(as_actor)::BIGINT AS as_actor, sum(as_recipient)::BIGINT AS as_recipient, "
        f"(sum(as_actor) + sum(as_recipient))::BIGINT AS n_events FROM ({actors_from}) "
        "GROUP BY code ORDER BY n_events DESC, code LIMIT ?",
        [*params, limit],
    )
    edges = _dicts(
        cur,
        f"SELECT source, target, quad, sum(weight)::BIGINT AS weight FROM ({edges_from}) "
        "GROUP BY ALL HAVING sum(weight) >= ? ORDER BY weight DESC, source, target, quad LIMIT ?",
        [*params, min_weight, limit],
    )
    return actors, edges


def _full_months(
    date_from: dt.date | None, date_to: dt.date | None
) -> tuple[dt.date | None, dt.date | None, list[tuple[dt.date, dt.date]]] | None:
    """The range as whole months (first and last month, None: open) and the days left at its ends;
    None when it holds no whole month (then the events answer alone)."""
    days: list[tuple[dt.date, dt.date]] = []
    first = date_from
    if date_from is not None and date_from.day != 1:
        first = _next_month(date_from)
        days.append((date_from, first - dt.timedelta(days=1)))
    last = None
    if date_to is not None:
        last = date_to.replace(day=1)
        if _next_month(date_to) - dt.timedelta(days=1) != date_to:  # not the month's last day
            days.append((last, date_to))
            last = (last - dt.timedelta(days=1)).replace(day=1)
    if first is not None and last is not None and first > last:
        return None
    return first, last, days


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def event_places(
    cur: Any,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    actor: str | None = None,
    dyad: tuple[str, str] | None = None,
    types: list[str] | None = None,
    quad: int | None = None,
    limit: int = 500,
    fast: bool = True,
) -> list[dict[str, Any]]:
    """Places of the matching events, busiest first: name, country, lat, lon (rounded to 4 places), the
    event count ``n``, the newest event ids (date, newest first, then id), the event types and the last
    date. ``fast``: the typed location columns, and the place counts (all days or whole months) unless an
    actor or dyad is asked for."""
    w = event_filters(
        date_from=date_from, date_to=date_to, actor=actor, dyad=dyad, types=types, quad=quad, coded=fast
    )
    if not fast:
        name, country, lat, lon = LOC_EXPRS.values()
        w.add("location IS NOT NULL")
        return _dicts(
            cur,
            f"WITH f AS (SELECT id, type, date, {name} AS name, {country} AS country, "
            f"round({lat}, 4) AS lat, round({lon}, 4) AS lon FROM events {w.sql()} "
            f"AND {lat} BETWEEN -90 AND 90 AND {lon} BETWEEN -180 AND 180) "
            f"SELECT name, country, lat, lon, count(*) AS n, "
            f"list(id ORDER BY date DESC NULLS LAST, id)[1:{RECENT_IDS}] AS event_ids, "
            "list_sort(list(DISTINCT type)) AS types, max(date) AS last_date FROM f "
            f"GROUP BY name, country, lat, lon ORDER BY {PLACE_ORDER} LIMIT ?",
            [*w.params, limit],
        )
    dated = date_from is not None or date_to is not None
    months = _full_months(date_from, date_to) if dated else None
    w.add(LOCATED)
    if actor or dyad or (dated and months is None):
        # a selective filter: one pass over the typed columns of the events it keeps (the newest ids in
        # the same pass: few events per place, and date windows would evaluate the filter again)
        return _dicts(
            cur,
            "SELECT loc_name AS name, loc_country AS country, round(loc_lat, 4) AS lat, "
            "round(loc_lon, 4) AS lon, count(*) AS n, "
            f"list(id ORDER BY date DESC NULLS LAST, id)[1:{RECENT_IDS}] AS event_ids, "
            "list_sort(list(DISTINCT type)) AS types, max(date) AS last_date "
            f"FROM events {w.sql()} GROUP BY ALL ORDER BY {PLACE_ORDER} LIMIT ?",
            [*w.params, limit],
        )
    else:
        # the place counts answer (all days, or whole months and the events of the days around them)
        kinds = event_filters(types=types, quad=quad)  # on the type alone, as the place counts have it
        cols = "type, name, country, lat, lon, n, last_date"
        if months is None:
            rows_from, params = f"SELECT {cols} FROM agg_places {kinds.sql()}", kinds.params
        else:
            whole = event_filters(types=types, quad=quad)
            whole.add("month IS NOT NULL")
            if months[0] is not None:
                whole.add("month >= ?", months[0])
            if months[1] is not None:
                whole.add("month <= ?", months[1])
            days = event_filters(types=types, quad=quad)
            ends = ["date BETWEEN ? AND ?" for _ in months[2]]
            bounds = [d for pair in months[2] for d in pair]
            days.add("(" + " OR ".join(ends) + ")" if ends else "FALSE", *bounds)
            rows_from = (
                f"SELECT {cols} FROM agg_places_m {whole.sql()} UNION ALL "
                f"SELECT {cols} FROM ({delta_sql('agg_places', f'SELECT * FROM events {days.sql()}')})"
            )
            params = [*whole.params, *days.params]
        places = _dicts(
            cur,
            "SELECT name, country, lat, lon, sum(n)::BIGINT AS n, list_sort(list(DISTINCT type)) AS types, "
            f"max(last_date) AS last_date FROM ({rows_from}) GROUP BY name, country, lat, lon "
            f"ORDER BY {PLACE_ORDER} LIMIT ?",
            [*params, limit],
        )
    # then the newest ids of those places
    ids = _recent_ids(cur, w.sql(), w.params, places)
    return [
        {
            **{k: p[k] for k in PLACE_KEYS},
            "n": p["n"],
            "event_ids": ids.get(_key(p), []),
            "types": p["types"],
            "last_date": p["last_date"],
        }
        for p in places
    ]


def _key(row: dict[str, Any] | tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(row[k] for k in PLACE_KEYS) if isinstance(row, dict) else tuple(row[:4])


def _recent_ids(
    cur: Any, where: str, params: list[Any], places: list[dict[str, Any]]
) -> dict[tuple[Any, ...], list[str]]:
    """The newest ``RECENT_IDS`` event ids of each place, without sorting every located event.

    Why in passes: the newest events of busy places lie in the last weeks before the newest date, so a
    narrow window of days usually holds them all; a place is complete when the window gave it enough ids
    or all of its ``n`` events. Then wider windows, all dated events, and last the undated ones (which sort
    after every date)."""
    need = {_key(p): p["n"] for p in places}
    out: dict[tuple[Any, ...], list[str]] = {}
    dates = [p["last_date"] for p in places if p["last_date"] is not None]
    newest = max(dates) if dates else None
    windows: list[tuple[str, list[Any]]] = []
    if newest is not None:
        windows += [("date >= ?", [newest - dt.timedelta(days=span)]) for span in _SPANS]
        windows.append(("date IS NOT NULL", []))
    windows.append(("date IS NULL", []))
    for cond, extra in windows:
        if not need:
            break
        cur.execute(
            "SELECT loc_name, loc_country, round(loc_lat, 4) AS lat, round(loc_lon, 4) AS lon, "
            f"list(id ORDER BY date DESC NULLS LAST, id)[1:{RECENT_IDS}], count(*) "
            f"FROM events {where} AND {cond} GROUP BY ALL",
            [*params, *extra],
        )
        undated = cond == "date IS NULL"
        for row in cur.fetchall():
            key = _key(row)
            if key not in need:
                continue
            ids, count = row[4], row[5]
            if undated:  # after every dated id of the place, which the passes before collected
                out[key] = (out.get(key, []) + ids)[:RECENT_IDS]
                need.pop(key)
            elif count >= RECENT_IDS or count == need[key]:
                out[key] = ids
                need.pop(key)
            elif cond == "date IS NOT NULL":
                out[key] = ids  # every dated event of the place; undated ones follow
    return out
