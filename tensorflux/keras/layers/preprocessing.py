"""Preprocessing layers (Keras 3 semantics).

- images, deterministic: Rescaling, Resizing, CenterCrop;
- images, augmentations: RandomFlip, RandomRotation, RandomZoom, RandomTranslation,
  RandomContrast, RandomBrightness, RandomCrop;
- numeric features (`adapt` learns statistics): Normalization, Discretization,
  CategoryEncoding;
- vocabularies (`adapt` learns them): StringLookup, IntegerLookup, TextVectorization.

Random layers follow Keras 3: they augment in training and are the identity at inference
(`predict`, `training=False`; RandomFlip and the affine ones still cast to float). A call
without `training` (directly, or through a model called without it) counts as training, as
the layers' `training=True` default does in Keras.

Everything in `call` is a tensorflux op, so the layers also work in `tf.function`, in
`Dataset.map` and in graphs; the vocabulary lookups and text splitting are ops of their own
(NumPy kernels, registered here).
"""
import math
import os
import re

import numpy as np

import tensorflux as tf
from tensorflux.framework import dtypes, errors
from tensorflux.framework.registry import not_differentiable, register_op
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.keras import backend
from tensorflux.keras.layers.base_layer import Layer
from tensorflux.keras.layers.conv import normalize_data_format
from tensorflux.ops._helpers import apply

__all__ = ["Rescaling", "Resizing", "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom",
           "RandomTranslation", "RandomContrast", "RandomBrightness", "RandomCrop",
           "Normalization", "Discretization", "CategoryEncoding", "StringLookup",
           "IntegerLookup", "TextVectorization"]


# ---- shared helpers --------------------------------------------------------------------------
def _dims(x):
    """The dimensions of x: ints where static, scalar int32 tensors where not."""
    static = x.shape.as_list()
    if all(d is not None for d in static):
        return static
    dynamic = tf.shape(x)
    return [d if d is not None else dynamic[i] for i, d in enumerate(static)]


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _training(training):
    # Keras 3: these layers' `call(..., training=True)` default applies when no training flag
    # comes from the call or an enclosing model call.
    return True if training is None else bool(training)


def _describe(layer):
    return f'Layer "{layer.name}" ({type(layer).__name__})'


