"""tf.nn: forward results against straightforward NumPy references (eager, graph, graph with
unknown dimensions), TensorFlow's argument forms and errors, and finite-difference gradients
of every differentiable nn primitive (first order, and second order through convolution)."""
import itertools
import math

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.ops._helpers import apply
from tensorflux.testing import check_gradients
from tensorflux.testing.gradient_check import CHECKED_OPS

import helpers

MODES = helpers.MODES
rng = np.random.default_rng(0)


def _static_shape_fully_defined(tensor, result):
    assert tensor.shape.is_fully_defined(), tensor.shape


def evaluate(f, *inputs, mode="eager", exact_shape=True):
    """f(*inputs) as NumPy (helpers.evaluate); in a graph with static input shapes, the static
    shapes must also be fully known (unless `exact_shape` is False)."""
    return helpers.evaluate(f, *inputs, mode=mode, check_static_shape=(
        _static_shape_fully_defined if exact_shape else None))


def assert_close(got, expected, rtol=1e-5, atol=1e-5, dtype=None):
    got = np.asarray(got)
    assert got.shape == np.shape(expected), (got.shape, np.shape(expected))
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    if dtype is not None:
        assert got.dtype == dtype, got.dtype


def _erf(x):
    return np.vectorize(math.erf)(x)


# ---- NumPy references (naive loops on purpose) ------------------------------------------------

