"""tf.debugging: assertions and numeric checks."""
from tensorflux.ops.control_flow_ops import (Assert, assert_equal, assert_greater,  # noqa: F401
                                             assert_less, assert_rank, assert_positive,
                                             assert_non_negative)
from tensorflux.ops.math_ops import is_nan, is_inf, is_finite  # noqa: F401


def check_numerics(tensor, message, name=None):
    """Raises InvalidArgumentError if `tensor` has NaN or Inf values (eagerly)."""
    import numpy as np
    from tensorflux.framework import errors
    from tensorflux.ops._helpers import to_tensor
    t = to_tensor(tensor)
    if t._value is not None and not np.all(np.isfinite(t._value)):
        raise errors.InvalidArgumentError(None, None, f"{message} : Tensor had NaN or Inf "
                                          "values")
    return t


def set_log_device_placement(enabled):
    return None
