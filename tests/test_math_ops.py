"""Math ops: forward results against NumPy (eager, graph, graph with unknown dimensions),
finite-difference gradients of every differentiable op, and error messages."""
import math

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.testing import check_gradients

import helpers

MODES = helpers.MODES
rng = np.random.default_rng(0)


def _static_rank_matches(tensor, result):
    assert tensor.shape.rank == np.ndim(result), (tensor.shape, np.shape(result))


def evaluate(f, *inputs, mode="eager"):
    """f(*inputs) as NumPy (helpers.evaluate); in a graph with static input shapes, the static
    rank must be known and be the result's."""
    return helpers.evaluate(f, *inputs, mode=mode, check_static_shape=_static_rank_matches)


def assert_same(got, expected, dtype=None, rtol=1e-6):
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-6)
    assert np.shape(got) == np.shape(expected)
    if dtype is not None:
        assert np.asarray(got).dtype == dtype


def _erf(x):
    return np.vectorize(math.erf)(x)


def _lgamma(x):
    return np.vectorize(math.lgamma)(x)


# Inputs inside each op's domain and away from kinks.
ANY = rng.uniform(-2.0, 2.0, size=(2, 3))
POSITIVE = rng.uniform(0.5, 2.0, size=(2, 3))
UNIT = rng.uniform(-0.8, 0.8, size=(2, 3))
ABOVE_ONE = rng.uniform(1.2, 3.0, size=(2, 3))
AWAY_FROM_ZERO = np.array([[-1.5, -0.7, 0.4], [0.9, -2.0, 1.3]])

# (name, tensorflux function, NumPy reference, input, differentiable)
UNARY = [
    ("negative", tf.negative, np.negative, ANY, True),
    ("abs", tf.abs, np.abs, AWAY_FROM_ZERO, True),
    ("square", tf.square, np.square, ANY, True),
    ("sqrt", tf.sqrt, np.sqrt, POSITIVE, True),
    ("rsqrt", tf.math.rsqrt, lambda x: 1 / np.sqrt(x), POSITIVE, True),
    ("exp", tf.exp, np.exp, ANY, True),
    ("expm1", tf.math.expm1, np.expm1, ANY, True),
    ("log", tf.math.log, np.log, POSITIVE, True),
    ("log1p", tf.math.log1p, np.log1p, POSITIVE, True),
    ("sin", tf.sin, np.sin, ANY, True),
    ("cos", tf.cos, np.cos, ANY, True),
    ("tan", tf.math.tan, np.tan, UNIT, True),
    ("asin", tf.math.asin, np.arcsin, UNIT, True),
    ("acos", tf.math.acos, np.arccos, UNIT, True),
    ("atan", tf.math.atan, np.arctan, ANY, True),
    ("sinh", tf.math.sinh, np.sinh, ANY, True),
    ("cosh", tf.math.cosh, np.cosh, ANY, True),
    ("tanh", tf.tanh, np.tanh, ANY, True),
    ("asinh", tf.math.asinh, np.arcsinh, ANY, True),
    ("acosh", tf.math.acosh, np.arccosh, ABOVE_ONE, True),
    ("atanh", tf.math.atanh, np.arctanh, UNIT, True),
    ("sigmoid", tf.sigmoid, lambda x: 1 / (1 + np.exp(-x)), ANY, True),
    ("log_sigmoid", tf.math.log_sigmoid, lambda x: -np.log1p(np.exp(-x)), ANY, True),
    ("softplus", tf.math.softplus, lambda x: np.log1p(np.exp(x)), ANY, True),
    ("reciprocal", tf.math.reciprocal, lambda x: 1 / x, AWAY_FROM_ZERO, True),
    ("erf", tf.math.erf, _erf, ANY, True),
    ("erfc", tf.math.erfc, lambda x: 1 - _erf(x), ANY, True),
    ("log10", tf.math.log10, np.log10, POSITIVE, True),
    ("log2", tf.math.log2, np.log2, POSITIVE, True),
    ("conj", tf.math.conj, np.conj, ANY, True),
    ("real", tf.math.real, np.real, ANY, True),
    ("lgamma", tf.math.lgamma, _lgamma, POSITIVE, True),
    ("sign", tf.sign, np.sign, np.array([-2.0, 0.0, 3.0]), False),
    ("floor", tf.math.floor, np.floor, ANY, False),
    ("ceil", tf.math.ceil, np.ceil, ANY, False),
    ("rint", tf.math.rint, np.rint, np.array([0.5, 1.5, 2.5, -0.5, -1.7]), False),
    ("round", tf.round, np.round, np.array([0.5, 1.5, 2.5, -0.5, -1.7]), False),
    ("is_nan", tf.math.is_nan, np.isnan, np.array([np.nan, 1.0, np.inf]), False),
    ("is_inf", tf.math.is_inf, np.isinf, np.array([np.nan, 1.0, -np.inf]), False),
    ("is_finite", tf.math.is_finite, np.isfinite, np.array([np.nan, 1.0, np.inf]), False),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name,function,reference,x,differentiable", UNARY,
                         ids=[case[0] for case in UNARY])
