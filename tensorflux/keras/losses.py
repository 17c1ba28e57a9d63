"""Keras losses (the Keras 3 API): per-sample loss functions and `Loss` classes.

A loss *function* such as `mean_squared_error(y_true, y_pred)` returns one value per sample (it
reduces the last axis). A loss *class* such as `MeanSquaredError()` is called as
`loss(y_true, y_pred, sample_weight=None)`: it computes the per-sample values, multiplies them by
the sample weights and reduces them ("sum_over_batch_size" by default, "sum", "mean",
"mean_with_sample_weight", or "none"/None).

Everything is written with tensorflux ops, so losses run eagerly, in TF1 graphs and inside
`tf.function`, and are differentiable. Probabilities are clipped to [epsilon, 1 - epsilon]
(epsilon = 1e-7) as Keras does; `from_logits=True` uses the fused, stable cross-entropies.

When a cross-entropy receives the output of a softmax (or sigmoid) whose logits are known, it
computes the loss from those logits, as Keras does: a tensor made by a `Softmax`/`Sigmoid` op in a
graph, or one carrying the `_keras_logits` attribute (the pre-activation tensor). If the loss was
also told `from_logits=True`, it warns that the output does not represent logits.

Example:
    >>> loss = tf.keras.losses.MeanSquaredError()
    >>> float(loss([[0., 1.]], [[1., 1.]]))
    0.5
"""
import inspect
import re
import warnings

import numpy as np

import tensorflux as tf

__all__ = [
    "Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "CosineSimilarity", "Huber",
    "LogCosh", "Hinge", "SquaredHinge", "CategoricalHinge", "KLDivergence", "Poisson",
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "SparseCategoricalCrossentropy", "Dice", "Tversky",
    "CategoricalGeneralizedCrossEntropy", "dice", "tversky",
    "categorical_generalized_cross_entropy",
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "cosine_similarity", "huber", "log_cosh",
    "kl_divergence", "poisson", "hinge", "squared_hinge", "categorical_hinge",
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "sparse_categorical_crossentropy",
    "mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD", "logcosh",
    "kullback_leibler_divergence", "Reduction", "get", "serialize", "deserialize",
    "reduce_weighted_values",
    "squeeze_or_expand_to_same_rank", "standardize_reduction",
]

EPSILON = 1e-7
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# ---- small helpers --------------------------------------------------------------------------

def _epsilon():
    try:
        from tensorflux.keras import backend
        return float(backend.epsilon())
    except (ImportError, AttributeError):
        return EPSILON


def _floatx():
    try:
        from tensorflux.keras import backend
        return tf.as_dtype(backend.floatx())
    except (ImportError, AttributeError):
        return tf.float32


def _as_dtype(dtype):
    if dtype is None:
        return _floatx()
    if hasattr(dtype, "compute_dtype"):  # a DTypePolicy
        dtype = dtype.compute_dtype
    return tf.as_dtype(dtype)


def _convert(x, dtype=None):
    """A tensor of `dtype` (cast when needed); a tensor of the right dtype is returned as is, so
    markers and the producing op of a model output are kept."""
    if not isinstance(x, tf.Tensor):
        if dtype is not None and not hasattr(x, "_as_tensor"):
            array = np.asarray(x)
            if array.dtype.kind in "fiub":
                return tf.constant(array.astype(dtype.as_numpy_dtype))
        x = tf.convert_to_tensor(x)
    if dtype is not None and x.dtype != dtype:
        x = tf.cast(x, dtype)
    return x


def _shape_tuple(x):
    dims = x.shape.as_tuple()
    return None if dims is None else tuple(dims)


def _rank(x):
    return x.shape.rank


