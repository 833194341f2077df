"""MinHash signatures: the folded Mersenne-prime modulo gives the values of the plain ``%`` (stored
signatures in ``article_signatures`` and every duplicate decision stay as they were)."""

from __future__ import annotations

import numpy as np

from pantau.stories import dedup


def _plain(hv: np.ndarray, num_perm: int) -> np.ndarray:
    a, b = dedup._permutations(num_perm)
    ph = ((hv[:, None] * a[None, :] + b[None, :]) % dedup._PRIME) & dedup._MAX32
    return ph.min(axis=0).astype(np.uint32)


def test_signature_values_equal_the_plain_modulo(monkeypatch) -> None:
    rng = np.random.default_rng(31)
    cases = [np.array([0, 1, 2**31, 2**32 - 1, 12345], dtype=np.uint64)]
    cases += [np.unique(rng.integers(0, 2**32, int(rng.integers(1, 3000)), dtype=np.uint64))
              for _ in range(60)]
    for hv in cases:
        monkeypatch.setattr(dedup, "shingle_hashes", lambda toks, k, hv=hv: hv)
        monkeypatch.setitem(dedup.config()["dedup"], "min_shingles", 1)
        for num_perm in (16, 64, 128):
            got = dedup.signature(None, num_perm, toks=["x"])
            assert got is not None and got.dtype == np.uint32
            assert np.array_equal(got, _plain(hv, num_perm))
