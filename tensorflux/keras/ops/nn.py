"""keras.ops.nn: activations, convolutions, pooling, normalization and losses (Keras 3
signatures), composed from tensorflux ops."""
import math as _math

import numpy as np

import tensorflux as tf
from tensorflux.keras.ops._common import (keras_op, export, floatx, standardize_dtype,
                                          result_type, convert, to_float, ndim_of,
                                          normalize_axis, canonical_axis,
                                          not_implemented_getattr)
from tensorflux.keras.ops import numpy as knp
from tensorflux.keras.ops._common import epsilon as _default_epsilon


def _const(value, dtype):
    return tf.constant(np.asarray(value, dtype=tf.as_dtype(dtype).as_numpy_dtype))


def _cast(x, dtype):
    dtype = standardize_dtype(dtype)
    return x if x.dtype.name == dtype else tf.cast(x, dtype)


# ---- activations ----------------------------------------------------------------------------

@keras_op
def relu(x):
    x = convert(x)
    if x.dtype.name == "bool":
        return x
    return tf.nn.relu(x)


@keras_op
def relu6(x):
    x = convert(x)
    return tf.nn.relu6(x) if x.dtype.is_floating else \
        tf.clip_by_value(x, _const(0, x.dtype.name), _const(6, x.dtype.name))


def _marked(y, logits):
    y._keras_logits = logits   # lets the cross-entropies recover logits, as Keras' TF backend
    return y


@keras_op
def sigmoid(x):
    x = to_float(x)
    return _marked(tf.sigmoid(x), x)


@keras_op
def sparse_sigmoid(x):
    x = to_float(x)
    return tf.where(x <= -1, tf.zeros_like(x),
                    tf.where(x >= 1, tf.ones_like(x), (x + 1) / 2))


@keras_op
def softplus(x):
    return tf.nn.softplus(to_float(x))


@keras_op
def softsign(x):
    return tf.nn.softsign(to_float(x))


@keras_op
def sparse_plus(x):
    x = to_float(x)
    return tf.where(x <= -1, tf.zeros_like(x), tf.where(x >= 1, x, tf.square(x + 1) / 4))


@keras_op
def silu(x):
    x = to_float(x)
    return x * tf.sigmoid(x)


@keras_op
def swish(x):
    return silu(x)


@keras_op
def squareplus(x, b=4):
    x = to_float(x)
    return (x + tf.sqrt(tf.square(x) + _const(b, x.dtype.name))) / 2


@keras_op
def log_sigmoid(x):
    return tf.math.log_sigmoid(to_float(x))


@keras_op
def leaky_relu(x, negative_slope=0.2):
    return tf.nn.leaky_relu(to_float(x), alpha=negative_slope)


@keras_op
def hard_sigmoid(x):
    x = to_float(x)
    return tf.nn.relu6(x + 3) / 6


@keras_op
def hard_silu(x):
    x = to_float(x)
    return x * hard_sigmoid(x)


@keras_op
def hard_swish(x):
    return hard_silu(x)


@keras_op
def hard_tanh(x):
    x = to_float(x)
    return tf.clip_by_value(x, _const(-1, x.dtype.name), _const(1, x.dtype.name))


@keras_op
def hard_shrink(x, threshold=0.5):
    x = to_float(x)
    return tf.where(tf.abs(x) > _const(threshold, x.dtype.name), x, tf.zeros_like(x))


@keras_op
def soft_shrink(x, threshold=0.5):
    x = to_float(x)
    t = _const(threshold, x.dtype.name)
    return tf.where(x > t, x - t, tf.where(x < -t, x + t, tf.zeros_like(x)))


@keras_op
def tanh_shrink(x):
    x = to_float(x)
    return x - tf.tanh(x)


@keras_op
def threshold(x, threshold, default_value):
    x = convert(x)
    return tf.where(x > convert(threshold, x.dtype), x,
                    tf.broadcast_to(convert(default_value, x.dtype), tf.shape(x)))


@keras_op
def elu(x, alpha=1.0):
    x = to_float(x)
    y = tf.nn.elu(x)
    return y if alpha == 1.0 else tf.where(x > 0, y, _const(alpha, x.dtype.name) * y)


@keras_op
def selu(x):
    return tf.nn.selu(to_float(x))


@keras_op
def celu(x, alpha=1.0):
    x = to_float(x)
    a = _const(alpha, x.dtype.name)
    return tf.nn.relu(x) + tf.minimum(tf.zeros_like(x), a * tf.math.expm1(x / a))


@keras_op
def gelu(x, approximate=True):
    return tf.nn.gelu(to_float(x), approximate=approximate)


