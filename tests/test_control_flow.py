"""tf.cond, tf.while_loop, tf.case/switch_case and Assert: eagerly, in graphs and in tf.function."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux.testing.gradient_check import check_gradients


def run_in_graph(build, feeds=None):
    """Builds `build(*placeholders)` in a fresh graph and runs it with `feeds` (arrays)."""
    graph = tf.Graph()
    with graph.as_default():
        placeholders = [tf.compat.v1.placeholder(tf.as_dtype(np.asarray(v).dtype),
                                                 np.shape(v)) for v in (feeds or [])]
        fetches = build(*placeholders)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            return sess.run(fetches, dict(zip(placeholders, feeds or [])))


def run_mode(mode, build, feeds):
    """Runs `build` eagerly, in a graph (Session) or in a tf.function; returns NumPy values."""
    if mode == "graph":
        return run_in_graph(build, feeds)
    tensors = [tf.constant(v) for v in feeds]
    function = tf.function(build) if mode == "function" else build
    return tf.nest.map_structure(lambda t: np.asarray(t), function(*tensors))


MODES = ["eager", "graph", "function"]


# ---- cond ----------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_cond_picks_branch(mode):
    def build(x):
        return tf.cond(x > 0, lambda: x * 2.0, lambda: x - 1.0)
    assert run_mode(mode, build, [np.float32(3.0)]) == 6.0
    assert run_mode(mode, build, [np.float32(-3.0)]) == -4.0


@pytest.mark.parametrize("mode", MODES)
def test_cond_nested(mode):
    def build(x):
        return tf.cond(x > 0,
                       lambda: tf.cond(x > 5, lambda: x * 10.0, lambda: x * x),
                       lambda: tf.constant(7.0))
    for value, expected in ((6.0, 60.0), (2.0, 4.0), (-1.0, 7.0)):
        assert run_mode(mode, build, [np.float32(value)]) == expected


@pytest.mark.parametrize("mode", MODES)
def test_cond_structures(mode):
    def build(x):
        return tf.cond(x > 0,
                       lambda: {"a": x, "b": (x + 1.0, tf.cast(x, tf.int32))},
                       lambda: {"a": -x, "b": (x, tf.constant(0))})
    out = run_mode(mode, build, [np.float32(2.0)])
    assert set(out) == {"a", "b"} and isinstance(out["b"], tuple)
    assert out["a"] == 2.0 and out["b"][0] == 3.0 and out["b"][1] == 2
    out = run_mode(mode, build, [np.float32(-2.0)])
    assert out["a"] == 2.0 and out["b"][0] == -2.0 and out["b"][1] == 0


def test_cond_graph_captures_outer_tensors_and_python_values():
    def build(x):
        y = x * 3.0                      # computed outside, used inside both branches
        return tf.cond(x < 1.0, lambda: y + 1.0, lambda: 5.0)
    assert run_in_graph(build, [np.float32(0.0)]) == 1.0
    assert run_in_graph(build, [np.float32(2.0)]) == 5.0


def test_cond_runs_only_the_taken_branch_in_a_session():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [])
        v = tf.Variable(0.0)
        w = tf.Variable(0.0)
        out = tf.cond(x > 0, lambda: v.assign_add(1.0), lambda: w.assign_add(10.0))
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            assert sess.run(out, {x: 1.0}) == 1.0
            assert sess.run([v, w]) == [1.0, 0.0]
            assert sess.run(out, {x: -1.0}) == 10.0
            assert sess.run([v, w]) == [1.0, 10.0]


def test_cond_error_in_other_branch_never_happens():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [])
        check = lambda: tf.debugging.Assert(tf.constant(False), ["bad branch ran"])  # noqa
        out = tf.cond(x > 0, lambda: x, lambda: tf.identity(x) if check() else x)
        with tf.compat.v1.Session() as sess:
            assert sess.run(out, {x: 1.0}) == 1.0
            with pytest.raises(tf.errors.InvalidArgumentError, match="bad branch ran"):
                sess.run(out, {x: -1.0})


def test_cond_in_function_runs_side_effects_of_taken_branch_only():
    v = tf.Variable(0)

    @tf.function
    def bump(flag):
        tf.cond(flag, lambda: v.assign_add(1), lambda: v.assign_add(100))
        return v.read_value()

    assert int(bump(tf.constant(True))) == 1
    assert int(bump(tf.constant(True))) == 2
    assert int(bump(tf.constant(False))) == 102
    assert bump.experimental_get_tracing_count() == 1


def test_cond_and_while_in_function_capture_eager_tensors_and_variables():
    c = tf.constant(1.0)
    v = tf.Variable(3.0)

    @tf.function
    def f(flag):
        a = tf.cond(flag, lambda: c, lambda: c * 2.0)
        b = tf.while_loop(lambda x: x < 10.0, lambda x: c + x, c)
        d = tf.cond(flag, lambda: v, lambda: 1.0)
        return a, b, d

    assert [float(t) for t in f(tf.constant(True))] == [1.0, 10.0, 3.0]
    assert [float(t) for t in f(tf.constant(False))] == [2.0, 10.0, 1.0]


def test_cond_returning_none_or_operations_in_graph():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [])
        v = tf.Variable(0.0)
        assert tf.cond(x > 0, lambda: None, lambda: None) is None
        op = tf.cond(x > 0, lambda: tf.group(v.assign(5.0)), lambda: tf.no_op())
        assert isinstance(op, tf.Operation)
        read = tf.cond(x > 0, lambda: v, lambda: v * 2.0)
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            sess.run(op, {x: -1.0})
            assert sess.run(v) == 0.0
            sess.run(op, {x: 1.0})
            assert sess.run(v) == 5.0
            before = sess.run(read, {x: 1.0})
            sess.run(v.assign(7.0))
            assert before == 5.0          # the fetched value is not the variable's storage


def test_cond_static_shape_is_most_specific_compatible():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3])
        same = tf.cond(tf.constant(True), lambda: x * 2.0, lambda: x)
        differ = tf.cond(tf.constant(True), lambda: tf.zeros([2, 3]), lambda: tf.zeros([4, 3]))
        ranks = tf.cond(tf.constant(True), lambda: tf.zeros([2]), lambda: tf.zeros([2, 2]))
        assert same.shape.as_list() == [None, 3]
        assert differ.shape.as_list() == [None, 3]
        assert ranks.shape.rank is None


def test_cond_mismatched_branches_raise_clear_errors():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [])
        with pytest.raises(ValueError, match="same structure.*true_fn returned.*false_fn"):
            tf.cond(x > 0, lambda: (x, x), lambda: x)
        with pytest.raises(TypeError, match="float32 in true_fn but int32 in false_fn"):
            tf.cond(x > 0, lambda: x, lambda: tf.constant(1))
        with pytest.raises(TypeError, match="must be a bool tensor"):
            tf.cond(x, lambda: x, lambda: x)
        with pytest.raises(ValueError, match="must be a scalar"):
            tf.cond(tf.constant([True, False]), lambda: x, lambda: x)


def test_cond_gradient_against_finite_differences():
    def f(x, y):
        return tf.cond(tf.reduce_sum(x) > 0,
                       lambda: tf.tanh(x) * y + tf.exp(y),
                       lambda: x * x * y)
    rng = np.random.default_rng(0)
    y = rng.uniform(-1, 1, (2, 3))
    check_gradients(f, [np.abs(rng.uniform(0.2, 1, (2, 3))), y])    # true branch
    check_gradients(f, [-np.abs(rng.uniform(0.2, 1, (2, 3))), y])   # false branch


def test_cond_gradient_nested_and_unused_inputs():
    def f(x, y):
        inner = lambda: tf.cond(tf.reduce_mean(y) > 0, lambda: x * y, lambda: tf.sin(x))  # noqa
        return tf.cond(tf.reduce_mean(x) > 0, inner, lambda: y * 3.0)
    rng = np.random.default_rng(1)
    pos, neg = rng.uniform(0.2, 1, 4), -rng.uniform(0.2, 1, 4)
    for x, y in ((pos, pos), (pos, neg), (neg, pos)):
        check_gradients(f, [x, y])


def test_cond_gradient_wrt_variable_and_second_order_in_graph():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float64, [])
        v = tf.Variable(np.float64(2.0))
        y = tf.cond(x > 0, lambda: v * x ** 3, lambda: v * tf.sin(x))
        dx, dv = tf.gradients(y, [x, v])
        d2x = tf.gradients(dx, x)[0]
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            np.testing.assert_allclose(sess.run([y, dx, dv, d2x], {x: 1.5}),
                                       [2 * 1.5 ** 3, 6 * 1.5 ** 2, 1.5 ** 3, 12 * 1.5])
            np.testing.assert_allclose(sess.run([y, dx, dv, d2x], {x: -1.0}),
                                       [2 * np.sin(-1.0), 2 * np.cos(-1.0), np.sin(-1.0),
                                        -2 * np.sin(-1.0)])


def test_cond_gradient_reuses_forward_random_values():
    """Dropout inside a branch: the gradient uses the forward pass's mask, not a new one."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [1000])
        flag = tf.compat.v1.placeholder(tf.bool, [])
        y = tf.cond(flag, lambda: tf.nn.dropout(x, rate=0.5), lambda: x)
        dx = tf.gradients(tf.reduce_sum(y), x)[0]
        with tf.compat.v1.Session() as sess:
            out, grad = sess.run([y, dx], {x: np.ones(1000), flag: True})
            np.testing.assert_array_equal(grad, out)   # d(x * mask)/dx = mask = y for x = 1
            out, grad = sess.run([y, dx], {x: np.ones(1000), flag: False})
            np.testing.assert_array_equal(grad, np.ones(1000))


