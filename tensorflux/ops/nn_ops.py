"""tf.nn: activations, softmax and cross-entropies, bias_add, convolution, pooling, dropout,
moments and batch normalization."""
import numpy as np

from tensorflux.framework import dtypes, errors
from tensorflux.framework.registry import (not_differentiable, register_gradient, register_op,
                                           same_shape)
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.kernels import elementwise as ew
from tensorflux.kernels import nn as nk
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops._helpers import apply, check_dtype, static_axis, to_tensor

__all__ = [
    "relu", "relu6", "elu", "selu", "leaky_relu", "gelu", "swish", "silu", "sigmoid", "tanh",
    "softplus", "softsign", "softmax", "log_softmax", "bias_add", "conv1d", "conv2d", "conv3d",
    "conv2d_transpose", "conv1d_transpose", "conv3d_transpose", "convolution", "max_pool",
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool", "avg_pool1d", "avg_pool2d",
    "avg_pool3d", "dropout", "softmax_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits_v2", "sparse_softmax_cross_entropy_with_logits",
    "sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits", "l2_loss",
    "moments", "batch_normalization", "fused_batch_norm", "embedding_lookup", "l2_normalize",
    "log_sigmoid", "crelu", "depthwise_conv2d", "separable_conv2d", "in_top_k",
]

sigmoid = math_ops.sigmoid
tanh = math_ops.tanh
softplus = math_ops.softplus
log_sigmoid = math_ops.log_sigmoid


# ---- activations --------------------------------------------------------------------------

def _activation(op_type, kernel, kinds="f"):
    register_op(op_type, kernel, same_shape)

    def op(features, name=None):
        x = to_tensor(features)
        if x.dtype._np.kind not in kinds:
            check_dtype(x, kinds, op_type)
        return apply(op_type, [x], None, name)
    op.__name__ = op_type.lower()
    return op


relu = _activation("Relu", ew.relu, "fiu")
relu6 = _activation("Relu6", ew.relu6, "fiu")
elu = _activation("Elu", ew.elu)
selu = _activation("Selu", ew.selu)
softsign = _activation("Softsign", ew.softsign)

register_op("ReluGrad", nk.relu_grad, same_shape)


@register_gradient("Relu")
def _relu_grad(op, grad):
    """d relu(x) = dx where y > 0"""
    return apply("ReluGrad", [grad, op.outputs[0]])


@register_gradient("ReluGrad")
def _relu_grad_grad(op, grad):
    """ReluGrad is linear in its first input"""
    return apply("ReluGrad", [grad, op.inputs[1]]), None


@register_gradient("Relu6")
def _relu6_grad(op, grad):
    """dx where 0 < x < 6"""
    x = op.inputs[0]
    inside = math_ops.logical_and(math_ops.greater(x, 0), math_ops.less(x, 6))
    return math_ops.where(inside, grad, array_ops.zeros_like(grad))


@register_gradient("Elu")
def _elu_grad(op, grad):
    """dx for x > 0, (y + 1) dx otherwise"""
    x, y = op.inputs[0], op.outputs[0]
    return math_ops.where(math_ops.greater(x, 0), grad, grad * (y + 1.0))


@register_gradient("Selu")
def _selu_grad(op, grad):
    """scale dx for x > 0, (y + scale alpha) dx otherwise"""
    x, y = op.inputs[0], op.outputs[0]
    return math_ops.where(math_ops.greater(x, 0), grad * ew.SELU_SCALE,
                          grad * (y + ew.SELU_SCALE * ew.SELU_ALPHA))


@register_gradient("Softsign")
def _softsign_grad(op, grad):
    """d x / (1 + |x|) = dx / (1 + |x|)^2"""
    x = op.inputs[0]
    return grad / math_ops.square(1.0 + math_ops.abs(x))


register_op("LeakyRelu", ew.leaky_relu, same_shape)


@register_gradient("LeakyRelu")
def _leaky_relu_grad(op, grad):
    """dx for x > 0, alpha dx otherwise"""
    x = op.inputs[0]
    return math_ops.where(math_ops.greater(x, 0), grad, grad * op.attrs["alpha"])


