"""GradientTape, tf.gradients and custom_gradient: first and higher order, eager and graph."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux.testing.gradient_check import check_gradients


def numeric_jacobian(f, x, eps=1e-6):
    """d f(x) / d x by central differences, shape f(x).shape + x.shape (float64)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.asarray(f(x))
    jac = np.zeros(out.shape + x.shape)
    for index in np.ndindex(*x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        jac[(...,) + index] = (np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * eps)
    return jac


# ---- GradientTape basics ---------------------------------------------------------------------

def test_watch_constant_and_variable_automatically():
    x = tf.constant(3.0)
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x * v
    dx, dv = tape.gradient(y, [x, v])
    assert (float(dx), float(dv)) == (12.0, 9.0)


def test_unwatched_constant_has_no_gradient():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x) is None


def test_persistent_tape_allows_several_calls():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert float(tape.gradient(y, x)) == 4.0
    assert float(tape.gradient(z, x)) == 32.0
    assert float(tape.gradient(z, y)) == 8.0


def test_non_persistent_tape_second_call_raises():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, x)


def test_nested_structures_of_sources():
    variables = {"a": tf.Variable(1.0), "b": [tf.Variable(2.0), tf.Variable(3.0)]}
    with tf.GradientTape() as tape:
        y = variables["a"] * variables["b"][0] * variables["b"][1]
    grads = tape.gradient(y, variables)
    assert set(grads) == {"a", "b"} and isinstance(grads["b"], list)
    assert [float(grads["a"]), float(grads["b"][0]), float(grads["b"][1])] == [6.0, 3.0, 2.0]


def test_nested_structures_of_targets_sum():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        outputs = {"square": x * x, "pair": [x * 3.0, tf.sin(x)]}
    np.testing.assert_allclose(float(tape.gradient(outputs, x)), 4.0 + 3.0 + np.cos(2.0),
                               rtol=1e-6)


def test_watch_accessed_variables_false():
    v = tf.Variable(3.0)
    w = tf.Variable(5.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(v)
        y = v * v * w
    dv, dw = tape.gradient(y, [v, w])
    assert float(dv) == 30.0 and dw is None
    assert tape.watched_variables() == (v,)


def test_non_trainable_variable_not_watched():
    v = tf.Variable(3.0, trainable=False)
    with tf.GradientTape() as tape:
        y = v * v
    assert tape.gradient(y, v) is None


def test_unconnected_gradients_zero():
    v = tf.Variable([1.0, 2.0])
    w = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = w * 2.0
    assert tape.gradient(y, v) is None
    zero = tape.gradient(y, v, unconnected_gradients="zero")
    assert zero.numpy().tolist() == [0.0, 0.0]
    assert zero.dtype == tf.float32
    assert tape.gradient(y, v, unconnected_gradients=tf.UnconnectedGradients.ZERO) \
        .numpy().tolist() == [0.0, 0.0]


def test_output_gradients_weight_the_targets():
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = w * tf.constant([1.0, 2.0])
    grad = tape.gradient(y, w, output_gradients=tf.constant([3.0, 4.0]))
    assert float(grad) == 11.0


def test_gradient_of_integer_input_is_none():
    i = tf.constant(3)
    with tf.GradientTape() as tape:
        tape.watch(i)
        y = i * 2
    assert tape.gradient(y, i) is None


def test_gradient_through_read_value_and_identity():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.identity(v.read_value()) * tf.identity(v) * 3.0)
    assert tape.gradient(y, v).numpy().tolist() == [6.0, 12.0]


def test_stop_gradient_blocks_flow():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * tf.stop_gradient(x * x)
    assert float(tape.gradient(y, x)) == 4.0


def test_tape_stop_recording():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        with tape.stop_recording():
            z = y * x          # not recorded: a constant to the tape
        total = y + z
    assert float(tape.gradient(total, x)) == 4.0


@pytest.mark.parametrize("mode", ["eager", "graph"])
def test_broadcasting_gradients_sum_to_input_shapes(mode):
    a = np.arange(3.0).reshape(3, 1)
    b = np.arange(4.0).reshape(1, 4)
    check_gradients(lambda x, y: x + y, [a, b], modes=(mode,))
    check_gradients(lambda x, y: x * y, [a, b], modes=(mode,))
    check_gradients(lambda x, y: x * y, [a, np.float64(2.0)], modes=(mode,))


def test_broadcast_gradient_shapes_with_tape():
    a = tf.ones([3, 1])
    b = tf.ones([1, 4])
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = a + b
    ga, gb = tape.gradient(y, [a, b])
    assert ga.shape == (3, 1) and gb.shape == (1, 4)
    assert ga.numpy().ravel().tolist() == [4.0] * 3
    assert gb.numpy().ravel().tolist() == [3.0] * 4