def test_cond_gradient_with_tape_inside_function():
    w = tf.Variable([1.0, 2.0])

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            y = tf.cond(x > 0, lambda: tf.reduce_sum(w * w * x), lambda: tf.reduce_sum(w) * x)
        return y, tape.gradient(y, w)

    y, g = step(tf.constant(2.0))
    assert float(y) == 10.0 and g.numpy().tolist() == [4.0, 8.0]
    y, g = step(tf.constant(-2.0))
    assert float(y) == -6.0 and g.numpy().tolist() == [-2.0, -2.0]


def test_cond_gradient_eagerly_with_tape():
    def f(x):
        return tf.cond(tf.reduce_sum(x) > 0, lambda: tf.reduce_sum(x ** 3),
                       lambda: tf.reduce_sum(tf.cos(x)))
    x = tf.constant([0.5, 1.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 3 * x.numpy() ** 2)


# ---- case / switch_case ----------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_case_and_switch_case(mode):
    def build(x):
        c = tf.case([(x > 5, lambda: tf.constant(1)), (x > 0, lambda: tf.constant(2))],
                    default=lambda: tf.constant(3))
        s = tf.switch_case(tf.cast(x, tf.int32),
                           [lambda: tf.constant(10), lambda: tf.constant(11),
                            lambda: tf.constant(12)])
        return c, s
    results = [tuple(int(v) for v in run_mode(mode, build, [np.float32(x)]))
               for x in (6.0, 1.0, -1.0, 0.0)]
    assert results == [(1, 12), (2, 11), (3, 12), (3, 10)]


# ---- while_loop --------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_while_loop_tf1_style(mode):
    def build():
        return tf.while_loop(lambda i, s: i < 10, lambda i, s: (i + 1, s + i), [0, 0])
    i, s = run_mode(mode, build, [])
    assert (int(i), int(s)) == (10, 45)


@pytest.mark.parametrize("mode", MODES)
def test_while_loop_tensor_bound_and_single_var(mode):
    def build(n, x):
        doubled = tf.while_loop(lambda v: tf.reduce_sum(v) < n, lambda v: v * 2.0, x)
        _, total = tf.while_loop(lambda i, t: i < 3, lambda i, t: (i + 1, t + x),
                                 (tf.constant(0), tf.zeros_like(x)))
        return doubled, total
    doubled, total = run_mode(mode, build, [np.float32(100.0), np.array([1.0, 2.0], np.float32)])
    np.testing.assert_array_equal(doubled, [64.0, 128.0])
    np.testing.assert_array_equal(total, [3.0, 6.0])


@pytest.mark.parametrize("mode", MODES)
def test_while_loop_maximum_iterations(mode):
    def build(x):
        return tf.while_loop(lambda v: v < 1000.0, lambda v: v + 1.0, x,
                             maximum_iterations=5)
    assert float(run_mode(mode, build, [np.float32(0.0)])) == 5.0
    assert float(run_mode(mode, build, [np.float32(998.0)])) == 1000.0


def test_while_loop_nested_structure_and_side_effects_in_graph():
    graph = tf.Graph()
    with graph.as_default():
        counter = tf.Variable(0)
        state = {"x": tf.constant(1.0), "n": tf.constant(0)}

        def body(s):
            counter.assign_add(1)
            return {"x": s["x"] * 3.0, "n": s["n"] + 1}
        out = tf.while_loop(lambda s: s["n"] < 4, body, state)
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            assert sess.run(out) == {"x": 81.0, "n": 4}
            assert sess.run(counter) == 4


def test_while_loop_shape_invariants():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant([1.0])
        with pytest.raises(ValueError, match="shape_invariants"):
            tf.while_loop(lambda v: tf.size(v) < 8, lambda v: tf.concat([v, v], 0), [x])
        out = tf.while_loop(lambda v: tf.size(v) < 8, lambda v: tf.concat([v, v], 0), [x],
                            shape_invariants=[tf.TensorShape([None])])[0]
        assert out.shape.as_list() == [None]
        with tf.compat.v1.Session() as sess:
            assert sess.run(out).tolist() == [1.0] * 8


def test_while_loop_body_errors():
    graph = tf.Graph()
    with graph.as_default():
        with pytest.raises(TypeError, match="dtype int32 but the body returns dtype float32"):
            tf.while_loop(lambda i: i < 3, lambda i: tf.cast(i, tf.float32), [tf.constant(0)])
        with pytest.raises(ValueError, match="same structure"):
            tf.while_loop(lambda i, j: i < 3, lambda i, j: i, [tf.constant(0), tf.constant(0)])


def test_while_loop_gradient_against_finite_differences():
    def f(x, w):
        _, state = tf.while_loop(lambda i, s: i < 3,
                                 lambda i, s: (i + 1, tf.sin(s) * w + x),
                                 (tf.constant(0), w))
        return state
    rng = np.random.default_rng(2)
    check_gradients(f, [rng.uniform(-1, 1, 2), rng.uniform(-1, 1, 2)])


def test_while_loop_gradient_data_dependent_trip_count_and_limit():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float64, [])
        y = tf.while_loop(lambda v: v < 10.0, lambda v: v * 2.0, x)
        limited = tf.while_loop(lambda v: v < 10.0, lambda v: v * 3.0, x, maximum_iterations=1)
        dy, dlimited = tf.gradients([y, limited], x)[0], tf.gradients(limited, x)[0]
        with tf.compat.v1.Session() as sess:
            assert sess.run([y, tf.gradients(y, x)[0]], {x: 1.5}) == [12.0, 8.0]
            assert sess.run([y, tf.gradients(y, x)[0]], {x: 11.0}) == [11.0, 1.0]   # 0 trips
            assert sess.run([limited, dlimited, dy], {x: 1.0}) == [3.0, 3.0, 19.0]


