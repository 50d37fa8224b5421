"""Checkers for Part 2's exercises (chapters 7 to 14)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..core import softmax
from ._common import (
    Check,
    ExerciseCheckError,
    _expect_close,
    _expect_scalar,
    _expect_unchanged,
    _quietly,
    _run_checks,
)

# --- chapter 7 ---------------------------------------------------------------------------

# Six documents over five words; the second has no word. Every word occurs somewhere, so
# an idf without smoothing stays finite and the variants below all differ.
_COUNTS = np.array([[3, 0, 1, 0, 2], [0, 0, 0, 0, 0], [1, 1, 0, 0, 0], [0, 2, 0, 1, 0],
                    [1, 0, 0, 4, 1], [2, 0, 3, 0, 0]])


def _tfidf_by_formula(counts: NDArray, idf: str = "smooth", norm: str | None = "l2") -> NDArray:
    """Dense TF-IDF of a dense count matrix: the exercise's formula and common slips."""
    n_documents = counts.shape[0]
    doc_freq = np.count_nonzero(counts, axis=0)
    weights = {
        "smooth": np.log((1 + n_documents) / (1 + doc_freq)) + 1,
        "unsmoothed": np.log(n_documents / doc_freq) + 1,
        "not logged": (1 + n_documents) / (1 + doc_freq) + 1,
        "not logged, no +1": (1 + n_documents) / (1 + doc_freq),
        "no +1": np.log((1 + n_documents) / (1 + doc_freq)),
        "none": np.ones(counts.shape[1]),
    }[idf]
    weighted = counts * weights
    if norm is None:
        return weighted
    norms = (np.abs(weighted).sum(axis=1) if norm == "l1"
             else np.sqrt((weighted**2).sum(axis=1)))
    return weighted / np.where(norms == 0, 1.0, norms)[:, None]


_TFIDF_SLIPS = [
    (("unsmoothed", "l2"), "the idf is not smoothed: use log((1 + n) / (1 + df)) + 1, "
                           "as if one extra document held every word"),
    (("not logged", "l2"), "the idf is not logged: use log((1 + n) / (1 + df)) + 1"),
    (("not logged, no +1", "l2"), "the idf is not logged: use log((1 + n) / (1 + df)) + 1"),
    (("no +1", "l2"), "the idf lacks the + 1: use log((1 + n) / (1 + df)) + 1, so that a "
                      "word in every document keeps weight 1"),
    (("smooth", "l1"), "the rows sum to 1 (l1): scale them to unit Euclidean length, "
                       "dividing by the square root of the sum of squares"),
    (("smooth", None), "the rows are not scaled: divide each by its Euclidean length"),
    (("none", "l2"), "no idf weighting: multiply each column by its idf before scaling"),
]


def _sparse_result(result: Any, shape: tuple[int, int]) -> Any:
    import scipy.sparse as sp

    if not sp.issparse(result):
        raise ExerciseCheckError(
            f"return a sparse CSR matrix (scipy.sparse.csr_matrix), got {type(result).__name__}")
    if result.format != "csr":
        raise ExerciseCheckError(f"return a CSR matrix, got the {result.format!r} format: "
                                 "convert with scipy.sparse.csr_matrix(...)")
    if result.dtype != np.float64:
        raise ExerciseCheckError(f"return float64 values, got {result.dtype}")
    if result.shape != shape:
        raise ExerciseCheckError(f"the result has shape {result.shape}, expected {shape}")
    return result


