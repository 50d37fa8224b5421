"""The benchmark problems: digits, Fashion-MNIST, two synthetic sets and a sparse TF-IDF set."""

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


def fashion(n_samples: int = 10_000) -> Problem:
    """Real and ill-conditioned: the first ``n_samples`` Fashion-MNIST training images.

    Pixels scaled to [0, 1] (not standardised: border pixels are almost always 0), C=0.1.
    """
    from softmax_lib import load_fashion_mnist

    X, y = load_fashion_mnist("train")
    X = np.ascontiguousarray(X[:n_samples], dtype=np.float64)
    return Problem(f"(e) Fashion-MNIST {n_samples // 1000}k", X, y[:n_samples], C=0.1)


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


def tfidf(n_documents: int = 20_000, n_topics: int = 10, seed: int = 4) -> Problem:
    """(d) text classification: TF-IDF of generated documents, a sparse CSR matrix.

    Offline and reproducible: each topic has 400 made-up words, shared with 200 common
    words; a document of 8-40 words draws 40% from its topic, 40% from the common words
    and 20% from all topics, so the classes overlap.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    rng = np.random.default_rng(seed)
    topic_words = np.array([[f"t{t}w{i}" for i in range(400)] for t in range(n_topics)])
    common_words = np.array([f"common{i}" for i in range(200)])
    topics = rng.integers(n_topics, size=n_documents)
    lengths = rng.integers(8, 41, size=n_documents)
    doc_of_word = np.repeat(np.arange(n_documents), lengths)
    source = rng.random(doc_of_word.size)
    own = topic_words[topics[doc_of_word], rng.integers(400, size=doc_of_word.size)]
    other = topic_words[rng.integers(n_topics, size=doc_of_word.size),
                        rng.integers(400, size=doc_of_word.size)]
    common = common_words[rng.integers(200, size=doc_of_word.size)]
    words = np.where(source < 0.4, own, np.where(source < 0.8, common, other))
    documents = [" ".join(chunk) for chunk in np.split(words, np.cumsum(lengths)[:-1])]
    X = TfidfVectorizer().fit_transform(documents).tocsr()
    return Problem("(d) TF-IDF (sparse)", X, topics, C=10.0)
