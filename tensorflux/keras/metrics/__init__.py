"""keras.metrics: stateful metrics (update_state / result / reset_state), the per-sample metric
functions, `get`/`serialize`/`deserialize`, and the helpers compile() uses to pick the right
accuracy or cross-entropy for the strings 'accuracy'/'acc' and 'crossentropy'/'ce'.

Example:
    >>> m = tf.keras.metrics.SparseCategoricalAccuracy()
    >>> m.update_state([1, 2], [[0.1, 0.8, 0.1], [0.5, 0.3, 0.2]])
    >>> float(m.result())
    0.5
"""
import inspect

from tensorflux.keras import losses as _losses
from tensorflux.keras.losses import (binary_crossentropy, binary_focal_crossentropy,
                                     categorical_crossentropy, categorical_focal_crossentropy,
                                     categorical_hinge, hinge, huber, kl_divergence, log_cosh,
                                     mean_absolute_error, mean_absolute_percentage_error,
                                     mean_squared_error, mean_squared_logarithmic_error,
                                     poisson, sparse_categorical_crossentropy, squared_hinge,
                                     mse, MSE, mae, MAE, mape, MAPE, msle, MSLE, kld, KLD,
                                     logcosh, kullback_leibler_divergence)
from tensorflux.keras.metrics.base import Metric, Mean, Sum, MeanMetricWrapper
from tensorflux.keras.metrics.accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                               SparseCategoricalAccuracy,
                                               TopKCategoricalAccuracy,
                                               SparseTopKCategoricalAccuracy, accuracy,
                                               binary_accuracy, categorical_accuracy,
                                               sparse_categorical_accuracy,
                                               top_k_categorical_accuracy,
                                               sparse_top_k_categorical_accuracy)
from tensorflux.keras.metrics.confusion import (AUC, FalseNegatives, FalsePositives,
                                                Precision, PrecisionAtRecall, Recall,
                                                RecallAtPrecision, SensitivityAtSpecificity,
                                                SpecificityAtSensitivity, TrueNegatives,
                                                TruePositives)
from tensorflux.keras.metrics.regression import (BinaryCrossentropy, CategoricalCrossentropy,
                                                 CategoricalHinge, CosineSimilarity, Hinge,
                                                 KLDivergence, LogCoshError,
                                                 MeanAbsoluteError,
                                                 MeanAbsolutePercentageError,
                                                 MeanSquaredError,
                                                 MeanSquaredLogarithmicError, Poisson,
                                                 R2Score, RootMeanSquaredError,
                                                 SparseCategoricalCrossentropy, SquaredHinge,
                                                 PearsonCorrelation, ConcordanceCorrelation,
                                                 pearson_correlation, concordance_correlation)
from tensorflux.keras.metrics.f_score import F1Score, FBetaScore
from tensorflux.keras.metrics.evaluation_metrics import ConfusionMatrix, Specificity
from tensorflux.keras.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU

__all__ = [
    "Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
    "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy", "TruePositives", "FalsePositives", "TrueNegatives",
    "FalseNegatives", "Precision", "Recall", "AUC", "SensitivityAtSpecificity",
    "SpecificityAtSensitivity", "PrecisionAtRecall", "RecallAtPrecision", "F1Score",
    "FBetaScore", "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "Specificity", "ConfusionMatrix",
    "MeanSquaredLogarithmicError", "RootMeanSquaredError", "CosineSimilarity", "LogCoshError",
    "R2Score", "PearsonCorrelation", "ConcordanceCorrelation", "pearson_correlation",
    "concordance_correlation", "BinaryCrossentropy", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "KLDivergence", "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge", "IoU", "MeanIoU",
    "BinaryIoU", "OneHotIoU", "OneHotMeanIoU", "accuracy", "binary_accuracy",
    "categorical_accuracy", "sparse_categorical_accuracy", "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "binary_focal_crossentropy",
    "categorical_focal_crossentropy", "kl_divergence", "poisson", "hinge", "squared_hinge",
    "categorical_hinge", "huber", "log_cosh", "mean_squared_error", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "mse", "mae", "mape",
    "msle", "kld", "logcosh", "kullback_leibler_divergence", "MSE", "MAE", "MAPE", "MSLE",
    "KLD", "get", "serialize", "deserialize",
    "resolve_accuracy",
    "resolve_crossentropy",
]

