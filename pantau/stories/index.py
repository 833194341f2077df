"""The escalation index: per dyad and day, a conflict-cooperation score from canonical events.

For each canonical event and each of its dyads (see :func:`dyads`):

    contribution = intensity(type, mode) * (1 + log2(n_sources))

``score`` is the sum of contributions (negative = conflict), ``conflict`` the sum of the
magnitudes of the negative ones, ``cooperation`` the sum of the positive ones and ``cbrn`` the
conflict magnitude of events in the nuclear/CBRN channel. Weights: escalation.yaml; rationale:
METHOD.md. Rows are recomputed only for the days whose canonical events changed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from itertools import combinations
from typing import Any

from pantau.stories import db
from pantau.stories.canonical import source_weight
from pantau.stories.common import config


def normalise_dyad(dyad: str) -> str:
    """'UKR-RUS' / 'ukr,rus' -> 'RUS-UKR' (unordered pair, sorted)."""
    parts = [p.strip().upper() for p in dyad.replace(",", "-").replace("_", "-").split("-") if p.strip()]
    return "-".join(sorted(set(parts)))


def dyads(actors: list[str] | set[str], recipients: list[str] | set[str]) -> list[str]:
    """Unordered code pairs of an event: actor x recipient, or the actors among themselves
    (a meeting or agreement has both sides as actors and no recipient).

    An event with one known party only ("Rusia menguji rudal", a strike on Ukraine by an unnamed
    attacker, a state acting on itself) counts on that party's one-code series ("RUS"): it is
    still a signal about that actor, and dropping it would hide unilateral escalation."""
    skip = set(config()["dyad_exclude"])
    a = sorted({c for c in actors or [] if c and c not in skip})
    r = sorted({c for c in recipients or [] if c and c not in skip})
    pairs = {tuple(sorted((x, y))) for x in a for y in r if x != y} if r else set(combinations(a, 2))
    if not pairs:
        return sorted(set(a) | set(r))
    return sorted("-".join(p) for p in pairs)


def contribution(ev: dict[str, Any]) -> tuple[float, float, float, float]:
    """(score, conflict, cooperation, cbrn) of one canonical event for each of its dyads."""
    w = source_weight(int(ev.get("n_sources") or 1))
    x = float(ev.get("intensity") or 0.0) * w
    conflict = -x if x < 0 else 0.0
    coop = x if x > 0 else 0.0
    cbrn = conflict if ev.get("cbrn") else 0.0
    return x, conflict, coop, cbrn


def compute_rows(events: list[dict[str, Any]]) -> list[tuple]:
    """Index rows from canonical events (dicts with actor_codes, recipient_codes, day, intensity...)."""
    acc: dict[tuple[str, date], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0])
    for ev in events:
        if ev.get("day") is None:
            continue
        s, c, p, n = contribution(ev)
        for dy in dyads(ev.get("actor_codes") or [], ev.get("recipient_codes") or []):
            a = acc[(dy, ev["day"])]
            a[0] += s
            a[1] += c
            a[2] += p
            a[3] += n
            a[4] += 1
            a[5] += int(s < 0)
            a[6] += int(s > 0)
            a[7] += int(bool(ev.get("cbrn")) and s < 0)
    return [(dy, d, *v) for (dy, d), v in sorted(acc.items())]


def _events_on(con: Any, days: list[date]) -> list[dict[str, Any]]:
    rows = con.execute(
        """SELECT id, actor_codes, recipient_codes, day, intensity, n_sources, cbrn FROM canonical_events
           WHERE day IN (SELECT unnest(?))""",
        [days],
    ).fetchall()
    keys = ("id", "actor_codes", "recipient_codes", "day", "intensity", "n_sources", "cbrn")
    return [dict(zip(keys, r, strict=False)) for r in rows]


def update(con: Any, days: set[date] | list[date]) -> dict[str, Any]:
    """Recompute the index rows of the given days; returns rows written and {dyad: earliest day}."""
    days = sorted(d for d in days if d is not None)
    if not days:
        return {"rows": 0, "dyads": {}}
    old = con.execute(
        "SELECT dyad, min(day) FROM escalation_index WHERE day IN (SELECT unnest(?)) GROUP BY dyad", [days]
    ).fetchall()
    rows = compute_rows(_events_on(con, days))
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM escalation_index WHERE day IN (SELECT unnest(?))", [days])
        db.write(con, "escalation_index", rows)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    touched: dict[str, date] = {}
    for dy, d in old + [(r[0], r[1]) for r in rows]:
        touched[dy] = min(d, touched.get(dy, d))
    return {"rows": len(rows), "dyads": touched}


def index_series(
    con: Any, dyad: str, date_from: date | str | None = None, date_to: date | str | None = None,
    *, fill: bool = False,
) -> list[dict[str, Any]]:
    """The index of one dyad, day by day (``fill``: every calendar day, zeros where no events)."""
    dy = normalise_dyad(dyad)
    lo = date.fromisoformat(date_from) if isinstance(date_from, str) else date_from
    hi = date.fromisoformat(date_to) if isinstance(date_to, str) else date_to
    rows = con.execute(
        """SELECT day, score, conflict, cooperation, cbrn, n_events FROM escalation_index
           WHERE dyad = ? AND (? IS NULL OR day >= ?) AND (? IS NULL OR day <= ?) ORDER BY day""",
        [dy, lo, lo, hi, hi],
    ).fetchall()
    keys = ("day", "score", "conflict", "cooperation", "cbrn", "n_events")
    out = [dict(zip(keys, r, strict=False), dyad=dy) for r in rows]
    if fill and out:
        have = {r["day"]: r for r in out}
        start, end = lo or out[0]["day"], hi or out[-1]["day"]
        out = []
        d = start
        while d <= end:
            zero = {"day": d, "score": 0.0, "conflict": 0.0, "cooperation": 0.0, "cbrn": 0.0, "n_events": 0}
            out.append(have.get(d) or {**zero, "dyad": dy})
            d += timedelta(days=1)
    return out


def list_dyads(con: Any, limit: int = 50) -> list[dict[str, Any]]:
    """Dyads by number of events (for menus and the CLI)."""
    rows = con.execute(
        """SELECT dyad, sum(n_events) n, min(day), max(day), sum(conflict), sum(cooperation)
           FROM escalation_index GROUP BY dyad ORDER BY n DESC, dyad LIMIT ?""",
        [limit],
    ).fetchall()
    return [{"dyad": r[0], "n_events": int(r[1]), "first_day": r[2], "last_day": r[3],
             "conflict": r[4], "cooperation": r[5]} for r in rows]