def ref_same_pads(size, kernel, stride, dilation):
    effective = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return (total // 2, total - total // 2)


def ref_pads(spatial, kernel, strides, dilations, padding):
    if padding == "VALID":
        return [(0, 0)] * len(spatial)
    if padding == "SAME":
        return [ref_same_pads(*a) for a in zip(spatial, kernel, strides, dilations)]
    return padding


def ref_conv(x, w, strides, dilations, padding):
    """Channels-last N-d cross-correlation, one output position and tap at a time."""
    n = x.ndim - 2
    kernel = w.shape[:n]
    pads = ref_pads(x.shape[1:-1], kernel, strides, dilations, padding)
    padded = np.pad(x.astype(np.float64), [(0, 0)] + list(pads) + [(0, 0)])
    out_spatial = [(padded.shape[1 + a] - (kernel[a] - 1) * dilations[a] - 1) // strides[a] + 1
                   for a in range(n)]
    out = np.zeros((x.shape[0], *out_spatial, w.shape[-1]))
    for o in itertools.product(*map(range, out_spatial)):
        for k in itertools.product(*map(range, kernel)):
            at = tuple(o[a] * strides[a] + k[a] * dilations[a] for a in range(n))
            out[(slice(None),) + o] += padded[(slice(None),) + at] @ w[k]
    return out


def ref_conv_transpose(x, w, output_shape, strides, dilations, padding):
    """Scatters every input position through every tap; w is [*k, out, in]."""
    n = x.ndim - 2
    kernel = w.shape[:n]
    pads = ref_pads(output_shape[1:-1], kernel, strides, dilations, padding)
    padded = np.zeros([output_shape[0]] + [s + p[0] + p[1] for s, p in
                                           zip(output_shape[1:-1], pads)] + [output_shape[-1]])
    for o in itertools.product(*map(range, x.shape[1:-1])):
        for k in itertools.product(*map(range, kernel)):
            at = tuple(o[a] * strides[a] + k[a] * dilations[a] for a in range(n))
            padded[(slice(None),) + at] += x[(slice(None),) + o] @ w[k].T
    crop = tuple(slice(p[0], p[0] + s) for p, s in zip(pads, output_shape[1:-1]))
    return padded[(slice(None),) + crop]


def ref_depthwise(x, w, strides, dilations, padding):
    channels, multiplier = w.shape[2], w.shape[3]
    out = np.concatenate([ref_conv(x[..., c:c + 1], w[:, :, c:c + 1, :], strides, dilations,
                                   padding) for c in range(channels)], axis=-1)
    return out.reshape(out.shape[:-1] + (channels, multiplier)).reshape(out.shape)


def ref_pool(x, ksize, strides, padding, kind):
    """Pools real elements only: SAME padding is neither a max candidate nor counted."""
    n = x.ndim - 2
    pads = ref_pads(x.shape[1:-1], ksize, strides, (1,) * n, padding)
    out_spatial = [(x.shape[1 + a] + pads[a][0] + pads[a][1] - ksize[a]) // strides[a] + 1
                   for a in range(n)]
    out = np.zeros((x.shape[0], *out_spatial, x.shape[-1]))
    for o in itertools.product(*map(range, out_spatial)):
        window = []
        for k in itertools.product(*map(range, ksize)):
            at = tuple(o[a] * strides[a] + k[a] - pads[a][0] for a in range(n))
            if all(0 <= at[a] < x.shape[1 + a] for a in range(n)):
                window.append(x[(slice(None),) + at])
        out[(slice(None),) + o] = np.max(window, 0) if kind == "max" else np.mean(window, 0)
    return out


def ref_log_softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def nchw(x):
    return np.moveaxis(x, -1, 1)


def nhwc(x):
    return np.moveaxis(x, 1, -1)


# ---- activations ----------------------------------------------------------------------------

SELU_SCALE, SELU_ALPHA = 1.0507009873554805, 1.6732632423543772
ACTIVATIONS = {
    "relu": (tf.nn.relu, lambda x: np.maximum(x, 0)),
    "relu6": (tf.nn.relu6, lambda x: np.clip(x, 0, 6)),
    "elu": (tf.nn.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    "selu": (tf.nn.selu, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(
        np.minimum(x, 0)))),
    "leaky_relu": (tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
    "leaky_relu_0.05": (lambda x: tf.nn.leaky_relu(x, alpha=0.05),
                        lambda x: np.where(x > 0, x, 0.05 * x)),
    "gelu": (tf.nn.gelu, lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
    "gelu_tanh": (lambda x: tf.nn.gelu(x, approximate=True), lambda x: 0.5 * x * (1 + np.tanh(
        np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    "swish": (tf.nn.swish, lambda x: x / (1 + np.exp(-x))),
    "silu": (tf.nn.silu, lambda x: x / (1 + np.exp(-x))),
    "swish_beta": (lambda x: tf.nn.swish(x, beta=2.0), lambda x: x / (1 + np.exp(-2 * x))),
    "sigmoid": (tf.nn.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "tanh": (tf.nn.tanh, np.tanh),
    "softplus": (tf.nn.softplus, lambda x: np.logaddexp(0, x)),
    "softsign": (tf.nn.softsign, lambda x: x / (1 + np.abs(x))),
    "log_sigmoid": (tf.nn.log_sigmoid, lambda x: -np.logaddexp(0, -x)),
}
ACT_INPUT = np.linspace(-8, 8, 24).reshape(4, 6)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations(name, mode):
    op, reference = ACTIVATIONS[name]
    for dtype in (np.float32, np.float64):
        x = ACT_INPUT.astype(dtype)
        got = evaluate(op, x, mode=mode)
        assert_close(got, reference(x.astype(np.float64)), rtol=1e-5, atol=1e-6, dtype=dtype)


def test_relu_on_integers_and_leaky_relu_on_integers():
    assert tf.nn.relu(np.array([-2, 3], np.int32)).numpy().tolist() == [0, 3]
    got = tf.nn.leaky_relu(np.array([-2, 3]))
    assert got.dtype == tf.float32 and np.allclose(got.numpy(), [-0.4, 3.0])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("axis", [-1, 0, 1, 2, -3])
def test_softmax_and_log_softmax_axis(axis, mode):
    x = rng.standard_normal((2, 3, 4)) * 3
    expected = ref_log_softmax(x, axis)
    assert_close(evaluate(lambda t: tf.nn.log_softmax(t, axis=axis), x, mode=mode), expected)
    assert_close(evaluate(lambda t: tf.nn.softmax(t, axis=axis), x, mode=mode),
                 np.exp(expected))
    assert_close(evaluate(lambda t: tf.nn.softmax(t, dim=axis), x, mode=mode),
                 np.exp(expected))


def test_softmax_is_stable_and_rank1():
    x = np.array([1000.0, 0.0, -1000.0], np.float32)
    assert np.allclose(tf.nn.softmax(x).numpy(), [1, 0, 0])
    assert np.allclose(tf.nn.log_softmax(x).numpy(), [0, -1000, -2000])


# ---- bias_add -------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_bias_add(mode):
    x = rng.standard_normal((2, 3, 4, 5))
    b = rng.standard_normal(5)
    assert_close(evaluate(tf.nn.bias_add, x, b, mode=mode), x + b)
    b3 = rng.standard_normal(3)
    assert_close(evaluate(lambda v, c: tf.nn.bias_add(v, c, data_format="NCHW"), x, b3,
                          mode=mode), x + b3[:, None, None])
    assert_close(evaluate(tf.nn.bias_add, x[:, :, 0, 0], b3, mode=mode), x[:, :, 0, 0] + b3)


def test_bias_add_errors():
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 5 and 3"):
        tf.nn.bias_add(np.zeros((2, 5), np.float32), np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="bias must be 1-D"):
        tf.nn.bias_add(np.zeros((2, 5), np.float32), np.zeros((1, 5), np.float32))


# ---- convolution ----------------------------------------------------------------------------

CONV2D_CASES = [
    # strides argument, padding argument, dilations argument, data_format
    (1, "SAME", None, "NHWC"),
    ([1, 1, 1, 1], "VALID", None, "NHWC"),
    ([1, 2, 2, 1], "SAME", None, "NHWC"),
    ([2, 1], "VALID", None, "NHWC"),
    (3, "SAME", [1, 1, 1, 1], "NHWC"),
    (2, [[0, 0], [1, 2], [0, 1], [0, 0]], None, "NHWC"),
    (1, "SAME", 2, "NHWC"),
    (1, "VALID", [1, 2, 1, 1], "NHWC"),
    (2, "SAME", 2, "NHWC"),
    ([1, 1, 2, 2], "SAME", None, "NCHW"),
    ([1, 1, 1, 2], [[0, 0], [0, 0], [2, 1], [1, 1]], [1, 1, 2, 1], "NCHW"),
]


def _normalize(value, n, channels_first):
    if value is None:
        return (1,) * n
    if isinstance(value, int):
        return (value,) * n
    if len(value) == n:
        return tuple(value)
    return tuple(value[2:]) if channels_first else tuple(value[1:-1])


def _explicit(padding, n, channels_first):
    if isinstance(padding, str):
        return padding
    pairs = [tuple(p) for p in padding]
    return pairs[2:] if channels_first else pairs[1:-1]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", range(len(CONV2D_CASES)))
def test_conv2d(case, mode):
    strides, padding, dilations, data_format = CONV2D_CASES[case]
    channels_first = data_format == "NCHW"
    x = rng.standard_normal((2, 7, 6, 3))
    w = rng.standard_normal((3, 2, 3, 4))
    expected = ref_conv(x, w, _normalize(strides, 2, channels_first),
                        _normalize(dilations, 2, channels_first),
                        _explicit(padding, 2, channels_first))
    feed = nchw(x) if channels_first else x

    def f(value, filters):
        return tf.nn.conv2d(value, filters, strides=strides, padding=padding,
                            data_format=data_format, dilations=dilations)
    got = evaluate(f, feed, w, mode=mode)
    assert_close(nhwc(got) if channels_first else got, expected)


def test_conv2d_float32_stays_float32_and_tf1_spelling():
    x = rng.standard_normal((1, 5, 5, 2)).astype(np.float32)
    w = rng.standard_normal((3, 3, 2, 3)).astype(np.float32)
    y = tf.compat.v1.nn.conv2d(x, filter=w, strides=[1, 1, 1, 1], padding="SAME",
                               use_cudnn_on_gpu=True)
    assert y.dtype == tf.float32
    assert_close(y.numpy(), ref_conv(x, w, (1, 1), (1, 1), "SAME"), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("stride,padding,dilations,data_format", [
    (1, "SAME", None, "NWC"), (2, "VALID", None, "NWC"), ([1, 2, 1], "SAME", 2, "NWC"),
    (2, "SAME", None, "NCW")])
def test_conv1d(stride, padding, dilations, data_format, mode):
    x = rng.standard_normal((2, 9, 3))
    w = rng.standard_normal((3, 3, 2))
    s = stride if isinstance(stride, int) else stride[1]
    d = dilations or 1
    expected = ref_conv(x, w, (s,), (d,), padding)
    feed = nchw(x) if data_format == "NCW" else x
    got = evaluate(lambda v, f: tf.nn.conv1d(v, f, stride, padding, data_format=data_format,
                                             dilations=dilations), feed, w, mode=mode)
    assert_close(nhwc(got) if data_format == "NCW" else got, expected)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("strides,padding,dilations", [
    ([1, 1, 1, 1, 1], "SAME", None), ([1, 2, 1, 2, 1], "VALID", None), (1, "SAME", 2),
    ([2, 1, 1], [[0, 0], [1, 0], [0, 1], [1, 1], [0, 0]], None)])
def test_conv3d(strides, padding, dilations, mode):
    x = rng.standard_normal((1, 5, 4, 5, 2))
    w = rng.standard_normal((2, 3, 2, 2, 3))
    expected = ref_conv(x, w, _normalize(strides, 3, False), _normalize(dilations, 3, False),
                        _explicit(padding, 3, False))
    got = evaluate(lambda v, f: tf.nn.conv3d(v, f, strides, padding, dilations=dilations),
                   x, w, mode=mode)
    assert_close(got, expected)


def test_conv_static_shape_with_unknown_batch():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 28, 28, 3])
        y = tf.nn.conv2d(x, np.zeros((5, 5, 3, 8), np.float32), [1, 2, 2, 1], "SAME")
        assert y.shape.as_list() == [None, 14, 14, 8]
        z = tf.nn.conv2d(x, np.zeros((5, 5, 3, 8), np.float32), 1, [[0, 0], [1, 1], [2, 2],
                                                                    [0, 0]])
        assert z.shape.as_list() == [None, 26, 28, 8]


def test_conv_errors():
    x = np.zeros((1, 5, 5, 3), np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="input depth \\(3\\) must equal "
                       "the filter's in_channels \\(2\\)"):
        tf.nn.conv2d(x, np.zeros((3, 3, 2, 4), np.float32), 1, "SAME")
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="Depth of input \\(3\\)"):
            tf.nn.conv2d(tf.compat.v1.placeholder(tf.float32, [None, 5, 5, 3]),
                         np.zeros((3, 3, 2, 4), np.float32), 1, "SAME")
    with pytest.raises(ValueError, match="must be 4-D"):
        tf.nn.conv2d(x[0], np.zeros((3, 3, 3, 4), np.float32), 1, "SAME")
    with pytest.raises(tf.errors.InvalidArgumentError, match="batch and depth"):
        tf.nn.conv2d(x, np.zeros((3, 3, 3, 4), np.float32), [2, 1, 1, 1], "SAME")
    with pytest.raises(tf.errors.InvalidArgumentError, match="filters are float64"):
        tf.nn.conv2d(x, tf.constant(np.zeros((3, 3, 3, 4))), 1, "SAME")
    with pytest.raises(ValueError, match="padding must be"):
        tf.nn.conv2d(x, np.zeros((3, 3, 3, 4), np.float32), 1, "FULL")


TRANSPOSE_CASES = [
    # input spatial, output spatial, strides, padding, dilations
    ((3, 3), (5, 5), 2, "SAME", 1),
    ((3, 3), (6, 6), 2, "SAME", 1),
    ((2, 3), (5, 7), [1, 2, 2, 1], "VALID", 1),
    ((4, 4), (4, 4), 1, "SAME", 2),
    ((3, 2), (10, 5), [3, 2], "VALID", 1),
    ((3, 3), (6, 6), 2, [[0, 0], [1, 1], [2, 0], [0, 0]], 1),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", range(len(TRANSPOSE_CASES)))
def test_conv2d_transpose(case, mode):
    in_spatial, out_spatial, strides, padding, dilations = TRANSPOSE_CASES[case]
    x = rng.standard_normal((2, *in_spatial, 4))
    w = rng.standard_normal((3, 3, 2, 4))  # [h, w, out, in]
    output_shape = [2, *out_spatial, 2]
    expected = ref_conv_transpose(x, w, output_shape, _normalize(strides, 2, False),
                                  _normalize(dilations, 2, False), _explicit(padding, 2, False))
    got = evaluate(lambda v, f: tf.nn.conv2d_transpose(v, f, output_shape, strides, padding,
                                                       dilations=dilations), x, w, mode=mode)
    assert_close(got, expected)


def test_conv_transpose_is_the_adjoint_of_conv():
    x = rng.standard_normal((2, 7, 6, 3))
    w = rng.standard_normal((3, 3, 3, 5))
    y = rng.standard_normal((2, 4, 3, 5))
    forward = tf.nn.conv2d(x, w, 2, "SAME").numpy()
    backward = tf.nn.conv2d_transpose(y, w, x.shape, 2, "SAME").numpy()
    assert np.isclose(np.sum(forward * y), np.sum(x * backward))


@pytest.mark.parametrize("mode", MODES)
def test_conv_transpose_1d_3d_nchw_and_tensor_output_shape(mode):
    x = rng.standard_normal((2, 4, 3))
    w = rng.standard_normal((3, 2, 3))
    expected = ref_conv_transpose(x, w, [2, 8, 2], (2,), (1,), "SAME")
    assert_close(evaluate(lambda v, f: tf.nn.conv1d_transpose(v, f, [2, 8, 2], 2), x, w,
                          mode=mode), expected)
    x3 = rng.standard_normal((1, 2, 3, 2, 3))
    w3 = rng.standard_normal((2, 2, 2, 2, 3))
    expected3 = ref_conv_transpose(x3, w3, [1, 4, 5, 4, 2], (2, 2, 2), (1, 1, 1), "SAME")
    assert_close(evaluate(lambda v, f: tf.nn.conv3d_transpose(v, f, [1, 4, 5, 4, 2],
                                                              [1, 2, 2, 2, 1]), x3, w3,
                          mode=mode), expected3)
    x2 = rng.standard_normal((2, 3, 3, 4))
    w2 = rng.standard_normal((3, 3, 2, 4))
    expected2 = ref_conv_transpose(x2, w2, [2, 6, 6, 2], (2, 2), (1, 1), "SAME")
    got = evaluate(lambda v, f: tf.nn.conv2d_transpose(
        v, f, [2, 2, 6, 6], [1, 1, 2, 2], data_format="NCHW"), nchw(x2), w2, mode=mode)
    assert_close(nhwc(got), expected2)
    got = evaluate(lambda v, f: tf.nn.conv2d_transpose(
        v, f, tf.stack([tf.shape(v)[0], 6, 6, 2]), 2), x2, w2, mode=mode, exact_shape=False)
    assert_close(got, expected2)


def test_conv_transpose_static_shape_and_errors():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 7, 7, 8])
        w = np.zeros((5, 5, 4, 8), np.float32)
        y = tf.nn.conv2d_transpose(x, w, tf.stack([tf.shape(x)[0], 14, 14, 4]), 2)
        assert y.shape.as_list() == [None, 14, 14, 4] and y.dtype == tf.float32
    x = np.zeros((1, 3, 3, 4), np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="convolves to spatial shape"):
        tf.nn.conv2d_transpose(x, np.zeros((3, 3, 2, 4), np.float32), [1, 9, 9, 2], 2)
    with pytest.raises(ValueError, match="filters' last dimension"):
        tf.nn.conv2d_transpose(x, np.zeros((3, 3, 4, 2), np.float32), [1, 6, 6, 4], 2)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("multiplier,strides,padding,dilations", [
    (1, [1, 1, 1, 1], "SAME", None), (2, [1, 2, 2, 1], "VALID", None),
    (3, [1, 2, 1, 1], "SAME", None), (2, [1, 1, 1, 1], "SAME", [2, 2])])
def test_depthwise_conv2d(multiplier, strides, padding, dilations, mode):
    x = rng.standard_normal((2, 6, 5, 3))
    w = rng.standard_normal((3, 2, 3, multiplier))
    expected = ref_depthwise(x, w, _normalize(strides, 2, False),
                             _normalize(dilations, 2, False), padding)
    got = evaluate(lambda v, f: tf.nn.depthwise_conv2d(v, f, strides, padding,
                                                       dilations=dilations), x, w, mode=mode)
    assert_close(got, expected)
    got = evaluate(lambda v, f: tf.nn.depthwise_conv2d(v, f, [1, 1] + strides[1:3], padding,
                                                       data_format="NCHW",
                                                       dilations=dilations),
                   nchw(x), w, mode=mode)
    assert_close(nhwc(got), expected)


def test_depthwise_tf1_rate_and_separable_conv2d():
    x = rng.standard_normal((2, 6, 6, 3))
    w = rng.standard_normal((3, 3, 3, 2))
    expected = ref_depthwise(x, w, (1, 1), (2, 2), "SAME")
    # TF1 order: (input, filter, strides, padding, rate)
    assert_close(tf.compat.v1.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME", [2, 2]).numpy(),
                 expected)
    pointwise = rng.standard_normal((1, 1, 6, 4))
    got = tf.nn.separable_conv2d(x, w, pointwise, [1, 1, 1, 1], "SAME", dilations=[2, 2])
    assert_close(got.numpy(), expected @ pointwise[0, 0])


def test_xw_plus_b_and_atrous_conv2d():
    x, w, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)
    assert_close(tf.nn.xw_plus_b(x, w, b).numpy(), x @ w + b)
    assert_close(tf.nn.relu_layer(x, w, b).numpy(), np.maximum(x @ w + b, 0))
    image, f = rng.standard_normal((1, 7, 7, 2)), rng.standard_normal((3, 3, 2, 2))
    assert_close(tf.nn.atrous_conv2d(image, f, 2, "SAME").numpy(),
                 ref_conv(image, f, (1, 1), (2, 2), "SAME"))


# ---- pooling --------------------------------------------------------------------------------

POOL_CASES = [
    # input shape, ksize, strides, padding
    ((2, 7, 6, 3), 2, 2, "SAME"),
    ((2, 7, 6, 3), [1, 2, 2, 1], [1, 2, 2, 1], "VALID"),
    ((2, 7, 6, 3), [3, 2], [2, 1], "SAME"),
    ((2, 7, 6, 3), 3, 2, "SAME"),
    ((2, 5, 5, 2), 3, 3, "SAME"),
    ((2, 9, 3), 3, 2, "SAME"),
    ((2, 9, 3), [1, 4, 1], [1, 3, 1], "VALID"),
    ((1, 4, 5, 3, 2), 2, 2, "SAME"),
    ((1, 4, 5, 3, 2), [1, 3, 2, 2, 1], [1, 1, 2, 1, 1], "VALID"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", range(len(POOL_CASES)))
def test_pools(case, mode):
    shape, ksize, strides, padding = POOL_CASES[case]
    n = len(shape) - 2
    x = rng.standard_normal(shape)
    k, s = _normalize(ksize, n, False), _normalize(strides, n, False)
    for public, kind in ((tf.nn.max_pool, "max"), (tf.nn.avg_pool, "avg")):
        got = evaluate(lambda v: public(v, ksize, strides, padding), x, mode=mode)
        assert_close(got, ref_pool(x, k, s, padding, kind))
    specific = {1: (tf.nn.max_pool1d, tf.nn.avg_pool1d), 2: (tf.nn.max_pool2d, tf.nn.avg_pool2d),
                3: (tf.nn.max_pool3d, tf.nn.avg_pool3d)}[n]
    for public, kind in zip(specific, ("max", "avg")):
        got = evaluate(lambda v: public(v, ksize, strides, padding), x, mode=mode)
        assert_close(got, ref_pool(x, k, s, padding, kind))


@pytest.mark.parametrize("mode", MODES)
def test_pools_nchw(mode):
    x = rng.standard_normal((2, 7, 6, 3))
    got = evaluate(lambda v: tf.nn.max_pool(v, [1, 1, 3, 3], [1, 1, 2, 2], "SAME",
                                            data_format="NCHW"), nchw(x), mode=mode)
    assert_close(nhwc(got), ref_pool(x, (3, 3), (2, 2), "SAME", "max"))
    got = evaluate(lambda v: tf.nn.avg_pool(v, 3, 2, "SAME", data_format="NCHW"), nchw(x),
                   mode=mode)
    assert_close(nhwc(got), ref_pool(x, (3, 3), (2, 2), "SAME", "avg"))


def test_avg_pool_same_edges_exclude_padding():
    x = np.ones((1, 3, 3, 1), np.float32)
    assert np.allclose(tf.nn.avg_pool2d(x, 2, 2, "SAME").numpy(), 1.0)
    x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    assert tf.nn.avg_pool2d(x, 2, 2, "SAME").numpy()[0, 1, 1, 0] == 8.0


@pytest.mark.parametrize("mode", ["eager", "graph"])
def test_max_pool_gradient_goes_to_the_first_maximum(mode):
    x = np.array([[1, 3, 3, 0], [3, 2, 1, 3], [5, 5, 0, 0], [5, 5, 0, 0]], np.float32)
    x = x.reshape(1, 4, 4, 1)
    expected = np.array([[0, 1, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]],
                        np.float32).reshape(1, 4, 4, 1)

    def grad(v):
        if tf.executing_eagerly():
            with tf.GradientTape() as tape:
                tape.watch(v)
                y = tf.reduce_sum(tf.nn.max_pool2d(v, 2, 2, "VALID"))
            return tape.gradient(y, v)
        return tf.gradients(tf.reduce_sum(tf.nn.max_pool2d(v, 2, 2, "VALID")), v)[0]
    got = evaluate(grad, x, mode=mode)
    assert_close(got, expected, dtype=np.float32)


def test_pool_errors():
    with pytest.raises(ValueError, match="padding must be 'SAME' or 'VALID'"):
        tf.nn.max_pool2d(np.zeros((1, 4, 4, 1), np.float32), 2, 2, "FULL")
    with pytest.raises(tf.errors.InvalidArgumentError, match="larger than the input"):
        tf.nn.max_pool2d(np.zeros((1, 2, 2, 1), np.float32), 3, 1, "VALID")
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="larger than the input"):
            tf.nn.avg_pool2d(tf.compat.v1.placeholder(tf.float32, [None, 2, 2, 1]), 3, 1,
                             "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="batch and depth"):
        tf.nn.max_pool2d(np.zeros((1, 4, 4, 1), np.float32), [2, 2, 2, 1], 1, "VALID")


# ---- dropout --------------------------------------------------------------------------------

def test_dropout_scales_kept_values_and_drops_about_rate():
    x = np.full((200, 100), 2.0, np.float32)
    for kwargs, rate in (({"rate": 0.3}, 0.3), ({"keep_prob": 0.6}, 0.4)):
        y = tf.nn.dropout(x, **kwargs).numpy()
        assert y.dtype == np.float32
        kept = y != 0
        assert np.allclose(y[kept], 2.0 / (1 - rate))
        assert abs(1 - kept.mean() - rate) < 0.02
    assert tf.nn.dropout(x, 0.0).numpy() is not None
    assert np.array_equal(tf.nn.dropout(x, 0.0).numpy(), x)


def test_dropout_noise_shape_broadcasts_the_mask():
    x = np.ones((50, 8), np.float32)
    for noise_shape in ([50, 1], [None, 1]):
        y = tf.nn.dropout(x, 0.5, noise_shape=noise_shape).numpy()
        assert np.all((y == 0).all(axis=1) | (y == 2).all(axis=1))
        assert 0 < (y[:, 0] == 0).sum() < 50


def test_dropout_is_reproducible_with_seeds():
    x = np.ones((10, 10), np.float32)
    tf.random.set_seed(7)
    first = [tf.nn.dropout(x, 0.5).numpy(), tf.nn.dropout(x, 0.5, seed=3).numpy()]
    tf.random.set_seed(7)
    second = [tf.nn.dropout(x, 0.5).numpy(), tf.nn.dropout(x, 0.5, seed=3).numpy()]
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert not np.array_equal(first[0], first[1])

    def graph_run():
        graph = tf.Graph()
        with graph.as_default():
            tf.compat.v1.set_random_seed(11)
            y = tf.nn.dropout(tf.constant(x), rate=0.5)
            with tf.compat.v1.Session(graph=graph) as sess:
                return sess.run(y)
    assert np.array_equal(graph_run(), graph_run())


def test_dropout_with_a_fed_keep_prob_in_tf1_graph_mode():
    x = np.ones((100, 100), np.float32)
    tf.compat.v1.disable_eager_execution()
    try:
        graph = tf.Graph()
        with graph.as_default():
            keep_prob = tf.compat.v1.placeholder(tf.float32)
            inputs = tf.compat.v1.placeholder(tf.float32, [None, 100])
            y = tf.nn.dropout(inputs, keep_prob)  # TF1: the second argument is keep_prob
            with tf.compat.v1.Session(graph=graph) as sess:
                assert np.array_equal(sess.run(y, {inputs: x, keep_prob: 1.0}), x)
                kept = sess.run(y, {inputs: x, keep_prob: 0.8}) != 0
                assert abs(kept.mean() - 0.8) < 0.03
    finally:
        tf.compat.v1.enable_eager_execution()


def test_dropout_errors():
    with pytest.raises(ValueError, match="in the range \\[0, 1\\)"):
        tf.nn.dropout(np.ones(3, np.float32), 1.0)
    with pytest.raises(ValueError, match="floating point tensor"):
        tf.nn.dropout(np.ones(3, np.int32), 0.5)
    with pytest.raises(ValueError, match="Cannot specify both keep_prob and rate"):
        tf.nn.dropout(np.ones(3, np.float32), rate=0.5, keep_prob=0.5)


# ---- cross-entropies ------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_softmax_cross_entropy_with_logits(mode):
    logits = rng.standard_normal((4, 5)) * 3
    labels = rng.dirichlet(np.ones(5), size=4)
    expected = -(labels * ref_log_softmax(logits)).sum(-1)
    got = evaluate(lambda z, p: tf.nn.softmax_cross_entropy_with_logits(labels=p, logits=z),
                   logits, labels, mode=mode)
    assert_close(got, expected)
    got = evaluate(lambda z, p: tf.nn.softmax_cross_entropy_with_logits(labels=p, logits=z,
                                                                        axis=0),
                   logits.T, labels.T, mode=mode)
    assert_close(got, expected)
    got = evaluate(lambda z, p: tf.compat.v1.nn.softmax_cross_entropy_with_logits_v2(
        labels=p, logits=z, dim=-1), logits, labels, mode=mode)
    assert_close(got, expected)


def test_softmax_cross_entropy_shape_mismatch():
    with pytest.raises(tf.errors.InvalidArgumentError, match="logits_size=\\[2, 4\\] "
                       "labels_size=\\[2, 3\\]"):
        tf.nn.softmax_cross_entropy_with_logits(labels=np.zeros((2, 3), np.float32),
                                                logits=np.zeros((2, 4), np.float32))


@pytest.mark.parametrize("mode", MODES)
def test_sparse_softmax_cross_entropy_with_logits(mode):
    logits = rng.standard_normal((2, 3, 5)) * 3
    labels = np.array([[0, 4, 2], [1, 1, 3]], np.int64)
    log_p = ref_log_softmax(logits)
    expected = -np.take_along_axis(log_p, labels[..., None], -1)[..., 0]
    got = evaluate(lambda z, y: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                               logits=z),
                   logits, labels, mode=mode)
    assert_close(got, expected)
    got = evaluate(lambda z, y: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                               logits=z),
                   logits[0].astype(np.float32), labels[0].astype(np.int32), mode=mode)
    assert_close(got, expected[0], dtype=np.float32)


@pytest.mark.parametrize("mode", ["eager", "graph"])
def test_sparse_softmax_cross_entropy_label_out_of_range(mode):
    logits = np.zeros((2, 4), np.float32)
    for bad in (7, -1):
        labels = np.array([1, bad])
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=f"label value of {bad} which is outside the valid range of "
                                 f"\\[0, 4\\)"):
            evaluate(lambda z, y: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                                 logits=z),
                     logits, labels, mode=mode)


def test_sparse_softmax_cross_entropy_rank_and_shape_errors():
    with pytest.raises(ValueError, match="Rank mismatch: Rank of labels \\(received 2\\)"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=np.zeros((2, 1), np.int32),
                                                       logits=np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError, match="Shape mismatch"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=np.zeros(3, np.int32),
                                                       logits=np.zeros((2, 4), np.float32))
    with pytest.raises(TypeError, match="integer class indices"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=np.zeros(2, np.float32),
                                                       logits=np.zeros((2, 4), np.float32))


@pytest.mark.parametrize("mode", MODES)
def test_sigmoid_cross_entropy_with_logits_is_stable(mode):
    logits = np.array([[-100.0, -3.0, 0.0], [0.5, 3.0, 100.0]])
    labels = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 1.0]])
    expected = np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))
    for dtype in (np.float32, np.float64):
        got = evaluate(lambda z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z,
                                                                            logits=x),
                       labels.astype(dtype), logits.astype(dtype), mode=mode)
        assert_close(got, expected, dtype=dtype)
    x = tf.constant(logits)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=x)
    assert_close(tape.gradient(loss, x).numpy(), 1 / (1 + np.exp(-logits)) - labels)


