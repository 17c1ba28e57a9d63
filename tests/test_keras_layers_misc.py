"""keras.layers reshaping, normalization, regularization and embedding layers against real
Keras 3 (tests/fixtures/keras_layers.{json,npz}, written by tools/make_fixtures_layers.py),
plus gradients, masks, training behaviour, config round trips, shapes and argument errors."""
import json

import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras
from tensorflux.keras import layers
from tensorflux.testing import check_gradients

from helpers import (CONV_POOL, check_case_output, check_config, layer_function,
                     load_layer_fixture, run_case)

FIXTURE, ARRAYS = load_layer_fixture()
CASES = [c for c in FIXTURE["cases"] if not any(k in c["class_name"] for k in CONV_POOL)]


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


# ---- against real Keras -----------------------------------------------------------------

@pytest.mark.parametrize("mode", ["eager", "function"])
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_keras(case, mode):
    layer, x, y = run_case(case, ARRAYS, mode)
    prefix = case["id"] + "/"
    expected = check_case_output(case, ARRAYS, layer, y)
    if case.get("has_mask") and mode == "eager":
        np.testing.assert_array_equal(np.asarray(y._keras_mask), ARRAYS[prefix + "out_mask"])
        np.testing.assert_array_equal(np.asarray(layer.compute_mask(x)),
                                      ARRAYS[prefix + "out_mask"])
    if case.get("has_mask") is False:
        assert getattr(y, "_keras_mask", None) is None
    if "losses" in case and mode == "eager":
        np.testing.assert_allclose([float(l) for l in layer.losses], case["losses"],
                                   rtol=1e-5)
    check_config(layer, case["config"])
    assert tuple(layer.compute_output_shape(x.shape)) == tuple(expected.shape)


def test_fixture_covers_every_layer():
    names = {c["class_name"] for c in CASES}
    for name in ("ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D",
                 "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D", "Permute",
                 "RepeatVector", "BatchNormalization", "LayerNormalization",
                 "GroupNormalization", "UnitNormalization", "SpatialDropout1D",
                 "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
                 "AlphaDropout", "ActivityRegularization", "Embedding", "Masking"):
        assert name in names, name


# ---- gradients ---------------------------------------------------------------------------

def gradient_check(layer, shape, attributes=(), seed=0, **call_kwargs):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    layer(x)
    weights = []
    for name in attributes:
        value = getattr(layer, name).numpy()
        weights.append(value + rng.uniform(0.2, 0.5, size=value.shape))  # away from 0 / 1
    check_gradients(layer_function(layer, attributes, **call_kwargs), [x] + weights,
                    rtol=1e-4, atol=1e-6)


GRADIENT_CASES = [
    (lambda: layers.ZeroPadding2D(((1, 0), (0, 2))), (1, 2, 2, 1), ()),
    (lambda: layers.ZeroPadding3D(1, data_format="channels_first"), (1, 1, 2, 1, 2), ()),
    (lambda: layers.Cropping1D((1, 2)), (2, 5, 1), ()),
    (lambda: layers.Cropping2D(((1, 0), (1, 1)), data_format="channels_first"),
     (1, 2, 3, 4), ()),
    (lambda: layers.Cropping3D(1), (1, 3, 3, 4, 1), ()),
    (lambda: layers.UpSampling1D(2), (1, 3, 2), ()),
    (lambda: layers.UpSampling2D((2, 3)), (1, 2, 2, 1), ()),
    (lambda: layers.UpSampling2D(2, interpolation="bilinear"), (1, 3, 2, 1), ()),
    (lambda: layers.UpSampling3D(2), (1, 1, 2, 1, 1), ()),
    (lambda: layers.Permute((3, 1, 2)), (2, 2, 3, 1), ()),
    (lambda: layers.RepeatVector(3), (2, 3), ()),
    (lambda: layers.BatchNormalization(), (5, 3), ("gamma", "beta")),
    (lambda: layers.BatchNormalization(axis=1, center=False), (3, 2, 2), ("gamma",)),
    (lambda: layers.LayerNormalization(), (2, 4), ("gamma", "beta")),
    (lambda: layers.LayerNormalization(axis=[1, 2], rms_scaling=True), (2, 2, 3),
     ("gamma",)),
    (lambda: layers.GroupNormalization(2), (2, 3, 4), ("gamma", "beta")),
    (lambda: layers.GroupNormalization(3, axis=1), (1, 3, 2, 2), ("gamma", "beta")),
    (lambda: layers.UnitNormalization(axis=[1, 2]), (2, 2, 3), ()),
    (lambda: layers.Embedding(5, 3), None, ("embeddings",)),
    (lambda: layers.Masking(), (2, 3, 2), ()),
]


