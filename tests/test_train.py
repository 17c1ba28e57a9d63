"""tf.train (TF1): optimizers against hand-computed steps, global step, gradients, Saver, and
seeded random ops in graph mode."""
import os

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.framework import context, session as session_module

tf1 = tf.compat.v1


@pytest.fixture(autouse=True)
def restore_eager_mode():
    """Tests start eager on a fresh default graph and leave the process eager."""
    context.state.eager_enabled = True
    tf1.reset_default_graph()
    context.state.eager_enabled = True
    yield
    session_module._default_sessions.clear()
    tf1.reset_default_graph()
    context.state.eager_enabled = True


@pytest.fixture
def graph_mode():
    tf1.reset_default_graph()
    assert not tf.executing_eagerly()


# ---- optimizers against hand-computed values ------------------------------------------------
# loss = sum((w - target)^2) with w = [0, 1]: gradient 2 (w - target) = [-6, -4] at the start.

TARGET = np.array([3.0, 3.0], np.float32)
W0 = np.array([0.0, 1.0], np.float32)


def _steps(make_optimizer, count=2):
    tf1.reset_default_graph()
    w = tf.Variable(W0, name="w")
    loss = tf.reduce_sum(tf.square(w - TARGET))
    train = make_optimizer().minimize(loss)
    values = []
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        for _ in range(count):
            sess.run(train)
            values.append(sess.run(w))
    return values


def _reference(update, count=2, **state):
    """Runs `update(w, grad, state)` in float64 NumPy for `count` steps."""
    w = W0.astype(np.float64)
    values = []
    for step in range(1, count + 1):
        grad = 2.0 * (w - TARGET)
        w = update(w, grad, state, step)
        values.append(w.copy())
    return values


def _check(make_optimizer, update, **state):
    got = _steps(make_optimizer)
    want = _reference(update, **state)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_gradient_descent_steps():
    _check(lambda: tf1.train.GradientDescentOptimizer(0.1),
           lambda w, g, s, t: w - 0.1 * g)
    assert np.allclose(_steps(lambda: tf1.train.GradientDescentOptimizer(0.1))[0], [0.6, 1.4])


def _momentum(lr, mu, nesterov):
    def update(w, g, s, t):
        s["a"] = mu * s.get("a", 0.0) + g
        return w - lr * (g + mu * s["a"]) if nesterov else w - lr * s["a"]
    return update


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_steps(nesterov):
    _check(lambda: tf1.train.MomentumOptimizer(0.1, 0.9, use_nesterov=nesterov),
           _momentum(0.1, 0.9, nesterov))


def test_momentum_second_step_known_value():
    # w = 0, loss (w - 3)^2: 0.6 then 0.6 + 0.1 * (0.9 * 6 + 4.8) = 1.62 (TF1's answer)
    values = _steps(lambda: tf1.train.MomentumOptimizer(0.1, 0.9))
    assert values[0][0] == pytest.approx(0.6) and values[1][0] == pytest.approx(1.62)


def _adam(lr, b1=0.9, b2=0.999, eps=1e-8):
    def update(w, g, s, t):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        return w - lr_t * s["m"] / (np.sqrt(s["v"]) + eps)
    return update


def test_adam_steps():
    _check(lambda: tf1.train.AdamOptimizer(0.1), _adam(0.1))
    first = _steps(lambda: tf1.train.AdamOptimizer(0.1), count=1)[0]
    np.testing.assert_allclose(first, W0 + 0.1, rtol=1e-5)   # first step: lr * sign(-g)


def test_adam_custom_betas_and_slot_names(graph_mode):
    _check(lambda: tf1.train.AdamOptimizer(0.05, beta1=0.5, beta2=0.9, epsilon=1e-3),
           _adam(0.05, 0.5, 0.9, 1e-3))
    tf1.reset_default_graph()
    w = tf.Variable(W0, name="w")
    optimizer = tf1.train.AdamOptimizer(0.1)
    optimizer.minimize(tf.reduce_sum(w * w))
    names = {v.name for v in tf1.global_variables()}
    assert {"w:0", "w/Adam:0", "w/Adam_1:0", "beta1_power:0", "beta2_power:0"} <= names
    assert tf1.trainable_variables() == [w]
    assert optimizer.get_slot(w, "m").name == "w/Adam:0"
    assert sorted(optimizer.get_slot_names()) == ["m", "v"]


