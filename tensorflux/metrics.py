"""tf.metrics: TF1's streaming metrics (graph mode), with TF2's Keras metrics alongside.

A streaming metric keeps running totals in *local* variables (collections LOCAL_VARIABLES and
METRIC_VARIABLES, initialized by `tf.local_variables_initializer()`) and returns a pair:

- ``value``: reads the metric from the totals, changes nothing;
- ``update_op``: adds one batch to the totals and returns the updated metric.

Run ``update_op`` once per batch, then ``value`` for the result over every batch seen::

    acc, acc_update = tf.metrics.accuracy(labels, predictions)
    sess.run(tf.local_variables_initializer())
    for batch in batches:
        sess.run(acc_update, feed_dict=batch)
    print(sess.run(acc))

Name resolution. In TensorFlow 2, ``tf.metrics`` is ``tf.keras.metrics``; in TensorFlow 1 it
held these streaming functions (now ``tf.compat.v1.metrics``). Both kinds of program call
``tf.metrics.X``, so this module answers both: the lowercase TF1 names below are the streaming
metrics; every other name (``tf.metrics.Precision``, ``tf.metrics.binary_accuracy``, ...) is
Keras'. ``mean_squared_error`` and ``mean_absolute_error`` exist in both APIs: called eagerly
or with Keras' argument names (``y_true``, ``y_pred``) they are Keras' per-sample functions,
otherwise TF1's streaming metrics.
"""
import numpy as np

from tensorflux.framework import context, dtypes
from tensorflux.framework.graph import GraphKeys
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.variables import Variable
from tensorflux.ops import array_ops, control_flow_ops, math_ops

__all__ = ["accuracy", "mean", "precision", "recall", "auc", "mean_squared_error",
           "mean_absolute_error", "root_mean_squared_error", "true_positives",
           "false_positives", "false_negatives", "true_negatives", "mean_tensor",
           "true_positives_at_thresholds", "false_positives_at_thresholds",
           "false_negatives_at_thresholds", "true_negatives_at_thresholds",
           "precision_at_thresholds", "recall_at_thresholds", "mean_relative_error",
           "percentage_below", "mean_per_class_accuracy"]

# Added to the divisors of the AUC rates so an empty class gives 0, not NaN (TF1's value).
_AUC_EPSILON = 1e-7


# ---- helpers ------------------------------------------------------------------------------

def _check_graph_mode(metric):
    if context.executing_eagerly():
        raise RuntimeError(
            f"tf.metrics.{metric} is not supported when eager execution is enabled: TF1 "
            "streaming metrics are graph ops run by a Session. Eagerly, use the Keras metric "
            f"object instead (e.g. tf.keras.metrics.{_KERAS_EQUIVALENT.get(metric, 'Mean')}"
            "()), or build the graph inside `with tf.Graph().as_default():`.")


_KERAS_EQUIVALENT = {"accuracy": "Accuracy", "precision": "Precision", "recall": "Recall",
                     "auc": "AUC", "mean_squared_error": "MeanSquaredError",
                     "mean_absolute_error": "MeanAbsoluteError",
                     "root_mean_squared_error": "RootMeanSquaredError",
                     "true_positives": "TruePositives", "false_positives": "FalsePositives",
                     "true_negatives": "TrueNegatives", "false_negatives": "FalseNegatives"}


def _tensor(value, dtype=None):
    if isinstance(value, Variable):
        value = value.read_value()
    if isinstance(value, Tensor):
        return value if dtype is None or value.dtype == dtype else math_ops.cast(value, dtype)
    return array_ops.convert_to_tensor(value, dtype=dtype)


def _metric_variable(shape, name, dtype=dtypes.float32):
    """A zero-initialized, non-trainable local variable holding a running total."""
    return Variable(np.zeros(shape, dtype=dtype.as_numpy_dtype), trainable=False, name=name,
                    dtype=dtype, collections=[GraphKeys.LOCAL_VARIABLES,
                                              GraphKeys.METRIC_VARIABLES])