def test_unary_forward(mode, name, function, reference, x, differentiable):
    expected = reference(x)
    got = evaluate(function, x, mode=mode)
    assert_same(got, expected, expected.dtype)
    single = evaluate(function, x.astype(np.float32), mode=mode)
    assert single.dtype == (np.bool_ if expected.dtype == np.bool_ else np.float32)
    assert_same(single, reference(x.astype(np.float32)), rtol=1e-5)
    assert evaluate(function, np.zeros((0, 3)), mode=mode).shape == (0, 3)


@pytest.mark.parametrize("name,function,reference,x,differentiable",
                         [case for case in UNARY if case[4]],
                         ids=[case[0] for case in UNARY if case[4]])
def test_unary_gradient(name, function, reference, x, differentiable):
    check_gradients(function, [x])


def test_non_differentiable_unary_ops_give_no_gradient():
    x = tf.constant(ANY)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        outputs = [tf.sign(x), tf.math.floor(x), tf.math.ceil(x), tf.math.rint(x)]
    for y in outputs:
        assert tape.gradient(y, x) is None


GAMMA_POINTS = np.array([-2.5, -1.3, -0.5, 1e-3, 0.2, 1.0, 2.5, 7.0, 30.0, 1e4])


def test_digamma_and_polygamma_match_scipy():
    special = pytest.importorskip("scipy.special")
    np.testing.assert_allclose(tf.math.digamma(GAMMA_POINTS).numpy(),
                               special.psi(GAMMA_POINTS), rtol=1e-12)
    for order in (1, 2, 3, 6):
        np.testing.assert_allclose(
            tf.math.polygamma(np.full_like(GAMMA_POINTS, order), GAMMA_POINTS).numpy(),
            special.polygamma(order, GAMMA_POINTS), rtol=1e-10)
    single = tf.math.digamma(GAMMA_POINTS.astype(np.float32))
    assert single.dtype == tf.float32
    np.testing.assert_allclose(single.numpy(), special.psi(GAMMA_POINTS), rtol=1e-5)


