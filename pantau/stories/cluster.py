"""Online story clustering: articles, in publication order, join the best active story or start one.

Why online: a newsroom system receives a day at a time; adding a day must not move yesterday's
articles. Each article is a hashed vector with two unit-length parts in disjoint columns: TF-IDF
of its title and lead words (the idf is a decayed document frequency, i.e. a sliding window of
about ``idf_half_life_days``), and its names (capitalised runs) and the countries of its resolved
places. A story is the sum of its recent members' vectors (members of the last
``vector_keep_days`` on the news clock: the centroid follows a developing story). The score of a story is

    w_centroid * cos(words; article, centroid) + w_member * max over members of link(article, member)
      - time_penalty * age on the news clock - place_conflict_penalty * [countries disjoint]
      + actor_bonus * Jaccard(actor codes)

with link = cos(words) + w_names * max(0, cos(names) - cos(words)). The news clock counts a day
of a thin stream as a fraction of a day. The article joins the best story whose score reaches
``threshold`` among the stories active in the last ``window_days``; else it starts a new story. That
score is a logistic model (features.py); thin days use a model fitted on a thin month (issue 24).
Syndicated copies join their original's story directly (they add no vector: a copy is not new
evidence). Daily digests are represented by their top item only. The state (decayed df, member
vectors of active stories, actor counts, articles per recent day) is read back from story_meta /
story_vectors / story_state / story_articles, so a later run continues exactly where the
previous one stopped.

The parts, by concern: article_tokens.py (what an article contributes), vectors.py (hashed TF-IDF
over the decayed idf), clock.py (the news clock), features.py (the merge model), story_agg.py (story
aggregates, titles, rows); this module keeps the state between days and the decision per article.
"""

from __future__ import annotations

import json
from collections import Counter, deque
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import scipy.sparse as sp

from pantau.stories.article_tokens import (  # noqa: F401 - re-exported: the clusterer's public names
    article_tokens,
    countries_and_places,
    is_daily_series,
    names,
)
from pantau.stories.clock import is_thin, news_ages
from pantau.stories.common import config, is_digest
from pantau.stories.features import EitherModel, MergeModel, merge_model
from pantau.stories.story_agg import (  # noqa: F401 - re-exported (engine.py, retract.py, tests)
    MAX_TITLES,
    StoryAgg,
    add_member,
    central_title,
    story_id_for,
    story_rows,
    top_actors,
)
from pantau.stories.vectors import N_CTY, DayProducts, HashedTfidf, cols, from_rows, sq_norms


