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
        # document frequencies of the batch's columns (counts added once each: the same float64 sums as a
        # dense column count) and the idf of those columns only (not all 2^18 of them, every day)
        used, counts = np.unique(x.indices, return_counts=True)
        self.df[used] += counts
        self.n_docs += len(feats)
        idf = np.log((self.n_docs + 1.0) / (self.df[x.indices] + 1.0)) + 1.0
        x.data = np.log1p(x.data) * idf
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


class DayProducts:
    """The dot products of one day's article vectors with the active stories' member vectors and with each
    other, per part: words, names, headline (TF-IDF cosines), rare names and countries (counts of shared
    columns).

    Why not ten scipy products: each ``a @ b.T`` turned its transposed operand back into CSR through all
    2^18 column pointers, and the parts were cut with one sparse copy each (a fifth of the whole corpus's
    clustering time went to that bookkeeping). For a block of the day's articles only the columns they use
    can give a non-zero product, so the other side is renumbered to those columns and the block is made
    dense: one sparse x dense product per side (blocks of ``BLOCK`` articles keep the dense part small).
    The values are bit-identical to the scipy products: both add, in float32 and in ascending column order,
    the same products of the same float32 values (the dense side adds exact zeros in between, which leave
    a float unchanged); the binary parts are small integers."""

    BLOCK = 64

    def __init__(self, xd: sp.csr_matrix, members: sp.csr_matrix | None, df: np.ndarray, rare: float,
                 bounds: tuple[int, int, int]) -> None:
        """``xd``: the day's rows (k x n, sorted column indices); ``members``: the member rows (m x n) or
        None; ``df``: the decayed document frequencies (a name with df <= ``rare`` is rare); ``bounds``:
        the first column of the names, headline and country parts."""
        k = xd.shape[0]
        half, ttl, ncty = bounds
        ind = xd.indices
        val = xd.data.astype(np.float32)
        part = (ind >= half).astype(np.int64) + (ind >= ttl) + (ind >= ncty)  # 0 words .. 3 countries
        rare_name = (part == 1) & (df[ind] <= rare)
        country = part == 3
        self.has_c = _row_any(country, xd.indptr)  # the article names a country
        self.has_e = _row_any(part == 1, xd.indptr)  # ... a name
        self.mhas_c = np.zeros(0, dtype=bool) if members is None else \
            _row_any(members.indices >= ncty, members.indptr)  # members naming a country
        m = 0 if members is None else members.shape[0]
        day = np.zeros((k, 3 * k), dtype=np.float32)
        sr_day = np.zeros((k, k), dtype=np.float32)
        sc_day = np.zeros((k, k), dtype=np.float32)
        prev = np.zeros((3 * k, m), dtype=np.float32)
        prev_b = np.zeros((2 * k, m), dtype=np.float32)
        for r0 in range(0, k, self.BLOCK):
            r1 = min(k, r0 + self.BLOCK)
            b = r1 - r0
            lo, hi = xd.indptr[r0], xd.indptr[r1]
            used = np.unique(ind[lo:hi])
            c = len(used)
            rows = np.repeat(np.arange(b), np.diff(xd.indptr[r0:r1 + 1]))
            pos = np.searchsorted(used, ind[lo:hi])
            bp, bv = part[lo:hi], val[lo:hi]
            # the block, dense and transposed: columns t | e | h (values), then er | c | eb (presence)
            w = np.zeros((c, 6 * b), dtype=np.float32)
            sel = bp < 3
            w[pos[sel], bp[sel] * b + rows[sel]] = bv[sel]
            sel = rare_name[lo:hi]
            w[pos[sel], 3 * b + rows[sel]] = 1.0
            sel = country[lo:hi]
            w[pos[sel], 4 * b + rows[sel]] = 1.0
            sel = bp == 1
            w[pos[sel], 5 * b + rows[sel]] = 1.0
            # every article of the day against the block: all of a block article's columns are in ``used``
            xpos, hit, xptr = _onto(ind, xd.indptr, used)
            xv = sp.csr_matrix((val[hit], xpos, xptr), shape=(k, c))
            d = np.asarray(xv @ w[:, :3 * b])  # float32, in each day row's ascending column order
            for q in range(3):
                day[:, q * k + r0:q * k + r1] = d[:, q * b:(q + 1) * b]
            ones = np.ones(len(xpos), dtype=np.float32)
            xr = sp.csr_matrix((ones * rare_name[hit], xpos, xptr), shape=(k, c))
            sr_day[:, r0:r1] = np.asarray(xr @ w[:, 5 * b:])  # rare names of i shared with any name of j
            xc = sp.csr_matrix((ones * country[hit], xpos, xptr), shape=(k, c))
            sc_day[:, r0:r1] = np.asarray(xc @ w[:, 4 * b:5 * b])
            if members is None or not m:
                continue
            mpos, mhit, mptr = _onto(members.indices, members.indptr, used)
            mv = sp.csr_matrix((members.data[mhit].astype(np.float32), mpos, mptr), shape=(m, c))
            p = np.asarray(mv @ w[:, :3 * b]).T  # the members' columns ascending, as scipy's order
            for q in range(3):
                prev[q * k + r0:q * k + r1] = p[q * b:(q + 1) * b]
            mb = sp.csr_matrix((np.ones(len(mpos), dtype=np.float32), mpos, mptr), shape=(m, c))
            pb = np.asarray(mb @ w[:, 3 * b:5 * b]).T
            prev_b[r0:r1] = pb[:b]
            prev_b[k + r0:k + r1] = pb[b:]
        self.st_day, self.se_day, self.sh_day = day[:, :k], day[:, k:2 * k], day[:, 2 * k:]
        self.sr_day, self.sc_day = sr_day, sc_day > 0
        if members is None:
            m0 = np.zeros((k, 0))
            self.st_prev = self.se_prev = self.sh_prev = self.sr_prev = m0
            self.sc_prev = m0 > 0
            return
        self.st_prev, self.se_prev, self.sh_prev = prev[:k], prev[k:2 * k], prev[2 * k:]
        self.sr_prev, self.sc_prev = prev_b[:k], prev_b[k:] > 0

    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Per day article, the columns the clusterer sums and maximises per story (shared country,
        candidate names a country, words, names, rare names, headline): against every member (k x m x 6)
        and against every day article (k x k x 6). One array, so that an article's sums and maxima per story
        are two ``ufunc.at`` calls into float64 (the same float64 additions, in the same order, as one
        ``bincount`` per column). float32 holds every value exactly (the products are float32, the rest
        small counts)."""
        k, m = self.st_prev.shape
        prev = np.stack([self.sc_prev, np.broadcast_to(self.mhas_c, (k, m)), self.st_prev, self.se_prev,
                         self.sr_prev, self.sh_prev], axis=-1).astype(np.float32, copy=False)
        day = np.stack([self.sc_day, np.broadcast_to(self.has_c, (k, k)), self.st_day, self.se_day,
                        self.sr_day, self.sh_day], axis=-1).astype(np.float32, copy=False)
        return prev, day


def _row_any(flags: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Per CSR row: does any of its stored entries have the flag?"""
    return np.diff(np.concatenate([[0], np.cumsum(flags)])[indptr]) > 0


def _onto(indices: np.ndarray, indptr: np.ndarray, used: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A CSR matrix's entries renumbered onto the sorted columns ``used``: (new column of each kept entry,
    which entries are kept, the new row pointers); entries in other columns are dropped."""
    if not len(used):
        return np.zeros(0, dtype=np.int64), np.zeros(len(indices), dtype=bool), np.zeros_like(indptr)
    pos = np.minimum(np.searchsorted(used, indices), len(used) - 1)
    hit = used[pos] == indices
    return pos[hit], hit, np.concatenate([[0], np.cumsum(hit)])[indptr]
