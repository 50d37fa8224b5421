"""Checks for the course's implement-it-yourself exercises.

Each ``check_*`` function takes a learner's function, calls it on small fixed inputs and
compares the results with independent references: closed forms, the library's tested
functions, finite differences. On success it prints ``"<name>: all N checks passed"``;
otherwise it raises :class:`ExerciseCheckError` (an ``AssertionError``) whose message says
which property failed and how, so a learner knows what to fix.

The exercises and their contracts (the graded labs rely on the same names):

==========================================  ===================================================
checker                                     the learner's function
==========================================  ===================================================
:func:`check_stable_softmax`                ``stable_softmax(z)``, chapter 1
:func:`check_stable_log_softmax`            ``stable_log_softmax(z)``, chapter 1
:func:`check_cross_entropy_from_logits`     ``cross_entropy_from_logits(logits, y)``, chapter 3
:func:`check_loss_and_gradient`             ``loss_and_gradient(W, b, X, y)``, chapter 3
:func:`check_gradient_descent`              ``gradient_descent(X, y, n_classes, learning_rate,
                                            n_steps)``, chapter 4
:func:`check_minibatch_sgd`                 ``minibatch_sgd(X, y, n_classes, learning_rate,
                                            batch_size, n_epochs, seed)``, chapter 4
:func:`check_reliability_table`             ``reliability_table(proba, y, n_bins)``, chapter 5
:func:`check_expected_calibration_error`    ``expected_calibration_error(proba, y, n_bins)``,
                                            chapter 5
:func:`check_train_with_early_stopping`     ``train_with_early_stopping(model, loss_fn,
                                            optimizer, train_loader, val_loader, max_epochs,
                                            patience)``, chapter 6 (PyTorch)
:func:`check_tfidf_from_counts`             ``tfidf_from_counts(counts)``, chapter 7
:func:`check_bayes_decision`                ``bayes_decision(proba, cost_matrix=None,
                                            reject_cost=None)``, chapter 10
:func:`check_adjust_priors`                 ``adjust_priors(proba, train_priors,
                                            new_priors)``, chapter 10
:func:`check_estimate_priors_em`            ``estimate_priors_em(proba, train_priors,
                                            max_iter=1000, tol=1e-8)``, chapter 10
:func:`check_fit_temperature`               ``fit_temperature(logits, y)``, chapter 11
:func:`check_softmax_bandit`                ``softmax_bandit(arm_means, n_steps,
                                            temperature, seed)``, chapter 13
:func:`check_stream_fit`                    ``stream_fit(path, y, chunk_rows, n_epochs,
                                            seed)``, chapter 14
==========================================  ===================================================

Only NumPy is needed, except for a few checks that import what they compare with when
called: the PyTorch check imports torch, the tf-idf check scipy and scikit-learn, and the
checks of chapters 10, 11 and 14 the library's functions and estimator that use
scikit-learn.
"""

from ._common import ExerciseCheckError
from .core_chapters import (
    check_cross_entropy_from_logits,
    check_expected_calibration_error,
    check_gradient_descent,
    check_loss_and_gradient,
    check_minibatch_sgd,
    check_reliability_table,
    check_stable_log_softmax,
    check_stable_softmax,
    check_train_with_early_stopping,
)
from .practice_chapters import (
    check_adjust_priors,
    check_bayes_decision,
    check_estimate_priors_em,
    check_fit_temperature,
    check_softmax_bandit,
    check_stream_fit,
    check_tfidf_from_counts,
)

__all__ = [
    "ExerciseCheckError",
    "check_stable_softmax",
    "check_stable_log_softmax",
    "check_cross_entropy_from_logits",
    "check_loss_and_gradient",
    "check_gradient_descent",
    "check_minibatch_sgd",
    "check_reliability_table",
    "check_expected_calibration_error",
    "check_train_with_early_stopping",
    "check_tfidf_from_counts",
    "check_bayes_decision",
    "check_adjust_priors",
    "check_estimate_priors_em",
    "check_fit_temperature",
    "check_softmax_bandit",
    "check_stream_fit",
]
