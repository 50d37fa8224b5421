"""Shared test configuration.

* matplotlib draws off-screen (Agg), so the plotting tests need no display.
* BLAS and OpenMP run single-threaded for the whole session. NumPy and SciPy each
  bundle an OpenBLAS, torch and scikit-learn each an OpenMP runtime; on a 2-core
  machine their spinning threads fight, which made a single scikit-learn fit on the
  digits data take ~20 s instead of ~0.3 s, and 40 epochs of torch SGD on iris ~12 s
  instead of ~0.7 s. One thread also makes every floating-point result reproducible
  from run to run, so the tolerances in the tests are measured against a fixed
  rounding behaviour. (The limit applies to libraries already loaded when the session
  starts, i.e. everything the test modules import.)
* Hypothesis uses a fixed, modest profile: derandomised (fixed seed), no example
  database (so runs are identical and nothing is written), no deadline.
"""

from __future__ import annotations

import matplotlib
import pytest
from hypothesis import HealthCheck, settings
from threadpoolctl import threadpool_limits

matplotlib.use("Agg")

settings.register_profile(
    "softmax_lib",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("softmax_lib")


@pytest.fixture(autouse=True, scope="session")
def _single_threaded_blas():
    with threadpool_limits(limits=1):
        yield
