"""Person names that are not in the KB: where an unknown name after a title starts and ends, which NER
PER spans look like names, and what counts as an ordinary Indonesian word rather than a name.
"""

from __future__ import annotations

from pantau.actors.analysis import NAME_STOP, SPACE_GAP_RE, Analysis, Mention, Tok, tokenize
from pantau.nlp.morph import in_dictionary, in_lexicon
from pantau.records import Entity

PARTICLES = {"bin", "binti", "al", "van", "von", "de", "der", "el", "da", "le", "la", "ibn", "abu"}


def is_word(tok: Tok) -> bool:
    """An ordinary Indonesian word (a dictionary root, or an affixed form of one: "Perekonomian").
    Short words count only as roots: "Hakan" is a name, not hak-an."""
    w = tok.lower
    return len(w) > 2 and (in_lexicon(w) or (len(w) >= 6 and in_dictionary(w)))


def unknown_name_span(toks: list[Tok], i: int, text: str, taken: set[int]) -> tuple[int, int] | None:
    """(start, end) token indices of an unknown person's name starting at or just after i, or None.

    A name is 1-5 capitalised tokens joined by single spaces or hyphens ("Lee Ho-young"), with
    particles inside (bin, al, de, van ...). Leading acronyms ("CGT Philippe Martinez") and leading
    dictionary words ("Nasional Lee Ho-young") are skipped; a run made only of dictionary words or
    running on past five tokens is a title-case headline or an organisation, not a name. (PySastrawi's
    dictionary also holds many given names, so one dictionary word does not disqualify a name.)
    """
    n = len(toks)
    while (
        i < n
        and i not in taken
        and toks[i].text.isupper()
        and 2 <= len(toks[i].text) <= 5
        and i + 1 < n
        and SPACE_GAP_RE.match(text[toks[i].end : toks[i + 1].start])
    ):
        i += 1  # an unknown organisation's acronym before the name
    j = i
    while j < n and j not in taken:
        t = toks[j]
        gap = text[toks[j - 1].end : t.start] if j > i else " "
        if j > i and gap not in {" ", "-"}:
            break
        if j > i and gap == "-" and t.text.isalnum():
            j += 1
            continue
        if t.lower in PARTICLES and j > i:
            j += 1
            continue
        if not t.text[:1].isupper() or t.lower in NAME_STOP or (t.text.isupper() and len(t.text) > 1):
            break
        j += 1
        if j - i > 5:
            return None  # a title-case headline, not a name
    while j > i and toks[j - 1].lower in PARTICLES:
        j -= 1
    if i >= j or all(is_word(t) for t in toks[i:j]):
        return None  # "Liga Muslim Dunia", "Dunia Berpengaruh": ordinary words, not a name
    while len(toks[i].text) >= 5 and is_word(toks[i]):
        i += 1  # "Nasional Lee Ho-young" -> "Lee Ho-young" (short words like "Kim" stay)
    return i, j


def name_like(span: str) -> bool:
    """Filter for statistical NER PER spans: 2-5 capitalised words joined by spaces or hyphens,
    not starting with an ordinary word ("Melansir BBC", "Kebakaran Eaton"), no acronyms, and not a
    known place ("Los Angeles", "Selat Hormuz")."""
    toks = tokenize(span)
    if not 2 <= len(toks) <= 5 or span != span.strip():
        return False
    if any(span[a.end : b.start] not in {" ", "-"} for a, b in zip(toks, toks[1:], strict=False)):
        return False
    for k, t in enumerate(toks):
        if t.lower in NAME_STOP or (t.text.isupper() and len(t.text) > 1):
            return False
        if not t.text[:1].isupper() and not (k and t.lower in PARTICLES):
            if not (k and span[toks[k - 1].end : t.start] == "-"):
                return False
    if is_word(toks[0]) and len(toks[0].text) >= 5 or all(is_word(t) for t in toks):
        return False
    try:
        from pantau.places import geocode
    except ImportError:  # pragma: no cover
        return True
    return geocode(span) is None


def add_ner_persons(st: Analysis, known_names: set[str]) -> None:
    """NER persons not otherwise covered (unknown, code UNK unless a surname above)."""
    text, mentions = st.text, st.mentions
    spans = [(m.entity.start, m.entity.end) for m in mentions]
    for es, ee, lab in st.ents or ():
        if lab != "PER" or any(s < ee and es < e for s, e in spans):
            continue
        if not name_like(text[es:ee]):
            continue
        ent = Entity(text[es:ee], "PER", es, ee, "UNK", "UNK", text[es:ee], None)
        known = text[es:ee].lower() in known_names
        mentions.append(Mention(ent, "ner", person=True, known=known, sent=st.sent_of(es)))
