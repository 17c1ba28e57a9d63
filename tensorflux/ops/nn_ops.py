"""tf.nn: activations, softmax and cross-entropies, bias_add, convolution, pooling, dropout,
moments and batch normalization.

`tf.compat.v1.nn` is this module too, so where TensorFlow 1 and 2 order positional arguments
differently (dropout's keep_prob/rate, in_top_k, depthwise_conv2d's rate, ...) the wrappers
accept both spellings; the comments at each say how they tell them apart.
"""
import inspect

import numpy as np

from tensorflux.framework import context, dtypes, errors
from tensorflux.framework.registry import (not_differentiable, register_gradient, register_op,
                                           same_shape)
from tensorflux.framework.tensor import Tensor
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
    "log_sigmoid", "crelu", "depthwise_conv2d", "depthwise_conv2d_native", "separable_conv2d",
    "in_top_k", "xw_plus_b", "relu_layer", "atrous_conv2d", "conv_transpose",
    "conv2d_backprop_input", "conv2d_backprop_filter", "pool", "max_pool_v2", "avg_pool_v2",
    "local_response_normalization", "lrn", "zero_fraction", "normalize_moments",
    "sufficient_statistics", "weighted_moments", "compute_average_loss",
    "scale_regularization_loss", "log_poisson_loss", "depth_to_space", "space_to_depth",
]

sigmoid = math_ops.sigmoid
tanh = math_ops.tanh
softplus = math_ops.softplus
log_sigmoid = math_ops.log_sigmoid


def _tf1_program():
    """True in TF1 graph mode (eager disabled), where tf.nn is TensorFlow 1's tf.nn."""
    return not context.state.eager_enabled


def _is_zero(t):
    """True for a gradient known to be zero without running anything (an unused output)."""
    if t is None:
        return True
    if t._value is not None:
        return not t._value.any()
    return t.op.type == "ZerosLike"


# ---- activations --------------------------------------------------------------------------

def _activation(op_type, kernel, kinds="f"):
    """An elementwise activation op: math_ops' unary-op wrapper (with its eager fast path)."""
    return math_ops._unary(op_type, kernel, kinds, op_type.lower())


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
    """ReluGrad is linear in its first input; piecewise constant in y"""
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
    """x for x > 0, alpha * x otherwise. Integer inputs are computed in float32 (as TF)."""
    x = to_tensor(features)
    if x.dtype.is_integer:
        x = math_ops.cast(x, dtypes.float32)
    check_dtype(x, "f", "LeakyRelu")
    return apply("LeakyRelu", [x], {"alpha": float(alpha)}, name)


def gelu(features, approximate=False, name=None):
    """x * Phi(x) (the standard normal CDF); `approximate=True` uses the tanh form."""
    x = to_tensor(features)
    check_dtype(x, "f", "gelu")
    if approximate:
        c = float(np.sqrt(2.0 / np.pi))
        inner = c * (x + 0.044715 * (x * x * x))
        return math_ops.multiply(0.5 * x, 1.0 + math_ops.tanh(inner), name=name)
    return math_ops.multiply(0.5 * x, 1.0 + math_ops.erf(x * float(1.0 / np.sqrt(2.0))),
                             name=name)


def swish(features, beta=1.0, name=None):
    """x * sigmoid(beta * x) (also called SiLU)."""
    x = to_tensor(features)
    check_dtype(x, "f", "swish")
    scaled = x if isinstance(beta, (int, float)) and beta == 1.0 else x * beta
    return math_ops.multiply(x, math_ops.sigmoid(scaled), name=name)


silu = swish


def crelu(features, axis=-1, name=None):
    """concat([relu(x), relu(-x)], axis)"""
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


def _swap_to_last(x, axis):
    """x with `axis` swapped with the last axis, and the permutation (None if no swap)."""
    rank = x.shape.rank
    if axis == -1 or (rank is not None and axis == rank - 1):
        return x, None
    if rank is None:
        raise ValueError(f"An axis other than the last ({axis}) needs a tensor of known rank.")
    if not -rank <= axis < rank:
        raise errors.InvalidArgumentError(
            None, None, f"axis {axis} is out of bounds for a tensor of rank {rank}; use an "
            f"axis in [-{rank}, {rank}).")
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    return array_ops.transpose(x, perm), perm


def _last_axis_op(op_type, logits, axis, name):
    x = to_tensor(logits)
    check_dtype(x, "f", op_type)
    axis = -1 if axis is None else static_axis(axis)
    moved, perm = _swap_to_last(x, axis)
    if perm is None:
        return apply(op_type, [x], None, name)
    return array_ops.transpose(apply(op_type, [moved], None, None), perm, name=name)


def softmax(logits, axis=None, name=None, dim=None):
    """exp(x) / sum(exp(x)) along `axis` (the last by default), computed stably."""
    return _last_axis_op("Softmax", logits, axis if dim is None else dim, name)


def log_softmax(logits, axis=None, name=None, dim=None):
    """x - log(sum(exp(x))) along `axis` (the last by default), computed stably."""
    return _last_axis_op("LogSoftmax", logits, axis if dim is None else dim, name)


def _softmax_jacobian_t(logits, grad):
    """J^T grad for p = softmax(logits): p (grad - sum(grad p))."""
    p = softmax(logits)
    return p * (grad - math_ops.reduce_sum(grad * p, -1, keepdims=True))


register_op("SoftmaxCrossEntropyWithLogits", nk.softmax_cross_entropy,
            lambda inputs, attrs: [inputs[0].shape[:-1], inputs[0].shape], num_outputs=2)


@register_gradient("SoftmaxCrossEntropyWithLogits")
def _softmax_ce_grad(op, grad, grad_backprop):
    """d logits = dloss (softmax(x) - labels); d labels = -dloss log_softmax(x).

    The second output (softmax(x) - labels) is what the first-order gradient uses, so a
    second-order gradient arrives as `grad_backprop` and goes through softmax's Jacobian.
    """
    logits, labels = op.inputs
    g = array_ops.expand_dims(grad, -1)
    d_logits = g * op.outputs[1]
    d_labels = g * math_ops.negative(log_softmax(logits))
    if not _is_zero(grad_backprop):
        d_logits = d_logits + _softmax_jacobian_t(logits, grad_backprop)
        d_labels = d_labels - grad_backprop
    return d_logits, d_labels


def _move_class_axis(logits, labels, axis):
    if axis in (-1, None):
        return logits, labels
    moved, perm = _swap_to_last(logits, static_axis(axis))
    if perm is None:
        return logits, labels
    return moved, array_ops.transpose(labels, perm)


