"""keras.layers convolution and pooling layers against real Keras 3 (tests/fixtures/
keras_layers.{json,npz}, written by tools/make_fixtures_layers.py): outputs for the same
weights and inputs, eagerly and inside tf.function, weight names, get_config; plus
finite-difference gradients, config round trips, output shapes and argument errors."""
import json
import os

import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras
from tensorflux.keras import layers
from tensorflux.testing import check_gradients

from helpers import (CONV_POOL, LAYER_FIXTURES, check_case_output, check_config,
                     layer_function, load_layer_fixture, run_case)

FIXTURE, ARRAYS = load_layer_fixture()
CASES = [c for c in FIXTURE["cases"] if any(k in c["class_name"] for k in CONV_POOL)]


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


# ---- against real Keras -----------------------------------------------------------------

def check_case(case, mode):
    layer, x, y = run_case(case, ARRAYS, mode)
    expected = check_case_output(case, ARRAYS, layer, y)
    check_config(layer, case["config"])
    assert tuple(layer.compute_output_shape(x.shape)) == tuple(expected.shape)
    return layer, y


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_keras_eagerly(case):
    check_case(case, "eager")


@pytest.mark.parametrize("case", CASES[::3], ids=[c["id"] for c in CASES[::3]])
def test_matches_keras_in_tf_function(case):
    check_case(case, "function")


def test_fixture_is_small_and_covers_every_layer():
    size = os.path.getsize(LAYER_FIXTURES + ".json") + os.path.getsize(LAYER_FIXTURES + ".npz")
    assert size < 1_000_000
    names = {c["class_name"] for c in CASES}
    for name in ("Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
                 "Conv3DTranspose", "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D",
                 "DepthwiseConv2D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
                 "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
                 "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
                 "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D"):
        assert name in names, name


