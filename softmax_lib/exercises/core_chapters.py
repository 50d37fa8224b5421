"""Checkers for the core chapters' exercises (chapters 1 to 6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..calibration import expected_calibration_error as _library_ece
from ..calibration import reliability_table as _library_reliability_table
from ..core import log_softmax, softmax
from ..gradcheck import numerical_gradient
from ..losses import cross_entropy
from ._common import (
    Check,
    ExerciseCheckError,
    _expect_close,
    _expect_scalar,
    _expect_unchanged,
    _quietly,
    _run_checks,
)

# --- chapter 1 ---------------------------------------------------------------------------


def _naive_softmax(z: NDArray) -> NDArray:
    """The textbook formula, for small scores where it cannot overflow."""
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def check_stable_softmax(stable_softmax: Callable[[NDArray], NDArray]) -> None:
    """Check ``stable_softmax(z)``: softmax over the last axis, finite for extreme scores.

    Parameters
    ----------
    stable_softmax : callable
        Takes an array of shape ``(K,)`` or ``(n, K)`` and returns probabilities of the
        same shape, each row summing to 1.
    """
    rng = np.random.default_rng(0)
    small = np.array([1.0, 2.0, 3.0])
    table = rng.normal(scale=3.0, size=(5, 4))
    extreme = np.array([[1000.0, 0.0, -1000.0], [-800.0, -800.0, -805.0]])
    # Expected values first, from copies: a function that works in place cannot move them.
    expected_small, expected_table = _naive_softmax(small), _naive_softmax(table)
    expected_extreme = softmax(extreme, axis=-1)
    checks: list[Check] = [
        ("the input array is not modified", lambda: _expect_unchanged(stable_softmax, table)),
        ("a 1-D vector of 3 scores", lambda: _expect_close(
            _quietly(stable_softmax, small.copy()), expected_small, "stable_softmax([1, 2, 3])")),
        ("a (5, 4) table: softmax of each row, over the last axis", lambda: _expect_close(
            _quietly(stable_softmax, table.copy()), expected_table, "stable_softmax(table)")),
        ("scores of +-1000 give finite probabilities, no overflow warning", lambda: _expect_close(
            _quietly(stable_softmax, extreme.copy()), expected_extreme,
            "stable_softmax([[1000, 0, -1000], [-800, -800, -805]])")),
        ("adding 100 to every score changes nothing", lambda: _expect_close(
            _quietly(stable_softmax, table + 100.0), expected_table,
            "stable_softmax(table + 100)")),
    ]
    _run_checks("stable_softmax", checks)


def check_stable_log_softmax(stable_log_softmax: Callable[[NDArray], NDArray]) -> None:
    """Check ``stable_log_softmax(z)``: log-probabilities over the last axis, exact at extremes.

    Parameters
    ----------
    stable_log_softmax : callable
        Takes an array of shape ``(K,)`` or ``(n, K)`` and returns ``log softmax(z)`` of
        the same shape, computed without taking the log of a probability that underflowed.
    """
    rng = np.random.default_rng(1)
    small = np.array([1.0, 2.0, 3.0])
    table = rng.normal(scale=3.0, size=(5, 4))
    extreme = np.array([1000.0, 0.0, -1000.0])
    expected_small, expected_table = np.log(_naive_softmax(small)), np.log(_naive_softmax(table))
    expected_wide = log_softmax(400.0 * table, axis=-1)
    checks: list[Check] = [
        ("the input array is not modified", lambda: _expect_unchanged(stable_log_softmax, table)),
        ("a 1-D vector of 3 scores", lambda: _expect_close(
            _quietly(stable_log_softmax, small.copy()), expected_small,
            "stable_log_softmax([1, 2, 3])")),
        ("a (5, 4) table, row by row over the last axis", lambda: _expect_close(
            _quietly(stable_log_softmax, table.copy()), expected_table,
            "stable_log_softmax(table)")),
        # log softmax([1000, 0, -1000]) = [0, -1000, -2000] exactly; log(softmax) gives -inf.
        ("scores of +-1000 give the exact values [0, -1000, -2000]", lambda: _expect_close(
            _quietly(stable_log_softmax, extreme.copy()), np.array([0.0, -1000.0, -2000.0]),
            "stable_log_softmax([1000, 0, -1000])")),
        ("a table of +-1000 scores, against the library", lambda: _expect_close(
            _quietly(stable_log_softmax, 400.0 * table), expected_wide,
            "stable_log_softmax(400 * table)", rtol=1e-10)),
    ]
    _run_checks("stable_log_softmax", checks)


# --- chapter 3 ---------------------------------------------------------------------------


def check_cross_entropy_from_logits(
    cross_entropy_from_logits: Callable[[NDArray, NDArray], float],
) -> None:
    """Check ``cross_entropy_from_logits(logits, y)``: the mean cross-entropy from scores.

    Parameters
    ----------
    cross_entropy_from_logits : callable
        Takes ``logits`` of shape ``(n, K)`` and integer labels ``y`` of shape ``(n,)``
        and returns the mean over samples of ``-log softmax(logits)[i, y[i]]``.
    """
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    labels = np.array([0, 2])
    # Closed form: -log p = log(sum exp) - z_y, averaged over the two rows.
    by_hand = 0.5 * ((np.log(np.e**2 + np.e + 1.0) - 2.0) + np.log(3.0))
    rng = np.random.default_rng(2)
    table = rng.normal(scale=2.0, size=(7, 4))
    table_labels = np.array([0, 1, 2, 3, 3, 2, 1])
    extreme = np.array([[1000.0, 0.0], [0.0, 1000.0]])

    def mean_loss(logits_: NDArray, labels_: NDArray, expected: float, what: str) -> None:
        value = _expect_scalar(
            _quietly(cross_entropy_from_logits, logits_.copy(), labels_.copy()), "the loss")
        if np.isclose(value, len(labels_) * expected) and len(labels_) > 1:
            raise ExerciseCheckError(
                f"{what}: this is the sum over the {len(labels_)} samples; divide by n")
        _expect_close(value, np.array(expected), what)

    checks: list[Check] = [
        ("two samples, computed by hand", lambda: mean_loss(
            logits, labels, by_hand, "cross_entropy_from_logits([[2, 1, 0], [0, 0, 0]], [0, 2])")),
        ("the mean over samples, not the sum", lambda: mean_loss(
            table, table_labels, cross_entropy(table, table_labels), "the loss of a (7, 4) table")),
        ("equal scores cost log K", lambda: _expect_close(
            _expect_scalar(_quietly(cross_entropy_from_logits, np.zeros((3, 5)),
                                    np.array([0, 4, 2])), "the loss"),
            np.array(np.log(5.0)), "the loss of all-zero scores, K = 5")),
        ("scores of 1000 give a finite, exact loss", lambda: _expect_close(
            _expect_scalar(_quietly(cross_entropy_from_logits, extreme, np.array([0, 0])),
                           "the loss"),
            np.array(500.0), "cross_entropy_from_logits([[1000, 0], [0, 1000]], [0, 0])")),
        ("the input arrays are not modified", lambda: _expect_unchanged(
            cross_entropy_from_logits, table, table_labels)),
    ]
    _run_checks("cross_entropy_from_logits", checks)


def check_loss_and_gradient(
    loss_and_gradient: Callable[[NDArray, NDArray, NDArray, NDArray], tuple[Any, Any, Any]],
) -> None:
    """Check ``loss_and_gradient(W, b, X, y)``: mean cross-entropy and its gradient.

    Parameters
    ----------
    loss_and_gradient : callable
        Takes ``W (K, d)``, ``b (K,)``, ``X (n, d)`` and integer ``y (n,)`` and returns
        ``(loss, grad_W, grad_b)``: the mean cross-entropy of the scores ``X W^T + b``
        (no penalty) and its gradients, of shapes ``()``, ``(K, d)`` and ``(K,)``.
    """
    rng = np.random.default_rng(3)
    n_samples, n_features, n_classes = 8, 3, 4
    X = rng.normal(size=(n_samples, n_features))
    y = np.array([0, 1, 2, 3, 0, 1, 1, 2])
    W = rng.normal(size=(n_classes, n_features))
    b = rng.normal(size=n_classes)

    def call(W_: NDArray, b_: NDArray) -> tuple[float, NDArray, NDArray]:
        result = _quietly(loss_and_gradient, W_, b_, X, y)
        if not isinstance(result, tuple) or len(result) != 3:
            raise ExerciseCheckError("return a tuple (loss, grad_W, grad_b)")
        loss, grad_W, grad_b = result
        return _expect_scalar(loss, "the loss"), np.asarray(grad_W), np.asarray(grad_b)

    def loss_value() -> None:
        _expect_close(call(W, b)[0], np.array(cross_entropy(X @ W.T + b, y)), "the loss")

    def gradient_W() -> None:
        numeric = numerical_gradient(lambda V: cross_entropy(X @ V.T + b, y), W)
        _expect_close(call(W, b)[1], numeric, "grad_W (against central differences)",
                      rtol=1e-6, atol=1e-8)

    def gradient_b() -> None:
        numeric = numerical_gradient(lambda c: cross_entropy(X @ W.T + c, y), b)
        _expect_close(call(W, b)[2], numeric, "grad_b (against central differences)",
                      rtol=1e-6, atol=1e-8)

    def extreme() -> None:
        loss, grad_W, _ = call(300.0 * W, 300.0 * b)
        Z = X @ (300.0 * W).T + 300.0 * b
        _expect_close(loss, np.array(cross_entropy(Z, y)), "the loss for scores near 1000",
                      rtol=1e-10)
        residual = (softmax(Z, axis=1) - np.eye(n_classes)[y]) / n_samples
        _expect_close(grad_W, residual.T @ X, "grad_W for scores near 1000")

    checks: list[Check] = [
        ("the loss at W = 0, b = 0 is log K", lambda: _expect_close(
            call(np.zeros_like(W), np.zeros_like(b))[0], np.array(np.log(n_classes)),
            "the loss at zero")),
        ("the loss at random W, b", loss_value),
        ("grad_W agrees with finite differences", gradient_W),
        ("grad_b agrees with finite differences", gradient_b),
        ("scores of several hundred give a finite loss and gradient", extreme),
    ]
    _run_checks("loss_and_gradient", checks)


# --- chapter 4 ---------------------------------------------------------------------------


def _three_blobs(n_per_class: int = 10, seed: int = 4) -> tuple[NDArray, NDArray]:
    """A small, not quite separable, three-class problem in two dimensions."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    X = np.concatenate([c + rng.normal(size=(n_per_class, 2)) for c in centres])
    y = np.repeat(np.arange(3), n_per_class)
    return X, y