def softmax_cross_entropy_with_logits(labels=None, logits=None, axis=-1, name=None, dim=None):
    """Cross-entropy between `labels` (a distribution along `axis`) and softmax(`logits`).

    Gradients flow to both logits and labels (TF2 / the TF1 `_v2` form).

    Raises:
        InvalidArgumentError: labels and logits have different shapes.
    """
    if labels is None or logits is None:
        raise ValueError("Both labels= and logits= must be given (as keyword arguments).")
    logits = to_tensor(logits)
    check_dtype(logits, "f", "softmax_cross_entropy_with_logits")
    labels = to_tensor(labels, dtype_hint=logits.dtype)
    if labels.dtype != logits.dtype:
        labels = math_ops.cast(labels, logits.dtype)
    logits, labels = _move_class_axis(logits, labels, axis if dim is None else dim)
    if not logits.shape.is_compatible_with(labels.shape):
        raise errors.InvalidArgumentError(
            None, None, f"logits and labels must be broadcastable: logits_size="
            f"{logits.shape.as_list() if logits.shape.rank is not None else None} "
            f"labels_size={labels.shape.as_list() if labels.shape.rank is not None else None}."
            " Labels need one probability per class, shaped like the logits.")
    if logits.shape.rank == 0:
        raise ValueError("logits must have at least one dimension (the classes).")
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
    """d logits = dloss (softmax(x) - one_hot(labels)); labels get no gradient"""
    logits = op.inputs[0]
    d_logits = array_ops.expand_dims(grad, -1) * op.outputs[1]
    if not _is_zero(grad_backprop):
        d_logits = d_logits + _softmax_jacobian_t(logits, grad_backprop)
    return d_logits, None


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Cross-entropy of integer class `labels` against softmax(`logits`), per example.

    Raises:
        ValueError: labels' rank is not logits' rank minus one, or their shapes differ.
        InvalidArgumentError: a label outside [0, num_classes) (when the op runs).
    """
    if labels is None or logits is None:
        raise ValueError("Both labels= and logits= must be given (as keyword arguments).")
    logits = to_tensor(logits)
    labels = to_tensor(labels)
    check_dtype(logits, "f", "sparse_softmax_cross_entropy_with_logits")
    if not labels.dtype.is_integer:
        raise TypeError(f"labels must be integer class indices, got {labels.dtype.name}; for "
                        "one-hot labels use softmax_cross_entropy_with_logits.")
    if labels.shape.rank is not None and logits.shape.rank is not None:
        if labels.shape.rank != logits.shape.rank - 1:
            raise ValueError(f"Rank mismatch: Rank of labels (received {labels.shape.rank}) "
                             f"should equal rank of logits minus 1 (received "
                             f"{logits.shape.rank}); labels shape {labels.shape}, logits "
                             f"shape {logits.shape}.")
        if not labels.shape.is_compatible_with(logits.shape[:-1]):
            raise ValueError(f"Shape mismatch: The shape of labels (received {labels.shape}) "
                             f"should equal the shape of logits except for the last dimension "
                             f"(received {logits.shape}).")
    loss, _ = apply("SparseSoftmaxCrossEntropyWithLogits", [logits, labels], None, name)
    return loss


def _same_shape_labels(labels, logits, what):
    logits = to_tensor(logits)
    check_dtype(logits, "f", what)
    labels = to_tensor(labels, dtype_hint=logits.dtype)
    if labels.dtype != logits.dtype:
        labels = math_ops.cast(labels, logits.dtype)
    if not logits.shape.is_compatible_with(labels.shape):
        raise ValueError(f"logits and labels must have the same shape, received "
                         f"({logits.shape} vs {labels.shape}) in {what}.")
    return labels, logits


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """max(x, 0) - x z + log(1 + exp(-|x|)): the stable form of BCE on logits."""
    if labels is None or logits is None:
        raise ValueError("Both labels= and logits= must be given (as keyword arguments).")
    labels, logits = _same_shape_labels(labels, logits, "sigmoid_cross_entropy_with_logits")
    zeros = array_ops.zeros_like(logits)
    positive = math_ops.greater_equal(logits, zeros)
    relu_logits = math_ops.where(positive, logits, zeros)
    neg_abs = math_ops.where(positive, -logits, logits)
    return math_ops.add(relu_logits - logits * labels, math_ops.log1p(math_ops.exp(neg_abs)),
                        name=name)


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None,
                                       targets=None):
    """(1 - z) x + (1 + (q - 1) z) (log(1 + exp(-|x|)) + max(-x, 0)), with q = pos_weight.

    TF1 spells `labels` as `targets`.
    """
    labels = targets if labels is None else labels
    if labels is None or logits is None or pos_weight is None:
        raise ValueError("weighted_cross_entropy_with_logits needs labels, logits and "
                         "pos_weight.")
    labels, logits = _same_shape_labels(labels, logits, "weighted_cross_entropy_with_logits")
    log_weight = 1.0 + (pos_weight - 1.0) * labels
    return math_ops.add((1.0 - labels) * logits,
                        log_weight * (math_ops.log1p(math_ops.exp(-math_ops.abs(logits))) +
                                      relu(-logits)), name=name)


# ---- bias and losses ------------------------------------------------------------------------

def _bias_add_grad_shape(inputs, attrs):
    shape = inputs[0].shape
    if shape.rank is None:
        return [TensorShape(None)]
    channel = 1 if attrs["data_format"] == "NCHW" and shape.rank > 2 else -1
    return [TensorShape([shape[channel]])]


register_op("BiasAdd", nk.bias_add, lambda inputs, attrs: [inputs[0].shape])
register_op("BiasAddGrad", nk.bias_add_grad, _bias_add_grad_shape)


@register_gradient("BiasAdd")
def _bias_add_grad(op, grad):
    """d value = dy; d bias = dy summed over all but the channel axis"""
    return grad, apply("BiasAddGrad", [grad], {"data_format": op.attrs["data_format"]})


@register_gradient("BiasAddGrad")
def _bias_add_grad_grad(op, grad):
    """broadcasting the bias gradient back"""
    from tensorflux.ops.math_ops import _shape_of
    x = op.inputs[0]
    if op.attrs["data_format"] == "NCHW" and x.shape.rank and x.shape.rank > 2:
        grad = array_ops.reshape(grad, [-1] + [1] * (x.shape.rank - 2))
    return array_ops.broadcast_to(grad, _shape_of(x))


def bias_add(value, bias, data_format=None, name=None):
    """Adds a 1-D `bias` along the channel axis (last for NHWC, second for NCHW)."""
    value = to_tensor(value)
    bias = to_tensor(bias, dtype_hint=value.dtype)
    data_format = "NCHW" if data_format and data_format.startswith("NC") else "NHWC"
    if bias.shape.rank is not None and bias.shape.rank != 1:
        raise ValueError(f"bias must be 1-D, got shape {bias.shape}.")
    if value.shape.rank is not None and value.shape.rank < 2:
        raise ValueError(f"bias_add needs a value of rank >= 2, got shape {value.shape}.")
    channel = value.shape[1 if data_format == "NCHW" else -1] if value.shape.rank else None
    if channel is not None and bias.shape.rank == 1 and bias.shape[0] is not None and \
            channel != bias.shape[0]:
        raise ValueError(f"Dimensions must be equal, but are {channel} and {bias.shape[0]} for "
                         f"BiasAdd with input shapes: {value.shape}, {bias.shape}.")
    if value.dtype != bias.dtype:
        raise errors.InvalidArgumentError(None, None, f"bias_add: value is {value.dtype.name} "
                                          f"but bias is {bias.dtype.name}; cast one of them.")
    return apply("BiasAdd", [value, bias], {"data_format": data_format}, name)


def xw_plus_b(x, weights, biases, name=None):
    """matmul(x, weights) + biases (TF1)."""
    return bias_add(math_ops.matmul(x, weights), biases, name=name)


def relu_layer(x, weights, biases, name=None):
    """relu(matmul(x, weights) + biases) (TF1)."""
    return relu(xw_plus_b(x, weights, biases), name=name)


def l2_loss(t, name=None):
    """sum(t ** 2) / 2"""
    t = to_tensor(t)
    check_dtype(t, "f", "L2Loss")
    return math_ops.multiply(math_ops.reduce_sum(math_ops.square(t)), 0.5, name=name)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2, axis), epsilon))"""
    x = to_tensor(x)
    axis = dim if axis is None else axis
    square_sum = math_ops.reduce_sum(math_ops.square(x), static_axis(axis), keepdims=True)
    return math_ops.multiply(x, math_ops.rsqrt(math_ops.maximum(square_sum, epsilon)),
                             name=name)