@pytest.mark.parametrize("mode", MODES)
def test_weighted_cross_entropy_with_logits(mode):
    logits = rng.standard_normal((3, 4)) * 4
    labels = rng.uniform(size=(3, 4))
    sig = 1 / (1 + np.exp(-logits))
    expected = -(3.0 * labels * np.log(sig) + (1 - labels) * np.log(1 - sig))
    got = evaluate(lambda z, x: tf.nn.weighted_cross_entropy_with_logits(
        labels=z, logits=x, pos_weight=3.0), labels, logits, mode=mode)
    assert_close(got, expected)
    got = tf.compat.v1.nn.weighted_cross_entropy_with_logits(targets=labels, logits=logits,
                                                             pos_weight=3.0)
    assert_close(got.numpy(), expected)


# ---- losses, normalization ------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_l2_loss_and_l2_normalize(mode):
    x = rng.standard_normal((3, 4))
    assert_close(evaluate(tf.nn.l2_loss, x, mode=mode), np.sum(x ** 2) / 2)
    for axis in (None, 0, 1, [0, 1]):
        reduce = None if axis is None else tuple(np.atleast_1d(axis))
        expected = x / np.sqrt(np.maximum(np.sum(x ** 2, axis=reduce, keepdims=True), 1e-12))
        assert_close(evaluate(lambda t: tf.nn.l2_normalize(t, axis=axis), x, mode=mode),
                     expected)
    zeros = np.zeros((2, 2))
    assert_close(evaluate(lambda t: tf.nn.l2_normalize(t, 1), zeros, mode=mode), zeros)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("axes,keepdims", [([0], False), ([0, 1, 2], False), ([0, 2], True),
                                           (1, True)])