def _reference_gradient_descent(X: NDArray, y: NDArray, n_classes: int,
                                learning_rate: float, n_steps: int):
    Y = np.eye(n_classes)[y]
    W = np.zeros((n_classes, X.shape[1]))
    b = np.zeros(n_classes)
    losses = [cross_entropy(X @ W.T + b, y)]
    for _ in range(n_steps):
        residual = (softmax(X @ W.T + b, axis=1) - Y) / len(X)
        W = W - learning_rate * residual.T @ X
        b = b - learning_rate * residual.sum(axis=0)
        losses.append(cross_entropy(X @ W.T + b, y))
    return W, b, np.array(losses)


def _unpack_fit(result: Any, what: str) -> tuple[NDArray, NDArray, NDArray]:
    if not isinstance(result, tuple) or len(result) != 3:
        raise ExerciseCheckError(f"return a tuple (W, b, {what})")
    W, b, history = (np.asarray(r, dtype=float) for r in result)
    return W, b, history


def check_gradient_descent(
    gradient_descent: Callable[[NDArray, NDArray, int, float, int], tuple[Any, Any, Any]],
) -> None:
    """Check ``gradient_descent(X, y, n_classes, learning_rate, n_steps)``.

    Parameters
    ----------
    gradient_descent : callable
        Full-batch gradient descent on the mean cross-entropy (no penalty), from
        ``W = 0`` and ``b = 0``. Returns ``(W, b, losses)`` with ``W (K, d)``, ``b (K,)``
        and ``losses`` of length ``n_steps + 1``: the loss before each step and after the
        last one.
    """
    X, y = _three_blobs()

    def matches(n_classes: int, learning_rate: float, n_steps: int) -> Callable[[], None]:
        def check() -> None:
            W, b, losses = _unpack_fit(
                _quietly(gradient_descent, X, y, n_classes, learning_rate, n_steps), "losses")
            W_ref, b_ref, losses_ref = _reference_gradient_descent(
                X, y, n_classes, learning_rate, n_steps)
            _expect_close(losses, losses_ref, f"losses after {n_steps} steps", rtol=1e-9)
            _expect_close(W, W_ref, "W", rtol=1e-9)
            _expect_close(b, b_ref, "b", rtol=1e-9)
        return check

    def zero_steps() -> None:
        W, b, losses = _unpack_fit(_quietly(gradient_descent, X, y, 3, 0.5, 0), "losses")
        _expect_close(W, np.zeros((3, 2)), "W after 0 steps")
        _expect_close(b, np.zeros(3), "b after 0 steps")
        _expect_close(losses, np.array([np.log(3.0)]), "losses after 0 steps")

    checks: list[Check] = [
        ("no step: W = 0, b = 0 and losses = [log K]", zero_steps),
        ("one step of size 0.5", matches(3, 0.5, 1)),
        ("50 steps of size 0.5, against a reference loop", matches(3, 0.5, 50)),
        ("n_classes = 4 with no sample of class 3: W has 4 rows", matches(4, 0.5, 10)),
        ("the input arrays are not modified", lambda: _expect_unchanged(
            lambda X_, y_: gradient_descent(X_, y_, 3, 0.5, 3), X, y)),
    ]
    _run_checks("gradient_descent", checks)


