"""Hashed article vectors for story clustering: four unit-length TF-IDF parts over a decayed idf.

Why hashed columns and a decayed document frequency: clustering is online (a day at a time) and must
resume from the database exactly where it stopped, so the vocabulary cannot be fixed in advance and the
idf is a sliding window (document frequencies halved every ``idf_half_life_days``): the words of the story
of the week lose weight while it dominates. The parts, in disjoint column ranges, are compared separately
(features.py): content words ``[0, half)``, names, KB actors and places ``[half, ttl)``, the headline's
root lemmas ``[ttl, n - N_CTY)``, the foreign countries the rest.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

N_CTY = 4096  # hashed columns reserved for country codes
N_TTL = 16384  # hashed columns reserved for the title's root lemmas
LAYOUT = 3  # version of the vector column layout (words | names | title | countries) in story_meta


def _identity(tokens: list[str]) -> list[str]:
    return tokens


class HashedTfidf:
    """The vectoriser and its decayed document frequencies (the state kept in ``story_meta``)."""

    def __init__(self, n_features: int, half_life_days: float) -> None:
        self.n_features = n_features
        self.half_life_days = half_life_days
        # column ranges: words [0, half), names and places [half, ttl), title [ttl, n - N_CTY),
        # countries the rest
        self.half = n_features // 2
        self.ttl = n_features - N_CTY - N_TTL
        self.vectorizer = HashingVectorizer(
            n_features=self.half, analyzer=_identity, alternate_sign=False, norm=None
        )
        self.ent_vectorizer = HashingVectorizer(
            n_features=self.ttl - self.half, analyzer=_identity, alternate_sign=False, norm=None,
        )
        self.ttl_vectorizer = HashingVectorizer(
            n_features=N_TTL, analyzer=_identity, alternate_sign=False, norm=None
        )
        self.cty_vectorizer = HashingVectorizer(
            n_features=N_CTY, analyzer=_identity, alternate_sign=False, norm=None
        )
        self.df = np.zeros(n_features, dtype=np.float64)
        self.n_docs = 0.0
        self.df_day: date | None = None
        self._base: np.ndarray | None = None  # the float32 df as stored in story_meta's 'df' row

    def load(self, con: Any) -> bool:
        """Read the document frequencies back from ``story_meta``; False when none were stored or they were
        written with another column layout (then the stored member vectors cannot be compared either)."""
        got = dict(con.execute(
            "SELECT key, value FROM story_meta WHERE key IN ('df', 'df_delta', 'meta')").fetchall())
        if "df" not in got or "meta" not in got:
            return False
        meta = json.loads(got["meta"])
        base = _unpack(got["df"], self.n_features)
        # vectors written with another column layout cannot be compared: start them afresh
        same_layout = meta.get("layout") == LAYOUT
        if base is not None and same_layout:
            df = base.copy()
            idx, val = _pairs(got.get("df_delta") or b"")
            df[idx] = val
            self.df = df.astype(np.float64)
            self._base = base
            self.n_docs = meta["n_docs"]
            self.df_day = date.fromisoformat(meta["day"]) if meta["day"] else None
        return same_layout

    def meta_rows(self) -> list[tuple[str, bytes]]:
        """The ``story_meta`` rows that let a later run continue with the same idf.

        Why a base and a delta: the df has 2^18 columns (1 MB as float32) and the watcher flushes after
        every small batch. Within a day (no decay) a batch changes only the columns of its own words, so
        a flush writes the columns changed since the base (``df_delta``); the base (``df``: its non-zero
        columns, or all of them when most are non-zero) is rewritten when the delta would pass a quarter
        of it, e.g. after the daily decay. Either way the stored values are the float32 df of now."""
        meta = {"n_docs": self.n_docs, "day": self.df_day.isoformat() if self.df_day else None,
                "layout": LAYOUT}
        meta_row = ("meta", json.dumps(meta).encode())
        cur = self.df.astype("<f4")
        if self._base is not None and len(self._base) == len(cur):
            changed = np.flatnonzero(cur != self._base)
            if len(changed) <= max(_DELTA_MIN, np.count_nonzero(self._base) // 4):
                return [("df_delta", _pack(changed, cur[changed])), meta_row]
        self._base = cur
        nz = np.flatnonzero(cur)
        base = _pack(nz, cur[nz]) if 2 * len(nz) < len(cur) else cur.tobytes()
        return [("df", base), ("df_delta", b""), meta_row]

    def decay_to(self, day: date | None) -> None:
        """Age the document frequencies to ``day`` (half-life ``half_life_days``)."""
        if day is None or self.df_day is None:
            self.df_day = day or self.df_day
            return
        delta = (day - self.df_day).days
        if delta > 0:
            f = 0.5 ** (delta / self.half_life_days)
            self.df *= f
            self.n_docs *= f
            self.df_day = day

    def vectorize(self, feats: list[dict[str, list[str]]]) -> sp.csr_matrix:
        """Rows with unit-length TF-IDF parts in disjoint column ranges: words, names + places, headline,
        countries (the last ``N_CTY`` columns). The df of this batch is added first (a new word gets
        df >= 1)."""
        half, n = self.half, self.n_features
        xt = self.vectorizer.transform([f["text"] for f in feats]).tocsr()
        xe = self.ent_vectorizer.transform([f["ent"] for f in feats]).tocsr()
        xh = self.ttl_vectorizer.transform([f["title"] for f in feats]).tocsr()
        xc = self.cty_vectorizer.transform([f["cty"] for f in feats]).tocsr()
        x = sp.hstack([xt, xe, xh, xc], format="csr")
        assert x.shape[1] == n
        x.sum_duplicates()
        present = x.copy()
        present.data[:] = 1.0
        self.df += np.asarray(present.sum(axis=0)).ravel()
        self.n_docs += len(feats)
        idf = np.log((self.n_docs + 1.0) / (self.df + 1.0)) + 1.0
        x.data = np.log1p(x.data) * idf[x.indices]
        # normalise each part to unit length
        part = (x.indices >= half).astype(np.int64) + (x.indices >= self.ttl) + (x.indices >= n - N_CTY)
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        sq = np.zeros((x.shape[0], 4))
        np.add.at(sq, (rows, part), x.data ** 2)
        sq[sq == 0] = 1.0
        x.data = x.data / np.sqrt(sq[rows, part])
        return x.astype(np.float32)


_DELTA_MIN = 4096  # a delta of up to this many columns never forces the base to be rewritten


def _pack(idx: np.ndarray, val: np.ndarray) -> bytes:
    """Sparse columns as one blob: int32 indices, then float32 values."""
    return idx.astype("<i4").tobytes() + val.astype("<f4").tobytes()


def _pairs(blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The (indices, values) of a :func:`_pack` blob."""
    m = len(blob) // 8
    return np.frombuffer(blob[:4 * m], dtype="<i4"), np.frombuffer(blob[4 * m:], dtype="<f4")


