"""Variables (eager and TF1 graph), variable scopes, get_variable, name scopes, collections."""
import warnings

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.framework import context, session as session_module

tf1 = tf.compat.v1


@pytest.fixture(autouse=True)
def restore_eager_mode():
    """Tests start eager on a fresh default graph and leave the process eager."""
    context.state.eager_enabled = True
    context.reset_default_graph()
    yield
    session_module._default_sessions.clear()
    context.state.eager_enabled = True
    context.reset_default_graph()


@pytest.fixture
def graph_mode():
    tf1.reset_default_graph()
    assert not tf.executing_eagerly()


# ---- eager ------------------------------------------------------------------------------------

def test_eager_assign_add_sub_and_read_value():
    v = tf.Variable([1.0, 2.0], name="v")
    assert v.name == "v:0" and v.dtype == tf.float32 and v.shape == (2,)
    result = v.assign([3.0, 4.0])
    assert result is v
    np.testing.assert_allclose(v.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(v.assign_add([1.0, 1.0]).numpy(), [4.0, 5.0])
    np.testing.assert_allclose(v.assign_sub([0.5, 0.5]).numpy(), [3.5, 4.5])
    snapshot = v.read_value()
    v.assign([0.0, 0.0])
    np.testing.assert_allclose(snapshot.numpy(), [3.5, 4.5])
    assert v.assign([1.0, 1.0], read_value=False) is None
    np.testing.assert_allclose(np.asarray(v), [1.0, 1.0])


def test_eager_numpy_returns_a_copy_and_operators_work():
    v = tf.Variable(2.0)
    value = v.numpy()
    v.assign_add(1.0)
    assert value == 2.0
    assert float(v + 1) == 4.0 and float(1 + v) == 4.0
    assert float(v * 2) == 6.0 and float(v - 1) == 2.0 and float(-v) == -3.0
    assert bool(v > 0)
    w = tf.Variable([[1.0, 2.0]])
    np.testing.assert_allclose((w @ tf.transpose(w)).numpy(), [[5.0]])
    np.testing.assert_allclose(w[0, 1].numpy(), 2.0)


def test_eager_trainable_flag_initializer_and_initial_value():
    v = tf.Variable(np.arange(3.0), trainable=False, name="frozen")
    assert v.trainable is False and tf.Variable(1.0).trainable is True
    assert v.dtype == tf.float64
    v.assign([9.0, 9.0, 9.0])
    np.testing.assert_allclose(v.initial_value.numpy(), [0.0, 1.0, 2.0])
    assert v.initializer is None
    assert tf.Variable(lambda: tf.ones([2]), dtype=tf.float32).shape == (2,)
    assert tf.Variable(3, dtype=tf.float32).dtype == tf.float32


def test_eager_variable_in_a_graph_op():
    """TF1 code creating variables before its first placeholder: they join the graph."""
    v = tf.Variable([1.0, 2.0], name="early")
    v.assign([7.0, 8.0])
    x = tf1.placeholder(tf.float32, [2], name="x")      # switches to graph mode
    y = x * v
    assert v in tf1.global_variables() and v in tf1.trainable_variables()
    with tf1.Session() as sess:
        np.testing.assert_allclose(sess.run(y, {x: [1.0, 1.0]}), [7.0, 8.0])
        sess.run(tf1.global_variables_initializer())   # back to the initial value
        np.testing.assert_allclose(sess.run(y, {x: [1.0, 1.0]}), [1.0, 2.0])
        sess.run(v.assign_add([1.0, 1.0]))
        np.testing.assert_allclose(sess.run(v), [2.0, 3.0])


# ---- graph mode ---------------------------------------------------------------------------------

def test_graph_assign_ops_and_read_value(graph_mode):
    w = tf.Variable(tf.ones([2]), name="w")
    up = w.assign_add([1.0, 2.0])
    down = tf1.assign_sub(w, [1.0, 1.0])
    reset = tf1.assign(w, [0.0, 0.0])
    read = w.read_value()
    assert up.shape == (2,) and up.dtype == tf.float32
    with tf1.Session() as sess:
        sess.run(w.initializer)
        np.testing.assert_allclose(sess.run(up), [2.0, 3.0])
        np.testing.assert_allclose(sess.run(up), [3.0, 5.0])
        np.testing.assert_allclose(sess.run(down), [2.0, 4.0])
        np.testing.assert_allclose(sess.run(read), [2.0, 4.0])
        np.testing.assert_allclose(sess.run(reset), [0.0, 0.0])
        np.testing.assert_allclose(sess.run(w.assign(w + 5.0)), [5.0, 5.0])


def test_graph_names_initializer_and_initial_value(graph_mode):
    w = tf.Variable(1.0, name="w")
    w_again = tf.Variable(2.0, name="w")
    assert w.name == "w:0" and w.op.name == "w" and w_again.name == "w_1:0"
    assert w.initializer.name == "w/Assign"
    assert w.initial_value.name.startswith("w/Initializer/")
    with tf.name_scope("scope"):
        a = tf.Variable(0.0)
        b = tf.Variable(0.0)
        c = tf.constant(0.0)
    assert (a.name, b.name, c.name) == ("scope/Variable:0", "scope/Variable_1:0",
                                        "scope/Const:0")
    ones = tf.ones([2])
    v = tf.Variable(ones, name="from_tensor")
    assert v.initial_value is ones and v.shape == (2,)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        assert sess.run(w) == 1.0 and sess.run(w_again) == 2.0
        sess.run(w.assign(5.0))
        assert sess.run(w.initial_value) == 1.0
        sess.run(w.initializer)
        assert sess.run(w) == 1.0


def test_variable_initialized_from_another(graph_mode):
    w = tf.Variable(tf.constant([1.0, 2.0]), name="w")
    w2 = tf.Variable(w.initialized_value() * 2.0, name="w2")
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        np.testing.assert_allclose(sess.run(w2), [2.0, 4.0])


def test_trainable_flag_and_collections(graph_mode):
    w = tf.Variable(1.0, name="w")
    counter = tf.Variable(0, trainable=False, name="counter")
    local = tf.Variable(0, collections=[tf1.GraphKeys.LOCAL_VARIABLES], name="local")
    assert tf1.global_variables() == [w, counter]
    assert tf1.trainable_variables() == [w]
    assert tf1.local_variables() == [local]
    assert tf1.get_collection(tf1.GraphKeys.GLOBAL_VARIABLES) == [w, counter]
    assert tf1.get_collection(tf1.GraphKeys.TRAINABLE_VARIABLES) == [w]
    assert tf1.GraphKeys.GLOBAL_VARIABLES == "variables"
    tf1.add_to_collection("my_things", w)
    tf1.add_to_collection("my_things", counter)
    assert tf1.get_collection("my_things") == [w, counter]
    assert tf1.get_collection("missing") == []
    ref = tf1.get_collection_ref("my_things")
    ref.append(local)
    assert tf1.get_collection("my_things")[-1] is local
    with tf1.Session() as sess:
        sess.run([tf1.global_variables_initializer(), tf1.local_variables_initializer()])
        assert sess.run(local) == 0


def test_is_initialized_and_report_uninitialized_run_at_run_time(graph_mode):
    w = tf.Variable(1.0, name="w")
    u = tf.Variable(2.0, name="u")
    initialized = tf1.is_variable_initialized(w)
    report = tf1.report_uninitialized_variables()
    with tf1.Session() as sess:
        assert not sess.run(initialized)
        assert sess.run(report).tolist() == [b"w", b"u"]
        sess.run(w.initializer)
        assert sess.run(initialized)
        assert sess.run(report).tolist() == [b"u"]


def test_validate_shape_false_allows_new_shapes(graph_mode):
    v = tf.Variable(tf.zeros([2]), validate_shape=False, name="v")
    grow = tf1.assign(v, tf.ones([3]), validate_shape=False)
    with tf1.Session() as sess:
        sess.run(v.initializer)
        np.testing.assert_allclose(sess.run(grow), [1.0, 1.0, 1.0])


def test_variable_load_and_eval(graph_mode):
    v = tf.Variable([0.0, 0.0], name="v")
    with tf1.Session() as sess:
        sess.run(v.initializer)
        v.load([3.0, 4.0], sess)
        np.testing.assert_allclose(v.eval(), [3.0, 4.0])


# ---- variable scopes and get_variable ------------------------------------------------------------

def test_get_variable_and_reuse(graph_mode):
    with tf1.variable_scope("layer_1"):
        x = tf1.placeholder(tf.float32, [None, 2], name="x")
        kernel = tf1.get_variable("kernel", [2, 3])
        product = tf.matmul(x, kernel)
    assert kernel.name == "layer_1/kernel:0" and x.name == "layer_1/x:0"
    assert product.name == "layer_1/MatMul:0"
    with tf1.variable_scope("layer_1", reuse=True):
        again = tf1.get_variable("kernel")
        product2 = tf.matmul(x, again)
    assert again is kernel
    assert product2.name == "layer_1_1/MatMul:0"   # name scopes stay unique
    with tf1.variable_scope("layer_1") as scope:
        scope.reuse_variables()
        assert tf1.get_variable("kernel", [2, 3]) is kernel
    with tf1.variable_scope("layer_1"):
        with tf1.variable_scope("inner", reuse=True):
            assert tf1.get_variable_scope().reuse


def test_get_variable_errors(graph_mode):
    with tf1.variable_scope("layer"):
        tf1.get_variable("w", [2, 3])
    with tf1.variable_scope("layer"):
        with pytest.raises(ValueError, match=r"Variable layer/w already exists, disallowed. "
                                             r"Did you mean to set reuse=True"):
            tf1.get_variable("w", [2, 3])
    with tf1.variable_scope("other", reuse=True):
        with pytest.raises(ValueError, match=r"Variable other/w does not exist, or was not "
                                             r"created with tf.get_variable\(\)"):
            tf1.get_variable("w", [2, 3])
    with tf1.variable_scope("layer", reuse=True):
        with pytest.raises(ValueError, match=r"Trying to share variable layer/w, but specified "
                                             r"shape \[4, 3\] and found shape \(2, 3\)"):
            tf1.get_variable("w", [4, 3])
    with pytest.raises(ValueError, match=r"The shape of variable no_shape must be given"):
        tf1.get_variable("no_shape")
    with pytest.raises(ValueError, match=r"If initializer is a constant, do not specify shape"):
        tf1.get_variable("both", [3], initializer=tf.constant([1.0, 2.0]))


def test_auto_reuse(graph_mode):
    def layer(x):
        with tf1.variable_scope("shared", reuse=tf1.AUTO_REUSE):
            w = tf1.get_variable("w", [2, 2], initializer=tf1.ones_initializer())
            return tf.matmul(x, w)
    x = tf1.placeholder(tf.float32, [1, 2], name="x")
    y = layer(layer(x))
    assert len(tf1.trainable_variables()) == 1
    assert tf1.trainable_variables()[0].name == "shared/w:0"
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        np.testing.assert_allclose(sess.run(y, {x: [[1.0, 2.0]]}), [[6.0, 6.0]])


def test_default_name_is_made_unique(graph_mode):
    names = []
    for _ in range(3):
        with tf1.variable_scope(None, default_name="dense") as scope:
            names.append((scope.name, tf1.get_variable("w", [1]).name, tf.constant(0.0).name))
    assert names == [("dense", "dense/w:0", "dense/Const:0"),
                     ("dense_1", "dense_1/w:0", "dense_1/Const:0"),
                     ("dense_2", "dense_2/w:0", "dense_2/Const:0")]
    with tf1.variable_scope("net"):
        with tf1.variable_scope(None, default_name="conv") as inner:
            assert inner.name == "net/conv"


def test_nested_scopes_and_name_scopes(graph_mode):
    with tf1.variable_scope("outer"):
        with tf1.variable_scope("inner"):
            v = tf1.get_variable("v", [1])
            plus = tf.add(v, 1.0, name="plus")
            assert tf1.get_variable_scope().name == "outer/inner"
        with tf.name_scope("ns"):
            # name scopes prefix ops, not get_variable's variables (TF1)
            u = tf1.get_variable("u", [1])
            k = tf.constant(1.0, name="k")
            plain = tf.Variable(1.0, name="plain")
    assert v.name == "outer/inner/v:0" and plus.name == "outer/inner/plus:0"
    assert u.name == "outer/u:0" and k.name == "outer/ns/k:0"
    assert plain.name == "outer/ns/plain:0"
    with tf1.variable_scope("outer", reuse=True):
        assert tf1.get_variable("inner/v") is v
    assert tf1.trainable_variables(scope="outer/inner") == [v]
    assert tf1.get_collection(tf1.GraphKeys.GLOBAL_VARIABLES, scope="outer") == [v, u, plain]


def test_reentering_a_scope_object(graph_mode):
    with tf1.variable_scope("model") as scope:
        w = tf1.get_variable("w", [1])
    with tf1.variable_scope(scope, reuse=True):
        assert tf1.get_variable("w") is w
    with tf1.variable_scope(scope, reuse=True):
        assert tf1.get_variable_scope().name == "model"


def test_scope_object_keeps_reuse_and_initializer(graph_mode):
    with tf1.variable_scope("model", initializer=tf1.ones_initializer()) as scope:
        w = tf1.get_variable("w", [2])
        scope.reuse_variables()
    with tf1.variable_scope(scope):
        assert tf1.get_variable_scope().reuse
        assert tf1.get_variable("w") is w
    with tf1.variable_scope("model", initializer=tf1.ones_initializer()) as fresh:
        pass
    with tf1.variable_scope(fresh):
        v = tf1.get_variable("v", [2])
    with tf1.Session() as sess:
        sess.run(v.initializer)
        np.testing.assert_allclose(sess.run(v), [1.0, 1.0])


def test_get_variable_initializers_and_dtypes(graph_mode):
    with tf1.variable_scope("init", initializer=tf1.constant_initializer(3.0)):
        from_scope = tf1.get_variable("from_scope", [2])
        from_tensor = tf1.get_variable("from_tensor", initializer=tf.constant([1.0, 2.0]))
        ones = tf1.get_variable("ones", [2], initializer=tf1.ones_initializer())
        ints = tf1.get_variable("ints", [2], dtype=tf.int32,
                                initializer=tf1.zeros_initializer())
        from_array = tf1.get_variable("from_array",
                                      initializer=np.array([5.0, 6.0], np.float32))
        normal = tf1.get_variable("normal", [200], initializer=tf1.truncated_normal_initializer(
            stddev=0.1, seed=1))
        uniform = tf1.get_variable("uniform", [200],
                                   initializer=tf1.random_uniform_initializer(-1.0, 1.0))
        scaled = tf1.get_variable("scaled", [50, 40],
                                  initializer=tf1.variance_scaling_initializer(2.0))
        frozen = tf1.get_variable("frozen", [1], trainable=False)
    glorot = tf1.get_variable("glorot", [30, 20])     # the default initializer
    assert ints.dtype == tf.int32 and from_tensor.shape == (2,)
    assert frozen not in tf1.trainable_variables() and frozen in tf1.global_variables()
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        values = sess.run([from_scope, from_tensor, ones, ints, from_array])
        np.testing.assert_allclose(values[0], [3.0, 3.0])
        np.testing.assert_allclose(values[1], [1.0, 2.0])
        np.testing.assert_allclose(values[2], [1.0, 1.0])
        assert values[3].tolist() == [0, 0] and values[3].dtype == np.int32
        np.testing.assert_allclose(values[4], [5.0, 6.0])
        normal_v, uniform_v, glorot_v, scaled_v = sess.run([normal, uniform, glorot, scaled])
    assert np.abs(normal_v).max() <= 0.2 + 1e-6 and 0.05 < normal_v.std() < 0.12
    assert uniform_v.min() >= -1.0 and uniform_v.max() < 1.0 and uniform_v.std() > 0.4
    limit = np.sqrt(6.0 / 50.0)
    assert np.abs(glorot_v).max() <= limit and glorot_v.std() > limit / 3
    assert abs(scaled_v.std() - np.sqrt(2.0 / 50.0)) < 0.03


def test_tf1_random_uniform_initializer_defaults_to_unit_interval():
    values = tf1.random_uniform_initializer(seed=3)([1000]).numpy()
    assert values.min() >= 0.0 and values.max() < 1.0 and values.mean() > 0.4


def test_get_variable_regularizer_collects_a_loss(graph_mode):
    with tf1.variable_scope("reg", regularizer=lambda w: tf.reduce_sum(w * w)):
        w = tf1.get_variable("w", initializer=tf.constant([1.0, 2.0]))
    losses = tf1.get_collection(tf1.GraphKeys.REGULARIZATION_LOSSES)
    assert len(losses) == 1
    with tf1.Session() as sess:
        sess.run(w.initializer)
        assert sess.run(losses[0]) == pytest.approx(5.0)


def test_make_template_shares_variables(graph_mode):
    def scale(x):
        w = tf1.get_variable("w", initializer=tf.constant(2.0))
        return x * w
    scaler = tf1.make_template("scaler", scale)
    a = scaler(tf.constant(1.0))
    b = scaler(tf.constant(3.0))
    assert len(tf1.trainable_variables()) == 1
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        assert sess.run([a, b]) == [2.0, 6.0]


# ---- name scopes and graph lookups -------------------------------------------------------------

def test_name_scope_naming(graph_mode):
    with tf.name_scope("block") as scope:
        a = tf.constant(1.0, name="a")
        b = tf.add(a, a)
        c = tf.add(a, a)
        with tf.name_scope("inner"):
            d = tf.identity(b, name="d")
    assert scope == "block/"
    assert a.name == "block/a:0" and d.name == "block/inner/d:0"
    assert b.name == f"block/{b.op.type}:0" and c.name == f"block/{b.op.type}_1:0"
    with tf.name_scope("block"):
        e = tf.constant(2.0, name="a")
    assert e.name == "block_1/a:0"
    with tf.name_scope(scope):       # re-entering by the full scope string
        f = tf.constant(3.0, name="f")
    assert f.name == "block/f:0"
    with tf1.name_scope(None, default_name="default"):
        g = tf.constant(0.0)
    assert g.name == "default/Const:0"


def test_graph_lookups(graph_mode):
    with tf1.variable_scope("layer_1"):
        x = tf1.placeholder(tf.float32, [None, 2], name="x")
        w = tf1.get_variable("w", [2, 2])
        y = tf.matmul(x, w)
    graph = tf1.get_default_graph()
    assert graph.get_tensor_by_name("layer_1/MatMul:0") is y
    assert graph.get_operation_by_name("layer_1/MatMul") is y.op
    assert graph.get_tensor_by_name("layer_1/x:0") is x
    assert graph.get_tensor_by_name("layer_1/w:0").op is w.op
    assert graph.as_graph_element("layer_1/MatMul") is y.op
    assert y.op in graph.get_operations()
    assert y.graph is graph and w.graph is graph and x.op.type == "Placeholder"
    with pytest.raises(ValueError, match="looks like an \\(invalid\\) Operation name"):
        graph.get_tensor_by_name("layer_1/MatMul")
    with pytest.raises(KeyError, match="'nope' refers to an Operation not in the graph"):
        graph.get_operation_by_name("nope")
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        out = sess.run("layer_1/MatMul:0", {"layer_1/x:0": np.eye(2)})
        np.testing.assert_allclose(out, sess.run(w))


def test_explicit_graphs_are_independent():
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        a = tf.Variable(1.0, name="v")
    with g2.as_default():
        b = tf.Variable(2.0, name="v")
        assert tf1.global_variables() == [b]
    assert a.name == b.name == "v:0"
    assert a.graph is g1 and b.graph is g2
    with tf1.Session(graph=g1) as sess:
        sess.run(tf1.variables_initializer([a]))
        assert sess.run(a) == 1.0
    assert tf.executing_eagerly()


def test_device_scope_in_graph_mode(graph_mode):
    context._Device._warned = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tf.device("/gpu:0"):
            v = tf.Variable(2.0, name="v")
            y = v * 3.0
        with tf.device("/gpu:0"):
            z = y + 1.0
    assert sum("GPU" in str(w.message) for w in caught) == 1
    with tf1.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(z) == 7.0


def test_eager_name_scope_names_variables_like_tf2():
    with tf.name_scope("outer") as outer:
        first = tf.Variable(1.0, name="v")
        with tf.name_scope("inner") as inner:
            second = tf.Variable(2.0)
            assert tf.get_current_name_scope() == "outer/inner"
        with tf.name_scope("inner"):  # eager scopes are not made unique
            third = tf.Variable(3.0)
        with tf.name_scope("absolute/"):
            fourth = tf.Variable(4.0, name="w")
    assert (outer, inner) == ("outer/", "outer/inner/")
    assert [first.name, second.name, third.name, fourth.name] == [
        "outer/v:0", "outer/inner/Variable:0", "outer/inner/Variable:0", "absolute/w:0"]
    assert tf.get_current_name_scope() == ""
    assert tf.Variable(0.0, name="top").name == "top:0"


def test_eager_name_scope_is_restored_after_an_error():
    with pytest.raises(RuntimeError):
        with tf.name_scope("broken"):
            raise RuntimeError("boom")
    assert tf.get_current_name_scope() == ""


def test_module_name_scope_prefixes_its_variables():
    class Dense(tf.Module):
        def __init__(self):
            super().__init__(name="my_dense")
            with self.name_scope:
                self.w = tf.Variable(tf.ones([2, 2]), name="w")

    assert Dense().w.name == "my_dense/w:0"