def check_minibatch_sgd(
    minibatch_sgd: Callable[[NDArray, NDArray, int, float, int, int, int], tuple[Any, Any, Any]],
) -> None:
    """Check ``minibatch_sgd(X, y, n_classes, learning_rate, batch_size, n_epochs, seed)``.

    Parameters
    ----------
    minibatch_sgd : callable
        Mini-batch SGD on the mean cross-entropy (no penalty) from ``W = 0``, ``b = 0``:
        each epoch shuffles the rows with one ``np.random.default_rng(seed)`` generator
        for the whole run and takes one step per mini-batch of ``batch_size`` rows (the
        last may be smaller), using the mean gradient of the batch. Returns
        ``(W, b, epoch_losses)``; ``epoch_losses[e]`` is the full training loss after
        epoch ``e``.
    """
    X, y = _three_blobs()
    n_samples = len(X)

    def full_batch_is_gradient_descent() -> None:
        W, b, epoch_losses = _unpack_fit(
            _quietly(minibatch_sgd, X, y, 3, 0.5, n_samples, 20, 0), "epoch_losses")
        W_ref, b_ref, losses_ref = _reference_gradient_descent(X, y, 3, 0.5, 20)
        _expect_close(epoch_losses, losses_ref[1:],
                      "epoch_losses with batch_size = n (20 epochs of one full-batch step)",
                      rtol=1e-9)
        _expect_close(W, W_ref, "W with batch_size = n", rtol=1e-9)
        _expect_close(b, b_ref, "b with batch_size = n", rtol=1e-9)

    def losses_describe_the_model() -> None:
        W, b, epoch_losses = _unpack_fit(
            _quietly(minibatch_sgd, X, y, 3, 0.1, 7, 5, 1), "epoch_losses")
        if epoch_losses.shape != (5,):
            raise ExerciseCheckError(
                f"epoch_losses should have one entry per epoch, shape (5,), got "
                f"{epoch_losses.shape}")
        _expect_close(epoch_losses[-1], np.array(cross_entropy(X @ W.T + b, y)),
                      "the last epoch loss against the loss of the returned W, b", rtol=1e-9)

    def seeded() -> None:
        first = _unpack_fit(minibatch_sgd(X, y, 3, 0.1, 4, 3, 7), "epoch_losses")
        again = _unpack_fit(minibatch_sgd(X, y, 3, 0.1, 4, 3, 7), "epoch_losses")
        other = _unpack_fit(minibatch_sgd(X, y, 3, 0.1, 4, 3, 8), "epoch_losses")
        _expect_close(again[0], first[0], "W of a second run with the same seed", rtol=0,
                      atol=0)
        if np.allclose(other[0], first[0]):
            raise ExerciseCheckError(
                "another seed gave the same W: shuffle the rows each epoch with "
                "np.random.default_rng(seed)")

    def reference_sgd(batch_size: int, n_epochs: int, seed: int, reshuffle: bool = True):
        rng = np.random.default_rng(seed)
        W, b = np.zeros((3, 2)), np.zeros(3)
        order = rng.permutation(n_samples)
        for epoch in range(n_epochs):
            if epoch and reshuffle:
                order = rng.permutation(n_samples)
            for start in range(0, n_samples, batch_size):
                rows = order[start:start + batch_size]
                residual = (softmax(X[rows] @ W.T + b, axis=1) - np.eye(3)[y[rows]]) / len(rows)
                W = W - 0.1 * residual.T @ X[rows]
                b = b - 0.1 * residual.sum(axis=0)
        return W, b

    def first_epoch_in_batches() -> None:
        # 30 rows in batches of 8: steps on 8, 8, 8 and the last 6 rows, in the order
        # rng.permutation(30) (the same as rng.shuffle(np.arange(30))).
        W, b, _ = _unpack_fit(_quietly(minibatch_sgd, X, y, 3, 0.1, 8, 1, 5), "epoch_losses")
        W_ref, b_ref = reference_sgd(8, 1, 5)
        try:
            _expect_close(W, W_ref, "W after one epoch", rtol=1e-9)
            _expect_close(b, b_ref, "b after one epoch", rtol=1e-9)
        except ExerciseCheckError as failure:
            raise ExerciseCheckError(
                f"{failure}\n  Expected: rows in the order rng.permutation(n_samples) with "
                "rng = np.random.default_rng(seed), one step per batch with the batch's mean "
                "gradient, and a last, smaller batch of the remaining rows.") from None

    def new_order_every_epoch() -> None:
        W, _, _ = _unpack_fit(_quietly(minibatch_sgd, X, y, 3, 0.1, 8, 3, 5), "epoch_losses")
        if np.allclose(W, reference_sgd(8, 3, 5, reshuffle=False)[0], rtol=1e-9):
            raise ExerciseCheckError("every epoch used the same order: shuffle again each epoch")

    def learns() -> None:
        W, b, epoch_losses = _unpack_fit(
            _quietly(minibatch_sgd, X.astype(np.float32), y, 3, 0.2, 5, 30, 0),
            "epoch_losses")
        accuracy = np.mean(np.argmax(X @ W.T + b, axis=1) == y)
        if not (epoch_losses[-1] < 0.6 * np.log(3.0) and accuracy >= 0.9):
            raise ExerciseCheckError(
                f"after 30 epochs on easy data the loss is {epoch_losses[-1]:.3f} (log 3 = "
                f"{np.log(3):.3f} at the start) and the accuracy {accuracy:.2f}: "
                "is the step taken with the batch's mean gradient, once per batch?")

    checks: list[Check] = [
        ("batch_size = n is full-batch gradient descent", full_batch_is_gradient_descent),
        ("one loss per epoch, the loss of the returned model", losses_describe_the_model),
        ("the same seed gives the same result, another seed another", seeded),
        ("one epoch: a step per batch of 8 rows, the last batch smaller", first_epoch_in_batches),
        ("a new order every epoch", new_order_every_epoch),
        ("it learns an easy problem from float32 inputs", learns),
    ]
    _run_checks("minibatch_sgd", checks)


