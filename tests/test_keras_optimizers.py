"""Keras 3 optimizers and learning-rate schedules.

Golden values come from real TensorFlow 2.21 + Keras 3 (tests/fixtures/keras_optimizers.json,
written by tools/make_fixtures_optimizers.py): three steps of fixed gradients on two small
variables, for every optimizer with default and non-default hyper-parameters, compared
eagerly and inside a `tf.function`.
"""
import json
import os
import warnings

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras import optimizers
from tensorflux.keras.optimizers import schedules

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "keras_optimizers.json")
with open(FIXTURE) as _handle:
    GOLDEN = json.load(_handle)

RTOL, ATOL = 1e-5, 1e-7


def _make_optimizer(class_name, config):
    config = dict(config)
    rate = config.get("learning_rate")
    if isinstance(rate, list):
        config["learning_rate"] = getattr(schedules, rate[0])(**rate[1])
    return getattr(optimizers, class_name)(**config)


def _case_id(case):
    config = ",".join(f"{k}={v}" for k, v in sorted(case["config"].items())
                      if k != "learning_rate" or not isinstance(v, list))
    if isinstance(case["config"].get("learning_rate"), list):
        config += f",{case['config']['learning_rate'][0]}"
    return f"{case['class_name']}[{config}]{'-f64' if case['dtype'] == 'float64' else ''}"


def _run_golden(case, mode):
    dtype = case["dtype"]
    optimizer = _make_optimizer(case["class_name"], case["config"])
    kernel = tf.Variable(np.array(GOLDEN["kernel"], dtype=dtype), name="kernel")
    bias = tf.Variable(np.array(GOLDEN["bias"], dtype=dtype), name="bias")
    kernel_grad = np.array(GOLDEN["kernel_grad"], dtype=dtype)
    bias_grad = np.array(GOLDEN["bias_grad"], dtype=dtype)

    def step(gk, gb):
        optimizer.apply_gradients(zip([gk, gb], [kernel, bias]))

    if mode == "function":
        step = tf.function(step)
    for scale in GOLDEN["scales"]:
        step(tf.constant(kernel_grad * np.asarray(scale, dtype)),
             tf.constant(bias_grad * np.asarray(scale, dtype)))
    if mode == "function":
        assert step.experimental_get_tracing_count() == 1
    return optimizer, kernel, bias