def moments(x, axes, shift=None, keepdims=False, name=None, keep_dims=None):
    """Mean and variance of `x` over `axes`.

    TF1's order is (x, axes, shift, name, keep_dims): a string in the `keepdims` slot is the name.
    """
    if isinstance(keepdims, str):  # TF1 positional name (TF names a scope with it)
        keepdims = False
    del name
    if keep_dims is not None:
        keepdims = keep_dims
    x = to_tensor(x)
    axes = static_axis(axes)
    # float16 statistics lose too much precision; TF computes them in float32.
    y = math_ops.cast(x, dtypes.float32) if x.dtype == dtypes.float16 else x
    mean = math_ops.reduce_mean(y, axes, keepdims=True)
    variance = math_ops.reduce_mean(math_ops.squared_difference(y, array_ops.stop_gradient(
        mean)), axes, keepdims=True)
    if not keepdims:
        mean = array_ops.squeeze(mean, axes)
        variance = array_ops.squeeze(variance, axes)
    if y is not x:
        mean, variance = math_ops.cast(mean, x.dtype), math_ops.cast(variance, x.dtype)
    return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset"""
    x = to_tensor(x)
    inv = math_ops.rsqrt(variance + variance_epsilon)
    if scale is not None:
        inv = inv * scale
    inv = math_ops.cast(inv, x.dtype) if to_tensor(inv).dtype != x.dtype else inv
    shift = (offset - mean * inv) if offset is not None else -mean * inv
    shift = math_ops.cast(shift, x.dtype) if to_tensor(shift).dtype != x.dtype else shift
    result = x * inv + shift
    return array_ops.identity(result, name=name) if name else result


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None,
                     exponential_avg_factor=1.0):
    """Batch normalization over all axes but the channel axis of a 4-D or 5-D `x`.

    Returns (y, mean, variance). In training, y uses the batch statistics and the returned
    variance is the unbiased (n / (n - 1)) batch variance; with `exponential_avg_factor` f
    below 1 both returned statistics are running averages (1 - f) * given + f * batch.
    Otherwise y uses the given `mean` and `variance`, which are returned unchanged.
    """
    x = to_tensor(x)
    rank = x.shape.rank
    if rank is not None and rank not in (4, 5):
        raise ValueError(f"fused_batch_norm needs a 4-D or 5-D input, got shape {x.shape}.")
    rank = rank or 4
    channels_first = bool(data_format) and data_format.startswith("NC")
    axes = [0] + list(range(2, rank)) if channels_first else list(range(rank - 1))
    # TF raises epsilon to cuDNN's minimum.
    epsilon = max(float(epsilon), 1.001e-5)
    compute = math_ops.cast(x, dtypes.float32) if x.dtype == dtypes.float16 else x

    def channel_view(t):
        t = math_ops.cast(to_tensor(t), compute.dtype)
        return array_ops.reshape(t, [-1] + [1] * (rank - 2)) if channels_first else t

    if is_training:
        batch_mean, batch_variance = moments(compute, axes)
        y = batch_normalization(compute, channel_view(batch_mean),
                                channel_view(batch_variance), channel_view(offset),
                                channel_view(scale), epsilon)
        unbiased = batch_variance * _bessel_factor(compute, axes)
        if exponential_avg_factor != 1.0:
            if mean is None or variance is None:
                raise ValueError("fused_batch_norm with exponential_avg_factor != 1 needs the "
                                 "running mean and variance.")
            f = float(exponential_avg_factor)
            batch_mean = (1.0 - f) * math_ops.cast(mean, compute.dtype) + f * batch_mean
            unbiased = (1.0 - f) * math_ops.cast(variance, compute.dtype) + f * unbiased
        mean_out, variance_out = batch_mean, unbiased
    else:
        if mean is None or variance is None:
            raise ValueError("fused_batch_norm with is_training=False needs mean= and "
                             "variance= (the population statistics).")
        y = batch_normalization(compute, channel_view(mean), channel_view(variance),
                                channel_view(offset), channel_view(scale), epsilon)
        mean_out, variance_out = to_tensor(mean), to_tensor(variance)
    if compute is not x:
        y = math_ops.cast(y, x.dtype)
    if name:
        y = array_ops.identity(y, name=name)
    return y, mean_out, variance_out


def _bessel_factor(x, axes):
    """n / (n - 1) for the n elements per channel (1 when n is 1)."""
    dims = [x.shape[a] for a in axes] if x.shape.rank is not None else [None]
    if all(d is not None for d in dims):
        count = float(np.prod(dims))
        return count / max(count - 1.0, 1.0)
    count = math_ops.cast(math_ops.reduce_prod(array_ops.gather(array_ops.shape(x), axes)),
                          x.dtype)
    return count / math_ops.maximum(count - 1.0, 1.0)


# ---- embeddings and top-k -------------------------------------------------------------------

def embedding_lookup(params, ids, partition_strategy=None, name=None, validate_indices=True,
                     max_norm=None):
    """Rows of `params` at `ids`; a list of tables is one table split in shards.

    TF1's third argument is `partition_strategy` ("mod": id i lives in shard i % n at row
    i // n; "div": shards hold consecutive ids), TF2's is `max_norm` (a number), and the
    default is TF2's "div" except in TF1 graph mode. `max_norm` clips each looked-up
    embedding to that L2 norm.
    """
    if partition_strategy is not None and not isinstance(partition_strategy, str):
        partition_strategy, max_norm = None, partition_strategy
    if partition_strategy is None:
        partition_strategy = "mod" if _tf1_program() else "div"
    if partition_strategy not in ("mod", "div"):
        raise ValueError(f"partition_strategy must be 'mod' or 'div', got "
                         f"{partition_strategy!r}.")
    shards = list(params) if isinstance(params, (list, tuple)) else [params]
    if not shards:
        raise ValueError("embedding_lookup needs at least one params tensor.")
    ids = to_tensor(ids)
    if len(shards) == 1:
        result = array_ops.gather(shards[0], ids)  # a Variable stays one (sparse updates)
    elif partition_strategy == "div":
        result = array_ops.gather(array_ops.concat(shards, 0), ids)
    else:
        count = len(shards)
        sizes = [to_tensor(s).shape[0] for s in shards]
        if all(size is not None for size in sizes):
            offsets = to_tensor(np.cumsum([0] + sizes[:-1]).astype(ids.dtype.as_numpy_dtype))
        else:
            sizes = array_ops.stack([math_ops.cast(array_ops.shape(s)[0], ids.dtype)
                                     for s in shards])
            offsets = math_ops.cumsum(sizes, exclusive=True)
        rows = array_ops.gather(offsets, math_ops.floormod(ids, count)) + \
            math_ops.floordiv(ids, count)
        result = array_ops.gather(array_ops.concat(shards, 0), rows)
    if max_norm is not None:
        from tensorflux.ops import clip_ops
        id_rank = ids.shape.rank
        if id_rank is None or result.shape.rank is None:
            raise ValueError("embedding_lookup with max_norm needs ids of known rank.")
        result = clip_ops.clip_by_norm(result, max_norm,
                                       axes=list(range(id_rank, result.shape.rank)))
    return array_ops.identity(result, name=name) if name else result


register_op("InTopKV2", nk.in_top_k, lambda inputs, attrs: [inputs[1].shape],
            dtype_fn=lambda d, attrs: [dtypes.bool])
not_differentiable("InTopKV2")


def in_top_k(targets=None, predictions=None, k=None, name=None):
    """Whether each target class is among the k highest predictions of its row.

    A target counts when fewer than k classes score strictly higher (ties are in), its score
    is finite and it is a valid class index. TF1's argument order is (predictions, targets,
    k): a floating-point first argument is taken as the predictions.
    """
    if targets is None or predictions is None or k is None:
        raise ValueError("in_top_k needs targets, predictions and k.")
    targets, predictions = to_tensor(targets), to_tensor(predictions)
    if targets.dtype.is_floating and not predictions.dtype.is_floating:
        targets, predictions = predictions, targets
    check_dtype(predictions, "f", "InTopKV2")
    if not targets.dtype.is_integer:
        raise TypeError(f"in_top_k: targets must be integer class ids, got "
                        f"{targets.dtype.name}.")
    if predictions.shape.rank not in (None, 2) or targets.shape.rank not in (None, 1):
        raise ValueError(f"in_top_k needs predictions [batch, classes] and targets [batch]; "
                         f"got shapes {predictions.shape} and {targets.shape}.")
    k = to_tensor(k, dtype_hint=targets.dtype)
    return apply("InTopKV2", [predictions, targets, k], None, name)


# ---- dropout ------------------------------------------------------------------------------

def _dropout_signature(x, rate=None, noise_shape=None, seed=None, name=None, keep_prob=None):
    """Documentation only: dropout's keyword arguments."""


