"""Confusion-matrix metrics: TP/FP/TN/FN counts, Precision, Recall, AUC, and the
sensitivity/specificity/precision/recall-at-a-constraint metrics.

A prediction counts as positive at threshold t when y_pred > t. Counts are accumulated per
threshold in state Variables. As in Keras, thresholds spread evenly over [0, 1] (AUC and the
*At* metrics) are counted by bucketing each prediction once (ceil(p (T - 1)) - 1) and summing
buckets from the top, instead of comparing with every threshold.
"""
import numpy as np

import tensorflux as tf
from tensorflux.keras.losses import _convert, _epsilon, squeeze_or_expand_to_same_rank
from tensorflux.keras.metrics.base import Metric

__all__ = ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives", "Precision",
           "Recall", "AUC", "SensitivityAtSpecificity", "SpecificityAtSensitivity",
           "PrecisionAtRecall", "RecallAtPrecision", "update_confusion_matrix_variables"]

NEG_INF = -1e10
_CONDITIONS = ("tp", "fp", "tn", "fn")


def _to_list(x):
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, np.ndarray):
        return x.tolist() if x.ndim else [x.item()]
    return [x]


def parse_init_thresholds(thresholds, default_threshold=0.5):
    if thresholds is not None:
        invalid = [t for t in _to_list(thresholds) if t is None or t < 0 or t > 1]
        if invalid:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")
    return _to_list(default_threshold if thresholds is None else thresholds)


def is_evenly_distributed_thresholds(thresholds):
    thresholds = np.asarray(thresholds, dtype=np.float64)
    count = len(thresholds)
    if count < 3:
        return False
    even = np.arange(count, dtype=np.float32) / (count - 1)
    return bool(np.allclose(thresholds, even, atol=_epsilon()))


def _filter_top_k(x, k):
    """Keeps the k largest entries of the last axis (earlier index first among ties, as
    tf.math.top_k); the others become NEG_INF so no threshold counts them positive."""
    num_classes = x.shape[-1]
    if num_classes is None:
        raise ValueError("top_k needs a known number of classes (the last dimension of "
                         f"y_pred); got y_pred.shape={x.shape}.")
    mine = tf.expand_dims(x, -1)        # (..., i, 1)
    others = tf.expand_dims(x, -2)      # (..., 1, j)
    earlier = tf.constant(np.tril(np.ones((num_classes, num_classes), dtype=bool), -1))
    ahead = tf.logical_or(tf.greater(others, mine),
                          tf.logical_and(tf.equal(others, mine), earlier))
    rank = tf.reduce_sum(tf.cast(ahead, tf.int32), axis=-1)
    keep = tf.cast(tf.less(rank, k), x.dtype)
    return x * keep + NEG_INF * (1.0 - keep)


def _shape(x):
    return tuple(x.shape.as_list()) if x.shape.rank is not None else None


def _check_shapes(y_true, y_pred):
    a, b = _shape(y_true), _shape(y_pred)
    if a is None or b is None:
        return
    if len(a) != len(b) or any(d1 is not None and d2 is not None and d1 != d2
                               for d1, d2 in zip(a, b)):
        raise ValueError(f"y_true and y_pred must have the same shape for confusion-matrix "
                         f"metrics; got y_true.shape={a} and y_pred.shape={b}.")


