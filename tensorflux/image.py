"""tf.image: resizing, cropping and padding, flips, color adjustments, dtype conversion, and
the image codecs of `tf.io` (re-exported).

Images are [height, width, channels] or batches [batch, height, width, channels] (NHWC).
Most functions are compositions of existing ops (so they are differentiable and work in every
mode). Resizing is one op, "ResizeImage": each axis is resampled by a (out, in) weight matrix
computed from the sizes seen at run time (also unknown ones, e.g. right after decode_jpeg in a
traced Dataset.map), applied as two matrix products; its gradient applies the transposed
matrices.

Resize semantics follow TensorFlow: TF2 `resize` samples at pixel centers (half-pixel) and
returns float32 (except "nearest", which keeps the dtype); `antialias=True` widens the kernel
when downsampling; TF1 `resize_images` uses the legacy corner-aligned coordinates
(`in = out * in_size / out_size`, or `align_corners`) and Keys' a=-0.75 cubic.
"""
import functools

import numpy as np

from tensorflux.framework import dtypes, errors
from tensorflux.framework.registry import (not_differentiable, register_gradient,
                                           register_op)
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.io._ops import (decode_image, decode_jpeg, decode_png, decode_bmp,  # noqa
                                decode_gif, decode_webp, encode_jpeg, encode_png, is_jpeg,
                                extract_jpeg_shape, decode_and_crop_jpeg)
from tensorflux.ops import array_ops, extra_array_ops, math_ops, random_ops
from tensorflux.ops._helpers import apply, to_tensor

__all__ = ["ResizeMethod", "convert_image_dtype", "resize", "resize_images", "resize_bilinear",
           "resize_nearest_neighbor", "resize_bicubic", "resize_area",
           "crop_to_bounding_box", "pad_to_bounding_box", "central_crop",
           "resize_with_crop_or_pad", "resize_image_with_crop_or_pad", "resize_with_pad",
           "flip_left_right", "flip_up_down", "random_flip_left_right", "random_flip_up_down",
           "transpose", "rot90", "random_crop", "random_brightness", "random_contrast",
           "adjust_brightness", "adjust_contrast", "adjust_gamma", "rgb_to_grayscale",
           "grayscale_to_rgb", "per_image_standardization", "psnr", "total_variation",
           "decode_image", "decode_jpeg", "decode_png", "decode_bmp", "decode_gif",
           "encode_jpeg", "encode_png", "stateless_random_flip_left_right",
           "stateless_random_flip_up_down", "stateless_random_brightness",
           "stateless_random_contrast", "stateless_random_crop"]


class ResizeMethod:
    """TF2 resize methods (strings)."""
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


class ResizeMethodV1:
    """TF1 resize methods (ints, as `tf.compat.v1.image.ResizeMethod`)."""
    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


_V1_METHODS = {0: "bilinear", 1: "nearest", 2: "bicubic", 3: "area"}
_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
            "mitchellcubic")


# ---- resampling weights ------------------------------------------------------------------------

def _keys_cubic(a):
    def kernel(x):
        x = np.abs(x)
        near = ((a + 2) * x - (a + 3)) * x * x + 1
        far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
        return np.where(x < 1, near, np.where(x < 2, far, 0.0))
    return kernel


def _lanczos(radius):
    def kernel(x):
        return np.where(np.abs(x) < radius, np.sinc(x) * np.sinc(x / radius), 0.0)
    return kernel


def _gaussian(x):
    radius, sigma = 1.5, 0.5
    return np.where(np.abs(x) < radius, np.exp(-x * x / (2 * sigma * sigma)), 0.0)


def _mitchell(x):
    x = np.abs(x)
    near = (7 * x ** 3 - 12 * x ** 2 + 16.0 / 3) / 6
    far = (-7.0 / 3 * x ** 3 + 12 * x ** 2 - 20 * x + 32.0 / 3) / 6
    return np.where(x < 1, near, np.where(x < 2, far, 0.0))


_KERNELS = {"bilinear": (lambda x: np.maximum(0.0, 1.0 - np.abs(x)), 1.0),
            "bicubic": (_keys_cubic(-0.5), 2.0), "lanczos3": (_lanczos(3), 3.0),
            "lanczos5": (_lanczos(5), 5.0), "gaussian": (_gaussian, 1.5),
            "mitchellcubic": (_mitchell, 2.0)}