def check_tfidf_from_counts(tfidf_from_counts: Callable[[Any], Any]) -> None:
    """Check ``tfidf_from_counts(counts)``: smooth idf, then rows of unit Euclidean length.

    Parameters
    ----------
    tfidf_from_counts : callable
        Takes a ``scipy.sparse`` matrix of word counts, shape ``(n_documents, n_words)``,
        and returns a CSR matrix of float64 of the same shape: each count times the smooth
        idf ``log((1 + n) / (1 + df)) + 1`` of its column, then each row divided by its
        Euclidean length (a row without any word stays zero). scikit-learn's
        ``TfidfTransformer()`` with its defaults is the reference.
    """
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer

    rng = np.random.default_rng(7)
    random_counts = rng.poisson(0.4, size=(40, 30))
    random_counts[0] += 1  # every word occurs at least once: no empty column
    random_counts[[5, 17, 31]] = 0  # three documents without any word

    def against_sklearn(counts: NDArray, what: str) -> None:
        expected = TfidfTransformer().fit_transform(sp.csr_matrix(counts)).toarray()
        result = _sparse_result(_quietly(tfidf_from_counts, sp.csr_matrix(counts)),
                                counts.shape).toarray()
        if (np.all(np.isfinite(result)) and not np.allclose(result, expected, rtol=1e-9)):
            for (idf, norm), slip in _TFIDF_SLIPS:
                if np.allclose(result, _tfidf_by_formula(counts, idf, norm), rtol=1e-9):
                    raise ExerciseCheckError(f"{what}: {slip}")
        _expect_close(result, expected, f"{what} (against TfidfTransformer)", rtol=1e-9)

    def by_hand() -> None:
        # Two documents; df = [2, 1]: idf = [1, 1 + log(3/2)]. The first row is [1, 0]; the
        # second, [1, 1 + log 1.5], divided by its length.
        second = np.array([1.0, 1.0 + np.log(1.5)])
        against_sklearn(np.array([[2, 0], [1, 1]]), "tfidf_from_counts([[2, 0], [1, 1]])")
        result = _sparse_result(tfidf_from_counts(sp.csr_matrix([[2, 0], [1, 1]])), (2, 2))
        _expect_close(result.toarray(), np.array([[1.0, 0.0], second / np.hypot(*second)]),
                      "tfidf_from_counts([[2, 0], [1, 1]]), by hand")

    def leniently() -> Any:
        # 0 / 0 for the empty document is reported by the next check, not as a warning.
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return _sparse_result(tfidf_from_counts(sp.csr_matrix(_COUNTS)), _COUNTS.shape)

    def empty_row_stays_zero() -> None:
        row = leniently().toarray()[1]
        if not np.all(np.isfinite(row)):
            raise ExerciseCheckError(
                f"the document without any word became {row}: its length is 0, so leave "
                "the row as it is (divide by 1 instead of 0)")
        _expect_close(row, np.zeros(5), "the row of the document without any word")

    def input_unchanged() -> None:
        counts = sp.csr_matrix(_COUNTS, dtype=np.float64)  # float64 already: no copy to hide
        before = counts.copy()
        tfidf_from_counts(counts)
        if not (counts.shape == before.shape and np.array_equal(counts.toarray(),
                                                                before.toarray())):
            raise ExerciseCheckError(
                "the function changed its input matrix in place; sp.csr_matrix(counts, "
                "dtype=np.float64) does not copy a float64 matrix, so work on a copy")

    checks: list[Check] = [
        ("a CSR matrix of float64 of the input's shape", leniently),
        ("two documents, by hand", by_hand),
        ("a document without any word stays zero", empty_row_stays_zero),
        ("a (6, 5) count matrix: smooth idf, unit Euclidean rows", lambda: against_sklearn(
            _COUNTS, "tfidf_from_counts of a (6, 5) count matrix")),
        ("a (40, 30) count matrix with empty documents", lambda: against_sklearn(
            random_counts, "tfidf_from_counts of a (40, 30) count matrix")),
        ("the input matrix is not modified", input_unchanged),
    ]
    _run_checks("tfidf_from_counts", checks)


# --- chapter 10 --------------------------------------------------------------------------


def _expect_decisions(result: Any, expected: NDArray, what: str) -> None:
    decisions = np.asarray(result)
    if decisions.shape != expected.shape:
        raise ExerciseCheckError(
            f"{what} has shape {decisions.shape}, expected {expected.shape}: one decision "
            "per sample")
    if decisions.dtype.kind != "i":
        raise ExerciseCheckError(f"{what} should be an integer array (class indices and -1), "
                                 f"got dtype {decisions.dtype}")
    wrong = np.flatnonzero(decisions != expected)
    if wrong.size:
        raise ExerciseCheckError(
            f"{what}: {wrong.size} of {len(expected)} decisions differ, first at sample "
            f"{wrong[0]}: got {decisions[wrong[0]]}, expected {expected[wrong[0]]}")


def _random_proba(n_samples: int, n_classes: int, seed: int) -> NDArray:
    rng = np.random.default_rng(seed)
    return softmax(rng.normal(scale=1.5, size=(n_samples, n_classes)), axis=1)


