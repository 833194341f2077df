"""Which reader an input gets: by file extension, else sniffed from its first characters (stdin, pipes)."""

from __future__ import annotations

import os
import re

TEXT_EXT = (".txt",)
JSONL_EXT = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
JSON_EXT = (".json",)
HTML_EXT = (".html", ".htm", ".xhtml")
WARC_EXT = (".warc", ".warc.gz", ".arc.gz")
FEED_EXT = (".xml", ".rss", ".atom")
KNOWN_EXT = TEXT_EXT + JSONL_EXT + JSON_EXT + HTML_EXT + WARC_EXT + FEED_EXT

_FEED_SNIFF = re.compile(rb"<(?:rss|feed|rdf:RDF)\b", re.I)


def _ext(path: str) -> str:
    """The known extension ending ``path`` (longest first: ``.warc.gz`` before ``.arc.gz``), else its last."""
    name = path.lower()
    for ext in sorted(KNOWN_EXT, key=len, reverse=True):
        if name.endswith(ext):
            return ext
    return os.path.splitext(name)[1]


def _format_of(ext: str, head: str) -> str:
    """jsonl, json, feed, html or text: by extension, else by the first characters."""
    if ext in JSONL_EXT:
        return "jsonl"
    if ext in JSON_EXT:
        return "json"
    if ext in FEED_EXT:
        return "feed"
    if ext in HTML_EXT:
        return "html"
    if ext in TEXT_EXT:
        return "text"
    start = head.lstrip("\ufeff \t\r\n")
    if start.startswith("["):
        return "json"
    if start.startswith("{"):
        return "jsonl"
    if start.startswith("<"):
        raw = start[:4000].encode("utf-8", "replace")
        if _FEED_SNIFF.search(raw) and not re.search(rb"<html\b", raw, re.I):
            return "feed"
        return "html"
    return "text"
