"""Compiled furniture rules from ``furniture.yaml`` (see the comments there)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).with_name("furniture.yaml")


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` with libyaml's C parser where PyYAML has it (7-10x faster, the same data:
    tests/test_clean.py compares both on every data file)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))



@dataclass(frozen=True)
class Rule:
    name: str
    kind: str  # line | caption | tail | inline
    regex: re.Pattern[str]
    hints: tuple[str, ...] = ()
    anywhere: bool = False


@dataclass(frozen=True)
class RuleSet:
    line: list[Rule]  # line + caption rules, in file order
    tail: list[Rule]
    inline: list[Rule]
    line_any: re.Pattern[str]  # union of all line patterns: a fast first test


@lru_cache(maxsize=1)
def rules() -> RuleSet:
    data = load_yaml(DATA.read_text(encoding="utf-8"))
    line: list[Rule] = []
    tail: list[Rule] = []
    inline: list[Rule] = []
    union: list[str] = []
    for name, spec in data.items():
        flags = 0 if spec.get("case") == "sensitive" else re.IGNORECASE
        kind = spec["kind"]
        pats = [str(p) for p in spec["patterns"]]
        if kind in ("line", "caption"):
            body = "|".join(f"(?:{p})" for p in pats)
            hints = tuple(str(h).lower() for h in spec.get("hints", []))
            line.append(Rule(name, kind, re.compile(rf"(?:{body})", flags), hints))
            if not hints:
                union.append(f"(?i:{body})" if flags else f"(?:{body})")
        elif kind == "tail":
            body = "|".join(f"(?:{p})" for p in pats)
            hints = tuple(str(h).lower() for h in spec.get("hints", []))
            regex = re.compile(rf"(?:{body})\s*$", flags)
            tail.append(Rule(name, kind, regex, hints, bool(spec.get("anywhere"))))
        elif kind == "inline":
            body = "|".join(f"(?:{p})" for p in pats)
            inline.append(Rule(name, kind, re.compile(body, flags)))
        else:
            raise ValueError(f"{DATA.name}: rule {name!r} has unknown kind {kind!r}")
    any_re = re.compile("|".join(f"(?:{u})" for u in union))
    return RuleSet(line, tail, inline, any_re)


MAX_FURNITURE_CHARS = 600  # no furniture pattern matches a longer line; skipping them saves time


def tail_match(rule: Rule, line: str, window: int) -> re.Match[str] | None:
    """The tail of line that rule cuts (searched in the last `window` characters), or None."""
    off = max(0, len(line) - window)
    if rule.hints:
        end = line[off:].lower()
        if not any(h in end for h in rule.hints):
            return None
    m = rule.regex.search(line, off)
    return m if m and m.group(0).strip() else None


def classify_line(text: str) -> Rule | None:
    """The first line/caption rule whose pattern matches the whole line, or None for body text."""
    if len(text) > MAX_FURNITURE_CHARS:
        return None
    rs = rules()
    plain = rs.line_any.fullmatch(text) is not None  # some rule without hints matches
    low = text.lower()
    for rule in rs.line:
        if rule.hints:
            if not any(h in low for h in rule.hints):
                continue
        elif not plain:
            continue
        if rule.regex.fullmatch(text):
            return rule
    return None
