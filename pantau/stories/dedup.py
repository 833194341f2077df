"""Near-duplicate and syndication detection with MinHash LSH (datasketch).

Why: outlets republish each other (detik carries DW/BBC/ABC; Tribunnews carries Kompas). A copy
is not an independent source, so every later count (story outlets, canonical event sources,
the escalation index weight) goes through the chain built here: each duplicate points to the
root article that the others copy.

Signatures are word-shingle MinHashes computed with numpy (same permutation scheme as
datasketch, CRC32 shingle hashes so they are stable across processes) and indexed in a
``datasketch.MinHashLSH`` that holds only the last ``window_days`` of articles.
"""

from __future__ import annotations

import zlib
from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from datasketch import MinHashLSH

from pantau.stories.common import config, outlet_key, strip_furniture, via_key, words

_PRIME = np.uint64((1 << 61) - 1)
_MAX32 = np.uint64((1 << 32) - 1)


def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    gen = np.random.RandomState(1)
    a = gen.randint(1, int(_PRIME), size=num_perm, dtype=np.uint64)
    b = gen.randint(0, int(_PRIME), size=num_perm, dtype=np.uint64)
    return a, b


_PERMS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


_WORD_HASH: dict[str, int] = {}


def _word_hashes(toks: list[str]) -> np.ndarray:
    cache = _WORD_HASH
    if len(cache) > 20_000:  # bounded memory over long runs
        cache.clear()
    for t in set(toks).difference(cache):  # words not seen before: hashed once
        cache[t] = zlib.crc32(t.encode("utf-8"))
    hs = list(map(cache.__getitem__, toks))
    return np.array(hs, dtype=np.uint64)


def shingle_hashes(toks: list[str], k: int) -> np.ndarray:
    """32-bit hashes of the distinct word k-shingles (a polynomial of the words' CRC32)."""
    if len(toks) < k:
        return np.zeros(0, dtype=np.uint64)
    h = _word_hashes(toks)
    n = len(toks) - k + 1
    acc = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        acc = acc * np.uint64(1_000_003) + h[j : j + n]
    return np.unique(acc & _MAX32)


def shingles(text: str, k: int) -> set[str]:
    """Word k-shingles of the text with furniture lines removed (for inspection and tests)."""
    toks = words(strip_furniture(text))
    return {" ".join(toks[i : i + k]) for i in range(max(0, len(toks) - k + 1))}


def signature(
    text: str | None, num_perm: int | None = None, k: int | None = None, *, toks: list[str] | None = None
) -> np.ndarray | None:
    """MinHash hash values (uint32 array) of the text, or None if it is too short to judge.

    ``toks``: the words of the furniture-stripped text when the caller already has them."""
    cfg = config()["dedup"]
    num_perm = num_perm or cfg["num_perm"]
    if toks is None:
        toks = words(strip_furniture(text or ""))
    hv = shingle_hashes(toks, k or cfg["shingle"])
    if len(hv) < cfg["min_shingles"]:
        return None
    if num_perm not in _PERMS:
        _PERMS[num_perm] = _permutations(num_perm)
    a, b = _PERMS[num_perm]
    # ((a*h + b) mod 2^64) mod (2^61 - 1), truncated to 32 bits. The modulo by the Mersenne prime is
    # folded instead of divided (x mod P = (x & P) + (x >> 61), less P once if that reaches P): the
    # same values, without an integer division per shingle and permutation
    t = hv[:, None] * a[None, :]
    t += b[None, :]
    ph = t & _PRIME
    t >>= np.uint64(61)
    ph += t
    np.subtract(ph, _PRIME, out=ph, where=ph >= _PRIME)
    ph &= _MAX32
    return ph.min(axis=0).astype(np.uint32)


class _Sig:
    """The two things MinHashLSH reads from a MinHash (building datasketch MinHash objects costs
    a permutation table each time)."""

    __slots__ = ("hashvalues",)
    scheme = "legacy"  # (a*h + b) mod (2^61 - 1), truncated to 32 bits: datasketch's legacy scheme

    def __init__(self, hv: np.ndarray) -> None:
        self.hashvalues = hv.astype(np.uint64)

    def __len__(self) -> int:
        return len(self.hashvalues)


def jaccard(s1: np.ndarray, s2: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(s1 == s2))


def credits(article: dict[str, Any], other: dict[str, Any]) -> bool:
    """Does ``article`` attribute its report to ``other``'s outlet (or is it ``other``'s syndicated copy)?"""
    key = outlet_key(other.get("outlet"))
    if not key:
        return False
    if any(outlet_key(a) == key for a in article.get("attributions") or []):
        return True
    return False


@dataclass
class Duplicate:
    article_id: str
    original_id: str
    similarity: float
    relation: str
    matched_id: str


def relation_of(a: dict[str, Any], b: dict[str, Any], sim: float) -> str:
    """'copy' / 'near_copy' within one outlet, 'syndicated' across outlets."""
    if (a.get("outlet") or "") != (b.get("outlet") or ""):
        return "syndicated"
    return "copy" if sim >= config()["dedup"]["copy_threshold"] else "near_copy"


