#!/usr/bin/env python
"""Train the Pantau Indonesian spaCy pipeline from the public data in ../shared/data.

Why a script and not a notebook: the shipped model must be rebuilt by one reproducible command
(`make models`), with fixed seeds, from the same data.

Stages (all by default):
  prepare   CoNLL-U and NER files -> spaCy DocBin files in the work dir (labels mapped to PER/ORG/LOC)
  vectors   floret word vectors from corpus text -> spaCy static vectors (off with --no-vectors;
            skipped when floret is not installed)
  pretrain  each part's tok2vec pretrained on corpus paragraphs (spaCy's character objective: predict
            each word's first and last 4 characters from its context; `spacy pretrain`)
  parser    tok2vec + morphologizer (UPOS) + parser trained on GSD-2.1 train + CSUI train (CSUI
            relabelled to GSD 2.1's conventions: harmonise_csui), with an auxiliary tagger on the
            nlp-id kumparan POS corpus sharing the tok2vec during training only (aux_pos_docs), and
            with --silver, corpus sentences parsed by the teacher (silver_docs; up-training)
  ner       tok2vec (with gazetteer input features: pantau.nlp.name_features) + ner trained on the
            pooled NER training sets, and with --ner-silver-ratio,
            corpus sentences tagged by the vote of NER teachers (ner_silver_docs; up-training)
  gazetteer DBpedia name lists -> pantau/nlp/models/gazetteer.tsv.gz (NER input features, label
            correction); built before the NER part, which reads it
  assemble  one pipeline (news tokenizer, parser part, NER part), written atomically to --out

Usage: python scripts/train_nlp.py --shared ../shared [--smoke] [--out DIR] [--work DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import spacy  # noqa: E402
from spacy.tokens import Doc, DocBin  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pantau.nlp.tokenizer import customize  # noqa: E402  (registers pantau.id_tokenizer.v1)

SEED = 42
# the NER part's seed, chosen on dev: seeds 42-45 of the shipped recipe sum to 241.9-246.4 whole-pipeline
# F1 over the NERGrit, idner and UI dev sets; 44 was best (MODEL_CARD.md)
NER_SEED = 44
# auxiliary POS tokens per treebank token (dev LAS: none 75.20, 1:1 75.46, 2:1 75.59, all 75.53)
AUX_POS_RATIO = 2
# --final: parts trained on train+dev for the step count at which their dev-selected run peaked
# (parser: best dev LAS at step 7,200; NER: best dev F1 at step 2,600). Not shipped: both scored
# within run-to-run noise of dev-selected runs (see MODEL_CARD.md)
FINAL_STEPS = {"parser": 7200, "ner": 2600}
# --silver: teacher-parsed corpus tokens per treebank token in the parser part's training data
# (dev LAS, up to 16,000 steps: 3:1 76.19, 6:1 76.27; 1:1 with 12,000 steps 76.26)
SILVER_RATIO = 6.0
# --ner-silver-ratio: corpus tokens tagged by the NER teachers (ner_silver_docs) per gold NER training
# token in the NER part's training data (0: none)
NER_SILVER_RATIO = 0.0
# the NER teachers: configs/ner.cfg made wider and deeper (too slow for run time; nothing of them
# ships), one model per seed
NER_TEACHER = {
    "components.tok2vec.model.encode.width": 192,
    "components.tok2vec.model.encode.depth": 6,
    "components.tok2vec.model.embed.rows": [50000, 10000, 10000, 5000],
    "components.ner.model.hidden_width": 128,
}
NER_TEACHER_SEEDS = (45, 46, 47)
NER_TEACHER_STEPS = 8000
NER_MAP = {
    "PER": "PER", "PERSON": "PER", "PPL": "PER",
    "ORG": "ORG", "ORGANISATION": "ORG", "ORGANIZATION": "ORG",
    "LOC": "LOC", "LOCATION": "LOC", "PLACE": "LOC", "PLC": "LOC",
}  # fmt: skip


# ----------------------------------------------------------------------------- CoNLL-U


def read_conllu(path: Path) -> Iterator[list[dict]]:
    """Sentences as lists of word dicts; multiword tokens are merged into one token.

    Why merge: GSD 2.1 and every NER corpus keep clitics attached ("katanya"), CSUI splits them
    as multiword tokens ("kata" + "nya"). The merged token takes the host word's POS, head and
    relation; heads that pointed at the clitic are moved to the merged token.
    """
    sent: list[list[str]] = []
    mwts: list[tuple[int, int, str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if sent:
                yield _merge(sent, mwts)
            sent, mwts = [], []
            continue
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if "." in cols[0]:
            continue  # empty nodes
        if "-" in cols[0]:
            a, b = (int(x) for x in cols[0].split("-"))
            mwts.append((a, b, cols[1], cols[9]))
            continue
        sent.append(cols)


def _merge(rows: list[list[str]], mwts: list[tuple[int, int, str, str]]) -> list[dict]:
    words = {int(r[0]): r for r in rows}
    new_id: dict[int, int] = {}
    out: list[dict] = []
    span_of = {a: (a, b, form, misc) for a, b, form, misc in mwts}
    i = 1
    n = len(rows)
    while i <= n:
        if i in span_of:
            a, b, form, misc = span_of[i]
            ids = list(range(a, b + 1))
            # host = the word whose head lies outside the span (else the first)
            host = next((k for k in ids if int(words[k][6]) not in ids), a)
            r = words[host]
            out.append({"form": form, "upos": r[3], "head": int(r[6]), "dep": r[7], "misc": misc})
            for k in ids:
                new_id[k] = len(out)
            i = b + 1
            continue
        r = words[i]
        out.append({"form": r[1], "upos": r[3], "head": int(r[6]), "dep": r[7], "misc": r[9]})
        new_id[i] = len(out)
        i += 1
    for j, w in enumerate(out, start=1):
        w["head"] = new_id.get(w["head"], 0) if w["head"] else 0
        if w["head"] == j:  # clitic was the head of its host: attach to the host's head
            w["head"] = 0
            w["dep"] = "root"
    return out


# CSUI follows later UD guidelines than GSD 2.1, the treebank the parser is scored on. Its
# sentences are mapped to GSD 2.1's conventions (counts from the two train files) so the two do not
# teach the parser contradicting labels for the same construction:
KEEP_SUBTYPES = {"nsubj:pass", "csubj:pass", "compound:plur"}  # the only subtypes GSD 2.1 uses
# a caseless nominal modifier right of a nominal head: CSUI labels it nmod, GSD 2.1 compound (NOUN:
# 5,561 compound vs 131 nmod), flat (PROPN: 9,033 vs 216) or det (PRON: 145 vs 3)
CASELESS_NMOD = {"NOUN": "compound", "PROPN": "flat", "PRON": "det"}


def harmonise_csui(sent: list[dict]) -> list[dict]:
    """Relabel one CSUI sentence the GSD 2.1 way.

    Subtypes other than GSD's own are dropped (flat:name -> flat, acl:relcl -> acl, obl:tmod -> obl);
    auxiliaries (akan, telah, sudah, dapat, bisa, harus: CSUI aux/AUX) are advmod/ADV as in GSD, where
    AUX is only the copula; a nominal modifier with no case marker follows CASELESS_NMOD.
    """
    has_case = {w["head"] for w in sent if w["dep"].split(":")[0] == "case"}
    out = []
    for i, w in enumerate(sent, start=1):
        w = dict(w)
        dep = w["dep"] if w["dep"] in KEEP_SUBTYPES else w["dep"].split(":")[0]
        if dep == "aux":
            dep, w["upos"] = "advmod", "ADV"
        elif dep == "nmod" and i not in has_case and 0 < w["head"] < i:
            head_pos = sent[w["head"] - 1]["upos"]
            if head_pos in ("NOUN", "PROPN") and w["upos"] in CASELESS_NMOD:
                dep = CASELESS_NMOD[w["upos"]]
        w["dep"] = dep
        out.append(w)
    return out


def ud_docs(vocab, path: Path, per_doc: int = 10, limit: int | None = None,
            harmonise: bool = False) -> list[Doc]:
    """Group sentences into multi-sentence docs so the parser learns sentence boundaries."""
    docs: list[Doc] = []
    batch: list[list[dict]] = []
    for n, sent in enumerate(read_conllu(path)):
        if limit is not None and n >= limit:
            break
        batch.append(harmonise_csui(sent) if harmonise else sent)
        if len(batch) >= per_doc:
            docs.append(sentences_doc(vocab, batch))
            batch = []
    if batch:
        docs.append(sentences_doc(vocab, batch))
    return docs


def sentences_doc(vocab, batch: list[list[dict]], pos: bool = True) -> Doc:
    """One doc of several sentences (word dicts as read_conllu gives them); ``pos=False`` leaves
    UPOS missing."""
    words, spaces, tags, heads, deps, starts = [], [], [], [], [], []
    for sent in batch:
        offset = len(words)
        for k, w in enumerate(sent):
            words.append(w["form"])
            spaces.append("SpaceAfter=No" not in w["misc"])
            tags.append(w["upos"] if w["upos"] != "_" else "X")
            heads.append(offset + w["head"] - 1 if w["head"] else offset + k)
            deps.append(w["dep"].lower() if w["head"] else "ROOT")
            starts.append(k == 0)
    spaces[-1] = True
    return Doc(vocab, words=words, spaces=spaces, pos=tags if pos else None, heads=heads, deps=deps,
               sent_starts=starts)


def aux_pos_docs(vocab, path: Path, held_out: set[str], tokens: int, per_doc: int = 10) -> list[Doc]:
    """Docs of the nlp-id POS corpus (kumparan news, its own 16 tags in token.tag_) for the parser
    part's auxiliary tagger, about ``tokens`` tokens of them.

    Why: the treebanks hold 115k tokens; a second task on 0.5M tokens of news trains the shared
    tok2vec on more text (multi-task learning). The docs carry no UPOS, heads or entities, which
    spaCy treats as missing, so only the auxiliary tagger learns from their labels; that tagger is
    dropped when the pipeline is assembled. Sentences of any test or dev set are left out."""
    sents = [list(zip(words, (t.upper() for t in tags), strict=True))
             for words, tags in read_ner(path, column=1)]
    seen: set[str] = set()
    kept = []
    for sent in sents:
        key = "".join(w for w, _ in sent).lower()
        if key not in held_out and key not in seen:
            seen.add(key)
            kept.append(sent)
    random.Random(SEED).shuffle(kept)
    docs: list[Doc] = []
    n = 0
    for i in range(0, len(kept), per_doc):
        if n >= tokens:
            break
        batch = kept[i:i + per_doc]
        words = [w for sent in batch for w, _ in sent]
        docs.append(Doc(vocab, words=words, tags=[t for sent in batch for _, t in sent]))
        n += len(words)
    return docs


def silver_docs(vocab, teacher: Path, tokens: int, per_doc: int = 10, upos: bool = False) -> list[Doc]:
    """About ``tokens`` tokens of corpus sentences parsed by the teacher ensemble
    (scripts/teacher_parser.py: ``teacher``/sentences.json.gz and ``teacher``/out/silver.jsonl.gz).

    Why: up-training. The teacher (biaffine BiLSTM parsers, far too slow for run time) is more
    accurate than the CNN parser; its parses of news sentences teach the CNN parser on more text
    than the treebanks hold. Only parses whose heads form a tree are used, in corpus order. UPOS
    is left missing unless ``upos`` (the teacher tags less accurately than the morphologizer)."""
    with gzip.open(teacher / "sentences.json.gz", "rt", encoding="utf-8") as fh:
        sents = json.load(fh)["silver"]
    with gzip.open(teacher / "out" / "silver.jsonl.gz", "rt", encoding="utf-8") as fh:
        parses = [json.loads(line) for line in fh]
    docs: list[Doc] = []
    batch: list[list[dict]] = []
    total = 0
    for sent, parse in zip(sents, parses, strict=True):
        if total >= tokens:
            break
        if not parse["tree"]:
            continue
        n = len(sent["words"])
        rows = zip(sent["words"], sent["spaces"], parse["upos"], parse["heads"], parse["deps"], strict=True)
        batch.append([{"form": w, "upos": u, "head": h, "dep": d,
                       "misc": "_" if space or k == n - 1 else "SpaceAfter=No"}  # sentences end in a space
                      for k, (w, space, u, h, d) in enumerate(rows)])
        total += n
        if len(batch) == per_doc:
            docs.append(sentences_doc(vocab, batch, pos=upos))
            batch = []
    if batch:
        docs.append(sentences_doc(vocab, batch, pos=upos))
    return docs


# ----------------------------------------------------------------------------- NER


def read_ner(path: Path, column: int = -1) -> Iterator[tuple[list[str], list[str]]]:
    """(tokens, tags) from a one-token-a-line file (tab or space separated, tag in ``column``)."""
    words: list[str] = []
    tags: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        parts = line.replace("\t", " ").split()
        if not parts:
            if words:
                yield words, tags
            words, tags = [], []
            continue
        if len(parts) == 1:  # a token made only of whitespace-like chars; keep alignment
            continue
        words.append(parts[0])
        tags.append(parts[column])


def _map_tags(tags: list[str]) -> list[str]:
    out = []
    for tag in tags:
        if tag == "O" or "-" not in tag:
            out.append("O")
            continue
        bio, label = tag.split("-", 1)
        mapped = NER_MAP.get(label.upper())
        out.append(f"{bio}-{mapped}" if mapped else "O")
    # repair I- without B-
    fixed = []
    prev = "O"
    for tag in out:
        if tag.startswith("I-") and prev[2:] != tag[2:]:
            tag = "B-" + tag[2:]
        fixed.append(tag)
        prev = tag
    return fixed


def ner_doc(vocab, words: list[str], tags: list[str], unsure: set[tuple[str, ...]] | None = None) -> Doc:
    """A training doc; an O-tagged run of words in ``unsure`` is marked missing (no loss) instead."""
    mapped = _map_tags(tags)
    if unsure:
        longest = max(len(n) for n in unsure)
        i = 0
        while i < len(words):
            for n in range(min(longest, len(words) - i), 0, -1):
                if tuple(words[i:i + n]) in unsure and all(t == "O" for t in mapped[i:i + n]):
                    mapped[i:i + n] = [""] * n
                    i += n - 1
                    break
            i += 1
    return Doc(vocab, words=words, ents=mapped)


def vote_tags(found: list[set[tuple[int, int, str]]], n: int) -> list[str]:
    """IOB tags of an n-word sentence from the entities (start, end, label) each teacher found.

    An entity found by a majority of the teachers is kept. A word inside an entity that not every
    teacher found, and that the vote did not keep, is left missing (""): the teachers disagree
    there, so the student learns neither the entity nor its absence. Every other word is O."""
    votes: dict[tuple[int, int, str], int] = {}
    for entities in found:
        for ent in entities:
            votes[ent] = votes.get(ent, 0) + 1
    tags = ["O"] * n
    for (start, end, _), count in votes.items():
        if count < len(found):
            tags[start:end] = [""] * (end - start)
    for (start, end, label), count in votes.items():
        if count > len(found) // 2:  # majority entities never overlap: each teacher's entities don't
            tags[start:end] = [f"B-{label}"] + [f"I-{label}"] * (end - start - 1)
    return tags


def ner_silver_docs(teachers: list[Path], sents: list[dict], tokens: int) -> list[Doc]:
    """About ``tokens`` tokens of corpus sentences, one per doc, tagged by the teachers' vote.

    Why: up-training, as for the parser. The teachers (NER_TEACHER, several seeds) are
    too slow for run time and their majority vote is more accurate than one run-time NER model;
    the NER part learns from their tags of news sentences next to the gold sets."""
    kept: list[dict] = []
    total = 0
    for sent in sents:
        if total >= tokens:
            break
        kept.append(sent)
        total += len(sent["words"])
    found: list[list[set[tuple[int, int, str]]]] = []
    for path in teachers:
        nlp = spacy.load(path)
        docs = (Doc(nlp.vocab, words=s["words"], spaces=s["spaces"]) for s in kept)
        found.append([{(e.start, e.end, e.label_) for e in d.ents} for d in nlp.pipe(docs, batch_size=256)])
    vocab = spacy.blank("id").vocab
    return [Doc(vocab, words=s["words"], spaces=s["spaces"],
                ents=vote_tags([f[i] for f in found], len(s["words"])))
            for i, s in enumerate(kept)]


def country_names() -> set[tuple[str, ...]]:
    """Indonesian names and aliases of the states in the actor KB, as word tuples ("Amerika", "Serikat").

    Why: idner-news-2k leaves country names untagged in about half of their occurrences (train:
    "Israel", "Indonesia", "AS" ... 110 O, 60 LOC, 40 ORG), while NERGrit and IndoLEM tag them LOC
    (217 and 78 LOC against 8 and 6 O). Its O tags on country names are therefore no evidence and
    are marked missing rather than teaching the model that countries are not entities."""
    from pantau.actors.kb import load_kb

    out: set[tuple[str, ...]] = set()
    for e in load_kb().entries:
        if e.kind == "country":
            for name in [e.name, *e.aliases]:
                if name and name[:1].isupper():
                    out.add(tuple(name.split()))
    return out


def _key(words: list[str]) -> str:
    return " ".join(words).lower()


def ner_sets(data: Path) -> dict[str, list[Path]]:
    grit = data / "indonlu" / "nergrit_ner-grit"
    idner = data / "idner-news-2k"
    ui = data / "indolem" / "ner" / "data" / "nerui"
    ugm = data / "indolem" / "ner" / "data" / "nerugm"
    return {
        # NERP is not used: it is lower-cased and has no ORG label (see MODEL_CARD.md)
        "train": [grit / "train_preprocess.txt", idner / "train.txt", ui / "train.01.tsv",
                  ugm / "train.01.tsv", ugm / "dev.01.tsv", ugm / "test.01.tsv"],
        "dev": [grit / "valid_preprocess.txt", idner / "dev.txt", ui / "dev.01.tsv"],
        "test_nergrit": [grit / "test_preprocess.txt"],
        "test_idner": [idner / "test.txt"],
        "test_nerui": [ui / "test.01.tsv"],
    }


def ner_held_out(sets: dict[str, list[Path]]) -> set[str]:
    """Every sentence of the NER dev and test sets as joined lower-case words: text that no auxiliary
    or teacher-tagged training data may contain."""
    return {"".join(words).lower() for name in ("dev", "test_nergrit", "test_idner", "test_nerui")
            for path in sets[name] for words, _ in read_ner(path)}


# ----------------------------------------------------------------------------- prepare


def prepare(shared: Path, work: Path, smoke: bool, aux_ratio: float = AUX_POS_RATIO,
            silver: Path | None = None, silver_ratio: float = SILVER_RATIO) -> dict[str, int]:
    """Write train/dev/test DocBins; returns sizes. Test sentences are removed from training."""
    data = shared / "data"
    ud = data / "ud"
    vocab = spacy.blank("id").vocab
    work.mkdir(parents=True, exist_ok=True)
    sizes: dict[str, int] = {}

    def save(name: str, docs: list[Doc]) -> None:
        DocBin(docs=docs, store_user_data=False).to_disk(work / f"{name}.spacy")
        sizes[name] = len(docs)

    gsd = ud / "UD_Indonesian-GSD-2.1"
    csui = ud / "UD_Indonesian-CSUI"
    lim = 60 if smoke else None  # --smoke: a few seconds of work
    ud_train = ud_docs(vocab, gsd / "id-ud-train.conllu", limit=lim) + ud_docs(
        vocab, csui / "id_csui-ud-train.conllu", limit=lim, harmonise=True
    )
    ud_dev = ud_docs(vocab, gsd / "id-ud-dev.conllu", limit=20 if smoke else None)
    ud_tests = {
        "ud_test_gsd21": gsd / "id-ud-test.conllu",
        "ud_test_csui": csui / "id_csui-ud-test.conllu",
        "ud_test_pud": ud / "UD_Indonesian-PUD" / "id_pud-ud-test.conllu",
    }
    if not smoke:
        for name, path in ud_tests.items():
            save(name, ud_docs(vocab, path, per_doc=1))

    sets = ner_sets(data)
    held_out: set[str] = set()
    for name in () if smoke else ("test_nergrit", "test_idner", "test_nerui"):
        for path in sets[name]:
            for words, _ in read_ner(path):
                held_out.add(_key(words))
    # auxiliary POS docs: none of the sentences of a UD or NER dev or test set
    unseen = {"".join(w["form"] for w in sent).lower()
              for path in [gsd / "id-ud-dev.conllu", *ud_tests.values()] for sent in read_conllu(path)}
    unseen |= ner_held_out(sets)
    ud_tokens = sum(len(d) for d in ud_train)
    aux = aux_pos_docs(vocab, data / "nlp-id" / "dataset_postag.txt", unseen, int(aux_ratio * ud_tokens))
    sizes["aux_pos_docs"] = len(aux)
    ud_train = _shuffled(ud_train + aux)
    if silver is not None:  # teacher parses of corpus sentences (scripts/teacher_parser.py)
        parsed = silver_docs(vocab, silver, int(silver_ratio * ud_tokens))
        sizes["silver_docs"] = len(parsed)
        ud_train = _shuffled(ud_train + parsed)
    save("ud_train", ud_train)
    save("ud_dev", ud_dev)
    save("ud_train_dev", _shuffled(ud_train + ud_dev))  # --final
    countries = country_names()  # idner train and dev: see country_names(); its test is left as is
    unsure_in = {str(sets["train"][1]): countries, str(sets["dev"][1]): countries}
    dev_keys: set[str] = set()
    ner_dev: list[Doc] = []
    for name in ("dev", "train") if smoke else ("dev", "train", "test_nergrit", "test_idner", "test_nerui"):
        docs: list[Doc] = []
        seen: set[str] = set()
        dropped = 0
        for path in sets[name]:
            for k, (words, tags) in enumerate(read_ner(path)):
                if smoke and k >= 30:
                    break
                key = _key(words)
                if name in ("train", "dev") and (key in held_out or key in seen):
                    dropped += 1
                    continue
                if name == "train" and key in dev_keys:
                    dropped += 1
                    continue
                seen.add(key)
                docs.append(ner_doc(vocab, words, tags, unsure_in.get(str(path))))
        if name == "dev":
            dev_keys = seen
            ner_dev = docs
        if name == "train":
            random.Random(SEED).shuffle(docs)
            save("ner_train_dev", _shuffled(docs + ner_dev))  # --final
        save(f"ner_{name}", docs)
        sizes[f"ner_{name}_dropped_overlap"] = dropped
    return sizes


def _shuffled(docs: list[Doc]) -> list[Doc]:
    random.Random(SEED).shuffle(docs)
    return docs


# ----------------------------------------------------------------------------- vectors


def corpus_sentences(shared: Path) -> Iterable[str]:
    path = shared / "corpus" / "news_id.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line).get("text") or ""
            for para in text.split("\n"):
                if para.strip():
                    yield para


def corpus_candidates(shared: Path, limit: int, held_out: set[str]) -> list[dict]:
    """Corpus sentences of 5-60 tokens ending in final punctuation, as the pipeline cuts them, in
    corpus order and without duplicates or sentences in ``held_out`` (joined lower-cased words):
    the text the teachers annotate for up-training."""
    from pantau import nlp as pnlp

    nlp = pnlp.load()
    out: list[dict] = []
    seen: set[str] = set()
    for doc in nlp.tokenizer.pipe(corpus_sentences(shared), batch_size=256):
        pnlp.sentence_starts(doc)
        for sent in doc.sents:
            words = [t.text for t in sent if not t.is_space]
            key = "".join(words).lower()
            if not 5 <= len(words) <= 60 or words[-1] not in (".", "!", "?", '"', "”"):
                continue
            if key in seen or key in held_out:
                continue
            seen.add(key)
            out.append({"words": words, "spaces": [bool(t.whitespace_) for t in sent if not t.is_space]})
            if len(out) >= limit:
                return out
    return out


def train_vectors(shared: Path, work: Path, dim: int = 100, rows: int = 50_000) -> Path | None:
    """floret vectors (hashed subwords, so OOV words get vectors) trained on the news corpus."""
    try:
        import floret
    except ImportError:
        print("floret not installed: training without static vectors", flush=True)
        return None
    out = work / "vectors"
    work.mkdir(parents=True, exist_ok=True)
    if (out / "cfg").exists() or (out / "config.cfg").exists():
        return out
    nlp = customize(spacy.blank("id"))
    txt = work / "corpus_tok.txt"
    if not txt.exists():
        tmp = txt.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for doc in nlp.tokenizer.pipe(corpus_sentences(shared), batch_size=1000):
                fh.write(" ".join(t.text.lower() for t in doc) + "\n")
        tmp.rename(txt)
    vec_txt = work / "vectors.floret"
    if not vec_txt.exists():  # the floret run (~20 min on one thread) is reused when present
        model = floret.train_unsupervised(
            str(txt), model="cbow", mode="floret", hashCount=2, bucket=rows, minn=3, maxn=5,
            minCount=3, dim=dim, epoch=5, thread=1,  # one thread: deterministic
        )
        tmp_vec = vec_txt.with_suffix(".tmp")
        model.save_floret_vectors(str(tmp_vec))
        tmp_vec.rename(vec_txt)
    from spacy.training.initialize import convert_vectors

    vnlp = spacy.blank("id")
    convert_vectors(vnlp, vec_txt, truncate=0, prune=-1, mode="floret", attr="LOWER")
    vnlp.to_disk(out)
    return out


# ----------------------------------------------------------------------------- gazetteer

GAZ_LABELS = {"person": "PER", "place": "LOC", "organization": "ORG"}


def build_gazetteer(shared: Path, out: Path) -> int:
    """Names that occur in exactly one Indonesian DBpedia list (MDEE gazetteer version), for
    relabelling NER spans at run time (pantau.nlp: pantau_gazetteer). Returns the entry count."""
    base = shared / "data" / "dbpedia-names" / "expanded-dbpedia" / "mdee_gazetteer"
    seen: dict[str, set[str]] = {}
    for name, label in GAZ_LABELS.items():
        for raw in (base / f"{name}.txt").read_text(encoding="latin-1").splitlines():
            text = " ".join(raw.split())
            if len(text) >= 3 and text[:1].isupper():
                seen.setdefault(text, set()).add(label)
    rows = sorted(f"{t}\t{next(iter(labels))}" for t, labels in seen.items() if len(labels) == 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    text = ("# Indonesian DBpedia names (ialfina/ner-dataset-modified-dee, MDEE gazetteer), "
            "unambiguous only: name<TAB>PER|LOC|ORG\n" + "\n".join(rows) + "\n")
    with tmp.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as fh:
        fh.write(text.encode("utf-8"))  # mtime=0: byte-identical rebuilds
    tmp.rename(out)
    return len(rows)


# ----------------------------------------------------------------------------- training


def write_raw_text(shared: Path, work: Path) -> Path:
    """Corpus paragraphs of 5+ words as JSONL for `spacy pretrain` (kept in the git-ignored work dir)."""
    out = work / "raw.jsonl"
    if not out.exists():
        tmp = out.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for para in corpus_sentences(shared):
                if len(para.split()) >= 5:
                    fh.write(json.dumps({"text": para.strip()}, ensure_ascii=False) + "\n")
        tmp.rename(out)
    return out


def _pretraining_config(cfg: Path, work: Path, name: str) -> Path:
    """The part's config with spaCy's default [pretraining] section filled in (written once)."""
    from spacy.cli.init_config import fill_config

    full = work / f"{name}_pretrain.cfg"
    if not full.exists():
        fill_config(full, cfg, pretraining=True, silent=True)
    return full


def pretrain_tok2vec(cfg: Path, work: Path, name: str, raw: Path, vectors: Path | None, epochs: int) -> Path:
    """Pretrain one part's tok2vec on raw corpus text; returns the last epoch's weights file.

    Why: the treebank and NER sets are small (5k and 6k sentences); pretraining the CNN on 3.4M
    words of Indonesian news teaches it word shapes and contexts the labelled data lacks (the
    approach of spaCy's `pretrain`, after ELMo-style language-model pretraining)."""
    from spacy.training.pretrain import pretrain

    out = work / f"pretrain_{name}"
    last = out / f"model{epochs - 1}.bin"
    if last.exists():
        return last
    full = _pretraining_config(cfg, work, name)
    overrides: dict[str, object] = {"paths.raw_text": str(raw), "pretraining.max_epochs": epochs,
                                    "system.seed": SEED}
    if vectors is not None:
        overrides["paths.vectors"] = str(vectors)
        overrides["components.tok2vec.model.embed.include_static_vectors"] = True
    config = spacy.util.load_config(full, overrides=overrides, interpolate=True)
    out.mkdir(parents=True, exist_ok=True)
    pretrain(config, out, use_gpu=-1, silent=False)
    return last


def train_component(cfg: Path, work: Path, name: str, train: str, dev: str, vectors: Path | None,
                    max_steps: int | None, max_minutes: float | None, resume: Path | None = None,
                    init_tok2vec: Path | None = None, patience: int | None = None, seed: int = SEED,
                    config: dict[str, object] | None = None) -> Path:
    """Train one part with spaCy's trainer; ``resume`` continues from an earlier model of that part
    (its components are sourced, so their weights and architecture are kept); ``config`` overrides
    values of ``cfg``."""
    from spacy.cli.train import train as spacy_train
    from thinc.api import Config

    out = work / name
    if init_tok2vec is not None and resume is None:
        # spaCy loads init_tok2vec only into the component named by a filled [pretraining] section
        cfg = _pretraining_config(cfg, work, name)
    if resume is not None:
        config = Config().from_disk(cfg, interpolate=False)
        prev = spacy.load(resume)
        have = prev.pipe_names  # an ner with its tok2vec inlined has no "tok2vec"
        config["nlp"]["pipeline"] = [c for c in config["nlp"]["pipeline"] if c in have]
        for comp in list(config["components"]):
            if comp in have:
                config["components"][comp] = {"source": str(resume)}
            else:
                del config["components"][comp]
        config["initialize"]["vectors"] = str(resume) if prev.vocab.vectors.shape[0] else None
        cfg = work / f"{name}_resume.cfg"
        config.to_disk(cfg)
        vectors = None
    overrides: dict[str, object] = {
        **(config or {}),
        "paths.train": str(work / f"{train}.spacy"),
        "paths.dev": str(work / f"{dev}.spacy"),
        "system.seed": seed,
    }
    if init_tok2vec is not None and resume is None:
        overrides["paths.init_tok2vec"] = str(init_tok2vec)
    if vectors is not None and resume is None:
        overrides["paths.vectors"] = str(vectors)
        overrides["components.tok2vec.model.embed.include_static_vectors"] = True
    if max_steps is not None:
        overrides["training.max_steps"] = max_steps
        overrides["training.eval_frequency"] = max(10, min(300, max_steps // 4))
    if patience is not None:
        overrides["training.patience"] = patience
    if max_minutes is not None:
        # stop by time as well as steps: the machine is shared
        overrides["training.before_update"] = {"@callbacks": "pantau.stop_after.v1", "minutes": max_minutes}
    spacy_train(cfg, out, overrides=overrides, use_gpu=-1)
    return out / "model-best"


class _Stop(Exception):
    pass


@spacy.registry.callbacks("pantau.stop_after.v1")
def _stop_after(minutes: float):
    start = time.time()

    def check(nlp, args) -> None:  # noqa: ANN001
        if time.time() - start > minutes * 60:
            raise _Stop(f"time limit of {minutes} min reached at step {args['step']}")

    return check


def assemble(parser_dir: Path, ner_dir: Path, out: Path, meta: dict) -> None:
    """One pipeline: parser part with its shared tok2vec, NER with its own (inlined) tok2vec."""
    parser_nlp = spacy.load(parser_dir)
    ner_nlp = spacy.load(ner_dir)
    if "tok2vec" in ner_nlp.pipe_names and "ner" in ner_nlp.get_pipe("tok2vec").listening_components:
        ner_nlp.replace_listeners("tok2vec", "ner", ["model.tok2vec"])
    nlp = customize(spacy.blank("id", vocab=parser_nlp.vocab))
    nlp.config["nlp"]["tokenizer"] = {"@tokenizers": "spacy.Tokenizer.v1"}
    if "aux_tagger" in parser_nlp.pipe_names:  # a training-only task (aux_pos_docs)
        parser_nlp.remove_pipe("aux_tagger")
    for name in parser_nlp.pipe_names:
        if name != "ner":  # a whole pipeline given as the parser part (--parser-model)
            nlp.add_pipe(name, source=parser_nlp)
    nlp.add_pipe("ner", source=ner_nlp)
    nlp.meta.update(meta)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=out.parent))
    nlp.to_disk(tmp)
    # The string table is only a cache of hash -> text: the components add their labels when they
    # load and the tokenizer adds each word it meets. What training put there (the words of the
    # training data, incl. the teacher-parsed corpus sentences, which must not ship) is dropped.
    (tmp / "vocab" / "strings.json").write_text("[]", encoding="utf-8")
    tmp.chmod(0o755)  # mkdtemp makes it private
    old = out.parent / f".old-{out.name}-{os.getpid()}"
    if out.exists():
        out.rename(old)
    tmp.rename(out)  # atomic on one file system: readers see the old or the new model
    if old.exists():
        shutil.rmtree(old)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default="../shared", type=Path)
    ap.add_argument("--smoke", action="store_true", help="tiny data, a few steps (CI test)")
    ap.add_argument("--work", type=Path, default=None, help="intermediate files (default training/)")
    ap.add_argument("--out", type=Path, default=None, help="model dir (default pantau/nlp/models/id_pantau)")
    ap.add_argument("--stages", default="prepare,gazetteer,vectors,pretrain,parser,ner,assemble")
    ap.add_argument("--pretrain-epochs", default="2,0",
                    help="epochs of tok2vec pretraining for the parser and NER parts (0: none; the NER "
                    "part with its gazetteer features gains nothing from it on dev)")
    ap.add_argument("--vectors", action="store_true", help=argparse.SUPPRESS)  # now the default
    ap.add_argument("--no-vectors", action="store_true",
                    help="no floret corpus vectors (by default they are trained, ~20 min on one thread, "
                    "and used as static vectors by both tok2vec layers, as in the shipped model)")
    ap.add_argument("--aux-pos-ratio", type=float, default=AUX_POS_RATIO,
                    help="auxiliary POS tokens per treebank token in the parser part's training data")
    ap.add_argument("--silver", type=Path, default=None, metavar="TEACHER_DIR",
                    help="add corpus sentences parsed by the teacher ensemble (scripts/teacher_parser.py "
                    "--data TEACHER_DIR) to the parser part's training data (up-training)")
    ap.add_argument("--silver-ratio", type=float, default=SILVER_RATIO,
                    help="teacher-parsed tokens per treebank token")
    ap.add_argument("--ner-silver-ratio", type=float, default=NER_SILVER_RATIO,
                    help="corpus tokens tagged by the vote of the NER teachers (trained first when "
                    "missing: NER_TEACHER, one per seed) per gold NER token (0: none)")
    ap.add_argument("--final", default="", metavar="PARTS",
                    help="comma-separated parts (parser, ner) trained on train+dev for "
                    "FINAL_STEPS steps (or --parser-steps/--ner-steps); their last model is assembled: "
                    "no early stopping, as dev is in the training data")
    ap.add_argument("--parser-steps", type=int, default=None)
    ap.add_argument("--ner-steps", type=int, default=None)
    ap.add_argument("--minutes", type=float, default=None, help="time limit per component")
    ap.add_argument("--resume-from", type=Path, default=None,
                    help="continue training from the parser/ and ner/ models of an earlier work dir")
    ap.add_argument("--ner-model", type=Path, default=None,
                    help="assemble with the NER of this pipeline (e.g. the shipped one) instead of --work's")
    ap.add_argument("--parser-model", type=Path, default=None,
                    help="assemble with the parser part of this pipeline (e.g. the shipped one) "
                    "instead of --work's")
    ap.add_argument("--parser-config", type=Path, default=ROOT / "configs" / "parser.cfg")
    ap.add_argument("--ner-config", type=Path, default=ROOT / "configs" / "ner.cfg")
    args = ap.parse_args(argv)

    random.seed(SEED)
    work = args.work or (ROOT / "training" / ("smoke" if args.smoke else "full"))
    out = args.out or (ROOT / "pantau" / "nlp" / "models" / "id_pantau")
    stages = set(args.stages.split(","))
    pconf, nconf = args.parser_config, args.ner_config
    t0 = time.time()
    if "prepare" in stages:
        sizes = prepare(args.shared, work, args.smoke, args.aux_pos_ratio, args.silver, args.silver_ratio)
        print("prepare:", sizes, flush=True)
    if "gazetteer" in stages and not args.smoke:
        gaz = out.parent / "gazetteer.tsv.gz"
        print("gazetteer entries:", build_gazetteer(args.shared, gaz), flush=True)
    vectors = None
    if not args.smoke and not args.no_vectors:
        if "vectors" in stages:
            vectors = train_vectors(args.shared, work)
        elif (work / "vectors").exists():
            vectors = work / "vectors"
    init: dict[str, Path | None] = {"parser": None, "ner": None}
    if not args.smoke:
        epochs = dict(zip(("parser", "ner"), (int(x) for x in args.pretrain_epochs.split(",")), strict=True))
        for part, conf in (("parser", pconf), ("ner", nconf)):
            last = work / f"pretrain_{part}" / f"model{epochs[part] - 1}.bin"
            if epochs[part] > 0 and "pretrain" in stages:
                raw = write_raw_text(args.shared, work)
                init[part] = pretrain_tok2vec(conf, work, part, raw, vectors, epochs[part])
            elif epochs[part] > 0 and last.exists():
                init[part] = last
    parts = (("parser", pconf, "ud", args.parser_steps), ("ner", nconf, "ner", args.ner_steps))
    final = set(filter(None, args.final.split(",")))
    for part, conf, data_prefix, steps in parts:
        if part not in stages:
            continue
        if part in final and steps is None:
            steps = FINAL_STEPS[part]
        train_set = "train_dev" if part in final else "train"
        if part == "ner" and args.ner_silver_ratio > 0:
            train_set = ner_up_training(args, work, train_set, vectors)
        try:
            train_component(conf, work, _run(part, final), f"{data_prefix}_{train_set}", f"{data_prefix}_dev",
                            vectors, 10 if args.smoke else steps, args.minutes,
                            _best(args.resume_from / part) if args.resume_from else None, init[part],
                            patience=0 if part in final else None, seed=NER_SEED if part == "ner" else SEED)
        except _Stop as exc:
            print(exc, flush=True)
    if "assemble" in stages:
        pdir = args.parser_model or _best(work / _run("parser", final), last="parser" in final)
        ndir = args.ner_model or _best(work / _run("ner", final), last="ner" in final)
        # an assembled pipeline's parts keep the sources they were trained in
        sources = [json.loads((d / "meta.json").read_text()).get("sources", [None, None])[k] or _rel(d)
                   for k, d in enumerate((pdir, ndir))]
        meta = {"name": "pantau", "version": "0.1.0", "description": "Pantau Indonesian news pipeline",
                "license": "CC BY-SA 4.0", "sources": sources}
        assemble(pdir, ndir, out, meta)
        print(f"model written to {out}", flush=True)
    print(f"done in {time.time() - t0:.0f}s", flush=True)
    return 0