def update_confusion_matrix_variables(variables_to_update, y_true, y_pred, thresholds,
                                      top_k=None, class_id=None, sample_weight=None,
                                      multi_label=False, label_weights=None,
                                      thresholds_distributed_evenly=False):
    """Adds this batch's weighted TP/FP/TN/FN counts (one per threshold) to the variables.

    Args:
        variables_to_update: dict from "tp"/"fp"/"tn"/"fn" to Variables of shape (T,) (or
            (T, num_labels) when `multi_label`).
        thresholds: Python list of T thresholds.
        top_k: only the k highest predictions of each row can be positive.
        class_id: only this class (last axis) is considered.
        sample_weight: weights broadcastable to y_pred.
        multi_label: count each label (column) separately.
        label_weights: per-label weights (not with `multi_label`).
    """
    unknown = [key for key in variables_to_update if key not in _CONDITIONS]
    if unknown or not variables_to_update:
        raise ValueError(f"Invalid keys: {unknown}. Valid keys are {list(_CONDITIONS)}.")
    dtype = next(iter(variables_to_update.values())).dtype
    y_true = tf.cast(_convert(y_true), dtype)
    y_pred = tf.cast(_convert(y_pred), dtype)
    with_epsilon = False
    if thresholds_distributed_evenly:
        with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = tf.expand_dims(tf.cast(_convert(sample_weight), dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.shape.rank == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {_shape(y_pred)}")
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    _check_shapes(y_true, y_pred)

    weights = None
    if sample_weight is not None:
        weights = tf.broadcast_to(sample_weight, tf.shape(y_pred))
    if label_weights is not None and not multi_label:
        label_weights = tf.broadcast_to(
            tf.expand_dims(tf.cast(_convert(label_weights), dtype), 0), tf.shape(y_pred))
        weights = label_weights if weights is None else weights * label_weights
    if not multi_label:
        y_true = tf.reshape(y_true, [-1])
        y_pred = tf.reshape(y_pred, [-1])
        if weights is not None:
            weights = tf.reshape(weights, [-1])

    if thresholds_distributed_evenly:
        counts = _bucketed_counts(variables_to_update, y_true, y_pred, weights, len(thresholds),
                                  multi_label, with_epsilon)
    else:
        counts = _compared_counts(variables_to_update, y_true, y_pred, weights, thresholds,
                                  multi_label)
    for key, variable in variables_to_update.items():
        variable.assign_add(tf.cast(counts[key], variable.dtype))


def _compared_counts(variables, y_true, y_pred, weights, thresholds, multi_label):
    """Counts by comparing each prediction with each threshold: (T, N) or (T, N, L)."""
    extra = [1, 1] if multi_label else [1]
    thresholds = tf.constant(np.asarray(thresholds, dtype=y_pred.dtype.as_numpy_dtype)
                             .reshape([-1] + extra))
    pred_is_pos = tf.greater(tf.expand_dims(y_pred, 0), thresholds)
    label_is_pos = tf.expand_dims(tf.cast(y_true, tf.bool), 0)
    pred_is_neg = tf.logical_not(pred_is_pos)
    label_is_neg = tf.logical_not(label_is_pos)
    cells = {"tp": (label_is_pos, pred_is_pos), "fp": (label_is_neg, pred_is_pos),
             "tn": (label_is_neg, pred_is_neg), "fn": (label_is_pos, pred_is_neg)}
    counts = {}
    for key in variables:
        both = tf.logical_and(*cells[key])
        if weights is None:
            values = tf.cast(both, y_pred.dtype)
        else:
            tiled = tf.broadcast_to(tf.expand_dims(weights, 0), tf.shape(both))
            values = tf.where(both, tiled, tf.zeros_like(tiled))
        counts[key] = tf.reduce_sum(values, axis=1)
    return counts


def _bucketed_counts(variables, y_true, y_pred, weights, num_thresholds, multi_label,
                     with_epsilon):
    """Counts for thresholds i / (T - 1): prediction p is positive at thresholds below bucket
    ceil(p (T - 1)) - 1; per-bucket sums, accumulated from the top bucket down."""
    dtype = y_pred.dtype
    y_pred = tf.clip_by_value(y_pred, tf.constant(np.asarray(0, dtype.as_numpy_dtype)),
                              tf.constant(np.asarray(1, dtype.as_numpy_dtype)))
    y_true = tf.cast(tf.cast(y_true, tf.bool), dtype)
    true_labels = y_true if weights is None else y_true * weights
    false_labels = (1.0 - y_true) if weights is None else (1.0 - y_true) * weights
    buckets = tf.math.ceil(y_pred * float(num_thresholds - 1)) - 1.0
    if with_epsilon:
        buckets = tf.maximum(buckets, tf.zeros_like(buckets))
    # Bucket -1 (p == 0 without the epsilon thresholds) is never positive: send it to an
    # extra segment that is dropped.
    segments = num_thresholds + 1
    ids = tf.cast(tf.where(buckets < 0.0, tf.ones_like(buckets) * float(num_thresholds),
                           buckets), tf.int32)
    if multi_label:
        num_labels = y_pred.shape[-1]
        ids = ids + tf.constant(np.arange(num_labels, dtype=np.int32) * segments)
        total_segments = num_labels * segments
    else:
        num_labels, total_segments = None, segments
    flat_ids = tf.reshape(ids, [-1])

    def per_threshold(labels):
        sums = tf.unsorted_segment_sum(tf.reshape(labels, [-1]), flat_ids, total_segments)
        if multi_label:
            sums = tf.transpose(tf.reshape(sums, [num_labels, segments]))
        sums = sums[:num_thresholds]
        return tf.cumsum(sums, axis=0, reverse=True)

    counts = {}
    need_true = any(key in variables for key in ("tp", "fn"))
    need_false = any(key in variables for key in ("fp", "tn"))
    tp = per_threshold(true_labels) if need_true else None
    fp = per_threshold(false_labels) if need_false else None
    if "tp" in variables:
        counts["tp"] = tp
    if "fp" in variables:
        counts["fp"] = fp
    if "tn" in variables:
        counts["tn"] = tf.reduce_sum(false_labels, axis=0) - fp
    if "fn" in variables:
        counts["fn"] = tf.reduce_sum(true_labels, axis=0) - tp
    return counts


def _read(variable):
    return tf.identity(variable)


# ---- counts -------------------------------------------------------------------------------

class _ConfusionMatrixConditionCount(Metric):
    _condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=0.5)
        self._thresholds_distributed_evenly = is_evenly_distributed_thresholds(
            self.thresholds)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {self._condition: self.accumulator}, y_true, y_pred, self.thresholds,
            sample_weight=sample_weight,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def result(self):
        value = _read(self.accumulator)
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true positives, per threshold (default 0.5).

    Example:
        >>> m = tf.keras.metrics.TruePositives()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> float(m.result())
        2.0
    """
    _condition = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false positives, per threshold (default 0.5)."""
    _condition = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true negatives, per threshold (default 0.5)."""
    _condition = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false negatives, per threshold (default 0.5)."""
    _condition = "fn"


# ---- precision and recall -------------------------------------------------------------------

class _PrecisionRecallBase(Metric):
    _second = None  # "fp" for precision, "fn" for recall

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=default)
        self._thresholds_distributed_evenly = is_evenly_distributed_thresholds(
            self.thresholds)
        count = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(count,), name="true_positives")
        second = "false_positives" if self._second == "fp" else "false_negatives"
        setattr(self, second, self.add_variable(shape=(count,), name=second))
        self._second_variable = getattr(self, second)

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {"tp": self.true_positives, self._second: self._second_variable}, y_true, y_pred,
            self.thresholds, top_k=self.top_k, class_id=self.class_id,
            sample_weight=sample_weight,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def result(self):
        tp = _read(self.true_positives)
        value = tf.math.div_no_nan(tp, tp + _read(self._second_variable))
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionRecallBase):
    """TP / (TP + FP): how many predicted positives are real positives.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5; with `top_k`, none).
        top_k: only the k highest-scoring classes of a row count as predicted positive.
        class_id: compute the metric for this class only (last axis of one-hot data).
        name, dtype: as for every metric.

    Example:
        >>> m = tf.keras.metrics.Precision()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> round(float(m.result()), 4)
        0.6667
    """
    _second = "fp"


