"""tf.estimator: EstimatorSpec checks, training against hand-computed gradient descent,
checkpoints and resuming, evaluation, prediction, hooks, RunConfig, numpy_input_fn and
train_and_evaluate. Models are tiny so that every test runs in a fraction of a second."""
import glob
import logging as py_logging
import os

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.framework import context

tf1 = tf.compat.v1

X = np.array([[1.0], [2.0], [3.0], [4.0], [5.0]], np.float32)
Y = np.array([[2.0], [4.1], [5.9], [8.2], [9.8]], np.float32)
LEARNING_RATE = 0.01


@pytest.fixture(autouse=True)
def eager_program():
    """Each test starts (and ends) as an eager TF2 program."""
    context.state.eager_enabled = True
    yield
    context.state.eager_enabled = True


@pytest.fixture
def info_log(caplog):
    """Captures tf.compat.v1.logging (the "tensorflow" logger, which does not propagate)."""
    logger = py_logging.getLogger("tensorflow")
    saved = logger.level
    logger.addHandler(caplog.handler)
    logger.setLevel(py_logging.INFO)
    yield caplog
    logger.removeHandler(caplog.handler)
    logger.setLevel(saved)


def regression_model_fn(features, labels, mode, params):
    """y = w x with w starting at 0, squared error, plain gradient descent."""
    w = tf1.get_variable("w", shape=[1, 1], initializer=tf1.zeros_initializer())
    predictions = tf.matmul(features, w)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"y": predictions,
                                                             "double": 2.0 * predictions})
    loss = tf.reduce_mean(tf.square(predictions - labels))
    optimizer = tf1.train.GradientDescentOptimizer(params.get("learning_rate", LEARNING_RATE))
    train_op = optimizer.minimize(loss, global_step=tf1.train.get_global_step())
    metrics = {"mae": tf1.metrics.mean_absolute_error(labels, predictions)}
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op,
                                      eval_metric_ops=metrics)


def dataset_input_fn(batch_size=2, epochs=1):
    def input_fn():
        return tf.data.Dataset.from_tensor_slices((X, Y)).repeat(epochs).batch(batch_size)
    return input_fn


def reference_weights(batches):
    """w after gradient descent on the given (x, y) batches, in float64 NumPy."""
    w = 0.0
    for x, y in batches:
        gradient = np.mean(2.0 * (w * x - y) * x)
        w -= LEARNING_RATE * gradient
    return w


def batches_of(size, epochs=1):
    xs, ys = np.tile(X[:, 0], epochs), np.tile(Y[:, 0], epochs)
    return [(xs[i:i + size].astype(np.float64), ys[i:i + size].astype(np.float64))
            for i in range(0, len(xs), size)]


def make_estimator(tmp_path, name="model", **config):
    return tf.estimator.Estimator(regression_model_fn, model_dir=str(tmp_path / name),
                                  params={"learning_rate": LEARNING_RATE},
                                  config=tf.estimator.RunConfig(**config) if config else None)


# ---- ModeKeys, EstimatorSpec, RunConfig ----------------------------------------------------

def test_mode_keys():
    assert (tf.estimator.ModeKeys.TRAIN, tf.estimator.ModeKeys.EVAL,
            tf.estimator.ModeKeys.PREDICT) == ("train", "eval", "infer")
    assert tf1.estimator.ModeKeys is tf.estimator.ModeKeys


def test_estimator_spec_validation():
    with tf.Graph().as_default():
        loss = tf.constant(1.0)
        op = tf.no_op()
        spec = tf.estimator.EstimatorSpec("train", loss=loss, train_op=op)
        assert spec.predictions == {} and spec.eval_metric_ops == {}
        with pytest.raises(ValueError, match="Missing loss"):
            tf.estimator.EstimatorSpec("train", train_op=op)
        with pytest.raises(ValueError, match="Missing train_op"):
            tf.estimator.EstimatorSpec("train", loss=loss)
        with pytest.raises(ValueError, match="Missing predictions"):
            tf.estimator.EstimatorSpec("infer")
        with pytest.raises(ValueError, match="mode='training' unrecognized"):
            tf.estimator.EstimatorSpec("training", loss=loss, train_op=op)
        with pytest.raises(ValueError, match="Loss must be scalar"):
            tf.estimator.EstimatorSpec("eval", loss=tf.constant([1.0, 2.0]))
        with pytest.raises(TypeError, match=r"\(metric_value, update_op\) tuples"):
            tf.estimator.EstimatorSpec("eval", loss=loss, eval_metric_ops={"a": loss})
        with pytest.raises(TypeError, match="must be Tensor or dict"):
            tf.estimator.EstimatorSpec("infer", predictions=[1, 2])
        with pytest.raises(TypeError, match="SessionRunHook instances"):
            tf.estimator.EstimatorSpec("train", loss=loss, train_op=op, training_hooks=[1])
        # a loss of shape (1,) is accepted and reshaped to a scalar
        assert tf.estimator.EstimatorSpec("eval", loss=tf.constant([1.0])).loss.shape == ()
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="must be from the default graph"):
            tf.estimator.EstimatorSpec("eval", loss=loss)


