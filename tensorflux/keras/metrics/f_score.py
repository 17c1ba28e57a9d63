"""F-beta and F1 scores for multi-class / multi-label (one-hot or multi-hot) data."""
import tensorflux as tf
from tensorflux.keras.losses import _convert, _epsilon
from tensorflux.keras.metrics.base import Metric

__all__ = ["FBetaScore", "F1Score"]

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """(1 + beta^2) precision recall / (beta^2 precision + recall), per class or averaged.

    Inputs are 2-D, (batch_size, num_classes). A prediction is positive when it is > threshold,
    or, with threshold=None, when it is the row's maximum.

    Args:
        average: None (one score per class), "micro" (pool all counts), "macro" (mean of the
            per-class scores) or "weighted" (mean weighted by each class's support).
        beta: the weight of recall (a Python float > 0).
        threshold: a float in (0, 1], or None.
        name, dtype: as for every metric.

    Example:
        >>> m = tf.keras.metrics.FBetaScore(beta=2.0, threshold=0.5)
        >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
        ...                [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
        >>> [round(v, 4) for v in m.result().numpy().tolist()]
        [0.3846, 0.9091, 0.8333]
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in _AVERAGES:
            raise ValueError("Invalid `average` argument value. Expected one of: {None, "
                             f"'micro', 'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: "
                             f"beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python "
                                 f"float. Received: threshold={threshold} of type "
                                 f"'{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape "
                             "(batch_size, output_dim). Received input shapes: "
                             f"y_pred.shape={tuple(y_pred_shape)} and "
                             f"y_true.shape={tuple(y_true_shape)}.")
        if y_pred_shape[-1] is None or y_true_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape "
                             "(batch_size, output_dim), with output_dim fully defined (not "
                             f"None). Received input shapes: y_pred.shape="
                             f"{tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}.")
        shape = (int(y_pred_shape[-1]),) if self.average != "micro" else ()
        self.true_positives = self.add_variable(shape=shape, name="true_positives")
        self.false_positives = self.add_variable(shape=shape, name="false_positives")
        self.false_negatives = self.add_variable(shape=shape, name="false_negatives")
        self.intermediate_weights = self.add_variable(shape=shape, name="intermediate_weights")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        dtype = self._metric_dtype
        y_true = _convert(y_true, dtype)
        y_pred = _convert(y_pred, dtype)
        if not self._built:
            self._build(y_true.shape.as_list() if y_true.shape.rank is not None else [],
                        y_pred.shape.as_list() if y_pred.shape.rank is not None else [])
        if self.threshold is None:
            row_max = tf.reduce_max(y_pred, axis=-1, keepdims=True)
            # the row maximum is positive, unless the whole row is ~0
            positive = tf.logical_and(y_pred >= row_max, tf.abs(y_pred) > 1e-9)
        else:
            positive = y_pred > self.threshold
        y_pred = tf.cast(positive, dtype)
        if sample_weight is not None:
            sample_weight = tf.expand_dims(_convert(sample_weight, dtype), 1)

        def weighted_sum(values):
            if sample_weight is not None:
                values = values * sample_weight
            return tf.reduce_sum(values, axis=self.axis)

        self.true_positives.assign_add(weighted_sum(y_pred * y_true))
        self.false_positives.assign_add(weighted_sum(y_pred * (1.0 - y_true)))
        self.false_negatives.assign_add(weighted_sum((1.0 - y_pred) * y_true))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self):
        if not self._built:
            raise ValueError(f"{type(self).__name__} has no result before the first "
                             "update_state() call (its number of classes is not known yet).")
        epsilon = _epsilon()
        tp = tf.identity(self.true_positives)
        precision = tp / (tp + tf.identity(self.false_positives) + epsilon)
        recall = tp / (tp + tf.identity(self.false_negatives) + epsilon)
        beta_squared = self.beta ** 2
        score = precision * recall / (beta_squared * precision + recall + epsilon)
        score = score * (1.0 + beta_squared)
        if self.average == "weighted":
            support = tf.identity(self.intermediate_weights)
            score = tf.reduce_sum(score * (support / (tf.reduce_sum(support) + epsilon)))
        elif self.average is not None:
            score = tf.reduce_mean(score)
        return score

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F1 score, 2 precision recall / (precision + recall) (FBetaScore with beta=1).

    Example:
        >>> m = tf.keras.metrics.F1Score(threshold=0.5)
        >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
        ...                [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
        >>> [round(v, 4) for v in m.result().numpy().tolist()]
        [0.5, 0.8, 0.6667]
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
