"""Escalation index arithmetic, alert detection and the CLI, on constructed canonical events."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta

import duckdb
import pytest
from click.testing import CliRunner

from pantau.stories import alerting, alerts, ensure_schema, index, index_series
from pantau.stories.db import write
from pantau.stories.index import compute_rows, dyads, normalise_dyad

D0 = date(2024, 11, 1)


def _ce(cid: str, etype: str, actors: list[str], recipients: list[str], day: date, n_sources: int = 1,
        cbrn: bool = False, inten: float | None = None, mode: str | None = None) -> dict:
    from pantau.stories.canonical import intensity

    return {"id": cid, "type": etype, "mode": mode, "actor_codes": actors, "recipient_codes": recipients,
            "day": day, "n_sources": n_sources, "cbrn": cbrn,
            "intensity": intensity(etype, mode) if inten is None else inten}


def test_dyads() -> None:
    assert normalise_dyad("UKR-RUS") == "RUS-UKR" == normalise_dyad("rus, ukr")
    assert dyads(["RUS"], ["UKR"]) == ["RUS-UKR"]
    assert dyads(["USA", "RUS"], []) == ["RUS-USA"]  # a meeting: both sides as actors
    assert dyads(["RUS"], ["UKR", "NATO"]) == ["NATO-RUS", "RUS-UKR"]
    # one known party: that party's one-code series (unilateral acts are not dropped)
    assert dyads(["RUS"], []) == ["RUS"]
    assert dyads(["RUS"], ["UNK"]) == ["RUS"]
    assert dyads(["UNK"], ["UKR"]) == ["UKR"]
    assert dyads(["ISR"], ["ISR"]) == ["ISR"]
    assert dyads(["UNK"], ["NGO"]) == []


def test_index_arithmetic() -> None:
    evs = [
        _ce("a", "ASSAULT", ["RUS"], ["UKR"], D0, n_sources=4),  # -9 * (1 + 2) = -27
        _ce("b", "THREATEN", ["RUS"], ["UKR"], D0, n_sources=1, cbrn=True),  # -3.5, nuclear
        _ce("c", "AID", ["USA"], ["UKR"], D0, n_sources=2),  # +10 * 2 = +20 (USA-UKR)
        _ce("d", "CONSULT", ["RUS", "UKR"], [], D0 + timedelta(days=1), n_sources=3),
        _ce("e", "ASSAULT", ["RUS"], ["UKR"], D0, mode="unconventional", cbrn=True),  # -10
    ]
    rows = {(r[0], r[1]): r[2:] for r in compute_rows(evs)}
    score, conflict, coop, cbrn, n, n_conf, n_coop, n_cbrn = rows[("RUS-UKR", D0)]
    assert score == pytest.approx(-27 - 3.5 - 10)
    assert conflict == pytest.approx(40.5) and coop == 0
    assert cbrn == pytest.approx(13.5) and n_cbrn == 2
    assert (n, n_conf, n_coop) == (3, 3, 0)
    assert rows[("UKR-USA", D0)][0] == pytest.approx(20.0)
    s, _c, p, *_ = rows[("RUS-UKR", D0 + timedelta(days=1))]
    assert s == p == pytest.approx(2.5 * (1 + math.log2(3)))


def test_detect_alert_on_burst_only_once() -> None:
    days = [D0 + timedelta(days=i) for i in range(60)]
    values = [0.0] * 60
    counts = [0] * 60
    for i in range(0, 40, 5):  # a quiet month: one accusation every five days
        values[i], counts[i] = 2.0, 1
    for i in (45, 46, 47, 48):  # a burst of strikes
        values[i], counts[i] = 18.0, 2
    found = alerting.detect(days, values, counts, channel="conflict")
    # day 45 alone has 2 events (< min_events 3); day 46 crosses; later days stay above: one alert
    assert [a["day"] for a in found] == [days[46]]
    a = found[0]
    assert a["z"] >= 3 and a["value"] == pytest.approx(36.0) and a["baseline"] < 4
    # a strong day with too few events does not alert
    one = [0.0] * 60
    one[45] = 27.0
    assert alerting.detect(days, one, [1 if v else 0 for v in one], channel="conflict") == []
    # the same level every week is the baseline, not a change
    flat = [18.0 if i % 7 == 0 else 0.0 for i in range(60)]
    assert alerting.detect(days, flat, [3 if v else 0 for v in flat], channel="conflict") == []


@pytest.fixture()
def con():  # type: ignore[no-untyped-def]
    c = duckdb.connect()
    ensure_schema(c)
    return c


def _store_events(con, evs: list[dict]) -> None:  # type: ignore[no-untyped-def]
    rows = [(e["id"], e["type"], e["mode"], e["actor_codes"], e["recipient_codes"], e["day"], "day", None,
             None, 1, e["n_sources"], [f"s{k}" for k in range(e["n_sources"])], e["cbrn"], e["intensity"],
             None, e["day"]) for e in evs]
    write(con, "canonical_events", rows, replace=True)


def test_alerts_end_to_end(con) -> None:  # type: ignore[no-untyped-def]
    evs = [_ce(f"q{i}", "ACCUSE", ["RUS"], ["UKR"], D0 + timedelta(days=i)) for i in range(0, 35, 7)]
    burst = [_ce(f"b{i}{k}", "ASSAULT", ["RUS"], ["UKR"], D0 + timedelta(days=40 + i), n_sources=2)
             for i in range(3) for k in range(2)]
    nuc = [_ce(f"n{i}", "THREATEN", ["RUS"], ["USA"], D0 + timedelta(days=41 + i), cbrn=True)
           for i in range(2)]
    _store_events(con, evs + burst + nuc)
    days = {e["day"] for e in evs + burst + nuc}
    changed = index.update(con, days)
    assert changed["dyads"]["RUS-UKR"] == D0
    assert alerting.update(con, changed["dyads"]) >= 1
    got = alerts(con, "UKR-RUS")
    conflict = [a for a in got if a["channel"] == "conflict"]
    # day 40 has two strikes (< min_events); on day 41 the window holds four: one alert, not three
    assert len(conflict) == 1 and conflict[0]["day"] == D0 + timedelta(days=41)
    assert set(conflict[0]["event_ids"]) == {"b00", "b01", "b10", "b11"}  # the events that caused it
    nuclear = alerts(con, "RUS-USA", channel="cbrn")
    assert len(nuclear) == 1 and nuclear[0]["kind"] == "nuclear_escalation"
    series = index_series(con, "RUS-UKR", D0, D0 + timedelta(days=60), fill=True)
    assert len(series) == 61 and sum(r["n_events"] for r in series) == 11
    # recomputing one day changes nothing else and keeps the alerts identical
    before = alerts(con)
    changed = index.update(con, {D0 + timedelta(days=40)})
    alerting.update(con, changed["dyads"])
    assert alerts(con) == before


def test_one_party_series_alert_names_its_events(con) -> None:  # type: ignore[no-untyped-def]
    """Missile tests by one state with no target: the PRK series alerts and lists those events."""
    tests = [_ce(f"t{i}", "MOBILIZE", ["PRK"], [], D0 + timedelta(days=40 + i), n_sources=2)
             for i in range(4)]
    _store_events(con, tests)
    changed = index.update(con, {e["day"] for e in tests})
    assert set(changed["dyads"]) == {"PRK"}
    alerting.update(con, changed["dyads"])
    got = alerts(con, "PRK")
    assert got and got[0]["event_ids"] and set(got[0]["event_ids"]) <= {e["id"] for e in tests}


def test_cli(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pantau.cli import main

    store_mod = pytest.importorskip("pantau.store")
    db = str(tmp_path / "c.duckdb")
    s = store_mod.Store(db)
    ensure_schema(s.con)
    evs = [_ce(f"b{i}{k}", "ASSAULT", ["RUS"], ["UKR"], D0 + timedelta(days=i), n_sources=2)
           for i in range(3) for k in range(2)]
    _store_events(s.con, evs)
    changed = index.update(s.con, {e["day"] for e in evs})
    alerting.update(s.con, changed["dyads"])
    s.close()
    runner = CliRunner()
    res = runner.invoke(main, ["index", "--db", db, "--dyad", "UKR-RUS", "--format", "csv"])
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert lines[0] == "dyad,day,score,conflict,cooperation,cbrn,n_events" and len(lines) == 4
    assert lines[1].startswith("RUS-UKR,2024-11-01,-36.0,36.0")
    out = tmp_path / "i.parquet"
    args = ["index", "--db", db, "--dyad", "RUS-UKR", "--format", "parquet", "-o", str(out)]
    res = runner.invoke(main, args)
    assert res.exit_code == 0 and out.exists()
    png = tmp_path / "i.png"
    res = runner.invoke(main, ["index", "--db", db, "--dyad", "RUS-UKR", "--plot", str(png)])
    assert res.exit_code == 0, res.output
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    res = runner.invoke(main, ["alerts", "--db", db, "--format", "jsonl"])
    assert res.exit_code == 0
    got = [json.loads(x) for x in res.output.strip().splitlines()]
    assert got and got[0]["dyad"] == "RUS-UKR" and got[0]["channel"] == "conflict"
    res = runner.invoke(main, ["stories", "--db", db, "--format", "jsonl"])
    assert res.exit_code == 0 and res.output.strip() == ""  # no articles stored
