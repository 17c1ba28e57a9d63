"""tf.function: tracing per input signature, variables, side effects, methods, train steps."""
import numpy as np
import pytest

import tensorflux as tf


def test_traces_once_per_signature():
    traces = []

    @tf.function
    def f(x):
        traces.append(1)      # a Python side effect: runs only while tracing
        return x * 2.0

    assert float(f(tf.constant(1.0))) == 2.0
    assert float(f(tf.constant(5.0))) == 10.0
    assert len(traces) == 1
    assert f(tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 4.0]   # new shape
    assert len(traces) == 2
    f(tf.constant([3.0, 4.0]))
    assert len(traces) == 2
    f(tf.constant(1.0, dtype=tf.float64))                              # new dtype
    assert len(traces) == 3
    assert f.experimental_get_tracing_count() == 3


def test_retraces_on_new_python_argument_values():
    traces = []

    @tf.function
    def scale(x, factor, square=False):
        traces.append(factor)
        y = x * factor
        return y * y if square else y

    x = tf.constant(3.0)
    assert float(scale(x, 2)) == 6.0
    assert float(scale(x, 2)) == 6.0
    assert float(scale(x, 3)) == 9.0
    assert float(scale(x, 3, square=True)) == 81.0
    assert traces == [2, 3, 3]


def test_input_signature_with_none_dims_traces_once():
    traces = []

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def row_sums(x):
        traces.append(1)
        return tf.reduce_sum(x, axis=1)

    for batch in (1, 2, 7):
        out = row_sums(tf.ones([batch, 3]))
        assert out.numpy().tolist() == [3.0] * batch
    assert row_sums(np.ones([4, 3], np.float32)).shape == (4,)
    assert len(traces) == 1
    with pytest.raises(ValueError, match="input_signature"):
        row_sums(tf.ones([2, 4]))


def test_numpy_and_tensor_arguments_give_same_results():
    @tf.function
    def f(x):
        return tf.reduce_mean(x * x)

    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert float(f(data)) == pytest.approx(float(f(tf.constant(data))))


def test_variables_created_only_on_first_trace():
    class Scale(tf.Module):
        def __init__(self):
            super().__init__()
            self.v = None

        @tf.function
        def __call__(self, x):
            if self.v is None:
                self.v = tf.Variable(2.0)
            return self.v * x

    module = Scale()
    assert float(module(tf.constant(3.0))) == 6.0
    assert float(module(tf.constant([1.0, 2.0]))[1]) == 4.0   # a retrace, no new variable
    assert len(module.trainable_variables) == 1

    @tf.function
    def make(x):
        return tf.Variable(1.0) * x

    make(tf.constant(1.0))
    with pytest.raises(ValueError, match="create variables"):
        make(tf.constant([1.0, 2.0]))


def test_assign_add_keeps_program_order():
    v = tf.Variable(1.0)

    @tf.function
    def update():
        before = v.read_value()
        v.assign_add(1.0)
        middle = v.read_value()
        v.assign(v * 10.0)
        return before, middle, v.read_value()

    assert [float(t) for t in update()] == [1.0, 2.0, 20.0]
    assert [float(t) for t in update()] == [20.0, 21.0, 210.0]
    assert float(v.numpy()) == 210.0


def test_stateful_ops_run_even_when_not_returned():
    counter = tf.Variable(0)

    @tf.function
    def tick(x):
        counter.assign_add(1)
        return x + 1

    for _ in range(3):
        tick(tf.constant(0))
    assert int(counter.numpy()) == 3


def test_tf_print_prints_at_each_call(capsys):
    traces = []

    @tf.function
    def show(x):
        traces.append(1)
        tf.print("value:", x, output_stream="stdout")
        return x

    show(tf.constant(1.5))
    show(tf.constant(2.5))
    assert capsys.readouterr().out == "value: 1.5\nvalue: 2.5\n"
    assert len(traces) == 1