@keras_op
def glu(x, axis=-1):
    x = to_float(x)
    a, b = tf.split(x, 2, axis=axis)
    return a * tf.sigmoid(b)


def _softmax_over(fn, x, axis):
    axes = normalize_axis(axis, ndim_of(x))
    if isinstance(axes, int):
        return fn(x, axis=axes)
    # several axes: move them to the end, flatten, apply, restore
    rank = ndim_of(x)
    axes = sorted(axes)
    others = [d for d in range(rank) if d not in axes]
    moved = tf.transpose(x, others + axes)
    shape = tf.shape(moved)
    flat = tf.reshape(moved, tf.concat([shape[:len(others)], [-1]], axis=0))
    y = tf.reshape(fn(flat, axis=-1), shape)
    inverse = np.argsort(others + axes).tolist()
    return tf.transpose(y, inverse)


@keras_op
def softmax(x, axis=-1):
    x = to_float(x)
    if axis is None:
        axis = tuple(range(ndim_of(x)))
    return _marked(_softmax_over(tf.nn.softmax, x, axis), x)


@keras_op
def log_softmax(x, axis=-1):
    x = to_float(x)
    if axis is None:
        axis = tuple(range(ndim_of(x)))
    return _softmax_over(tf.nn.log_softmax, x, axis)


@keras_op
def sparsemax(x, axis=-1):
    """The Euclidean projection of x onto the probability simplex (Martins & Astudillo)."""
    x = to_float(x)
    axis = canonical_axis(axis, ndim_of(x))
    moved = knp.moveaxis(x, axis, -1)
    ordered = -tf.sort(-moved, axis=-1)
    n = knp._dim(ordered, -1)
    ks = tf.cast(tf.range(1, n + 1), x.dtype)
    cumulative = tf.cumsum(ordered, axis=-1)
    in_support = tf.cast(1 + ks * ordered > cumulative, x.dtype)
    k = tf.reduce_sum(in_support, axis=-1, keepdims=True)
    tau = (tf.reduce_sum(in_support * ordered, axis=-1, keepdims=True) - 1) / k
    return knp.moveaxis(tf.nn.relu(moved - tau), -1, axis)


# ---- one-hot --------------------------------------------------------------------------------

@keras_op
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    if sparse:
        raise ValueError("one_hot: sparse outputs are not supported by tensorflux.")
    x = convert(x)
    if not x.dtype.is_integer:
        x = _cast(x, "int32")
    dtype = standardize_dtype(dtype) if dtype is not None else floatx()
    return tf.one_hot(x, int(num_classes), axis=axis, dtype=dtype)


@keras_op
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None:
        raise ValueError("multi_hot needs `num_classes`.")
    x = convert(inputs)
    dtype = standardize_dtype(dtype) if dtype is not None else floatx()
    reduction_axis = 1 if ndim_of(x) > 1 else 0
    encoded = one_hot(x, num_classes, axis=axis, dtype=dtype, sparse=sparse)
    if dtype == "bool":
        return tf.reduce_any(encoded, axis=reduction_axis)
    return tf.reduce_max(encoded, axis=reduction_axis)


# ---- cross-entropies ------------------------------------------------------------------------

def _loss_inputs(target, output):
    output = to_float(output)
    target = convert(target)
    target = _cast(target, output.dtype.name)
    return target, output


@keras_op
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy (no reduction)."""
    from tensorflux.keras import losses
    target, output = _loss_inputs(target, output)
    return losses._binary_crossentropy_elementwise(target, output, from_logits,
                                                   "binary_crossentropy")


@keras_op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy of one-hot (or soft) targets along `axis`."""
    from tensorflux.keras import losses
    target, output = _loss_inputs(target, output)
    return losses.categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)


