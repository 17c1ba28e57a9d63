"""Tensors, dtypes, shapes, conversion, Python operators and indexing (eager)."""
import numpy as np
import pytest

import tensorflux as tf


def test_constant_dtypes_follow_tensorflow():
    assert tf.constant([1, 2, 3]).dtype == tf.int32
    assert tf.constant([1.0, 2.0]).dtype == tf.float32
    assert tf.constant(np.array([1.0, 2.0])).dtype == tf.float64
    assert tf.constant(np.int64(3)).dtype == tf.int64
    assert tf.constant(True).dtype == tf.bool
    assert tf.constant("text").dtype == tf.string
    assert tf.constant(2**40).dtype == tf.int64
    assert tf.constant([1, 2], dtype=tf.float32).numpy().dtype == np.float32


def test_constant_with_shape_broadcasts_scalar_and_reshapes():
    np.testing.assert_array_equal(tf.constant(0.1, shape=[2, 3]).numpy(),
                                  np.full((2, 3), 0.1, np.float32))
    assert tf.constant([1, 2, 3, 4], shape=[2, 2]).shape.as_list() == [2, 2]
    with pytest.raises(TypeError, match="4 elements to shape"):
        tf.constant([1, 2, 3, 4], shape=[3])


def test_constant_rejects_lossy_conversion():
    with pytest.raises(TypeError, match="not integers"):
        tf.constant([1.5, 2.0], dtype=tf.int32)


def test_dtype_comparisons_and_properties():
    assert tf.float32 == np.float32 and tf.float32 == "float32"
    assert tf.as_dtype("float64") is tf.float64
    assert tf.float32.is_floating and tf.int8.is_integer and not tf.uint8.min
    assert tf.int8.max == 127 and tf.float16.size == 2
    with pytest.raises(TypeError):
        tf.as_dtype("not_a_dtype")


def test_tensor_shape_with_unknown_dimensions():
    shape = tf.TensorShape([None, 784])
    assert shape.rank == 2 and shape.as_list() == [None, 784]
    assert not shape.is_fully_defined()
    assert shape.is_compatible_with([32, 784]) and not shape.is_compatible_with([32, 10])
    assert shape.merge_with([32, None]).as_list() == [32, 784]
    assert tf.TensorShape(None).rank is None
    assert str(shape) == "(None, 784)"
    with pytest.raises(ValueError):
        tf.TensorShape(None).as_list()


def test_numpy_and_python_conversions():
    t = tf.constant([[1.5, 2.5]])
    value = t.numpy()
    value[0, 0] = 99.0  # a copy: the tensor is unchanged
    assert t.numpy()[0, 0] == 1.5
    assert float(tf.constant(2.5)) == 2.5 and int(tf.constant(3)) == 3
    assert np.asarray(t).shape == (1, 2)
    with pytest.raises(TypeError, match="one element"):
        float(t)


def test_python_operators_are_ops_with_broadcasting():
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    b = tf.constant([10.0, 20.0])
    np.testing.assert_allclose((a + b).numpy(), [[11, 22], [13, 24]])
    np.testing.assert_allclose((2.0 * a - 1).numpy(), [[1, 3], [5, 7]])
    np.testing.assert_allclose((a / 2).numpy(), [[0.5, 1], [1.5, 2]])
    np.testing.assert_allclose((a @ a).numpy(), [[7, 10], [15, 22]])
    np.testing.assert_allclose((-a).numpy(), -a.numpy())
    np.testing.assert_allclose((a ** 2).numpy(), a.numpy() ** 2)
    assert (a > 2.0).dtype == tf.bool
    np.testing.assert_array_equal((a == a).numpy(), np.ones((2, 2), bool))
    ints = tf.constant([7, -7])
    np.testing.assert_array_equal((ints // 2).numpy(), [3, -4])
    np.testing.assert_array_equal((ints % 3).numpy(), [1, 2])
    assert (ints / 2).dtype == tf.float64  # TF's truediv of int32 gives float64


def test_mixed_dtypes_raise_invalid_argument():
    with pytest.raises(tf.errors.InvalidArgumentError, match="float.*double|float32.*float64"):
        tf.constant([1.0]) + tf.constant(np.array([1.0]))


def test_indexing_and_slicing():
    t = tf.constant(np.arange(24).reshape(2, 3, 4))
    assert int(t[1, 0, 1]) == 13
    np.testing.assert_array_equal(t[:, 1].numpy(), np.arange(24).reshape(2, 3, 4)[:, 1])
    np.testing.assert_array_equal(t[..., ::-2].numpy(),
                                  np.arange(24).reshape(2, 3, 4)[..., ::-2])
    assert t[:, tf.newaxis, 0].shape.as_list() == [2, 1, 4]
    np.testing.assert_array_equal(t[tf.constant(1)].numpy(), np.arange(12, 24).reshape(3, 4))
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of bounds"):
        t[5]


def test_repr_and_str_match_tensorflow_layout():
    assert str(tf.constant([1, 2])) == "tf.Tensor([1 2], shape=(2,), dtype=int32)"
    assert repr(tf.constant(2.5)) == "<tf.Tensor: shape=(), dtype=float32, numpy=2.5>"


def test_symbolic_tensor_refuses_python_bool():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
        with pytest.raises(TypeError, match="tf.cond"):
            bool(x)
        with pytest.raises(ValueError, match="Session"):
            x.numpy()
        assert x.name == "x:0" and x.shape.as_list() == [None, 3]


def test_variable_basics_eager():
    v = tf.Variable([1.0, 2.0], name="v")
    assert v.name == "v:0" and v.trainable and v.dtype == tf.float32
    v.assign([3.0, 4.0])
    v.assign_add([1.0, 1.0])
    v.assign_sub([0.5, 0.5])
    np.testing.assert_allclose(v.numpy(), [3.5, 4.5])
    snapshot = v.read_value()
    v.assign([0.0, 0.0])
    np.testing.assert_allclose(snapshot.numpy(), [3.5, 4.5])
    np.testing.assert_allclose((v + 1).numpy(), [1.0, 1.0])
    with pytest.raises(ValueError, match="shape"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="cast"):
        v.assign(tf.constant([1, 2]))


def test_executing_eagerly_by_default():
    assert tf.executing_eagerly()
    with tf.Graph().as_default():
        assert not tf.executing_eagerly()
