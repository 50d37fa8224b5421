"""Keep NumPy's and SciPy's separate OpenBLAS thread pools from fighting.

NumPy and SciPy wheels each bundle their own OpenBLAS. When both run multithreaded
on a small machine, their idle threads spin and steal the cores from each other: a
fit on the digits data was measured 8× slower on 2 cores. Our heavy matrix products
run in NumPy's BLAS; SciPy's only serves L-BFGS-B's small vector operations, where
threads do not help. So during a fit we limit SciPy's pool to one thread, and
restore it afterwards; nothing is changed globally or at import time.

With a ``scipy.sparse`` X the heavy products run in scipy.sparse's own loops instead,
and NumPy's BLAS too only serves small vector operations: a sparse fit limits every
BLAS pool to one thread (:func:`single_threaded_blas`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def single_threaded_scipy_blas() -> Iterator[None]:
    """Limit SciPy's own BLAS to one thread inside the ``with`` block.

    Does nothing when SciPy has no BLAS of its own (then there is no second pool).
    """
    from threadpoolctl import ThreadpoolController

    controller = ThreadpoolController()
    # The two libraries may share a name prefix; their file paths tell them apart.
    scipy_only = [
        lib.filepath
        for lib in controller.lib_controllers
        if lib.user_api == "blas" and "scipy" in lib.filepath and "numpy" not in lib.filepath
    ]
    if not scipy_only:
        yield
        return
    with controller.select(filepath=scipy_only).limit(limits=1):
        yield


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Limit every BLAS pool (NumPy's and SciPy's) to one thread inside the ``with`` block.

    For fits on sparse X, where no large dense product needs threads: waking a pool for
    small vector operations costs more than it saves. Measured on the 20 000 x 4 200
    TF-IDF problem of ``bench/sparse.py``, 60 L-BFGS iterations on 2 shared cores: 1.55 s
    with NumPy's 2-thread pool, 0.48 s with one thread.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
