"""Main text and metadata of a saved article page, via trafilatura."""

from __future__ import annotations

import re
from dataclasses import dataclass


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


def extract(html: str, url: str | None = None) -> PageText:
    """Main text with one paragraph per line, plus title/author/date/sitename; ValueError if no text.

    trafilatura's default balance is used: favor_recall pulled navigation lists and
    related-article blocks into the text of Indonesian portal pages, favor_precision
    dropped body paragraphs (measured on shared/corpus/html).
    """
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            deduplicate=False,
        )
    except Exception as exc:  # noqa: BLE001 - trafilatura/lxml raise many types on broken pages
        raise ValueError(f"HTML page could not be parsed: {exc}") from exc
    if doc is None:
        raise ValueError("HTML page has no article text (empty or missing body)")
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = d.get("text") or ""
    if not text.strip():
        raise ValueError("HTML page has no article text (empty or missing body)")
    sitename = d.get("sitename")
    return PageText(
        text=text,
        title=clean_title(d.get("title"), sitename),
        author=d.get("author"),
        date=d.get("date"),
        sitename=sitename,
        url=d.get("url") or url,
    )