@pytest.mark.parametrize("index", range(len(GRADIENT_CASES)))
def test_gradients_match_finite_differences(index):
    make, shape, attributes = GRADIENT_CASES[index]
    layer = make()
    layer.dtype = "float64"
    if isinstance(layer, layers.Embedding):
        ids = tf.constant([[0, 3, 4], [1, 1, 2]])
        layer(ids)
        table = layer.embeddings.numpy()
        check_gradients(lambda t: layer_function(layer, ["embeddings"])(ids, t), [table])
        return
    training = {"training": True} if isinstance(layer, layers.BatchNormalization) else {}
    gradient_check(layer, shape, attributes, **training)


def test_batchnorm_masked_training_gradient():
    layer = layers.BatchNormalization(dtype="float64")
    mask = tf.constant([[True, True, False], [False, True, True]])
    gradient_check(layer, (2, 3, 2), ("gamma", "beta"), training=True, mask=mask)


# ---- BatchNormalization behaviour ---------------------------------------------------------

def test_batchnorm_updates_moving_statistics_inside_tf_function():
    bn = layers.BatchNormalization(momentum=0.5)
    x = np.arange(12, dtype="float32").reshape(4, 3)
    step = tf.function(lambda t: bn(t, training=True))
    step(x)
    step(x)
    mean, var = x.mean(axis=0), x.var(axis=0)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.75 * mean, rtol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.25 + 0.75 * var, rtol=1e-6)
    inference = tf.function(lambda t: bn(t, training=False))
    np.testing.assert_allclose(
        inference(x), (x - 0.75 * mean) / np.sqrt(0.25 + 0.75 * var + 1e-3), rtol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.75 * mean, rtol=1e-6)


def test_frozen_batchnorm_runs_in_inference_mode_and_fit_updates_statistics():
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(32, 4)) * 2 + 3).astype("float32")
    model = keras.Sequential([keras.Input((4,)), layers.BatchNormalization(),
                              layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, x[:, :1], epochs=2, batch_size=8, verbose=0)
    bn = model.layers[0]
    assert np.all(bn.moving_mean.numpy() > 0.1)        # moved toward the mean (about 3)
    assert len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2
    bn.trainable = False
    frozen = [w.copy() for w in bn.get_weights()]
    assert len(bn.trainable_weights) == 0 and len(bn.weights) == 4
    y = bn(x, training=True)
    expected = (x - frozen[2]) / np.sqrt(frozen[3] + 1e-3) * frozen[0] + frozen[1]
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, x[:, :1], epochs=1, batch_size=8, verbose=0)
    for before, after in zip(frozen, bn.get_weights()):
        np.testing.assert_array_equal(before, after)


def test_batchnorm_in_a_tf1_graph_registers_update_ops():
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, (None, 2))
        bn = layers.BatchNormalization(momentum=0.0)
        y = bn(x, training=True)
        updates = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.UPDATE_OPS)
        assert len(updates) == 2
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            data = np.array([[1.0, 2.0], [3.0, 6.0]], "float32")
            out, _ = sess.run([y, updates], {x: data})
            np.testing.assert_allclose(out, [[-1, -1], [1, 1]], atol=1e-3)
            np.testing.assert_allclose(sess.run(bn.moving_mean), [2.0, 4.0])


