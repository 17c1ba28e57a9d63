"""Variable initializers as TF1 exposes them (tf.glorot_uniform_initializer, ...)."""
import numpy as np

from tensorflux.framework import dtypes

__all__ = ["glorot_uniform_initializer", "zeros_initializer", "ones_initializer",
           "constant_initializer", "random_normal_initializer", "truncated_normal_initializer",
           "random_uniform_initializer", "glorot_normal_initializer"]


def _fans(shape):
    shape = list(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


class _Initializer:
    def __init__(self, seed=None, dtype=dtypes.float32):
        self.seed = seed
        self.dtype = dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        raise NotImplementedError


class glorot_uniform_initializer(_Initializer):
    """U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out))."""

    def __call__(self, shape, dtype=None, partition_info=None):
        from tensorflux.ops import random_ops
        fan_in, fan_out = _fans(shape)
        limit = np.sqrt(6.0 / max(fan_in + fan_out, 1))
        return random_ops.random_uniform(shape, -limit, limit, dtype=dtype or self.dtype,
                                         seed=self.seed)


class glorot_normal_initializer(_Initializer):
    def __call__(self, shape, dtype=None, partition_info=None):
        from tensorflux.ops import random_ops
        fan_in, fan_out = _fans(shape)
        stddev = np.sqrt(2.0 / max(fan_in + fan_out, 1)) / 0.87962566103423978
        return random_ops.truncated_normal(shape, 0.0, stddev, dtype=dtype or self.dtype,
                                           seed=self.seed)


class zeros_initializer(_Initializer):
    def __init__(self, dtype=dtypes.float32):
        super().__init__(None, dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        from tensorflux.ops import array_ops
        return array_ops.zeros(shape, dtype=dtype or self.dtype)


class ones_initializer(_Initializer):
    def __init__(self, dtype=dtypes.float32):
        super().__init__(None, dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        from tensorflux.ops import array_ops
        return array_ops.ones(shape, dtype=dtype or self.dtype)


class constant_initializer(_Initializer):
    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        super().__init__(None, dtype)
        self.value = value

    def __call__(self, shape, dtype=None, partition_info=None):
        from tensorflux.ops import array_ops
        return array_ops.constant(self.value, dtype=dtype or self.dtype, shape=shape)


class random_normal_initializer(_Initializer):
    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        super().__init__(seed, dtype)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None, partition_info=None):
        from tensorflux.ops import random_ops
        return random_ops.random_normal(shape, self.mean, self.stddev, dtype or self.dtype,
                                        self.seed)


class truncated_normal_initializer(random_normal_initializer):
    def __call__(self, shape, dtype=None, partition_info=None):
        from tensorflux.ops import random_ops
        return random_ops.truncated_normal(shape, self.mean, self.stddev, dtype or self.dtype,
                                           self.seed)


class random_uniform_initializer(_Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None, dtype=dtypes.float32):
        super().__init__(seed, dtype)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None, partition_info=None):
        from tensorflux.ops import random_ops
        return random_ops.random_uniform(shape, self.minval, self.maxval, dtype or self.dtype,
                                         self.seed)