@pytest.mark.parametrize("mode", ["eager", "function"])
@pytest.mark.parametrize("case", GOLDEN["optimizers"], ids=_case_id)
def test_matches_keras_after_three_steps(case, mode):
    optimizer, kernel, bias = _run_golden(case, mode)
    np.testing.assert_allclose(kernel.numpy(), case["kernel"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(bias.numpy(), case["bias"], rtol=RTOL, atol=ATOL)
    assert kernel.dtype.name == case["dtype"]
    mine = {v.name.split(":")[0]: v for v in optimizer.variables}
    for name, expected in case["optimizer_variables"].items():
        if name.startswith("variable"):   # Nadam's unnamed momentum product
            name = "u_product"
        assert name in mine, (name, sorted(mine))
        np.testing.assert_allclose(mine[name].numpy(), expected, rtol=RTOL, atol=ATOL,
                                   err_msg=name)
    assert len(mine) == len(case["optimizer_variables"])
    for name, variable in mine.items():
        if name.endswith(("momentum", "velocity", "velocity_hat", "accumulator", "linear")):
            assert variable.dtype.name == case["dtype"], name   # slots follow the variable
        assert not variable.trainable


@pytest.mark.parametrize("case", GOLDEN["optimizers"], ids=_case_id)
def test_get_config_matches_keras(case):
    optimizer = _make_optimizer(case["class_name"], case["config"])
    config = optimizer.get_config()
    config.pop("name")
    expected = dict(case["get_config"])
    assert sorted(config) == sorted(expected)
    for key, value in expected.items():
        if isinstance(value, float):
            assert config[key] == pytest.approx(value, rel=1e-6), key
        else:
            assert config[key] == value, key
    clone = type(optimizer).from_config(optimizer.get_config())
    assert clone.get_config() == optimizer.get_config()


# ---- schedules -------------------------------------------------------------------------------

def _schedule_id(case):
    return case["class_name"] + "[" + ",".join(f"{k}={v}" for k, v in
                                               sorted(case["config"].items())) + "]"


@pytest.mark.parametrize("case", GOLDEN["schedules"], ids=_schedule_id)
def test_schedule_values_match_keras(case):
    schedule = getattr(schedules, case["class_name"])(**case["config"])
    steps = GOLDEN["schedule_steps"]
    values = [float(schedule(step)) for step in steps]
    np.testing.assert_allclose(values, case["values"], rtol=RTOL, atol=1e-8)
    step_variable = tf.Variable(np.int64(0))
    at_variable = []
    for step in steps:
        step_variable.assign(np.int64(step))
        at_variable.append(float(schedule(step_variable)))
    np.testing.assert_allclose(at_variable, case["values_at_int64_step"], rtol=RTOL, atol=1e-8)
    # traced once, the schedule reads the step variable on every call
    traced = tf.function(lambda: schedule(step_variable))
    in_function = []
    for step in steps:
        step_variable.assign(np.int64(step))
        in_function.append(float(traced()))
    np.testing.assert_allclose(in_function, case["values_at_int64_step"], rtol=RTOL, atol=1e-8)
    assert schedule.get_config() == case["get_config"]
    assert schedules.serialize(schedule) == case["serialized"]
    clone = schedules.deserialize(schedules.serialize(schedule))
    assert type(clone) is type(schedule) and clone.get_config() == schedule.get_config()


def test_schedule_argument_errors():
    with pytest.raises(ValueError, match="decay_steps` must be > 0"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="1 less than the length of values"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0, 0.5])
    with pytest.raises(ValueError, match="Unknown decay"):
        schedules.deserialize({"class_name": "NoSuchDecay", "config": {}})


def test_custom_schedule_serializes_with_custom_objects():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, step):
            return self.rate / (tf.cast(step, tf.float32) + 1.0)

        def get_config(self):
            return {"rate": self.rate}

    optimizer = optimizers.SGD(learning_rate=Halving(0.2))
    w = tf.Variable(1.0)
    for _ in range(2):
        optimizer.apply_gradients([(tf.constant(1.0), w)])
    assert float(w.numpy()) == pytest.approx(1.0 - 0.2 - 0.1)
    config = optimizers.serialize(optimizer)
    clone = optimizers.deserialize(config, custom_objects={"Halving": Halving})
    assert isinstance(clone._learning_rate, Halving) and clone._learning_rate.rate == 0.2


# ---- the seed program: one step of a 1-weight linear model (deck 004h) -------------------------

@pytest.mark.parametrize("make, expected", [
    (lambda: optimizers.SGD(learning_rate=0.1), 0.8),
    (lambda: optimizers.Adam(), 0.999),
    (lambda: optimizers.RMSprop(), 0.996838),
])
def test_seed_program_one_step(make, expected):
    w = tf.Variable(np.ones((1, 1), np.float32))
    x, y = tf.constant([[1.0]]), tf.constant([[0.0]])
    optimizer = make()
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    grads = tape.gradient(loss, [w])
    assert float(grads[0].numpy()[0, 0]) == pytest.approx(2.0)
    optimizer.apply_gradients(zip(grads, [w]))
    assert abs(float(w.numpy()[0, 0]) - expected) < 2e-6


# ---- graph mode: a compiled train step --------------------------------------------------------

def _regression_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    return tf.constant(x), tf.constant(y)


