"""Fuzz and hostile-input suite: random and malicious input through ingest, clean and extract.

Properties (issue 20): no exception escapes; every input record becomes a Result or
an IngestError; every Result validates against ``output.schema.json``, serialises
as UTF-8 and holds no control characters; every evidence and quote span is exact
(``article.text[start:end] == text``). Sizes are kept small and example counts
bounded so the whole file runs in well under a minute.
"""

from __future__ import annotations

import io
import json
import re
import sys
import tempfile
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pantau.clean import clean_article
from pantau.ingest import KNOWN_EXT, read_inputs
from pantau.pipeline import process_all
from pantau.records import IngestError, RawRecord, Result

SCHEMA = json.loads(resources.files("pantau").joinpath("schema/output.schema.json").read_text("utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
_BASE = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True, database=None)


def fast(n: int) -> settings:
    """Few, reproducible examples without a deadline: the suite stays well under a minute."""
    return settings(_BASE, max_examples=n)


# characters that broke or could break a stage: lone surrogates, controls, bidi overrides, line
# separators, BOM, mojibake pairs, combining marks, markup and JSON metacharacters
HOSTILE = [
    "\ud800", "\udfff", "\x00", "\x1b", "\x07", "\x7f", "\x85", "\u202e", "\u202a", "\u2066", "\u2028",
    "\u2029", "\ufeff", "\u200b", "\r", "\r\n", "\t", "\x0b", "\x0c", "\xa0", "Ã©", "â€œ", "\u0301", "<",
    ">", "&amp;", "\\", '"', "“", "”", "\n\n", "\U0001f600", "\ufffd",
]  # fmt: skip
CHARS = st.one_of(st.characters(), st.sampled_from(HOSTILE))
# words of made-up Indonesian news sentences, so that the NLP and event stages have work to do
WORDS = [
    "Presiden", "Menteri", "Luar", "Negeri", "Indonesia", "Rusia", "Ukraina", "Amerika", "Serikat", "Polisi",
    "menyerang", "mengecam", "menangkap", "bertemu", "membantu", "menolak", "mengancam", "sanksi", "kepada",
    "terhadap", "dengan", "di", "Jakarta", "Kyiv", "pada", "Senin", "kemarin", "kata", "ujar", "dia", ".",
    ",", "“", "”", "Baca", "juga:", "KOMPAS.com", "-", "demonstran", "pasukan", "tentara", "warga", "2024",
]  # fmt: skip


def text(max_size: int = 80) -> st.SearchStrategy[str]:
    return st.lists(CHARS, max_size=max_size).map("".join)


def news(max_words: int = 60) -> st.SearchStrategy[str]:
    """Indonesian-looking sentences with hostile characters between the words."""
    token = st.one_of(st.sampled_from(WORDS), st.sampled_from(WORDS), st.sampled_from(HOSTILE), text(4))
    return st.lists(token, min_size=1, max_size=max_words).map(" ".join)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text(30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text(5), inner, max_size=3),
    max_leaves=6,
)
FIELDS = ("id", "text", "html", "title", "url", "published", "date", "outlet", "content", "body")
RECORDS = st.dictionaries(
    st.sampled_from(FIELDS), st.one_of(JSON_VALUES, news(20), text(60)), max_size=len(FIELDS)
)


def _controls(s: str) -> bool:
    return bool(re.search("[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]", s))


def check_result(result: Result) -> None:
    """The output contract holds and every span is exact."""
    out = result.to_dict()
    errors = sorted(VALIDATOR.iter_errors(out), key=str)
    assert not errors, errors[0].message
    json.dumps(out, ensure_ascii=False).encode("utf-8")  # no unpaired surrogate anywhere
    art = result.article
    assert not _controls(art.text) and not _controls(art.title or "")
    for ev in result.events:
        for span in ev.evidence:
            assert art.text[span.start : span.end] == span.text
    for q in result.quotes:
        assert art.text[q.span.start : q.span.end] == q.span.text


def check_stream(items: list[RawRecord | IngestError], *, with_events: bool) -> list[Result | IngestError]:
    out = list(process_all(items, with_events=with_events))
    assert len(out) == len(items)  # one outcome per record, in order
    for item, res in zip(items, out, strict=True):
        assert isinstance(res, Result | IngestError)
        if isinstance(item, IngestError):
            assert res is item
        if isinstance(res, Result):
            check_result(res)
        else:
            assert "internal error" not in res.message, res
    return out


# --------------------------------------------------------------------------- ingest