def _add_to_collections(collections, value):
    if collections:
        graph = context.get_default_graph()
        for key in collections:
            graph.add_to_collection(key, value)


def _squeeze_last(tensor, other):
    """`tensor` without a trailing size-1 axis when that is all that separates its shape
    from `other`'s (labels (N, 1) against predictions (N,), as TF1 accepts)."""
    rank, other_rank = tensor.shape.rank, other.shape.rank
    if rank is not None and other_rank is not None and rank == other_rank + 1 \
            and tensor.shape[-1] == 1:
        return array_ops.squeeze(tensor, [-1])
    return tensor


def _prepare(labels, predictions, weights, dtype=None):
    predictions = _tensor(predictions)
    labels = _tensor(labels)
    labels = _squeeze_last(labels, predictions)
    predictions = _squeeze_last(predictions, labels)
    if dtype is not None:
        labels, predictions = _tensor(labels, dtype), _tensor(predictions, dtype)
    if not predictions.shape.is_compatible_with(labels.shape):
        raise ValueError(f"labels and predictions must have the same shape, got labels "
                         f"{labels.shape} and predictions {predictions.shape}.")
    if weights is not None:
        weights = _squeeze_last(_tensor(weights, dtypes.float32), predictions)
    return labels, predictions, weights


def _broadcast_weights(weights, values):
    """`weights` broadcast to `values`' shape (weights must be a scalar or broadcastable)."""
    if weights is None:
        return None
    weights = _tensor(weights, dtypes.float32)
    w_shape, v_shape = weights.shape, values.shape
    if w_shape.rank is not None and v_shape.rank is not None:
        if w_shape.rank > v_shape.rank or any(
                w is not None and v is not None and w not in (1, v)
                for w, v in zip(reversed(w_shape.as_list()), reversed(v_shape.as_list()))):
            raise ValueError(f"weights can not be broadcast to values: weights shape "
                             f"{w_shape}, values shape {v_shape}. Pass a scalar or weights "
                             "of the values' shape (or with size-1 axes).")
    return weights * array_ops.ones_like(values, dtype=dtypes.float32)


def _float(values):
    return values if values.dtype.is_floating else math_ops.cast(values, dtypes.float32)


# ---- mean -----------------------------------------------------------------------------------

def mean(values, weights=None, metrics_collections=None, updates_collections=None,
         name=None):
    """The (weighted) mean of `values` over every batch seen.

    Args:
        values: a Tensor of any shape.
        weights: None, a scalar, or a Tensor broadcastable to `values`.
        metrics_collections / updates_collections: collections to add `mean` / `update_op` to.
        name: the variable scope (default "mean").

    Returns:
        ``(mean, update_op)``: 0 before any value was seen (or when the weights sum to 0).

    Raises:
        RuntimeError: eager execution is enabled.
        ValueError: `weights` is not broadcastable to `values`.
    """
    _check_graph_mode("mean")
    graph = context.get_default_graph()
    with graph.name_scope(name or "mean"):
        values = _float(_tensor(values))
        total = _metric_variable([], "total")
        count = _metric_variable([], "count")
        if weights is None:
            batch_count = math_ops.cast(array_ops.size(values), dtypes.float32)
        else:
            weights = _broadcast_weights(weights, values)
            values = values * weights
            batch_count = math_ops.reduce_sum(weights)
        update_total = total.assign_add(math_ops.cast(math_ops.reduce_sum(values),
                                                      dtypes.float32))
        update_count = count.assign_add(batch_count)
        value = math_ops.div_no_nan(total.read_value(), count.read_value(), name="value")
        update_op = math_ops.div_no_nan(update_total, update_count, name="update_op")
    _add_to_collections(metrics_collections, value)
    _add_to_collections(updates_collections, update_op)
    return value, update_op