@keras_op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy of integer class targets."""
    from tensorflux.keras import losses
    output = to_float(output)
    return losses.sparse_categorical_crossentropy(convert(target), output,
                                                  from_logits=from_logits, axis=axis)


# ---- convolution and pooling ----------------------------------------------------------------

def _data_format(data_format):
    if data_format is None:
        from tensorflux.keras import backend
        data_format = backend.image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first'; got "
                         f"{data_format!r}.")
    return data_format


def _tuple(value, n, name):
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise ValueError(f"`{name}` must have {n} elements; got {value}.")
    return value


def _padding(padding):
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same'; got {padding!r}.")
    return padding.upper()


def _to_channels_last(x, data_format):
    if data_format == "channels_last":
        return x
    rank = ndim_of(x)
    return tf.transpose(x, [0] + list(range(2, rank)) + [1])


def _from_channels_last(x, data_format):
    if data_format == "channels_last":
        return x
    rank = ndim_of(x)
    return tf.transpose(x, [0, rank - 1] + list(range(1, rank - 1)))


def _nhwc(rank):
    return {1: "NWC", 2: "NHWC", 3: "NDHWC"}[rank]


def _conv_inputs(inputs, kernel):
    inputs = to_float(inputs)
    kernel = _cast(convert(kernel), inputs.dtype.name)
    return inputs, kernel


@keras_op
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution; `kernel` has shape spatial + (in_channels // groups, out_channels)."""
    data_format = _data_format(data_format)
    inputs, kernel = _conv_inputs(inputs, kernel)
    spatial = ndim_of(inputs) - 2
    x = _to_channels_last(inputs, data_format)
    channels = x.shape[-1]
    channels = getattr(channels, "value", channels)
    kernel_in = kernel.shape[-2]
    kernel_in = getattr(kernel_in, "value", kernel_in)
    options = dict(strides=list(_tuple(strides, spatial, "strides")), padding=_padding(padding),
                   data_format=_nhwc(spatial),
                   dilations=list(_tuple(dilation_rate, spatial, "dilation_rate")))
    if channels is None or kernel_in is None or channels == kernel_in:
        y = tf.nn.convolution(x, kernel, **options)
    else:
        # grouped convolution: each group of input channels has its own output channels
        filters = kernel.shape[-1]
        filters = getattr(filters, "value", filters)
        groups = channels // kernel_in
        if channels % kernel_in or filters % groups:
            raise ValueError(f"conv: the input's {channels} channels are not a multiple of "
                             f"the kernel's {kernel_in} input channels (kernel shape "
                             f"{kernel.shape}) with output channels divisible by the groups.")
        inputs_split = tf.split(x, groups, axis=-1)
        kernels_split = tf.split(kernel, groups, axis=-1)
        y = tf.concat([tf.nn.convolution(a, k, **options)
                       for a, k in zip(inputs_split, kernels_split)], axis=-1)
    return _from_channels_last(y, data_format)


@keras_op
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise convolution; `kernel` has shape spatial + (in_channels, multiplier)."""
    data_format = _data_format(data_format)
    inputs, kernel = _conv_inputs(inputs, kernel)
    spatial = ndim_of(inputs) - 2
    if spatial not in (1, 2):
        raise ValueError("depthwise_conv supports 1-D and 2-D inputs (rank 3 or 4).")
    x = _to_channels_last(inputs, data_format)
    strides = _tuple(strides, spatial, "strides")
    dilations = _tuple(dilation_rate, spatial, "dilation_rate")
    if spatial == 1:
        x = tf.expand_dims(x, 1)
        kernel = tf.expand_dims(kernel, 0)
        strides, dilations = (1,) + strides, (1,) + dilations
    y = tf.nn.depthwise_conv2d(x, kernel, strides=[1, *strides, 1], padding=_padding(padding),
                               dilations=list(dilations))
    if spatial == 1:
        y = tf.squeeze(y, 1)
    return _from_channels_last(y, data_format)


@keras_op
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    data_format = _data_format(data_format)
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides=strides, padding=padding,
                               data_format=data_format, dilation_rate=dilation_rate)
    return conv(depthwise, pointwise_kernel, strides=1, padding="valid",
                data_format=data_format)


@keras_op
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution; `kernel` has shape spatial + (out_channels, in_channels)."""
    from tensorflux.keras.layers.conv import transpose_output_length
    data_format = _data_format(data_format)
    inputs, kernel = _conv_inputs(inputs, kernel)
    spatial = ndim_of(inputs) - 2
    x = _to_channels_last(inputs, data_format)
    strides = _tuple(strides, spatial, "strides")
    dilations = _tuple(dilation_rate, spatial, "dilation_rate")
    pads = (None,) * spatial if output_padding is None else \
        _tuple(output_padding, spatial, "output_padding")
    kernel_shape = kernel.shape.as_list()
    dynamic = tf.shape(x)
    sizes = []
    for i in range(spatial):
        size = x.shape[1 + i]
        size = getattr(size, "value", size)
        if size is None:
            size = dynamic[1 + i]
        sizes.append(transpose_output_length(size, kernel_shape[i], str(padding).lower(),
                                             strides[i], pads[i], dilations[i]))
    batch = x.shape[0]
    batch = getattr(batch, "value", batch)
    output_shape = [batch if batch is not None else dynamic[0]] + sizes + [kernel_shape[-2]]
    y = tf.nn.conv_transpose(x, kernel, output_shape, strides=list(strides),
                             padding=_padding(padding), data_format=_nhwc(spatial),
                             dilations=list(dilations))
    return _from_channels_last(y, data_format)


