r"""``SoftmaxRegression``: multinomial logistic regression as a scikit-learn classifier.

It minimises the same objective as ``sklearn.linear_model.LogisticRegression(C=C)``
(see :mod:`softmax_lib.objective`), with four solvers a course can explain:
scipy's L-BFGS-B, scipy's Newton-CG on exact Hessian-vector products, plain full-batch
gradient descent, and mini-batch SGD. It takes
dense or ``scipy.sparse`` inputs (e.g. TF-IDF features), float64 or float32.
"""

from __future__ import annotations

import numbers
import warnings
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state, compute_class_weight
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    unique_labels,
)
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._threads import blas_for_large_dense, single_threaded_blas
from .core import log_softmax, softmax
from .objective import MultinomialObjective, loss_and_gradient

__all__ = ["SoftmaxRegression"]

_DEFAULT_BATCH_SIZE = 32
# newton-cg runs scipy's Newton-CG on params / _NEWTON_SCALE (see _fit_newton_cg).
_NEWTON_SCALE = 2.0**20


class SoftmaxRegression(ClassifierMixin, BaseEstimator):
    r"""Softmax (multinomial logistic) regression with L2 regularisation.

    Minimises

    .. math::

        \frac{\sum_i w_i \, \ell_i}{\sum_i w_i} + \frac{\lVert W \rVert_F^2}{2 C \sum_i w_i},
        \qquad \ell_i = -\log \operatorname{softmax}(W x_i + b)_{y_i},

    the objective of scikit-learn's ``LogisticRegression(C=C)`` for several classes
    (``w_i = 1`` without sample weights; the intercept is not penalised).

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation strength, > 0. ``np.inf`` means no penalty (then the
        optimum may not exist when the classes are separable).
    fit_intercept : bool, default=True
        Learn an intercept :math:`b`.
    solver : {"lbfgs", "newton-cg", "auto", "gd", "sgd"}, default="lbfgs"
        ``"lbfgs"``: scipy's L-BFGS-B on the exact loss and gradient (``tol`` is its
        projected-gradient tolerance). ``"newton-cg"``: scipy's Newton-CG (truncated
        Newton: each step solves the Newton system by conjugate gradients) with exact
        Hessian-vector products
        (:meth:`~softmax_lib.objective.MultinomialObjective.hessian_product`); it stops
        when the largest gradient entry is at most ``tol``, as scikit-learn's
        ``newton-cg`` does. Fewer, costlier iterations: it pays on ill-conditioned
        problems (unscaled features, small ``C``). ``"auto"``: ``"lbfgs"`` for dense
        ``X`` whose columns are centred (as after ``StandardScaler``), ``"newton-cg"``
        otherwise (sparse ``X``, raw pixels, counts, one-hot columns…); the choice is
        in ``solver_``. ``"gd"``: full-batch gradient descent with step
        ``learning_rate``. ``"sgd"``: shuffled mini-batches of ``batch_size``.
        ``"gd"`` and ``"sgd"`` stop when the objective changes by less than ``tol``.
    max_iter : int, default=1000
        Maximum iterations (``"lbfgs"``, ``"gd"``; Newton steps for ``"newton-cg"``) or
        epochs (``"sgd"``).
    tol : float, default=1e-6
        Stopping tolerance, >= 0.
    learning_rate : float, default=0.1
        Step size for ``"gd"``, ``"sgd"`` and :meth:`partial_fit`.
    batch_size : int, optional
        Mini-batch size for ``"sgd"`` and :meth:`partial_fit`; ``None`` means 32.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling of ``"sgd"``; fix it for reproducible fits.
    verbose : int, default=0
        Print the objective every iteration when > 0.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, as in ``LogisticRegression``: sample i weighs
        ``sample_weight[i] * class_weight[y[i]]`` (classes missing from a dict weigh 1;
        ``"balanced"`` gives class k the weight ``n / (n_classes * n_k)``, counting
        samples by their ``sample_weight``). The penalty is scaled by the total of these
        weights. Weights must be finite and non-negative. :meth:`partial_fit` accepts a
        dict but not ``"balanced"``.
    warm_start : bool, default=False
        Start :meth:`fit` from the previous solution (``coef_``, ``intercept_``) instead
        of zeros; the new data must have the same numbers of classes and features.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted; any hashable, sortable labels (strings, integers…).
    coef_ : ndarray of shape (n_classes, n_features)
        Weights :math:`W`, one row per class, for every ``n_classes`` including 2;
        float32 when fitted on float32 ``X``, float64 otherwise (the solvers work in
        float64 either way).
    intercept_ : ndarray of shape (n_classes,)
        Intercepts :math:`b`, centred to sum to 0 (only differences matter); same
        dtype as ``coef_``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, if ``X`` had string column names.
    n_iter_ : int
        Iterations (or epochs) run.
    solver_ : str
        The solver :meth:`fit` ran: ``solver``, or the one ``"auto"`` chose.
    loss_curve_ : ndarray of shape (n_iter_ + 1,)
        Objective at the start and after each iteration; the last entry is the
        objective at the returned ``coef_`` and ``intercept_``.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The same model; it finds the same
        coefficients for three or more classes.

    Notes
    -----
    Where this estimator differs from ``LogisticRegression`` on purpose:

    - Two classes keep ``coef_`` of shape ``(2, n_features)`` (scikit-learn: ``(1,
      n_features)``): the book's softmax model has one row per class, and
      ``decision_function`` still returns the binary logit ``z_1 - z_0``.
    - ``max_iter >= 1`` (scikit-learn accepts 0, which returns an untrained model);
      ``n_iter_`` is an int, not an array.
    - Negative sample weights raise a ``ValueError`` (scikit-learn accepts them, but a
      negative weight makes the objective non-convex, and unbounded below for
      ``C=np.inf``).
    - With float32 ``X``, the attributes and predictions are float32 as in scikit-learn,
      but the solvers keep float64 parameters and accumulate the objective in float64,
      so the fit gets closer to the float64 optimum.
    - Every L-BFGS stop other than convergence warns (``ConvergenceWarning``), as in
      scikit-learn. So does a reported convergence ("relative reduction of f") far from a
      minimum, which scikit-learn returns silently: with one feature scaled by 1e10,
      L-BFGS-B stalls after a few iterations at an untrained model. "Far" means a
      gradient entry above ``max(1e-3, tol)`` in units of its feature's largest
      absolute value (real minima measured below 1e-5, stalls at 1e-2 to 1e-1).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> model = SoftmaxRegression(C=10.0).fit(X, y)
    >>> model.coef_.shape
    (3, 4)
    >>> round(model.score(X, y), 3)
    0.98
    """

    # Checked by scikit-learn before every fit (and the first partial_fit); a bad value
    # raises InvalidParameterError, both a ValueError and a TypeError. An upper bound
    # None is +inf, included only when closed on the right: C=inf means no penalty, while
    # tol=inf or learning_rate=inf are rejected. max_iter >= 1 on purpose (LogisticRegression
    # accepts 0, which returns an untrained model).
    _parameter_constraints: ClassVar[dict] = {
        "C": [Interval(numbers.Real, 0, None, closed="right")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"lbfgs", "newton-cg", "auto", "gd", "sgd"})],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        C: float = 1.0,
        fit_intercept: bool = True,
        solver: str = "lbfgs",
        max_iter: int = 1000,
        tol: float = 1e-6,
        learning_rate: float = 0.1,
        batch_size: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        class_weight: dict | str | None = None,
        warm_start: bool = False,
    ) -> None:
        self.C = C
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.random_state = random_state
        self.verbose = verbose
        self.class_weight = class_weight
        self.warm_start = warm_start

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> SoftmaxRegression:
        """Fit the model to ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training inputs; finite numbers. float32 is kept (see ``coef_``); a
            ``scipy.sparse`` CSR or CSC matrix or array is used as is, without
            densifying it (other sparse formats are converted to CSR; ``"sgd"``
            converts CSC to CSR too).
        y : array-like of shape (n_samples,)
            Class labels; at least two distinct classes.
        sample_weight : array-like of shape (n_samples,) or float, optional
            Non-negative weights, not all zero; a scalar applies to every sample.
            Integer weights are equivalent to repeating rows. Multiplied by
            ``class_weight``.

        Raises
        ------
        sklearn.utils._param_validation.InvalidParameterError
            If a constructor parameter is invalid (a ``ValueError`` and ``TypeError``).
        ValueError
            For invalid ``X``, ``y`` (including labels that mix strings and numbers),
            ``sample_weight``, or ``class_weight`` values (negative or not finite).

        Returns
        -------
        self : SoftmaxRegression
            The fitted estimator.
        """
        self.__dict__.pop("_partial_fit_rng", None)  # a new fit restarts partial_fit's shuffling
        if self.solver in ("lbfgs", "newton-cg", "auto"):
            import scipy.optimize  # noqa: F401  (load SciPy's BLAS before limiting its threads)
        # Sparse X: CSR or CSC as given (COO and others become CSR); SGD draws rows, so
        # it needs CSR.
        sparse_formats = ["csr"] if self.solver == "sgd" else ["csr", "csc"]
        X, y = validate_data(
            self, X, y, accept_sparse=sparse_formats, dtype=[np.float64, np.float32], order="C"
        )
        labels = self._set_classes(y)
        warm = self._warm_start_coefficients(X.shape[1], len(self.classes_))
        weights_sum, weights = self._weights(sample_weight, X, y, labels)
        alpha = 0.0 if np.isinf(self.C) else 1.0 / (self.C * weights_sum)

        n_classes, n_features = len(self.classes_), X.shape[1]
        if warm is not None:
            W, b = warm
        else:
            # Zeros are the natural start: they keep sum_k b_k = 0 along every solver's path.
            W = np.zeros((n_classes, n_features))
            b = np.zeros(n_classes)
        self.solver_ = _auto_solver(X) if self.solver == "auto" else self.solver
        solve = {
            "lbfgs": self._fit_lbfgs,
            "newton-cg": self._fit_newton_cg,
            "gd": self._fit_gd,
            "sgd": self._fit_sgd,
        }[self.solver_]
        with _threads_for(X)():
            W, b, self.loss_curve_, self.n_iter_ = solve(W, b, X, labels, weights, alpha)
        self._set_coefficients(W, b, X.dtype)
        return self

    def _warm_start_coefficients(
        self, n_features: int, n_classes: int
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
        """With ``warm_start``, float64 copies of the fitted ``coef_`` and ``intercept_``."""
        if not (self.warm_start and hasattr(self, "coef_")):
            return None
        if self.coef_.shape != (n_classes, n_features):
            raise ValueError(
                f"warm_start=True: the fitted coef_ has shape {self.coef_.shape}, but this "
                f"data needs ({n_classes}, {n_features}); set warm_start=False to start over"
            )
        W = self.coef_.astype(np.float64)
        b = self.intercept_.astype(np.float64) if self.fit_intercept else np.zeros(n_classes)
        return W, b

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> SoftmaxRegression:
        """One SGD pass over a batch of data, for data that does not fit in memory.

        The regularisation strength uses the batch's total weight, so one call on the
        whole data set takes SGD steps on the same objective as :meth:`fit`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            One chunk of training inputs (sparse input is converted to CSR).
        y : array-like of shape (n_samples,)
            Its labels; each must be in ``classes``.
        classes : array-like of shape (n_classes,), optional
            All class labels, all strings or all numbers. Required on the first call;
            on later calls, if given, it must be the same set as ``classes_``.
        sample_weight : array-like of shape (n_samples,) or float, optional
            Non-negative weights, multiplied by ``class_weight`` (a dict here).

        Returns
        -------
        self : SoftmaxRegression
        """
        first_call = not hasattr(self, "classes_")
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            order="C",
            reset=first_call,
        )
        _check_targets(y)
        # As SGDClassifier: classes required first, checked against classes_ later, and
        # validated by unique_labels (which rejects a mix of strings and numbers).
        if self.class_weight == "balanced":
            # As SGDClassifier: one batch's class counts are not the data set's.
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: compute the "
                "weights on the whole data with sklearn.utils.compute_class_weight("
                "'balanced', classes=classes, y=y) and pass them as a dict"
            )
        if _check_partial_fit_first_call(self, classes):
            self._check_at_least_two_classes()
            self._set_coefficients(
                np.zeros((len(self.classes_), X.shape[1])), np.zeros(len(self.classes_)), X.dtype
            )
            self.n_iter_ = 0
            self.loss_curve_ = np.empty(0)
        if not hasattr(self, "_partial_fit_rng"):
            self._partial_fit_rng = check_random_state(self.random_state)
        labels = self._encode(y)
        weights_sum, weights = self._weights(sample_weight, X, y, labels)
        alpha = 0.0 if np.isinf(self.C) else 1.0 / (self.C * weights_sum)
        # Continue from the current coefficients (after fit, from fit's solution).
        W, b = self.coef_.astype(np.float64), self.intercept_.astype(np.float64)
        with _threads_for(X)():
            self._sgd_epoch(W, b, X, labels, weights, alpha, self._partial_fit_rng)
        evaluate = MultinomialObjective(X, labels, len(self.classes_), weights, alpha)
        loss = self._checked(evaluate, W, b, None)[0]
        self.loss_curve_ = np.append(self.loss_curve_, loss)
        self.n_iter_ += 1
        self._set_coefficients(W, b, X.dtype)
        return self

    # ------------------------------------------------------------------ solvers
    def _fit_lbfgs(self, W, b, X, labels, weights, alpha):
        from scipy.optimize import minimize

        n_classes, n_features = W.shape
        n_weights = n_classes * n_features
        evaluate = MultinomialObjective(X, labels, n_classes, weights, alpha)

        def objective(params: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
            W_ = params[:n_weights].reshape(n_classes, n_features)
            b_ = params[n_weights:] if self.fit_intercept else b
            loss, grad_W, grad_b = evaluate(W_, b_)
            grad = grad_W.ravel()
            return loss, np.concatenate([grad, grad_b]) if self.fit_intercept else grad

        start = np.concatenate([W.ravel(), b]) if self.fit_intercept else W.ravel()
        first = objective(start)
        curve = [first[0]]

        def record(intermediate_result) -> None:
            curve.append(float(intermediate_result.fun))
            self._report(len(curve) - 1, curve[-1])

        result = minimize(
            _answer_once(objective, start, first),
            start,
            jac=True,
            method="L-BFGS-B",
            callback=record,
            # The same settings as scikit-learn, so both stop at the same point.
            options={
                "maxiter": self.max_iter,
                "maxls": 50,
                "gtol": self.tol,
                "ftol": 64 * np.finfo(float).eps,
            },
        )
        if result.status == 1:
            warnings.warn(
                f"lbfgs did not converge in max_iter={self.max_iter} iterations; "
                "increase max_iter or scale the features",
                ConvergenceWarning,
                stacklevel=3,
            )
        elif result.status != 0:
            # Any other stop (e.g. 2, ABNORMAL: no step decreases the objective, typical
            # of features of wildly different scales) leaves an unconverged, possibly
            # untrained model: say so, as scikit-learn does.
            warnings.warn(
                f"lbfgs failed to converge after {int(result.nit)} iteration(s) "
                f"(status={result.status}): {result.message}; the returned coefficients "
                "are not a minimum. Standardise the features (e.g. StandardScaler)",
                ConvergenceWarning,
                stacklevel=3,
            )
        elif (
            # Stopped by ftol (the objective stopped decreasing), not by reaching gtol ...
            np.abs(result.jac).max() > self.tol
            # ... while the gradient, in units of each feature's scale, is still large.
            and (stall := self._stalled_gradient(result.jac, X, n_classes)) > max(1e-3, self.tol)
        ):
            warnings.warn(
                f"lbfgs stopped after {int(result.nit)} iteration(s) because the objective "
                "stopped decreasing, but the model is far from a minimum (largest gradient "
                f"entry in units of its feature's scale: {stall:.2g}); this happens when "
                "feature scales differ wildly (one column of magnitude 1e10 is enough). "
                "Standardise the features (e.g. StandardScaler)",
                ConvergenceWarning,
                stacklevel=3,
            )
        W = result.x[:n_weights].reshape(n_classes, n_features)
        b = result.x[n_weights:] if self.fit_intercept else b
        curve[-1] = float(result.fun)  # the value at the returned point, exactly
        return W, b, np.asarray(curve), int(result.nit)

    def _fit_newton_cg(self, W, b, X, labels, weights, alpha):
        from scipy.optimize import minimize

        n_classes, n_features = W.shape
        n_weights = n_classes * n_features
        evaluate = MultinomialObjective(X, labels, n_classes, weights, alpha)
        # scipy's Newton-CG ends its inner CG loop when a direction's curvature p'Hp is
        # below 3 * machine epsilon, an absolute test that stalls it once the gradient is
        # near 1e-8. It runs on u = params / t with F(u) = f(t u) / t instead: the
        # gradient, the Newton steps and the line search stay the same (exactly: t is a
        # power of two), only the curvature grows by t.
        t = _NEWTON_SCALE
        # The last evaluated point and its gradient: the Hessian products need the
        # probabilities kept there, and the stopping test its gradient.
        last = {"u": None, "grad": None}

        def split(params):
            W_ = params[:n_weights].reshape(n_classes, n_features)
            return W_, (params[n_weights:] if self.fit_intercept else b)

        def objective(u):
            loss, grad_W, grad_b = evaluate(*split(t * u), keep_probabilities=True)
            grad = np.concatenate([grad_W.ravel(), grad_b]) if self.fit_intercept else (
                grad_W.ravel())
            last["u"], last["grad"] = u.copy(), grad
            return loss / t, grad

        def at(u):
            """Make ``u`` the last evaluated point (almost always it already is)."""
            if not np.array_equal(u, last["u"]):
                objective(u)
            return last["grad"]

        def hessp(u, direction):
            at(u)
            V = direction[:n_weights].reshape(n_classes, n_features)
            H_W, H_b = evaluate.hessian_product(
                V, direction[n_weights:] if self.fit_intercept else None
            )
            product = np.concatenate([H_W.ravel(), H_b]) if self.fit_intercept else H_W.ravel()
            return t * product

        start = np.concatenate([W.ravel(), b]) if self.fit_intercept else W.ravel()
        first = objective(start / t)  # also leaves the probabilities at start for hessp
        curve = [t * first[0]]
        converged = [np.abs(last["grad"]).max() <= self.tol]

        def record(intermediate_result) -> None:
            curve.append(t * float(intermediate_result.fun))
            self._report(len(curve) - 1, curve[-1])
            # scikit-learn's newton-cg test: the largest gradient entry at most tol.
            if np.abs(at(intermediate_result.x)).max() <= self.tol:
                converged[0] = True
                raise StopIteration

        if converged[0]:
            return W, b, np.asarray(curve), 0
        result = minimize(
            _answer_once(objective, start / t, first),
            start / t,
            jac=True,
            hessp=hessp,
            method="Newton-CG",
            callback=record,
            # Stop on the gradient (record), not on the step: steps of params at rounding
            # level only.
            options={"maxiter": self.max_iter, "xtol": np.finfo(float).eps / t},
        )
        if not converged[0]:
            largest = float(np.abs(at(result.x)).max())
            if result.status == 1:
                warnings.warn(
                    f"newton-cg did not converge in max_iter={self.max_iter} iterations "
                    f"(largest gradient entry {largest:.2g} > tol={self.tol}); increase "
                    "max_iter or tol",
                    ConvergenceWarning,
                    stacklevel=3,
                )
            elif largest > self.tol:
                # The step or the line search reached rounding level first.
                warnings.warn(
                    f"newton-cg stopped after {int(result.nit)} iteration(s) (status="
                    f"{result.status}: {result.message}) with the largest gradient entry "
                    f"{largest:.2g} > tol={self.tol}: no further decrease is measurable in "
                    "float64; lower tol, or standardise the features (e.g. StandardScaler)",
                    ConvergenceWarning,
                    stacklevel=3,
                )
        if t * float(result.fun) != curve[-1]:  # a last step that no callback recorded
            curve.append(t * float(result.fun))
        W, b = split(t * result.x)
        return W.copy(), np.array(b, copy=True), np.asarray(curve), len(curve) - 1

    @staticmethod
    def _stalled_gradient(gradient: NDArray[np.float64], X, n_classes: int) -> float:
        r"""Largest gradient entry in units of each feature's scale :math:`s_j = \max_i |x_{ij}|`.

        In the coordinates :math:`u_{kj} = W_{kj} s_j`, in which every feature lies in
        [-1, 1], the gradient is :math:`\partial f / \partial W_{kj} / s_j`; it does not
        depend on how the features are scaled. L-BFGS-B may report convergence because
        the objective stopped decreasing while this is still large (measured: 0.1 at an
        untrained model with one feature scaled by 1e10; below 1e-5 at real minima, also
        of unscaled data), so it tells a stall from a minimum.
        """
        n_features = X.shape[1]
        column_max, column_min = X.max(axis=0), X.min(axis=0)  # two passes, no |X| copy
        if hasattr(column_max, "toarray"):  # sparse X gives sparse extremes
            column_max, column_min = column_max.toarray(), column_min.toarray()
        scale = np.maximum(column_max, -column_min).astype(np.float64).ravel()
        scale[scale == 0] = 1.0
        grad_W = gradient[: n_classes * n_features].reshape(n_classes, n_features) / scale
        return float(max(np.abs(grad_W).max(), np.abs(gradient[n_classes * n_features :]).max(
            initial=0.0)))

    def _fit_gd(self, W, b, X, labels, weights, alpha):
        evaluate = MultinomialObjective(X, labels, W.shape[0], weights, alpha)
        loss, grad_W, grad_b = evaluate(W, b)
        curve = [loss]
        for iteration in range(1, self.max_iter + 1):
            W -= self.learning_rate * grad_W
            if self.fit_intercept:
                b -= self.learning_rate * grad_b
            loss, grad_W, grad_b = self._checked(evaluate, W, b, iteration)
            curve.append(loss)
            self._report(iteration, loss)
            if abs(curve[-2] - loss) < self.tol:
                return W, b, np.asarray(curve), iteration
        self._warn_not_converged("gd")
        return W, b, np.asarray(curve), self.max_iter

    def _fit_sgd(self, W, b, X, labels, weights, alpha):
        rng = check_random_state(self.random_state)
        evaluate = MultinomialObjective(X, labels, W.shape[0], weights, alpha)
        curve = [evaluate(W, b)[0]]
        for epoch in range(1, self.max_iter + 1):
            self._sgd_epoch(W, b, X, labels, weights, alpha, rng)
            loss = self._checked(evaluate, W, b, epoch)[0]
            curve.append(loss)
            self._report(epoch, loss)
            if abs(curve[-2] - loss) < self.tol:
                return W, b, np.asarray(curve), epoch
        self._warn_not_converged("sgd")
        return W, b, np.asarray(curve), self.max_iter

    def _sgd_epoch(self, W, b, X, labels, weights, alpha, rng) -> None:
        """One shuffled pass of mini-batch SGD, updating ``W`` and ``b`` in place."""
        n_samples = X.shape[0]
        batch_size = self.batch_size or _DEFAULT_BATCH_SIZE
        order = rng.permutation(n_samples)
        # A step that overflows shows up in the next objective, checked by the caller.
        with np.errstate(over="ignore", invalid="ignore"):
            self._sgd_steps(W, b, X, labels, weights, alpha, order, batch_size)

    def _sgd_steps(self, W, b, X, labels, weights, alpha, order, batch_size) -> None:
        n_samples = X.shape[0]
        for start in range(0, n_samples, batch_size):
            batch = order[start : start + batch_size]
            # Scaling by n / |batch| makes the batch gradient an unbiased estimate
            # of the full one.
            batch_weights = weights[batch] * (n_samples / batch.size)
            _, grad_W, grad_b = loss_and_gradient(
                W, b, X[batch], labels[batch], batch_weights, alpha
            )
            W -= self.learning_rate * grad_W
            if self.fit_intercept:
                b -= self.learning_rate * grad_b

    # ------------------------------------------------------------------ prediction
    def decision_function(self, X: ArrayLike) -> NDArray[np.float64]:
        """Class scores :math:`z = X W^\\top + b`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes), or (n_samples,) for two classes
            For two classes, the logit difference ``z[:, 1] - z[:, 0]``, as
            scikit-learn's binary classifiers return (positive means ``classes_[1]``).
        """
        logits = self._logits(X)
        return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Class probabilities, ``softmax(X W^T + b)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; rows sum to 1.
        """
        return softmax(self._logits(X), axis=1)

    def predict_log_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Log-probabilities, computed stably from the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        return log_softmax(self._logits(X), axis=1)

    def predict(self, X: ArrayLike) -> NDArray:
        """Most probable class for each row of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels taken from ``classes_``.
        """
        logits = self._logits(X)  # first, so an unfitted model raises NotFittedError
        return self.classes_[np.argmax(logits, axis=1)]

    # ------------------------------------------------------------------ helpers
    def _logits(self, X: ArrayLike) -> NDArray[np.float64]:
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32], reset=False
        )
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _set_classes(self, y: NDArray) -> NDArray[np.intp]:
        _check_targets(y)
        self.classes_, labels = np.unique(y, return_inverse=True)
        self._check_at_least_two_classes()
        return labels.astype(np.intp, copy=False)

    def _check_at_least_two_classes(self) -> None:
        if len(self.classes_) < 2:
            raise ValueError(
                "SoftmaxRegression needs samples of at least 2 classes, but the data "
                f"contains only 1 class: {self.classes_[0]!r}"
            )

    def _encode(self, y: NDArray) -> NDArray[np.intp]:
        """Map labels to indices into ``classes_``, rejecting labels never declared."""
        unique_labels(self.classes_, y)  # a clear error for strings against numbers
        labels = np.searchsorted(self.classes_, y)
        unseen = (labels >= len(self.classes_)) | (
            self.classes_[np.minimum(labels, len(self.classes_) - 1)] != y
        )
        if np.any(unseen):
            raise ValueError(
                f"y contains labels not in classes_: {np.unique(np.asarray(y)[unseen])!r}"
            )
        return labels.astype(np.intp, copy=False)

    def _weights(
        self, sample_weight: ArrayLike | float | None, X: NDArray, y: NDArray, labels: NDArray
    ) -> tuple[float, NDArray[np.float64]]:
        """Return ``(sum of weights, weights normalised to sum to 1)``.

        The weight of sample i is ``sample_weight[i] * class_weight[y[i]]``, as in
        scikit-learn (whose "balanced" weights count samples by their sample_weight).
        """
        n_samples = X.shape[0]
        if sample_weight is None and self.class_weight is None:
            return float(n_samples), np.full(n_samples, 1.0 / n_samples)
        if sample_weight is None:
            raw = np.ones(n_samples)
        else:
            raw = _checked_sample_weight(sample_weight, X)
        if self.class_weight is not None:
            per_class = compute_class_weight(
                self.class_weight, classes=self.classes_, y=y, sample_weight=raw
            )
            if not np.all(np.isfinite(per_class) & (per_class >= 0)):
                # scikit-learn accepts them; a negative weight rewards the wrong class.
                raise ValueError(
                    "class_weight must give every class a finite, non-negative weight, got "
                    f"{self.class_weight!r}"
                )
            raw = raw * per_class[labels]
        total = float(raw.sum())
        if not np.isfinite(total):
            raise ValueError("sample_weight is too large: its sum overflows")
        if total <= 0:
            raise ValueError(
                "the sample weights (times class_weight) sum to zero; at least one sample "
                "needs a positive weight"
            )
        return total, raw / total

    def _set_coefficients(
        self, W: NDArray[np.float64], b: NDArray[np.float64], dtype: np.dtype
    ) -> None:
        # Stored in the dtype of X, as scikit-learn does (the solvers work in float64).
        self.coef_ = np.array(W, dtype=dtype)
        # Adding a constant to every intercept changes no probability; report the
        # representative that sums to zero.
        self.intercept_ = (np.asarray(b, dtype=np.float64) - np.mean(b)).astype(dtype, copy=False)

    def _checked(self, evaluate: MultinomialObjective, W, b, iteration: int | None):
        # Overflow is reported below as a clear error, not as numpy warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            result = evaluate(W, b)
        self._raise_if_diverged(result[0], iteration)
        return result

    def _raise_if_diverged(self, loss: float, iteration: int | None = None) -> None:
        if not np.isfinite(loss):
            where = f" at iteration {iteration}" if iteration is not None else ""
            raise ValueError(
                f"the objective became non-finite{where}: the learning rate "
                f"{self.learning_rate} is too large for this data; lower it or "
                "standardise the features"
            )

    def _warn_not_converged(self, solver: str) -> None:
        warnings.warn(
            f"{solver} did not converge in max_iter={self.max_iter} iterations (objective "
            f"still changing by >= tol={self.tol}); increase max_iter or learning_rate",
            ConvergenceWarning,
            stacklevel=4,
        )

    def _report(self, iteration: int, loss: float) -> None:
        if self.verbose:
            print(
                f"[SoftmaxRegression] {self.solver_} iteration {iteration:4d}: "
                f"objective {loss:.10g}"
            )


def _answer_once(function, point: NDArray[np.float64], value):
    """``function``, except that its first call at ``point`` returns ``value``.

    The fit evaluates the starting point itself (the first entry of ``loss_curve_``), and
    SciPy's ``minimize`` starts by evaluating it again: on large X that repeat is a whole
    evaluation (one fit of 13 L-BFGS iterations on 60000 x 784 made 15 instead of 14).
    """
    pending = [np.array(point, copy=True)]

    def answered(x, *args):
        if pending and np.array_equal(x, pending[0]):
            pending.clear()
            return value
        return function(x, *args)

    return answered


# solver="auto" picks L-BFGS only for dense X whose column means carry at most this
# fraction of the energy in the columns' spread: sum_j mean_j^2 <= 0.01 sum_j var_j.
# Measured at the default tol on 2 cores: on centred, similarly scaled data L-BFGS is
# up to 1.5x faster (60000 x 784: 1.3 s vs 2.1 s; 200000 x 100: 1.7 s vs 2.0 s; digits
# after StandardScaler: a tie at 0.03 s); as soon as the columns carry a mean, Newton-CG
# wins, and by more (the same Gaussian features shifted by 0.25 / 0.5 / 0.7 / 5, ratio
# 0.06 / 0.25 / 0.49 / 26: L-BFGS 1.3x / 1.4x / 2.4x / 3.4x slower, the last stopped at
# max_iter; Fashion-MNIST pixels in [0, 1], 10 000 images, C=0.1, ratio 1.4: 6.4 s vs
# 2.5 s; raw digits: L-BFGS stops at max_iter). Sparse X is never centred (centring would
# fill it in): Newton-CG (TF-IDF, 20000 x 4200: 0.88 s vs 0.19 s).
_AUTO_CENTRED = 0.01


def _check_targets(y: NDArray) -> None:
    """``check_classification_targets``, with a ValueError for labels that cannot be sorted.

    Sorting an object array that mixes strings and numbers raises a TypeError ("'<' not
    supported between instances of 'int' and 'str'") in NumPy and scikit-learn alike.
    """
    try:
        check_classification_targets(y)
    except TypeError as error:
        raise ValueError(
            "y mixes labels that cannot be sorted together, such as strings and numbers; "
            "use one type for every label"
        ) from error


def _auto_solver(X) -> str:
    """The solver ``solver="auto"`` runs on ``X``: "lbfgs" or "newton-cg".

    Costs one read of X: column means and the sum of squares (no copy of X).
    """
    if hasattr(X, "tocsr"):
        return "newton-cg"
    mean = X.mean(axis=0, dtype=np.float64)
    mean_energy = float(mean @ mean)
    spread = float(np.vdot(X, X)) / X.shape[0] - mean_energy  # sum of the column variances
    centred = spread > 0 and mean_energy <= _AUTO_CENTRED * spread
    return "lbfgs" if centred else "newton-cg"


# Dense X up to this size is fitted with every BLAS pool single-threaded: one product
# over it takes well under a millisecond, less than waking a second thread costs on a
# busy machine (measured on the digits, 0.9 MiB, 2 shared cores: L-BFGS 0.58 s with
# NumPy's 2 threads, 0.10 s with one; newton-cg 0.41 s and 0.03 s; best of 8).
_SMALL_DENSE_BYTES = 1 << 22


def _threads_for(X):
    """The BLAS thread limit for a fit on ``X`` (see :mod:`softmax_lib._threads`).

    Sparse or small dense ``X``: every pool single-threaded. Larger dense ``X``: SciPy's
    pool single-threaded and NumPy's at most the cores no other process keeps busy, so
    its threads serve the large products without waiting for each other.
    """
    if hasattr(X, "tocsr") or X.nbytes <= _SMALL_DENSE_BYTES:
        return single_threaded_blas
    return blas_for_large_dense


def _checked_sample_weight(sample_weight: ArrayLike | float, X: NDArray) -> NDArray[np.float64]:
    """Validate ``sample_weight`` with scikit-learn, closing the gaps of its scalar path.

    An array must be real, finite, non-negative, of shape (n_samples,) and not all zero;
    a real scalar is broadcast to every sample, as in scikit-learn.
    """
    if isinstance(sample_weight, numbers.Number | np.generic) and not isinstance(
        sample_weight, numbers.Real
    ):
        raise ValueError(f"sample_weight must be real, got {sample_weight!r}")
    weights = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    if not np.all(np.isfinite(weights)):
        raise ValueError("sample_weight must be finite, got NaN or infinity")
    return weights
