"""tf.random: sampling with TensorFlow's global/op seed rules."""
from tensorflux.ops.random_ops import (normal, uniform, truncated_normal, shuffle,  # noqa: F401
                                       set_seed, categorical, get_seed)


def __getattr__(name):
    raise AttributeError(f"tf.random.{name} is not implemented by tensorflux.")