class Recall(_PrecisionRecallBase):
    """TP / (TP + FN): how many real positives are predicted positive.

    Args: as `Precision`.

    Example:
        >>> m = tf.keras.metrics.Recall()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> round(float(m.result()), 4)
        0.6667
    """
    _second = "fn"


# ---- metrics at a constraint --------------------------------------------------------------------

class _SensitivitySpecificityBase(Metric):
    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        self.value = value
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._thresholds_distributed_evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._thresholds_distributed_evenly = True
        count = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(count,), name="true_positives")
        self.false_positives = self.add_variable(shape=(count,), name="false_positives")
        self.true_negatives = self.add_variable(shape=(count,), name="true_negatives")
        self.false_negatives = self.add_variable(shape=(count,), name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {"tp": self.true_positives, "tn": self.true_negatives,
             "fp": self.false_positives, "fn": self.false_negatives},
            y_true, y_pred, self.thresholds, class_id=self.class_id,
            sample_weight=sample_weight,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def _rates(self):
        tp, fp = _read(self.true_positives), _read(self.false_positives)
        tn, fn = _read(self.true_negatives), _read(self.false_negatives)
        return {"sensitivity": tf.math.div_no_nan(tp, tp + fn),
                "specificity": tf.math.div_no_nan(tn, tn + fp),
                "precision": tf.math.div_no_nan(tp, tp + fp)}

    def _max_under_constraint(self, constrained, dependent):
        """max(dependent where constrained >= value), 0 if no threshold qualifies."""
        feasible = tf.greater_equal(constrained, tf.cast(self.value, constrained.dtype))
        best = tf.reduce_max(tf.where(feasible, dependent, tf.zeros_like(dependent)))
        return tf.maximum(best, tf.zeros_like(best))

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id}


