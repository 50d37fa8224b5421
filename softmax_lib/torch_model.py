r"""Softmax regression in PyTorch: the model and a training helper.

This module imports :mod:`torch`, so ``softmax_lib`` only loads it on first use of
:class:`TorchSoftmaxRegression` or :func:`train_torch_softmax`.

The helper minimises the same objective as :class:`~softmax_lib.SoftmaxRegression`,
mean cross-entropy plus :math:`\lVert W\rVert^2 / (2Cn)`. That penalty is what
``weight_decay`` :math:`= 1/(Cn)` does to the weights in plain SGD; we add it to the
loss explicitly instead, because ``weight_decay`` would also shrink the bias, which
scikit-learn does not penalise.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.utils import check_scalar
from torch import nn

from .core import _as_class_indices, _check_label_range

__all__ = ["TorchSoftmaxRegression", "train_torch_softmax"]


class TorchSoftmaxRegression(nn.Module):
    """A single linear layer whose outputs are logits for ``n_classes`` classes.

    ``forward`` returns logits, not probabilities: ``nn.CrossEntropyLoss`` applies
    ``log_softmax`` itself, and applying ``softmax`` first is a classic bug.

    Parameters
    ----------
    n_features : int
        Input size d.
    n_classes : int
        Number of classes K.

    Attributes
    ----------
    linear : torch.nn.Linear
        ``linear.weight`` has shape (n_classes, n_features) like ``coef_``;
        ``linear.bias`` has shape (n_classes,) like ``intercept_``.

    Raises
    ------
    TypeError
        If a size is not an int.
    ValueError
        If ``n_features < 1`` or ``n_classes < 2``.

    Examples
    --------
    >>> model = TorchSoftmaxRegression(4, 3)
    >>> model(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
    """

    def __init__(self, n_features: int, n_classes: int) -> None:
        super().__init__()
        # check_scalar: a TypeError for 2.5 or True, a ValueError for 0 features or 1 class.
        _check_count(n_features, "n_features", 1)
        _check_count(n_classes, "n_classes", 2)
        self.linear = nn.Linear(n_features, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``x @ W.T + b`` of shape (batch, n_classes)."""
        return self.linear(x)


def _check_count(value, name: str, least: int) -> None:
    if isinstance(value, bool):  # an Integral to Python, never a meant size
        raise TypeError(f"{name} must be an int, not a bool")
    check_scalar(value, name, numbers.Integral, min_val=least)


def _check_real(value, name: str, *, positive: bool, allow_inf: bool = False) -> None:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, not a bool")
    check_scalar(value, name, numbers.Real, min_val=0,
                 include_boundaries="neither" if positive else "left")
    if math.isnan(value):  # NaN passes check_scalar's comparisons
        raise ValueError(f"{name} must be a number, got NaN")
    if math.isinf(value) and not allow_inf:
        raise ValueError(f"{name} must be finite, got {value!r}")


def _minibatches(
    n_samples: int, batch_size: int, generator: torch.Generator
) -> Iterator[torch.Tensor]:
    order = torch.randperm(n_samples, generator=generator)
    yield from order.split(batch_size)


def train_torch_softmax(
    model: TorchSoftmaxRegression,
    X: ArrayLike,
    y: ArrayLike,
    *,
    C: float = np.inf,
    optimizer: str = "lbfgs",
    lr: float = 0.1,
    epochs: int = 100,
    batch_size: int | None = None,
    tol: float = 1e-10,
    seed: int = 0,
) -> list[float]:
    r"""Train ``model`` in place on the regularised objective; return the loss per step.

    Parameters
    ----------
    model : TorchSoftmaxRegression
        Its ``linear`` layer is trained; its dtype decides the computation's dtype.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Integer class indices in ``[0, n_classes)``.
    C : float, default=np.inf
        Inverse L2 strength, as in scikit-learn; penalty :math:`\lVert W\rVert^2/(2Cn)`.
    optimizer : {"lbfgs", "sgd"}, default="lbfgs"
        ``"lbfgs"``: full-batch ``torch.optim.LBFGS`` with strong-Wolfe line search,
        ``epochs`` outer steps. ``"sgd"``: ``torch.optim.SGD`` over shuffled mini-batches
        (``batch_size``, default the whole data set), ``epochs`` passes.
    lr : float, default=0.1
        Learning rate (``"sgd"``; ``"lbfgs"`` uses 1 with line search).
    epochs : int, default=100
    batch_size : int, optional
    tol : float, default=1e-10
        ``"lbfgs"`` stops when the loss changes by less than this.
    seed : int, default=0
        Seeds the shuffling, for reproducible runs.

    Returns
    -------
    list of float
        The full-data objective before training and after each epoch.

    Raises
    ------
    ValueError
        Before training, for shapes that do not match the model, NaN or infinite ``X``,
        labels that are not whole numbers in ``[0, n_classes)``, an unknown
        ``optimizer``, or a setting out of range (``C <= 0``, ``lr <= 0``, ``tol < 0``,
        ``epochs < 1``, ``batch_size < 1``, NaN); during training, if the objective
        overflows (a learning rate too large for the data).
    TypeError
        If ``epochs`` or ``batch_size`` is not an int, or a setting is a bool.
    """
    weight = model.linear.weight
    n_classes, n_features = weight.shape
    if optimizer not in ("lbfgs", "sgd"):
        raise ValueError(f"optimizer must be 'lbfgs' or 'sgd', got {optimizer!r}")
    # Every bad setting is named before training starts; a negative C or a huge step
    # would otherwise train on to NaN without a word.
    _check_real(C, "C", positive=True, allow_inf=True)
    _check_real(lr, "lr", positive=True)
    _check_real(tol, "tol", positive=False)
    _check_count(epochs, "epochs", 1)
    if batch_size is not None:
        _check_count(batch_size, "batch_size", 1)
    # torch.tensor copies, so read-only NumPy inputs are fine. Labels 0.5 or 1.7 would
    # be truncated by the cast to long: whole numbers only.
    labels = _as_class_indices(y)
    X_t = torch.tensor(np.asarray(X), dtype=weight.dtype)
    y_t = torch.tensor(labels, dtype=torch.long)
    if (
        X_t.ndim != 2
        or y_t.ndim != 1
        or X_t.shape[0] != y_t.shape[0]
        or X_t.shape[1] != n_features
        or X_t.shape[0] == 0
    ):
        raise ValueError(
            f"X must have shape (n_samples, {n_features}) and y shape (n_samples,) with "
            f"n_samples >= 1; got {tuple(X_t.shape)} and {tuple(y_t.shape)}"
        )
    if not torch.isfinite(X_t).all():
        raise ValueError("X contains NaN or infinity")
    _check_label_range(labels, n_classes)
    n_samples = X_t.shape[0]
    alpha = 0.0 if np.isinf(C) else 1.0 / (C * n_samples)
    cross_entropy = nn.CrossEntropyLoss()

    def objective(rows: torch.Tensor | slice = slice(None)) -> torch.Tensor:
        loss = cross_entropy(model(X_t[rows]), y_t[rows])
        return loss + 0.5 * alpha * (model.linear.weight**2).sum()

    def full_objective() -> float:
        with torch.no_grad():
            return float(objective())

    history = [full_objective()]
    if optimizer == "lbfgs":
        opt = torch.optim.LBFGS(
            model.parameters(),
            lr=1.0,
            max_iter=20,
            tolerance_grad=1e-12,
            tolerance_change=1e-14,
            history_size=10,
            line_search_fn="strong_wolfe",
        )

        def closure() -> torch.Tensor:
            opt.zero_grad()
            loss = objective()
            loss.backward()
            return loss

        for _ in range(epochs):
            opt.step(closure)
            history.append(_finite(full_objective(), len(history)))
            if abs(history[-2] - history[-1]) < tol:
                break
    elif optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        generator = torch.Generator().manual_seed(seed)
        for _ in range(epochs):
            for rows in _minibatches(n_samples, batch_size or n_samples, generator):
                opt.zero_grad()
                objective(rows).backward()
                opt.step()
            history.append(_finite(full_objective(), len(history), lr))
    return history


def _finite(loss: float, epoch: int, lr: float | None = None) -> float:
    """``loss``, or a ValueError if it overflowed (a step too large for the data)."""
    if not math.isfinite(loss):
        hint = (f"the learning rate {lr} is too large for this data; lower it or "
                "standardise the features") if lr is not None else "standardise the features"
        raise ValueError(f"the objective became non-finite in epoch {epoch}: {hint}")
    return loss