def test_moments(axes, keepdims, mode):
    x = rng.standard_normal((3, 4, 5))
    mean, variance = evaluate(lambda t: tf.nn.moments(t, axes, keepdims=keepdims), x,
                              mode=mode)
    reduce = tuple(np.atleast_1d(axes))
    assert_close(mean, x.mean(axis=reduce, keepdims=keepdims))
    assert_close(variance, x.var(axis=reduce, keepdims=keepdims))


def test_moments_tf1_keep_dims_and_float16():
    x = rng.standard_normal((4, 3)).astype(np.float16)
    mean, variance = tf.compat.v1.nn.moments(x, [0], keep_dims=True)
    assert mean.shape == (1, 3) and mean.dtype == tf.float16
    assert_close(variance.numpy(), x.astype(np.float64).var(0, keepdims=True), rtol=1e-2,
                 atol=1e-2)


@pytest.mark.parametrize("mode", MODES)
def test_batch_normalization(mode):
    x = rng.standard_normal((4, 3))
    mean, variance = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    offset, scale = rng.standard_normal(3), rng.standard_normal(3)
    expected = (x - mean) / np.sqrt(variance + 1e-3) * scale + offset
    got = evaluate(lambda *t: tf.nn.batch_normalization(*t, variance_epsilon=1e-3), x, mean,
                   variance, offset, scale, mode=mode)
    assert_close(got, expected)
    got = evaluate(lambda t, m, v: tf.nn.batch_normalization(t, m, v, None, None, 1e-3), x,
                   mean, variance, mode=mode)
    assert_close(got, (x - mean) / np.sqrt(variance + 1e-3))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("data_format", ["NHWC", "NCHW"])
