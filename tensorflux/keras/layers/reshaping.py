"""Reshaping layers: ZeroPadding1D/2D/3D, Cropping1D/2D/3D, UpSampling1D/2D/3D, Permute and
RepeatVector."""
import numpy as np

import tensorflux as tf
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.keras.layers.base_layer import InputSpec, Layer
from tensorflux.keras.layers.conv import normalize_data_format, normalize_tuple

__all__ = ["ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D",
           "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D", "Permute",
           "RepeatVector"]


def _pairs(value, rank, name):
    """An int, `rank` ints (symmetric) or `rank` (before, after) pairs -> pairs."""
    if isinstance(value, int) and not isinstance(value, bool):
        pairs = ((value, value),) * rank
    else:
        try:
            items = tuple(value)
        except TypeError:
            items = ()
        if len(items) != rank:
            pairs = None
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in items):
            pairs = tuple((v, v) for v in items)
        else:
            try:
                pairs = tuple(normalize_tuple(v, 2, name, allow_zero=True) for v in items)
            except ValueError:
                pairs = None
        if pairs is None:
            raise ValueError(f"`{name}` should be an int, a tuple of {rank} ints or a tuple of "
                             f"{rank} tuples of 2 ints. Received: {name}={value!r}")
    if any(v < 0 for pair in pairs for v in pair):
        raise ValueError(f"`{name}` cannot be negative. Received: {name}={value!r}")
    return pairs


def _spatial_start(data_format):
    return 1 if data_format == "channels_last" else 2