def _check_unit(argument, value):
    if value < 0 or value > 1:
        raise ValueError(f"Argument `{argument}` must be in the range [0, 1]. "
                         f"Received: {argument}={value}")


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """The best sensitivity (recall) among thresholds whose specificity is >= `specificity`."""

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit("specificity", specificity)
        self.specificity = specificity
        self.num_thresholds = num_thresholds
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self):
        rates = self._rates()
        return self._max_under_constraint(rates["specificity"], rates["sensitivity"])

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "specificity": self.specificity}


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """The best specificity among thresholds whose sensitivity is >= `sensitivity`."""

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit("sensitivity", sensitivity)
        self.sensitivity = sensitivity
        self.num_thresholds = num_thresholds
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self):
        rates = self._rates()
        return self._max_under_constraint(rates["sensitivity"], rates["specificity"])

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "sensitivity": self.sensitivity}


class PrecisionAtRecall(_SensitivitySpecificityBase):
    """The best precision among thresholds whose recall is >= `recall`."""

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit("recall", recall)
        self.recall = recall
        self.num_thresholds = num_thresholds
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self):
        rates = self._rates()
        return self._max_under_constraint(rates["sensitivity"], rates["precision"])

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "recall": self.recall}


class RecallAtPrecision(_SensitivitySpecificityBase):
    """The best recall among thresholds whose precision is >= `precision`."""

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit("precision", precision)
        self.precision = precision
        self.num_thresholds = num_thresholds
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self):
        rates = self._rates()
        return self._max_under_constraint(rates["precision"], rates["sensitivity"])

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "precision": self.precision}


# ---- AUC ------------------------------------------------------------------------------------

