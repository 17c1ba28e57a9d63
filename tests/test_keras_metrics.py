"""keras.metrics against real Keras 3 results (tests/fixtures/keras_losses_metrics.json, made by
tools/make_fixtures_losses_metrics.py): each metric after two update_state calls, eagerly,
inside tf.function and in a TF1 Session; configs, lookup, compile helpers and errors."""
import json
import re
import warnings

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras import losses, metrics

from helpers import decode, load_losses_metrics_fixture

FIXTURE = load_losses_metrics_fixture()

RTOL, ATOL = 1e-5, 1e-6

METRIC_DATA = {name: (decode(d["y_true"]), decode(d["y_pred"]))
               for name, d in FIXTURE["metric_data"].items()}
CASES = FIXTURE["metric_cases"]


def _case_id(case):
    return f"{case['class_name']}{json.dumps(case['config'], sort_keys=True)}"


def _inputs(update):
    y_true, y_pred = METRIC_DATA[update["data"]]
    return y_true, y_pred, decode(update["sample_weight"])


def _update_eager(metric, update):
    y_true, y_pred, sample_weight = _inputs(update)
    if y_pred is None:
        metric.update_state(y_true, sample_weight=sample_weight)
    else:
        metric.update_state(y_true, y_pred, sample_weight=sample_weight)
    return metric.result()


def _update_function(metric, update):
    y_true, y_pred, sample_weight = _inputs(update)
    weight = None if sample_weight is None else tf.constant(sample_weight)

    @tf.function
    def step(a, b, w):
        if b is None:
            metric.update_state(a, sample_weight=w)
        else:
            metric.update_state(a, b, sample_weight=w)
        return metric.result()

    return step(tf.constant(y_true), None if y_pred is None else tf.constant(y_pred), weight)


def _check(result, expected, case, step):
    np.testing.assert_allclose(np.asarray(result), np.asarray(expected, dtype=np.float64),
                               rtol=RTOL, atol=ATOL,
                               err_msg=f"{_case_id(case)} after update {step + 1}")


@pytest.mark.parametrize("mode", ["eager", "function"])
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_metric_matches_keras(case, mode):
    metric = getattr(metrics, case["class_name"])(**case["config"])
    update = _update_eager if mode == "eager" else _update_function
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for step, (entry, expected) in enumerate(zip(case["updates"], case["expected"])):
            _check(update(metric, entry), expected, case, step)
    metric.reset_state()
    if case["after_reset"] is not None:
        _check(metric.result(), case["after_reset"], case, -1)
    assert sorted(v._metric_name for v in metric.variables) == sorted(case["variables"])


def _comparable(config):
    """A config without its name, label weights rounded (float32 values)."""
    config = dict(config)
    config.pop("name")
    if config.get("label_weights") is not None:
        config["label_weights"] = [round(float(w), 6) for w in config["label_weights"]]
    return config


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_metric_config_matches_keras(case):
    metric = getattr(metrics, case["class_name"])(**case["config"])
    config = metric.get_config()
    name = case["keras_config"]["name"]
    base = re.sub(r"_\d+$", "", name)
    assert re.fullmatch(rf"{re.escape(base)}(_\d+)?", config["name"]), name
    assert _comparable(config) == _comparable(case["keras_config"])
    clone = metrics.deserialize(metrics.serialize(metric))
    assert type(clone) is type(metric)
    assert _comparable(clone.get_config()) == _comparable(config)


def test_metrics_in_tf1_session():
    """__call__ in a graph: the result waits for the update; reset works through assign."""
    graph = tf.Graph()
    with graph.as_default():
        y_true = tf.compat.v1.placeholder(tf.float32, [None])
        y_pred = tf.compat.v1.placeholder(tf.float32, [None])
        precision = metrics.Precision()
        auc = metrics.AUC(num_thresholds=1001)
        mean = metrics.Mean()
        p_value = precision(y_true, y_pred)
        auc_value = auc(y_true, y_pred)
        mean_value = mean(y_pred)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            feed = {y_true: [1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
                    y_pred: [0.9, 0.8, 0.7, 0.3, 0.2, 0.6, 0.4, 0.1, 0.35, 0.05]}
            p, a, m = sess.run([p_value, auc_value, mean_value], feed)
            p2 = sess.run(p_value, feed)
    assert abs(p - 0.75) < 1e-6 and abs(p2 - 0.75) < 1e-6
    assert abs(a - 0.76) < 2e-3 and abs(m - 0.44) < 1e-6


def test_seed_program_000d_known_confusion_matrix():
    y_true = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0], dtype=np.float32)
    y_score = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.6, 0.4, 0.1, 0.35, 0.05], dtype=np.float32)
    precision = metrics.Precision()
    precision.update_state(y_true[:5], y_score[:5])
    assert float(precision.result()) == 1.0
    result = precision.result()
    precision.update_state(y_true[5:], y_score[5:])
    assert abs(float(precision.result()) - 0.75) < 1e-6
    assert float(result) == 1.0  # an earlier result does not change with the state
    precision.reset_state()
    assert float(precision.result()) == 0.0