# ---- masks ---------------------------------------------------------------------------------

def test_embedding_mask_flows_to_masked_average_and_through_supporting_layers():
    ids = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    embedding = layers.Embedding(5, 2, mask_zero=True)
    vectors = embedding(ids)
    np.testing.assert_array_equal(vectors._keras_mask, ids != 0)
    dropped = layers.Dropout(0.5)(vectors)                 # supports masking: keeps it
    np.testing.assert_array_equal(dropped._keras_mask, ids != 0)
    pooled = layers.GlobalAveragePooling1D()(dropped)       # consumes it
    assert getattr(pooled, "_keras_mask", None) is None
    table = embedding.get_weights()[0]
    np.testing.assert_allclose(pooled, [table[[1, 2]].mean(0), table[3]], rtol=1e-6)
    dense = layers.Dense(3)(vectors)                        # Dense supports masking
    np.testing.assert_array_equal(dense._keras_mask, ids != 0)
    assert getattr(layers.Flatten()(vectors), "_keras_mask", None) is None


def test_masks_flow_in_sequential_and_functional_models():
    ids = np.array([[4, 0, 0], [1, 2, 3]])
    model = keras.Sequential([keras.Input((3,), dtype="int32"),
                              layers.Embedding(6, 2, mask_zero=True),
                              layers.GlobalAveragePooling1D()])
    out = model(ids)
    table = model.layers[0].get_weights()[0]
    np.testing.assert_allclose(out, [table[4], table[[1, 2, 3]].mean(0)], rtol=1e-6)
    inputs = keras.Input((3, 2))
    masked = layers.Masking(mask_value=-1.0)(inputs)
    pooled = layers.GlobalAveragePooling1D()(masked)
    functional = keras.Model(inputs, pooled)
    data = np.array([[[1, 1], [-1, -1], [3, 5]]], "float32")
    np.testing.assert_allclose(functional(data), [[2.0, 3.0]])
    np.testing.assert_allclose(tf.function(functional)(data), [[2.0, 3.0]])


def test_masking_layer_zeroes_masked_steps():
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [0.0, 3.0]]], "float32")
    y = layers.Masking()(x)
    np.testing.assert_array_equal(y._keras_mask, [[True, False, True]])
    np.testing.assert_array_equal(y, x)


# ---- stochastic layers ---------------------------------------------------------------------

def test_stochastic_layers_in_training_and_inference():
    ones = np.ones((200, 50), "float32")
    for layer in (layers.GaussianNoise(0.5), layers.GaussianDropout(0.3),
                  layers.AlphaDropout(0.2)):
        np.testing.assert_array_equal(layer(ones, training=False), ones)
        np.testing.assert_array_equal(layer(ones), ones)
    noisy = layers.GaussianNoise(0.5)(ones, training=True).numpy()
    assert abs(noisy.mean() - 1) < 0.02 and abs(noisy.std() - 0.5) < 0.02
    scaled = layers.GaussianDropout(0.5)(ones, training=True).numpy()
    assert abs(scaled.mean() - 1) < 0.03 and abs(scaled.std() - 1.0) < 0.03
    standard = np.random.default_rng(0).normal(size=(200, 50)).astype("float32")
    alpha = layers.AlphaDropout(0.2)(standard, training=True).numpy()
    assert abs(alpha.mean()) < 0.05 and abs(alpha.std() - 1) < 0.05   # self-normalizing