def test_run_config():
    config = tf.estimator.RunConfig()
    assert config.save_checkpoints_secs == 600 and config.save_checkpoints_steps is None
    assert config.keep_checkpoint_max == 5 and config.log_step_count_steps == 100
    assert config.save_summary_steps == 100 and config.is_chief
    steps = config.replace(save_checkpoints_steps=10, tf_random_seed=3)
    assert steps.save_checkpoints_steps == 10 and steps.save_checkpoints_secs is None
    assert steps.tf_random_seed == 3 and config.tf_random_seed is None
    with pytest.raises(ValueError, match="Can not provide both"):
        tf.estimator.RunConfig(save_checkpoints_steps=1, save_checkpoints_secs=1)
    with pytest.raises(ValueError, match="not supported"):
        config.replace(colour="red")


def test_constructor_checks(tmp_path):
    with pytest.raises(ValueError, match="does not include params argument"):
        tf.estimator.Estimator(lambda features, labels, mode: None, params={"a": 1})
    with pytest.raises(ValueError, match="must include features argument"):
        tf.estimator.Estimator(lambda inputs, labels: None)
    with pytest.raises(ValueError, match="set both in constructor and `RunConfig`"):
        tf.estimator.Estimator(regression_model_fn, model_dir=str(tmp_path / "a"),
                               config=tf.estimator.RunConfig(model_dir=str(tmp_path / "b")))
    with pytest.raises(ValueError, match="config must be an instance of `RunConfig`"):
        tf.estimator.Estimator(regression_model_fn, config={"model_dir": "x"})
    estimator = tf.estimator.Estimator(regression_model_fn, params={"learning_rate": 1.0})
    assert os.path.isdir(estimator.model_dir)   # a temporary folder
    assert estimator.params == {"learning_rate": 1.0}


# ---- training ------------------------------------------------------------------------------

def test_train_matches_gradient_descent_and_checkpoints(tmp_path, info_log):
    estimator = make_estimator(tmp_path)
    assert estimator.latest_checkpoint() is None
    assert estimator.train(dataset_input_fn(batch_size=2, epochs=2)) is estimator
    # the two epochs are batched as one stream: 10 examples, 5 batches of 2
    steps = 5
    assert estimator.get_variable_value("global_step") == steps
    expected = reference_weights(batches_of(2, epochs=2))
    np.testing.assert_allclose(estimator.get_variable_value("w"), [[expected]], rtol=1e-5)
    assert sorted(estimator.get_variable_names()) == ["global_step", "w"]
    model_dir = estimator.model_dir
    assert estimator.latest_checkpoint() == os.path.join(model_dir, "model.ckpt-%d" % steps)
    assert os.path.exists(os.path.join(model_dir, "checkpoint"))
    assert sorted(os.path.basename(p) for p in glob.glob(os.path.join(model_dir, "*.npz"))) \
        == ["model.ckpt-0.npz", "model.ckpt-5.npz"]
    messages = [record.getMessage() for record in info_log.records]
    first_loss = np.mean((0.0 * X[:2] - Y[:2]) ** 2)
    assert "loss = %s, step = 1" % np.float32(first_loss) in messages
    assert "Saving checkpoints for 5 into %s." % os.path.join(model_dir, "model.ckpt") \
        in messages
    assert any(m.startswith("Loss for final step:") for m in messages)


def test_train_resumes_from_checkpoint_with_steps_and_max_steps(tmp_path, info_log):
    estimator = make_estimator(tmp_path)
    forever = dataset_input_fn(batch_size=5, epochs=None)
    estimator.train(forever, steps=3)
    assert estimator.get_variable_value("global_step") == 3
    estimator.train(forever, steps=2)       # 2 more steps, from the checkpoint
    assert estimator.get_variable_value("global_step") == 5
    np.testing.assert_allclose(estimator.get_variable_value("w"),
                               [[reference_weights(batches_of(5, epochs=5))]], rtol=1e-5)
    estimator.train(forever, max_steps=7)   # up to global step 7
    assert estimator.get_variable_value("global_step") == 7
    info_log.clear()
    estimator.train(forever, max_steps=7)
    assert "Skipping training since max_steps has already saved." in info_log.messages
    with pytest.raises(ValueError, match="Can not provide both steps and max_steps"):
        estimator.train(forever, steps=1, max_steps=10)
    with pytest.raises(ValueError, match="Must specify steps > 0"):
        estimator.train(forever, steps=0)