class _ImageLayer(Layer):
    """Images of rank 3 (one image) or 4 (a batch), channels last or first."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format or backend.image_data_format())

    def _check_rank(self, inputs):
        rank = inputs.shape.rank
        if rank not in (3, 4):
            raise ValueError(f"{_describe(self)} expects images of rank 3 (one image) or 4 (a "
                             f"batch of images), but received an input of shape "
                             f"{tuple(inputs.shape.as_list()) if rank is not None else None}.")
        return rank

    def _to_nhwc(self, images):
        """(a 4-D channels-last batch, the function that restores the input's layout)."""
        rank = self._check_rank(images)
        x = images if rank == 4 else tf.expand_dims(images, 0)
        if self.data_format == "channels_first":
            x = tf.transpose(x, [0, 2, 3, 1])

        def restore(y):
            if self.data_format == "channels_first":
                y = tf.transpose(y, [0, 3, 1, 2])
            return y if rank == 4 else tf.squeeze(y, [0])
        return x, restore

    def _height_width_axes(self, rank):
        return (rank - 3, rank - 2) if self.data_format == "channels_last" else \
            (rank - 2, rank - 1)

    def _cast(self, inputs):
        return inputs if inputs.dtype.name == self.dtype else tf.cast(inputs, self.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(TensorShape(input_shape).as_list())

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


def _factor_pair(factor, bounds, name, layer_name):
    """Keras' factor argument: a number f gives (max(-|f|, low), |f|), a pair is sorted."""
    message = (f"{layer_name}: the `{name}` argument should be a number (or a list of two "
               f"numbers) in the range [{bounds[0]}, {bounds[1]}]. Received: {name}={factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(message)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(message)
        factor = abs(factor)
        return (max(-factor, bounds[0]), factor)
    raise ValueError(message)


def _symmetric_range(factor, name, layer_name, open_low):
    """RandomZoom/RandomTranslation factors: a number f gives (-|f|, |f|); each value in
    [-1, 1] ((-1, 1] for zoom, where -1 would zoom to nothing)."""
    message = (f"{layer_name}: the `{name}` argument should be a number (or a list of two "
               f"numbers) in the range {'(-1.0' if open_low else '[-1.0'}, 1.0]. Received: "
               f"{name}={factor!r}")

    def check(value):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value > 1.0 or \
                value < -1.0 or (open_low and value == -1.0):
            raise ValueError(message)
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message)
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    check(factor)
    return (-abs(factor), abs(factor))


# ---- Rescaling, Resizing, CenterCrop --------------------------------------------------------
class Rescaling(Layer):
    """inputs * scale + offset, as floats (any input dtype).

    Args:
        scale: a float (or one per channel): [0, 255] -> [0, 1] is `scale=1/255`.
        offset: a float added after scaling: [0, 255] -> [-1, 1] is
            `scale=1/127.5, offset=-1`.

    Example:
        >>> Rescaling(1 / 127.5, offset=-1)(np.array([[0, 255]], "uint8")).numpy()
        array([[-1.,  1.]], dtype=float32)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs):
        x = tf.cast(inputs, self.dtype)
        scale = tf.cast(tf.constant(np.asarray(self.scale)), self.dtype)
        if scale.shape.rank and backend.image_data_format() == "channels_first":
            scale = tf.reshape(scale, scale.shape.as_list() + [1] * (3 - scale.shape.rank))
        return x * scale + tf.cast(tf.constant(np.asarray(self.offset)), self.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(TensorShape(input_shape).as_list())

    def get_config(self):
        config = super().get_config()
        config.update(scale=_plain(self.scale), offset=_plain(self.offset))
        return config


def _plain(value):
    return value.tolist() if isinstance(value, np.ndarray) else value


def _aspect_window(height, width, target_height, target_width, grow):
    """Keras' aspect-ratio window: the (height, width) of the largest crop (grow=False) or
    smallest padding (grow=True) of the image with the target's aspect ratio."""
    if all(_is_int(v) for v in (height, width)):
        window_h = int(float(width * target_height) / target_width)
        window_w = int(float(height * target_width) / target_height)
        if grow:
            return max(height, window_h), max(width, window_w)
        return max(min(height, window_h), 1), max(min(width, window_w), 1)
    height, width = tf.cast(height, tf.int32), tf.cast(width, tf.int32)
    window_h = tf.cast(tf.cast(width * target_height, tf.float32) / target_width, tf.int32)
    window_w = tf.cast(tf.cast(height * target_width, tf.float32) / target_height, tf.int32)
    if grow:
        return tf.maximum(height, window_h), tf.maximum(width, window_w)
    return (tf.maximum(tf.minimum(height, window_h), 1),
            tf.maximum(tf.minimum(width, window_w), 1))


def _half(difference):
    if _is_int(difference):
        return int(float(difference) / 2)
    return tf.cast(tf.cast(difference, tf.float32) / 2.0, tf.int32)


def _crop_nhwc(images, top, left, height, width):
    if all(_is_int(v) for v in (top, left, height, width)):
        return images[:, top:top + height, left:left + width, :]
    begin = tf.stack([0, tf.cast(top, tf.int32), tf.cast(left, tf.int32), 0])
    size = tf.stack([-1, tf.cast(height, tf.int32), tf.cast(width, tf.int32), -1])
    return tf.slice(images, begin, size)


def _crop_to_aspect(images, target_height, target_width):
    _, height, width, _ = _dims(images)
    crop_h, crop_w = _aspect_window(height, width, target_height, target_width, grow=False)
    return _crop_nhwc(images, _half(height - crop_h), _half(width - crop_w), crop_h, crop_w)


def _pad_to_aspect(images, target_height, target_width, fill_value):
    _, height, width, _ = _dims(images)
    pad_h, pad_w = _aspect_window(height, width, target_height, target_width, grow=True)
    top, left = _half(pad_h - height), _half(pad_w - width)
    # as Keras: the same amount on both sides (so an odd difference loses one row/column)
    if all(_is_int(v) for v in (top, left)):
        return tf.pad(images, [[0, 0], [top, top], [left, left], [0, 0]],
                      constant_values=fill_value)
    batch, _, _, channels = [tf.cast(d, tf.int32) for d in _dims(images)]
    height, width = tf.cast(height, tf.int32), tf.cast(width, tf.int32)

    def band(rows, columns):
        return tf.fill(tf.stack([batch, rows, columns, channels]),
                       tf.cast(fill_value, images.dtype))
    images = tf.concat([band(top, width), images, band(top, width)], axis=1)
    return tf.concat([band(height + 2 * top, left), images, band(height + 2 * top, left)],
                     axis=2)


def _resize_nhwc(images, height, width, interpolation="bilinear", antialias=False):
    return tf.image.resize(images, [height, width], method=interpolation, antialias=antialias)


def _restore_dtype(resized, dtype):
    """Resizing keeps the input dtype: integers are rounded and saturated."""
    if resized.dtype == dtype:
        return resized
    if dtype.is_integer:
        info = np.iinfo(dtype.as_numpy_dtype)
        resized = tf.clip_by_value(tf.round(resized), float(info.min), float(info.max))
    return tf.cast(resized, dtype)


_RESIZE_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")


class Resizing(_ImageLayer):
    """Resizes images to (height, width) (TensorFlow's half-pixel resampling).

    Args:
        height, width: the output size.
        interpolation: "bilinear" (default), "nearest", "bicubic", "area", "lanczos3",
            "lanczos5".
        crop_to_aspect_ratio: first crop the largest centered window with the target's aspect
            ratio (no distortion).
        pad_to_aspect_ratio: first pad evenly with `fill_value` to the target's aspect ratio.
        fill_mode: only "constant" (for pad_to_aspect_ratio). fill_value: the padding value.
        antialias: widen the filter when downsampling.
        data_format: "channels_last" (default) or "channels_first".

    The output keeps the input's dtype (integers are rounded).

    Example:
        >>> Resizing(2, 2)(np.ones((4, 4, 1), "float32")).shape
        TensorShape([2, 2, 1])
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if interpolation not in _RESIZE_METHODS:
            raise ValueError(f"Invalid value for argument `interpolation`. Expected one of "
                             f"{_RESIZE_METHODS}. Received: interpolation={interpolation!r}")
        if fill_mode != "constant":
            raise ValueError("Invalid value for argument `fill_mode`. Only `'constant'` is "
                             f"supported. Received: fill_mode={fill_mode!r}")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                             "`True`.")
        self.height, self.width = int(height), int(width)
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode, self.fill_value = fill_mode, fill_value
        self.antialias = bool(antialias)

    def call(self, inputs):
        x, restore = self._to_nhwc(inputs)
        if self.crop_to_aspect_ratio:
            x = _crop_to_aspect(x, self.height, self.width)
        elif self.pad_to_aspect_ratio:
            x = _pad_to_aspect(x, self.height, self.width, self.fill_value)
        resized = _resize_nhwc(x, self.height, self.width, self.interpolation, self.antialias)
        return restore(_restore_dtype(resized, inputs.dtype))

    def compute_output_shape(self, input_shape):
        shape = list(TensorShape(input_shape).as_list())
        h_axis, w_axis = self._height_width_axes(len(shape))
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width, interpolation=self.interpolation,
                      crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                      pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
                      fill_value=self.fill_value, antialias=self.antialias)
        return config


class CenterCrop(_ImageLayer):
    """Crops the central (height, width) window; an image smaller than that is first cropped
    to the target's aspect ratio and resized (bilinear), as Keras' smart_resize does.

    Args:
        height, width: the output size. data_format: "channels_last" or "channels_first".

    Example:
        >>> CenterCrop(2, 2)(np.arange(16.0).reshape(4, 4, 1))[:, :, 0].numpy()
        array([[ 5.,  6.],
               [ 9., 10.]], dtype=float32)
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = int(height), int(width)

    def call(self, inputs):
        x, restore = self._to_nhwc(self._cast(inputs))
        _, height, width, _ = _dims(x)
        fits = not (_is_int(height) and height < self.height) and \
            not (_is_int(width) and width < self.width)
        if fits:
            x = _crop_nhwc(x, (height - self.height) // 2, (width - self.width) // 2,
                           self.height, self.width)
        else:
            x = _resize_nhwc(_crop_to_aspect(x, self.height, self.width), self.height,
                             self.width)
        return restore(x)

    compute_output_shape = Resizing.compute_output_shape

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width)
        return config


# ---- the affine transform of the geometric augmentations ---------------------------------
def _truncate(x):
    return tf.sign(x) * tf.floor(tf.abs(x))


def _fold_coordinates(coordinates, size, fill_mode):
    """Where an output pixel reads outside [0, size - 1], TensorFlow's ImageProjectiveTransform
    folds the coordinate back (reflect: d c b a | a b c d | d c b a; wrap: a b c d | a b c d;
    nearest: clamp); "constant" leaves it outside (the read gives fill_value)."""
    if fill_mode == "constant":
        return coordinates
    last = size - 1.0
    if fill_mode == "reflect":
        period = 2.0 * size
        below = tf.where(coordinates < -period,
                         period * _truncate(-coordinates / period) + coordinates, coordinates)
        below = tf.where(below < -size, below + period, -below - 1.0)
        above = coordinates - period * _truncate(coordinates / period)
        above = tf.where(above >= size, period - above - 1.0, above)
    elif fill_mode == "wrap":
        span = tf.maximum(last, 1.0)
        below = coordinates + size * (_truncate(-coordinates / span) + 1.0)
        above = coordinates - size * _truncate(coordinates / span)
    else:   # nearest
        below = above = coordinates
    folded = tf.where(coordinates < 0.0, below, tf.where(coordinates > last, above, coordinates))
    return tf.clip_by_value(folded, 0.0, tf.maximum(last, 0.0))


def _round_half_away(x):
    return tf.sign(x) * tf.floor(tf.abs(x) + 0.5)


def affine_transform(images, transforms, interpolation="bilinear", fill_mode="constant",
                     fill_value=0.0):
    """Resamples NHWC float images: output pixel (x, y) reads the input at
    ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1, for each image's
    transform [a0, a1, a2, b0, b1, b2, c0, c1] (TensorFlow's ImageProjectiveTransformV3)."""
    batch, height, width, channels = _dims(images)
    dtype = images.dtype
    transforms = tf.cast(transforms, tf.float32)
    h, w = tf.cast(height, tf.float32), tf.cast(width, tf.float32)
    xs = tf.reshape(tf.cast(tf.range(width), tf.float32), [1, 1, -1])
    ys = tf.reshape(tf.cast(tf.range(height), tf.float32), [1, -1, 1])
    t = [tf.reshape(transforms[:, i], [-1, 1, 1]) for i in range(8)]
    projection = t[6] * xs + t[7] * ys + 1.0
    safe = tf.where(tf.equal(projection, 0.0), tf.ones_like(projection), projection)
    x_in = _fold_coordinates((t[0] * xs + t[1] * ys + t[2]) / safe, w, fill_mode)
    y_in = _fold_coordinates((t[3] * xs + t[4] * ys + t[5]) / safe, h, fill_mode)
    flat = tf.reshape(images, [-1, channels])
    offsets = tf.reshape(tf.range(batch) * (height * width), [-1, 1, 1])
    fill = tf.cast(fill_value, dtype)

    def read(y, x):
        inside = tf.logical_and(tf.logical_and(y >= 0.0, y <= h - 1.0),
                                tf.logical_and(x >= 0.0, x <= w - 1.0))
        row = tf.cast(tf.clip_by_value(y, 0.0, h - 1.0), tf.int32)
        column = tf.cast(tf.clip_by_value(x, 0.0, w - 1.0), tf.int32)
        values = tf.gather(flat, offsets + row * width + column)
        return tf.where(tf.expand_dims(inside, -1), values, fill)

    if interpolation == "nearest":
        out = read(_round_half_away(y_in), _round_half_away(x_in))
    else:
        y0, x0 = tf.floor(y_in), tf.floor(x_in)
        wy, wx = tf.expand_dims(y_in - y0, -1), tf.expand_dims(x_in - x0, -1)
        wy, wx = tf.cast(wy, dtype), tf.cast(wx, dtype)
        top = (1.0 - wx) * read(y0, x0) + wx * read(y0, x0 + 1.0)
        bottom = (1.0 - wx) * read(y0 + 1.0, x0) + wx * read(y0 + 1.0, x0 + 1.0)
        out = (1.0 - wy) * top + wy * bottom
    # the transform is undefined where k = 0
    return tf.where(tf.expand_dims(tf.equal(projection, 0.0), -1), fill, out)


_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_AFFINE_INTERPOLATIONS = ("nearest", "bilinear")


class _AffineAugmentation(_ImageLayer):
    """RandomRotation/RandomZoom/RandomTranslation: one random affine map per image."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if fill_mode not in _FILL_MODES:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one "
                                      f"{_FILL_MODES}.")
        if interpolation not in _AFFINE_INTERPOLATIONS:
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of "
                                      f"one {_AFFINE_INTERPOLATIONS}.")
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.seed, self.fill_value = seed, fill_value

    def call(self, inputs, training=None):
        images = self._cast(inputs)
        if not _training(training):
            return images
        x, restore = self._to_nhwc(images)
        batch, height, width, _ = _dims(x)
        matrices = self._transforms(batch, height, width)
        return restore(affine_transform(x, matrices, self.interpolation, self.fill_mode,
                                        self.fill_value))

    def _uniform(self, shape, low, high):
        return tf.random.uniform(shape, minval=low, maxval=high, seed=self.seed)

    def get_config(self):
        config = super().get_config()
        config.update(fill_mode=self.fill_mode, fill_value=self.fill_value,
                      interpolation=self.interpolation, seed=self.seed)
        return config


def _column(value, batch):
    return tf.reshape(tf.cast(value, tf.float32) * tf.ones([batch], tf.float32), [-1, 1])


class RandomRotation(_AffineAugmentation):
    """Rotates each image by a random angle about its center (in training).

    Args:
        factor: a fraction of a full turn: f draws angles in [-f * 360, f * 360] degrees;
            (low, high) draws in [low * 360, high * 360]. Values in [-1, 1].
        fill_mode: how the area outside the image is filled: "reflect" (default), "wrap",
            "constant" (with fill_value) or "nearest".
        interpolation: "bilinear" (default) or "nearest".
        seed: the random seed. fill_value: for fill_mode="constant".
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = _factor_pair(factor, (-1, 1), "factor", "RandomRotation")

    def _transforms(self, batch, height, width):
        degrees = self._uniform([batch], self.factor[0] * 360.0, self.factor[1] * 360.0)
        return rotation_matrices(degrees * (math.pi / 180.0), height, width)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


def rotation_matrices(angles, height, width):
    """Transforms rotating images by `angles` (radians, counter-clockwise) about the center
    ((width - 1) / 2, (height - 1) / 2)."""
    angles = tf.cast(angles, tf.float32)
    cx = 0.5 * (tf.cast(width, tf.float32) - 1.0)
    cy = 0.5 * (tf.cast(height, tf.float32) - 1.0)
    cos, sin = tf.cos(angles), tf.sin(angles)
    zeros = tf.zeros_like(angles)
    return tf.stack([cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos,
                     zeros, zeros], axis=1)


class RandomZoom(_AffineAugmentation):
    """Zooms each image in or out by a random amount (in training).

    Args:
        height_factor: f draws vertical zooms in [1 - f, 1 + f] (> 1 zooms out, showing more);
            (low, high) draws in [1 + low, 1 + high]. Values in (-1, 1].
        width_factor: likewise horizontally; None keeps the aspect ratio (the same zoom).
        fill_mode, interpolation, seed, fill_value, data_format: as RandomRotation.
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._height_range = _symmetric_range(height_factor, "height_factor", "RandomZoom",
                                              True)
        self._width_range = None if width_factor is None else _symmetric_range(
            width_factor, "width_factor", "RandomZoom", True)

    def _transforms(self, batch, height, width):
        zoom_h = self._uniform([batch], 1.0 + self._height_range[0],
                               1.0 + self._height_range[1])
        zoom_w = zoom_h if self._width_range is None else self._uniform(
            [batch], 1.0 + self._width_range[0], 1.0 + self._width_range[1])
        return zoom_matrices(zoom_h, zoom_w, height, width)

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config


def zoom_matrices(zoom_h, zoom_w, height, width):
    """Transforms scaling the reading window about the image center by (zoom_h, zoom_w)."""
    zoom_h, zoom_w = tf.cast(zoom_h, tf.float32), tf.cast(zoom_w, tf.float32)
    zeros = tf.zeros_like(zoom_h)
    x_offset = (tf.cast(width, tf.float32) - 1.0) / 2.0 * (1.0 - zoom_w)
    y_offset = (tf.cast(height, tf.float32) - 1.0) / 2.0 * (1.0 - zoom_h)
    return tf.stack([zoom_w, zeros, x_offset, zeros, zoom_h, y_offset, zeros, zeros], axis=1)


class RandomTranslation(_AffineAugmentation):
    """Shifts each image by a random fraction of its size (in training).

    Args:
        height_factor: f shifts vertically by up to f * height pixels either way; (low, high)
            by [low * height, high * height] (positive moves the content down). In [-1, 1].
        width_factor: likewise horizontally (positive moves the content right).
        fill_mode, interpolation, seed, fill_value, data_format: as RandomRotation.
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._height_range = _symmetric_range(height_factor, "height_factor",
                                              "RandomTranslation", False)
        self._width_range = _symmetric_range(width_factor, "width_factor", "RandomTranslation",
                                             False)

    def _transforms(self, batch, height, width):
        shift_h = self._uniform([batch], *self._height_range) * tf.cast(height, tf.float32)
        shift_w = self._uniform([batch], *self._width_range) * tf.cast(width, tf.float32)
        return translation_matrices(shift_h, shift_w)

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config


def translation_matrices(shift_h, shift_w):
    """Transforms moving the content by (shift_h, shift_w) pixels."""
    shift_h, shift_w = tf.cast(shift_h, tf.float32), tf.cast(shift_w, tf.float32)
    zeros, ones = tf.zeros_like(shift_h), tf.ones_like(shift_h)
    return tf.stack([ones, zeros, -shift_w, zeros, ones, -shift_h, zeros, zeros], axis=1)


# ---- flips, crops, colors --------------------------------------------------------------------
_FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(_ImageLayer):
    """Flips each image with probability 1/2 (in training).

    Args:
        mode: "horizontal" (left-right), "vertical" (up-down) or "horizontal_and_vertical"
            (default). As in Keras 3, "horizontal_and_vertical" draws one coin per image
            and flips both ways together (a half turn) or not at all.
        seed: the random seed. data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if mode not in _FLIP_MODES:
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode argument "
                             f"{mode!r}; expected one of {_FLIP_MODES}.")
        self.mode, self.seed = mode, seed

    def call(self, inputs, training=None):
        images = self._cast(inputs)
        if not _training(training):
            return images
        rank = self._check_rank(images)
        batch = _dims(images)[0] if rank == 4 else 1
        coins = tf.random.uniform([batch] + [1] * 3, seed=self.seed) <= 0.5
        if rank == 3:
            coins = tf.reshape(coins, [1, 1, 1])
        h_axis, w_axis = self._height_width_axes(rank)
        out = images
        if self.mode != "vertical":
            out = tf.where(coins, tf.reverse(out, [w_axis]), out)
        if self.mode != "horizontal":
            out = tf.where(coins, tf.reverse(out, [h_axis]), out)
        return out

    def get_config(self):
        config = super().get_config()
        config.update(seed=self.seed, mode=self.mode)
        return config


class RandomCrop(_ImageLayer):
    """Crops a random (height, width) window of each batch (in training).

    An input not larger than the window on both sides is cropped to the window's aspect ratio
    and resized instead. As in Keras 3, at inference the input is returned unchanged.

    Args:
        height, width: the window. seed: the random seed.
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(data_format=data_format, name=name, **kwargs)
        self.height, self.width = int(height), int(width)
        self.seed = seed if seed is not None else int(np.random.randint(1, 10 ** 9))
        self.supports_masking = False

    def _symbolic_call(self, args, kwargs):
        # Keras declares the cropped shape for symbolic inputs (what training produces).
        kwargs = dict(kwargs)
        kwargs.setdefault("training", True)
        return super()._symbolic_call(args, kwargs)

    def call(self, inputs, training=None):
        if not _training(training):
            return inputs
        x, restore = self._to_nhwc(self._cast(inputs))
        _, height, width, _ = _dims(x)
        if not (_is_int(height) and _is_int(width)):
            raise ValueError(f"{_describe(self)} requires the input to have a fully defined "
                             f"height and width. Received: images.shape="
                             f"{tuple(inputs.shape.as_list())}")
        if height > self.height and width > self.width:
            top = tf.cast(tf.random.uniform([], 0.0, float(height - self.height + 1),
                                            seed=self.seed), tf.int32)
            left = tf.cast(tf.random.uniform([], 0.0, float(width - self.width + 1),
                                             seed=self.seed), tf.int32)
            channels = x.shape[-1]
            x = _crop_nhwc(x, top, left, self.height, self.width)
            x.set_shape([None, self.height, self.width, channels])
        else:
            # Keras 3 starts the window where the centered aspect-ratio crop starts, but
            # keeps the window's size (clipped by the image), then resizes
            crop_h, crop_w = _aspect_window(height, width, self.height, self.width, grow=False)
            top, left = _half(height - crop_h), _half(width - crop_w)
            x = x[:, top:top + self.height, left:left + self.width, :]
            if tuple(x.shape.as_list()[1:3]) != (self.height, self.width):
                x = _resize_nhwc(x, self.height, self.width)
        return restore(self._cast(x))

    compute_output_shape = Resizing.compute_output_shape

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width, seed=self.seed)
        return config