def _rmsprop(lr, decay=0.9, mu=0.0, eps=1e-10, centered=False):
    def update(w, g, s, t):
        s["ms"] = decay * s.get("ms", 1.0) + (1 - decay) * g * g    # TF1: ms starts at 1
        denominator = s["ms"]
        if centered:
            s["mg"] = decay * s.get("mg", 0.0) + (1 - decay) * g
            denominator = s["ms"] - s["mg"] ** 2
        s["mom"] = mu * s.get("mom", 0.0) + lr * g / np.sqrt(denominator + eps)
        return w - s["mom"]
    return update


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_rmsprop_steps(centered, momentum):
    _check(lambda: tf1.train.RMSPropOptimizer(0.1, momentum=momentum, centered=centered),
           _rmsprop(0.1, mu=momentum, centered=centered))


def test_rmsprop_first_step_known_value():
    first = _steps(lambda: tf1.train.RMSPropOptimizer(0.1), count=1)[0]
    assert first[0] == pytest.approx(0.6 / np.sqrt(4.5), rel=1e-5)


def test_adagrad_steps():
    def update(w, g, s, t):
        s["a"] = s.get("a", 0.1) + g * g
        return w - 0.1 * g / np.sqrt(s["a"])
    _check(lambda: tf1.train.AdagradOptimizer(0.1), update)
    with pytest.raises(ValueError, match="initial_accumulator_value must be positive"):
        tf1.train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)


def test_adadelta_steps():
    def update(w, g, s, t, lr=1.0, rho=0.95, eps=1e-6):
        s["a"] = rho * s.get("a", 0.0) + (1 - rho) * g * g
        step = np.sqrt(s.get("u", 0.0) + eps) / np.sqrt(s["a"] + eps) * g
        s["u"] = rho * s.get("u", 0.0) + (1 - rho) * step * step
        return w - lr * step
    _check(lambda: tf1.train.AdadeltaOptimizer(1.0, epsilon=1e-6), update)


def test_optimizers_converge():
    for make in (lambda: tf1.train.GradientDescentOptimizer(0.1),
                 lambda: tf1.train.MomentumOptimizer(0.05, 0.9),
                 lambda: tf1.train.AdamOptimizer(0.1),
                 lambda: tf1.train.RMSPropOptimizer(0.05),
                 lambda: tf1.train.AdagradOptimizer(0.5)):
        final = _steps(make, count=300)[-1]
        np.testing.assert_allclose(final, TARGET, atol=0.05)


# ---- minimize options --------------------------------------------------------------------------

def test_minimize_increments_global_step(graph_mode):
    w = tf.Variable(0.0, name="w")
    step = tf1.train.get_or_create_global_step()
    assert step.name == "global_step:0" and step.dtype == tf.int64
    assert step in tf1.global_variables() and step not in tf1.trainable_variables()
    assert tf1.train.get_global_step() is step
    assert tf1.train.get_or_create_global_step() is step
    with pytest.raises(ValueError, match="global step already exists"):
        tf1.train.create_global_step()
    train = tf1.train.GradientDescentOptimizer(0.1).minimize(tf.square(w - 3.0),
                                                             global_step=step)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        for expected in (1, 2, 3):
            sess.run(train)
            assert sess.run(step) == expected
            assert tf1.train.global_step(sess, step) == expected


def test_plain_variable_as_global_step(graph_mode):
    w = tf.Variable(0.0, name="w")
    step = tf.Variable(0, trainable=False, name="step")
    train = tf1.train.AdamOptimizer(0.1).minimize(tf.square(w), global_step=step)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run(train)
        sess.run(train)
        assert sess.run(step) == 2


def test_minimize_with_var_list(graph_mode):
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(1.0, name="b")
    loss = tf.square(a * b - 3.0)
    train = tf1.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=[b])
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run(train)
        a_value, b_value = sess.run([a, b])
    assert a_value == 1.0
    assert b_value == pytest.approx(1.0 - 0.1 * 2 * (1.0 - 3.0) * 1.0)


