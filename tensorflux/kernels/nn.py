"""Neural-network kernels: softmax family, losses, convolution and pooling (channels last).

Convolution is im2col + GEMM: a strided view names every receptive field, one copy per batch
chunk gathers them into a preallocated patch matrix, and one BLAS call multiplies it with the
reshaped filter. The input gradient is itself a correlation of the output gradient with the
flipped filter (split into stride x stride phases when the stride exceeds 1, so no work is
spent on inserted zeros), so it reuses the same path; for inputs with few channels (RGB, a
generator's output) it is a GEMM plus a channels-first col2im instead. Pooling runs one
vectorised operation per window tap over output-sized strided views (max-pool gradients use
first-maximum masks, as TF), never a Python loop over positions. Products go through
framework/blas.py's thread policy; everything stays in the input dtype (no float64 upcast).

Kernels never write into their inputs: gradients may arrive as read-only broadcast views.
"""
import functools
import math

import numpy as np

from tensorflux.framework import errors
from tensorflux.framework.blas import set_threads_for
from tensorflux.kernels import parallel

_as_strided = np.lib.stride_tricks.as_strided

# Upper bound on one im2col patch buffer. Larger batches are processed in chunks of images,
# which bounds memory (an evaluation pass over thousands of images) and keeps the buffer warm
# in cache between the copy and the GEMM.
PATCH_BUFFER_BYTES = 32 << 20


# ---- softmax family and losses --------------------------------------------------------------

def softmax(xp, logits, axis=-1):
    e = logits - logits.max(axis=axis, keepdims=True)
    xp.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(xp, logits, axis=-1):
    shifted = logits - logits.max(axis=axis, keepdims=True)
    shifted -= xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


def softmax_cross_entropy(xp, logits, labels):
    """Returns (loss per row, d loss / d logits) from the stable log-softmax."""
    log_p = log_softmax(xp, logits)
    loss = -(labels * log_p).sum(axis=-1)
    backprop = xp.exp(log_p, out=log_p)
    backprop -= labels
    return loss.astype(logits.dtype, copy=False), backprop


def sparse_softmax_cross_entropy(xp, logits, labels):
    """Returns (loss per row, d loss / d logits): loss = log(sum(exp(z))) - z[label] with
    z = logits - max(logits), and the gradient softmax - one_hot(label)."""
    classes = logits.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        bad = labels[(labels < 0) | (labels >= classes)].reshape(-1)[0]
        raise errors.InvalidArgumentError(
            None, None, f"Received a label value of {int(bad)} which is outside the valid "
            f"range of [0, {classes}). Labels must be class indices 0..{classes - 1} (for "
            "one-hot labels use softmax_cross_entropy_with_logits / categorical losses).")
    flat = logits.reshape(-1, classes)
    shifted = flat - flat.max(axis=-1, keepdims=True)
    backprop = xp.exp(shifted)
    total = backprop.sum(axis=-1, keepdims=True)
    rows = xp.arange(flat.shape[0])
    idx = labels.reshape(-1)
    loss = (xp.log(total[:, 0]) - shifted[rows, idx]).reshape(labels.shape)
    backprop /= total
    backprop[rows, idx] -= 1
    return loss.astype(logits.dtype, copy=False), backprop.reshape(logits.shape)


def bias_add(xp, value, bias, data_format="NHWC"):
    if data_format.startswith("NC") and value.ndim > 2:
        return value + bias.reshape((-1,) + (1,) * (value.ndim - 2))
    return value + bias


def bias_add_grad(xp, grad, data_format="NHWC"):
    if data_format.startswith("NC") and grad.ndim > 2:
        return grad.sum(axis=(0,) + tuple(range(2, grad.ndim)), dtype=grad.dtype)
    return grad.reshape(-1, grad.shape[-1]).sum(axis=0, dtype=grad.dtype)


def relu_grad(xp, grad, y):
    # A product with the mask, as TF: np.where is ~10x slower on unpredictable masks.
    return xp.multiply(grad, y > 0, dtype=grad.dtype)


def in_top_k(xp, predictions, targets, k):
    """True where the target's score is finite and fewer than k scores are strictly larger."""
    classes = predictions.shape[-1]
    targets = targets.astype(xp.int64, copy=False)
    valid = (targets >= 0) & (targets < classes)
    rows = xp.arange(predictions.shape[0])
    target_scores = predictions[rows, xp.where(valid, targets, 0)]
    larger = (predictions > target_scores[:, None]).sum(axis=-1)
    return valid & xp.isfinite(target_scores) & (larger < int(k))