def _last_dim(x):
    return x.shape[-1] if x.shape.rank else None


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Makes ranks equal when they differ by one and the longer tensor ends in a dim of 1.

    The longer one is squeezed, except that a rank-1 partner is expanded instead (when
    `expand_rank_1`), so (batch,) labels meet (batch, 1) predictions as (batch, 1).
    """
    rank1, rank2 = _rank(x1), _rank(x2)
    if rank1 is None or rank2 is None or rank1 == rank2:
        return x1, x2
    if rank1 == rank2 + 1 and _last_dim(x1) == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = tf.expand_dims(x2, -1)
        else:
            x1 = tf.squeeze(x1, -1)
    if rank2 == rank1 + 1 and _last_dim(x2) == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = tf.expand_dims(x1, -1)
        else:
            x2 = tf.squeeze(x2, -1)
    return x1, x2


def _surely_not_broadcastable(a, b):
    """Whether static shapes `a` and `b` (tuples, or None when the rank is unknown) have a
    pair of known trailing dimensions that cannot broadcast together."""
    if a is None or b is None:
        return False
    return any(d1 is not None and d2 is not None and d1 != d2 and d1 != 1 and d2 != 1
               for d1, d2 in zip(reversed(a), reversed(b)))


def _check_broadcastable(fn_name, y_true, y_pred):
    """Elementwise losses need y_true and y_pred shapes that broadcast together."""
    a, b = _shape_tuple(y_true), _shape_tuple(y_pred)
    if _surely_not_broadcastable(a, b):
        raise ValueError(
            f"`{fn_name}`: y_true and y_pred have incompatible shapes: y_true.shape={a}, "
            f"y_pred.shape={b}. They must be equal (or broadcastable), e.g. both "
            "(batch_size, d0, .. dN).")


def _check_same_shape(fn_name, target, output):
    a, b = _shape_tuple(target), _shape_tuple(output)
    if a is None or b is None:
        return
    if len(a) != len(b):
        raise ValueError(
            f"`{fn_name}`: arguments `target` and `output` must have the same rank (ndim). "
            f"Received: target.shape={a}, output.shape={b}")
    for d1, d2 in zip(a, b):
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(
                f"`{fn_name}`: arguments `target` and `output` must have the same shape. "
                f"Received: target.shape={a}, output.shape={b}")


def _prepare(y_true, y_pred, fn_name=None, check=True):
    """Both as tensors of y_pred's (floating) dtype, with matched ranks."""
    y_pred = _convert(y_pred)
    if not y_pred.dtype.is_floating:
        y_pred = tf.cast(y_pred, _floatx())
    y_true = _convert(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if check and fn_name:
        _check_broadcastable(fn_name, y_true, y_pred)
    return y_true, y_pred


def _const(value, dtype):
    return tf.constant(np.asarray(value, dtype=dtype.as_numpy_dtype))


def _clip(x, low, high):
    return tf.clip_by_value(x, _const(low, x.dtype), _const(high, x.dtype))


# ---- softmax / sigmoid outputs fed to cross-entropies -----------------------------------------

_ACTIVATION_MARKERS = {"Softmax": "_keras_from_softmax", "Sigmoid": "_keras_from_sigmoid"}


def _get_logits(output, from_logits, op_type, fn_name):
    """The logits behind `output` when it is a softmax/sigmoid output, else `output` itself.

    Returns (tensor, from_logits). Keras' rule: if the logits are known (the `_keras_logits`
    attribute, or in a graph the input of the producing `op_type` op), the loss is computed
    from them; if the caller also said `from_logits=True`, that was a mistake and it warns.
    A tensor marked only by `_keras_from_softmax`/`_keras_from_sigmoid` (no logits attached)
    is converted back to logits (log-probabilities) when `from_logits=True`, so the activation
    is not applied twice.
    """
    logits = getattr(output, "_keras_logits", None)
    if logits is None and isinstance(output, tf.Tensor) and output._value is None \
            and output.op is not None and output.op.type == op_type \
            and len(output.op.inputs) == 1:
        logits = output.op.inputs[0]
    marked = logits is None and bool(getattr(output, _ACTIVATION_MARKERS[op_type], False))
    if logits is None and not marked:
        return output, from_logits
    if from_logits:
        warnings.warn(
            f'"`{fn_name}` received `from_logits=True`, but the `output` argument was '
            f"produced by a {op_type} activation and thus does not represent logits. Was this "
            "intended?", stacklevel=4)
    if logits is not None:
        return _convert(logits, output.dtype), True
    if not from_logits:
        return output, False
    tiny = np.finfo(output.dtype.as_numpy_dtype).tiny
    probabilities = _clip(output, tiny, 1.0)
    if op_type == "Softmax":
        return tf.math.log(probabilities), True
    probabilities = _clip(probabilities, tiny, 1.0 - np.finfo(
        output.dtype.as_numpy_dtype).epsneg)
    return tf.math.log(probabilities) - tf.math.log1p(-probabilities), True


# ---- loss functions (one value per sample) ---------------------------------------------------

def mean_squared_error(y_true, y_pred):
    """mean(square(y_true - y_pred), axis=-1)."""
    y_true, y_pred = _prepare(y_true, y_pred, "mean_squared_error")
    return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(abs(y_true - y_pred), axis=-1)."""
    y_true, y_pred = _prepare(y_true, y_pred, "mean_absolute_error")
    return tf.reduce_mean(tf.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)."""
    y_true, y_pred = _prepare(y_true, y_pred, "mean_absolute_percentage_error")
    denominator = tf.maximum(tf.abs(y_true), _const(_epsilon(), y_true.dtype))
    return 100.0 * tf.reduce_mean(tf.abs((y_true - y_pred) / denominator), axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)."""
    y_true, y_pred = _prepare(y_true, y_pred, "mean_squared_logarithmic_error")
    epsilon = _const(_epsilon(), y_pred.dtype)
    first = tf.math.log(tf.maximum(y_pred, epsilon) + 1.0)
    second = tf.math.log(tf.maximum(y_true, epsilon) + 1.0)
    return tf.reduce_mean(tf.square(first - second), axis=-1)


def _l2_normalize(x, axis):
    """x / max(||x||, eps) (Keras: x * min(rsqrt(sum x^2), 1 / eps))."""
    square_sum = tf.reduce_sum(tf.square(x), axis=axis, keepdims=True)
    # max(sum x^2, eps^2) keeps rsqrt finite, with the same value as Keras' min(rsqrt, 1/eps).
    floor = _const(_epsilon() ** 2, x.dtype)
    return x * tf.math.rsqrt(tf.maximum(square_sum, floor))


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis): -1 means same direction."""
    y_true, y_pred = _prepare(y_true, y_pred, "cosine_similarity")
    return -tf.reduce_sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def huber(y_true, y_pred, delta=1.0):
    """mean(0.5 x^2 if |x| <= delta else delta |x| - 0.5 delta^2, axis=-1), x = y_pred - y_true.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "huber")
    delta = _const(delta, y_pred.dtype)
    error = y_pred - y_true
    abs_error = tf.abs(error)
    quadratic = 0.5 * tf.square(error)
    linear = delta * abs_error - 0.5 * tf.square(delta)
    return tf.reduce_mean(tf.where(abs_error <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true)), axis=-1), as x + softplus(-2x) - log(2) (no overflow)."""
    y_true, y_pred = _prepare(y_true, y_pred, "log_cosh")
    x = y_pred - y_true
    return tf.reduce_mean(x + tf.math.softplus(-2.0 * x) - _const(np.log(2.0), x.dtype),
                          axis=-1)


def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred), axis=-1), both clipped to [epsilon, 1]."""
    y_pred = _convert(y_pred)
    y_true = _convert(y_true, y_pred.dtype)
    _check_broadcastable("kl_divergence", y_true, y_pred)
    epsilon = _epsilon()
    y_true = _clip(y_true, epsilon, 1.0)
    y_pred = _clip(y_pred, epsilon, 1.0)
    return tf.reduce_sum(y_true * tf.math.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)."""
    y_pred = _convert(y_pred)
    y_true = _convert(y_true, y_pred.dtype)
    _check_broadcastable("poisson", y_true, y_pred)
    epsilon = _const(_epsilon(), y_pred.dtype)
    return tf.reduce_mean(y_pred - y_true * tf.math.log(y_pred + epsilon), axis=-1)


