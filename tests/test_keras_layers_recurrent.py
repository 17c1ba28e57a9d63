"""Recurrent layers: SimpleRNN/LSTM/GRU, cells, RNN, Bidirectional, TimeDistributed, ConvLSTM.

Forward results are compared with real Keras 3 (fixtures written by
tools/make_fixtures_recurrent.py); gradients with finite differences in float64.
"""
import json
import os

import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras
from tensorflux.keras import layers
from tensorflux.testing import check_gradients

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras_recurrent")
with open(FIXTURES + ".json") as _f:
    _DATA = json.load(_f)
_ARRAYS = np.load(FIXTURES + ".npz", allow_pickle=False)
CASES = {case["id"]: case for case in _DATA["cases"]}


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


def make_layer(spec, dtype=None):
    kwargs = {}
    for key, value in spec["kwargs"].items():
        if isinstance(value, dict) and "class" in value:
            value = make_layer(value, dtype)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            value = [make_layer(item, dtype) for item in value]
        kwargs[key] = value
    if dtype is not None:
        kwargs["dtype"] = dtype
    return getattr(layers, spec["class"])(**kwargs)


def flat(result):
    if isinstance(result, (list, tuple)):
        return [leaf for item in result for leaf in flat(item)]
    return [np.asarray(result)]


def case_arrays(case):
    name = case["id"]
    x = _ARRAYS[f"{name}/input"]
    kwargs = {}
    if "mask" in case["options"]:
        kwargs["mask"] = tf.constant(np.asarray(case["options"]["mask"], dtype=bool))
    if "initial_state" in case["options"]:
        kwargs["initial_state"] = [tf.constant(_ARRAYS[f"{name}/state{i}"])
                                   for i in range(case["options"]["initial_state"])]
    weights = [_ARRAYS[f"{name}/weight{i}"] for i in range(case["weights"])]
    outputs = [_ARRAYS[f"{name}/output{i}"] for i in range(case["outputs"])]
    return x, kwargs, weights, outputs


def check_against_keras(layer, case, mode):
    x, kwargs, weights, expected = case_arrays(case)
    layer(x, **kwargs)
    assert [list(w.shape) for w in layer.get_weights()] == case["weight_shapes"]
    layer.set_weights(weights)
    if mode == "eager":
        got = flat(layer(x, **kwargs))
    else:
        got = flat(tf.function(lambda inputs: layer(inputs, **kwargs))(tf.constant(x)))
    assert len(got) == len(expected)
    for index, (g, e) in enumerate(zip(got, expected)):
        assert g.shape == e.shape, (index, g.shape, e.shape)
        np.testing.assert_allclose(g, e, rtol=2e-5, atol=2e-5, err_msg=f"output {index}")


# ---- outputs equal Keras' -------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["eager", "function"])
@pytest.mark.parametrize("case_id", sorted(CASES))
def test_outputs_match_keras(case_id, mode):
    case = CASES[case_id]
    check_against_keras(make_layer(case["spec"]), case, mode)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_keras_config_loads_and_round_trips(case_id):
    case = CASES[case_id]
    layer = keras.saving.deserialize_keras_object(case["keras_config"])
    check_against_keras(layer, case, "eager")
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    keras_keys = set(case["keras_config"]["config"]) - {"dtype", "name", "trainable"}
    missing = keras_keys - set(config)
    assert not missing, missing


def test_stateful_lstm_carries_and_resets_states():
    data = _ARRAYS
    layer = layers.LSTM(3, stateful=True, return_sequences=True)
    layer(data["stateful/x1"])
    layer.set_weights([data[f"stateful/weight{i}"] for i in range(_DATA["stateful"]["weights"])])
    layer.reset_states()
    assert layer.weights == layer.trainable_weights and len(layer.weights) == 3
    np.testing.assert_allclose(layer(data["stateful/x1"]), data["stateful/out1"], atol=2e-5)
    np.testing.assert_allclose(layer(data["stateful/x2"]), data["stateful/out2"], atol=2e-5)
    layer.reset_states()
    step = tf.function(lambda x: layer(x))
    np.testing.assert_allclose(step(data["stateful/x2"]), data["stateful/out3"], atol=2e-5)
    # the traced call updated the states too: a second call continues from them
    assert not np.allclose(step(data["stateful/x2"]), data["stateful/out3"], atol=1e-3)


