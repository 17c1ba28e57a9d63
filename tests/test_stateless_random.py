"""tf.random stateless ops, tf.random.Generator and tf.image.stateless_random_*."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux.framework import errors


def _np(x):
    return np.asarray(x.numpy())


# ---- determinism across modes ------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda s: tf.random.stateless_normal([4, 3], seed=s),
    lambda s: tf.random.stateless_uniform([4, 3], seed=s),
    lambda s: tf.random.stateless_truncated_normal([4, 3], seed=s),
    lambda s: tf.random.stateless_uniform([4, 3], seed=s, minval=-5, maxval=5, dtype=tf.int32),
    lambda s: tf.random.stateless_categorical([[0.0, 1.0, 2.0]], 6, seed=s),
])
def test_same_seed_same_values_eager_function_graph(fn):
    eager = _np(fn([1, 2]))
    np.testing.assert_array_equal(eager, _np(fn([1, 2])))
    np.testing.assert_array_equal(eager, _np(fn(tf.constant([1, 2], tf.int64))))
    assert not np.array_equal(eager, _np(fn([1, 3])))
    traced = tf.function(fn)
    np.testing.assert_array_equal(eager, _np(traced(tf.constant([1, 2]))))
    np.testing.assert_array_equal(eager, _np(traced(tf.constant([1, 2]))))
    with tf.Graph().as_default():
        seed = tf.compat.v1.placeholder(tf.int32, [2])
        out = fn(seed)
        with tf.compat.v1.Session() as sess:
            first = sess.run(out, {seed: [1, 2]})
            np.testing.assert_array_equal(eager, first)
            np.testing.assert_array_equal(first, sess.run(out, {seed: [1, 2]}))


def test_large_int64_seeds_are_distinct():
    a = tf.random.stateless_normal([5], seed=tf.constant([1, 0], tf.int64))
    b = tf.random.stateless_normal([5], seed=tf.constant([1 + 2 ** 32, 0], tf.int64))
    assert not np.array_equal(_np(a), _np(b))


# ---- distributions -----------------------------------------------------------------------
def test_normal_distribution_and_params():
    x = _np(tf.random.stateless_normal([20000], seed=[3, 4], mean=2.0, stddev=3.0))
    assert x.dtype == np.float32
    assert abs(x.mean() - 2.0) < 0.1 and abs(x.std() - 3.0) < 0.1
    y = _np(tf.random.stateless_normal([2, 2], seed=[1, 2], mean=[0.0, 10.0],
                                       stddev=[1.0, 2.0]))
    assert y.shape == (2, 2) and (y[:, 1] > 3).all()


def test_uniform_float_range_and_dtypes():
    x = _np(tf.random.stateless_uniform([20000], seed=[5, 6], minval=-2.0, maxval=3.0))
    assert x.min() >= -2.0 and x.max() < 3.0 and abs(x.mean() - 0.5) < 0.05
    for dtype in (tf.float16, tf.float64):
        v = tf.random.stateless_uniform([1000], seed=[1, 1], dtype=dtype)
        assert v.dtype == dtype and _np(v).max() < 1.0 and _np(v).min() >= 0.0


def test_uniform_integer_rules():
    x = _np(tf.random.stateless_uniform([5000], seed=[1, 2], minval=3, maxval=7,
                                        dtype=tf.int64))
    assert x.dtype == np.int64 and set(np.unique(x)) == {3, 4, 5, 6}
    full = tf.random.stateless_uniform([100], seed=[1, 2], minval=None, maxval=None,
                                       dtype=tf.int32)
    assert full.dtype == tf.int32 and (_np(full) < 0).any()
    with pytest.raises(ValueError, match="must be both None or not None"):
        tf.random.stateless_uniform([3], seed=[1, 2], dtype=tf.int32)
    with pytest.raises(ValueError, match="invalid value"):
        tf.random.stateless_uniform([3], seed=[1, 2], minval=0, maxval=3, dtype=tf.int16)


def test_truncated_normal_is_truncated():
    x = _np(tf.random.stateless_truncated_normal([20000], seed=[7, 8], mean=1.0, stddev=2.0))
    assert x.min() >= -3.0 and x.max() <= 5.0
    assert abs(x.std() - 2.0 * 0.8796) < 0.05


def test_categorical():
    samples = _np(tf.random.stateless_categorical(np.log([[0.1, 0.9], [0.9, 0.1]]), 4000,
                                                  seed=[1, 2]))
    assert samples.shape == (2, 4000) and samples.dtype == np.int64
    assert abs(samples[0].mean() - 0.9) < 0.03 and abs(samples[1].mean() - 0.1) < 0.03
    neg_inf = _np(tf.random.stateless_categorical([[-np.inf, 0.0]], 50, seed=[1, 2],
                                                  dtype=tf.int32))
    assert (neg_inf == 1).all()


def test_binomial_gamma_poisson():
    b = _np(tf.random.stateless_binomial([20000], [1, 2], counts=10.0, probs=0.3))
    assert b.dtype == np.int32 and abs(b.mean() - 3.0) < 0.1
    g = _np(tf.random.stateless_gamma([20000], [1, 2], alpha=2.0, beta=4.0))
    assert abs(g.mean() - 0.5) < 0.02
    p = _np(tf.random.stateless_poisson([20000], [1, 2], lam=3.0))
    assert abs(p.mean() - 3.0) < 0.1


def test_seed_validation():
    with pytest.raises(errors.InvalidArgumentError, match=r"seed must have shape \[2\]"):
        tf.random.stateless_normal([2], seed=[1, 2, 3])
    with pytest.raises(errors.InvalidArgumentError, match="Tseed"):
        tf.random.stateless_normal([2], seed=[1.0, 2.0])


def test_split_and_fold_in():
    seeds = tf.random.experimental.stateless_split([1, 2], num=3)
    assert seeds.shape == (3, 2) and seeds.dtype == tf.int32
    np.testing.assert_array_equal(_np(seeds), _np(tf.random.split([1, 2], 3)))
    values = [_np(tf.random.stateless_normal([4], seed=s)) for s in _np(seeds)]
    assert not np.array_equal(values[0], values[1])
    folded = tf.random.experimental.stateless_fold_in(tf.constant([1, 2], tf.int64), 7)
    assert folded.shape == (2,) and folded.dtype == tf.int64
    np.testing.assert_array_equal(_np(folded), _np(tf.random.fold_in(
        tf.constant([1, 2], tf.int64), 7)))
    assert not np.array_equal(_np(folded), _np(tf.random.fold_in(
        tf.constant([1, 2], tf.int64), 8)))


# ---- Generator ---------------------------------------------------------------------------
def test_generator_from_seed_replays():
    g = tf.random.Generator.from_seed(1)
    np.testing.assert_array_equal(_np(g.state), [1, 0, 0])
    a, b = _np(g.normal([3])), _np(g.normal([3]))
    assert not np.array_equal(a, b)
    h = tf.random.Generator.from_seed(1)
    np.testing.assert_array_equal(a, _np(h.normal([3])))
    np.testing.assert_array_equal(b, _np(h.normal([3])))
    g.reset_from_seed(1)
    np.testing.assert_array_equal(a, _np(g.normal([3])))


def test_generator_methods():
    g = tf.random.Generator.from_seed(5)
    u = _np(g.uniform([1000], minval=2.0, maxval=4.0))
    assert u.min() >= 2.0 and u.max() < 4.0
    i = _np(g.uniform([1000], minval=0, maxval=3, dtype=tf.int32))
    assert set(np.unique(i)) == {0, 1, 2}
    with pytest.raises(ValueError):
        g.uniform([2], maxval=None, dtype=tf.int32)
    full = g.uniform([5], minval=None, maxval=None, dtype=tf.int64)
    assert full.dtype == tf.int64
    t = _np(g.truncated_normal([1000]))
    assert np.abs(t).max() <= 2.0
    assert g.binomial([3], counts=10.0, probs=0.5).dtype == tf.int32
    assert g.make_seeds(4).shape == (2, 4)
    children = g.split(2)
    assert len(children) == 2
    assert not np.array_equal(_np(children[0].normal([4])), _np(children[1].normal([4])))
    assert g.algorithm == tf.random.Algorithm.PHILOX


def test_generator_in_tf_function_advances():
    g = tf.random.Generator.from_seed(3)

    @tf.function
    def draw():
        return g.normal([2])

    first, second = _np(draw()), _np(draw())
    assert not np.array_equal(first, second)
    h = tf.random.Generator.from_seed(3)
    np.testing.assert_array_equal(first, _np(h.normal([2])))
    np.testing.assert_array_equal(second, _np(h.normal([2])))


def test_global_generator():
    previous = tf.random.get_global_generator()
    try:
        g = tf.random.Generator.from_seed(11)
        tf.random.set_global_generator(g)
        assert tf.random.get_global_generator() is g
        assert tf.random.experimental.get_global_generator() is g
        ref = tf.random.Generator.from_seed(11).normal([2])
        np.testing.assert_array_equal(_np(ref), _np(tf.random.get_global_generator().normal([2])))
    finally:
        tf.random.set_global_generator(previous)
    nd1 = tf.random.Generator.from_non_deterministic_state().normal([4])
    nd2 = tf.random.Generator.from_non_deterministic_state().normal([4])
    assert not np.array_equal(_np(nd1), _np(nd2))


# ---- tf.image ----------------------------------------------------------------------------
def _images():
    return tf.reshape(tf.range(4 * 5 * 5 * 2, dtype=tf.float32) / 200.0, [4, 5, 5, 2])


@pytest.mark.parametrize("fn", [
    lambda x, s: tf.image.stateless_random_flip_left_right(x, seed=s),
    lambda x, s: tf.image.stateless_random_flip_up_down(x, seed=s),
    lambda x, s: tf.image.stateless_random_brightness(x, 0.2, seed=s),
    lambda x, s: tf.image.stateless_random_contrast(x, 0.2, 0.8, seed=s),
    lambda x, s: tf.image.stateless_random_crop(x, [2, 3, 3, 2], seed=s),
])
def test_image_stateless_ops_deterministic(fn):
    images = _images()
    a = _np(fn(images, (1, 2)))
    np.testing.assert_array_equal(a, _np(fn(images, (1, 2))))
    np.testing.assert_array_equal(a, _np(tf.function(fn)(images, tf.constant([1, 2]))))


def test_image_flip_and_crop_values():
    images = _images()
    flipped = _np(tf.image.stateless_random_flip_left_right(images, seed=(1, 2)))
    for k in range(4):
        assert np.array_equal(flipped[k], _np(images)[k]) or \
            np.array_equal(flipped[k], _np(images)[k][:, ::-1])
    crop = _np(tf.image.stateless_random_crop(images[0], [3, 3, 2], seed=(4, 5)))
    full = _np(images[0])
    assert any(np.array_equal(crop, full[i:i + 3, j:j + 3])
               for i in range(3) for j in range(3))