def _pool(inputs, pool_size, strides, padding, data_format, pooling_type):
    data_format = _data_format(data_format)
    x = convert(inputs)
    spatial = ndim_of(x) - 2
    pool_size = _tuple(pool_size, spatial, "pool_size")
    strides = pool_size if strides is None else _tuple(strides, spatial, "strides")
    x = _to_channels_last(x, data_format)
    y = tf.nn.pool(x, list(pool_size), pooling_type, strides=list(strides),
                   padding=_padding(padding), data_format=_nhwc(spatial))
    return _from_channels_last(y, data_format)


@keras_op
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool(inputs, pool_size, strides, padding, data_format, "MAX")


@keras_op
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool(to_float(inputs), pool_size, strides, padding, data_format, "AVG")


@keras_op
def depth_to_space(x, block_size, data_format="channels_last"):
    data_format = _data_format(data_format)
    x = _to_channels_last(convert(x), data_format)
    return _from_channels_last(tf.nn.depth_to_space(x, int(block_size)), data_format)


@keras_op
def space_to_depth(x, block_size, data_format="channels_last"):
    data_format = _data_format(data_format)
    x = _to_channels_last(convert(x), data_format)
    return _from_channels_last(tf.nn.space_to_depth(x, int(block_size)), data_format)


# ---- normalization --------------------------------------------------------------------------

def _compute_dtype(x):
    """float32 at least (Keras normalizes half-precision inputs in float32)."""
    return result_type(x.dtype.name, "float32")


@keras_op
def moments(x, axes, keepdims=False, synchronized=False):
    x = convert(x)
    original = x.dtype.name
    x = _cast(x, _compute_dtype(x))
    axes = normalize_axis(axes, ndim_of(x))
    axes = [axes] if isinstance(axes, int) else list(axes)
    mean = tf.reduce_mean(x, axis=axes, keepdims=True)
    variance = tf.reduce_mean(tf.square(x - mean), axis=axes, keepdims=True)
    if not keepdims:
        mean, variance = tf.squeeze(mean, axes), tf.squeeze(variance, axes)
    if original in ("float16",):
        mean, variance = _cast(mean, original), _cast(variance, original)
    return mean, variance


@keras_op
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    x = to_float(x)
    rank = ndim_of(x)
    axis = canonical_axis(axis, rank)
    shape = [1] * rank
    shape[axis] = -1

    def along_axis(v):
        v = _cast(convert(v), x.dtype.name)
        return tf.reshape(v, shape) if ndim_of(v) == 1 and rank > 1 else v
    inverse = tf.math.rsqrt(along_axis(variance) + _const(epsilon, x.dtype.name))
    if scale is not None:
        inverse = inverse * along_axis(scale)
    result = (x - along_axis(mean)) * inverse
    if offset is not None:
        result = result + along_axis(offset)
    return result


@keras_op
def normalize(x, axis=-1, order=2, epsilon=None):
    """x divided by its `order`-norm along `axis` (at least `epsilon`)."""
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    from tensorflux.keras.ops import linalg
    x = to_float(x)
    if ndim_of(x) == 0:
        x = tf.expand_dims(x, 0)
    eps = _default_epsilon() if epsilon is None else epsilon
    if order == 2:
        squares = tf.reduce_sum(tf.square(x), axis=axis, keepdims=True)
        inverse = tf.minimum(tf.math.rsqrt(squares), _const(1.0 / eps, x.dtype.name))
        return x * inverse
    norm = linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / tf.maximum(norm, _const(eps, x.dtype.name))


def _norm_axes(x, axis):
    axes = normalize_axis(axis, ndim_of(x))
    return sorted([axes] if isinstance(axes, int) else axes)


def _broadcast_param(v, x, axes):
    v = _cast(convert(v), x.dtype.name)
    rank = ndim_of(x)
    if ndim_of(v) != rank and axes != [rank - 1]:
        shape = [1] * rank
        for a in axes:
            shape[a] = knp._dim(x, a)
        v = tf.reshape(v, shape)
    return v


