"""Titles and roles: a role phrase with what follows it becomes one actor.

role [role ...] [joiner] [owner] [name] is composed into one mention: "Menteri Luar Negeri Jepang Yoko
Kamikawa" -> JPN GOV "Yoko Kamikawa"; "pasukan Putin" -> RUS MIL (a person owner gives their country);
"juru bicara militer Israel" -> ISR MIL (inheriting roles take the sector of what they belong to). A
title with an unknown name ("Menteri Luar Negeri Filipina Enrique Manalo") is coded from title and
country. A title without a name ("Menlu Rusia") takes the person last introduced with the same title and
country, else the KB holder of that office on the reference date (``office_index``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pantau.actors.analysis import (
    INSTITUTIONAL,
    SPACE_GAP_RE,
    Analysis,
    Chunk,
    Mention,
    Tok,
    gap_before,
    tokenize,
)
from pantau.actors.coref import remember_surnames
from pantau.actors.kb import KBEntry
from pantau.actors.names import is_word, unknown_name_span
from pantau.records import Entity

if TYPE_CHECKING:
    from pantau.actors.chunker import Chunker
    from pantau.actors.resolver import ActorResolver

COMMA_GAP_RE = re.compile(r"^[ \t]*,[ \t]*$")


def office_index(res: Chunker) -> dict[tuple[str, str], list[tuple[KBEntry, Any]]]:
    """(role id, code) -> [(person, term)] from the KB's office strings, for title-only mentions."""
    out: dict[tuple[str, str], list[tuple[KBEntry, Any]]] = {}
    for e in res.kb.entries:
        if e.kind != "person":
            continue
        for t in e.terms:
            chunks = res._chunk(tokenize(t.office), t.office)
            role = next((c.role for c in chunks if c.kind == "role"), None)
            owner = next((c.entry for c in chunks if c.kind == "kb" and c.entry is not None), None)
            code = t.code or (owner.code if owner else None) or (role.code if role else None)
            if role and code:
                out.setdefault((role.id, code), []).append((e, t))
    return out


def between_ok(joiners: set[tuple[str, ...]], toks: list[Tok], a: int, b: int, text: str) -> bool:
    """Tokens a..b (exclusive) are joiners only and the gaps are plain spaces."""
    if a == b:
        return True
    if tuple(t.lower for t in toks[a:b]) not in joiners:
        return False
    return all(SPACE_GAP_RE.match(text[toks[k - 1].end : toks[k].start]) for k in range(a, b + 1) if k > 0)


def _owner_follows(chunks: list[Chunk], k: int, owner: KBEntry | None) -> bool:
    """An owner was found and the next chunk is a KB actor: what may extend the title past the owner
    (a bracketed short form of the owner, an envoy's posting); the caller checks which."""
    return owner is not None and k < len(chunks) and chunks[k].kind == "kb"