def test_small_cnn_fit_matches_keras():
    """Two SGD steps of fit on a Conv2D/BatchNorm/MaxPool/SeparableConv2D/GAP/Dense stack:
    every weight (and the moving statistics) after training equals Keras'."""
    model = keras.Sequential([
        keras.Input(shape=(6, 6, 2)),
        layers.Conv2D(3, 3, padding="same"),
        layers.BatchNormalization(),
        layers.Activation("relu"),
        layers.MaxPooling2D(),
        layers.SeparableConv2D(2, 2, padding="same"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(2),
    ])
    count = FIXTURE["model"]["num_weights"]
    model.set_weights([ARRAYS[f"model/before{i}"] for i in range(count)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    history = model.fit(ARRAYS["model/x"], ARRAYS["model/y"], batch_size=4, epochs=1,
                        shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], FIXTURE["model"]["loss"], rtol=1e-4)
    for i, value in enumerate(model.get_weights()):
        np.testing.assert_allclose(value, ARRAYS[f"model/after{i}"], rtol=1e-4, atol=1e-5,
                                   err_msg=FIXTURE["model"]["weight_paths"][i])
    np.testing.assert_allclose(model.predict(ARRAYS["model/x"], verbose=0),
                               ARRAYS["model/predictions"], rtol=1e-4, atol=1e-5)


# ---- gradients ---------------------------------------------------------------------------

def gradient_check(layer, shape, attributes=(), seed=0, **call_kwargs):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    layer(x)
    weights = [getattr(layer, name).numpy() for name in attributes]
    check_gradients(layer_function(layer, attributes, **call_kwargs), [x] + weights,
                    rtol=1e-4, atol=1e-6)


GRADIENT_CASES = [
    (lambda: layers.Conv1D(2, 3, padding="causal", dilation_rate=2), (2, 5, 2),
     ("kernel", "bias")),
    (lambda: layers.Conv1D(4, 2, groups=2, strides=2), (1, 5, 4), ("kernel", "bias")),
    (lambda: layers.Conv2D(2, 2, strides=2, padding="same", data_format="channels_first"),
     (1, 2, 3, 3), ("kernel", "bias")),
    (lambda: layers.Conv3D(2, 2), (1, 3, 3, 2, 1), ("kernel", "bias")),
    (lambda: layers.Conv2DTranspose(2, 3, strides=2, padding="same"), (1, 2, 2, 2),
     ("kernel", "bias")),
    (lambda: layers.Conv1DTranspose(2, 3, strides=2, output_padding=1), (1, 3, 2),
     ("kernel", "bias")),
    (lambda: layers.Conv3DTranspose(1, 2, strides=2), (1, 2, 2, 1, 2), ("kernel", "bias")),
    (lambda: layers.DepthwiseConv2D(2, depth_multiplier=2), (1, 3, 3, 2),
     ("depthwise_kernel", "bias")),
    (lambda: layers.DepthwiseConv1D(3, strides=2, dilation_rate=2, padding="same"),
     (1, 6, 2), ("depthwise_kernel", "bias")),
    (lambda: layers.SeparableConv2D(2, 2, padding="same"), (1, 3, 3, 2),
     ("depthwise_kernel", "pointwise_kernel", "bias")),
    (lambda: layers.SeparableConv1D(2, 2), (2, 4, 2),
     ("depthwise_kernel", "pointwise_kernel", "bias")),
    (lambda: layers.MaxPooling2D(2, padding="same"), (1, 3, 3, 2), ()),
    (lambda: layers.AveragePooling1D(3, strides=2, padding="same"), (2, 5, 2), ()),
    (lambda: layers.AveragePooling3D(2), (1, 2, 2, 4, 1), ()),
    (lambda: layers.MaxPooling3D(2, data_format="channels_first"), (1, 1, 2, 2, 4), ()),
    (lambda: layers.GlobalMaxPooling2D(), (2, 2, 3, 2), ()),
    (lambda: layers.GlobalAveragePooling3D(keepdims=True), (1, 2, 2, 2, 2), ()),
]


@pytest.mark.parametrize("index", range(len(GRADIENT_CASES)))
def test_gradients_match_finite_differences(index):
    make, shape, attributes = GRADIENT_CASES[index]
    layer = make()
    layer.dtype = "float64"
    gradient_check(layer, shape, attributes)


def test_masked_global_average_pooling_gradient():
    layer = layers.GlobalAveragePooling1D(dtype="float64")
    mask = tf.constant([[True, True, False], [False, True, True]])
    gradient_check(layer, (2, 3, 2), mask=mask)


# ---- configuration, shapes, errors ---------------------------------------------------------

ROUND_TRIP = [
    layers.Conv1D(3, 2, padding="causal", dilation_rate=2, activation="relu",
                  kernel_regularizer="l2"),
    layers.Conv2D(4, (3, 1), strides=(2, 1), groups=2, use_bias=False,
                  data_format="channels_first"),
    layers.Conv3D(2, 2, kernel_initializer="he_normal", bias_constraint="non_neg"),
    layers.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=1),
    layers.Conv1DTranspose(2, 4), layers.Conv3DTranspose(2, 2, strides=(1, 2, 2)),
    layers.SeparableConv2D(4, 3, depth_multiplier=2, pointwise_regularizer="l1"),
    layers.SeparableConv1D(4, 3), layers.DepthwiseConv2D(3, depth_multiplier=3),
    layers.DepthwiseConv1D(2, strides=2), layers.MaxPooling2D(3, 2, "same"),
    layers.AveragePooling1D(4), layers.MaxPooling3D(), layers.GlobalAveragePooling1D(),
    layers.GlobalMaxPooling2D(keepdims=True, data_format="channels_first"),
]


@pytest.mark.parametrize("layer", ROUND_TRIP, ids=lambda l: type(l).__name__)
def test_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    assert json.loads(json.dumps(config)) is not None
    revived = keras.layers.deserialize(keras.layers.serialize(layer)) if hasattr(
        keras.layers, "deserialize") else clone
    assert type(revived) is type(layer)


def test_cloned_layer_computes_the_same():
    layer = layers.Conv2D(3, 2, strides=2, padding="same", activation="tanh")
    x = np.random.default_rng(1).normal(size=(2, 5, 5, 2)).astype("float32")
    y = layer(x)
    clone = layers.Conv2D.from_config(layer.get_config())
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x), y, rtol=1e-6)