def test_trainable_false_variables_are_not_updated(graph_mode):
    a = tf.Variable(1.0, name="a")
    frozen = tf.Variable(2.0, trainable=False, name="frozen")
    train = tf1.train.GradientDescentOptimizer(0.1).minimize(tf.square(a * frozen))
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run(train)
        assert sess.run(frozen) == 2.0
        assert sess.run(a) == pytest.approx(1.0 - 0.1 * 2 * 2.0 * 2.0)


def test_compute_gradients_then_clip_then_apply(graph_mode):
    w = tf.Variable([1.0, 2.0], name="w")
    b = tf.Variable(0.5, name="b")
    x = tf1.placeholder(tf.float32, [2], name="x")
    loss = tf.reduce_sum(tf.square(w * x - 1.0)) + b * b
    optimizer = tf1.train.GradientDescentOptimizer(0.1)
    grads_and_vars = optimizer.compute_gradients(loss)
    assert [v for _, v in grads_and_vars] == [w, b]
    clipped = [(tf.clip_by_value(g, -1.0, 1.0), v) for g, v in grads_and_vars]
    step = tf1.train.get_or_create_global_step()
    train = optimizer.apply_gradients(clipped, global_step=step)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        grads = sess.run([g for g, _ in grads_and_vars], {x: [1.0, 1.0]})
        np.testing.assert_allclose(grads[0], [0.0, 2.0])
        assert grads[1] == pytest.approx(1.0)
        sess.run(train, {x: [1.0, 1.0]})
        w_value, b_value, step_value = sess.run([w, b, step])
    np.testing.assert_allclose(w_value, [1.0, 1.9])     # the gradient 2 was clipped to 1
    assert b_value == pytest.approx(0.4) and step_value == 1


@pytest.mark.parametrize("use_tf_clip", [False, True])
def test_clip_by_global_norm_between_compute_and_apply(graph_mode, use_tf_clip):
    w = tf.Variable([3.0, 4.0], name="w")
    optimizer = tf1.train.GradientDescentOptimizer(1.0)
    grads, variables = zip(*optimizer.compute_gradients(tf.reduce_sum(w * w) / 2.0))
    if use_tf_clip:
        if not hasattr(tf, "clip_by_global_norm"):
            pytest.skip("tf.clip_by_global_norm is not implemented yet")
        clipped, norm = tf.clip_by_global_norm(list(grads), 1.0)
    else:
        norm = tf.sqrt(tf.add_n([tf.reduce_sum(g * g) for g in grads]))
        clipped = [g * tf.minimum(1.0, 1.0 / norm) for g in grads]
    train = optimizer.apply_gradients(zip(clipped, variables))
    with tf1.Session() as sess:
        sess.run(w.initializer)
        assert sess.run(norm) == pytest.approx(5.0)
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), [3.0 - 0.6, 4.0 - 0.8], rtol=1e-6)


def test_unconnected_variables_get_none_gradients(graph_mode):
    a = tf.Variable(1.0, name="a")
    unused = tf.Variable(1.0, name="unused")
    grads_and_vars = tf1.train.GradientDescentOptimizer(0.1).compute_gradients(a * a)
    assert grads_and_vars[1] == (None, unused)
    train = tf1.train.GradientDescentOptimizer(0.1).minimize(a * a)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run(train)
        assert sess.run([a, unused]) == [pytest.approx(0.8), 1.0]


def test_learning_rate_fed_through_a_placeholder(graph_mode):
    w = tf.Variable(0.0, name="w")
    learning_rate = tf1.placeholder(tf.float32, [], name="learning_rate")
    train = tf1.train.GradientDescentOptimizer(learning_rate).minimize(tf.square(w - 3.0))
    with tf1.Session() as sess:
        sess.run(w.initializer)
        sess.run(train, {learning_rate: 0.1})
        assert sess.run(w) == pytest.approx(0.6)
        sess.run(train, {learning_rate: 0.5})         # gradient -4.8
        assert sess.run(w) == pytest.approx(0.6 + 2.4)
        with pytest.raises(tf.errors.InvalidArgumentError, match="learning_rate"):
            sess.run(train)


def test_learning_rate_from_a_variable_and_momentum_placeholder(graph_mode):
    w = tf.Variable(0.0, name="w")
    rate = tf.Variable(0.1, trainable=False, name="rate")
    train = tf1.train.MomentumOptimizer(rate, 0.9).minimize(tf.square(w - 3.0))
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run(train)
        sess.run(rate.assign(0.0))
        before = sess.run(w)
        sess.run(train)
        assert sess.run(w) == pytest.approx(before)


