"""tf.linalg: matrix ops."""
from tensorflux.ops.math_ops import matmul  # noqa: F401
from tensorflux.ops.extra_array_ops import *  # noqa: F401,F403


def __getattr__(name):
    raise AttributeError(f"tf.linalg.{name} is not implemented by tensorflux.")