@keras_op
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    x = convert(x)
    original = x.dtype.name
    x = _cast(x, _compute_dtype(x))
    eps = _default_epsilon() if epsilon is None else epsilon
    axes = _norm_axes(x, axis)
    mean = tf.reduce_mean(x, axis=axes, keepdims=True)
    variance = tf.reduce_mean(tf.square(x - mean), axis=axes, keepdims=True)
    result = (x - mean) * tf.math.rsqrt(variance + _const(eps, x.dtype.name))
    if gamma is not None:
        result = result * _broadcast_param(gamma, x, axes)
    if beta is not None:
        result = result + _broadcast_param(beta, x, axes)
    return _cast(result, original) if original != x.dtype.name and \
        tf.as_dtype(original).is_floating else result


@keras_op
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    x = convert(x)
    original = x.dtype.name
    x = _cast(x, _compute_dtype(x))
    eps = _default_epsilon() if epsilon is None else epsilon
    if ndim_of(x) == 0:
        x = tf.expand_dims(x, 0)
    axes = _norm_axes(x, axis)
    inverse = tf.math.rsqrt(tf.reduce_mean(tf.square(x), axis=axes, keepdims=True) +
                            _const(eps, x.dtype.name))
    result = x * inverse
    if scale is not None:
        result = result * _broadcast_param(scale, x, axes)
    return _cast(result, original) if original != x.dtype.name and \
        tf.as_dtype(original).is_floating else result


# ---- attention and metrics ------------------------------------------------------------------

@keras_op
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                          is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
    """softmax(Q K^T * scale + bias, masked) V for (batch, length, heads, head_dim) inputs;
    key/value may have fewer heads (grouped-query attention)."""
    if flash_attention:
        raise ValueError("flash_attention is not supported by tensorflux.")
    query, key, value = (to_float(t) for t in (query, key, value))
    target = result_type(query.dtype.name, key.dtype.name, value.dtype.name)
    query, key, value = (_cast(t, target) for t in (query, key, value))
    if ndim_of(query) != 4:
        raise ValueError(f"dot_product_attention needs rank-4 inputs (batch, length, heads, "
                         f"head_dim); got query shape {query.shape}.")
    heads, kv_heads = query.shape[2], key.shape[2]
    heads, kv_heads = getattr(heads, "value", heads), getattr(kv_heads, "value", kv_heads)
    if heads is not None and kv_heads is not None and heads != kv_heads:
        if heads % kv_heads:
            raise ValueError(f"The number of query heads ({heads}) must be a multiple of the "
                             f"number of key/value heads ({kv_heads}).")
        key = tf.repeat(key, heads // kv_heads, axis=2)
        value = tf.repeat(value, heads // kv_heads, axis=2)
    logits = tf.einsum("btnh,bsnh->bnts", query, key)
    if scale is None:
        head_dim = query.shape[-1]
        head_dim = getattr(head_dim, "value", head_dim)
        scale = _const(1.0 / _math.sqrt(head_dim), target) if head_dim is not None else \
            tf.math.rsqrt(tf.cast(tf.shape(query)[-1], target))
    else:
        scale = _const(scale, target)
    logits = logits * scale
    if attn_logits_soft_cap is not None:
        cap = _const(attn_logits_soft_cap, target)
        logits = tf.tanh(logits / cap) * cap
    if bias is not None:
        logits = logits + _cast(convert(bias), target)
    keep = None
    if mask is not None:
        keep = tf.cast(convert(mask), "bool")
    if is_causal:
        t_len, s_len = knp._dim(logits, -2), knp._dim(logits, -1)
        causal = tf.greater_equal(tf.reshape(tf.range(t_len), [-1, 1]),
                                  tf.reshape(tf.range(s_len), [1, -1]))
        keep = causal if keep is None else tf.logical_and(keep, causal)
    if keep is not None:
        large = 65500.0 if target == "float16" else 3.38953e38
        logits = tf.where(tf.broadcast_to(keep, tf.shape(logits)), logits,
                          _const(-0.7 * large, target) * tf.ones_like(logits))
    compute = "float32" if target == "float16" else target
    weights = _cast(tf.nn.softmax(_cast(logits, compute), axis=-1), target)
    return tf.einsum("bnts,bsnh->btnh", weights, value)


@keras_op
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio over all elements (in dB)."""
    x1 = to_float(x1)
    x2 = _cast(convert(x2), x1.dtype.name)
    mse = tf.reduce_mean(tf.square(x1 - x2))
    ten = _const(10.0, x1.dtype.name)
    max_val = _cast(convert(max_val), x1.dtype.name)
    return 20.0 * tf.math.log(max_val) / tf.math.log(ten) - 10.0 * tf.math.log(mse) / \
        tf.math.log(ten)


__all__ = export(globals(), [])
__getattr__ = not_implemented_getattr("keras.ops.nn")