def dropout(x, *args, **kwargs):
    """Zeroes elements with probability `rate` and scales the rest by 1 / (1 - rate).

    Args:
        x: a floating-point tensor.
        rate: probability of dropping each element (a float in [0, 1) or a scalar tensor).
        noise_shape: shape of the keep/drop mask, broadcast against x (None entries take
            x's dimension), e.g. [batch, 1, 1, channels] to drop whole feature maps.
        seed: op seed (with tf.random.set_seed, the masks repeat run after run).
        keep_prob: TF1's spelling, 1 - rate.

    The second positional argument is `rate` (TF2), except in TF1 graph mode, where
    `tf.nn.dropout(x, keep_prob)` is TensorFlow 1's signature.

    Raises:
        ValueError: rate outside [0, 1), both rate and keep_prob, or a non-float x.
    """
    names = ("keep_prob" if _tf1_program() else "rate", "noise_shape", "seed", "name")
    if len(args) > len(names):
        raise TypeError(f"dropout() takes at most {len(names) + 1} positional arguments.")
    for key, value in zip(names, args):
        if key in kwargs:
            raise TypeError(f"dropout() got multiple values for argument {key!r}.")
        kwargs[key] = value
    unknown = set(kwargs) - {"rate", "noise_shape", "seed", "name", "keep_prob"}
    if unknown:
        raise TypeError(f"dropout() got an unexpected keyword argument {sorted(unknown)[0]!r}.")
    return _dropout(x, **kwargs)


dropout.__signature__ = inspect.signature(_dropout_signature)


def _dropout(x, rate=None, noise_shape=None, seed=None, name=None, keep_prob=None):
    from tensorflux.ops import random_ops
    if keep_prob is not None:
        if rate is not None:
            raise ValueError("Cannot specify both keep_prob and rate.")
        if isinstance(keep_prob, (int, float)):
            if not 0 < keep_prob <= 1:
                raise ValueError(f"keep_prob must be a scalar tensor or a float in the range "
                                 f"(0, 1], got {keep_prob}.")
            rate = 1.0 - float(keep_prob)
        else:
            rate = math_ops.subtract(1.0, math_ops.cast(to_tensor(keep_prob), dtypes.float32))
    if rate is None:
        raise ValueError("dropout needs `rate` (or TF1's `keep_prob`).")
    x = to_tensor(x)
    if not x.dtype.is_floating:
        raise ValueError(f"`x.dtype` must be a floating point tensor as `x` will be scaled. "
                         f"Received: x_dtype={x.dtype.name}")
    if isinstance(rate, (int, float, np.floating)):
        rate = float(rate)
        if not 0 <= rate < 1:
            raise ValueError(f"`rate` must be a scalar tensor or a float in the range [0, 1). "
                             f"Received: rate={rate}")
        if rate == 0:
            return array_ops.identity(x, name=name) if name else x
        keep_scale = 1.0 / (1.0 - rate)
        threshold = rate
    else:
        rate = math_ops.cast(to_tensor(rate), x.dtype)
        if rate.shape.rank not in (None, 0):
            raise ValueError(f"rate must be a scalar, got shape {rate.shape}.")
        keep_scale = math_ops.divide(1.0, 1.0 - rate)
        threshold = rate
    uniform = random_ops.random_uniform(_noise_shape(x, noise_shape), dtype=x.dtype, seed=seed)
    keep = math_ops.cast(math_ops.greater_equal(uniform, threshold), x.dtype)
    # x * (keep * scale): the same values as (x * scale) * keep (keep is 0 or 1), and the
    # gradient is one product, grad * (keep * scale)
    return math_ops.multiply(x, keep * keep_scale, name=name)


def _noise_shape(x, noise_shape):
    """noise_shape with None entries replaced by x's dimensions (a shape tensor or list)."""
    if noise_shape is None:
        if x.shape.is_fully_defined():
            return x.shape.as_list()
        return array_ops.shape(x)
    if isinstance(noise_shape, TensorShape):
        noise_shape = noise_shape.as_list() if noise_shape.rank is not None else None
    if isinstance(noise_shape, (list, tuple)) and any(d is None for d in noise_shape):
        dims = []
        for i, d in enumerate(noise_shape):
            if d is not None:
                dims.append(int(d))
            elif x.shape.rank is not None and x.shape[i] is not None:
                dims.append(x.shape[i])
            else:
                dims.append(array_ops.shape(x)[i])
        if any(isinstance(d, Tensor) for d in dims):
            return array_ops.stack([math_ops.cast(to_tensor(d), dtypes.int32) for d in dims])
        return dims
    return noise_shape


# ---- convolution ----------------------------------------------------------------------------

