"""Classifier-evaluation metrics Keras leaves out: `Specificity` (true negative rate) and the
multi-class `ConfusionMatrix`. Both are stateful metrics (update_state / result / reset_state)
built from tensorflux ops, so they work in `compile(metrics=[...])`, eagerly and in graphs.
For reports and plots from arrays, see `tensorflux.evaluation`."""
import numpy as np

import tensorflux as tf
from tensorflux.keras.metrics.base import Metric
from tensorflux.keras.metrics.confusion import (is_evenly_distributed_thresholds,
                                                parse_init_thresholds,
                                                update_confusion_matrix_variables)

__all__ = ["Specificity", "ConfusionMatrix"]


class Specificity(Metric):
    """TN / (TN + FP): how many real negatives are predicted negative (true negative rate).

    A prediction is positive when it exceeds the threshold, as in `Precision`/`Recall`.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); a list gives one
            value per threshold.
        class_id: compute the metric for this class only (last axis of one-hot data).
        name, dtype: as for every metric.

    Example:
        >>> m = tf.keras.metrics.Specificity()
        >>> m.update_state([0, 0, 1, 1], [0.1, 0.7, 0.8, 0.9])
        >>> float(m.result())
        0.5
    """

    def __init__(self, thresholds=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.class_id = class_id
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=0.5)
        self._thresholds_distributed_evenly = is_evenly_distributed_thresholds(
            self.thresholds)
        count = len(self.thresholds)
        self.true_negatives = self.add_variable(shape=(count,), name="true_negatives")
        self.false_positives = self.add_variable(shape=(count,), name="false_positives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {"tn": self.true_negatives, "fp": self.false_positives}, y_true, y_pred,
            self.thresholds, class_id=self.class_id, sample_weight=sample_weight,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def result(self):
        tn = tf.identity(self.true_negatives)
        value = tf.math.div_no_nan(tn, tn + tf.identity(self.false_positives))
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "class_id": self.class_id}


class ConfusionMatrix(Metric):
    """The (weighted) confusion matrix over batches: result()[i, j] counts samples of true
    class i predicted as class j.

    Labels may be class indices or one-hot rows; predictions may be class indices, class
    probabilities/logits (their argmax is taken: the last axis has `num_classes` entries) or,
    for `num_classes=2`, one probability per sample (positive above `threshold`). Samples whose
    class is outside [0, num_classes) are ignored.

    Args:
        num_classes: the number of classes.
        threshold: the decision threshold of single-column binary predictions.
        name: the metric name.
        dtype: the dtype of the counts (default float64, exact for any realistic count).

    Example:
        >>> m = tf.keras.metrics.ConfusionMatrix(num_classes=3)
        >>> m.update_state([0, 1, 2, 2], [[0.8, 0.1, 0.1], [0.2, 0.3, 0.5],
        ...                               [0.1, 0.1, 0.8], [0.3, 0.6, 0.1]])
        >>> m.result().numpy().astype(int).tolist()
        [[1, 0, 0], [0, 0, 1], [0, 1, 1]]
    """

    def __init__(self, num_classes, threshold=0.5, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype if dtype is not None else "float64")
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
            raise ValueError(f"ConfusionMatrix needs num_classes >= 1; received "
                             f"num_classes={num_classes!r}.")
        self.num_classes = int(num_classes)
        self.threshold = float(threshold)
        self.total_cm = self.add_variable(shape=(self.num_classes, self.num_classes),
                                          name="total_confusion_matrix")

    def _class_indices(self, values, is_prediction):
        values = tf.convert_to_tensor(values)
        rank = values.shape.rank or 0
        last = values.shape[-1] if rank else None
        if rank >= 2 and last == self.num_classes and self.num_classes > 1:
            return tf.cast(tf.argmax(values, axis=-1), tf.int32)  # one-hot or probabilities
        if rank >= 2 and last == 1:
            values = tf.squeeze(values, axis=-1)
        if is_prediction and values.dtype.is_floating and self.num_classes == 2:
            return tf.cast(tf.greater(values, tf.cast(self.threshold, values.dtype)), tf.int32)
        return tf.cast(values, tf.int32)

    def update_state(self, y_true, y_pred, sample_weight=None):
        true = tf.reshape(self._class_indices(y_true, False), [-1])
        pred = tf.reshape(self._class_indices(y_pred, True), [-1])
        count = self.num_classes
        valid = tf.logical_and(tf.logical_and(true >= 0, true < count),
                               tf.logical_and(pred >= 0, pred < count))
        dtype = self.total_cm.dtype
        weights = tf.cast(valid, dtype)
        if sample_weight is not None:
            sample_weight = tf.cast(tf.convert_to_tensor(sample_weight), dtype)
            if sample_weight.shape.rank:
                sample_weight = tf.reshape(sample_weight, [-1])
            weights = weights * sample_weight
        ids = tf.where(valid, true * count + pred, tf.zeros_like(true))
        counts = tf.math.unsorted_segment_sum(weights, ids, count * count)
        self.total_cm.assign_add(tf.reshape(counts, [count, count]))

    def result(self):
        return tf.identity(self.total_cm)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "threshold": self.threshold}