@pytest.mark.parametrize("layer, shape, shared", [
    (layers.SpatialDropout1D(0.5), (20, 6, 10), (1,)),
    (layers.SpatialDropout2D(0.5), (20, 3, 4, 10), (1, 2)),
    (layers.SpatialDropout2D(0.5, data_format="channels_first"), (20, 10, 3, 4), (2, 3)),
    (layers.SpatialDropout3D(0.5), (10, 2, 3, 2, 8), (1, 2, 3)),
])
def test_spatial_dropout_drops_whole_feature_maps(layer, shape, shared):
    ones = np.ones(shape, "float32")
    np.testing.assert_array_equal(layer(ones), ones)
    y = layer(ones, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.3 < (y == 0).mean() < 0.7
    np.testing.assert_array_equal(y.min(axis=shared), y.max(axis=shared))


def test_activity_regularization_adds_a_loss_to_the_model():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, kernel_initializer="ones"),
                              layers.ActivityRegularization(l1=0.5)])
    model(np.ones((4, 3), "float32"))
    assert len(model.losses) == 1
    np.testing.assert_allclose(float(model.losses[0]), 0.5 * 3 * 2, rtol=1e-6)


# ---- configuration, shapes, errors ---------------------------------------------------------

ROUND_TRIP = [
    layers.ZeroPadding1D((1, 2)), layers.ZeroPadding2D(((1, 0), (2, 3))),
    layers.ZeroPadding3D(2, data_format="channels_first"), layers.Cropping1D(2),
    layers.Cropping2D(((1, 2), (0, 1))), layers.Cropping3D((1, 0, 2)),
    layers.UpSampling1D(3), layers.UpSampling2D((2, 1), interpolation="bilinear"),
    layers.UpSampling3D(2), layers.Permute((2, 1)), layers.RepeatVector(4),
    layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, center=False,
                              gamma_regularizer="l2"),
    layers.LayerNormalization(axis=[1, 2], rms_scaling=True),
    layers.GroupNormalization(4, axis=1, epsilon=1e-4), layers.UnitNormalization([1, 2]),
    layers.SpatialDropout1D(0.2, seed=1), layers.SpatialDropout2D(0.3),
    layers.SpatialDropout3D(0.1, data_format="channels_first"),
    layers.GaussianNoise(0.2, seed=2), layers.GaussianDropout(0.3),
    layers.AlphaDropout(0.1, noise_shape=(None, 1)), layers.ActivityRegularization(0.1, 0.2),
    layers.Embedding(10, 4, mask_zero=True, embeddings_regularizer="l2"),
    layers.Masking(-1.0),
]


@pytest.mark.parametrize("layer", ROUND_TRIP, ids=lambda l: type(l).__name__)
def test_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    json.dumps(config)


@pytest.mark.parametrize("layer, shape", [
    (layers.ZeroPadding2D(((1, 0), (2, 3))), (None, 4, None, 2)),
    (layers.Cropping2D(1, data_format="channels_first"), (None, 2, 5, 6)),
    (layers.Cropping1D((0, 2)), (None, 5, 3)),
    (layers.UpSampling2D(2, interpolation="bilinear"), (None, 3, 4, 2)),
    (layers.UpSampling2D(3), (None, None, 4, 2)),
    (layers.UpSampling1D(2), (None, None, 3)),
    (layers.UpSampling3D((1, 2, 2), data_format="channels_first"), (None, 1, 2, 2, 2)),
    (layers.Permute((2, 3, 1)), (None, 2, 3, 4)),
    (layers.RepeatVector(5), (None, 3)),
    (layers.BatchNormalization(axis=1), (None, 3, 4)),
    (layers.LayerNormalization(), (None, None, 6)),
    (layers.GroupNormalization(2), (None, None, 4)),
    (layers.UnitNormalization(), (None, 3)),
    (layers.SpatialDropout1D(0.5), (None, 4, 3)),
    (layers.GaussianNoise(0.1), (None, 4)),
    (layers.Embedding(10, 3), (None, 5)),
    (layers.Masking(), (None, 5, 2)),
])
def test_symbolic_shapes_match_compute_output_shape(layer, shape):
    dtype = "int32" if isinstance(layer, layers.Embedding) else "float32"
    inputs = keras.Input(batch_shape=shape, dtype=dtype)
    outputs = layer(inputs)
    assert tuple(outputs.shape.as_list()) == tuple(layer.compute_output_shape(shape))
    model = keras.Model(inputs, outputs)
    concrete = tuple(3 if d is None else d for d in shape)
    y = model(np.ones(concrete, dtype))
    assert tuple(y.shape) == tuple(layer.compute_output_shape(concrete))