def check_bayes_decision(bayes_decision: Callable[..., Any]) -> None:
    """Check ``bayes_decision(proba, cost_matrix=None, reject_cost=None)``.

    Parameters
    ----------
    bayes_decision : callable
        Takes ``proba (n_samples, n_classes)``, a cost matrix ``(n_classes, n_classes)``
        whose entry ``[i, j]`` is the cost of deciding ``j`` when the truth is ``i``
        (0-1 costs when None) and a reject cost (None: never reject). Returns an integer
        array of shape ``(n_samples,)``: ``argmin_j sum_i proba[s, i] cost_matrix[i, j]``,
        or -1 where that smallest expected cost exceeds ``reject_cost``.

    Examples
    --------
    The library's function passes, as a correct solution should:

    >>> from softmax_lib import bayes_decision
    >>> check_bayes_decision(bayes_decision)
    bayes_decision: all 7 checks passed
    """
    from ..decisions import bayes_decision as library_bayes_decision

    by_hand_proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.55, 0.45]])
    proba = _random_proba(60, 4, seed=5)
    # Asymmetric: missing class 3 is expensive, deciding 3 wrongly is cheap.
    costs = np.array([[0.0, 1.0, 2.0, 0.5], [1.0, 0.0, 1.0, 0.5], [3.0, 1.0, 0.0, 0.5],
                      [20.0, 15.0, 10.0, 0.0]])

    def brute_force(proba_: NDArray, cost_matrix: NDArray) -> NDArray:
        n_classes = proba_.shape[1]
        return np.array([min(range(n_classes), key=lambda j, p=p: sum(
            p[i] * cost_matrix[i, j] for i in range(n_classes))) for p in proba_])

    def expect_cost_rule(proba_: NDArray, costs_: NDArray, what: str) -> None:
        decisions = np.asarray(_quietly(bayes_decision, proba_.copy(), costs_.copy()))
        expected = brute_force(proba_, costs_)
        if decisions.shape == expected.shape and not np.array_equal(decisions, expected):
            slips = [message for slip, message in [
                (np.argmax(proba_ @ costs_, axis=1), "this is the decision of the *largest* "
                 "expected cost: the Bayes rule takes argmin"),
                (brute_force(proba_, costs_.T), "the cost matrix is used transposed: row i is "
                 "the true class, so deciding j costs sum_i p_i C[i, j], i.e. proba @ C"),
                (np.argmax(proba_, axis=1), "these are the most probable classes: the cost "
                 "matrix was ignored"),
            ] if np.array_equal(decisions, slip)]
            if slips:
                raise ExerciseCheckError(f"{what}: " + "; or ".join(slips))
        _expect_decisions(decisions, expected, what)

    def by_hand() -> None:
        _expect_decisions(_quietly(bayes_decision, by_hand_proba.copy()), np.array([0, 0, 0]),
                          "bayes_decision(p) with 0-1 costs")
        expect_cost_rule(by_hand_proba, np.array([[0.0, 1.0], [4.0, 0.0]]),
                         "bayes_decision(p, [[0, 1], [4, 0]]) (a missed 1 costs 4)")
        _expect_decisions(_quietly(bayes_decision, by_hand_proba.copy(), None, 0.3),
                          np.array([0, -1, -1]),
                          "bayes_decision(p, None, 0.3) (abstain below 70 % confidence)")

    def zero_one_is_argmax() -> None:
        _expect_decisions(_quietly(bayes_decision, proba.copy()), np.argmax(proba, axis=1),
                          "decisions with 0-1 costs (cost_matrix=None): the most probable class")

    def chow() -> None:
        expected = np.where(proba.max(axis=1) < 1 - 0.4, -1, np.argmax(proba, axis=1))
        _expect_decisions(_quietly(bayes_decision, proba.copy(), None, 0.4), expected,
                          "0-1 costs with reject_cost=0.4 (reject when max p < 0.6)")

    def reject_with_costs() -> None:
        expected = library_bayes_decision(proba, costs, reject_cost=0.8)
        _expect_decisions(_quietly(bayes_decision, proba.copy(), costs.copy(), 0.8), expected,
                          "the 4x4 cost matrix with reject_cost=0.8 (against sl.bayes_decision)")

    def at_the_reject_cost() -> None:
        # Exact in binary: the smallest expected cost, 0.25, equals the reject cost.
        _expect_decisions(_quietly(bayes_decision, np.array([[0.75, 0.25]]), None, 0.25),
                          np.array([0]), "bayes_decision([[0.75, 0.25]], None, 0.25) "
                          "(reject only when the cost *exceeds* reject_cost)")

    checks: list[Check] = [
        ("three samples, by hand", by_hand),
        ("0-1 costs (None): the most probable class", zero_one_is_argmax),
        ("a 4x4 cost matrix: the decision of least expected cost", lambda: expect_cost_rule(
            proba, costs, "decisions with a 4x4 cost matrix (against brute force)")),
        ("0-1 costs and a reject cost: Chow's rule", chow),
        ("a cost matrix and a reject cost", reject_with_costs),
        ("a cost equal to the reject cost is kept", at_the_reject_cost),
        ("the input arrays are not modified", lambda: _expect_unchanged(
            lambda p, c: bayes_decision(p, c, 0.8), proba, costs)),
    ]
    _run_checks("bayes_decision", checks)


