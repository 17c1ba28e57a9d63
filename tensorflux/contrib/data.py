"""tf.contrib.data: `shuffle_and_repeat` only (now tf.data.experimental.shuffle_and_repeat)."""
from tensorflux.data.experimental import shuffle_and_repeat  # noqa: F401

__all__ = ["shuffle_and_repeat"]


def __getattr__(name):
    raise AttributeError(
        f"tf.contrib.data.{name} does not exist in TensorFlow 2 (tf.contrib was removed in "
        "2.0) and is not implemented by tensorflux; use the tf.data.experimental equivalent.")
