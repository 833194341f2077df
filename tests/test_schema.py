"""The output contract: pantau/schema/output.schema.json against real and hand-built results."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from pantau.cli import main
from pantau.records import Article, Entity, Event, Location, Quote, Removed, Result, Span

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds" / "seeds.jsonl"

SCHEMA = json.loads(resources.files("pantau").joinpath("schema/output.schema.json").read_text("utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())

# Self-written sample sentence the spans below point into.
TEXT = (
    "Wakil Menteri Luar Negeri Rusia Sergei Ryabkov menyatakan pada Rabu (20/11/2024) bahwa Moskow akan "
    "membalas. Ribuan warga berunjuk rasa di Kyiv."
)


def _span(needle: str) -> Span:
    i = TEXT.index(needle)
    return Span(i, i + len(needle), needle)


def _ent(needle: str, label: str, code: str | None, sector: str | None, **kw: str) -> Entity:
    s = _span(needle)
    return Entity(needle, label, s.start, s.end, code, sector, kw.get("name"), kw.get("wikidata"))


def full_result() -> Result:
    lavrov = _ent("Wakil Menteri Luar Negeri Rusia Sergei Ryabkov", "PER", "RUS", "GOV",
                  name="Sergei Ryabkov", wikidata="Q4418187")
    moskow = _ent("Moskow", "ACTOR", "RUS", "GOV", name="Russia")
    warga = _ent("Ribuan warga", "ACTOR", "UKR", "CVL")
    art = Article(
        id="seed-000", text=TEXT, title="Rusia ancam balas", published="2024-11-21", outlet="Kontan",
        authors=["Barratut Taqiyyah Rafie"], editors=["Barratut Taqiyyah Rafie"], attributions=["Reuters"],
        language="id", language_confidence=0.98, captions=["ILUSTRASI. Gedung Kremlin di Moskow"],
        removed=[Removed("Baca Juga: Harga Gandum Dunia Naik Lagi Pekan Ini", "baca_juga", 9)],
        source="seeds.jsonl", content_hash="abc123", dateline="KONTAN.CO.ID",
    )
    events = [
        Event("seed-000-e1", "THREATEN", [lavrov], [], mode="violence", context=["military"],
              date="2024-11-20", date_precision="day", factuality="asserted",
              evidence=[_span("Moskow akan membalas")], quote=True, confidence=0.8, pattern="balas+future"),
        Event("seed-000-e2", "PROTEST", [warga], [], mode="demo", date=None, date_precision=None,
              location=Location("Kyiv", "Kyiv", "UKR", 50.45, 30.52, 703448),
              evidence=[_span("Ribuan warga berunjuk rasa di Kyiv")], confidence=0.7, pattern="unjuk rasa"),
        Event("seed-000-e3", "ASSAULT", [moskow], [], factuality="hypothetical", date="2024-11-01",
              date_precision="month", evidence=[_span("membalas")], confidence=0.3, pattern="balas"),
    ]
    said = _span("Moskow akan membalas")
    quotes = [Quote("seed-000-q1", said.text, lavrov, "mengatakan", said, direct=False)]
    return Result(art, [lavrov, moskow, warga], events, quotes)


def errors(obj: dict) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(obj)]


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    types = SCHEMA["$defs"]["event"]["properties"]["type"]["enum"]
    assert len(types) == 16 and "ASSAULT" in types and "CONSULT" in types


def test_hand_built_result_with_events_and_quotes_validates():
    obj = full_result().to_dict()
    assert errors(obj) == []
    # survives a JSON round trip (what `pantau extract` prints)
    assert errors(json.loads(json.dumps(obj, ensure_ascii=False))) == []


def _mutate(path: list, value, delete: bool = False) -> dict:
    obj = copy.deepcopy(full_result().to_dict())
    target = obj
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return obj


@pytest.mark.parametrize(
    ("path", "value", "delete"),
    [
        (["events", 0, "type"], "ATTACK", False),  # not a PLOVER type
        (["events", 0, "factuality"], "maybe", False),
        (["events", 0, "date"], "20/11/2024", False),
        (["events", 0, "date"], "2024-11", False),
        (["events", 0, "date_precision"], "decade", False),
        (["events", 0, "evidence"], [], False),  # an event needs evidence
        (["events", 0, "evidence", 0, "start"], -1, False),
        (["events", 0, "confidence"], 1.5, False),
        (["events", 0, "actor", 0, "code"], "rus", False),
        (["events", 0, "actor", 0, "wikidata"], "4573", False),
        (["events", 0, "actor", 0, "label"], "PERSON", False),
        (["events", 1, "location", "lat"], 123.0, False),
        (["events", 0, "quote"], "yes", False),
        (["events", 0, "pattern"], None, True),
        (["events", 0, "surprise"], 1, False),  # no undeclared fields
        (["quotes", 0, "span"], None, False),
        (["article", "id"], None, True),
        (["article", "published"], "21 November 2024", False),
        (["article", "authors"], "Barratut", False),
        (["entities"], None, True),
    ],
)
def test_invalid_objects_fail(path, value, delete):
    assert errors(_mutate(path, value, delete)), f"{path} = {value!r} should be rejected"


def check_spans(obj: dict) -> None:
    """What the schema cannot say: spans are exact slices of the article text."""
    text = obj["article"]["text"]
    for ev in obj["events"]:
        for s in ev["evidence"]:
            assert s["end"] > s["start"] and text[s["start"]:s["end"]] == s["text"], (ev["id"], s)
    for q in obj["quotes"]:
        s = q["span"]
        assert text[s["start"]:s["end"]] == s["text"], (q["id"], s)
    for e in obj["entities"]:
        if e["start"] is not None and e["end"] is not None:
            assert text[e["start"]:e["end"]] == e["text"], e


def test_hand_built_spans_are_exact():
    check_spans(full_result().to_dict())


def _extract(args: list[str]) -> list[dict]:
    res = CliRunner().invoke(main, ["extract", *args])
    assert res.exit_code == 0, res.output
    return [json.loads(line) for line in res.stdout.splitlines() if line.strip()]


@pytest.mark.skipif(not SEEDS.exists(), reason="shared/seeds not available")
def test_real_extract_output_validates():
    lines = _extract([str(SEEDS), "--no-events"])
    assert len(lines) == 5
    for obj in lines:
        assert errors(obj) == [], obj["article"]["id"]
        assert obj["events"] == [] and obj["article"]["text"].strip()
        check_spans(obj)
    # the .txt seeds give the same articles' text (same contract)
    txt = sorted((SHARED / "seeds").glob("*.txt"))
    for obj in _extract([str(p) for p in txt] + ["--no-events"]):
        assert errors(obj) == []


@pytest.mark.skipif(not SEEDS.exists(), reason="shared/seeds not available")
def test_real_extract_with_events_validates():
    lines = _extract([str(SEEDS)])
    assert len(lines) == 5
    for obj in lines:
        assert errors(obj) == [], (obj["article"]["id"], errors(obj)[:3])
        check_spans(obj)
    assert sum(len(o["events"]) for o in lines) > 0
