"""Bad input raises TensorFlow's error types with messages naming the tensors and shapes."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux.framework import context, session as session_module

tf1 = tf.compat.v1


@pytest.fixture
def graph():
    """A fresh graph made the default for the test; eager mode is untouched outside it."""
    g = tf.Graph()
    with g.as_default():
        yield g
    session_module._default_sessions.clear()
    assert context.executing_eagerly()


def test_error_types_are_tensorflow_s():
    assert issubclass(tf.errors.InvalidArgumentError, tf.errors.OpError)
    assert issubclass(tf.errors.InvalidArgumentError, ValueError)
    assert issubclass(tf.errors.FailedPreconditionError, tf.errors.OpError)
    assert issubclass(tf.errors.DataLossError, tf.errors.OpError)
    error = tf.errors.NotFoundError(None, None, "missing thing")
    assert str(error) == "missing thing" and error.message == "missing thing"


# ---- feeds ----------------------------------------------------------------------------------

def test_feeding_a_wrong_shape_names_both_shapes(graph):
    x = tf1.placeholder(tf.float32, [None, 784], name="x")
    y = tf.reduce_sum(x)
    with tf1.Session(graph=graph) as sess:
        with pytest.raises(ValueError, match=r"Cannot feed value of shape \(3, 5\) for Tensor "
                                             r"'x:0', which has shape \(None, 784\)"):
            sess.run(y, {x: np.zeros((3, 5))})
        with pytest.raises(ValueError, match=r"shape \(784,\) for Tensor 'x:0'"):
            sess.run(y, {x: np.zeros(784)})   # wrong rank
        with pytest.raises(ValueError, match=r"shape \(2, 784, 1\) for Tensor 'x:0'"):
            sess.run(y, {"x:0": np.zeros((2, 784, 1))})   # fed by name


def test_feeding_a_wrong_shape_to_a_fully_defined_placeholder(graph):
    x = tf1.placeholder(tf.float32, [2, 3], name="inputs")
    with tf1.Session(graph=graph) as sess:
        with pytest.raises(ValueError, match=r"shape \(3, 2\) for Tensor 'inputs:0', which has "
                                             r"shape \(2, 3\)"):
            sess.run(x * 2.0, {x: np.ones((3, 2))})


def test_feeding_float_values_into_an_int_placeholder(graph):
    labels = tf1.placeholder(tf.int32, [None], name="labels")
    with tf1.Session(graph=graph) as sess:
        with pytest.raises(TypeError, match=r"Cannot feed float values into tensor 'labels:0' "
                                            r"of dtype int32"):
            sess.run(labels, {labels: [0.5, 1.0]})
        # integral floats (e.g. labels loaded as floats) are converted as TF does
        assert sess.run(labels, {labels: np.array([0.0, 2.0])}).tolist() == [0, 2]


def test_feeding_strings_into_a_float_placeholder(graph):
    x = tf1.placeholder(tf.float32, [None], name="x")
    with tf1.Session(graph=graph) as sess:
        with pytest.raises(TypeError, match=r"Cannot feed a value of dtype <U3 into tensor "
                                            r"'x:0' of dtype float32"):
            sess.run(x, {x: ["abc"]})


def test_feeding_a_ragged_list(graph):
    x = tf1.placeholder(tf.float32, [None, None], name="x")
    with tf1.Session(graph=graph) as sess:
        with pytest.raises(ValueError, match=r"Cannot feed the value for Tensor 'x:0': it is "
                                             r"not a rectangular array"):
            sess.run(x, {x: [[1.0, 2.0], [3.0]]})


def test_fetching_an_unfed_placeholder(graph):
    x = tf1.placeholder(tf.float32, [None, 784], name="images")
    logits = tf.reduce_mean(x * 2.0, name="mean")
    with tf1.Session(graph=graph) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"You must feed a value for placeholder tensor 'images' with "
                                 r"dtype float32 and shape \(None, 784\)"):
            sess.run(logits)


def test_unfed_placeholder_inside_a_name_scope(graph):
    with tf.name_scope("inputs"):
        x = tf1.placeholder(tf.int64, [2], name="ids")
    with tf1.Session(graph=graph) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"placeholder tensor 'inputs/ids' with dtype int64 and shape "
                                 r"\(2,\)"):
            sess.run(x + 1)


# ---- variables ------------------------------------------------------------------------------

def test_using_an_uninitialized_variable(graph):
    w = tf.Variable(tf.zeros([3, 2]), name="weights")
    x = tf1.placeholder(tf.float32, [None, 3], name="x")
    y = tf.matmul(x, w)
    with tf1.Session(graph=graph) as sess:
        with pytest.raises(tf.errors.FailedPreconditionError,
                           match=r"Attempting to use uninitialized value weights"):
            sess.run(y, {x: np.ones((1, 3))})
        with pytest.raises(tf.errors.FailedPreconditionError, match="weights"):
            sess.run(w)
        sess.run(tf1.global_variables_initializer())
        assert sess.run(y, {x: np.ones((1, 3))}).shape == (1, 2)


def test_uninitialized_scoped_variable_and_assign_add(graph):
    with tf1.variable_scope("layer_1"):
        b = tf1.get_variable("bias", [2], initializer=tf1.zeros_initializer())
    step = b.assign_add([1.0, 1.0])
    with tf1.Session(graph=graph) as sess:
        with pytest.raises(tf.errors.FailedPreconditionError,
                           match=r"uninitialized value layer_1/bias"):
            sess.run(step)


def test_assigning_a_wrong_shape(graph):
    w = tf.Variable(tf.zeros([3, 2]), name="w")
    with pytest.raises(ValueError, match=r"Cannot assign a value of shape \(2, 2\) to variable "
                                         r"'w' of shape \(3, 2\)"):
        w.assign(tf.zeros([2, 2]))


def test_assigning_a_wrong_shape_eagerly():
    v = tf.Variable([1.0, 2.0], name="v")
    with pytest.raises(ValueError, match=r"Cannot assign value of shape \(3,\) to variable "
                                         r"'v' of shape \(2,\)"):
        v.assign([1.0, 2.0, 3.0])
    np.testing.assert_allclose(v.numpy(), [1.0, 2.0])


def test_assigning_a_wrong_dtype():
    v = tf.Variable(1, name="counter")
    with pytest.raises(TypeError, match=r"Cannot assign a float32 value to variable 'counter' "
                                        r"of dtype int32"):
        v.assign(tf.constant(1.5))


# ---- shapes of ops ---------------------------------------------------------------------------

def test_incompatible_matmul_at_graph_construction(graph):
    a = tf1.placeholder(tf.float32, [None, 3], name="a")
    b = tf.Variable(tf.zeros([4, 5]), name="b")
    with pytest.raises(ValueError, match=r"op 'MatMul' \(MatMul\) with inputs \[\(None, 3\) "
                                         r"float32, \(4, 5\) float32\]: Dimensions must be "
                                         r"equal, but are 3 and 4"):
        tf.matmul(a, b)


def test_incompatible_matmul_at_run_time(graph):
    a = tf1.placeholder(tf.float32, [None, None], name="a")
    b = tf1.placeholder(tf.float32, [None, None], name="b")
    product = tf.matmul(a, b)
    with tf1.Session(graph=graph) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Matrix size-incompatible: In\[0\]: \[2, 3\], "
                                 r"In\[1\]: \[4, 5\]") as info:
            sess.run(product, {a: np.ones((2, 3)), b: np.ones((4, 5))})
    assert info.value.op is product.op


def test_incompatible_matmul_eagerly():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"In\[0\]: \[2, 3\], "
                                                             r"In\[1\]: \[4, 5\]"):
        tf.matmul(tf.ones([2, 3]), tf.ones([4, 5]))


def test_incompatible_broadcast_at_construction_and_run_time(graph):
    x = tf1.placeholder(tf.float32, [None, 3], name="x")
    with pytest.raises(ValueError, match=r"Incompatible shapes for broadcasting: "
                                         r"\(None, 3\), \(4,\)"):
        x + tf.ones([4])
    p = tf1.placeholder(tf.float32, [None], name="p")
    q = tf1.placeholder(tf.float32, [None], name="q")
    total = tf.add(p, q, name="total")
    with tf1.Session(graph=graph) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"in op 'total' \(AddV2\).*shapes \(3,\) \(4,\)"):
            sess.run(total, {p: np.ones(3), q: np.ones(4)})


def test_reshape_errors(graph):
    with pytest.raises(ValueError, match=r"Cannot reshape a tensor with 6 elements to shape "
                                         r"\[4\]"):
        tf.reshape(tf1.placeholder(tf.float32, [2, 3]), [4])
    x = tf1.placeholder(tf.float32, [None, 3], name="x")
    r = tf.reshape(x, [4, -1])
    with tf1.Session(graph=graph) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Input to reshape is a tensor with 9 values"):
            sess.run(r, {x: np.zeros((3, 3))})


def test_mixed_dtypes_need_a_cast(graph):
    x = tf1.placeholder(tf.float32, [None], name="x")
    i = tf1.placeholder(tf.int32, [None], name="i")
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"expected to be a float32 tensor but is a int32 tensor.*tf.cast"):
        x + i


def test_tensor_from_another_graph(graph):
    other = tf.Graph()
    with other.as_default():
        foreign = tf1.placeholder(tf.float32, [], name="foreign")
    with pytest.raises(ValueError, match=r"Tensor 'foreign:0' must be from the same graph"):
        tf.constant(1.0) + foreign


# ---- symbolic tensors used as values --------------------------------------------------------

def test_bool_of_a_symbolic_tensor_points_to_cond(graph):
    x = tf1.placeholder(tf.float32, [], name="x")
    with pytest.raises(TypeError, match=r"symbolic tensor \('x:0'\) as a Python `bool`.*"
                                        r"tf.cond"):
        if x:
            pass
    with pytest.raises(TypeError, match=r"'Greater:0'.*tf.cond"):
        if x > 0:
            pass


def test_numpy_float_len_of_a_symbolic_tensor(graph):
    x = tf1.placeholder(tf.float32, [None, 2], name="x")
    with pytest.raises(ValueError, match=r"Tensor 'x:0' is symbolic.*sess.run"):
        x.numpy()
    with pytest.raises(ValueError, match=r"Tensor 'x:0' is symbolic"):
        np.asarray(x)
    with pytest.raises(TypeError, match=r"Cannot convert the symbolic tensor 'x:0' to a "
                                        r"Python float"):
        float(x)
    with pytest.raises(TypeError, match=r"len\(\) of tensor 'x:0' is unknown.*tf.shape"):
        len(x)


def test_bool_of_an_eager_tensor():
    assert bool(tf.constant(1.0))
    with pytest.raises(ValueError, match="truth value of an array with more than one element"):
        bool(tf.constant([1.0, 2.0]))


# ---- optimizers -------------------------------------------------------------------------------

def test_minimize_without_a_connected_variable(graph):
    tf.Variable(1.0, name="unused")
    x = tf1.placeholder(tf.float32, [None], name="x")
    with pytest.raises(ValueError, match=r"No gradients provided for any variable.*unused:0"):
        tf1.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(x))


def test_minimize_without_variables(graph):
    x = tf1.placeholder(tf.float32, [None], name="x")
    with pytest.raises(ValueError, match="No variables to optimize"):
        tf1.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(x))
