"""Articles of an RSS or Atom feed: each item's fullest content as text, one paragraph per block element."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pantau.ingest.decode import _norm_text
from pantau.ingest.ids import make_id
from pantau.records import IngestError, RawRecord

_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "figcaption"}


def html_fragment_to_text(fragment: str) -> str:
    """Text of an HTML fragment (feed item content) with one line per block element."""
    if "<" not in fragment:
        return fragment.strip()
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # noqa: BLE001 - lxml raises several types on junk
        return re.sub(r"<[^>]+>", " ", fragment).strip()
    for bad in root.xpath(".//script|.//style|.//iframe|.//noscript"):
        bad.drop_tree()
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in _BLOCK_TAGS:
            parts.append("\n")

    walk(root)
    lines = [_norm_text(x) for x in "".join(parts).split("\n")]
    return "\n\n".join(x for x in lines if x)


def entry_content(entry: Any) -> str:
    """The fullest HTML body a feed item carries: its longest ``content``, else summary or description."""
    content = ""
    if entry.get("content"):
        content = max((c.get("value", "") for c in entry.content), key=len)
    if not content.strip():
        content = entry.get("summary", "") or entry.get("description", "")
    return content


def entry_published(entry: Any) -> str | None:
    """A feed item's publication (or update) time as ISO minutes, else its raw ``published`` string."""
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed:
        y, mo, d, h, mi = tuple(parsed[:5])
        return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}"
    return entry.get("published") or None


def _read_feed(source: str, data: bytes) -> Iterator[RawRecord | IngestError]:
    import feedparser

    feed = feedparser.parse(data)
    if not feed.entries:
        why = f" ({feed.bozo_exception})" if getattr(feed, "bozo", False) else ""
        yield IngestError(source, None, f"feed holds no items{why}")
        return
    for n, entry in enumerate(feed.entries, 1):
        text = html_fragment_to_text(entry_content(entry))
        link = entry.get("link") or None
        title = (entry.get("title") or "").strip() or None
        if not text.strip():
            yield IngestError(source, n, f"feed item {n} ({title or link or 'untitled'}) has no content")
            continue
        published = entry_published(entry)
        outlet = (feed.feed.get("title") or "").strip() or None
        yield RawRecord(
            source=source,
            line=n,
            id=make_id(given=entry.get("id") if not link else None, url=link, text=text),
            url=link,
            title=title,
            published=published,
            outlet=outlet,
            text=text,
        )
