"""Escalation change detection: a recent window against a trailing baseline, per dyad and channel.

For day t, channel x (conflict, cbrn, cooperation) with daily values x_d (zeros on days without
events):

    W_t  = sum of x over the window t-6 .. t                       (window_days = 7)
    mu, sigma = mean and std of daily x over t-34 .. t-7           (baseline_days = 28)
    z_t  = (W_t - 7 mu) / (sqrt(7) * max(sigma, sigma_floor))

An alert is raised on the first day z crosses ``z_threshold`` (not on every day it stays above)
when the window holds at least ``min_events`` canonical events of that channel. The sigma floor
keeps one event after a quiet month from being an infinite z. The alert lists the events that
caused it (strongest contribution first).
"""

from __future__ import annotations

import hashlib
import math
from datetime import date, timedelta
from typing import Any

import numpy as np

from pantau.stories import db
from pantau.stories.common import config
from pantau.stories.index import contribution, dyads, normalise_dyad

_CH = {"conflict": (1, 5), "cooperation": (2, 6), "cbrn": (3, 7)}  # (value column, count column)
_KIND = {"conflict": "escalation", "cbrn": "nuclear_escalation", "cooperation": "cooperation_surge"}


def detect(
    days: list[date], values: list[float], counts: list[int], *, channel: str = "conflict",
    start: date | None = None,
) -> list[dict[str, Any]]:
    """Alerts of one daily series (``days`` consecutive calendar days). Pure function, for tests."""
    cfg = config()["alerts"]
    win, base = cfg["window_days"], cfg["baseline_days"]
    floor = cfg["sigma_floor_cbrn"] if channel == "cbrn" else cfg["sigma_floor"]
    min_ev = cfg["min_events_cbrn"] if channel == "cbrn" else cfg["min_events"]
    thr = cfg["z_threshold"]
    x = np.asarray(values, dtype=float)
    n = np.asarray(counts, dtype=float)
    cx = np.concatenate([[0.0], np.cumsum(x)])
    cx2 = np.concatenate([[0.0], np.cumsum(x * x)])
    cn = np.concatenate([[0.0], np.cumsum(n)])
    out: list[dict[str, Any]] = []
    above_prev = False
    for t in range(len(x)):
        lo_w = max(0, t - win + 1)
        w_sum = cx[t + 1] - cx[lo_w]
        w_cnt = cn[t + 1] - cn[lo_w]
        b_hi = lo_w
        b_lo = max(0, b_hi - base)
        nb = base  # days before the series starts count as quiet days
        s = cx[b_hi] - cx[b_lo]
        s2 = cx2[b_hi] - cx2[b_lo]
        mu = s / nb
        var = max(0.0, s2 / nb - mu * mu)
        sigma = max(math.sqrt(var), floor)
        expected = win * mu
        z = (w_sum - expected) / (math.sqrt(win) * sigma)
        above = z >= thr and w_cnt >= min_ev
        if above and not above_prev and (start is None or days[t] >= start):
            out.append({"day": days[t], "channel": channel, "kind": _KIND[channel], "value": float(w_sum),
                        "baseline": float(expected), "z": float(z), "window_start": days[lo_w]})
        above_prev = above
    return out


def alert_id(dyad: str, day: date, channel: str) -> str:
    return "al-" + hashlib.sha1(f"{dyad}|{day.isoformat()}|{channel}".encode()).hexdigest()[:16]


def _series(con: Any, dyad: str, lo: date) -> tuple[list[date], np.ndarray]:
    rows = con.execute(
        """SELECT day, score, conflict, cooperation, cbrn, n_events, n_conflict, n_cooperation, n_cbrn
           FROM escalation_index WHERE dyad = ? AND day >= ? ORDER BY day""",
        [dyad, lo],
    ).fetchall()
    if not rows:
        return [], np.zeros((0, 8))
    start, end = rows[0][0], rows[-1][0]
    ndays = (end - start).days + 1
    days = [start + timedelta(days=i) for i in range(ndays)]
    mat = np.zeros((ndays, 8))
    for r in rows:
        mat[(r[0] - start).days] = [float(v or 0) for v in r[1:]]
    return days, mat


def _culprits(con: Any, dyad: str, lo: date, hi: date, channel: str, limit: int) -> list[str]:
    a, _, b = dyad.partition("-")
    b = b or a  # a one-code series (events with one known party)
    rows = con.execute(
        """SELECT id, actor_codes, recipient_codes, intensity, n_sources, cbrn FROM canonical_events
           WHERE day BETWEEN ? AND ? AND (list_contains(actor_codes, ?) OR list_contains(recipient_codes, ?))
             AND (list_contains(actor_codes, ?) OR list_contains(recipient_codes, ?))""",
        [lo, hi, a, a, b, b],
    ).fetchall()
    scored = []
    for cid, acts, recs, inten, ns, cbrn in rows:
        if dyad not in dyads(acts or [], recs or []):
            continue
        _, conf, coop, nuc = contribution({"intensity": inten, "n_sources": ns, "cbrn": cbrn})
        v = {"conflict": conf, "cooperation": coop, "cbrn": nuc}[channel]
        if v > 0:
            scored.append((-v, cid))
    return [cid for _, cid in sorted(scored)[:limit]]


def update(con: Any, dyads_from: dict[str, date]) -> int:
    """Recompute the alerts of each dyad from its earliest changed day on; returns alerts written."""
    cfg = config()["alerts"]
    span = timedelta(days=cfg["window_days"] + cfg["baseline_days"])
    total = 0
    for dyad, first in sorted(dyads_from.items()):
        days, mat = _series(con, dyad, first - span)
        rows = []
        for ch in cfg["channels"]:
            vcol, ncol = _CH[ch]
            if not days:
                continue
            for al in detect(days, list(mat[:, vcol]), list(mat[:, ncol]), channel=ch, start=first):
                ids = _culprits(con, dyad, al["window_start"], al["day"], ch, cfg["max_event_ids"])
                rows.append((alert_id(dyad, al["day"], ch), dyad, al["day"], ch, al["kind"], al["value"],
                             al["baseline"], al["z"], ids))
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM alerts WHERE dyad = ? AND day >= ?", [dyad, first])
            db.write(con, "alerts", rows, replace=True)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        total += len(rows)
    return total


def list_alerts(
    con: Any, dyad: str | None = None, date_from: date | str | None = None, date_to: date | str | None = None,
    channel: str | None = None, limit: int = 100, offset: int = 0,
) -> list[dict[str, Any]]:
    """Stored alerts, newest first."""
    dy = normalise_dyad(dyad) if dyad else None
    rows = con.execute(
        """SELECT id, dyad, day, channel, kind, value, baseline, z, event_ids FROM alerts
           WHERE (? IS NULL OR dyad = ?) AND (? IS NULL OR day >= CAST(? AS DATE))
             AND (? IS NULL OR day <= CAST(? AS DATE)) AND (? IS NULL OR channel = ?)
           ORDER BY day DESC, z DESC LIMIT ? OFFSET ?""",
        [dy, dy, date_from, date_from, date_to, date_to, channel, channel, limit, offset],
    ).fetchall()
    keys = ("id", "dyad", "day", "channel", "kind", "value", "baseline", "z", "event_ids")
    return [dict(zip(keys, r, strict=False)) for r in rows]