def leaky_relu(features, alpha=0.2, name=None):
    x = to_tensor(features)
    return apply("LeakyRelu", [x], {"alpha": float(alpha)}, name)


def gelu(features, approximate=False, name=None):
    """x * Phi(x); `approximate=True` uses the tanh form."""
    x = to_tensor(features)
    if approximate:
        c = np.sqrt(2.0 / np.pi)
        return 0.5 * x * (1.0 + math_ops.tanh(c * (x + 0.044715 * x * x * x)))
    return 0.5 * x * (1.0 + math_ops.erf(x / np.sqrt(2.0)))


def swish(features, beta=1.0, name=None):
    x = to_tensor(features)
    return math_ops.multiply(x, math_ops.sigmoid(beta * x if beta != 1.0 else x), name=name)


silu = swish


def crelu(features, axis=-1, name=None):
    x = to_tensor(features)
    return array_ops.concat([relu(x), relu(-x)], axis, name=name or "CRelu")


# ---- softmax family -------------------------------------------------------------------------

register_op("Softmax", lambda xp, x: nk.softmax(xp, x), same_shape)
register_op("LogSoftmax", lambda xp, x: nk.log_softmax(xp, x), same_shape)


@register_gradient("Softmax")
def _softmax_grad(op, grad):
    """dx = y (dy - sum(dy y))"""
    y = op.outputs[0]
    return y * (grad - math_ops.reduce_sum(grad * y, -1, keepdims=True))


@register_gradient("LogSoftmax")
def _log_softmax_grad(op, grad):
    """dx = dy - softmax(x) sum(dy)"""
    y = op.outputs[0]
    return grad - math_ops.exp(y) * math_ops.reduce_sum(grad, -1, keepdims=True)


def _last_axis_op(op_type, logits, axis, name):
    x = to_tensor(logits)
    check_dtype(x, "f", op_type)
    rank = x.shape.rank
    axis = -1 if axis is None else static_axis(axis)
    if rank is not None and axis % max(rank, 1) != rank - 1:
        perm = list(range(rank))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        moved = array_ops.transpose(x, perm)
        return array_ops.transpose(apply(op_type, [moved], None, None), perm, name=name)
    return apply(op_type, [x], None, name)


def softmax(logits, axis=None, name=None, dim=None):
    """exp(x) / sum(exp(x)) along `axis` (the last by default), computed stably."""
    return _last_axis_op("Softmax", logits, axis if dim is None else dim, name)


def log_softmax(logits, axis=None, name=None, dim=None):
    return _last_axis_op("LogSoftmax", logits, axis if dim is None else dim, name)


register_op("SoftmaxCrossEntropyWithLogits", nk.softmax_cross_entropy,
            lambda inputs, attrs: [inputs[0].shape[:-1], inputs[0].shape], num_outputs=2)


@register_gradient("SoftmaxCrossEntropyWithLogits")
def _softmax_ce_grad(op, grad, grad_backprop):
    """d logits = dloss (softmax(x) - labels); d labels = -dloss log_softmax(x)"""
    logits, labels = op.inputs
    g = array_ops.expand_dims(grad, -1)
    d_logits = g * (softmax(logits) - labels)
    d_labels = g * math_ops.negative(log_softmax(logits))
    return d_logits, d_labels


def softmax_cross_entropy_with_logits(labels=None, logits=None, axis=-1, name=None, dim=None):
    """Cross-entropy between `labels` (a distribution per row) and softmax(`logits`).

    Gradients flow to both logits and labels (TF2 / the TF1 `_v2` form).
    """
    if labels is None or logits is None:
        raise ValueError("Both labels= and logits= must be given (as keyword arguments).")
    logits = to_tensor(logits)
    check_dtype(logits, "f", "softmax_cross_entropy_with_logits")
    labels = math_ops.cast(to_tensor(labels, dtype_hint=logits.dtype), logits.dtype)
    axis = axis if dim is None else dim
    if axis not in (-1, None) and logits.shape.rank is not None and \
            axis % logits.shape.rank != logits.shape.rank - 1:
        perm = list(range(logits.shape.rank))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        logits = array_ops.transpose(logits, perm)
        labels = array_ops.transpose(labels, perm)
    if not logits.shape.is_compatible_with(labels.shape):
        raise ValueError(f"logits and labels must have the same shape; got logits "
                         f"{logits.shape} and labels {labels.shape}.")
    loss, _ = apply("SoftmaxCrossEntropyWithLogits", [logits, labels], None, name)
    return loss


