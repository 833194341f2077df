"""Actor and recipient of a trigger, chosen by two trained classifiers over candidate mentions.

Candidates are the actor mentions of the trigger's sentence, the speaker of the quote holding it, the
mentions of the sentence before (pronoun subjects, retold acts) and the article's two most named
parties (an event whose parties the sentence leaves implicit). Each gets P(actor) and P(recipient);
the actor is the best candidate plus the mentions coordinated with it ("AS dan Inggris", "Rusia,
Iran serta Suriah") whose P(actor) also reaches ``ALSO_ACTOR``; the recipient is the best other
mention reaching the shipped recipient threshold, with the mentions coordinated with it whose
P(recipient) also reaches ``ALSO_ACTOR`` ("menyerbu Georgia dan Armenia": neutral on the CV, where
4 of 996 events gain a recipient, but the record names every target). It may share the actor's code
only as a person or another sector (a state's police and its citizens, a court and a minister): a
state's government is not its own target. A trigger whose best candidate is a doubtful actor
(P < ``MIN_ACTOR``) is not coded: its event would name the wrong party.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pantau.events.model.context import ArticleContext
from pantau.events.model.features import argument_features
from pantau.events.model.linear import LinearModel
from pantau.events.model.store import Models
from pantau.events.rules.anaphora import COORD_GAP
from pantau.records import Entity

ALSO_ACTOR = 0.5
MIN_ACTOR = 0.8  # an event whose best actor is less likely than this is not coded (chosen by CV)
NAMED_ACTOR = 0.3  # a named person or organisation of the actor's code this likely stands for it
COORDINATED_ONLY = True  # further actors only when coordinated with the first (else any likely actor)
OWN_SECTOR_TARGET = False  # may a mention of the actor's own code and sector be the recipient?
ARTICLE_PARTIES = 2
# a candidate's rank for a role: the choice model's score plus this many times the log-odds of its own
# P(role), so a candidate the per-candidate model finds unlikely needs a clearly better choice score
CHOICE_MIX = 0.5


def candidates(ctx: ArticleContext, tok) -> list[tuple[Entity, str]]:
    """(mention, origin) pairs that may fill a role of the trigger's event."""
    out = [(m, "sentence") for m in ctx.sent_mentions(ctx.sent_of[tok.i])]
    q = ctx.quote_at(tok.idx)
    if q is not None and q.speaker is not None and q.speaker.code:
        out.append((q.speaker, "speaker"))
    k = ctx.sent_of[tok.i]
    if k > 0:
        ps, pe = ctx.sents[k - 1]
        out += [(m, "prev") for m in ctx.mentions_between(ctx.idx[ps], ctx.idx[pe - 1] + 1)]
    have = {m.code for m, _ in out}
    ranked = sorted(((n, c) for c, n in ctx.code_counts.items() if c != "UNK"), reverse=True)
    for _, code in ranked[:ARTICLE_PARTIES]:
        if code not in have:
            out.append((next(m for m in ctx.mentions if m.code == code), "article"))
    return out


@dataclass
class Roles:
    actor: list[Entity]
    recipient: list[Entity]
    actor_p: float
    recipient_p: float
    trace: str
    actor_origin: str = ""
    recipient_origin: str = ""


def _named(cands: list[tuple[Entity, str]], pa: np.ndarray, best: int) -> int:
    """The most specific mention of the best actor's code: a person or organisation named in the
    sentence rather than its capital or country ("Naryshkin", not "Moskow"), so the sector is theirs."""
    code = cands[best][0].code
    if cands[best][0].label in ("PER", "ORG"):
        return best
    named = [j for j, (m, origin) in enumerate(cands)
             if m.code == code and m.label in ("PER", "ORG") and origin in ("sentence", "speaker")
             and pa[j] >= NAMED_ACTOR]
    return max(named, key=lambda j: pa[j]) if named else best


