"""Session.run: fetch structures, feeds, default sessions, plan caching, device placement."""
import collections
import warnings

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.framework import context, session as session_module

tf1 = tf.compat.v1


@pytest.fixture(autouse=True)
def tf1_graph_mode():
    """Each test runs in TF1 graph mode on a fresh default graph, then restores eager mode."""
    tf1.reset_default_graph()
    yield
    session_module._default_sessions.clear()
    context.state.eager_enabled = True
    context.reset_default_graph()


def _simple_graph():
    x = tf1.placeholder(tf.float32, [None, 3], name="x")
    w = tf.constant(np.arange(6.0, dtype=np.float32).reshape(3, 2), name="w")
    y = tf.matmul(x, w, name="y")
    s = tf.reduce_sum(y, name="s")
    return x, y, s


X = np.arange(6.0, dtype=np.float32).reshape(2, 3)
W = np.arange(6.0, dtype=np.float32).reshape(3, 2)


# ---- fetch structures ---------------------------------------------------------------------

def test_single_tensor_fetch_returns_ndarray_and_scalar():
    x, y, s = _simple_graph()
    with tf1.Session() as sess:
        out = sess.run(y, feed_dict={x: X})
        total = sess.run(s, feed_dict={x: X})
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_allclose(out, X @ W)
    assert np.ndim(total) == 0
    assert float(total) == pytest.approx(float((X @ W).sum()))


def test_list_tuple_dict_namedtuple_and_nested_fetches():
    x, y, s = _simple_graph()
    Pair = collections.namedtuple("Pair", ["prod", "total"])
    with tf1.Session() as sess:
        as_list = sess.run([y, s], {x: X})
        as_tuple = sess.run((y, s), {x: X})
        as_dict = sess.run({"prod": y, "total": s}, {x: X})
        as_named = sess.run(Pair(y, s), {x: X})
        nested = sess.run({"a": [y, (s, {"b": s})], "c": Pair(prod=y, total=s)}, {x: X})
    assert isinstance(as_list, list) and len(as_list) == 2
    assert isinstance(as_tuple, tuple) and len(as_tuple) == 2
    assert isinstance(as_dict, dict) and set(as_dict) == {"prod", "total"}
    assert isinstance(as_named, Pair)
    expected_total = float((X @ W).sum())
    for prod, total in (as_list, as_tuple, (as_dict["prod"], as_dict["total"]),
                        (as_named.prod, as_named.total)):
        np.testing.assert_allclose(prod, X @ W)
        assert float(total) == pytest.approx(expected_total)
    assert isinstance(nested["a"], list) and isinstance(nested["a"][1], tuple)
    assert float(nested["a"][1][1]["b"]) == pytest.approx(expected_total)
    assert isinstance(nested["c"], Pair)
    np.testing.assert_allclose(nested["c"].prod, X @ W)


def test_same_tensor_fetched_twice_in_one_call():
    x, y, s = _simple_graph()
    with tf1.Session() as sess:
        a, b = sess.run([s, s], {x: X})
    assert a == b


def test_operation_fetch_returns_none():
    v = tf.Variable(1.0, name="v")
    inc = v.assign_add(2.0)
    init = tf1.global_variables_initializer()
    with tf1.Session() as sess:
        assert sess.run(init) is None
        assert sess.run(inc.op) is None
        result = sess.run([inc.op, v])
        assert result[0] is None
        assert result[1] == pytest.approx(5.0)
        grouped = tf.group(inc, name="bump")
        assert sess.run({"op": grouped, "v": v})["op"] is None
        assert sess.run(v) == pytest.approx(7.0)


def test_variable_and_name_string_fetches():
    x, y, s = _simple_graph()
    v = tf.Variable([1.0, 2.0], name="v")
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        np.testing.assert_allclose(sess.run(v), [1.0, 2.0])
        np.testing.assert_allclose(sess.run("y:0", {x: X}), X @ W)
        np.testing.assert_allclose(sess.run("v:0"), [1.0, 2.0])
        assert sess.run("init") is None  # an operation name runs the op
        np.testing.assert_allclose(sess.run(["s:0", "y:0"], {"x:0": X})[1], X @ W)


def test_invalid_fetches():
    x, y, s = _simple_graph()
    with tf1.Session() as sess:
        with pytest.raises(TypeError, match="Fetch argument None has invalid type"):
            sess.run(None)
        with pytest.raises(TypeError, match="Fetch argument 3 has invalid type int"):
            sess.run(3)
        with pytest.raises(KeyError, match="'nope' refers to an Operation not in the graph"):
            sess.run("nope:0")
        with pytest.raises(KeyError, match="has 1 outputs"):
            sess.run("y:3", {x: X})


def test_fetch_from_another_graph_is_rejected():
    other = tf.Graph()
    with other.as_default():
        foreign = tf.constant(1.0, name="foreign")
    tf.constant(2.0)
    with tf1.Session() as sess:
        with pytest.raises(ValueError, match="not an element of this graph"):
            sess.run(foreign)


