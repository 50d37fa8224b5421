"""The benchmark problems: digits and two synthetic sets of MNIST-like and tall shapes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Problem:
    name: str
    X: np.ndarray
    y: np.ndarray
    C: float

    @property
    def shape(self) -> str:
        n, d = self.X.shape
        return f"{n}x{d}, K={len(np.unique(self.y))}"

    def astype(self, dtype) -> Problem:
        return Problem(f"{self.name} {np.dtype(dtype).name}", self.X.astype(dtype), self.y, self.C)


def digits() -> Problem:
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    return Problem("(a) digits", StandardScaler().fit_transform(X), y, C=1.0)


def synthetic(name: str, n_samples: int, n_features: int, n_classes: int, seed: int) -> Problem:
    """Gaussian inputs; labels drawn from a softmax model, so the classes overlap."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    W = rng.standard_normal((n_classes, n_features)) * (2.0 / np.sqrt(n_features))
    logits = X @ W.T
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    # Inverse-CDF sampling, one uniform per row.
    y = (p.cumsum(axis=1) < rng.random((n_samples, 1))).sum(axis=1)
    return Problem(name, X, np.minimum(y, n_classes - 1), C=1.0)


def mnist_sized() -> Problem:
    return synthetic("(b) synthetic", 60_000, 784, 10, seed=1)


def tall() -> Problem:
    return synthetic("(c) synthetic", 200_000, 100, 20, seed=2)