def mean_tensor(values, weights=None, metrics_collections=None, updates_collections=None,
                name=None):
    """The element-wise (weighted) mean of `values` over batches: a Tensor of their shape."""
    _check_graph_mode("mean_tensor")
    graph = context.get_default_graph()
    with graph.name_scope(name or "mean"):
        values = _float(_tensor(values))
        if not values.shape.is_fully_defined():
            raise ValueError(f"mean_tensor needs values of a fully defined shape, got "
                             f"{values.shape}.")
        shape = values.shape.as_list()
        total = _metric_variable(shape, "total_tensor")
        count = _metric_variable(shape, "count_tensor")
        counts = array_ops.ones_like(values, dtype=dtypes.float32)
        if weights is not None:
            weights = _broadcast_weights(weights, values)
            values, counts = values * weights, weights
        update_total = total.assign_add(values)
        update_count = count.assign_add(counts)
        value = math_ops.div_no_nan(total.read_value(), count.read_value(), name="value")
        update_op = math_ops.div_no_nan(update_total, update_count, name="update_op")
    _add_to_collections(metrics_collections, value)
    _add_to_collections(updates_collections, update_op)
    return value, update_op


def accuracy(labels, predictions, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """How often `predictions` equal `labels` (the weighted mean of `predictions == labels`).

    Predictions are cast to the labels' dtype first (argmax gives int64, labels are often
    int32). A trailing axis of size 1 on either side is squeezed.

    Returns:
        ``(accuracy, update_op)``.

    Example:
        >>> with tf.Graph().as_default():
        ...     acc, update = tf.metrics.accuracy([1, 0, 1, 1], [1, 1, 1, 0])
        ...     with tf.Session() as sess:
        ...         sess.run(tf.local_variables_initializer())
        ...         sess.run(update), sess.run(acc)
        (0.5, 0.5)
    """
    _check_graph_mode("accuracy")
    graph = context.get_default_graph()
    with graph.name_scope(name or "accuracy") as scope:
        labels, predictions, weights = _prepare(labels, predictions, weights)
        if predictions.dtype != labels.dtype:
            predictions = math_ops.cast(predictions, labels.dtype)
        is_correct = math_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
        return mean(is_correct, weights, metrics_collections, updates_collections,
                    name=scope)


def mean_squared_error(labels=None, predictions=None, weights=None, metrics_collections=None,
                       updates_collections=None, name=None, **kwargs):
    """The (weighted) mean of (labels - predictions)**2 over every batch seen.

    Called eagerly, or with Keras' argument names ``y_true`` / ``y_pred``, this is
    `tf.keras.metrics.mean_squared_error` (TF2's `tf.metrics.mean_squared_error`).
    """
    if _wants_keras(kwargs, weights, metrics_collections, updates_collections, name):
        return _keras_function("mean_squared_error", labels, predictions, kwargs)
    _check_graph_mode("mean_squared_error")
    graph = context.get_default_graph()
    with graph.name_scope(name or "mean_squared_error") as scope:
        labels, predictions, weights = _prepare(labels, predictions, weights, _common_float(
            labels, predictions))
        return mean(math_ops.squared_difference(labels, predictions), weights,
                    metrics_collections, updates_collections, name=scope)


def mean_absolute_error(labels=None, predictions=None, weights=None, metrics_collections=None,
                        updates_collections=None, name=None, **kwargs):
    """The (weighted) mean of |labels - predictions| over every batch seen.

    Called eagerly, or with ``y_true`` / ``y_pred``, this is Keras' per-sample function.
    """
    if _wants_keras(kwargs, weights, metrics_collections, updates_collections, name):
        return _keras_function("mean_absolute_error", labels, predictions, kwargs)
    _check_graph_mode("mean_absolute_error")
    graph = context.get_default_graph()
    with graph.name_scope(name or "mean_absolute_error") as scope:
        labels, predictions, weights = _prepare(labels, predictions, weights, _common_float(
            labels, predictions))
        return mean(math_ops.abs(predictions - labels), weights, metrics_collections,
                    updates_collections, name=scope)


def mean_relative_error(labels, predictions, normalizer, weights=None,
                        metrics_collections=None, updates_collections=None, name=None):
    """The (weighted) mean of |labels - predictions| / normalizer (0 where normalizer is 0)."""
    _check_graph_mode("mean_relative_error")
    graph = context.get_default_graph()
    with graph.name_scope(name or "mean_relative_error") as scope:
        dtype = _common_float(labels, predictions)
        labels, predictions, weights = _prepare(labels, predictions, weights, dtype)
        normalizer = _tensor(normalizer, dtype)
        relative = math_ops.div_no_nan(math_ops.abs(labels - predictions), normalizer)
        return mean(relative, weights, metrics_collections, updates_collections, name=scope)


def root_mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                            updates_collections=None, name=None):
    """The square root of the streaming mean squared error."""
    _check_graph_mode("root_mean_squared_error")
    graph = context.get_default_graph()
    with graph.name_scope(name or "root_mean_squared_error") as scope:
        mse, update_mse = mean_squared_error(labels, predictions, weights, name=scope)
        value = math_ops.sqrt(mse, name="value")
        update_op = math_ops.sqrt(update_mse, name="update_op")
    _add_to_collections(metrics_collections, value)
    _add_to_collections(updates_collections, update_op)
    return value, update_op