class RandomContrast(_ImageLayer):
    """Scales each image's deviation from its per-channel mean by a random factor, then clips
    to `value_range` (in training).

    Args:
        factor: in [0, 1]: (low, high) draws factors in [1 - low, 1 + high]. As in Keras 3, a
            single number f means (0, f): factors in [1, 1 + f].
        value_range: the (min, max) of the images, (0, 255) by default.
        seed: the random seed.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.factor = _factor_pair(factor, (0, 1), "factor", "RandomContrast")
        self.value_range, self.seed = value_range, seed

    def call(self, inputs, training=None):
        if not _training(training):
            return inputs
        images = self._cast(inputs)
        rank = self._check_rank(images)
        shape = [_dims(images)[0], 1, 1, 1] if rank == 4 else [1, 1, 1]
        factor = tf.random.uniform(shape, 1.0 - self.factor[0], 1.0 + self.factor[1],
                                   seed=self.seed)
        h_axis, w_axis = self._height_width_axes(rank)
        mean = tf.reduce_mean(images, axis=[h_axis, w_axis], keepdims=True)
        out = (images - mean) * factor + mean
        return tf.clip_by_value(out, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=self.value_range, seed=self.seed)
        return config


class RandomBrightness(_ImageLayer):
    """Adds a random offset to each image (the same for all its pixels and channels), then
    clips to `value_range` (in training).

    Args:
        factor: in [-1, 1], a fraction of the value range: f draws offsets in [-f, f] *
            (max - min); (low, high) in [low, high] * (max - min).
        value_range: the (min, max) of the images, (0, 255) by default.
        seed: the random seed.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.factor = _factor_pair(factor, (-1, 1), "factor", "RandomBrightness")
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError("The `value_range` argument should be a list of two numbers. "
                             f"Received: value_range={value_range!r}")
        self.value_range = sorted(value_range)
        self.seed = seed

    def call(self, inputs, training=None):
        if not _training(training):
            return inputs
        images = self._cast(inputs)
        rank = self._check_rank(images)
        shape = [_dims(images)[0], 1, 1, 1] if rank == 4 else [1, 1, 1]
        low, high = self.value_range
        delta = tf.random.uniform(shape, self.factor[0], self.factor[1], seed=self.seed)
        return tf.clip_by_value(images + delta * float(high - low), float(low), float(high))

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=self.value_range, seed=self.seed)
        return config


