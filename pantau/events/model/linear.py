"""A trained linear classifier stored as plain arrays (no pickle): sparse dict features in, class
probabilities out.

Why not ship scikit-learn objects: a pickle ties the package to one scikit-learn version and can
run code on load. Training uses scikit-learn's ``LogisticRegression``; ``from_sklearn`` keeps its
weights (features seen fewer than ``min_count`` times are dropped to keep the file small), and
``proba`` computes exactly what ``predict_proba`` would: softmax for several classes, sigmoid for two.
The sparse product is plain numpy (a gather of weight rows, summed per row): scipy.sparse cost a
fifth of a second to import at every start and more than the product itself to build its matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import chain, repeat

import numpy as np


@dataclass
class LinearModel:
    classes: list[str]
    vocab: dict[str, int]
    coef: np.ndarray  # (n_classes or 1, n_features), float32
    intercept: np.ndarray  # (n_classes or 1,)

    @classmethod
    def from_sklearn(cls, vectorizer, clf, keep: set[str] | None = None) -> LinearModel:
        names = vectorizer.get_feature_names_out()
        cols = [j for j, n in enumerate(names) if keep is None or n in keep]
        coef = np.asarray(clf.coef_, dtype=np.float32)[:, cols]
        return cls([str(c) for c in clf.classes_], {str(names[j]): k for k, j in enumerate(cols)},
                   coef, np.asarray(clf.intercept_, dtype=np.float32))

    def scores(self, rows: list[dict[str, float]]) -> np.ndarray:
        """Raw decision values, one row per feature dict: the weights of each row's known features,
        gathered and summed (the look-ups are C-level ``map``s, the sums numpy)."""
        z = np.zeros((len(rows), self.coef.shape[0]), dtype=np.float32)
        sizes = [len(r) for r in rows]
        n = sum(sizes)
        if n:
            cols = np.fromiter(map(self.vocab.get, chain.from_iterable(rows), repeat(-1)), np.int64, n)
            vals = np.fromiter(chain.from_iterable(map(dict.values, rows)), np.float32, n)
            row_of = np.repeat(np.arange(len(rows)), sizes)
            known = cols >= 0
            cols, vals, row_of = cols[known], vals[known], row_of[known]
            if cols.size:
                terms = self._by_feature[cols] * vals[:, None]
                filled, starts = np.unique(row_of, return_index=True)  # row_of is sorted
                z[filled] = np.add.reduceat(terms, starts, axis=0)
        return z + self.intercept

    @cached_property
    def _by_feature(self) -> np.ndarray:
        """The weights as (n_features, n_classes) rows, gathered per feature by ``scores``."""
        return np.ascontiguousarray(self.coef.T)

    def proba(self, rows: list[dict[str, float]]) -> np.ndarray:
        """Class probabilities (n_rows, n_classes), as scikit-learn's ``predict_proba``."""
        if not rows:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        z = self.scores(rows)
        if len(self.classes) == 2 and z.shape[1] == 1:
            p = 1.0 / (1.0 + np.exp(-z[:, 0]))
            return np.stack([1.0 - p, p], axis=1)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        names = sorted(self.vocab, key=self.vocab.get)
        return {f"{prefix}.classes": np.array(self.classes), f"{prefix}.features": np.array(names),
                f"{prefix}.coef": self.coef, f"{prefix}.intercept": self.intercept}

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> LinearModel:
        names = [str(n) for n in arrays[f"{prefix}.features"]]
        return cls([str(c) for c in arrays[f"{prefix}.classes"]], {n: k for k, n in enumerate(names)},
                   np.asarray(arrays[f"{prefix}.coef"], dtype=np.float32),
                   np.asarray(arrays[f"{prefix}.intercept"], dtype=np.float32))