def _unpack(blob: bytes, n: int) -> np.ndarray | None:
    """A stored base df: dense (n float32, as older stores wrote it) or sparse (fewer than n / 2 pairs);
    None when it has another number of columns."""
    if len(blob) == 4 * n:
        return np.frombuffer(blob, dtype="<f4").copy()
    if len(blob) % 8 or len(blob) >= 4 * n:
        return None
    out = np.zeros(n, dtype="<f4")
    idx, val = _pairs(blob)
    if len(idx) and (idx.min() < 0 or idx.max() >= n):
        return None
    out[idx] = val
    return out


def cols(x: sp.csr_matrix, lo: int, hi: int) -> sp.csr_matrix:
    """The same matrix with only the columns in [lo, hi) kept (shape unchanged)."""
    x = x.tocsr()
    keep = (x.indices >= lo) & (x.indices < hi)
    out = x.copy()
    out.data = np.where(keep, out.data, 0).astype(out.data.dtype)
    out.eliminate_zeros()
    return out


def binary(x: sp.csr_matrix) -> sp.csr_matrix:
    """The same sparsity pattern with every stored value 1 (presence)."""
    out = x.copy()
    out.data = np.ones_like(out.data)
    return out


def sq_norms(x: sp.csr_matrix) -> np.ndarray:
    """Squared Euclidean norm of each row."""
    return np.asarray(x.multiply(x).sum(axis=1), dtype=np.float64).ravel()


def from_rows(items: list[tuple[bytes, bytes]], n_features: int) -> sp.csr_matrix:
    """A CSR matrix from stored ``(idx, val)`` blobs (``story_vectors``), one row each."""
    rows_i, col, vals = [], [], []
    for r, (idx, val) in enumerate(items):
        ii = np.frombuffer(idx, dtype="<i4")
        rows_i.append(np.full(len(ii), r))
        col.append(ii)
        vals.append(np.frombuffer(val, dtype="<f4"))
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows_i), np.concatenate(col))),
        shape=(len(items), n_features),
    )
