"""Neural-network kernels: softmax family, losses, convolution and pooling (NHWC).

Convolution is im2col + one GEMM: a strided view gathers every receptive field into a matrix
(one copy), and the product with the reshaped filter is a single BLAS call. The input gradient
scatters the patch gradients back with one strided add per filter tap (col2im).
"""
import numpy as np

from tensorflux.framework import errors

_as_strided = np.lib.stride_tricks.as_strided


def softmax(xp, logits, axis=-1):
    shifted = logits - logits.max(axis=axis, keepdims=True)
    e = xp.exp(shifted)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(xp, logits, axis=-1):
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


def softmax_cross_entropy(xp, logits, labels):
    """Returns (loss per row, d loss / d logits) from the stable log-softmax."""
    log_p = log_softmax(xp, logits)
    loss = -(labels * log_p).sum(axis=-1)
    return loss.astype(logits.dtype, copy=False), (xp.exp(log_p) - labels)


def sparse_softmax_cross_entropy(xp, logits, labels):
    classes = logits.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        bad = labels[(labels < 0) | (labels >= classes)].reshape(-1)[0]
        raise errors.InvalidArgumentError(
            None, None, f"Received a label value of {int(bad)} which is outside the valid "
            f"range of [0, {classes}). Labels must be class indices 0..{classes - 1} (for "
            "one-hot labels use softmax_cross_entropy_with_logits / categorical losses).")
    log_p = log_softmax(xp, logits)
    flat = log_p.reshape(-1, classes)
    rows = xp.arange(flat.shape[0])
    idx = labels.reshape(-1)
    loss = -flat[rows, idx].reshape(labels.shape)
    backprop = xp.exp(log_p)
    backprop.reshape(-1, classes)[rows, idx] -= 1
    return loss.astype(logits.dtype, copy=False), backprop


def bias_add(xp, value, bias, data_format="NHWC"):
    if data_format.startswith("NC") and value.ndim > 2:
        return value + bias.reshape((-1,) + (1,) * (value.ndim - 2))
    return value + bias


def bias_add_grad(xp, grad, data_format="NHWC"):
    if data_format.startswith("NC") and grad.ndim > 2:
        return grad.sum(axis=(0,) + tuple(range(2, grad.ndim)), dtype=grad.dtype)
    return grad.reshape(-1, grad.shape[-1]).sum(axis=0, dtype=grad.dtype)


def relu_grad(xp, grad, y):
    return grad * (y > 0)


# ---- convolution ----------------------------------------------------------------------------

def same_padding(size, kernel, stride, dilation=1):
    """TF's SAME padding: output ceil(size / stride); extra padding goes after (bottom/right)."""
    effective = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def conv_padding(spatial, kernel, strides, dilations, padding):
    """Per spatial axis (before, after) padding for SAME/VALID/explicit padding."""
    if isinstance(padding, str):
        if padding == "VALID":
            return [(0, 0)] * len(spatial)
        if padding == "SAME":
            return [same_padding(s, k, st, d) for s, k, st, d in
                    zip(spatial, kernel, strides, dilations)]
        raise ValueError(f"Unknown padding {padding!r}; use 'SAME' or 'VALID'.")
    return [tuple(p) for p in padding]


def _windows(xp, x, kernel, strides, dilations, out_spatial):
    """A strided view [N, *out_spatial, *kernel, C] of every receptive field of padded x."""
    n, c = x.shape[0], x.shape[-1]
    s = x.strides
    spatial_strides = s[1:-1]
    shape = (n,) + tuple(out_spatial) + tuple(kernel) + (c,)
    strides_ = (s[0],) + tuple(ss * st for ss, st in zip(spatial_strides, strides)) + \
        tuple(ss * d for ss, d in zip(spatial_strides, dilations)) + (s[-1],)
    return _as_strided(x, shape=shape, strides=strides_, writeable=False)


def _pad(xp, x, pads, value=0):
    if all(p == (0, 0) for p in pads):
        return x
    return xp.pad(x, [(0, 0)] + list(pads) + [(0, 0)], constant_values=value)