def test_bilinear_upsampling_of_a_ramp_is_linear_inside():
    ramp = np.arange(4, dtype="float32").reshape(1, 1, 4, 1)
    y = layers.UpSampling2D((1, 2), interpolation="bilinear")(ramp).numpy()[0, 0, :, 0]
    np.testing.assert_allclose(y, [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3])


def test_embedding_input_length_sets_the_input_shape_and_float_ids_work():
    model = keras.Sequential([layers.Embedding(20, 4, input_length=6), layers.Flatten()])
    assert model.output_shape == (None, 24)
    embedding = layers.Embedding(5, 2)
    out = embedding(np.array([[1.0, 4.0]]))
    np.testing.assert_array_equal(out, embedding.get_weights()[0][[1, 4]][None])


@pytest.mark.parametrize("make, error, message", [
    (lambda: layers.ZeroPadding2D((1, 2, 3)), ValueError, r"padding=\(1, 2, 3\)"),
    (lambda: layers.ZeroPadding1D(-1), ValueError, r"padding=-1"),
    (lambda: layers.Cropping2D("a"), ValueError, r"cropping='a'"),
    (lambda: layers.UpSampling2D(2, interpolation="cubic"), ValueError,
     r"interpolation='cubic'"),
    (lambda: layers.UpSampling1D(0), ValueError, r"size=0"),
    (lambda: layers.Permute((1, 3)), ValueError, r"Received dims=\(1, 3\)"),
    (lambda: layers.RepeatVector("3"), TypeError, r"n='3'"),
    (lambda: layers.BatchNormalization(axis="x"), TypeError, r"axis='x'"),
    (lambda: layers.LayerNormalization(axis=1.5), TypeError, r"1.5"),
    (lambda: layers.GroupNormalization(0), ValueError, r"groups=0"),
    (lambda: layers.SpatialDropout1D(1.5), ValueError, r"rate=1.5"),
    (lambda: layers.GaussianDropout(-0.1), ValueError, r"rate=-0.1"),
    (lambda: layers.GaussianNoise(-1), ValueError, r"stddev=-1"),
    (lambda: layers.Embedding(0, 3), ValueError, r"input_dim=0"),
    (lambda: layers.Embedding(4, 2.5), ValueError, r"output_dim=2.5"),
])
def test_bad_arguments_echo_the_value(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_build_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Number of groups \(8\).*channels \(4\)"):
        layers.GroupNormalization(8)(np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"channels \(4\) must be a multiple.*groups \(3\)"):
        layers.GroupNormalization(3)(np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"cropping.*\(1, 2, 2, 1\)"):
        layers.Cropping2D(1)(np.ones((1, 2, 2, 1), "float32"))
    with pytest.raises(ValueError, match=r"Invalid axis 3.*rank 2"):
        layers.BatchNormalization(axis=3)(np.ones((2, 4), "float32"))
    bn = layers.BatchNormalization()
    bn(np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"batch_normalization.*axis -1.*value 4"):
        bn(np.ones((2, 5), "float32"))
    with pytest.raises(ValueError, match=r"permute.*expected ndim=3"):
        layers.Permute((2, 1))(np.ones((2, 3, 4, 5), "float32"))


@pytest.mark.parametrize("module", ["reshaping", "normalization", "regularization",
                                    "embedding"])
def test_docstring_examples_run(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(f"tensorflux.keras.layers.{module}"),
                             extraglobs={"tf": tf, "keras": keras},
                             optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