def test_fused_batch_norm(data_format, mode):
    x = rng.standard_normal((3, 4, 5, 2)) * 2 + 1
    scale, offset = rng.standard_normal(2), rng.standard_normal(2)
    feed = nchw(x) if data_format == "NCHW" else x
    axes = (0, 1, 2)
    mean, variance = x.mean(axes), x.var(axes)
    y, batch_mean, batch_var = evaluate(lambda *t: tf.nn.fused_batch_norm(
        *t, epsilon=1e-3, data_format=data_format), feed, scale, offset, mode=mode)
    expected = (x - mean) / np.sqrt(variance + 1e-3) * scale + offset
    assert_close(nhwc(y) if data_format == "NCHW" else y, expected)
    assert_close(batch_mean, mean)
    assert_close(batch_var, x.var(axes, ddof=1))  # TF returns the unbiased batch variance
    running_mean, running_var = rng.standard_normal(2), rng.uniform(1, 2, 2)
    y, new_mean, new_var = evaluate(lambda *t: tf.nn.fused_batch_norm(
        *t, epsilon=1e-3, data_format=data_format, is_training=False), feed, scale, offset,
        running_mean, running_var, mode=mode)
    expected = (x - running_mean) / np.sqrt(running_var + 1e-3) * scale + offset
    assert_close(nhwc(y) if data_format == "NCHW" else y, expected)
    assert_close(new_mean, running_mean)
    _, avg_mean, avg_var = evaluate(lambda *t: tf.nn.fused_batch_norm(
        *t, epsilon=1e-3, data_format=data_format, exponential_avg_factor=0.1), feed, scale,
        offset, running_mean, running_var, mode=mode)
    assert_close(avg_mean, 0.9 * running_mean + 0.1 * mean)
    assert_close(avg_var, 0.9 * running_var + 0.1 * x.var(axes, ddof=1))