def check_adjust_priors(adjust_priors: Callable[[NDArray, NDArray, NDArray], Any]) -> None:
    """Check ``adjust_priors(proba, train_priors, new_priors)``: Bayes' rule for new priors.

    Parameters
    ----------
    adjust_priors : callable
        Takes ``proba (n_samples, n_classes)`` of a model trained with class frequencies
        ``train_priors (n_classes,)`` and returns the probabilities for the frequencies
        ``new_priors (n_classes,)``: each ``proba[s, k]`` times ``new_k / train_k``, each
        row renormalised to sum to 1.

    Examples
    --------
    >>> from softmax_lib import adjust_priors
    >>> check_adjust_priors(adjust_priors)
    adjust_priors: all 5 checks passed
    """
    from ..decisions import adjust_priors as library_adjust_priors

    proba = _random_proba(30, 3, seed=6)
    train, new, third = (np.array([0.6, 0.3, 0.1]), np.array([0.2, 0.3, 0.5]),
                         np.array([0.1, 0.1, 0.8]))

    def call(proba_: NDArray, from_: NDArray, to: NDArray) -> NDArray:
        return np.asarray(_quietly(adjust_priors, proba_.copy(), from_.copy(), to.copy()),
                          dtype=float)

    def expect_adjusted(proba_: NDArray, from_: NDArray, to: NDArray, what: str) -> None:
        result, expected = call(proba_, from_, to), library_adjust_priors(proba_, from_, to)
        if result.shape == expected.shape and not np.allclose(result, expected):
            if np.allclose(result, library_adjust_priors(proba_, to, from_)):
                raise ExerciseCheckError(f"{what}: the ratio is upside down: multiply by "
                                         "new_priors / train_priors")
            if np.allclose(result, proba_ * to / from_):
                raise ExerciseCheckError(f"{what}: the rows do not sum to 1: divide each "
                                         "weighted row by its sum")
        _expect_close(result, expected, f"{what} (against sl.adjust_priors)", rtol=1e-9)

    def by_hand() -> None:
        equal, half, skewed = np.array([[0.5, 0.5]]), np.array([0.5, 0.5]), np.array([0.9, 0.1])
        expect_adjusted(equal, half, skewed, "adjust_priors([[0.5, 0.5]], [0.5, 0.5], "
                                             "[0.9, 0.1])")
        _expect_close(call(equal, half, skewed), np.array([[0.9, 0.1]]),
                      "adjust_priors([[0.5, 0.5]], [0.5, 0.5], [0.9, 0.1]), by hand")

    def chained() -> None:
        # Two shifts in a row equal one shift: train -> new -> third is train -> third.
        once = call(proba, train, third)
        _expect_close(call(call(proba, train, new), new, third), once,
                      "adjusting train -> new, then new -> third (should equal train -> "
                      "third)", rtol=1e-9)

    checks: list[Check] = [
        ("equal scores [0.5, 0.5] take the new priors [0.9, 0.1], by hand", by_hand),
        ("the same priors change nothing", lambda: _expect_close(
            call(proba, train, train), proba, "adjust_priors(proba, train, train)")),
        ("a (30, 3) table, against the library", lambda: expect_adjusted(
            proba, train, new, "adjust_priors of a (30, 3) table")),
        ("two shifts in a row are one shift", chained),
        ("the input arrays are not modified", lambda: _expect_unchanged(
            adjust_priors, proba, train, new)),
    ]
    _run_checks("adjust_priors", checks)


def _known_mixture(n_samples: int = 2000, seed: int = 10) -> tuple[NDArray, NDArray, NDArray]:
    """Exact probabilities of three unit-variance Gaussians (means -2, 0, 2) trained with
    priors [0.5, 0.3, 0.2], on data drawn with the priors [0.2, 0.3, 0.5]."""
    rng = np.random.default_rng(seed)
    means, train, new = np.array([-2.0, 0.0, 2.0]), np.array([0.5, 0.3, 0.2]), np.array(
        [0.2, 0.3, 0.5])
    x = means[rng.choice(3, size=n_samples, p=new)] + rng.standard_normal(n_samples)
    return softmax(np.log(train) - 0.5 * (x[:, None] - means) ** 2, axis=1), train, new


def _em_parts(result: Any, n_classes: int) -> tuple[NDArray, NDArray]:
    if not isinstance(result, tuple | list) or len(result) not in (2, 3):
        raise ExerciseCheckError("return (new_priors, adjusted_proba), optionally with the "
                                 "number of iterations as a third value")
    priors, adjusted = np.asarray(result[0], dtype=float), np.asarray(result[1], dtype=float)
    if priors.shape != (n_classes,):
        raise ExerciseCheckError(f"the priors have shape {priors.shape}, expected "
                                 f"({n_classes},)")
    return priors, adjusted


