"""Tests of softmax_lib.core: softmax, log_softmax, logsumexp, sigmoid, hardmax, one_hot.

References are independent of the code under test: scipy.special, closed forms
written out with math.exp, and mathematical properties checked with Hypothesis.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
import scipy.special
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import softmax_lib.core
from softmax_lib import hardmax, log_softmax, logsumexp, one_hot, sigmoid, softmax

STABLE_FUNCS = [softmax, log_softmax, logsumexp]
SCIPY_REF = {
    softmax: scipy.special.softmax,
    log_softmax: scipy.special.log_softmax,
    logsumexp: scipy.special.logsumexp,
}


def _no_fp_trouble():
    """Raise on overflow, invalid operations and division by zero.

    Underflow is deliberately not raised: exp(-1e4) == 0.0 is the correct rounding
    of a probability that small, and the stable algorithms rely on it.
    """
    return np.errstate(over="raise", invalid="raise", divide="raise", under="ignore")


# Logit vectors (1-D, 1 to 12 classes) with moderate values, so references are exact enough.
logit_vectors = hnp.arrays(
    np.float64,
    st.integers(1, 12),
    elements=st.floats(-300, 300, allow_nan=False, allow_infinity=False),
)
shifts = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


# --------------------------------------------------------------------------- worked numbers
def _closed_form_softmax(z):
    exps = [math.exp(v) for v in z]
    total = math.fsum(exps)
    return np.array([e / total for e in exps])


@pytest.mark.parametrize(
    ("z", "rounded", "half_unit"),
    [
        ([3.0, 7.0, 14.0], [1.67e-5, 9.11e-4, 0.99907], [5e-8, 5e-7, 5e-6]),
        ([0.3, 0.7, 1.4], [0.182, 0.271, 0.547], [5e-4] * 3),
        ([5.0, 2.0, -1.0, 3.0], [0.842, 0.042, 0.002, 0.114], [5e-4] * 4),
    ],
)
def test_softmax_worked_examples(z, rounded, half_unit):
    p = softmax(z)
    np.testing.assert_allclose(p, _closed_form_softmax(z), rtol=1e-14, atol=0)
    # The course quotes these rounded values: each must be within half a unit of
    # its last quoted digit.
    assert np.all(np.abs(p - np.array(rounded)) <= np.array(half_unit))
    np.testing.assert_allclose(p[0], math.exp(z[0]) / sum(math.exp(v) for v in z), rtol=1e-14)


def test_softmax_3_7_14_closed_form_entries():
    den = math.exp(3) + math.exp(7) + math.exp(14)
    expected = np.array([math.exp(3) / den, math.exp(7) / den, math.exp(14) / den])
    np.testing.assert_allclose(softmax([3, 7, 14]), expected, rtol=1e-14)
    assert abs(expected[0] - 1.67e-5) < 5e-8
    assert abs(expected[1] - 9.11e-4) < 5e-7
    assert abs(expected[2] - 0.99907) < 5e-6


@pytest.mark.parametrize(
    ("z", "expected"),
    [
        ([5.0, 2.0, -1.0, 3.0], [1.0, 0.0, 0.0, 0.0]),
        ([3.0, 7.0, 14.0], [0.0, 0.0, 1.0]),
    ],
)
def test_hardmax_worked_examples(z, expected):
    np.testing.assert_array_equal(hardmax(z), expected)


# --------------------------------------------------------------------------- stability
@pytest.mark.parametrize(
    "z",
    [
        [1e4, -1e4],
        [-1e4, 1e4, 0.0],
        [1e4, 1e4 - 1.0, 1e4 - 2.0],
        [-1e4, -1e4 - 1.0],
        [-1e300, 0.0, 1e300],
        [-8e307, 8e307],  # spread 1.6e308: still a finite float
        [1000.0, 1000.0],
        [-745.0, 0.0, 745.0],
    ],
)
def test_stable_functions_finite_and_correct_on_extreme_logits(z):
    z = np.array(z)
    with _no_fp_trouble(), warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(z)
        lp = log_softmax(z)
        lse = logsumexp(z)
    m = z.max()
    # Closed forms: with m = max z, lse = m + log(sum exp(z - m)); the sum is
    # evaluated exactly enough with math.fsum of terms that are exp(<= 0).
    shifted = [math.exp(v - m) if v - m > -800 else 0.0 for v in z]
    expected_lse = m + math.log(math.fsum(shifted))
    expected_lp = z - expected_lse
    expected_p = np.array(shifted) / math.fsum(shifted)
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(lp)) and np.isfinite(lse)
    np.testing.assert_allclose(lse, expected_lse, rtol=1e-15, atol=0)
    np.testing.assert_allclose(lp, expected_lp, rtol=1e-15, atol=1e-12)
    np.testing.assert_allclose(p, expected_p, rtol=1e-14, atol=1e-300)
    assert p.sum() == pytest.approx(1.0, abs=1e-15)


def test_worked_large_logit_values():
    assert float(logsumexp([1000.0, 1000.0])) == pytest.approx(1000.0 + math.log(2), rel=1e-15)
    np.testing.assert_array_equal(log_softmax([0.0, 1000.0]), [-1000.0, 0.0])
    np.testing.assert_array_equal(softmax([1e4, -1e4]), [1.0, 0.0])
    np.testing.assert_array_equal(log_softmax([1e4, -1e4]), [0.0, -2e4])


@pytest.mark.parametrize(
    ("func", "bad"),
    [(softmax, np.nan), (softmax, np.inf), (log_softmax, np.nan), (log_softmax, np.inf),
     (logsumexp, np.nan)],  # logsumexp of +inf is +inf, as in SciPy: see below
)
def test_nan_and_plus_inf_logits_raise(func, bad):
    with pytest.raises(ValueError):
        func(np.array([[0.0, 1.0, bad], [0.0, 1.0, 2.0]]))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_hardmax_rejects_nan_and_plus_inf(bad):
    with pytest.raises(ValueError):
        hardmax([0.0, bad])


@pytest.mark.parametrize("func", [softmax, log_softmax, hardmax])
def test_all_minus_inf_slice_raises(func):
    with pytest.raises(ValueError):
        func(np.array([[0.0, 1.0], [-np.inf, -np.inf]]))


@pytest.mark.parametrize("func", [*STABLE_FUNCS, hardmax])
def test_scalar_and_empty_axis_raise(func):
    with pytest.raises(ValueError):
        func(np.float64(1.0))
    with pytest.raises(ValueError):
        func(np.zeros((3, 0)))


@pytest.mark.parametrize("func", [*STABLE_FUNCS, hardmax])
@pytest.mark.parametrize("axis", [2, -3, 7])
def test_an_axis_out_of_bounds_is_named(func, axis):
    with pytest.raises(np.exceptions.AxisError, match=f"axis {axis} is out of bounds"):
        func(np.zeros((3, 4)), axis=axis)


@pytest.mark.parametrize("func", [*STABLE_FUNCS, hardmax])
@pytest.mark.parametrize("axis", [1.0, True, "1", None])
def test_an_axis_that_is_not_an_integer_raises(func, axis):
    # True would otherwise be taken as axis 1, and None as "every axis" by some NumPy calls.
    with pytest.raises(TypeError, match="axis must be an integer"):
        func(np.zeros((3, 4)), axis=axis)


def test_a_numpy_integer_axis_is_accepted():
    z = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(softmax(z, axis=np.int64(0)), softmax(z, axis=0))


def test_minus_inf_logits_mean_probability_zero():
    z = np.array([[1.0, -np.inf, 2.0], [-np.inf, 0.0, -np.inf]])
    with _no_fp_trouble():
        p = softmax(z)
        lp = log_softmax(z)
        lse = logsumexp(z, axis=1)
    e1, e2 = math.exp(1.0), math.exp(2.0)
    expected = [[e1 / (e1 + e2), 0.0, e2 / (e1 + e2)], [0.0, 1.0, 0.0]]
    np.testing.assert_allclose(p, expected, rtol=1e-15)
    assert lp[0, 1] == -np.inf and lp[1, 0] == -np.inf and lp[1, 2] == -np.inf
    assert lp[1, 1] == 0.0
    np.testing.assert_allclose(lse, [math.log(e1 + e2), 0.0], rtol=1e-15)
    np.testing.assert_array_equal(hardmax(z), [[0, 0, 1], [0, 1, 0]])


# --------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("func", [softmax, log_softmax, logsumexp, sigmoid, hardmax])
def test_float32_in_float32_out(func):
    z = np.array([[1.0, 2.0, 3.0], [-1e4, 0.0, 1e4]], dtype=np.float32)
    out = func(z)
    assert out.dtype == np.float32
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_float32_with_temperature_stays_float32(func):
    z = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    out = func(z, temperature=0.5)
    assert out.dtype == np.float32
    ref = SCIPY_REF[func](np.array([2.0, 4.0, 6.0]))
    np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("func", [softmax, log_softmax, logsumexp, sigmoid, hardmax])
@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.bool_])
def test_integers_become_float64(func, dtype):
    z = np.array([[0, 1, 1], [1, 0, 0]], dtype=dtype)
    out = func(z)
    assert out.dtype == np.float64
    if func in SCIPY_REF:
        np.testing.assert_allclose(out, SCIPY_REF[func](z.astype(np.float64), axis=-1), rtol=1e-14)


def test_float32_matches_scipy_at_float32_precision():
    rng = np.random.default_rng(0)
    z = (rng.normal(size=(20, 6)) * 10).astype(np.float32)
    for func, ref in SCIPY_REF.items():
        np.testing.assert_allclose(
            func(z), ref(z.astype(np.float64), axis=-1), rtol=2e-6, atol=1e-6
        )


def test_python_list_input_is_float64():
    assert softmax([1, 2, 3]).dtype == np.float64
    assert log_softmax([[1.0, 2.0]]).dtype == np.float64


# --------------------------------------------------------------------------- axes vs scipy
@pytest.mark.parametrize("func", STABLE_FUNCS)
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_any_axis_on_3d_matches_scipy(func, axis):
    rng = np.random.default_rng(1234)
    z = rng.normal(scale=5.0, size=(3, 4, 5))
    np.testing.assert_allclose(
        func(z, axis=axis), SCIPY_REF[func](z, axis=axis), rtol=1e-13, atol=1e-15
    )


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_2d_axes_match_scipy_and_sum_to_one(axis):
    rng = np.random.default_rng(7)
    z = rng.normal(scale=3.0, size=(6, 4))
    p = softmax(z, axis=axis)
    np.testing.assert_allclose(p, scipy.special.softmax(z, axis=axis), rtol=1e-14)
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=0, atol=1e-15)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_logsumexp_keepdims_matches_scipy(axis):
    rng = np.random.default_rng(3)
    z = rng.normal(scale=4.0, size=(2, 3, 4))
    out = logsumexp(z, axis=axis, keepdims=True)
    ref = scipy.special.logsumexp(z, axis=axis, keepdims=True)
    assert out.shape == ref.shape
    np.testing.assert_allclose(out, ref, rtol=1e-14)
    # keepdims lets it broadcast back: exp(z - lse) sums to one along axis
    np.testing.assert_allclose(np.exp(z - out).sum(axis=axis), 1.0, rtol=1e-14)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_hardmax_any_axis_is_one_hot_of_argmax(axis):
    rng = np.random.default_rng(11)
    z = rng.normal(size=(4, 5, 3))
    h = hardmax(z, axis=axis)
    expected = np.zeros_like(z)
    idx = np.expand_dims(np.argmax(z, axis=axis), axis)
    np.put_along_axis(expected, idx, 1.0, axis=axis)
    np.testing.assert_array_equal(h, expected)
    np.testing.assert_array_equal(h.sum(axis=axis), 1.0)


# --------------------------------------------------------------------------- large and odd layouts
# The kernels work through the rows in cache-sized blocks (64 KiB): these shapes span
# several blocks, with a short last block, and non-contiguous layouts.
LARGE_SHAPES = [
    ((5003, 3), -1),
    ((5003, 3), 1),
    ((3, 5003), 0),
    ((41, 57, 6), -1),
    ((41, 6, 57), 1),
    ((6, 41, 57), 0),
    ((2, 9000), -1),
]


@pytest.mark.parametrize("func", STABLE_FUNCS)
@pytest.mark.parametrize(("shape", "axis"), LARGE_SHAPES)
def test_many_rows_match_scipy(func, shape, axis):
    rng = np.random.default_rng(sum(shape))
    z = rng.normal(scale=20.0, size=shape)
    np.testing.assert_allclose(
        func(z, axis=axis),
        SCIPY_REF[func](z, axis=axis),
        rtol=1e-13,
        atol=1e-13 if func is log_softmax else 1e-300,
    )


@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_many_rows_with_temperature_and_float32(func):
    rng = np.random.default_rng(0)
    z = rng.normal(scale=5.0, size=(20000, 4)).astype(np.float32)
    out = func(z, temperature=0.7)
    assert out.dtype == np.float32
    ref = SCIPY_REF[func](z.astype(np.float64) / 0.7, axis=-1)
    np.testing.assert_allclose(out, ref, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("func", STABLE_FUNCS)
def test_non_contiguous_inputs(func):
    rng = np.random.default_rng(1)
    base = rng.normal(scale=3.0, size=(300, 40))
    for view, axis in (
        (base[::3, 1::4], -1),
        (base.T, 0),
        (base.T, 1),
        (np.asfortranarray(base), 1),
        (base[:, ::-1], -1),
    ):
        assert not view.flags.c_contiguous or view is base
        np.testing.assert_allclose(
            func(view, axis=axis), SCIPY_REF[func](view, axis=axis), rtol=1e-13, atol=1e-14
        )


@pytest.mark.parametrize("func", [*STABLE_FUNCS, hardmax, sigmoid])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inputs_are_not_modified(func, dtype):
    z = np.random.default_rng(2).normal(scale=4.0, size=(3000, 5)).astype(dtype)
    original = z.copy()
    func(z)
    if func in (softmax, log_softmax):
        func(z, temperature=0.3)
    np.testing.assert_array_equal(z, original)


# logsumexp has a value for +inf and all -inf rows: test_logsumexp_infinite_inputs_match_scipy
@pytest.mark.parametrize(
    ("func", "bad"),
    [*itertools.product([softmax, log_softmax, hardmax], [np.nan, np.inf, "all -inf"]),
     (logsumexp, np.nan)],
)
def test_bad_row_deep_inside_a_large_array_raises(func, bad):
    z = np.zeros((10000, 3))
    if bad == "all -inf":
        z[9876] = -np.inf
    else:
        z[9876, 1] = bad
    with pytest.raises(ValueError):
        func(z)


@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_no_rows_gives_empty_result(func):
    out = func(np.zeros((0, 3)))
    assert out.shape == (0, 3)
    assert logsumexp(np.zeros((0, 3))).shape == (0,)


# --------------------------------------------------------------------------- temperature
@pytest.mark.parametrize("T", [0.01, 0.5, 1.0, 2.0, 37.5, 1e6])
def test_temperature_divides_logits(T):
    rng = np.random.default_rng(5)
    z = rng.normal(scale=3.0, size=(5, 4))
    # z / T is itself rounded (and may be computed as z * (1/T)): an absolute error of
    # a few ulp(max|z/T|) in the scaled logits, which becomes the same relative error
    # in the probabilities and the same absolute error in the log-probabilities.
    slack = 8 * np.finfo(float).eps * max(1.0, np.abs(z / T).max())
    np.testing.assert_allclose(
        softmax(z, temperature=T), scipy.special.softmax(z / T, axis=-1), rtol=slack, atol=1e-300
    )
    np.testing.assert_allclose(
        log_softmax(z, temperature=T), scipy.special.log_softmax(z / T, axis=-1), rtol=0, atol=slack
    )


def test_temperature_with_axis_0():
    z = np.array([[1.0, 2.0], [3.0, 5.0], [0.0, -1.0]])
    np.testing.assert_allclose(
        softmax(z, axis=0, temperature=2.0), scipy.special.softmax(z / 2.0, axis=0), rtol=1e-14
    )


def test_large_temperature_flattens_towards_uniform():
    z = np.array([1.0, 5.0, -3.0, 2.0])
    p = softmax(z, temperature=1e9)
    np.testing.assert_allclose(p, 0.25, rtol=1e-8)


@pytest.mark.parametrize("func", [softmax, log_softmax])
@pytest.mark.parametrize("T", [0.0, -1.0, -1e-300, np.nan, np.inf, -np.inf, True])
def test_invalid_temperature_raises(func, T):
    with pytest.raises(ValueError):
        func([1.0, 2.0], temperature=T)


# --------------------------------------------------------------------------- properties
@given(z=logit_vectors, c=shifts)
def test_softmax_invariant_to_adding_a_constant(z, c):
    np.testing.assert_allclose(softmax(z + c), softmax(z), rtol=1e-9, atol=1e-300)


@given(z=logit_vectors, c=shifts)
def test_log_softmax_invariant_to_adding_a_constant(z, c):
    # z + c is rounded to ~ulp(1300) ≈ 2e-13 per entry; log-probs inherit that absolute error.
    np.testing.assert_allclose(log_softmax(z + c), log_softmax(z), rtol=0, atol=1e-11)


@given(z=logit_vectors, c=shifts)
def test_logsumexp_shifts_by_the_constant(z, c):
    np.testing.assert_allclose(logsumexp(z + c), logsumexp(z) + c, rtol=0, atol=1e-11)


@given(
    z=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 5), st.integers(1, 10)),
        elements=st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False),
    )
)
def test_softmax_rows_sum_to_one_and_lie_in_unit_interval(z):
    p = softmax(z, axis=1)
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-14)
    np.testing.assert_allclose(np.exp(log_softmax(z, axis=1)).sum(axis=1), 1.0, rtol=0, atol=1e-14)


@given(z=logit_vectors)
def test_softmax_keeps_the_order_of_logits(z):
    p = softmax(z)
    lp = log_softmax(z)
    le = z[:, None] <= z[None, :]
    eq = z[:, None] == z[None, :]
    # z_i <= z_j implies p_i <= p_j (equality possible only through underflow);
    # equal logits give exactly equal probabilities.
    assert np.all(~le | (p[:, None] <= p[None, :]))
    assert np.all(~eq | (p[:, None] == p[None, :]))
    # log_softmax never underflows: it keeps the order, strictly wherever the gap
    # between two logits is larger than the rounding of z - max(z).
    assert np.all(~le | (lp[:, None] <= lp[None, :]))
    clear_gap = (z[None, :] - z[:, None]) > 1e-9
    assert np.all(~clear_gap | (lp[:, None] < lp[None, :]))
    assert p[np.argmax(z)] == p.max()


@given(z=logit_vectors)
def test_log_softmax_equals_log_of_softmax_where_not_tiny(z):
    p = softmax(z)
    lp = log_softmax(z)
    mask = p > 1e-250
    assert mask.any()
    np.testing.assert_allclose(lp[mask], np.log(p[mask]), rtol=0, atol=1e-13)
    np.testing.assert_allclose(lp, scipy.special.log_softmax(z), rtol=1e-13, atol=1e-13)


@given(z=logit_vectors)
def test_logsumexp_between_max_and_max_plus_log_k(z):
    lse = float(logsumexp(z))
    m = float(z.max())
    assert lse >= m
    assert lse <= m + math.log(z.size) + 1e-13 * (1.0 + abs(m))
    np.testing.assert_allclose(lse, scipy.special.logsumexp(z), rtol=1e-15, atol=1e-13)


@given(z=logit_vectors)
def test_softmax_matches_scipy(z):
    np.testing.assert_allclose(softmax(z), scipy.special.softmax(z), rtol=1e-12, atol=1e-300)


@given(
    z=hnp.arrays(
        np.float64,
        st.integers(1, 8),
        elements=st.floats(-100, 100, allow_nan=False, allow_infinity=False),
    )
)
def test_hardmax_is_limit_of_softmax_at_tiny_temperature(z):
    top2 = np.sort(z)[::-1]
    gap = top2[0] - top2[1] if z.size > 1 else 1.0
    assume(gap > 1e-6)
    # With every non-maximal logit at least `gap` below the max, T = gap / 1000 gives
    # exp(-1000) == 0.0 for every other class: softmax becomes exactly hardmax.
    T = gap / 1000.0
    np.testing.assert_array_equal(softmax(z, temperature=T), hardmax(z))


def test_softmax_approaches_hardmax_monotonically_as_temperature_falls():
    z = np.array([0.5, 2.0, 1.9, -1.0])
    distances = [
        np.abs(softmax(z, temperature=T) - hardmax(z)).max() for T in (10.0, 1.0, 0.1, 0.01, 0.001)
    ]
    assert all(a > b for a, b in itertools.pairwise(distances))
    assert distances[-1] < 1e-40


# --------------------------------------------------------------------------- hardmax
def test_hardmax_ties_go_to_first_maximum():
    np.testing.assert_array_equal(hardmax([1.0, 3.0, 3.0, 0.0]), [0, 1, 0, 0])
    np.testing.assert_array_equal(hardmax([[2.0, 2.0], [0.0, 0.0]]), [[1, 0], [1, 0]])
    np.testing.assert_array_equal(hardmax([[2.0, 1.0], [2.0, 1.0]], axis=0), [[1, 1], [0, 0]])


@given(
    z=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 5), st.integers(1, 6)),
        elements=st.integers(-3, 3).map(float),
    )
)
def test_hardmax_exactly_one_one_per_row_at_first_max(z):
    h = hardmax(z)
    np.testing.assert_array_equal(h.sum(axis=1), 1.0)
    assert set(np.unique(h)) <= {0.0, 1.0}
    first_max = np.array([list(row).index(row.max()) for row in z])
    np.testing.assert_array_equal(np.argmax(h, axis=1), first_max)


# --------------------------------------------------------------------------- sigmoid
def test_sigmoid_matches_expit_including_extremes():
    z = np.concatenate([np.linspace(-1000, 1000, 2001), [-1e300, 1e300, -745.5, 745.5, 0.0]])
    with _no_fp_trouble():
        s = sigmoid(z)
    np.testing.assert_allclose(s, scipy.special.expit(z), rtol=1e-14, atol=1e-300)
    np.testing.assert_array_equal(sigmoid([-1000.0, 0.0, 1000.0]), [0.0, 0.5, 1.0])


def test_sigmoid_infinities_and_nan():
    np.testing.assert_array_equal(sigmoid([-np.inf, np.inf]), [0.0, 1.0])
    with pytest.raises(ValueError):
        sigmoid([0.0, np.nan])


def test_sigmoid_float32_matches_expit():
    z = np.linspace(-100, 100, 401, dtype=np.float32)
    s = sigmoid(z)
    assert s.dtype == np.float32
    np.testing.assert_allclose(s, scipy.special.expit(z.astype(np.float64)), rtol=1e-6, atol=1e-38)


def test_sigmoid_symmetry():
    z = np.linspace(-40, 40, 161)
    np.testing.assert_allclose(sigmoid(z) + sigmoid(-z), 1.0, rtol=0, atol=1e-15)


def test_two_class_softmax_reduces_to_sigmoid():
    z = np.linspace(-700, 700, 2801)
    stacked = np.column_stack([z, np.zeros_like(z)])
    with _no_fp_trouble():
        p = softmax(stacked, axis=1)
    np.testing.assert_allclose(p[:, 0], sigmoid(z), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(p[:, 0], scipy.special.expit(z), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(p[:, 1], scipy.special.expit(-z), rtol=1e-13, atol=1e-300)


@given(z=st.floats(-700, 700, allow_nan=False), c=shifts)
def test_two_class_softmax_is_sigmoid_of_logit_difference(z, c):
    p = softmax([z + c, c])
    np.testing.assert_allclose(p[0], scipy.special.expit(z), rtol=1e-9, atol=1e-300)


# --------------------------------------------------------------------------- one_hot
@pytest.mark.parametrize(
    ("y", "K"),
    [([0, 2, 1], None), ([0, 2, 1], 5), ([3, 3, 0], None), (np.arange(10) % 4, 4), ([1], 2)],
)
def test_one_hot_matches_identity_rows(y, K):
    k = (max(y) + 1) if K is None else K
    out = one_hot(y, K)
    assert out.dtype == np.float64
    assert out.shape == (len(y), k)
    np.testing.assert_array_equal(out, np.eye(k)[np.asarray(y)])


def test_one_hot_accepts_whole_number_floats():
    np.testing.assert_array_equal(one_hot(np.array([0.0, 2.0, 1.0])), np.eye(3)[[0, 2, 1]])


@given(
    y=hnp.arrays(np.int64, st.integers(1, 30), elements=st.integers(0, 9)), extra=st.integers(0, 3)
)
def test_one_hot_property(y, extra):
    K = int(y.max()) + 1 + extra
    out = one_hot(y, K)
    np.testing.assert_array_equal(out, np.eye(K)[y])
    np.testing.assert_array_equal(out.argmax(axis=1), y)


@pytest.mark.parametrize(
    ("y", "K"),
    [
        ([0, -1, 1], None),
        ([0, -1, 1], 3),
        ([0, 3], 3),
        ([0, 1, 2], 2),
        ([0.5, 1.0], None),
        ([0.0, 1.2], 3),
        ([0.0, np.nan], 3),
        ([[0, 1], [1, 0]], None),
        ([[0, 1, 2]], 3),
        (5, 6),
        (["a", "b"], None),
        ([0, 1], 0),
        ([0, 1], -2),
        ([0, 1], 2.5),
    ],
)
def test_one_hot_rejects_bad_input(y, K):
    with pytest.raises(ValueError):
        one_hot(y, K)


# --------------------------------------------------------------------------- limits
def test_spread_beyond_the_float_range_is_exact_and_silent():
    # z_max - z overflows to -inf, whose exponential is exactly 0: the right answer.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(softmax([-1e308, 1e308]), [0.0, 1.0])
        np.testing.assert_array_equal(log_softmax([-1e308, 1e308]), [-np.inf, 0.0])


@pytest.mark.parametrize(
    "dtype, temperature", [(np.float64, 1e-310), (np.float32, 1e-39), (np.float32, 1e-50)]
)
def test_tiny_temperature_gives_hardmax_with_ties_shared(dtype, temperature):
    # T -> 0 is hardmax; tied maxima share the mass equally (the exact limit).
    z = np.array([1.0, 2.0, 2.0, -3.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(z, temperature=temperature)
    assert p.dtype == dtype
    np.testing.assert_array_equal(p, np.array([0.0, 0.5, 0.5, 0.0], dtype=dtype))


# --------------------------------------------------------------------------- logsumexp, issue 15
@pytest.mark.parametrize("x", [-1.0, -40.0, -100.0, -700.0, -745.0])
def test_logsumexp_keeps_relative_precision_near_zero(x):
    # logsumexp([0, x]) = log1p(exp(x)): about 4.25e-18 for x = -40, where log(1 + tiny)
    # rounds to 0. Reference: the closed form, and SciPy (which uses log1p too).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = float(logsumexp([0.0, x]))
    assert value == pytest.approx(math.log1p(math.exp(x)), rel=1e-15, abs=0)
    assert value == pytest.approx(float(scipy.special.logsumexp([0.0, x])), rel=1e-15, abs=0)


def test_logsumexp_near_zero_in_float32_and_along_axis_0():
    z = np.array([[0.0, -3.0], [-20.0, 0.0], [-30.0, -80.0]], dtype=np.float32)
    out = logsumexp(z, axis=0)
    assert out.dtype == np.float32
    expected = scipy.special.logsumexp(z.astype(np.float64), axis=0)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert out[0] > 0  # log1p(exp(-20) + exp(-30)) ~ 2.1e-9, 0 with log


@pytest.mark.parametrize("many_rows", [False, True])
def test_logsumexp_infinite_inputs_match_scipy(many_rows):
    # +inf anywhere gives +inf; a row entirely -inf (fully masked) gives -inf.
    z = np.array([[0.0, np.inf], [-np.inf, -np.inf], [np.inf, -np.inf], [np.inf, np.inf],
                  [1.0, -np.inf], [0.0, -40.0]])
    rows = slice(None)
    if many_rows:  # the same rows inside a large array, across blocks
        z = np.concatenate([np.zeros((20000, 2)), z, np.ones((50000, 2))])
        rows = slice(20000, 20006)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = logsumexp(z, axis=1)
    np.testing.assert_array_equal(out[rows][:5], [np.inf, -np.inf, np.inf, np.inf, 1.0])
    assert out[rows][5] == pytest.approx(math.log1p(math.exp(-40.0)), rel=1e-15, abs=0)
    np.testing.assert_allclose(out, scipy.special.logsumexp(z, axis=1), rtol=1e-15, atol=0)


# The dtype rules the module docstring states (issue 15: it used to say that every
# other real input becomes float64).
@pytest.mark.parametrize("func", [softmax, log_softmax, logsumexp, sigmoid, hardmax])
@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(np.float16, np.float32), (np.longdouble, np.longdouble), (np.bool_, np.float64),
     (np.uint8, np.float64)],
)
def test_documented_dtype_rules(func, dtype, expected):
    assert func(np.array([1, 0], dtype=dtype)).dtype == expected
    assert "float16 becomes float32" in " ".join(softmax_lib.core.__doc__.split())


@pytest.mark.parametrize("func", [softmax, log_softmax, logsumexp, sigmoid, hardmax])
def test_complex_input_raises_type_error(func):
    with pytest.raises(TypeError):
        func(np.array([1.0 + 1j, 0.0]))
