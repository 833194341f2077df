"""Main text and metadata of a saved article page, via trafilatura."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pantau.ingest import MAX_TEXT_CHARS, text_too_long


@dataclass
class PageText:
    text: str
    title: str | None = None
    author: str | None = None
    date: str | None = None
    sitename: str | None = None
    url: str | None = None


# " - Kompas.com", " | Republika Online", "KapanLagi.com: " around page titles.
_TITLE_SUFFIX = re.compile(r"\s+(?:[-|–—:]|::)\s+[^-|–—:]{2,60}$")
_TITLE_PREFIX = re.compile(r"^[\w.]+\.(?:com|co\.id|id|net)\s*:\s*(?:[A-Z][a-z]+\s+-\s+)?", re.I)


def clean_title(title: str | None, sitename: str | None = None) -> str | None:
    """Page title without the outlet's name glued to it."""
    if not title:
        return None
    t = re.sub(r"\s+", " ", title).strip()
    t = _TITLE_PREFIX.sub("", t)
    for _ in range(2):
        m = _TITLE_SUFFIX.search(t)
        if not m:
            break
        tail = m.group(0)
        from pantau.clean import outlets

        tail_name = re.sub(r"^\s*(?:[-|–—:]|::)\s+", "", tail)
        looks_outlet = (
            outlets.lookup(tail_name.split()[0]) is not None
            or outlets.lookup(tail_name) is not None
            or re.search(r"\.(?:com|co\.id|id|net)\b|news|online|okezone", tail_name, re.I)
            or (sitename and sitename.lower() in tail_name.lower())
        )
        if not looks_outlet:
            break
        t = t[: m.start()].strip()
    return t or None


_WS = re.compile(r"\s+")
_BODY_LINE = re.compile(r"[.!?\"”’)]$")


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def teaser_texts(html: str) -> set[str]:
    """Texts of related-article cards: a heading with a link plus a short summary (whitespace-normalised).

    Portal pages (mediaindonesia, okezone, kapanlagi) list other stories as cards
    ``<div><h3><a>Headline</a></h3><span>date</span><p>Summary</p></div>``; trafilatura
    keeps some of them as paragraphs. A card is the nearest block around a link of
    4+ words that also holds one or two paragraphs outside the link, with little
    text (< 700 characters); an article body has more text or more paragraphs.
    """
    try:
        import lxml.html

        root = lxml.html.fromstring(html)
    except Exception:  # noqa: BLE001 - unparsable pages simply give no cards
        return set()
    out: set[str] = set()
    for link in root.iter("a"):
        headline = _norm(link.text_content())
        if len(headline.split()) < 4:
            continue
        card = link.getparent()
        while card is not None and card.tag not in ("div", "li", "article", "section"):
            card = card.getparent()
        # climb to the block that also holds the summary paragraph
        while card is not None and card.tag not in ("body", "html") and not card.findall(".//p"):
            if len(card.text_content()) >= 700:
                break
            card = card.getparent()
        if card is None or card.tag in ("body", "html") or len(card.text_content()) >= 700:
            continue
        paras = [p for p in card.findall(".//p") if link not in p.iter("a")]
        if not paras or len(paras) > 2:
            continue
        out.add(headline)
        out.update(t for p in paras if (t := _norm(p.text_content())))
    return out


_END = re.compile(r"[.!?:;\"”’)]$")


def join_fragments(text: str) -> str:
    """Re-join paragraphs trafilatura split at inline links ("di ajang" / "Piala" / "Dunia. Maroko ...").

    A line is glued to the one before when that one has no closing punctuation and
    the line starts in lower case, is a one- or two-word fragment, or continues a
    line that was itself glued. Bulleted lines ("- ...") always start anew.
    """
    from pantau.clean.rules import classify_line

    out: list[str] = []
    glued = False
    for line in text.split("\n"):
        s = line.strip()
        if not s:
            continue
        prev = out[-1] if out else ""
        if (
            prev
            and not _END.search(prev)
            and classify_line(prev) is None  # a timestamp or widget line is not a sentence start
            and classify_line(s) is None
            and not s.startswith(("-", "•", "*"))
            and (s[0].islower() or len(s.split()) <= 2 or glued)
        ):
            out[-1] = f"{prev} {s}"
            glued = True
        else:
            out.append(s)
            glued = False
    return "\n".join(out)


