"""keras.ops (Keras 3's operations): against real Keras 3 (fixtures/keras_ops.{json,npz}, written
by tools/make_fixtures_keras_ops.py), against NumPy where Keras' TensorFlow backend is wrong,
against finite differences, and in every way they run: eagerly, in tf.function (static and
unknown batch sizes), and on KerasTensors in functional models (also saved and reloaded)."""
import json
import os

import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras
from tensorflux.keras import layers, ops
from tensorflux.testing import check_gradients

from helpers import FIXTURE_DIR

with open(os.path.join(FIXTURE_DIR, "keras_ops.json")) as _handle:
    FIXTURE = json.load(_handle)
ARRAYS = np.load(os.path.join(FIXTURE_DIR, "keras_ops.npz"), allow_pickle=False)
CASES = {case["id"]: case for case in FIXTURE["cases"]}

# Cases that need statically known sizes beyond the batch dimension (tensorflux, like most of
# Keras' TensorFlow backend, reads them from the static shape).
NEEDS_STATIC_FIRST_DIM = {"array_split", "diag_mat"}


def _lookup(name):
    target = ops
    for part in name.split("."):
        target = getattr(target, part)
    return target


def _array_names(value, found):
    if isinstance(value, dict):
        if "array" in value:
            if value["array"] not in found:
                found.append(value["array"])
            return found
        for item in (value["tuple"] if "tuple" in value else value.values()):
            _array_names(item, found)
    elif isinstance(value, list):
        for item in value:
            _array_names(item, found)
    return found


def _decode(value, env):
    if isinstance(value, dict):
        if "array" in value:
            return env[value["array"]]
        if "tuple" in value:
            return tuple(_decode(v, env) for v in value["tuple"])
        return {k: _decode(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, env) for v in value]
    return value


def _input(name):
    return ARRAYS["input/" + name]


def _run_case(case, mode):
    fn = _lookup(case["fn"])
    names = _array_names([case["args"], case["kwargs"]], [])
    if mode == "eager":
        env = {n: _input(n) for n in names}
        return fn(*_decode(case["args"], env), **_decode(case["kwargs"], env))
    if not names:
        pytest.skip("no tensor inputs")
    if mode in ("function", "batch"):
        signature = None
        if mode == "batch":
            if case["id"] in NEEDS_STATIC_FIRST_DIM:
                pytest.skip("needs a static first dimension")
            first = _input(names[0])
            signature = [tf.TensorSpec([None] + list(first.shape[1:]), first.dtype)] + [
                tf.TensorSpec(_input(n).shape, _input(n).dtype) for n in names[1:]]

        @tf.function(input_signature=signature)
        def run(*tensors):
            env = dict(zip(names, tensors))
            return fn(*_decode(case["args"], env), **_decode(case["kwargs"], env))
        return run(*[tf.constant(_input(n)) for n in names])
    # functional: KerasTensors in, a model out
    if any(_input(n).dtype in (np.float16, np.float64) for n in names):
        pytest.skip("tensorflux models cast float inputs to float32")
    inputs = {n: keras.Input(shape=_input(n).shape[1:], batch_size=_input(n).shape[0],
                             dtype=str(_input(n).dtype)) for n in names}
    out = fn(*_decode(case["args"], inputs), **_decode(case["kwargs"], inputs))
    if isinstance(out, int):
        pytest.skip("a Python value, not a tensor")
    model = keras.Model([inputs[n] for n in names], out)
    return model([_input(n) for n in names])


def _check_against_keras(case, result):
    leaves = list(result) if isinstance(result, (list, tuple)) else [result]
    if case["structure"] != "single":
        assert isinstance(result, (list, tuple)), type(result)
    assert len(leaves) == len(case["dtypes"])
    for i, (leaf, dtype) in enumerate(zip(leaves, case["dtypes"])):
        expected = ARRAYS[f"{case['id']}/out{i}"]
        if dtype == "python_int":
            assert leaf == expected
            continue
        assert ops.dtype(leaf) == dtype, f"output {i}: dtype {ops.dtype(leaf)}, Keras {dtype}"
        got = np.asarray(leaf)
        assert got.shape == expected.shape, f"output {i}: shape {got.shape} != {expected.shape}"
        if expected.dtype.kind in "fc":
            tol = 2e-3 if dtype == "float16" else 1e-5
            np.testing.assert_allclose(got.astype(np.float64), expected.astype(np.float64),
                                       rtol=tol, atol=tol, err_msg=f"output {i}")
        else:
            np.testing.assert_array_equal(got, expected, err_msg=f"output {i}")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("mode", ["eager", "function", "batch", "functional"])
