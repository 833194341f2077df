"""``/api/index`` series: built from numpy columns (not a loop over rows); the reply is checked value by
value, types included, on a store written here (NULL measures, interleaved dyads, one missing)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
from fastapi.testclient import TestClient

from pantau.api import create_app
from pantau.api.db import ensure_schema
from pantau.stories.common import ensure_schema as ensure_stories_schema


def _store(path: Path) -> None:
    ensure_schema(path)
    con = duckdb.connect(str(path))
    ensure_stories_schema(con)
    rows = [  # inserted out of order: the reply must come sorted by day within each dyad
        ("RUS-UKR", dt.date(2024, 3, 2), -5.5, 2.0, None, 0.0, 3),
        ("CHN-USA", dt.date(2024, 3, 1), 2.5, None, 1.0, None, 1),
        ("RUS-UKR", dt.date(2024, 3, 1), -9.0, 4.0, 0.5, 1.0, 7),
        ("RUS-UKR", dt.date(2024, 2, 28), 1.25, 0.0, 1.5, 0.0, 2),
        ("AUS-IDN", dt.date(2024, 1, 5), 0.0, 0.0, 0.0, 0.0, 1),
    ]
    con.executemany(
        "INSERT INTO escalation_index (dyad, day, score, conflict, cooperation, cbrn, n_events) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    con.close()


def _get(client: Any, **params: Any) -> Any:
    r = client.get("/api/index", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_index_series_values_types_and_nulls(tmp_path: Path) -> None:
    path = tmp_path / "index.duckdb"
    _store(path)
    app = create_app(path)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        reply = _get(c, dyad=["UKR-RUS", "XXX-YYY", "USA-CHN"], alerts="false")
        assert reply["alerts"] == []
        assert reply["dyads"] == [
            {
                "dyad": "RUS-UKR",
                "day": ["2024-02-28", "2024-03-01", "2024-03-02"],
                "score": [1.25, -9.0, -5.5],
                "conflict": [0.0, 4.0, 2.0],
                "cooperation": [1.5, 0.5, None],
                "cbrn": [0.0, 1.0, 0.0],
                "n_events": [2, 7, 3],
            },
            {"dyad": "XXX-YYY", "day": [], "score": [], "conflict": [], "cooperation": [], "cbrn": [],
             "n_events": []},
            {"dyad": "CHN-USA", "day": ["2024-03-01"], "score": [2.5], "conflict": [None],
             "cooperation": [1.0], "cbrn": [None], "n_events": [1]},
        ]
        one = _get(c, dyad="RUS-UKR", **{"from": "2024-03-01"})["dyads"][0]
        assert one["day"] == ["2024-03-01", "2024-03-02"] and one["n_events"] == [7, 3]
        assert all(type(n) is int for n in one["n_events"])
        assert _get(c, dyad="AUS-IDN", to="2023-12-31")["dyads"][0]["day"] == []
    app.state.db.close()