# ---- Normalization ----------------------------------------------------------------------------
def _first_batch(data):
    return data[0] if isinstance(data, tuple) else data


def _as_array(value):
    if hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    return np.asarray(value)


def _is_dataset(data):
    return hasattr(data, "element_spec") and hasattr(data, "batch")


class Normalization(Layer):
    """Standardizes features: (inputs - mean) / sqrt(variance), per index of `axis`.

    The mean and variance are given (`mean=`, `variance=`) or learned by `adapt(data)` from
    a NumPy array, a tensor, a Dataset or an iterable of batches; they are stored as the
    layer's (non-trainable) weights mean, variance and count.

    Args:
        axis: the axis (or axes) that keep separate statistics (-1: one per feature); None
            gives one mean and variance for everything.
        mean, variance: fixed statistics (broadcast to the kept axes); both or neither.
        invert: compute mean + inputs * sqrt(variance) instead (undo a normalization).

    Example:
        >>> layer = Normalization()
        >>> layer.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
        >>> layer(np.array([[1.0, 20.0]])).numpy()
        array([[0., 0.]], dtype=float32)
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(axis)
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self.supports_masking = True
        if (mean is not None) != (variance is not None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be "
                             f"set. Received: mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError("When setting values directly, `mean` and `variance` must "
                                 f"have the same shape. Received: mean shape {np.shape(mean)} "
                                 f"and variance shape {np.shape(variance)}")
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(f"The rank of `mean` must be less than or equal to the number "
                                 f"of axes ({len(self.axis)}). Received: mean shape "
                                 f"{np.shape(mean)} for axis {self.axis}")
        self._fixed = None

    def build(self, input_shape):
        shape = TensorShape(input_shape).as_list()
        ndim = len(shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Received "
                             f"inputs with ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for a in self._keep_axis:
            if shape[a] is None:
                raise ValueError(f"All `axis` values to be kept must have a known shape. "
                                 f"Received axis={self.axis}, inputs.shape={tuple(shape)}, with "
                                 f"unknown axis at index {a}")
        self._reduce_axis = tuple(a for a in range(ndim) if a not in self._keep_axis)
        self._broadcast_shape = [shape[a] if a in self._keep_axis else 1 for a in range(ndim)]
        self._stat_shape = tuple(shape[a] for a in self._keep_axis)
        self._build_shape = shape
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._stat_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=self._stat_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int64",
                                         initializer="zeros", trainable=False)
        else:
            self._fixed = tuple(self._expand(np.asarray(v, "float64"), ndim)
                                for v in (self.input_mean, self.input_variance))
        super().build(input_shape)

    def _expand(self, value, ndim):
        """A given mean/variance, aligned on the trailing kept axes and broadcast."""
        shape = [1] * ndim
        for i in range(1, value.ndim + 1):
            shape[self._keep_axis[-i]] = value.shape[-i]
        return np.broadcast_to(value.reshape(shape), self._broadcast_shape).astype(self.dtype)

    def adapt(self, data):
        """Computes the mean and variance of `data` over the reduced axes (streaming over the
        batches of a Dataset or iterable)."""
        batches, shape = self._adapt_batches(data)
        if not self.built:
            self._maybe_build(TensorShape(shape))
        else:
            for a in self._keep_axis:
                if shape[a] != self._build_shape[a]:
                    raise ValueError(f"The layer was built with input_shape="
                                     f"{tuple(self._build_shape)}, but adapt() is being called "
                                     f"with data with an incompatible shape, data.shape="
                                     f"{tuple(shape)}")
        if self.input_mean is not None:
            raise ValueError(f"{_describe(self)} was given a fixed `mean` and `variance`; it "
                             "cannot adapt.")
        mean = variance = None
        total = 0
        for batch in batches:
            batch = _as_array(batch).astype("float64")
            count = int(np.prod([batch.shape[a] for a in self._reduce_axis])) \
                if self._reduce_axis else 1
            batch_mean = batch.mean(axis=self._reduce_axis)
            batch_variance = batch.var(axis=self._reduce_axis)
            if mean is None:
                mean, variance, total = batch_mean, batch_variance, count
                continue
            total += count
            weight = count / total
            merged = mean * (1.0 - weight) + batch_mean * weight
            # the pooled variance: each part's variance plus its mean's offset from the total
            variance = (variance + (mean - merged) ** 2) * (1.0 - weight) + \
                (batch_variance + (batch_mean - merged) ** 2) * weight
            mean = merged
        if mean is None:
            raise ValueError("adapt() received no data (an empty iterable or Dataset).")
        self.adapt_mean.assign(np.asarray(mean, "float32").reshape(self._stat_shape))
        self.adapt_variance.assign(np.asarray(variance, "float32").reshape(self._stat_shape))
        # (Keras 3 leaves the `count` weight at 0 after adapt; so does tensorflux)

    def _adapt_batches(self, data):
        if isinstance(data, (np.ndarray, Tensor)) or hasattr(data, "_as_tensor"):
            array = _as_array(data)
            return [array], array.shape
        if _is_dataset(data):
            spec = _first_batch(data.element_spec)
            if len(tuple(spec.shape)) == 1:
                data = data.batch(128)
            batches = (_first_batch(b) for b in data)
        elif hasattr(data, "__iter__"):
            batches = (_first_batch(b) for b in data)
        else:
            raise TypeError(f"Unsupported data type: {type(data)}. `adapt` supports NumPy "
                            "arrays, tensors, Datasets and iterables of batches.")
        batches = [_as_array(b) for b in batches]
        if not batches:
            raise ValueError("adapt() received an empty iterable (no batches).")
        return batches, batches[0].shape

    def call(self, inputs):
        x = tf.cast(inputs, self.dtype)
        if self._fixed is not None:
            mean, variance = (tf.constant(v) for v in self._fixed)
        else:
            mean = tf.reshape(self.adapt_mean, self._broadcast_shape)
            variance = tf.reshape(self.adapt_variance, self._broadcast_shape)
        scale = tf.maximum(tf.sqrt(variance), backend.epsilon())
        if self.invert:
            return mean + x * scale
        return (x - mean) / scale

    def compute_output_shape(self, input_shape):
        return tuple(TensorShape(input_shape).as_list())

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, invert=self.invert,
                      mean=np.array(self.input_mean).tolist(),
                      variance=np.array(self.input_variance).tolist())
        return config


# ---- counting kernels ---------------------------------------------------------------------------
def _bincount_kernel(xp, values, weights, depth, binary):
    """Per-row histograms of int values in [0, depth) (others are dropped); rank 1 -> one
    row. `weights` (same shape, or empty) weight each value."""
    values = np.asarray(values)
    single = values.ndim <= 1
    rows = values.reshape(1, -1) if single else values.reshape(values.shape[0], -1)
    weights = np.asarray(weights)
    weights = weights.reshape(rows.shape) if weights.size else np.ones(rows.shape, "float64")
    out = np.zeros((rows.shape[0], depth), "float64")
    keep = (rows >= 0) & (rows < depth)
    row_index = np.broadcast_to(np.arange(rows.shape[0])[:, None], rows.shape)
    np.add.at(out, (row_index[keep], rows[keep].astype(np.int64)), weights[keep])
    if binary:
        out = (out > 0).astype("float64")
    out = out.astype("float32")
    return out[0] if single else out


def _bincount_shape(inputs, attrs):
    shape = inputs[0].shape
    if shape.rank is not None and shape.rank <= 1:
        return [TensorShape([attrs["depth"]])]
    return [TensorShape([shape[0] if shape.rank else None, attrs["depth"]])]


register_op("KerasBincount", _bincount_kernel, _bincount_shape,
            lambda d, attrs: [dtypes.float32])
not_differentiable("KerasBincount")


def _bincount(values, depth, binary, weights=None):
    values = tf.convert_to_tensor(values)
    if values.shape.rank is not None and values.shape.rank > 2:
        raise ValueError(f"When output_mode is not `'int'`, maximum supported output rank is "
                         f"2. Received input shape {tuple(values.shape.as_list())}.")
    weights = tf.constant(np.zeros((0,), "float32")) if weights is None else \
        tf.cast(weights, tf.float32)
    return apply("KerasBincount", [values, weights], {"depth": int(depth),
                                                        "binary": bool(binary)})


def _encode(indices, output_mode, depth, dtype="float32", count_weights=None):
    """Keras' encode_categorical_inputs: int indices -> int, one_hot, multi_hot or count."""
    if output_mode == "int":
        return indices
    if indices.shape.rank == 0:
        indices = tf.expand_dims(indices, -1)
    if output_mode == "one_hot":
        if indices.shape.rank is not None and indices.shape.rank > 1 and \
                indices.shape[-1] == 1:
            indices = tf.squeeze(indices, [-1])
        indices = tf.expand_dims(indices, -1)
    binary = output_mode in ("one_hot", "multi_hot")
    return tf.cast(_bincount(indices, depth, binary, count_weights), dtype)