def test_eager_constant_created_before_graph_mode_can_be_fetched():
    context.state.eager_enabled = True
    eager = tf.constant([1.0, 2.0])
    x = tf1.placeholder(tf.float32, [2], name="x")
    with tf1.Session() as sess:
        both = sess.run([eager, x + eager], {x: [10.0, 20.0]})
    np.testing.assert_allclose(both[0], [1.0, 2.0])
    np.testing.assert_allclose(both[1], [11.0, 22.0])


# ---- feeds ----------------------------------------------------------------------------------

def test_feed_by_tensor_and_by_name():
    x, y, s = _simple_graph()
    with tf1.Session() as sess:
        by_tensor = sess.run(s, feed_dict={x: X})
        by_name = sess.run(s, feed_dict={"x:0": X})
        by_list = sess.run(s, feed_dict={x: X.tolist()})
    assert by_tensor == by_name == by_list


def test_feeding_a_non_placeholder_tensor_overrides_it():
    x, y, s = _simple_graph()
    c = tf.constant(5.0, name="c")
    d = c * 2.0
    with tf1.Session() as sess:
        assert sess.run(d) == pytest.approx(10.0)
        assert sess.run(d, {c: 1.5}) == pytest.approx(3.0)
        # feeding an intermediate: x is not needed any more
        assert sess.run(s, {y: np.ones((4, 2), np.float32)}) == pytest.approx(8.0)


def test_feeding_a_variable_overrides_its_value_for_one_run():
    v = tf.Variable(3.0, name="v")
    doubled = v * 2.0
    with tf1.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(doubled, {v: 10.0}) == pytest.approx(20.0)
        assert sess.run(doubled) == pytest.approx(6.0)


def test_feed_value_is_converted_to_placeholder_dtype():
    i = tf1.placeholder(tf.int32, [None], name="i")
    f = tf1.placeholder(tf.float32, [], name="f")
    with tf1.Session() as sess:
        out = sess.run(i, {i: np.array([1.0, 2.0])})   # integral floats are accepted
        assert out.dtype == np.int32 and out.tolist() == [1, 2]
        assert sess.run(f, {f: 2}).dtype == np.float32


def test_fetching_a_fed_tensor_returns_a_copy():
    x = tf1.placeholder(tf.float32, [2], name="x")
    data = np.array([1.0, 2.0], np.float32)
    with tf1.Session() as sess:
        out = sess.run(x, {x: data})
    np.testing.assert_allclose(out, data)
    out[0] = 9.0
    assert data[0] == 1.0


def test_placeholder_with_unknown_shape_accepts_any_shape():
    p = tf1.placeholder(tf.float32, name="p")
    with tf1.Session() as sess:
        assert sess.run(p * 2.0, {p: 1.0}) == pytest.approx(2.0)
        assert sess.run(tf.shape(p), {p: np.zeros((2, 3, 4))}).tolist() == [2, 3, 4]


def test_placeholder_with_default():
    d = tf1.placeholder_with_default(tf.constant([1.0, 2.0]), shape=[None], name="d")
    out = d * 3.0
    with tf1.Session() as sess:
        np.testing.assert_allclose(sess.run(out), [3.0, 6.0])
        np.testing.assert_allclose(sess.run(out, {d: [1.0, 1.0, 1.0]}), [3.0, 3.0, 3.0])


def test_feed_key_must_be_a_tensor_of_this_graph():
    x, y, s = _simple_graph()
    with tf1.Session() as sess:
        with pytest.raises(TypeError, match="Cannot interpret feed_dict key 3"):
            sess.run(s, {3: X})
        with pytest.raises(TypeError, match="feed cannot be a tf.Tensor object"):
            sess.run(s, {x: y})


def test_make_callable():
    x, y, s = _simple_graph()
    with tf1.Session() as sess:
        run = sess.make_callable(s, feed_list=[x])
        assert run(X) == pytest.approx(float((X @ W).sum()))


# ---- default sessions, eval, run ------------------------------------------------------------

def test_eval_and_operation_run_under_as_default():
    v = tf.Variable(2.0, name="v")
    p = tf1.placeholder(tf.float32, [], name="p")
    out = v * p
    sess = tf1.Session()
    with sess.as_default():
        assert tf1.get_default_session() is sess
        v.initializer.run()
        tf1.global_variables_initializer().run()
        assert out.eval(feed_dict={p: 4.0}) == pytest.approx(8.0)
        assert v.eval() == pytest.approx(2.0)
        v.assign(5.0).op.run()
        assert v.eval() == pytest.approx(5.0)
    assert tf1.get_default_session() is None
    assert out.eval(session=sess, feed_dict={p: 1.0}) == pytest.approx(5.0)
    sess.close()


def test_with_session_block_installs_the_default_session():
    c = tf.constant(4.0)
    with tf1.Session() as sess:
        assert tf1.get_default_session() is sess
        assert c.eval() == pytest.approx(4.0)
    assert tf1.get_default_session() is None


def test_eval_without_a_default_session_explains():
    c = tf.constant(1.0)
    with pytest.raises(ValueError, match="No default session is registered"):
        c.eval()