def check_estimate_priors_em(estimate_priors_em: Callable[..., Any]) -> None:
    """Check ``estimate_priors_em(proba, train_priors, max_iter=1000, tol=1e-8)``.

    Parameters
    ----------
    estimate_priors_em : callable
        The EM loop of Saerens et al. (2002): start from ``train_priors``; adjust
        ``proba`` for the current estimate; take the mean of the adjusted rows as the new
        estimate; stop when no prior moves by more than ``tol`` or after ``max_iter``
        steps. Returns ``(new_priors, adjusted_proba)``, optionally with the number of
        iterations as a third value.

    Examples
    --------
    >>> from softmax_lib import estimate_priors_em
    >>> check_estimate_priors_em(estimate_priors_em)
    estimate_priors_em: all 5 checks passed
    """
    from ..decisions import adjust_priors as library_adjust_priors
    from ..decisions import estimate_priors_em as library_em

    proba, train, new = _known_mixture()
    n_classes = len(train)
    library_priors, library_proba = library_em(proba, train)

    def call(*args: Any) -> tuple[NDArray, NDArray]:
        return _em_parts(_quietly(estimate_priors_em, *args), n_classes)

    def recovers_the_mixture() -> None:
        priors, _ = call(proba.copy(), train.copy())
        if np.allclose(priors, proba.mean(axis=0), atol=1e-6):
            raise ExerciseCheckError(
                f"the priors {np.round(priors, 4)} are the plain mean of proba, one M step: "
                "repeat the E step (adjust) and the M step (mean) until the priors settle")
        if not np.max(np.abs(priors - new)) < 0.05:
            raise ExerciseCheckError(
                f"on 2,000 samples drawn with the priors {new}, EM estimates "
                f"{np.round(priors, 4)} (sl.estimate_priors_em: {np.round(library_priors, 4)}): "
                "each E step should adjust the original proba from train_priors to the "
                "current estimate")
        _expect_close(priors, library_priors, "the priors (against sl.estimate_priors_em)",
                      rtol=0, atol=1e-5)

    def consistent_proba() -> None:
        priors, adjusted = call(proba.copy(), train.copy())
        _expect_close(adjusted, library_adjust_priors(proba, train, priors / priors.sum()),
                      "adjusted_proba (should be adjust_priors(proba, train_priors, "
                      "new_priors) for the returned priors)", rtol=1e-6, atol=1e-9)
        _expect_close(adjusted, library_proba, "adjusted_proba (against "
                                               "sl.estimate_priors_em)", rtol=0, atol=1e-5)

    def one_step() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a warning for max_iter=1 is fine
            priors, _ = _em_parts(estimate_priors_em(proba.copy(), train.copy(), 1), n_classes)
        _expect_close(priors, proba.mean(axis=0), "the priors after max_iter=1 step (the "
                                                  "mean of proba)", rtol=1e-9)

    def fixed_point() -> None:
        # Rows whose mean is the training priors: EM has nothing to move.
        balanced = np.array([[0.7, 0.2, 0.1], [0.3, 0.4, 0.3], [0.5, 0.3, 0.2]])
        priors, adjusted = call(balanced, balanced.mean(axis=0))
        _expect_close(priors, balanced.mean(axis=0), "the priors when the mean of proba "
                                                     "equals train_priors")
        _expect_close(adjusted, balanced, "adjusted_proba when nothing moves")

    checks: list[Check] = [
        ("known priors recovered from a known mixture", recovers_the_mixture),
        ("the adjusted probabilities belong to the returned priors", consistent_proba),
        ("max_iter=1 is one E and one M step", one_step),
        ("training priors that fit the data stay put", fixed_point),
        ("the input arrays are not modified", lambda: _expect_unchanged(
            estimate_priors_em, proba, train)),
    ]
    _run_checks("estimate_priors_em", checks)


# --- chapter 11 --------------------------------------------------------------------------


def _labels_drawn_at(logits: NDArray, temperature: float, seed: int) -> NDArray:
    """Labels drawn from softmax(logits / temperature): the best T is near ``temperature``."""
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(softmax(logits / temperature, axis=1), axis=1)
    return np.minimum((cumulative < rng.random((len(logits), 1))).sum(axis=1),
                      logits.shape[1] - 1)