def test_while_loop_gradient_rnn_in_function_matches_eager():
    rng = np.random.default_rng(3)
    w = tf.Variable(rng.normal(size=(3, 3)) * 0.5)
    u = tf.Variable(rng.normal(size=(2, 3)) * 0.5)
    inputs = tf.constant(rng.normal(size=(5, 4, 2)))          # time, batch, features

    def loss(xs):
        def body(t, h):
            h = tf.tanh(tf.matmul(h, w) + tf.matmul(tf.gather(xs, t), u))
            return t + 1, tf.cond(tf.reduce_sum(h) > 0, lambda: h * 1.5, lambda: h)
        _, h = tf.while_loop(lambda t, h: t < tf.shape(xs)[0], body,
                             (tf.constant(0), tf.zeros([4, 3], tf.float64)))
        return tf.reduce_sum(h ** 2)

    @tf.function
    def compiled(xs):
        with tf.GradientTape() as tape:
            value = loss(xs)
        return value, tape.gradient(value, [w, u])

    with tf.GradientTape() as tape:
        value = loss(inputs)
    eager_grads = tape.gradient(value, [w, u])
    compiled_value, compiled_grads = compiled(inputs)
    np.testing.assert_allclose(float(compiled_value), float(value), rtol=1e-12)
    for got, expected in zip(compiled_grads, eager_grads):
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)