def percentage_below(values, threshold, weights=None, metrics_collections=None,
                     updates_collections=None, name=None):
    """The (weighted) fraction of `values` below `threshold`."""
    _check_graph_mode("percentage_below")
    graph = context.get_default_graph()
    with graph.name_scope(name or "percentage_below_threshold") as scope:
        values = _tensor(values)
        is_below = math_ops.cast(math_ops.less(values, _tensor(threshold, values.dtype)),
                                 dtypes.float32)
        return mean(is_below, weights, metrics_collections, updates_collections, name=scope)


def _common_float(labels, predictions):
    for value in (predictions, labels):
        dtype = getattr(value, "dtype", None)
        if dtype is not None and not isinstance(dtype, np.dtype):
            if dtypes.as_dtype(dtype).is_floating:
                return dtypes.as_dtype(dtype)
    return dtypes.float32


# ---- counts of the confusion matrix ------------------------------------------------------

def _bool_pair(labels, predictions, weights):
    labels, predictions, weights = _prepare(labels, predictions, weights)
    return _tensor(labels, dtypes.bool), _tensor(predictions, dtypes.bool), weights


def _count(condition, weights, metrics_collections, updates_collections):
    """A running (weighted) count of the true entries of `condition`."""
    count = _metric_variable([], "count")
    values = math_ops.cast(condition, dtypes.float32)
    if weights is not None:
        values = values * _broadcast_weights(weights, values)
    value = array_ops.identity(count.read_value(), name="value")
    update_op = count.assign_add(math_ops.reduce_sum(values))
    _add_to_collections(metrics_collections, value)
    _add_to_collections(updates_collections, update_op)
    return value, update_op


def _counter(metric, select):
    def counter(labels, predictions, weights=None, metrics_collections=None,
                updates_collections=None, name=None):
        _check_graph_mode(metric)
        graph = context.get_default_graph()
        with graph.name_scope(name or metric):
            labels, predictions, weights = _bool_pair(labels, predictions, weights)
            return _count(select(labels, predictions), weights, metrics_collections,
                          updates_collections)
    counter.__name__ = metric
    counter.__qualname__ = metric
    counter.__doc__ = (f"The running (weighted) count of {metric.replace('_', ' ')}: labels "
                       "and predictions are read as booleans (nonzero is True).\n\n"
                       "    Returns:\n        ``(count, update_op)``.\n")
    return counter