def test_methods_on_module_trace_per_instance():
    class Dense(tf.Module):
        def __init__(self, scale):
            super().__init__()
            self.w = tf.Variable(np.full((2, 2), scale, np.float32))
            self.traces = 0

        @tf.function
        def __call__(self, x):
            self.traces += 1
            return tf.matmul(x, self.w)

    a, b = Dense(1.0), Dense(2.0)
    x = tf.ones([1, 2])
    assert a(x).numpy().tolist() == [[2.0, 2.0]]
    assert b(x).numpy().tolist() == [[4.0, 4.0]]
    a(x)
    assert (a.traces, b.traces) == (1, 1)
    a.w.assign(np.zeros((2, 2), np.float32))      # the variable is read at run time
    assert a(x).numpy().tolist() == [[0.0, 0.0]]


def _make_model():
    rng = np.random.default_rng(0)
    return {"w": tf.Variable(rng.normal(size=(3, 2)).astype(np.float32)),
            "b": tf.Variable(np.zeros(2, np.float32))}


def _train_step(model, x, y, learning_rate=0.1):
    with tf.GradientTape() as tape:
        logits = tf.matmul(x, model["w"]) + model["b"]
        loss = tf.reduce_mean(tf.square(tf.tanh(logits) - y))
    grads = tape.gradient(loss, [model["w"], model["b"]])
    for variable, grad in zip([model["w"], model["b"]], grads):
        variable.assign_sub(learning_rate * grad)
    return loss


def test_train_step_in_function_matches_eager():
    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(size=(8, 3)).astype(np.float32))
    y = tf.constant(rng.uniform(-0.5, 0.5, size=(8, 2)).astype(np.float32))
    eager_model, function_model = _make_model(), _make_model()
    compiled = tf.function(_train_step)
    eager_losses, function_losses = [], []
    for _ in range(5):
        eager_losses.append(float(_train_step(eager_model, x, y)))
        function_losses.append(float(compiled(function_model, x, y)))
    np.testing.assert_allclose(function_losses, eager_losses, rtol=1e-5)
    assert function_losses[-1] < function_losses[0]
    for key in ("w", "b"):
        np.testing.assert_allclose(function_model[key].numpy(), eager_model[key].numpy(),
                                   rtol=1e-5, atol=1e-6)
    assert compiled.experimental_get_tracing_count() == 1


def test_outer_tape_sees_function_ops():
    w = tf.Variable([1.0, -2.0])

    @tf.function
    def loss(x):
        return tf.reduce_sum(tf.sin(w * x))

    x = tf.constant([0.5, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = loss(x)
    grad_w, grad_x = tape.gradient(value, [w, x])
    np.testing.assert_allclose(grad_w.numpy(), np.cos(w.numpy() * x.numpy()) * x.numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(grad_x.numpy(), np.cos(w.numpy() * x.numpy()) * w.numpy(),
                               rtol=1e-6)


def test_tape_inside_function_higher_order():
    @tf.function
    def second_derivative(x):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = x ** 3
            dy = inner.gradient(y, x)
        return dy, outer.gradient(dy, x)

    dy, d2y = second_derivative(tf.constant(2.0))
    assert (float(dy), float(d2y)) == (12.0, 12.0)


def test_function_returns_structures_and_python_values():
    @tf.function
    def f(x):
        return {"double": x * 2, "pair": (x, 3), "none": None}

    out = f(tf.constant(1.0))
    assert float(out["double"]) == 2.0
    assert float(out["pair"][0]) == 1.0 and out["pair"][1] == 3
    assert out["none"] is None


def test_concrete_function_and_errors_at_run_time():
    @tf.function
    def divide_rows(x):
        return tf.reshape(x, [-1, 4])

    concrete = divide_rows.get_concrete_function(tf.TensorSpec([None], tf.float32))
    assert concrete(tf.zeros([8])).shape == (2, 4)
    with pytest.raises(tf.errors.InvalidArgumentError):
        concrete(tf.zeros([7]))


def test_function_inside_graph_mode_inlines():
    @tf.function
    def f(x):
        return x + 1.0

    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [])
        y = f(x)
        with tf.compat.v1.Session() as sess:
            assert sess.run(y, {x: 1.0}) == 2.0
