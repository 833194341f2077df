"""Who: resolve actor mentions in Indonesian news text to PLOVER codes and sectors.

The public entry points (``ActorResolver``, ``get_resolver``, ``entity_at``) and the order of the steps.
How it works (all rules general; lexicons are in ``data/*.yaml``/``*.tsv``; each step in its module):

1. **Chunking** (``index.py``, ``chunker.py``). The text is split into word tokens (``\\w+``; punctuation
   and hyphens separate tokens, so "Kim Jong-un" = "Kim Jong Un"). At each token the longest alias of
   the KB (states, metonyms, organisations, armed groups, people), of a role phrase ("Menteri Luar
   Negeri", "pasukan") or of a blocker ("Amerika Latin", "Jawa Barat") is matched through a dict keyed
   by lowercased token tuples (O(tokens x max alias length) lookups, no giant regex). Case rules: an
   all-capitals alias ("AS") must be capitals in the text, a capitalised alias must be capitalised.
   Unmatched capitalised words of >= 5 letters that are not Indonesian dictionary words are
   fuzzy-matched (rapidfuzz ratio or OSA similarity >= 85, same first letter, one unique best entry) to
   single-word aliases, so "Zelesnky" -> Zelensky and "Ukrain" -> Ukraina, but "Rubin" != "Rubio".
2. **Composition** (``titles.py``, unknown names in ``names.py``). role [role ...] [joiner] [owner]
   [name] becomes one actor: "Menteri Luar Negeri Jepang Yoko Kamikawa" -> JPN GOV "Yoko Kamikawa";
   "pasukan Putin" -> RUS MIL (a person owner gives their country); "juru bicara militer Israel" -> ISR
   MIL (inheriting roles take the sector of what they belong to). A title with an unknown name
   ("Menteri Luar Negeri Filipina Enrique Manalo") is coded from title and country and its name is not
   in the KB (``is_unknown``).
3. **Coreference within the article** (``titles.py``, ``coref.py``). A title without a name ("Menlu
   Rusia") takes the person last introduced with the same title and country, else the KB holder of that
   office on the reference date. Surnames of introduced unknown people resolve to them. Pronouns
   (dia/ia/beliau) and "-nya" on role nouns ("negaranya", "militernya") use this salience rule: the
   nearest preceding actor in the same sentence that is not inside a prepositional phrase (not right
   after di/ke/dari/terhadap/...), else the subject (first such actor) of the nearest previous sentence
   (up to 3 back). Pronouns only take person antecedents.
4. **Fallback codes** (``coref.py``). A titled person or an institutional group (police, courts,
   parliament) with no country takes the article's dominant state (>= 40 % of state mentions, >= 2
   mentions), else UNK; civilians, rebels, opposition, media and NGOs without owner are coded UNK.

The records the steps share (``Tok``, ``Chunk``, ``Mention``, one text's ``Analysis``) are in
``analysis.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pantau.actors.analysis import Analysis, Chunk, Mention, sentence_starts, tokenize
from pantau.actors.chunker import Chunker, fuzzy_lookup
from pantau.actors.coref import fallback_codes, resolve_pronouns, resolve_surnames
from pantau.actors.kb import KB, KBEntry, clear_cache
from pantau.actors.names import add_ner_persons
from pantau.actors.titles import compose_title, office_index
from pantau.records import Article, Entity

__all__ = ["ActorResolver", "Mention", "entity_at", "fuzzy_lookup", "get_resolver", "reset_resolver"]


class ActorResolver(Chunker):
    """Resolve actor mentions; build once (``get_resolver()``), call many times."""

    def __init__(self, kb: KB | None = None, fuzzy_cutoff: float = 85.0) -> None:
        super().__init__(kb, fuzzy_cutoff)
        self.offices: dict[tuple[str, str], list[tuple[KBEntry, Any]]] = office_index(self)

    def _analyse(
        self,
        text: str,
        ref: dt.date | None,
        context_country: str | None = None,
        ents: list[tuple] | None = None,
    ) -> list[Mention]:
        toks = tokenize(text)
        chunks = self._chunk(toks, text)
        st = Analysis(
            text,
            ref,
            context_country,
            ents,
            toks,
            chunks,
            sentence_starts(text),
            {c.i: c for c in chunks},
            {k for c in chunks for k in range(c.i, c.j)},
        )
        mentions = st.mentions

        def kb_entity(c: Chunk) -> Mention:
            e = c.entry
            assert e is not None
            code, sector, _office = e.at(ref)
            ent = Entity(text[c.start : c.end], e.label, c.start, c.end, code, sector, e.name, e.wikidata)
            return Mention(
                ent, "kb", person=e.kind == "person", sent=st.sent_of(c.start), oblique=st.oblique(c.i)
            )

        k = 0
        while k < len(chunks):
            c = chunks[k]
            if c.kind in {"block", "region"}:
                k += 1
                continue
            if c.kind == "kb":
                m = kb_entity(c)
                mentions.append(m)
                k += 1
                continue
            if c.kind in {"pron", "nya"}:
                ent = Entity(text[c.start : c.end], "PER" if c.kind == "pron" else "ACTOR", c.start, c.end)
                mentions.append(
                    Mention(
                        ent,
                        "pronoun" if c.kind == "pron" else "nya",
                        sent=st.sent_of(c.start),
                        oblique=st.oblique(c.i),
                        extra={"role": c.role},
                    )
                )
                k += 1
                continue
            # a role: compose role [role...] [owner] [posting] [name]
            k = compose_title(self, st, k)

        fallback_codes(st)
        resolve_surnames(st)
        if ents:
            add_ner_persons(st, self.known_names)

        mentions.sort(key=lambda m: m.entity.start or 0)
        return resolve_pronouns(mentions)

    # ----------------------------------------------------------------- API
    def mentions(
        self,
        text: str,
        ref: dt.date | None = None,
        ents: list[tuple] | None = None,
        context_country: str | None = None,
    ) -> list[Mention]:
        return self._analyse(text, ref, context_country, ents)

    def resolve_mentions(self, doc: Any, article: Article | None = None) -> list[Entity]:
        """All actor mentions of the article text (char spans into ``article.text``)."""
        text = article.text if article is not None else doc.text
        ref = None
        if article is not None:
            try:
                from pantau.dates import reference_date

                ref = reference_date(article)
            except Exception:  # dates module missing or unparsable date
                ref = None
        ents = None
        if doc is not None and getattr(doc, "text", None) == text:
            try:
                if doc.has_annotation("ENT_IOB"):
                    ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
            except Exception:
                ents = None
        return [m.entity for m in self._analyse(text, ref, None, ents)]

    def lookup(
        self, text: str, context_country: str | None = None, ref: dt.date | None = None
    ) -> Entity | None:
        """Resolve one short text ("Menlu Rusia", "Kremlin", "pasukan Putin") to an actor, or None."""
        ms = [m for m in self._analyse(text, ref, context_country) if m.kind not in {"pronoun", "nya"}]
        if not ms:
            return None
        best = max(ms, key=lambda m: ((m.entity.end or 0) - (m.entity.start or 0), -(m.entity.start or 0)))
        return best.entity

    def is_unknown(self, entity: Entity) -> bool:
        """A person named in the text but absent from the KB (candidate for `pantau actors add`)."""
        return bool(entity.name) and entity.wikidata is None and entity.name.lower() not in self.known_names


def entity_at(mentions: list[Entity], start: int, end: int) -> Entity | None:
    """The mention covering [start, end), else the one inside it with the largest overlap."""
    best: Entity | None = None
    best_key: tuple[int, int] | None = None
    for m in mentions:
        if m.start is None or m.end is None:
            continue
        ov = min(end, m.end) - max(start, m.start)
        if ov <= 0:
            continue
        covers = 1 if m.start <= start and end <= m.end else 0
        key = (covers, ov if not covers else -(m.end - m.start))
        if best_key is None or key > best_key:
            best, best_key = m, key
    return best


_RESOLVER: ActorResolver | None = None


def get_resolver() -> ActorResolver:
    """The process-wide resolver (KB loaded once)."""
    global _RESOLVER
    if _RESOLVER is None:
        _RESOLVER = ActorResolver()
    return _RESOLVER


def reset_resolver() -> None:
    """Forget the cached resolver (after `pantau actors add` wrote to the local KB)."""
    global _RESOLVER
    _RESOLVER = None
    clear_cache()