_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from counts at `num_thresholds`
    thresholds.

    Args:
        num_thresholds: number of thresholds (> 1), evenly spread over [0, 1] (the first and
            last are moved by epsilon so that predictions of exactly 0 and 1 are counted).
        curve: "ROC" (default), "PR" or "PRGAIN".
        summation_method: "interpolation" (trapezoids; for PR, the Davis & Goadrich
            interpolation), "majoring" or "minoring".
        thresholds: explicit thresholds (then num_thresholds = len(thresholds) + 2).
        multi_label: compute one AUC per label (column) and average them.
        num_labels: the number of labels, to create the state before the first batch.
        label_weights: per-label weights (for the average, or the counts without
            multi_label).
        from_logits: apply a sigmoid to y_pred first.
        name, dtype: as for every metric.

    Example:
        >>> m = tf.keras.metrics.AUC(num_thresholds=3)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        >>> round(float(m.result()), 4)
        0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        curve_key = str(curve).lower()
        if curve_key not in _CURVES:
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are '
                             '["PR", "ROC", "PRGAIN"]')
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                             'Expected values are ["interpolation", "majoring", "minoring"]')
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(_to_list(thresholds))
            self._thresholds_distributed_evenly = is_evenly_distributed_thresholds(
                np.array([0.0] + thresholds + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1)
                          for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        epsilon = _epsilon()
        self._thresholds = np.array([0.0 - epsilon] + thresholds + [1.0 + epsilon])
        self.curve = _CURVES[curve_key]
        self.summation_method = str(summation_method).lower()
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else \
            np.asarray(label_weights, dtype=self._metric_dtype.as_numpy_dtype)
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build([None, num_labels])
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(f"`y_pred` must have rank 2 when `multi_label=True`. Found "
                                 f"rank {len(shape)}. Full shape received for `y_pred`: "
                                 f"{tuple(shape)}")
            if shape[1] is None:
                raise ValueError("AUC(multi_label=True) needs a known number of labels (the "
                                 "last dimension of y_pred), or pass num_labels=.")
            self._num_labels = int(shape[1])
            variable_shape = (self.num_thresholds, self._num_labels)
        else:
            variable_shape = (self.num_thresholds,)
        self._build_input_shape = shape
        self.true_positives = self.add_variable(shape=variable_shape, name="true_positives")
        self.false_positives = self.add_variable(shape=variable_shape, name="false_positives")
        self.true_negatives = self.add_variable(shape=variable_shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape=variable_shape, name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = _convert(y_pred)
        if not self._built:
            self._build(y_pred.shape.as_list() if y_pred.shape.rank is not None else [])
        if self._from_logits:
            y_pred = tf.sigmoid(y_pred)
        update_confusion_matrix_variables(
            {"tp": self.true_positives, "tn": self.true_negatives,
             "fp": self.false_positives, "fn": self.false_negatives},
            y_true, y_pred, self.thresholds, sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def _average_over_labels(self, values):
        if not self.multi_label:
            return tf.reduce_sum(values)
        by_label = tf.reduce_sum(values, axis=0)
        if self.label_weights is None:
            return tf.reduce_mean(by_label)
        weights = tf.constant(self.label_weights)
        return tf.math.div_no_nan(tf.reduce_sum(by_label * weights), tf.reduce_sum(weights))

    def interpolate_pr_auc(self):
        """PR-AUC with the Davis & Goadrich (2006) interpolation between thresholds.

        Between two thresholds precision is interpolated along TP as a function of the number
        of predicted positives P: over [P_next, P_prev], with slope s = dTP / dP and
        intercept b = TP_next - s P_next, the area added to the recall-precision curve is
        s (dTP + b log(P_prev / P_next)) / (TP_next + FN_next).
        """
        count = self.num_thresholds
        tp, fp = _read(self.true_positives), _read(self.false_positives)
        fn = _read(self.false_negatives)
        zero = tf.zeros_like(tp[1:])
        d_tp = tp[:count - 1] - tp[1:]
        p = tp + fp
        d_p = p[:count - 1] - p[1:]
        slope = tf.math.div_no_nan(d_tp, tf.maximum(d_p, zero))
        intercept = tp[1:] - slope * p[1:]
        both_positive = tf.logical_and(p[:count - 1] > 0, p[1:] > 0)
        ratio = tf.where(both_positive,
                         tf.math.div_no_nan(p[:count - 1], tf.maximum(p[1:], zero)),
                         tf.ones_like(p[1:]))
        increments = tf.math.div_no_nan(slope * (d_tp + intercept * tf.math.log(ratio)),
                                        tf.maximum(tp[1:] + fn[1:], zero))
        return self._average_over_labels(increments)

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp = _read(self.true_positives), _read(self.false_positives)
        tn, fn = _read(self.true_negatives), _read(self.false_negatives)
        recall = tf.math.div_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = tf.math.div_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, tf.math.div_no_nan(tp, tp + fp)
        else:  # PRGAIN
            scale = tf.math.div_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scale * tf.math.div_no_nan(fn, tp)
            precision_gain = 1.0 - scale * tf.math.div_no_nan(fp, tp)
            no_tp = tf.equal(tp, 0.0)
            recall_gain = tf.where(no_tp, tf.zeros_like(tp), recall_gain)
            precision_gain = tf.where(no_tp, tf.ones_like(tp), precision_gain)
            x, y = tf.maximum(recall_gain, tf.zeros_like(tp)), precision_gain
        count = self.num_thresholds
        if self.summation_method == "interpolation":
            heights = (y[:count - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = tf.minimum(y[:count - 1], y[1:])
        else:
            heights = tf.maximum(y[:count - 1], y[1:])
        return self._average_over_labels((x[:count - 1] - x[1:]) * heights)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        label_weights = self.label_weights
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if label_weights is None else label_weights.tolist(),
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config