def test_digamma_and_polygamma_at_poles_and_bad_orders_as_tensorflow():
    # real TF 2.21: digamma is NaN at 0 and the negative integers; polygamma(1, 0) = inf,
    # even orders NaN there, and orders that are not whole numbers >= 0 give NaN
    np.testing.assert_array_equal(tf.math.digamma([0.0, -1.0, -4.0]).numpy(), [np.nan] * 3)
    got = tf.math.polygamma([1.0, 3.0, 2.0, 0.0, 0.5, -1.0], [0.0, -2.0, -1.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(got.numpy(), [np.inf, np.inf] + [np.nan] * 4)
    assert tf.math.polygamma(1.0, tf.constant([1.0])).numpy()[0] == pytest.approx(
        np.pi ** 2 / 6, rel=1e-6)


def test_gamma_family_gradients():
    check_gradients(tf.math.lgamma, [POSITIVE])
    check_gradients(tf.math.digamma, [np.array([-1.5, -0.4, 0.3, 2.0, 12.0])])
    order = tf.constant([1.0, 2.0, 1.0, 3.0, 2.0], tf.float64)
    check_gradients(lambda x: tf.math.polygamma(order, x),
                    [np.array([-1.5, -0.4, 0.3, 2.0, 12.0])])
    with tf.GradientTape() as tape:
        tape.watch(order)
        y = tf.math.polygamma(order, tf.constant([1.0] * 5, tf.float64))
    assert tape.gradient(y, order) is None  # not differentiable in the order


# ---- binary -------------------------------------------------------------------------------

B = rng.uniform(0.5, 2.0, size=(3,))
SIGNED_B = np.array([-1.3, 0.8, 1.9])

BINARY = [
    ("add", tf.add, np.add, ANY, B, True),
    ("subtract", tf.subtract, np.subtract, ANY, B, True),
    ("multiply", tf.multiply, np.multiply, ANY, B, True),
    ("divide", tf.divide, np.divide, ANY, B, True),
    ("realdiv", tf.math.realdiv, np.divide, ANY, SIGNED_B, True),
    ("div_no_nan", tf.math.div_no_nan, np.divide, ANY, SIGNED_B, True),
    ("pow", tf.pow, np.power, POSITIVE, SIGNED_B, True),
    ("maximum", tf.maximum, np.maximum, ANY, SIGNED_B, True),
    ("minimum", tf.minimum, np.minimum, ANY, SIGNED_B, True),
    ("squared_difference", tf.math.squared_difference, lambda x, y: (x - y) ** 2, ANY, B,
     True),
    ("atan2", tf.math.atan2, np.arctan2, ANY, SIGNED_B, True),
    ("xlogy", tf.math.xlogy, lambda x, y: x * np.log(y), ANY, B, True),
    ("scalar_mul", lambda x, y: tf.math.scalar_mul(2.5, x) + 0 * y, lambda x, y: 2.5 * x + 0 * y,
     ANY, B, True),
    ("floordiv", tf.math.floordiv, np.floor_divide, ANY, SIGNED_B, False),
    ("floormod", tf.math.floormod, np.mod, ANY, SIGNED_B, False),
    ("equal", tf.equal, np.equal, ANY, SIGNED_B, False),
    ("not_equal", tf.not_equal, np.not_equal, ANY, SIGNED_B, False),
    ("less", tf.less, np.less, ANY, SIGNED_B, False),
    ("less_equal", tf.less_equal, np.less_equal, ANY, SIGNED_B, False),
    ("greater", tf.greater, np.greater, ANY, SIGNED_B, False),
    ("greater_equal", tf.greater_equal, np.greater_equal, ANY, SIGNED_B, False),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name,function,reference,x,y,differentiable", BINARY,
                         ids=[case[0] for case in BINARY])
def test_binary_forward_broadcasts(mode, name, function, reference, x, y, differentiable):
    expected = reference(x, y)
    assert_same(evaluate(function, x, y, mode=mode), expected, expected.dtype)
    assert_same(evaluate(function, y, x, mode=mode), reference(y, x))
    empty = evaluate(function, np.zeros((0, 3)), y, mode=mode)
    assert empty.shape == (0, 3)


@pytest.mark.parametrize("name,function,reference,x,y,differentiable",
                         [case for case in BINARY if case[5]],
                         ids=[case[0] for case in BINARY if case[5]])
def test_binary_gradient(name, function, reference, x, y, differentiable):
    check_gradients(function, [x, y])


def test_maximum_gradient_goes_to_x_on_ties():
    x, y = tf.constant([1.0, 2.0]), tf.constant([1.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        z = tf.maximum(x, y)
    assert tape.gradient(z, x).numpy().tolist() == [1.0, 0.0]
    assert tape.gradient(z, y).numpy().tolist() == [0.0, 1.0]


@pytest.mark.parametrize("mode", MODES)
def test_integer_division_follows_tensorflow(mode):
    x = np.array([-7, 7, -7, 6], np.int32)
    y = np.array([2, -2, -2, 4], np.int32)
    assert_same(evaluate(tf.math.floordiv, x, y, mode=mode), [-4, -4, 3, 1], np.int32)
    assert_same(evaluate(tf.math.floormod, x, y, mode=mode), [1, -1, -1, 2], np.int32)
    assert_same(evaluate(tf.math.truncatediv, x, y, mode=mode), [-3, -3, 3, 1], np.int32)
    assert_same(evaluate(tf.divide, x, y, mode=mode), x / y, np.float64)
    assert_same(evaluate(tf.compat.v1.div, x, y, mode=mode), [-4, -4, 3, 1], np.int32)
    small = evaluate(tf.divide, x.astype(np.int16), y.astype(np.int16), mode=mode)
    assert small.dtype == np.float32
    assert_same(evaluate(tf.pow, x, np.array([2, 3, 0, 1], np.int32), mode=mode),
                [49, 343, 1, 6], np.int32)


@pytest.mark.parametrize("mode", MODES)
def test_logical_ops(mode):
    a = np.array([True, True, False, False])
    b = np.array([True, False, True, False])
    assert_same(evaluate(tf.logical_and, a, b, mode=mode), a & b, np.bool_)
    assert_same(evaluate(tf.logical_or, a, b, mode=mode), a | b)
    assert_same(evaluate(tf.math.logical_xor, a, b, mode=mode), a ^ b)
    assert_same(evaluate(tf.logical_not, a, mode=mode), ~a)


def test_python_operators_are_ops():
    x = tf.constant([1.0, 2.0])
    assert_same((x + 1).numpy(), [2, 3])
    assert_same((1 - x).numpy(), [0, -1])
    assert_same((x * x / 2 ** x).numpy(), [0.5, 1.0])
    assert_same((-x % 1.5).numpy(), [0.5, 1.0])
    assert_same((x // 1.5).numpy(), [0, 1])
    assert_same((tf.constant([[1.0, 2.0]]) @ tf.constant([[3.0], [4.0]])).numpy(), [[11.0]])
    assert ((x > 1.5) & (x < 3)).numpy().tolist() == [False, True]


# ---- casts, selection, accumulation -------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_cast_and_saturate_cast(mode):
    x = np.array([1.7, -1.7, 300.0, -5.0])
    assert_same(evaluate(lambda t: tf.cast(t, tf.int32), x, mode=mode), [1, -1, 300, -5],
                np.int32)
    assert_same(evaluate(lambda t: tf.saturate_cast(t, tf.uint8), x, mode=mode),
                [1, 0, 255, 0], np.uint8)
    assert_same(evaluate(lambda t: tf.cast(t, tf.bool), x, mode=mode), x != 0, np.bool_)
    assert_same(evaluate(tf.compat.v1.to_float, x, mode=mode), x, np.float32)


def test_cast_gradient():
    check_gradients(lambda x: tf.cast(x, tf.float32) * 2.0, [ANY], eps=1e-3, rtol=1e-3)
    x = tf.constant([1, 2])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(x, tf.float32)
    assert tape.gradient(y, x) is None


@pytest.mark.parametrize("mode", MODES)
def test_add_n_where_clip(mode):
    a, b, c = ANY, ANY * 2, ANY - 1
    assert_same(evaluate(lambda *xs: tf.add_n(list(xs)), a, b, c, mode=mode), a + b + c)
    condition = ANY > 0
    assert_same(evaluate(tf.where, condition, a, b, mode=mode), np.where(condition, a, b))
    assert_same(evaluate(lambda t, x: tf.where(t, x, 0.0), condition[:1], a, mode=mode),
                np.where(condition[:1], a, 0.0))
    assert_same(evaluate(tf.where, condition, mode=mode), np.argwhere(condition), np.int64)
    assert_same(evaluate(lambda x: tf.clip_by_value(x, -0.5, 1.0), a, mode=mode),
                np.clip(a, -0.5, 1.0))


@pytest.mark.parametrize("name,function,inputs", [
    ("add_n", lambda a, b, c: tf.add_n([a, b, c]), [ANY, ANY + 1, ANY * 3]),
    ("where", lambda a, b: tf.where(ANY > 0, a, b), [ANY, POSITIVE]),
    ("clip_by_value", lambda x: tf.clip_by_value(x, -1.0, 1.0),
     [np.array([-1.5, -0.3, 0.6, 1.4])]),
    ("clip_by_value_bounds", lambda x, lo, hi: tf.clip_by_value(x, lo, hi),
     [np.array([-1.5, -0.3, 0.6, 1.4]), np.float64(-1.0), np.float64(1.0)]),
], ids=lambda case: case if isinstance(case, str) else "")
def test_selection_gradients(name, function, inputs):
    check_gradients(function, inputs)


# ---- reductions ---------------------------------------------------------------------------

C = rng.normal(size=(2, 3, 4))
REDUCTIONS = [
    ("reduce_sum", tf.reduce_sum, np.sum),
    ("reduce_mean", tf.reduce_mean, np.mean),
    ("reduce_max", tf.reduce_max, np.max),
    ("reduce_min", tf.reduce_min, np.min),
    ("reduce_prod", tf.reduce_prod, np.prod),
    ("reduce_logsumexp", tf.reduce_logsumexp, lambda x, axis=None, keepdims=False: np.log(
        np.sum(np.exp(x), axis=axis, keepdims=keepdims))),
    ("reduce_variance", tf.math.reduce_variance, np.var),
    ("reduce_std", tf.math.reduce_std, np.std),
    ("reduce_euclidean_norm", tf.math.reduce_euclidean_norm,
     lambda x, axis=None, keepdims=False: np.sqrt(np.sum(x * x, axis, keepdims=keepdims))),
]
AXES = [None, 0, -1, (0, 2), [1]]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name,function,reference", REDUCTIONS,
                         ids=[case[0] for case in REDUCTIONS])
def test_reduction_forward(mode, name, function, reference):
    for axis in AXES:
        for keepdims in (False, True):
            np_axis = tuple(axis) if isinstance(axis, list) else axis
            got = evaluate(lambda x: function(x, axis=axis, keepdims=keepdims), C, mode=mode)
            assert_same(got, reference(C, axis=np_axis, keepdims=keepdims))


@pytest.mark.parametrize("name,function,reference", REDUCTIONS,
                         ids=[case[0] for case in REDUCTIONS])
def test_reduction_gradient(name, function, reference):
    for axis in (None, 1, (0, 2)):
        check_gradients(lambda x: function(x, axis=axis), [C])
    check_gradients(lambda x: function(x, axis=-1, keepdims=True), [C])


def test_reduction_edge_cases():
    assert float(tf.reduce_sum(tf.zeros([0]))) == 0.0
    assert float(tf.reduce_max(tf.zeros([0]))) == -np.inf
    assert_same(tf.reduce_sum(tf.zeros([0, 3]), axis=0).numpy(), np.zeros(3))
    assert int(tf.reduce_mean([1, 2])) == 1  # integer mean truncates, as in TF
    assert tf.reduce_sum(tf.constant([1, 2], tf.int8)).dtype == tf.int8
    assert float(tf.reduce_logsumexp([-np.inf, -np.inf])) == -np.inf
    assert_same(tf.reduce_sum([[1.0, 2.0]], reduction_indices=[1]).numpy(), [3.0])
    assert_same(tf.reduce_sum([[1.0, 2.0]], 1, keep_dims=True).numpy(), [[3.0]])


def test_min_max_gradients_are_shared_among_ties():
    x = tf.constant([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        largest = tf.reduce_max(x, axis=1)
        smallest = tf.reduce_min(x)
    assert_same(tape.gradient(largest, x).numpy(), [[0, 0.5, 0.5], [0.5, 0, 0.5]])
    assert_same(tape.gradient(smallest, x).numpy(), [[0, 0, 0], [0, 1, 0]])


def test_prod_gradient_with_a_zero():
    check_gradients(lambda x: tf.reduce_prod(x, axis=1), [np.array([[2.0, 0.0, 3.0],
                                                                    [1.5, -1.0, 2.0]])])


@pytest.mark.parametrize("mode", MODES)
def test_boolean_and_arg_reductions(mode):
    flags = C > 0
    assert_same(evaluate(lambda b: tf.reduce_all(b, axis=1), flags, mode=mode),
                flags.all(axis=1))
    assert_same(evaluate(lambda b: tf.reduce_any(b, keepdims=True), flags, mode=mode),
                flags.any(keepdims=True))
    assert_same(evaluate(tf.argmax, C, mode=mode), np.argmax(C, axis=0), np.int64)
    assert_same(evaluate(lambda x: tf.argmin(x, axis=-1, output_type=tf.int32), C,
                         mode=mode), np.argmin(C, axis=-1), np.int32)
    assert_same(evaluate(lambda x: tf.math.count_nonzero(x, axis=1), flags.astype(np.int32),
                         mode=mode), np.count_nonzero(flags, axis=1), np.int64)


# ---- scans ----------------------------------------------------------------------------------

def _scan_reference(function, x, axis, exclusive, reverse, identity):
    if reverse:
        x = np.flip(x, axis)
    result = function(x, axis=axis)
    if exclusive:
        result = np.concatenate([np.full_like(np.take(result, [0], axis), identity),
                                 np.delete(result, -1, axis)], axis)
    return np.flip(result, axis) if reverse else result


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumsum_cumprod(mode, exclusive, reverse):
    for function, reference, identity in ((tf.cumsum, np.cumsum, 0),
                                          (tf.math.cumprod, np.cumprod, 1)):
        got = evaluate(lambda x: function(x, axis=1, exclusive=exclusive, reverse=reverse), C,
                       mode=mode)
        assert_same(got, _scan_reference(reference, C, 1, exclusive, reverse, identity))


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_scan_gradients(exclusive, reverse):
    check_gradients(lambda x: tf.cumsum(x, axis=2, exclusive=exclusive, reverse=reverse), [C])
    check_gradients(lambda x: tf.math.cumprod(x, axis=0, exclusive=exclusive,
                                              reverse=reverse), [C])


# ---- matmul -------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("transpose_a", [False, True])
@pytest.mark.parametrize("transpose_b", [False, True])
def test_matmul(mode, transpose_a, transpose_b):
    a = rng.normal(size=(2, 4, 3) if transpose_a else (2, 3, 4))
    b = rng.normal(size=(5, 4) if transpose_b else (4, 5))
    expected = np.matmul(np.swapaxes(a, -1, -2) if transpose_a else a,
                         b.T if transpose_b else b)
    got = evaluate(lambda x, y: tf.matmul(x, y, transpose_a=transpose_a,
                                          transpose_b=transpose_b), a, b, mode=mode)
    assert_same(got, expected)
    check_gradients(lambda x, y: tf.matmul(x, y, transpose_a=transpose_a,
                                           transpose_b=transpose_b), [a, b])


def test_matmul_adjoint_and_empty():
    a = rng.normal(size=(3, 2))
    assert_same(tf.matmul(a, a, adjoint_a=True).numpy(), a.T @ a)
    assert_same(tf.matmul(tf.zeros([2, 0]), tf.zeros([0, 3])).numpy(), np.zeros((2, 3)))


# ---- higher order: gradients of gradients (ReduceGrad, SumToShape, ...) --------------------

def _second_order(function):
    """x -> d/dx sum(function(x) * w): checking its gradient checks second derivatives."""
    weights = {}

    def gradient(*xs):
        with tf.GradientTape() as tape:
            tape.watch(list(xs))
            y = function(*xs)
            w = weights.setdefault("w", rng.uniform(0.5, 1.5, size=np.shape(y)))
            total = tf.reduce_sum(y * w)
        return tape.gradient(total, list(xs))
    return gradient


@pytest.mark.parametrize("name,function,inputs", [
    ("sum", lambda x: tf.reduce_sum(x, axis=1) ** 2, [C]),
    ("mean", lambda x: tf.reduce_mean(x ** 3, axis=(0, 2)), [C]),
    ("max", lambda x: tf.reduce_max(x, axis=2) ** 2, [C]),
    ("broadcast_add", lambda x, y: (x + y) ** 2, [ANY, B]),
    ("matmul", lambda x: tf.matmul(x, x, transpose_b=True), [ANY]),
    ("tanh", lambda x: tf.tanh(x) * x, [ANY]),
    ("pow", lambda x, y: tf.pow(x, y), [POSITIVE, SIGNED_B]),
    ("cumsum", lambda x: tf.cumsum(x ** 2, axis=1, reverse=True), [ANY]),
], ids=lambda case: case if isinstance(case, str) else "")
def test_second_order_gradient(name, function, inputs):
    check_gradients(_second_order(function), inputs, modes=("eager",), rtol=1e-4, atol=1e-6)


def test_second_order_in_graph_mode():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float64, [None, 3])
        y = tf.reduce_sum(tf.reduce_mean(x, axis=0) ** 3)
        (first,) = tf.gradients(y, [x])
        (second,) = tf.gradients(tf.reduce_sum(first), [x])
        with tf.compat.v1.Session(graph=graph) as sess:
            value = sess.run(second, {x: ANY})
    # d/dx_ij of sum(d y / dx) = d/dx_ij of 3 sum_j mean_j^2 = 3 mean_j (two rows)
    assert_same(value, np.broadcast_to(3 * ANY.mean(axis=0), ANY.shape))


# ---- errors -------------------------------------------------------------------------------

def test_dtype_mix_raises_invalid_argument():
    a, b = tf.constant([1.0], tf.float32), tf.constant([1.0], tf.float64)
    with pytest.raises(tf.errors.InvalidArgumentError, match="float32 tensor but is a float64"):
        tf.add(a, b)
    with pytest.raises(tf.errors.InvalidArgumentError, match="tf.cast"):
        a * b
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [2])
        y = tf.compat.v1.placeholder(tf.float64, [2])
        with pytest.raises(tf.errors.InvalidArgumentError, match="float32.*float64"):
            tf.subtract(x, y)


def test_sqrt_of_int32_is_rejected():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="int32 is not in the list of allowed values for sqrt"):
        tf.sqrt(tf.constant([4, 9]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="allowed values"):
        tf.math.log(tf.constant([1, 2]))


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"In\[0\]: \[2, 3\], In\[1\]: \[2, 3\]"):
        tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))
    graph = tf.Graph()
    with graph.as_default():
        with pytest.raises(ValueError, match=r"\(None, 3\).*\(2, 5\)"):
            tf.matmul(tf.compat.v1.placeholder(tf.float32, [None, 3]),
                      tf.compat.v1.placeholder(tf.float32, [2, 5]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank 2"):
        tf.matmul(tf.ones([3]), tf.ones([3, 2]))


def test_out_of_range_gather_index():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices = 3 is not in \[0, 3\)"):
        tf.gather([1.0, 2.0, 3.0], [0, 3])
    graph = tf.Graph()
    with graph.as_default():
        params = tf.compat.v1.placeholder(tf.float32, [None])
        gathered = tf.gather(params, [5])
        with tf.compat.v1.Session(graph=graph) as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="indices = 5"):
                sess.run(gathered, {params: [1.0, 2.0]})


def test_bad_reshape():
    with pytest.raises(tf.errors.InvalidArgumentError, match="6 values.*shape \\[4\\]"):
        tf.reshape(tf.ones([2, 3]), [4])
    graph = tf.Graph()
    with graph.as_default():
        with pytest.raises(ValueError, match="6 elements"):
            tf.reshape(tf.compat.v1.placeholder(tf.float32, [2, 3]), [4, -1])


def test_other_argument_errors():
    with pytest.raises(TypeError, match="same dtype"):
        tf.add_n([tf.ones([2]), tf.ones([2], tf.float64)])
    with pytest.raises(ValueError, match="non-empty"):
        tf.add_n([])
    with pytest.raises(ValueError, match="both"):
        tf.where([True], [1.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="axis 3"):
        tf.reduce_sum(tf.constant(C), axis=3)
    graph = tf.Graph()
    with graph.as_default():
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Invalid reduction dimension 3"):
            tf.reduce_sum(tf.compat.v1.placeholder(tf.float32, [2, 3, 4]), axis=3)
    with pytest.raises(ValueError, match="axis.*reduction_indices"):
        tf.reduce_sum(tf.constant(C), axis=0, reduction_indices=0)