def _nearest_index(in_size, out_size, mode):
    o = np.arange(out_size, dtype=np.float64)
    if mode == "align_corners":
        scale = (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
        index = np.round(o * scale)
    elif mode == "half_pixel":
        index = np.floor((o + 0.5) * (in_size / out_size))
    else:
        index = np.floor(o * (in_size / out_size))
    return np.minimum(index, in_size - 1).astype(np.int64)


@functools.lru_cache(maxsize=256)
def _weights(in_size, out_size, method, antialias, mode):
    """The (out_size, in_size) float32 resampling matrix of one axis."""
    if method == "nearest":
        matrix = np.zeros((out_size, in_size))
        matrix[np.arange(out_size), _nearest_index(in_size, out_size, mode)] = 1.0
        return matrix.astype(np.float32)
    if method == "area":
        scale = in_size / out_size
        starts = np.arange(out_size) * scale
        ends = starts + scale
        pixel = np.arange(in_size)
        overlap = np.clip(np.minimum(ends[:, None], pixel[None, :] + 1) -
                          np.maximum(starts[:, None], pixel[None, :]), 0.0, None)
        return (overlap / scale).astype(np.float32)
    if mode != "half_pixel":
        return _legacy_weights(in_size, out_size, method, mode)
    if method == "bicubic" and not antialias:
        return _resize_bicubic_weights(in_size, out_size)
    kernel, radius = _KERNELS[method]
    scale = in_size / out_size
    kernel_scale = max(scale, 1.0) if antialias else 1.0
    centers = (np.arange(out_size) + 0.5) * scale
    distance = (np.arange(in_size)[None, :] + 0.5 - centers[:, None]) / kernel_scale
    matrix = np.where(np.abs(distance) < radius, kernel(distance), 0.0)
    totals = matrix.sum(axis=1, keepdims=True)
    # taps outside the image carry no weight; the others are renormalized to sum to 1
    matrix = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals != 0)
    return matrix.astype(np.float32)


def _resize_bicubic_weights(in_size, out_size):
    """TF2 resize(method="bicubic", antialias=False) runs TF's ResizeBicubic kernel (half-pixel
    centers): Keys a=-0.5 on the 4 nearest pixels, read from a 1024-step table (the fraction
    is rounded to 1/1024), taps outside the image dropped and the rest renormalized."""
    steps = 1024
    scale = in_size / out_size
    position = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * np.float32(scale) \
        - np.float32(0.5)
    base = np.floor(position).astype(np.int64)
    offset = np.rint((position - base) * steps).astype(np.int64)
    kernel = _keys_cubic(-0.5)
    matrix = np.zeros((out_size, in_size))
    rows = np.arange(out_size)
    for tap, distance in ((-1, 1.0 + offset / steps), (0, offset / steps),
                          (1, 1.0 - offset / steps), (2, 2.0 - offset / steps)):
        index = base + tap
        inside = (index >= 0) & (index < in_size)
        weight = kernel(distance).astype(np.float32)
        np.add.at(matrix, (rows[inside], index[inside]), weight[inside])
    totals = matrix.sum(axis=1, keepdims=True)
    matrix = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals != 0)
    return matrix.astype(np.float32)