def test_interactive_session_is_default_until_closed():
    c = tf.constant([1.0, 2.0])
    sess = tf1.InteractiveSession()
    try:
        assert tf1.get_default_session() is sess
        np.testing.assert_allclose((c * 2.0).eval(), [2.0, 4.0])
    finally:
        sess.close()
    assert tf1.get_default_session() is None


def test_session_on_explicit_graph_does_not_leave_graph_mode():
    context.state.eager_enabled = True
    g = tf.Graph()
    with g.as_default():
        a = tf1.placeholder(tf.float32, [], name="a")
        b = a * a
        assert not tf.executing_eagerly()
    sess = tf1.Session(graph=g)
    assert sess.graph is g
    with sess:
        assert sess.run(b, {a: 3.0}) == pytest.approx(9.0)
        assert b.eval({a: 2.0}) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="different from the session's graph"):
        with tf1.Session() as other:
            b.eval(session=other, feed_dict={a: 1.0})


def test_run_after_close_raises():
    c = tf.constant(1.0)
    sess = tf1.Session()
    assert sess.run(c) == 1.0
    sess.close()
    with pytest.raises(RuntimeError, match="Attempted to use a closed Session"):
        sess.run(c)
    with tf1.Session() as sess2:
        pass
    with pytest.raises(RuntimeError, match="closed Session"):
        sess2.run(c)


# ---- plans ------------------------------------------------------------------------------------

def test_plans_are_cached_per_fetch_and_feed_set():
    x, y, s = _simple_graph()
    with tf1.Session() as sess:
        sess.run(s, {x: X})
        sess.run(s, {x: X + 1})
        assert len(sess._plans) == 1
        sess.run([y, s], {x: X})
        assert len(sess._plans) == 2
        sess.run([y, s], {"x:0": X})
        assert len(sess._plans) == 2
        sess.run(s, {y: np.ones((1, 2), np.float32)})
        assert len(sess._plans) == 3


def test_fetching_a_variable_returns_a_copy():
    v = tf.Variable([1.0, 2.0], name="v")
    inc = v.assign_add([1.0, 1.0])
    with tf1.Session() as sess:
        sess.run(v.initializer)
        before = sess.run(v)
        read = sess.run(v.read_value())
        reshaped = sess.run(tf.reshape(v, [2, 1]))
        sess.run(inc)
        sess.run(inc)
        np.testing.assert_allclose(before, [1.0, 2.0])
        np.testing.assert_allclose(read, [1.0, 2.0])
        np.testing.assert_allclose(reshaped, [[1.0], [2.0]])
        after = sess.run(inc)
        sess.run(inc)
        np.testing.assert_allclose(after, [4.0, 5.0])
        before[0] = 100.0   # mutating a fetched value does not touch the variable
        np.testing.assert_allclose(sess.run(v), [5.0, 6.0])


def test_ops_run_in_program_order_within_one_run():
    v = tf.Variable(1.0, name="v")
    with tf1.Session() as sess:
        sess.run(v.initializer)
        first = v.assign(v * 3.0)
        second = v.assign_add(1.0)
        sess.run([first.op, second.op])
        assert sess.run(v) == pytest.approx(4.0)


def test_control_dependencies_run_first():
    v = tf.Variable(0.0, name="v")
    with tf1.Session() as sess:
        sess.run(v.initializer)
        with tf.control_dependencies([v.assign_add(1.0)]):
            out = tf.identity(tf.constant(7.0))
        assert sess.run(out) == pytest.approx(7.0)
        assert sess.run(v) == pytest.approx(1.0)


# ---- device placement ---------------------------------------------------------------------------

def test_gpu_device_warns_once_and_runs_on_cpu():
    context._Device._warned = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tf.device("/gpu:0"):
            a = tf.constant([[1.0, 2.0]])
            b = tf.matmul(a, a, transpose_b=True)
        with tf.device("/device:GPU:1"):
            c = b + 1.0
    gpu_warnings = [w for w in caught if "GPU" in str(w.message)]
    assert len(gpu_warnings) == 1
    assert "CPU" in str(gpu_warnings[0].message)
    assert b.op.device == "/gpu:0"
    with tf1.Session() as sess:
        assert sess.run(c) == pytest.approx(6.0)
    with tf.device("/cpu:0"):
        assert tf.constant(1.0).op.device == "/cpu:0"


def test_session_config_is_accepted():
    config = tf1.ConfigProto(log_device_placement=True, allow_soft_placement=True,
                             device_count={"GPU": 0})
    config.gpu_options.allow_growth = True
    config.gpu_options.per_process_gpu_memory_fraction = 0.5
    config.graph_options.optimizer_options.global_jit_level = tf1.OptimizerOptions.ON_1
    assert tf.ConfigProto is tf1.ConfigProto
    c = tf.constant(2.0)
    with tf1.Session(config=config) as sess:
        options = tf1.RunOptions(trace_level=tf1.RunOptions.FULL_TRACE)
        assert sess.run(c, options=options, run_metadata=tf1.RunMetadata()) == 2.0
    with tf1.Session(config=tf1.ConfigProto(gpu_options=tf1.GPUOptions(allow_growth=True))):
        pass