def check_fit_temperature(fit_temperature: Callable[[NDArray, NDArray], Any]) -> None:
    """Check ``fit_temperature(logits, y)``: the ``T > 0`` of least mean cross-entropy.

    Parameters
    ----------
    fit_temperature : callable
        Takes ``logits (n_samples, n_classes)`` and class indices ``y (n_samples,)`` and
        returns the float ``T`` that minimises the mean cross-entropy of
        ``softmax(logits / T)``; the exercise searches ``log T`` in ``[-5, 5]``.

    Examples
    --------
    >>> from softmax_lib import fit_temperature
    >>> check_fit_temperature(fit_temperature)
    fit_temperature: all 5 checks passed
    """
    from ..calibration import fit_temperature as library_fit_temperature
    from ..calibration import temperature_scaled_log_loss

    rng = np.random.default_rng(11)
    logits = rng.normal(scale=3.0, size=(200, 4))
    over_confident = _labels_drawn_at(logits, 2.0, seed=12)
    under_confident = _labels_drawn_at(logits, 0.5, seed=13)

    def fitted(logits_: NDArray, y: NDArray) -> float:
        value = _expect_scalar(_quietly(fit_temperature, logits_.copy(), y.copy()),
                               "the temperature")
        if not value > 0:
            raise ExerciseCheckError(f"the temperature should be positive, got {value}")
        return value

    def matches(logits_: NDArray, y: NDArray, what: str) -> Callable[[], None]:
        def check() -> None:
            T, expected = fitted(logits_, y), library_fit_temperature(logits_, y)
            if np.isclose(T, 1 / expected, rtol=1e-3) and not np.isclose(T, expected):
                raise ExerciseCheckError(f"{what}: got {T:.6g}, which is 1 / T; scale the "
                                         f"logits as logits / T, and return T = {expected:.6g}")
            if np.isclose(T, np.log(expected), rtol=1e-3, atol=1e-6):
                raise ExerciseCheckError(f"{what}: got {T:.6g}, which is log T: return "
                                         "np.exp of the minimiser")
            loss = temperature_scaled_log_loss(logits_, y, T)
            for factor in (0.99, 1.01):
                if temperature_scaled_log_loss(logits_, y, factor * T) < loss:
                    raise ExerciseCheckError(
                        f"{what}: T = {T:.6g} does not minimise the loss, T * {factor} gives a "
                        "lower mean cross-entropy")
            _expect_close(T, np.array(expected), f"{what} (against sl.fit_temperature)",
                          rtol=1e-4)
        return check

    def by_hand() -> None:
        # One error in four at logits (2, 0): the best T makes the confidence 3/4, so
        # softmax(2 / T)[0] = 3/4, 2 / T = log 3.
        z = np.array([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0], [2.0, 0.0]])
        matches(z, np.array([0, 1, 1, 0]), "fit_temperature of 4 samples")()
        _expect_close(fitted(z, np.array([0, 1, 1, 0])), np.array(2.0 / np.log(3.0)),
                      "fit_temperature of 4 samples (2 / log 3, by hand)", rtol=1e-4)

    def scales_with_the_logits() -> None:
        T = fitted(logits, under_confident)
        try:
            large = fitted(100.0 * logits, under_confident)
        except FloatingPointError as error:
            raise ExerciseCheckError(
                f"{error} for logits in the hundreds: compute the loss with log_softmax "
                "(max-shifted), not the log of exp(...) / sum(exp(...))") from None
        _expect_close(large, np.array(100.0 * T), "fit_temperature(100 * logits, y) (should "
                      "be 100 * fit_temperature(logits, y))", rtol=1e-4)

    checks: list[Check] = [
        ("four samples, by hand: T = 2 / log 3", by_hand),
        ("over-confident logits: T > 1", matches(logits, over_confident,
                                                 "T of over-confident logits")),
        ("under-confident logits: T < 1", matches(logits, under_confident,
                                                  "T of under-confident logits")),
        ("logits 100 times larger, in the hundreds: T 100 times larger, no overflow",
         scales_with_the_logits),
        ("the input arrays are not modified", lambda: _expect_unchanged(
            fit_temperature, logits, over_confident)),
    ]
    _run_checks("fit_temperature", checks)


# --- chapter 13 --------------------------------------------------------------------------

# The 0.999 quantile of the chi-square distribution with 3 degrees of freedom
# (scipy.stats.chi2.ppf(0.999, 3)): a uniform player fails the test 1 time in 1,000.
_CHI2_3_999 = 16.266236196238129