def _legacy_weights(in_size, out_size, method, mode):
    """TF1 coordinates (corner-aligned or `align_corners`); bicubic uses a=-0.75 and
    replicates edge pixels."""
    if mode == "align_corners":
        scale = (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    else:
        scale = in_size / out_size
    position = np.arange(out_size) * scale
    base = np.floor(position).astype(np.int64)
    fraction = position - base
    matrix = np.zeros((out_size, in_size))
    rows = np.arange(out_size)
    if method == "bilinear":
        np.add.at(matrix, (rows, np.clip(base, 0, in_size - 1)), 1.0 - fraction)
        np.add.at(matrix, (rows, np.clip(base + 1, 0, in_size - 1)), fraction)
    elif method == "bicubic":
        kernel = _keys_cubic(-0.75)
        for tap in (-1, 0, 1, 2):
            np.add.at(matrix, (rows, np.clip(base + tap, 0, in_size - 1)),
                      kernel(fraction - tap))
    else:
        raise errors.InvalidArgumentError(None, None, f"Resize method {method!r} is not "
                                          "available with TF1 coordinates.")
    return matrix.astype(np.float32)


def _as_batch(array):
    if array.ndim == 3:
        return array[None], True
    if array.ndim == 4:
        return array, False
    raise errors.InvalidArgumentError(None, None, f"'images' must have either 3 or 4 "
                                      f"dimensions, got shape {array.shape}.")


def _float_type(dtype):
    # float64 images stay float64 (TensorFlow returns float32; kept for exact gradients)
    return np.float64 if dtype == np.float64 else np.float32


def _apply_axes(batch, height_weights, width_weights):
    height_weights = height_weights.astype(batch.dtype, copy=False)
    width_weights = width_weights.astype(batch.dtype, copy=False)
    n, h, w, c = batch.shape
    out_h, out_w = height_weights.shape[0], width_weights.shape[0]
    rows = np.matmul(height_weights, batch.reshape(n, h, w * c))       # (n, out_h, w*c)
    cols = np.matmul(width_weights, rows.reshape(n * out_h, w, c))      # (n*out_h, out_w, c)
    return cols.reshape(n, out_h, out_w, c)


_IDENTITY_AT_SAME_SIZE = frozenset(("nearest", "bilinear", "bicubic", "area", "lanczos3",
                                    "lanczos5"))


def _resize_kernel(xp, images, size, method, antialias, mode):
    batch, squeeze = _as_batch(np.asarray(images))
    out_h, out_w = (int(v) for v in np.asarray(size).reshape(-1))
    if out_h <= 0 or out_w <= 0:
        raise errors.InvalidArgumentError(None, None, f"resize: the target size must be "
                                          f"positive, got [{out_h}, {out_w}].")
    _, h, w, _ = batch.shape
    if (h, w) == (out_h, out_w) and method in _IDENTITY_AT_SAME_SIZE:
        # every method here samples exactly at the input pixels then: a copy (as float32)
        result = batch.astype(_float_type(batch.dtype)) if method != "nearest" \
            else batch.copy()
        return result[0] if squeeze else result
    if method == "nearest":
        result = batch[:, _nearest_index(h, out_h, mode)][:, :, _nearest_index(w, out_w, mode)]
    else:
        if h == 0 or w == 0:
            raise errors.InvalidArgumentError(None, None, "resize: the input image is empty.")
        source = batch.astype(_float_type(batch.dtype), copy=False)
        result = _apply_axes(source, _weights(h, out_h, method, antialias, mode),
                             _weights(w, out_w, method, antialias, mode))
    return result[0] if squeeze else result


def _resize_grad_kernel(xp, grad, images, method, antialias, mode):
    grad = np.asarray(grad)
    grad_batch, squeeze = _as_batch(grad.astype(_float_type(grad.dtype), copy=False))
    image_batch, _ = _as_batch(np.asarray(images))
    _, h, w, _ = image_batch.shape
    _, out_h, out_w, _ = grad_batch.shape
    result = _apply_axes(grad_batch, _weights(h, out_h, method, antialias, mode).T,
                         _weights(w, out_w, method, antialias, mode).T)
    return result[0] if squeeze else result


def _resize_shape(inputs, attrs):
    images, size = inputs
    shape = images.shape
    value = size._constant_value()
    out = [None, None] if value is None else [int(v) for v in np.asarray(value).reshape(-1)]
    if shape.rank is None:
        return [TensorShape(None)]
    dims = list(shape.as_tuple())
    dims[-3:-1] = out
    return [TensorShape(dims)]


def _resize_dtype(input_dtypes, attrs):
    if attrs["method"] == "nearest" or input_dtypes[0] == dtypes.float64:
        return [input_dtypes[0]]
    return [dtypes.float32]


register_op("ResizeImage", _resize_kernel, _resize_shape, _resize_dtype)
register_op("ResizeImageGrad", _resize_grad_kernel,
            lambda inputs, attrs: [inputs[1].shape],
            lambda input_dtypes, attrs: [dtypes.float64 if input_dtypes[0] == dtypes.float64
                                         else dtypes.float32])


@register_gradient("ResizeImage")
def _resize_image_grad(op, grad):
    """d resize(x) = W_h^T g W_w: the transposed resampling matrices."""
    attrs = {k: op.attrs[k] for k in ("method", "antialias", "mode")}
    return [apply("ResizeImageGrad", [grad, op.inputs[0]], attrs), None]


@register_gradient("ResizeImageGrad")
def _resize_image_grad_grad(op, grad):
    """The adjoint of the adjoint: resample `grad` forward to the original output size."""
    attrs = {k: op.attrs[k] for k in ("method", "antialias", "mode")}
    shape = array_ops.shape(op.inputs[0])
    rank = op.inputs[0].shape.rank
    size = shape[1:3] if rank == 4 else shape[0:2]
    return [apply("ResizeImage", [grad, size], attrs), None]


def _size_tensor(size):
    if isinstance(size, Tensor):
        return math_ops.cast(size, dtypes.int32) if size.dtype != dtypes.int32 else size
    values = [int(v) for v in np.asarray(size).reshape(-1)]
    if len(values) != 2:
        raise ValueError(f"'size' must be a 1-D tensor of 2 elements: new_height, new_width; "
                         f"got {size!r}.")
    return to_tensor(np.asarray(values, dtype=np.int32))


def _image_input(images, name="images"):
    images = to_tensor(images)
    rank = images.shape.rank
    if rank is not None and rank not in (3, 4):
        raise ValueError(f"'{name}' must have either 3 or 4 dimensions (HWC or NHWC), got "
                         f"shape {images.shape}.")
    return images


def _aspect_size(images, size):
    shape = images.shape.as_tuple()
    height, width = shape[-3], shape[-2]
    if height is None or width is None or isinstance(size, Tensor):
        raise errors.UnimplementedError(None, None, "resize(preserve_aspect_ratio=True) needs "
                                        "a statically known image size in tensorflux.")
    target_h, target_w = (int(v) for v in np.asarray(size).reshape(-1))
    scale = min(target_h / height, target_w / width)
    return [max(1, int(round(height * scale))), max(1, int(round(width * scale)))]


def resize(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False,
           antialias=False, name=None):
    """Resizes images to `size` = [new_height, new_width] (TF2 semantics).

    Args:
        images: [height, width, channels] or [batch, height, width, channels].
        method: "bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
            "gaussian" or "mitchellcubic".
        antialias: widen the filter when downsampling (not for "nearest" and "area").

    Returns:
        float32 images (the input dtype for "nearest"; float64 stays float64).

    Example:
        >>> image = tf.reshape(tf.range(4.0), [2, 2, 1])
        >>> tf.image.resize(image, [4, 4])[0, :, 0].numpy()
        array([0.  , 0.25, 0.75, 1.  ], dtype=float32)
    """
    images = _image_input(images)
    if method in _V1_METHODS:
        method = _V1_METHODS[method]
    method = str(method).lower()
    if method not in _METHODS:
        raise ValueError(f"Resize method {method!r} is not supported; use one of "
                         f"{', '.join(_METHODS)}.")
    if preserve_aspect_ratio:
        size = _aspect_size(images, size)
    return apply("ResizeImage", [images, _size_tensor(size)],
                 {"method": method, "antialias": bool(antialias) and method not in
                  ("nearest", "area"), "mode": "half_pixel"}, name)


def resize_images(images, size, method=ResizeMethodV1.BILINEAR, align_corners=False,
                  preserve_aspect_ratio=False, name=None):
    """TF1 `tf.image.resize_images`: corner-aligned coordinates (see the module docstring);
    returns the input unchanged when it already has the target size."""
    images = _image_input(images)
    method = _V1_METHODS.get(method, method)
    method = str(method).lower()
    if method not in ("bilinear", "nearest", "bicubic", "area"):
        raise ValueError(f"Resize method {method!r} is not supported by resize_images; use "
                         "tf.image.ResizeMethod.BILINEAR, NEAREST_NEIGHBOR, BICUBIC or AREA.")
    if preserve_aspect_ratio:
        size = _aspect_size(images, size)
    if not isinstance(size, Tensor):
        target = [int(v) for v in np.asarray(size).reshape(-1)]
        if images.shape.rank is not None and list(images.shape.as_tuple()[-3:-1]) == target:
            return images
    return apply("ResizeImage", [images, _size_tensor(size)],
                 {"method": method, "antialias": False,
                  "mode": "align_corners" if align_corners else "legacy"}, name)


def resize_bilinear(images, size, align_corners=False, half_pixel_centers=False, name=None):
    return _resize_v1_op(images, size, "bilinear", align_corners, half_pixel_centers, name)


def resize_nearest_neighbor(images, size, align_corners=False, half_pixel_centers=False,
                            name=None):
    return _resize_v1_op(images, size, "nearest", align_corners, half_pixel_centers, name)


def resize_bicubic(images, size, align_corners=False, half_pixel_centers=False, name=None):
    return _resize_v1_op(images, size, "bicubic", align_corners, half_pixel_centers, name)


def resize_area(images, size, align_corners=False, name=None):
    return _resize_v1_op(images, size, "area", align_corners, False, name)


def _resize_v1_op(images, size, method, align_corners, half_pixel_centers, name):
    mode = "half_pixel" if half_pixel_centers else ("align_corners" if align_corners
                                                    else "legacy")
    return apply("ResizeImage", [_image_input(images), _size_tensor(size)],
                 {"method": method, "antialias": False, "mode": mode}, name)


# ---- dtype conversion ----------------------------------------------------------------------------

def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Converts between image dtypes, rescaling values: integers span [0, MAX], floats
    [0, 1] (uint8 255 <-> 1.0). Float -> int truncates `x * (MAX + 0.5)`.
    """
    image = to_tensor(image)
    dtype = dtypes.as_dtype(dtype)
    source = image.dtype
    if not (source.is_floating or source.is_integer) or not (dtype.is_floating or
                                                            dtype.is_integer):
        raise AttributeError(f"convert_image_dtype: {source.name} -> {dtype.name} is not "
                             "an image conversion (use integer or floating dtypes).")
    if source == dtype:
        return array_ops.identity(image, name=name)
    if source.is_integer and dtype.is_integer:
        in_max, out_max = int(source.max), int(dtype.max)
        if in_max > out_max:
            scale = (in_max + 1) // (out_max + 1)
            return math_ops.cast(math_ops.floordiv(image, scale), dtype, name=name)
        scale = (out_max + 1) // (in_max + 1)
        return math_ops.multiply(math_ops.cast(image, dtype), scale, name=name)
    if source.is_floating and dtype.is_floating:
        return math_ops.cast(image, dtype, name=name)
    if source.is_integer:
        converted = math_ops.cast(image, dtype)
        return math_ops.multiply(converted, 1.0 / float(source.max), name=name)
    scaled = math_ops.multiply(image, float(dtype.max) + 0.5)
    if saturate:
        scaled = math_ops.clip_by_value(scaled, float(dtype.min), float(dtype.max))
    return math_ops.cast(scaled, dtype, name=name)


# ---- cropping and padding ------------------------------------------------------------------------

def _static_hw(image):
    shape = image.shape.as_tuple()
    if shape is None:
        return None, None
    return shape[-3], shape[-2]


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The [target_height, target_width] window at (offset_height, offset_width)."""
    image = _image_input(image, "image")
    oh, ow, th, tw = (int(v) for v in (offset_height, offset_width, target_height,
                                       target_width))
    if oh < 0 or ow < 0 or th <= 0 or tw <= 0:
        raise ValueError(f"crop_to_bounding_box: offsets must be >= 0 and sizes > 0, got "
                         f"offset ({oh}, {ow}) size ({th}, {tw}).")
    height, width = _static_hw(image)
    if (height is not None and oh + th > height) or (width is not None and ow + tw > width):
        raise ValueError(f"crop_to_bounding_box: the box (offset ({oh}, {ow}), size "
                         f"({th}, {tw})) exceeds the image size ({height}, {width}).")
    return image[..., oh:oh + th, ow:ow + tw, :]


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """Pads with zeros to [target_height, target_width], the image at the offsets."""
    image = _image_input(image, "image")
    oh, ow, th, tw = (int(v) for v in (offset_height, offset_width, target_height,
                                       target_width))
    height, width = _static_hw(image)
    if height is None or width is None:
        return _crop_or_pad(image, th, tw, offsets=(oh, ow))
    after_h, after_w = th - oh - height, tw - ow - width
    if oh < 0 or ow < 0 or after_h < 0 or after_w < 0:
        raise ValueError(f"pad_to_bounding_box: the image ({height}, {width}) at offset "
                         f"({oh}, {ow}) does not fit in ({th}, {tw}).")
    paddings = [[oh, after_h], [ow, after_w], [0, 0]]
    if image.shape.rank == 4:
        paddings = [[0, 0]] + paddings
    return extra_array_ops.pad(image, paddings)


def _crop_or_pad_kernel(xp, image, target, fraction, offsets):
    array, squeeze = _as_batch(np.asarray(image))
    _, h, w, _ = array.shape
    if fraction is not None:
        start_h, start_w = int((h - h * fraction) / 2), int((w - w * fraction) / 2)
        th, tw = h - 2 * start_h, w - 2 * start_w
    else:
        th, tw = (int(v) for v in np.asarray(target).reshape(-1))
    out = np.zeros((array.shape[0], th, tw, array.shape[3]), dtype=array.dtype)
    if offsets is not None:
        pad_h, pad_w = offsets
        crop_h = crop_w = 0
    else:
        crop_h, crop_w = max((h - th) // 2, 0), max((w - tw) // 2, 0)
        pad_h, pad_w = max((th - h) // 2, 0), max((tw - w) // 2, 0)
    rows, cols = min(h - crop_h, th - pad_h), min(w - crop_w, tw - pad_w)
    if rows < 0 or cols < 0:
        raise errors.InvalidArgumentError(None, None, f"The image ({h}, {w}) does not fit the "
                                          f"box ({th}, {tw}).")
    out[:, pad_h:pad_h + rows, pad_w:pad_w + cols] = \
        array[:, crop_h:crop_h + rows, crop_w:crop_w + cols]
    return out[0] if squeeze else out


def _crop_or_pad_shape(inputs, attrs):
    image, target = inputs
    if image.shape.rank is None:
        return [TensorShape(None)]
    dims = list(image.shape.as_tuple())
    value = target._constant_value()
    if attrs["fraction"] is not None:
        height, width = dims[-3], dims[-2]
        f = attrs["fraction"]
        dims[-3:-1] = [None if d is None else d - 2 * int((d - d * f) / 2)
                       for d in (height, width)]
    else:
        dims[-3:-1] = [None, None] if value is None else [int(v) for v in value]
    return [TensorShape(dims)]


register_op("ImageCropOrPad", _crop_or_pad_kernel, _crop_or_pad_shape)


@register_gradient("ImageCropOrPad")
def _crop_or_pad_grad(op, grad):
    """Centered crop-or-pad is self-adjoint: crop-or-pad the gradient back to x's size."""
    if op.attrs["offsets"] is not None:
        return [None, None]
    x = op.inputs[0]
    shape = array_ops.shape(x)
    size = shape[1:3] if x.shape.rank == 4 else shape[0:2]
    back = apply("ImageCropOrPad", [grad, size], {"fraction": None, "offsets": None})
    return [back, None]


def _crop_or_pad(image, target_height, target_width, fraction=None, offsets=None):
    target = to_tensor(np.asarray([target_height, target_width], dtype=np.int32))
    return apply("ImageCropOrPad", [image, target], {"fraction": fraction,
                                                     "offsets": offsets})


def resize_with_crop_or_pad(image, target_height, target_width):
    """Centrally crops and/or zero-pads to [target_height, target_width]."""
    image = _image_input(image, "image")
    th, tw = int(target_height), int(target_width)
    if th <= 0 or tw <= 0:
        raise ValueError(f"target_height and target_width must be > 0, got ({th}, {tw}).")
    return _crop_or_pad(image, th, tw)


resize_image_with_crop_or_pad = resize_with_crop_or_pad


def central_crop(image, central_fraction):
    """The central `central_fraction` (0, 1] of the image along height and width."""
    image = _image_input(image, "image")
    fraction = float(central_fraction)
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"central_fraction must be within (0, 1], got {fraction}.")
    if fraction == 1.0:
        return image
    return apply("ImageCropOrPad", [image, to_tensor(np.zeros(2, np.int32))],
                 {"fraction": fraction, "offsets": None})


def resize_with_pad(image, target_height, target_width, method=ResizeMethod.BILINEAR,
                    antialias=False):
    """Resizes keeping the aspect ratio, then pads with zeros to the target size."""
    image = _image_input(image, "image")
    resized = resize(image, [target_height, target_width], method,
                     preserve_aspect_ratio=True, antialias=antialias)
    height, width = _static_hw(resized)
    return pad_to_bounding_box(resized, (target_height - height) // 2,
                               (target_width - width) // 2, target_height, target_width)


# ---- flips, transposes ---------------------------------------------------------------------------

def flip_left_right(image):
    """Reverses the width axis."""
    return _image_input(image, "image")[..., ::-1, :]


def flip_up_down(image):
    """Reverses the height axis."""
    return _image_input(image, "image")[..., ::-1, :, :]


def transpose(image, name=None):
    image = _image_input(image, "image")
    perm = [1, 0, 2] if image.shape.rank == 3 else [0, 2, 1, 3]
    return array_ops.transpose(image, perm, name=name)


def rot90(image, k=1, name=None):
    """Rotates counter-clockwise by k * 90 degrees."""
    image = _image_input(image, "image")
    k = int(k) % 4
    for _ in range(k):
        image = flip_up_down(transpose(image))
    return image


def _flip_at_random(image, draw, flip):
    """flip(image) where draw(shape) < 0.5: one uniform draw per image of a batch."""
    image = _image_input(image, "image")
    if image.shape.rank == 4:
        batch = array_ops.shape(image)[0:1]
        shape = array_ops.concat([batch, to_tensor(np.ones(3, np.int32))], 0)
    else:
        shape = []
    mirror = math_ops.less(draw(shape), 0.5)
    return math_ops.where(mirror, flip(image), image)


def _random_flip(image, seed, flip):
    return _flip_at_random(
        image, lambda shape: random_ops.random_uniform(shape, 0.0, 1.0, seed=seed), flip)


def random_flip_left_right(image, seed=None):
    """Flips horizontally with probability 1/2 (each image of a batch independently)."""
    return _random_flip(image, seed, flip_left_right)


def random_flip_up_down(image, seed=None):
    return _random_flip(image, seed, flip_up_down)


def _random_crop_kernel(xp, value, size, generator):
    array = np.asarray(value)
    size = [int(s) for s in np.asarray(size).reshape(-1)]
    if len(size) != array.ndim or any(s > d for s, d in zip(size, array.shape)):
        raise errors.InvalidArgumentError(None, None, f"random_crop: need value.shape >= size, "
                                          f"got {array.shape} and {size}.")
    starts = [int(generator.integers(0, d - s + 1)) for d, s in zip(array.shape, size)]
    return array[tuple(slice(b, b + s) for b, s in zip(starts, size))].copy()


register_op("RandomCrop", _random_crop_kernel,
            lambda inputs, attrs: [TensorShape(None) if inputs[1]._constant_value() is None
                                   else TensorShape([int(v) for v in
                                                     inputs[1]._constant_value()])],
            stateful=True)
not_differentiable("RandomCrop")


def random_crop(value, size, seed=None, name=None):
    """A random window of shape `size` of `value` (any rank)."""
    value = to_tensor(value)
    size = to_tensor(np.asarray(size, dtype=np.int32)) if not isinstance(size, Tensor) \
        else size
    return apply("RandomCrop", [value, size], {"generator": random_ops._generator(seed)}, name)


# ---- color -------------------------------------------------------------------------------------

def _as_float(image):
    if image.dtype.is_floating:
        return image, None
    return convert_image_dtype(image, dtypes.float32), image.dtype


def _back(image, original):
    return image if original is None else convert_image_dtype(image, original, saturate=True)


def adjust_brightness(image, delta):
    """Adds `delta` (in [0, 1] units; integer images are converted to float and back)."""
    image = to_tensor(image)
    flt, original = _as_float(image)
    return _back(math_ops.add(flt, math_ops.cast(to_tensor(delta), flt.dtype)), original)


def adjust_contrast(images, contrast_factor):
    """(x - mean) * factor + mean, with the mean over height and width per channel."""
    images = to_tensor(images)
    flt, original = _as_float(images)
    mean = math_ops.reduce_mean(flt, axis=[-3, -2], keepdims=True)
    factor = math_ops.cast(to_tensor(contrast_factor), flt.dtype)
    return _back((flt - mean) * factor + mean, original)


def adjust_gamma(image, gamma=1, gain=1):
    """gain * x ** gamma (on [0, 1] floats; integer images are converted and back)."""
    image = to_tensor(image)
    flt, original = _as_float(image)
    out = math_ops.multiply(math_ops.pow(flt, math_ops.cast(to_tensor(gamma), flt.dtype)),
                            math_ops.cast(to_tensor(gain), flt.dtype))
    return _back(out, original)


def random_brightness(image, max_delta, seed=None):
    """adjust_brightness by a delta drawn uniformly from [-max_delta, max_delta)."""
    if max_delta < 0:
        raise ValueError(f"max_delta must be non-negative, got {max_delta}.")
    delta = random_ops.random_uniform([], -max_delta, max_delta, seed=seed)
    return adjust_brightness(image, delta)


def random_contrast(image, lower, upper, seed=None):
    """adjust_contrast by a factor drawn uniformly from [lower, upper)."""
    if upper <= lower:
        raise ValueError(f"upper must be > lower, got lower={lower}, upper={upper}.")
    if lower < 0:
        raise ValueError(f"lower must be non-negative, got {lower}.")
    factor = random_ops.random_uniform([], lower, upper, seed=seed)
    return adjust_contrast(image, factor)


# ---- stateless random ops: `seed` is an int32/int64 tensor of shape [2]; the same seed gives the
# same result (values from NumPy's Philox generator, not TensorFlow's: see tf.random) ----------

def _stateless_flip(image, seed, flip):
    return _flip_at_random(
        image, lambda shape: random_ops.stateless_random_uniform(shape, seed), flip)


def stateless_random_flip_left_right(image, seed):
    """Deterministically (given `seed`) flips horizontally with probability 1/2 per image."""
    return _stateless_flip(image, seed, flip_left_right)


def stateless_random_flip_up_down(image, seed):
    """Deterministically (given `seed`) flips vertically with probability 1/2 per image."""
    return _stateless_flip(image, seed, flip_up_down)


def stateless_random_brightness(image, max_delta, seed):
    """adjust_brightness by a delta drawn from [-max_delta, max_delta) with `seed`."""
    if max_delta < 0:
        raise ValueError(f"max_delta must be non-negative, got {max_delta}.")
    delta = random_ops.stateless_random_uniform([], seed, -max_delta, max_delta)
    return adjust_brightness(image, delta)


def stateless_random_contrast(image, lower, upper, seed):
    """adjust_contrast by a factor drawn from [lower, upper) with `seed`."""
    if upper <= lower:
        raise ValueError(f"upper must be > lower, got lower={lower}, upper={upper}.")
    if lower < 0:
        raise ValueError(f"lower must be non-negative, got {lower}.")
    factor = random_ops.stateless_random_uniform([], seed, lower, upper)
    return adjust_contrast(image, factor)


def stateless_random_crop(value, size, seed, name=None):
    """A window of shape `size` of `value` (any rank) at offsets chosen by `seed`."""
    value = to_tensor(value)
    size = to_tensor(np.asarray(size, dtype=np.int32)) if not isinstance(size, Tensor) \
        else math_ops.cast(size, "int32")
    shape = array_ops.shape(value)
    static_shape, static_size = value.shape, size._constant_value()
    if static_shape.is_fully_defined() and static_size is not None:
        if len(static_size) != static_shape.rank or \
                any(int(s) > d for s, d in zip(static_size, static_shape.as_tuple())):
            raise errors.InvalidArgumentError(
                None, None, f"Need value.shape >= size, got {list(static_shape.as_tuple())} "
                f"and {[int(s) for s in static_size]}")
    limit = shape - size + 1
    offset = random_ops.stateless_random_uniform(array_ops.shape(shape), seed, minval=0,
                                                 maxval=np.iinfo(np.int32).max,
                                                 dtype="int32") % limit
    return extra_array_ops.slice(value, offset, size, name=name)


_GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)


def rgb_to_grayscale(images, name=None):
    """Luma (0.2989 R + 0.5870 G + 0.1140 B), keeping a last axis of size 1."""
    images = to_tensor(images)
    flt, original = _as_float(images)
    weights = to_tensor(np.asarray(_GRAY_WEIGHTS, dtype=flt.dtype.as_numpy_dtype))
    gray = math_ops.reduce_sum(flt * weights, axis=-1, keepdims=True)
    return _back(gray, original)


def grayscale_to_rgb(images, name=None):
    """Repeats the single channel three times."""
    images = to_tensor(images)
    if images.shape.rank is not None and images.shape.as_tuple()[-1] not in (1, None):
        raise ValueError(f"grayscale_to_rgb expects a last axis of size 1, got shape "
                         f"{images.shape}.")
    return array_ops.concat([images, images, images], axis=-1, name=name)


def per_image_standardization(image):
    """(x - mean) / max(stddev, 1/sqrt(N)) per image, N = height * width * channels."""
    image = _image_input(image, "image")
    if not image.dtype.is_floating:
        image = math_ops.cast(image, dtypes.float32)
    axes = [-3, -2, -1]
    mean = math_ops.reduce_mean(image, axis=axes, keepdims=True)
    centered = image - mean
    std = math_ops.sqrt(math_ops.reduce_mean(math_ops.square(centered), axis=axes,
                                             keepdims=True))
    count = math_ops.cast(array_ops.size(image) if image.shape.rank == 3 else
                          array_ops.size(image[0]), image.dtype)
    minimum = math_ops.rsqrt(count)
    return centered / math_ops.maximum(std, minimum)


def psnr(a, b, max_val, name=None):
    """Peak signal-to-noise ratio per image: 10 log10(max_val^2 / mse)."""
    a, b = to_tensor(a), to_tensor(b)
    a = a if a.dtype.is_floating else math_ops.cast(a, dtypes.float32)
    b = b if b.dtype.is_floating else math_ops.cast(b, dtypes.float32)
    mse = math_ops.reduce_mean(math_ops.square(a - b), axis=[-3, -2, -1])
    max_val = math_ops.cast(to_tensor(max_val), a.dtype)
    return 10.0 * math_ops.log(max_val * max_val / mse) / np.log(10.0).astype(np.float32)


def total_variation(images, name=None):
    """Sum of absolute differences of neighboring pixels, per image."""
    images = _image_input(images)
    dh = images[..., 1:, :, :] - images[..., :-1, :, :]
    dw = images[..., :, 1:, :] - images[..., :, :-1, :]
    axes = [-3, -2, -1]
    return math_ops.reduce_sum(math_ops.abs(dh), axis=axes) + \
        math_ops.reduce_sum(math_ops.abs(dw), axis=axes)
