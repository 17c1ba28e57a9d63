"""tf.math: elementwise math, reductions, comparisons."""
from tensorflux.ops.math_ops import *  # noqa: F401,F403
from tensorflux.ops.nn_ops import softmax, log_softmax, softplus, softsign  # noqa: F401
from tensorflux.ops.array_ops import unsorted_segment_sum  # noqa: F401
from tensorflux.ops.extra_array_ops import (top_k, segment_sum, segment_mean,  # noqa: F401
                                            segment_max, segment_min, unsorted_segment_mean,
                                            unsorted_segment_max, unsorted_segment_min,
                                            unsorted_segment_sqrt_n, bincount)

divide = truediv  # noqa: F405
floordiv = floordiv  # noqa: F405,PLW0127
multiply_no_nan = None


def multiply_no_nan(x, y, name=None):  # noqa: F811
    """x * y, with 0 wherever y is 0 (even if x is inf or NaN)."""
    from tensorflux.ops import array_ops, math_ops
    x, y = math_ops.convert_to_tensor(x), math_ops.convert_to_tensor(y)
    return math_ops.where(math_ops.equal(y, 0), array_ops.zeros_like(x * y), x * y, name=name)


def __getattr__(name):
    raise AttributeError(f"tf.math.{name} is not implemented by tensorflux.")


divide_no_nan = div_no_nan  # noqa: F405 - TF2's name of div_no_nan