# --- chapter 5 ---------------------------------------------------------------------------

# Four predictions whose confidences sit on bin edges and inside bins: 0.5 and 1.0 are
# edges (right-closed bins put them in the bin below the edge, as calibration_curve does).
_EDGE_PROBA = np.array([[0.5, 0.5], [0.9, 0.1], [0.25, 0.75], [0.0, 1.0]])
_EDGE_LABELS = np.array([1, 0, 0, 1])


def _calibration_problem(seed: int = 3) -> tuple[NDArray, NDArray]:
    rng = np.random.default_rng(seed)
    proba = softmax(rng.normal(scale=2.5, size=(300, 4)))
    labels = np.array([rng.choice(4, p=p) for p in softmax(np.log(proba) / 1.5)])
    return proba, labels


def _table_parts(result: Any) -> tuple[NDArray, NDArray, NDArray]:
    if not isinstance(result, tuple | list) or len(result) != 3:
        raise ExerciseCheckError("reliability_table should return three arrays: "
                                 "(counts, mean_confidence, accuracy)")
    return tuple(np.asarray(part, dtype=float) for part in result)  # type: ignore[return-value]


def _expect_table(result: Any, expected: Any, what: str) -> None:
    counts, confidence, accuracy = _table_parts(result)
    expected_counts, expected_confidence, expected_accuracy = expected
    _expect_close(counts, expected_counts, f"{what}: counts")
    empty = expected_counts == 0
    if not np.all(np.isnan(confidence[empty]) & np.isnan(accuracy[empty])):
        raise ExerciseCheckError(f"{what}: empty bins should hold np.nan (no predictions, so "
                                 "no mean), not a number")
    _expect_close(confidence[~empty], expected_confidence[~empty], f"{what}: mean_confidence")
    _expect_close(accuracy[~empty], expected_accuracy[~empty], f"{what}: accuracy")


