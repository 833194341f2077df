"""Chart of the escalation index: conflict-cooperation line, nuclear channel, alerts, key events."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pantau.stories.common import connection
from pantau.stories.index import contribution, dyads, index_series, normalise_dyad


def _key_events(con: Any, dyad: str, lo: date | None, hi: date | None, n: int) -> list[dict[str, Any]]:
    a, _, b = dyad.partition("-")
    rows = con.execute(
        """SELECT id, type, mode, day, intensity, n_sources, cbrn, actor_codes, recipient_codes,
                  first_evidence FROM canonical_events
           WHERE (? IS NULL OR day >= ?) AND (? IS NULL OR day <= ?)
             AND (list_contains(actor_codes, ?) OR list_contains(recipient_codes, ?))
             AND (list_contains(actor_codes, ?) OR list_contains(recipient_codes, ?))""",
        [lo, lo, hi, hi, a, a, b, b],
    ).fetchall()
    out = []
    for cid, t, mode, day, inten, ns, cbrn, acts, recs, ev in rows:
        if dyad not in dyads(acts or [], recs or []):
            continue
        s = contribution({"intensity": inten, "n_sources": ns, "cbrn": cbrn})[0]
        who = "+".join(sorted(acts or [])) + (">" + "+".join(sorted(recs)) if recs else "")
        snippet = " ".join((ev or "").split())
        snippet = snippet[:68] + "..." if len(snippet) > 70 else snippet
        label = f"{day:%Y-%m-%d} {who:<9} {t}{'/' + mode if mode else ''}"
        if snippet:
            label += f'  "{snippet}"'
        out.append({"id": cid, "type": t, "mode": mode, "day": day, "value": s, "cbrn": cbrn, "label": label})
    out.sort(key=lambda e: (-abs(e["value"]), e["day"]))
    return out[:n]


def _segments(days: list[date], gap: int, pad: int, max_segments: int) -> list[tuple[date, date]]:
    """Periods with events, split where nothing happens for more than ``gap`` days."""
    if not days:
        return []
    segs = [[days[0], days[0]]]
    for d in days[1:]:
        if (d - segs[-1][1]).days > gap:
            segs.append([d, d])
        else:
            segs[-1][1] = d
    while len(segs) > max_segments:  # merge the two closest neighbours
        k = min(range(len(segs) - 1), key=lambda i: (segs[i + 1][0] - segs[i][1]).days)
        segs[k][1] = segs[k + 1][1]
        del segs[k + 1]
    return [(a - timedelta(days=pad), b + timedelta(days=pad)) for a, b in segs]


def date_axis(ax: Any, lo: date, hi: date, max_ticks: int) -> None:
    """Ticks on whole days for daily data: a day step up to two months, months or years beyond.
    Why: matplotlib's AutoDateLocator falls back to hours on a short panel ("00:00" ticks)."""
    import matplotlib.dates as mdates

    span = max(1, (hi - lo).days)
    if span <= 62:
        loc: Any = mdates.DayLocator(interval=max(1, -(-span // max_ticks)))
    else:
        loc = mdates.AutoDateLocator(minticks=2, maxticks=max_ticks)  # > 2 months: never below a day
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc, show_offset=True))


def plot_index(
    store_or_con: Any, dyad_list: list[str], path: str, date_from: date | None = None,
    date_to: date | None = None, *, n_labels: int = 5, gap_days: int = 60,
) -> str:
    """Write a PNG: one row per dyad, one panel per active period (long empty gaps are cut out),
    the strongest events numbered on the chart and listed under it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pantau.stories.alerting import list_alerts

    con = connection(store_or_con)
    dyad_list = [normalise_dyad(d) for d in dyad_list] or ["RUS-UKR"]
    fig = plt.figure(figsize=(13, 5.2 * len(dyad_list)))
    outer = fig.add_gridspec(2 * len(dyad_list), 1, height_ratios=[3.2, 1.0] * len(dyad_list), hspace=0.35)
    handles: dict[str, Any] = {}
    for r, dy in enumerate(dyad_list):
        active = [x["day"] for x in index_series(con, dy, date_from, date_to)]
        segs = _segments(active, gap_days, 6, 4)
        if not segs:
            ax = fig.add_subplot(outer[2 * r])
            ax.set_title(f"{dy}: no events in range", fontsize=11, loc="left")
            ax.set_axis_off()
            continue
        widths = [max(20, (b - a).days) for a, b in segs]
        inner = outer[2 * r].subgridspec(1, len(segs), width_ratios=widths, wspace=0.06)
        axes = [fig.add_subplot(inner[0, k]) for k in range(len(segs))]
        key = _key_events(con, dy, date_from, date_to, n_labels)
        for k, (ax, (lo, hi)) in enumerate(zip(axes, segs, strict=True)):
            handles.update(_panel(con, ax, dy, lo, hi, list_alerts, first=k == 0))
            date_axis(ax, lo, hi, max(3, widths[k] // 10))
            if k:
                ax.tick_params(labelleft=False)
            for n, ev in enumerate(key, 1):
                if lo <= ev["day"] <= hi:
                    off = (0, 7 if ev["value"] >= 0 else -13)
                    ax.annotate(str(n), xy=(ev["day"], ev["value"]), xytext=off, textcoords="offset points",
                                ha="center", fontsize=9, fontweight="bold")
        title = f"{dy}: daily conflict-cooperation score (PLOVER intensity x (1 + log2 independent sources))"
        if len(segs) > 1:
            title += f"; {len(segs)} active periods, empty gaps cut"
        axes[0].set_title(title, fontsize=11, loc="left")
        lows = [a.get_ylim()[0] for a in axes]
        highs = [a.get_ylim()[1] for a in axes]
        for a in axes:
            a.set_ylim(min(lows) * 1.08, max(highs) * 1.15 + 1)
        tax = fig.add_subplot(outer[2 * r + 1])
        tax.set_axis_off()
        lines = [f"{n}. {ev['label']}  ({ev['value']:+.1f})" for n, ev in enumerate(key, 1)]
        tax.text(0.0, 1.0, "Key events\n" + "\n".join(lines), va="top", ha="left", fontsize=8.5,
                 family="monospace", transform=tax.transAxes)
    if handles:
        fig.legend(list(handles.values()), list(handles), loc="upper center", ncol=len(handles), fontsize=9,
                   frameon=False, bbox_to_anchor=(0.5, 1.0))
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def _panel(con: Any, ax: Any, dy: str, lo: date, hi: date, list_alerts: Any, first: bool) -> dict[str, Any]:
    """Draw one period of one dyad; returns legend handles by label."""
    out: dict[str, Any] = {}
    rows = index_series(con, dy, lo, hi, fill=True)
    ax.axhline(0, color="#888", lw=0.8)
    ax.grid(alpha=0.25)
    if not rows:
        return out
    days = [x["day"] for x in rows]
    score = [x["score"] for x in rows]
    cbrn = [x["cbrn"] for x in rows]
    out["daily score (red conflict, blue cooperation)"] = ax.vlines(
        days, 0, score, colors=["#c0392b" if s < 0 else "#2e86c1" for s in score], lw=3)
    roll = [sum(score[max(0, i - 6): i + 1]) for i in range(len(score))]
    (out["7-day sum"],) = ax.plot(days, roll, color="#333", lw=1.1)
    if any(cbrn):
        out["nuclear/CBRN channel (minus magnitude)"] = ax.scatter(
            [d for d, c in zip(days, cbrn, strict=True) if c], [-c for c in cbrn if c], marker="X", s=80,
            color="#8e44ad", zorder=5)
    al = list_alerts(con, dy, lo, hi, limit=200)
    if al:
        y0 = min(min(score), min(roll), 0) * 1.04 - 0.5
        out["escalation alert"] = ax.scatter([a["day"] for a in al], [y0] * len(al), marker="^", s=110,
                                             color="#e67e22", zorder=6)
    ax.set_xlim(lo, hi)
    if first:
        ax.set_ylabel("daily score (< 0 conflict, > 0 cooperation)")
    return out