def _spatial(value, n, what, data_format_channels_first=False):
    """Normalizes a TF strides/dilations/ksize argument to n spatial values."""
    if value is None:
        return (1,) * n
    if isinstance(value, Tensor):
        constant = value._constant_value()
        if constant is None:
            raise ValueError(f"{what} must be known when the graph is built; pass Python "
                             "ints.")
        value = constant
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = [int(v) for v in np.asarray(value).reshape(-1)]
    if len(value) == 1:
        result = (value[0],) * n
    elif len(value) == n:
        result = tuple(value)
    elif len(value) == n + 2:
        outer = (value[0], value[1]) if data_format_channels_first else (value[0], value[-1])
        if outer != (1, 1):
            raise errors.InvalidArgumentError(
                None, None, f"{what} in the batch and depth dimensions must be 1, got "
                f"{value}.")
        result = tuple(value[2:]) if data_format_channels_first else tuple(value[1:-1])
    else:
        raise ValueError(f"{what} must be an int or a list of 1, {n} or {n + 2} ints, got "
                         f"{value}.")
    if any(v < 1 for v in result):
        raise ValueError(f"{what} must be positive, got {value}.")
    return result


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
    padding = attrs["padding"]
    for axis, (size, k, s, d) in enumerate(zip(dims[1:-1], kernel, attrs["strides"],
                                               attrs["dilations"])):
        if size is None or (k is None and padding != "SAME"):
            out.append(None)
        elif padding == "SAME":
            out.append(-(-size // s))
        else:
            pads = (0, 0) if padding == "VALID" else padding[axis]
            value = (size + pads[0] + pads[1] - (k - 1) * d - 1) // s + 1
            if value <= 0:
                raise ValueError(f"The convolution's output would be empty: input shape {x}, "
                                 f"filter shape {w}, padding {padding}.")
            out.append(value)
    return [TensorShape(out + [out_channels])]


def _shape_from_value(shape_tensor):
    """The static shape named by a shape tensor: a constant, or a stack of partly known dims."""
    value = shape_tensor._constant_value()
    if value is not None:
        return [TensorShape([int(d) for d in np.asarray(value).reshape(-1)])]
    op = shape_tensor.op
    if op is not None and op.type == "Pack" and all(t.shape.rank == 0 for t in op.inputs):
        dims = []
        for t in op.inputs:
            constant = t._constant_value()
            dims.append(None if constant is None else int(constant))
        return [TensorShape(dims)]
    n = shape_tensor.shape[0] if shape_tensor.shape.rank == 1 else None
    return [TensorShape(None if n is None else [None] * n)]


register_op("Conv", nk.conv, _conv_shape)
register_op("ConvBackpropInput", nk.conv_backprop_input,
            lambda inputs, attrs: _shape_from_value(inputs[0]),
            dtype_fn=lambda d, attrs: [d[1]])
register_op("ConvBackpropFilter", nk.conv_backprop_filter,
            lambda inputs, attrs: _shape_from_value(inputs[2]))


def _conv_attrs(op):
    return {k: op.attrs[k] for k in ("strides", "padding", "dilations")}


def _shape_tensor_of(x):
    from tensorflux.ops.math_ops import _shape_of
    return _shape_of(x)


def _register_conv_gradients(forward, backprop_input, backprop_filter):
    """Gradients of a convolution family; every member is linear in each of its inputs."""

    @register_gradient(forward)
    def _conv_grad(op, grad):
        """dx = conv_transpose(dy, w); dw = correlation of x with dy"""
        x, w = op.inputs
        attrs = _conv_attrs(op)
        return (apply(backprop_input, [_shape_tensor_of(x), w, grad], attrs),
                apply(backprop_filter, [x, grad, _shape_tensor_of(w)], attrs))

    @register_gradient(backprop_input)
    def _conv_backprop_input_grad(op, grad):
        """linear in (w, dy): d dy = conv(g, w), d w = correlation of g with dy"""
        _, w, dy = op.inputs
        attrs = _conv_attrs(op)
        return (None, apply(backprop_filter, [grad, dy, _shape_tensor_of(w)], attrs),
                apply(forward, [grad, w], attrs))

    @register_gradient(backprop_filter)
    def _conv_backprop_filter_grad(op, grad):
        """linear in (x, dy): d x = conv_transpose(dy, g), d dy = conv(x, g)"""
        x, dy, _ = op.inputs
        attrs = _conv_attrs(op)
        return (apply(backprop_input, [_shape_tensor_of(x), grad, dy], attrs),
                apply(forward, [x, grad], attrs), None)


_register_conv_gradients("Conv", "ConvBackpropInput", "ConvBackpropFilter")


def _to_channels_last(x, data_format):
    if data_format and data_format.startswith("NC"):
        rank = x.shape.rank
        if rank is None:
            raise ValueError(f"data_format {data_format!r} needs an input of known rank.")
        return array_ops.transpose(x, [0] + list(range(2, rank)) + [1]), True
    return x, False


def _to_channels_first(x):
    rank = x.shape.rank
    return array_ops.transpose(x, [0, rank - 1] + list(range(1, rank - 1)))


def _padding_attr(padding, n, channels_first):
    """'SAME', 'VALID', or explicit ((before, after), ...) per spatial axis."""
    if isinstance(padding, str):
        upper = padding.upper()
        if upper not in ("SAME", "VALID"):
            raise ValueError(f"padding must be 'SAME', 'VALID' or explicit pairs, got "
                             f"{padding!r}.")
        return upper
    try:
        pairs = [tuple(int(v) for v in p) for p in padding]
    except TypeError:
        raise ValueError(f"padding must be 'SAME', 'VALID' or a list of [before, after] "
                         f"pairs, got {padding!r}.") from None
    if any(len(p) != 2 for p in pairs) or len(pairs) not in (n, n + 2):
        raise ValueError(f"Explicit padding needs {n + 2} [before, after] pairs (one per "
                         f"dimension), got {padding!r}.")
    if len(pairs) == n + 2:
        outer = pairs[:2] if channels_first else [pairs[0], pairs[-1]]
        if any(p != (0, 0) for p in outer):
            raise errors.InvalidArgumentError(
                None, None, f"Explicit padding in the batch and depth dimensions must be 0, "
                f"got {padding!r}.")
        pairs = pairs[2:] if channels_first else pairs[1:-1]
    if any(v < 0 for p in pairs for v in p):
        raise ValueError(f"Explicit padding must be non-negative, got {padding!r}.")
    return tuple(pairs)


def _conv_attrs_from(strides, padding, dilations, n, channels_first):
    return {"strides": _spatial(strides, n, "strides", channels_first),
            "padding": _padding_attr(padding, n, channels_first),
            "dilations": _spatial(dilations, n, "dilations", channels_first)}


def _float_pair(input, filters, op_type):
    x = to_tensor(input)
    w = to_tensor(filters, dtype_hint=x.dtype)
    check_dtype(x, "f", op_type)
    if x.dtype != w.dtype:
        raise errors.InvalidArgumentError(None, None, f"{op_type}: input is {x.dtype.name} but "
                                          f"filters are {w.dtype.name}; cast one of them.")
    return x, w


def _convolution(input, filters, strides, padding, data_format, dilations, name, n):
    x, w = _float_pair(input, filters, "Conv")
    if x.shape.rank is not None and x.shape.rank != n + 2:
        raise ValueError(f"input must be {n + 2}-D (batch, {n} spatial dims, channels), got "
                         f"shape {x.shape}.")
    if w.shape.rank is not None and w.shape.rank != n + 2:
        raise ValueError(f"filters must be {n + 2}-D ({n} kernel dims, in_channels, "
                         f"out_channels), got shape {w.shape}.")
    if strides is None:
        raise TypeError("The convolution needs strides (an int or a list of ints).")
    if padding is None:
        raise TypeError("The convolution needs padding ('SAME', 'VALID' or explicit pairs).")
    channels_first = bool(data_format) and data_format.startswith("NC")
    attrs = _conv_attrs_from(strides, padding, dilations, n, channels_first)
    x, moved = _to_channels_last(x, data_format)
    y = apply("Conv", [x, w], attrs, None if moved else name)
    return _to_channels_first(y) if moved else y


def conv2d(input, filters=None, strides=None, padding=None, data_format="NHWC",
           dilations=None, name=None, filter=None, use_cudnn_on_gpu=True):
    """2-D convolution of NHWC `input` with HWIO `filters` (TF1 spells it `filter=`).

    strides / dilations: an int, [s_h, s_w] or [1, s_h, s_w, 1] (NCHW: [1, 1, s_h, s_w]).
    padding: 'SAME', 'VALID' or explicit [[0, 0], [top, bottom], [left, right], [0, 0]].
    """
    filters = filter if filters is None else filters
    if isinstance(data_format, bool):  # TF1 positional use_cudnn_on_gpu
        data_format = "NHWC"
    if filters is None or strides is None or padding is None:
        raise TypeError("conv2d() needs filters, strides and padding.")
    return _convolution(input, filters, strides, padding, data_format or "NHWC", dilations,
                        name, 2)


def conv1d(input=None, filters=None, stride=None, padding=None, data_format="NWC",
           dilations=None, name=None, value=None, filter=None, use_cudnn_on_gpu=None):
    """1-D convolution of NWC `input` with [width, in, out] `filters` (TF1: value=, filter=)."""
    input = value if input is None else input
    filters = filter if filters is None else filters
    if isinstance(data_format, bool) or data_format is None:  # TF1 positional use_cudnn
        data_format = "NWC"
    channels_first = data_format in ("NCW", "NCHW")
    return _convolution(input, filters, stride, padding, "NCW" if channels_first else "NWC",
                        dilations, name, 1)


def conv3d(input, filters=None, strides=None, padding=None, data_format="NDHWC",
           dilations=None, name=None, filter=None):
    """3-D convolution of NDHWC `input` with [d, h, w, in, out] `filters`."""
    filters = filter if filters is None else filters
    return _convolution(input, filters, strides, padding, data_format or "NDHWC", dilations,
                        name, 3)


def convolution(input, filters=None, strides=None, padding="VALID", data_format=None,
                dilations=None, name=None, filter=None, dilation_rate=None):
    """N-d convolution; the number of spatial dims follows the input's rank."""
    filters = filter if filters is None else filters
    dilations = dilation_rate if dilations is None else dilations
    rank = to_tensor(input).shape.rank
    if rank is None:
        raise ValueError("convolution needs an input of known rank.")
    return _convolution(input, filters, strides, padding, data_format, dilations, name,
                        rank - 2)


def atrous_conv2d(value, filters, rate, padding, name=None):
    """conv2d with dilation `rate` (TF1's atrous convolution)."""
    return _convolution(value, filters, 1, padding, "NHWC", rate, name, 2)


def _output_shape_tensor(output_shape, n, moved):
    """output_shape (list, tuple or 1-D tensor) as an int32 channels-last shape tensor."""
    if isinstance(output_shape, TensorShape):
        output_shape = output_shape.as_list()
    if isinstance(output_shape, (list, tuple)):
        items = list(output_shape)
        if len(items) != n + 2:
            raise ValueError(f"output_shape must have {n + 2} entries, got {output_shape}.")
        if moved:
            items = [items[0]] + items[2:] + [items[1]]
        if not any(isinstance(d, Tensor) or hasattr(d, "_as_tensor") for d in items):
            return to_tensor(np.asarray([int(d) for d in items], dtype=np.int32))
        return array_ops.stack([math_ops.cast(to_tensor(d), dtypes.int32) for d in items])
    shape = math_ops.cast(to_tensor(output_shape), dtypes.int32)
    if moved:
        shape = array_ops.gather(shape, [0] + list(range(2, n + 2)) + [1])
    return shape


def _conv_transpose(input, filters, output_shape, strides, padding, data_format, dilations,
                    name, n):
    x, w = _float_pair(input, filters, "ConvBackpropInput")
    if output_shape is None or strides is None:
        raise TypeError("A transposed convolution needs output_shape and strides.")
    if x.shape.rank is not None and x.shape.rank != n + 2:
        raise ValueError(f"input must be {n + 2}-D, got shape {x.shape}.")
    if w.shape.rank is not None and w.shape.rank != n + 2:
        raise ValueError(f"filters must be {n + 2}-D ({n} kernel dims, output channels, input "
                         f"channels), got shape {w.shape}.")
    channels_first = bool(data_format) and data_format.startswith("NC")
    attrs = _conv_attrs_from(strides, padding, dilations, n, channels_first)
    x, moved = _to_channels_last(x, data_format)
    if x.shape.rank is not None and w.shape.rank is not None and x.shape[-1] is not None \
            and w.shape[-1] is not None and x.shape[-1] != w.shape[-1]:
        raise ValueError(f"The input's channels ({x.shape[-1]}) must equal the filters' last "
                         f"dimension (in_channels of the transposed convolution, "
                         f"{w.shape[-1]}); filters are [{', '.join(['k'] * n)}, out, in], got "
                         f"{w.shape}.")
    shape = _output_shape_tensor(output_shape, n, moved)
    y = apply("ConvBackpropInput", [shape, w, x], attrs, None if moved else name)
    return _to_channels_first(y) if moved else y


def conv2d_transpose(input=None, filters=None, output_shape=None, strides=None, padding="SAME",
                     data_format="NHWC", dilations=None, name=None, value=None, filter=None):
    """The gradient of conv2d with respect to its input: filters are [h, w, out, in].

    TF1's positional order ends with (data_format, name): a string in the `dilations` slot is
    the name.
    """
    input = value if input is None else input
    filters = filter if filters is None else filters
    if isinstance(dilations, str):
        name, dilations = dilations, None
    return _conv_transpose(input, filters, output_shape, strides, padding, data_format,
                           dilations, name, 2)


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NWC",
                     dilations=None, name=None):
    """The gradient of conv1d with respect to its input: filters are [w, out, in]."""
    data_format = "NCW" if data_format in ("NCW", "NCHW") else "NWC"
    return _conv_transpose(input, filters, output_shape, strides, padding, data_format,
                           dilations, name, 1)


def conv3d_transpose(input=None, filters=None, output_shape=None, strides=None,
                     padding="SAME", data_format="NDHWC", dilations=None, name=None,
                     value=None, filter=None):
    """The gradient of conv3d with respect to its input: filters are [d, h, w, out, in]."""
    input = value if input is None else input
    filters = filter if filters is None else filters
    if isinstance(dilations, str):
        name, dilations = dilations, None
    return _conv_transpose(input, filters, output_shape, strides, padding, data_format,
                           dilations, name, 3)


# ---- depthwise convolution ------------------------------------------------------------------

def _depthwise_shape(inputs, attrs):
    """The Conv rule, with C * channel_multiplier output channels for filters [h, w, C, M]."""
    [shape] = _conv_shape(inputs, attrs)
    w = inputs[1].shape
    if shape.rank is None:
        return [shape]
    channels = w[-2] * w[-1] if w.rank is not None and w[-2] is not None and \
        w[-1] is not None else None
    return [TensorShape(shape.as_list()[:-1] + [channels])]


register_op("DepthwiseConv2dNative", nk.depthwise_conv, _depthwise_shape)
register_op("DepthwiseConv2dNativeBackpropInput", nk.depthwise_conv_backprop_input,
            lambda inputs, attrs: _shape_from_value(inputs[0]),
            dtype_fn=lambda d, attrs: [d[1]])
register_op("DepthwiseConv2dNativeBackpropFilter", nk.depthwise_conv_backprop_filter,
            lambda inputs, attrs: _shape_from_value(inputs[2]))
_register_conv_gradients("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
                         "DepthwiseConv2dNativeBackpropFilter")


def depthwise_conv2d_native(input, filter, strides, padding, data_format="NHWC",
                            dilations=None, name=None):
    """Each input channel c convolved with filter[:, :, c, :]; output channel c * M + m."""
    x, w = _float_pair(input, filter, "DepthwiseConv2dNative")
    if x.shape.rank is not None and x.shape.rank != 4:
        raise ValueError(f"depthwise_conv2d needs a 4-D input, got shape {x.shape}.")
    if w.shape.rank is not None and w.shape.rank != 4:
        raise ValueError(f"depthwise_conv2d needs a 4-D filter [h, w, in_channels, "
                         f"channel_multiplier], got shape {w.shape}.")
    channels_first = bool(data_format) and data_format.startswith("NC")
    attrs = _conv_attrs_from(strides, padding, dilations, 2, channels_first)
    x, moved = _to_channels_last(x, data_format)
    if x.shape[-1] is not None and w.shape.rank == 4 and w.shape[2] is not None and \
            x.shape[-1] != w.shape[2]:
        raise ValueError(f"depthwise_conv2d: the input has {x.shape[-1]} channels but the "
                         f"filter expects {w.shape[2]} (filter shape {w.shape}).")
    y = apply("DepthwiseConv2dNative", [x, w], attrs, None if moved else name)
    return _to_channels_first(y) if moved else y


def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None,
                     name=None, rate=None):
    """Depthwise 2-D convolution: every input channel has its own `channel_multiplier` filters.

    TF1's order is (input, filter, strides, padding, rate, name, data_format): a list or
    number in the `data_format` slot is the rate (dilation), and then `dilations` holds the
    name and `name` the data format.
    """
    if data_format is not None and not isinstance(data_format, str):
        rate, data_format = data_format, None
        if isinstance(dilations, str):
            name, dilations = dilations, None
        if isinstance(name, str) and name.upper().startswith("N"):
            name, data_format = None, name
    dilations = rate if dilations is None else dilations
    return depthwise_conv2d_native(input, filter, strides, padding, data_format or "NHWC",
                                   dilations, name)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,
                     data_format=None, dilations=None, name=None, rate=None):
    """depthwise_conv2d followed by a 1x1 convolution mixing the channels.

    TF1's order is (..., padding, rate, name, data_format): a non-string `data_format` is the
    rate.
    """
    if data_format is not None and not isinstance(data_format, str):
        rate, data_format = data_format, None
        if isinstance(dilations, str):
            name, dilations = dilations, None
    dilations = rate if dilations is None else dilations
    depthwise = depthwise_conv2d_native(input, depthwise_filter, strides, padding,
                                        data_format or "NHWC", dilations)
    return _convolution(depthwise, pointwise_filter, 1, "VALID", data_format or "NHWC", None,
                        name, 2)


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
register_op("MaxPoolGrad", nk.max_pool_grad, lambda inputs, attrs: [inputs[0].shape],
            dtype_fn=lambda d, attrs: [d[2]])
