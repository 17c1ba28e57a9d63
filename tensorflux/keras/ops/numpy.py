"""keras.ops.numpy: NumPy-style functions (Keras 3 signatures and dtype rules) built from
tensorflux ops, so they run eagerly, in tf.function and on KerasTensors, and differentiate."""
import builtins
import math as _math

import numpy as np

import tensorflux as tf
from tensorflux.framework.tensor import Tensor
from tensorflux.ops._helpers import apply as _apply_op
from tensorflux.keras.ops._common import (keras_op, export, floatx, standardize_dtype,
                                          result_type, convert, promote, to_float,
                                          static_shape, ndim_of,
                                          normalize_axis, canonical_axis,
                                          not_implemented_getattr, _value_dtype)


# ---- helpers --------------------------------------------------------------------------------

def _cast(x, dtype):
    dtype = standardize_dtype(dtype)
    return x if x.dtype.name == dtype else tf.cast(x, dtype)


def _const(value, dtype):
    return tf.constant(np.asarray(value, dtype=tf.as_dtype(standardize_dtype(dtype))
                                  .as_numpy_dtype))


def _dim(x, axis):
    """The size of `axis`: a Python int when static, else a scalar int32 tensor."""
    size = x.shape[axis]
    size = getattr(size, "value", size)
    if size is not None:
        return int(size)
    return tf.shape(x)[axis]


def _shape_list(x):
    """The shape as a list of ints (static) or scalar tensors (unknown dims)."""
    static = x.shape.as_list()
    if builtins.all(d is not None for d in static):
        return static
    dynamic = tf.shape(x)
    return [d if d is not None else dynamic[i] for i, d in enumerate(static)]


def _shape_arg(shape):
    """A Keras shape argument (int, tuple, list, tensor) for tf.zeros / tf.fill / reshape."""
    if isinstance(shape, (int, np.integer)):
        return [int(shape)]
    if isinstance(shape, Tensor):
        return shape
    if isinstance(shape, tf.TensorShape):
        return shape.as_list()
    items = list(shape)
    if builtins.any(isinstance(d, Tensor) for d in items):
        return tf.stack([tf.cast(d, "int32") if isinstance(d, Tensor) else int(d)
                         for d in items])
    return [int(d) for d in items]


def _reduce_axes(x, axis):
    return normalize_axis(axis, ndim_of(x)) if axis is not None else None


def _sum_dtype(dtype):
    if dtype in ("bool", "int8", "int16"):
        return "int32"
    if dtype in ("uint8", "uint16"):
        return "uint32"
    return dtype


def _flatten(x):
    return tf.reshape(x, [-1])


def _unary_float(tf_fn):
    """An elementwise function of floats; ints and bools are cast to floatx first."""
    def op(x):
        return tf_fn(to_float(x))
    return op


def _to_bool(x):
    x = convert(x)
    return x if x.dtype.name == "bool" else tf.not_equal(x, tf.zeros_like(x))


def _move_to_end(x, axes):
    """Transposes `axes` (non-negative) to the end, keeping the order of the others."""
    rank = ndim_of(x)
    perm = [d for d in range(rank) if d not in axes] + list(axes)
    return tf.transpose(x, perm) if perm != list(range(rank)) else x


# ---- arithmetic -----------------------------------------------------------------------------

def _on_promoted(name, tf_function):
    """The keras op `name`: `tf_function` on both arguments promoted to their common dtype."""
    def op(x1, x2):
        x1, x2 = promote(x1, x2)
        return tf_function(x1, x2)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"keras.ops.{name}(x1, x2), after promoting both to their result_type."
    return keras_op(op)


@keras_op
def add(x1, x2):
    x1, x2 = promote(x1, x2)
    if x1.dtype.name == "bool":
        return tf.logical_or(x1, x2)
    return tf.add(x1, x2)


subtract = _on_promoted("subtract", tf.subtract)


@keras_op
def multiply(x1, x2):
    x1, x2 = promote(x1, x2)
    if x1.dtype.name == "bool":
        return tf.logical_and(x1, x2)
    return tf.multiply(x1, x2)


@keras_op
def divide(x1, x2):
    target = result_type(_value_dtype(x1), _value_dtype(x2), float)
    x1, x2 = promote(x1, x2, dtype=target)
    return tf.math.truediv(x1, x2)


@keras_op
def true_divide(x1, x2):
    return divide(x1, x2)


@keras_op
def divide_no_nan(x1, x2):
    target = result_type(_value_dtype(x1), _value_dtype(x2), float)
    x1, x2 = promote(x1, x2, dtype=target)
    return tf.math.div_no_nan(x1, x2)


def _promoted_numbers(x1, x2):
    """Both arguments in their common dtype, booleans as int32 (for integer arithmetic)."""
    x1, x2 = promote(x1, x2)
    if x1.dtype.name == "bool":
        x1, x2 = _cast(x1, "int32"), _cast(x2, "int32")
    return x1, x2


@keras_op
def floor_divide(x1, x2):
    x1, x2 = _promoted_numbers(x1, x2)
    return tf.math.floordiv(x1, x2)


@keras_op
def mod(x1, x2):
    x1, x2 = _promoted_numbers(x1, x2)
    return tf.math.floormod(x1, x2)


@keras_op
def fmod(x1, x2):
    """The remainder with the sign of x1 (C's fmod)."""
    x1, x2 = _promoted_numbers(x1, x2)
    if x1.dtype.is_integer:
        return x1 - tf.math.truncatediv(x1, x2) * x2
    return x1 - trunc(x1 / x2) * x2


power = _on_promoted("power", tf.pow)


@keras_op
def negative(x):
    return tf.negative(convert(x))


@keras_op
def abs(x):  # noqa: A001 - NumPy's name
    x = convert(x)
    if x.dtype.name == "bool" or x.dtype.is_unsigned:
        return x
    return tf.abs(x)


absolute = keras_op(lambda x: abs(x))
absolute.__name__ = absolute.__qualname__ = "absolute"
absolute.__module__ = __name__


@keras_op
def fabs(x):
    return tf.abs(to_float(x))


@keras_op
def sign(x):
    x = convert(x)
    if x.dtype.name == "bool":
        return x
    return tf.sign(x)


@keras_op
def square(x):
    x = convert(x)
    if x.dtype.name == "bool":
        x = _cast(x, "int32")
    return tf.square(x)


@keras_op
def sqrt(x):
    return tf.sqrt(to_float(x))


@keras_op
def cbrt(x):
    x = to_float(x)
    return tf.sign(x) * tf.pow(tf.abs(x), _const(1.0 / 3.0, x.dtype))


@keras_op
def reciprocal(x):
    return tf.math.reciprocal(to_float(x))


@keras_op
def maximum(x1, x2):
    x1, x2 = promote(x1, x2)
    if x1.dtype.name == "bool":
        return tf.logical_or(x1, x2)
    return tf.maximum(x1, x2)


@keras_op
def minimum(x1, x2):
    x1, x2 = promote(x1, x2)
    if x1.dtype.name == "bool":
        return tf.logical_and(x1, x2)
    return tf.minimum(x1, x2)


@keras_op
def fmax(x1, x2):
    """The elementwise maximum, ignoring NaNs (NaN only where both are NaN)."""
    x1, x2 = promote(x1, x2)
    if not x1.dtype.is_floating:
        return maximum(x1, x2)
    return tf.where(tf.math.is_nan(x1), x2, tf.where(tf.math.is_nan(x2), x1,
                                                      tf.maximum(x1, x2)))


@keras_op
def fmin(x1, x2):
    x1, x2 = promote(x1, x2)
    if not x1.dtype.is_floating:
        return minimum(x1, x2)
    return tf.where(tf.math.is_nan(x1), x2, tf.where(tf.math.is_nan(x2), x1,
                                                      tf.minimum(x1, x2)))


