"""Bad input end to end through `pantau ingest`: each bad record is named, the rest goes on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pantau.cli import main
from pantau.store import Store

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds" / "seeds.jsonl"
needs_seeds = pytest.mark.skipif(not SEEDS.exists(), reason="shared/seeds not available")

# Short self-written Indonesian news sentences used as article bodies.
BODY = (
    "Kedutaan Besar AS di Kyiv ditutup sementara sejak Kamis pagi. Penutupan itu menyusul "
    "ancaman balasan Presiden Rusia Vladimir Putin atas pemakaian rudal buatan Amerika."
)


def ingest(db: Path, *paths: str | Path, events: bool = False):
    args = ["ingest", "--db", str(db), *map(str, paths)]
    res = CliRunner().invoke(main, args if events else [*args, "--no-events"])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res


def counts(db: Path) -> dict[str, int]:
    with Store(db, read_only=True) as s:
        return s.counts()


def article_ids(db: Path) -> set[str]:
    with Store(db, read_only=True) as s:
        return {r[0] for r in s.con.execute("SELECT id FROM articles").fetchall()}


def jline(i: int, text: str = BODY, **kw) -> str:
    return json.dumps({"id": f"ok-{i}", "published": "2024-11-21", "text": f"{text} ({i})", **kw})


def summary_row(stdout: str, source: Path | str) -> list[int]:
    """records, inserted, replaced, unchanged, failed for one input."""
    (line,) = [ln for ln in stdout.splitlines() if ln.startswith(str(source))]
    return [int(x) for x in line[len(str(source)):].split()]


def test_mixed_bad_batch(tmp_path):
    """One batch with every kind of bad input: all named on stderr, the good records stored."""
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(jline(i) for i in range(3)) + "\n", encoding="utf-8")
    broken = tmp_path / "broken.jsonl"
    broken.write_text(
        "\n".join([
            jline(10), '{"id": "x", "text": "unterminated', jline(11), json.dumps({"id": "e", "text": ""}),
            jline(12),
        ]) + "\n",
        encoding="utf-8",
    )
    empty_dir = tmp_path / "nothing"
    empty_dir.mkdir()
    (empty_dir / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    binary = tmp_path / "blob.txt"
    binary.write_bytes(bytes(range(256)) * 40)
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n\n", encoding="utf-8")
    no_body = tmp_path / "nobody.html"
    no_body.write_text("<html><head><title>Judul saja</title></head></html>", encoding="utf-8")
    missing = tmp_path / "missing.jsonl"
    db = tmp_path / "db.duckdb"

    res = ingest(db, good, missing, broken, empty_dir, binary, empty, no_body)
    assert res.exit_code == 1
    err = res.stderr
    assert f"{missing}: " in err and "no such file" in err
    assert re.search(rf"{re.escape(str(broken))}:2: invalid JSON", err)
    assert re.search(rf"{re.escape(str(broken))}:4: .*empty", err)
    assert f"{empty_dir}: " in err
    assert f"{binary}: " in err and "binary" in err
    assert f"{empty}: " in err and "empty" in err
    assert f"{no_body}: " in err
    # every error line names its file (and line where there is one)
    for line in err.strip().splitlines():
        if line.startswith("pantau: note"):
            continue
        assert re.match(r"^\S.*?(:\d+)?: \S", line), line
    assert article_ids(db) == {"ok-0", "ok-1", "ok-2", "ok-10", "ok-11", "ok-12"}
    assert summary_row(res.stdout, broken) == [5, 3, 0, 0, 2]
    assert summary_row(res.stdout, good) == [3, 3, 0, 0, 0]


def test_huge_article_is_refused_alone(tmp_path):
    big = tmp_path / "big.jsonl"
    huge = "Rusia menyerang Ukraina. " * (10_000_000 // 25)  # ~10 MB on one line
    big.write_text("\n".join([jline(1), jline(2, text=huge), jline(3)]) + "\n", encoding="utf-8")
    big_txt = tmp_path / "big.txt"
    big_txt.write_text(huge, encoding="utf-8")
    db = tmp_path / "db.duckdb"
    res = ingest(db, big, big_txt)
    assert res.exit_code == 1
    assert f"{big}:2: " in res.stderr and "MB" in res.stderr
    assert f"{big_txt}: " in res.stderr
    assert article_ids(db) == {"ok-1", "ok-3"}


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("latin-1", "Menteri Luar Negeri Prancis menyebut café itu ditutup. " + BODY),
        ("cp1252", "Putin mengatakan \u201cBarat akan membayar\u201d \u2013 kata juru bicara. " + BODY),
        ("utf-8-sig", "Wamenlu Rusia Sergei Ryabkov menyebut Moskow akan membalas. " + BODY),
    ],
)
def test_legacy_encodings(tmp_path, encoding, text):
    path = tmp_path / f"article-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    db = tmp_path / "db.duckdb"
    res = ingest(db, path)
    assert res.exit_code == 0, res.stderr
    with Store(db, read_only=True) as s:
        (stored,) = s.con.execute("SELECT text FROM articles").fetchall()
    stored_text = stored[0]
    assert "\ufeff" not in stored_text and "\ufffd" not in stored_text
    assert text.split(".")[0] in stored_text  # decoded exactly, special characters included


def test_stored_data_survives_a_bad_batch(tmp_path):
    db = tmp_path / "db.duckdb"
    first = tmp_path / "first.jsonl"
    first.write_text("\n".join(jline(i) for i in range(4)) + "\n", encoding="utf-8")
    assert ingest(db, first).exit_code == 0
    before = counts(db)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n" + json.dumps({"id": "ok-1", "text": ""}) + "\n\x00\x01\n", encoding="utf-8")
    res = ingest(db, bad, tmp_path / "gone.txt")
    assert res.exit_code == 1
    assert counts(db) == before and article_ids(db) == {f"ok-{i}" for i in range(4)}


@needs_seeds
def test_idempotent_seed_ingest(tmp_path):
    db = tmp_path / "db.duckdb"
    first = ingest(db, SEEDS, events=True)
    assert first.exit_code == 0, first.stderr
    assert summary_row(first.stdout, SEEDS) == [5, 5, 0, 0, 0]
    before = counts(db)
    second = ingest(db, SEEDS, events=True)
    assert second.exit_code == 0
    assert summary_row(second.stdout, SEEDS) == [5, 0, 0, 5, 0]
    assert counts(db) == before
    # one article changes: it is replaced, with all its rows, and nothing else moves
    lines = SEEDS.read_text(encoding="utf-8").splitlines()
    obj = json.loads(lines[2])
    obj["text"] = obj["text"].replace("Rusia", "Federasi Rusia", 1) + "\n\nKoreksi: judul diperbarui."
    lines[2] = json.dumps(obj, ensure_ascii=False)
    changed = tmp_path / "seeds-v2.jsonl"
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    third = ingest(db, changed, events=True)
    assert third.exit_code == 0
    assert summary_row(third.stdout, changed) == [5, 0, 1, 4, 0]
    after = counts(db)
    assert after["articles"] == before["articles"] == 5
    with Store(db, read_only=True) as s:
        assert "Koreksi: judul diperbarui." in s.article(obj["id"])["text"]
        for table in ("entities", "events", "quotes", "attributions"):
            orphans = s.con.execute(
                f"SELECT count(*) FROM {table} WHERE article_id NOT IN (SELECT id FROM articles)"
            ).fetchone()[0]
            assert orphans == 0