softmax_cross_entropy_with_logits_v2 = softmax_cross_entropy_with_logits


def _sparse_ce_shape(inputs, attrs):
    return [inputs[1].shape, inputs[0].shape]


register_op("SparseSoftmaxCrossEntropyWithLogits", nk.sparse_softmax_cross_entropy,
            _sparse_ce_shape, num_outputs=2,
            dtype_fn=lambda d, attrs: [d[0], d[0]])


@register_gradient("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_softmax_ce_grad(op, grad, grad_backprop):
    """d logits = dloss (softmax(x) - one_hot(labels))"""
    logits, labels = op.inputs
    depth = logits.shape[-1] if logits.shape.rank is not None and logits.shape[-1] is not None \
        else array_ops.shape(logits)[-1]
    hot = array_ops.one_hot(labels, depth, dtype=logits.dtype)
    return array_ops.expand_dims(grad, -1) * (softmax(logits) - hot), None


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Cross-entropy of integer class `labels` against softmax(`logits`), per example.

    Raises:
        ValueError: labels' rank is not logits' rank minus one.
        InvalidArgumentError: a label outside [0, num_classes).
    """
    if labels is None or logits is None:
        raise ValueError("Both labels= and logits= must be given (as keyword arguments).")
    logits = to_tensor(logits)
    labels = to_tensor(labels)
    check_dtype(logits, "f", "sparse_softmax_cross_entropy_with_logits")
    if not labels.dtype.is_integer:
        raise TypeError(f"labels must be integer class indices, got {labels.dtype.name}; for "
                        "one-hot labels use softmax_cross_entropy_with_logits.")
    if labels.shape.rank is not None and logits.shape.rank is not None and \
            labels.shape.rank != logits.shape.rank - 1:
        raise ValueError(f"Rank mismatch: Rank of labels (received {labels.shape.rank}) should "
                         f"equal rank of logits minus 1 (received {logits.shape.rank}); labels "
                         f"shape {labels.shape}, logits shape {logits.shape}.")
    loss, _ = apply("SparseSoftmaxCrossEntropyWithLogits", [logits, labels], None, name)
    return loss


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """max(x, 0) - x z + log(1 + exp(-|x|)): the stable form of BCE on logits."""
    if labels is None or logits is None:
        raise ValueError("Both labels= and logits= must be given (as keyword arguments).")
    logits = to_tensor(logits)
    labels = math_ops.cast(to_tensor(labels, dtype_hint=logits.dtype), logits.dtype)
    if not logits.shape.is_compatible_with(labels.shape):
        raise ValueError(f"logits and labels must have the same shape ({logits.shape} vs "
                         f"{labels.shape}).")
    zeros = array_ops.zeros_like(logits)
    relu_logits = math_ops.where(math_ops.greater_equal(logits, zeros), logits, zeros)
    neg_abs = math_ops.where(math_ops.greater_equal(logits, zeros), -logits, logits)
    return math_ops.add(relu_logits - logits * labels, math_ops.log1p(math_ops.exp(neg_abs)),
                        name=name)


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None):
    logits = to_tensor(logits)
    labels = math_ops.cast(to_tensor(labels, dtype_hint=logits.dtype), logits.dtype)
    log_weight = 1.0 + (pos_weight - 1.0) * labels
    return math_ops.add((1.0 - labels) * logits,
                        log_weight * (math_ops.log1p(math_ops.exp(-math_ops.abs(logits))) +
                                      relu(-logits)), name=name)


# ---- bias and losses ------------------------------------------------------------------------

register_op("BiasAdd", nk.bias_add, lambda inputs, attrs: [inputs[0].shape])
register_op("BiasAddGrad", nk.bias_add_grad,
            lambda inputs, attrs: [TensorShape([inputs[0].shape[-1]
                                                if attrs["data_format"] == "NHWC" or
                                                inputs[0].shape.rank == 2
                                                else inputs[0].shape[1]])
                                   if inputs[0].shape.rank is not None else TensorShape(None)])


@register_gradient("BiasAdd")
def _bias_add_grad(op, grad):
    """d value = dy; d bias = dy summed over all but the channel axis"""
    return grad, apply("BiasAddGrad", [grad], {"data_format": op.attrs["data_format"]})


@register_gradient("BiasAddGrad")
def _bias_add_grad_grad(op, grad):
    """broadcasting the bias gradient back"""
    from tensorflux.ops.math_ops import _shape_of
    fmt = op.attrs["data_format"]
    x = op.inputs[0]
    if fmt.startswith("NC") and x.shape.rank and x.shape.rank > 2:
        grad = array_ops.reshape(grad, [-1] + [1] * (x.shape.rank - 2))
    return array_ops.broadcast_to(grad, _shape_of(x))


def bias_add(value, bias, data_format=None, name=None):
    """Adds a 1-D `bias` along the channel axis (last for NHWC, second for NCHW)."""
    value = to_tensor(value)
    bias = to_tensor(bias, dtype_hint=value.dtype)
    data_format = data_format or "NHWC"
    if bias.shape.rank is not None and bias.shape.rank != 1:
        raise ValueError(f"bias must be 1-D, got shape {bias.shape}.")
    channel = value.shape[1 if data_format.startswith("NC") else -1] \
        if value.shape.rank else None
    if channel is not None and bias.shape[0] is not None and channel != bias.shape[0]:
        raise ValueError(f"Dimensions must be equal, but are {channel} and {bias.shape[0]} for "
                         f"BiasAdd with input shapes: {value.shape}, {bias.shape}.")
    if value.dtype != bias.dtype:
        raise errors.InvalidArgumentError(None, None, f"bias_add: value is {value.dtype.name} "
                                          f"but bias is {bias.dtype.name}.")
    return apply("BiasAdd", [value, bias], {"data_format": data_format}, name)


def l2_loss(t, name=None):
    """sum(t ** 2) / 2"""
    t = to_tensor(t)
    return math_ops.multiply(math_ops.reduce_sum(math_ops.square(t)), 0.5, name=name)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    x = to_tensor(x)
    axis = dim if axis is None else axis
    square_sum = math_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
    return math_ops.multiply(x, math_ops.rsqrt(math_ops.maximum(square_sum, epsilon)),
                             name=name)


def moments(x, axes, shift=None, keepdims=False, name=None, keep_dims=None):
    """Mean and variance of `x` over `axes`."""
    if keep_dims is not None:
        keepdims = keep_dims
    x = to_tensor(x)
    axes = static_axis(axes)
    mean = math_ops.reduce_mean(x, axes, keepdims=True)
    variance = math_ops.reduce_mean(math_ops.squared_difference(x, array_ops.stop_gradient(
        mean)), axes, keepdims=True)
    if not keepdims:
        mean = array_ops.squeeze(mean, axes)
        variance = array_ops.squeeze(variance, axes)
    return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset"""
    x = to_tensor(x)
    inv = math_ops.rsqrt(variance + variance_epsilon)
    if scale is not None:
        inv = inv * scale
    result = x * inv + ((offset - mean * inv) if offset is not None else -mean * inv)
    return array_ops.identity(result, name=name) if name else result


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None,
                     exponential_avg_factor=1.0):
    x = to_tensor(x)
    axes = [0, 1, 2] if data_format == "NHWC" else [0, 2, 3]
    if is_training:
        mean, variance = moments(x, axes)
    y = batch_normalization(x, mean, variance, offset, scale, epsilon)
    return y, mean, variance


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True,
                     max_norm=None):
    """Rows of `params` at `ids` (a list of tables is concatenated first)."""
    if isinstance(params, (list, tuple)):
        params = params[0] if len(params) == 1 else array_ops.concat(list(params), 0)
    return array_ops.gather(params, ids, name=name)