# ---- embeddings, top-k ----------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_embedding_lookup(mode):
    table = rng.standard_normal((5, 3))
    ids = np.array([[0, 4], [2, 2]], np.int32)
    assert_close(evaluate(tf.nn.embedding_lookup, table, ids, mode=mode), table[ids])
    shards = [table[:3], table[3:]]
    got = evaluate(lambda a, b, i: tf.nn.embedding_lookup([a, b], i, partition_strategy="div"),
                   *shards, ids, mode=mode)
    assert_close(got, table[ids])
    # "mod": id i lives in shard i % 2, row i // 2
    mod_shards = [table[0::2], table[1::2]]
    got = evaluate(lambda a, b, i: tf.compat.v1.nn.embedding_lookup([a, b], i, "mod"),
                   *mod_shards, ids, mode=mode)
    assert_close(got, table[ids])
    norms = np.linalg.norm(table[ids], axis=-1, keepdims=True)
    got = evaluate(lambda t, i: tf.nn.embedding_lookup(t, i, max_norm=0.5), table, ids,
                   mode=mode)
    assert_close(got, table[ids] * np.minimum(1, 0.5 / norms))


def test_embedding_lookup_variable_gradient():
    table = tf.Variable(np.arange(12.0).reshape(4, 3))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.embedding_lookup(table, [1, 3, 1]))
    grad = tf.convert_to_tensor(tape.gradient(loss, table)).numpy()
    assert_close(grad, np.array([[0, 0, 0], [2, 2, 2], [0, 0, 0], [1, 1, 1]]))


@pytest.mark.parametrize("mode", MODES)
def test_in_top_k(mode):
    predictions = np.array([[0.1, 0.3, 0.3, 0.2], [np.nan, 1, 2, 3], [np.inf, 1, 2, 3],
                            [0.4, 0.3, 0.2, 0.1]], np.float32)
    targets = np.array([1, 2, 0, 3], np.int32)
    got = evaluate(lambda t, p: tf.nn.in_top_k(t, p, 1), targets, predictions, mode=mode)
    assert got.dtype == np.bool_ and got.tolist() == [True, False, False, False]
    got = evaluate(lambda t, p: tf.nn.in_top_k(t, p, 2), targets, predictions, mode=mode)
    assert got.tolist() == [True, True, False, False]
    got = evaluate(lambda t, p: tf.nn.in_top_k(t, p, 4), np.array([9, -1, 1, 3]), predictions,
                   mode=mode)
    assert got.tolist() == [False, False, True, True]


def test_in_top_k_tf1_argument_order():
    predictions = np.array([[0.1, 0.9], [0.8, 0.2]], np.float32)
    assert tf.compat.v1.nn.in_top_k(predictions, [1, 1], 1).numpy().tolist() == [True, False]
    assert tf.nn.in_top_k(targets=[1, 1], predictions=predictions,
                          k=1).numpy().tolist() == [True, False]


# ---- smaller tf.nn functions ----------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_local_response_normalization(mode):
    x = rng.standard_normal((2, 3, 2, 7))
    radius, bias, alpha, beta = 2, 1.5, 0.3, 0.75
    window = np.zeros_like(x)
    for c in range(7):
        window[..., c] = (x[..., max(0, c - radius):c + radius + 1] ** 2).sum(-1)
    got = evaluate(lambda t: tf.nn.lrn(t, radius, bias, alpha, beta), x, mode=mode)
    assert_close(got, x / (bias + alpha * window) ** beta)


@pytest.mark.parametrize("mode", MODES)
def test_depth_to_space_and_space_to_depth(mode):
    x = rng.standard_normal((2, 2, 3, 8))
    expected = np.zeros((2, 4, 6, 2))
    for h, w, i, j in itertools.product(range(2), range(3), range(2), range(2)):
        expected[:, 2 * h + i, 2 * w + j, :] = x[:, h, w, (2 * i + j) * 2:(2 * i + j) * 2 + 2]
    assert_close(evaluate(lambda t: tf.nn.depth_to_space(t, 2), x, mode=mode), expected)
    assert_close(evaluate(lambda t: tf.nn.space_to_depth(t, 2), expected, mode=mode), x)
    got = evaluate(lambda t: tf.nn.depth_to_space(t, 2, data_format="NCHW"), nchw(x), mode=mode)
    assert_close(nhwc(got), expected)


@pytest.mark.parametrize("mode", MODES)
def test_moment_helpers_and_small_losses(mode):
    x = rng.standard_normal((3, 4))
    count, m_ss, v_ss = evaluate(lambda t: tf.nn.sufficient_statistics(t, [0], shift=0.5)[:3],
                                 x, mode=mode)
    assert count == 3 and np.allclose(m_ss, (x - 0.5).sum(0))
    assert_close(v_ss, ((x - 0.5) ** 2).sum(0))
    mean, variance = evaluate(lambda t: tf.nn.normalize_moments(
        *tf.nn.sufficient_statistics(t, [0], shift=0.5)), x, mode=mode)
    assert_close(mean, x.mean(0))
    assert_close(variance, x.var(0))
    weights = np.array([[1.0], [2.0], [0.5]])
    mean, variance = evaluate(lambda t, f: tf.nn.weighted_moments(t, [0], f), x, weights,
                              mode=mode)
    expected_mean = (weights * x).sum(0) / weights.sum()
    assert_close(mean, expected_mean)
    assert_close(variance, (weights * (x - expected_mean) ** 2).sum(0) / weights.sum())
    assert_close(evaluate(tf.nn.zero_fraction, np.array([0.0, 1.0, 0.0, 2.0]), mode=mode), 0.5)
    targets = np.array([0.0, 0.5, 1.0, 2.0, 5.0])
    log_input = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    full = np.exp(log_input) - log_input * targets + np.where(
        targets > 1, targets * np.log(np.maximum(targets, 1)) - targets +
        0.5 * np.log(2 * np.pi * np.maximum(targets, 1)), 0)
    assert_close(evaluate(lambda z, c: tf.nn.log_poisson_loss(z, c, compute_full_loss=True),
                          targets, log_input, mode=mode), full)
    assert_close(evaluate(lambda v: tf.nn.compute_average_loss(v, sample_weight=[1.0, 0.0,
                                                                                 2.0]),
                          np.array([1.0, 2.0, 3.0]), mode=mode), 7.0 / 3)