@keras_op
def clip(x, x_min, x_max):
    x = convert(x)
    if x.dtype.name == "bool":
        x = _cast(x, "int32")
    low = convert(x_min, x.dtype) if not isinstance(x_min, Tensor) else _cast(x_min, x.dtype)
    high = convert(x_max, x.dtype) if not isinstance(x_max, Tensor) else _cast(x_max, x.dtype)
    return tf.clip_by_value(x, low, high)


@keras_op
def hypot(x1, x2):
    target = result_type(_value_dtype(x1), _value_dtype(x2), float)
    x1, x2 = promote(x1, x2, dtype=target)
    return tf.sqrt(tf.square(x1) + tf.square(x2))


@keras_op
def arctan2(x1, x2):
    target = result_type(_value_dtype(x1), _value_dtype(x2), float)
    x1, x2 = promote(x1, x2, dtype=target)
    return tf.math.atan2(x1, x2)


@keras_op
def logaddexp(x1, x2):
    target = result_type(_value_dtype(x1), _value_dtype(x2), float)
    x1, x2 = promote(x1, x2, dtype=target)
    larger = tf.maximum(x1, x2)
    # the difference is 0 where both are the same infinity (avoids inf - inf)
    difference = tf.where(tf.equal(x1, x2), tf.zeros_like(x1), tf.abs(x1 - x2))
    return larger + tf.math.log1p(tf.exp(-difference))


@keras_op
def logaddexp2(x1, x2):
    target = result_type(_value_dtype(x1), _value_dtype(x2), float)
    x1, x2 = promote(x1, x2, dtype=target)
    ln2 = _const(_math.log(2.0), x1.dtype)
    return logaddexp(x1 * ln2, x2 * ln2) / ln2


@keras_op
def heaviside(x1, x2):
    x1, x2 = promote(x1, x2)
    if not x1.dtype.is_floating:
        x1, x2 = _cast(x1, floatx()), _cast(x2, floatx())
    return tf.where(x1 < 0, tf.zeros_like(x1), tf.where(x1 > 0, tf.ones_like(x1), x2))


# ---- elementwise math -----------------------------------------------------------------------

exp = keras_op(_unary_float(tf.exp))
expm1 = keras_op(_unary_float(tf.math.expm1))
log = keras_op(_unary_float(tf.math.log))
log1p = keras_op(_unary_float(tf.math.log1p))
log2 = keras_op(_unary_float(tf.math.log2))
log10 = keras_op(_unary_float(tf.math.log10))
sin = keras_op(_unary_float(tf.sin))
cos = keras_op(_unary_float(tf.cos))
tan = keras_op(_unary_float(tf.math.tan))
arcsin = keras_op(_unary_float(tf.math.asin))
arccos = keras_op(_unary_float(tf.math.acos))
arctan = keras_op(_unary_float(tf.math.atan))
sinh = keras_op(_unary_float(tf.math.sinh))
cosh = keras_op(_unary_float(tf.math.cosh))
tanh = keras_op(_unary_float(tf.tanh))
arcsinh = keras_op(_unary_float(tf.math.asinh))
arccosh = keras_op(_unary_float(tf.math.acosh))
arctanh = keras_op(_unary_float(tf.math.atanh))
for _name in ("exp", "expm1", "log", "log1p", "log2", "log10", "sin", "cos", "tan", "arcsin",
              "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh"):
    globals()[_name].__name__ = globals()[_name].__qualname__ = _name
    globals()[_name].__module__ = __name__
    globals()[_name].__doc__ = f"Elementwise {_name} (ints and bools are cast to floatx)."
del _name


@keras_op
def exp2(x):
    x = to_float(x)
    return tf.exp(x * _const(_math.log(2.0), x.dtype))


@keras_op
def deg2rad(x):
    x = to_float(x)
    return x * _const(_math.pi / 180.0, x.dtype)


@keras_op
def rad2deg(x):
    x = to_float(x)
    return x * _const(180.0 / _math.pi, x.dtype)


@keras_op
def sinc(x):
    """sin(pi x) / (pi x), 1 at 0."""
    x = to_float(x)
    zero = tf.equal(x, tf.zeros_like(x))
    safe = tf.where(zero, tf.ones_like(x), x) * _const(_math.pi, x.dtype)
    return tf.where(zero, tf.ones_like(x), tf.sin(safe) / safe)


@keras_op
def floor(x):
    x = to_float(x)
    return tf.floor(x)


@keras_op
def ceil(x):
    x = to_float(x)
    return tf.math.ceil(x)


@keras_op
def trunc(x):
    x = convert(x)
    if not x.dtype.is_floating:
        return x
    return tf.where(x < 0, tf.math.ceil(x), tf.floor(x))


@keras_op
def round(x, decimals=0):  # noqa: A001 - NumPy's name
    """Rounds half to even (as NumPy), to `decimals` places."""
    x = convert(x)
    if not x.dtype.is_floating:
        if decimals >= 0:
            return x
        factor = _const(10 ** (-decimals), x.dtype)
        as_float = tf.cast(x, "float64") / tf.cast(factor, "float64")
        return tf.cast(tf.round(as_float), x.dtype) * factor
    if decimals == 0:
        return tf.round(x)
    factor = _const(10.0 ** decimals, x.dtype)
    return tf.round(x * factor) / factor


@keras_op
def signbit(x):
    x = convert(x)
    if x.dtype.name == "bool" or x.dtype.is_unsigned:
        return tf.zeros_like(x, dtype="bool") if x.dtype.name != "bool" else \
            tf.logical_and(x, tf.logical_not(x))
    if x.dtype.is_integer:
        return tf.less(x, tf.zeros_like(x))
    negative_zero = tf.logical_and(tf.equal(x, tf.zeros_like(x)),
                                   tf.less(tf.math.reciprocal(x), tf.zeros_like(x)))
    return tf.logical_or(tf.less(x, tf.zeros_like(x)), negative_zero)


@keras_op
def conj(x):
    x = convert(x)
    return tf.math.conj(x) if x.dtype.is_complex else x


conjugate = keras_op(lambda x: conj(x))
conjugate.__name__ = conjugate.__qualname__ = "conjugate"
conjugate.__module__ = __name__


@keras_op
def real(x):
    x = convert(x)
    return tf.math.real(x) if x.dtype.is_complex else x


@keras_op
def imag(x):
    x = convert(x)
    return tf.math.imag(x) if x.dtype.is_complex else tf.zeros_like(x)


@keras_op
def angle(x):
    x = convert(x)
    if x.dtype.is_complex:
        return tf.math.angle(x)
    x = to_float(x)
    return tf.where(x < 0, _const(_math.pi, x.dtype) * tf.ones_like(x), tf.zeros_like(x))