def test_stateful_needs_a_static_batch_size():
    model = keras.Sequential([keras.Input(batch_shape=(2, 4, 3)),
                              layers.GRU(2, stateful=True)])
    assert model(np.ones((2, 4, 3), "float32")).shape == (2, 2)
    with pytest.raises(ValueError, match="batch size must be static"):
        keras.Sequential([keras.Input(shape=(4, 3)), layers.GRU(2, stateful=True)])
    with pytest.raises(AttributeError, match="not stateful"):
        layers.GRU(2).reset_states()


def test_keras_weights_file_loads():
    model = keras.Sequential([
        keras.Input(shape=(6, 3)),
        layers.LSTM(4, return_sequences=True),
        layers.GRU(3, return_sequences=True),
        layers.Bidirectional(layers.SimpleRNN(2)),
        layers.Dense(2),
    ])
    model.load_weights(FIXTURES + ".weights.h5")
    np.testing.assert_allclose(model.predict(_ARRAYS["weights_file/input"], verbose=0),
                               _ARRAYS["weights_file/output"], rtol=2e-5, atol=2e-5)


# ---- numbers against NumPy (the seed program's own checks) ---------------------------------

def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def test_lstm_and_gru_match_numpy_recurrences():
    x = np.random.RandomState(0).randn(2, 5, 3).astype("float32")
    lstm = layers.LSTM(4, return_sequences=True, return_state=True)
    seq, h_last, c_last = (np.asarray(t) for t in lstm(x))
    kernel, recurrent, bias = (w.astype(np.float64) for w in lstm.get_weights())
    np.testing.assert_array_equal(bias, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])
    h, c = np.zeros((2, 4)), np.zeros((2, 4))
    for t in range(5):
        z = x[:, t] @ kernel + h @ recurrent + bias
        c = _sigmoid(z[:, 4:8]) * c + _sigmoid(z[:, :4]) * np.tanh(z[:, 8:12])
        h = _sigmoid(z[:, 12:]) * np.tanh(c)
        np.testing.assert_allclose(seq[:, t], h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(c_last, c, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h_last, h, rtol=1e-4, atol=1e-5)
    gru = layers.GRU(4)
    out = np.asarray(gru(x))
    kernel, recurrent, bias = (w.astype(np.float64) for w in gru.get_weights())
    assert bias.shape == (2, 12)
    h = np.zeros((2, 4))
    for t in range(5):
        xz, hz = x[:, t] @ kernel + bias[0], h @ recurrent + bias[1]
        z, r = _sigmoid(xz[:, :4] + hz[:, :4]), _sigmoid(xz[:, 4:8] + hz[:, 4:8])
        h = z * h + (1 - z) * np.tanh(xz[:, 8:] + r * hz[:, 8:])
    np.testing.assert_allclose(out, h, rtol=1e-4, atol=1e-5)


def test_default_initializers_and_weight_names():
    layer = layers.LSTM(3)
    layer(np.zeros((1, 2, 5), "float32"))
    kernel, recurrent, bias = layer.get_weights()
    # orthogonal recurrent kernel (3, 12): its rows are orthonormal
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(3), atol=1e-5)
    assert np.abs(kernel).max() <= np.sqrt(6 / (5 + 12)) + 1e-6
    assert [w.path.split("/")[-1] for w in layer.weights] == ["kernel", "recurrent_kernel",
                                                              "bias"]
    assert layer.cell.name == "lstm_cell" and layer.units == 3
    assert layers.GRU(2, reset_after=False).reset_after is False


# ---- gradients (float64 finite differences, eager tape and graph) --------------------------

def _with_weights(cell, names, values, function):
    saved = {name: cell.__dict__[name] for name in names}
    try:
        for name, value in zip(names, values):
            object.__setattr__(cell, name, value)
        return function()
    finally:
        for name, value in saved.items():
            object.__setattr__(cell, name, value)


def _layer_gradient_check(layer, x, call_kwargs=None, cell=None):
    call_kwargs = call_kwargs or {}
    layer(x, **call_kwargs)
    cell = cell or layer.cell
    names = ["kernel", "recurrent_kernel"] + (["bias"] if cell.bias is not None else [])
    values = [cell.__dict__[n].numpy() for n in names]

    def f(inputs, *weights):
        return _with_weights(cell, names, weights,
                             lambda: flat_tensors(layer(inputs, **call_kwargs)))
    check_gradients(f, [x] + values, rtol=1e-5, atol=1e-7)