@pytest.mark.parametrize("case_id", sorted(CASES))
def test_matches_keras(case_id, mode):
    case = CASES[case_id]
    _check_against_keras(case, _run_case(case, mode))


# ---- the API surface ------------------------------------------------------------------------

def test_result_type_matches_keras():
    from tensorflux.keras.ops._common import result_type
    weak = {"int": int, "float": float, "bool": bool}
    for pair, expected in FIXTURE["result_type"].items():
        a, b = pair.split(",")
        assert result_type(a, weak.get(b, b)) == expected, pair


def test_every_name_is_a_keras_name():
    keras_names = FIXTURE["names"]
    ours = [n for n in ops.__all__ if n not in ("numpy", "nn", "linalg", "image")]
    assert len(ours) >= 280
    assert set(ours) <= set(keras_names[""])
    for module in ("numpy", "nn", "linalg", "image"):
        public = getattr(ops, module).__all__
        assert public and set(public) <= set(keras_names[module]), module
    # what Keras exports at the top level is found there too (image functions are not)
    for module in ("numpy", "nn", "linalg"):
        for name in getattr(ops, module).__all__:
            assert getattr(ops, name) is getattr(getattr(ops, module), name), name


def test_submodules_and_aliases():
    assert tf.keras.ops is ops
    assert ops.nn.relu is ops.relu and ops.numpy.sum is ops.sum
    assert ops.linalg.norm is ops.norm and ops.image.resize is not None
    assert ops.math.logsumexp is ops.logsumexp and ops.core.cast is ops.cast


@pytest.mark.parametrize("path", ["qr", "svd", "cholesky", "fft", "unique", "ctc_loss",
                                  "nn.ctc_loss", "linalg.eig", "image.affine_transform",
                                  "numpy.histogram", "math.stft", "core.associative_scan"])
def test_unimplemented_functions_raise(path):
    module, _, name = path.rpartition(".")
    target = getattr(ops, module) if module else ops
    with pytest.raises(AttributeError, match="is not implemented by tensorflux"):
        getattr(target, name)


# ---- where Keras' TensorFlow backend is wrong or cannot run: against NumPy ------------------