# ---- geometry -------------------------------------------------------------------------------

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
    return [tuple(int(v) for v in p) for p in padding]


def _out_size(size, kernel, stride, dilation, pad):
    effective = (kernel - 1) * dilation + 1
    return (size + pad[0] + pad[1] - effective) // stride + 1


def _pad_spatial(xp, x, pads, value=0):
    """x [N, *spatial, C] with (before, after) added per spatial axis; negative amounts crop.

    Only the border is filled, so the copy of x is the one pass over memory.
    """
    if not any(b or a for b, a in pads):
        return x
    spatial = x.shape[1:-1]
    sizes = [max(s + b + a, 0) for s, (b, a) in zip(spatial, pads)]
    source, target = [slice(None)], [slice(None)]
    empty = False
    for s, (b, a), size in zip(spatial, pads, sizes):
        start, stop = max(0, -b), min(s, size - b)
        if stop <= start:
            empty = True
            start = stop = 0
        source.append(slice(start, stop))
        target.append(slice(start + b, stop + b))
    source.append(slice(None))
    target.append(slice(None))
    if all(b <= 0 and a <= 0 for b, a in pads):
        return x[tuple(source)]
    out = xp.empty((x.shape[0],) + tuple(sizes) + (x.shape[-1],), dtype=x.dtype)
    if empty:
        out.fill(value)
        return out
    for axis in range(1, x.ndim - 1):
        border = [slice(None)] * x.ndim
        border[axis] = slice(0, target[axis].start)
        out[tuple(border)] = value
        border[axis] = slice(target[axis].stop, None)
        out[tuple(border)] = value
    out[tuple(target)] = x[tuple(source)]
    return out


def _windows(x, kernel, strides, dilations, out_spatial):
    """A strided view [N, *out_spatial, *kernel, C] of every receptive field of x."""
    s = x.strides
    spatial_strides = s[1:-1]
    shape = (x.shape[0],) + tuple(out_spatial) + tuple(kernel) + (x.shape[-1],)
    strides_ = (s[0],) + tuple(ss * st for ss, st in zip(spatial_strides, strides)) + \
        tuple(ss * d for ss, d in zip(spatial_strides, dilations)) + (s[-1],)
    return _as_strided(x, shape=shape, strides=strides_, writeable=False)


def _tap_slices(tap, strides, dilations, out_spatial):
    """Index of the input elements that window tap `tap` sees, one per output position."""
    index = [slice(None)]
    for t, st, d, o in zip(tap, strides, dilations, out_spatial):
        start = t * d
        index.append(slice(start, start + (o - 1) * st + 1, st))
    index.append(slice(None))
    return tuple(index)


