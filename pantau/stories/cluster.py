"""Online story clustering: articles, in publication order, join the best active story or start one.

Why online: a newsroom system receives a day at a time; adding a day must not move yesterday's
articles. Each article is a TF-IDF vector (hashed features; the idf is a decayed document
frequency, i.e. a sliding window of about ``idf_half_life_days``). A story is the sum of its
recent members' unit vectors (members of the last ``vector_keep_days``: the centroid follows a
developing story). The score of a story for an article is

    cos(article, story centroid) - time_penalty * days since the story's last article
                                 + actor_bonus * Jaccard(actor codes)

and the article joins the best story whose score reaches ``threshold`` among the stories active
in the last ``window_days``; else it starts a new story. Syndicated copies join their original's
story directly (they add no vector: a copy is not new evidence). Daily digests are represented by
their top item only. The state (decayed df, member vectors of active stories, centroid norms,
actor counts) lives in story_meta / story_vectors / story_state, so a later run continues exactly
where the previous one stopped.
"""

from __future__ import annotations

import json
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from pantau.stories.common import (
    config,
    content_words,
    digest_lead,
    is_digest,
    keep_content,
    strip_furniture,
    words,
)


def _identity(tokens: list[str]) -> list[str]:
    return tokens


@dataclass
class StoryAgg:
    """What is known of one story while it is active."""

    id: str
    title: str | None
    title_from_digest: bool
    first_date: date | None
    last_date: date | None
    n_articles: int = 0
    outlets: Counter = field(default_factory=Counter)
    actors: Counter = field(default_factory=Counter)
    norm2: float = 0.0
    touched: bool = False


def story_id_for(article_id: str) -> str:
    """Stable story id derived from its first article."""
    return f"st-{article_id[:16]}"


