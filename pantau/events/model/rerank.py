"""The second look: is a merged event right as a whole?

The trigger and role classifiers each judge one decision; an event is right only when its type, actor
and recipient all are. This classifier looks at the finished record (after merging and dating) with what
none of them sees alone: how many mentions it merged and how sure each step was, whether the rule coder
coded the same dyad, whether its parties are the ones the article is about, whether another event
already says the same, how old its date is against the publication. Its probability becomes the event's
``confidence``, and events below the shipped threshold are dropped. It is trained by
``scripts/train_events.py`` on the cross-validated (out-of-fold) events of the training articles, each
labelled by the gold scorer's matching, so it learns the mistakes the coder makes on articles it has
not seen.
"""

from __future__ import annotations

import bisect
from datetime import date as Date

from pantau.events.model.context import ArticleContext
from pantau.events.rules.mentions import Candidate
from pantau.records import Event


def _bin(p: float, edges: tuple[float, ...]) -> int:
    return bisect.bisect_right(edges, p)


P_EDGES = (0.2, 0.35, 0.5, 0.7, 0.9)
VERBAL_CONFLICT = {"ACCUSE", "REQUEST", "REJECT", "THREATEN"}  # said, not done: the speaker is the actor
AGE_EDGES = (1, 4, 15, 61)  # days before publication: same day, days, weeks, months, older


def _age(ev: Event, published: str | None) -> str:
    """How long before the article its date lies ("none" when undated, "after" when later)."""
    if not ev.date or not published:
        return "none"
    try:
        parts = [int(x) for x in ev.date[:10].split("-")]
        d = Date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
        days = (Date.fromisoformat(published[:10]) - d).days
    except (ValueError, IndexError):
        return "none"
    return "after" if days < 0 else str(_bin(days, AGE_EDGES))


def _rank(ctx: ArticleContext, code: str | None) -> str:
    """The party's rank among the article's most named codes (0 = the most named)."""
    if not code or code == "UNK":
        return "unk"
    order = sorted(((-n, c) for c, n in ctx.code_counts.items() if c != "UNK"))
    ranks = {c: k for k, (_, c) in enumerate(order)}
    k = ranks.get(code)
    return "none" if k is None else str(min(k, 3))


def features(ev: Event, members: list[Candidate], ctx: ArticleContext, earlier: list[Event],
             relevance: float | None) -> dict[str, float]:
    """Sparse features of one finished event; ``earlier``: the article's events coded before it."""
    t = ev.type
    f: dict[str, float] = {f"type={t}": 1.0, "bias": 1.0}
    trig = [c.scores.get("trigger", 0.0) for c in members] or [0.0]
    act = [c.scores.get("actor", 0.0) for c in members] or [0.0]
    rec = [c.scores.get("recipient", 0.0) for c in members] or [0.0]
    pt, pa, pr = max(trig), max(act), max(rec)
    f["p_trigger"], f["p_actor"], f["p_recipient"] = pt, pa, pr
    f[f"trigger_bin={_bin(pt, P_EDGES)}"] = 1.0
    f[f"type={t}|trigger_bin={_bin(pt, P_EDGES) // 2}"] = 1.0
    f[f"actor_bin={_bin(pa, P_EDGES)}"] = 1.0
    f[f"recipient_bin={_bin(pr, P_EDGES)}" if ev.recipient else "no_recipient"] = 1.0
    n = len(members)
    f[f"mentions={min(n, 3)}"] = 1.0
    f[f"type={t}|mentions={min(n, 2)}"] = 1.0
    for c in members:
        f[f"actor_origin={c.origins.get('actor', '?')}"] = 1.0
        if ev.recipient:
            f[f"recipient_origin={c.origins.get('recipient', '?')}"] = 1.0
        f["lexicon_entry"] = max(f.get("lexicon_entry", 0.0), c.scores.get("lexicon", 0.0))
    acodes = {a.code for a in ev.actor}
    rcodes = {r.code for r in ev.recipient}
    a0 = ev.actor[0]
    f[f"actor_label={a0.label}"] = 1.0
    f[f"actor_sector={a0.sector}"] = 1.0
    f[f"actor_rank={_rank(ctx, a0.code)}"] = 1.0
    if ev.recipient:
        r0 = ev.recipient[0]
        f[f"recipient_label={r0.label}"] = 1.0
        f[f"recipient_rank={_rank(ctx, r0.code)}"] = 1.0
        if acodes & rcodes:
            f["self_dyad"] = 1.0
            f[f"type={t}|self_dyad"] = 1.0
    if len(acodes) > 1:
        f["several_actors"] = 1.0
    f[f"factuality={ev.factuality}"] = 1.0
    if ev.quote:
        f["quoted"] = 1.0
        f[f"type={t}|quoted"] = 1.0
    if t in VERBAL_CONFLICT:
        f[f"verbal|actor_origin={members[0].origins.get('actor', '?')}"] = 1.0
    first = min((s.start for s in ev.evidence), default=0)
    k = bisect.bisect_right([s for s, _ in ctx.sent_spans], first) - 1
    f[f"sentence={min(max(k, 0), 6)}"] = 1.0
    f[f"age={_age(ev, ctx.article.published)}"] = 1.0
    rule = [r for r in ctx.rule_events if r.type == t and {a.code for a in r.actor} & acodes]
    if rule:
        f["rule_same_type_actor"] = 1.0
        if any(not rcodes or {x.code for x in r.recipient} & rcodes for r in rule):
            f["rule_same_event"] = 1.0
    elif any({a.code for a in r.actor} & acodes and {x.code for x in r.recipient} & rcodes
             for r in ctx.rule_events):
        f["rule_same_dyad"] = 1.0
    same = [e for e in earlier if e.type == t and {a.code for a in e.actor} & acodes]
    if same:
        f["repeats_type_actor"] = 1.0
        if any({r.code for r in e.recipient} == rcodes for e in same):
            f["repeats_event"] = 1.0
    if relevance is not None:
        f[f"relevance_bin={_bin(relevance, (0.3, 0.5, 0.7, 0.9))}"] = 1.0
    return f