def in_top_k(targets=None, predictions=None, k=None, name=None):
    predictions = to_tensor(predictions)
    targets = to_tensor(targets)
    from tensorflux.framework.execute import apply_op  # noqa: F401
    target_scores = array_ops.gather(predictions, targets, axis=1, batch_dims=1)
    greater = math_ops.reduce_sum(math_ops.cast(math_ops.greater(
        predictions, array_ops.expand_dims(target_scores, -1)), dtypes.int32), axis=1)
    return math_ops.less(greater, k, name=name)


# ---- dropout ------------------------------------------------------------------------------

def dropout(x, rate=None, noise_shape=None, seed=None, name=None, keep_prob=None):
    """Zeroes elements with probability `rate` and scales the rest by 1 / (1 - rate).

    TF1 code passes `keep_prob` (= 1 - rate); both spellings are accepted.
    """
    from tensorflux.ops import random_ops
    if keep_prob is not None:
        if rate is not None:
            raise ValueError("Cannot specify both keep_prob and rate.")
        rate = 1.0 - keep_prob if not hasattr(keep_prob, "dtype") else \
            math_ops.subtract(1.0, keep_prob)
    if rate is None:
        raise ValueError("dropout needs `rate` (or TF1's `keep_prob`).")
    x = to_tensor(x)
    if isinstance(rate, (int, float)):
        if not 0 <= rate < 1:
            raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1), got "
                             f"{rate}.")
        if rate == 0:
            return x
    shape = noise_shape if noise_shape is not None else array_ops.shape(x)
    uniform = random_ops.random_uniform(shape, dtype=x.dtype, seed=seed)
    keep = math_ops.greater_equal(uniform, rate)
    scale = math_ops.divide(1.0, math_ops.subtract(1.0, math_ops.cast(rate, x.dtype))) \
        if not isinstance(rate, float) else 1.0 / (1.0 - rate)
    return math_ops.multiply(x * scale, math_ops.cast(keep, x.dtype), name=name)