_CLASSES = [
    Metric, Mean, Sum, MeanMetricWrapper, MeanSquaredError, RootMeanSquaredError,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    CosineSimilarity, LogCoshError, R2Score, AUC, FalseNegatives, FalsePositives, Precision,
    PrecisionAtRecall, Recall, RecallAtPrecision, SensitivityAtSpecificity,
    SpecificityAtSensitivity, TrueNegatives, TruePositives, Hinge, SquaredHinge,
    CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, Accuracy, BinaryAccuracy, CategoricalAccuracy,
    SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    F1Score, FBetaScore, IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU,
    PearsonCorrelation, ConcordanceCorrelation, Specificity, ConfusionMatrix,
]

# As Keras 3: class names and their snake_case forms (both give instances), plus aliases.
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({_losses._to_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS_DICT.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy, "mse": MeanSquaredError,
    "MSE": MeanSquaredError, "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
})

# Functions `deserialize` resolves from {"class_name": "function", "config": name}.
_FUNCTIONS = {fn.__name__: fn for fn in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, pearson_correlation,
    concordance_correlation)}
_FUNCTIONS.update({name: obj for name, obj in _losses.ALL_OBJECTS_DICT.items()
                   if inspect.isfunction(obj)})


def serialize(metric):
    """The config dict of a `Metric` instance or a metric function (Keras 3's format)."""
    if metric is None:
        return None
    if isinstance(metric, Metric):
        return {"module": "keras.metrics", "class_name": type(metric).__name__,
                "config": metric.get_config(), "registered_name": None}
    return _losses.serialize(metric)


def _unknown(identifier):
    names = sorted(set(ALL_OBJECTS_DICT) | {"accuracy", "acc", "crossentropy", "ce"})
    return ValueError(f"Could not interpret metric identifier: {identifier!r}. Valid names "
                      f"are: {', '.join(names)} (or pass a callable, a Metric instance, or a "
                      "config dict from `serialize`).")


def _deserialize_function(config):
    name = config["config"] if isinstance(config, dict) else config
    if name in _FUNCTIONS:
        return _FUNCTIONS[name]
    raise _unknown(name)


def deserialize(config, custom_objects=None):
    """A `Metric` instance (or metric function) from `serialize`'s output or a name."""
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        found = custom_objects.get(config) or ALL_OBJECTS_DICT.get(config) or \
            _FUNCTIONS.get(config)
        if found is None:
            raise _unknown(config)
        return found
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not deserialize metric {config!r}: expected a name or a dict "
                         "with 'class_name' and 'config'.")
    class_name = config["class_name"]
    if class_name == "function":
        name = config.get("config")
        return custom_objects.get(name) or _deserialize_function(name)
    cls = custom_objects.get(class_name) or ALL_OBJECTS_DICT.get(class_name)
    if cls is None:
        raise _unknown(class_name)
    return cls.from_config(config.get("config") or {})