class _ZeroPadding(Layer):
    """Pads the spatial axes with zeros: padding[i] = (before, after) for spatial axis i."""

    def __init__(self, rank, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.padding = _pairs(padding, rank, "padding")
        self.data_format = normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        pads = [[0, 0]] * (self.rank + 2)
        start = _spatial_start(self.data_format)
        for i, pair in enumerate(self.padding):
            pads[start + i] = list(pair)
        return tf.pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        start = _spatial_start(self.data_format)
        for i, (before, after) in enumerate(self.padding):
            if dims[start + i] is not None:
                dims[start + i] += before + after
        return tuple(dims)

    def get_config(self):
        config = super().get_config()
        padding = self.padding[0] if self.rank == 1 else self.padding
        config.update(padding=padding, data_format=self.data_format)
        return config


class ZeroPadding1D(_ZeroPadding):
    """Pads the steps axis: `padding` an int or (before, after).

    Example:
        >>> ZeroPadding1D(2)(tf.ones((1, 3, 1))).shape
        TensorShape([1, 7, 1])
    """

    def __init__(self, padding=1, data_format=None, **kwargs):
        if not isinstance(padding, int):
            padding = (normalize_tuple(padding, 2, "padding", allow_zero=True),)
        super().__init__(1, padding, data_format, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Pads rows and columns: an int, (rows, cols) or ((top, bottom), (left, right))."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(2, padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Pads three spatial axes: an int, 3 ints or 3 (before, after) pairs."""

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, padding, data_format, **kwargs)


class _Cropping(Layer):
    """Removes cropping[i] = (before, after) cells from spatial axis i."""

    def __init__(self, rank, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.cropping = _pairs(cropping, rank, "cropping")
        self.data_format = normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _check(self, dims):
        start = _spatial_start(self.data_format)
        for i, (before, after) in enumerate(self.cropping):
            size = dims[start + i]
            if size is not None and before + after >= size:
                raise ValueError(f"Layer {self.name!r} ({type(self).__name__}): `cropping` "
                                 f"{self.cropping} must leave at least one cell of each "
                                 f"spatial axis, but the input has shape {tuple(dims)}.")

    def call(self, inputs):
        self._check(inputs.shape.as_list())
        index = [slice(None)] * (self.rank + 2)
        start = _spatial_start(self.data_format)
        for i, (before, after) in enumerate(self.cropping):
            index[start + i] = slice(before, -after if after else None)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        self._check(dims)
        start = _spatial_start(self.data_format)
        for i, (before, after) in enumerate(self.cropping):
            if dims[start + i] is not None:
                dims[start + i] -= before + after
        return tuple(dims)

    def get_config(self):
        config = super().get_config()
        if self.rank == 1:
            config["cropping"] = self.cropping[0]
        else:
            config.update(cropping=self.cropping, data_format=self.data_format)
        return config


class Cropping1D(_Cropping):
    """Crops the steps axis: `cropping` an int or (before, after)."""

    def __init__(self, cropping=(1, 1), **kwargs):
        if not isinstance(cropping, int):
            cropping = (normalize_tuple(cropping, 2, "cropping", allow_zero=True),)
        super().__init__(1, cropping, None, **kwargs)


class Cropping2D(_Cropping):
    """Crops rows and columns: an int, (rows, cols) or ((top, bottom), (left, right)).

    Example:
        >>> Cropping2D(((1, 0), (2, 2)))(tf.ones((1, 5, 6, 1))).shape
        TensorShape([1, 4, 2, 1])
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(2, cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, cropping, data_format, **kwargs)


def _dims(x):
    """The shape of `x` as a list: ints where static, scalar tensors where not."""
    static = x.shape.as_list()
    if all(d is not None for d in static):
        return static
    dynamic = tf.shape(x)
    return [d if d is not None else dynamic[i] for i, d in enumerate(static)]


def reshape_keeping_static(x, dims):
    """tf.reshape to `dims` (ints and scalar tensors), keeping the known dims in the static
    shape (a shape built from tensors is otherwise entirely unknown when traced)."""
    y = tf.reshape(x, dims)
    y.set_shape([d if isinstance(d, int) else None for d in dims])
    return y


def _repeat(x, count, axis):
    """Repeats every slice along `axis` `count` times (nearest-neighbour upsampling)."""
    if count == 1:
        return x
    dims = _dims(x)
    expanded = tf.expand_dims(x, axis + 1)
    tiled = tf.broadcast_to(expanded, dims[:axis + 1] + [count] + dims[axis + 1:])
    return reshape_keeping_static(tiled, dims[:axis] + [dims[axis] * count] + dims[axis + 1:])


def _bilinear(x, count, axis):
    """Linear interpolation along `axis` to `count` times its length, sampling at pixel
    centers (TensorFlow's half-pixel resize): source = (i + 0.5) / count - 0.5, clamped."""
    size = x.shape[axis]
    if size is not None:
        centers = (np.arange(size * count, dtype=np.float32) + 0.5) / np.float32(count) - 0.5
        floor = np.floor(centers)
        lower = tf.constant(np.maximum(floor, 0).astype(np.int32))
        upper = tf.constant(np.minimum(np.ceil(centers), size - 1).astype(np.int32))
        weight = tf.constant((centers - floor).astype(x.dtype.as_numpy_dtype))
    else:
        length = tf.shape(x)[axis]
        centers = (tf.cast(tf.range(length * count), tf.float32) + 0.5) / float(count) - 0.5
        floor = tf.floor(centers)
        lower = tf.cast(tf.maximum(floor, 0.0), tf.int32)
        upper = tf.minimum(tf.cast(tf.math.ceil(centers), tf.int32), length - 1)
        weight = tf.cast(centers - floor, x.dtype)
    weight = tf.reshape(weight, [-1] + [1] * (x.shape.rank - axis - 1))
    below, above = tf.gather(x, lower, axis=axis), tf.gather(x, upper, axis=axis)
    return below + (above - below) * weight


class UpSampling1D(Layer):
    """Repeats each step `size` times: (batch, steps, features) -> (batch, steps * size, ...)."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = normalize_tuple(size, 1, "size")[0]
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return _repeat(inputs, self.size, 1)

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        return (dims[0], None if dims[1] is None else dims[1] * self.size, dims[2])

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config


class _UpSampling(Layer):
    def __init__(self, rank, size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.size = normalize_tuple(size, rank, "size")
        self.data_format = normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        start = _spatial_start(self.data_format)
        for i, count in enumerate(self.size):
            inputs = self._resize(inputs, count, start + i)
        return inputs

    def _resize(self, inputs, count, axis):
        return _repeat(inputs, count, axis)

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        start = _spatial_start(self.data_format)
        for i, count in enumerate(self.size):
            if dims[start + i] is not None:
                dims[start + i] *= count
        return tuple(dims)

    def get_config(self):
        config = super().get_config()
        config.update(size=self.size, data_format=self.data_format)
        return config


class UpSampling2D(_UpSampling):
    """Scales rows and columns by `size`: "nearest" repeats pixels, "bilinear" interpolates
    (as tf.image.resize with half-pixel centers).

    Example:
        >>> UpSampling2D(2)(tf.ones((1, 3, 3, 1))).shape
        TensorShape([1, 6, 6, 1])
    """

    _INTERPOLATIONS = ("nearest", "bilinear")

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(2, size, data_format, **kwargs)
        if interpolation not in self._INTERPOLATIONS:
            raise ValueError(f"`interpolation` argument should be one of "
                             f"{list(self._INTERPOLATIONS)}. Received: "
                             f"interpolation={interpolation!r}")
        self.interpolation = interpolation

    def _resize(self, inputs, count, axis):
        if self.interpolation == "nearest":
            return _repeat(inputs, count, axis)
        return _bilinear(inputs, count, axis)

    def get_config(self):
        config = super().get_config()
        config["interpolation"] = self.interpolation
        return config


class UpSampling3D(_UpSampling):
    """Repeats cells along three spatial axes by `size`."""

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(3, size, data_format, **kwargs)


class Permute(Layer):
    """Permutes the non-batch axes: `dims` is a permutation of 1..rank-1.

    Example:
        >>> Permute((2, 1))(tf.ones((4, 10, 64))).shape
        TensorShape([4, 64, 10])
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            self.dims = tuple(int(d) for d in dims)
        except (TypeError, ValueError):
            self.dims = None
        if self.dims is None or sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set "
                             f"of indices in `dims` must be consecutive and start from 1. "
                             f"Received dims={dims!r}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return tf.transpose(inputs, [0] + list(self.dims))

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        return tuple([dims[0]] + [dims[d] for d in self.dims])

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config


class RepeatVector(Layer):
    """Repeats a (batch, features) input n times: (batch, n, features)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise TypeError(f"Expected an integer value for `n`, got {type(n).__name__} "
                            f"(n={n!r}).")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return tf.tile(tf.expand_dims(inputs, 1), [1, self.n, 1])

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        return (dims[0], self.n, dims[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