def ner_up_training(args: argparse.Namespace, work: Path, train_set: str, vectors: Path | None) -> str:
    """Train the NER teachers that are missing, tag corpus sentences by their vote and write the
    gold set plus those sentences; returns the name of the mixed training set."""
    teachers = []
    for seed in NER_TEACHER_SEEDS[:1] if args.smoke else NER_TEACHER_SEEDS:
        name = f"ner_teacher_s{seed}"
        if not (work / name / "model-best" / "config.cfg").exists():
            try:
                train_component(args.ner_config, work, name, "ner_train", "ner_dev", vectors,
                                10 if args.smoke else NER_TEACHER_STEPS, args.minutes, patience=2000,
                                seed=seed, config=NER_TEACHER)
            except _Stop as exc:
                print(exc, flush=True)
        teachers.append(_best(work / name))
    vocab = spacy.blank("id").vocab
    gold = list(DocBin().from_disk(work / f"ner_{train_set}.spacy").get_docs(vocab))
    held_out = ner_held_out(ner_sets(args.shared / "data"))
    tokens = int(args.ner_silver_ratio * sum(len(d) for d in gold))
    sents = corpus_candidates(args.shared, tokens // 5 + 1, held_out)  # sentences have 5+ words
    silver = ner_silver_docs(teachers, sents, tokens)
    out = work / f"ner_{train_set}_silver.spacy"
    DocBin(docs=_shuffled(gold + silver), store_user_data=False).to_disk(out)
    print(f"ner silver: {len(silver)} sentences, {sum(len(d) for d in silver)} tokens", flush=True)
    return f"{train_set}_silver"


def _rel(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(ROOT))
    except ValueError:
        return "/".join(p.parts[-2:])  # part/model-best


def _run(part: str, final: set[str]) -> str:
    """A part's training directory name in the work dir."""
    return f"{part}_final" if part in final else part


def _best(d: Path, last: bool = False) -> Path:
    """The dev-selected model of a part (``last``: the final one, when dev was trained on)."""
    for name in ("model-last",) if last else ("model-best", "model-last"):
        if (d / name / "config.cfg").exists():
            return d / name
    raise SystemExit(f"no trained model in {d}")


if __name__ == "__main__":
    raise SystemExit(main())