def coordinated(text: str, first: Entity, pool: list[Entity]) -> list[Entity]:
    """``first`` and the mentions of ``pool`` joined to it by commas, "dan" or "serta", one per code."""
    chain = sorted({(m.start, m.end): m for m in pool + [first]}.values(), key=lambda m: m.start)
    k = next(i for i, m in enumerate(chain) if _same(m, first))
    lo = hi = k
    while lo > 0 and COORD_GAP.match(text[chain[lo - 1].end : chain[lo].start]):
        lo -= 1
    while hi + 1 < len(chain) and COORD_GAP.match(text[chain[hi].end : chain[hi + 1].start]):
        hi += 1
    out = [first]
    for m in chain[lo : hi + 1]:
        if m.code not in {a.code for a in out}:
            out.append(m)
    return out


def _same(a: Entity, b: Entity) -> bool:
    return (a.start, a.end, a.code) == (b.start, b.end, b.code)


def _rank(p: np.ndarray, choice: LinearModel | None, feats: list[dict[str, float]]) -> np.ndarray:
    """Candidates' scores for one role: P(role) alone, or the choice model's score mixed with its log-odds."""
    if choice is None:
        return p
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return choice.scores(feats)[:, 0] + CHOICE_MIX * np.log(q / (1 - q))


def choose(ctx: ArticleContext, tok, etype: str, models: Models) -> Roles | None:
    """The roles of the trigger's event, or None when no candidate can act.

    P(actor) and P(recipient) say whether a candidate can fill a role at all (the minimums); where the
    choice models ship, they rank the candidates against each other (a softmax over the trigger's
    candidates, trained to put the gold party first), which picks the right one more often than the
    per-candidate probabilities do."""
    cands = candidates(ctx, tok)
    if not cands:
        return None
    feats = [argument_features(ctx, tok, m, origin, etype) for m, origin in cands]
    pa = models.actor.proba(feats)[:, 1]
    pr = models.recipient.proba(feats)[:, 1]
    if pa.max() < MIN_ACTOR:
        return None
    ra = _rank(pa, models.actor_choice, feats)
    rr = _rank(pr, models.recipient_choice, feats)
    best = _named(cands, pa, int(ra.argmax()))
    first = cands[best][0]
    actors = [first]
    if not COORDINATED_ONLY:
        actors += [m for j, (m, _) in enumerate(cands) if pa[j] >= ALSO_ACTOR and m.code not in
                   {a.code for a in actors}]
    elif cands[best][1] == "sentence":
        sure = [m for j, (m, origin) in enumerate(cands) if origin == "sentence" and pa[j] >= ALSO_ACTOR]
        actors = coordinated(ctx.article.text, first, sure)
    trace = f"actor '{first.text}' p={pa[best]:.2f} ({cands[best][1]})"
    if len(actors) > 1:
        trace += " with " + ", ".join(f"'{a.text}'" for a in actors[1:])
    recipient: list[Entity] = []
    rp, rorigin = 0.0, ""
    codes = {a.code for a in actors}
    for j in np.argsort(-rr, kind="stable"):
        m = cands[j][0]
        if any(_same(m, a) for a in actors) or pr[j] < models.recipient_threshold:
            continue
        own_sectors = {a.sector for a in actors if a.code == m.code}
        if not OWN_SECTOR_TARGET and m.code in codes and m.label != "PER" and m.sector in own_sectors:
            continue
        recipient, rp, rorigin = [m], float(pr[j]), cands[j][1]
        trace += f"; recipient '{m.text}' p={rp:.2f} ({cands[j][1]})"
        if rorigin == "sentence":
            sure = [c for k, (c, origin) in enumerate(cands)
                    if origin == "sentence" and pr[k] >= ALSO_ACTOR and c.code not in codes]
            recipient = coordinated(ctx.article.text, m, sure)
            if len(recipient) > 1:
                trace += " with " + ", ".join(f"'{r.text}'" for r in recipient[1:])
        break
    return Roles(actors, recipient, float(pa[best]), rp, trace, cands[best][1], rorigin)