def _is_body(line: str) -> bool:
    return len(line.split()) >= 12 and bool(_BODY_LINE.search(line.strip()))


def merge_extractions(recall: str, precise: str) -> str:
    """trafilatura's precise text, with body paragraphs it dropped just before its first line put back.

    favor_precision drops navigation lists and related-article blocks that the
    default keeps (old detik, okezone, kapanlagi, liputan6 pages), but on some pages
    it also drops the lead paragraph (VIVA: "VIVA.co.id - Otoritas Thailand ...").
    The default text is used when the precise one is empty.
    """
    if not precise.strip():
        return recall
    plines = [ln for ln in precise.split("\n") if ln.strip()]
    rlines = [ln for ln in recall.split("\n") if ln.strip()]
    first = _norm(plines[0])
    idx = next((i for i, ln in enumerate(rlines) if _norm(ln) == first), None)
    lead: list[str] = []
    if idx is not None:
        kept = {_norm(ln) for ln in plines}
        i = idx - 1
        while i >= 0 and _is_body(rlines[i]) and _norm(rlines[i]) not in kept:
            lead.insert(0, rlines[i])
            i -= 1
    return "\n".join(lead + plines)


def extract(html: str, url: str | None = None) -> PageText:
    """Main text with one paragraph per line, plus title/author/date/sitename; ValueError if no text.

    trafilatura runs with favor_precision (drops the navigation and related-article lists of
    Indonesian portal pages), on a tree parsed once, with its metadata. Its default balance runs
    as well only where the precise text may have lost a lead paragraph (``_lead_may_be_lost``)
    or is empty, to put that lead back (see merge_extractions): on shared/corpus/html (40 pages)
    the precise run lost a lead on 1 page. Related-article cards that survive are dropped line
    by line (teaser_texts).
    """
    import trafilatura
    from trafilatura.utils import load_html

    def run(page: object, **kw: bool) -> dict:
        doc = trafilatura.bare_extraction(
            page,
            url=url,
            include_comments=False,
            include_tables=False,
            include_images=False,
            deduplicate=False,
            **kw,
        )
        if doc is None:
            return {}
        return doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)

    visible = visible_chars(html)
    if visible > 4 * MAX_TEXT_CHARS:  # trafilatura would take minutes to find a text over the limit
        raise ValueError(
            f"HTML page holds about {visible:,} characters of text, over 4 x the {MAX_TEXT_CHARS:,}-character"
            " article limit; skipped"
        )
    try:
        tree = load_html(html)  # parsed once; bare_extraction works on a copy of it
        page = html if tree is None else tree
        d = run(page, favor_precision=True, with_metadata=True)
        precise = d.get("text") or ""
        recall = ""
        if tree is None or _lead_may_be_lost(tree, precise):
            recall = run(page, with_metadata=False).get("text") or ""
    except Exception as exc:  # noqa: BLE001 - trafilatura/lxml raise many types on broken pages
        raise ValueError(f"HTML page could not be parsed: {exc}") from exc
    if len(precise) > 2 * MAX_TEXT_CHARS:  # cannot pass the text limit: say so before the slow steps
        raise ValueError(text_too_long(len(precise)))
    text = join_fragments(merge_extractions(recall, precise))
    if nesting_depth(html) > MAX_DEPTH:  # lxml drops what is nested deeper than 256 elements
        html = flatten(html)
        try:
            flat = run(html, with_metadata=True)
        except Exception:  # noqa: BLE001 - keep what the first run found
            flat = {}
        flat_text = join_fragments(flat.get("text") or "")
        if len(text) < 0.5 * len(flat_text):
            d, text = {**flat, **{k: v for k, v in d.items() if v and k != "text"}}, flat_text
    if not text.strip():
        raise ValueError("HTML page has no article text (empty or missing body)")
    cards = teaser_texts(html)
    if cards:
        kept = "\n".join(ln for ln in text.split("\n") if _norm(ln) not in cards)
        if len(kept) > 0.5 * len(text):  # never let the card rule eat the article
            text = kept
    sitename = _meta(d.get("sitename"))
    return PageText(
        text=text,
        title=clean_title(_meta(d.get("title")), sitename),
        author=_meta(d.get("author")),
        date=_meta(d.get("date")),
        sitename=sitename,
        url=_meta(d.get("url")) or url,
    )