def _out_size(size, kernel, stride, dilation, pad):
    effective = (kernel - 1) * dilation + 1
    return (size + pad[0] + pad[1] - effective) // stride + 1


def conv(xp, x, filters, strides, padding, dilations):
    """N-d convolution (cross-correlation), x [N, *spatial, C], filters [*k, C, O]."""
    spatial = x.shape[1:-1]
    kernel = filters.shape[:-2]
    if x.shape[-1] != filters.shape[-2]:
        raise errors.InvalidArgumentError(
            None, None, f"input depth ({x.shape[-1]}) must equal the filter's in_channels "
            f"({filters.shape[-2]}); input shape {list(x.shape)}, filter shape "
            f"{list(filters.shape)}.")
    pads = conv_padding(spatial, kernel, strides, dilations, padding)
    out_spatial = [_out_size(s, k, st, d, p) for s, k, st, d, p in
                   zip(spatial, kernel, strides, dilations, pads)]
    if min(out_spatial) <= 0:
        raise errors.InvalidArgumentError(
            None, None, f"The convolution's output would be empty: input spatial shape "
            f"{list(spatial)}, kernel {list(kernel)}, padding {padding!r}. Use padding='SAME' "
            "or a smaller kernel.")
    windows = _windows(xp, _pad(xp, x, pads), kernel, strides, dilations, out_spatial)
    k = int(np.prod(kernel)) * x.shape[-1]
    patches = windows.reshape(-1, k)
    out = patches @ filters.reshape(k, filters.shape[-1])
    return out.reshape((x.shape[0],) + tuple(out_spatial) + (filters.shape[-1],))


def conv_backprop_filter(xp, x, grad, filter_shape, strides, padding, dilations):
    filter_shape = tuple(int(d) for d in filter_shape)
    kernel = filter_shape[:-2]
    spatial = x.shape[1:-1]
    pads = conv_padding(spatial, kernel, strides, dilations, padding)
    out_spatial = grad.shape[1:-1]
    windows = _windows(xp, _pad(xp, x, pads), kernel, strides, dilations, out_spatial)
    k = int(np.prod(kernel)) * x.shape[-1]
    patches = windows.reshape(-1, k)
    dw = patches.T @ grad.reshape(-1, grad.shape[-1])
    return dw.reshape(filter_shape)


def conv_backprop_input(xp, input_shape, filters, grad, strides, padding, dilations):
    input_shape = tuple(int(d) for d in input_shape)
    kernel = filters.shape[:-2]
    spatial = input_shape[1:-1]
    pads = conv_padding(spatial, kernel, strides, dilations, padding)
    out_spatial = grad.shape[1:-1]
    k = int(np.prod(kernel)) * filters.shape[-2]
    dpatches = grad.reshape(-1, grad.shape[-1]) @ filters.reshape(k, filters.shape[-1]).T
    dpatches = dpatches.reshape((grad.shape[0],) + tuple(out_spatial) + tuple(kernel) +
                                (filters.shape[-2],))
    padded_shape = (input_shape[0],) + tuple(s + p[0] + p[1] for s, p in zip(spatial, pads)) + \
        (input_shape[-1],)
    dx = xp.zeros(padded_shape, dtype=grad.dtype)
    ndim = len(kernel)
    for tap in np.ndindex(*kernel):
        index = [slice(None)]
        for axis in range(ndim):
            start = tap[axis] * dilations[axis]
            index.append(slice(start, start + (out_spatial[axis] - 1) * strides[axis] + 1,
                               strides[axis]))
        index.append(slice(None))
        dx[tuple(index)] += dpatches[(slice(None),) + (slice(None),) * ndim + tap]
    unpad = [slice(None)] + [slice(p[0], p[0] + s) for p, s in zip(pads, spatial)] + \
        [slice(None)]
    return dx[tuple(unpad)]


# ---- pooling --------------------------------------------------------------------------------

def _pool_geometry(x, ksize, strides, padding):
    spatial = x.shape[1:-1]
    ones = (1,) * len(spatial)
    pads = conv_padding(spatial, ksize, strides, ones, padding)
    out_spatial = [_out_size(s, k, st, 1, p) for s, k, st, p in
                   zip(spatial, ksize, strides, pads)]
    return pads, out_spatial


