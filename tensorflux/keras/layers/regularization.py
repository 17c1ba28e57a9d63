"""Regularization layers: SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout
and ActivityRegularization. The random ones act only in training; at inference they return
their inputs unchanged."""
import math

import tensorflux as tf
from tensorflux.keras import regularizers
from tensorflux.keras.layers.base_layer import InputSpec, Layer
from tensorflux.keras.layers.conv import normalize_data_format

__all__ = ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
           "GaussianDropout", "AlphaDropout", "ActivityRegularization"]


def _check_rate(rate):
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate <= 1:
        raise ValueError(f"Invalid value received for argument `rate`. Expected a float value "
                         f"between 0 and 1. Received: rate={rate!r}")
    return float(rate)


def _dims(x):
    static = x.shape.as_list()
    dynamic = tf.shape(x) if any(d is None for d in static) else None
    return [d if d is not None else dynamic[i] for i, d in enumerate(static)]


class _SpatialDropout(Layer):
    """Drops whole feature maps: one keep/drop draw per (sample, channel), shared over the
    spatial axes; survivors are scaled by 1 / (1 - rate)."""

    def __init__(self, rank, rate, data_format=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.rate = _check_rate(rate)
        self.seed = seed
        self.data_format = normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        dims = _dims(inputs)
        if self.data_format == "channels_last":
            noise_shape = [dims[0]] + [1] * self.rank + [dims[-1]]
        else:
            noise_shape = dims[:2] + [1] * self.rank
        return tf.nn.dropout(inputs, rate=self.rate, noise_shape=noise_shape, seed=self.seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed)
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole channels of a (batch, steps, channels) input."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(1, rate, None, seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole 2-D feature maps (channels_last or channels_first)."""

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(2, rate, data_format, seed, **kwargs)


class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole 3-D feature maps."""

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(3, rate, data_format, seed, **kwargs)


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of standard deviation `stddev` in training.

    Example:
        >>> GaussianNoise(0.1)(tf.ones((2, 2))).numpy().tolist()
        [[1.0, 1.0], [1.0, 1.0]]
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(stddev, (int, float)) or isinstance(stddev, bool) or stddev < 0:
            raise ValueError(f"Invalid value received for argument `stddev`. Expected a float "
                             f"value >= 0. Received: stddev={stddev!r}")
        self.stddev = float(stddev)
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        return inputs + tf.random.normal(tf.shape(inputs), stddev=self.stddev,
                                         dtype=inputs.dtype, seed=self.seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(stddev=self.stddev, seed=self.seed)
        return config


class GaussianDropout(Layer):
    """Multiplies by Gaussian noise of mean 1 and standard deviation sqrt(rate / (1 - rate))
    in training."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _check_rate(rate)
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or not 0 < self.rate < 1:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return inputs * tf.random.normal(tf.shape(inputs), mean=1.0, stddev=stddev,
                                         dtype=inputs.dtype, seed=self.seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed)
        return config


class AlphaDropout(Layer):
    """Dropout for SELU networks: dropped units are set to SELU's negative saturation and
    an affine map keeps the mean and variance of the inputs."""

    _ALPHA = 1.6732632423543772848170429916717
    _SCALE = 1.0507009873554804934193349852946

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _check_rate(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        dims = _dims(inputs)
        shape = dims if self.noise_shape is None else [
            dims[i] if d is None else d for i, d in enumerate(self.noise_shape)]
        saturation = -self._ALPHA * self._SCALE
        kept = tf.cast(tf.random.uniform(shape, dtype=inputs.dtype, seed=self.seed) >=
                       self.rate, inputs.dtype)
        a = ((1 - self.rate) * (1 + self.rate * saturation ** 2)) ** -0.5
        b = -a * saturation * self.rate
        return a * (inputs * kept + saturation * (1 - kept)) + b

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        return config


class ActivityRegularization(Layer):
    """The identity, adding l1 * sum(|x|) + l2 * sum(x**2) (per sample) to the model's losses.
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = float(l1), float(l2)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(l1=self.l1, l2=self.l2)
        return config