@keras_op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = convert(x)
    if not x.dtype.is_floating:
        return x
    info = np.finfo(x.dtype.as_numpy_dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    x = tf.where(tf.math.is_nan(x), _const(nan, x.dtype) * tf.ones_like(x), x)
    x = tf.where(tf.logical_and(tf.math.is_inf(x), x > 0),
                 _const(posinf, x.dtype) * tf.ones_like(x), x)
    return tf.where(tf.logical_and(tf.math.is_inf(x), x < 0),
                    _const(neginf, x.dtype) * tf.ones_like(x), x)


@keras_op
def ldexp(x1, x2):
    """x1 * 2 ** x2 (x2 integer)."""
    x2 = convert(x2)
    if not (x2.dtype.is_integer or x2.dtype.name == "bool"):
        raise TypeError(f"ldexp: `x2` must be an integer tensor; got {x2.dtype.name}.")
    x1 = to_float(x1)
    return x1 * tf.pow(_const(2.0, x1.dtype), tf.cast(x2, x1.dtype))


@keras_op
def isreal(x):
    x = convert(x)
    if x.dtype.is_complex:
        return tf.equal(tf.math.imag(x), tf.zeros_like(tf.math.imag(x)))
    return tf.ones_like(x, dtype="bool")


# ---- comparisons and logic ------------------------------------------------------------------

equal = _on_promoted("equal", tf.equal)
not_equal = _on_promoted("not_equal", tf.not_equal)
less = _on_promoted("less", tf.less)
less_equal = _on_promoted("less_equal", tf.less_equal)
greater = _on_promoted("greater", tf.greater)
greater_equal = _on_promoted("greater_equal", tf.greater_equal)
@keras_op
def isnan(x):
    x = convert(x)
    if not x.dtype.is_floating:
        return tf.zeros_like(x, dtype="bool") if x.dtype.name != "bool" else \
            tf.logical_and(x, tf.logical_not(x))
    return tf.math.is_nan(x)


@keras_op
def isinf(x):
    x = convert(x)
    if not x.dtype.is_floating:
        return isnan(x)
    return tf.math.is_inf(x)


@keras_op
def isfinite(x):
    x = convert(x)
    if not x.dtype.is_floating:
        return tf.logical_not(isnan(x))
    return tf.math.is_finite(x)


@keras_op
def isposinf(x):
    x = convert(x)
    if not x.dtype.is_floating:
        return isnan(x)
    return tf.logical_and(tf.math.is_inf(x), x > 0)


@keras_op
def isneginf(x):
    x = convert(x)
    if not x.dtype.is_floating:
        return isnan(x)
    return tf.logical_and(tf.math.is_inf(x), x < 0)


@keras_op
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    x1, x2 = promote(x1, x2)
    if not x1.dtype.is_floating:
        return tf.equal(x1, x2)
    close = tf.less_equal(tf.abs(x1 - x2), _const(atol, x1.dtype) +
                          _const(rtol, x1.dtype) * tf.abs(x2))
    # equal infinities are close; everything else non-finite is not
    finite = tf.logical_and(tf.math.is_finite(x1), tf.math.is_finite(x2))
    result = tf.logical_or(tf.logical_and(close, finite), tf.equal(x1, x2))
    if equal_nan:
        result = tf.logical_or(result, tf.logical_and(tf.math.is_nan(x1),
                                                      tf.math.is_nan(x2)))
    return result


@keras_op
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return tf.reduce_all(isclose(x1, x2, rtol, atol, equal_nan))


@keras_op
def logical_and(x1, x2):
    return tf.logical_and(_to_bool(x1), _to_bool(x2))


@keras_op
def logical_or(x1, x2):
    return tf.logical_or(_to_bool(x1), _to_bool(x2))


@keras_op
def logical_xor(x1, x2):
    return tf.math.logical_xor(_to_bool(x1), _to_bool(x2))


@keras_op
def logical_not(x):
    return tf.logical_not(_to_bool(x))


def _bitwise(tf_name):
    def op(x, y):
        x, y = promote(x, y)
        if not (x.dtype.is_integer or x.dtype.name == "bool"):
            raise TypeError(f"bitwise operations need integer or bool tensors; got "
                            f"{x.dtype.name}.")
        if x.dtype.name == "bool":
            return {"bitwise_and": tf.logical_and, "bitwise_or": tf.logical_or,
                    "bitwise_xor": tf.math.logical_xor}[tf_name](x, y)
        return getattr(tf.bitwise, tf_name)(x, y)
    return op


bitwise_and = keras_op(_bitwise("bitwise_and"))
bitwise_or = keras_op(_bitwise("bitwise_or"))
bitwise_xor = keras_op(_bitwise("bitwise_xor"))
bitwise_left_shift = keras_op(_bitwise("left_shift"))
bitwise_right_shift = keras_op(_bitwise("right_shift"))
left_shift = keras_op(_bitwise("left_shift"))
right_shift = keras_op(_bitwise("right_shift"))
for _name in ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
              "bitwise_right_shift", "left_shift", "right_shift"):
    globals()[_name].__name__ = globals()[_name].__qualname__ = _name
    globals()[_name].__module__ = __name__
del _name


@keras_op
def bitwise_invert(x):
    x = convert(x)
    if x.dtype.name == "bool":
        return tf.logical_not(x)
    if not x.dtype.is_integer:
        raise TypeError(f"bitwise_invert needs an integer or bool tensor; got {x.dtype.name}.")
    # ~x == -x - 1 for signed ints; max - x for unsigned ones
    if x.dtype.is_unsigned:
        return _const(np.iinfo(x.dtype.as_numpy_dtype).max, x.dtype) - x
    return -x - _const(1, x.dtype)


bitwise_not = keras_op(lambda x: bitwise_invert(x))
bitwise_not.__name__ = bitwise_not.__qualname__ = "bitwise_not"
bitwise_not.__module__ = __name__


# ---- reductions -----------------------------------------------------------------------------

@keras_op
def sum(x, axis=None, keepdims=False):  # noqa: A001 - NumPy's name
    x = convert(x)
    x = _cast(x, _sum_dtype(x.dtype.name))
    return tf.reduce_sum(x, axis=_reduce_axes(x, axis), keepdims=keepdims)


@keras_op
def prod(x, axis=None, keepdims=False, dtype=None):
    x = convert(x)
    x = _cast(x, standardize_dtype(dtype) if dtype is not None else _sum_dtype(x.dtype.name))
    return tf.reduce_prod(x, axis=_reduce_axes(x, axis), keepdims=keepdims)


def _float_reduce(tf_fn, x, axis, keepdims):
    x = convert(x)
    original = x.dtype.name
    if not x.dtype.is_floating:
        x = _cast(x, floatx())
    elif original == "float16":    # accumulate in float32, as Keras
        x = _cast(x, "float32")
    result = tf_fn(x, axis=_reduce_axes(x, axis), keepdims=keepdims)
    return _cast(result, original) if original == "float16" else result


@keras_op
def mean(x, axis=None, keepdims=False):
    return _float_reduce(tf.reduce_mean, x, axis, keepdims)


@keras_op
def var(x, axis=None, keepdims=False):
    return _float_reduce(tf.math.reduce_variance, x, axis, keepdims)


@keras_op
def std(x, axis=None, keepdims=False):
    return _float_reduce(tf.math.reduce_std, x, axis, keepdims)


def _max_min(x, axis, keepdims, initial, reduce_fn, combine_fn):
    x = convert(x)
    if x.dtype.name == "bool":
        result = (tf.reduce_any if reduce_fn is tf.reduce_max else tf.reduce_all)(
            x, axis=_reduce_axes(x, axis), keepdims=keepdims)
    else:
        result = reduce_fn(x, axis=_reduce_axes(x, axis), keepdims=keepdims)
    if initial is not None:
        result = combine_fn(result, convert(initial, result.dtype))
    return result


@keras_op
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - NumPy's name
    return _max_min(x, axis, keepdims, initial, tf.reduce_max, maximum)


@keras_op
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - NumPy's name
    return _max_min(x, axis, keepdims, initial, tf.reduce_min, minimum)


@keras_op
def amax(x, axis=None, keepdims=False):
    return max(x, axis=axis, keepdims=keepdims)


@keras_op
def amin(x, axis=None, keepdims=False):
    return min(x, axis=axis, keepdims=keepdims)


@keras_op
def ptp(x, axis=None, keepdims=False):
    return subtract(max(x, axis=axis, keepdims=keepdims), min(x, axis=axis, keepdims=keepdims))


@keras_op
def all(x, axis=None, keepdims=False):  # noqa: A001 - NumPy's name
    x = _to_bool(x)
    return tf.reduce_all(x, axis=_reduce_axes(x, axis), keepdims=keepdims)


@keras_op
def any(x, axis=None, keepdims=False):  # noqa: A001 - NumPy's name
    x = _to_bool(x)
    return tf.reduce_any(x, axis=_reduce_axes(x, axis), keepdims=keepdims)


def _arg(tf_fn, x, axis, keepdims):
    x = convert(x)
    if x.dtype.name == "bool":
        x = _cast(x, "int32")
    if axis is None:
        shape = static_shape(x)
        result = tf_fn(_flatten(x), axis=0, output_type="int32")
        if keepdims:
            result = tf.reshape(result, [1] * len(shape))
        return result
    axis = canonical_axis(axis, ndim_of(x))
    result = tf_fn(x, axis=axis, output_type="int32")
    return tf.expand_dims(result, axis) if keepdims else result