def flat_tensors(result):
    if isinstance(result, (list, tuple)):
        return [leaf for item in result for leaf in flat_tensors(item)]
    return [result]


GRADIENT_LAYERS = {
    "simple_rnn": lambda: layers.SimpleRNN(3, return_sequences=True, return_state=True,
                                           dtype="float64"),
    "simple_rnn_backwards_composite": lambda: layers.SimpleRNN(3, activation="softsign",
                                                               go_backwards=True,
                                                               dtype="float64"),
    "lstm": lambda: layers.LSTM(3, return_sequences=True, return_state=True, dtype="float64"),
    "lstm_backwards": lambda: layers.LSTM(2, go_backwards=True, dtype="float64"),
    "lstm_composite": lambda: layers.LSTM(2, activation="elu", return_state=True,
                                          dtype="float64"),
    "gru": lambda: layers.GRU(3, return_sequences=True, return_state=True, dtype="float64"),
    "gru_reset_before": lambda: layers.GRU(3, reset_after=False, return_sequences=True,
                                           dtype="float64"),
    "gru_composite": lambda: layers.GRU(2, recurrent_activation="softsign", dtype="float64"),
}


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("name", sorted(GRADIENT_LAYERS))
def test_layer_gradients(name, masked):
    x = np.random.default_rng(1).uniform(-1, 1, size=(2, 4, 3))
    kwargs = {"mask": tf.constant([[True, False, True, True], [False, True, True, False]])} \
        if masked else {}
    _layer_gradient_check(GRADIENT_LAYERS[name](), x, kwargs)


def test_initial_state_gradients():
    rng = np.random.default_rng(2)
    layer = layers.LSTM(2, return_sequences=True, dtype="float64")
    x = rng.uniform(-1, 1, size=(2, 3, 2))
    layer(x)
    check_gradients(lambda inputs, h, c: layer(inputs, initial_state=[h, c]),
                    [x, rng.uniform(-1, 1, (2, 2)), rng.uniform(-1, 1, (2, 2))])


@pytest.mark.parametrize("cell_class", ["SimpleRNNCell", "LSTMCell", "GRUCell"])
def test_cell_step_gradients(cell_class):
    rng = np.random.default_rng(3)
    cell = getattr(layers, cell_class)(3, dtype="float64")
    x = rng.uniform(-1, 1, size=(2, 4))
    count = len(cell.state_size) if isinstance(cell.state_size, list) else 1
    states = [rng.uniform(-1, 1, size=(2, 3)) for _ in range(count)]
    cell(tf.constant(x), [tf.constant(s) for s in states])
    names = ["kernel", "recurrent_kernel", "bias"]
    values = [cell.__dict__[n].numpy() for n in names]

    def f(inputs, *rest):
        state_values, weights = rest[:count], rest[count:]
        return _with_weights(cell, names, weights,
                             lambda: flat_tensors(cell(inputs, list(state_values))))
    check_gradients(f, [x] + states + values)


def test_bidirectional_time_distributed_and_stacked_gradients():
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, size=(2, 3, 2))
    bidirectional = layers.Bidirectional(layers.GRU(2, return_sequences=True, dtype="float64"),
                                         merge_mode="mul", dtype="float64")
    bidirectional(x)
    check_gradients(lambda inputs: bidirectional(inputs), [x])
    distributed = layers.TimeDistributed(layers.Dense(3, dtype="float64"), dtype="float64")
    check_gradients(lambda inputs: distributed(inputs), [x])
    stacked = layers.RNN([layers.LSTMCell(2, dtype="float64"),
                          layers.SimpleRNNCell(2, dtype="float64")], return_sequences=True,
                         dtype="float64")
    check_gradients(lambda inputs: stacked(inputs), [x])


def test_conv_lstm2d_gradients():
    rng = np.random.default_rng(5)
    layer = layers.ConvLSTM2D(2, kernel_size=2, padding="same", return_sequences=True,
                              dtype="float64")
    x = rng.uniform(-1, 1, size=(1, 2, 3, 3, 1))
    _layer_gradient_check(layer, x)