@pytest.mark.parametrize("make", [
    lambda: optimizers.Adam(learning_rate=schedules.ExponentialDecay(0.05, 1, 0.9)),
    lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True, clipnorm=1.0),
    lambda: optimizers.RMSprop(0.01, centered=True, momentum=0.5),
    lambda: optimizers.Nadam(0.01, weight_decay=0.01),
    lambda: optimizers.AdamW(0.01, global_clipnorm=0.5, use_ema=True,
                             ema_overwrite_frequency=2),
], ids=["adam-schedule", "sgd-nesterov-clipnorm", "rmsprop-centered", "nadam-wd", "adamw-ema"])
def test_function_train_step_equals_eager_steps(make):
    x, y = _regression_data()
    results = {}
    for mode in ("eager", "function"):
        kernel = tf.Variable(np.zeros((3, 1), np.float32), name="kernel")
        bias = tf.Variable(np.zeros((1,), np.float32), name="bias")
        optimizer = make()

        def train_step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, kernel) + bias - y))
            grads = tape.gradient(loss, [kernel, bias])
            optimizer.apply_gradients(zip(grads, [kernel, bias]))
            return loss

        if mode == "function":
            train_step = tf.function(train_step)
        losses = [float(train_step(x, y)) for _ in range(3)]
        if mode == "function":
            assert train_step.experimental_get_tracing_count() == 1
        results[mode] = (losses, kernel.numpy(), bias.numpy(), optimizer.iterations.numpy())
    eager, traced = results["eager"], results["function"]
    np.testing.assert_allclose(traced[0], eager[0], rtol=1e-6)
    np.testing.assert_allclose(traced[1], eager[1], rtol=1e-6)
    np.testing.assert_allclose(traced[2], eager[2], rtol=1e-6)
    assert eager[3] == traced[3] == 3
    assert eager[0][-1] < eager[0][0]


def test_learning_rate_assignment_reaches_a_traced_step():
    w = tf.Variable(1.0)
    optimizer = optimizers.SGD(learning_rate=0.1)

    @tf.function
    def step():
        optimizer.apply_gradients([(tf.constant(1.0), w)])

    step()
    optimizer.learning_rate = 0.5
    step()
    optimizer.learning_rate.assign(0.25)
    step()
    assert float(w.numpy()) == pytest.approx(1.0 - 0.1 - 0.5 - 0.25)
    assert step.experimental_get_tracing_count() == 1
    assert optimizer.iterations.numpy() == 3


def test_tf1_graph_minimize_in_a_session():
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable(1.0, name="w")
        loss = w * w
        optimizer = optimizers.SGD(learning_rate=0.1, momentum=0.5)
        train = optimizer.minimize(loss, var_list=[w])
        init = tf.global_variables_initializer()
        with tf.Session() as session:
            session.run(init)
            session.run(train)
            session.run(train)
            value, steps = session.run([w, optimizer.iterations])
    # m1 = -0.2, w1 = 0.8; m2 = -0.1 - 0.16 = -0.26, w2 = 0.54
    assert value == pytest.approx(0.54)
    assert steps == 2


# ---- API details -------------------------------------------------------------------------------

def test_update_is_in_place():
    w = tf.Variable(np.ones((2, 2), np.float32))
    optimizer = optimizers.Adam()
    optimizer.apply_gradients([(tf.ones((2, 2)), w)])
    storage = w._value
    slots = [v._value for v in optimizer.variables]
    optimizer.apply_gradients([(tf.ones((2, 2)), w)])
    assert w._value is storage
    assert all(v._value is s for v, s in zip(optimizer.variables, slots))


def test_legacy_lr_argument_and_alias():
    with pytest.warns(DeprecationWarning, match="learning_rate"):
        optimizer = optimizers.SGD(lr=5e-2)
    assert float(optimizer.learning_rate) == pytest.approx(0.05)
    assert float(optimizer.lr.numpy()) == pytest.approx(0.05)
    optimizer.lr = 0.2
    assert float(optimizer.learning_rate.numpy()) == pytest.approx(0.2)
    with pytest.warns(UserWarning, match="decay"):
        optimizers.SGD(learning_rate=0.01, decay=1e-6, momentum=0.9, nesterov=True)
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Adam(bogus=1)
    for alias, cls in (("sgd", "SGD"), ("adam", "Adam"), ("rmsprop", "RMSprop"),
                       ("adagrad", "Adagrad"), ("adadelta", "Adadelta")):
        assert getattr(optimizers, alias) is getattr(optimizers, cls)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert isinstance(optimizers.rmsprop(lr=0.01), optimizers.RMSprop)
    assert optimizers.legacy.Adam is optimizers.Adam