register_op("MaxPoolGradGrad", nk.max_pool_grad_grad, lambda inputs, attrs: [inputs[1].shape],
            dtype_fn=lambda d, attrs: [d[2]])
register_op("AvgPool", nk.avg_pool, _pool_shape)
register_op("AvgPoolGrad", nk.avg_pool_grad, lambda inputs, attrs: _shape_from_value(
    inputs[0]), lambda d, attrs: [d[1]])


def _pool_attrs(op):
    return {k: op.attrs[k] for k in ("ksize", "strides", "padding")}


@register_gradient("MaxPool")
def _max_pool_grad(op, grad):
    """each window's gradient goes to its (first) maximal input"""
    return apply("MaxPoolGrad", [op.inputs[0], op.outputs[0], grad], _pool_attrs(op))


@register_gradient("MaxPoolGrad")
def _max_pool_grad_grad(op, grad):
    """linear in dy (picks each window's argmax); piecewise constant in x and y"""
    x, y, _ = op.inputs
    return None, None, apply("MaxPoolGradGrad", [x, y, grad], _pool_attrs(op))


@register_gradient("MaxPoolGradGrad")
def _max_pool_grad_grad_grad(op, grad):
    """MaxPoolGradGrad is the adjoint of MaxPoolGrad in its last input"""
    x, y, _ = op.inputs
    return None, None, apply("MaxPoolGrad", [x, y, grad], _pool_attrs(op))


