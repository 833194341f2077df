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
"""

from __future__ import annotations

import json
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import scipy.sparse as sp
import yaml
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
from pantau.stories.features import EitherModel, MergeModel, kb_names, lemmas, merge_model

# A run of capitalised words ("Khan Sheikhoun", "Mariano Rajoy", "Suu Kyi"): a name.
_NAME = re.compile(r"(?<![\w])[A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*|al|bin|binti|van|de|der|von))*")
_SENT_START = re.compile(r"(?:^|[.!?\n\"“”]\s*|--\s*|–\s*)$")
# A dateline at the start of the lead ("Jakarta, CNN Indonesia --", "SPANYOL–"): not content.
_DATELINE = re.compile(r"^[^\n]{0,60}?(?:--|–|—)\s*")


@lru_cache(maxsize=1)
def _name_stop() -> frozenset[str]:
    """Capitalised words that are not names (text.yaml: generic_capitalised) plus the stop words."""
    raw = yaml.safe_load(resources.files("pantau.stories").joinpath("text.yaml").read_text("utf-8"))
    return frozenset(w.lower() for w in raw.get("generic_capitalised", [])) | frozenset(raw["stopwords"])


def names(text: str) -> list[str]:
    """Name features of a text: each capitalised run (lower-cased, '_'-joined) and its words.

    Why: the specific event is carried by who and where (Rajoy, Catalunya, Khan Sheikhoun,
    Rohingya); generic conflict words are not. A single capitalised word at a sentence start is
    only an ordinary word written with a capital, so it counts only if it is also written
    capitalised inside a sentence somewhere in the text.
    """
    stop = _name_stop()
    found: list[tuple[list[str], bool]] = []
    inner: set[str] = set()
    for m in _NAME.finditer(text):
        parts = [w.strip("'’-").lower() for w in m.group(0).split()]
        parts = [w for w in parts if len(w) >= 2 and not w.isdigit()]
        if not parts:
            continue
        initial = bool(_SENT_START.search(text[max(0, m.start() - 3): m.start()])) or m.start() == 0
        found.append((parts, initial))
        if not initial:
            inner.update(parts)
    out: list[str] = []
    for parts, initial in found:
        if initial and parts[0] not in inner:
            parts = parts[1:]  # an ordinary word that starts the sentence
        # generic title words split a run: "Menteri Luar Negeri Suriah Faisal Mekdad" ->
        # "suriah", "faisal_mekdad"
        run: list[str] = []
        for w in [*parts, ""]:
            if w and w not in stop and len(w) >= 3:
                run.append(w)
                continue
            out.extend(run)
            if len(run) > 1:
                out.append("_".join(run))
            run = []
    return out


@lru_cache(maxsize=1)
def _series_patterns() -> list[re.Pattern[str]]:
    raw = yaml.safe_load(resources.files("pantau.stories").joinpath("text.yaml").read_text("utf-8"))
    return [re.compile(p, re.I) for p in raw.get("daily_series_titles", [])]


def is_daily_series(title: str | None) -> bool:
    """A recurring daily report (market close, exchange rate): text.yaml ``daily_series_titles``."""
    return bool(title) and any(p.search(title) for p in _series_patterns())


def countries_and_places(text: str) -> tuple[list[str], list[str]]:
    """Resolved places of a text (geonames names) and their countries; [] when places is absent."""
    try:
        from pantau.places import find_places
    except ImportError:  # the places stage is optional
        return [], []
    try:
        found = find_places(text)
    except Exception:  # noqa: BLE001 - a gazetteer failure must not stop clustering
        return [], []
    places = [loc.name.lower() for _s, _e, loc in found if getattr(loc, "name", None)]
    ctys = [loc.country for _s, _e, loc in found if getattr(loc, "country", None)]
    return places, ctys


_N_CTY = 4096  # hashed columns reserved for country codes
_N_TTL = 16384  # hashed columns reserved for the title's root lemmas
_LAYOUT = 3  # version of the vector column layout (words | names | title | countries) in story_meta


def _identity(tokens: list[str]) -> list[str]:
    return tokens


@dataclass
class StoryAgg:
    """What is known of one story while it is active."""

    id: str
    title: str | None
    first_date: date | None
    last_date: date | None
    n_articles: int = 0
    outlets: Counter = field(default_factory=Counter)
    actors: Counter = field(default_factory=Counter)
    norm2: float = 0.0
    touched: bool = False
    titles: list[str] = field(default_factory=list)  # members' own (non-digest) titles, in order


MAX_TITLES = 50  # the title is chosen among the most recent members' titles


def central_title(titles: list[str]) -> str | None:
    """The headline sharing most content words with the other members' headlines (the earliest
    on ties): a story is named by its most typical headline, not by whichever article came first
    (often a side angle or a teaser)."""
    if len(titles) < 3:
        return titles[0] if titles else None
    sets = [set(content_words(t)) for t in titles]
    best, best_score = 0, -1.0
    for i, a in enumerate(sets):
        if not a:
            continue
        score = sum(len(a & b) / (len(a) * len(b)) ** 0.5 for j, b in enumerate(sets) if j != i and b)
        if score > best_score + 1e-9:
            best, best_score = i, score
    return titles[best]


def story_id_for(article_id: str) -> str:
    """Stable story id derived from its first article."""
    return f"st-{article_id[:16]}"


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
        self.n_features: int = cfg["n_features"]
        # column ranges: words [0, half), names and places [half, ttl), title [ttl, n - _N_CTY),
        # countries the rest
        self.half = self.n_features // 2
        self.ttl = self.n_features - _N_CTY - _N_TTL
        self.vectorizer = HashingVectorizer(
            n_features=self.half, analyzer=_identity, alternate_sign=False, norm=None
        )
        self.ent_vectorizer = HashingVectorizer(
            n_features=self.ttl - self.half, analyzer=_identity, alternate_sign=False, norm=None,
        )
        self.ttl_vectorizer = HashingVectorizer(
            n_features=_N_TTL, analyzer=_identity, alternate_sign=False, norm=None
        )
        self.cty_vectorizer = HashingVectorizer(
            n_features=_N_CTY, analyzer=_identity, alternate_sign=False, norm=None
        )
        self.df = np.zeros(self.n_features, dtype=np.float64)
        self.n_docs = 0.0
        self.df_day: date | None = None
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
        row = con.execute("SELECT value FROM story_meta WHERE key = 'df'").fetchone()
        same_layout = False
        if row:
            meta = json.loads(con.execute("SELECT value FROM story_meta WHERE key = 'meta'").fetchone()[0])
            df = np.frombuffer(row[0], dtype="<f4").astype(np.float64)
            # vectors written with another column layout cannot be compared: start them afresh
            same_layout = meta.get("layout") == _LAYOUT
            if len(df) == self.n_features and same_layout:
                self.df = df
                self.n_docs = meta["n_docs"]
                self.df_day = date.fromisoformat(meta["day"]) if meta["day"] else None
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
        """Drop member vectors older than ``vector_keep_days`` on the news clock (issue 24) and, in any
        case, older than ``window_days`` calendar days. Why the clock: in a thin stream (a sample of
        12 articles a day) a follow-up five days later has had little news in between, in a full one
        (150 a day) the clock is the calendar, so full streams keep exactly the days they kept before."""
        if day is None:
            return
        cap = day - timedelta(days=max(self.cfg["window_days"], self.cfg["vector_keep_days"]))
        age = self._news_ages(day)
        keep = self.cfg["vector_keep_days"]
        while self.blocks and self.blocks[0][0] is not None and (
                self.blocks[0][0] < cap or age(self.blocks[0][0]) > keep):
            self.blocks.popleft()
        win = timedelta(days=max(self.cfg["window_days"], config()["dedup"]["window_days"]))
        while self.art_day and self.art_day[0][0] is not None and self.art_day[0][0] < day - win:
            _, aid = self.art_day.popleft()
            self.art_story.pop(aid, None)

    def _news_ages(self, day: date | None) -> Any:
        """Age of a story on the news clock: calendar days, shortened where little news was published.

        Why: time decay is about how much news has happened since, not about the calendar (TDT
        systems decay over the last N stories, Allan et al. 1998). In a thin stream (one outlet, a
        sample: 7 articles a day) a follow-up three days later has little in between; in a full
        stream (150 a day) a day is a day. Age = gap * min(1, max(``clock_min_fraction``, mean
        articles per day over the gap / ``clock_articles_per_day``)); the days counted are the
        story's last day up to yesterday. The floor keeps a day of a thin stream worth something.
        """
        ref = float(self.cfg["clock_articles_per_day"])
        memo: dict[date | None, float] = {}

        def age(last: date | None) -> float:
            if day is None or last is None:
                return 0.0
            if last not in memo:
                gap = (day - last).days
                if gap <= 0 or ref <= 0:
                    memo[last] = float(max(gap, 0))
                else:
                    vol = sum(self.day_counts.get(last + timedelta(days=k), 0) for k in range(gap)) / gap
                    memo[last] = gap * min(1.0, max(self.cfg["clock_min_fraction"], vol / ref))
            return memo[last]

        return age

    def _thin(self, day: date | None, n_today: int) -> bool:
        """Is the stream thin on ``day``: fewer than ``clock_articles_per_day`` articles that day (the news
        clock's measure)? A run that stops inside a day counts only the articles it has seen.

        Why two merge models: the hand-set score was set on full streams (150 articles a day, where stories
        of one conflict share most of their words and must be kept apart); the fitted model was fitted on a
        thin multi-outlet month (12 a day, where one event's follow-ups days later share few words). Each
        is used on the kind of stream it was made for (METHOD.md, issue 24)."""
        if day is None:  # undated articles: no time decay, clustered among themselves as before
            return False
        return n_today + self.day_counts.get(day, 0) < float(self.cfg["clock_articles_per_day"])

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
        """Features of an article: content words of title (weighted) and lead, the names of
        title and lead, the countries of its resolved places; a digest contributes its top item."""
        cfg = self.cfg
        title = art.get("title") or ""
        if is_digest(title):
            lead = digest_lead(strip_furniture(art.get("text") or ""), cfg["digest_lead_chars"])
            text_toks = content_words(lead)
            name_src = lead
            title = ""
        else:
            toks = art.get("_words")
            if toks is None:
                toks = words(strip_furniture(art.get("text") or ""))
            text_toks = content_words(title) * cfg["title_weight"] + keep_content(toks[: cfg["lead_words"]])
            body = strip_furniture(art.get("text") or "")
            lead = _DATELINE.sub("", body[: cfg["name_lead_chars"] + 80], count=1)
            name_src = lead[: cfg["name_lead_chars"]]
        # a title in Title Case capitalises every word: only names also found in the lead count
        body_names = names(name_src)
        known = set(body_names)
        ents = kb_names([w for w in names(title) if w in known] * cfg["title_weight"] + body_names)
        places, ctys = countries_and_places((title + "\n" + name_src)[: cfg["place_lead_chars"]])
        if cfg["place_names"]:
            ents += [f"@{p}" for p in places]
        foreign = sorted({c for c in ctys if c != cfg["home_country"]})
        if cfg.get("root_lemmas", True):
            text_toks = lemmas(text_toks)
        return {"text": text_toks, "ent": ents, "title": lemmas(content_words(title)),
                "cty": foreign if cfg.get("conflict_foreign_only") else (foreign or sorted(set(ctys)))}

    def vectorize(self, feats: list[dict[str, list[str]]]) -> sp.csr_matrix:
        """Rows with two unit-length TF-IDF parts in disjoint column ranges: words, and names +
        places + countries (countries in the last ``_N_CTY`` columns). The df of this batch is
        added first (a new word gets df >= 1)."""
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
        part = (x.indices >= half).astype(np.int64) + (x.indices >= self.ttl) + (x.indices >= n - _N_CTY)
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        sq = np.zeros((x.shape[0], 4))
        np.add.at(sq, (rows, part), x.data ** 2)
        sq[sq == 0] = 1.0
        x.data = x.data / np.sqrt(sq[rows, part])
        return x.astype(np.float32)

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
        ages_of = self._news_ages(day)
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
                mats.append(mat[sel])
                labels.extend(index[sids[k]] for k in sel)
        lab_prev = np.array(labels, dtype=np.int64)
        n2t = np.zeros(len(active))
        n2e = np.zeros(len(active))
        half, ttl, ncty = self.half, self.ttl, self.n_features - _N_CTY
        if mats:
            members = sp.vstack(mats).tocsr()
            # centroid of each active story = sum of its recent member vectors; squared norms per part
            assign = sp.csr_matrix(
                (np.ones(len(lab_prev)), (lab_prev, np.arange(len(lab_prev)))),
                shape=(len(active), len(lab_prev)),
            )
            cent = assign @ members
            n2t = _sq_norms(_cols(cent, 0, half))
            n2e = _sq_norms(_cols(cent, half, ttl))
            mem_c = _binary(_cols(members, ncty, self.n_features))
            mem_eb = _binary(_cols(members, half, ttl))
            mem_ttl = _cols(members, ttl, ncty)
        if xd is not None:
            xt, xe, xh = _cols(xd, 0, half), _cols(xd, half, ttl), _cols(xd, ttl, ncty)
            xc = _binary(_cols(xd, ncty, self.n_features))
            # shared names weighted by their idf: one rare shared name ("Saracen") is strong evidence
            xeb = _binary(xe)
            rare = self.cfg.get("rare_name_df", 3.0)
            xer = xeb.copy()  # names that are rare in the decayed document frequencies
            xer.data = (self.df[xer.indices] <= rare).astype(xer.data.dtype)
            xer.eliminate_zeros()
            has_e = np.diff(xe.indptr) > 0
            has_c = np.diff(xc.indptr) > 0
            if mats:
                st_prev = (xt @ members.T).toarray()
                se_prev = (xe @ members.T).toarray()
                sr_prev = (xer @ mem_eb.T).toarray()
                sh_prev = (xh @ mem_ttl.T).toarray()
                sc_prev = (xc @ mem_c.T).toarray() > 0
                mhas_c = np.diff(mem_c.indptr) > 0
            else:
                m0 = np.zeros((xd.shape[0], 0))
                st_prev, se_prev, sc_prev, mhas_c = m0, m0, m0 > 0, np.zeros(0, dtype=bool)
                sr_prev = sh_prev = m0
            st_day = (xt @ xt.T).toarray()
            se_day = (xe @ xe.T).toarray()
            sr_day = (xer @ xeb.T).toarray()
            sh_day = (xh @ xh.T).toarray()
            sc_day = (xc @ xc.T).toarray() > 0
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
        if self.model_thin is not None and self._thin(day, len(arts)):
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
                labs = np.concatenate([lab_prev, day_lab[:k][prev]])
                wt = np.concatenate([st_prev[k], st_day[k, :k][prev]])
                we = np.concatenate([se_prev[k], se_day[k, :k][prev]])
                wr = np.concatenate([sr_prev[k], sr_day[k, :k][prev]])
                wh = np.concatenate([sh_prev[k], sh_day[k, :k][prev]])
                wc = np.concatenate([sc_prev[k], sc_day[k, :k][prev]])
                mc = np.concatenate([mhas_c, has_c[:k][prev]])
                na = len(active)
                if len(labs):
                    dots_t = np.bincount(labs, weights=wt, minlength=na)
                    dots_e = np.bincount(labs, weights=we, minlength=na)
                    overlap_c = np.bincount(labs, weights=wc.astype(float), minlength=na)
                    story_c = np.bincount(labs, weights=mc.astype(float), minlength=na)
                else:
                    dots_t = dots_e = overlap_c = story_c = np.zeros(na)
                ok = n2t > 0
                age = age_all[:na]
                cent_e = np.where(n2e > 0, dots_e / np.sqrt(np.where(n2e > 0, n2e, 1.0)), 0.0)
                cent_t = np.where(ok, dots_t / np.sqrt(np.where(ok, n2t, 1.0)), 0.0)
                mem_t = np.zeros(na)
                mem_e = np.zeros(na)
                mem_r = np.zeros(na)
                mem_h = np.zeros(na)
                if len(labs):
                    np.maximum.at(mem_t, labs, wt)
                    np.maximum.at(mem_e, labs, we)
                    np.maximum.at(mem_r, labs, wr)
                    np.maximum.at(mem_h, labs, wh)
                conflict = (story_c > 0) & (overlap_c == 0) if has_c[k] else np.zeros(na, dtype=bool)
                outlet = source_outlet.get(aid) or art.get("outlet") or ""
                same_out = np.zeros(na)
                same_out[by_outlet.get(outlet, [])] = 1.0
                jac = np.zeros(na)
                codes = actors.get(aid) or set()
                if codes:  # the pipeline's actor codes (entities table), when it filled them
                    for q, s_id in enumerate(active):
                        top = _top_actors(self.stories[s_id])
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
            for r, (aid, sid) in enumerate(zip(aids, new_sids, strict=False)):
                row = mat.getrow(r)
                self.out_vectors.append(
                    (aid, sid, day, row.indices.astype("<i4").tobytes(), row.data.astype("<f4").tobytes())
                )

    # ----- output --------------------------------------------------------------------------
    def meta_rows(self) -> list[tuple[str, bytes]]:
        meta = {"n_docs": self.n_docs, "day": self.df_day.isoformat() if self.df_day else None,
                "layout": _LAYOUT}
        return [("df", self.df.astype("<f4").tobytes()), ("meta", json.dumps(meta).encode())]


def add_member(
    agg: StoryAgg, art: dict[str, Any], day: date | None, outlet: str, codes: set[str] | None
) -> None:
    """Count one member article into a story: title, dates, articles, independent outlet, actors."""
    own = (art.get("title") or "").strip()
    if own and not is_digest(own):
        agg.titles = (agg.titles + [own])[-MAX_TITLES:]
        agg.title = central_title(agg.titles)
    elif agg.title is None:  # a digest's or an untitled article's title only until a real one comes
        agg.title = own or _first_sentence(art.get("text") or "")
    if day is not None:
        agg.first_date = day if agg.first_date is None else min(agg.first_date, day)
        agg.last_date = day if agg.last_date is None else max(agg.last_date, day)
    agg.n_articles += 1
    if outlet:
        agg.outlets[outlet] += 1
    for c in codes or ():
        agg.actors[c] += 1
    agg.touched = True


def _top_actors(agg: StoryAgg) -> set[str]:
    """The story's main actor codes: those of at least 30% of its articles."""
    if not agg.actors:
        return set()
    floor = max(1.0, 0.3 * agg.n_articles)
    return {c for c, n in agg.actors.items() if n >= floor}


def _cols(x: sp.csr_matrix, lo: int, hi: int) -> sp.csr_matrix:
    """The same matrix with only the columns in [lo, hi) kept (shape unchanged)."""
    x = x.tocsr()
    keep = (x.indices >= lo) & (x.indices < hi)
    out = x.copy()
    out.data = np.where(keep, out.data, 0).astype(out.data.dtype)
    out.eliminate_zeros()
    return out


def _binary(x: sp.csr_matrix) -> sp.csr_matrix:
    out = x.copy()
    out.data = np.ones_like(out.data)
    return out


def _sq_norms(x: sp.csr_matrix) -> np.ndarray:
    return np.asarray(x.multiply(x).sum(axis=1), dtype=np.float64).ravel()


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