true_positives = _counter("true_positives", lambda y, p: math_ops.logical_and(y, p))
false_positives = _counter("false_positives",
                           lambda y, p: math_ops.logical_and(math_ops.logical_not(y), p))
false_negatives = _counter("false_negatives",
                           lambda y, p: math_ops.logical_and(y, math_ops.logical_not(p)))
true_negatives = _counter("true_negatives",
                          lambda y, p: math_ops.logical_and(math_ops.logical_not(y),
                                                            math_ops.logical_not(p)))


def _ratio(numerator, other, name):
    """numerator / (numerator + other), 0 when both are 0 (TF1's precision/recall rule)."""
    denominator = numerator + other
    return math_ops.where(math_ops.greater(denominator, 0.0),
                          math_ops.div_no_nan(numerator, denominator),
                          array_ops.zeros_like(numerator), name=name)


def _true_positive_ratio(metric, other_count, labels, predictions, weights,
                         metrics_collections, updates_collections, name):
    """tp / (tp + other) over every batch seen, `other_count` being `false_positives`
    (precision) or `false_negatives` (recall)."""
    _check_graph_mode(metric)
    graph = context.get_default_graph()
    with graph.name_scope(name or metric):
        tp, tp_update = true_positives(labels, predictions, weights)
        other, other_update = other_count(labels, predictions, weights)
        value = _ratio(tp, other, "value")
        update_op = _ratio(tp_update, other_update, "update_op")
    _add_to_collections(metrics_collections, value)
    _add_to_collections(updates_collections, update_op)
    return value, update_op


def precision(labels, predictions, weights=None, metrics_collections=None,
              updates_collections=None, name=None):
    """true_positives / (true_positives + false_positives) over every batch seen.

    Labels and predictions are read as booleans. The value is 0 until a positive prediction
    was seen.

    Returns:
        ``(precision, update_op)``.
    """
    return _true_positive_ratio("precision", false_positives, labels, predictions, weights,
                                metrics_collections, updates_collections, name)


def recall(labels, predictions, weights=None, metrics_collections=None,
           updates_collections=None, name=None):
    """true_positives / (true_positives + false_negatives) over every batch seen.

    Returns:
        ``(recall, update_op)``: 0 until a positive label was seen.
    """
    return _true_positive_ratio("recall", false_negatives, labels, predictions, weights,
                                metrics_collections, updates_collections, name)


# ---- counts at thresholds, AUC ---------------------------------------------------------------

def _confusion_at_thresholds(labels, predictions, thresholds, weights, includes):
    """Local count variables of shape (len(thresholds),) and their update ops.

    A prediction p counts as positive at threshold t when p > t. Predictions must lie in
    [0, 1] (checked when the update runs).
    """
    labels, predictions, weights = _prepare(labels, predictions, weights)
    predictions = _tensor(predictions, dtypes.float32)
    labels = _tensor(labels, dtypes.bool)
    in_range = math_ops.reduce_all(math_ops.logical_and(
        math_ops.greater_equal(predictions, 0.0), math_ops.less_equal(predictions, 1.0)))
    check = control_flow_ops.Assert(in_range, [
        "predictions must be in [0, 1] (probabilities, e.g. after a sigmoid or softmax); "
        "got values outside; min and max:", math_ops.reduce_min(predictions),
        math_ops.reduce_max(predictions)], name="assert_predictions_in_range")
    graph = context.get_default_graph()
    with graph.control_dependencies([check] if check is not None else []):
        flat_predictions = array_ops.reshape(predictions, [1, -1])
    flat_labels = array_ops.reshape(labels, [1, -1])
    column = array_ops.reshape(array_ops.constant(np.asarray(thresholds, np.float32)), [-1, 1])
    predicted_positive = math_ops.greater(flat_predictions, column)      # (T, N)
    predicted_negative = math_ops.logical_not(predicted_positive)
    label_negative = math_ops.logical_not(flat_labels)
    if weights is not None:
        row_weights = array_ops.reshape(_broadcast_weights(weights, predictions), [1, -1])
    conditions = {
        "tp": lambda: math_ops.logical_and(predicted_positive, flat_labels),
        "fn": lambda: math_ops.logical_and(predicted_negative, flat_labels),
        "tn": lambda: math_ops.logical_and(predicted_negative, label_negative),
        "fp": lambda: math_ops.logical_and(predicted_positive, label_negative),
    }
    names = {"tp": "true_positives", "fn": "false_negatives", "tn": "true_negatives",
             "fp": "false_positives"}
    values, updates = {}, {}
    for key in includes:
        variable = _metric_variable([len(thresholds)], names[key])
        counts = math_ops.cast(conditions[key](), dtypes.float32)
        if weights is not None:
            counts = counts * row_weights
        updates[key] = variable.assign_add(math_ops.reduce_sum(counts, axis=1))
        values[key] = variable.read_value()
    return values, updates