# ---- convolution ----------------------------------------------------------------------------

def _spatial(value, n, what, data_format_channels_first=False):
    """Normalizes a TF strides/dilations/ksize argument to n spatial values."""
    if value is None:
        return (1,) * n
    if isinstance(value, int):
        return (value,) * n
    value = [int(v) for v in value]
    if len(value) == 1:
        return (value[0],) * n
    if len(value) == n:
        return tuple(value)
    if len(value) == n + 2:
        if data_format_channels_first:
            return tuple(value[2:])
        if value[0] != 1 or value[-1] != 1:
            raise errors.InvalidArgumentError(
                None, None, f"{what} in the batch and depth dimensions must be 1, got {value}.")
        return tuple(value[1:-1])
    raise ValueError(f"{what} must be an int or a list of 1, {n} or {n + 2} ints, got {value}.")


def _conv_shape(inputs, attrs):
    x, w = inputs[0].shape, inputs[1].shape
    n = len(attrs["strides"])
    if x.rank is None:
        return [TensorShape(None)]
    dims = x.as_tuple()
    kernel = w.as_tuple()[:-2] if w.rank is not None else (None,) * n
    out_channels = w[-1] if w.rank is not None else None
    if w.rank is not None and dims[-1] is not None and w[-2] is not None and \
            dims[-1] != w[-2]:
        raise ValueError(f"Depth of input ({dims[-1]}) is not a multiple of input depth of "
                         f"filter ({w[-2]}) for the convolution with input shape {x} and "
                         f"filter shape {w}.")
    out = [dims[0]]
    for size, k, s, d in zip(dims[1:-1], kernel, attrs["strides"], attrs["dilations"]):
        if size is None or k is None:
            out.append(None)
        elif attrs["padding"] == "SAME":
            out.append(-(-size // s))
        elif attrs["padding"] == "VALID":
            value = (size - (k - 1) * d - 1) // s + 1
            if value <= 0:
                raise ValueError(f"The convolution's output would be empty: input shape {x}, "
                                 f"filter shape {w}, padding VALID.")
            out.append(value)
        else:
            out.append(None)
    return [TensorShape(out + [out_channels])]


register_op("Conv", nk.conv, _conv_shape)
register_op("ConvBackpropInput", nk.conv_backprop_input,
            lambda inputs, attrs: _shape_from_value(inputs[0]))
register_op("ConvBackpropFilter", nk.conv_backprop_filter,
            lambda inputs, attrs: _shape_from_value(inputs[2]))


def _shape_from_value(shape_tensor):
    value = shape_tensor._constant_value()
    if value is None:
        n = shape_tensor.shape[0] if shape_tensor.shape.rank == 1 else None
        return [TensorShape(None if n is None else [None] * n)]
    return [TensorShape([int(d) for d in np.asarray(value).reshape(-1)])]


def _conv_attrs(op):
    return {k: op.attrs[k] for k in ("strides", "padding", "dilations")}


@register_gradient("Conv")
def _conv_grad(op, grad):
    """dx = conv_transpose(dy, w); dw = correlation of x with dy"""
    from tensorflux.ops.math_ops import _shape_of
    x, w = op.inputs
    attrs = _conv_attrs(op)
    return (apply("ConvBackpropInput", [_shape_of(x), w, grad], attrs),
            apply("ConvBackpropFilter", [x, grad, _shape_of(w)], attrs))


@register_gradient("ConvBackpropInput")
def _conv_backprop_input_grad(op, grad):
    """linear in (w, dy): d dy = conv(g, w), d w = correlation of g with dy"""
    from tensorflux.ops.math_ops import _shape_of
    _, w, dy = op.inputs
    attrs = _conv_attrs(op)
    return (None, apply("ConvBackpropFilter", [grad, dy, _shape_of(w)], attrs),
            apply("Conv", [grad, w], attrs))


@register_gradient("ConvBackpropFilter")
def _conv_backprop_filter_grad(op, grad):
    """linear in (x, dy): d x = conv_transpose(dy, g), d dy = conv(x, g)"""
    from tensorflux.ops.math_ops import _shape_of
    x, dy, _ = op.inputs
    attrs = _conv_attrs(op)
    return (apply("ConvBackpropInput", [_shape_of(x), grad, dy], attrs),
            apply("Conv", [x, grad], attrs), None)


def _to_channels_last(x, data_format):
    if data_format and data_format.startswith("NC"):
        rank = x.shape.rank
        return array_ops.transpose(x, [0] + list(range(2, rank)) + [1]), True
    return x, False


def _to_channels_first(x):
    rank = x.shape.rank
    return array_ops.transpose(x, [0, rank - 1] + list(range(1, rank - 1)))


def _padding_attr(padding, n, channels_first):
    if isinstance(padding, str):
        padding = padding.upper()
        if padding not in ("SAME", "VALID"):
            raise ValueError(f"padding must be 'SAME', 'VALID' or explicit pairs, got "
                             f"{padding!r}.")
        return padding
    pairs = [tuple(int(v) for v in p) for p in padding]
    if len(pairs) == n + 2:
        pairs = pairs[2:] if channels_first else pairs[1:-1]
    return tuple(pairs)


def _convolution(input, filters, strides, padding, data_format, dilations, name, n):
    x = to_tensor(input)
    w = to_tensor(filters, dtype_hint=x.dtype)
    check_dtype(x, "f", "Conv")
    if x.dtype != w.dtype:
        raise errors.InvalidArgumentError(None, None, f"conv: input is {x.dtype.name} but "
                                          f"filters are {w.dtype.name}.")
    if x.shape.rank is not None and x.shape.rank != n + 2:
        raise ValueError(f"input must be {n + 2}-D (batch, {n} spatial dims, channels), got "
                         f"shape {x.shape}.")
    if w.shape.rank is not None and w.shape.rank != n + 2:
        raise ValueError(f"filters must be {n + 2}-D ({n} kernel dims, in_channels, "
                         f"out_channels), got shape {w.shape}.")
    channels_first = bool(data_format) and data_format.startswith("NC")
    attrs = {"strides": _spatial(strides, n, "strides", channels_first),
             "padding": _padding_attr(padding, n, channels_first),
             "dilations": _spatial(dilations, n, "dilations", channels_first)}
    x, moved = _to_channels_last(x, data_format)
    y = apply("Conv", [x, w], attrs, None if moved else name)
    return _to_channels_first(y) if moved else y


def conv2d(input, filters=None, strides=None, padding=None, data_format="NHWC",
           dilations=None, name=None, filter=None, use_cudnn_on_gpu=True):
    """2-D convolution of NHWC `input` with HWIO `filters` (TF1 spells it `filter=`)."""
    filters = filter if filters is None else filters
    if filters is None or strides is None or padding is None:
        raise TypeError("conv2d() needs filters, strides and padding.")
    return _convolution(input, filters, strides, padding, data_format, dilations, name, 2)


def conv1d(input, filters=None, stride=None, padding=None, data_format="NWC", dilations=None,
           name=None, value=None, filter=None, use_cudnn_on_gpu=None):
    input = value if input is None else input
    filters = filter if filters is None else filters
    return _convolution(input, filters, stride, padding, "NCW" if data_format == "NCW" else
                        "NWC", dilations, name, 1)


def conv3d(input, filters=None, strides=None, padding=None, data_format="NDHWC",
           dilations=None, name=None, filter=None):
    filters = filter if filters is None else filters
    return _convolution(input, filters, strides, padding, data_format, dilations, name, 3)


def convolution(input, filters, strides=None, padding="VALID", data_format=None,
                dilations=None, name=None):
    n = to_tensor(input).shape.rank - 2
    return _convolution(input, filters, strides, padding, data_format, dilations, name, n)


def _conv_transpose(input, filters, output_shape, strides, padding, data_format, dilations,
                    name, n):
    x = to_tensor(input)
    w = to_tensor(filters, dtype_hint=x.dtype)
    channels_first = bool(data_format) and data_format.startswith("NC")
    attrs = {"strides": _spatial(strides, n, "strides", channels_first),
             "padding": _padding_attr(padding, n, channels_first),
             "dilations": _spatial(dilations, n, "dilations", channels_first)}
    x, moved = _to_channels_last(x, data_format)
    shape = output_shape
    if isinstance(shape, (list, tuple)) and not any(hasattr(s, "dtype") for s in shape):
        shape = [int(s) for s in shape]
        if moved:
            shape = [shape[0]] + shape[2:] + [shape[1]]
        shape = to_tensor(np.asarray(shape, dtype=np.int32))
    else:
        shape = to_tensor(shape)
    y = apply("ConvBackpropInput", [shape, w, x], attrs, None if moved else name)
    return _to_channels_first(y) if moved else y


def conv2d_transpose(input, filters=None, output_shape=None, strides=None, padding="SAME",
                     data_format="NHWC", dilations=None, name=None, value=None, filter=None):
    """The gradient of conv2d with respect to its input: filters are [h, w, out, in]."""
    input = value if input is None else input
    filters = filter if filters is None else filters
    return _conv_transpose(input, filters, output_shape, strides, padding, data_format,
                           dilations, name, 2)


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NWC",
                     dilations=None, name=None):
    return _conv_transpose(input, filters, output_shape, strides, padding, data_format,
                           dilations, name, 1)


def conv3d_transpose(input, filters, output_shape, strides, padding="SAME",
                     data_format="NDHWC", dilations=None, name=None):
    return _conv_transpose(input, filters, output_shape, strides, padding, data_format,
                           dilations, name, 3)


def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None,
                     name=None, rate=None):
    """Each input channel convolved with its own `channel_multiplier` filters."""
    x = to_tensor(input)
    w = to_tensor(filter, dtype_hint=x.dtype)
    channels = w.shape[2]
    multiplier = w.shape[3]
    outputs = []
    for c in range(channels):
        xc = x[..., c:c + 1] if not (data_format or "").startswith("NC") else x[:, c:c + 1]
        outputs.append(_convolution(xc, w[:, :, c:c + 1, :], strides, padding, data_format,
                                    dilations, None, 2))
    axis = 1 if (data_format or "").startswith("NC") else -1
    result = array_ops.concat(outputs, axis)
    del multiplier
    return result


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,
                     data_format=None, dilations=None, name=None, rate=None):
    depthwise = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format,
                                 dilations)
    return _convolution(depthwise, pointwise_filter, 1, "VALID", data_format, None, name, 2)