def test_two_optimizers_in_one_graph(graph_mode):
    w = tf.Variable(0.0, name="w")
    loss = tf.square(w - 3.0)
    sgd = tf1.train.GradientDescentOptimizer(0.1).minimize(loss)
    adam = tf1.train.AdamOptimizer(0.1).minimize(loss)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run(sgd)
        sess.run(adam)
        assert sess.run(w) == pytest.approx(0.7, rel=1e-5)


def test_linear_regression_fits(graph_mode):
    rng = np.random.default_rng(0)
    xs = rng.uniform(-1, 1, (64, 1)).astype(np.float32)
    ys = 2.0 * xs + 0.5
    x = tf1.placeholder(tf.float32, [None, 1], name="x")
    y = tf1.placeholder(tf.float32, [None, 1], name="y")
    with tf1.variable_scope("linear"):
        w = tf1.get_variable("w", [1, 1], initializer=tf1.zeros_initializer())
        b = tf1.get_variable("b", [1], initializer=tf1.zeros_initializer())
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
    train = tf1.train.GradientDescentOptimizer(0.5).minimize(loss)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        for _ in range(100):
            _, loss_value = sess.run([train, loss], {x: xs, y: ys})
        assert loss_value < 1e-6
        assert sess.run(w)[0, 0] == pytest.approx(2.0, abs=1e-3)
        assert sess.run(b)[0] == pytest.approx(0.5, abs=1e-3)


# ---- learning-rate decays ------------------------------------------------------------------

