"""The NER's name tables read from ``models/gazetteer_tables.npz`` equal those computed from the gazetteer."""

from __future__ import annotations

import numpy
import pytest

from pantau import nlp
from pantau.nlp import name_features

needs_gazetteer = pytest.mark.skipif(not nlp.GAZETTEER.is_file(), reason="no gazetteer shipped")


@needs_gazetteer
def test_saved_tables_are_current_and_equal_the_computed_ones() -> None:
    cached = name_features._cached()
    assert cached is not None, "refresh with: python -m pantau.nlp.name_features"
    assert name_features.name_lengths() == name_features._name_lengths()
    shares, computed = name_features._word_shares(), name_features._compute_shares()
    assert shares.keys() == computed.keys()
    assert all(shares[w].dtype == numpy.float32 and (shares[w] == computed[w]).all() for w in computed)


def test_tables_from_another_gazetteer_are_not_used(tmp_path, monkeypatch) -> None:
    """A table file made from another gazetteer is ignored (the tables are computed instead)."""
    path = tmp_path / "tables.npz"
    numpy.savez_compressed(
        path, digest=numpy.array("0" * 64), length_words=name_features._text_array(["x"]),
        lengths=numpy.array([9], dtype="uint16"), share_words=name_features._text_array([]),
        shares=numpy.zeros((0, 3), "float32"),
    )
    monkeypatch.setattr(name_features, "TABLES", path)
    name_features._cached.cache_clear()
    try:
        assert name_features._cached() is None
    finally:
        name_features._cached.cache_clear()


@needs_gazetteer
def test_gazetteer_tables_equal_a_plain_read_of_the_file() -> None:
    """The saved gazetteer tables (``pantau.cache``) hold what reading the TSV gives, in file order."""
    import gzip

    with gzip.open(nlp.GAZETTEER, "rt", encoding="utf-8") as fh:
        rows = (line.rstrip("\n").split("\t") for line in fh if not line.startswith("#"))
        plain = {r[0]: r[1] for r in rows if len(r) == 2}
    table, words, given = nlp._gazetteer_tables()
    assert list(table.items()) == list(plain.items())
    persons = [n for n, label in plain.items() if label == "PER"]
    assert words == {w for n in persons for w in n.split()}
    assert given == nlp.given_names() == {n.split()[0] for n in persons if " " in n}