def check_reliability_table(reliability_table: Callable[..., Any]) -> None:
    """Check ``reliability_table(proba, y, n_bins)`` -> ``(counts, mean_confidence, accuracy)``.

    Parameters
    ----------
    reliability_table : callable
        Bins the top-class confidence ``proba.max(axis=1)`` into ``n_bins`` equal-width
        bins on [0, 1], right-closed (``edge_b < c <= edge_{b+1}``, the first bin also
        holds 0), and returns per bin the number of predictions, their mean confidence
        and the share that is correct (``np.nan`` for empty bins), each of shape
        ``(n_bins,)``.
    """
    proba, labels = _calibration_problem()
    # By hand, 4 bins of width 0.25: confidences 0.5, 0.9, 0.75, 1.0 fall in bins 1, 3, 2, 3;
    # the first and third predictions are wrong (a tie goes to class 0, as argmax does).
    by_hand = (np.array([0, 1, 1, 2]), np.array([np.nan, 0.5, 0.75, 0.95]),
               np.array([np.nan, 0.0, 0.0, 1.0]))
    def by_hand_table() -> None:
        result = _quietly(reliability_table, _EDGE_PROBA.copy(), _EDGE_LABELS.copy(), 4)
        true_class = _EDGE_PROBA[np.arange(4), _EDGE_LABELS]
        counts_of_true_class = np.bincount(
            np.digitize(true_class, [0.25, 0.5, 0.75], right=True), minlength=4)
        if np.array_equal(_table_parts(result)[0], counts_of_true_class):
            raise ExerciseCheckError("the bins hold the probability of the true class; bin "
                                     "the confidence of the prediction, proba.max(axis=1)")
        _expect_table(result, by_hand, "reliability_table(4 predictions, n_bins=4)")

    checks: list[Check] = [
        ("four predictions on and between bin edges, by hand", by_hand_table),
        ("300 predictions, 10 bins", lambda: _expect_table(
            reliability_table(proba, labels, 10), _library_reliability_table(proba, labels, 10),
            "10 bins")),
        ("300 predictions, 15 bins", lambda: _expect_table(
            reliability_table(proba, labels, 15), _library_reliability_table(proba, labels, 15),
            "15 bins")),
        ("the input arrays are not modified", lambda: _expect_unchanged(
            lambda p, y: reliability_table(p, y, 10), proba, labels)),
    ]
    _run_checks("reliability_table", checks)


