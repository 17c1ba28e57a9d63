"""tf.contrib: removed in TensorFlow 2.0. Only `tf.contrib.data.shuffle_and_repeat` (used by TF1
input pipelines) is mapped, to `tf.data.experimental.shuffle_and_repeat`; every other name
raises an AttributeError that says so."""
from tensorflux.contrib import data  # noqa: F401


def __getattr__(name):
    raise AttributeError(
        f"tf.contrib.{name} does not exist in TensorFlow 2 (tf.contrib was removed in 2.0) and "
        "is not implemented by tensorflux; only tf.contrib.data.shuffle_and_repeat is mapped "
        "(to tf.data.experimental.shuffle_and_repeat).")