def test_names_and_variables():
    from tensorflux.keras.optimizers import base
    base.reset_names()
    assert optimizers.Adam().name == "adam"
    assert optimizers.Adam().name == "adam_1"
    assert optimizers.RMSprop().name == "rm_sprop"
    w = tf.Variable([1.0, 2.0], name="w")
    optimizer = optimizers.Adam(name="opt")
    optimizer.apply_gradients([(tf.constant([0.1, 0.2]), w)])
    names = [v.name for v in optimizer.variables]
    assert names == ["iteration:0", "learning_rate:0", "w_0_momentum:0", "w_0_velocity:0"]
    assert optimizer.variables() == optimizer.variables   # Keras 2 called it
    assert optimizer.iterations.dtype == tf.int64
    weights = optimizer.get_weights()
    fresh = optimizers.Adam()
    fresh.build([w])
    fresh.set_weights(weights)
    for a, b in zip(fresh.get_weights(), weights):
        np.testing.assert_array_equal(a, b)


def test_get_serialize_deserialize():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("Adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    instance = optimizers.SGD()
    assert optimizers.get(instance) is instance
    assert optimizers.get(None) is None
    config = {"class_name": "SGD", "config": {"learning_rate": 0.5, "momentum": 0.9}}
    sgd = optimizers.get(config)
    assert float(sgd.learning_rate.numpy()) == 0.5 and sgd.momentum == 0.9
    serialized = optimizers.serialize(optimizers.Adam(learning_rate=0.01, amsgrad=True))
    assert serialized["module"] == "keras.optimizers" and serialized["class_name"] == "Adam"
    clone = optimizers.deserialize(serialized)
    assert isinstance(clone, optimizers.Adam) and clone.amsgrad
    assert float(clone.learning_rate.numpy()) == pytest.approx(0.01)
    scheduled = optimizers.SGD(learning_rate=schedules.CosineDecay(0.1, 10))
    clone = optimizers.deserialize(optimizers.serialize(scheduled))
    assert isinstance(clone._learning_rate, schedules.CosineDecay)
    with pytest.raises(ValueError, match="Could not interpret optimizer"):
        optimizers.get("no_such_optimizer")
    with pytest.raises(ValueError, match="Could not interpret optimizer"):
        optimizers.get(42)


def test_schedule_learning_rate_is_not_settable_to_a_float():
    optimizer = optimizers.SGD(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5))
    assert float(optimizer.learning_rate) == pytest.approx(0.1)
    with pytest.raises(TypeError, match="not settable"):
        optimizer.learning_rate = 0.01
    optimizer.learning_rate = schedules.ExponentialDecay(0.2, 10, 0.5)
    assert float(optimizer.learning_rate) == pytest.approx(0.2)


def test_callable_learning_rate():
    w = tf.Variable(1.0)
    optimizer = optimizers.SGD(learning_rate=lambda: 0.25)
    optimizer.apply_gradients([(tf.constant(1.0), w)])
    assert float(w.numpy()) == pytest.approx(0.75)


def test_none_gradients_are_skipped():
    a, b = tf.Variable(1.0, name="a"), tf.Variable(2.0, name="b")
    optimizer = optimizers.SGD(0.1)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        optimizer.apply_gradients([(tf.constant(1.0), a), (None, b)])
    assert float(a.numpy()) == pytest.approx(0.9) and float(b.numpy()) == 2.0
    with pytest.raises(ValueError, match="No gradients provided"):
        optimizer.apply_gradients([(None, a)])


def test_minimize_callable_and_tape():
    w = tf.Variable(3.0)
    optimizer = optimizers.SGD(0.1)
    optimizer.minimize(lambda: w * w, [w])
    assert float(w.numpy()) == pytest.approx(3.0 - 0.6)
    with tf.GradientTape() as tape:
        loss = w * w
    optimizer.minimize(loss, [w], tape=tape)
    assert float(w.numpy()) == pytest.approx(2.4 - 0.48)
    with pytest.raises(ValueError, match="tape"):
        optimizer.minimize(w * w, [w])


