"""keras.ops.image: resizing, padding, cropping and grayscale conversion of image batches
(rank 4) or single images (rank 3), channels_last or channels_first."""
import numpy as np

import tensorflux as tf
from tensorflux.keras.ops._common import (keras_op, export, convert, ndim_of,
                                          not_implemented_getattr)

_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5", "area")


def _data_format(data_format):
    from tensorflux.keras.ops.nn import _data_format as resolve
    return resolve(data_format)


def _to_last(images, data_format):
    images = convert(images)
    rank = ndim_of(images)
    if rank not in (3, 4):
        raise ValueError(f"Expected an image batch of rank 4 or a single image of rank 3; "
                         f"got shape {images.shape}.")
    if data_format == "channels_first":
        images = tf.transpose(images, [1, 2, 0] if rank == 3 else [0, 2, 3, 1])
    return images


def _from_last(images, data_format):
    if data_format == "channels_first":
        images = tf.transpose(images, [2, 0, 1] if ndim_of(images) == 3 else [0, 3, 1, 2])
    return images


def _hw(images):
    height, width = images.shape[-3], images.shape[-2]
    height, width = getattr(height, "value", height), getattr(width, "value", width)
    if height is None or width is None:
        raise ValueError("This image op needs statically known heights and widths.")
    return int(height), int(width)


@keras_op
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resizes images to `size` = (height, width)."""
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`: {interpolation!r}; "
                         f"expected one of {_INTERPOLATIONS}.")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can "
                         "be True.")
    if fill_mode != "constant":
        raise ValueError(f"Invalid value for argument `fill_mode`: {fill_mode!r}; only "
                         "'constant' is supported.")
    if len(size) != 2:
        raise ValueError(f"`size` must be (height, width); got {size}.")
    data_format = _data_format(data_format)
    images = _to_last(images, data_format)
    target_h, target_w = int(size[0]), int(size[1])
    if crop_to_aspect_ratio:
        height, width = _hw(images)
        crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
        crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
        top, left = int(float(height - crop_h) / 2), int(float(width - crop_w) / 2)
        images = images[..., top:top + crop_h, left:left + crop_w, :]
    elif pad_to_aspect_ratio:
        height, width = _hw(images)
        pad_h = max(height, int(float(width * target_h) / target_w))
        pad_w = max(width, int(float(height * target_w) / target_h))
        # as Keras: the same margin on both sides (so an odd difference loses a row/column)
        top, left = int(float(pad_h - height) / 2), int(float(pad_w - width) / 2)
        paddings = [[top, top], [left, left], [0, 0]]
        if ndim_of(images) == 4:
            paddings = [[0, 0]] + paddings
        images = tf.pad(images, paddings, constant_values=convert(fill_value, images.dtype))
    original = images.dtype
    resized = tf.image.resize(images, [target_h, target_w], method=interpolation,
                              antialias=antialias)
    if resized.dtype != original:
        if original.is_integer:
            resized = tf.round(resized)
        resized = tf.saturate_cast(resized, original)
    return _from_last(resized, data_format)


@keras_op
def rgb_to_grayscale(images, data_format=None):
    """Luma (0.2989 R + 0.5870 G + 0.1140 B), keeping a channel axis of size 1."""
    data_format = _data_format(data_format)
    images = _to_last(images, data_format)
    original = images.dtype
    compute = original if original.is_floating else tf.float32
    weights = tf.constant(np.asarray([0.2989, 0.5870, 0.1140], compute.as_numpy_dtype))
    gray = tf.reduce_sum(tf.cast(images, compute) * weights, axis=-1, keepdims=True)
    if not original.is_floating:
        gray = tf.cast(tf.round(gray), original) if original.is_integer else gray
    return _from_last(gray, data_format)


def _two_of_three(first, second, target, size, names, kind):
    given = [v is not None for v in (first, second, target)]
    if sum(given) != 2:
        raise ValueError(f"Must specify exactly two of {names[0]}, {names[1]}, {names[2]}. "
                         f"Received: {names[0]}={first}, {names[1]}={second}, "
                         f"{names[2]}={target}")
    if kind == "pad":
        if first is None:
            first = target - second - size
        elif second is None:
            second = target - first - size
    else:
        if first is None:
            first = size - second - target
        elif second is None:
            second = size - first - target
    if first < 0 or second < 0:
        raise ValueError(f"{names[0]} and {names[1]} must be >= 0; got {first}, {second}.")
    return int(first), int(second)


@keras_op
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Zero-pads images to a size: give two of top/bottom/target_height (and of
    left/right/target_width)."""
    data_format = _data_format(data_format)
    images = _to_last(images, data_format)
    height, width = _hw(images)
    top, bottom = _two_of_three(top_padding, bottom_padding, target_height, height,
                                ("top_padding", "bottom_padding", "target_height"), "pad")
    left, right = _two_of_three(left_padding, right_padding, target_width, width,
                                ("left_padding", "right_padding", "target_width"), "pad")
    paddings = [[top, bottom], [left, right], [0, 0]]
    if ndim_of(images) == 4:
        paddings = [[0, 0]] + paddings
    return _from_last(tf.pad(images, paddings), data_format)


@keras_op
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Crops images: give two of top/bottom/target_height (and of left/right/target_width)."""
    data_format = _data_format(data_format)
    images = _to_last(images, data_format)
    height, width = _hw(images)
    top, bottom = _two_of_three(top_cropping, bottom_cropping, target_height, height,
                                ("top_cropping", "bottom_cropping", "target_height"), "crop")
    left, right = _two_of_three(left_cropping, right_cropping, target_width, width,
                                ("left_cropping", "right_cropping", "target_width"), "crop")
    cropped = images[..., top:height - bottom, left:width - right, :]
    return _from_last(cropped, data_format)


__all__ = export(globals(), [])
__getattr__ = not_implemented_getattr("keras.ops.image")