def check_expected_calibration_error(expected_calibration_error: Callable[..., Any]) -> None:
    """Check ``expected_calibration_error(proba, y, n_bins)`` -> float.

    Parameters
    ----------
    expected_calibration_error : callable
        ``sum_b (n_b / n) * |accuracy_b - mean_confidence_b|`` over the non-empty bins of
        the reliability table (equal-width, right-closed bins on [0, 1]).
    """
    proba, labels = _calibration_problem()
    gap = abs(proba.max(axis=1).mean() - (proba.argmax(axis=1) == labels).mean())

    def expect_ece(proba_: NDArray, labels_: NDArray, n_bins: int, what: str,
                   expected: float | None = None) -> None:
        value = _expect_scalar(_quietly(expected_calibration_error, proba_.copy(),
                                        labels_.copy(), n_bins), "the ECE")
        expected = _library_ece(proba_, labels_, n_bins) if expected is None else expected
        table = _library_reliability_table(proba_, labels_, n_bins)
        filled = table.counts > 0
        unweighted = np.mean(np.abs(table.accuracy - table.mean_confidence)[filled])
        if np.isclose(value, unweighted) and not np.isclose(unweighted, expected):
            raise ExerciseCheckError(f"{what}: this is the plain mean of the gaps; weight "
                                     "each bin by its share of the predictions, n_b / n")
        _expect_close(value, np.array(expected), what)

    checks: list[Check] = [
        # Bins 1, 2, 3 hold 1, 1, 2 predictions with gaps 0.5, 0.75 and 0.05.
        ("four predictions, by hand", lambda: expect_ece(
            _EDGE_PROBA, _EDGE_LABELS, 4, "the ECE of 4 predictions, n_bins=4",
            expected=(0.5 + 0.75 + 2 * 0.05) / 4)),
        ("one bin: |mean confidence - accuracy|", lambda: expect_ece(
            proba, labels, 1, "the ECE with one bin", expected=gap)),
        ("bins weighted by their share of predictions", lambda: expect_ece(
            proba, labels, 10, "the ECE with 10 bins")),
        ("15 bins", lambda: expect_ece(proba, labels, 15, "the ECE with 15 bins")),
    ]
    _run_checks("expected_calibration_error", checks)