@pytest.mark.parametrize("layer, shape", [
    (layers.Conv1D(4, 3, strides=2), (None, 11, 3)),
    (layers.Conv1D(4, 3, padding="causal"), (None, None, 3)),
    (layers.Conv2D(5, 3, padding="same", strides=2), (None, 9, 7, 2)),
    (layers.Conv2D(5, 3, data_format="channels_first"), (None, 2, 9, 7)),
    (layers.Conv3D(2, (1, 2, 3)), (None, 4, 5, 6, 1)),
    (layers.Conv2DTranspose(3, 3, strides=2), (None, 4, 5, 2)),
    (layers.Conv2DTranspose(3, 3, strides=2, padding="same"), (None, None, None, 2)),
    (layers.Conv3DTranspose(3, 2, strides=2, output_padding=1), (None, 2, 3, 4, 1)),
    (layers.DepthwiseConv2D(3, depth_multiplier=2), (None, 8, 8, 3)),
    (layers.SeparableConv1D(6, 2, strides=2, padding="same"), (None, 9, 4)),
    (layers.MaxPooling2D(3, 2), (None, 9, 8, 1)),
    (layers.AveragePooling3D(2, padding="same"), (None, 3, 5, 4, 2)),
    (layers.MaxPooling1D(2, data_format="channels_first"), (None, 3, 9)),
    (layers.GlobalAveragePooling2D(keepdims=True), (None, 3, 4, 5)),
    (layers.GlobalMaxPooling1D(), (None, None, 5)),
])
def test_symbolic_shapes_match_compute_output_shape(layer, shape):
    inputs = keras.Input(batch_shape=shape)
    outputs = layer(inputs)
    assert tuple(outputs.shape.as_list()) == tuple(layer.compute_output_shape(shape))
    model = keras.Model(inputs, outputs)
    concrete = tuple(2 if d is None else d for d in shape)
    concrete = tuple(8 if d == 2 and i > 0 and shape[i] is None else d
                     for i, d in enumerate(concrete))
    y = model(np.ones(concrete, "float32"))
    assert tuple(y.shape) == tuple(layer.compute_output_shape(concrete))


def test_functional_cnn_summary_shapes_and_params():
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2, strides=2, padding="same")(x)
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2, strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    assert [l.name for l in model.layers] == ["input_layer", "conv2d", "max_pooling2d",
                                              "conv2d_1", "max_pooling2d_1", "flatten",
                                              "dense"]
    assert tuple(model.layers[-2].output.shape) == (None, 784)
    assert model.count_params() == 320 + 4624 + 7850