class StoryClusterer:
    """Holds the active stories in memory between days; flush() writes everything to the DB."""

    def __init__(self, model: MergeModel | EitherModel | None = None, oracle: dict[str, str] | None = None,
                 follow_model: bool = False) -> None:
        """``model``: the merge decision (default: merge_model.yaml). ``oracle`` (training only): the
        gold story of each article; every candidate's features are recorded in ``trace``, labelled by
        whether the candidate story is (mostly) the article's gold story, and the article follows its
        gold story; with ``follow_model`` it follows the model instead, so that the rows show the
        stories the model itself builds (drifting chains included) and it can learn from them."""
        cfg = config()["clustering"]
        self.model = model or merge_model()
        # issue 24: the model for thin streams (news clock < 1 day a day); None: ``model`` everywhere
        thin = cfg.get("merge_model_thin")
        self.model_thin = None if model is not None or not thin else merge_model(thin)
        self.oracle = oracle
        self.story_gold: dict[str, str | None] = {}
        self.story_votes: dict[str, Counter] = {}
        self.follow_model = follow_model
        self.trace: list[tuple[str, str, bool, np.ndarray]] = []
        self.cfg = cfg
        self.tfidf = HashedTfidf(cfg["n_features"], cfg["idf_half_life_days"])
        self.n_features: int = cfg["n_features"]
        self.stories: dict[str, StoryAgg] = {}
        # blocks of member vectors: (day, CSR matrix, story ids, article ids)
        self.blocks: deque[tuple[date | None, sp.csr_matrix, list[str], list[str]]] = deque()
        self.art_story: dict[str, str] = {}
        self.art_day: deque[tuple[date | None, str]] = deque()
        self.day_counts: dict[date, int] = {}  # articles processed per recent day (the news clock)
        self.out_story_articles: list[tuple] = []
        self.out_vectors: list[tuple] = []

    # ----- state ---------------------------------------------------------------------------
    def load(self, con: Any, day: date | None) -> None:
        """Load the state needed to continue at ``day`` (active stories, their vectors, df)."""
        same_layout = self.tfidf.load(con)
        keep = timedelta(days=max(self.cfg["window_days"], self.cfg["vector_keep_days"]))
        if day is not None:
            for d, n in con.execute(
                """SELECT a.published_date, count(*)
                   FROM story_articles sa JOIN articles a ON a.id = sa.article_id
                   WHERE a.published_date >= ? AND a.published_date < ? GROUP BY 1""",
                [day - keep - timedelta(days=1), day],
            ).fetchall():
                self.day_counts[d] = self.day_counts.get(d, 0) + n
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
            agg = StoryAgg(sid, title, fd, ld, n or 0, norm2=norm2 or 0.0)
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
            for sid, title in con.execute(
                """SELECT sa.story_id, a.title FROM story_articles sa JOIN articles a ON a.id = sa.article_id
                   WHERE sa.story_id IN (SELECT unnest(?)) AND a.title IS NOT NULL
                   ORDER BY a.published_date NULLS LAST, a.published NULLS LAST, a.id""",
                [ids],
            ).fetchall():
                if title.strip() and not is_digest(title):
                    agg = self.stories[sid]
                    agg.titles = (agg.titles + [title.strip()])[-MAX_TITLES:]
            vrows = con.execute(
                "SELECT article_id, story_id, day, idx, val FROM story_vectors "
                "WHERE story_id IN (SELECT unnest(?)) ORDER BY day NULLS LAST, article_id",
                [ids],
            ).fetchall() if same_layout else []
            by_day: dict[date | None, list] = {}
            for aid, sid, d, idx, val in vrows:
                by_day.setdefault(d, []).append((aid, sid, idx, val))
            for d, items in by_day.items():
                mat = from_rows([(x[2], x[3]) for x in items], self.n_features)
                self.blocks.append((d, mat, [x[1] for x in items], [x[0] for x in items]))
                for aid, sid, _i, _v in items:
                    self.art_story[aid] = sid
                    self.art_day.append((d, aid))

    def _prune(self, day: date | None) -> None:
        """Drop member vectors older than ``vector_keep_days`` on the news clock (issue 24) and, in any
        case, older than ``window_days`` calendar days. Why the clock: in a thin stream (a sample of
        12 articles a day) a follow-up five days later has had little news in between, in a full one
        (150 a day) the clock is the calendar, so full streams keep exactly the days they kept before."""
        if day is None:
            return
        cap = day - timedelta(days=max(self.cfg["window_days"], self.cfg["vector_keep_days"]))
        age = news_ages(day, self.day_counts, self.cfg)
        keep = self.cfg["vector_keep_days"]
        while self.blocks and self.blocks[0][0] is not None and (
                self.blocks[0][0] < cap or age(self.blocks[0][0]) > keep):
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
    def tokens(self, art: dict[str, Any]) -> dict[str, list[str]]:
        """Features of an article (article_tokens.py)."""
        return article_tokens(art, self.cfg)

    def vectorize(self, feats: list[dict[str, list[str]]]) -> sp.csr_matrix:
        """Rows of the articles' hashed TF-IDF parts (vectors.py); adds them to the document frequencies."""
        return self.tfidf.vectorize(feats)

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
        self.tfidf.decay_to(day)
        self._prune(day)
        now = datetime.now()
        ages_of = news_ages(day, self.day_counts, cfg)
        feats = [self.tokens(a) for a in arts]
        series = [is_daily_series(a.get("title")) for a in arts]
        # a copy whose original's story is still active joins it without a vector of its own
        day_ids = {a["id"] for a in arts}
        joinable = {
            aid for aid, (orig, _s) in copies.items()
            if (self.art_story.get(orig) in self.stories) or orig in day_ids
        }
        has_vec = np.array(
            [len(f["text"]) >= cfg["min_tokens"] and a["id"] not in joinable
             for a, f in zip(arts, feats, strict=True)]
        )
        idx_vec = np.flatnonzero(has_vec)
        xd = self.vectorize([feats[i] for i in idx_vec]) if len(idx_vec) else None
        pos_in_x = {int(i): k for k, i in enumerate(idx_vec)}

        # active stories and their member vectors
        limit = None if day is None else day - timedelta(days=cfg["window_days"])
        max_age = cfg.get("max_age_clock", np.inf)
        active = [
            s.id for s in self.stories.values()
            if (day is None and s.last_date is None) or (day is not None and s.last_date is not None
                                                         and s.last_date >= limit
                                                         and ages_of(s.last_date) <= max_age)
        ]
        index = {sid: k for k, sid in enumerate(active)}
        mats, labels = [], []
        for bday, mat, sids, _aids in self.blocks:
            if (day is None) != (bday is None):
                continue
            sel = [k for k, sid in enumerate(sids) if sid in index]
            if sel:
                mats.append(mat if len(sel) == mat.shape[0] else mat[sel])
                labels.extend(index[sids[k]] for k in sel)
        lab_prev = np.array(labels, dtype=np.int64)
        n2t = np.zeros(len(active))
        n2e = np.zeros(len(active))
        half, ttl, ncty = self.tfidf.half, self.tfidf.ttl, self.n_features - N_CTY
        members = None
        if mats:
            members = sp.vstack(mats).tocsr()
            # centroid of each active story = sum of its recent member vectors; squared norms per part
            assign = sp.csr_matrix(
                (np.ones(len(lab_prev)), (lab_prev, np.arange(len(lab_prev)))),
                shape=(len(active), len(lab_prev)),
            )
            cent = assign @ members
            n2t = sq_norms(cols(cent, 0, half))
            n2e = sq_norms(cols(cent, half, ttl))
        if xd is not None:
            # shared names weighted by their idf: one rare shared name ("Saracen") is strong evidence
            rare = self.cfg.get("rare_name_df", 3.0)
            prod = DayProducts(xd, members, self.tfidf.df, rare, (half, ttl, ncty))
            w_prev, w_day = prod.weights()
            has_c, has_e = prod.has_c, prod.has_e
            del prod  # its separate arrays: the stacked ones are what the loop reads
            # the members grouped by story once a day: an article's best member per story is one reduceat
            by_story = np.argsort(lab_prev, kind="stable")
            sorted_lab = lab_prev[by_story]
            starts = np.flatnonzero(np.r_[True, sorted_lab[1:] != sorted_lab[:-1]]) if len(lab_prev) else \
                np.zeros(0, dtype=np.int64)
            start_lab = sorted_lab[starts]
            w_best = w_prev[:, by_story, 2:]
        lastd = [self.stories[sid].last_date for sid in active]
        # per active story, kept up to date as articles join: age on the news clock, calendar gap,
        # and which stories each outlet already reports (vectors, not a loop over stories per article)
        age_all = np.array([ages_of(d) for d in lastd], dtype=float)
        cal_all = np.array([(day - d).days if day is not None and d is not None else 0 for d in lastd])
        span_all = np.array([(day - self.stories[q].first_date).days
                             if day is not None and self.stories[q].first_date is not None else 0
                             for q in active], dtype=float)
        size_all = np.array([self.stories[q].n_articles for q in active], dtype=float)
        by_outlet: dict[str, list[int]] = {}
        for q, s_id in enumerate(active):
            for o in self.stories[s_id].outlets:
                by_outlet.setdefault(o, []).append(q)
        day_lab = np.full(len(idx_vec), -1, dtype=np.int64)
        new_rows: list[int] = []
        new_sids: list[str] = []
        model, which = self.model, "full stream"
        if self.model_thin is not None and is_thin(day, len(arts), self.day_counts, cfg):
            model, which = self.model_thin, "thin stream"

        for i, art in enumerate(arts):
            aid = art["id"]
            sid: str | None = None
            sim = 1.0
            reason: dict[str, Any] = {"new": True}
            if aid in joinable:
                orig, sim = copies[aid]
                reason = {"copy_of": orig, "similarity": round(float(sim), 3)}
                sid = self.art_story.get(orig)
                if sid not in self.stories:
                    sid = None
            k = pos_in_x.get(i)
            if sid is None and k is not None and active:
                prev = day_lab[:k] >= 0
                lab_day = day_lab[:k][prev]
                labs = np.concatenate([lab_prev, lab_day])
                # per member: shared country, names a country, words, names, rare names, headline
                w_d = w_day[k, :k][prev]
                w = np.concatenate([w_prev[k], w_d])
                na = len(active)
                # sums per story, each member in order (bincount: the float64 additions as before)
                overlap_c, story_c, dots_t, dots_e = (np.bincount(labs, weights=w[:, c], minlength=na)
                                                      for c in range(4))
                ok = n2t > 0
                age = age_all[:na]
                cent_e = np.where(n2e > 0, dots_e / np.sqrt(np.where(n2e > 0, n2e, 1.0)), 0.0)
                cent_t = np.where(ok, dots_t / np.sqrt(np.where(ok, n2t, 1.0)), 0.0)
                best = np.zeros((na, 4))  # the best member per story (a maximum: any order gives it)
                if len(starts):
                    best[start_lab] = np.maximum(0.0, np.maximum.reduceat(w_best[k], starts, axis=0))
                np.maximum.at(best, lab_day, w_d[:, 2:])
                mem_t, mem_e, mem_r, mem_h = best.T
                conflict = (story_c > 0) & (overlap_c == 0) if has_c[k] else np.zeros(na, dtype=bool)
                outlet = source_outlet.get(aid) or art.get("outlet") or ""
                same_out = np.zeros(na)
                same_out[by_outlet.get(outlet, [])] = 1.0
                jac = np.zeros(na)
                codes = actors.get(aid) or set()
                if codes:  # the pipeline's actor codes (entities table), when it filled them
                    for q, s_id in enumerate(active):
                        top = top_actors(self.stories[s_id])
                        if top:
                            jac[q] = len(codes & top) / len(codes | top)
                feats_x = np.column_stack([cent_t, mem_t, cent_e, mem_e, np.log1p(mem_r),
                                           mem_h, age, span_all[:na], np.log1p(size_all[:na]), conflict,
                                           same_out, jac, mem_e * (1.0 - same_out),
                                           np.log1p(mem_r) * (1.0 - same_out)]) * 1.0
                logit = model.logits(feats_x)
                logit[~ok] = -np.inf
                # candidates: stories quiet for at most max_age_clock days on the news clock (a full
                # stream: that many days; a thin one: up to twice as many calendar days)
                logit[age > cfg.get("max_age_clock", np.inf)] = -np.inf
                if series[i] and day is not None:
                    # a daily report (oil price, rupiah) joins only a story of its own day: the
                    # next day's report is a new event written from the same template
                    logit[cal_all[:na] > 0] = -np.inf
                j = int(np.argmax(logit))
                p_best = float(model.prob(feats_x[j:j + 1])[0])
                join = bool(np.isfinite(logit[j])) and p_best >= model.threshold
                if self.oracle is not None:  # training: record every candidate, follow the gold story
                    gold = self.oracle.get(aid)
                    live = np.flatnonzero(np.isfinite(logit))
                    same = np.array([self.story_gold.get(active[q]) == gold for q in live], dtype=bool)
                    for q, y in zip(live, same, strict=True):
                        self.trace.append((aid, active[q], bool(y), feats_x[q]))
                    if not self.follow_model:
                        join = bool(same.any())
                        if join:
                            j = int(live[same][np.argmax(logit[live[same]])])
                if join:
                    sid = active[j]
                    reason = {"model": which, **model.reason(feats_x[j])}
                    sim = reason["p"]
                    ranked = np.argsort(-logit)
                    rival = next((int(q) for q in ranked if int(q) != j and np.isfinite(logit[q])), None)
                    if rival is not None:
                        reason["runner_up"] = {"story": active[rival],
                                               "p": round(float(model.prob(feats_x[rival:rival + 1])[0]), 3)}
                    n2t[j] += 2.0 * dots_t[j] + 1.0
                    n2e[j] += 2.0 * dots_e[j] + float(has_e[k])
                    day_lab[k] = j
                elif np.isfinite(logit[j]):
                    reason = {"new": True, "best": {"story": active[j],
                                                    "p": round(float(model.prob(feats_x[j:j + 1])[0]), 3)}}
            if sid is None:
                sid = story_id_for(aid)
                n = 0
                while sid in self.stories or sid in index:  # id clash (same prefix): extend
                    n += 1
                    sid = f"{story_id_for(aid)}-{n}"
                self.stories[sid] = StoryAgg(sid, None, day, day)
                sim = 1.0
                if k is not None:
                    index[sid] = len(active)
                    active.append(sid)
                    n2t = np.append(n2t, 1.0)
                    n2e = np.append(n2e, float(has_e[k]))
                    lastd.append(day)
                    age_all = np.append(age_all, 0.0)
                    cal_all = np.append(cal_all, 0)
                    span_all = np.append(span_all, 0.0)
                    size_all = np.append(size_all, 0.0)
                    day_lab[k] = index[sid]
            if self.oracle is not None:  # the story's gold label: the majority of its members'
                votes = self.story_votes.setdefault(sid, Counter())
                votes[self.oracle.get(aid)] += 1
                self.story_gold[sid] = votes.most_common(1)[0][0]
            agg = self.stories[sid]
            add_member(agg, art, day, source_outlet.get(aid) or art.get("outlet") or "", actors.get(aid))
            if sid in index:
                j = index[sid]
                lastd[j] = agg.last_date
                if day is not None and j < len(age_all):
                    age_all[j], cal_all[j] = 0.0, 0
                if j < len(size_all):
                    size_all[j] += 1
                o = source_outlet.get(aid) or art.get("outlet") or ""
                if o and j not in by_outlet.setdefault(o, []):
                    by_outlet[o].append(j)
            if k is not None and day_lab[k] >= 0:
                new_rows.append(k)
                new_sids.append(sid)
            self.art_story[aid] = sid
            self.art_day.append((day, aid))
            self.out_story_articles.append(
                (sid, aid, float(sim), now, art.get("content_hash"), art.get("ingested_at"),
                 json.dumps(reason, sort_keys=True))
            )

        if day is not None:
            self.day_counts[day] = self.day_counts.get(day, 0) + len(arts)
            old = day - timedelta(days=max(cfg["window_days"], cfg["vector_keep_days"]) + 1)
            for d in [d for d in self.day_counts if d < old]:
                del self.day_counts[d]
        for sid, t2, e2 in zip(active, n2t, n2e, strict=False):
            self.stories[sid].norm2 = float(t2 + e2)
        if new_rows and xd is not None:
            mat = xd[new_rows]
            aids = [arts[int(idx_vec[k])]["id"] for k in new_rows]
            self.blocks.append((day, mat, new_sids, aids))
            ptr, ind, dat = mat.indptr, mat.indices, mat.data
            for r, (aid, sid) in enumerate(zip(aids, new_sids, strict=False)):
                lo, hi = ptr[r], ptr[r + 1]
                self.out_vectors.append(
                    (aid, sid, day, ind[lo:hi].astype("<i4").tobytes(), dat[lo:hi].astype("<f4").tobytes())
                )

    # ----- output --------------------------------------------------------------------------
    def meta_rows(self) -> list[tuple[str, bytes]]:
        """The ``story_meta`` rows (document frequencies) that let a later run continue."""
        return self.tfidf.meta_rows()