def _np_sparsemax(z):
    ordered = -np.sort(-z, axis=-1)
    ks = np.arange(1, z.shape[-1] + 1)
    cumulative = np.cumsum(ordered, axis=-1)
    support = 1 + ks * ordered > cumulative
    k = support.sum(-1, keepdims=True)
    tau = (np.take_along_axis(cumulative, k - 1, -1) - 1) / k
    return np.maximum(z - tau, 0)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_numpy_semantics_where_keras_tf_differs():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2, 3, 4)).astype("float32")
    for k in range(-2, 5):
        for axes in ((0, 1), (1, 2), (2, 0)):
            np.testing.assert_array_equal(ops.rot90(a, k=k, axes=axes),
                                          np.rot90(a, k=k, axes=axes))
    v, w = np.arange(3.0, dtype="float32"), np.ones(3, "float32")
    np.testing.assert_array_equal(ops.vstack([v, w]), np.vstack([v, w]))
    product = ops.prod(np.array([2, 3], "int32"), dtype="float32")
    assert ops.dtype(product) == "float32" and float(product) == 6.0
    inf = np.array([np.inf, -np.inf, np.nan, 1.0], "float32")
    np.testing.assert_array_equal(ops.isclose(inf, inf), np.isclose(inf, inf))
    np.testing.assert_array_equal(ops.isclose(inf, inf, equal_nan=True),
                                  np.isclose(inf, inf, equal_nan=True))
    z = rng.normal(size=(3, 4, 5)).astype("float32") * 2
    np.testing.assert_allclose(ops.sparsemax(z), _np_sparsemax(z), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.sum(ops.sparsemax(z, axis=1), axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(ops.sparsemax(z, axis=1),
                               np.moveaxis(_np_sparsemax(np.moveaxis(z, 1, -1)), -1, 1),
                               rtol=1e-5, atol=1e-6)


def test_cases_keras_tf_cannot_run():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(2, 3)).astype("float32")
    b = np.array([[True, False, True], [False, False, True]])
    np.testing.assert_array_equal(ops.add(b, ~b), b | ~b)
    np.testing.assert_array_equal(ops.bitwise_not(b), ~b)
    np.testing.assert_allclose(ops.reciprocal(np.array([1, 2, 4], "int32")), [1, 0.5, 0.25])
    np.testing.assert_array_equal(ops.concatenate([a, a[0]], axis=None),
                                  np.concatenate([a, a[0]], axis=None))
    np.testing.assert_array_equal(ops.pad(a, 1, constant_values=3.0),
                                  np.pad(a, 1, constant_values=3.0))
    np.testing.assert_array_equal(ops.pad(a, (1, 2), mode="symmetric"),
                                  np.pad(a, (1, 2), mode="symmetric"))
    c = rng.normal(size=(2, 3, 4)).astype("float32")
    np.testing.assert_allclose(ops.norm(c), np.linalg.norm(c), rtol=1e-6)
    # grouped-query attention: fewer key/value heads are shared by groups of query heads
    q = rng.normal(size=(2, 3, 4, 8)).astype("float32")
    k = rng.normal(size=(2, 5, 2, 8)).astype("float32")
    v = rng.normal(size=(2, 5, 2, 8)).astype("float32")
    np.testing.assert_allclose(
        ops.dot_product_attention(q, k, v),
        ops.dot_product_attention(q, np.repeat(k, 2, axis=2), np.repeat(v, 2, axis=2)),
        rtol=1e-6)


def test_dtype_rules():
    assert ops.dtype(ops.convert_to_tensor(1.5)) == "float32"
    assert ops.dtype(ops.convert_to_tensor(3)) == "int32"
    assert ops.dtype(ops.convert_to_tensor(np.ones(2))) == "float64"
    assert ops.dtype(ops.convert_to_tensor([1, 2.5])) == "float32"
    assert ops.dtype(ops.convert_to_tensor(np.ones(2, "float32"), dtype="int8")) == "int8"
    x16 = np.ones(3, "float16")
    assert ops.dtype(ops.add(x16, 1.0)) == "float16"            # Python scalars are weak
    assert ops.dtype(ops.multiply(np.ones(3, "int8"), 2)) == "int8"
    assert ops.dtype(ops.add(np.ones(3, "int8"), np.ones(3, "uint8"))) == "int16"
    assert ops.dtype(ops.add(np.ones(3, "int32"), 0.5)) == "float32"
    assert ops.dtype(ops.mean(np.arange(4))) == "float32"
    assert ops.dtype(ops.argmax(np.ones((2, 3)), axis=1)) == "int32"
    assert ops.dtype(ops.sqrt(np.array([4], "int64"))) == "float32"
    assert ops.dtype(ops.zeros((2,))) == "float32"
    assert ops.dtype(ops.arange(3)) == "int32"
    assert ops.dtype(ops.arange(0.0, 1.0, 0.5)) == "float32"
    assert ops.dtype(ops.sum(np.ones(3, "uint8"))) == "uint32"


def test_channels_first_matches_channels_last():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 6, 5, 4)).astype("float32")
    first = np.transpose(x, (0, 3, 1, 2))
    kernel = rng.normal(size=(3, 3, 4, 2)).astype("float32")
    depthwise = rng.normal(size=(3, 3, 4, 1)).astype("float32")
    to_first = (lambda t: np.transpose(np.asarray(t), (0, 3, 1, 2)))
    pairs = [
        (ops.conv(x, kernel, strides=2, padding="same"),
         ops.conv(first, kernel, strides=2, padding="same", data_format="channels_first")),
        (ops.depthwise_conv(x, depthwise),
         ops.depthwise_conv(first, depthwise, data_format="channels_first")),
        (ops.conv_transpose(x, kernel.transpose(0, 1, 3, 2), strides=2),
         ops.conv_transpose(first, kernel.transpose(0, 1, 3, 2), strides=2,
                            data_format="channels_first")),
        (ops.max_pool(x, 2), ops.max_pool(first, 2, data_format="channels_first")),
        (ops.average_pool(x, 3, 1, "same"),
         ops.average_pool(first, 3, 1, "same", data_format="channels_first")),
        (ops.image.resize(x, (3, 7)), ops.image.resize(first, (3, 7),
                                                         data_format="channels_first")),
        (ops.depth_to_space(x, 2), ops.depth_to_space(first, 2,
                                                        data_format="channels_first")),
    ]
    for last, channels_first in pairs:
        np.testing.assert_allclose(to_first(last), channels_first, rtol=1e-5, atol=1e-5)