DECAYS = {
    "exponential": (lambda step: tf1.train.exponential_decay(0.1, step, 10, 0.5),
                    lambda t: 0.1 * 0.5 ** (t / 10)),
    "exponential_staircase": (
        lambda step: tf1.train.exponential_decay(0.1, step, 10, 0.5, staircase=True),
        lambda t: 0.1 * 0.5 ** (t // 10)),
    "natural_exp": (lambda step: tf1.train.natural_exp_decay(0.1, step, 10, 0.5),
                    lambda t: 0.1 * np.exp(-0.5 * t / 10)),
    "inverse_time": (lambda step: tf1.train.inverse_time_decay(0.1, step, 10, 0.5),
                     lambda t: 0.1 / (1 + 0.5 * t / 10)),
    "polynomial": (lambda step: tf1.train.polynomial_decay(0.1, step, 20, 0.01, power=2.0),
                   lambda t: (0.1 - 0.01) * (1 - min(t, 20) / 20) ** 2 + 0.01),
    "polynomial_cycle": (
        lambda step: tf1.train.polynomial_decay(0.1, step, 20, 0.01, cycle=True),
        lambda t: (0.1 - 0.01) * (1 - t / (20 * max(1, np.ceil(t / 20)))) + 0.01),
    "cosine": (lambda step: tf1.train.cosine_decay(0.1, step, 20, alpha=0.1),
               lambda t: 0.1 * (0.9 * 0.5 * (1 + np.cos(np.pi * min(t, 20) / 20)) + 0.1)),
    "piecewise": (lambda step: tf1.train.piecewise_constant(step, [5, 15], [1.0, 0.5, 0.1]),
                  lambda t: 1.0 if t <= 5 else 0.5 if t <= 15 else 0.1),
}


@pytest.mark.parametrize("kind", sorted(DECAYS))
def test_learning_rate_decay_follows_the_global_step(graph_mode, kind):
    make, expected = DECAYS[kind]
    step = tf1.train.get_or_create_global_step()
    rate = make(step)
    with tf1.Session() as sess:
        sess.run(step.initializer)
        for t in (0, 3, 5, 10, 15, 25, 41):
            sess.run(step.assign(t))
            assert sess.run(rate) == pytest.approx(expected(t), rel=1e-5), t


def test_decayed_learning_rate_drives_the_optimizer(graph_mode):
    w = tf.Variable(0.0, name="w")
    step = tf1.train.get_or_create_global_step()
    rate = tf1.train.exponential_decay(0.1, step, 1, 0.5, staircase=True)
    train = tf1.train.GradientDescentOptimizer(rate).minimize(tf.square(w - 3.0),
                                                             global_step=step)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run(train)                     # lr 0.1, gradient -6
        sess.run(train)                     # lr 0.05, gradient -4.8
        assert sess.run(w) == pytest.approx(0.6 + 0.24)
        assert sess.run(rate) == pytest.approx(0.025)


def test_learning_rate_decay_eagerly_is_a_function():
    step = tf.Variable(0, dtype=tf.int64)
    rate = tf1.train.exponential_decay(1.0, step, 2, 0.5, staircase=True)
    assert callable(rate) and float(rate()) == 1.0
    step.assign(4)
    assert float(rate()) == pytest.approx(0.25)
    w = tf.Variable(0.0)
    tf1.train.GradientDescentOptimizer(rate).minimize(lambda: w * 4.0)
    assert w.numpy() == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="one more than the length of boundaries"):
        tf1.train.piecewise_constant(step, [1, 2], [1.0])


# ---- eager use of the TF1 optimizers -----------------------------------------------------------

def test_eager_minimize_with_a_callable_loss():
    w = tf.Variable(0.0)
    optimizer = tf1.train.GradientDescentOptimizer(0.1)
    assert optimizer.minimize(lambda: (w - 3.0) ** 2) is None
    assert w.numpy() == pytest.approx(0.6)
    optimizer.minimize(lambda: (w - 3.0) ** 2, var_list=[w])
    assert w.numpy() == pytest.approx(1.08)
    with pytest.raises(RuntimeError, match="should be a function when eager execution"):
        optimizer.minimize((w - 3.0) ** 2)


def test_eager_adam_and_global_step():
    w = tf.Variable([0.0, 1.0])
    step = tf1.train.get_or_create_global_step()
    optimizer = tf1.train.AdamOptimizer(0.1)
    for _ in range(2):
        optimizer.minimize(lambda: tf.reduce_sum((w - TARGET) ** 2), global_step=step)
    want = _reference(_adam(0.1))
    np.testing.assert_allclose(w.numpy(), want[-1], rtol=1e-5)
    assert int(step.numpy()) == 2


def test_eager_compute_and_apply_gradients():
    w = tf.Variable(2.0)
    optimizer = tf1.train.MomentumOptimizer(0.1, 0.5)
    grads_and_vars = optimizer.compute_gradients(lambda: w * w, var_list=[w])
    assert float(grads_and_vars[0][0]) == pytest.approx(4.0)
    optimizer.apply_gradients([(g * 0.5, v) for g, v in grads_and_vars])
    assert w.numpy() == pytest.approx(2.0 - 0.1 * 2.0)


# ---- Saver -------------------------------------------------------------------------------------

def _model(shape=(2,), extra=None):
    tf1.reset_default_graph()
    v = tf.Variable(np.zeros(shape, np.float32), name="v")
    u = tf.Variable(0, name="u")
    variables = [v, u]
    if extra:
        variables.append(tf.Variable(0.0, name=extra))
    return variables


def test_save_and_restore_in_a_fresh_session(tmp_path):
    v, u = _model()
    saver = tf1.train.Saver()
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run([v.assign([1.5, 2.5]), u.assign(7)])
        path = saver.save(sess, str(tmp_path / "model.ckpt"))
    assert path == str(tmp_path / "model.ckpt")
    assert tf1.train.checkpoint_exists(path)
    v, u = _model()                   # a new graph: the same names, fresh variables
    saver = tf1.train.Saver()
    with tf1.Session() as sess:
        saver.restore(sess, path)
        np.testing.assert_allclose(sess.run(v), [1.5, 2.5])
        assert sess.run(u) == 7
        assert sess.run(v * 2.0)[1] == 5.0


def test_saver_with_a_var_list_dict(tmp_path):
    v, u = _model()
    saver = tf1.train.Saver({"weights": v})
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run(v.assign([1.0, 2.0]))
        path = saver.save(sess, str(tmp_path / "dict"))
    tf1.reset_default_graph()
    other = tf.Variable([0.0, 0.0], name="other_name")
    with tf1.Session() as sess:
        tf1.train.Saver({"weights": other}).restore(sess, path)
        np.testing.assert_allclose(sess.run(other), [1.0, 2.0])


def test_global_step_suffix_max_to_keep_and_checkpoint_file(tmp_path):
    v, u = _model()
    step = tf1.train.get_or_create_global_step()
    saver = tf1.train.Saver(max_to_keep=2)
    prefix = str(tmp_path / "model")
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        paths = []
        for i in range(4):
            sess.run([v.assign_add([1.0, 1.0]), step.assign_add(1)])
            paths.append(saver.save(sess, prefix, global_step=step if i % 2 else i + 1))
    assert paths == [f"{prefix}-{i}" for i in (1, 2, 3, 4)]
    files = sorted(os.listdir(tmp_path))
    assert files == ["checkpoint", "model-3.npz", "model-4.npz"]
    assert saver.last_checkpoints == [f"{prefix}-3", f"{prefix}-4"]
    state = (tmp_path / "checkpoint").read_text()
    assert 'model_checkpoint_path: "model-4"' in state
    assert 'all_model_checkpoint_paths: "model-3"' in state
    assert tf1.train.latest_checkpoint(str(tmp_path)) == f"{prefix}-4"
    assert tf1.train.latest_checkpoint(str(tmp_path / "missing")) is None
    state = tf1.train.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == f"{prefix}-4"
    assert state.all_model_checkpoint_paths == [f"{prefix}-3", f"{prefix}-4"]
    assert tf1.train.get_checkpoint_state(str(tmp_path / "missing")) is None
    v, u = _model()
    with tf1.Session() as sess:
        tf1.train.Saver([v]).restore(sess, tf1.train.latest_checkpoint(str(tmp_path)))
        np.testing.assert_allclose(sess.run(v), [4.0, 4.0])


def _restore_fails(path, error_type, match, **model):
    variables = _model(**model)
    saver = tf1.train.Saver()
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run(variables[1].assign(5))
        with pytest.raises(error_type, match=match):
            saver.restore(sess, path)
        values = sess.run(variables)
    # nothing was changed: every variable keeps the value it had
    assert values[1] == 5 and not np.any(values[0])
    for value in values[2:]:
        assert value == 0.0


@pytest.fixture
def saved(tmp_path):
    v, u = _model()
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run([v.assign([1.0, 2.0]), u.assign(3)])
        return tf1.train.Saver().save(sess, str(tmp_path / "model"))


def test_restore_with_a_mismatched_shape_changes_nothing(saved):
    _restore_fails(saved, tf.errors.InvalidArgumentError,
                   r"Shape mismatch for variable v: the checkpoint has \(2,\), the variable "
                   r"\(3,\)", shape=(3,))


def test_restore_with_a_mismatched_dtype_changes_nothing(saved):
    tf1.reset_default_graph()
    v = tf.Variable(np.zeros(2, np.float32), name="v")
    u = tf.Variable(0.0, name="u")                 # saved as int32
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"dtype mismatch for variable u: the checkpoint has int32, "
                                 r"the variable float32"):
            tf1.train.Saver().restore(sess, saved)
        assert sess.run(v).tolist() == [0.0, 0.0]


