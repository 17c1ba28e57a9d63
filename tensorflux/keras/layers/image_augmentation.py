"""Color augmentation layers of Keras 3: RandomGrayscale, RandomInvert, Solarization.

Each draws its random choices with `tf.random` (and the layer's `seed`), so the random draws
differ from Keras', but what a draw does to an image is Keras' computation: with factors that
make the draw certain (RandomGrayscale(factor=1.0), RandomInvert(factor=(1.0, 1.0)), ...) the
outputs equal Keras'. As Keras' preprocessing layers, they augment when called with
training=True or without a training flag, and pass images through at inference.
"""
import tensorflux as tf
from tensorflux.keras.layers.preprocessing import _dims, _factor_pair, _ImageLayer, _training

__all__ = ["RandomGrayscale", "RandomInvert", "Solarization"]

_GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)    # tf.image.rgb_to_grayscale's


def _batch_size(images, rank):
    return _dims(images)[0] if rank == 4 else 1


class RandomGrayscale(_ImageLayer):
    """Turns each image to grayscale (kept with 3 channels) with probability `factor`, in
    training: gray = 0.2989 R + 0.5870 G + 0.1140 B.

    Args:
        factor: the probability, in [0, 1] (0.5).
        data_format: "channels_last" (default) or "channels_first".
        seed: the random seed.
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if factor < 0 or factor > 1:
            raise ValueError(f"`factor` should be between 0 and 1. Received: factor={factor}")
        self.factor = factor
        self.seed = seed

    def call(self, inputs, training=None):
        if not _training(training):
            return inputs
        images = self._cast(inputs)
        rank = self._check_rank(images)
        channels_axis = -1 if self.data_format == "channels_last" else -3
        channels = images.shape[channels_axis]
        if channels not in (1, 3):
            raise ValueError("Invalid channel size: expected 3 (RGB) or 1 (Grayscale). "
                             f"Received input with shape: images.shape="
                             f"{tuple(images.shape.as_list())}")
        if channels == 1:
            gray = images
        else:
            weights = tf.constant(_GRAY_WEIGHTS, dtype=images.dtype)
            shape = [3, 1, 1] if channels_axis == -3 else [3]
            gray = tf.reduce_sum(images * tf.reshape(weights, shape), axis=channels_axis,
                                 keepdims=True)
        draws = tf.random.uniform([_batch_size(images, rank)], 0.0, 1.0, seed=self.seed)
        apply = draws < self.factor
        apply = tf.reshape(apply, [-1, 1, 1, 1] if rank == 4 else [1, 1, 1])
        return tf.where(apply, gray * tf.ones_like(images), images)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "seed": self.seed})
        return config


class RandomInvert(_ImageLayer):
    """Inverts images (value_range[1] - x) at random, in training: for each image a
    probability p is drawn uniformly in `factor` and the image is inverted with probability p.

    Args:
        factor: a number f in [0, 1] means probabilities in [0, f]; a pair (low, high).
            factor=(1.0, 1.0) always inverts.
        value_range: the (min, max) of the images, (0, 255).
        seed: the random seed.
    """

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = _factor_pair(factor, (0, 1), "factor", "RandomInvert")
        self.value_range = value_range
        self.seed = seed

    def call(self, inputs, training=None):
        if not _training(training):
            return inputs
        images = self._cast(inputs)
        rank = self._check_rank(images)
        batch = _batch_size(images, rank)
        probability = tf.random.uniform([batch], self.factor[0], self.factor[1],
                                        seed=self.seed)
        threshold = tf.random.uniform([batch], 0.0, 1.0,
                                      seed=None if self.seed is None else self.seed + 1)
        apply = tf.reshape(threshold < probability, [-1, 1, 1, 1] if rank == 4 else [1, 1, 1])
        return tf.where(apply, tf.cast(self.value_range[1], images.dtype) - images, images)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config


class Solarization(_ImageLayer):
    """Solarizes images, in training: on the 0..255 scale, x + addition (clipped to [0, 255])
    stays where it is below a threshold and becomes 255 - x above it.

    As in Keras, the additions are drawn uniformly in [addition_factor[0],
    addition_factor[1] * 255] and the thresholds in [threshold_factor[0],
    threshold_factor[1] * 255], one per image. threshold_factor=0 inverts every pixel.

    Args:
        addition_factor: a number f in [0, 1] means (0, f); or a pair (0.0).
        threshold_factor: likewise (0.0).
        value_range: the (min, max) of the images, (0, 255).
        seed: the random seed.
    """

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.addition_factor = self._set_factor(addition_factor, "addition_factor")
        self.threshold_factor = self._set_factor(threshold_factor, "threshold_factor")
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError("The `value_range` argument should be a list of two numbers. "
                             f"Received: value_range={value_range}")
        self.value_range = sorted(value_range)

    @staticmethod
    def _set_factor(factor, name):
        message = (f"The `addition_factor` and `threshold_factor` arguments should be a number "
                   f"(or a list of two numbers) in the range [0, 1]. Received: "
                   f"{name}={factor}")

        def check(value):
            if value > 1.0 or value < 0:
                raise ValueError(message)
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(message)
            check(factor[0])
            check(factor[1])
            return tuple(sorted(factor))
        if isinstance(factor, (int, float)) and not isinstance(factor, bool):
            check(factor)
            return (0, factor)
        raise ValueError(message)

    def _rescale(self, images, source, target):
        if source[0] == target[0] and source[1] == target[1]:
            return images
        low, high = float(source[0]), float(source[1])
        new_low, new_high = float(target[0]), float(target[1])
        return (images - low) / (high - low) * (new_high - new_low) + new_low

    def call(self, inputs, training=None):
        images = self._cast(inputs)
        if not _training(training):
            return images
        rank = self._check_rank(images)
        shape = [_batch_size(images, rank), 1, 1, 1] if rank == 4 else [1, 1, 1]
        additions = tf.random.uniform(shape, float(self.addition_factor[0]),
                                      float(self.addition_factor[1]) * 255, seed=self.seed)
        thresholds = tf.random.uniform(shape, float(self.threshold_factor[0]),
                                       float(self.threshold_factor[1]) * 255,
                                       seed=None if self.seed is None else self.seed + 1)
        x = self._rescale(images, self.value_range, (0, 255))
        results = tf.clip_by_value(x + tf.cast(additions, x.dtype), 0.0, 255.0)
        results = tf.where(results < tf.cast(thresholds, x.dtype), results, 255.0 - results)
        return self._rescale(results, (0, 255), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"addition_factor": self.addition_factor,
                       "threshold_factor": self.threshold_factor,
                       "value_range": self.value_range, "seed": self.seed})
        return config