# elements that end a line of text; the others (a, b, span ...) run on inside their parent's line
_BLOCKS = frozenset(
    "address article aside blockquote body dd details div dl dt fieldset figcaption figure footer form h1 h2"
    " h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul br".split()
)
_HIDDEN = frozenset("script style noscript template".split())


def _text_lines(tree: object) -> list[str]:
    """The page's text as lines, one per run of text between block boundaries (whitespace-normalised)."""
    from lxml import etree

    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        line = _norm(" ".join(buf))
        if line:
            out.append(line)
        buf.clear()

    for event, el in etree.iterwalk(tree, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _BLOCKS:
            flush()
        if event == "start" and el.text and tag and tag not in _HIDDEN:  # comments have no str tag
            buf.append(el.text)
        if event == "end" and el.tail:
            buf.append(el.tail)
    flush()
    return out


def _lead_may_be_lost(tree: object, precise: str) -> bool:
    """Could trafilatura's default run add a lead paragraph to the precise text (merge_extractions)?

    Only a body-like line (12+ words, closing punctuation) that stands before the precise text's
    first line can be put back. False only when no such line of the page comes before the first
    line holding the start of the precise text; an empty precise text, or a first line that
    cannot be found in the page, says True (the default run then decides, as it always did).
    """
    first = next((ln for ln in precise.split("\n") if ln.strip()), "")
    if not first:
        return True
    key = _norm(first)[:40]
    lines = _text_lines(tree)
    at = next((i for i, ln in enumerate(lines) if key in ln), None)
    if at is None:
        return True
    return any(_is_body(ln) for ln in lines[:at])


def _meta(value: object) -> str | None:
    """A metadata string without control characters or bidi overrides (they would reach stored rows)."""
    from pantau.ingest import strip_controls

    return strip_controls(value) if isinstance(value, str) else None


_INVISIBLE = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_ANY_TAG = re.compile(r"<[^>]*>")


def visible_chars(html: str) -> int:
    """Rough count of a page's text characters (tags, scripts, styles and comments taken out)."""
    return len(_WS.sub(" ", _ANY_TAG.sub(" ", _INVISIBLE.sub(" ", html))))


# Deeply nested pages: lxml (libxml2) stops at 256 levels and trafilatura then sees no article text.
MAX_DEPTH = 200
_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)[^>]*?(/?)>")
# void elements, and elements whose end tag pages often leave out: not counted as nesting
_NOT_NESTING = frozenset(
    "area base br col embed hr img input link meta param source track wbr p li dt dd tr td th option".split()
)
_KEEP = frozenset("html head title meta link base body p h1 h2 h3 h4 h5 h6 br script style noscript".split())
_INLINE = frozenset("a b i u s em strong span font small big sup sub abbr mark cite q code time".split())


def nesting_depth(html: str, stop: int = MAX_DEPTH + 1) -> int:
    """Approximate element depth of a page (start minus end tags), counted up to ``stop``."""
    depth = deepest = 0
    for m in _TAG.finditer(html):
        name = m.group(2).lower()
        if name in _NOT_NESTING or m.group(3):
            continue
        depth = max(depth - 1, 0) if m.group(1) else depth + 1
        if depth > deepest:
            deepest = depth
            if deepest >= stop:
                break
    return deepest


def flatten(html: str) -> str:
    """The page without its layout elements (paragraphs, headings, scripts kept): parses at any depth.

    Inline elements vanish without a trace; block elements become line breaks, so
    paragraphs that were only separated by ``<div>``s stay apart.
    """

    def sub(m: re.Match[str]) -> str:
        name = m.group(2).lower()
        if name in _KEEP:
            return m.group(0)
        return "" if name in _INLINE else "\n"

    return _TAG.sub(sub, html)