# ---- graph mode with an unknown number of steps ------------------------------------------

class MinimalRNNCell(layers.Layer):
    """The custom cell of the Keras RNN documentation."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                initializer="orthogonal",
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        output = tf.matmul(inputs, self.kernel) + tf.matmul(states[0], self.recurrent_kernel)
        return output, [output]


def test_custom_cell_matches_numpy():
    x = np.random.default_rng(6).uniform(-1, 1, size=(2, 4, 3)).astype("float32")
    layer = layers.RNN(MinimalRNNCell(2), return_sequences=True)
    out = np.asarray(layer(x))
    kernel, recurrent = layer.get_weights()
    h = np.zeros((2, 2))
    for t in range(4):
        h = x[:, t] @ kernel + h @ recurrent
        np.testing.assert_allclose(out[:, t], h, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: layers.LSTM(3, return_sequences=True, return_state=True),
    lambda: layers.RNN(MinimalRNNCell(3), return_sequences=True, return_state=True),
    lambda: layers.GRU(3, activation="softsign", return_sequences=True, return_state=True),
])
def test_unknown_time_steps_in_a_graph(make):
    layer = make()
    x = np.random.default_rng(7).uniform(-1, 1, size=(2, 5, 4)).astype("float32")
    mask = np.array([[1, 1, 0, 1, 1], [0, 1, 1, 1, 0]], bool)
    expected = flat(layer(x, mask=tf.constant(mask)))
    traced = tf.function(lambda inputs, m: layer(inputs, mask=m),
                         input_signature=[tf.TensorSpec([None, None, 4], tf.float32),
                                          tf.TensorSpec([None, None], tf.bool)])
    got = flat(traced(tf.constant(x), tf.constant(mask)))
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def test_while_loop_gradients_match_unrolled():
    layer = layers.RNN(MinimalRNNCell(2), return_sequences=True)
    x = np.random.default_rng(8).uniform(-1, 1, size=(2, 4, 3)).astype("float32")
    layer(x)

    def loss_and_grads(inputs):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            loss = tf.reduce_sum(layer(inputs) ** 2)
        return [loss] + tape.gradient(loss, [inputs] + layer.trainable_weights)

    eager = loss_and_grads(tf.constant(x))
    graph = tf.function(loss_and_grads,
                        input_signature=[tf.TensorSpec([2, None, 3], tf.float32)])
    for g, e in zip(graph(tf.constant(x)), eager):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


# ---- models, masking, dropout -------------------------------------------------------------

def test_gru_lstm_model_trains():
    rng = np.random.default_rng(9)
    x = rng.uniform(0, 1, size=(64, 6, 3)).astype("float32")
    y = (x[:, :, 0].sum(axis=1) > 3).astype("int32")
    model = keras.Sequential([keras.Input(shape=(6, 3)), layers.GRU(8, return_sequences=True),
                              layers.LSTM(8), layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, epochs=4, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_masking_in_a_model_equals_explicit_mask():
    if not hasattr(layers, "__getattr__"):
        pytest.skip("no optional layers")
    try:
        embedding = layers.Embedding(6, 3, mask_zero=True)
    except AttributeError:
        pytest.skip("Embedding is not available yet")
    ids = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    lstm = layers.LSTM(2, return_sequences=True)
    model = keras.Sequential([keras.Input(shape=(5,), dtype="int32"), embedding, lstm])
    got = np.asarray(model(ids))
    explicit = np.asarray(lstm(embedding(ids), mask=tf.constant(ids != 0)))
    np.testing.assert_allclose(got, explicit, rtol=1e-6)
    np.testing.assert_allclose(got[1, 2:], np.repeat(got[1, 1:2], 3, axis=0))


def test_compute_mask():
    mask = tf.constant([[True, False]])
    assert layers.LSTM(2).compute_mask(None, mask) is None
    assert layers.LSTM(2, return_sequences=True).compute_mask(None, mask) is mask
    assert layers.GRU(2, return_sequences=True, return_state=True).compute_mask(
        None, mask) == [mask, None]
    bidirectional = layers.Bidirectional(layers.LSTM(2, return_sequences=True),
                                         merge_mode=None)
    assert bidirectional.compute_mask(None, mask) == (mask, mask)


@pytest.mark.parametrize("make", [
    lambda: layers.LSTM(4, dropout=0.5, return_sequences=True),
    lambda: layers.LSTM(4, dropout=0.3, recurrent_dropout=0.3, return_sequences=True),
    lambda: layers.GRU(4, recurrent_dropout=0.4, reset_after=False, return_sequences=True),
    lambda: layers.SimpleRNN(4, dropout=0.2, recurrent_dropout=0.2, return_sequences=True),
])
def test_dropout_only_in_training(make):
    layer = make()
    x = np.random.default_rng(10).uniform(-1, 1, size=(3, 5, 6)).astype("float32")
    inference = np.asarray(layer(x))
    np.testing.assert_allclose(np.asarray(layer(x, training=False)), inference)
    training = np.asarray(layer(x, training=True))
    assert training.shape == inference.shape and np.isfinite(training).all()
    assert not np.allclose(training, inference)
    traced = tf.function(lambda inputs: layer(inputs, training=True))
    assert np.isfinite(np.asarray(traced(x))).all()


def test_input_dropout_mask_is_shared_across_time():
    # a zero recurrent kernel makes each output depend on its own step only
    layer = layers.SimpleRNN(3, dropout=0.5, recurrent_initializer="zeros",
                             activation="linear", use_bias=False, return_sequences=True)
    x = np.ones((4, 6, 8), "float32")
    out = np.asarray(layer(x, training=True))
    np.testing.assert_allclose(out, np.repeat(out[:, :1], 6, axis=1), rtol=1e-6)


# ---- wrappers and conv LSTM ---------------------------------------------------------------

def test_bidirectional_weights_names_and_states():
    layer = layers.Bidirectional(layers.LSTM(3, return_state=True, name="enc"))
    out = layer(np.zeros((2, 4, 5), "float32"))
    assert len(out) == 5 and out[0].shape == (2, 6)
    assert layer.forward_layer.name == "forward_enc"
    assert layer.backward_layer.name == "backward_enc" and layer.backward_layer.go_backwards
    assert len(layer.weights) == 6
    with pytest.raises(ValueError, match="Invalid merge mode"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="different `go_backwards`"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))


def test_conv_lstm2d_channels_first_equals_channels_last():
    rng = np.random.default_rng(11)
    x = rng.uniform(-1, 1, size=(2, 3, 5, 4, 2)).astype("float32")
    last = layers.ConvLSTM2D(3, 3, padding="same", return_sequences=True, return_state=True)
    first = layers.ConvLSTM2D(3, 3, padding="same", return_sequences=True, return_state=True,
                              data_format="channels_first")
    expected = flat(last(x))
    first(np.transpose(x, (0, 1, 4, 2, 3)))
    first.set_weights(last.get_weights())
    got = flat(first(np.transpose(x, (0, 1, 4, 2, 3))))
    np.testing.assert_allclose(got[0], np.transpose(expected[0], (0, 1, 4, 2, 3)), atol=1e-5)
    np.testing.assert_allclose(got[1], np.transpose(expected[1], (0, 3, 1, 2)), atol=1e-5)


def test_conv_lstm_seed_shapes():
    frames = np.random.RandomState(0).randn(1, 3, 8, 8, 2).astype("float32")
    assert tuple(layers.ConvLSTM2D(4, kernel_size=3, padding="same")(frames).shape) == \
        (1, 8, 8, 4)
    assert tuple(layers.ConvLSTM2D(4, kernel_size=3, return_sequences=True)(frames).shape) \
        == (1, 3, 6, 6, 4)


def test_functional_model_with_states_and_summary_shapes():
    inputs = keras.Input(shape=(None, 3))
    seq, h, c = layers.LSTM(4, return_sequences=True, return_state=True)(inputs)
    out = layers.GRU(4)(seq, initial_state=[h])
    model = keras.Model(inputs, [out, c])
    assert [tuple(t.shape) for t in model.outputs] == [(None, 4), (None, 4)]
    y, c_value = model(np.ones((3, 7, 3), "float32"))
    assert y.shape == (3, 4) and c_value.shape == (3, 4)
    clone = keras.Model.from_config(model.get_config())
    assert [tuple(t.shape) for t in clone.outputs] == [(None, 4), (None, 4)]


def test_invalid_arguments():
    with pytest.raises(ValueError, match="units"):
        layers.LSTM(0)
    with pytest.raises(ValueError, match="state_size"):
        layers.RNN(layers.Dense(2))
    with pytest.raises(TypeError, match="unexpected keyword"):
        layers.GRU(2, unitz=3)
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.LSTM(2)(np.zeros((2, 3), "float32"))


def test_time_major_equals_batch_major():
    x = np.random.default_rng(12).uniform(-1, 1, size=(2, 5, 3)).astype("float32")
    batch_major = layers.GRU(3, return_sequences=True, return_state=True)
    time_major = layers.GRU(3, return_sequences=True, return_state=True, time_major=True)
    expected = flat(batch_major(x))
    time_major(np.transpose(x, (1, 0, 2)))
    time_major.set_weights(batch_major.get_weights())
    got = flat(time_major(np.transpose(x, (1, 0, 2))))
    np.testing.assert_allclose(got[0], np.transpose(expected[0], (1, 0, 2)), rtol=1e-6)
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-6)
    assert time_major.get_config()["time_major"] is True


def test_regularizers_constraints_and_model_save_load(tmp_path):
    model = keras.Sequential([
        keras.Input(shape=(5, 3)),
        layers.Bidirectional(layers.LSTM(4, return_sequences=True, kernel_regularizer="l2",
                                         recurrent_constraint="non_neg")),
        layers.TimeDistributed(layers.Dense(2)),
        layers.GRU(3, reset_after=False, dropout=0.1, recurrent_regularizer="l1"),
        layers.Dense(1),
    ])
    assert len(model.losses) == 3      # forward and backward kernels, GRU recurrent kernel
    lstm_cell = model.layers[0].forward_layer.cell
    assert lstm_cell.recurrent_kernel.constraint is not None
    x = np.random.default_rng(13).uniform(-1, 1, size=(4, 5, 3)).astype("float32")
    expected = model.predict(x, verbose=0)
    path = str(tmp_path / "rnn.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)
    assert [type(layer).__name__ for layer in loaded.layers] == [
        "Bidirectional", "TimeDistributed", "GRU", "Dense"]


# ---- the fused sequence ops directly -------------------------------------------------------

_OP_MASK = np.array([[1, 1, 1], [0, 1, 1], [1, 0, 1], [1, 1, 0]], bool)   # (time 4, batch 3)


@pytest.mark.parametrize("masked, zero_output, return_sequences",
                         [(False, False, True), (False, False, False), (True, False, True),
                          (True, True, True), (True, False, False), (True, True, False)])
@pytest.mark.parametrize("kind", ["lstm", "gru", "gru_reset_before", "simple_relu",
                                  "lstm_hard_sigmoid"])
def test_fused_op_gradients(kind, masked, zero_output, return_sequences):
    from tensorflux.ops import rnn_ops
    rng = np.random.default_rng(14)
    steps, batch, units = 4, 3, 2
    options = dict(mask=_OP_MASK if masked else None, zero_output_for_mask=zero_output,
                   return_sequences=return_sequences)
    if kind.startswith("lstm"):
        recurrent = "hard_sigmoid" if kind == "lstm_hard_sigmoid" else "sigmoid"
        inputs = [rng.normal(size=(steps, batch, 4 * units)), rng.normal(size=(batch, units)),
                  rng.normal(size=(batch, units)), rng.normal(size=(units, 4 * units)),
                  rng.normal(size=(4 * units,))]

        def f(*args):
            return list(rnn_ops.lstm_sequence(*args, recurrent_activation=recurrent,
                                              **options))
    elif kind.startswith("gru"):
        inputs = [rng.normal(size=(steps, batch, 3 * units)), rng.normal(size=(batch, units)),
                  rng.normal(size=(units, 3 * units)), rng.normal(size=(3 * units,)),
                  rng.normal(size=(3 * units,))]

        def f(*args):
            return list(rnn_ops.gru_sequence(*args, reset_after=kind == "gru", **options))
    else:
        inputs = [rng.normal(size=(steps, batch, units)), rng.normal(size=(batch, units)),
                  rng.normal(size=(units, units)), rng.normal(size=(units,))]

        def f(*args):
            return list(rnn_ops.simple_rnn_sequence(*args, activation="relu", **options))
    check_gradients(f, inputs)