def test_tf1_graph_and_session():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3])
        y = ops.sum(ops.softmax(ops.matmul(x, np.eye(3, dtype="float32"))), axis=-1)
        with tf.compat.v1.Session(graph=graph) as sess:
            result = sess.run(y, {x: np.arange(6, dtype="float32").reshape(2, 3)})
    np.testing.assert_allclose(result, [1.0, 1.0], rtol=1e-6)


# ---- core: shapes, conversion, control flow -------------------------------------------------

def test_shape_dtype_conversion():
    x = tf.constant(np.ones((2, 3), "float32"))
    assert ops.shape(x) == (2, 3) and isinstance(ops.shape(x), tuple)
    assert ops.shape(np.ones((4,))) == (4,)
    assert ops.dtype(x) == "float32" and ops.dtype(tf.Variable([1, 2])) == "int32"
    assert ops.is_tensor(x) and ops.is_tensor(tf.Variable(1.0))
    assert not ops.is_tensor(np.ones(2)) and not ops.is_tensor(1.0)
    value = ops.convert_to_numpy(x)
    assert isinstance(value, np.ndarray) and value.shape == (2, 3)
    assert ops.ndim(x) == 2 and int(ops.size(x)) == 6
    variable = tf.Variable([[1.0, 2.0]])
    np.testing.assert_array_equal(ops.matmul(variable, ops.transpose(variable)), [[5.0]])

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def dynamic(t):
        batch, width = ops.shape(t)
        assert width == 3 and tf.is_tensor(batch)
        return ops.reshape(t, (batch * width,))
    assert dynamic(np.ones((4, 3), "float32")).shape == (12,)
    inputs = keras.Input((5, 2))
    assert ops.shape(inputs) == (None, 5, 2) and ops.dtype(inputs) == "float32"
    assert ops.ndim(inputs) == 3 and ops.convert_to_tensor(inputs) is inputs


def test_cond_switch():
    assert ops.cond(True, lambda: 1, lambda: 2) == 1
    assert float(ops.cond(tf.constant(False), lambda: ops.ones(()), lambda: ops.zeros(()))) \
        == 0.0
    branch = tf.function(lambda p: ops.cond(p, lambda: ops.ones(()), lambda: ops.zeros(())))
    assert float(branch(tf.constant(True))) == 1.0
    branches = [lambda x: x + 1, lambda x: x * 10]
    assert float(ops.switch(1, branches, 3.0)) == 30.0
    assert float(ops.switch(-3, branches, 3.0)) == 4.0           # clamped
    assert float(tf.function(lambda i: ops.switch(i, branches, 3.0))(tf.constant(7))) == 30.0


def test_while_and_fori_loops():
    def body(i, total):
        return i + 1, total + i
    eager = ops.while_loop(lambda i, s: i < 5, body, (0, 0))
    assert isinstance(eager, tuple) and [int(v) for v in eager] == [5, 10]
    graph = tf.function(lambda: ops.while_loop(lambda i, s: i < 5, body, (0, 0)))()
    assert [int(v) for v in graph] == [5, 10]
    assert int(ops.while_loop(lambda i: i < 5, lambda i: i + 2, 0)) == 6
    assert int(ops.while_loop(lambda i: i < 100, lambda i: i + 1, 0, maximum_iterations=7)) \
        == 7
    listed = ops.while_loop(lambda i, s: i < 3, lambda i, s: [i + 1, s * 2.0], [0, 1.0])
    assert isinstance(listed, list) and float(listed[1]) == 8.0

    def add_index(i, value):
        return value + ops.cast(i, "float32")
    assert float(ops.fori_loop(0, 4, add_index, 0.0)) == 6.0
    loop = tf.function(lambda n: ops.fori_loop(0, n, add_index, ops.zeros(())))
    assert float(loop(tf.constant(5))) == 10.0


