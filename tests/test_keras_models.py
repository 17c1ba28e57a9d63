"""Keras models and core layers: building, calling, functional graphs, weights, configs."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras
from tensorflux.keras import layers


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


def test_sequential_with_input_shape_builds_at_once():
    model = keras.Sequential([layers.Flatten(input_shape=(28, 28)),
                              layers.Dense(128, activation="relu"),
                              layers.Dropout(0.2), layers.Dense(10)])
    assert model.built and model.count_params() == 784 * 128 + 128 + 128 * 10 + 10
    assert [l.name for l in model.layers] == ["flatten", "dense", "dropout", "dense_1"]
    assert model.output_shape == (None, 10)
    assert model.inputs[0].shape.as_list() == [None, 28, 28]
    out = model(np.zeros((3, 28, 28)))
    assert out.shape.as_list() == [3, 10] and out.dtype == tf.float32


def test_sequential_deferred_build_on_first_call_and_add():
    model = keras.Sequential(name="stack")
    model.add(layers.Dense(4, name="a"))
    model.add(layers.Dense(2, name="b"))
    assert not model.built or model.inputs is None
    y = model(tf.ones((5, 3)))
    assert y.shape.as_list() == [5, 2]
    assert model.count_params() == 3 * 4 + 4 + 4 * 2 + 2
    assert model.get_layer("b") is model.layers[1]
    assert model.get_layer(index=0).name == "a"
    with pytest.raises(ValueError, match="No such layer: c"):
        model.get_layer("c")


def test_sequential_rejects_duplicate_names():
    model = keras.Sequential([layers.Dense(2, name="same")])
    with pytest.raises(ValueError, match="unique"):
        model.add(layers.Dense(2, name="same"))


def test_functional_multi_input_output_and_shared_layer():
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(4,), name="b")
    shared = layers.Dense(3, name="shared")
    ha, hb = shared(a), shared(b)
    merged = layers.concatenate([ha, hb, layers.add([ha, hb])])
    out1 = layers.Dense(2, name="out1")(merged)
    out2 = layers.Dense(1, activation="sigmoid", name="out2")(merged)
    model = keras.Model(inputs=[a, b], outputs=[out1, out2])
    assert merged.shape.as_list() == [None, 9]
    assert model.output_names == ["out1", "out2"]
    xa, xb = np.ones((2, 4), np.float32), np.arange(8, dtype=np.float32).reshape(2, 4)
    y1, y2 = model([xa, xb])
    w, bias = shared.get_weights()
    hxa, hxb = xa @ w + bias, xb @ w + bias
    concat = np.concatenate([hxa, hxb, hxa + hxb], axis=1)
    w1, b1 = model.get_layer("out1").get_weights()
    np.testing.assert_allclose(y1.numpy(), concat @ w1 + b1, rtol=1e-5)
    y1d, _ = model({"a": xa, "b": xb})
    np.testing.assert_allclose(y1d.numpy(), y1.numpy())
    assert len(model.weights) == 2 + 2 + 2  # the shared layer counts once


def test_feature_extraction_model_shares_layers():
    inputs = keras.Input(shape=(6,))
    h = layers.Dense(5, activation="relu", name="hidden")(inputs)
    out = layers.Dense(2, name="head")(h)
    model = keras.Model(inputs, out)
    extractor = keras.Model(inputs=model.inputs, outputs=model.get_layer("hidden").output)
    x = np.random.default_rng(0).normal(size=(3, 6)).astype(np.float32)
    np.testing.assert_allclose(extractor(x).numpy(), model.get_layer("hidden")(x).numpy())
    assert extractor.layers[-1] is model.get_layer("hidden")


def test_graph_disconnected_is_reported():
    a = keras.Input(shape=(2,))
    b = keras.Input(shape=(2,))
    out = layers.add([a, b])
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(inputs=a, outputs=out)


def test_dense_input_mismatch_names_layer_and_shapes():
    layer = layers.Dense(3, name="dense_x")
    layer(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match=r'layer "dense_x" \(Dense\).*axis -1.*value 4.*'
                                         r'\(2, 5\)'):
        layer(np.ones((2, 5), np.float32))


def test_set_weights_checks_count_and_shapes():
    layer = layers.Dense(2)
    layer.build((None, 3))
    with pytest.raises(ValueError, match="expects 2 weight arrays, but received 1"):
        layer.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"kernel.*\(3, 2\).*\(4, 2\)"):
        layer.set_weights([np.zeros((4, 2)), np.zeros(2)])
    layer.set_weights([np.ones((3, 2)), np.zeros(2)])
    np.testing.assert_array_equal(layer.kernel.numpy(), np.ones((3, 2)))


def test_trainable_flag_moves_weights_to_non_trainable():
    model = keras.Sequential([layers.Dense(2, input_shape=(3,)), layers.Dense(1)])
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    model.trainable = False
    assert model.trainable_weights == [] and len(model.weights) == 4


def test_subclassed_model_tracks_layers_and_training_flag():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = layers.Dense(8, activation="relu")
            self.drop = layers.Dropout(0.5)
            self.d2 = layers.Dense(2)

        def call(self, inputs, training=False):
            return self.d2(self.drop(self.d1(inputs), training=training))

    net = Net()
    x = np.ones((4, 3), np.float32)
    a, b = net(x).numpy(), net(x, training=False).numpy()
    np.testing.assert_array_equal(a, b)
    assert len(net.weights) == 4 and net.count_params() == 3 * 8 + 8 + 8 * 2 + 2
    assert [l.name for l in net.layers] == ["dense", "dropout", "dense_1"]


def test_layer_configs_round_trip():
    for layer in [layers.Dense(3, activation="tanh", use_bias=False, name="d"),
                  layers.Dropout(0.3, seed=1), layers.Flatten(), layers.Activation("relu"),
                  layers.Softmax(axis=1), layers.ReLU(max_value=6.0),
                  layers.LeakyReLU(negative_slope=0.1), layers.Reshape((2, 3)),
                  layers.Concatenate(axis=1), layers.Add()]:
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config


def test_dense_matches_numpy_and_activation_strings():
    layer = layers.Dense(4, activation="softmax")
    x = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    y = layer(x).numpy()
    w, b = layer.get_weights()
    z = x @ w + b
    expected = np.exp(z - z.max(1, keepdims=True))
    np.testing.assert_allclose(y, expected / expected.sum(1, keepdims=True), rtol=1e-5)
    with pytest.raises(ValueError, match="activation identifier"):
        layers.Dense(2, activation="nonexistent")
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)


def test_unknown_layer_argument_is_rejected():
    with pytest.raises(TypeError, match="unexpected keyword"):
        layers.Dense(2, kernal_initializer="zeros")


def test_dropout_is_identity_at_inference_and_scales_in_training():
    tf.random.set_seed(0)
    layer = layers.Dropout(0.5)
    x = np.ones((200, 50), np.float32)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    y = layer(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and 0.4 < (y == 0).mean() < 0.6


def test_keras_tensor_refuses_tf_ops():
    inputs = keras.Input(shape=(3,))
    with pytest.raises(ValueError, match="KerasTensor"):
        tf.reduce_sum(inputs)


def test_keras_tensor_operators_become_model_nodes():
    """Keras 3: Python operators and indexing on KerasTensors are keras.ops calls."""
    inputs = keras.Input(shape=(4,))
    hidden = layers.Dense(3, kernel_initializer="ones")(inputs)
    first = hidden[:, 0:1]
    outputs = [(hidden * 2 + 1) / 2 - first ** 2, -hidden + abs(hidden), 1 - hidden,
               hidden // 2, hidden % 2, hidden > 3.0]
    model = keras.Model(inputs, outputs)
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    h = np.repeat(x.sum(axis=1, keepdims=True), 3, axis=1)
    expected = [(h * 2 + 1) / 2 - h[:, :1] ** 2, -h + np.abs(h), 1 - h, h // 2, h % 2, h > 3]
    for got, want in zip(model.predict(x, verbose=0), expected):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert model.outputs[-1].dtype == tf.bool


def test_summary_prints_keras_table(capsys):
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2, name="out")])
    model.summary()
    text = capsys.readouterr().out
    assert 'Model: "sequential"' in text and "out (Dense)" in text
    assert "(None, 2)" in text and "Total params: 10" in text


def test_functional_model_converts_inputs_to_the_dtypes_of_its_inputs():
    """Keras 3: a float64 keras.Input keeps float64 data (no float32 round trip); data of
    another dtype is converted to the Input's dtype."""
    inputs = keras.Input((3,), dtype="float64")
    model = keras.Model(inputs, keras.ops.multiply(inputs, 1.0 + 1e-12))
    result = model(np.ones((1, 3)))
    assert result.dtype == tf.float64
    assert result.numpy()[0, 0] - 1.0 == pytest.approx(1e-12, rel=1e-3)
    assert model(np.ones((1, 3), np.float32)).dtype == tf.float64
    assert model.predict(np.ones((2, 3)), verbose=0).dtype == np.float64
    counts = keras.Input((3,), dtype="int32")
    assert keras.Model(counts, keras.ops.add(counts, 1))(np.ones((1, 3))).dtype == tf.int32