def _binary_labels_to_signs(y_true):
    """Labels that are all 0 or 1 become -1/+1; other labels are left alone (Keras' rule)."""
    is_binary = tf.reduce_all(tf.logical_or(tf.equal(y_true, 0.0), tf.equal(y_true, 1.0)))
    factor = tf.cast(is_binary, y_true.dtype)
    # factor 1: 2 y - 1; factor 0: y
    return y_true * (1.0 + factor) - factor


def hinge(y_true, y_pred):
    """mean(maximum(1 - y_true * y_pred, 0), axis=-1); 0/1 labels are mapped to -1/+1."""
    y_pred = _convert(y_pred)
    y_true = _binary_labels_to_signs(_convert(y_true, y_pred.dtype))
    _check_broadcastable("hinge", y_true, y_pred)
    return tf.reduce_mean(tf.maximum(1.0 - y_true * y_pred, _const(0.0, y_pred.dtype)), axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1); 0/1 labels become -1/+1."""
    y_pred = _convert(y_pred)
    y_true = _binary_labels_to_signs(_convert(y_true, y_pred.dtype))
    _check_broadcastable("squared_hinge", y_true, y_pred)
    margin = tf.maximum(1.0 - y_true * y_pred, _const(0.0, y_pred.dtype))
    return tf.reduce_mean(tf.square(margin), axis=-1)


def categorical_hinge(y_true, y_pred):
    """maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0) over the last axis."""
    y_pred = _convert(y_pred)
    y_true = _convert(y_true, y_pred.dtype)
    _check_broadcastable("categorical_hinge", y_true, y_pred)
    positive = tf.reduce_sum(y_true * y_pred, axis=-1)
    negative = tf.reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return tf.maximum(negative - positive + 1.0, _const(0.0, y_pred.dtype))


def _binary_crossentropy_elementwise(target, output, from_logits, fn_name):
    _check_same_shape(fn_name, target, output)
    output, from_logits = _get_logits(output, from_logits, "Sigmoid", fn_name)
    if from_logits:
        return tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    epsilon = _epsilon()
    output = _clip(output, epsilon, 1.0 - epsilon)
    return -(target * tf.math.log(output) + (1.0 - target) * tf.math.log(1.0 - output))


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Mean over `axis` of -(y log p + (1 - y) log(1 - p)).

    Args:
        y_true: labels in [0, 1], shape (batch_size, d0, .. dN).
        y_pred: probabilities, or logits when `from_logits=True`; same shape.
        from_logits: whether `y_pred` holds logits (uses the stable fused form).
        label_smoothing: in [0, 1]; labels become y (1 - s) + 0.5 s.
        axis: the axis averaged over (default -1).

    Returns:
        A tensor of shape (batch_size, d0, .. dN-1).
    """
    y_pred = _convert(y_pred)
    y_true = _convert(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    values = _binary_crossentropy_elementwise(y_true, y_pred, from_logits,
                                              "binary_crossentropy")
    return tf.reduce_mean(values, axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy down-weighted on easy examples by (1 - p_t) ** gamma.

    With `apply_class_balancing`, class 1 is also weighted by `alpha` and class 0 by 1 - alpha.
    """
    y_pred = _convert(y_pred)
    y_true = _convert(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = tf.sigmoid(y_pred)
    bce = _binary_crossentropy_elementwise(y_true, y_pred, False, "binary_focal_crossentropy")
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal = tf.pow(1.0 - p_t, _const(gamma, y_pred.dtype)) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return tf.reduce_mean(focal, axis=axis)


def _check_axis(axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type "
                         f"{type(axis)}")


def _smooth_categorical(y_true, label_smoothing):
    num_classes = _last_dim(y_true)
    if num_classes is None:
        num_classes = tf.cast(tf.shape(y_true)[-1], y_true.dtype)
    return y_true * (1.0 - label_smoothing) + label_smoothing / num_classes


def _warn_single_class(fn_name, y_pred):
    if _last_dim(y_pred) == 1:
        warnings.warn(
            f"In loss {fn_name}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={_shape_tuple(y_pred)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=3)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y_true * log(y_pred), axis) for one-hot (or soft) labels.

    Probabilities are first rescaled to sum to 1 along `axis`, then clipped to
    [epsilon, 1 - epsilon]. With `from_logits=True` the fused softmax cross-entropy is used.
    `label_smoothing` s turns labels into y (1 - s) + s / num_classes.
    """
    _check_axis(axis)
    y_pred = _convert(y_pred)
    y_true = _convert(y_true, y_pred.dtype)
    _warn_single_class("categorical_crossentropy", y_pred)
    if label_smoothing:
        y_true = _smooth_categorical(y_true, label_smoothing)
    if _rank(y_true) is not None and _rank(y_true) < 1:
        raise ValueError("Arguments `target` and `output` must be at least rank 1. Received: "
                         f"target.shape={_shape_tuple(y_true)}, "
                         f"output.shape={_shape_tuple(y_pred)}")
    _check_same_shape("categorical_crossentropy", y_true, y_pred)
    output, from_logits = _get_logits(y_pred, from_logits, "Softmax",
                                      "categorical_crossentropy")
    if from_logits:
        return tf.nn.softmax_cross_entropy_with_logits(labels=y_true, logits=output, axis=axis)
    output = output / tf.reduce_sum(output, axis=axis, keepdims=True)
    epsilon = _epsilon()
    output = _clip(output, epsilon, 1.0 - epsilon)
    return -tf.reduce_sum(y_true * tf.math.log(output), axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """sum(alpha (1 - p) ** gamma * -y log p, axis): categorical cross-entropy focused on hard
    examples."""
    _check_axis(axis)
    y_pred = _convert(y_pred)
    y_true = _convert(y_true, y_pred.dtype)
    _warn_single_class("categorical_focal_crossentropy", y_pred)
    if label_smoothing:
        y_true = _smooth_categorical(y_true, label_smoothing)
    if from_logits:
        y_pred = tf.nn.softmax(y_pred, axis=axis)
    output = y_pred / tf.reduce_sum(y_pred, axis=axis, keepdims=True)
    epsilon = _epsilon()
    output = _clip(output, epsilon, 1.0 - epsilon)
    cross_entropy = -y_true * tf.math.log(output)
    weight = tf.pow(1.0 - output, _const(gamma, output.dtype)) * alpha
    return tf.reduce_sum(weight * cross_entropy, axis=axis)


def _sparse_categorical_crossentropy_and_mask(y_true, y_pred, from_logits=False,
                                              ignore_class=None, axis=-1):
    """The per-sample loss and the mask of valid entries (None without `ignore_class`)."""
    y_pred = _convert(y_pred)
    if not y_pred.dtype.is_floating:
        y_pred = tf.cast(y_pred, _floatx())
    y_true = _convert(y_true)
    if _rank(y_true) is not None and _rank(y_true) == _rank(y_pred) and \
            y_true.shape[axis] == 1:
        y_true = tf.squeeze(y_true, axis)
    valid = None
    if ignore_class is not None:
        rank = _rank(y_pred)
        class_axis = axis % rank
        valid = tf.not_equal(y_true, _const(ignore_class, y_true.dtype))
        y_true = tf.where(valid, y_true, tf.zeros_like(y_true))
        y_pred = tf.where(tf.expand_dims(valid, class_axis), y_pred, tf.zeros_like(y_pred))
    rank = _rank(y_pred)
    if axis != -1 and rank is not None and axis != rank - 1:
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    output, from_logits = _get_logits(y_pred, from_logits, "Softmax",
                                      "sparse_categorical_crossentropy")
    target = tf.cast(y_true, tf.int64)
    if rank is not None and rank < 1:
        raise ValueError(f"Argument `output` must be at least rank 1. Received: "
                         f"output.shape={_shape_tuple(y_pred)}")
    target_shape, output_shape = _shape_tuple(target), _shape_tuple(output)
    if target_shape is not None and output_shape is not None:
        if len(target_shape) != len(output_shape) - 1:
            raise ValueError(
                "`sparse_categorical_crossentropy`: argument `output` must have rank (ndim) "
                f"`target.ndim + 1`. Received: target.shape={target_shape}, "
                f"output.shape={output_shape}. Sparse labels are class indices of shape "
                "(batch_size,); for one-hot labels use categorical_crossentropy.")
        for d1, d2 in zip(target_shape, output_shape[:-1]):
            if d1 is not None and d2 is not None and d1 != d2:
                raise ValueError(
                    "`sparse_categorical_crossentropy`: arguments `target` and `output` must "
                    f"have the same shape up until the last dimension: "
                    f"target.shape={target_shape}, output.shape={output_shape}")
    if not from_logits:
        epsilon = _epsilon()
        output = tf.math.log(_clip(output, epsilon, 1.0 - epsilon))
    result = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=output)
    if valid is not None:
        result = tf.where(valid, result, tf.zeros_like(result))
    return result, valid


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Cross-entropy of integer class labels against probabilities (or logits).

    Args:
        y_true: class indices, shape (batch_size, ...) (a trailing dim of 1 is squeezed).
        y_pred: probabilities (clipped to [epsilon, 1 - epsilon]) or logits
            (`from_logits=True`), shape (batch_size, ..., num_classes).
        ignore_class: a label value whose entries get loss 0 (e.g. a "void" class).
        axis: the class axis; only -1 is supported.

    Returns:
        A tensor with y_true's shape.
    """
    return _sparse_categorical_crossentropy_and_mask(y_true, y_pred, from_logits, ignore_class,
                                                     axis)[0]


sparse_categorical_crossentropy._with_mask = _sparse_categorical_crossentropy_and_mask


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p ** q) / q, p the predicted probability of the integer label's class: between
    cross-entropy (q -> 0) and mean absolute error (q = 1), robust to noisy labels."""
    y_pred = _convert(y_pred)
    y_true = _convert(y_true)
    if y_true.shape.rank is not None and y_true.shape.rank == y_pred.shape.rank and \
            y_true.shape[-1] == 1:
        y_true = tf.squeeze(y_true, -1)
    depth = _last_dim(y_pred)
    if depth is None:
        depth = tf.shape(y_pred)[-1]
    one_hot = tf.one_hot(tf.cast(y_true, tf.int32), depth, dtype=y_pred.dtype)
    p = tf.reduce_sum(y_pred * one_hot, axis=-1)
    return (1.0 - tf.pow(p, _const(q, y_pred.dtype))) / q


def dice(y_true, y_pred, axis=None):
    """1 - 2 sum(y_true y_pred) / (sum(y_true) + sum(y_pred)), summed over `axis` (all axes by
    default, giving one value)."""
    y_pred = _convert(y_pred)
    y_true = _convert(y_true, y_pred.dtype)
    intersection = tf.reduce_sum(y_true * y_pred, axis=axis)
    total = tf.reduce_sum(y_true, axis=axis) + tf.reduce_sum(y_pred, axis=axis) + _epsilon()
    return 1.0 - 2.0 * intersection / total


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - TP / (TP + alpha FP + beta FN) with soft counts over `axis` (Dice when
    alpha = beta = 0.5). As in Keras, FP is taken as sum((1 - y_pred) y_true) and FN as
    sum(y_pred (1 - y_true))."""
    y_pred = _convert(y_pred)
    y_true = _convert(y_true, y_pred.dtype)
    intersection = tf.reduce_sum(y_true * y_pred, axis=axis)
    fp = tf.reduce_sum((1.0 - y_pred) * y_true, axis=axis)
    fn = tf.reduce_sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - intersection / (intersection + fp * alpha + fn * beta + _epsilon())

# Legacy Keras aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh


# ---- reduction ----------------------------------------------------------------------------

class Reduction:
    """The reduction names (TF-Keras 2's `tf.keras.losses.Reduction`)."""
    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')


def standardize_reduction(reduction):
    if reduction == "auto":  # TF-Keras 2's default; Keras 3 rejects it, old scripts pass it
        return "sum_over_batch_size"
    if reduction not in REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`. Expected one of "
            f"{{'sum_over_batch_size', 'sum', 'mean', 'mean_with_sample_weight', 'none', None}}. "
            f"Received: reduction={reduction!r}")
    return reduction


def _apply_mask(sample_weight, mask, dtype, reduction):
    """Folds a mask of valid entries into the sample weights.

    For the averaging reductions, valid entries weigh total/valid so that dividing by the
    number of entries averages over the valid ones only.
    """
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        total = tf.cast(tf.size(mask), dtype)
        valid = tf.reduce_sum(tf.cast(mask, dtype))
        mask_weight = tf.math.div_no_nan(total, valid)
        float_mask = tf.where(tf.cast(mask, tf.bool), mask_weight * tf.ones_like(
            tf.cast(mask, dtype)), tf.zeros_like(tf.cast(mask, dtype)))
    else:
        float_mask = tf.cast(mask, dtype)
    if sample_weight is None:
        return float_mask
    sample_weight = tf.cast(sample_weight, dtype)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return sample_weight * float_mask


def _reduce_values(values, sample_weight, reduction):
    shape = _shape_tuple(values)
    if reduction in (None, "none") or shape == () or shape == (0,):
        return values
    loss = tf.reduce_sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = tf.cast(tf.reduce_sum(sample_weight), loss.dtype)
        else:
            divisor = tf.cast(tf.size(values), loss.dtype)
        loss = tf.math.div_no_nan(loss, divisor)
    return loss


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", dtype=None):
    """Weights per-sample loss values (and a mask of valid entries), then reduces them."""
    reduction = standardize_reduction(reduction)
    dtype = _as_dtype(dtype) if dtype is not None else None
    values = _convert(values, dtype)
    if sample_weight is not None:
        sample_weight = _convert(sample_weight, values.dtype)
    sample_weight = _apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        sample_weight = tf.cast(sample_weight, values.dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        _check_weights(values, sample_weight)
        values = values * sample_weight
    return _reduce_values(values, sample_weight, reduction)


def _check_weights(values, sample_weight):
    a, b = _shape_tuple(values), _shape_tuple(sample_weight)
    if _surely_not_broadcastable(a, b):
        raise ValueError(
            f"sample_weight of shape {b} does not match the per-sample losses of shape {a}; "
            "pass one weight per sample, e.g. shape (batch_size,).")


# ---- Loss classes -------------------------------------------------------------------------

_NAME_COUNTS = {}


def _to_snake_case(name):
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _auto_name(class_name):
    base = _to_snake_case(class_name)
    count = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


class Loss:
    """Base class of losses: subclasses implement `call(y_true, y_pred)` (per-sample values).

    Args:
        name: the loss name (default: the class name in snake_case).
        reduction: "sum_over_batch_size" (default), "sum", "mean", "mean_with_sample_weight",
            or "none"/None (no reduction).
        dtype: the computation dtype (default float32, Keras' floatx).

    Example:
        >>> class MyMSE(tf.keras.losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return tf.reduce_mean(tf.square(y_pred - y_true), axis=-1)
        >>> float(MyMSE()([[0., 0.]], [[1., 3.]]))
        5.0
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or _auto_name(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._compute_dtype = _as_dtype(dtype)

    @property
    def dtype(self):
        return self._compute_dtype.name

    def __call__(self, y_true, y_pred, sample_weight=None):
        in_mask = getattr(y_pred, "_keras_mask", None)
        y_pred = _convert(y_pred, self._compute_dtype)
        y_true = _convert(y_true, self._compute_dtype)
        values, mask = self._call_with_mask(y_true, y_pred)
        if in_mask is not None:
            in_mask = tf.cast(in_mask, tf.bool)
            mask = in_mask if mask is None else tf.logical_and(in_mask, mask)
        return reduce_weighted_values(values, sample_weight=sample_weight, mask=mask,
                                      reduction=self.reduction, dtype=self._compute_dtype)

    def _call_with_mask(self, y_true, y_pred):
        return self.call(y_true, y_pred), None

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """A `Loss` that calls a per-sample loss function `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def _call_with_mask(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        with_mask = getattr(self.fn, "_with_mask", None)
        if with_mask is not None:
            return with_mask(y_true, y_pred, **self._fn_kwargs)
        return self.fn(y_true, y_pred, **self._fn_kwargs), None

    def call(self, y_true, y_pred):
        return self._call_with_mask(y_true, y_pred)[0]

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            fn = config.pop("fn")
            config["fn"] = deserialize(fn) if isinstance(fn, (dict, str)) else fn
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


def _wrapper_class(class_name, fn, default_name, params, doc, order=None):
    """Builds a LossFunctionWrapper subclass whose constructor takes `params` (name: default)
    before reduction/name/dtype (or in the positional `order` given), and whose config lists
    them."""
    param_names = list(params)

    def __init__(self, *args, **kwargs):
        values = dict(params)
        ordered = list(order) if order else param_names + ["reduction", "name", "dtype"]
        if len(args) > len(ordered):
            raise TypeError(f"{class_name}() takes at most {len(ordered)} positional arguments")
        for key, value in zip(ordered, args):
            kwargs.setdefault(key, value)
        reduction = kwargs.pop("reduction", "sum_over_batch_size")
        name = kwargs.pop("name", default_name)
        dtype = kwargs.pop("dtype", None)
        unknown = set(kwargs) - set(param_names)
        if unknown:
            raise TypeError(f"{class_name}() got unexpected keyword arguments "
                            f"{sorted(unknown)}; valid ones are {ordered}.")
        values.update(kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, dtype=dtype,
                                     **values)
        for key in param_names:
            setattr(self, key, values[key])

    def get_config(self):
        config = Loss.get_config(self)
        config.update({key: getattr(self, key) for key in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    namespace = {"__init__": __init__, "get_config": get_config, "from_config": from_config,
                 "__doc__": doc, "_config_keys": tuple(params), "__module__": __name__}
    return type(class_name, (LossFunctionWrapper,), namespace)


_REDUCTION_DOC = """
    Args:
        reduction: "sum_over_batch_size" (default), "sum", "mean", "mean_with_sample_weight"
            or "none"/None.
        name: the loss name.
        dtype: the computation dtype (default float32).
"""

MeanSquaredError = _wrapper_class(
    "MeanSquaredError", mean_squared_error, "mean_squared_error", {},
    "Mean of squares of errors: mean(square(y_true - y_pred))." + _REDUCTION_DOC)
MeanAbsoluteError = _wrapper_class(
    "MeanAbsoluteError", mean_absolute_error, "mean_absolute_error", {},
    "Mean of absolute errors: mean(abs(y_true - y_pred))." + _REDUCTION_DOC)
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error,
    "mean_absolute_percentage_error", {},
    "100 * mean(abs((y_true - y_pred) / y_true))." + _REDUCTION_DOC)
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", {},
    "mean(square(log(y_true + 1) - log(y_pred + 1)))." + _REDUCTION_DOC)
CosineSimilarity = _wrapper_class(
    "CosineSimilarity", cosine_similarity, "cosine_similarity", {"axis": -1},
    "Negative cosine similarity along `axis` (-1 = same direction)." + _REDUCTION_DOC)
Huber = _wrapper_class(
    "Huber", huber, "huber_loss", {"delta": 1.0},
    "Huber loss: quadratic for |error| <= delta, linear beyond." + _REDUCTION_DOC)
LogCosh = _wrapper_class(
    "LogCosh", log_cosh, "log_cosh", {},
    "mean(log(cosh(y_pred - y_true)))." + _REDUCTION_DOC)
Hinge = _wrapper_class(
    "Hinge", hinge, "hinge", {},
    "mean(maximum(1 - y_true * y_pred, 0)); 0/1 labels become -1/+1." + _REDUCTION_DOC)
SquaredHinge = _wrapper_class(
    "SquaredHinge", squared_hinge, "squared_hinge", {},
    "mean(square(maximum(1 - y_true * y_pred, 0)))." + _REDUCTION_DOC)
CategoricalHinge = _wrapper_class(
    "CategoricalHinge", categorical_hinge, "categorical_hinge", {},
    "maximum(neg - pos + 1, 0) with pos = sum(y_true y_pred), neg = max((1 - y_true) y_pred)."
    + _REDUCTION_DOC)
KLDivergence = _wrapper_class(
    "KLDivergence", kl_divergence, "kl_divergence", {},
    "Kullback-Leibler divergence: y_true * log(y_true / y_pred)." + _REDUCTION_DOC)
Poisson = _wrapper_class(
    "Poisson", poisson, "poisson", {},
    "mean(y_pred - y_true * log(y_pred))." + _REDUCTION_DOC)
BinaryCrossentropy = _wrapper_class(
    "BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
    {"from_logits": False, "label_smoothing": 0.0, "axis": -1},
    "Binary cross-entropy for 0/1 labels (see `binary_crossentropy`)." + _REDUCTION_DOC)
BinaryFocalCrossentropy = _wrapper_class(
    "BinaryFocalCrossentropy", binary_focal_crossentropy, "binary_focal_crossentropy",
    {"apply_class_balancing": False, "alpha": 0.25, "gamma": 2.0, "from_logits": False,
     "label_smoothing": 0.0, "axis": -1},
    "Binary focal cross-entropy (see `binary_focal_crossentropy`)." + _REDUCTION_DOC)
CategoricalCrossentropy = _wrapper_class(
    "CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy",
    {"from_logits": False, "label_smoothing": 0.0, "axis": -1},
    "Cross-entropy for one-hot labels (see `categorical_crossentropy`)." + _REDUCTION_DOC)
CategoricalFocalCrossentropy = _wrapper_class(
    "CategoricalFocalCrossentropy", categorical_focal_crossentropy,
    "categorical_focal_crossentropy",
    {"alpha": 0.25, "gamma": 2.0, "from_logits": False, "label_smoothing": 0.0, "axis": -1},
    "Categorical focal cross-entropy (see `categorical_focal_crossentropy`)." + _REDUCTION_DOC)

Dice = _wrapper_class(
    "Dice", dice, "dice", {"axis": None},
    "Dice loss, 1 - 2 |y_true y_pred| / (|y_true| + |y_pred|)." + _REDUCTION_DOC,
    order=("reduction", "name", "axis", "dtype"))
Tversky = _wrapper_class(
    "Tversky", tversky, "tversky", {"alpha": 0.5, "beta": 0.5, "axis": None},
    "Tversky loss, 1 - TP / (TP + alpha FP + beta FN)." + _REDUCTION_DOC,
    order=("alpha", "beta", "reduction", "name", "axis", "dtype"))


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized cross-entropy (1 - p ** q) / q for integer labels, robust to noisy labels.

    Args:
        q: in (0, 1); towards 0 it behaves like cross-entropy, at 1 like mean absolute error.
        reduction, name, dtype: as for every loss.
    """

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"q must be in the interval (0, 1); received q={q}")
        super().__init__(categorical_generalized_cross_entropy, reduction=reduction, name=name,
                         dtype=dtype, q=q)
        self.q = q

    def get_config(self):
        return {**Loss.get_config(self), "q": self.q}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer class labels (see `sparse_categorical_crossentropy`).

    Args:
        from_logits: whether y_pred holds logits.
        ignore_class: a label whose entries are left out (loss 0, not counted in the mean).
        reduction, axis, name, dtype: as for every loss.

    Example:
        >>> loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        >>> round(float(loss([0], [[0., 0.]])), 4)
        0.6931
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def get_config(self):
        config = Loss.get_config(self)
        config.update({"from_logits": self.from_logits, "ignore_class": self.ignore_class,
                       "axis": self.axis})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


# ---- lookup and serialization ----------------------------------------------------------------

_CLASSES = [Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError,
            MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, Huber,
            LogCosh, Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson,
            BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
            CategoricalFocalCrossentropy, SparseCategoricalCrossentropy, Dice, Tversky,
            CategoricalGeneralizedCrossEntropy]
_FUNCTIONS = [mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
              mean_squared_logarithmic_error, cosine_similarity, huber, log_cosh,
              kl_divergence, poisson, hinge, squared_hinge, categorical_hinge,
              binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
              categorical_focal_crossentropy, sparse_categorical_crossentropy, dice, tversky,
              categorical_generalized_cross_entropy]
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in _CLASSES + _FUNCTIONS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy, "kld": kl_divergence,
    "KLD": kl_divergence, "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    "logcosh": log_cosh, "kullback_leibler_divergence": kl_divergence,
    "huber_loss": huber,
})


def serialize(loss):
    """The config dict of a `Loss` instance or a loss function (Keras 3's format)."""
    if loss is None:
        return None
    if isinstance(loss, Loss):
        return {"module": "keras.losses", "class_name": type(loss).__name__,
                "config": loss.get_config(), "registered_name": None}
    if callable(loss) and hasattr(loss, "__name__"):
        return {"module": "builtins", "class_name": "function", "config": loss.__name__,
                "registered_name": "function"}
    raise ValueError(f"Cannot serialize {loss!r}: expected a Loss instance or a loss function.")


def _unknown(kind, identifier, names):
    return ValueError(
        f"Could not interpret {kind} identifier: {identifier!r}. Valid names are: "
        f"{', '.join(sorted(names))} (or pass a callable, a {kind.capitalize()} instance, "
        f"or a config dict from `serialize`).")


def _lookup(name, custom_objects, kind):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    try:
        return ALL_OBJECTS_DICT[name]
    except KeyError:
        raise _unknown(kind, name, ALL_OBJECTS_DICT) from None


def deserialize(name, custom_objects=None):
    """A loss function or `Loss` instance from `serialize`'s output (or a name)."""
    if isinstance(name, str):
        return _lookup(name, custom_objects, "loss")
    if not isinstance(name, dict) or "class_name" not in name:
        raise ValueError(f"Could not deserialize loss {name!r}: expected a name or a dict with "
                         "'class_name' and 'config'.")
    class_name, config = name["class_name"], name.get("config")
    if class_name == "function":
        return _lookup(config, custom_objects, "loss")
    cls = _lookup(class_name, custom_objects, "loss")
    if not inspect.isclass(cls):
        return cls
    return cls.from_config(config or {})


def get(identifier):
    """A loss from an identifier: None, a name ('mse', 'sparse_categorical_crossentropy',
    'CategoricalCrossentropy', ...), a config dict, a callable or a `Loss` instance.

    Class names give instances; function names give the functions.

    Raises:
        ValueError: the identifier is not a known loss (the message lists valid names).
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:
            raise _unknown("loss", identifier, ALL_OBJECTS_DICT)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise _unknown("loss", identifier, ALL_OBJECTS_DICT)