def _at_thresholds(metric, key):
    def at_thresholds(labels, predictions, thresholds, weights=None,
                      metrics_collections=None, updates_collections=None, name=None):
        _check_graph_mode(metric)
        graph = context.get_default_graph()
        with graph.name_scope(name or metric):
            values, updates = _confusion_at_thresholds(labels, predictions, thresholds,
                                                       weights, (key,))
        _add_to_collections(metrics_collections, values[key])
        _add_to_collections(updates_collections, updates[key])
        return values[key], updates[key]
    at_thresholds.__name__ = metric
    at_thresholds.__qualname__ = metric
    at_thresholds.__doc__ = ("Running counts per threshold (prediction > threshold is "
                             "positive).\n\n    Returns:\n        ``(counts, update_op)``, "
                             "each of shape (len(thresholds),).\n")
    return at_thresholds


true_positives_at_thresholds = _at_thresholds("true_positives_at_thresholds", "tp")
false_positives_at_thresholds = _at_thresholds("false_positives_at_thresholds", "fp")
false_negatives_at_thresholds = _at_thresholds("false_negatives_at_thresholds", "fn")
true_negatives_at_thresholds = _at_thresholds("true_negatives_at_thresholds", "tn")


def _true_positive_ratio_at_thresholds(metric, other, labels, predictions, thresholds, weights,
                                      metrics_collections, updates_collections, name):
    """tp / (tp + other) at each threshold, `other` being "fp" (precision) or "fn" (recall)."""
    _check_graph_mode(metric)
    graph = context.get_default_graph()
    with graph.name_scope(name or metric):
        values, updates = _confusion_at_thresholds(labels, predictions, thresholds, weights,
                                                   ("tp", other))
        value = math_ops.div(values["tp"], _AUC_EPSILON + values["tp"] + values[other],
                             name="value")
        update_op = math_ops.div(updates["tp"], _AUC_EPSILON + updates["tp"] + updates[other],
                                 name="update_op")
    _add_to_collections(metrics_collections, value)
    _add_to_collections(updates_collections, update_op)
    return value, update_op


def precision_at_thresholds(labels, predictions, thresholds, weights=None,
                            metrics_collections=None, updates_collections=None, name=None):
    """Precision at each threshold: a Tensor of shape (len(thresholds),)."""
    return _true_positive_ratio_at_thresholds(
        "precision_at_thresholds", "fp", labels, predictions, thresholds, weights,
        metrics_collections, updates_collections, name)


def recall_at_thresholds(labels, predictions, thresholds, weights=None,
                         metrics_collections=None, updates_collections=None, name=None):
    """Recall at each threshold: a Tensor of shape (len(thresholds),)."""
    return _true_positive_ratio_at_thresholds(
        "recall_at_thresholds", "fn", labels, predictions, thresholds, weights,
        metrics_collections, updates_collections, name)