@fast(80)
@given(st.lists(st.one_of(RECORDS.map(lambda r: ("obj", r)), text(40).map(lambda t: ("raw", t))), max_size=8))
def test_jsonl_of_random_values(lines):
    """Random JSON values in every field, and garbage lines, in a JSONL file: one outcome per object line."""
    data = b"".join(
        (json.dumps(v) if kind == "obj" else v).encode("utf-8", "surrogatepass").replace(b"\n", b" ") + b"\n"
        for kind, v in lines
    )
    with tempfile.TemporaryDirectory() as tmp:  # a file: stdin would sniff a garbage first line as text
        p = Path(tmp) / "fuzz.jsonl"
        p.write_bytes(data)
        items = list(read_inputs([str(p)]))
    assert all(isinstance(x, RawRecord | IngestError) for x in items)
    numbered = [x.line for x in items if x.line is not None]
    assert len(numbered) == len(set(numbered))  # never two outcomes for one line
    objects = {n for n, (kind, _) in enumerate(lines, 1) if kind == "obj"}
    whole_file = [x for x in items if isinstance(x, IngestError) and x.line is None]
    assert objects <= set(numbered) or whole_file, items  # or the file as a whole was refused (binary)
    for rec in items:
        if isinstance(rec, RawRecord):
            for value in (rec.id, rec.text, rec.html, rec.title, rec.url, rec.outlet, rec.published):
                assert value is None or isinstance(value, str) and not re.search("[\ud800-\udfff]", value)
    check_stream(items, with_events=False)


@fast(60)
@given(
    st.sampled_from([*KNOWN_EXT, ".dat", ""]),
    st.one_of(
        st.binary(max_size=3000),
        text(300).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.tuples(st.sampled_from(["utf-16", "utf-32", "utf-8-sig", "cp1252"]), news(40)).map(
            lambda e: e[1].encode(e[0], "replace")
        ),
    ),
)
def test_random_bytes_in_any_file_type(ext, data):
    """Any bytes under any extension: records or errors, never an exception; also read as stdin."""
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / f"input{ext}"
        p.write_bytes(data)
        for items in (list(read_inputs([str(p)])), list(read_inputs(["-"], stdin=io.BytesIO(data)))):
            assert items and all(isinstance(x, RawRecord | IngestError) for x in items)
            assert all("internal error" not in x.message for x in items if isinstance(x, IngestError))
            check_stream(items[:3], with_events=False)


# --------------------------------------------------------------------------- clean


@fast(100)
@given(news(80), st.one_of(st.none(), text(40)))
def test_clean_random_text(body, title):
    """Cleaning never fails other than with a ValueError and leaves final, control-free text."""
    raw = RawRecord(source="fuzz", id="f", title=title, text=body)
    (rec,) = list(read_inputs(["-"], stdin=io.StringIO(json.dumps(raw.__dict__))))
    if isinstance(rec, IngestError):
        return
    try:
        art = clean_article(rec)
    except ValueError:
        return
    check_result(Result(art))


TAGS = ["div", "span", "p", "article", "section", "b", "a", "table", "td", "li", "font", "x-y"]


@st.composite
def pages(draw: st.DrawFn) -> str:
    depth = draw(st.sampled_from([0, 5, 100, 300, 1500]))
    tag = draw(st.sampled_from(TAGS))
    paras = draw(st.lists(news(30), min_size=0, max_size=4))
    inner = "".join(f"<p>{p}</p>" for p in paras) + draw(text(40))
    close = draw(st.booleans())
    return (
        f"<html><head><title>{draw(text(20))}</title></head><body>"
        + f"<{tag}>" * depth + inner + (f"</{tag}>" * depth if close else "") + "</body></html>"
    )


@fast(30)
@given(pages())
def test_clean_random_html(page):
    """Random and deeply nested pages: an Article with exact text or a ValueError."""
    (rec,) = list(read_inputs(["-"], stdin=io.StringIO(page)))
    if isinstance(rec, IngestError):
        return
    try:
        art = clean_article(rec)
    except ValueError:
        return
    check_result(Result(art))


# --------------------------------------------------------------------------- extract (NLP + events)


@fast(20)
@given(st.lists(news(70), min_size=1, max_size=4))
def test_extract_random_news(bodies):
    """The whole pipeline on hostile Indonesian-looking text: schema-valid results, exact spans."""
    items: list[RawRecord | IngestError] = [
        RawRecord(source="fuzz.jsonl", line=i, id=f"f{i}", text=b) for i, b in enumerate(bodies, 1)
    ]
    items = [x for it in items for x in read_inputs(["-"], stdin=io.StringIO(json.dumps(it.__dict__)))]
    check_stream(items, with_events=True)


# --------------------------------------------------------------------------- huge and nested


@pytest.mark.parametrize(
    "payload",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"text": ' + "[" * 50_000 + "]" * 50_000 + "}",
        '{"id": "x", "text": "' + "a" * 400_000 + '"}',
        '{"id": "x", "html": "' + "<div>" * 20_000 + "isi" + '"}',
        "\x00" * 10_000,
        "\n" * 100_000,
    ],
    ids=["deep-list", "deep-field", "huge-text", "deep-html", "nul", "blank-lines"],
)
def test_huge_and_nested_inputs(payload):
    limit = sys.getrecursionlimit()
    items = list(read_inputs(["-"], stdin=io.StringIO(payload)))
    assert items and all(isinstance(x, RawRecord | IngestError) for x in items)
    check_stream(items, with_events=False)
    assert sys.getrecursionlimit() == limit
