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

With large dense X, NumPy's threads pay only when they have cores to themselves. On a
2-core machine running one other busy process, a pool of 2 threads stalls: each
blocked product waits for the thread that lost its core. Measured on 60 000 x 784 and
200 000 x 100 (12 L-BFGS iterations): quiet, 2 threads 0.8 s and 1 thread 1.1 s; with
one busy process beside the fit, 2 threads 2.3-2.8 s and 1 thread 1.2 s. So
:func:`blas_for_large_dense` gives NumPy's pool no more threads than there are cores
not busy with other processes when the fit starts (:func:`idle_cores`).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from threadpoolctl import ThreadpoolController

_controller_cache: dict[int, ThreadpoolController] = {}


def _controller() -> ThreadpoolController:
    """A ``threadpoolctl.ThreadpoolController`` of the pools loaded now, reused while no
    module has been imported since.

    Building one scans every loaded shared library (0.8 ms here, about 3% of a fit on
    the digits and more of a ``partial_fit`` call on a small chunk), and every fit needs
    one or two. A new BLAS arrives with a new extension module, so a changed module count
    triggers a new scan; a controller that missed a pool would only cost speed, never
    change a result. Limits read the pools' thread counts when they are set, so reusing
    the controller never restores a stale count.
    """
    from threadpoolctl import ThreadpoolController  # before counting: it is a module too

    key = len(sys.modules)
    if key not in _controller_cache:
        _controller_cache.clear()
        _controller_cache[key] = ThreadpoolController()
    return _controller_cache[key]


@contextlib.contextmanager
def single_threaded_scipy_blas() -> Iterator[None]:
    """Limit SciPy's own BLAS to one thread inside the ``with`` block.

    Does nothing when SciPy has no BLAS of its own (then there is no second pool).
    """
    controller = _controller()
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
    with _controller().limit(limits=1, user_api="blas"):
        yield


def _runnable_elsewhere(proc: Path = Path("/proc")) -> int | None:
    """Threads of other processes running or waiting for a core now; None if unknown.

    Linux only: the 4th field of ``/proc/loadavg`` counts every runnable thread on the
    machine; our own runnable threads (this one, and BLAS threads still spinning after
    a product) are counted from ``/proc/self/task`` and taken away.
    """
    try:
        runnable = int((proc / "loadavg").read_text().split()[3].split("/")[0])
        own = 0
        for task in (proc / "self" / "task").iterdir():
            # The state letter follows the ")" that closes the thread's name.
            stat = (task / "stat").read_text()
            own += stat[stat.rindex(")") + 2] == "R"
    except (OSError, ValueError, IndexError):
        return None
    return max(0, runnable - max(own, 1))


def idle_cores() -> int | None:
    """Cores this process may use that no other process keeps busy now; None if unknown.

    At least 1. A snapshot: enough to see a competing compute job, which is always
    runnable, not to predict one that starts later. Inside a container ``/proc/loadavg``
    may count the host's runnable threads: then the answer errs towards fewer threads,
    and it never exceeds the container's CPU quota.
    """
    elsewhere = _runnable_elsewhere()
    if elsewhere is None:
        return None
    # joblib's count honours the CPU affinity and a container's CPU quota (docker --cpus,
    # Kubernetes limits as on Binder), where os.cpu_count() sees every core of the host.
    from joblib import cpu_count

    return max(1, cpu_count() - elsewhere)


@contextlib.contextmanager
def blas_for_large_dense() -> Iterator[None]:
    """SciPy's BLAS single-threaded; NumPy's at most :func:`idle_cores` threads.

    NumPy's pool is only ever lowered (a limit set by the caller, for example with
    ``threadpoolctl.threadpool_limits``, stays), and both are restored on exit.
    """
    idle = idle_cores()
    controller = _controller()
    crowded = [  # NumPy's pools with more threads than idle cores
        lib.filepath for lib in controller.lib_controllers
        if lib.user_api == "blas" and "numpy" in lib.filepath
        and idle is not None and lib.num_threads > idle
    ]
    with contextlib.ExitStack() as stack:
        if crowded:
            stack.enter_context(controller.select(filepath=crowded).limit(limits=idle))
        stack.enter_context(single_threaded_scipy_blas())
        yield