def test_scan_map():
    xs = np.arange(1.0, 5.0, dtype="float32")

    def running_sum(carry, x):
        carry = carry + x
        return carry, carry * 2
    carry, ys = ops.scan(running_sum, 0.0, xs)
    assert float(carry) == 10.0
    np.testing.assert_array_equal(ys, [2, 6, 12, 20])
    carry, ys = ops.scan(running_sum, 0.0, xs, reverse=True)
    np.testing.assert_array_equal(ys, [20, 18, 14, 8])

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def dynamic(values):            # the number of steps is only known at run time
        return ops.scan(running_sum, ops.zeros(()), values)
    carry, ys = dynamic(xs)
    assert float(carry) == 10.0
    np.testing.assert_array_equal(ys, [2, 6, 12, 20])
    carry, ys = ops.scan(lambda c, _: (c * 2, None), 1, length=3)
    assert int(carry) == 8 and ys is None
    pairs = {"a": xs, "b": xs * 10}
    carry, ys = ops.scan(lambda c, x: (c + x["a"], {"s": x["a"] + x["b"]}), 0.0, pairs)
    np.testing.assert_array_equal(ys["s"], xs * 11)
    np.testing.assert_array_equal(ops.map(lambda x: x * 2, xs), xs * 2)
    np.testing.assert_array_equal(ops.vectorized_map(ops.sum, np.ones((3, 2))), [2, 2, 2])


def test_slice_and_scatter():
    x = np.arange(12, dtype="float32").reshape(3, 4)
    np.testing.assert_array_equal(ops.slice(x, (1, 1), (2, 2)), x[1:3, 1:3])
    updated = ops.slice_update(x, (1, 2), np.zeros((2, 2), "float32"))
    expected = x.copy()
    expected[1:3, 2:4] = 0
    np.testing.assert_array_equal(updated, expected)
    start = tf.constant([0, 1])
    traced = tf.function(lambda s: ops.slice_update(x, s, np.ones((1, 3), "float32")))(start)
    expected = x.copy()
    expected[0, 1:4] = 1
    np.testing.assert_array_equal(traced, expected)
    np.testing.assert_array_equal(ops.scatter([[1], [3], [1]], [1.0, 2.0, 3.0], (5,)),
                                  [0, 4, 0, 2, 0])
    np.testing.assert_array_equal(ops.scatter_update(x, [[0, 0], [2, 3]], [-1.0, -2.0])[2, 3],
                                  -2.0)
    np.testing.assert_array_equal(
        ops.scatter_update(x, [[0, 0]], [5.0], reduction="add")[0, 0], 5.0)


def test_custom_gradient_and_stop_gradient():
    @ops.custom_gradient
    def clipped_identity(x):
        def grad(upstream):
            return ops.clip(upstream, -0.5, 0.5)
        return x, grad
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(clipped_identity(x) * 3.0 + ops.stop_gradient(x) * 5.0)
    np.testing.assert_array_equal(tape.gradient(y, x), [0.5, 0.5])


def test_softmax_output_remembers_logits():
    logits = np.array([[20.0, -20.0, 0.0]], "float32")
    target = np.array([[0.0, 1.0, 0.0]], "float32")
    from_probabilities = ops.categorical_crossentropy(target, ops.softmax(logits))
    from_logits = ops.categorical_crossentropy(target, logits, from_logits=True)
    np.testing.assert_allclose(from_probabilities, from_logits, rtol=1e-6)   # not clipped
    assert float(from_logits[0]) > 39


# ---- gradients ------------------------------------------------------------------------------