@keras_op
def argmax(x, axis=None, keepdims=False):
    return _arg(tf.argmax, x, axis, keepdims)


@keras_op
def argmin(x, axis=None, keepdims=False):
    return _arg(tf.argmin, x, axis, keepdims)


@keras_op
def count_nonzero(x, axis=None):
    x = convert(x)
    nonzero_mask = tf.not_equal(x, tf.zeros_like(x)) if x.dtype.name != "bool" else x
    return tf.reduce_sum(tf.cast(nonzero_mask, "int32"), axis=_reduce_axes(x, axis))


@keras_op
def average(x, axis=None, weights=None):
    x = convert(x)
    if weights is None:
        return mean(x, axis=axis)
    weights = convert(weights)
    target = result_type(x.dtype, weights.dtype, float)
    x, weights = _cast(x, target), _cast(weights, target)
    if axis is not None and weights.shape.rank == 1 and x.shape.rank != 1:
        axis = canonical_axis(axis, ndim_of(x))
        shape = [1] * ndim_of(x)
        shape[axis] = -1
        weights = tf.reshape(weights, shape)
    axes = _reduce_axes(x, axis)
    return tf.reduce_sum(x * weights, axis=axes) / tf.reduce_sum(
        weights * tf.ones_like(x), axis=axes)


@keras_op
def cumsum(x, axis=None, dtype=None):
    x = convert(x)
    x = _cast(x, standardize_dtype(dtype) if dtype is not None else
              "int32" if x.dtype.name == "bool" else x.dtype.name)
    if axis is None:
        return tf.cumsum(_flatten(x), axis=0)
    return tf.cumsum(x, axis=canonical_axis(axis, ndim_of(x)))


@keras_op
def cumprod(x, axis=None, dtype=None):
    x = convert(x)
    x = _cast(x, standardize_dtype(dtype) if dtype is not None else
              "int32" if x.dtype.name == "bool" else x.dtype.name)
    if axis is None:
        return tf.math.cumprod(_flatten(x), axis=0)
    return tf.math.cumprod(x, axis=canonical_axis(axis, ndim_of(x)))


def _nan_masked(x, fill):
    x = convert(x)
    if not x.dtype.is_floating:
        return x
    return tf.where(tf.math.is_nan(x), _const(fill, x.dtype) * tf.ones_like(x), x)


@keras_op
def nansum(x, axis=None, keepdims=False):
    return sum(_nan_masked(x, 0), axis=axis, keepdims=keepdims)


@keras_op
def nanprod(x, axis=None, keepdims=False):
    return prod(_nan_masked(x, 1), axis=axis, keepdims=keepdims)


@keras_op
def nanmean(x, axis=None, keepdims=False):
    x = convert(x)
    if not x.dtype.is_floating:
        return mean(x, axis=axis, keepdims=keepdims)
    valid = tf.cast(tf.logical_not(tf.math.is_nan(x)), x.dtype)
    return divide(nansum(x, axis=axis, keepdims=keepdims),
                  tf.reduce_sum(valid, axis=_reduce_axes(x, axis), keepdims=keepdims))


def _nan_extreme(x, axis, keepdims, reduce_fn, fill):
    x = convert(x)
    if not x.dtype.is_floating:
        return reduce_fn(x, axis=axis, keepdims=keepdims)
    nan_mask = tf.math.is_nan(x)
    result = reduce_fn(tf.where(nan_mask, _const(fill, x.dtype) * tf.ones_like(x), x),
                       axis=axis, keepdims=keepdims)
    every = tf.reduce_all(nan_mask, axis=_reduce_axes(x, axis), keepdims=keepdims)
    return tf.where(every, _const(np.nan, x.dtype) * tf.ones_like(result), result)


@keras_op
def nanmax(x, axis=None, keepdims=False):
    return _nan_extreme(x, axis, keepdims, max, -np.inf)


@keras_op
def nanmin(x, axis=None, keepdims=False):
    return _nan_extreme(x, axis, keepdims, min, np.inf)


def _nan_arg(tf_fn, x, axis, keepdims, fill):
    x = convert(x)
    if not x.dtype.is_floating:
        return _arg(tf_fn, x, axis, keepdims)
    nan_mask = tf.math.is_nan(x)
    result = _arg(tf_fn, tf.where(nan_mask, _const(fill, x.dtype) * tf.ones_like(x), x), axis,
                  keepdims)
    # a slice of NaNs only has no answer: -1, as Keras
    if axis is None:
        every = tf.reduce_all(nan_mask)
        if keepdims:
            every = tf.reshape(every, [1] * ndim_of(x))
    else:
        every = tf.reduce_all(nan_mask, axis=canonical_axis(axis, ndim_of(x)),
                              keepdims=keepdims)
    return tf.where(every, -tf.ones_like(result), result)


@keras_op
def nanargmax(x, axis=None, keepdims=False):
    return _nan_arg(tf.argmax, x, axis, keepdims, -np.inf)


@keras_op
def nanargmin(x, axis=None, keepdims=False):
    return _nan_arg(tf.argmin, x, axis, keepdims, np.inf)


@keras_op
def nancumsum(x, axis=None, dtype=None):
    return cumsum(_nan_masked(x, 0), axis=axis, dtype=dtype)


@keras_op
def nancumprod(x, axis=None, dtype=None):
    return cumprod(_nan_masked(x, 1), axis=axis, dtype=dtype)


def _nan_moment(x, axis, keepdims, root):
    x = to_float(x)
    valid = tf.logical_not(tf.math.is_nan(x))
    count = tf.reduce_sum(tf.cast(valid, x.dtype), axis=_reduce_axes(x, axis), keepdims=True)
    centre = nansum(x, axis=axis, keepdims=True) / count
    deviation = tf.where(valid, tf.square(x - centre), tf.zeros_like(x))
    result = tf.reduce_sum(deviation, axis=_reduce_axes(x, axis), keepdims=keepdims) / (
        count if keepdims else tf.squeeze(count, _reduce_axes(x, axis)) if axis is not None
        else tf.reshape(count, []))
    return tf.sqrt(result) if root else result


@keras_op
def nanvar(x, axis=None, keepdims=False):
    return _nan_moment(x, axis, keepdims, root=False)


@keras_op
def nanstd(x, axis=None, keepdims=False):
    return _nan_moment(x, axis, keepdims, root=True)


def _quantile(x, q, axis, method, keepdims):
    x = convert(x)
    original = x.dtype.name
    compute = "float64" if original == "float64" else "float32"
    x = _cast(x, compute)
    q = _cast(convert(q), compute)
    rank = ndim_of(x)
    axes = tuple(range(rank)) if axis is None else normalize_axis(axis, rank)
    if isinstance(axes, int):
        axes = (axes,)
    moved = _move_to_end(x, axes)
    kept_shape = _shape_list(moved)[:rank - len(axes)]
    flat = tf.reshape(moved, _stack_shape(kept_shape + [-1]))
    ordered = tf.sort(flat, axis=-1)
    n = _dim(ordered, -1)
    n_float = tf.cast(n, compute) if isinstance(n, Tensor) else _const(n, compute)
    position = q * (n_float - 1)
    if method == "linear":
        low, high = tf.floor(position), tf.math.ceil(position)
    elif method == "lower":
        low = high = tf.floor(position)
    elif method == "higher":
        low = high = tf.math.ceil(position)
    elif method == "nearest":
        low = high = tf.round(position)
    elif method == "midpoint":
        low, high = tf.floor(position), tf.math.ceil(position)
    else:
        raise ValueError(f"Invalid `method` {method!r}; expected one of 'linear', 'lower', "
                         "'higher', 'midpoint', 'nearest'.")
    low_values = tf.gather(ordered, tf.cast(low, "int32"), axis=-1)
    high_values = tf.gather(ordered, tf.cast(high, "int32"), axis=-1)
    if method == "midpoint":
        result = (low_values + high_values) / 2
    elif method == "linear":
        fraction = position - low
        result = low_values + (high_values - low_values) * fraction
    else:
        result = low_values
    # NaN anywhere in a slice makes its quantile NaN (as NumPy)
    has_nan = tf.reduce_any(tf.math.is_nan(flat), axis=-1, keepdims=True)
    result = tf.where(tf.broadcast_to(has_nan, tf.shape(result)) if q.shape.rank else
                      tf.squeeze(has_nan, -1), _const(np.nan, compute) * tf.ones_like(result),
                      result)
    if q.shape.rank:          # the quantile axis goes first, as NumPy
        result = tf.transpose(result, [result.shape.rank - 1] +
                              list(range(result.shape.rank - 1)))
    if keepdims:
        offset = 1 if q.shape.rank else 0
        for a in sorted(axes):
            result = tf.expand_dims(result, a + offset)
    if original in ("float16", "float64"):
        result = _cast(result, original)
    return result