def test_restore_with_a_missing_variable_changes_nothing(saved):
    _restore_fails(saved, tf.errors.NotFoundError, r"Key extra not found in checkpoint",
                   extra="extra")


def test_restore_a_missing_file(tmp_path):
    _model()
    with tf1.Session() as sess:
        with pytest.raises(tf.errors.NotFoundError, match="Failed to find any matching files"):
            tf1.train.Saver().restore(sess, str(tmp_path / "nothing"))
        with pytest.raises(ValueError, match="save_path when it is None"):
            tf1.train.Saver().restore(sess, None)


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_restore_a_corrupt_file_raises_data_loss(saved, damage):
    path = saved + ".npz"
    data = open(path, "rb").read()
    with open(path, "wb") as handle:
        handle.write(data[: len(data) // 2] if damage == "truncate" else b"\x00junk" * 50)
    _restore_fails(saved, tf.errors.DataLossError, r"model.npz is corrupt or truncated")


def test_save_is_atomic(tmp_path, monkeypatch):
    v, u = _model()
    saver = tf1.train.Saver()
    prefix = str(tmp_path / "model")
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run(v.assign([1.0, 1.0]))
        saver.save(sess, prefix)
        assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.npz"]
        before = open(prefix + ".npz", "rb").read()

        def failing_savez(handle, **arrays):
            handle.write(b"partial")
            raise OSError("disk full")
        monkeypatch.setattr(np, "savez", failing_savez)
        sess.run(v.assign([2.0, 2.0]))
        with pytest.raises(OSError, match="disk full"):
            saver.save(sess, prefix)
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.npz"]   # no temp files
    assert open(prefix + ".npz", "rb").read() == before


def test_saving_an_uninitialized_variable(tmp_path):
    _model()
    with tf1.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized variable v"):
            tf1.train.Saver().save(sess, str(tmp_path / "model"))
    assert not os.listdir(tmp_path)


def test_saver_needs_variables_and_unique_names(graph_mode):
    with pytest.raises(ValueError, match="No variables to save"):
        tf1.train.Saver()
    a = tf.Variable(1.0, name="same")
    with tf.Graph().as_default():
        b = tf.Variable(1.0, name="same")
    with pytest.raises(ValueError, match="two variables have the same name: same"):
        tf1.train.Saver([a, b])


def test_save_and_restore_optimizer_slots(tmp_path):
    def build():
        tf1.reset_default_graph()
        w = tf.Variable(W0, name="w")
        train = tf1.train.AdamOptimizer(0.1).minimize(tf.reduce_sum(tf.square(w - TARGET)))
        return w, train
    w, train = build()
    saver = tf1.train.Saver()
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run(train)
        path = saver.save(sess, str(tmp_path / "adam"))
        sess.run(train)
        expected = sess.run(w)
    w, train = build()
    with tf1.Session() as sess:
        tf1.train.Saver().restore(sess, path)
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), expected, rtol=1e-6)


