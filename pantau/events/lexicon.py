"""Load ``lexicon.yaml`` and index every inflected surface form of its roots.

Why generate forms instead of stemming at run time: Indonesian affixation is
regular (meN- nasal assimilation, di-, ter-, -kan, -i, peN-an ...), so expanding
the few hundred lexicon roots once gives an exact dictionary lookup per token,
which is fast and never over-stems ("pertahanan" is not "tahan").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
VOWELS = set("aeiou")
DEFAULT_FORMS = ("verb", "passive", "noun", "bare")


@dataclass
class Entry:
    """One lexicon entry (see the header of lexicon.yaml)."""

    key: str
    type: str
    mode: str | None = None
    ctx: list[str] = field(default_factory=list)
    need: list[str] = field(default_factory=list)
    window: int = 4
    block: list[str] = field(default_factory=list)
    sym: bool = False
    speech: bool = False
    conf: float = 0.6
    prio: int = 1
    fact: str | None = None
    recipient_is_actor: bool = False
    alleged: bool = False  # the act is alleged by a speaker: actor = speaker, recipient = local subject
    aux: bool = False  # dropped when another trigger of the same type codes the sentence

    def blocked(self, lows: list[str], after: int) -> bool:
        """Whether the words from ``after`` on (the trigger's next words, lowercased) are one of the
        entry's ``block`` phrases, which make it another word ("menolak berkomentar", "minta maaf")."""
        nxt = " ".join(lows[after : after + 2])
        return any(nxt == b or nxt.startswith(b + " ") or lows[after : after + 1] == [b] for b in self.block)


@dataclass
class Hit:
    """A surface form of an entry: how many tokens it spans and its voice."""

    entry: Entry
    n: int  # number of tokens of the trigger
    voice: str  # active | passive | nominal | stative | bare


def _nasal(root: str) -> list[str]:
    """meN- / peN- allomorphs of a root, as prefixes + stem (e.g. 'menyerang')."""
    r = root
    c = r[0]
    out = []
    if len(r) <= 4 and sum(ch in VOWELS for ch in r) == 1:  # monosyllable: menge-
        out.append("menge" + r)
    if c in VOWELS or c in "gh":
        out.append("meng" + r)
    elif c == "k":
        out.append("meng" + r[1:])
        out.append("meng" + r)
    elif c in "bfv":
        out.append("mem" + r)
    elif c == "p":
        out.append("mem" + r[1:])
        out.append("mem" + r)
    elif c in "cdjz":
        out.append("men" + r)
    elif c == "t":
        out.append("men" + r[1:])
    elif c == "s":
        out.append("meny" + r[1:])
        out.append("men" + r)
    else:  # l m n r w y
        out.append("me" + r)
    return out


def generate(root: str, forms: tuple[str, ...] | list[str]) -> dict[str, str]:
    """All derived word forms of ``root`` for the allowed form classes -> voice."""
    out: dict[str, str] = {}
    if not root or " " in root:
        return out
    stems = [root + s for s in ("", "kan", "i")]
    if root.endswith("kan") or root.endswith("i"):
        stems = [root]
    if "verb" in forms:
        for st in stems:
            for f in _nasal(st):
                out[f] = "active"
    if "passive" in forms:
        for st in stems:
            out["di" + st] = "passive"
        out["ter" + root] = "passive"
    if "noun" in forms:
        out[root + "an"] = "nominal"
        out["per" + root + "an"] = "nominal"
        for f in _nasal(root):
            out["pe" + f[2:] + "an"] = "nominal"
    if "ber" in forms:
        out["ber" + root] = "stative"
        if root.startswith("r"):
            out["be" + root] = "stative"
    if "bare" in forms:
        for st in stems:
            out[st] = "bare"
    return {k: v for k, v in out.items() if v}


def voice_of(word: str) -> str:
    if word.startswith(("di", "ter")):
        return "passive"
    if word.startswith("me"):
        return "active"
    if word.startswith("ber"):
        return "stative"
    return "nominal"


@dataclass
class Lexicon:
    """Surface index: first token -> list of (token sequence, Hit)."""

    index: dict[str, list[tuple[tuple[str, ...], Hit]]]
    modifiers: dict[str, list[dict]]
    factuality: dict[str, set[str]]
    speech_cues: set[str]
    light_verbs: set[str]
    roots: dict[str, list[Entry]]
    anaphora: list[dict] = field(default_factory=list)

    def match(self, tokens: list[str], i: int) -> list[Hit]:
        """Triggers starting at token i (lower-cased tokens, clitics stripped)."""
        out = []
        for seq, hit in self.index.get(tokens[i], ()):
            if tuple(tokens[i : i + len(seq)]) == seq:
                out.append(hit)
        return out


def _entry(d: dict) -> Entry:
    key = d.get("root") or d.get("phrase")
    return Entry(
        key=key,
        type=d["type"],
        mode=d.get("mode"),
        ctx=list(d.get("ctx") or []),
        need=[w.lower() for w in d.get("need") or []],
        window=int(d.get("window", 4)),
        block=[w.lower() for w in d.get("block") or []],
        sym=bool(d.get("sym")),
        speech=bool(d.get("speech")),
        conf=float(d.get("conf", 0.6)),
        prio=int(d.get("prio", 1)),
        fact=d.get("fact"),
        recipient_is_actor=bool(d.get("recipient_is_actor")),
        aux=bool(d.get("aux")),
        alleged=bool(d.get("alleged")),
    )


@lru_cache(maxsize=1)
def load(path: str | None = None) -> Lexicon:
    """Load and index the lexicon once per process."""
    text = Path(path or HERE / "lexicon.yaml").read_text(encoding="utf-8")
    # libyaml's C parser where PyYAML has it: the same data, about 7x faster to load
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    index: dict[str, list[tuple[tuple[str, ...], Hit]]] = {}
    roots: dict[str, list[Entry]] = {}

    def add(surface: str, entry: Entry, voice: str) -> None:
        seq = tuple(surface.lower().split())
        hit = Hit(entry, len(seq), voice)
        bucket = index.setdefault(seq[0], [])
        for s, h in bucket:
            if s == seq and h.entry is entry:
                h.voice = voice  # an explicit word overrides the generated voice ("invasi" is a noun)
                return
        bucket.append((seq, hit))

    for d in data["entries"]:
        e = _entry(d)
        roots.setdefault(e.key, []).append(e)
        if d.get("phrase"):
            add(d["phrase"], e, voice_of(d["phrase"].split()[0]))
            continue
        forms = d.get("forms")
        forms = DEFAULT_FORMS if forms is None else tuple(forms)
        for surface, voice in generate(d["root"], forms).items():
            add(surface, e, voice)
        for w in d.get("words") or []:
            first = w.split()[0]
            add(w, e, "nominal" if first.startswith(e.key.split()[0]) else voice_of(first))
    # "dukunganya" is a common misspelling of "dukungannya": its clitic-stripped norm "dukunga" is the
    # noun less its final n, never an Indonesian word of its own
    for (seq, hit) in [sh for b in list(index.values()) for sh in b]:
        if len(seq) == 1 and hit.voice == "nominal" and seq[0].endswith("an") and len(seq[0]) >= 7:
            if seq[0][:-1] not in index:
                index[seq[0][:-1]] = [((seq[0][:-1],), Hit(hit.entry, 1, "nominal"))]
    for bucket in index.values():  # longest first, then priority
        bucket.sort(key=lambda sh: (-len(sh[0]), -sh[1].entry.prio))
    fact = {k: {w.lower() for w in v} for k, v in (data.get("factuality") or {}).items()}
    return Lexicon(
        index=index,
        modifiers=data.get("modifiers") or {},
        factuality=fact,
        speech_cues={w.lower() for w in data.get("speech_cues") or []},
        light_verbs={w.lower() for w in data.get("light_verbs") or []},
        roots=roots,
        anaphora=sorted(
            (
                {**d, "seq": tuple(w.lower().split()), "block": {b.lower() for b in d.get("block") or []}}
                for d in data.get("anaphora") or []
                for w in d["words"]
            ),
            key=lambda d: -len(d["seq"]),
        ),
    )