def check_softmax_bandit(softmax_bandit: Callable[[NDArray, int, float, int], Any]) -> None:
    """Check ``softmax_bandit(arm_means, n_steps, temperature, seed) -> actions``.

    Parameters
    ----------
    softmax_bandit : callable
        Plays one run of softmax (Boltzmann) selection on a Gaussian bandit with reward
        noise 1: ``Q`` and the pull counts start at 0, each step pulls arm ``a`` with
        probability ``softmax(Q / T)_a`` (max-shifted) and updates ``Q_a`` to the mean of
        that arm's rewards, with one ``np.random.default_rng(seed)`` for every draw.
        Returns the pulled arms, an integer array of shape ``(n_steps,)``.

    Notes
    -----
    Two checks are statistical, on fixed seeds. At ``T = 1e6`` the pulls of 5 runs of 400
    steps on 4 arms are compared with the uniform distribution by a chi-square test whose
    false-alarm rate is 1 in 1,000. At ``T = 0.5`` the mean final regret of 100 runs of 200
    steps (seeds 0 to 99) must lie within 4 standard errors (of the difference) of that of
    1,000 runs of :func:`softmax_lib.simulate_bandit`; by the normal approximation, a
    correct player fails it about 6 times in 100,000.
    """
    from ..bandits import simulate_bandit

    arm_means = np.array([0.0, 0.5, 1.0, 1.5])

    def play(n_steps: int, temperature: float, seed: int) -> NDArray:
        actions = np.asarray(_quietly(softmax_bandit, arm_means.copy(), n_steps, temperature,
                                      seed))
        if actions.shape != (n_steps,):
            raise ExerciseCheckError(f"return the {n_steps} pulled arms, shape ({n_steps},); "
                                     f"got shape {actions.shape}")
        if actions.dtype.kind not in "iu":
            raise ExerciseCheckError(f"the actions should be integers (arm indices), got "
                                     f"dtype {actions.dtype}")
        if actions.min() < 0 or actions.max() >= len(arm_means):
            raise ExerciseCheckError(f"arms are numbered 0 to {len(arm_means) - 1}, got "
                                     f"{actions.min()} to {actions.max()}")
        return actions

    def cold() -> None:
        try:
            play(50, 1e-3, 0)
        except (FloatingPointError, RuntimeWarning) as error:
            raise ExerciseCheckError(
                f"{error} at T = 0.001: subtract the largest Q / T before exp (the max-shift "
                "of chapter 1)") from None

    def hot_is_uniform() -> None:
        pulls = np.bincount(np.concatenate([play(400, 1e6, seed) for seed in range(5)]),
                            minlength=len(arm_means))
        expected = pulls.sum() / len(arm_means)
        statistic = float(np.sum((pulls - expected) ** 2 / expected))
        if statistic > _CHI2_3_999:
            raise ExerciseCheckError(
                f"at T = 1e6 every arm should be equally likely; 2,000 pulls gave {pulls} "
                f"(chi-square {statistic:.1f} > {_CHI2_3_999:.1f}, false-alarm rate 0.001)")

    def seeded() -> None:
        first, again, other = play(100, 1.0, 3), play(100, 1.0, 3), play(100, 1.0, 4)
        if not np.array_equal(first, again):
            raise ExerciseCheckError("two runs with seed 3 pulled different arms: draw every "
                                     "choice and reward from np.random.default_rng(seed)")
        if np.array_equal(first, other):
            raise ExerciseCheckError("seeds 3 and 4 pulled the same arms: use the seed")

    def regret_like_the_library() -> None:
        n_steps, temperature = 200, 0.5
        ours = np.array([np.sum(arm_means.max() - arm_means[play(n_steps, temperature, seed)])
                         for seed in range(100)])
        library = simulate_bandit(arm_means, n_steps, 1000, temperature=temperature,
                                  seed=0).cumulative_regret[:, -1]
        se_ours = ours.std(ddof=1) / np.sqrt(len(ours))
        se_library = library.std(ddof=1) / np.sqrt(len(library))
        gap = (ours.mean() - library.mean()) / np.hypot(se_ours, se_library)
        if not abs(gap) < 4:
            raise ExerciseCheckError(
                f"the mean final regret of 100 runs of {n_steps} steps at T = {temperature} is "
                f"{ours.mean():.1f} +- {se_ours:.1f}, simulate_bandit's {library.mean():.1f} "
                f"+- {se_library:.1f}: {gap:+.1f} standard errors apart (at most 4 expected). "
                "Check the probabilities softmax(Q / T) and the running means Q")

    checks: list[Check] = [
        ("an integer array of n_steps arms", lambda: play(30, 1.0, 0)),
        ("a cold T = 0.001: no overflow", cold),
        ("a hot T = 1e6: uniform pulls (chi-square test)", hot_is_uniform),
        ("the same seed gives the same pulls, another seed others", seeded),
        ("the mean regret at T = 0.5 agrees with simulate_bandit", regret_like_the_library),
    ]
    _run_checks("softmax_bandit", checks)


# --- chapter 14 --------------------------------------------------------------------------


def _reference_stream_fit(X: NDArray, y: NDArray, chunk_rows: int, n_epochs: int, seed: int,
                          *, centre: bool = True, scale_C: bool = True, decay: bool = True,
                          shuffle: bool = True) -> Any:
    """The chapter's streamed training, with switches for the slips the checker names."""
    from ..estimator import SoftmaxRegression

    n_rows = X.shape[0]
    starts = np.arange(0, n_rows, chunk_rows)
    total = sum(X[start:start + chunk_rows].sum(axis=0, dtype=np.float64) for start in starts)
    mean = (total / n_rows).astype(X.dtype) if centre else np.zeros(X.shape[1], X.dtype)
    model = SoftmaxRegression(solver="sgd", C=0.1 * n_rows / chunk_rows if scale_C else 0.1,
                              batch_size=100, random_state=seed)
    rng = np.random.RandomState(seed)
    for epoch in range(n_epochs):
        model.set_params(learning_rate=0.5 / (1 + epoch) if decay else 0.5)
        for start in starts[rng.permutation(len(starts))] if shuffle else starts:
            rows = slice(start, start + chunk_rows)
            model.partial_fit(X[rows] - mean, y[rows], classes=np.unique(y))
    return model