def test_constraints_are_applied_after_the_update():
    w = tf.Variable([0.5, -0.5], constraint=lambda v: tf.clip_by_value(v, 0.0, 1.0))
    optimizers.SGD(1.0).apply_gradients([(tf.constant([-1.0, -1.0]), w)])
    np.testing.assert_allclose(w.numpy(), [1.0, 0.5])


def test_exclude_from_weight_decay():
    kernel, bias = tf.Variable(1.0, name="kernel"), tf.Variable(1.0, name="bias")
    optimizer = optimizers.SGD(0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    optimizer.apply_gradients([(tf.constant(0.0), kernel), (tf.constant(0.0), bias)])
    assert float(kernel.numpy()) == pytest.approx(0.95)
    assert float(bias.numpy()) == 1.0
    with pytest.raises(ValueError, match="before the optimizer is built"):
        optimizer.exclude_from_weight_decay(var_names=["kernel"])


def test_ema_finalize_and_unsupported_options():
    w = tf.Variable(1.0)
    optimizer = optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5)
    for _ in range(2):
        optimizer.apply_gradients([(tf.constant(1.0), w)])
    # average: step 0 -> 0.9; step 1 -> 0.5 * 0.9 + 0.5 * 0.8 = 0.85
    optimizer.finalize_variable_values([w])
    assert float(w.numpy()) == pytest.approx(0.85)
    with pytest.raises(NotImplementedError, match="gradient_accumulation_steps"):
        optimizers.Adam(gradient_accumulation_steps=4)
    with pytest.raises(ValueError, match="Only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="AdamW|weight_decay"):
        optimizers.AdamW(weight_decay=None)


def test_loss_scale_factor_unscales_gradients():
    w = tf.Variable(1.0)
    optimizer = optimizers.SGD(0.1, loss_scale_factor=4.0)
    assert float(optimizer.scale_loss(tf.constant(2.0))) == 8.0
    optimizer.apply_gradients([(tf.constant(4.0), w)])
    assert float(w.numpy()) == pytest.approx(0.9)


def test_custom_optimizer_subclass():
    class SignSGD(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)

        def build(self, variables):
            super().build(variables)
            self.counts = [self.add_variable_from_reference(v, "count") for v in variables]

        def update_step(self, gradient, variable, learning_rate):
            count = self.counts[self._get_variable_index(variable)]
            self.assign_add(count, tf.ones_like(gradient))
            self.assign_sub(variable, tf.sign(gradient) * tf.cast(learning_rate, tf.float32))

    w = tf.Variable([1.0, 1.0], name="w")
    optimizer = SignSGD(weight_decay=0.5)
    step = tf.function(lambda g: optimizer.apply_gradients([(g, w)]))
    step(tf.constant([3.0, -2.0]))
    step(tf.constant([3.0, -2.0]))
    # each step: w -= 0.5 * 0.1 * w, then w -= 0.1 * sign(g)
    expected = np.array([1.0, 1.0])
    for _ in range(2):
        expected = expected - 0.05 * expected - 0.1 * np.array([1.0, -1.0])
    np.testing.assert_allclose(w.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(optimizer.counts[0].numpy(), [2.0, 2.0])
    assert optimizer.counts[0].name == "w_0_count:0"


def test_optimizer_reused_for_new_variables():
    optimizer = optimizers.Adam(0.1)
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    optimizer.apply_gradients([(tf.constant(1.0), a)])
    optimizer.apply_gradients([(tf.constant(1.0), b)])
    assert float(b.numpy()) < 2.0
    assert len(optimizer.variables) == 2 + 2 * 2


def test_float64_variables_get_float64_slots():
    w = tf.Variable(np.ones(3, np.float64))
    optimizer = optimizers.RMSprop(momentum=0.9, centered=True)
    optimizer.apply_gradients([(tf.constant(np.ones(3, np.float32)), w)])  # grad is cast
    assert w.dtype == tf.float64
    assert all(v.dtype == tf.float64 for v in optimizer.variables[2:])


def test_save_and_load_own_variables():
    w = tf.Variable(np.arange(3, dtype=np.float32), name="w")
    optimizer = optimizers.Adam(learning_rate=0.01)
    for _ in range(2):
        optimizer.apply_gradients([(tf.ones(3), w)])
    store = {}
    optimizer.save_own_variables(store)
    assert sorted(store) == ["0", "1", "2", "3"] and int(store["0"]) == 2
    restored = optimizers.Adam(learning_rate=0.5)
    restored.build([w])
    restored.load_own_variables(store)
    assert int(restored.iterations.numpy()) == 2
    assert float(restored.learning_rate.numpy()) == pytest.approx(0.01)
    for a, b in zip(restored.variables, optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        optimizers.Adam().load_own_variables(store)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_updates_large_variables_slice_by_slice_with_identical_results(monkeypatch,
                                                                            amsgrad):
    from tensorflux.kernels import keras_optimizers as kernels
    start = np.random.default_rng(0).standard_normal((70, 30)).astype(np.float32)
    grads = [np.random.default_rng(step).standard_normal((70, 30)).astype(np.float32)
             for step in range(3)]
    results = []
    for chunk in (10 ** 9, 512, 97):  # whole; slices; slices with a ragged last one
        monkeypatch.setattr(kernels, "CHUNK_ELEMENTS", chunk)
        variable = tf.Variable(start)
        optimizer = optimizers.Adam(0.01, amsgrad=amsgrad)
        for grad in grads:
            optimizer.apply_gradients([(tf.constant(grad), variable)])
        results.append(variable.numpy())
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[0], results[2])
    assert not np.array_equal(results[0], start)


class _OneAtATimeAdam(optimizers.Adam):
    """Adam through its per-variable `update_step` (as for a subclass overriding it)."""

    def update_step(self, gradient, variable, learning_rate):
        return super().update_step(gradient, variable, learning_rate)


class _OneAtATimeAdamW(optimizers.AdamW):
    def update_step(self, gradient, variable, learning_rate):
        return super().update_step(gradient, variable, learning_rate)


@pytest.mark.parametrize("together, one_at_a_time, kwargs", [
    (optimizers.Adam, _OneAtATimeAdam, {}),
    (optimizers.Adam, _OneAtATimeAdam, {"amsgrad": True}),
    (optimizers.AdamW, _OneAtATimeAdamW, {"weight_decay": 0.01}),
], ids=["adam", "amsgrad", "adamw"])
@pytest.mark.parametrize("traced", [False, True], ids=["eager", "function"])
def test_adam_updating_variables_together_equals_one_at_a_time(together, one_at_a_time,
                                                                kwargs, traced):
    # Built-in Adam updates all variables of a dtype in one KerasApplyAdamMany (the small
    # ones through shared flat buffers); it must equal the per-variable update bit for bit,
    # with mixed sizes (small, sliced, large), dtypes and a variable excluded from decay.
    from tensorflux.kernels import keras_optimizers
    rng = np.random.default_rng(3)
    shapes = [(3,), (4, 5), (keras_optimizers.SMALL_ELEMENTS + 7,),
              (keras_optimizers.CHUNK_ELEMENTS + 11,), (2, 2), (6,)]
    kinds = [np.float32, np.float32, np.float32, np.float32, np.float64, np.float64]
    initial = [rng.standard_normal(s).astype(d) for s, d in zip(shapes, kinds)]
    grads = [[rng.standard_normal(s).astype(d) for s, d in zip(shapes, kinds)]
             for _ in range(3)]
    results = []
    for make in (together, one_at_a_time):
        variables = [tf.Variable(a, name=f"w{i}") for i, a in enumerate(initial)]
        optimizer = make(learning_rate=0.01, **kwargs)
        if "weight_decay" in kwargs:
            optimizer.exclude_from_weight_decay(var_list=[variables[1]])

        def step(gs, optimizer=optimizer, variables=variables):
            optimizer.apply_gradients(zip(gs, variables))

        if traced:
            step = tf.function(step)
        for gs in grads:
            step([tf.constant(g) for g in gs])
        results.append([v.numpy() for v in variables]
                       + [v.numpy() for v in optimizer.variables])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(results[0][1], initial[1])
