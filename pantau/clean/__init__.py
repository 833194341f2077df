"""Turn a raw record into a clean Article: body text, furniture removed, metadata filled.

Choices (documented because evidence spans index into ``Article.text``, so the
text must be final here):

* HTML input goes through trafilatura (main text, title, author, date, site; see
  ``html.py`` for the precise/default merge and related-card removal); every input
  then goes through the same line-based furniture rules (``furniture.yaml``), and
  furniture glued inside a paragraph ("... kata dia. Baca juga: <headline> Body ...",
  "ADVERTISEMENT SCROLL TO CONTINUE WITH CONTENT") is cut out (``inline.py``); every
  cut is recorded in ``Article.removed``.
* Mojibake (UTF-8 read as cp1252: "CafÃ©", "â€œ") is repaired with ftfy before anything else.
* Whitespace: each kept line is one paragraph; paragraphs are joined with a
  blank line ("\\n\\n"). Inside a line runs of spaces/tabs/NBSP collapse to one
  space and zero-width characters are dropped; control characters (NUL, ESC, C1) and
  bidi overrides (U+202A-E, U+2066-9) are dropped, and vertical tab, form feed and
  U+2028/2029 break the line; nothing else in a sentence is changed (no case, quote
  or punctuation changes).
* Length: at most ``pantau.ingest.MAX_TEXT_CHARS`` characters (checked again after HTML
  extraction, before spaCy sees the text).
* The dateline prefix of the lead ("LONDON, KOMPAS.com – ", "KONTAN.CO.ID - BRUSSELS. ")
  is cut off (recorded in ``removed`` as rule ``dateline``); the sentence after it
  is kept, and the place goes to ``Article.dateline``.
* Title: given title wins; else the HTML title; else the first body line when it
  is headline-like (short, no final full stop). A clear headline (title case, no
  final full stop) is taken OUT of the text (rule ``headline``); a sentence-like
  first line before the dateline lead (a deck) becomes the title but stays in the text.
* Captions and photo credits go to ``Article.captions``, not the text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from pantau.clean import meta, outlets
from pantau.clean.inline import strip_inline
from pantau.clean.rules import classify_line, rules, tail_match
from pantau.ingest import MAX_TEXT_CHARS, make_id, strip_controls, text_too_long
from pantau.records import Article, RawRecord, Removed

__all__ = ["clean_article", "normalise_text", "fix_mojibake", "MAX_TEXT_CHARS"]

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# two or more blanks of any kind, or one blank that is not a plain space (a lone space is left alone: fast)
_BLANK = r"\t\u00a0\u2000-\u200a\u202f\u205f\u3000"
_SPACES = re.compile(rf"[ {_BLANK}]{{2,}}|[{_BLANK}]")
_LINE_BREAKS = re.compile("[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CAPTION_CUE = re.compile(
    r"\((?:kiri|kanan|tengah|ki-ka|kiri ke kanan|dari kiri(?: ke kanan)?|depan|belakang)\)", re.I
)
_SMALL_WORDS = {
    "di", "ke", "dari", "dan", "yang", "untuk", "dengan", "pada", "atau", "soal", "vs", "usai", "jadi", "ini",
    "itu", "bagi", "akan", "oleh", "dalam", "hingga", "saat", "karena", "agar", "the", "of", "a", "an", "in",
}  # fmt: skip
TAIL_WINDOW = 700  # longest tail (copyright + byline) is ~450 characters
LEAD_WINDOW = 8  # a dateline lead is looked for among the first body lines only


# UTF-8 read as cp1252/latin-1: "Ã©", "â€œ", "Â " (a lead byte's character, then a continuation byte's)
_MOJIBAKE = re.compile(
    "[ÂÃÄÅâ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2122]"
)


def fix_mojibake(text: str) -> str:
    """Repair UTF-8 text that was decoded as cp1252/latin-1 ("CafÃ©" -> "Café", "â€œ" -> "“").

    Only text with a mojibake pair is handed to ftfy.fix_encoding (pure ASCII and
    clean text take the fast path); ftfy's other fixes (quotes, line breaks) are
    not applied, so clean characters are never changed. Without ftfy the text is
    returned unchanged.
    """
    if text.isascii() or not _MOJIBAKE.search(text):
        return text
    try:
        import ftfy
    except ImportError:  # optional dependency: degrade to no repair
        return text
    return ftfy.fix_encoding(text)


def normalise_text(text: str) -> str:
    """Mojibake repaired, NFC, unified newlines, no controls, collapsed spaces, stripped line ends."""
    text = fix_mojibake(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_controls(_LINE_BREAKS.sub("\n", text))
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _ZERO_WIDTH.sub("", text)
    text = _SPACES.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n"))


def _headline_like(line: str) -> bool:
    words = line.split()
    return 3 <= len(words) <= 25 and len(line) <= 200 and not re.search(r"[.;,:]$", line)


def _clear_headline(line: str) -> bool:
    """Title-case headline: most content words capitalised, no final full stop."""
    if not _headline_like(line) or line.startswith(('"', "“", "'")):
        return False
    words = [w for w in re.findall(r"[\w'-]+", line) if w.lower() not in _SMALL_WORDS and not w.isdigit()]
    if not words:
        return False
    caps = sum(1 for w in words if w[0].isupper() or w[0].isdigit())
    return caps / len(words) >= 0.7


def _one_sentence(line: str) -> bool:
    return len(line.split()) <= 30 and not re.search(r"[.!?][\"”’)]?\s+[A-Z\"“]", line)


def _hash(title: str | None, text: str) -> str:
    return hashlib.sha256(((title or "") + "\n\n" + text).encode("utf-8")).hexdigest()


def clean_article(raw: RawRecord, published: str | None = None) -> Article:
    """Clean one raw record. Raises ValueError with a clear message when nothing usable is left."""
    page = None
    if raw.html and not (raw.text and raw.text.strip()):
        from pantau.clean.html import extract

        page = extract(raw.html, raw.url)
        source_text = page.text
    else:
        source_text = raw.text or ""
    if not source_text.strip():
        raise ValueError("empty text")
    if len(source_text) > MAX_TEXT_CHARS:
        raise ValueError(text_too_long(len(source_text)))

    removed: list[Removed] = []
    captions: list[str] = []
    bylines: list[str] = []
    stamps: list[str] = []
    body: list[list] = []  # [line number, text]

    rs = rules()
    for n, line in enumerate(normalise_text(source_text).split("\n"), 1):
        if not line:
            continue
        if "[" in line:  # inline rules are all bracketed embeds
            for rule in rs.inline:
                for m in list(rule.regex.finditer(line)):
                    removed.append(Removed(m.group(0).strip(), rule.name, n))
                line = rule.regex.sub("", line).strip()
        if not line:
            continue
        rule = classify_line(line)
        if rule is None:
            # furniture glued inside the paragraph ("... kata dia. Baca juga: <headline> Body ...")
            line, cuts = strip_inline(line)
            removed += [Removed(text, name, n) for text, name in cuts]
            if not line:
                continue
            if cuts:
                rule = classify_line(line)
        if rule is None:
            body.append([n, line])
        elif rule.kind == "caption":
            captions.append(line)
            removed.append(Removed(line, rule.name, n))
        else:
            removed.append(Removed(line, rule.name, n))
            if rule.name == "byline":
                bylines.append(line)
            elif rule.name == "timestamp":
                stamps.append(line)

    # Kompas layout: "Danur Lambang Pristiandaru" then "Penulis" alone; the label was removed as byline.
    for r in list(removed):
        role = meta.is_label_only(r.text) if r.rule == "byline" else None
        if not role:
            continue
        # Kompas/Okezone put the name on the line before the label, VIVA ("Oleh :") on the line after.
        prev = [b for b in body if b[0] < r.line and r.line - b[0] <= 3]
        nxt = [b for b in body if b[0] > r.line and b[0] - r.line <= 2]
        cand = prev[-1] if prev and meta.looks_like_name(prev[-1][1]) else None
        if cand is None and nxt and meta.looks_like_name(nxt[0][1]):
            cand = nxt[0]
        if cand is not None:
            b = cand
            body.remove(b)
            removed.append(Removed(b[1], "byline", b[0]))
            bylines.append(("Penulis: " if role == "author" else "Editor: ") + b[1])

    # Tribun: "Laporan Wartawan Tribunnews.com, Name TRIBUNNEWS.COM, JAKARTA - ..." on the lead line.
    for b in body[:LEAD_WINDOW]:
        m = meta.LAPORAN_PREFIX.match(b[1])
        if m:
            removed.append(Removed(m.group(0).strip(), "byline", b[0]))
            bylines.append("Penulis: " + m.group("name"))
            b[1] = b[1][m.end() :].strip()

    # Dateline lead.
    dateline = None
    lead_index = None
    for i, b in enumerate(body[:LEAD_WINDOW]):
        d = meta.find_dateline(b[1])
        if d is None:
            continue
        if d.outlet is None and i > 1:  # a bare "Jakarta -" counts only at the very top
            continue
        dateline, lead_index = d, i
        removed.append(Removed(d.prefix.strip(), "dateline", b[0]))
        b[1] = b[1][len(d.prefix) :].strip()
        break

    # Title and pre-lead matter (headline, deck, captions).
    title = raw.title or (page.title if page else None)
    pre = body[:lead_index] if lead_index is not None else body[:1]
    drop: list[list] = []
    for j, b in enumerate(pre):
        line = b[1]
        if lead_index is not None and _CAPTION_CUE.search(line):
            captions.append(line)
            removed.append(Removed(line, "caption", b[0]))
            drop.append(b)
        elif j == 0 and title and _same(line, title):
            removed.append(Removed(line, "headline", b[0]))
            drop.append(b)
        elif j == 0 and not title and _headline_like(line):
            title = line
            if _clear_headline(line):
                removed.append(Removed(line, "headline", b[0]))
                drop.append(b)
        elif j == 0 and not title and lead_index == 1 and _one_sentence(line):
            title = line  # a deck before the lead: title, but it stays in the text
    for b in drop:
        body.remove(b)
    body = [b for b in body if b[1]]
    given_title = raw.title or (page.title if page else None)
    if page is not None and given_title:  # portal layouts print the headline again inside the page
        for b in [b for b in body if len(b[1]) <= 250 and _same(b[1], given_title)]:
            removed.append(Removed(b[1], "headline", b[0]))
            body.remove(b)
    if page is not None:  # related headlines listed below a page's article
        _drop_trailing_headlines(body, removed)

    # Tails that may close any paragraph (editor initials before a line-up).
    for rule in rs.tail:
        if not rule.anywhere:
            continue
        for b in body[:-1]:
            if not b[1].endswith((")", "]")):  # every anywhere-rule ends in a bracket
                continue
            m = tail_match(rule, b[1], TAIL_WINDOW)
            if m:
                removed.append(Removed(m.group(0).strip(), rule.name, b[0]))
                b[1] = b[1][: m.start()].rstrip()
    body = [b for b in body if b[1]]

    # Tails glued to the last body lines: copyright, syndication notes, editor initials, agency credit.
    attributions_tail: list[str] = []
    changed = True
    while body and changed:
        changed = False
        n, line = body[-1]
        for rule in rs.tail:
            if rule.anywhere:  # applied to every paragraph above
                continue
            # tails are short: search only the end of a long line
            m = tail_match(rule, line, TAIL_WINDOW)
            if m:
                cut = m.group(0).strip()
                removed.append(Removed(cut, rule.name, n))
                if rule.name in ("tail_copyright", "tail_syndication"):
                    bylines.append(cut)
                line = line[: m.start()].rstrip()
                changed = True
        ag = meta.tail_agency(line) if line else None
        if ag:
            removed.append(Removed(ag[0].strip(), "source_tail", n))
            attributions_tail.append(ag[1])
            line = line[: len(line) - len(ag[0])].rstrip()
            changed = True
        if line:
            body[-1][1] = line
        else:
            body.pop()
            changed = True
        # a removed tail may expose a furniture line above it
        while body and classify_line(body[-1][1]) is not None:
            nn, ll = body.pop()
            rule = classify_line(ll)
            removed.append(Removed(ll, rule.name if rule else "furniture", nn))
            changed = True

    text = "\n\n".join(b[1] for b in body)
    if not text.strip():
        raise ValueError("no article text left after removing outlet furniture")

    # Metadata: given values win.
    authors: list[str] = []
    editors: list[str] = []
    sources: list[str] = []
    for line in bylines:
        by = meta.parse_byline(re.sub(r"\s*(?:copyright\s*)?(?:©|\(c\)).*$", "", line, flags=re.I))
        authors += by.authors
        editors += by.editors
        sources += by.sources
    if not authors and page and page.author:
        authors = meta.clean_author_meta(page.author)

    outlet = outlets.normalise(raw.outlet) if raw.outlet else None
    if not outlet and dateline and dateline.outlet:
        outlet = outlets.normalise(dateline.outlet)
    if not outlet:
        o = outlets.from_url(raw.url or (page.url if page else None))
        outlet = o.name if o else None
    if not outlet and page and page.sitename:
        outlet = outlets.normalise(page.sitename)

    # Publication date: the given value, else a timestamp line, else the page's date, else the caller's
    # default; each checked and normalised by pantau.dates.published (ISO date or YYYY-MM-DDTHH:MM). A
    # refused value is skipped with a warning and the flag "invalid_published"; the article is kept.
    from pantau.dates.published import choose_published

    pub, pub_flags = choose_published(
        [
            ("published", raw.published),
            *(("timestamp line", meta.parse_timestamp(s)) for s in stamps),
            ("page date", page.date if page else None),
            ("default published", published),
        ],
        where=f"{raw.source}:{raw.line}" if raw.line is not None else str(raw.source),
    )

    attributions: list[str] = []
    for s in sources:
        o = outlets.lookup(s)
        if o:
            attributions.append(o.name)
        elif (
            "." in s or len(s.split()) <= 2
        ):  # "DPReview", "The Verge", "Gizmochina"; not "Pemerintah Kota X"
            attributions.append(s)
    attributions += meta.find_attributions(text, own=outlet)
    attributions += attributions_tail
    attributions = [a for a in dict.fromkeys(attributions) if a and a != outlet]

    from pantau.clean.language import detect
    from pantau.clean.language import flags_for as language_flags

    lang, conf = detect(text, indonesian_outlet=outlets.is_indonesian(outlet))
    flags = language_flags(lang) + pub_flags

    url = raw.url or (page.url if page else None)
    return Article(
        id=raw.id or make_id(url=url, text=text),
        text=text,
        url=url,
        title=title,
        published=pub,
        outlet=outlet,
        authors=list(dict.fromkeys(authors)),
        editors=list(dict.fromkeys(editors)),
        dateline=dateline.place if dateline else None,
        attributions=attributions,
        language=lang,
        language_confidence=conf,
        flags=flags,
        captions=captions,
        removed=removed,
        source=raw.source,
        content_hash=_hash(title, text),
    )


def _drop_trailing_headlines(body: list[list], removed: list[Removed]) -> None:
    """Two or more headline-like lines (4-20 words, no closing punctuation) ending a page: a related list.

    Only for HTML pages, where such lists follow the article ("Kisah Mayor Raheem,
    masuk Islam dan jadi Imam di tentara AS"); one such line may be a closing sign-off.
    """
    run = 0
    for b in reversed(body):
        words = b[1].split()
        if 4 <= len(words) <= 20 and not re.search(r"[.!?:;\"”’)]$", b[1]) and not b[1].startswith("-"):
            run += 1
        else:
            break
    if run >= 2 and run < len(body):
        for b in body[-run:]:
            removed.append(Removed(b[1], "related_list", b[0]))
        del body[-run:]


def _same(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"\W+", " ", s).strip().lower()

    return norm(a) == norm(b)