class Deduplicator:
    """Online near-duplicate detector over articles given in publication order."""

    def __init__(self) -> None:
        cfg = config()["dedup"]
        self.num_perm: int = cfg["num_perm"]
        self.threshold: float = cfg["threshold"]
        self.window = timedelta(days=cfg["window_days"])
        self.lsh = MinHashLSH(threshold=self.threshold, num_perm=self.num_perm)
        self.sigs: dict[str, np.ndarray] = {}
        self.meta: dict[str, dict[str, Any]] = {}
        self.root: dict[str, str] = {}
        self.order: deque[tuple[date | None, str]] = deque()

    def _insert(self, aid: str, sig: np.ndarray, meta: dict[str, Any], day: date | None) -> None:
        if aid in self.sigs:
            return
        self.lsh.insert(aid, _Sig(sig))
        self.sigs[aid] = sig
        self.meta[aid] = meta
        self.order.append((day, aid))

    def prune(self, day: date | None) -> None:
        """Forget articles older than the window before ``day`` (memory stays flat)."""
        if day is None:
            return
        while self.order and self.order[0][0] is not None and self.order[0][0] < day - self.window:
            _, aid = self.order.popleft()
            self.lsh.remove(aid)
            self.sigs.pop(aid, None)
            self.meta.pop(aid, None)
            self.root.pop(aid, None)

    def load(self, con: Any, day: date | None) -> None:
        """Load the signatures of the window before ``day`` from the DB (continuing a past run)."""
        if day is None:
            q = "SELECT s.article_id, s.minhash, s.published_date, s.outlet FROM article_signatures s " \
                "WHERE s.published_date IS NULL AND s.minhash IS NOT NULL"
            rows = con.execute(q).fetchall()
        else:
            q = "SELECT s.article_id, s.minhash, s.published_date, s.outlet FROM article_signatures s " \
                "WHERE s.published_date BETWEEN ? AND ? AND s.minhash IS NOT NULL ORDER BY s.published_date"
            rows = con.execute(q, [day - self.window, day]).fetchall()
        if not rows:
            return
        ids = [r[0] for r in rows]
        atts: dict[str, list[str]] = {}
        for aid, outlet in con.execute(
            "SELECT article_id, outlet FROM attributions WHERE article_id IN (SELECT unnest(?))", [ids]
        ).fetchall():
            atts.setdefault(aid, []).append(outlet)
        roots = dict(
            con.execute(
                "SELECT article_id, original_id FROM duplicates WHERE article_id IN (SELECT unnest(?))", [ids]
            ).fetchall()
        )
        for aid, blob, d, outlet in rows:
            sig = np.frombuffer(blob, dtype="<u4").copy()
            if len(sig) != self.num_perm:
                continue
            self._insert(aid, sig, {"id": aid, "outlet": outlet, "attributions": atts.get(aid, [])}, d)
            if aid in roots:
                self.root[aid] = roots[aid]

    def root_of(self, aid: str) -> str:
        return self.root.get(aid, aid)

    def add(self, art: dict[str, Any], day: date | None) -> tuple[bytes | None, list[Duplicate]]:
        """Index one article; returns its signature blob and the duplicate rows it creates.

        Usually the new article is the copy of an earlier one; when the earlier one credits the
        new one's outlet (it says it quotes it), the earlier one becomes the copy instead.
        """
        sig = signature(art.get("text"), self.num_perm, toks=art.get("_words"))
        if sig is None:
            return None, []
        aid = art["id"]
        found: list[Duplicate] = []
        best: tuple[float, str] | None = None
        for other in self.lsh.query(_Sig(sig)):
            sim = jaccard(sig, self.sigs[other])
            if sim >= self.threshold and (best is None or (sim, best[1]) > (best[0], other)):
                best = (sim, other)
        meta = {"id": aid, "outlet": art.get("outlet"), "attributions": art.get("attributions") or []}
        if best is not None:
            sim, other = best
            om = self.meta[other]
            if credits(om, meta) and not credits(meta, om) and self.root_of(other) == other:
                # The earlier article credits this one's outlet: this one is the original.
                found.append(Duplicate(other, aid, sim, relation_of(om, meta, sim), aid))
                self.root[other] = aid
            else:
                root = self.root_of(other)
                found.append(Duplicate(aid, root, sim, relation_of(meta, om, sim), other))
                self.root[aid] = root
        self._insert(aid, sig, meta, day)
        return sig.astype("<u4").tobytes(), found


def syndicated_outlet(outlet: str | None) -> str:
    """Independent-source key of an outlet: 'DW Indonesia (via detik.com)' counts as DW, not detik."""
    return outlet_key(outlet) or (outlet or "")


__all__ = ["Deduplicator", "Duplicate", "signature", "jaccard", "shingles", "credits", "via_key"]