# ---- jacobians -----------------------------------------------------------------------------------

def test_jacobian_against_finite_differences():
    x0 = np.array([0.3, -1.2, 2.0])
    w = np.arange(6.0).reshape(2, 3) / 5.0

    def f(x):
        return tf.tanh(tf.reshape(tf.matmul(tf.constant(w), tf.reshape(x, [3, 1])), [2])) * \
            tf.reduce_sum(x * x)

    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    jacobian = tape.jacobian(y, x)
    assert jacobian.shape == (2, 3)
    expected = numeric_jacobian(lambda v: f(tf.constant(v)).numpy(), x0)
    np.testing.assert_allclose(jacobian.numpy(), expected, rtol=1e-6, atol=1e-8)


def test_jacobian_of_matrix_output_and_unconnected_source():
    x = tf.constant(np.array([[1.0, 2.0], [3.0, 4.0]]))
    other = tf.constant(1.0, tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, other])
        y = tf.matmul(x, x)
    jacobian = tape.jacobian(y, x)
    assert jacobian.shape == (2, 2, 2, 2)
    expected = numeric_jacobian(lambda v: v @ v, x.numpy())
    np.testing.assert_allclose(jacobian.numpy(), expected, rtol=1e-6)
    assert tape.jacobian(y, other) is None


def test_batch_jacobian_against_finite_differences():
    x0 = np.arange(6.0).reshape(2, 3) / 4.0
    w = np.array([[1.0, -1.0], [0.5, 2.0], [-0.3, 0.7]])

    def f(x):
        return tf.sin(tf.matmul(x, tf.constant(w))) * x[:, :2]

    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    batch = tape.batch_jacobian(y, x)
    assert batch.shape == (2, 2, 3)
    full = numeric_jacobian(lambda v: f(tf.constant(v)).numpy(), x0)   # (2, 2, 2, 3)
    expected = np.stack([full[b, :, b, :] for b in range(2)])
    np.testing.assert_allclose(batch.numpy(), expected, rtol=1e-6, atol=1e-8)


# ---- higher order -------------------------------------------------------------------------------

def test_second_derivative_of_cube_with_nested_tapes():
    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x ** 3
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    assert (float(dy), float(d2y)) == (12.0, 12.0)


def test_third_derivative_with_persistent_tape():
    x = tf.constant(1.5, tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.sin(x) * x
        d1 = tape.gradient(y, x)
        d2 = tape.gradient(d1, x)
    d3 = tape.gradient(d2, x)
    np.testing.assert_allclose(float(d3), -3 * np.sin(1.5) - 1.5 * np.cos(1.5), rtol=1e-10)


def _gradient_of(f):
    """x -> d sum(f(x)) / dx, computed with a tape (a graph gradient inside a graph)."""
    def gradient(*xs):
        with tf.GradientTape() as tape:
            tape.watch(list(xs))
            y = tf.reduce_sum(f(*xs))
        grads = tape.gradient(y, list(xs))
        return grads[0] if len(grads) == 1 else grads
    return gradient


def test_gradient_of_gradient_through_tanh():
    x = np.array([0.3, -0.5, 1.1])
    check_gradients(_gradient_of(tf.tanh), [x])
    check_gradients(_gradient_of(lambda v: tf.tanh(v) * v * v), [x])


def test_gradient_of_gradient_through_matmul():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    check_gradients(_gradient_of(lambda x, y: tf.tanh(tf.matmul(x, y))), [a, b])


def test_hessian_vector_product_in_graph():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float64, [3])
        vector = tf.constant([1.0, 0.0, 2.0], tf.float64)
        y = tf.reduce_sum(x ** 3)
        grad = tf.gradients(y, x)[0]
        hvp = tf.gradients(grad, x, grad_ys=vector)[0]
        with tf.compat.v1.Session() as sess:
            value = sess.run(hvp, {x: [1.0, 2.0, 3.0]})
    np.testing.assert_allclose(value, 6 * np.array([1.0, 2.0, 3.0]) * [1.0, 0.0, 2.0])


# ---- tf.gradients (graph mode) ---------------------------------------------------------------