def max_pool(xp, x, ksize, strides, padding):
    pads, out_spatial = _pool_geometry(x, ksize, strides, padding)
    lowest = -xp.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    windows = _windows(xp, _pad(xp, x, pads, lowest), ksize, strides, (1,) * len(ksize),
                       out_spatial)
    axes = tuple(range(1 + len(ksize), 1 + 2 * len(ksize)))
    return windows.max(axis=axes)


def max_pool_grad(xp, x, grad, ksize, strides, padding):
    """Routes each output gradient to the first maximal element of its window (as TF)."""
    pads, out_spatial = _pool_geometry(x, ksize, strides, padding)
    lowest = -xp.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    padded = _pad(xp, x, pads, lowest)
    windows = _windows(xp, padded, ksize, strides, (1,) * len(ksize), out_spatial)
    n, c = x.shape[0], x.shape[-1]
    flat = np.moveaxis(windows, -1, 1 + len(ksize)).reshape(
        (n,) + tuple(out_spatial) + (c, -1))
    arg = flat.argmax(axis=-1)
    dx = xp.zeros(padded.shape, dtype=grad.dtype)
    for position, tap in enumerate(np.ndindex(*ksize)):
        index = [slice(None)]
        for axis in range(len(ksize)):
            index.append(slice(tap[axis], tap[axis] + (out_spatial[axis] - 1) * strides[axis]
                               + 1, strides[axis]))
        index.append(slice(None))
        dx[tuple(index)] += grad * (arg == position)
    unpad = [slice(None)] + [slice(p[0], p[0] + s) for p, s in zip(pads, x.shape[1:-1])] + \
        [slice(None)]
    return dx[tuple(unpad)]


def avg_pool(xp, x, ksize, strides, padding):
    """Mean over each window; SAME-padded windows average only the real elements (as TF)."""
    pads, out_spatial = _pool_geometry(x, ksize, strides, padding)
    ones = (1,) * len(ksize)
    windows = _windows(xp, _pad(xp, x, pads), ksize, strides, ones, out_spatial)
    axes = tuple(range(1 + len(ksize), 1 + 2 * len(ksize)))
    total = windows.sum(axis=axes)
    counts = _pool_counts(xp, x.shape, ksize, strides, pads, out_spatial, x.dtype)
    return (total / counts).astype(x.dtype, copy=False)


def _pool_counts(xp, shape, ksize, strides, pads, out_spatial, dtype):
    mask = xp.ones((1,) + tuple(shape[1:-1]) + (1,), dtype=dtype)
    windows = _windows(xp, _pad(xp, mask, pads), ksize, strides, (1,) * len(ksize),
                       out_spatial)
    axes = tuple(range(1 + len(ksize), 1 + 2 * len(ksize)))
    return windows.sum(axis=axes)


def avg_pool_grad(xp, input_shape, grad, ksize, strides, padding):
    input_shape = tuple(int(d) for d in input_shape)
    fake = np.empty((1,) + input_shape[1:], dtype=grad.dtype)
    pads, out_spatial = _pool_geometry(fake, ksize, strides, padding)
    counts = _pool_counts(xp, input_shape, ksize, strides, pads, out_spatial, grad.dtype)
    share = grad / counts
    padded_shape = (input_shape[0],) + tuple(s + p[0] + p[1] for s, p in
                                             zip(input_shape[1:-1], pads)) + (input_shape[-1],)
    dx = xp.zeros(padded_shape, dtype=grad.dtype)
    for tap in np.ndindex(*ksize):
        index = [slice(None)]
        for axis in range(len(ksize)):
            index.append(slice(tap[axis], tap[axis] + (out_spatial[axis] - 1) * strides[axis]
                               + 1, strides[axis]))
        index.append(slice(None))
        dx[tuple(index)] += share
    unpad = [slice(None)] + [slice(p[0], p[0] + s) for p, s in zip(pads, input_shape[1:-1])] \
        + [slice(None)]
    return dx[tuple(unpad)]