RNG = np.random.default_rng(7)
GRADIENT_CASES = {
    "composed_reductions": (lambda x: ops.sum(ops.square(ops.relu(x)) * ops.softmax(x),
                                              axis=-1), [RNG.normal(size=(2, 4))]),
    "mean_var_std": (lambda x: ops.mean(x, axis=0) + ops.var(x, axis=0) + ops.std(x, axis=0),
                     [RNG.normal(size=(3, 2))]),
    "logsumexp_log_softmax": (lambda x: ops.logsumexp(x, axis=1) + ops.log_softmax(x)[:, 0],
                              [RNG.normal(size=(2, 3))]),
    "max_min_clip": (lambda x: ops.max(x, axis=1) - ops.min(ops.clip(x, -0.5, 0.5), axis=0)[0],
                     [np.array([[0.1, 0.9, -0.3], [1.7, -1.1, 0.2]])]),
    "where_maximum_abs": (lambda x, y: ops.where(x > 0, ops.maximum(x, y), ops.abs(y) * x),
                          [np.array([[0.5, -1.0], [2.0, -0.2]]),
                           np.array([[0.1, 0.4], [3.0, -0.7]])]),
    "take_along_axis_take": (lambda x: ops.take_along_axis(x, np.array([[2, 0], [1, 1]]),
                                                           axis=1) + ops.take(x, [-1, 0], 1),
                             [RNG.normal(size=(2, 3))]),
    "matmul_einsum_tensordot": (lambda a, b: ops.matmul(a, b) + ops.einsum("ij,jk->ik", a, b)
                                + ops.tensordot(a, b, axes=1), [RNG.normal(size=(2, 3)),
                                                                RNG.normal(size=(3, 2))]),
    "quantile_median": (lambda x: ops.quantile(x, 0.3, axis=1) + ops.median(x, axis=1),
                        [np.array([[0.3, -1.2, 2.5, 0.9], [1.1, 0.2, -0.4, 3.3]])]),
    "norms": (lambda x: ops.norm(x, axis=1) + ops.norm(x, ord=3, axis=1) +
              ops.normalize(x)[:, 1], [RNG.normal(size=(2, 3))]),
    "linalg": (lambda a, b: ops.sum(ops.solve(a, b), axis=0) + ops.det(a) +
               ops.sum(ops.inv(a)), [RNG.normal(size=(3, 3)) + 3 * np.eye(3),
                                     RNG.normal(size=(3, 2))]),
    "activations": (lambda x: ops.gelu(x) + ops.gelu(x, approximate=False) + ops.celu(x) +
                    ops.silu(x) + ops.elu(x, 0.5) + ops.log_sigmoid(x) + ops.squareplus(x) +
                    ops.selu(x), [RNG.normal(size=(2, 3))]),
    "sparsemax": (lambda x: ops.sparsemax(x), [np.array([[0.5, 2.0, 1.9, -1.0],
                                                         [0.1, 0.3, 0.2, 0.25]])]),
    "layer_rms_normalization": (lambda x, g: ops.layer_normalization(x, g) +
                                ops.rms_normalization(x, g), [RNG.normal(size=(2, 4)),
                                                              RNG.normal(size=(4,))]),
    "batch_normalization_moments": (lambda x: ops.batch_normalization(
        x, *ops.moments(x, axes=[0]), axis=-1), [RNG.normal(size=(4, 3))]),
    "conv_pool": (lambda x, k: ops.average_pool(ops.conv(x, k, padding="same"), 2) +
                  ops.max_pool(ops.conv(x, k, padding="same"), 2),
                  [RNG.normal(size=(1, 4, 4, 2)), RNG.normal(size=(3, 3, 2, 3))]),
    "depthwise_separable_transpose": (
        lambda x, d, p: ops.sum(ops.separable_conv(x, d, p)) +
        ops.sum(ops.conv_transpose(x, p, strides=2)),
        [RNG.normal(size=(1, 4, 4, 2)), RNG.normal(size=(2, 2, 2, 2)),
         RNG.normal(size=(1, 1, 4, 2))]),
    "attention": (lambda q, k, v: ops.dot_product_attention(q, k, v, is_causal=True),
                  [RNG.normal(size=(1, 3, 2, 4)), RNG.normal(size=(1, 3, 2, 4)),
                   RNG.normal(size=(1, 3, 2, 4))]),
    "cross_entropies": (lambda logits: ops.categorical_crossentropy(
        np.eye(3)[[0, 2]], logits, from_logits=True) + ops.sparse_categorical_crossentropy(
        np.array([1, 0]), ops.softmax(logits)) + ops.sum(ops.binary_crossentropy(
            np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]]), ops.sigmoid(logits)), axis=-1),
        [RNG.normal(size=(2, 3))]),
    "shape_ops": (lambda x: ops.concatenate([ops.flip(x, 0), ops.roll(x, 1, axis=1)], axis=1)
                  + ops.tile(ops.expand_dims(ops.mean(x, axis=1), -1), (1, 6)),
                  [RNG.normal(size=(2, 3))]),
    "diagonals_kron_cross": (lambda x: ops.sum(ops.diag(x[0], k=1)) +
                             ops.trace(ops.matmul(x, ops.transpose(x))) +
                             ops.sum(ops.kron(x, x)) + ops.sum(ops.cross(x, x[::-1])) +
                             ops.sum(ops.diagonal(x, offset=1)),
                             [RNG.normal(size=(2, 3))]),
    "cumsum_cumprod_diff": (lambda x: ops.cumsum(x, axis=1) + ops.cumprod(x, axis=1) +
                            ops.pad(ops.diff(x), ((0, 0), (1, 0))), [RNG.normal(size=(2, 3))]),
    "slice_update": (lambda x, u: ops.slice_update(x, (0, 1), u) * 2.0,
                     [RNG.normal(size=(2, 3)), RNG.normal(size=(1, 2))]),
    "resize_bilinear": (lambda x: ops.image.resize(x, (3, 5)), [RNG.uniform(size=(1, 4, 3, 2))]),
    "scan_fori": (lambda x: ops.scan(lambda c, v: (c * v, c + v), ops.ones(2, "float64"),
                                     x)[1] + ops.fori_loop(0, 3, lambda i, v: v * x[0], x[1]),
                  [RNG.uniform(0.5, 1.5, size=(3, 2))]),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_gradients(name):
    f, inputs = GRADIENT_CASES[name]
    check_gradients(f, inputs, rtol=1e-5, atol=1e-7)


