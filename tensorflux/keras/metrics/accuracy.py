"""Accuracy metrics: exact, binary (thresholded), categorical, sparse and top-k variants.

Each `*_accuracy` function returns one 0/1 value per sample (float32); the classes average them
with `MeanMetricWrapper` (sample weights supported).
"""
import tensorflux as tf
from tensorflux.keras.losses import _convert, _floatx, squeeze_or_expand_to_same_rank
from tensorflux.keras.metrics.base import MeanMetricWrapper

__all__ = ["accuracy", "binary_accuracy", "categorical_accuracy",
           "sparse_categorical_accuracy", "top_k_categorical_accuracy",
           "sparse_top_k_categorical_accuracy", "Accuracy", "BinaryAccuracy",
           "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
           "SparseTopKCategoricalAccuracy"]


def _matches(a, b):
    return tf.cast(tf.equal(a, b), _floatx())


def accuracy(y_true, y_pred):
    """1.0 where y_true == y_pred exactly, else 0.0."""
    y_pred = _convert(y_pred)
    y_true = _convert(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _matches(y_true, y_pred)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where (y_pred > threshold) equals the 0/1 label y_true."""
    y_pred = _convert(y_pred)
    y_true = _convert(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    threshold = tf.cast(_convert(threshold), y_pred.dtype)
    predicted = tf.cast(tf.greater(y_pred, threshold), y_true.dtype)
    return _matches(y_true, predicted)


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals argmax(y_true) (one-hot labels)."""
    y_pred = _convert(y_pred)
    y_true = tf.cast(tf.argmax(_convert(y_true), axis=-1), y_pred.dtype)
    original_shape = None
    if y_true.shape.rank is not None and y_true.shape.rank == y_pred.shape.rank:
        original_shape = tf.shape(y_true)
        y_true = tf.squeeze(y_true, -1)
    predicted = tf.cast(tf.argmax(y_pred, axis=-1), y_true.dtype)
    matches = _matches(y_true, predicted)
    if original_shape is not None:
        matches = tf.reshape(matches, original_shape)
    return matches


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals the integer label y_true."""
    y_pred = _convert(y_pred)
    y_true = _convert(y_true, y_pred.dtype if y_pred.dtype.is_floating else None)
    if y_true.shape.rank is not None and y_true.shape.rank == y_pred.shape.rank and \
            y_true.shape[-1] == 1:
        y_true = tf.squeeze(y_true, -1)
    predicted = tf.cast(tf.argmax(y_pred, axis=-1), y_true.dtype)
    matches = _matches(y_true, predicted)
    if matches.shape.rank is not None and matches.shape.rank > 1 and matches.shape[-1] == 1:
        matches = tf.squeeze(matches, -1)
    return matches


def _flatten_for_top_k(y_true, y_pred):
    original_shape = None
    if y_pred.shape.rank is not None and y_pred.shape.rank > 2:
        y_pred = tf.reshape(y_pred, [-1, y_pred.shape[-1]])
    if y_true.shape.rank is not None and y_true.shape.rank > 1:
        original_shape = tf.shape(y_true)
        y_true = tf.reshape(y_true, [-1])
    return y_true, y_pred, original_shape


def _in_top_k(targets, predictions, k):
    """Whether each target's score is among the k largest (ties at the boundary count in)."""
    targets = tf.cast(targets, tf.int32)
    target_scores = tf.gather(predictions, targets, axis=1, batch_dims=1)
    higher = tf.reduce_sum(tf.cast(tf.greater(predictions, tf.expand_dims(target_scores, -1)),
                                   tf.int32), axis=1)
    return tf.less(higher, k)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the k highest scores."""
    y_pred = _convert(y_pred)
    y_true = tf.argmax(_convert(y_true), axis=-1)
    y_true, y_pred, original_shape = _flatten_for_top_k(y_true, y_pred)
    matches = tf.cast(_in_top_k(y_true, y_pred, k), _floatx())
    if original_shape is not None:
        matches = tf.reshape(matches, original_shape)
    return matches


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the k highest scores.

    With `from_sorted_ids=True`, y_pred holds class ids sorted by score and the first k are
    compared with the label.
    """
    y_pred = _convert(y_pred)
    y_true = _convert(y_true, y_pred.dtype if from_sorted_ids else tf.int32)
    y_true, y_pred, original_shape = _flatten_for_top_k(y_true, y_pred)
    if from_sorted_ids:
        matches = tf.reduce_any(tf.equal(tf.expand_dims(y_true, 1), y_pred[:, :k]), axis=1)
    else:
        matches = _in_top_k(y_true, y_pred, k)
    matches = tf.cast(matches, _floatx())
    if original_shape is not None:
        matches = tf.reshape(matches, original_shape)
    return matches


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly.

    Example:
        >>> m = tf.keras.metrics.Accuracy()
        >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
        >>> float(m.result())
        0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) matches the 0/1 labels.

    Example:
        >>> m = tf.keras.metrics.BinaryAccuracy()
        >>> m.update_state([[1.], [1.], [0.], [0.]], [[0.98], [1.], [0.], [0.6]])
        >>> float(m.result())
        0.75
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches the one-hot labels."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches the integer labels."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the top `k` predictions."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the top `k` predictions."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