@keras_op
def quantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, q, axis, method, keepdims)


@keras_op
def percentile(x, q, axis=None, method="linear", keepdims=False):
    q = convert(q)
    q = _cast(q, "float64" if convert(x).dtype.name == "float64" else "float32") / 100
    return _quantile(x, q, axis, method, keepdims)


@keras_op
def median(x, axis=None, keepdims=False):
    return _quantile(x, 0.5, axis, "linear", keepdims)


# ---- shapes ---------------------------------------------------------------------------------

@keras_op
def reshape(x, newshape):
    x = convert(x)
    if isinstance(newshape, (list, tuple)) and builtins.any(d is None for d in newshape):
        raise ValueError("reshape: use -1 (not None) for the one inferred dimension.")
    return tf.reshape(x, _shape_arg(newshape))


@keras_op
def ravel(x):
    return _flatten(convert(x))


@keras_op
def expand_dims(x, axis):
    x = convert(x)
    axes = normalize_axis(axis)
    if isinstance(axes, int):
        return tf.expand_dims(x, axes)
    out_rank = ndim_of(x) + len(axes)
    for a in sorted(canonical_axis(a, out_rank) for a in axes):
        x = tf.expand_dims(x, a)
    return x


@keras_op
def squeeze(x, axis=None):
    x = convert(x)
    if axis is None:
        return tf.squeeze(x)
    axes = normalize_axis(axis, ndim_of(x))
    axes = [axes] if isinstance(axes, int) else list(axes)
    for a in axes:
        size = x.shape[a]
        size = getattr(size, "value", size)
        if size is not None and size != 1:
            raise ValueError(f"Cannot squeeze axis {a}: its size is {size}, not 1 (input "
                             f"shape {static_shape(x)}).")
    return tf.squeeze(x, axes) if axes else x


@keras_op
def transpose(x, axes=None):
    x = convert(x)
    if axes is None:
        return tf.transpose(x)
    rank = ndim_of(x)
    return tf.transpose(x, [canonical_axis(a, rank) for a in axes])


@keras_op
def swapaxes(x, axis1, axis2):
    x = convert(x)
    rank = ndim_of(x)
    perm = list(range(rank))
    a, b = canonical_axis(axis1, rank), canonical_axis(axis2, rank)
    perm[a], perm[b] = perm[b], perm[a]
    return tf.transpose(x, perm)