# ---- pooling ------------------------------------------------------------------------------

def _pool_shape(inputs, attrs):
    x = inputs[0].shape
    if x.rank is None:
        return [TensorShape(None)]
    dims = x.as_tuple()
    out = [dims[0]]
    for size, k, s in zip(dims[1:-1], attrs["ksize"], attrs["strides"]):
        if size is None:
            out.append(None)
        elif attrs["padding"] == "SAME":
            out.append(-(-size // s))
        else:
            value = (size - k) // s + 1
            if value <= 0:
                raise ValueError(f"Pooling window {list(attrs['ksize'])} is larger than the "
                                 f"input {x} with padding VALID; use padding='SAME'.")
            out.append(value)
    return [TensorShape(out + [dims[-1]])]


register_op("MaxPool", nk.max_pool, _pool_shape)
register_op("MaxPoolGrad", nk.max_pool_grad, lambda inputs, attrs: [inputs[0].shape])
register_op("AvgPool", nk.avg_pool, _pool_shape)
register_op("AvgPoolGrad", nk.avg_pool_grad, lambda inputs, attrs: _shape_from_value(
    inputs[0]), lambda d, attrs: [d[1]])


def _pool_attrs(op):
    return {k: op.attrs[k] for k in ("ksize", "strides", "padding")}


@register_gradient("MaxPool")
def _max_pool_grad(op, grad):
    """each window's gradient goes to its (first) maximal input"""
    return apply("MaxPoolGrad", [op.inputs[0], grad], _pool_attrs(op))


@register_gradient("MaxPoolGrad")
def _max_pool_grad_grad(op, grad):
    raise errors.UnimplementedError(None, None, "Second-order gradients through max pooling are "
                                    "not implemented by tensorflux.")


@register_gradient("AvgPool")
def _avg_pool_grad(op, grad):
    """each window's gradient is shared equally by the real elements it averaged"""
    from tensorflux.ops.math_ops import _shape_of
    return apply("AvgPoolGrad", [_shape_of(op.inputs[0]), grad], _pool_attrs(op))


@register_gradient("AvgPoolGrad")
def _avg_pool_grad_grad(op, grad):
    """AvgPoolGrad is linear in dy; its adjoint is average pooling"""
    return None, apply("AvgPool", [grad], _pool_attrs(op))


def _pool(op_type, input, ksize, strides, padding, data_format, name, n):
    x = to_tensor(input)
    if x.shape.rank is not None and x.shape.rank != n + 2:
        raise ValueError(f"Input to {op_type} must be {n + 2}-D, got shape {x.shape}.")
    channels_first = bool(data_format) and data_format.startswith("NC")
    attrs = {"ksize": _spatial(ksize, n, "ksize", channels_first),
             "strides": _spatial(strides, n, "strides", channels_first),
             "padding": padding.upper() if isinstance(padding, str) else padding}
    if attrs["padding"] not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}.")
    x, moved = _to_channels_last(x, data_format)
    y = apply(op_type, [x], attrs, None if moved else name)
    return _to_channels_first(y) if moved else y


def max_pool(input=None, ksize=None, strides=None, padding=None, data_format=None, name=None,
             value=None):
    """Max pooling; the number of spatial dims follows the input's rank (TF2 tf.nn.max_pool)."""
    input = value if input is None else input
    n = to_tensor(input).shape.rank - 2
    return _pool("MaxPool", input, ksize, strides, padding, data_format, name, n)


def avg_pool(input=None, ksize=None, strides=None, padding=None, data_format=None, name=None,
             value=None):
    input = value if input is None else input
    n = to_tensor(input).shape.rank - 2
    return _pool("AvgPool", input, ksize, strides, padding, data_format, name, n)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    return _pool("MaxPool", input, ksize, strides, padding, data_format, name, 1)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    return _pool("MaxPool", input, ksize, strides, padding, data_format, name, 2)


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    return _pool("MaxPool", input, ksize, strides, padding, data_format, name, 3)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    return _pool("AvgPool", input, ksize, strides, padding, data_format, name, 1)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    return _pool("AvgPool", input, ksize, strides, padding, data_format, name, 2)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    return _pool("AvgPool", input, ksize, strides, padding, data_format, name, 3)