def _images_per_chunk(batch, row_bytes):
    return max(1, min(batch, PATCH_BUFFER_BYTES // max(row_bytes, 1)))


def _matmul(xp, a, b, out=None):
    """a @ b on as many BLAS threads as the product's size warrants (framework/blas.py), or on
    one while the kernel runs in parts on all cores (kernels/parallel.py)."""
    if not parallel.in_parts():
        set_threads_for(a.shape[0] * a.shape[1] * b.shape[1])
    return xp.matmul(a, b, out=out)


# ---- convolution ----------------------------------------------------------------------------

def _correlate(xp, x, filters, strides, dilations, pads):
    """out[n, o, :] = sum over taps k of x_padded[n, o * stride + k * dilation, :] @ w[k].

    x [N, *spatial, C], filters [*kernel, C, O]; pads (before, after) per axis may be negative.
    """
    kernel = filters.shape[:-2]
    channels, out_channels = filters.shape[-2], filters.shape[-1]
    x = _pad_spatial(xp, x, pads)
    out_spatial = tuple(_out_size(s, k, st, d, (0, 0)) for s, k, st, d in
                        zip(x.shape[1:-1], kernel, strides, dilations))
    batch = x.shape[0]
    dtype = np.result_type(x.dtype, filters.dtype)
    out = xp.empty((batch,) + out_spatial + (out_channels,), dtype=dtype)
    if min(out_spatial, default=1) <= 0 or batch == 0:
        return xp.zeros((batch,) + tuple(max(o, 0) for o in out_spatial) + (out_channels,),
                        dtype=dtype)
    depth = math.prod(kernel) * channels
    weights = filters.reshape(depth, out_channels)
    if depth == 0:
        out.fill(0)
        return out
    rows = math.prod(out_spatial)
    flat_out = out.reshape(batch * rows, out_channels)
    if all(k == 1 for k in kernel):
        # 1x1 kernels: the (strided) input itself is the patch matrix.
        picked = x[(slice(None),) + tuple(slice(0, (o - 1) * st + 1, st) for o, st in
                                          zip(out_spatial, strides))]
        _matmul(xp, picked.reshape(batch * rows, channels), weights, out=flat_out)
        return out
    windows = _windows(x, kernel, strides, dilations, out_spatial)
    groups = parallel.parts(batch, batch * rows * depth * out_channels)

    def correlate_images(first, last):
        # im2col of images first..last-1, a chunk of images at a time, and their GEMM
        chunk = _images_per_chunk(last - first, rows * depth * x.itemsize)
        patches = xp.empty((chunk,) + windows.shape[1:], dtype=x.dtype)
        for start in range(first, last, chunk):
            stop = min(last, start + chunk)
            buffer = patches[:stop - start]
            buffer[...] = windows[start:stop]
            _matmul(xp, buffer.reshape(-1, depth), weights,
                    out=flat_out[start * rows:stop * rows])

    parallel.run_all([functools.partial(correlate_images, *group) for group in groups])
    return out


def _check_depth(x_shape, filter_shape, what):
    if x_shape[-1] != filter_shape[-2]:
        raise errors.InvalidArgumentError(
            None, None, f"{what}: input depth ({x_shape[-1]}) must equal the filter's "
            f"in_channels ({filter_shape[-2]}); input shape {list(x_shape)}, filter shape "
            f"{list(filter_shape)}.")


def conv(xp, x, filters, strides, padding, dilations):
    """N-d convolution (cross-correlation), x [N, *spatial, C], filters [*k, C, O]."""
    spatial = x.shape[1:-1]
    kernel = filters.shape[:-2]
    _check_depth(x.shape, filters.shape, "Conv")
    pads = conv_padding(spatial, kernel, strides, dilations, padding)
    out_spatial = [_out_size(s, k, st, d, p) for s, k, st, d, p in
                   zip(spatial, kernel, strides, dilations, pads)]
    if min(out_spatial, default=1) <= 0:
        raise errors.InvalidArgumentError(
            None, None, f"The convolution's output would be empty: input spatial shape "
            f"{list(spatial)}, kernel {list(kernel)}, padding {padding!r}. Use padding='SAME' "
            "or a smaller kernel.")
    return _correlate(xp, x, filters, strides, dilations, pads)


def _check_out_backprop(what, input_shape, kernel, strides, dilations, pads, grad_shape):
    expected = [_out_size(s, k, st, d, p) for s, k, st, d, p in
                zip(input_shape[1:-1], kernel, strides, dilations, pads)]
    if list(grad_shape[1:-1]) != expected or grad_shape[0] != input_shape[0]:
        raise errors.InvalidArgumentError(
            None, None, f"{what}: the gradient / transposed-convolution input has shape "
            f"{list(grad_shape)}, but an input of shape {list(input_shape)} convolves to "
            f"spatial shape {expected} (batch {input_shape[0]}). Check output_shape, strides "
            "and padding.")


def conv_backprop_filter(xp, x, grad, filter_shape, strides, padding, dilations):
    """dw[k] = sum over positions of x_padded[o * stride + k * dilation]^T grad[o]."""
    filter_shape = tuple(int(d) for d in filter_shape)
    kernel = filter_shape[:-2]
    _check_depth(x.shape, filter_shape, "ConvBackpropFilter")
    pads = conv_padding(x.shape[1:-1], kernel, strides, dilations, padding)
    _check_out_backprop("ConvBackpropFilter", x.shape, kernel, strides, dilations, pads,
                        grad.shape)
    out_spatial = grad.shape[1:-1]
    out_channels = filter_shape[-1]
    batch = x.shape[0]
    depth = math.prod(kernel) * x.shape[-1]
    rows = math.prod(out_spatial)
    grad_rows = grad.reshape(batch * rows, out_channels)
    dtype = np.result_type(x.dtype, grad.dtype)
    if batch * rows == 0 or depth == 0:
        return xp.zeros(filter_shape, dtype=dtype)
    windows = _windows(_pad_spatial(xp, x, pads), kernel, strides, dilations, out_spatial)
    groups = parallel.parts(batch, batch * rows * depth * out_channels)

    def filter_gradient(first, last):
        # the sum over images first..last-1, a chunk of images at a time
        chunk = _images_per_chunk(last - first, rows * depth * x.itemsize)
        if chunk >= last - first:
            patches = windows[first:last].reshape((last - first) * rows, depth)
            return _matmul(xp, patches.T, grad_rows[first * rows:last * rows])
        patches = xp.empty((chunk,) + windows.shape[1:], dtype=x.dtype)
        dw = xp.zeros((depth, out_channels), dtype=dtype)
        partial = xp.empty((depth, out_channels), dtype=dtype)
        for start in range(first, last, chunk):
            stop = min(last, start + chunk)
            buffer = patches[:stop - start]
            buffer[...] = windows[start:stop]
            _matmul(xp, buffer.reshape(-1, depth).T, grad_rows[start * rows:stop * rows],
                    out=partial)
            dw += partial
        return dw

    partials = parallel.run_all([functools.partial(filter_gradient, *group)
                                 for group in groups])
    dw = partials[0]
    for partial in partials[1:]:
        dw += partial
    return dw.astype(dtype, copy=False).reshape(filter_shape)


def _phases(size, out_size, kernel, stride, dilation, pad_before):
    """The input gradient along one axis, split by input position modulo the stride.

    Input position p sits at padded position P = p + pad_before = q * stride + r. Tap k reaches
    it from output o = q - m_k when k * dilation = m_k * stride + r, so each phase r is a plain
    correlation of the output gradient with the (reversed) taps of that phase. Returns, per
    phase with work: (first input position, count, taps slice (reversed), dilation between the
    taps, (pad before, pad after) of the output gradient).
    """
    phases = []
    for r in range(stride):
        taps = [k for k in range(kernel) if (k * dilation - r) % stride == 0]
        if not taps:
            continue
        q_lo = -(-(pad_before - r) // stride)
        q_hi = (pad_before + size - 1 - r) // stride
        count = q_hi - q_lo + 1
        if count <= 0:
            continue
        m_last = (taps[-1] * dilation - r) // stride
        step = dilation // math.gcd(dilation, stride)
        before = m_last - q_lo
        after = q_lo - m_last + count - 1 + (len(taps) - 1) * step + 1 - out_size
        tap_step = stride // math.gcd(dilation, stride)
        reverse = slice(taps[-1], taps[0] - 1 if taps[0] > 0 else None, -tap_step)
        phases.append((q_lo * stride + r - pad_before, count, reverse, step, (before, after)))
    return phases


def conv_backprop_input(xp, input_shape, filters, grad, strides, padding, dilations):
    """dx = correlation of the output gradient with the flipped, transposed filter."""
    input_shape = tuple(int(d) for d in input_shape)
    kernel = filters.shape[:-2]
    spatial = input_shape[1:-1]
    if input_shape[-1] != filters.shape[-2] or grad.shape[-1] != filters.shape[-1]:
        raise errors.InvalidArgumentError(
            None, None, f"ConvBackpropInput: filter shape {list(filters.shape)} needs "
            f"{filters.shape[-1]} gradient channels and {filters.shape[-2]} input channels, "
            f"but the gradient has shape {list(grad.shape)} and the input shape is "
            f"{list(input_shape)}.")
    pads = conv_padding(spatial, kernel, strides, dilations, padding)
    _check_out_backprop("ConvBackpropInput", input_shape, kernel, strides, dilations, pads,
                        grad.shape)
    if input_shape[-1] * 4 <= filters.shape[-1]:
        return _col2im(xp, input_shape, filters, grad, strides, dilations, pads)
    transposed = xp.swapaxes(filters, -1, -2)  # [*k, O, C]
    per_axis = [_phases(s, o, k, st, d, p[0]) for s, o, k, st, d, p in
                zip(spatial, grad.shape[1:-1], kernel, strides, dilations, pads)]
    dtype = np.result_type(filters.dtype, grad.dtype)
    if all(st == 1 for st in strides) and all(len(p) == 1 for p in per_axis):
        _, _, taps, steps, grad_pads = zip(*(p[0] for p in per_axis))
        flipped = xp.ascontiguousarray(transposed[taps])
        return _correlate(xp, grad, flipped, (1,) * len(kernel), steps, grad_pads)
    dx = xp.zeros(input_shape, dtype=dtype)
    for combination in _product(per_axis):
        firsts, counts, taps, steps, grad_pads = zip(*combination)
        flipped = xp.ascontiguousarray(transposed[taps])
        part = _correlate(xp, grad, flipped, (1,) * len(kernel), steps, grad_pads)
        index = (slice(None),) + tuple(slice(f, f + (c - 1) * st + 1, st) for f, c, st in
                                       zip(firsts, counts, strides)) + (slice(None),)
        dx[index] = part
    return dx


def _col2im(xp, input_shape, filters, grad, strides, dilations, pads):
    """dx from patch gradients (filter @ grad^T) scattered back with one add per tap.

    Used when the input has few channels (an RGB first layer, a generator's last transposed
    convolution): the patch gradients then have fewer columns than the im2col matrix of the
    output gradient would. They are laid out channels-first, [*k, C, N, *out], so every
    scatter-add runs over contiguous rows; dx is transposed back to channels-last at the end.
    """
    kernel, channels, out_channels = filters.shape[:-2], filters.shape[-2], filters.shape[-1]
    batch, spatial = input_shape[0], input_shape[1:-1]
    out_spatial = grad.shape[1:-1]
    rows = math.prod(out_spatial)
    depth = math.prod(kernel) * channels
    dtype = np.result_type(filters.dtype, grad.dtype)
    padded = tuple(s + b + a for s, (b, a) in zip(spatial, pads))
    dx = xp.zeros((channels, batch) + padded, dtype=dtype)
    weights = filters.reshape(depth, out_channels)
    grad_rows = grad.reshape(batch * rows, out_channels)
    chunk = _images_per_chunk(batch, rows * depth * grad.itemsize)
    for start in range(0, batch, chunk):
        stop = min(batch, start + chunk)
        columns = _matmul(xp, weights, grad_rows[start * rows:stop * rows].T).reshape(
            tuple(kernel) + (channels, stop - start) + tuple(out_spatial))
        for tap in np.ndindex(*kernel):
            index = (slice(None), slice(start, stop)) + _tap_slices(
                tap, strides, dilations, out_spatial)[1:-1]
            dx[index] += columns[tap]
    crop = (slice(None), slice(None)) + tuple(slice(b, b + s) for (b, _), s in
                                              zip(pads, spatial))
    return xp.ascontiguousarray(xp.moveaxis(dx[crop], 0, -1))


def _product(lists):
    result = [()]
    for items in lists:
        result = [r + (item,) for r in result for item in items]
    return result


# ---- depthwise convolution (2-D, channels last) ----------------------------------------------
# Each input channel c is correlated with its own filters w[..., c, :], giving channel_multiplier
# outputs per channel (output channel c * multiplier + m). One vectorised multiply-add per tap.

def _depthwise_geometry(x_shape, kernel, strides, padding, dilations):
    pads = conv_padding(x_shape[1:-1], kernel, strides, dilations, padding)
    out_spatial = [_out_size(s, k, st, d, p) for s, k, st, d, p in
                   zip(x_shape[1:-1], kernel, strides, dilations, pads)]
    return pads, out_spatial


def depthwise_conv(xp, x, filters, strides, padding, dilations):
    kernel, multiplier = filters.shape[:-2], filters.shape[-1]
    _check_depth(x.shape, filters.shape, "DepthwiseConv2dNative")
    pads, out_spatial = _depthwise_geometry(x.shape, kernel, strides, padding, dilations)
    if min(out_spatial, default=1) <= 0:
        raise errors.InvalidArgumentError(
            None, None, f"The depthwise convolution's output would be empty: input shape "
            f"{list(x.shape)}, filter shape {list(filters.shape)}, padding {padding!r}.")
    padded = _pad_spatial(xp, x, pads)
    channels = x.shape[-1]
    dtype = np.result_type(x.dtype, filters.dtype)
    out = xp.zeros((x.shape[0],) + tuple(out_spatial) + (channels, multiplier), dtype=dtype)
    term = xp.empty_like(out)
    for tap in np.ndindex(*kernel):
        view = padded[_tap_slices(tap, strides, dilations, out_spatial)]
        xp.multiply(view[..., None], filters[tap], out=term)
        out += term
    return out.reshape(out.shape[:-2] + (channels * multiplier,))


def depthwise_conv_backprop_input(xp, input_shape, filters, grad, strides, padding, dilations):
    input_shape = tuple(int(d) for d in input_shape)
    kernel, channels, multiplier = filters.shape[:-2], filters.shape[-2], filters.shape[-1]
    pads, out_spatial = _depthwise_geometry(input_shape, kernel, strides, padding, dilations)
    grad = grad.reshape(grad.shape[:-1] + (channels, multiplier))
    padded_shape = (input_shape[0],) + tuple(s + p[0] + p[1] for s, p in
                                             zip(input_shape[1:-1], pads)) + (channels,)
    dtype = np.result_type(filters.dtype, grad.dtype)
    dx = xp.zeros(padded_shape, dtype=dtype)
    for tap in np.ndindex(*kernel):
        if multiplier == 1:
            term = grad[..., 0] * filters[tap][:, 0]
        else:
            term = (grad * filters[tap]).sum(axis=-1)
        dx[_tap_slices(tap, strides, dilations, out_spatial)] += term
    return _pad_spatial(xp, dx, [(-b, -a) for b, a in pads])


def depthwise_conv_backprop_filter(xp, x, grad, filter_shape, strides, padding, dilations):
    filter_shape = tuple(int(d) for d in filter_shape)
    kernel, channels, multiplier = filter_shape[:-2], filter_shape[-2], filter_shape[-1]
    pads, out_spatial = _depthwise_geometry(x.shape, kernel, strides, padding, dilations)
    padded = _pad_spatial(xp, x, pads)
    grad = grad.reshape(grad.shape[:-1] + (channels, multiplier))
    dtype = np.result_type(x.dtype, grad.dtype)
    dw = xp.empty(filter_shape, dtype=dtype)
    axes = tuple(range(len(kernel) + 1))
    for tap in np.ndindex(*kernel):
        view = padded[_tap_slices(tap, strides, dilations, out_spatial)]
        dw[tap] = (view[..., None] * grad).sum(axis=axes)
    return dw


# ---- pooling --------------------------------------------------------------------------------

def _pool_geometry(spatial, ksize, strides, padding):
    ones = (1,) * len(spatial)
    pads = conv_padding(spatial, ksize, strides, ones, padding)
    out_spatial = [_out_size(s, k, st, 1, p) for s, k, st, p in
                   zip(spatial, ksize, strides, pads)]
    if min(out_spatial, default=1) <= 0:
        raise errors.InvalidArgumentError(
            None, None, f"Computed output size would be negative: the pooling window "
            f"{list(ksize)} is larger than the input's spatial shape {list(spatial)} with "
            f"padding {padding!r}. Use padding='SAME' or a smaller window.")
    return pads, out_spatial


def _lowest(xp, dtype):
    return -xp.inf if dtype.kind == "f" else np.iinfo(dtype).min


def max_pool(xp, x, ksize, strides, padding):
    """Maximum over each window (SAME padding never wins: it is the dtype's lowest value)."""
    pads, out_spatial = _pool_geometry(x.shape[1:-1], ksize, strides, padding)
    padded = _pad_spatial(xp, x, pads, _lowest(xp, x.dtype))
    ones = (1,) * len(ksize)
    out = xp.empty((x.shape[0],) + tuple(out_spatial) + (x.shape[-1],), dtype=x.dtype)

    def pool_images(first, last):
        target = out[first:last]
        for i, tap in enumerate(np.ndindex(*ksize)):
            view = padded[first:last][_tap_slices(tap, strides, ones, out_spatial)]
            if i == 0:
                target[...] = view
            else:
                xp.maximum(target, view, out=target)

    parallel.run_all([functools.partial(pool_images, *group) for group in
                      parallel.parts(x.shape[0], x.size * math.prod(ksize))])
    return out


def _first_max_masks(xp, padded, y, ksize, strides, out_spatial):
    """Yields (tap index, mask): the mask marks windows whose first maximum is at that tap.

    TF scans each window in row-major order and keeps the first element equal to the maximum,
    so ties send the whole gradient to one element.
    """
    ones = (1,) * len(ksize)
    taken = None
    for tap in np.ndindex(*ksize):
        index = _tap_slices(tap, strides, ones, out_spatial)
        hit = padded[index] == y
        if taken is None:
            taken = hit.copy()
        else:
            hit &= ~taken
            taken |= hit
        yield index, hit


def max_pool_grad(xp, x, y, grad, ksize, strides, padding):
    """Routes each output gradient to the first maximal element of its window (as TF)."""
    pads, out_spatial = _pool_geometry(x.shape[1:-1], ksize, strides, padding)
    padded = _pad_spatial(xp, x, pads, _lowest(xp, x.dtype))
    disjoint = all(st >= k for st, k in zip(strides, ksize))
    dx = xp.zeros(padded.shape, dtype=grad.dtype)

    def route_images(first, last):
        part, part_grad = dx[first:last], grad[first:last]
        for index, hit in _first_max_masks(xp, padded[first:last], y[first:last], ksize,
                                           strides, out_spatial):
            if disjoint:
                xp.multiply(part_grad, hit, out=part[index])
            else:
                part[index] += part_grad * hit

    parallel.run_all([functools.partial(route_images, *group) for group in
                      parallel.parts(x.shape[0], x.size * math.prod(ksize))])
    return _pad_spatial(xp, dx, [(-b, -a) for b, a in pads])


def max_pool_grad_grad(xp, x, y, grad_grad, ksize, strides, padding):
    """The gradient of MaxPoolGrad in its `grad` input: grad_grad at each window's argmax."""
    pads, out_spatial = _pool_geometry(x.shape[1:-1], ksize, strides, padding)
    lowest = _lowest(xp, x.dtype)
    padded = _pad_spatial(xp, x, pads, lowest)
    padded_gg = _pad_spatial(xp, grad_grad, pads, 0)
    out = xp.zeros(y.shape, dtype=grad_grad.dtype)
    for index, hit in _first_max_masks(xp, padded, y, ksize, strides, out_spatial):
        out += padded_gg[index] * hit
    return out


def _pool_counts(xp, spatial, ksize, strides, pads, out_spatial, dtype):
    """Real (unpadded) elements per window: a product of per-axis counts, shaped to broadcast."""
    counts = xp.ones((1,) * (len(spatial) + 2), dtype=dtype)
    for axis, (s, k, st, p, o) in enumerate(zip(spatial, ksize, strides, pads, out_spatial)):
        starts = np.arange(o) * st - p[0]
        per_axis = np.minimum(starts + k, s) - np.maximum(starts, 0)
        shape = [1] * (len(spatial) + 2)
        shape[axis + 1] = o
        counts = counts * xp.asarray(per_axis.reshape(shape), dtype=dtype)
    return counts


def avg_pool(xp, x, ksize, strides, padding):
    """Mean over each window; SAME-padded windows average only the real elements (as TF)."""
    spatial = x.shape[1:-1]
    pads, out_spatial = _pool_geometry(spatial, ksize, strides, padding)
    padded = _pad_spatial(xp, x, pads, 0)
    ones = (1,) * len(ksize)
    total = None
    for tap in np.ndindex(*ksize):
        view = padded[_tap_slices(tap, strides, ones, out_spatial)]
        if total is None:
            total = view.copy()
        else:
            total += view
    total /= _pool_counts(xp, spatial, ksize, strides, pads, out_spatial, x.dtype)
    return total


def avg_pool_grad(xp, input_shape, grad, ksize, strides, padding):
    input_shape = tuple(int(d) for d in input_shape)
    spatial = input_shape[1:-1]
    pads, out_spatial = _pool_geometry(spatial, ksize, strides, padding)
    share = grad / _pool_counts(xp, spatial, ksize, strides, pads, out_spatial, grad.dtype)
    padded_shape = (input_shape[0],) + tuple(s + p[0] + p[1] for s, p in
                                             zip(spatial, pads)) + (input_shape[-1],)
    dx = xp.zeros(padded_shape, dtype=grad.dtype)
    ones = (1,) * len(ksize)
    for tap in np.ndindex(*ksize):
        dx[_tap_slices(tap, strides, ones, out_spatial)] += share
    return _pad_spatial(xp, dx, [(-b, -a) for b, a in pads])
