"""The core CLI: extract, ingest, events, show, summary."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from pantau.cli import main
from pantau.records import Article, Entity, Event, Result, Span
from pantau.store import Store

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds" / "seeds.jsonl"
needs_seeds = pytest.mark.skipif(not SEEDS.exists(), reason="shared/seeds not available")

TEXT = (
    "Menurut laporan pada hari Kamis, Ukraina menyerang kilang minyak Rusia di Bryansk dengan "
    "pesawat nirawak buatan dalam negeri."
)


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def hand_built_db(path: Path) -> None:
    """A store with one article and one event, independent of the NLP/event stages."""
    i = TEXT.index("Ukraina menyerang kilang minyak Rusia")
    ukr = Entity("Ukraina", "LOC", i, i + 7, "UKR", "GOV", "Ukraine", "Q212")
    j = TEXT.index("Rusia", i)
    rus = Entity("Rusia", "LOC", j, j + 5, "RUS", "GOV", "Russia", "Q159")
    ev = Event("art-1-e1", "ASSAULT", [ukr], [rus], mode="heavy-weapons", context=["military"],
               date="2024-11-18", date_precision="day",
               evidence=[Span(i, i + 37, TEXT[i:i + 37])], confidence=0.85, pattern="serang+OBJ")
    art = Article("art-1", TEXT, title="Ukraina serang kilang minyak", published="2024-11-21",
                  outlet="Kontan", language="id")
    with Store(path) as s:
        s.upsert(Result(art, [ukr, rus], [ev], []))


@needs_seeds
def test_extract_seeds_no_events():
    res = run("extract", str(SEEDS), "--no-events")
    assert res.exit_code == 0, res.stderr
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    want = [json.loads(x)["id"] for x in SEEDS.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert [o["article"]["id"] for o in lines] == want
    assert all(set(o) == {"article", "entities", "events", "quotes"} for o in lines)
    assert all(o["events"] == [] for o in lines)
    # ensure_ascii=False: Indonesian punctuation (curly quotes) is printed as is
    assert "“" in res.stdout


@needs_seeds
def test_extract_stdin_and_published():
    text = (SHARED / "seeds" / "000_9f7690cda1b435db.txt").read_text(encoding="utf-8")
    res = run("extract", "-", "--no-events", "--published", "2024-11-21", input=text)
    assert res.exit_code == 0, res.stderr
    (obj,) = [json.loads(x) for x in res.stdout.splitlines()]
    assert obj["article"]["published"].startswith("2024-11-21")
    assert "Kedutaan Besar AS di Kyiv ditutup" in obj["article"]["text"]


def test_usage_errors_exit_2(tmp_path):
    assert run("extract").exit_code == 2
    assert run("ingest", "--db", str(tmp_path / "x.duckdb")).exit_code == 2
    res = run("extract", "x.txt", "--published", "21/11/2024")
    assert res.exit_code == 2 and "not a date" in res.stderr
    assert run("events", "--db", str(tmp_path / "x.duckdb"), "--format", "parquet").exit_code == 2


@needs_seeds
def test_ingest_show_summary(tmp_path):
    db = str(tmp_path / "p.duckdb")
    res = run("ingest", str(SEEDS), "--db", db, "--no-events")
    assert res.exit_code == 0, res.stderr
    assert "inserted" in res.stdout and "5 articles" in res.stdout
    row = [ln for ln in res.stdout.splitlines() if ln.startswith(str(SEEDS))][0].split()
    assert row[1:] == ["5", "5", "0", "0", "0"]  # records inserted replaced unchanged failed
    show = run("show", "000_9f", "--db", db)  # a unique prefix is enough
    assert show.exit_code == 0, show.stderr
    assert "Kedutaan Besar AS di Kyiv ditutup" in show.stdout and "Events (0)" in show.stdout
    assert run("show", "nope", "--db", db).exit_code == 1
    assert run("show", "00", "--db", db).exit_code == 1  # ambiguous
    summ = run("summary", "--db", db)
    assert summ.exit_code == 0
    assert "Articles per outlet" in summ.stdout and "5 articles" in summ.stdout


def test_ingest_stdin_and_directory(tmp_path):
    db = str(tmp_path / "p.duckdb")
    lines = "\n".join(json.dumps({"id": f"s{i}", "text": f"{TEXT} ({i})"}) for i in range(3))
    res = run("ingest", "-", "--db", db, "--no-events", input=lines)
    assert res.exit_code == 0, res.stderr
    assert "<stdin>" in res.stdout and "3 articles" in res.stdout
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for i in range(3):
        (folder / "sub" / f"a{i}.txt").write_text(f"{TEXT} Berita ke-{i}.", encoding="utf-8")
    res = run("ingest", str(folder), "--db", db, "--no-events")
    assert res.exit_code == 0, res.stderr
    row = [ln for ln in res.stdout.splitlines() if ln.startswith(str(folder))]
    assert len(row) == 1 and row[0].split()[1:] == ["3", "3", "0", "0", "0"]  # one row per INPUT


def test_db_default_from_env(tmp_path, monkeypatch):
    db = tmp_path / "env.duckdb"
    hand_built_db(db)
    monkeypatch.setenv("PANTAU_DB", str(db))
    res = run("events")
    assert res.exit_code == 0 and "ASSAULT" in res.stdout


def test_events_formats(tmp_path):
    db = tmp_path / "h.duckdb"
    hand_built_db(db)
    table = run("events", "--db", str(db), "--actor", "ukr")
    assert table.exit_code == 0
    assert "UKR → RUS" in table.stdout and "(1 events)" in table.stdout
    assert "(no events)" in run("events", "--db", str(db), "--recipient", "UKR").stdout
    assert "(no events)" in run("events", "--db", str(db), "--from", "2024-11-19").stdout
    js = run("events", "--db", str(db), "--format", "jsonl", "--type", "assault")
    (ev,) = [json.loads(x) for x in js.stdout.splitlines()]
    assert ev["evidence"][0]["text"] == "Ukraina menyerang kilang minyak Rusia" and ev["outlet"] == "Kontan"
    rows = list(csv.DictReader(io.StringIO(run("events", "--db", str(db), "--format", "csv").stdout)))
    assert rows[0]["actor_codes"] == "UKR" and rows[0]["mode"] == "heavy-weapons"
    # a misspelt type is a usage error naming the valid ones, not an empty result
    bad = run("events", "--db", str(db), "--type", "ASSUALT")
    assert bad.exit_code == 2 and "ASSAULT" in bad.stderr and "(no events)" not in bad.stdout
    # the evidence is printed whole (wrapped), not cut
    assert "Ukraina menyerang kilang minyak Rusia" in " ".join(table.stdout.split())
    # independent outlets: "-" before `pantau stories`, the canonical event's count after it
    assert table.stdout.splitlines()[0].split()[-3] == "outlets"
    assert [ln.split()[6] for ln in table.stdout.splitlines() if "UKR → RUS" in ln] == ["-"]
    assert run("stories", "--db", str(db)).exit_code == 0
    after = run("events", "--db", str(db), "--actor", "ukr").stdout
    assert [ln.split()[6] for ln in after.splitlines() if "UKR → RUS" in ln] == ["1"]
    out = tmp_path / "ev.parquet"
    res = run("events", "--db", str(db), "--format", "parquet", "--output", str(out))
    assert res.exit_code == 0 and "1 events written" in res.stderr
    assert duckdb.sql(f"SELECT type FROM '{out}'").fetchall() == [("ASSAULT",)]


def test_show_and_summary_with_events(tmp_path):
    db = tmp_path / "h.duckdb"
    hand_built_db(db)
    show = run("show", "art-1", "--db", str(db))
    assert "ASSAULT/heavy-weapons  Ukraine [UKR/GOV] → Russia [RUS/GOV]" in show.stdout
    assert "“Ukraina menyerang kilang minyak Rusia”" in show.stdout
    summ = run("summary", "--db", str(db)).stdout
    assert "UKR → RUS" in summ and "Example events" in summ and "material conflict" in summ


def test_missing_db_is_a_clear_error(tmp_path):
    res = run("summary", "--db", str(tmp_path / "none.duckdb"))
    assert res.exit_code == 1 and "run `pantau ingest` first" in res.stderr


# --- stories / index / alerts / actors / explain: validation, tables, shared wording (issue #23) ---


def test_dyad_and_sector_choices_are_validated(tmp_path):
    db = tmp_path / "s.duckdb"
    hand_built_db(db)
    bad = run("index", "--db", str(db), "--dyad", "RUS_UKR")
    assert bad.exit_code == 2
    assert "'RUS_UKR' is not a dyad" in bad.output and "RUS-UKR" in bad.output
    assert run("alerts", "--db", str(db), "--dyad", "rus ukr").exit_code == 2
    ok = run("index", "--db", str(db), "--dyad", "ukr-rus")  # any case, either order
    assert ok.exit_code == 0, ok.output
    assert "UKR-RUS" in ok.output or "RUS-UKR" in ok.output
    fmt = run("stories", "--db", str(db), "--format", "xml")
    assert fmt.exit_code == 2 and "'table'" in fmt.output and "'jsonl'" in fmt.output
    sector = run("actors", "add", "Someone", "--code", "PHL", "--sector", "GUV")
    assert sector.exit_code == 2
    assert "'GUV' is not one of" in sector.output and "'GOV'" in sector.output


def test_story_table_wraps_long_titles_instead_of_cutting(tmp_path):
    db = tmp_path / "s.duckdb"
    hand_built_db(db)
    long_title = " ".join(f"kata{i}" for i in range(60))
    with Store(db) as s:
        s.con.execute("UPDATE articles SET title = ?", [long_title])
    out = run("stories", "--db", str(db))
    assert out.exit_code == 0, out.output
    words = out.output.split()
    assert all(f"kata{i}" in words for i in range(60)), out.output  # every word, none cut or joined
    assert "…" not in out.output
    assert max(len(line) for line in out.output.splitlines()) <= 160


def test_update_line_is_human(tmp_path):
    from pantau.cli.stories import describe_update

    line = describe_update({"articles": 5, "stories_new": 4, "events": 46, "alerts": 0, "seconds": 1.5})
    assert line == "updated: 5 articles clustered, 4 new stories, 46 events in 1.5 s"
    assert "{" not in describe_update({"articles": 0, "seconds": 0.1})


def test_db_option_has_one_wording():
    from pantau.cli.common import DB_HELP

    helps = {}
    commands = ("stories", "index", "alerts", "actors", "explain", "ingest", "events", "summary")
    for cmd in ([c] for c in commands):
        out = CliRunner().invoke(main, [*cmd, "--help"], terminal_width=200).output
        line = " ".join(out.split())
        assert "--db" in line, cmd
        helps[cmd[0]] = DB_HELP in line
    assert all(helps.values()), helps


def test_ingest_summary_is_one_readable_line(tmp_path):
    from collections import Counter

    from pantau.cli.core import ingest_line

    line = ingest_line(Counter(inserted=3, failed=1), 2.0, "2 workers", "x.duckdb",
                       {"articles": 3, "entities": 7, "events": 2, "quotes": 1})
    assert line == ("4 records in 2.0 s (2.0 records/s, 2 workers): 3 inserted, 1 failed."
                    " Store x.duckdb: 3 articles, 7 entities, 2 events, 1 quotes.")
    db = str(tmp_path / "p.duckdb")
    lines = "\n".join(json.dumps({"id": f"s{i}", "text": f"{TEXT} ({i})"}) for i in range(2))
    res = run("ingest", "-", "--db", db, "--no-events", "--workers", "1", input=lines)
    last = res.stdout.splitlines()[-1]
    assert last.startswith("2 records in ") and "1 worker): 2 inserted. Store " in last
    again = run("ingest", "-", "--db", db, "--no-events", "--workers", "1", input=lines)
    assert "): 2 unchanged. Store " in again.stdout.splitlines()[-1]


def test_summary_names_a_missing_recipient():
    from pantau.cli.core import render_summary

    stats = {"counts": {"articles": 1, "events": 3, "quotes": 0, "entities": 2},
             "published_range": ("2025-01-01", "2025-01-01"), "outlets": [("Kompas", 1)],
             "languages": [("id", 1)], "flags": [], "event_types": [("MOBILIZE", 3)], "factuality": [],
             "dyads": [("GBR", None, 3)], "actors": [("GBR", 3)]}
    text = render_summary("x.duckdb", stats, [])
    assert "GBR → (no recipient)" in text and "None" not in text