def test_gradients_with_grad_ys_and_stop_gradients():
    graph = tf.Graph()
    with graph.as_default():
        a = tf.compat.v1.placeholder(tf.float32, [2])
        b = a * 2.0
        c = a + b
        ga = tf.gradients(c, a, grad_ys=tf.constant([1.0, 10.0]))[0]
        stopped = tf.gradients(c, [a, b], stop_gradients=[a, b])
        unconnected = tf.gradients(b, tf.compat.v1.placeholder(tf.float32, []))
        zero = tf.gradients(b, [a, graph.get_operations()[0].outputs[0]],
                            unconnected_gradients="zero")
        with tf.compat.v1.Session() as sess:
            feed = {a: [1.0, 2.0]}
            assert sess.run(ga, feed).tolist() == [3.0, 30.0]
            assert [v.tolist() for v in sess.run(stopped, feed)] == [[1.0, 1.0], [1.0, 1.0]]
            assert unconnected == [None]
            assert sess.run(zero[0], feed).tolist() == [2.0, 2.0]


def test_gradients_with_respect_to_variables_in_graph():
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable([[1.0, 2.0]])
        x = tf.compat.v1.placeholder(tf.float32, [None, 1])
        loss = tf.reduce_sum(tf.matmul(x, w) ** 2)
        grad_w, grad_x = tf.gradients(loss, [w, x])
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            gw, gx = sess.run([grad_w, grad_x], {x: [[1.0], [2.0]]})
    np.testing.assert_allclose(gw, [[10.0, 20.0]])
    np.testing.assert_allclose(gx, [[10.0], [20.0]])


def test_jacobian_inside_function_and_non_persistent_reuse():
    @tf.function
    def jacobian(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * x * tf.constant([1.0, 2.0])
        return tape.jacobian(y, x)

    np.testing.assert_allclose(jacobian(tf.constant([3.0, 4.0])).numpy(),
                               [[6.0, 0.0], [0.0, 16.0]])
    x = tf.constant([3.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.jacobian(y, x)
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.jacobian(y, x)


def test_gradients_eagerly_raises():
    with pytest.raises(RuntimeError, match="GradientTape"):
        tf.gradients(tf.constant(1.0), tf.constant(2.0))


# ---- custom_gradient ----------------------------------------------------------------------------

@tf.custom_gradient
def clip_gradient(x):
    """Identity forward; the gradient is clipped to [-0.5, 0.5]."""
    def grad(dy):
        return tf.clip_by_value(dy, -0.5, 0.5)
    return tf.identity(x), grad


@tf.custom_gradient
def log1pexp(x):
    """log(1 + e^x) with a gradient that stays finite for large x."""
    e = tf.exp(x)

    def grad(dy):
        return dy * (1.0 - 1.0 / (1.0 + e))
    return tf.math.log(1.0 + e), grad


def test_custom_gradient_clips_eagerly_and_in_graph():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = clip_gradient(x) * tf.constant([3.0, 0.1])
    assert tape.gradient(y, x).numpy().tolist() == pytest.approx([0.5, 0.1])
    graph = tf.Graph()
    with graph.as_default():
        p = tf.compat.v1.placeholder(tf.float32, [2])
        grad = tf.gradients(clip_gradient(p) * tf.constant([-3.0, 0.1]), p)[0]
        with tf.compat.v1.Session() as sess:
            assert sess.run(grad, {p: [1.0, 2.0]}).tolist() == pytest.approx([-0.5, 0.1])


def test_custom_gradient_log1pexp_is_stable():
    x = tf.constant(100.0)
    with tf.GradientTape() as tape, np.errstate(over="ignore"):   # exp(100) is inf in float32
        tape.watch(x)
        y = log1pexp(x)
    assert float(tape.gradient(y, x)) == 1.0
    check_gradients(log1pexp, [np.array([-2.0, 0.0, 3.0])])


def test_custom_gradient_second_order():
    x = tf.constant(1.5, tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = log1pexp(x)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    sigmoid = 1 / (1 + np.exp(-1.5))
    np.testing.assert_allclose([float(dy), float(d2y)], [sigmoid, sigmoid * (1 - sigmoid)])


def test_custom_gradient_with_variables():
    w = tf.Variable(2.0)

    @tf.custom_gradient
    def scaled(x):
        def grad(dy, variables):
            assert variables == [w]
            return dy * w, [dy * x * 100.0]
        return x * w, grad

    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = scaled(x)
    dx, dw = tape.gradient(y, [x, w])
    assert (float(dx), float(dw)) == (2.0, 300.0)

    @tf.custom_gradient
    def needs_variables(x):
        return x * w, lambda dy: dy

    with pytest.raises(TypeError, match="variables"):
        needs_variables(x)


def test_custom_gradient_inside_function():
    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(clip_gradient(x) * 4.0)
        return tape.gradient(y, x)

    assert step(tf.constant([1.0, -1.0])).numpy().tolist() == [0.5, 0.5]
