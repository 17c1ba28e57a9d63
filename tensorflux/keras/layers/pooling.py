"""Pooling layers: max and average pooling over windows (1-D, 2-D, 3-D) and global pooling.

Average pooling with "same" padding divides each window by the number of real (non-padding)
cells, as TensorFlow does.
"""
import tensorflux as tf
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.keras.layers.base_layer import InputSpec, Layer
from tensorflux.keras.layers.conv import (conv_output_length, normalize_data_format,
                                          normalize_padding, normalize_tuple, spatial_shape,
                                          tf_data_format, with_spatial)

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
           "AveragePooling2D", "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
           "GlobalMaxPooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
           "GlobalAveragePooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D",
           "AvgPool2D", "AvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
           "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D"]


class _Pooling(Layer):
    """Slides a `pool_size` window by `strides` (default: the window) and reduces it."""

    _mode = "max"

    def __init__(self, rank, pool_size, strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.pool_size = normalize_tuple(pool_size, rank, "pool_size")
        self.strides = self.pool_size if strides is None else normalize_tuple(
            strides, rank, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        function = tf.nn.max_pool if self._mode == "max" else tf.nn.avg_pool
        return function(inputs, ksize=list(self.pool_size), strides=list(self.strides),
                        padding=self.padding.upper(),
                        data_format=tf_data_format(self.data_format, self.rank))

    def compute_output_shape(self, input_shape):
        shape = TensorShape(input_shape)
        spatial = [conv_output_length(size, k, self.padding, s) for size, k, s in zip(
            spatial_shape(shape, self.data_format, self.rank), self.pool_size, self.strides)]
        channels = shape[-1] if self.data_format == "channels_last" else shape[1]
        return with_spatial(shape, self.data_format, spatial, channels)

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=self.pool_size, padding=self.padding, strides=self.strides,
                      data_format=self.data_format)
        return config


def _pooling_class(name, mode, rank, default_pool):
    def __init__(self, pool_size=default_pool, strides=None, padding="valid",
                 data_format=None, **kwargs):
        _Pooling.__init__(self, rank, pool_size, strides, padding, data_format, **kwargs)
    kind = "Maximum" if mode == "max" else "Average"
    doc = (f"{kind} pooling over {rank}-D windows.\n\n    Args:\n        pool_size: an int or "
           f"{rank}-tuple (default {default_pool}). strides: default pool_size.\n        "
           f"padding: \"valid\" or \"same\". data_format: \"channels_last\" (default) or "
           f"\"channels_first\".\n    ")
    return type(name, (_Pooling,), {"__init__": __init__, "_mode": mode, "__doc__": doc,
                                    "__module__": __name__})


MaxPooling1D = _pooling_class("MaxPooling1D", "max", 1, 2)
MaxPooling2D = _pooling_class("MaxPooling2D", "max", 2, (2, 2))
MaxPooling3D = _pooling_class("MaxPooling3D", "max", 3, (2, 2, 2))
AveragePooling1D = _pooling_class("AveragePooling1D", "avg", 1, 2)
AveragePooling2D = _pooling_class("AveragePooling2D", "avg", 2, (2, 2))
AveragePooling3D = _pooling_class("AveragePooling3D", "avg", 3, (2, 2, 2))


class _GlobalPooling(Layer):
    """Reduces every spatial axis (max or mean); `keepdims` keeps them with length 1."""

    _mode = "max"

    def __init__(self, rank, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.data_format = normalize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _axes(self):
        start = 1 if self.data_format == "channels_last" else 2
        return list(range(start, start + self.rank))

    def call(self, inputs):
        reduce = tf.reduce_max if self._mode == "max" else tf.reduce_mean
        return reduce(inputs, axis=self._axes(), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        channels = dims[-1] if self.data_format == "channels_last" else dims[1]
        if not self.keepdims:
            return (dims[0], channels)
        return with_spatial(dims, self.data_format, [1] * self.rank, channels)

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps axis; with a mask (e.g. from Embedding(mask_zero=True)), the mean
    of the unmasked steps only.

    Example:
        >>> GlobalAveragePooling1D()(tf.ones((2, 5, 3))).shape
        TensorShape([2, 3])
    """

    _mode = "avg"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps = self._axes()[0]
        weights = tf.expand_dims(tf.cast(mask, inputs.dtype),
                                 2 if self.data_format == "channels_last" else 1)
        total = tf.reduce_sum(inputs * weights, axis=steps, keepdims=self.keepdims)
        return total / tf.reduce_sum(weights, axis=steps, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


def _global_class(name, mode, rank):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        _GlobalPooling.__init__(self, rank, data_format, keepdims, **kwargs)
    kind = "Maximum" if mode == "max" else "Mean"
    doc = f"{kind} over all {rank} spatial axes (data_format, keepdims)."
    return type(name, (_GlobalPooling,), {"__init__": __init__, "_mode": mode, "__doc__": doc,
                                          "__module__": __name__})


GlobalMaxPooling1D = _global_class("GlobalMaxPooling1D", "max", 1)
GlobalMaxPooling2D = _global_class("GlobalMaxPooling2D", "max", 2)
GlobalMaxPooling3D = _global_class("GlobalMaxPooling3D", "max", 3)
GlobalAveragePooling2D = _global_class("GlobalAveragePooling2D", "avg", 2)
GlobalAveragePooling3D = _global_class("GlobalAveragePooling3D", "avg", 3)

MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = \
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = \
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D