# --- chapter 6 ---------------------------------------------------------------------------


def check_train_with_early_stopping(train_with_early_stopping: Callable[..., Any]) -> None:
    """Check ``train_with_early_stopping(model, loss_fn, optimizer, train_loader, val_loader,
    max_epochs, patience)`` (PyTorch).

    Parameters
    ----------
    train_with_early_stopping : callable
        Trains for at most ``max_epochs`` epochs, one optimiser step per training batch
        in ``model.train()`` mode; after each epoch it computes the mean validation loss
        in ``model.eval()`` mode under ``torch.inference_mode()`` (or ``no_grad``); it
        stops after ``patience`` epochs in a row without a new best validation loss and
        restores the parameters of the best epoch. Returns a dict with the lists
        ``"train_loss"`` and ``"val_loss"``, one entry per epoch run.
    """
    import torch
    from torch import nn

    class Recorder(nn.Module):
        """A linear model that notes the mode of every forward pass."""

        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(2, 2)
            nn.init.zeros_(self.linear.weight)
            nn.init.zeros_(self.linear.bias)
            self.calls: list[tuple[bool, bool]] = []

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.calls.append((self.training, torch.is_grad_enabled()))
            return self.linear(x)

    generator = torch.Generator().manual_seed(0)
    X = torch.randn(64, 2, generator=generator)
    rule = (X[:, 0] + 0.5 * X[:, 1] > 0).long()
    X_val = torch.randn(32, 2, generator=generator)
    rule_val = (X_val[:, 0] + 0.5 * X_val[:, 1] > 0).long()

    def loaders(val_labels: torch.Tensor) -> tuple[Any, Any]:
        train = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(X, rule), batch_size=16, shuffle=False)
        val = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(X_val, val_labels), batch_size=8, shuffle=False)
        return train, val

    def run(val_labels: torch.Tensor, max_epochs: int, patience: int):
        model = Recorder()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        train_loader, val_loader = loaders(val_labels)
        history = train_with_early_stopping(model, nn.CrossEntropyLoss(), optimizer,
                                            train_loader, val_loader, max_epochs, patience)
        if not isinstance(history, dict) or not {"train_loss", "val_loss"} <= set(history):
            raise ExerciseCheckError("return a dict with the lists 'train_loss' and 'val_loss'")
        with torch.no_grad():
            final_val = float(nn.functional.cross_entropy(model.linear(X_val), val_labels))
        return model, history, final_val

    def runs_every_epoch_while_improving() -> None:
        _, history, final_val = run(rule_val, max_epochs=6, patience=2)
        if len(history["val_loss"]) != 6 or len(history["train_loss"]) != 6:
            raise ExerciseCheckError(
                f"validation loss improves every epoch here, so all 6 epochs should run; "
                f"got {len(history['val_loss'])} validation and "
                f"{len(history['train_loss'])} training losses")
        if not np.all(np.diff(history["val_loss"]) < 0):
            raise ExerciseCheckError(
                f"the validation loss should fall every epoch on this problem, got "
                f"{np.round(history['val_loss'], 4)}: is it the mean over the validation set?")
        _expect_close(final_val, np.array(history["val_loss"][-1]),
                      "validation loss of the returned model (the last, best epoch)", rtol=1e-5)

    def stops_and_restores() -> None:
        # Validation labels opposite to the training rule: every epoch makes them worse,
        # so the best epoch is the first and training stops after 1 + patience epochs.
        _, history, final_val = run(1 - rule_val, max_epochs=20, patience=3)
        if len(history["val_loss"]) != 4:
            raise ExerciseCheckError(
                f"with the best validation loss at epoch 1 and patience 3, training should "
                f"stop after 4 epochs; it ran {len(history['val_loss'])}")
        _expect_close(final_val, np.array(history["val_loss"][0]),
                      "validation loss of the returned model (should be the best epoch's: "
                      "copy the state_dict with copy.deepcopy, it changes in place)",
                      rtol=1e-5)

    def modes() -> None:
        model, _, _ = run(rule_val, max_epochs=3, patience=2)
        training_calls = [c for c in model.calls if c[0]]
        eval_calls = [c for c in model.calls if not c[0]]
        if len(training_calls) != 3 * 4:
            raise ExerciseCheckError(
                f"expected 12 forward passes in train mode (3 epochs x 4 batches), got "
                f"{len(training_calls)}: call model.train() before each training epoch")
        if len(eval_calls) < 3 * 4:
            raise ExerciseCheckError(
                "validation should run in model.eval() mode (all 4 batches, every epoch)")
        if any(grad_enabled for _, grad_enabled in eval_calls):
            raise ExerciseCheckError(
                "validation should run under torch.inference_mode() (or torch.no_grad())")

    checks: list[Check] = [
        ("improving validation loss: all epochs run", runs_every_epoch_while_improving),
        ("worsening validation loss: stop after `patience` epochs, restore the best",
         stops_and_restores),
        ("train()/eval() modes and no gradients during validation", modes),
    ]
    _run_checks("train_with_early_stopping", checks)
