"""The day's dot products (vectors.DayProducts) and the batch idf: the same bits as the plain scipy / dense
computations they replace (so that stories do not change with the speed-up)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import scipy.sparse as sp

from pantau.stories.vectors import N_CTY, N_TTL, DayProducts, HashedTfidf, binary, cols

N = 2**18
HALF, TTL, NCTY = N // 2, N - N_CTY - N_TTL, N - N_CTY


def _rows(rng: np.random.Generator, k: int) -> sp.csr_matrix:
    """``k`` article-like rows: words, names, headline and country columns, float32 values."""
    rows = [np.unique(np.concatenate([rng.integers(0, 3000, 120), rng.integers(HALF, HALF + 800, 40),
                                      rng.integers(TTL, TTL + 300, 8), rng.integers(NCTY, NCTY + 12, 1)]))
            for _ in range(k)]
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    data = rng.random(int(indptr[-1])).astype(np.float32)
    return sp.csr_matrix((data, np.concatenate(rows), indptr), shape=(k, N))


def _scipy_products(xd: sp.csr_matrix, members: sp.csr_matrix | None, df: np.ndarray,
                    rare: float) -> dict[str, np.ndarray]:
    """The products as the clusterer computed them before DayProducts (one scipy product per part)."""
    xt, xe, xh = cols(xd, 0, HALF), cols(xd, HALF, TTL), cols(xd, TTL, NCTY)
    xc = binary(cols(xd, NCTY, N))
    xeb = binary(xe)
    xer = xeb.copy()
    xer.data = (df[xer.indices] <= rare).astype(xer.data.dtype)
    xer.eliminate_zeros()
    out = {"st_day": (xt @ xt.T).toarray(), "se_day": (xe @ xe.T).toarray(),
           "sr_day": (xer @ xeb.T).toarray(),
           "sh_day": (xh @ xh.T).toarray(), "sc_day": (xc @ xc.T).toarray() > 0,
           "has_c": np.diff(xc.indptr) > 0, "has_e": np.diff(xe.indptr) > 0}
    if members is not None:
        mem_c = binary(cols(members, NCTY, N))
        out.update({"st_prev": (xt @ members.T).toarray(), "se_prev": (xe @ members.T).toarray(),
                    "sr_prev": (xer @ binary(cols(members, HALF, TTL)).T).toarray(),
                    "sh_prev": (xh @ cols(members, TTL, NCTY).T).toarray(),
                    "sc_prev": (xc @ mem_c.T).toarray() > 0, "mhas_c": np.diff(mem_c.indptr) > 0})
    return out


def test_day_products_are_bit_identical_to_the_scipy_products() -> None:
    """Thin days, a day longer than one block of articles, a day with no active story."""
    rng = np.random.default_rng(7)
    df = rng.random(N) * 6.0
    for k, m in ((1, 5), (12, 40), (DayProducts.BLOCK + 37, 300), (9, 0)):
        xd = _rows(rng, k)
        members = _rows(rng, m) if m else None
        got = DayProducts(xd, members, df, 3.0, (HALF, TTL, NCTY))
        for name, want in _scipy_products(xd, members, df, 3.0).items():
            have = getattr(got, name)
            assert have.dtype == want.dtype and have.shape == want.shape, name
            assert np.array_equal(have, want), (name, k, m)
        if members is None:
            assert got.st_prev.shape == (k, 0) and got.mhas_c.shape == (0,)
        # the stacked float64 columns the clusterer sums and maximises per story
        w_prev, w_day = got.weights()
        assert w_prev.shape == (k, m, 6) and w_day.shape == (k, k, 6)
        assert np.array_equal(w_prev[..., 2], got.st_prev) and np.array_equal(w_day[..., 5], got.sh_day)
        assert np.array_equal(w_prev[..., 1], np.broadcast_to(got.mhas_c, (k, m)))
        assert np.array_equal(w_day[..., 0], got.sc_day)


def test_the_batch_idf_equals_the_dense_idf() -> None:
    """The df is updated and the idf taken for the batch's columns only; the vectors and the df are those of
    the dense computation over all 2^18 columns (a day's decay in between)."""
    rng = np.random.default_rng(3)
    vocab = [f"w{i}" for i in range(5000)]
    tf = HashedTfidf(N, 30.0)
    day = date(2021, 3, 1)
    for _ in range(6):
        day += timedelta(days=1)
        tf.decay_to(day)
        feats = [{"text": list(rng.choice(vocab, 80)), "ent": list(rng.choice(vocab[:400], 6)),
                  "title": list(rng.choice(vocab, 4)), "cty": ["USA"] if rng.random() < 0.5 else []}
                 for _ in range(20)]
        df0, n0 = tf.df.copy(), tf.n_docs
        x = tf.vectorize(feats)
        raw = sp.hstack([tf.vectorizer.transform([f["text"] for f in feats]),
                         tf.ent_vectorizer.transform([f["ent"] for f in feats]),
                         tf.ttl_vectorizer.transform([f["title"] for f in feats]),
                         tf.cty_vectorizer.transform([f["cty"] for f in feats])], format="csr")
        raw.sum_duplicates()
        present = raw.copy()
        present.data[:] = 1.0
        df = df0 + np.asarray(present.sum(axis=0)).ravel()
        idf = np.log((n0 + len(feats) + 1.0) / (df + 1.0)) + 1.0
        assert np.array_equal(tf.df, df)
        vals = np.log1p(raw.data) * idf[raw.indices]
        assert np.array_equal(x.indices, raw.indices)
        part = (raw.indices >= HALF).astype(int) + (raw.indices >= TTL) + (raw.indices >= NCTY)
        rows = np.repeat(np.arange(raw.shape[0]), np.diff(raw.indptr))
        sq = np.zeros((raw.shape[0], 4))
        np.add.at(sq, (rows, part), vals ** 2)
        sq[sq == 0] = 1.0
        assert np.array_equal(x.data, (vals / np.sqrt(sq[rows, part])).astype(np.float32))