@keras_op
def moveaxis(x, source, destination):
    x = convert(x)
    rank = ndim_of(x)
    source = normalize_axis(source, rank)
    destination = normalize_axis(destination, rank)
    source = [source] if isinstance(source, int) else list(source)
    destination = [destination] if isinstance(destination, int) else list(destination)
    if len(source) != len(destination):
        raise ValueError("moveaxis: `source` and `destination` need the same number of axes.")
    order = [d for d in range(rank) if d not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return tf.transpose(x, order)


@keras_op
def broadcast_to(x, shape):
    return tf.broadcast_to(convert(x), _shape_arg(shape))


def _promote_all(xs):
    xs = list(xs)
    return promote(*xs) if xs else []


@keras_op
def concatenate(xs, axis=0):
    xs = _promote_all(xs)
    if axis is None:
        return tf.concat([_flatten(x) for x in xs], axis=0)
    return tf.concat(xs, axis=int(axis))


@keras_op
def append(x1, x2, axis=None):
    x1, x2 = promote(x1, x2)
    if axis is None:
        return tf.concat([_flatten(x1), _flatten(x2)], axis=0)
    return tf.concat([x1, x2], axis=int(axis))


@keras_op
def stack(x, axis=0):
    return tf.stack(_promote_all(x), axis=int(axis))


def _at_least(x, rank):
    x = convert(x)
    current = ndim_of(x)
    if current >= rank:
        return x
    if rank == 2:
        return tf.reshape(x, [1, -1]) if current == 1 else tf.reshape(x, [1, 1])
    if current == 0:
        return tf.reshape(x, [1, 1, 1])
    if current == 1:
        return tf.reshape(x, [1, -1, 1])
    return tf.expand_dims(x, -1)


@keras_op
def hstack(xs):
    xs = _promote_all(xs)
    if builtins.all(ndim_of(x) <= 1 for x in xs):
        return tf.concat([tf.reshape(x, [-1]) for x in xs], axis=0)
    return tf.concat(xs, axis=1)


@keras_op
def vstack(xs):
    xs = _promote_all(xs)
    return tf.concat([_at_least(x, 2) for x in xs], axis=0)


@keras_op
def dstack(xs):
    xs = _promote_all(xs)
    return tf.concat([_at_least(x, 3) for x in xs], axis=2)


def _split_sizes(total, indices_or_sections, even):
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if total is None:
            if even:
                return sections
            raise ValueError("array_split needs a statically known dimension.")
        if even and total % sections:
            raise ValueError(f"array split does not result in an equal division: {total} "
                             f"elements into {sections} sections. Use array_split.")
        base, extra = divmod(total, sections)
        return [base + 1] * extra + [base] * (sections - extra)
    if total is None:
        raise ValueError("split at indices needs a statically known dimension.")
    bounds = [0] + [builtins.min(builtins.max(int(i) if i >= 0 else total + int(i), 0), total)
                    for i in indices_or_sections] + [total]
    return [builtins.max(b - a, 0) for a, b in zip(bounds[:-1], bounds[1:])]


def _split(x, indices_or_sections, axis, even):
    x = convert(x)
    axis = canonical_axis(axis, ndim_of(x))
    total = x.shape[axis]
    total = getattr(total, "value", total)
    sizes = _split_sizes(total, indices_or_sections, even)
    if isinstance(sizes, int):
        return list(tf.split(x, sizes, axis=axis))
    pieces, start = [], 0
    for size in sizes:     # slices (tf.split needs non-empty pieces in places)
        begin = [0] * ndim_of(x)
        begin[axis] = start
        shape = [-1] * ndim_of(x)
        shape[axis] = size
        pieces.append(tf.slice(x, begin, shape))
        start += size
    return pieces


@keras_op
def split(x, indices_or_sections, axis=0):
    return _split(x, indices_or_sections, axis, even=True)


@keras_op
def array_split(x, indices_or_sections, axis=0):
    return _split(x, indices_or_sections, axis, even=False)


@keras_op
def hsplit(x, indices_or_sections):
    x = convert(x)
    return _split(x, indices_or_sections, 0 if ndim_of(x) == 1 else 1, even=True)


@keras_op
def vsplit(x, indices_or_sections):
    return _split(x, indices_or_sections, 0, even=True)


@keras_op
def dsplit(x, indices_or_sections):
    return _split(x, indices_or_sections, 2, even=True)


@keras_op
def tile(x, repeats):
    x = convert(x)
    repeats = [int(r) for r in np.asarray(repeats).reshape(-1)]
    rank = ndim_of(x)
    if len(repeats) < rank:
        repeats = [1] * (rank - len(repeats)) + repeats
    elif len(repeats) > rank:
        x = tf.reshape(x, [1] * (len(repeats) - rank) + _shape_list(x))
    return tf.tile(x, repeats)


@keras_op
def repeat(x, repeats, axis=None):
    x = convert(x)
    if axis is None:
        x, axis = _flatten(x), 0
    return tf.repeat(x, repeats, axis=canonical_axis(axis, ndim_of(x)))


@keras_op
def flip(x, axis=None):
    x = convert(x)
    rank = ndim_of(x)
    axes = list(range(rank)) if axis is None else normalize_axis(axis, rank)
    axes = [axes] if isinstance(axes, int) else list(axes)
    return tf.reverse(x, axes) if axes else x


@keras_op
def fliplr(x):
    return flip(x, axis=1)


@keras_op
def flipud(x):
    return flip(x, axis=0)


@keras_op
def roll(x, shift, axis=None):
    x = convert(x)
    if axis is None:
        shape = _shape_list(x)
        return tf.reshape(tf.roll(_flatten(x), shift, axis=0), shape)
    return tf.roll(x, shift, axis=axis)


@keras_op
def rot90(array, k=1, axes=(0, 1)):
    x = convert(array)
    rank = ndim_of(x)
    if rank < 2:
        raise ValueError(f"rot90 needs an input of rank >= 2; got rank {rank}.")
    a, b = (canonical_axis(axes[0], rank), canonical_axis(axes[1], rank))
    if a == b:
        raise ValueError("rot90: the two axes must differ.")
    k = int(k) % 4
    if k == 0:
        return x
    if k == 2:
        return tf.reverse(x, [a, b])
    perm = list(range(rank))
    perm[a], perm[b] = perm[b], perm[a]
    if k == 1:
        return tf.transpose(tf.reverse(x, [b]), perm)
    return tf.reverse(tf.transpose(x, perm), [b])


@keras_op
def pad(x, pad_width, mode="constant", constant_values=None):
    x = convert(x)
    rank = ndim_of(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (rank, 2)).tolist()
    if mode == "constant":
        value = 0 if constant_values is None else constant_values
        return tf.pad(x, widths, mode="CONSTANT",
                      constant_values=convert(value, x.dtype))
    if constant_values is not None:
        raise ValueError("pad: `constant_values` is only allowed with mode='constant'; "
                         f"got mode={mode!r}.")
    if mode in ("reflect", "symmetric"):
        return tf.pad(x, widths, mode=mode.upper())
    raise ValueError(f"pad mode {mode!r} is not supported by tensorflux; use 'constant', "
                     "'reflect' or 'symmetric'.")


@keras_op
def diff(a, n=1, axis=-1):
    x = convert(a)
    axis = canonical_axis(axis, ndim_of(x))
    for _ in range(int(n)):
        lower, upper = _split_pairs(x, axis)
        x = upper - lower
    return x


# ---- creation -------------------------------------------------------------------------------

@keras_op
def arange(start, stop=None, step=None, dtype=None):
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if dtype is None:
        kinds = [getattr(v, "dtype", type(v)) for v in (start, stop, step)]
        kinds = [standardize_dtype(k) if not isinstance(k, type) else k for k in kinds]
        dtype = result_type(*kinds)
    dtype = standardize_dtype(dtype)
    if builtins.all(not isinstance(v, Tensor) and not hasattr(v, "_as_tensor")
                    for v in (start, stop, step)):
        return tf.constant(np.arange(start, stop, step).astype(
            tf.as_dtype(dtype).as_numpy_dtype))
    compute = "float64" if tf.as_dtype(dtype).is_floating else "int64"
    start, stop, step = (convert(v, compute) for v in (start, stop, step))
    return tf.cast(tf.range(start, stop, step), dtype)


@keras_op
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    target = standardize_dtype(dtype) if dtype is not None else result_type(
        _value_dtype(start), _value_dtype(stop), float)
    compute = "float64" if target == "float64" else "float32"
    start_t, stop_t = convert(start, compute), convert(stop, compute)
    first = start_t + tf.zeros_like(stop_t)     # both broadcast to one shape
    last = stop_t + tf.zeros_like(start_t)
    num = int(num)
    step = (last - first) / _const(builtins.max((num - 1) if endpoint else num, 1), compute)
    rank = ndim_of(first)
    counts = tf.reshape(tf.range(0, num, dtype=compute), [num] + [1] * rank)
    values = first[None] + counts * step[None]
    if endpoint and num > 1:    # the last value is exactly `stop`
        values = tf.concat([values[:-1], last[None]], axis=0)
    if rank and axis != 0:
        values = moveaxis(values, 0, axis)
    if tf.as_dtype(target).is_integer:
        values = tf.floor(values)
    values = _cast(values, target)
    if retstep:
        return values, step
    return values


@keras_op
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    target = standardize_dtype(dtype) if dtype is not None else result_type(
        _value_dtype(start), _value_dtype(stop), float)
    compute = "float64" if target == "float64" else "float32"
    exponents = linspace(start, stop, num=num, endpoint=endpoint, dtype=compute, axis=axis)
    return _cast(tf.pow(convert(base, compute), exponents), target)


@keras_op
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    target = standardize_dtype(dtype) if dtype is not None else result_type(
        _value_dtype(start), _value_dtype(stop), float)
    compute = "float64" if target == "float64" else "float32"
    start_t, stop_t = convert(start, compute), convert(stop, compute)
    logs = linspace(tf.math.log(tf.abs(start_t)), tf.math.log(tf.abs(stop_t)), num=num,
                    endpoint=endpoint, dtype=compute, axis=axis)
    return _cast(tf.sign(start_t) * tf.exp(logs), target)


def _creation_dtype(dtype):
    return standardize_dtype(dtype) if dtype is not None else floatx()


@keras_op
def zeros(shape, dtype=None):
    return tf.zeros(_shape_arg(shape), dtype=_creation_dtype(dtype))


@keras_op
def ones(shape, dtype=None):
    return tf.ones(_shape_arg(shape), dtype=_creation_dtype(dtype))


@keras_op
def empty(shape, dtype=None):
    return zeros(shape, dtype=dtype)


@keras_op
def full(shape, fill_value, dtype=None):
    value = convert(fill_value, _creation_dtype(dtype))
    return tf.broadcast_to(value, _shape_arg(shape))


def _like_dtype(x, dtype):
    return standardize_dtype(dtype) if dtype is not None else x.dtype.name


@keras_op
def zeros_like(x, dtype=None):
    x = convert(x)
    return tf.zeros_like(x, dtype=_like_dtype(x, dtype))


@keras_op
def ones_like(x, dtype=None):
    x = convert(x)
    return tf.ones_like(x, dtype=_like_dtype(x, dtype))


@keras_op
def empty_like(x, dtype=None):
    return zeros_like(x, dtype=dtype)


@keras_op
def full_like(x, fill_value, dtype=None):
    x = convert(x)
    value = convert(fill_value, _like_dtype(x, dtype))
    return tf.broadcast_to(value, tf.shape(x))


@keras_op
def eye(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    dtype = _creation_dtype(dtype)
    return tf.constant(np.eye(int(N), int(M), int(k), dtype=tf.as_dtype(dtype).as_numpy_dtype))


@keras_op
def identity(n, dtype=None):
    return eye(n, dtype=dtype)


@keras_op
def tri(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    dtype = _creation_dtype(dtype)
    return tf.constant(np.tri(int(N), int(M), int(k), dtype=tf.as_dtype(dtype).as_numpy_dtype))


def _triangle_mask(x, k, lower):
    rows, cols = _dim(x, -2), _dim(x, -1)
    row_ids = tf.reshape(tf.range(rows), [-1, 1])
    col_ids = tf.reshape(tf.range(cols), [1, -1])
    if lower:
        return tf.less_equal(col_ids - row_ids, tf.constant(int(k)))
    return tf.greater_equal(col_ids - row_ids, tf.constant(int(k)))


@keras_op
def tril(x, k=0):
    x = convert(x)
    return tf.where(tf.broadcast_to(_triangle_mask(x, k, True), tf.shape(x)), x,
                    tf.zeros_like(x))


@keras_op
def triu(x, k=0):
    x = convert(x)
    return tf.where(tf.broadcast_to(_triangle_mask(x, k, False), tf.shape(x)), x,
                    tf.zeros_like(x))


@keras_op
def array(x, dtype=None):
    return convert(x, dtype)


@keras_op
def copy(x):
    return tf.identity(convert(x))


@keras_op
def meshgrid(*x, indexing="xy"):
    xs = [convert(v) for v in x]
    return list(tf.meshgrid(*xs, indexing=indexing))


# ---- diagonals and linear algebra -----------------------------------------------------------

def _diag_matrix(v, k):
    """The square matrix with v on diagonal k."""
    matrix = tf.linalg.diag(v)
    if k == 0:
        return matrix
    offset = builtins.abs(k)
    paddings = [[0, offset], [offset, 0]] if k > 0 else [[offset, 0], [0, offset]]
    return tf.pad(matrix, paddings)


def _diag_part(x, k):
    """Diagonal k of the matrices in the last two axes of x."""
    if k == 0:
        return tf.linalg.diag_part(x)
    rows, cols = _dim(x, -2), _dim(x, -1)
    if not isinstance(rows, int) or not isinstance(cols, int):
        raise ValueError("diagonal with an offset needs statically known matrix sizes.")
    first_row, first_col = builtins.max(-k, 0), builtins.max(k, 0)
    length = builtins.max(0, builtins.min(rows - first_row, cols - first_col))
    flat_indices = [(first_row + i) * cols + first_col + i for i in range(length)]
    flat = tf.reshape(x, _stack_shape(_shape_list(x)[:-2] + [rows * cols]))
    return tf.gather(flat, tf.constant(flat_indices, dtype="int32"), axis=ndim_of(x) - 2)


@keras_op
def diag(x, k=0):
    x = convert(x)
    rank = ndim_of(x)
    if rank == 1:
        return _diag_matrix(x, int(k))
    if rank == 2:
        return _diag_part(x, int(k))
    raise ValueError(f"diag needs a 1-D or 2-D input; got rank {rank}.")


@keras_op
def diagflat(x, k=0):
    return diag(ravel(x), k=k)


@keras_op
def diagonal(x, offset=0, axis1=0, axis2=1):
    x = convert(x)
    rank = ndim_of(x)
    a, b = canonical_axis(axis1, rank), canonical_axis(axis2, rank)
    return _diag_part(_move_to_end(x, (a, b)), int(offset))


@keras_op
def trace(x, offset=0, axis1=0, axis2=1):
    x = convert(x)
    x = _cast(x, _sum_dtype(x.dtype.name))
    return tf.reduce_sum(diagonal(x, offset, axis1, axis2), axis=-1)


@keras_op
def matmul(x1, x2):
    x1, x2 = promote(x1, x2)
    if x1.dtype.name in ("bool", "int8", "int16", "uint8", "uint16"):
        x1, x2 = _cast(x1, "int32"), _cast(x2, "int32")
    if ndim_of(x1) == 1 and ndim_of(x2) == 1:
        return tf.reduce_sum(x1 * x2)
    if ndim_of(x1) == 1:
        return tf.squeeze(tf.matmul(x1[None], x2), -2)
    if ndim_of(x2) == 1:
        return tf.squeeze(tf.matmul(x1, x2[:, None]), -1)
    return tf.matmul(x1, x2)


@keras_op
def dot(x1, x2):
    x1, x2 = promote(x1, x2)
    if ndim_of(x1) == 0 or ndim_of(x2) == 0:
        return multiply(x1, x2)
    if ndim_of(x2) == 1:
        return tf.tensordot(x1, x2, [[ndim_of(x1) - 1], [0]])
    return tf.tensordot(x1, x2, [[ndim_of(x1) - 1], [ndim_of(x2) - 2]])


@keras_op
def vdot(x1, x2):
    x1, x2 = promote(x1, x2)
    return tf.reduce_sum(conj(_flatten(x1)) * _flatten(x2))


@keras_op
def inner(x1, x2):
    x1, x2 = promote(x1, x2)
    if ndim_of(x1) == 0 or ndim_of(x2) == 0:
        return multiply(x1, x2)
    return tf.tensordot(x1, x2, [[ndim_of(x1) - 1], [ndim_of(x2) - 1]])


@keras_op
def outer(x1, x2):
    x1, x2 = promote(x1, x2)
    return tf.reshape(x1, [-1, 1]) * tf.reshape(x2, [1, -1])


@keras_op
def tensordot(x1, x2, axes=2):
    x1, x2 = promote(x1, x2)
    return tf.tensordot(x1, x2, axes)


@keras_op
def einsum(subscripts, *operands, **kwargs):
    operands = promote(*operands)
    return tf.einsum(subscripts, *operands)


@keras_op
def kron(x1, x2):
    x1, x2 = promote(x1, x2)
    rank = builtins.max(ndim_of(x1), ndim_of(x2))
    x1 = tf.reshape(x1, [1] * (rank - ndim_of(x1)) + _shape_list(x1))
    x2 = tf.reshape(x2, [1] * (rank - ndim_of(x2)) + _shape_list(x2))
    # interleave: x1 axes at even positions, x2 axes at odd ones, then merge pairs
    a = tf.reshape(x1, [s for d in _shape_list(x1) for s in (d, 1)])
    b = tf.reshape(x2, [s for d in _shape_list(x2) for s in (1, d)])
    product = a * b
    return tf.reshape(product, [p * q for p, q in zip(_shape_list(x1), _shape_list(x2))])


@keras_op
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    x1, x2 = promote(x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(x1, axisa, -1)
    b = moveaxis(x2, axisb, -1)
    if _dim(a, -1) == 2:
        a = tf.pad(a, [[0, 0]] * (ndim_of(a) - 1) + [[0, 1]])
    if _dim(b, -1) == 2:
        b = tf.pad(b, [[0, 0]] * (ndim_of(b) - 1) + [[0, 1]])
    a0, a1, a2 = tf.unstack(a, 3, axis=-1)
    b0, b1, b2 = tf.unstack(b, 3, axis=-1)
    result = tf.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return moveaxis(result, -1, axisc)


@keras_op
def slogdet(x):
    """(sign, log|det|) of (batches of) square matrices."""
    x = to_float(x)
    determinant = tf.linalg.det(x)
    return tf.sign(determinant), tf.math.log(tf.abs(determinant))


@keras_op
def corrcoef(x):
    """Pearson correlation coefficients of the rows of x (variables x observations)."""
    x = to_float(x)
    centred = x - tf.reduce_mean(x, axis=-1, keepdims=True)
    covariance = tf.matmul(centred, centred, transpose_b=True)
    scale = tf.sqrt(tf.linalg.diag_part(covariance))
    result = covariance / (scale[:, None] * scale[None, :])
    return tf.clip_by_value(result, _const(-1, result.dtype), _const(1, result.dtype))


@keras_op
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of y by the trapezoidal rule (sample points x, or spacing dx)."""
    y = to_float(y)
    axis = canonical_axis(axis, ndim_of(y))
    pieces = _split_pairs(y, axis)
    if x is None:
        return tf.reduce_sum((pieces[0] + pieces[1]) * _const(dx, y.dtype) / 2, axis=axis)
    x = _cast(convert(x), y.dtype.name)
    if ndim_of(x) == 1 and ndim_of(y) > 1:
        shape = [1] * ndim_of(y)
        shape[axis] = -1
        x = tf.reshape(x, shape)
    spacing = diff(x, axis=axis if ndim_of(x) > 1 else -1)
    return tf.reduce_sum((pieces[0] + pieces[1]) * spacing / 2, axis=axis)


def _split_pairs(y, axis):
    """(y[..., :-1, ...], y[..., 1:, ...]) along axis."""
    size = _dim(y, axis)
    shape = [-1] * ndim_of(y)
    shape[axis] = size - 1
    begin_hi = [0] * ndim_of(y)
    begin_hi[axis] = 1
    return tf.slice(y, [0] * ndim_of(y), _stack_shape(shape)), \
        tf.slice(y, begin_hi, _stack_shape(shape))


def _window(values):
    return tf.constant(np.asarray(values, dtype=np.dtype(floatx())))


def _window_length(x):
    if isinstance(x, Tensor):
        x = x.numpy()
    return int(x)


@keras_op
def bartlett(x):
    return _window(np.bartlett(_window_length(x)))


@keras_op
def blackman(x):
    return _window(np.blackman(_window_length(x)))


@keras_op
def hamming(x):
    return _window(np.hamming(_window_length(x)))


@keras_op
def hanning(x):
    return _window(np.hanning(_window_length(x)))


# ---- indexing and selection -----------------------------------------------------------------

def _index_tensor(indices):
    indices = convert(indices)
    if indices.dtype.is_floating or indices.dtype.name == "bool":
        indices = _cast(indices, "int32")
    return indices


@keras_op
def take(x, indices, axis=None):
    x = convert(x)
    indices = _index_tensor(indices)
    if axis is None:
        x, axis = _flatten(x), 0
    axis = canonical_axis(axis, ndim_of(x))
    size = _dim(x, axis)
    size = tf.cast(size, indices.dtype) if isinstance(size, Tensor) else \
        convert(size, indices.dtype)
    indices = tf.where(indices < 0, indices + size, indices)
    return tf.gather(x, indices, axis=axis)


@keras_op
def take_along_axis(x, indices, axis=None):
    x = convert(x)
    indices = _index_tensor(indices)
    if axis is None:
        x, axis = _flatten(x), 0
        indices = _flatten(indices)
    rank = ndim_of(x)
    axis = canonical_axis(axis, rank)
    if ndim_of(indices) != rank:
        raise ValueError(f"take_along_axis: `indices` must have the rank of `x` ({rank}); "
                         f"got {ndim_of(indices)}.")
    size = _dim(x, axis)
    size_t = tf.cast(size, indices.dtype) if isinstance(size, Tensor) else \
        convert(size, indices.dtype)
    indices = tf.where(indices < 0, indices + size_t, indices)
    # broadcast the other axes of x and indices against each other
    x_shape, i_shape = _shape_list(x), _shape_list(indices)
    x_target = [i_shape[d] if d == axis else None for d in range(rank)]
    i_target = [None] * rank
    for d in range(rank):
        if d == axis:
            continue
        xd, idd = x_shape[d], i_shape[d]
        common = idd if (isinstance(xd, int) and xd == 1) else xd
        x_target[d] = x_shape[d] if not (isinstance(xd, int) and xd == 1) else idd
        i_target[d] = common
    x_target[axis] = x_shape[axis]
    i_target[axis] = i_shape[axis]
    x = _broadcast_keep_rank(x, x_target)
    indices = _broadcast_keep_rank(indices, i_target)
    moved_x = _move_to_end(x, (axis,))
    moved_i = _move_to_end(indices, (axis,))
    # the registered TakeAlongAxis op works on the last axis and differentiates
    gathered = _apply_op("TakeAlongAxis", [moved_x, moved_i])
    return moveaxis(gathered, -1, axis)


def _broadcast_keep_rank(x, dims):
    result = tf.broadcast_to(x, _stack_shape(dims))
    if result.shape.rank is None:
        result.set_shape([d if isinstance(d, int) else None for d in dims])
    return result


def _stack_shape(dims):
    if builtins.all(isinstance(d, int) for d in dims):
        return dims
    return tf.stack([tf.cast(d, "int32") if isinstance(d, Tensor) else d for d in dims])


@keras_op
def where(condition, x1=None, x2=None):
    condition = _to_bool(condition)
    if x1 is None and x2 is None:
        return nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("where: pass both `x1` and `x2`, or neither.")
    x1, x2 = promote(x1, x2)
    return tf.where(condition, x1, x2)


@keras_op
def nonzero(x):
    x = convert(x)
    mask = _to_bool(x)
    indices = tf.cast(tf.where(mask), "int32")
    return tuple(tf.unstack(indices, ndim_of(x), axis=1)) if ndim_of(x) else (indices[:, 0],)


@keras_op
def select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise ValueError("select: `condlist` and `choicelist` need the same length.")
    choices = promote(*choicelist, default)
    result = tf.broadcast_to(choices[-1], tf.shape(choices[0])) if \
        choices[-1].shape.rank == 0 else choices[-1]
    for condition, choice in reversed(list(zip(condlist, choices[:-1]))):
        result = tf.where(_to_bool(condition), choice, result)
    return result


@keras_op
def get_item(x, key):
    return convert(x)[key]


@keras_op
def searchsorted(sorted_sequence, values, side="left"):
    sequence = convert(sorted_sequence)
    values = convert(values)
    sequence, values = promote(sequence, values)
    if ndim_of(sequence) != 1:
        raise ValueError("searchsorted needs a 1-D `sorted_sequence`.")
    expanded = tf.expand_dims(values, -1)
    if side == "left":
        below = tf.less(sequence, expanded)
    elif side == "right":
        below = tf.less_equal(sequence, expanded)
    else:
        raise ValueError(f"side must be 'left' or 'right'; got {side!r}.")
    return tf.reduce_sum(tf.cast(below, "int32"), axis=-1)


@keras_op
def digitize(x, bins):
    x, bins = promote(x, bins)
    return tf.reduce_sum(tf.cast(tf.greater_equal(tf.expand_dims(x, -1), bins), "int32"),
                         axis=-1)


@keras_op
def bincount(x, weights=None, minlength=0, sparse=False):
    x = convert(x)
    if sparse:
        raise ValueError("bincount: sparse outputs are not supported by tensorflux.")
    if weights is not None:
        weights = convert(weights)
        dtype = weights.dtype.name
        if dtype in ("bool", "int8", "int16", "uint8", "uint16"):
            dtype = "int32"
        weights = _cast(weights, dtype)
    else:
        dtype = "int32"
    if ndim_of(x) == 2:
        return tf.math.bincount(x, weights=weights, minlength=minlength, dtype=dtype, axis=-1)
    return tf.math.bincount(x, weights=weights, minlength=minlength, dtype=dtype)


@keras_op
def unravel_index(indices, shape):
    indices = _index_tensor(indices)
    dims = [int(d) for d in shape]
    coords, rest = [], indices
    for d in reversed(dims):
        coords.append(tf.math.floormod(rest, convert(d, indices.dtype)))
        rest = tf.math.floordiv(rest, convert(d, indices.dtype))
    return tuple(reversed(coords))


@keras_op
def isin(x1, x2, assume_unique=False, invert=False):
    x1, x2 = promote(x1, x2)
    found = tf.reduce_any(tf.equal(tf.expand_dims(x1, -1), _flatten(x2)), axis=-1)
    return tf.logical_not(found) if invert else found


# ---- sorting --------------------------------------------------------------------------------

@keras_op
def sort(x, axis=-1):
    x = convert(x)
    if axis is None:
        return tf.sort(_flatten(x))
    if x.dtype.name == "bool":
        return _cast(tf.sort(_cast(x, "int32"), axis=axis), "bool")
    return tf.sort(x, axis=axis)


@keras_op
def argsort(x, axis=-1):
    x = convert(x)
    if axis is None:
        x, axis = _flatten(x), 0
    if x.dtype.name == "bool":
        x = _cast(x, "int32")
    return tf.cast(tf.argsort(x, axis=axis, stable=True), "int32")


# ---- size and rank --------------------------------------------------------------------------

def ndim(x):
    """The rank of x as a Python int (also for KerasTensors)."""
    shape = getattr(x, "shape", None)
    if shape is not None and hasattr(shape, "rank"):
        return shape.rank
    return np.ndim(x)


@keras_op
def size(x):
    x = convert(x)
    return tf.size(x)


__all__ = export(globals(), ["ndim"])
__getattr__ = not_implemented_getattr("keras.ops.numpy")