def _auc_thresholds(num_thresholds, thresholds):
    if thresholds is not None:
        inner = [float(t) for t in thresholds]
    else:
        if num_thresholds < 2:
            raise ValueError(f"num_thresholds must be > 1, got {num_thresholds}.")
        inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    # The end points lie just outside [0, 1] so that predictions of exactly 0 or 1 count
    # on the right side of the first and last threshold.
    return [0.0 - _AUC_EPSILON] + inner + [1.0 + _AUC_EPSILON]


def _area(counts, curve, summation_method, count):
    tp, fn, tn, fp = counts["tp"], counts["fn"], counts["tn"], counts["fp"]
    if curve == "PR" and summation_method == "careful_interpolation":
        return _interpolated_pr_area(tp, fp, fn, count)
    true_positive_rate = math_ops.div(tp + _AUC_EPSILON, tp + fn + _AUC_EPSILON)
    if curve == "ROC":
        x = math_ops.div(fp, fp + tn + _AUC_EPSILON)
        y = true_positive_rate
    else:
        x = true_positive_rate
        y = math_ops.div(tp + _AUC_EPSILON, tp + fp + _AUC_EPSILON)
    # thresholds increase, so x decreases: x[:-1] - x[1:] are the (non-negative) widths
    widths = x[:count - 1] - x[1:]
    if summation_method in ("trapezoidal", "careful_interpolation"):
        heights = (y[:count - 1] + y[1:]) / 2.0
    elif summation_method == "minoring":
        heights = math_ops.minimum(y[:count - 1], y[1:])
    else:
        heights = math_ops.maximum(y[:count - 1], y[1:])
    return math_ops.reduce_sum(widths * heights)


def _interpolated_pr_area(tp, fp, fn, count):
    """The area under the PR curve with precision interpolated between thresholds along the
    line of constant slope in (true positives, predicted positives) space (Davis & Goadrich,
    2006), instead of linearly in precision, which overestimates it."""
    delta_tp = tp[:count - 1] - tp[1:]
    predicted = tp + fp
    delta_predicted = math_ops.maximum(predicted[:count - 1] - predicted[1:], 0.0)
    slope = math_ops.div_no_nan(delta_tp, delta_predicted)
    intercept = tp[1:] - slope * predicted[1:]
    both_positive = math_ops.logical_and(math_ops.greater(predicted[:count - 1], 0.0),
                                         math_ops.greater(predicted[1:], 0.0))
    ratio = math_ops.where(both_positive,
                           math_ops.div_no_nan(predicted[:count - 1],
                                               math_ops.maximum(predicted[1:], 0.0)),
                           array_ops.ones_like(predicted[1:]))
    increments = math_ops.div_no_nan(slope * (delta_tp + intercept * math_ops.log(ratio)),
                                     math_ops.maximum(tp[1:] + fn[1:], 0.0))
    return math_ops.reduce_sum(increments)


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None,
        updates_collections=None, curve="ROC", name=None, summation_method="trapezoidal",
        thresholds=None):
    """The area under the ROC or precision-recall curve, from counts at fixed thresholds.

    Args:
        labels: booleans (or 0/1) of the predictions' shape.
        predictions: probabilities in [0, 1].
        num_thresholds: thresholds evenly spaced in [0, 1] (ignored if `thresholds` is
            given).
        curve: "ROC" or "PR".
        summation_method: "trapezoidal", "careful_interpolation" (PR: interpolates
            precision properly; ROC: trapezoidal), "minoring" or "majoring".
        thresholds: explicit thresholds in (0, 1); 0 - eps and 1 + eps are added.

    Returns:
        ``(auc, update_op)``.
    """
    _check_graph_mode("auc")
    if curve not in ("ROC", "PR"):
        raise ValueError(f"curve must be either ROC or PR, {curve!r} unknown.")
    if summation_method not in ("trapezoidal", "careful_interpolation", "minoring",
                                "majoring"):
        raise ValueError(f"Invalid summation_method: {summation_method!r}; use "
                         "'trapezoidal', 'careful_interpolation', 'minoring' or 'majoring'.")
    all_thresholds = _auc_thresholds(num_thresholds, thresholds)
    count = len(all_thresholds)
    graph = context.get_default_graph()
    with graph.name_scope(name or "auc"):
        values, updates = _confusion_at_thresholds(labels, predictions, all_thresholds,
                                                   weights, ("tp", "fn", "tn", "fp"))
        value = array_ops.identity(_area(values, curve, summation_method, count),
                                   name="value")
        update_op = array_ops.identity(_area(updates, curve, summation_method, count),
                                       name="update_op")
    _add_to_collections(metrics_collections, value)
    _add_to_collections(updates_collections, update_op)
    return value, update_op


