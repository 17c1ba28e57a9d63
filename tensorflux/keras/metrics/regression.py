"""Regression metrics (MSE, MAE, RMSE, ..., R2) and the metrics that average a loss function
(cross-entropies, KL divergence, Poisson, hinges)."""
import warnings

import tensorflux as tf
from tensorflux.keras import losses
from tensorflux.keras.losses import _convert, squeeze_or_expand_to_same_rank
from tensorflux.keras.metrics.base import Mean, MeanMetricWrapper, Metric

__all__ = ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "RootMeanSquaredError", "CosineSimilarity",
           "LogCoshError", "R2Score", "BinaryCrossentropy", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "KLDivergence", "Poisson", "Hinge", "SquaredHinge",
           "CategoricalHinge", "cosine_similarity", "pearson_correlation",
           "concordance_correlation", "PearsonCorrelation", "ConcordanceCorrelation"]


def cosine_similarity(y_true, y_pred, axis=-1):
    """sum(l2_normalize(y_true) * l2_normalize(y_pred), axis): 1 means same direction."""
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


def _simple_metric(class_name, fn, default_name, doc, extra=()):
    """A MeanMetricWrapper subclass averaging `fn`, with constructor (name, dtype, *extra)."""
    extra = dict(extra)

    def __init__(self, name=default_name, dtype=None, **kwargs):
        unknown = set(kwargs) - set(extra)
        if unknown:
            raise TypeError(f"{class_name}() got unexpected keyword arguments {sorted(unknown)}")
        values = {**extra, **kwargs}
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **values)
        for key, value in values.items():
            setattr(self, key, value)

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype}
        config.update({key: getattr(self, key) for key in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    return type(class_name, (MeanMetricWrapper,),
                {"__init__": __init__, "get_config": get_config, "from_config": from_config,
                 "__doc__": doc, "_config_keys": tuple(extra), "__module__": __name__})


MeanSquaredError = _simple_metric(
    "MeanSquaredError", losses.mean_squared_error, "mean_squared_error",
    "The mean of squared errors, mean(square(y_true - y_pred)).")
MeanAbsoluteError = _simple_metric(
    "MeanAbsoluteError", losses.mean_absolute_error, "mean_absolute_error",
    "The mean of absolute errors, mean(abs(y_true - y_pred)).")
MeanAbsolutePercentageError = _simple_metric(
    "MeanAbsolutePercentageError", losses.mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "100 * mean(abs((y_true - y_pred) / y_true)).")
MeanSquaredLogarithmicError = _simple_metric(
    "MeanSquaredLogarithmicError", losses.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "mean(square(log(y_true + 1) - log(y_pred + 1))).")
LogCoshError = _simple_metric(
    "LogCoshError", losses.log_cosh, "logcosh", "mean(log(cosh(y_pred - y_true))).")
KLDivergence = _simple_metric(
    "KLDivergence", losses.kl_divergence, "kl_divergence",
    "The mean Kullback-Leibler divergence, y_true * log(y_true / y_pred).")
Poisson = _simple_metric(
    "Poisson", losses.poisson, "poisson", "The mean of y_pred - y_true * log(y_pred).")
Hinge = _simple_metric("Hinge", losses.hinge, "hinge", "The mean hinge loss.")
SquaredHinge = _simple_metric("SquaredHinge", losses.squared_hinge, "squared_hinge",
                              "The mean squared hinge loss.")
CategoricalHinge = _simple_metric("CategoricalHinge", losses.categorical_hinge,
                                  "categorical_hinge", "The mean categorical hinge loss.")
BinaryCrossentropy = _simple_metric(
    "BinaryCrossentropy", losses.binary_crossentropy, "binary_crossentropy",
    "The mean binary cross-entropy (see keras.losses.binary_crossentropy).",
    (("from_logits", False), ("label_smoothing", 0)))
CategoricalCrossentropy = _simple_metric(
    "CategoricalCrossentropy", losses.categorical_crossentropy, "categorical_crossentropy",
    "The mean categorical cross-entropy (see keras.losses.categorical_crossentropy).",
    (("from_logits", False), ("label_smoothing", 0), ("axis", -1)))
SparseCategoricalCrossentropy = _simple_metric(
    "SparseCategoricalCrossentropy", losses.sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy",
    "The mean sparse categorical cross-entropy; entries labelled `ignore_class` are skipped.",
    (("from_logits", False), ("ignore_class", None), ("axis", -1)))


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson correlation coefficient of y_true and y_pred along `axis`."""
    y_pred = _convert(y_pred)
    y_true = _convert(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    true_centered = y_true - tf.reduce_mean(y_true, axis=axis, keepdims=True)
    pred_centered = y_pred - tf.reduce_mean(y_pred, axis=axis, keepdims=True)
    true_centered = true_centered / tf.math.reduce_std(true_centered, axis=axis, keepdims=True)
    pred_centered = pred_centered / tf.math.reduce_std(pred_centered, axis=axis, keepdims=True)
    return tf.reduce_mean(true_centered * pred_centered, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation along `axis`, written as Keras 3 computes it (its
    covariance term centres y_true on the mean of y_pred)."""
    y_pred = _convert(y_pred)
    y_true = _convert(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    true_mean = tf.reduce_mean(y_true, axis=axis, keepdims=True)
    pred_mean = tf.reduce_mean(y_pred, axis=axis, keepdims=True)
    true_var = tf.math.reduce_variance(y_true - true_mean, axis=axis, keepdims=True)
    pred_var = tf.math.reduce_variance(y_pred - pred_mean, axis=axis, keepdims=True)
    covariance = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + tf.square(true_mean - pred_mean)
    return tf.reduce_mean(2.0 * covariance / (norm + losses._epsilon()), axis=axis)


class _AxisMetric(MeanMetricWrapper):
    _fn_default = None

    def __init__(self, name=None, dtype=None, axis=-1):
        super().__init__(type(self)._fn_default, name=name or self._default_name, dtype=dtype,
                         axis=axis)
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class PearsonCorrelation(_AxisMetric):
    """The mean (over batches of samples) Pearson correlation along `axis`."""
    _fn_default = staticmethod(pearson_correlation)
    _default_name = "pearson_correlation"


class ConcordanceCorrelation(_AxisMetric):
    """The mean concordance correlation along `axis` (Keras 3's formula)."""
    _fn_default = staticmethod(concordance_correlation)
    _default_name = "concordance_correlation"


class CosineSimilarity(MeanMetricWrapper):
    """The mean cosine similarity between labels and predictions along `axis`.

    Example:
        >>> m = tf.keras.metrics.CosineSimilarity()
        >>> m.update_state([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]])
        >>> round(float(m.result()), 4)
        0.5
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class RootMeanSquaredError(Mean):
    """sqrt(mean(square(y_true - y_pred))) over all samples seen.

    Example:
        >>> m = tf.keras.metrics.RootMeanSquaredError()
        >>> m.update_state([[0., 1.], [0., 0.]], [[1., 1.], [0., 0.]])
        >>> float(m.result())
        0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = _convert(y_true, self._metric_dtype)
        y_pred = _convert(y_pred, self._metric_dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        losses._check_broadcastable("RootMeanSquaredError", y_true, y_pred)
        return super().update_state(tf.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return tf.sqrt(super().result())


class R2Score(Metric):
    """The coefficient of determination, 1 - SS_res / SS_tot, per output column.

    Args:
        class_aggregation: "uniform_average" (default), "variance_weighted_average" or None
            (one score per column).
        num_regressors: > 0 gives the adjusted R2.
        name, dtype: as for every metric.
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0,
                 name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(f"Invalid value for argument `class_aggregation`. Expected one of "
                             f"{valid}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value "
                             f">= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable(shape=(), name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={tuple(y_pred_shape)} and "
                             f"y_true.shape={tuple(y_true_shape)}.")
        if y_pred_shape[-1] is None or y_true_shape[-1] is None:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim), "
                             "with output_dim fully defined (not None).")
        columns = (int(y_pred_shape[-1]),)
        self.squared_sum = self.add_variable(shape=columns, name="squared_sum")
        self.sum = self.add_variable(shape=columns, name="sum")
        self.total_mse = self.add_variable(shape=columns, name="residual")
        self.count = self.add_variable(shape=columns, name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        dtype = self._metric_dtype
        y_true = _convert(y_true, dtype)
        y_pred = _convert(y_pred, dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape.as_list(), y_pred.shape.as_list())
        weight = _convert(1.0 if sample_weight is None else sample_weight, dtype)
        if weight.shape.rank == 1:
            weight = tf.expand_dims(weight, 1)
        weight = tf.broadcast_to(weight, tf.shape(y_true))
        weighted = y_true * weight
        self.sum.assign_add(tf.reduce_sum(weighted, axis=0))
        self.squared_sum.assign_add(tf.reduce_sum(y_true * weighted, axis=0))
        self.total_mse.assign_add(tf.reduce_sum(tf.square(y_true - y_pred) * weight, axis=0))
        self.count.assign_add(tf.reduce_sum(weight, axis=0))
        self.num_samples.assign_add(tf.cast(tf.size(y_true), dtype))

    def result(self):
        total_sum, count = tf.identity(self.sum), tf.identity(self.count)
        mean = total_sum / count
        total = tf.identity(self.squared_sum) - total_sum * mean
        scores = 1.0 - tf.identity(self.total_mse) / total
        scores = tf.where(tf.math.is_inf(scores), tf.zeros_like(scores), scores)
        if self.class_aggregation == "uniform_average":
            score = tf.reduce_mean(scores)
        elif self.class_aggregation == "variance_weighted_average":
            score = tf.reduce_sum(total * scores) / tf.reduce_sum(total)
        else:
            score = scores
        if self.num_regressors != 0:
            samples = float(self.num_samples.numpy()) if tf.executing_eagerly() else None
            if samples is not None and self.num_regressors > samples - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 "
                              "score. Falling back to standard R2 score.", stacklevel=2)
            elif samples is not None and self.num_regressors == samples - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to "
                              "standard R2 score.", stacklevel=2)
            else:
                n = tf.identity(self.num_samples)
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - float(self.num_regressors) - 1.0)
        return score

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