@register_gradient("AvgPool")
def _avg_pool_grad(op, grad):
    """each window's gradient is shared equally by the real elements it averaged"""
    return apply("AvgPoolGrad", [_shape_tensor_of(op.inputs[0]), grad], _pool_attrs(op))


@register_gradient("AvgPoolGrad")
def _avg_pool_grad_grad(op, grad):
    """AvgPoolGrad is linear in dy; its adjoint is average pooling"""
    return None, apply("AvgPool", [grad], _pool_attrs(op))


def _pool(op_type, input, ksize, strides, padding, data_format, name, n):
    x = to_tensor(input)
    if op_type == "AvgPool":
        check_dtype(x, "f", op_type)
    if x.shape.rank is not None and x.shape.rank != n + 2:
        raise ValueError(f"Input to {op_type} must be {n + 2}-D, got shape {x.shape}.")
    if ksize is None or strides is None or padding is None:
        raise TypeError(f"{op_type} needs ksize, strides and padding.")
    channels_first = bool(data_format) and data_format.startswith("NC")
    if not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}.")
    attrs = {"ksize": _spatial(ksize, n, "ksize", channels_first),
             "strides": _spatial(strides, n, "strides", channels_first),
             "padding": padding.upper()}
    x, moved = _to_channels_last(x, data_format)
    y = apply(op_type, [x], attrs, None if moved else name)
    return _to_channels_first(y) if moved else y


def _pool_rank(input, op_type):
    rank = to_tensor(input).shape.rank
    if rank is None:
        raise ValueError(f"{op_type} needs an input of known rank (3, 4 or 5).")
    if rank not in (3, 4, 5):
        raise ValueError(f"{op_type} needs a 3-D, 4-D or 5-D input, got rank {rank}.")
    return rank - 2


def max_pool(input=None, ksize=None, strides=None, padding=None, data_format=None, name=None,
             value=None):
    """Max pooling; the number of spatial dims follows the input's rank (TF2 tf.nn.max_pool).

    ksize / strides: an int, one per spatial dim, or [1, ..., 1] around them.
    """
    input = value if input is None else input
    return _pool("MaxPool", input, ksize, strides, padding, data_format, name,
                 _pool_rank(input, "max_pool"))


def avg_pool(input=None, ksize=None, strides=None, padding=None, data_format=None, name=None,
             value=None):
    """Average pooling; SAME padding is left out of each window's count (as TF)."""
    input = value if input is None else input
    return _pool("AvgPool", input, ksize, strides, padding, data_format, name,
                 _pool_rank(input, "avg_pool"))


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


max_pool_v2 = max_pool
avg_pool_v2 = avg_pool


def pool(input, window_shape, pooling_type, strides=None, padding="VALID", data_format=None,
         dilations=None, name=None, dilation_rate=None):
    """N-d max or average pooling ("MAX" / "AVG"); window dilation is not supported."""
    dilations = dilation_rate if dilations is None else dilations
    if dilations is not None and any(d != 1 for d in np.asarray(dilations).reshape(-1)):
        raise errors.UnimplementedError(None, None, "tf.nn.pool with dilations > 1 is not "
                                        "implemented by tensorflux; use dilations=1.")
    kind = str(pooling_type).upper()
    if kind not in ("MAX", "AVG"):
        raise ValueError(f"pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}.")
    n = len(list(window_shape))
    return _pool("MaxPool" if kind == "MAX" else "AvgPool", input, window_shape,
                 1 if strides is None else strides, padding, data_format, name, n)


# ---- TF1 gradient-named convolutions and the generic transposed convolution ------------------

def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None,
                          padding=None, use_cudnn_on_gpu=True, data_format="NHWC",
                          dilations=None, name=None, filters=None):
    """The gradient of conv2d with respect to its input (TF1; filters are HWIO)."""
    filters = filter if filters is None else filters
    return conv2d_transpose(out_backprop, filters, input_sizes, strides, padding,
                            data_format or "NHWC", dilations, name)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,
                           use_cudnn_on_gpu=True, data_format="NHWC", dilations=None,
                           name=None):
    """The gradient of conv2d with respect to its filter (TF1)."""
    x, dy = _float_pair(input, out_backprop, "ConvBackpropFilter")
    channels_first = bool(data_format) and data_format.startswith("NC")
    attrs = _conv_attrs_from(strides, padding, dilations, 2, channels_first)
    x, _ = _to_channels_last(x, data_format)
    dy, _ = _to_channels_last(dy, data_format)
    sizes = math_ops.cast(to_tensor(filter_sizes), dtypes.int32)
    return apply("ConvBackpropFilter", [x, dy, sizes], attrs, name)


def conv_transpose(input, filters, output_shape, strides, padding="SAME", data_format=None,
                   dilations=None, name=None):
    """conv1d/2d/3d_transpose chosen by the length of `output_shape` (or the input's rank)."""
    if isinstance(output_shape, (list, tuple, TensorShape)):
        n = len(list(output_shape)) - 2
    else:
        shape = to_tensor(output_shape).shape
        n = (shape[0] - 2) if shape.rank == 1 and shape[0] is not None else \
            to_tensor(input).shape.rank - 2
    return _conv_transpose(input, filters, output_shape, strides, padding, data_format,
                           dilations, name, n)


# ---- normalization helpers and small losses ---------------------------------------------------

def local_response_normalization(input, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5,
                                 name=None):
    """x / (bias + alpha * sum of x^2 over the 2 r + 1 neighbouring channels) ** beta.

    `input` is 4-D, channels last; the channel window is clipped at the edges (as TF).
    """
    from tensorflux.ops import extra_array_ops
    x = to_tensor(input)
    check_dtype(x, "f", "LRN")
    if x.shape.rank not in (None, 4):
        raise ValueError(f"local_response_normalization needs a 4-D input, got {x.shape}.")
    radius = int(depth_radius)
    squared = extra_array_ops.pad(math_ops.square(x), [[0, 0], [0, 0], [0, 0],
                                                       [radius, radius]])
    # Shifted views of the padded squares, ending counted from the back: the channel count
    # need not be known when the graph is built.
    window = math_ops.add_n([squared[..., i:(i - 2 * radius) or None]
                             for i in range(2 * radius + 1)]) if radius else squared
    return math_ops.multiply(x, math_ops.pow(bias + alpha * window, -float(beta)), name=name)