def test_nested_while_loop_gradient():
    def f(x):
        def outer_body(i, v):
            _, inner = tf.while_loop(lambda j, u: j < 2, lambda j, u: (j + 1, u * x), (0, v))
            return i + 1, inner + 1.0
        return tf.while_loop(lambda i, v: i < 3, outer_body, (0, x))[1]
    check_gradients(f, [np.array([0.7, -0.4])])


def test_while_loop_second_order_gradient_in_graph_is_unimplemented():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [])
        y = tf.while_loop(lambda v: v < 10.0, lambda v: v * v, x)
        dy = tf.gradients(y, x)[0]
        with pytest.raises(tf.errors.UnimplementedError, match="while_loop"):
            tf.gradients(dy, x)


def test_while_loop_back_prop_false_stops_gradients():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [])
        y = tf.while_loop(lambda v: v < 10.0, lambda v: v * 2.0, x, back_prop=False)
        assert tf.gradients(y, x) == [None]


def test_while_loop_eager_gradient_with_tape():
    x = tf.constant(1.5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.while_loop(lambda v: v < 10.0, lambda v: v * 2.0, x)
    assert float(y) == 12.0
    assert float(tape.gradient(y, x)) == 8.0


# ---- Assert ------------------------------------------------------------------------------------

def test_assert_in_graph_raises_at_run_time_with_data():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [3])
        check = tf.debugging.Assert(tf.reduce_all(x > 0), ["x must be positive:", x])
        with tf.control_dependencies([check]):
            y = tf.identity(x)
        with tf.compat.v1.Session() as sess:
            assert sess.run(y, {x: [1.0, 2.0, 3.0]}).tolist() == [1.0, 2.0, 3.0]
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=r"x must be positive: \[1(\.0)? -2(\.0)? 3(\.0)?\]"):
                sess.run(y, {x: [1.0, -2.0, 3.0]})


def test_assert_in_function_runs_each_call():
    @tf.function
    def checked(x):
        tf.debugging.Assert(x > 0, ["not positive", x])
        return x * 2.0

    assert float(checked(tf.constant(1.0))) == 2.0
    with pytest.raises(tf.errors.InvalidArgumentError, match="not positive"):
        checked(tf.constant(-1.0))
