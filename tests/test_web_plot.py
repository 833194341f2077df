"""The `pantau index --plot` PNG: whole-day ticks on daily data (issue #23: no "00:00" hour ticks)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from pantau.stories.plot import date_axis  # noqa: E402


def _ticks(lo: date, hi: date, max_ticks: int) -> tuple[list[float], list[str]]:
    fig, ax = plt.subplots()
    ax.plot([lo, hi], [0, 1])
    ax.set_xlim(lo, hi)
    date_axis(ax, lo, hi, max_ticks)
    fig.canvas.draw()
    locs = [t for t in ax.get_xticks() if mdates.date2num(lo) <= t <= mdates.date2num(hi)]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    plt.close(fig)
    return locs, labels


@pytest.mark.parametrize("days", [3, 9, 20, 45, 62, 200, 900])
def test_ticks_fall_on_whole_days(days: int) -> None:
    lo = date(2022, 2, 20)
    locs, labels = _ticks(lo, lo + timedelta(days=days), 3)
    assert len(locs) >= 2, locs
    assert all(float(t).is_integer() for t in locs), locs  # matplotlib dates: whole numbers = midnight
    assert not any(":" in s for s in labels), labels


def test_short_panel_gets_a_tick_per_few_days() -> None:
    lo = date(2024, 11, 15)
    locs, _ = _ticks(lo, lo + timedelta(days=12), 4)
    steps = {round(b - a) for a, b in zip(locs, locs[1:], strict=False)}
    assert steps and steps <= {3}, steps