def mean_per_class_accuracy(labels, predictions, num_classes, weights=None,
                            metrics_collections=None, updates_collections=None, name=None):
    """The mean over the `num_classes` classes of each class's accuracy (its recall).

    A class with no label seen yet has accuracy 0 and still counts in the mean.
    """
    _check_graph_mode("mean_per_class_accuracy")
    graph = context.get_default_graph()
    with graph.name_scope(name or "mean_accuracy"):
        labels, predictions, weights = _prepare(labels, predictions, weights)
        labels = array_ops.reshape(_tensor(labels, dtypes.int64), [-1])
        predictions = array_ops.reshape(_tensor(predictions, dtypes.int64), [-1])
        total = _metric_variable([num_classes], "total")
        count = _metric_variable([num_classes], "count")
        one_hot = array_ops.one_hot(labels, num_classes, dtype=dtypes.float32)   # (N, C)
        correct = math_ops.cast(math_ops.equal(labels, predictions), dtypes.float32)
        if weights is not None:
            row = array_ops.reshape(_broadcast_weights(weights, correct), [-1])
            one_hot = one_hot * array_ops.reshape(row, [-1, 1])
        update_total = total.assign_add(math_ops.reduce_sum(one_hot, axis=0))
        update_count = count.assign_add(math_ops.reduce_sum(
            one_hot * array_ops.reshape(correct, [-1, 1]), axis=0))

        def per_class_mean(hits, seen):
            return math_ops.reduce_mean(math_ops.div_no_nan(hits, seen))
        value = array_ops.identity(per_class_mean(count.read_value(), total.read_value()),
                                   name="mean_accuracy")
        update_op = array_ops.identity(per_class_mean(update_count, update_total),
                                       name="update_op")
    _add_to_collections(metrics_collections, value)
    _add_to_collections(updates_collections, update_op)
    return value, update_op


# ---- TF2 names: Keras' metrics -----------------------------------------------------------

def _wants_keras(kwargs, weights, metrics_collections, updates_collections, name):
    """Whether a call of a name both APIs define is meant for Keras' per-sample function."""
    if "y_true" in kwargs or "y_pred" in kwargs:
        return True
    if kwargs:
        raise TypeError(f"Unexpected keyword arguments {sorted(kwargs)}.")
    tf1_arguments = (weights, metrics_collections, updates_collections, name)
    return context.executing_eagerly() and all(a is None for a in tf1_arguments)


def _keras_function(function_name, labels, predictions, kwargs):
    from tensorflux.keras import metrics as keras_metrics
    y_true = kwargs.pop("y_true", labels)
    y_pred = kwargs.pop("y_pred", predictions)
    return getattr(keras_metrics, function_name)(y_true, y_pred)


def __getattr__(name):
    from tensorflux.keras import metrics as keras_metrics
    try:
        return getattr(keras_metrics, name)
    except AttributeError:
        raise AttributeError(f"tf.metrics.{name} is neither a TF1 streaming metric nor a "
                             "Keras metric known to tensorflux.") from None


def __dir__():
    from tensorflux.keras import metrics as keras_metrics
    return sorted(set(globals()) | set(dir(keras_metrics)))