def compose_title(res: ActorResolver, st: Analysis, k: int) -> int:
    """Compose the role chunk ``st.chunks[k]`` with its further roles, owner, posting and name into one
    mention (added to ``st.mentions``; to ``st.pending_fallback`` too when it has no code yet); returns
    the index of the next chunk to read."""
    toks, chunks, text, by_tok, taken = st.toks, st.chunks, st.text, st.by_tok, st.taken
    ref, context_country, ents = st.ref, st.context_country, st.ents
    c = chunks[k]
    chain = [c.role]
    last = c
    k2 = k + 1
    while (
        k2 < len(chunks)
        and chunks[k2].kind == "role"
        and len(chain) < 4
        and between_ok(res.joiners, toks, last.j, chunks[k2].i, text)
        and (
            chunks[k2].i == last.j
            and SPACE_GAP_RE.match(gap_before(toks, chunks[k2].i, text))
            or chunks[k2].i > last.j
        )
    ):
        chain.append(chunks[k2].role)
        last = chunks[k2]
        k2 += 1
    person_role = any(r.kind == "person" for r in chain)
    # the name after "ajudan Presiden Rusia ..." is the president's, not the aide's
    n_person = sum(1 for r in chain if r.kind == "person")
    owner: KBEntry | None = None
    name_entry: KBEntry | None = None
    end_tok = last.j
    # a portfolio between title and country: "Menteri Komunikasi dan Digital RI, ..."
    p = end_tok
    while (
        p < len(toks)
        and p - end_tok < 6
        and p not in taken
        and SPACE_GAP_RE.match(gap_before(toks, p, text))
        and (
            (toks[p].text[:1].isupper() and is_word(toks[p]))
            or (toks[p].lower in {"dan", "serta"} and p > end_tok)
        )
    ):
        p += 1
    if (
        p > end_tok
        and toks[p - 1].lower not in {"dan", "serta"}
        and (
            p in by_tok
            and by_tok[p].kind in {"kb", "region"}
            or (p < len(toks) and "," in gap_before(toks, p, text))
        )
    ):
        end_tok = p
        while k2 < len(chunks) and chunks[k2].i < end_tok:
            k2 += 1
    if (
        k2 < len(chunks)
        and chunks[k2].kind in {"kb", "region"}
        and between_ok(res.joiners, toks, end_tok, chunks[k2].i, text)
        and SPACE_GAP_RE.match(gap_before(toks, chunks[k2].i, text))
    ):
        cand = chunks[k2].entry
        assert cand is not None
        if cand.kind == "person" and person_role and not (len(chain) == 1 and chain[0].inherit):
            name_entry = cand
        else:
            owner = cand
        end_tok = chunks[k2].j
        k2 += 1
    # "Presiden Korea Selatan (Korsel) Yoon Suk Yeol": skip the bracketed short form
    if _owner_follows(chunks, k2, owner) and (
        chunks[k2].entry is owner
        and gap_before(toks, chunks[k2].i, text).strip() == "("
        and chunks[k2].j < len(toks)
        and gap_before(toks, chunks[k2].j, text).strip() == ")"
    ):
        end_tok, k2 = chunks[k2].j, k2 + 1
    # posting of an envoy: "Duta Besar Rusia untuk AS ..."
    if _owner_follows(chunks, k2, owner) and (
        chunks[k2].i == end_tok + 1
        and toks[end_tok].lower in {"untuk", "di"}
        and any(r.id == "dubes" for r in chain)
        and chunks[k2].entry.kind in {"country", "org"}
    ):
        end_tok, k2 = chunks[k2].j, k2 + 1
    unknown_name: str | None = None
    if person_role and name_entry is None and end_tok < len(toks):
        gap = gap_before(toks, end_tok, text)
        if gap.strip() == ")":
            gap = " "
        nxt = by_tok.get(end_tok)
        if (
            nxt is not None
            and nxt.kind == "kb"
            and nxt.entry.kind == "person"
            and (SPACE_GAP_RE.match(gap) or COMMA_GAP_RE.match(gap))
        ):
            name_entry = nxt.entry
            end_tok = nxt.j
            k2 = chunks.index(nxt) + 1
        elif SPACE_GAP_RE.match(gap) or COMMA_GAP_RE.match(gap):
            span = unknown_name_span(toks, end_tok, text, taken)
            if span is not None and ents:  # an NER PER span starting there sets the extent
                for es, ee, lab in ents:
                    if lab == "PER" and es == toks[span[0]].start:
                        jj = span[0]
                        while jj < len(toks) and toks[jj].end <= ee and jj not in taken:
                            jj += 1
                        span = (span[0], max(jj, span[1]))  # NER may extend a name, not cut it
            if span is not None:
                si, sj = span
                after = gap_before(toks, sj, text) if sj < len(toks) else ""
                # "Wali Kota Los Angeles, Karen Bass, ..." -> place, then the name
                if owner is None and "," in after and not COMMA_GAP_RE.match(gap):
                    span2 = unknown_name_span(toks, sj, text, taken)
                    if span2 is not None and COMMA_GAP_RE.match(after):
                        si, sj = span2
                        after = gap_before(toks, sj, text) if sj < len(toks) else ""
                words = sj - si
                comma_ok = SPACE_GAP_RE.match(gap) or "," in after or words >= 2
                if comma_ok:
                    unknown_name = text[toks[si].start : toks[sj - 1].end]
                    end_tok = sj
                    while k2 < len(chunks) and chunks[k2].i < end_tok:
                        k2 += 1
    start = c.start
    end = toks[end_tok - 1].end
    former = c.i > 0 and toks[c.i - 1].lower in res.former
    head = chain[0]
    # sector: the head role's, or inherited from what it belongs to
    sector = head.sector
    if head.inherit:
        nxt_role = next((r for r in chain[1:] if not r.inherit), None)
        if nxt_role is not None:
            sector = nxt_role.sector
        elif owner is not None and owner.kind in {"org", "group", "metonym"}:
            sector = owner.at(ref)[1]
    if owner is not None and owner.kind == "group" and owner.at(ref)[1] in {"REB", "OPP"}:
        sector = owner.at(ref)[1]
    code = next((r.code for r in chain if r.code), None)
    if code is None and owner is not None:
        code = owner.at(ref)[0]
    name = wikidata = None
    known = True
    if n_person > 1 or (owner is not None and owner.kind == "person"):
        name_entry = None
        unknown_name = None
    if name_entry is not None:
        pcode, psector, _ = name_entry.at(ref)
        code = code or pcode
        if former:
            sector = psector
        name, wikidata = name_entry.name, name_entry.wikidata
    elif unknown_name:
        name, known = unknown_name, unknown_name.lower() in res.known_names
    role_key = chain[-1].id if person_role else head.id
    is_person = n_person == 1 and not (owner is not None and owner.kind == "person")
    if is_person and name is None:
        # title-only: earlier person with this title (and country), else the KB office holder
        mem = st.title_memory.get((role_key, code)) or (
            st.title_memory.get((role_key, None)) if code is None else None
        )
        if mem is not None:
            name, wikidata, mcode = mem
            code = code or mcode
        elif code is not None and ref is not None and not former:
            for pe, t in res.offices.get((role_key, code), []):
                if (t.start is None or t.start <= ref) and (t.end is None or ref < t.end):
                    name, wikidata = pe.name, pe.wikidata
                    break
    if is_person and name and code:
        st.title_memory[(role_key, code)] = (name, wikidata, code)
        st.title_memory[(role_key, None)] = (name, wikidata, code)
    label = "PER" if (name and is_person) else "ACTOR"
    emit = True
    if code is None:
        alone = next((r.alone_code for r in chain if r.alone_code), None)
        if alone:
            code = alone
        elif person_role and (unknown_name or len(chain) > 1 or head.id not in {"pejabat", "pemimpin"}):
            code = context_country
        elif head.standalone:
            code = context_country if sector in INSTITUTIONAL and context_country else None
        else:
            emit = person_role and unknown_name is not None
    if emit:
        ent = Entity(text[start:end], label, start, end, code, sector, name, wikidata)
        m = Mention(
            ent,
            "title" if person_role else "collective",
            person=bool(is_person),
            known=known,
            sent=st.sent_of(start),
            oblique=st.oblique(c.i),
        )
        if code is None:
            st.pending_fallback.append(m)
        st.mentions.append(m)
        if unknown_name and not known:
            remember_surnames(st, m, unknown_name)
    return max(k2, k + 1)
