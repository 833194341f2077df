#!/usr/bin/env python
"""A slow, accurate teacher parser whose parses of corpus text train the fast shipped parser.

Why: the shipped parser must run at 10,000 words/s on one CPU core, so it is a greedy CNN
transition parser, and from 115k treebank tokens alone it reached GSD 2.1 LAS 76.5. A graph parser with
BiLSTMs and biaffine scorers (Dozat & Manning 2017) is more accurate but far too slow on a CPU.
Up-training (Petrov et al. 2010) trains the fast parser on the treebanks plus corpus sentences
parsed by the accurate one. The teacher here is an ensemble of such biaffine parsers trained from
scratch on the same treebanks (GSD 2.1 train + CSUI train relabelled GSD-style), with the
project's floret vectors as fixed input; it needs PyTorch (`pip install torch`) and is fast on a
GPU, slow but possible on a CPU.

Stages:
  export  (needs spaCy and the shipped pipeline) treebank sentences, corpus sentences cut by the
          pipeline's tokenizer and sentence rules, and the floret vector of every word -> --data
  train   one biaffine parser per seed (in parallel), then the ensemble (mean of the models' arc
          and label probabilities) scores GSD dev and test and parses the corpus sentences
          -> --out/silver.jsonl.gz (heads, relations, UPOS, the lowest head probability)

Usage:
  python scripts/teacher_parser.py export --shared ../shared --data training/teacher
  python scripts/teacher_parser.py train --data training/teacher --device cuda
(six models of 84 epochs: about 5 minutes on one H200 GPU, six at a time; the shipped run stopped each
model after 4.5 minutes, 83-84 epochs)
Then `train_nlp.py --silver training/teacher` adds the parses to the parser's training data.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

MAX_CHARS = 20  # a word's characters seen by the char CNN: its first and last 10


# ----------------------------------------------------------------------------- export


def _sentence(sent: list[dict]) -> dict:
    return {"words": [w["form"] for w in sent], "upos": [w["upos"] for w in sent],
            "heads": [w["head"] for w in sent],
            "deps": [w["dep"].lower() if w["head"] else "root" for w in sent]}


def export(shared: Path, data: Path, limit: int) -> None:
    import train_nlp

    from pantau import nlp as pnlp

    ud = shared / "data" / "ud"
    gsd, csui = ud / "UD_Indonesian-GSD-2.1", ud / "UD_Indonesian-CSUI"
    sets = {
        "train": [_sentence(s) for s in train_nlp.read_conllu(gsd / "id-ud-train.conllu")]
        + [_sentence(train_nlp.harmonise_csui(s))
           for s in train_nlp.read_conllu(csui / "id_csui-ud-train.conllu")],
        "dev": [_sentence(s) for s in train_nlp.read_conllu(gsd / "id-ud-dev.conllu")],
        "test": [_sentence(s) for s in train_nlp.read_conllu(gsd / "id-ud-test.conllu")],
    }
    held_out = {"".join(s["words"]).lower() for name in ("dev", "test") for s in sets[name]}
    other_tests = (csui / "id_csui-ud-test.conllu", ud / "UD_Indonesian-PUD" / "id_pud-ud-test.conllu")
    held_out |= {"".join(w["form"] for w in s).lower() for p in other_tests for s in train_nlp.read_conllu(p)}
    sets["silver"] = train_nlp.corpus_candidates(shared, limit, held_out)
    vocab = sorted({w for sents in sets.values() for s in sents for w in s["words"]})
    nlp_vocab = pnlp.load().vocab
    keys = [nlp_vocab.strings.add(w) for w in vocab]
    vectors = np.concatenate([nlp_vocab.vectors.get_batch(keys[i : i + 50_000])
                              for i in range(0, len(keys), 50_000)])
    data.mkdir(parents=True, exist_ok=True)
    # int8 with one scale per row (about 0.4% error): small enough to send to a GPU machine
    scale = np.abs(vectors).max(axis=1, keepdims=True) / 127 + 1e-12
    q = np.round(vectors / scale).astype(np.int8)
    np.savez(data / "vectors.npz", q=q, scale=scale.astype(np.float32))
    (data / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    with gzip.open(data / "sentences.json.gz", "wt", encoding="utf-8") as fh:
        json.dump(sets, fh, ensure_ascii=False)
    print({name: len(s) for name, s in sets.items()}, f"{len(vocab)} words", flush=True)


# ----------------------------------------------------------------------------- model


def _torch():
    import torch
    from torch import nn

    class MLP(nn.Module):
        def __init__(self, n_in: int, n_out: int, dropout: float) -> None:
            super().__init__()
            self.lin, self.drop = nn.Linear(n_in, n_out), nn.Dropout(dropout)

        def forward(self, x):  # noqa: ANN001
            return self.drop(nn.functional.leaky_relu(self.lin(x), 0.1))

    class Biaffine(nn.Module):
        """Words (trainable + fixed floret vectors + char CNN) -> BiLSTM -> biaffine arcs and labels."""

        def __init__(self, n_words: int, n_chars: int, n_upos: int, n_labels: int, pre, hidden: int = 400,
                     layers: int = 3, arc: int = 500, rel: int = 100, dropout: float = 0.33) -> None:
            super().__init__()
            self.word = nn.Embedding(n_words, 100, padding_idx=0)
            self.pre = nn.Embedding.from_pretrained(pre, freeze=True, padding_idx=0)
            self.pre_proj = nn.Linear(pre.shape[1], 100, bias=False)
            self.char = nn.Embedding(n_chars, 50, padding_idx=0)
            self.char_cnn = nn.Conv1d(50, 100, 3, padding=1)
            self.drop = nn.Dropout(dropout)
            self.lstm = nn.LSTM(300, hidden, layers, batch_first=True, bidirectional=True, dropout=dropout)
            self.upos = nn.Linear(2 * hidden, n_upos)
            self.arc_dep, self.arc_head = MLP(2 * hidden, arc, dropout), MLP(2 * hidden, arc, dropout)
            self.rel_dep, self.rel_head = MLP(2 * hidden, rel, dropout), MLP(2 * hidden, rel, dropout)
            self.arc_w = nn.Parameter(torch.zeros(arc + 1, arc))
            self.rel_w = nn.Parameter(torch.zeros(n_labels, rel + 1, rel + 1))

        def encode(self, words, pre, chars):  # noqa: ANN001
            b, t, c = chars.shape
            ch = self.char(chars.view(b * t, c)).transpose(1, 2)
            ch = self.char_cnn(ch).max(dim=2).values.view(b, t, -1)
            x = torch.cat([self.word(words), self.pre_proj(self.pre(pre)), ch], dim=-1)
            return self.drop(self.lstm(self.drop(x))[0])

        def arcs(self, h, mask):  # noqa: ANN001
            dep = self.arc_dep(h)
            dep = torch.cat([dep, torch.ones_like(dep[..., :1])], dim=-1)
            s = dep @ self.arc_w @ self.arc_head(h).transpose(1, 2)  # [b, dependent, head]
            eye = torch.eye(s.shape[1], dtype=torch.bool, device=s.device)
            return s.masked_fill(~mask.unsqueeze(1) | eye, float("-inf"))

        def rels(self, h, heads):  # noqa: ANN001
            dep, head = self.rel_dep(h), self.rel_head(h)
            head = head.gather(1, heads.unsqueeze(-1).expand(-1, -1, head.shape[-1]))
            dep = torch.cat([dep, torch.ones_like(dep[..., :1])], dim=-1)
            head = torch.cat([head, torch.ones_like(head[..., :1])], dim=-1)
            return torch.einsum("bti,lij,btj->btl", dep, self.rel_w, head)

    return torch, nn, Biaffine


class Vocab:
    """Index maps built from the train set (0 = padding, 1 = unknown, 2 = the root token)."""

    def __init__(self, data: dict, pre_words: list[str]) -> None:
        counts: dict[str, int] = {}
        for s in data["train"]:
            for w in s["words"]:
                counts[w.lower()] = counts.get(w.lower(), 0) + 1
        self.words = {w: i + 3 for i, w in enumerate(sorted(w for w, n in counts.items() if n >= 2))}
        chars = sorted({c for s in data["train"] for w in s["words"] for c in w})
        self.chars = {c: i + 3 for i, c in enumerate(chars)}
        self.pre = {w: i + 2 for i, w in enumerate(pre_words)}  # 0 padding, 1 root
        self.upos = sorted({p for s in data["train"] for p in s["upos"]})
        self.labels = sorted({d for s in data["train"] for d in s["deps"]})

    def chars_of(self, w: str) -> list[int]:
        w = w if len(w) <= MAX_CHARS else w[: MAX_CHARS // 2] + w[-MAX_CHARS // 2:]
        return [self.chars.get(c, 1) for c in w]


def batches(sents: list[dict], tokens: int, shuffle: np.random.Generator | None) -> list[list[int]]:
    """Indices of sentences grouped by length, about `tokens` tokens per batch."""
    order = sorted(range(len(sents)), key=lambda i: len(sents[i]["words"]))
    out, cur, n = [], [], 0
    for i in order:
        cur.append(i)
        n += len(sents[i]["words"]) + 1
        if n >= tokens:
            out.append(cur)
            cur, n = [], 0
    if cur:
        out.append(cur)
    if shuffle is not None:
        shuffle.shuffle(out)
    return out


def tensorise(torch, voc: Vocab, sents: list[dict], idx: list[int], device: str) -> dict:
    n = max(len(sents[i]["words"]) for i in idx) + 1
    b = len(idx)
    words = np.zeros((b, n), dtype=np.int64)
    pre = np.zeros((b, n), dtype=np.int64)
    chars = np.zeros((b, n, MAX_CHARS), dtype=np.int64)
    heads = np.zeros((b, n), dtype=np.int64)
    rels = np.zeros((b, n), dtype=np.int64)
    upos = np.zeros((b, n), dtype=np.int64)
    mask = np.zeros((b, n), dtype=bool)
    label_id = {lab: k for k, lab in enumerate(voc.labels)}
    upos_id = {p: k for k, p in enumerate(voc.upos)}
    for r, i in enumerate(idx):
        s = sents[i]
        words[r, 0], pre[r, 0], chars[r, 0, 0], mask[r, 0] = 2, 1, 2, True
        for k, w in enumerate(s["words"], start=1):
            words[r, k] = voc.words.get(w.lower(), 1)
            pre[r, k] = voc.pre[w]
            cs = voc.chars_of(w)
            chars[r, k, : len(cs)] = cs
            mask[r, k] = True
        if "heads" in s:
            heads[r, 1 : len(s["heads"]) + 1] = s["heads"]
            rels[r, 1 : len(s["deps"]) + 1] = [label_id.get(d, 0) for d in s["deps"]]
            upos[r, 1 : len(s["upos"]) + 1] = [upos_id.get(p, 0) for p in s["upos"]]
    t = {k: torch.from_numpy(v).to(device) for k, v in
         {"words": words, "pre": pre, "chars": chars, "heads": heads, "rels": rels, "upos": upos,
          "mask": mask}.items()}
    t["tokens"] = t["mask"].clone()
    t["tokens"][:, 0] = False
    return t


def _load_data(data: Path) -> tuple[dict, list[str], np.ndarray]:
    with gzip.open(data / "sentences.json.gz", "rt", encoding="utf-8") as fh:
        sets = json.load(fh)
    vocab = (data / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    vec = np.load(data / "vectors.npz")
    return sets, vocab, vec["q"].astype(np.float32) * vec["scale"]


def _build(torch, Biaffine, voc: Vocab, vectors: np.ndarray):  # noqa: ANN001
    pre = torch.zeros((len(vectors) + 2, vectors.shape[1]))
    pre[2:] = torch.from_numpy(vectors)
    return Biaffine(len(voc.words) + 3, len(voc.chars) + 3, len(voc.upos), len(voc.labels), pre)


def train_one(data: Path, out: Path, seed: int, epochs: int, minutes: float | None, device: str,
              batch_tokens: int) -> None:
    """Train one biaffine parser; keep the weights of its best epoch on GSD dev (LAS)."""
    torch, nn, Biaffine = _torch()
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    sets, pre_words, vectors = _load_data(data)
    voc = Vocab(sets, pre_words)
    model = _build(torch, Biaffine, voc, vectors).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3, betas=(0.9, 0.9))
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, 0.75 ** (1 / 5000))
    ce = nn.CrossEntropyLoss()
    train = [tensorise(torch, voc, sets["train"], idx, device)
             for idx in batches(sets["train"], batch_tokens, None)]
    start, best, epoch, step = time.time(), -1.0, 0, 0
    while epoch < epochs and (minutes is None or time.time() - start < minutes * 60):
        model.train()
        epoch += 1
        for k in rng.permutation(len(train)):
            t = train[k]
            words = t["words"].masked_fill((torch.rand(t["words"].shape, device=device) < 0.25)
                                           & (t["words"] > 2), 1)  # word dropout: unknown word
            h = model.encode(words, t["pre"], t["chars"])
            tok = t["tokens"]
            loss = ce(model.arcs(h, t["mask"])[tok], t["heads"][tok])
            loss = loss + ce(model.rels(h, t["heads"])[tok], t["rels"][tok])
            loss = loss + ce(model.upos(h)[tok], t["upos"][tok])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            step += 1
        score = evaluate([model], torch, voc, sets["dev"], device)
        if score["las"] > best:
            best = score["las"]
            torch.save(model.state_dict(), out / f"model_{seed}.pt")
        print(json.dumps({"seed": seed, "epoch": epoch, "step": step, "s": round(time.time() - start),
                          **score}), flush=True)


def predict(models: list, torch, voc: Vocab, sents: list[dict], device: str) -> list[dict]:  # noqa: ANN001
    """Ensemble parse: mean arc probabilities -> heads, then mean label probabilities at those heads."""
    out: list[dict | None] = [None] * len(sents)
    for m in models:
        m.eval()
    with torch.no_grad():
        for idx in batches(sents, 8000, None):
            t = tensorise(torch, voc, sents, idx, device)
            hs = [m.encode(t["words"], t["pre"], t["chars"]) for m in models]
            arc = sum(m.arcs(h, t["mask"]).softmax(-1) for m, h in zip(models, hs, strict=True)) / len(models)
            prob, heads = arc.max(-1)
            rel = sum(m.rels(h, heads).softmax(-1) for m, h in zip(models, hs, strict=True)) / len(models)
            upos = sum(m.upos(h).softmax(-1) for m, h in zip(models, hs, strict=True)) / len(models)
            rel, upos, heads, prob = (x.cpu().numpy() for x in (rel.argmax(-1), upos.argmax(-1), heads, prob))
            for r, i in enumerate(idx):
                n = len(sents[i]["words"])
                out[i] = {"heads": heads[r, 1 : n + 1].tolist(),
                          "deps": [voc.labels[k] for k in rel[r, 1 : n + 1]],
                          "upos": [voc.upos[k] for k in upos[r, 1 : n + 1]],
                          "min_prob": round(float(prob[r, 1 : n + 1].min()), 4)}
    return out  # type: ignore[return-value]


def is_tree(heads: list[int]) -> bool:
    """One root and no cycle (the argmax heads need not form a tree)."""
    if sum(h == 0 for h in heads) != 1:
        return False
    for i in range(1, len(heads) + 1):
        seen, j = set(), i
        while j:
            if j in seen:
                return False
            seen.add(j)
            j = heads[j - 1]
    return True


def evaluate(models: list, torch, voc: Vocab, sents: list[dict], device: str) -> dict:  # noqa: ANN001
    """UPOS, UAS and LAS, scored as scripts/eval_nlp.py scores the pipeline."""
    from eval_nlp import attachment_scores

    pred = predict(models, torch, voc, sents, device)
    sc = attachment_scores(row for p, g in zip(pred, sents, strict=True)
                           for row in zip(p["heads"], p["deps"], p["upos"], g["heads"], g["deps"], g["upos"],
                                          strict=True))
    return {k.lower(): round(sc[k], 2) for k in ("UPOS", "UAS", "LAS")}


def train(data: Path, out: Path, seeds: list[int], epochs: int, minutes: float | None, device: str,
          batch_tokens: int) -> None:
    """Train one model per seed in parallel processes, then score and apply the ensemble."""
    out.mkdir(parents=True, exist_ok=True)
    limit = ["--minutes", str(minutes)] if minutes else []
    procs = [subprocess.Popen([sys.executable, __file__, "train-one", "--data", str(data), "--out", str(out),
                               "--seed", str(s), "--epochs", str(epochs), "--device", device,
                               "--batch-tokens", str(batch_tokens), *limit])
             for s in seeds]
    if any(p.wait() for p in procs):
        raise SystemExit("a teacher model failed to train")
    torch, nn, Biaffine = _torch()
    sets, pre_words, vectors = _load_data(data)
    voc = Vocab(sets, pre_words)
    models = []
    for s in seeds:
        m = _build(torch, Biaffine, voc, vectors)
        m.load_state_dict(torch.load(out / f"model_{s}.pt", map_location="cpu"))
        models.append(m.to(device))
    scores = {f"seed {s}": {name: evaluate([m], torch, voc, sets[name], device) for name in ("dev", "test")}
              for s, m in zip(seeds, models, strict=True)}
    scores["ensemble"] = {name: evaluate(models, torch, voc, sets[name], device) for name in ("dev", "test")}
    print(json.dumps(scores, indent=1), flush=True)
    (out / "scores.json").write_text(json.dumps(scores, indent=1))
    silver = predict(models, torch, voc, sets["silver"], device)
    with gzip.open(out / "silver.jsonl.gz", "wt", encoding="utf-8") as fh:
        for p in silver:
            fh.write(json.dumps({**p, "tree": is_tree(p["heads"])}, ensure_ascii=False) + "\n")
    print(f"silver: {len(silver)} sentences, {sum(is_tree(p['heads']) for p in silver)} trees", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stage", choices=["export", "train", "train-one"])
    ap.add_argument("--shared", type=Path, default=Path("../shared"))
    ap.add_argument("--data", type=Path, default=ROOT / "training" / "teacher")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--limit", type=int, default=80_000, help="corpus sentences to export")
    ap.add_argument("--seeds", default="1,2,3,4,5,6", help="one model per seed, trained in parallel")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=84, help="training epochs per model")
    ap.add_argument("--minutes", type=float, default=None, help="time limit per model")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch-tokens", type=int, default=3000)
    a = ap.parse_args(argv)
    out = a.out or a.data / "out"
    if a.stage == "export":
        export(a.shared, a.data, a.limit)
    elif a.stage == "train-one":
        train_one(a.data, out, a.seed, a.epochs, a.minutes, a.device, a.batch_tokens)
    else:
        seeds = [int(s) for s in a.seeds.split(",")]
        train(a.data, out, seeds, a.epochs, a.minutes, a.device, a.batch_tokens)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