def check_stream_fit(stream_fit: Callable[[Any, NDArray, int, int, int], Any]) -> None:
    """Check ``stream_fit(path, y, chunk_rows, n_epochs, seed)``: partial_fit over a memmap.

    Parameters
    ----------
    stream_fit : callable
        Opens the ``.npy`` file at ``path`` with ``np.load(path, mmap_mode="r")``, computes
        the mean row in one pass over the chunks, and returns a ``sl.SoftmaxRegression``
        (``solver="sgd"``, ``batch_size=100``) trained by one ``partial_fit`` call per
        centred chunk of ``chunk_rows`` rows and pass, the chunks shuffled each pass with
        one ``np.random.RandomState(seed)``, with ``C = 0.1 * n_rows / chunk_rows`` and the
        learning rate ``0.5 / (1 + epoch)``.

    Notes
    -----
    The data are 650 rows of 20 float32 features in 3 classes, written to a temporary
    ``.npy`` file; chunks of 200 rows leave a last chunk of 50. With ``seed=0`` the
    coefficients must match the chapter's loop to a relative ``1e-4`` (the model's own
    ``random_state``, which the exercise leaves open, is then 0 either way); for another
    seed they must differ from seed 0's. That the file is read as a memmap is not checked.
    """
    import tempfile
    from pathlib import Path

    rng = np.random.default_rng(14)
    y = np.repeat(np.arange(3), [250, 220, 180])
    rng.shuffle(y)
    centres = rng.normal(scale=1.5, size=(3, 20)) + 4.0  # far from 0: centring matters
    X = (centres[y] + rng.normal(size=(len(y), 20))).astype(np.float32)
    chunk_rows, n_epochs = 200, 3
    n_chunks = -(-len(y) // chunk_rows)

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "rows.npy"
        np.save(path, X)
        fitted: dict[int, Any] = {}

        def fit(seed: int) -> Any:
            if seed not in fitted:
                model = _quietly(stream_fit, path, y.copy(), chunk_rows, n_epochs, seed)
                if not hasattr(model, "coef_") or not hasattr(model, "intercept_"):
                    raise ExerciseCheckError(
                        f"return the trained sl.SoftmaxRegression, got {type(model).__name__}")
                fitted[seed] = model
            return fitted[seed]

        def a_model() -> None:
            model = fit(0)
            if np.shape(model.coef_) != (3, 20) or np.shape(model.intercept_) != (3,):
                raise ExerciseCheckError(
                    f"coef_ has shape {np.shape(model.coef_)} and intercept_ "
                    f"{np.shape(model.intercept_)}, expected (3, 20) and (3,)")
            calls = getattr(model, "n_iter_", None)
            if calls != n_epochs * n_chunks:
                raise ExerciseCheckError(
                    f"expected one partial_fit call per chunk and pass, {n_epochs} x "
                    f"{n_chunks} = {n_epochs * n_chunks} (the last chunk has only "
                    f"{len(y) - (n_chunks - 1) * chunk_rows} rows), got n_iter_ = {calls}")

        def like_the_chapter() -> None:
            coef = np.asarray(fit(0).coef_, dtype=float)
            reference = _reference_stream_fit(X, y, chunk_rows, n_epochs, 0)
            if not np.allclose(coef, reference.coef_, rtol=1e-4, atol=1e-6):
                for switch, slip in [
                    ("centre", "the chunks are not centred: subtract the mean row, computed "
                               "in a first pass, from every chunk"),
                    ("scale_C", "C is not scaled: each chunk needs C = 0.1 * n_rows / "
                                "chunk_rows"),
                    ("decay", "the learning rate does not fall: set it to 0.5 / (1 + epoch) "
                              "before each pass"),
                    ("shuffle", "the chunks come in file order: shuffle them each pass with "
                                "rng.permutation, rng = np.random.RandomState(seed)"),
                ]:
                    variant = _reference_stream_fit(X, y, chunk_rows, n_epochs, 0,
                                                    **{switch: False})
                    if np.allclose(coef, variant.coef_, rtol=1e-4, atol=1e-6):
                        raise ExerciseCheckError(slip)
            _expect_close(coef, reference.coef_, "coef_ after 3 passes with seed 0 (against "
                          "the chapter's loop)", rtol=1e-4, atol=1e-6)
            _expect_close(fit(0).intercept_, reference.intercept_, "intercept_ after 3 passes "
                          "with seed 0", rtol=1e-4, atol=1e-6)

        def seeded() -> None:
            if np.allclose(np.asarray(fit(1).coef_, dtype=float), fit(0).coef_):
                raise ExerciseCheckError("seeds 0 and 1 gave the same coefficients: shuffle "
                                         "the chunks with np.random.RandomState(seed)")
            accuracy = float(np.mean(fit(1).predict(X - X.mean(axis=0)) == y))
            if accuracy < 0.9:
                raise ExerciseCheckError(f"with seed 1 the training accuracy is only "
                                         f"{accuracy:.2f} on three well-separated classes")

        checks: list[Check] = [
            ("a model with one partial_fit call per chunk and pass", a_model),
            ("the coefficients of the chapter's loop, seed 0", like_the_chapter),
            ("another seed, another chunk order, as good a model", seeded),
        ]
        _run_checks("stream_fit", checks)