def test_gradient_tape_through_keras_ops():
    x = tf.Variable(np.array([[1.0, -2.0, 3.0]], "float32"))
    with tf.GradientTape() as tape:
        y = ops.sum(ops.square(ops.maximum(x, 0.0)))
    np.testing.assert_allclose(tape.gradient(y, x), [[2.0, 0.0, 6.0]])


# ---- functional models and training ---------------------------------------------------------

def test_functional_model_of_ops():
    inputs = keras.Input((4,))
    outputs = ops.sum(ops.square(inputs), axis=-1)
    model = keras.Model(inputs, outputs)
    assert ops.shape(outputs) == (None,)
    x = np.arange(8, dtype="float32").reshape(2, 4)
    np.testing.assert_allclose(model(x), (x ** 2).sum(-1))
    np.testing.assert_allclose(model.predict(x, verbose=0), (x ** 2).sum(-1))
    np.testing.assert_allclose(tf.function(model)(tf.constant(x)), (x ** 2).sum(-1))


def test_functional_ops_with_several_inputs_and_saving(tmp_path):
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    hidden = layers.Dense(3, name="dense")(a)
    mixed = ops.where(ops.greater(hidden, 0.0), hidden, ops.multiply(b, 0.5))
    stacked = ops.concatenate([mixed, ops.expand_dims(ops.max(b, axis=-1), -1)], axis=-1)
    model = keras.Model([a, b], ops.softmax(stacked))
    assert ops.shape(stacked) == (None, 4)
    rng = np.random.default_rng(3)
    x = [rng.normal(size=(5, 3)).astype("float32") for _ in range(2)]
    expected = np.asarray(model(x))
    np.testing.assert_allclose(expected.sum(-1), 1.0, rtol=1e-6)
    rebuilt = keras.Model.from_config(model.get_config())
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt(x), expected, rtol=1e-6)
    path = str(tmp_path / "ops_model.keras")
    model.save(path)
    np.testing.assert_allclose(keras.models.load_model(path)(x), expected, rtol=1e-6)


class OpsDense(layers.Layer):
    """A dense layer written with keras.ops only, as Keras 3 course material does."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        return ops.relu(ops.add(ops.matmul(inputs, self.w), self.b))


def ops_mse(y_true, y_pred):
    return ops.mean(ops.square(ops.subtract(y_pred, ops.cast(y_true, y_pred.dtype))), axis=-1)


def ops_mae_metric(y_true, y_pred):
    return ops.mean(ops.abs(y_pred - y_true), axis=-1)


def test_custom_layer_loss_and_metric_written_with_ops_train_with_fit():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32") + 0.3).astype("float32")
    inputs = keras.Input((3,))
    hidden = OpsDense(8)(inputs)
    outputs = layers.Dense(1)(ops.concatenate([hidden, ops.tanh(inputs)], axis=-1))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=ops_mse,
                  metrics=[ops_mae_metric])
    before = [w.copy() for w in model.get_weights()]
    initial_loss = float(np.mean(ops_mse(y, model(x))))
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert set(history.history) >= {"loss", "ops_mae_metric"}
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.allclose(b, a) for b, a in zip(before, model.get_weights()))
    assert float(np.mean(ops_mse(y, model(x)))) < initial_loss
