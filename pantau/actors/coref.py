"""Who a mention refers back to, and the codes left to the article's context.

After the titles are composed, within the article: a titled person or an institutional group (police,
courts, parliament) with no country takes an appositive's state, else the article's dominant state
(>= 40 % of state mentions, >= 2 mentions), else UNK; civilians, rebels, opposition, media and NGOs
without owner are coded UNK (``fallback_codes``). Surnames of introduced unknown people resolve to them
(``remember_surnames``, ``resolve_surnames``). Pronouns (dia/ia/beliau) and "-nya" on role nouns
("negaranya", "militernya") take the nearest preceding actor in the same sentence that is not inside a
prepositional phrase, else the subject (first such actor) of the nearest previous sentence (up to 3
back); pronouns only take person antecedents (``resolve_pronouns``).
"""

from __future__ import annotations

import re

from pantau.actors.analysis import INSTITUTIONAL, SPACE_GAP_RE, Analysis, Mention
from pantau.nlp.morph import in_lexicon
from pantau.records import Entity

NAME_PARTICLES = {"abu", "bin", "binti", "abdul", "abdel", "al", "el", "van", "von", "de", "ibn"}
# ", komandan senior " / ", duta besar ": a lower-case appositive role (a role mention) between a person
# and a state
COMMA_LEAD_RE = re.compile(r"\s*,\s*")
APPOSITIVE_RE = re.compile(r"^\s*,\s*(?:[a-z]+\s+){1,4}$")
# an owner that is several unnamed states: never the article's dominant one
PLURAL_OWNER_RE = re.compile(
    r"\b(?:negara-negara|negeri-negeri|(?:sejumlah|berbagai|banyak|beberapa) negara)\b", re.I
)
STATE_LIKE = re.compile(r"^[A-Z]{3}$")


def remember_surnames(st: Analysis, m: Mention, unknown_name: str) -> None:
    """Remember the short forms of an unknown person's name just introduced by a title (``m``)."""
    parts = unknown_name.split()
    if len(parts) >= 2:
        # the last word is the usual short form; the first one where the family name leads, as in
        # three short syllables of Korean, Chinese or Vietnamese names ("Cho Tae Yul" ... "kata
        # Cho"); not for longer names, whose first word is often a glued place ("Queensland ...")
        east_asian = len(parts) == 3 and all(len(p) <= 6 for p in parts)
        for w, first in ((parts[-1], False), (parts[0], True))[: 2 if east_asian else 1]:
            if len(w) < 3 or in_lexicon(w.lower()) or w.lower() in NAME_PARTICLES:
                continue
            if first:
                st.surname_memory.setdefault(w, m)
            else:
                st.surname_memory[w] = m


def fallback_codes(st: Analysis) -> None:
    """Code the mentions composed without a country (``st.pending_fallback``)."""
    text, mentions, pending_fallback = st.text, st.mentions, st.pending_fallback
    # dominant state for fallbacks
    counts: dict[str, int] = {}
    for m in mentions:
        if (
            m.kind in {"kb", "title", "collective"}
            and m.entity.code
            and STATE_LIKE.match(m.entity.code)
            and m.entity.code not in {"UNK", "WST", "IGO", "NGO"}
        ):
            counts[m.entity.code] = counts.get(m.entity.code, 0) + 1
    dominant = None
    if counts:
        top = max(counts, key=lambda x: counts[x])
        if counts[top] >= 2 and counts[top] / sum(counts.values()) >= 0.4:
            dominant = top
    for m in pending_fallback:
        if m.entity.code is None and m.person:
            # "Jenderal Budi Santoso, komandan pasukan PBB di Lebanon": the appositive's state
            end = m.entity.end or 0
            comma = COMMA_LEAD_RE.match(text, end)
            role = comma and any(
                x.entity.start == comma.end() and x.kind in {"title", "collective"} for x in mentions
            )
            app = role and next(
                (
                    x
                    for x in mentions
                    if x.entity.code
                    and STATE_LIKE.match(x.entity.code)
                    and x.entity.code != "UNK"
                    and end < (x.entity.start or 0) <= end + 40
                    and APPOSITIVE_RE.match(text[end : x.entity.start])
                ),
                None,
            )
            if app:
                m.entity.code = app.entity.code
        if m.entity.code is None and PLURAL_OWNER_RE.search(m.entity.text):
            m.entity.code = "UNK"  # "duta besar sejumlah negara": several states, none of them the owner
            m.entity.name = None
        if m.entity.code is None:
            if m.kind == "title" or m.entity.sector in INSTITUTIONAL:
                m.entity.code = dominant or "UNK"
            else:
                m.entity.code = "UNK"


def resolve_surnames(st: Analysis) -> None:
    """Surnames of introduced unknown people, later in the text."""
    if not st.surname_memory:
        return
    toks, chunks, text, mentions, surname_memory = st.toks, st.chunks, st.text, st.mentions, st.surname_memory
    covered = {k for c in chunks for k in range(c.i, c.j)}
    spans = [(m.entity.start, m.entity.end) for m in mentions]
    for idx, t in enumerate(toks):
        src = surname_memory.get(t.text)
        if src is None or idx in covered or any(s <= t.start < e for s, e in spans):
            continue
        nxt = toks[idx + 1] if idx + 1 < len(toks) else None
        if (
            nxt is not None
            and nxt.text[:1].isupper()
            and SPACE_GAP_RE.match(text[t.end : nxt.start])
            and nxt.text != src.entity.text.split()[-1]
        ):
            continue  # "Han Dong Hoon": the start of another full name, not "Han" (Duck Soo)
        e0 = src.entity
        ent = Entity(t.text, "PER", t.start, t.end, e0.code, e0.sector, e0.name, None)
        mentions.append(
            Mention(
                ent, "surname", person=True, known=False, sent=st.sent_of(t.start), oblique=st.oblique(idx)
            )
        )


def resolve_pronouns(mentions: list[Mention]) -> list[Mention]:
    """Pronouns and -nya by salience (``mentions`` in text order); those with no antecedent are dropped."""
    out: list[Mention] = []
    for m in mentions:
        if m.kind in {"pronoun", "nya"}:
            ante = antecedent(out, m, person_only=m.kind == "pronoun")
            if ante is None:
                continue
            a = ante.entity
            m.entity.code, m.entity.name, m.entity.wikidata = a.code, a.name, a.wikidata
            if m.kind == "pronoun":
                m.entity.sector = a.sector
                m.person = True
            else:
                role = m.extra["role"]
                m.entity.sector = role.sector if not role.inherit else a.sector
                if role.id in {"negara", "pemerintah"}:
                    m.entity.name = None
                    m.entity.wikidata = None
                m.entity.label = "ACTOR"
                m.entity.name = None  # "menterinya" is his minister, not him
                m.entity.wikidata = None
        out.append(m)
    return out


def antecedent(prev: list[Mention], m: Mention, person_only: bool) -> Mention | None:
    """The salient actor before ``m``: same sentence, nearest, not oblique; else the previous sentence's
    subject (up to 3 back)."""

    def ok(x: Mention) -> bool:
        code = x.entity.code
        if not code or code == "UNK":
            return False
        return x.person if person_only else True

    same = [x for x in prev if x.sent == m.sent and ok(x) and not x.oblique]
    # a pronoun opening its sentence refers to the previous sentence's subject
    first_in_sentence = not any(x.sent == m.sent for x in prev)
    if same and not first_in_sentence:
        return same[-1]
    for s in range(m.sent - 1, m.sent - 4, -1):
        cands = [x for x in prev if x.sent == s and ok(x) and not x.oblique]
        if cands:
            return cands[0]
    return None
