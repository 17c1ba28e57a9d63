"""Intersection-over-union metrics for segmentation: IoU, MeanIoU, BinaryIoU, OneHotIoU,
OneHotMeanIoU. The state is a (num_classes, num_classes) confusion matrix (rows: true class,
columns: predicted class), int64 by default as in Keras."""
import warnings

import numpy as np

import tensorflux as tf
from tensorflux.keras.losses import _convert, _epsilon
from tensorflux.keras.metrics.base import Metric

__all__ = ["IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU", "confusion_matrix"]


def confusion_matrix(labels, predictions, num_classes, weights=None, dtype=tf.int64):
    """matrix[i, j] = total weight of samples with label i predicted as j (flat int inputs)."""
    labels = tf.cast(_convert(labels), tf.int32)
    predictions = tf.cast(_convert(predictions), tf.int32)
    true_hot = tf.one_hot(labels, num_classes, dtype=tf.float64)
    pred_hot = tf.one_hot(predictions, num_classes, dtype=tf.float64)
    if weights is not None:
        true_hot = true_hot * tf.expand_dims(tf.cast(_convert(weights), tf.float64), -1)
    return tf.cast(tf.matmul(true_hot, pred_hot, transpose_a=True), dtype)


class _IoUBase(Metric):
    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int")
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable(shape=(num_classes, num_classes),
                                          name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        dtype = self._metric_dtype
        if not self.sparse_y_true:
            y_true = tf.argmax(_convert(y_true), axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = tf.argmax(_convert(y_pred), axis=self.axis)
        y_true = tf.reshape(_convert(y_true, dtype), [-1])
        y_pred = tf.reshape(_convert(y_pred, dtype), [-1])
        if sample_weight is None:
            sample_weight = 1
        elif dtype.is_integer and "float" in str(getattr(sample_weight, "dtype", "")):
            warnings.warn("You are passing weight as `float`, but dtype is `int`. This may "
                          "result in an incorrect weight due to type casting. Consider using "
                          "integer weights.")
        sample_weight = _convert(sample_weight, dtype)
        if sample_weight.shape.rank is not None and sample_weight.shape.rank > 1:
            sample_weight = tf.reshape(sample_weight, [-1])
        sample_weight = tf.broadcast_to(sample_weight, tf.shape(y_true))
        num_classes = tf.cast(_convert(self.num_classes), dtype)
        in_bounds = tf.logical_and(
            tf.logical_and(y_true >= tf.zeros_like(y_true), y_true < num_classes),
            tf.logical_and(y_pred >= tf.zeros_like(y_pred), y_pred < num_classes))
        if self.ignore_class is not None:
            in_bounds = tf.logical_and(
                in_bounds, tf.not_equal(y_true, tf.cast(_convert(self.ignore_class), dtype)))
        y_true = tf.where(in_bounds, y_true, tf.zeros_like(y_true))
        y_pred = tf.where(in_bounds, y_pred, tf.zeros_like(y_pred))
        sample_weight = tf.where(in_bounds, sample_weight, tf.zeros_like(sample_weight))
        current = confusion_matrix(y_true, y_pred, self.num_classes, weights=sample_weight,
                                   dtype=dtype)
        self.total_cm.assign_add(current)


class IoU(_IoUBase):
    """Intersection over union, TP / (TP + FP + FN), averaged over `target_class_ids`.

    Args:
        num_classes: the number of classes.
        target_class_ids: the classes whose IoU is averaged.
        ignore_class: a label value left out of the counts.
        sparse_y_true / sparse_y_pred: whether labels / predictions are class ids (True) or
            one-hot / scores to argmax over `axis` (False).
        name, dtype: as for every metric (the state dtype defaults to int64).

    Example:
        >>> m = tf.keras.metrics.IoU(num_classes=2, target_class_ids=[0])
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> round(float(m.result()), 4)
        0.3333
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes=num_classes, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which "
                             f"is [0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def result(self):
        matrix = tf.identity(self.total_cm)
        dtype = self._metric_dtype
        predicted = tf.cast(tf.reduce_sum(matrix, axis=0), dtype)
        actual = tf.cast(tf.reduce_sum(matrix, axis=1), dtype)
        eye = tf.constant(np.eye(self.num_classes, dtype=matrix.dtype.as_numpy_dtype))
        true_positives = tf.cast(tf.reduce_sum(matrix * eye, axis=1), dtype)
        denominator = predicted + actual - true_positives
        ids = tf.constant(np.asarray(self.target_class_ids, dtype=np.int32))
        true_positives = tf.cast(tf.gather(true_positives, ids), tf.float32)
        denominator = tf.cast(tf.gather(denominator, ids), tf.float32)
        valid = tf.greater(denominator, 1e-9)
        num_valid = tf.reduce_sum(tf.cast(valid, tf.float32))
        iou = true_positives / (denominator + _epsilon())
        iou = tf.where(valid, iou, tf.zeros_like(iou))
        return tf.reduce_sum(iou, axis=self.axis) / (num_valid + _epsilon())

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of binary data: y_pred >= threshold is class 1."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = _convert(y_true, self._metric_dtype)
        y_pred = _convert(y_pred, tf.float32)
        y_pred = tf.cast(y_pred >= self.threshold, self._metric_dtype)
        return super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """The mean IoU over all `num_classes` classes.

    Example:
        >>> m = tf.keras.metrics.MeanIoU(num_classes=2)
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> round(float(m.result()), 4)
        0.3333
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=list(range(num_classes)),
                         name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """IoU for one-hot labels (argmax over `axis`) and scores (or ids with sparse_y_pred)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=target_class_ids,
                         name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """MeanIoU for one-hot labels and scores."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
