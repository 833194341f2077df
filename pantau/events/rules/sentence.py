"""The sentence coder: one lexicon trigger -> one event candidate with actor, recipient and trace.

Steps per trigger: licence (the entry's block/need words), roles by voice (nominal, passive, active;
positions first, the dependency parse where they find nothing), the final actor/recipient filter,
factuality, modifiers (mode/context, retyping) and the trace of the rules that fired.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pantau.events.lexicon import Entry, Hit
from pantau.events.rules import dependency, settings
from pantau.events.rules.clause import Clause
from pantau.events.rules.factuality import factuality, trigger_factuality
from pantau.events.rules.mentions import Candidate, dedup, person_target
from pantau.events.rules.settings import DOMESTIC_PASSIVE, DOMESTIC_TYPES, NONSTATE, PROMISED
from pantau.events.rules.words import BACKGROUND, RECIP_PREPS
from pantau.records import Entity

# (codes of one side, memory_only) -> the article's main other party; see article.ArticleContext
Opponent = Callable[..., Entity | None]


@dataclass
class Roles:
    """Actor and recipient of one trigger as the rules find them, with the rules that fired."""

    voice: str
    rend: int  # end of the trigger's clause to the right
    rend_far: int  # the same, across a relative "yang"
    actor: list[Entity] = field(default_factory=list)
    recip: list[Entity] = field(default_factory=list)
    how: str = ""
    rule: list[str] = field(default_factory=list)


class SentenceCoder(Clause):
    """Codes the triggers of one sentence."""

    opponent: Opponent | None = None  # set by the article driver

    def dep_args(self, ti: int) -> dict[str, list[Entity]]:
        """Roles from the dependency parse around token ti (see ``dependency.dep_args``)."""
        return dependency.dep_args(self, ti)

    # -------------------------------------------------------------- one trigger
    def code(self, ti: int, hit: Hit) -> Candidate | None:
        """The candidate of the trigger `hit` at token ti, or None when it codes no event."""
        e = hit.entry
        if e.alleged:
            return self._alleged(ti, hit)
        if not self._licensed(ti, hit):
            return None
        tn = ti + hit.n
        roles = Roles(
            hit.voice,
            self.right_end(tn, cross_bahwa=e.speech),
            self.right_end(tn, cross_bahwa=e.speech, cross_yang=True),
        )
        if roles.voice == "nominal" and not self._nominal_roles(ti, hit, roles):
            return None
        if roles.voice == "bare":
            roles.voice = "active"
        dep = self.dep_args(ti) if settings.DEP_MODE else {}
        if roles.voice == "passive":
            self._passive_roles(ti, hit, roles, dep)
        elif roles.voice in ("active", "stative"):
            self._active_roles(ti, hit, roles, dep)
        if e.sym and not roles.actor:
            between = self.after(tn, roles.rend, {"antara"}, set())
            if len({a.code for a in between}) >= 2:
                roles.actor = between
                roles.rule.append("antara X dan Y->actors")
        if not roles.actor:
            return None
        return self._candidate(ti, hit, roles)

    def _licensed(self, ti: int, hit: Hit) -> bool:
        """The entry's context allows it: no blocking word after it, its needed word nearby."""
        e = hit.entry
        tn = ti + hit.n
        if e.blocked(self.lows, tn):
            return False
        # the object ("pasukan") may precede a passive or nominal trigger
        return not (
            e.need
            and not self.window_has(e.need, tn, tn + e.window)
            and not (hit.voice in ("passive", "nominal") and self.window_has(e.need, ti - e.window, ti))
        )

    # -------------------------------------------------------------- roles by voice
    def _nominal_roles(self, ti: int, hit: Hit, roles: Roles) -> bool:
        """Roles of a nominal trigger ("serangan Rusia"); False drops it. A light verb before it
        ("melakukan serangan") makes it an active predicate, left to ``_active_roles``."""
        e = hit.entry
        tn = ti + hit.n
        if any(
            self.lows[j] in BACKGROUND or self.lows[j].startswith("ke-") for j in range(max(0, ti - 2), ti)
        ):
            return False  # "sejak invasi Rusia", "hari ke-1.000 invasi": a background reference, not a report
        roles.actor = self.after(tn, roles.rend, None, set(), adjacent=4)
        # "pembebasan para tahanan": civilians are the patient of a material act (but the agent of
        # a strike or a demand: "mogok makan tahanan", "tuntutan warga")
        if e.type != "PROTEST" and not e.speech and any(a.sector == "CVL" for a in roles.actor):
            roles.actor = []
        if roles.actor:
            roles.how = "genitive"
        else:
            roles.actor = self.after(tn, roles.rend_far, {"dari", "oleh"}, set())
            roles.how = "dari/oleh" if roles.actor else ""
        if not roles.actor:
            light = next(
                (self.lows[j] for j in range(max(0, ti - 4), ti) if self.lows[j] in self.lex.light_verbs),
                None,
            )
            pred = self.predicate_subject(ti)
            if light:
                roles.voice = "active"
                roles.rule.append(f"light-verb {light}")
            elif pred:
                roles.actor, roles.how = pred, "predicate"
        if roles.voice == "nominal":
            if not roles.actor:
                return False
            roles.rule.append(f"nominal {roles.how}->actor")
            excl = {a.code for a in roles.actor}
            roles.recip = self.after(tn, roles.rend_far, RECIP_PREPS | ({"dengan"} if e.sym else set()), excl)
        return True

    def _passive_roles(self, ti: int, hit: Hit, roles: Roles, dep: dict[str, list[Entity]]) -> None:
        """Passive: the subject is the recipient, the agent ("oleh X") the actor."""
        e = hit.entry
        recip, how = self.subject(ti, allow_genitive=True, hops=0)
        if not recip and dep.get("pass"):
            recip, how = dep["pass"], "dep"
            roles.rule.append("dep nsubj:pass->recipient")
        agent = self._passive_agent(ti, hit, roles, recip, dep)
        actor = agent
        roles.rule.append("passive subj->recipient" + (", oleh->actor" if agent else ""))
        if e.type == "MOBILIZE" or e.recipient_is_actor:
            actor, recip = (recip, actor) if not agent else (agent, recip)
        roles.actor, roles.recip, roles.how = actor, recip, how

    def _passive_agent(
        self, ti: int, hit: Hit, roles: Roles, recip: list[Entity], dep: dict[str, list[Entity]]
    ) -> list[Entity]:
        """The agent of a passive: "oleh X", the parse, a bare agent right after the verb, the other
        side of the article's clashes, or (for a person arrested or charged) their own state."""
        e = hit.entry
        tn = ti + hit.n
        agent = self.after(tn, roles.rend_far, {"oleh"}, set())
        if not agent and dep.get("agent"):
            agent = dep["agent"]
            roles.rule.append("dep obl:oleh->actor")
        if not agent:  # "diserang sekelompok biksu", "dimakzulkan parlemen": agent right after the verb
            agent = self.after(
                tn, roles.rend, None, {r.code for r in recip if r.sector in (None, "GOV")}, adjacent=1
            )
            if agent:
                roles.rule.append("passive adjacent agent->actor")
        if (
            not agent
            and e.type == "ASSAULT"
            and recip
            and self.opponent
            and any(r.code != "UNK" for r in recip)
        ):
            opp = self.opponent({r.code for r in recip}, memory_only=True)
            if opp is not None:
                agent = [opp]
                roles.rule.append("agentless passive -> actor from article context")
        if not agent and e.type in DOMESTIC_PASSIVE and recip and recip[0].label == "PER":
            sector = {"arrest": "COP", "convict": "JUD", "investigate": "JUD", "allege": "JUD"}.get(
                e.mode or "", "GOV"
            )
            agent = [Entity(recip[0].code or "UNK", "ACTOR", code=recip[0].code, sector=sector)]
            roles.rule.append("agentless passive on a person -> own state")
        return agent

    def _active_roles(self, ti: int, hit: Hit, roles: Roles, dep: dict[str, list[Entity]]) -> None:
        """Active or stative: the subject acts on the object or the prepositional target."""
        e = hit.entry
        actor, how = self._active_actor(ti, hit, roles, dep)
        if actor:
            roles.rule.append(f"active {how}->actor")
        excl = {a.code for a in actor}
        recip = self._active_recipient(ti, hit, roles, actor, excl, dep)
        if e.recipient_is_actor:
            actor, recip = recip, actor
        roles.actor, roles.recip, roles.how = actor, recip, how

    def _active_actor(
        self, ti: int, hit: Hit, roles: Roles, dep: dict[str, list[Entity]]
    ) -> tuple[list[Entity], str]:
        """The subject: head of a relative clause, else the positional subject, else the parse's;
        a reported act of the speaker's own state is the speaker's."""
        rel = self.relative_head(ti)
        actor, how = (rel, "rel-head") if rel is not None else self.subject(ti)
        if rel is None and dep.get("subj") and (not actor or (settings.DEP_MODE > 1 and how == "subj^")):
            actor, how = dep["subj"], "dep"
            roles.rule.append("dep nsubj")
        if hit.entry.speech and actor and how == "subj":
            cue = next(
                (
                    j
                    for j in range(ti - 1, -1, -1)
                    if self.lows[j] in self.lex.speech_cues or self.lows[j] == "bahwa"
                ),
                None,
            )
            if cue is not None and cue < min(m.t0 for m in self.ms if m.ent in actor):
                matrix, _ = self.subject(cue, hops=1)
                if matrix and matrix[0].code == actor[0].code and matrix[0].label == "PER":
                    actor = matrix  # "Naryshkin mengatakan ... Moskow akan membalas": the speaker acts
                    roles.rule.append("reported speech -> speaker")
        return actor, how

    def _active_recipient(
        self,
        ti: int,
        hit: Hit,
        roles: Roles,
        actor: list[Entity],
        excl: set[str],
        dep: dict[str, list[Entity]],
    ) -> list[Entity]:
        """The target: partner of a symmetric act, giver of a received one, else the object or a
        prepositional target; then one between subject and trigger; then the parse's."""
        e = hit.entry
        tn = ti + hit.n
        if e.sym:
            recip = self.after(tn, roles.rend_far, {"dengan", "bersama", "antara"}, excl) or self.after(
                tn, roles.rend_far, {"ke", "di"} if e.mode == "visit" else {"kepada"}, excl
            )
        elif e.recipient_is_actor:  # "Taiwan menerima 38 unit tank dari AS": the giver is after "dari"
            recip = self.after(tn, roles.rend_far, {"dari", "oleh"}, excl)
        else:
            dom = e.type in DOMESTIC_TYPES  # "publik Korsel meminta Yoon mundur": a compatriot target
            recip = self.after(tn, roles.rend, None, excl, persons=dom) or self.after(
                tn, roles.rend_far, RECIP_PREPS, excl, persons=dom
            )
        if not recip and actor and not e.recipient_is_actor:  # "X telah menjelaskan kepada Moskow ..."
            start = max((m.t1 for m in self.ms if m.ent in actor), default=0)
            recip = self.after(start, ti, {"kepada", "terhadap"}, excl)
        if not recip and not e.sym and not e.recipient_is_actor:
            recip = [x for x in dep.get("to") or dep.get("obj") or [] if x.code not in excl]
            if recip:
                roles.rule.append("dep obj/obl->recipient")
        return recip

    # -------------------------------------------------------------- the candidate
    def _candidate(self, ti: int, hit: Hit, roles: Roles) -> Candidate:
        """The candidate from the roles found: filtered roles, factuality, modifiers and trace."""
        e = hit.entry
        tn = ti + hit.n
        actor, recip = _final_roles(roles.actor, roles.recip, e.type)
        fact, why = trigger_factuality(self, ti, hit, roles.rend_far)
        typ, mode, ctx, mods = self._modified(ti, tn, e, fact, roles.rule)
        if typ in PROMISED and fact == "future":  # PLOVER: announced future aid or investment is AGREE
            roles.rule.append(f"future {typ}->AGREE")
            typ, mode = "AGREE", None
        if self.window_has(["nuklir", "kimia", "biologi"], 0, len(self.toks)) and "cbrn" not in ctx:
            ctx.append("cbrn")
        conf = e.conf + (0.1 if recip else 0) + (0.05 if roles.how in ("subj", "genitive") else -0.1)
        trace = f"lexicon:{e.key}/{typ}" + (f"({mode})" if mode else "") + f" via {roles.voice}"
        if roles.rule:
            trace += " " + "; ".join(roles.rule)
        if mods:
            trace += "; modifier " + ",".join(mods)
        if why:
            trace += f"; factuality {why}"
        c = Candidate(
            hit, ti, (0, 0), actor, recip, fact, mode, ctx, trace, round(min(conf, 0.95), 2), mods=mods
        )
        c.type = typ
        return c

    def _modified(
        self, ti: int, tn: int, e: Entry, fact: str, rule: list[str]
    ) -> tuple[str, str | None, list[str], list[str]]:
        """(type, mode, context, modifier words) after the entry type's modifiers near the trigger;
        a modifier may also retype the event."""
        typ, mode, ctx, mods = e.type, e.mode, list(e.ctx), []
        for mod in self.lex.modifiers.get(e.type, []):
            w = self.window_has(mod["words"], ti - 3, ti if mod.get("before_only") else tn + 6)
            if not w:
                continue
            if mod.get("only_if_used") and (
                fact != "asserted" or not self.window_has(mod["words"], tn, tn + 2)
            ):
                continue
            mods.append(w)
            ctx += [c for c in mod.get("ctx", []) if c not in ctx]
            if mod.get("retype"):
                typ, mode = mod["retype"], mod.get("mode")
                rule.append(f"retyped {e.type}->{typ} by {w}")
                break
            if mode is None and mod.get("mode"):
                mode = mod["mode"]
        return typ, mode, ctx, mods

    def _alleged(self, ti: int, hit: Hit) -> Candidate | None:
        """ "X melanggar ..." inside a statement: the speaker accuses X."""
        speaker = self.speaker_at(ti)
        if speaker is None:
            return None
        target, how = self.subject(ti, allow_genitive=True, hops=0)
        target = [t for t in target if t.code != speaker.code and t.label != "SPEAKER"]
        fact, _ = factuality(self, ti, ti + hit.n, hit.entry.type)
        if fact != "asserted":
            return None
        trace = (
            f"lexicon:{hit.entry.key}/{hit.entry.type}(allege) via statement: speaker->actor, "
            f"{how or 'none'}->recipient"
        )
        e = hit.entry
        c = Candidate(
            hit,
            ti,
            (0, 0),
            [speaker],
            dedup(target),
            "asserted",
            e.mode,
            list(e.ctx),
            trace,
            e.conf,
            quote=True,
        )
        c.type = e.type
        return c


def _final_roles(actor: list[Entity], recip: list[Entity], typ: str) -> tuple[list[Entity], list[Entity]]:
    """One entity per code, and no recipient that is the actor itself, except a non-state actor
    acting on its state, a person targeted at home, or a state's forces acting on its civilians."""
    speaker = actor[0].label == "SPEAKER"
    actor = actor if speaker else dedup(actor)
    asec = {(a.code, a.sector) for a in actor}
    recip = [
        r
        for r in dedup(recip)
        if r.code not in {a.code for a in actor}
        or (r.code != "UNK" and (r.code, r.sector) not in asec and {a.sector for a in actor} & NONSTATE)
        or person_target(r, actor, typ)
        # a state's forces attacking or detaining its own civilians ("pengungsi Rohingya diserang oleh
        # pasukan Myanmar"): the civilians are the target
        or (r.sector == "CVL" and typ in ("ASSAULT", "COERCE") and not {a.sector for a in actor} & NONSTATE)
    ]
    return actor, recip