def get(identifier):
    """A metric from an identifier: None, a name ('accuracy', 'auc', 'mse', 'Precision', ...),
    a config dict, a callable or a `Metric` instance. Names give new instances.

    Raises:
        ValueError: the identifier is not a known metric (the message lists valid names).
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:
            raise _unknown(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise _unknown(identifier)


# ---- 'accuracy' / 'crossentropy' in compile() ---------------------------------------------------

def _loss_kind(loss):
    """'sparse', 'binary', 'categorical' or None, from a loss identifier or object."""
    if loss is None:
        return None
    if isinstance(loss, dict):
        loss = loss.get("class_name", "") if loss.get("class_name") != "function" else \
            loss.get("config", "")
    if isinstance(loss, str):
        name = loss
    elif isinstance(loss, _losses.LossFunctionWrapper):
        name = getattr(loss.fn, "__name__", type(loss).__name__)
        if type(loss) is not _losses.LossFunctionWrapper:
            name = type(loss).__name__
    elif isinstance(loss, _losses.Loss) or inspect.isclass(loss):
        name = loss.__name__ if inspect.isclass(loss) else type(loss).__name__
    else:
        name = getattr(loss, "__name__", type(loss).__name__)
    name = _losses._to_snake_case(name).lower()
    if "sparse_categorical" in name:
        return "sparse"
    if name in ("binary_crossentropy", "bce", "binary_focal_crossentropy") or \
            name.startswith("binary_"):
        return "binary"
    if "categorical" in name:
        return "categorical"
    return None


def _last_dim(shape):
    if shape is None:
        return None
    dims = shape.as_list() if hasattr(shape, "as_list") else list(shape)
    return dims[-1] if dims else None


def _rank(shape):
    if shape is None:
        return None
    if hasattr(shape, "rank"):
        return shape.rank
    return len(shape)


def _kind(loss, output_shape, y_true_shape):
    """Keras 3's rule from shapes (binary if y_pred has one column; sparse if y_true has lower
    rank or a single column against several), refined by the loss when y_true is unknown."""
    if _last_dim(output_shape) == 1:
        return "binary"
    if y_true_shape is not None and output_shape is not None:
        true_rank, pred_rank = _rank(y_true_shape), _rank(output_shape)
        if true_rank is not None and pred_rank is not None:
            if true_rank < pred_rank or (_last_dim(y_true_shape) == 1 and
                                         (_last_dim(output_shape) or 2) > 1):
                return "sparse"
            return "categorical"
    kind = _loss_kind(loss)
    return kind or "categorical"


def resolve_accuracy(loss, output_shape, y_true_shape=None, name="accuracy"):
    """The accuracy metric compile() uses for the string 'accuracy' (or 'acc').

    Args:
        loss: the compiled loss of this output (string, function, `Loss`, dict or None).
        output_shape: the model output's shape (TensorShape, tuple or list).
        y_true_shape: the labels' shape if known (then Keras 3's shape rule decides).
        name: the metric name (the string the user passed).

    Returns:
        BinaryAccuracy if the output has one column or the loss is a binary cross-entropy,
        SparseCategoricalAccuracy for sparse labels / a sparse categorical cross-entropy,
        CategoricalAccuracy otherwise.
    """
    kind = _kind(loss, output_shape, y_true_shape)
    if kind == "binary":
        return BinaryAccuracy(name=name)
    if kind == "sparse":
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


def resolve_crossentropy(loss, output_shape, y_true_shape=None, name="crossentropy"):
    """The cross-entropy metric for the string 'crossentropy' (or 'ce'), chosen like
    `resolve_accuracy`; it follows the compiled loss's `from_logits`."""
    from_logits = bool(getattr(loss, "from_logits", False) or (
        isinstance(loss, _losses.LossFunctionWrapper) and
        loss._fn_kwargs.get("from_logits", False)))
    kind = _kind(loss, output_shape, y_true_shape)
    if kind == "binary":
        return BinaryCrossentropy(name=name, from_logits=from_logits)
    if kind == "sparse":
        return SparseCategoricalCrossentropy(name=name, from_logits=from_logits)
    return CategoricalCrossentropy(name=name, from_logits=from_logits)


def resolve_crossentropy_loss(output_shape, y_true_shape=None, loss=None):
    """The loss *function* compile() uses for loss='crossentropy'/'ce' (Keras 3's rule)."""
    kind = _kind(loss, output_shape, y_true_shape)
    return {"binary": binary_crossentropy, "sparse": sparse_categorical_crossentropy,
            "categorical": categorical_crossentropy}[kind]
