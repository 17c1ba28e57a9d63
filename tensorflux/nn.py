"""tf.nn: neural-network ops."""
from tensorflux.ops.nn_ops import *  # noqa: F401,F403
from tensorflux.ops.nn_ops import __all__ as _nn_all
from tensorflux.ops.math_ops import sigmoid, tanh, softplus, log_sigmoid  # noqa: F401
from tensorflux.ops.extra_array_ops import top_k  # noqa: F401

__all__ = list(_nn_all)


def __getattr__(name):
    raise AttributeError(f"tf.nn.{name} is not implemented by tensorflux.")