class StoryClusterer:
    """Holds the active stories in memory between days; flush() writes everything to the DB."""

    def __init__(self) -> None:
        cfg = config()["clustering"]
        self.cfg = cfg
        self.n_features: int = cfg["n_features"]
        self.vectorizer = HashingVectorizer(
            n_features=self.n_features, analyzer=_identity, alternate_sign=False, norm=None
        )
        self.df = np.zeros(self.n_features, dtype=np.float64)
        self.n_docs = 0.0
        self.df_day: date | None = None
        self.stories: dict[str, StoryAgg] = {}
        # blocks of member vectors: (day, CSR matrix, story ids, article ids)
        self.blocks: deque[tuple[date | None, sp.csr_matrix, list[str], list[str]]] = deque()
        self.art_story: dict[str, str] = {}
        self.art_day: deque[tuple[date | None, str]] = deque()
        self.out_story_articles: list[tuple] = []
        self.out_vectors: list[tuple] = []

    # ----- state ---------------------------------------------------------------------------
    def load(self, con: Any, day: date | None) -> None:
        """Load the state needed to continue at ``day`` (active stories, their vectors, df)."""
        row = con.execute("SELECT value FROM story_meta WHERE key = 'df'").fetchone()
        if row:
            meta = json.loads(con.execute("SELECT value FROM story_meta WHERE key = 'meta'").fetchone()[0])
            df = np.frombuffer(row[0], dtype="<f4").astype(np.float64)
            if len(df) == self.n_features:
                self.df = df
                self.n_docs = meta["n_docs"]
                self.df_day = date.fromisoformat(meta["day"]) if meta["day"] else None
        keep = timedelta(days=max(self.cfg["window_days"], self.cfg["vector_keep_days"]))
        if day is None:
            cond, params = "ss.last_date IS NULL", []
        else:
            cond, params = "ss.last_date >= ?", [day - keep]
        rows = con.execute(
            f"""SELECT s.id, s.title, s.first_date, s.last_date, s.n_articles, ss.norm2, ss.actor_counts,
                       s.outlets
                FROM story_state ss JOIN stories s ON s.id = ss.story_id WHERE {cond}""",
            params,
        ).fetchall()
        for sid, title, fd, ld, n, norm2, actors, _outlets in rows:
            if sid in self.stories:
                continue
            agg = StoryAgg(sid, title, False, fd, ld, n or 0, norm2=norm2 or 0.0)
            agg.actors = Counter(json.loads(actors) if actors else {})
            self.stories[sid] = agg
        if rows:
            ids = [r[0] for r in rows]
            for sid, outlet, cnt in con.execute(
                """SELECT sa.story_id, COALESCE(o.outlet, a.outlet), count(*)
                   FROM story_articles sa JOIN articles a ON a.id = sa.article_id
                   LEFT JOIN duplicates d ON d.article_id = sa.article_id
                   LEFT JOIN articles o ON o.id = d.original_id
                   WHERE sa.story_id IN (SELECT unnest(?)) GROUP BY ALL""",
                [ids],
            ).fetchall():
                self.stories[sid].outlets[outlet] += cnt
            vrows = con.execute(
                "SELECT article_id, story_id, day, idx, val FROM story_vectors "
                "WHERE story_id IN (SELECT unnest(?)) ORDER BY day NULLS LAST, article_id",
                [ids],
            ).fetchall()
            by_day: dict[date | None, list] = {}
            for aid, sid, d, idx, val in vrows:
                by_day.setdefault(d, []).append((aid, sid, idx, val))
            for d, items in by_day.items():
                rows_i, cols, vals = [], [], []
                for r, (_aid, _sid, idx, val) in enumerate(items):
                    ii = np.frombuffer(idx, dtype="<i4")
                    rows_i.append(np.full(len(ii), r))
                    cols.append(ii)
                    vals.append(np.frombuffer(val, dtype="<f4"))
                mat = sp.csr_matrix(
                    (np.concatenate(vals), (np.concatenate(rows_i), np.concatenate(cols))),
                    shape=(len(items), self.n_features),
                )
                self.blocks.append((d, mat, [x[1] for x in items], [x[0] for x in items]))
                for aid, sid, _i, _v in items:
                    self.art_story[aid] = sid
                    self.art_day.append((d, aid))

    def _decay_to(self, day: date | None) -> None:
        if day is None or self.df_day is None:
            self.df_day = day or self.df_day
            return
        delta = (day - self.df_day).days
        if delta > 0:
            f = 0.5 ** (delta / self.cfg["idf_half_life_days"])
            self.df *= f
            self.n_docs *= f
            self.df_day = day

    def _prune(self, day: date | None) -> None:
        if day is None:
            return
        keep = timedelta(days=self.cfg["vector_keep_days"])
        while self.blocks and self.blocks[0][0] is not None and self.blocks[0][0] < day - keep:
            self.blocks.popleft()
        win = timedelta(days=max(self.cfg["window_days"], config()["dedup"]["window_days"]))
        while self.art_day and self.art_day[0][0] is not None and self.art_day[0][0] < day - win:
            _, aid = self.art_day.popleft()
            self.art_story.pop(aid, None)

    def evict(self, day: date | None) -> list[StoryAgg]:
        """Drop (and return for writing) stories that can no longer be joined after ``day``."""
        if day is None:
            return []
        limit = day - timedelta(days=self.cfg["window_days"])
        gone = [s for s in self.stories.values() if s.last_date is not None and s.last_date < limit]
        for s in gone:
            del self.stories[s.id]
        return gone

    # ----- vectors -------------------------------------------------------------------------
    def tokens(self, art: dict[str, Any]) -> list[str]:
        """Content words of title (weighted) and lead; a digest contributes only its top item."""
        title = art.get("title") or ""
        if is_digest(title):
            text = strip_furniture(art.get("text") or "")
            return content_words(digest_lead(text, self.cfg["digest_lead_chars"]))
        toks = art.get("_words")
        if toks is None:
            toks = words(strip_furniture(art.get("text") or ""))
        return content_words(title) * self.cfg["title_weight"] + keep_content(toks[: self.cfg["lead_words"]])

    def vectorize(self, token_lists: list[list[str]]) -> sp.csr_matrix:
        """Unit TF-IDF rows; the df of this batch is added first (a new word gets df >= 1)."""
        x = self.vectorizer.transform(token_lists).tocsr()
        x.sum_duplicates()
        present = x.copy()
        present.data[:] = 1.0
        self.df += np.asarray(present.sum(axis=0)).ravel()
        self.n_docs += len(token_lists)
        idf = np.log((self.n_docs + 1.0) / (self.df + 1.0)) + 1.0
        x.data = np.log1p(x.data) * idf[x.indices]
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        x = sp.diags(1.0 / norms) @ x
        return x.tocsr().astype(np.float32)

    # ----- the day -------------------------------------------------------------------------
    def process_day(
        self,
        day: date | None,
        arts: list[dict[str, Any]],
        copies: dict[str, tuple[str, float]],
        source_outlet: dict[str, str],
        actors: dict[str, set[str]],
    ) -> None:
        """Assign one day's articles (already in publication order) to stories.

        ``copies`` maps a duplicate's id to (original id, similarity); ``source_outlet`` gives each
        article's independent outlet (its original's outlet for a copy); ``actors`` its actor codes.
        """
        cfg = self.cfg
        self._decay_to(day)
        self._prune(day)
        now = datetime.now()
        toks = [self.tokens(a) for a in arts]
        # a copy whose original's story is still active joins it without a vector of its own
        day_ids = {a["id"] for a in arts}
        joinable = {
            aid for aid, (orig, _s) in copies.items()
            if (self.art_story.get(orig) in self.stories) or orig in day_ids
        }
        has_vec = np.array(
            [len(t) >= cfg["min_tokens"] and a["id"] not in joinable for a, t in zip(arts, toks, strict=True)]
        )
        idx_vec = np.flatnonzero(has_vec)
        xd = self.vectorize([toks[i] for i in idx_vec]) if len(idx_vec) else None
        pos_in_x = {int(i): k for k, i in enumerate(idx_vec)}

        # active stories and their member vectors
        limit = None if day is None else day - timedelta(days=cfg["window_days"])
        active = [
            s.id for s in self.stories.values()
            if (day is None and s.last_date is None) or (day is not None and s.last_date is not None
                                                         and s.last_date >= limit)
        ]
        index = {sid: k for k, sid in enumerate(active)}
        mats, labels = [], []
        for bday, mat, sids, _aids in self.blocks:
            if (day is None) != (bday is None):
                continue
            sel = [k for k, sid in enumerate(sids) if sid in index]
            if sel:
                mats.append(mat[sel])
                labels.extend(index[sids[k]] for k in sel)
        lab_prev = np.array(labels, dtype=np.int64)
        norm2 = [0.0] * len(active)
        if mats:
            members = sp.vstack(mats).tocsr()
            # centroid of each active story = sum of its recent member vectors; its squared norm
            assign = sp.csr_matrix(
                (np.ones(len(lab_prev)), (lab_prev, np.arange(len(lab_prev)))),
                shape=(len(active), len(lab_prev)),
            )
            cent = assign @ members
            norm2 = list(np.asarray(cent.multiply(cent).sum(axis=1)).ravel())
        if xd is not None and mats:
            sims_prev = (xd @ members.T).toarray()
        else:
            sims_prev = np.zeros((0 if xd is None else xd.shape[0], 0))
        same = (xd @ xd.T).toarray() if xd is not None else None
        lastd = [self.stories[sid].last_date for sid in active]
        day_lab = np.full(len(idx_vec), -1, dtype=np.int64)
        new_rows: list[int] = []
        new_sids: list[str] = []

        for i, art in enumerate(arts):
            aid = art["id"]
            sid: str | None = None
            sim = 1.0
            if aid in joinable:
                orig, sim = copies[aid]
                sid = self.art_story.get(orig)
                if sid not in self.stories:
                    sid = None
            k = pos_in_x.get(i)
            if sid is None and k is not None and active:
                w = np.concatenate([sims_prev[k], same[k, :k][day_lab[:k] >= 0]])
                labs = np.concatenate([lab_prev, day_lab[:k][day_lab[:k] >= 0]])
                dots = np.bincount(labs, weights=w, minlength=len(active)) if len(labs) \
                    else np.zeros(len(active))
                n2 = np.array(norm2)
                ok = n2 > 0
                scores = np.full(len(active), -np.inf)
                best_member = np.zeros(len(active))
                if len(labs):
                    np.maximum.at(best_member, labs, w)
                scores[ok] = cfg["w_centroid"] * dots[ok] / np.sqrt(n2[ok]) \
                    + cfg["w_member"] * best_member[ok]
                if day is not None:
                    ages = np.array([(day - d).days if d is not None else 0 for d in lastd], dtype=float)
                    scores -= cfg["time_penalty"] * ages
                codes = actors.get(aid) or set()
                if codes:
                    for j, s_id in enumerate(active):
                        top = self._top_actors(self.stories[s_id])
                        if top:
                            scores[j] += cfg["actor_bonus"] * len(codes & top) / len(codes | top)
                j = int(np.argmax(scores))
                if scores[j] >= cfg["threshold"]:
                    sid, sim = active[j], float(scores[j])
                    norm2[j] += 2.0 * dots[j] + 1.0
                    day_lab[k] = j
            if sid is None:
                sid = story_id_for(aid)
                n = 0
                while sid in self.stories or sid in index:  # id clash (same prefix): extend
                    n += 1
                    sid = f"{story_id_for(aid)}-{n}"
                self.stories[sid] = StoryAgg(sid, None, False, day, day)
                sim = 1.0
                if k is not None:
                    index[sid] = len(active)
                    active.append(sid)
                    norm2.append(1.0)
                    lastd.append(day)
                    day_lab[k] = index[sid]
            agg = self.stories[sid]
            self._add(agg, art, day, source_outlet.get(aid) or art.get("outlet") or "", actors.get(aid))
            if sid in index:
                j = index[sid]
                lastd[j] = agg.last_date
            if k is not None and day_lab[k] >= 0:
                new_rows.append(k)
                new_sids.append(sid)
            self.art_story[aid] = sid
            self.art_day.append((day, aid))
            self.out_story_articles.append((sid, aid, float(sim), now))

        for sid, n2 in zip(active, norm2, strict=False):
            self.stories[sid].norm2 = float(n2)
        if new_rows and xd is not None:
            mat = xd[new_rows]
            aids = [arts[int(idx_vec[k])]["id"] for k in new_rows]
            self.blocks.append((day, mat, new_sids, aids))
            for r, (aid, sid) in enumerate(zip(aids, new_sids, strict=False)):
                row = mat.getrow(r)
                self.out_vectors.append(
                    (aid, sid, day, row.indices.astype("<i4").tobytes(), row.data.astype("<f4").tobytes())
                )

    @staticmethod
    def _top_actors(agg: StoryAgg) -> set[str]:
        if not agg.actors:
            return set()
        floor = max(1.0, 0.3 * agg.n_articles)
        return {c for c, n in agg.actors.items() if n >= floor}

    @staticmethod
    def _add(
        agg: StoryAgg, art: dict[str, Any], day: date | None, outlet: str, codes: set[str] | None
    ) -> None:
        title = art.get("title") or _first_sentence(art.get("text") or "")
        digest = is_digest(title)
        if title and (agg.title is None or (agg.title_from_digest and not digest)):
            agg.title, agg.title_from_digest = title, digest
        if day is not None:
            agg.first_date = day if agg.first_date is None else min(agg.first_date, day)
            agg.last_date = day if agg.last_date is None else max(agg.last_date, day)
        agg.n_articles += 1
        if outlet:
            agg.outlets[outlet] += 1
        for c in codes or ():
            agg.actors[c] += 1
        agg.touched = True

    # ----- output --------------------------------------------------------------------------
    def meta_rows(self) -> list[tuple[str, bytes]]:
        meta = {"n_docs": self.n_docs, "day": self.df_day.isoformat() if self.df_day else None}
        return [("df", self.df.astype("<f4").tobytes()), ("meta", json.dumps(meta).encode())]


def _first_sentence(text: str, limit: int = 100) -> str | None:
    """A title for an untitled article: its first sentence, shortened."""
    line = next((ln.strip() for ln in text.splitlines() if len(ln.strip()) > 20), "")
    if not line:
        return None
    cut = line.find(". ")
    line = line[: cut + 1] if 0 < cut < limit else line
    return line if len(line) <= limit else line[: limit - 3].rsplit(" ", 1)[0] + "..."


def story_rows(aggs: list[StoryAgg]) -> tuple[list[tuple], list[tuple]]:
    """Rows for ``stories`` and ``story_state`` from story aggregates."""
    now = datetime.now()
    stories, states = [], []
    for s in aggs:
        outlets = [o for o, _ in s.outlets.most_common()]
        actors = [c for c, _ in s.actors.most_common(5)]
        stories.append(
            (s.id, s.title, s.first_date, s.last_date, s.n_articles, len(outlets), outlets, actors, now)
        )
        states.append((s.id, s.norm2, s.n_articles, s.last_date, json.dumps(dict(s.actors))))
    return stories, states