@pytest.mark.parametrize("mode", MODES)
def test_tf1_conv_backprop_functions_pool_and_conv_transpose(mode):
    x = rng.standard_normal((2, 5, 5, 3))
    w = rng.standard_normal((3, 3, 3, 4))
    dy = rng.standard_normal((2, 3, 3, 4))
    # d <conv(x, w), dy> / dx and / dw, by linearity from the references
    dx = ref_conv_transpose(dy, w, list(x.shape), (2, 2), (1, 1), "SAME")
    got = evaluate(lambda f, g: tf.compat.v1.nn.conv2d_backprop_input(
        [2, 5, 5, 3], f, g, [1, 2, 2, 1], "SAME"), w, dy, mode=mode)
    assert_close(got, dx)
    dw = np.zeros_like(w)
    for k in np.ndindex(*w.shape):
        e = np.zeros_like(w)
        e[k] = 1
        dw[k] = (ref_conv(x, e, (2, 2), (1, 1), "SAME") * dy).sum()
    got = evaluate(lambda v, g: tf.compat.v1.nn.conv2d_backprop_filter(
        v, [3, 3, 3, 4], g, [1, 2, 2, 1], "SAME"), x, dy, mode=mode)
    assert_close(got, dw)
    got = evaluate(lambda v: tf.nn.pool(v, [3, 3], "AVG", strides=[2, 2], padding="SAME"), x,
                   mode=mode)
    assert_close(got, ref_pool(x, (3, 3), (2, 2), "SAME", "avg"))
    got = evaluate(lambda g, f: tf.nn.conv_transpose(g, f, [2, 5, 5, 3], 2), dy, w, mode=mode)
    assert_close(got, dx)


# ---- gradients: finite differences (float64), eager and graph -------------------------------

def _x(*shape, low=0.2, high=2.0):
    """Values away from 0 (relu kinks) with random signs, no ties."""
    size = int(np.prod(shape))
    magnitudes = np.linspace(low, high, size)
    rng.shuffle(magnitudes)
    return (magnitudes * rng.choice([-1.0, 1.0], size)).reshape(shape)


def _distinct(*shape):
    """A permutation of well-separated values: no ties anywhere (max pool windows)."""
    return rng.permutation(np.arange(int(np.prod(shape))) * 0.37 - 3.0).reshape(shape)


def _second_order(inner, argnum=0):
    """f(*xs) = d sum(inner(*xs) * w) / d xs[argnum], built with the mode's gradient API."""
    def f(*xs):
        if tf.executing_eagerly():
            with tf.GradientTape() as tape:
                tape.watch(xs[argnum])
                y = inner(*xs)
            return tape.gradient(y, xs[argnum])
        return tf.gradients(inner(*xs), xs[argnum])[0]
    return f


def _conv_attrs(strides=(1, 1), padding="SAME", dilations=(1, 1)):
    return {"strides": strides, "padding": padding, "dilations": dilations}


POOL2 = {"ksize": (2, 2), "strides": (2, 2), "padding": "SAME"}
POOL3 = {"ksize": (3, 3), "strides": (2, 2), "padding": "SAME"}
_labels = rng.dirichlet(np.ones(4), size=3)
_sparse_labels = np.array([0, 3, 1])

