"""softmax_lib: the tested library behind the course
*Softmax Regression, from intuition to PyTorch*.

Importing it is cheap: it loads NumPy only. scikit-learn (and with it SciPy) loads
on first use of :class:`SoftmaxRegression`, matplotlib on the first plot, and
PyTorch only when :class:`TorchSoftmaxRegression` or :func:`train_torch_softmax` is
used.
"""

from __future__ import annotations

import importlib
from typing import Any

from .bandits import BanditResult, boltzmann_probabilities, simulate_bandit
from .calibration import (
    ReliabilityTable,
    expected_calibration_error,
    fit_temperature,
    reliability_table,
    temperature_scaled_log_loss,
)
from .core import hardmax, log_softmax, logsumexp, one_hot, sigmoid, softmax
from .datasets import (
    FASHION_MNIST_CLASSES,
    NEWSGROUPS_CLASSES,
    load_20newsgroups,
    load_fashion_mnist,
    make_noisy_line,
)
from .decisions import (
    REJECT,
    adjust_priors,
    bayes_decision,
    estimate_priors_em,
    expected_costs,
)
from .gradcheck import check_gradient, numerical_gradient
from .losses import cross_entropy, cross_entropy_grad

# Submodules reached as attributes (sl.exercises.check_stable_softmax), loaded on first use.
_LAZY_MODULES = {"exercises"}

__version__ = "0.2.0"

# Loaded on first access (PEP 562), so `import softmax_lib` stays free of
# scikit-learn, matplotlib and torch.
_LAZY = {
    "SoftmaxRegression": "estimator",
    "TorchSoftmaxRegression": "torch_model",
    "train_torch_softmax": "torch_model",
    "plot_probability_curves": "plotting",
    "plot_decision_regions": "plotting",
    "plot_loss_curves": "plotting",
    "plot_reliability": "plotting",
    "plot_weight_images": "plotting",
}

__all__ = [
    "softmax",
    "log_softmax",
    "logsumexp",
    "sigmoid",
    "hardmax",
    "one_hot",
    "cross_entropy",
    "cross_entropy_grad",
    "numerical_gradient",
    "check_gradient",
    "make_noisy_line",
    "load_fashion_mnist",
    "FASHION_MNIST_CLASSES",
    "load_20newsgroups",
    "NEWSGROUPS_CLASSES",
    "reliability_table",
    "ReliabilityTable",
    "expected_calibration_error",
    "fit_temperature",
    "temperature_scaled_log_loss",
    "expected_costs",
    "bayes_decision",
    "REJECT",
    "adjust_priors",
    "estimate_priors_em",
    "boltzmann_probabilities",
    "simulate_bandit",
    "BanditResult",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _LAZY_MODULES)
