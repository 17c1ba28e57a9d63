"""Helpers shared by several test modules. tests/ has no __init__.py, so pytest puts it on
sys.path and the modules import these as `from helpers import ...`."""
import json
import os

import numpy as np

import tensorflux as tf
from tensorflux.keras import layers

FIXTURE_DIR = os.path.join(os.path.dirname(__file__), "fixtures")

# ---- ops against NumPy ---------------------------------------------------------------------

MODES = ["eager", "graph", "graph_unknown"]


def to_numpy(value):
    if isinstance(value, (list, tuple)):
        return [to_numpy(v) for v in value]
    return np.asarray(value)


def evaluate(f, *inputs, mode="eager", check_static_shape=None):
    """f(*inputs) as NumPy: eagerly, or in a graph fed through placeholders (with static
    shapes, or with every dimension unknown). Graph results must be compatible with the
    static shapes; in "graph" mode, `check_static_shape(tensor, result)` asserts more."""
    inputs = [np.asarray(x) for x in inputs]
    if mode == "eager":
        return to_numpy(f(*[tf.constant(x) for x in inputs]))
    graph = tf.Graph()
    with graph.as_default():
        placeholders = [tf.compat.v1.placeholder(
            tf.as_dtype(x.dtype), [None] * x.ndim if mode == "graph_unknown" else x.shape)
            for x in inputs]
        out = f(*placeholders)
        fetch = list(out) if isinstance(out, (list, tuple)) else out
        with tf.compat.v1.Session(graph=graph) as sess:
            result = sess.run(fetch, feed_dict=dict(zip(placeholders, inputs)))
    for t, r in zip(fetch if isinstance(fetch, list) else [fetch],
                    result if isinstance(fetch, list) else [result]):
        assert t.shape.is_compatible_with(np.shape(r)), (t.shape, np.shape(r))
        if mode == "graph" and check_static_shape is not None:
            check_static_shape(t, r)
    return to_numpy(result)


# ---- keras layers against real Keras (fixtures/keras_layers.{json,npz}) ----------------------

LAYER_FIXTURES = os.path.join(FIXTURE_DIR, "keras_layers")
CONV_POOL = ("Conv", "Pool", "Separable", "Depthwise")


def load_layer_fixture():
    """(the fixture's JSON, its arrays) as written by tools/make_fixtures_layers.py."""
    with open(LAYER_FIXTURES + ".json") as handle:
        fixture = json.load(handle)
    return fixture, np.load(LAYER_FIXTURES + ".npz", allow_pickle=False)


def _comparable(value):
    if isinstance(value, (tuple, list)):
        return [_comparable(v) for v in value]
    if isinstance(value, dict) and "class_name" in value:
        return value["class_name"]
    return value


def check_config(layer, keras_config, skip=("dtype", "name", "quantization_config")):
    ours = layer.get_config()
    for key, value in keras_config.items():
        if key in skip:
            continue
        assert key in ours, f"{type(layer).__name__}.get_config() lacks {key!r}"
        assert _comparable(ours[key]) == _comparable(value), (key, ours[key], value)


def run_case(case, arrays, mode="eager"):
    """Builds the case's layer, loads the fixture's weights and calls it on the fixture's
    input (eagerly, or inside tf.function); returns (layer, x, y)."""
    prefix = case["id"] + "/"
    layer = getattr(layers, case["class_name"])(**case["kwargs"])
    x = arrays[prefix + "x"]
    call_kwargs = {}
    if prefix + "mask" in arrays:
        call_kwargs["mask"] = tf.constant(arrays[prefix + "mask"])
    layer(x, **call_kwargs)
    layer.set_weights([arrays[f"{prefix}w{i}"] for i in range(len(case["weight_names"]))])
    if case.get("frozen"):
        layer.trainable = False
    if case.get("training") is not None:
        call_kwargs["training"] = case["training"]
    if mode == "eager":
        y = layer(x, **call_kwargs)
    else:
        y = tf.function(lambda t: layer(t, **call_kwargs))(tf.constant(x))
    return layer, x, y


def check_case_output(case, arrays, layer, y):
    """The output, weight names and (for training cases) updated weights match Keras."""
    prefix = case["id"] + "/"
    expected = arrays[prefix + "y"]
    assert tuple(y.shape) == tuple(expected.shape)
    np.testing.assert_allclose(np.asarray(y), expected, rtol=1e-5, atol=2e-5)
    assert [w.path.split("/")[-1] for w in layer.weights] == case["weight_names"]
    if case.get("training"):
        for i, value in enumerate(layer.get_weights()):
            np.testing.assert_allclose(value, arrays[f"{prefix}after{i}"], rtol=1e-5,
                                       atol=1e-6, err_msg=f"weight {i} after the call")
    return expected


def layer_function(layer, attributes, **call_kwargs):
    """f(x, *weights) = layer.call(x) with the named weight attributes replaced by the
    arguments, for check_gradients."""
    def f(x, *weights):
        saved = [getattr(layer, name) for name in attributes]
        for name, value in zip(attributes, weights):
            object.__setattr__(layer, name, value)
        try:
            return layer.call(x, **call_kwargs)
        finally:
            for name, value in zip(attributes, saved):
                object.__setattr__(layer, name, value)
    return f


# ---- keras losses and metrics against real Keras (fixtures/keras_losses_metrics.json) -------

def load_losses_metrics_fixture():
    """The JSON written by tools/make_fixtures_losses_metrics.py."""
    with open(os.path.join(FIXTURE_DIR, "keras_losses_metrics.json")) as handle:
        return json.load(handle)


def decode(encoded):
    """An array from the fixture's {"value", "dtype"} form (None stays None)."""
    if encoded is None:
        return None
    return np.asarray(encoded["value"], dtype=encoded["dtype"])