def test_estimator_runs_in_graph_mode_inside_an_eager_program(tmp_path):
    assert tf.executing_eagerly()
    seen = {}

    def model_fn(features, labels, mode):
        seen["eager"] = tf.executing_eagerly()
        seen["graph"] = tf1.get_default_graph()
        return regression_model_fn(features, labels, mode, {})
    estimator = tf.estimator.Estimator(model_fn, model_dir=str(tmp_path))
    estimator.train(dataset_input_fn(), steps=1)
    assert seen["eager"] is False and tf.executing_eagerly()
    first_graph = seen["graph"]
    estimator.train(dataset_input_fn(), steps=1)
    assert seen["graph"] is not first_graph      # a fresh graph per call


def test_tensor_tuple_input_fn_and_labels_check(tmp_path):
    def input_fn():
        return tf.constant(X), tf.constant(Y)
    estimator = make_estimator(tmp_path)
    estimator.train(input_fn, steps=4)
    expected = reference_weights([(X[:, 0].astype(np.float64), Y[:, 0].astype(np.float64))] * 4)
    np.testing.assert_allclose(estimator.get_variable_value("w"), [[expected]], rtol=1e-5)

    def no_labels_model_fn(features, mode):
        return regression_model_fn(features, None, mode, {})
    with pytest.raises(ValueError, match="model_fn does not take labels"):
        tf.estimator.Estimator(no_labels_model_fn, str(tmp_path / "b")).train(input_fn, steps=1)
    with pytest.raises(ValueError, match=r"\(features, labels\) as a len 2 tuple"):
        estimator.train(lambda: (tf.constant(X), tf.constant(Y), tf.constant(Y)), steps=1)


