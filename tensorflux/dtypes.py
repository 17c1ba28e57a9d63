"""tf.dtypes: dtype objects and casts."""
from tensorflux.framework.dtypes import *  # noqa: F401,F403
from tensorflux.framework.dtypes import (DType, as_dtype, float16, half, float32, float64,  # noqa
                                         double, int8, int16, int32, int64, uint8, uint16,
                                         uint32, uint64, bool, complex64, complex128, string)
from tensorflux.ops.math_ops import cast, saturate_cast  # noqa: F401