@pytest.mark.parametrize("make, message", [
    (lambda: layers.Conv2D(0, 3), r"filters.*Received filters=0"),
    (lambda: layers.Conv2D(-2, 3), r"filters=-2"),
    (lambda: layers.Conv2D(4, (3, 3, 3)), r"kernel_size.*tuple of 2 integers.*\(3, 3, 3\)"),
    (lambda: layers.Conv2D(4, 0), r"kernel_size.*Received kernel_size=0"),
    (lambda: layers.Conv2D(4, 3, padding="full"), r"padding.*Received: padding='full'"),
    (lambda: layers.Conv2D(4, 3, padding="causal"), r"padding='causal'"),
    (lambda: layers.Conv1D(4, 3, strides=2, dilation_rate=2), r"strides > 1.*dilation_rate"),
    (lambda: layers.Conv2D(5, 3, groups=2), r"groups=2, filters=5"),
    (lambda: layers.Conv2D(4, 3, groups=0), r"groups=0"),
    (lambda: layers.Conv2D(4, 3, data_format="NHWC"), r"data_format='NHWC'"),
    (lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=2),
     r"output_padding.*strictly less than `strides`"),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), r"depth_multiplier=0"),
    (lambda: layers.SeparableConv2D(0, 3), r"filters=0"),
    (lambda: layers.MaxPooling2D(pool_size=(2, 2, 2)), r"pool_size.*\(2, 2, 2\)"),
    (lambda: layers.AveragePooling1D(2, padding="causal"), r"padding='causal'"),
    (lambda: layers.GlobalMaxPooling2D(data_format="NCHW"), r"data_format='NCHW'"),
])
def test_bad_arguments_raise_value_error_echoing_the_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_input_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"conv2d.*expected min_ndim=4, found ndim=3"):
        layers.Conv2D(2, 3)(np.ones((1, 5, 5), "float32"))
    conv = layers.Conv2D(2, 3)
    conv(np.ones((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r"axis -1.*value 3.*\(1, 5, 5, 4\)"):
        conv(np.ones((1, 5, 5, 4), "float32"))
    with pytest.raises(ValueError, match=r"groups=2.*3 channels"):
        layers.Conv2D(4, 1, groups=2)(np.ones((1, 2, 2, 3), "float32"))
    with pytest.raises(ValueError, match=r"max_pooling2d.*expected ndim=4"):
        layers.MaxPooling2D()(np.ones((2, 4, 4), "float32"))


def test_aliases_and_layer_names():
    assert layers.Convolution2D is layers.Conv2D
    assert layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.SeparableConvolution2D is layers.SeparableConv2D
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool1D is \
        layers.AveragePooling1D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D
    assert layers.GlobalMaxPool3D is layers.GlobalMaxPooling3D
    assert layers.Conv2DTranspose(1, 1).name == "conv2d_transpose"
    assert layers.GlobalAveragePooling1D().name == "global_average_pooling1d"
    assert layers.SeparableConv2D(1, 1).name == "separable_conv2d"


def test_conv_trains_in_fit_and_channels_first_matches_channels_last():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 5, 3)).astype("float32")
    last = layers.Conv2D(4, 3, strides=2, padding="same")
    first = layers.Conv2D(4, 3, strides=2, padding="same", data_format="channels_first")
    y_last = last(x)
    first(np.transpose(x, (0, 3, 1, 2)))
    first.set_weights(last.get_weights())
    y_first = first(np.transpose(x, (0, 3, 1, 2)))
    np.testing.assert_allclose(np.transpose(y_first, (0, 2, 3, 1)), y_last, rtol=1e-5,
                               atol=1e-6)
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.Conv2D(2, 3, activation="relu"),
                              layers.GlobalMaxPooling2D(), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    data = rng.normal(size=(16, 6, 6, 1)).astype("float32")
    target = data.mean(axis=(1, 2, 3))[:, None]
    history = model.fit(data, target, epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_regularizers_and_constraints_reach_losses_and_training():
    conv = layers.Conv2D(2, 2, kernel_regularizer=keras.regularizers.L2(0.5),
                         bias_regularizer="l1", bias_constraint="non_neg",
                         bias_initializer=keras.initializers.Constant(0.1))
    separable = layers.SeparableConv1D(2, 2, depthwise_regularizer="l2",
                                       pointwise_regularizer="l2")
    conv(np.ones((1, 3, 3, 1), "float32"))
    separable(np.ones((1, 4, 2), "float32"))
    assert len(conv.losses) == 2 and len(separable.losses) == 2
    kernel = conv.kernel.numpy()
    np.testing.assert_allclose(float(conv.losses[0]), 0.5 * np.sum(kernel ** 2), rtol=1e-6)
    model = keras.Sequential([keras.Input((3, 3, 1)), conv, layers.Flatten()])
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss="mse")
    model.fit(np.ones((4, 3, 3, 1), "float32"), np.full((4, 8), -5.0, "float32"), verbose=0)
    assert np.all(conv.bias.numpy() >= 0)            # pushed negative, clipped at 0


@pytest.mark.parametrize("module", ["conv", "pooling"])
def test_docstring_examples_run(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(f"tensorflux.keras.layers.{module}"),
                             extraglobs={"tf": tf, "keras": keras},
                             optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