def test_variables_are_non_trainable_state():
    metric = metrics.AUC()
    assert len(metric.variables) == 4 and metric.trainable_variables == []
    assert all(not v.trainable for v in metric.variables)
    assert metric.dtype == "float32"

    class Counter(metrics.Metric):
        def __init__(self, name="counter", **kwargs):
            super().__init__(name=name, **kwargs)
            self.count = self.add_weight(name="count", initializer="zeros")
            self.inner = metrics.Sum()

        def update_state(self, values, sample_weight=None):
            self.count.assign_add(tf.cast(tf.size(values), self.count.dtype))
            self.inner.update_state(values)

        def result(self):
            return self.count + self.inner.result()

    counter = Counter()
    assert float(counter([1.0, 2.0])) == 5.0
    assert len(counter.variables) == 2
    counter.reset_states()
    assert float(counter.result()) == 0.0


def test_mean_metric_wrapper_with_function_and_mask():
    metric = metrics.MeanMetricWrapper(losses.mean_absolute_error)
    assert metric.name == "mean_absolute_error"
    metric.update_state([[0.0, 1.0]], [[1.0, 1.0]])
    assert float(metric.result()) == 0.5
    config = metric.get_config()
    assert config["fn"]["config"] == "mean_absolute_error"
    clone = metrics.MeanMetricWrapper.from_config(config)
    assert clone._fn is losses.mean_absolute_error
    masked = metrics.MeanSquaredError()
    y_pred = tf.constant([[1.0], [3.0]])
    y_pred._keras_mask = tf.constant([True, False])
    masked.update_state(tf.zeros((2, 1)), y_pred)
    assert float(masked.result()) == 1.0


# ---- lookup ----------------------------------------------------------------------------------

UNSUPPORTED_METRICS = set()


def test_get_matches_keras_for_every_identifier():
    for name, (kind, target) in FIXTURE["identifiers"]["metrics"].items():
        if name in UNSUPPORTED_METRICS:
            continue
        if kind == "class":  # needs constructor arguments
            assert metrics.ALL_OBJECTS_DICT[name].__name__ == target, name
            continue
        assert type(metrics.get(name)).__name__ == target, name


def test_public_names_cover_tf_keras_metrics():
    missing = set(FIXTURE["identifiers"]["public"]["metrics"]) - set(dir(metrics))
    assert missing <= UNSUPPORTED_METRICS, sorted(missing - UNSUPPORTED_METRICS)


def test_unknown_identifier_lists_valid_names():
    with pytest.raises(ValueError, match=r"Could not interpret metric identifier: 'bogus'.*"
                                         r"accuracy.*auc"):
        metrics.get("bogus")


def test_get_variants():
    assert metrics.get(None) is None
    assert isinstance(metrics.get("accuracy"), metrics.Accuracy)
    assert isinstance(metrics.get("mse"), metrics.MeanSquaredError)
    assert isinstance(metrics.get({"class_name": "AUC", "config": {"curve": "PR"}}),
                      metrics.AUC)
    assert metrics.get(metrics.binary_accuracy) is metrics.binary_accuracy
    assert metrics.deserialize(metrics.serialize(metrics.binary_accuracy)) is \
        metrics.binary_accuracy