def test_nan_loss_stops_training(tmp_path):
    def model_fn(features, labels, mode):
        w = tf.Variable(1.0)
        loss = w * tf.constant(float("nan"))
        train_op = tf1.train.GradientDescentOptimizer(0.1).minimize(
            loss, global_step=tf1.train.get_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    estimator = tf.estimator.Estimator(model_fn, str(tmp_path))
    with pytest.raises(tf.estimator.NanLossDuringTrainingError, match="NaN loss"):
        estimator.train(dataset_input_fn(), steps=3)


def test_hooks_are_called_and_can_stop(tmp_path):
    calls = []

    class Recorder(tf.estimator.SessionRunHook):
        def begin(self):
            self.step = tf1.train.get_global_step()
            calls.append("begin")

        def after_create_session(self, session, coord):
            calls.append("created")

        def before_run(self, run_context):
            return tf.estimator.SessionRunArgs({"step": self.step})

        def after_run(self, run_context, run_values):
            calls.append(int(run_values.results["step"]))
            if run_values.results["step"] >= 3:
                run_context.request_stop()

        def end(self, session):
            calls.append("end")
    estimator = make_estimator(tmp_path)
    estimator.train(dataset_input_fn(batch_size=1, epochs=None), hooks=[Recorder()])
    assert calls == ["begin", "created", 1, 2, 3, "end"]
    assert estimator.get_variable_value("global_step") == 3
    with pytest.raises(TypeError, match="SessionRunHook instances"):
        estimator.train(dataset_input_fn(), hooks=[object()])


def test_checkpoint_interval_and_keep_max_across_runs(tmp_path):
    estimator = make_estimator(tmp_path, save_checkpoints_steps=2, keep_checkpoint_max=3)
    forever = dataset_input_fn(batch_size=5, epochs=None)
    estimator.train(forever, steps=5)

    def kept():
        return sorted(int(p.rsplit("-", 1)[1][:-4])
                      for p in glob.glob(os.path.join(estimator.model_dir, "*.npz")))
    assert kept() == [2, 4, 5]               # 0, 2, 4, 5 saved; the 3 newest kept
    estimator.train(forever, steps=4)       # 5 (start), 7, 9
    assert kept() == [5, 7, 9]
    state = tf1.train.get_checkpoint_state(estimator.model_dir)
    assert [os.path.basename(p) for p in state.all_model_checkpoint_paths] == \
        ["model.ckpt-5", "model.ckpt-7", "model.ckpt-9"]


def test_random_seed_and_warm_start(tmp_path):
    def model_fn(features, labels, mode, params):
        w = tf.Variable(tf1.random_normal([1, 1]), name="w")
        loss = tf.reduce_mean(tf.square(tf.matmul(features, w) - labels))
        train_op = tf1.train.GradientDescentOptimizer(params["lr"]).minimize(
            loss, global_step=tf1.train.get_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    config = tf.estimator.RunConfig(tf_random_seed=7)
    values = []
    for name in ("a", "b"):
        estimator = tf.estimator.Estimator(model_fn, str(tmp_path / name), config=config,
                                           params={"lr": 0.0})
        estimator.train(dataset_input_fn(), steps=1)
        values.append(estimator.get_variable_value("w"))
    np.testing.assert_array_equal(values[0], values[1])
    trained = tf.estimator.Estimator(model_fn, str(tmp_path / "c"), params={"lr": 0.01})
    trained.train(dataset_input_fn(), steps=3)
    warm = tf.estimator.Estimator(model_fn, str(tmp_path / "d"), params={"lr": 0.0},
                                  warm_start_from=trained.model_dir)
    warm.train(dataset_input_fn(), steps=1)
    np.testing.assert_array_equal(warm.get_variable_value("w"),
                                  trained.get_variable_value("w"))
    assert warm.get_variable_value("global_step") == 1   # not warm-started: not trainable


# ---- evaluate and predict ------------------------------------------------------------------

def test_evaluate_averages_batch_losses_and_reports_global_step(tmp_path, info_log):
    estimator = make_estimator(tmp_path)
    estimator.train(dataset_input_fn(batch_size=5), steps=1)
    w = float(estimator.get_variable_value("w")[0, 0])
    result = estimator.evaluate(dataset_input_fn(batch_size=2))
    assert sorted(result) == ["global_step", "loss", "mae"]
    assert result["global_step"] == 1 and isinstance(result["global_step"], np.integer)
    batch_losses = [np.mean((w * x - y) ** 2) for x, y in batches_of(2)]
    np.testing.assert_allclose(result["loss"], np.mean(batch_losses), rtol=1e-5)
    np.testing.assert_allclose(result["mae"], np.mean(np.abs(w * X - Y)), rtol=1e-5)
    assert any(m.startswith("Saving dict for global step 1: global_step = 1, loss = ")
               for m in info_log.messages)
    partial = estimator.evaluate(dataset_input_fn(batch_size=2), steps=1)
    np.testing.assert_allclose(partial["loss"], batch_losses[0], rtol=1e-5)


def test_evaluate_without_checkpoint_and_reserved_loss_name(tmp_path, info_log):
    estimator = make_estimator(tmp_path)
    result = estimator.evaluate(dataset_input_fn(batch_size=5))   # initial weights: w = 0
    np.testing.assert_allclose(result["loss"], np.mean(Y ** 2), rtol=1e-5)
    assert result["global_step"] == 0
    assert any("Could not find trained model in model_dir" in m for m in info_log.messages)

    def model_fn(features, labels, mode):
        loss = tf.reduce_mean(features)
        return tf.estimator.EstimatorSpec(mode, loss=loss,
                                          eval_metric_ops={"loss": tf1.metrics.mean(loss)})
    with pytest.raises(ValueError, match='Metric with name "loss" is not allowed'):
        tf.estimator.Estimator(model_fn, str(tmp_path / "b")).evaluate(dataset_input_fn())


def test_predict_single_examples_batches_and_keys(tmp_path):
    estimator = make_estimator(tmp_path)
    estimator.train(dataset_input_fn(batch_size=5), steps=2)
    w = estimator.get_variable_value("w")

    def features_only():
        return tf.data.Dataset.from_tensor_slices(X).batch(2)
    predictions = list(estimator.predict(features_only))
    assert len(predictions) == 5 and sorted(predictions[0]) == ["double", "y"]
    np.testing.assert_allclose([p["y"] for p in predictions], X @ w, rtol=1e-6)
    only_y = list(estimator.predict(features_only, predict_keys=["y"]))
    assert sorted(only_y[0]) == ["y"]
    batches = list(estimator.predict(features_only, yield_single_examples=False))
    assert [b["y"].shape for b in batches] == [(2, 1), (2, 1), (1, 1)]
    # an input_fn giving (features, labels) works too: the labels are ignored
    assert len(list(estimator.predict(dataset_input_fn()))) == 5
    with pytest.raises(ValueError, match="Expected to run at least one output"):
        next(estimator.predict(features_only, predict_keys=["z"]))


# ---- summaries, numpy_input_fn, train_and_evaluate ----------------------------------------

def test_summaries_in_model_dir(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    def model_fn(features, labels, mode, params):
        spec = regression_model_fn(features, labels, mode, params)
        tf1.summary.scalar("mae_update", spec.eval_metric_ops["mae"][1])
        return spec
    estimator = tf.estimator.Estimator(
        model_fn, str(tmp_path), params={},
        config=tf.estimator.RunConfig(save_summary_steps=2))
    estimator.train(dataset_input_fn(batch_size=1, epochs=None), steps=5)
    estimator.evaluate(dataset_input_fn(batch_size=5))
    train_events = EventAccumulator(str(tmp_path))
    train_events.Reload()
    assert {"loss", "mae_update"} <= set(train_events.Tags()["scalars"])
    assert [e.step for e in train_events.Scalars("loss")] == [1, 3, 5]
    np.testing.assert_allclose(train_events.Scalars("loss")[0].value, Y[0, 0] ** 2, rtol=1e-5)
    eval_events = EventAccumulator(estimator.eval_dir())
    eval_events.Reload()
    assert {"loss", "mae"} <= set(eval_events.Tags()["scalars"])
    assert [e.step for e in eval_events.Scalars("loss")] == [5]


def test_numpy_input_fn(tmp_path):
    inputs = tf1.estimator.inputs
    with pytest.raises(ValueError, match="shuffle must be provided"):
        inputs.numpy_input_fn({"x": X}, Y)
    with pytest.raises(ValueError, match="same number of examples"):
        inputs.numpy_input_fn({"x": X}, Y[:3], shuffle=False)

    def model_fn(features, labels, mode):
        return regression_model_fn(features["x"], labels, mode, {})
    estimator = tf.estimator.Estimator(model_fn, str(tmp_path))
    estimator.train(inputs.numpy_input_fn({"x": X}, Y, batch_size=2, num_epochs=2,
                                          shuffle=False))
    assert estimator.get_variable_value("global_step") == 5
    np.testing.assert_allclose(estimator.get_variable_value("w"),
                               [[reference_weights(batches_of(2, epochs=2))]], rtol=1e-5)
    shuffled = inputs.numpy_input_fn({"x": X}, Y, batch_size=5, num_epochs=1, shuffle=True)
    with tf.Graph().as_default():
        features, labels = shuffled()
        with tf1.Session() as session:
            x, y = session.run([features["x"], labels])
    assert sorted(x[:, 0].tolist()) == X[:, 0].tolist()
    np.testing.assert_array_equal(np.sort(y[:, 0]), Y[:, 0])
    assert dict(zip(x[:, 0], y[:, 0])) == dict(zip(X[:, 0], Y[:, 0]))


def test_train_and_evaluate(tmp_path):
    estimator = make_estimator(tmp_path)
    train_spec = tf.estimator.TrainSpec(dataset_input_fn(batch_size=5, epochs=None),
                                        max_steps=4)
    eval_spec = tf.estimator.EvalSpec(dataset_input_fn(batch_size=5), steps=None)
    result, exports = tf.estimator.train_and_evaluate(estimator, train_spec, eval_spec)
    assert result["global_step"] == 4 and exports == []
    with pytest.raises(ValueError, match="max_steps > 0"):
        tf.estimator.TrainSpec(dataset_input_fn(), max_steps=0)
    with pytest.raises(TypeError, match="`train_spec` must have type"):
        tf.estimator.train_and_evaluate(estimator, None, eval_spec)


def test_keras_layers_in_model_fn_keep_their_names_across_calls(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((32, 4)).astype(np.float32)
    y = (x.sum(axis=1) > 2).astype(np.int32)

    def model_fn(features, labels, mode):
        hidden = tf.keras.layers.Dense(8, activation="relu")(features)
        logits = tf.keras.layers.Dense(2)(hidden)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=logits))
        train_op = tf1.train.GradientDescentOptimizer(0.1).minimize(
            loss, global_step=tf1.train.get_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)

    def input_fn():
        return tf.data.Dataset.from_tensor_slices((x, y)).repeat().batch(8)
    estimator = tf.estimator.Estimator(model_fn, str(tmp_path))
    estimator.train(input_fn, steps=2)
    estimator.train(input_fn, steps=2)      # restores dense/kernel, dense_1/kernel, ...
    assert estimator.evaluate(input_fn, steps=1)["global_step"] == 4
    assert {"dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"} <= set(
        estimator.get_variable_names())