# name: (function, inputs, primitives the check must exercise)
GRADIENT_CASES = {
    "relu": (tf.nn.relu, [_x(3, 4)], {"Relu"}),
    "relu_grad_op": (lambda g, y: apply("ReluGrad", [g, y]), [_x(3, 4), _x(3, 4)],
                     {"ReluGrad"}),
    "relu6": (tf.nn.relu6, [_x(3, 4, high=7.5)], {"Relu6"}),
    "elu": (tf.nn.elu, [_x(3, 4)], {"Elu"}),
    "selu": (tf.nn.selu, [_x(3, 4)], {"Selu"}),
    "leaky_relu": (lambda x: tf.nn.leaky_relu(x, 0.3), [_x(3, 4)], {"LeakyRelu"}),
    "softsign": (tf.nn.softsign, [_x(3, 4)], {"Softsign"}),
    "gelu": (tf.nn.gelu, [_x(2, 3)], set()),
    "gelu_tanh": (lambda x: tf.nn.gelu(x, approximate=True), [_x(2, 3)], set()),
    "swish": (lambda x: tf.nn.swish(x, 1.5), [_x(2, 3)], set()),
    "softmax": (tf.nn.softmax, [_x(3, 4)], {"Softmax"}),
    "softmax_axis0": (lambda x: tf.nn.softmax(x, axis=0), [_x(3, 4)], {"Softmax"}),
    "log_softmax": (tf.nn.log_softmax, [_x(3, 4)], {"LogSoftmax"}),
    "softmax_ce": (lambda z, p: tf.nn.softmax_cross_entropy_with_logits(labels=p, logits=z),
                   [_x(3, 4), _labels], {"SoftmaxCrossEntropyWithLogits"}),
    "softmax_ce_second_order": (
        _second_order(lambda z, p: tf.nn.softmax_cross_entropy_with_logits(labels=p, logits=z)
                      * tf.constant([1.0, 2.0, 3.0], tf.float64)),
        [_x(3, 4), _labels], {"SoftmaxCrossEntropyWithLogits"}),
    "sparse_softmax_ce": (
        lambda z: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=_sparse_labels,
                                                                 logits=z),
        [_x(3, 4)], {"SparseSoftmaxCrossEntropyWithLogits"}),
    "sparse_softmax_ce_second_order": (
        _second_order(lambda z: tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=_sparse_labels, logits=z) * tf.constant([1.0, 2.0, 3.0], tf.float64)),
        [_x(3, 4)], {"SparseSoftmaxCrossEntropyWithLogits"}),
    "sigmoid_ce": (lambda z, p: tf.nn.sigmoid_cross_entropy_with_logits(labels=p, logits=z),
                   [_x(3, 4, high=5), rng.uniform(size=(3, 4))], set()),
    "weighted_ce": (lambda z, p: tf.nn.weighted_cross_entropy_with_logits(p, z, 2.5),
                    [_x(3, 4, high=5), rng.uniform(size=(3, 4))], set()),
    "bias_add": (tf.nn.bias_add, [_x(2, 3, 4), _x(4)], {"BiasAdd"}),
    "bias_add_nchw": (lambda v, b: tf.nn.bias_add(v, b, data_format="NCHW"),
                      [_x(2, 3, 2, 2), _x(3)], {"BiasAdd"}),
    "bias_add_grad_op": (lambda g: apply("BiasAddGrad", [g], {"data_format": "NCHW"}),
                         [_x(2, 3, 2, 2)], {"BiasAddGrad"}),
    "l2_loss": (tf.nn.l2_loss, [_x(3, 2)], set()),
    "l2_normalize": (lambda x: tf.nn.l2_normalize(x, 1), [_x(3, 2)], set()),
    "moments": (lambda x: tf.nn.moments(x, [0, 1]), [_x(3, 2, 2)], set()),
    "batch_normalization": (lambda x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s,
                                                                            1e-3),
                            [_x(4, 2), _x(2), rng.uniform(0.5, 2, 2), _x(2), _x(2)], set()),
    "fused_batch_norm": (lambda x, s, o: tf.nn.fused_batch_norm(x, s, o)[0],
                         [_x(2, 2, 2, 3), _x(3), _x(3)], set()),
    "conv1d": (lambda x, w: tf.nn.conv1d(x, w, 2, "SAME"), [_x(2, 5, 2), _x(3, 2, 2)],
               {"Conv"}),
    "conv2d": (lambda x, w: tf.nn.conv2d(x, w, 1, "SAME"), [_x(1, 4, 4, 2), _x(3, 3, 2, 2)],
               {"Conv"}),
    "conv2d_strided_dilated": (
        lambda x, w: tf.nn.conv2d(x, w, [1, 2, 1, 1], [[0, 0], [1, 0], [2, 1], [0, 0]],
                                  dilations=[1, 1, 2, 1]),
        [_x(1, 5, 4, 2), _x(2, 2, 2, 3)], {"Conv"}),
    "conv2d_small_channels": (lambda x, w: tf.nn.conv2d(x, w, 2, "SAME"),
                              [_x(1, 4, 4, 1), _x(3, 3, 1, 4)], {"Conv"}),
    "conv3d": (lambda x, w: tf.nn.conv3d(x, w, 1, "VALID"), [_x(1, 3, 3, 3, 1),
                                                             _x(2, 2, 2, 1, 2)], {"Conv"}),
    "conv2d_transpose": (lambda x, w: tf.nn.conv2d_transpose(x, w, [1, 5, 5, 2], 2, "SAME"),
                         [_x(1, 3, 3, 3), _x(3, 3, 2, 3)], {"ConvBackpropInput"}),
    "conv_backprop_filter_op": (
        lambda x, g: apply("ConvBackpropFilter", [x, g, tf.constant([2, 2, 2, 3])],
                           _conv_attrs((2, 2))),
        [_x(1, 4, 3, 2), _x(1, 2, 2, 3)], {"ConvBackpropFilter"}),
    "conv2d_second_order": (
        _second_order(lambda x, w: tf.reduce_sum(tf.square(tf.nn.conv2d(x, w, 2, "SAME")))),
        [_x(1, 4, 4, 2), _x(3, 3, 2, 2)], {"Conv", "ConvBackpropInput"}),
    "conv2d_second_order_filter": (
        _second_order(lambda x, w: tf.reduce_sum(tf.square(tf.nn.conv2d(x, w, 1, "SAME"))), 1),
        [_x(1, 3, 3, 2), _x(2, 2, 2, 2)], {"Conv", "ConvBackpropFilter"}),
    "depthwise_conv2d": (lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME"),
                         [_x(1, 4, 4, 2), _x(3, 3, 2, 2)], {"DepthwiseConv2dNative"}),
    "depthwise_second_order": (
        _second_order(lambda x, w: tf.reduce_sum(tf.square(tf.nn.depthwise_conv2d(
            x, w, [1, 1, 1, 1], "VALID", dilations=[2, 1])))),
        [_x(1, 4, 3, 2), _x(2, 2, 2, 1)],
        {"DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput"}),
    "depthwise_second_order_filter": (
        _second_order(lambda x, w: tf.reduce_sum(tf.square(tf.nn.depthwise_conv2d(
            x, w, [1, 2, 1, 1], "SAME"))), 1),
        [_x(1, 3, 3, 2), _x(2, 2, 2, 2)],
        {"DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropFilter"}),
    "max_pool": (lambda x: tf.nn.max_pool2d(x, 2, 2, "SAME"), [_distinct(1, 5, 5, 2)],
                 {"MaxPool"}),
    "max_pool_overlapping": (lambda x: tf.nn.max_pool2d(x, 3, 2, "SAME"),
                             [_distinct(1, 5, 4, 2)], {"MaxPool"}),
    "max_pool1d_3d": (lambda a, b: (tf.nn.max_pool1d(a, 2, 1, "VALID"),
                                    tf.nn.max_pool3d(b, 2, 2, "SAME")),
                      [_distinct(1, 5, 2), _distinct(1, 3, 3, 2, 1)], {"MaxPool"}),
    "max_pool_grad_op": (
        lambda x, g: apply("MaxPoolGrad", [x, tf.nn.max_pool2d(x, 3, 2, "SAME"), g], POOL3),
        [_distinct(1, 5, 4, 2), _x(1, 3, 2, 2)], {"MaxPoolGrad"}),
    "max_pool_grad_grad_op": (
        lambda x, g: apply("MaxPoolGradGrad", [x, tf.nn.max_pool2d(x, 2, 2, "SAME"), g],
                           POOL2),
        [_distinct(1, 5, 5, 2), _x(1, 5, 5, 2)], {"MaxPoolGradGrad"}),
    "avg_pool": (lambda x: tf.nn.avg_pool2d(x, 3, 2, "SAME"), [_x(1, 5, 4, 2)],
                 {"AvgPool"}),
    "avg_pool1d_3d": (lambda a, b: (tf.nn.avg_pool1d(a, 2, 1, "VALID"),
                                    tf.nn.avg_pool3d(b, 2, 2, "SAME")),
                      [_x(1, 5, 2), _x(1, 3, 3, 2, 1)], {"AvgPool"}),
    "avg_pool_grad_op": (
        lambda g: apply("AvgPoolGrad", [tf.constant([1, 5, 4, 2]), g], POOL3),
        [_x(1, 3, 2, 2)], {"AvgPoolGrad"}),
    "embedding_lookup": (lambda t: tf.nn.embedding_lookup(t, [[2, 0], [2, 1]]), [_x(3, 2)],
                         set()),
    "lrn": (lambda x: tf.nn.lrn(x, 1, 1.0, 0.5, 0.75), [_x(1, 2, 2, 4)], set()),
    "depth_to_space": (lambda x: tf.nn.depth_to_space(x, 2), [_x(1, 1, 2, 8)], set()),
    "log_poisson_loss": (lambda z, c: tf.nn.log_poisson_loss(z, c, compute_full_loss=True),
                         [rng.uniform(0.1, 3, 5), _x(5)], set()),
}

NN_PRIMITIVES = {
    "Relu", "ReluGrad", "Relu6", "Elu", "Selu", "LeakyRelu", "Softsign", "Softmax",
    "LogSoftmax", "SoftmaxCrossEntropyWithLogits", "SparseSoftmaxCrossEntropyWithLogits",
    "BiasAdd", "BiasAddGrad", "Conv", "ConvBackpropInput", "ConvBackpropFilter",
    "DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
    "DepthwiseConv2dNativeBackpropFilter", "MaxPool", "MaxPoolGrad", "MaxPoolGradGrad",
    "AvgPool", "AvgPoolGrad",
}


@pytest.mark.parametrize("name", list(GRADIENT_CASES))
def test_gradients_match_finite_differences(name):
    f, inputs, primitives = GRADIENT_CASES[name]
    before = set(CHECKED_OPS)
    CHECKED_OPS.clear()
    try:
        check_gradients(f, inputs, rtol=1e-5, atol=1e-7)
        missing = primitives - CHECKED_OPS
    finally:
        CHECKED_OPS.update(before)
    assert not missing, f"{name} did not exercise {sorted(missing)}"


def test_every_nn_primitive_has_a_gradient_check():
    from tensorflux.framework.registry import get_op
    covered = set().union(*(case[2] for case in GRADIENT_CASES.values()))
    assert NN_PRIMITIVES <= covered, sorted(NN_PRIMITIVES - covered)
    for op_type in NN_PRIMITIVES:
        assert get_op(op_type).gradient is not None, op_type