lrn = local_response_normalization


def zero_fraction(value, name=None):
    """The fraction of zeros in `value`, as a float32 scalar."""
    value = to_tensor(value)
    zeros = math_ops.cast(math_ops.equal(value, array_ops.zeros_like(value)), dtypes.float32)
    return math_ops.reduce_mean(zeros, name=name)


def sufficient_statistics(x, axes, shift=None, keepdims=False, name=None, keep_dims=None):
    """(count, sum of x - shift, sum of (x - shift)^2, shift) over `axes`."""
    if keep_dims is not None:
        keepdims = keep_dims
    x = to_tensor(x)
    axes = static_axis(axes)
    axis_list = [axes] if isinstance(axes, int) else list(axes)
    dims = [x.shape[a] for a in axis_list] if x.shape.rank is not None else [None]
    if all(d is not None for d in dims):
        count = to_tensor(np.asarray(np.prod(dims), dtype=x.dtype.as_numpy_dtype))
    else:
        count = math_ops.cast(math_ops.reduce_prod(array_ops.gather(array_ops.shape(x),
                                                                    axis_list)), x.dtype)
    if shift is not None:
        shift = math_ops.cast(to_tensor(shift), x.dtype)
        centered = x - shift
        m_ss = math_ops.reduce_sum(centered, axes, keepdims=keepdims)
        v_ss = math_ops.reduce_sum(math_ops.square(centered), axes, keepdims=keepdims)
    else:
        m_ss = math_ops.reduce_sum(x, axes, keepdims=keepdims)
        v_ss = math_ops.reduce_sum(math_ops.square(x), axes, keepdims=keepdims)
    return count, m_ss, v_ss, shift


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """Mean and variance from sufficient statistics."""
    divisor = math_ops.reciprocal(to_tensor(counts))
    shifted_mean = math_ops.multiply(mean_ss, divisor)
    mean = shifted_mean + shift if shift is not None else shifted_mean
    variance = math_ops.multiply(variance_ss, divisor) - math_ops.square(shifted_mean)
    return mean, variance


def weighted_moments(x, axes, frequency_weights, keepdims=False, name=None, keep_dims=None):
    """Mean and variance of `x` over `axes` with each element counted `frequency_weights`
    times (broadcast against x)."""
    if keep_dims is not None:
        keepdims = keep_dims
    x = to_tensor(x)
    weights = math_ops.cast(to_tensor(frequency_weights, dtype_hint=x.dtype), x.dtype)
    axes = static_axis(axes)
    weighted_sum = math_ops.reduce_sum(weights * x, axes, keepdims=True)
    total_weight = math_ops.reduce_sum(weights + array_ops.zeros_like(x), axes, keepdims=True)
    mean = math_ops.div_no_nan(weighted_sum, total_weight)
    variance = math_ops.div_no_nan(math_ops.reduce_sum(
        weights * math_ops.squared_difference(x, mean), axes, keepdims=True), total_weight)
    if not keepdims:
        mean = array_ops.squeeze(mean, axes)
        variance = array_ops.squeeze(variance, axes)
    return mean, variance


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """sum(per_example_loss * sample_weight) / global_batch_size (default: the batch size)."""
    loss = to_tensor(per_example_loss)
    if sample_weight is not None:
        loss = loss * math_ops.cast(to_tensor(sample_weight, dtype_hint=loss.dtype),
                                    loss.dtype)
    if global_batch_size is None:
        batch = loss.shape[0] if loss.shape.rank else None
        global_batch_size = batch if batch is not None else math_ops.cast(
            array_ops.shape(loss)[0], loss.dtype)
    if not isinstance(global_batch_size, Tensor):
        global_batch_size = float(global_batch_size)
    return math_ops.divide(math_ops.reduce_sum(loss), global_batch_size)


def scale_regularization_loss(regularization_loss):
    """The summed regularization loss divided by the number of replicas (one here)."""
    return math_ops.reduce_sum(to_tensor(regularization_loss))


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """exp(c) - z c for log-rate c and count z; `compute_full_loss` adds Stirling's term
    z log z - z + log(2 pi z) / 2 for z > 1."""
    log_input = to_tensor(log_input)
    targets = math_ops.cast(to_tensor(targets, dtype_hint=log_input.dtype), log_input.dtype)
    if not log_input.shape.is_compatible_with(targets.shape):
        raise ValueError(f"log_input and targets must have the same shape ({log_input.shape} "
                         f"vs {targets.shape}).")
    result = math_ops.exp(log_input) - log_input * targets
    if compute_full_loss:
        ones = array_ops.ones_like(targets)
        safe = math_ops.where(math_ops.greater(targets, ones), targets, ones)
        stirling = safe * math_ops.log(safe) - safe + 0.5 * math_ops.log(
            (2.0 * np.pi) * safe)
        result = result + math_ops.where(math_ops.greater(targets, ones), stirling,
                                         array_ops.zeros_like(targets))
    return array_ops.identity(result, name=name) if name else result


def _block_dims(x, block_size, what):
    """block size and [height, width, channels], each a Python int or (unknown) a tensor."""
    if x.shape.rank not in (None, 4):
        raise ValueError(f"{what} needs a 4-D input, got shape {x.shape}.")
    block = int(block_size)
    if block < 2:
        raise ValueError(f"{what}: block_size must be at least 2, got {block_size}.")
    dims = list(x.shape.as_tuple()[1:]) if x.shape.rank is not None else [None] * 3
    dynamic = None
    for i, d in enumerate(dims):
        if d is None:
            dynamic = array_ops.shape(x) if dynamic is None else dynamic
            dims[i] = dynamic[i + 1]
    return block, dims


def _shape_arg(items):
    if all(isinstance(d, int) for d in items):
        return items
    return array_ops.stack([math_ops.cast(to_tensor(d), dtypes.int32) for d in items])


def depth_to_space(input, block_size, data_format="NHWC", name=None):
    """Moves channel blocks into b x b spatial tiles: [N, H, W, C] -> [N, H b, W b, C / b^2].

    Output pixel (h b + i, w b + j) channel c comes from input channel (i b + j) C' + c.
    """
    x = to_tensor(input)
    x, moved = _to_channels_last(x, data_format)
    block, (height, width, channels) = _block_dims(x, block_size, "depth_to_space")
    if isinstance(channels, int) and channels % (block * block):
        raise errors.InvalidArgumentError(
            None, None, f"depth_to_space: the channels ({channels}) must be divisible by "
            f"block_size * block_size ({block * block}).")
    depth = channels // (block * block)
    y = array_ops.reshape(x, _shape_arg([-1, height, width, block, block, depth]))
    y = array_ops.transpose(y, [0, 1, 3, 2, 4, 5])
    y = array_ops.reshape(y, _shape_arg([-1, height * block, width * block, depth]))
    y = _to_channels_first(y) if moved else y
    return array_ops.identity(y, name=name) if name else y


def space_to_depth(input, block_size, data_format="NHWC", name=None):
    """The inverse of depth_to_space: [N, H, W, C] -> [N, H / b, W / b, C b^2]."""
    x = to_tensor(input)
    x, moved = _to_channels_last(x, data_format)
    block, (height, width, channels) = _block_dims(x, block_size, "space_to_depth")
    if isinstance(height, int) and isinstance(width, int) and (height % block or
                                                               width % block):
        raise errors.InvalidArgumentError(
            None, None, f"space_to_depth: height ({height}) and width ({width}) must be "
            f"divisible by block_size ({block}).")
    y = array_ops.reshape(x, _shape_arg([-1, height // block, block, width // block, block,
                                         channels]))
    y = array_ops.transpose(y, [0, 1, 3, 2, 4, 5])
    y = array_ops.reshape(y, _shape_arg([-1, height // block, width // block,
                                         block * block * channels]))
    y = _to_channels_first(y) if moved else y
    return array_ops.identity(y, name=name) if name else y
