"""TF1 streaming metrics (tf.metrics / tf.compat.v1.metrics): values over several batches
against NumPy, weights, local variables and collections, and the TF1/TF2 name resolution."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux.framework import context

tf1 = tf.compat.v1


@pytest.fixture(autouse=True)
def eager_program():
    context.state.eager_enabled = True
    yield
    context.state.eager_enabled = True


def stream(build, batches):
    """Builds a metric on placeholders, runs its update on each batch; returns the value
    before any update, the update results, and the final value."""
    with tf.Graph().as_default():
        first = batches[0]
        holders = [tf1.placeholder(tf.as_dtype(np.asarray(a).dtype),
                                   [None] + list(np.shape(a)[1:])) for a in first]
        value, update = build(*holders)
        with tf1.Session() as session:
            session.run(tf1.local_variables_initializer())
            initial = session.run(value)
            updates = [session.run(update, dict(zip(holders, batch))) for batch in batches]
            final = session.run(value)
    return initial, updates, final


def random_binary_batches(seed=0, count=3, size=8, weighted=True):
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(count):
        labels = rng.integers(0, 2, size).astype(np.int64)
        scores = rng.random(size).astype(np.float32)
        weights = rng.random(size).astype(np.float32)
        batches.append((labels, scores, weights) if weighted else (labels, scores))
    return batches


def concat(batches, index):
    return np.concatenate([b[index] for b in batches])


# ---- accuracy and mean --------------------------------------------------------------------

def test_accuracy_streams_over_batches():
    batches = [(np.array([1, 0, 1, 1], np.int32), np.array([1, 1, 1, 0], np.int64)),
               (np.array([2, 2], np.int32), np.array([2, 2], np.int64))]
    initial, updates, final = stream(lambda y, p: tf1.metrics.accuracy(y, p), batches)
    assert initial == 0.0
    np.testing.assert_allclose(updates, [2 / 4, 4 / 6], rtol=1e-6)
    np.testing.assert_allclose(final, 4 / 6, rtol=1e-6)


def test_accuracy_weights_and_squeezable_labels():
    labels = np.array([[1], [0], [1]], np.int32)          # (N, 1) against predictions (N,)
    predictions = np.array([1, 1, 0], np.int32)
    weights = np.array([2.0, 1.0, 1.0], np.float32)
    _, _, final = stream(lambda y, p, w: tf1.metrics.accuracy(y, p, weights=w),
                         [(labels, predictions, weights)])
    np.testing.assert_allclose(final, 2.0 / 4.0, rtol=1e-6)


def test_metric_variables_are_local_and_reset():
    with tf.Graph().as_default():
        value, update = tf1.metrics.accuracy([1, 2, 3], [1, 2, 0])
        names = [v.name for v in tf1.local_variables()]
        assert names == ["accuracy/total:0", "accuracy/count:0"]
        assert [v.name for v in tf1.get_collection(tf1.GraphKeys.METRIC_VARIABLES)] == names
        assert tf1.global_variables() == [] and tf1.trainable_variables() == []
        second, _ = tf1.metrics.accuracy([1], [1])
        assert [v.name for v in tf1.local_variables()][2:] == ["accuracy_1/total:0",
                                                               "accuracy_1/count:0"]
        with tf1.Session() as session:
            session.run(tf1.local_variables_initializer())
            session.run(update)
            session.run(update)
            np.testing.assert_allclose(session.run(value), 2 / 3, rtol=1e-6)
            session.run(tf1.local_variables_initializer())
            assert session.run(value) == 0.0


def test_mean_with_weights_and_collections():
    values = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    with tf.Graph().as_default():
        value, update = tf1.metrics.mean(values, weights=[[1.0], [0.0]],   # broadcast rows
                                         metrics_collections=["my_values"],
                                         updates_collections=["my_updates"], name="m")
        assert tf1.get_collection("my_values") == [value]
        assert tf1.get_collection("my_updates") == [update]
        with tf1.Session() as session:
            session.run(tf1.local_variables_initializer())
            assert session.run(update) == pytest.approx(1.5)
            assert session.run(update) == pytest.approx(1.5)
        with pytest.raises(ValueError, match="weights can not be broadcast"):
            tf1.metrics.mean(values, weights=[1.0, 2.0, 3.0])


def test_mean_tensor_and_percentage_below():
    batches = [(np.array([[1.0, 10.0]], np.float32),), (np.array([[3.0, 20.0]], np.float32),)]
    _, _, final = stream(lambda v: tf1.metrics.mean_tensor(
        tf.reshape(v, [2])), batches)
    np.testing.assert_allclose(final, [2.0, 15.0])
    _, _, below = stream(lambda v: tf1.metrics.percentage_below(v, 5.0), batches)
    assert below == pytest.approx(0.5)


# ---- regression errors ----------------------------------------------------------------------

def test_regression_errors_against_numpy():
    rng = np.random.default_rng(1)
    batches = [(rng.normal(size=(5, 2)).astype(np.float32),
                rng.normal(size=(5, 2)).astype(np.float32),
                rng.random((5, 1)).astype(np.float32)) for _ in range(3)]
    labels, predictions, weights = (np.concatenate([b[i] for b in batches]) for i in range(3))
    full_weights = np.broadcast_to(weights, labels.shape)
    mse = np.sum(full_weights * (labels - predictions) ** 2) / full_weights.sum()
    mae = np.sum(full_weights * np.abs(labels - predictions)) / full_weights.sum()
    for metric, expected in ((tf1.metrics.mean_squared_error, mse),
                             (tf1.metrics.mean_absolute_error, mae),
                             (tf1.metrics.root_mean_squared_error, np.sqrt(mse))):
        _, updates, final = stream(lambda y, p, w: metric(y, p, weights=w), batches)
        np.testing.assert_allclose(final, expected, rtol=1e-5)
        np.testing.assert_allclose(updates[-1], expected, rtol=1e-5)


# ---- confusion counts, precision, recall ------------------------------------------------------

@pytest.mark.parametrize("weighted", [False, True])
def test_counts_precision_recall_against_numpy(weighted):
    batches = random_binary_batches(2, weighted=weighted)
    labels = concat(batches, 0).astype(bool)
    predicted = concat(batches, 1) > 0.5
    weights = concat(batches, 2) if weighted else np.ones(len(labels), np.float32)
    tp = np.sum(weights * (labels & predicted))
    fp = np.sum(weights * (~labels & predicted))
    fn = np.sum(weights * (labels & ~predicted))
    tn = np.sum(weights * (~labels & ~predicted))
    expected = {"true_positives": tp, "false_positives": fp, "false_negatives": fn,
                "true_negatives": tn, "precision": tp / (tp + fp), "recall": tp / (tp + fn)}
    for name, value in expected.items():
        metric = getattr(tf1.metrics, name)

        def build(y, p, w=None):
            return metric(y, tf.greater(p, 0.5), weights=w)
        _, _, final = stream(build, batches)
        np.testing.assert_allclose(final, value, rtol=1e-5, err_msg=name)


def test_precision_recall_are_zero_without_positives():
    batches = [(np.array([0, 0], np.int64), np.array([0, 0], np.int64))]
    for metric in (tf1.metrics.precision, tf1.metrics.recall):
        initial, updates, final = stream(lambda y, p: metric(y, p), batches)
        assert initial == 0.0 and updates == [0.0] and final == 0.0


# ---- AUC and counts at thresholds -------------------------------------------------------------

def reference_auc(labels, scores, weights, num_thresholds=200, curve="ROC",
                  summation_method="trapezoidal"):
    """The threshold-count AUC in float64 NumPy: positives are scores > threshold."""
    epsilon = 1e-7
    thresholds = [-epsilon] + [(i + 1) / (num_thresholds - 1)
                               for i in range(num_thresholds - 2)] + [1 + epsilon]
    positive = scores[None, :] > np.array(thresholds)[:, None]
    labels = labels.astype(bool)[None, :]
    tp = np.sum(weights * (positive & labels), axis=1)
    fp = np.sum(weights * (positive & ~labels), axis=1)
    fn = np.sum(weights * (~positive & labels), axis=1)
    tn = np.sum(weights * (~positive & ~labels), axis=1)
    recall = (tp + epsilon) / (tp + fn + epsilon)
    if curve == "ROC":
        x, y = fp / (fp + tn + epsilon), recall
    else:
        x, y = recall, (tp + epsilon) / (tp + fp + epsilon)
    heights = {"trapezoidal": (y[:-1] + y[1:]) / 2, "minoring": np.minimum(y[:-1], y[1:]),
               "majoring": np.maximum(y[:-1], y[1:])}[summation_method]
    return np.sum((x[:-1] - x[1:]) * heights)


def rank_auc(labels, scores):
    """The exact ROC AUC: the probability that a positive outscores a negative."""
    positives, negatives = scores[labels == 1], scores[labels == 0]
    greater = (positives[:, None] > negatives[None, :]).mean()
    ties = (positives[:, None] == negatives[None, :]).mean()
    return greater + 0.5 * ties


@pytest.mark.parametrize("curve, method", [("ROC", "trapezoidal"), ("ROC", "minoring"),
                                           ("PR", "trapezoidal"), ("PR", "majoring")])
def test_auc_against_numpy(curve, method):
    batches = random_binary_batches(3, count=4, size=16)
    labels, scores, weights = (concat(batches, i) for i in range(3))
    _, _, final = stream(lambda y, p, w: tf1.metrics.auc(
        y, p, weights=w, curve=curve, summation_method=method), batches)
    expected = reference_auc(labels, scores.astype(np.float64), weights, curve=curve,
                             summation_method=method)
    np.testing.assert_allclose(final, expected, rtol=1e-4)


def test_roc_auc_approaches_the_exact_value():
    batches = random_binary_batches(4, count=5, size=40, weighted=False)
    labels, scores = concat(batches, 0), concat(batches, 1)
    _, _, final = stream(lambda y, p: tf1.metrics.auc(y, p, num_thresholds=2000), batches)
    assert final == pytest.approx(rank_auc(labels, scores), abs=2e-3)


def test_pr_auc_careful_interpolation_of_a_perfect_ranking():
    # one positive ranked first: precision 1 until recall 1 → the PR AUC is 1
    batches = [(np.array([1, 0, 0, 0], np.int64), np.array([0.9, 0.4, 0.3, 0.2], np.float32))]
    _, _, careful = stream(lambda y, p: tf1.metrics.auc(
        y, p, curve="PR", summation_method="careful_interpolation"), batches)
    assert careful == pytest.approx(1.0, abs=1e-3)


def test_auc_rejects_predictions_outside_unit_interval():
    with tf.Graph().as_default():
        _, update = tf1.metrics.auc([1, 0], [1.5, 0.2])
        with tf1.Session() as session:
            session.run(tf1.local_variables_initializer())
            with pytest.raises(tf.errors.InvalidArgumentError, match=r"must be in \[0, 1\]"):
                session.run(update)
    with pytest.raises(ValueError, match="curve must be either ROC or PR"):
        with tf.Graph().as_default():
            tf1.metrics.auc([1], [0.5], curve="DET")


def test_counts_at_thresholds():
    batches = [(np.array([1, 0, 1, 0], np.int64), np.array([0.1, 0.6, 0.7, 0.3], np.float32))]
    thresholds = [0.2, 0.5]
    expected = {"true_positives_at_thresholds": [1, 1],
                "false_positives_at_thresholds": [2, 1],
                "false_negatives_at_thresholds": [1, 1],
                "true_negatives_at_thresholds": [0, 1]}
    for name, counts in expected.items():
        _, _, final = stream(lambda y, p: getattr(tf1.metrics, name)(y, p, thresholds),
                             batches)
        np.testing.assert_allclose(final, counts, err_msg=name)
    _, _, precision = stream(lambda y, p: tf1.metrics.precision_at_thresholds(
        y, p, thresholds), batches)
    np.testing.assert_allclose(precision, [1 / 3, 1 / 2], rtol=1e-5)


def test_mean_per_class_accuracy():
    batches = [(np.array([0, 1, 1, 2], np.int64), np.array([0, 1, 0, 0], np.int64))]
    _, _, final = stream(lambda y, p: tf1.metrics.mean_per_class_accuracy(y, p, 4), batches)
    # classes 0, 1, 2, 3: 1/1, 1/2, 0/1, and 0 for the class never seen
    assert final == pytest.approx((1.0 + 0.5 + 0.0 + 0.0) / 4)


# ---- TF1 and TF2 names ----------------------------------------------------------------------

def test_eager_calls_explain_and_tf2_names_are_keras():
    with pytest.raises(RuntimeError, match="not supported when eager execution is enabled"):
        tf.metrics.accuracy([1, 0], [1, 1])
    assert tf.metrics.Precision is tf.keras.metrics.Precision
    assert tf.metrics.binary_accuracy is tf.keras.metrics.binary_accuracy
    assert tf1.metrics.accuracy is tf.metrics.accuracy
    # a name in both APIs: Keras' per-sample function eagerly or with y_true/y_pred
    per_sample = tf.metrics.mean_squared_error(np.array([[1.0, 2.0]]), np.array([[2.0, 2.0]]))
    np.testing.assert_allclose(np.asarray(per_sample), [0.5])
    with tf.Graph().as_default():
        value, update = tf.metrics.mean_squared_error([1.0, 2.0], [2.0, 2.0])
        keras_value = tf.metrics.mean_squared_error(y_true=[[1.0, 2.0]], y_pred=[[2.0, 2.0]])
        with tf1.Session() as session:
            session.run(tf1.local_variables_initializer())
            assert session.run(update) == pytest.approx(0.5)
            np.testing.assert_allclose(session.run(keras_value), [0.5])
    with pytest.raises(AttributeError, match="neither a TF1 streaming metric nor"):
        tf.metrics.no_such_metric