@pytest.mark.parametrize("loss,output_shape,y_true_shape,expected", [
    ("sparse_categorical_crossentropy", (None, 10), None, metrics.SparseCategoricalAccuracy),
    (losses.SparseCategoricalCrossentropy(from_logits=True), (None, 10), None,
     metrics.SparseCategoricalAccuracy),
    ("categorical_crossentropy", (None, 10), None, metrics.CategoricalAccuracy),
    (losses.CategoricalCrossentropy(), (None, 10), None, metrics.CategoricalAccuracy),
    ("binary_crossentropy", (None, 1), None, metrics.BinaryAccuracy),
    (losses.BinaryCrossentropy(), (None, 5), None, metrics.BinaryAccuracy),
    ("mse", (None, 1), None, metrics.BinaryAccuracy),
    ("mse", (None, 4), (None,), metrics.SparseCategoricalAccuracy),
    (None, (None, 4), (None, 4), metrics.CategoricalAccuracy),
    (None, (None, 4), (None, 1), metrics.SparseCategoricalAccuracy),
    ({"class_name": "SparseCategoricalCrossentropy", "config": {}}, (None, 3), None,
     metrics.SparseCategoricalAccuracy),
])
def test_resolve_accuracy(loss, output_shape, y_true_shape, expected):
    metric = metrics.resolve_accuracy(loss, tf.TensorShape(output_shape), y_true_shape)
    assert type(metric) is expected and metric.name == "accuracy"
    assert metrics.resolve_accuracy(loss, output_shape, y_true_shape, name="acc").name == "acc"


def test_resolve_crossentropy():
    metric = metrics.resolve_crossentropy(losses.SparseCategoricalCrossentropy(from_logits=True),
                                          (None, 3))
    assert isinstance(metric, metrics.SparseCategoricalCrossentropy) and metric.from_logits
    assert isinstance(metrics.resolve_crossentropy("binary_crossentropy", (None, 1)),
                      metrics.BinaryCrossentropy)
    assert metrics.resolve_crossentropy_loss((None, 3), (None,)) is \
        losses.sparse_categorical_crossentropy


# ---- errors ----------------------------------------------------------------------------------

def test_argument_errors():
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match='Invalid AUC curve value: "XY"'):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="`specificity` must be in the range"):
        metrics.SensitivityAtSpecificity(1.5)
    with pytest.raises(ValueError, match="Invalid `average`"):
        metrics.F1Score(average="mean")
    with pytest.raises(ValueError, match="Target class id 3 is out of range"):
        metrics.IoU(num_classes=3, target_class_ids=[3])


def test_shape_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"\(4,\).*\(3,\)"):
        metrics.Precision().update_state(np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        metrics.MeanSquaredError().update_state(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"expects 2D inputs.*\(4,\)"):
        metrics.F1Score().update_state(np.zeros(4), np.zeros(4))


# ---- more modes ------------------------------------------------------------------------------

def test_call_and_reset_inside_tf_function():
    metric = metrics.BinaryAccuracy()

    @tf.function
    def step(y_true, y_pred):
        return metric(y_true, y_pred)

    @tf.function
    def reset():
        metric.reset_state()

    assert float(step(tf.constant([1.0, 0.0]), tf.constant([0.9, 0.8]))) == 0.5
    assert float(step(tf.constant([1.0, 0.0]), tf.constant([0.9, 0.1]))) == 0.75
    reset()
    assert float(metric.result()) == 0.0


def test_metric_created_inside_tf_function_builds_lazily():
    """F1Score creates its state at the first update, here while tracing."""
    metric = metrics.F1Score(average="macro", threshold=0.5)
    step = tf.function(lambda a, b: metric.update_state(a, b))
    step(tf.constant([[1.0, 0.0], [0.0, 1.0]]), tf.constant([[0.9, 0.2], [0.7, 0.6]]))
    np.testing.assert_allclose(float(metric.result()), (2 / 3 + 1) / 2, rtol=1e-5)


def test_docstring_examples():
    import doctest
    import importlib
    for name in ("tensorflux.keras.losses", "tensorflux.keras.metrics",
                 "tensorflux.keras.metrics.base", "tensorflux.keras.metrics.accuracy",
                 "tensorflux.keras.metrics.confusion", "tensorflux.keras.metrics.regression",
                 "tensorflux.keras.metrics.f_score", "tensorflux.keras.metrics.iou"):
        result = doctest.testmod(importlib.import_module(name), extraglobs={"tf": tf},
                                 optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, name
