"""Tests of the package's public surface and of its lazy imports (softmax_lib/__init__.py).

Imports are checked in fresh subprocesses, so that this test session's own imports
(torch, scikit-learn, matplotlib) do not hide what ``import softmax_lib`` loads.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest

import softmax_lib

API = [
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
    "SoftmaxRegression",
    "TorchSoftmaxRegression",
    "train_torch_softmax",
    "make_noisy_line",
    "load_fashion_mnist",
    "FASHION_MNIST_CLASSES",
    "plot_probability_curves",
    "plot_decision_regions",
    "plot_loss_curves",
    "plot_reliability",
    "plot_weight_images",
]
HEAVY = ["torch", "sklearn", "matplotlib", "scipy.optimize"]


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_loads_no_heavy_dependency():
    loaded = _run(f"""
        import json, sys
        import softmax_lib
        from softmax_lib import softmax, cross_entropy, check_gradient, make_noisy_line
        softmax([1.0, 2.0]); make_noisy_line()
        print(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))
    """)
    assert loaded == dict.fromkeys(HEAVY, False)


def test_torch_loads_on_first_access_only():
    loaded = _run("""
        import json, sys
        import softmax_lib
        before = "torch" in sys.modules
        cls = softmax_lib.TorchSoftmaxRegression
        import torch
        print(json.dumps({"before": before, "after": "torch" in sys.modules,
                          "is_module": issubclass(cls, torch.nn.Module)}))
    """)
    assert loaded == {"before": False, "after": True, "is_module": True}


def test_estimator_access_does_not_load_torch_or_matplotlib():
    loaded = _run("""
        import json, sys
        import softmax_lib
        softmax_lib.SoftmaxRegression
        print(json.dumps({m: m in sys.modules for m in ["sklearn", "torch", "matplotlib"]}))
    """)
    assert loaded == {"sklearn": True, "torch": False, "matplotlib": False}


def test_all_contains_the_api_and_every_name_resolves():
    assert set(API) <= set(softmax_lib.__all__)
    for name in softmax_lib.__all__:
        obj = getattr(softmax_lib, name)
        assert callable(obj) or name.isupper(), name  # functions, classes or constants


def test_exercise_checkers_are_a_lazy_submodule():
    loaded = _run("""
        import json, sys
        import softmax_lib
        before = "softmax_lib.exercises" in sys.modules
        checker = softmax_lib.exercises.check_stable_softmax
        print(json.dumps({"before": before, "after": "softmax_lib.exercises" in sys.modules,
                          "torch": "torch" in sys.modules, "callable": callable(checker)}))
    """)
    assert loaded == {"before": False, "after": True, "torch": False, "callable": True}


def test_all_has_no_duplicates():
    duplicates = sorted({n for n in softmax_lib.__all__ if softmax_lib.__all__.count(n) > 1})
    assert duplicates == []


@pytest.mark.parametrize("name", API)
def test_star_import_and_dir(name):
    namespace: dict = {}
    exec("from softmax_lib import *", namespace)
    assert name in namespace
    assert namespace[name] is getattr(softmax_lib, name)
    assert name in dir(softmax_lib)


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError):
        softmax_lib.not_a_function  # noqa: B018


def test_version_is_a_release_number():
    # Its agreement with pyproject, CITATION.cff, the footer and CHANGELOG is checked
    # in tests/test_publishing.py.
    assert re.fullmatch(r"\d+\.\d+\.\d+", softmax_lib.__version__)