# ---- seeded random ops in graph mode -----------------------------------------------------------

def _random_program(graph_seed=None, op_seed=None, sessions=1, runs=2):
    tf1.reset_default_graph()
    if graph_seed is not None:
        tf1.set_random_seed(graph_seed)
    a = tf1.random_uniform([4], seed=op_seed)
    b = tf1.random_normal([3])
    results = []
    for _ in range(sessions):
        with tf1.Session() as sess:
            results.append([sess.run([a, b]) for _ in range(runs)])
    return results


def test_graph_seed_makes_programs_repeat():
    first = _random_program(graph_seed=1)[0]
    second = _random_program(graph_seed=1)[0]
    for (a1, b1), (a2, b2) in zip(first, second):
        np.testing.assert_array_equal(a1, a2)
        np.testing.assert_array_equal(b1, b2)
    # each run draws new numbers
    assert not np.array_equal(first[0][0], first[1][0])
    assert not np.array_equal(first[0][1], first[1][1])
    other = _random_program(graph_seed=2)[0]
    assert not np.array_equal(first[0][0], other[0][0])


def test_op_seed_alone_makes_the_op_repeat():
    first = _random_program(op_seed=7)[0]
    second = _random_program(op_seed=7)[0]
    np.testing.assert_array_equal(first[0][0], second[0][0])
    np.testing.assert_array_equal(first[1][0], second[1][0])
    assert not np.array_equal(first[0][0], first[1][0])


def test_unseeded_programs_differ():
    _random_program(graph_seed=1)        # a seed of an earlier graph does not carry over
    first = _random_program()[0]
    second = _random_program()[0]
    assert not np.array_equal(first[0][0], second[0][0])


def test_each_session_repeats_the_sequence():
    """TF1: random state lives in the session (A1, A2 in session 1, A1, A2 again in 2)."""
    session_1, session_2 = _random_program(graph_seed=3, sessions=2)
    for (a1, b1), (a2, b2) in zip(session_1, session_2):
        np.testing.assert_array_equal(a1, a2)
        np.testing.assert_array_equal(b1, b2)
    unseeded_1, unseeded_2 = _random_program(sessions=2)
    assert not np.array_equal(unseeded_1[0][0], unseeded_2[0][0])


def test_seeded_initializers_repeat_in_a_new_session():
    tf1.reset_default_graph()
    tf1.set_random_seed(0)
    w = tf.Variable(tf1.truncated_normal([5], stddev=0.1), name="w")
    with tf1.Session() as sess:
        sess.run(w.initializer)
        first = sess.run(w)
        sess.run(w.initializer)
        assert not np.array_equal(first, sess.run(w))
    with tf1.Session() as sess:
        sess.run(w.initializer)
        np.testing.assert_array_equal(first, sess.run(w))