def _encoded_shape(input_shape, output_mode, depth):
    shape = tuple(TensorShape(input_shape).as_list())
    if output_mode == "int":
        return shape
    if not shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            return shape[:-1] + (depth,)
        return shape + (depth,)
    return shape[:-1] + (depth,)


_ENCODINGS = ("int", "one_hot", "multi_hot", "count")


# ---- Discretization -----------------------------------------------------------------------------
class Discretization(Layer):
    """Buckets numbers by boundaries: bucket i holds boundaries[i - 1] <= x < boundaries[i].

    Args:
        bin_boundaries: the sorted boundaries (n boundaries give n + 1 buckets).
        num_bins: instead, learn boundaries giving `num_bins` buckets of about equal counts
            with `adapt(data)` (an approximate quantile summary, with `epsilon` error).
        output_mode: "int" (bucket indices, int32), "one_hot", "multi_hot" or "count".

    Example:
        >>> Discretization(bin_boundaries=[0.0, 1.0])(np.array([[-1.0, 0.5, 2.0]])).numpy()
        array([[0, 1, 2]], dtype=int32)
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError("Discretization(sparse=True) is not supported by tensorflux; "
                             "use sparse=False (dense outputs).")
        if output_mode not in _ENCODINGS:
            raise ValueError(f"Unknown value for `output_mode`. Allowed values are "
                             f"{list(_ENCODINGS)}. Received: output_mode={output_mode!r}")
        if num_bins is not None and num_bins < 0:
            raise ValueError("`num_bins` must be greater than or equal to 0. Received: "
                             f"`num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. "
                             f"Received: `num_bins={num_bins}` and "
                             f"`bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins, self.epsilon = num_bins, epsilon
        self.output_mode, self.sparse = output_mode, sparse
        self._summary = np.zeros((2, 0), "float32")

    def adapt(self, data, steps=None):
        """Learns `num_bins` - 1 boundaries from the quantiles of `data`."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized "
                             "with `bin_boundaries`, use `num_bins` instead.")
        self._summary = np.zeros((2, 0), "float32")
        if _is_dataset(data) or (hasattr(data, "__iter__") and not isinstance(
                data, (np.ndarray, Tensor, list, tuple))):
            for index, batch in enumerate(data):
                if steps is not None and index >= steps:
                    break
                self._update(batch)
        else:
            self._update(data)
        self.bin_boundaries = _compress(self._summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def _update(self, data):
        values = np.sort(_as_array(data).astype("float32").reshape(-1))
        step = max(values.size * self.epsilon, 1)
        points = values[int(step - 1)::int(step)]
        summary = np.stack([points, np.full(points.shape, step, points.dtype)])
        merged = np.concatenate([self._summary, summary], axis=1)
        merged = merged[:, np.argsort(merged[0], kind="stable")]
        self._summary = _compress(merged, self.epsilon)

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at "
                             "construction time or call `adapt(dataset)` before you can start "
                             "using the `Discretization` layer.")
        x = tf.cast(inputs, tf.float32) if not inputs.dtype.is_floating else inputs
        boundaries = tf.cast(tf.constant(np.asarray(self.bin_boundaries, "float64")), x.dtype)
        buckets = tf.reduce_sum(tf.cast(tf.expand_dims(x, -1) >= boundaries, tf.int32), -1)
        depth = len(self.bin_boundaries) + 1
        return _encode(buckets, self.output_mode, depth, self.dtype)

    def compute_output_shape(self, input_shape):
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else \
            self.num_bins
        shape = tuple(TensorShape(input_shape).as_list())
        if self.output_mode in ("multi_hot", "count") and len(shape) >= 2:
            return (shape[0],) + shape[2:] + (depth,)
        return _encoded_shape(shape, self.output_mode, depth)

    def get_config(self):
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = boundaries
            return layer
        return cls(**config)


def _compress(summary, epsilon):
    """Re-samples a (values, weights) summary at the quantiles epsilon, 2 epsilon, ..., 1."""
    if summary.shape[1] * epsilon < 1:
        return summary
    quantiles = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    fractions = cumulative / cumulative[-1]
    values = np.interp(quantiles, fractions, summary[0])
    cumulative = np.interp(quantiles, fractions, cumulative)
    weights = np.diff(np.concatenate([[0.0], cumulative]))
    return np.stack([values, weights]).astype("float32")


