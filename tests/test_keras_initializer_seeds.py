"""Keras 3 initializer seeding, configs with input/output axes, and the masked Softmax."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras

I = keras.initializers
RANDOM = [I.GlorotUniform, I.GlorotNormal, I.HeUniform, I.HeNormal, I.LecunUniform,
          I.LecunNormal, I.RandomNormal, I.RandomUniform, I.TruncatedNormal, I.Orthogonal,
          I.VarianceScaling]


@pytest.mark.parametrize("cls", RANDOM)
def test_seeded_instance_repeats(cls):
    init = cls(seed=1)
    np.testing.assert_array_equal(init((4, 3)).numpy(), init((4, 3)).numpy())
    np.testing.assert_array_equal(init((4, 3)).numpy(), cls(seed=1)((4, 3)).numpy())
    assert not np.array_equal(init((4, 3)).numpy(), cls(seed=2)((4, 3)).numpy())


@pytest.mark.parametrize("cls", RANDOM)
def test_unseeded_instance_repeats_but_instances_differ(cls):
    init = cls()
    np.testing.assert_array_equal(init((4, 3)).numpy(), init((4, 3)).numpy())
    assert not np.array_equal(init((4, 3)).numpy(), cls()((4, 3)).numpy())
    assert init.get_config()["seed"] is None


def test_seed_generator_seed_gives_new_values_each_call():
    init = I.GlorotUniform(seed=keras.random.SeedGenerator(3))
    assert not np.array_equal(init((3, 3)).numpy(), init((3, 3)).numpy())
    config = init.get_config()
    assert config["seed"]["class_name"] == "SeedGenerator"
    again = I.GlorotUniform.from_config(config)
    np.testing.assert_array_equal(
        again((3, 3)).numpy(), I.GlorotUniform(seed=keras.random.SeedGenerator(3))((3, 3)))


def test_invalid_seed():
    with pytest.raises(ValueError, match="seed"):
        I.GlorotUniform(seed="x")


def test_configs_match_keras():
    assert I.GlorotUniform(seed=1).get_config() == {"seed": 1, "input_axes": None,
                                                     "output_axes": None}
    assert I.HeNormal().get_config() == {"seed": None, "input_axes": None, "output_axes": None}
    assert I.VarianceScaling(distribution="normal").get_config() == {
        "seed": None, "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal",
        "input_axes": None, "output_axes": None}
    assert I.RandomNormal(seed=2).get_config() == {"seed": 2, "mean": 0.0, "stddev": 0.05}
    assert I.Orthogonal().get_config() == {"seed": None, "gain": 1.0}
    config = {"class_name": "GlorotUniform",
              "config": {"seed": 4, "input_axes": [0, 1], "output_axes": [2]}}
    init = I.get(config)
    assert init.input_axes == [0, 1] and init.output_axes == [2]
    assert I.serialize(init)["config"] == config["config"]


def test_axes_define_fans():
    init = I.VarianceScaling(scale=1.0, mode="fan_in", distribution="uniform", seed=0,
                             input_axes=[0, 1], output_axes=[2])
    values = init((10, 10, 2)).numpy()
    limit = np.sqrt(3.0 / 100)
    assert np.abs(values).max() <= limit and np.abs(values).max() > 0.9 * limit
    assert I.compute_fans((10, 10, 2), [0, 1], [2]) == (100, 2)
    assert I.compute_fans((3, 3, 4, 8)) == (36, 72)


def test_variance_scaling_stddev():
    values = I.HeNormal(seed=0)((400, 300)).numpy()
    assert abs(values.std() - np.sqrt(2 / 400)) < 0.005


def _model_weights():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(3)])
    return [w.numpy() for w in model.weights]


def test_set_random_seed_makes_models_reproducible():
    keras.utils.set_random_seed(7)
    first = _model_weights()
    keras.utils.set_random_seed(7)
    second = _model_weights()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    keras.utils.set_random_seed(8)
    assert not np.array_equal(first[0], _model_weights()[0])


def test_default_string_initializer_gives_layers_different_weights():
    a = keras.layers.Dense(3, kernel_initializer="glorot_uniform")
    b = keras.layers.Dense(3, kernel_initializer="glorot_uniform")
    a.build((None, 3))
    b.build((None, 3))
    assert not np.array_equal(a.kernel.numpy(), b.kernel.numpy())


def test_shared_instance_gives_layers_the_same_weights():
    init = I.GlorotUniform()
    a = keras.layers.Dense(3, kernel_initializer=init)
    b = keras.layers.Dense(3, kernel_initializer=init)
    a.build((None, 3))
    b.build((None, 3))
    np.testing.assert_array_equal(a.kernel.numpy(), b.kernel.numpy())


# ---- Softmax with a mask -------------------------------------------------------------------
def test_masked_softmax_zeros_masked_positions():
    x = tf.constant([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    mask = tf.constant([[True, True, False], [False, False, False]])
    out = keras.layers.Softmax()(x, mask=mask).numpy()
    np.testing.assert_allclose(out, [[0.2689414, 0.7310586, 0.0], [0.0, 0.0, 0.0]], rtol=1e-6)
    assert out[0, 2] == 0.0 and (out[1] == 0.0).all()


def test_masked_softmax_float_and_broadcast_mask():
    x = tf.constant([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    out = keras.layers.Softmax()(x, mask=tf.constant([[1.0, 1.0, 0.0]])).numpy()
    np.testing.assert_allclose(out, [[0.2689414, 0.7310586, 0.0], [0.5, 0.5, 0.0]], rtol=1e-6)
    with pytest.raises(ValueError, match="broadcastable"):
        keras.layers.Softmax()(x, mask=tf.ones([2, 2], tf.bool))


def test_softmax_multi_axis():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    out = keras.layers.Softmax(axis=[0, 1])(x).numpy()
    np.testing.assert_allclose(out.sum(), 1.0, rtol=1e-6)