# ---- CategoryEncoding ---------------------------------------------------------------------------
class CategoryEncoding(Layer):
    """Encodes integer category ids in [0, num_tokens) as vectors.

    Args:
        num_tokens: the number of categories.
        output_mode: "multi_hot" (default; a 1 for each id present in a row), "one_hot" (one
            vector per id) or "count" (how often each id occurs; `count_weights` weights
            them).

    A 1-D input is one sample for "multi_hot"/"count" and a batch of ids for "one_hot".

    Example:
        >>> CategoryEncoding(3, output_mode="one_hot")(np.array([2, 0])).numpy()
        array([[0., 0., 1.],
               [1., 0., 0.]], dtype=float32)
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens "
                             "is not known beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("CategoryEncoding(sparse=True) is not supported by tensorflux; "
                             "use sparse=False (dense outputs).")
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, sparse

    def call(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != "count":
            raise ValueError("`count_weights` is not used when `output_mode` is not `'count'`. "
                             f"Received `count_weights={count_weights}`.")
        indices = inputs if inputs.dtype.is_integer else tf.cast(inputs, tf.int64)
        return _encode(indices, self.output_mode, self.num_tokens, self.dtype, count_weights)

    def compute_output_shape(self, input_shape):
        return _encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        config = super().get_config()
        config.update(num_tokens=self.num_tokens, output_mode=self.output_mode)
        return config


# ---- vocabulary lookups ---------------------------------------------------------------------
class _Table:
    """A lookup table as an op attribute: mapping, default, mask and OOV buckets."""

    def __init__(self, mapping, default, value_dtype, mask=None, oov_buckets=None,
                 oov_start=0):
        self.mapping, self.default, self.value_dtype = mapping, default, value_dtype
        # oov_buckets: None (invert: unknown indices give the default), 0 (unknown inputs are
        # an error), 1 (they give the default), n > 1 (value modulo n, after oov_start)
        self.mask, self.oov_buckets, self.oov_start = mask, oov_buckets, oov_start

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other


def _key(value):
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (np.integer,)):
        return int(value)
    return value


def _lookup_kernel(xp, inputs, table):
    values = np.asarray(inputs)
    flat = [_key(v) for v in values.reshape(-1).tolist()]
    get, default = table.mapping.get, table.default
    out = [get(v, default) for v in flat]
    if table.oov_buckets is not None and table.oov_buckets > 1:
        out = [table.oov_start + v % table.oov_buckets if o is default else o
               for v, o in zip(flat, out)]
    elif table.oov_buckets == 0:
        missing = [v for v, o in zip(flat, out) if o == -1 and v != (table.mask or (None,))[0]]
        if missing:
            raise errors.InvalidArgumentError(
                None, None, f"When `num_oov_indices=0` all inputs should be in vocabulary, "
                f"found OOV values {missing[:10]}, consider setting `num_oov_indices=1`.")
    if table.mask is not None:
        mask_key, mask_value = table.mask
        out = [mask_value if v == mask_key else o for v, o in zip(flat, out)]
    if table.value_dtype == dtypes.string:
        array = np.empty(len(out), dtype=object)
        array[:] = [o if isinstance(o, bytes) else str(o).encode("utf-8") for o in out]
    else:
        array = np.asarray(out, dtype=table.value_dtype.as_numpy_dtype)
    return array.reshape(values.shape)


register_op("KerasLookup", _lookup_kernel, lambda inputs, attrs: [inputs[0].shape],
            lambda d, attrs: [attrs["table"].value_dtype])
not_differentiable("KerasLookup")


def _input_tensor(x):
    """Lists and arrays of tokens as one tensor (a list is data here, not several inputs)."""
    if isinstance(x, (list, tuple)) or isinstance(x, np.ndarray):
        array = np.asarray(x)
        if array.dtype.kind in "USO":
            return tf.constant(array.astype(object), dtype=tf.string)
        return tf.constant(array)
    return x


def _token_list(data, dtype):
    """Python tokens (str or int) from an array, tensor or nested list."""
    array = _as_array(data)
    items = array.reshape(-1).tolist()
    if dtype == "string":
        return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in items]
    return [int(v) for v in items]


class _IndexLookup(Layer):
    """What StringLookup and IntegerLookup share (Keras' IndexLookup): indices are laid out as
    [mask token (int output only)] [OOV indices] [vocabulary, most frequent first]."""

    _vocabulary_dtype = "string"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=None,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, name=None, vocabulary_dtype=None,
                 **kwargs):
        frozen_size = kwargs.pop("vocabulary_size", None)
        kwargs.pop("has_input_vocabulary", None)
        for ignored in ("oov_method", "salt", "encoding", "trainable", "dtype"):
            kwargs.pop(ignored, None)
        super().__init__(name=name, dtype=vocabulary_dtype or self._vocabulary_dtype, **kwargs)
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: "
                             f"max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"If pad_to_max_tokens is True, must set `max_tokens`. Received: "
                             f"max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError("`num_oov_indices` must be greater than or equal to 0. Received: "
                             f"num_oov_indices={num_oov_indices}")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in _ENCODINGS + ("tf_idf",):
            raise ValueError(f"Unknown value for `output_mode`. Allowed values are "
                             f"{list(_ENCODINGS + ('tf_idf',))}. Received: "
                             f"output_mode={output_mode!r}")
        if invert and output_mode != "int":
            raise ValueError("`output_mode` must be `'int'` when `invert` is true. Received: "
                             f"output_mode={output_mode}")
        if sparse:
            raise ValueError(f"{type(self).__name__}(sparse=True) is not supported by "
                             "tensorflux; use sparse=False (dense outputs).")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError("`idf_weights` should only be set if `output_mode` is `'tf_idf'`. "
                             f"Received: idf_weights={idf_weights} and "
                             f"output_mode={output_mode}")
        if num_oov_indices > 1 and self._vocabulary_dtype == "string":
            raise NotImplementedError("num_oov_indices > 1 hashes strings with FarmHash in "
                                      "Keras, which tensorflux does not implement; use "
                                      "num_oov_indices=1 (or 0).")
        self.max_tokens, self.num_oov_indices = max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.output_mode, self.sparse = bool(invert), output_mode, sparse
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.vocabulary_dtype = self._vocabulary_dtype
        self.input_vocabulary = None if isinstance(vocabulary, str) else vocabulary
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = vocabulary is not None
        self._frozen_vocab_size = frozen_size
        self._tokens = []
        self._idf = None
        self._table = None
        self._reset_counts()
        if self.output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output mode, "
                             "the `idf_weights` argument must also be provided.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ---- layout ------------------------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """The number of indices: special tokens plus the vocabulary."""
        return self._token_start_index() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens=True):
        """The tokens by index (with the mask and OOV tokens first unless told not to)."""
        special = [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices
        vocabulary = list(self._tokens)
        return special + vocabulary if include_special_tokens else vocabulary

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary: a list, array, tensor, or the path of a file with one token per
        line. Special tokens may lead it (in the layer's order); they are not repeated."""
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError("`idf_weights` should only be set if output_mode is `'tf_idf'`. "
                             f"Received: output_mode={self.output_mode} and "
                             f"idf_weights={idf_weights}")
        if isinstance(vocabulary, (str, os.PathLike)):
            path = os.fspath(vocabulary)
            if not os.path.exists(path):
                raise ValueError(f"Vocabulary file {path} does not exist.")
            with open(path, encoding="utf-8") as handle:
                lines = handle.read().splitlines()
            while lines and lines[-1] == "":
                lines.pop()
            vocabulary = lines
        tokens = _token_list(vocabulary, self.vocabulary_dtype)
        if not tokens:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={tokens}")
        start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices
        found_special = tokens[:start] == special
        if found_special:
            tokens = tokens[start:]
        seen, repeated = set(), []
        for token in tokens:
            if token in seen:
                repeated.append(token)
            seen.add(token)
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are: {repeated}")
        if self.mask_token is not None and self.mask_token in seen:
            raise ValueError(f"Found reserved mask token at unexpected location in "
                             f"`vocabulary`. Either remove all mask and OOV tokens, or include "
                             f"them only at the start of the vocabulary in precisely this "
                             f"order: {special}. Received: mask_token={self.mask_token!r}")
        if self.invert and self.oov_token is not None and self.oov_token in seen:
            raise ValueError(f"Found reserved OOV token at unexpected location in "
                             f"`vocabulary`. Received: oov_token={self.oov_token!r}")
        if self.max_tokens is not None and start + len(tokens) > self.max_tokens:
            raise ValueError(f"Attempted to set a vocabulary larger than the maximum vocab "
                             f"size. Received vocabulary size is {start + len(tokens)}; "
                             f"`max_tokens` is {self.max_tokens}.")
        self._tokens = tokens
        if self.output_mode == "tf_idf":
            weights = np.asarray(_as_array(idf_weights), "float64").reshape(-1)
            if len(weights) != len(tokens) + (start if found_special else 0):
                raise ValueError(f"`idf_weights` must be the same length as vocabulary. "
                                 f"len(idf_weights) is {len(weights)}; len(vocabulary) is "
                                 f"{len(tokens) + (start if found_special else 0)}")
            if not found_special:
                weights = np.concatenate([np.full(start, weights.mean()), weights])
            self._set_idf(weights)
        self._table = None
        self._frozen_vocab_size = self.vocabulary_size()

    def _set_idf(self, weights):
        if self.pad_to_max_tokens and self.max_tokens is not None:
            weights = np.concatenate([weights, np.zeros(self.max_tokens - len(weights))])
        self._idf = np.asarray(weights, "float32")

    # ---- adapt ---------------------------------------------------------------------------------
    def _reset_counts(self):
        self._counts, self._document_counts, self._documents = {}, {}, 0

    def adapt(self, data, steps=None):
        """Learns the vocabulary from `data`: the most frequent tokens first (ties: the larger
        token first), at most max_tokens indices in all."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()` "
                             "method.")
        self._reset_counts()
        if _is_dataset(data) or (hasattr(data, "__iter__") and not isinstance(
                data, (list, tuple, np.ndarray, Tensor))):
            for index, batch in enumerate(data):
                if steps is not None and index >= steps:
                    break
                self._count(self._documents_of(batch))
        else:
            array = np.asarray(self._adapt_values(data), dtype=object)
            if array.ndim == 1:
                array = array.reshape(-1, 1)
            self._count(self._documents_of(array))
        self._finish_adapt()

    def _adapt_values(self, data):
        return _as_array(data) if not isinstance(data, (list, tuple)) else \
            np.asarray(data, dtype=object)

    def _documents_of(self, batch):
        """The token lists of the documents (rows) in a batch."""
        array = _as_array(batch) if not isinstance(batch, (list, tuple)) else \
            np.asarray(batch, dtype=object)
        if array.ndim <= 1:
            array = array.reshape(1, -1)
        return [_token_list(row, self.vocabulary_dtype) for row in array.reshape(
            array.shape[0], -1)]

    def _count(self, documents):
        for tokens in documents:
            for token in tokens:
                self._counts[token] = self._counts.get(token, 0) + 1
            for token in set(tokens):
                self._document_counts[token] = self._document_counts.get(token, 0) + 1
            self._documents += 1

    def _finish_adapt(self):
        counts = {t: c for t, c in self._counts.items()
                  if t != self.mask_token and t != self.oov_token}
        # Keras sorts by (count, token), both descending; strings compare as UTF-8 bytes
        order = sorted(counts, key=lambda t: (counts[t], t.encode("utf-8") if isinstance(
            t, str) else t), reverse=True)
        if self.max_tokens:
            order = order[:self.max_tokens - self._token_start_index()]
        self._tokens = order
        if self.output_mode == "tf_idf":
            document_counts = np.asarray([self._document_counts[t] for t in order], "float64")
            idf = np.log(1.0 + self._documents / (1.0 + document_counts))
            mean = idf.mean() if idf.size else 0.0
            self._set_idf(np.concatenate([np.full(self._token_start_index(), mean), idf]))
        self._table = None
        self._frozen_vocab_size = self.vocabulary_size()
        self._reset_counts()

    # ---- calling -------------------------------------------------------------------------------
    def _lookup_table(self):
        if self._table is None:
            start = self._token_start_index()
            keys = [_key(t) for t in self._tokens]
            if self.invert:
                mapping = {start + i: k for i, k in enumerate(keys)}
                mask = (0, _key(self.mask_token)) if self.mask_token is not None and \
                    self.output_mode == "int" else None
                value_dtype = dtypes.string if self.vocabulary_dtype == "string" else \
                    dtypes.int64
                default = _key(self.oov_token)
                self._table = _Table(mapping, default, value_dtype, mask)
            else:
                mapping = {k: start + i for i, k in enumerate(keys)}
                mask = None
                if self.mask_token is not None:
                    mask = (_key(self.mask_token), 0 if self.output_mode == "int" else -1)
                default = self._oov_start_index() if self.num_oov_indices == 1 else -1
                self._table = _Table(mapping, default, dtypes.int64, mask,
                                     self.num_oov_indices, self._oov_start_index())
        return self._table

    def __call__(self, inputs, *args, **kwargs):
        return super().__call__(_input_tensor(inputs), *args, **kwargs)

    def call(self, inputs):
        key_is_string = self.vocabulary_dtype == "string" and not self.invert
        if not key_is_string and not inputs.dtype.is_integer:
            inputs = tf.cast(inputs, tf.int64)
        if key_is_string and inputs.dtype != tf.string:
            raise ValueError(f"{_describe(self)} expects string inputs, got dtype "
                             f"{inputs.dtype.name}.")
        indices = apply("KerasLookup", [inputs], {"table": self._lookup_table()})
        if self.output_mode == "int":
            return indices
        return self._encode_indices(indices)

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()

    def _encode_indices(self, indices):
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        # as Keras: counts and hot encodings of a vocabulary are int64, TF-IDF is float
        encoded = _encode(indices, mode, self._depth(),
                          "float32" if self.output_mode == "tf_idf" else "int64")
        if self.output_mode == "tf_idf":
            if self._idf is None:
                raise ValueError("When `output_mode` is `'tf_idf'`, `idf_weights` must be "
                                 "provided (or learned with adapt).")
            encoded = encoded * tf.constant(self._idf[:self._depth()])
        return encoded

    def compute_output_shape(self, input_shape):
        return _encoded_shape(input_shape, "int" if self.output_mode == "int" else
                              ("one_hot" if self.output_mode == "one_hot" else "multi_hot"),
                              self._depth())

    def get_config(self):
        config = super().get_config()
        config.update({
            "invert": self.invert, "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
            "mask_token": self.mask_token, "output_mode": self.output_mode,
            "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": _plain(_as_array(self.input_idf_weights))
            if self.input_idf_weights is not None else None,
            "vocabulary": _plain(_as_array(self.input_vocabulary))
            if self.input_vocabulary is not None else None,
            "vocabulary_size": self._frozen_vocab_size, "oov_method": "floormod",
            "salt": None})
        return config


class StringLookup(_IndexLookup):
    """Maps strings to integer indices from a vocabulary (or back, with `invert=True`).

    Index layout: [mask_token (only if set, int output)] [OOV token(s)] [vocabulary]. Strings
    not in the vocabulary get the OOV index (1 with a mask token, else 0).

    Args:
        max_tokens: the most indices (special tokens included) `adapt` keeps.
        num_oov_indices: 1 (default) or 0 (every input must be in the vocabulary).
        mask_token: a token that maps to 0 (None: no mask). oov_token: "[UNK]".
        vocabulary: a list/array of strings or a file with one per line (else `adapt`).
        idf_weights: for output_mode="tf_idf" with a given vocabulary.
        invert: map indices back to strings.
        output_mode: "int" (default), "one_hot", "multi_hot", "count" or "tf_idf".
        pad_to_max_tokens: encode to max_tokens columns whatever the vocabulary size.

    Example:
        >>> StringLookup(vocabulary=["a", "b"])(np.array([["a", "c", "b"]])).numpy()
        array([[1, 0, 2]])
    """

    _vocabulary_dtype = "string"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None,
                 **kwargs):
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens, name=name,
                         **kwargs)
        self.encoding = encoding

    def get_config(self):
        config = super().get_config()
        config["encoding"] = self.encoding
        return config


class IntegerLookup(_IndexLookup):
    """Maps integers to indices from a vocabulary (or back, with `invert=True`).

    As StringLookup, with integer tokens: mask_token None (default) or an int, oov_token -1;
    num_oov_indices > 1 spreads unknown values over OOV indices by value modulo their count.

    Example:
        >>> IntegerLookup(vocabulary=[12, 36])(np.array([[12, 7, 36]])).numpy()
        array([[1, 0, 2]])
    """

    _vocabulary_dtype = "int64"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 output_mode="int", sparse=False, vocabulary=None, vocabulary_dtype="int64",
                 idf_weights=None, invert=False, name=None, **kwargs):
        if vocabulary_dtype not in ("int64", "int32"):
            raise ValueError("IntegerLookup: `vocabulary_dtype` must be an integer dtype "
                             f"(int64). Received: vocabulary_dtype={vocabulary_dtype!r}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, name=name, **kwargs)


# ---- TextVectorization ----------------------------------------------------------------------
# Keras' punctuation set for "strip_punctuation" (ASCII punctuation, as RE2 sees bytes)
_PUNCTUATION = re.compile(rb'[!"#$%&()\*\+,\-\./:;<=>?@\[\\\]^_`{|}~\']')
_STANDARDIZE = (None, "lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = (None, "whitespace", "character")


def _tokenize(text, standardize, split, ngrams):
    if standardize in ("lower", "lower_and_strip_punctuation"):
        text = text.lower()      # ASCII only, as tf.strings.lower
    if standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
        text = _PUNCTUATION.sub(b"", text)
    if split == "whitespace":
        tokens = text.split()
    elif split == "character":
        tokens = [c.encode("utf-8") for c in text.decode("utf-8", "replace")]
    else:
        tokens = [text]
    if ngrams:
        tokens = [b" ".join(tokens[i:i + width]) for width in ngrams
                  for i in range(len(tokens) - width + 1)]
    return tokens


def _text_kernel(xp, inputs, table, standardize, split, ngrams, length, pad):
    strings = np.asarray(inputs).reshape(-1).tolist()
    rows = []
    for text in strings:
        tokens = _tokenize(_key(text), standardize, split, ngrams)
        if table is None:
            rows.append(tokens)
            continue
        get, default = table.mapping.get, table.default
        rows.append([get(token, default) for token in tokens])
    if table is None:       # adapt: the tokens themselves
        out = np.empty(len(rows), dtype=object)
        out[:] = rows
        return out
    width = length if length is not None else max([len(r) for r in rows] + [0])
    out = np.full((len(rows), width), pad, np.int64)
    for i, row in enumerate(rows):
        row = row[:width]
        out[i, :len(row)] = row
    return out


def _text_shape(inputs, attrs):
    shape = inputs[0].shape
    rows = shape[0] if shape.rank else None
    return [TensorShape([rows, attrs["length"]])]


register_op("KerasTextVectorization", _text_kernel, _text_shape,
            lambda d, attrs: [dtypes.int64])
not_differentiable("KerasTextVectorization")


class TextVectorization(Layer):
    """Turns strings into token indices (or multi-hot / count / TF-IDF vectors).

    Each string is standardized, split into tokens, optionally extended with n-grams, and
    looked up in a vocabulary (given, or learned by `adapt`): index 0 is padding (""), 1 is
    the OOV token "[UNK]".

    Args:
        max_tokens: the most indices (padding and OOV included) `adapt` keeps.
        standardize: "lower_and_strip_punctuation" (default), "lower", "strip_punctuation",
            None, or a function of a string tensor.
        split: "whitespace" (default), "character" or None.
        ngrams: None, an int n (1- to n-grams) or a tuple of n-gram sizes.
        output_mode: "int" (default), "multi_hot", "count" or "tf_idf".
        output_sequence_length: int mode: pad/truncate to this length (else to the longest
            string of the batch).
        pad_to_max_tokens: vector modes: max_tokens columns whatever the vocabulary size.
        vocabulary, idf_weights: a given vocabulary (list or file) and its TF-IDF weights.

    Example:
        >>> layer = TextVectorization(output_sequence_length=4)
        >>> layer.adapt(["the cat sat", "the dog"])
        >>> layer(["The dog sat!"]).numpy()
        array([[2, 4, 3, 0]])
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        for ignored in ("trainable", "dtype"):
            kwargs.pop(ignored, None)
        super().__init__(name=name, dtype="string", **kwargs)
        if not (standardize in _STANDARDIZE or callable(standardize)):
            raise ValueError(f"Unknown value for `standardize`. Allowed values are "
                             f"{list(_STANDARDIZE)} or a callable. Received: "
                             f"standardize={standardize!r}")
        if split not in _SPLIT:
            raise ValueError(f"`split` must be one of {list(_SPLIT)} in tensorflux (a callable "
                             f"split is not supported). Received: split={split!r}")
        if isinstance(ngrams, int) and not isinstance(ngrams, bool):
            if ngrams < 1:
                raise ValueError(f"`ngrams` must be a positive int or a tuple of them. "
                                 f"Received: ngrams={ngrams}")
            widths = tuple(range(1, ngrams + 1))
        elif ngrams is None:
            widths = None
        else:
            widths = tuple(int(n) for n in ngrams)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in ("int", "multi_hot", "count", "tf_idf"):
            raise ValueError("Unknown value for `output_mode`. Allowed values are ['int', "
                             f"'multi_hot', 'count', 'tf_idf']. Received: "
                             f"output_mode={output_mode!r}")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is not "
                             f"'int'. Received output_sequence_length={output_sequence_length}.")
        if ragged or sparse:
            raise ValueError("TextVectorization(ragged=True / sparse=True) is not supported by "
                             "tensorflux; dense outputs only.")
        self.max_tokens, self.standardize, self.split = max_tokens, standardize, split
        self.ngrams, self._widths = ngrams, widths
        self.output_mode, self.output_sequence_length = output_mode, output_sequence_length
        self.pad_to_max_tokens, self.sparse, self.ragged = pad_to_max_tokens, sparse, ragged
        self.encoding = encoding
        self._lookup = StringLookup(max_tokens=max_tokens, mask_token="", oov_token="[UNK]",
                                    vocabulary=vocabulary, idf_weights=idf_weights,
                                    output_mode=output_mode,
                                    pad_to_max_tokens=pad_to_max_tokens,
                                    name=f"{self.name}_lookup", vocabulary_size=vocabulary_size)
        self.input_vocabulary = vocabulary
        self.input_idf_weights = idf_weights

    def _token_kernel_attrs(self, table):
        return {"table": table, "standardize": None if callable(self.standardize)
                else self.standardize, "split": self.split, "ngrams": self._widths,
                "length": self.output_sequence_length, "pad": 0}

    def _strings(self, inputs):
        strings = inputs
        if callable(self.standardize):
            strings = self.standardize(strings)
        rank = strings.shape.rank
        if rank is not None and rank > 1:
            if strings.shape[-1] != 1:
                raise ValueError(f"{_describe(self)}: when the input has rank > 1, its last "
                                 f"dimension must be 1. Received: inputs.shape="
                                 f"{tuple(strings.shape.as_list())}")
            strings = tf.squeeze(strings, [-1])
        return strings

    def __call__(self, inputs, *args, **kwargs):
        return super().__call__(_input_tensor(inputs), *args, **kwargs)

    def call(self, inputs):
        strings = self._strings(inputs)
        if self.output_mode == "int":
            return apply("KerasTextVectorization", [strings],
                         self._token_kernel_attrs(self._lookup._lookup_table()))
        attrs = self._token_kernel_attrs(self._lookup._lookup_table())
        attrs.update(length=None, pad=-1)
        indices = apply("KerasTextVectorization", [strings], attrs)
        return self._lookup._encode_indices(indices)

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary (and TF-IDF weights) from strings: an array, a list, a tensor,
        a Dataset or an iterable of batches."""
        if self._lookup._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()`.")
        self._lookup._reset_counts()
        if _is_dataset(data) or (hasattr(data, "__iter__") and not isinstance(
                data, (list, tuple, np.ndarray, Tensor))):
            batches = data
        else:
            batches = [data]
        for index, batch in enumerate(batches):
            if steps is not None and index >= steps:
                break
            batch = _input_tensor(_first_batch(batch))
            if batch.shape.rank == 0:
                batch = tf.reshape(batch, [1])
            strings = self._strings(batch)
            tokens = apply("KerasTextVectorization", [strings],
                           self._token_kernel_attrs(None)).numpy()
            self._lookup._count([[t.decode("utf-8") for t in row] for row in tokens])
        self._lookup._finish_adapt()

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup.set_vocabulary(vocabulary, idf_weights)

    def compute_output_shape(self, input_shape):
        shape = tuple(TensorShape(input_shape).as_list())
        rows = shape[0] if shape else None
        if self.output_mode == "int":
            return (rows, self.output_sequence_length)
        return (rows, self._lookup._depth())

    def get_config(self):
        config = super().get_config()
        config.pop("dtype", None)
        config.update({
            "max_tokens": self.max_tokens,
            "standardize": self.standardize if not callable(self.standardize) else None,
            "split": self.split, "ngrams": self.ngrams, "output_mode": self.output_mode,
            "output_sequence_length": self.output_sequence_length,
            "pad_to_max_tokens": self.pad_to_max_tokens, "sparse": self.sparse,
            "ragged": self.ragged,
            "vocabulary": _plain(_as_array(self.input_vocabulary))
            if self.input_vocabulary is not None and not isinstance(self.input_vocabulary, str)
            else self.input_vocabulary,
            "idf_weights": _plain(_as_array(self.input_idf_weights))
            if self.input_idf_weights is not None else None,
            "encoding": self.encoding, "vocabulary_size": self._lookup._frozen_vocab_size})
        return config
