"""Math ops: elementwise arithmetic and functions, comparisons, casts, reductions, matmul.

Each op is registered once (kernel from `tensorflux.kernels`, a shape rule, a gradient written
with these same ops) and exposed under TensorFlow's name and argument names.
"""
import numpy as np

from tensorflux.framework import context, dtypes, errors
from tensorflux.framework.blas import set_threads_for as set_blas_threads_for
from tensorflux.framework.execute import direct_kernel, eager_error, eager_fast_path
from tensorflux.framework.tensor import _new_tensor
from tensorflux.framework.registry import (broadcast_shape, not_differentiable, register_gradient,
                                           register_op, same_shape)
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.kernels import elementwise as ew
from tensorflux.kernels import reduction as red
from tensorflux.ops._helpers import (apply, binary_inputs, check_dtype, static_axis, to_tensor)

_state = context.state
_ndarray = np.ndarray

__all__ = [
    "add", "subtract", "multiply", "divide", "truediv", "realdiv", "div", "floordiv",
    "floormod", "mod", "truncatediv", "div_no_nan", "negative", "pow", "maximum", "minimum",
    "squared_difference", "abs", "sign", "square", "sqrt", "rsqrt", "exp", "expm1", "log",
    "log1p", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
    "asinh", "acosh", "atanh", "sigmoid", "reciprocal", "floor", "ceil", "round", "rint", "erf",
    "erfc", "lgamma", "digamma", "polygamma", "is_nan", "is_inf", "is_finite", "equal", "not_equal", "less",
    "less_equal", "greater", "greater_equal", "logical_and", "logical_or", "logical_not",
    "logical_xor", "cast", "to_float", "to_int32", "to_int64", "saturate_cast", "add_n",
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_all",
    "reduce_any", "reduce_logsumexp", "reduce_std", "reduce_variance", "reduce_euclidean_norm",
    "argmax", "argmin", "matmul", "cumsum", "cumprod", "clip_by_value", "where", "where_v2",
    "scalar_mul", "log_sigmoid", "softplus", "xlogy", "count_nonzero", "sum_to_shape",
    "log10", "log2", "conj", "real", "imag", "angle",
]


# ---- elementwise unary --------------------------------------------------------------------

def _unary(op_type, kernel, kinds="fciu", tf_name=None):
    op_def = register_op(op_type, kernel, same_shape)
    direct = direct_kernel(op_def)

    def op(x=None, name=None, features=None):
        # tf.nn activations call their argument `features`; math functions call it `x`.
        if x is None:
            x = features
        # Fast path (eager tensor, allowed dtype, no graph, no tape): the kernel's NumPy
        # function on the array, wrapped in a new Tensor, with no dispatch in between.
        if type(x) is Tensor:
            value = x._value
            if value is not None and value.dtype.kind in kinds and _state.eager_enabled \
                    and not _state.graph_stack and not _state.tapes:
                try:
                    result = direct(value)
                except Exception as error:
                    raise eager_error(op_def, (value,), error) from error
                if type(result) is not _ndarray:
                    result = np.asarray(result)
                t = _new_tensor(Tensor)
                t._value = result
                t.op = None
                return t
        x = to_tensor(x)
        if x.dtype._np.kind not in kinds:
            check_dtype(x, kinds, tf_name or op_type)
        return apply(op_type, [x], None, name)
    op.__name__ = tf_name or op_type.lower()
    op.__doc__ = f"Elementwise {op.__name__}(x) (op {op_type})."
    return op


def _np_unary(function):
    def kernel(xp, x):
        return function(x)
    kernel.direct = function
    return kernel


negative = _unary("Neg", _np_unary(np.negative), "fciu", "negative")
abs = _unary("Abs", _np_unary(np.abs), "fci", "abs")  # noqa: A001
sign = _unary("Sign", ew.sign, "fci", "sign")
square = _unary("Square", _np_unary(np.square), "fciu", "square")
sqrt = _unary("Sqrt", _np_unary(np.sqrt), "fc", "sqrt")
rsqrt = _unary("Rsqrt", ew.rsqrt, "fc", "rsqrt")
exp = _unary("Exp", _np_unary(np.exp), "fc", "exp")
expm1 = _unary("Expm1", _np_unary(np.expm1), "fc", "expm1")
log = _unary("Log", _np_unary(np.log), "fc", "log")
log1p = _unary("Log1p", _np_unary(np.log1p), "fc", "log1p")
sin = _unary("Sin", _np_unary(np.sin), "fc", "sin")
cos = _unary("Cos", _np_unary(np.cos), "fc", "cos")
tan = _unary("Tan", _np_unary(np.tan), "fc", "tan")
asin = _unary("Asin", _np_unary(np.arcsin), "fc", "asin")
acos = _unary("Acos", _np_unary(np.arccos), "fc", "acos")
atan = _unary("Atan", _np_unary(np.arctan), "fc", "atan")
sinh = _unary("Sinh", _np_unary(np.sinh), "fc", "sinh")
cosh = _unary("Cosh", _np_unary(np.cosh), "fc", "cosh")
tanh = _unary("Tanh", _np_unary(np.tanh), "fc", "tanh")
asinh = _unary("Asinh", _np_unary(np.arcsinh), "fc", "asinh")
acosh = _unary("Acosh", _np_unary(np.arccosh), "fc", "acosh")
atanh = _unary("Atanh", _np_unary(np.arctanh), "fc", "atanh")
sigmoid = _unary("Sigmoid", ew.sigmoid, "fc", "sigmoid")
softplus = _unary("Softplus", ew.softplus, "f", "softplus")
reciprocal = _unary("Reciprocal", ew.reciprocal, "fc", "reciprocal")
floor = _unary("Floor", _np_unary(np.floor), "f", "floor")
ceil = _unary("Ceil", _np_unary(np.ceil), "f", "ceil")
rint = _unary("Rint", _np_unary(np.rint), "f", "rint")
erf = _unary("Erf", ew.erf, "f", "erf")
lgamma = _unary("Lgamma", ew.lgamma, "f", "lgamma")
digamma = _unary("Digamma", ew.digamma, "f", "digamma")
is_nan = _unary("IsNan", _np_unary(np.isnan), "f", "is_nan")
is_inf = _unary("IsInf", _np_unary(np.isinf), "f", "is_inf")
is_finite = _unary("IsFinite", _np_unary(np.isfinite), "f", "is_finite")
logical_not = _unary("LogicalNot", _np_unary(np.logical_not), "b", "logical_not")
conj = _unary("Conj", _np_unary(np.conj), "fciu", "conj")

for _op_type in ("IsNan", "IsInf", "IsFinite", "LogicalNot"):
    from tensorflux.framework.registry import get_op as _get_op
    _get_op(_op_type).dtype_fn = lambda input_dtypes, attrs: [dtypes.bool]
not_differentiable("Sign", "Floor", "Ceil", "Rint", "IsNan", "IsInf", "IsFinite", "LogicalNot")


def round(x, name=None):  # noqa: A001 - TensorFlow's name
    """Rounds half to even, as TensorFlow does (banker's rounding)."""
    x = to_tensor(x)
    if x.dtype.is_integer:
        return x
    return rint(x, name=name)


def erfc(x, name=None):
    return subtract(1.0, erf(x), name=name)


def log10(x, name=None):
    x = to_tensor(x)
    return divide(log(x), np.log(10.0).astype(x.dtype.as_numpy_dtype), name=name)


def log2(x, name=None):
    x = to_tensor(x)
    return divide(log(x), np.log(2.0).astype(x.dtype.as_numpy_dtype), name=name)


def real(x, name=None):
    x = to_tensor(x)
    return cast(x, x.dtype.real_dtype, name=name) if x.dtype.is_complex else x


def imag(x, name=None):
    x = to_tensor(x)
    if not x.dtype.is_complex:
        return apply("ZerosLike", [x])
    raise errors.UnimplementedError(None, None, "tf.math.imag of complex tensors is not "
                                    "implemented by tensorflux.")


def angle(x, name=None):
    raise errors.UnimplementedError(None, None, "tf.math.angle is not implemented by "
                                    "tensorflux.")


@register_gradient("Neg")
def _neg_grad(op, grad):
    """d(-x) = -dx"""
    return negative(grad)


@register_gradient("Abs")
def _abs_grad(op, grad):
    """d|x| = sign(x) dx"""
    return grad * sign(op.inputs[0])


@register_gradient("Square")
def _square_grad(op, grad):
    """d x^2 = 2 x dx"""
    x = op.inputs[0]
    return grad * (x * 2.0)


@register_gradient("Sqrt")
def _sqrt_grad(op, grad):
    """d sqrt(x) = dx / (2 sqrt(x))"""
    return grad * 0.5 / op.outputs[0]


@register_gradient("Rsqrt")
def _rsqrt_grad(op, grad):
    """d x^-1/2 = -1/2 x^-3/2 dx = -1/2 y^3 dx"""
    y = op.outputs[0]
    return grad * (-0.5) * y * y * y


@register_gradient("Exp")
def _exp_grad(op, grad):
    """d e^x = e^x dx"""
    return grad * op.outputs[0]


@register_gradient("Expm1")
def _expm1_grad(op, grad):
    """d (e^x - 1) = e^x dx"""
    return grad * exp(op.inputs[0])


@register_gradient("Log")
def _log_grad(op, grad):
    """d log x = dx / x"""
    return grad / op.inputs[0]


@register_gradient("Log1p")
def _log1p_grad(op, grad):
    """d log(1 + x) = dx / (1 + x)"""
    return grad / (op.inputs[0] + 1.0)


@register_gradient("Sin")
def _sin_grad(op, grad):
    """d sin x = cos x dx"""
    return grad * cos(op.inputs[0])


@register_gradient("Cos")
def _cos_grad(op, grad):
    """d cos x = -sin x dx"""
    return negative(grad * sin(op.inputs[0]))


@register_gradient("Tan")
def _tan_grad(op, grad):
    """d tan x = (1 + tan^2 x) dx"""
    y = op.outputs[0]
    return grad * (y * y + 1.0)


@register_gradient("Asin")
def _asin_grad(op, grad):
    """d asin x = dx / sqrt(1 - x^2)"""
    x = op.inputs[0]
    return grad * rsqrt(1.0 - x * x)


@register_gradient("Acos")
def _acos_grad(op, grad):
    """d acos x = -dx / sqrt(1 - x^2)"""
    x = op.inputs[0]
    return negative(grad * rsqrt(1.0 - x * x))


@register_gradient("Atan")
def _atan_grad(op, grad):
    """d atan x = dx / (1 + x^2)"""
    x = op.inputs[0]
    return grad / (x * x + 1.0)


@register_gradient("Sinh")
def _sinh_grad(op, grad):
    """d sinh x = cosh x dx"""
    return grad * cosh(op.inputs[0])


@register_gradient("Cosh")
def _cosh_grad(op, grad):
    """d cosh x = sinh x dx"""
    return grad * sinh(op.inputs[0])


@register_gradient("Tanh")
def _tanh_grad(op, grad):
    """d tanh x = (1 - y^2) dx, with y = tanh x"""
    y = op.outputs[0]
    return grad * (1.0 - y * y)


@register_gradient("Asinh")
def _asinh_grad(op, grad):
    """d asinh x = dx / sqrt(x^2 + 1)"""
    x = op.inputs[0]
    return grad * rsqrt(x * x + 1.0)


@register_gradient("Acosh")
def _acosh_grad(op, grad):
    """d acosh x = dx / sqrt(x^2 - 1)"""
    x = op.inputs[0]
    return grad * rsqrt(x * x - 1.0)


@register_gradient("Atanh")
def _atanh_grad(op, grad):
    """d atanh x = dx / (1 - x^2)"""
    x = op.inputs[0]
    return grad / (1.0 - x * x)


@register_gradient("Sigmoid")
def _sigmoid_grad(op, grad):
    """d sigmoid x = y (1 - y) dx"""
    y = op.outputs[0]
    return grad * (y * (1.0 - y))


@register_gradient("Softplus")
def _softplus_grad(op, grad):
    """d log(1 + e^x) = sigmoid(x) dx"""
    return grad * sigmoid(op.inputs[0])


@register_gradient("Reciprocal")
def _reciprocal_grad(op, grad):
    """d (1/x) = -y^2 dx"""
    y = op.outputs[0]
    return negative(grad * y * y)


@register_gradient("Erf")
def _erf_grad(op, grad):
    """d erf x = 2/sqrt(pi) e^(-x^2) dx"""
    x = op.inputs[0]
    return grad * (2.0 / np.sqrt(np.pi)) * exp(negative(x * x))


@register_gradient("Lgamma")
def _lgamma_grad(op, grad):
    """d lgamma x = digamma(x) dx"""
    return grad * digamma(op.inputs[0])


@register_gradient("Digamma")
def _digamma_grad(op, grad):
    """d digamma x = polygamma(1, x) dx"""
    return grad * polygamma(1.0, op.inputs[0])


@register_gradient("Conj")
def _conj_grad(op, grad):
    return conj(grad)


def log_sigmoid(x, name=None):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return negative(softplus(negative(x)), name=name)


# ---- elementwise binary -------------------------------------------------------------------

def _binary(op_type, kernel, kinds="fciu", tf_name=None, out_bool=False):
    op_def = register_op(op_type, kernel, broadcast_shape,
                         (lambda input_dtypes, attrs: [dtypes.bool]) if out_bool else None)
    direct = direct_kernel(op_def)

    def op(x, y, name=None):
        # Fast path: two eager tensors of one allowed dtype, no graph, no tape (see _unary).
        if type(x) is Tensor and type(y) is Tensor:
            xv, yv = x._value, y._value
            if xv is not None and yv is not None and xv.dtype == yv.dtype and \
                    xv.dtype.kind in kinds and _state.eager_enabled and \
                    not _state.graph_stack and not _state.tapes:
                try:
                    result = direct(xv, yv)
                except Exception as error:
                    raise eager_error(op_def, (xv, yv), error) from error
                if type(result) is not _ndarray:
                    result = np.asarray(result)
                t = _new_tensor(Tensor)
                t._value = result
                t.op = None
                return t
        x, y = binary_inputs(x, y, op_type)
        if x.dtype._np.kind not in kinds:
            check_dtype(x, kinds, tf_name or op_type)
        return apply(op_type, [x, y], None, name)
    op.__name__ = tf_name or op_type.lower()
    op.__doc__ = f"Elementwise {op.__name__}(x, y) with broadcasting (op {op_type})."
    return op


def _np_binary(function):
    def kernel(xp, x, y):
        return function(x, y)
    kernel.direct = function
    return kernel


add = _binary("AddV2", _np_binary(np.add), "fciuO", "add")
subtract = _binary("Sub", _np_binary(np.subtract), "fciu", "subtract")
multiply = _binary("Mul", _np_binary(np.multiply), "fciub", "multiply")
realdiv = _binary("RealDiv", _np_binary(np.true_divide), "fc", "realdiv")
floordiv = _binary("FloorDiv", ew.floor_div, "fiu", "floordiv")
floormod = _binary("FloorMod", _np_binary(np.mod), "fiu", "floormod")
truncatediv = _binary("TruncateDiv", ew.truncate_div, "fiu", "truncatediv")
div_no_nan = _binary("DivNoNan", ew.div_no_nan, "fc", "div_no_nan")
pow = _binary("Pow", ew.pow_, "fciu", "pow")  # noqa: A001
maximum = _binary("Maximum", _np_binary(np.maximum), "fiu", "maximum")
minimum = _binary("Minimum", _np_binary(np.minimum), "fiu", "minimum")
squared_difference = _binary("SquaredDifference",
                             lambda xp, x, y: np.square(np.subtract(x, y)), "fciu",
                             "squared_difference")
atan2 = _binary("Atan2", _np_binary(np.arctan2), "f", "atan2")
polygamma = _binary("Polygamma", ew.polygamma, "f", "polygamma")
xlogy = _binary("Xlogy", lambda xp, x, y: np.where(x == 0, np.zeros((), x.dtype),
                                                   x * np.log(np.where(x == 0, 1, y))),
                "fc", "xlogy")
equal = _binary("Equal", _np_binary(np.equal), "fciubO", "equal", out_bool=True)
not_equal = _binary("NotEqual", _np_binary(np.not_equal), "fciubO", "not_equal", out_bool=True)
less = _binary("Less", _np_binary(np.less), "fiu", "less", out_bool=True)
less_equal = _binary("LessEqual", _np_binary(np.less_equal), "fiu", "less_equal", True)
greater = _binary("Greater", _np_binary(np.greater), "fiu", "greater", out_bool=True)
greater_equal = _binary("GreaterEqual", _np_binary(np.greater_equal), "fiu", "greater_equal",
                        True)
logical_and = _binary("LogicalAnd", _np_binary(np.logical_and), "b", "logical_and", True)
logical_or = _binary("LogicalOr", _np_binary(np.logical_or), "b", "logical_or", True)
not_differentiable("FloorDiv", "FloorMod", "TruncateDiv", "Equal", "NotEqual", "Less",
                   "LessEqual", "Greater", "GreaterEqual", "LogicalAnd", "LogicalOr")
mod = floormod


@register_gradient("Polygamma")
def _polygamma_grad(op, grad):
    """d polygamma(n, x) / dx = polygamma(n + 1, x); not differentiable in the order n."""
    n, x = op.inputs
    return None, grad * polygamma(n + 1.0, x)


def logical_xor(x, y, name="LogicalXor"):
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)


def truediv(x, y, name=None):
    """x / y; integer inputs are first cast to floats (int8/16 -> float32, else float64)."""
    x, y = binary_inputs(x, y, "truediv")
    if x.dtype.is_integer:
        target = dtypes.float32 if x.dtype.size <= 2 else dtypes.float64
        x, y = cast(x, target), cast(y, target)
    return realdiv(x, y, name=name)


divide = truediv


def div(x, y, name=None):
    """TF1 `tf.div`: floor division for integers, true division for floats."""
    x, y = binary_inputs(x, y, "div")
    if x.dtype.is_integer:
        return floordiv(x, y, name=name)
    return realdiv(x, y, name=name)


def scalar_mul(scalar, x, name=None):
    return multiply(scalar, x, name=name)


@register_gradient("AddV2")
def _add_grad(op, grad):
    """d(x + y) = dx + dy (the engine sums broadcast gradients back)"""
    return grad, grad


@register_gradient("Sub")
def _sub_grad(op, grad):
    """d(x - y) = dx - dy"""
    return grad, negative(grad)


@register_gradient("Mul")
def _mul_grad(op, grad):
    """d(x y) = y dx + x dy"""
    x, y = op.inputs
    return grad * y, grad * x


@register_gradient("RealDiv")
def _realdiv_grad(op, grad):
    """d(x / y) = dx / y - x / y^2 dy"""
    x, y = op.inputs
    return grad / y, negative(grad) * x / (y * y)


@register_gradient("DivNoNan")
def _div_no_nan_grad(op, grad):
    """as RealDiv, with 0 where y == 0"""
    x, y = op.inputs
    return div_no_nan(grad, y), div_no_nan(negative(grad) * x, y * y)


@register_gradient("Pow")
def _pow_grad(op, grad):
    """d(x^y) = y x^(y-1) dx + x^y log(x) dy (log x taken as 0 where x <= 0)"""
    x, y = op.inputs
    z = op.outputs[0]
    gx = grad * y * pow(x, y - 1.0) if x.dtype.is_floating else None
    if x.dtype.is_floating:
        safe_log = where(greater(x, 0.0), log(where(greater(x, 0.0), x, 1.0)), 0.0 * x)
        gy = grad * z * safe_log
    else:
        gy = None
    return gx, gy


def _select_grad_parts(op, grad, pick_x):
    x, y = op.inputs
    mask = pick_x(x, y)
    zeros = apply("ZerosLike", [grad])
    return where(mask, grad, zeros), where(mask, zeros, grad)


@register_gradient("Maximum")
def _maximum_grad(op, grad):
    """the gradient goes to the larger input (to x on ties, as TF)"""
    return _select_grad_parts(op, grad, greater_equal)


@register_gradient("Minimum")
def _minimum_grad(op, grad):
    """the gradient goes to the smaller input (to x on ties, as TF)"""
    return _select_grad_parts(op, grad, less_equal)


@register_gradient("SquaredDifference")
def _squared_difference_grad(op, grad):
    """d (x - y)^2 = 2 (x - y) (dx - dy)"""
    x, y = op.inputs
    g = grad * 2.0 * (x - y)
    return g, negative(g)


@register_gradient("Atan2")
def _atan2_grad(op, grad):
    """d atan2(y, x): (x dy - y dx) / (x^2 + y^2); here inputs are (y, x)"""
    y, x = op.inputs
    denominator = x * x + y * y
    return grad * x / denominator, negative(grad) * y / denominator


@register_gradient("Xlogy")
def _xlogy_grad(op, grad):
    """d x log y = log y dx + x / y dy (0 where x == 0)"""
    x, y = op.inputs
    return grad * xlogy(apply("OnesLike", [x]), y), grad * div_no_nan(x, y)


# ---- casts, selection, accumulation -------------------------------------------------------

def _dtype_attr(input_dtypes, attrs):
    """Ops whose output dtype is their `dtype` attr (a NumPy type)."""
    return [dtypes.as_dtype(attrs["dtype"])]


register_op("Cast", ew.cast, same_shape, _dtype_attr)


@register_gradient("Cast")
def _cast_grad(op, grad):
    """the gradient is cast back to the input's dtype (none for integer inputs)"""
    source = op.inputs[0].dtype
    if source.is_floating or source.is_complex:
        return cast(grad, source)
    return None


def cast(x, dtype, name=None):
    """Casts `x` to `dtype`; floats to integers truncate toward zero, as in TensorFlow."""
    dtype = dtypes.as_dtype(dtype)
    if hasattr(x, "indices") and hasattr(x, "dense_shape"):
        return type(x)(x.indices, cast(x.values, dtype), x.dense_shape)
    x = to_tensor(x, dtype_hint=dtype) if type(x) is not Tensor else x
    if x.dtype == dtype:
        return x
    if x.dtype == dtypes.string or dtype == dtypes.string:
        raise errors.UnimplementedError(None, None, f"Cast string to {dtype.name} is not "
                                        "supported; use tf.strings.to_number.")
    return apply("Cast", [x], {"dtype": dtype.as_numpy_dtype}, name)


def saturate_cast(value, dtype, name=None):
    dtype = dtypes.as_dtype(dtype)
    value = to_tensor(value)
    if dtype.is_integer or dtype.is_floating:
        value = clip_by_value(value, max(dtype.min, value.dtype.min) if value.dtype.is_numeric
                              else dtype.min, min(dtype.max, value.dtype.max))
    return cast(value, dtype, name=name)


def to_float(x, name="ToFloat"):
    return cast(x, dtypes.float32, name=name)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64, name=name)


def _add_n_shape(inputs, attrs):
    return broadcast_shape(inputs, attrs)


register_op("AddN", ew.add_n, _add_n_shape)


@register_gradient("AddN")
def _add_n_grad(op, grad):
    """d(sum x_i) = sum dx_i"""
    return [grad] * len(op.inputs)


def add_n(inputs, name=None):
    """Sums a list of tensors of the same shape and dtype."""
    if not inputs:
        raise ValueError("inputs must be a non-empty list of tensors.")
    tensors = [to_tensor(t) for t in inputs]
    if len(tensors) == 1:
        return tensors[0]
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        if t.dtype != dtype:
            raise TypeError(f"add_n: all inputs must have the same dtype; got {dtype.name} "
                            f"and {t.dtype.name}.")
    return apply("AddN", tensors, None, name)


def _select_shape(inputs, attrs):
    return broadcast_shape(inputs, attrs) if inputs[0].shape.rank != 1 or \
        (inputs[1].shape.rank or 0) <= 1 else broadcast_shape(inputs[1:], attrs)


register_op("Select", ew.select, _select_shape,
            lambda input_dtypes, attrs: [input_dtypes[1]])


@register_gradient("Select")
def _select_grad(op, grad):
    """the gradient flows to x where the condition holds, to y elsewhere"""
    condition = op.inputs[0]
    zeros = apply("ZerosLike", [grad])
    return (None, apply("Select", [condition, grad, zeros]),
            apply("Select", [condition, zeros, grad]))


def where(condition, x=None, y=None, name=None):
    """Selects from x where `condition` is true and from y elsewhere (with broadcasting).

    With only `condition`, returns the int64 coordinates of its true elements, shape
    (num_true, rank).
    """
    condition = to_tensor(condition)
    if x is None and y is None:
        from tensorflux.ops import array_ops
        return array_ops.where_indices(condition, name=name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    if condition.dtype != dtypes.bool:
        condition = cast(condition, dtypes.bool)
    x, y = binary_inputs(x, y, "SelectV2")
    return apply("Select", [condition, x, y], None, name)


where_v2 = where


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clips values to [clip_value_min, clip_value_max]; the gradient is 1 inside the range."""
    t = to_tensor(t)
    lo = to_tensor(clip_value_min, dtype_hint=t.dtype)
    hi = to_tensor(clip_value_max, dtype_hint=t.dtype)
    if lo.dtype != t.dtype or hi.dtype != t.dtype:
        raise errors.InvalidArgumentError(None, None, "clip_by_value: the bounds must have the "
                                          f"dtype of t ({t.dtype.name}).")
    return apply("ClipByValue", [t, lo, hi], None, name)


register_op("ClipByValue", ew.clip_by_value, lambda inputs, attrs: [inputs[0].shape])


@register_gradient("ClipByValue")
def _clip_grad(op, grad):
    """dx inside [lo, hi], 0 outside; the bounds get the clipped parts"""
    x, lo, hi = op.inputs
    inside = logical_and(greater_equal(x, lo), less_equal(x, hi))
    zeros = apply("ZerosLike", [grad])
    below = less(x, lo)
    above = greater(x, hi)
    return (apply("Select", [inside, grad, zeros]), where(below, grad, zeros),
            where(above, grad, zeros))


# ---- reductions -------------------------------------------------------------------------

def _reduce_shape(inputs, attrs):
    shape = inputs[0].shape
    axis, keepdims = attrs["axis"], attrs["keepdims"]
    if shape.rank is None:
        return [TensorShape(None)]
    rank = shape.rank
    axes = set(range(rank)) if axis is None else {a % rank if rank else a for a in
                                                  ((axis,) if isinstance(axis, int) else axis)}
    for a in ((axis,) if isinstance(axis, int) else (axis or ())):
        if not -max(rank, 1) <= a < max(rank, 1):
            raise errors.InvalidArgumentError(None, None, f"Invalid reduction dimension {a} "
                                              f"for input with {rank} dimensions.")
    dims = []
    for i, d in enumerate(shape.as_tuple()):
        if i in axes:
            if keepdims:
                dims.append(1)
        else:
            dims.append(d)
    return [TensorShape(dims)]


_REDUCTION_KERNELS = {}


def _register_reduction(op_type, kernel, dtype_fn=None):
    register_op(op_type, kernel, _reduce_shape, dtype_fn)
    _REDUCTION_KERNELS[op_type] = kernel


_register_reduction("Sum", red.reduce_sum)
_register_reduction("Mean", red.reduce_mean)
_register_reduction("Max", red.reduce_max)
_register_reduction("Min", red.reduce_min)
_register_reduction("Prod", red.reduce_prod)
_register_reduction("All", red.reduce_all)
_register_reduction("Any", red.reduce_any)
not_differentiable("All", "Any")


def _reduction(op_type, input_tensor, axis, keepdims, name, reduction_indices=None,
               keep_dims=None, kinds="fciu"):
    if reduction_indices is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'reduction_indices'.")
        axis = reduction_indices
    if keep_dims is not None:
        keepdims = keep_dims
    if type(input_tensor) is Tensor and (axis is None or type(axis) is int):
        value = input_tensor._value
        if value is not None and value.dtype.kind in kinds and _state.eager_enabled and \
                not _state.graph_stack and not _state.tapes and \
                (axis is None or -value.ndim <= axis < max(value.ndim, 1)):
            result = _REDUCTION_KERNELS[op_type](np, value, axis, bool(keepdims))
            if type(result) is not _ndarray:
                result = np.asarray(result)
            t = _new_tensor(Tensor)
            t._value = result
            t.op = None
            return t
    x = to_tensor(input_tensor)
    if x.dtype._np.kind not in kinds:
        check_dtype(x, kinds, op_type)
    axis = static_axis(axis)
    if isinstance(axis, tuple) and len(axis) == 0:
        return x if not keepdims else x
    return apply(op_type, [x], {"axis": axis, "keepdims": bool(keepdims)}, name)


_add_reduce = np.add.reduce


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None,
               keep_dims=None):
    """Sum over `axis` (all axes when None). TF1's `reduction_indices` is an alias of axis."""
    if type(input_tensor) is Tensor and axis is None and not keepdims and \
            reduction_indices is None and keep_dims is None:
        # Fast path, the commonest call: an eager float tensor summed whole. NumPy keeps a
        # float sum in the input's dtype, as TF does (integers go the general way: NumPy
        # would widen int32 to int64).
        value = input_tensor._value
        if value is not None and value.dtype.kind == "f" and _state.eager_enabled and \
                not _state.graph_stack and not _state.tapes:
            t = _new_tensor(Tensor)
            # a.sum()'s arithmetic, written into a 0-d array (np.asarray of the NumPy scalar
            # a.sum() returns costs as much again)
            t._value = _add_reduce(value, None, None, np.empty((), value.dtype))
            t.op = None
            return t
    return _reduction("Sum", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None,
                keep_dims=None):
    """Mean over `axis`; integer tensors give the truncated integer mean, as in TF."""
    return _reduction("Mean", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_max(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None,
               keep_dims=None):
    return _reduction("Max", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_min(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None,
               keep_dims=None):
    return _reduction("Min", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_prod(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None,
                keep_dims=None):
    return _reduction("Prod", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_all(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None,
               keep_dims=None):
    return _reduction("All", input_tensor, axis, keepdims, name, reduction_indices, keep_dims,
                      kinds="b")


def reduce_any(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None,
               keep_dims=None):
    return _reduction("Any", input_tensor, axis, keepdims, name, reduction_indices, keep_dims,
                      kinds="b")


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None,
                     reduction_indices=None, keep_dims=None):
    """log(sum(exp(x))), computed as m + log(sum(exp(x - m))) with m the (stopped) max."""
    if reduction_indices is not None:
        axis = reduction_indices
    if keep_dims is not None:
        keepdims = keep_dims
    x = to_tensor(input_tensor)
    from tensorflux.ops import array_ops
    m = array_ops.stop_gradient(reduce_max(x, axis, keepdims=True))
    m = where(is_finite(m), m, apply("ZerosLike", [m]))
    result = log(reduce_sum(exp(x - m), axis, keepdims=True)) + m
    if not keepdims:
        result = array_ops.squeeze(result, axis=static_axis(axis)) if axis is not None else \
            array_ops.reshape(result, [])
    return result


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    x = to_tensor(input_tensor)
    mean = reduce_mean(x, axis, keepdims=True)
    return reduce_mean(square(x - mean), axis, keepdims=keepdims, name=name)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    return sqrt(reduce_variance(input_tensor, axis, keepdims), name=name)


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    x = to_tensor(input_tensor)
    return sqrt(reduce_sum(square(x), axis, keepdims), name=name)


def count_nonzero(input, axis=None, keepdims=None, dtype=dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None, input_tensor=None):
    x = to_tensor(input if input_tensor is None else input_tensor)
    if reduction_indices is not None:
        axis = reduction_indices
    keepdims = bool(keepdims or keep_dims)
    zero = apply("ZerosLike", [x])
    return cast(reduce_sum(cast(not_equal(x, zero), dtypes.int64), axis, keepdims), dtype,
                name=name)


# ReduceGrad: broadcasts a reduction's gradient back to the input shape (given as a tensor,
# so unknown dimensions work in graphs). Its own gradient is the reduction again (linear).
def _reduce_grad_shape(inputs, attrs):
    shape_value = inputs[1]._constant_value()
    if shape_value is not None:
        return [TensorShape([int(d) for d in shape_value])]
    if inputs[1].op is not None and inputs[1].op.type == "Shape":
        return [inputs[1].op.inputs[0].shape]
    return [TensorShape(None)]


register_op("ReduceGrad", red.reduce_grad, _reduce_grad_shape)


@register_gradient("ReduceGrad")
def _reduce_grad_grad(op, grad):
    """ReduceGrad is linear: its gradient sums back over the broadcast axes"""
    return reduce_sum(grad, op.attrs["axis"], op.attrs["keepdims"]), None


def _shape_of(x):
    from tensorflux.ops import array_ops
    if x._value is not None:
        return to_tensor(np.asarray(x._value.shape, dtype=np.int32))
    if x.shape.is_fully_defined():
        return to_tensor(np.asarray(x.shape.as_list(), dtype=np.int32))
    return array_ops.shape(x)


def _broadcast_reduced(op, grad):
    return apply("ReduceGrad", [grad, _shape_of(op.inputs[0])],
                 {"axis": op.attrs["axis"], "keepdims": op.attrs["keepdims"]})


@register_gradient("Sum")
def _sum_grad(op, grad):
    """each input element receives the gradient of the sum it went into"""
    return _broadcast_reduced(op, grad)


def _reduced_count(op):
    x, y = op.inputs[0], op.outputs[0]
    if x._value is not None or (x.shape.is_fully_defined() and y.shape.is_fully_defined()):
        xs = x._value.shape if x._value is not None else x.shape.as_list()
        ys = y._value.shape if y._value is not None else y.shape.as_list()
        count = int(np.prod(xs)) // max(int(np.prod(ys)), 1) if int(np.prod(ys)) else 0
        return to_tensor(np.asarray(count, dtype=x.dtype.as_numpy_dtype))
    from tensorflux.ops import array_ops
    return cast(array_ops.size(x), x.dtype) / cast(
        maximum(array_ops.size(y), 1), x.dtype)


@register_gradient("Mean")
def _mean_grad(op, grad):
    """d mean = d sum / n"""
    return _broadcast_reduced(op, grad / _reduced_count(op))


def _min_max_grad(op, grad):
    """the gradient is shared equally among the elements equal to the extreme value"""
    x, y = op.inputs[0], op.outputs[0]
    attrs = {"axis": op.attrs["axis"], "keepdims": op.attrs["keepdims"]}
    shape = _shape_of(x)
    y_full = apply("ReduceGrad", [y, shape], attrs)
    indicators = cast(equal(x, y_full), grad.dtype)
    count = apply("ReduceGrad", [reduce_sum(indicators, attrs["axis"], attrs["keepdims"]),
                                 shape], attrs)
    return indicators / count * apply("ReduceGrad", [grad, shape], attrs)


register_gradient("Max")(_min_max_grad)
register_gradient("Min")(_min_max_grad)


@register_gradient("Prod")
def _prod_grad(op, grad):
    """d prod = prod / x_i dx_i (inputs with zeros use the product of the others)"""
    x = op.inputs[0]
    attrs = {"axis": op.attrs["axis"], "keepdims": op.attrs["keepdims"]}
    shape = _shape_of(x)
    axis = attrs["axis"]
    others = apply("ProdOthers", [x], {"axis": axis})
    return others * apply("ReduceGrad", [grad, shape], attrs)


register_op("ProdOthers", red.prod_others, same_shape)


@register_gradient("ProdOthers")
def _prod_others_grad(op, grad):
    raise errors.UnimplementedError(None, None, "Second-order gradients of tf.reduce_prod are "
                                    "not implemented by tensorflux.")


# ---- arg reductions, scans ----------------------------------------------------------------

def _arg_shape(inputs, attrs):
    return _reduce_shape(inputs, {"axis": attrs["axis"], "keepdims": False})


register_op("ArgMax", red.argmax, _arg_shape, _dtype_attr)
register_op("ArgMin", red.argmin, _arg_shape, _dtype_attr)
not_differentiable("ArgMax", "ArgMin")


def _arg(op_type, input, axis, output_type, name, dimension):
    if dimension is not None:
        axis = dimension
    if axis is None:
        axis = 0
    x = to_tensor(input)
    output_type = dtypes.as_dtype(output_type)
    return apply(op_type, [x], {"axis": static_axis(axis),
                                "dtype": output_type.as_numpy_dtype}, name)


def argmax(input, axis=None, output_type=dtypes.int64, name=None, dimension=None):
    """Index of the largest value along `axis` (default 0); int64 unless output_type says."""
    return _arg("ArgMax", input, axis, output_type, name, dimension)


def argmin(input, axis=None, output_type=dtypes.int64, name=None, dimension=None):
    return _arg("ArgMin", input, axis, output_type, name, dimension)


register_op("Cumsum", red.cumsum, same_shape)
register_op("Cumprod", red.cumprod, same_shape)


@register_gradient("Cumsum")
def _cumsum_grad(op, grad):
    """the gradient of a cumulative sum is the reverse cumulative sum"""
    attrs = dict(op.attrs)
    attrs["reverse"] = not attrs["reverse"]
    return apply("Cumsum", [grad], attrs)


@register_gradient("Cumprod")
def _cumprod_grad(op, grad):
    """d cumprod: reverse cumsum of grad * y, divided by x (inputs must be nonzero)"""
    x, y = op.inputs[0], op.outputs[0]
    attrs = dict(op.attrs)
    attrs["reverse"] = not attrs["reverse"]
    return apply("Cumsum", [grad * y], attrs) / x


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    x = to_tensor(x)
    return apply("Cumsum", [x], {"axis": static_axis(axis), "exclusive": bool(exclusive),
                                 "reverse": bool(reverse)}, name)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    x = to_tensor(x)
    return apply("Cumprod", [x], {"axis": static_axis(axis), "exclusive": bool(exclusive),
                                  "reverse": bool(reverse)}, name)


# ---- matmul -----------------------------------------------------------------------------

def _matmul_kernel(xp, a, b, transpose_a=False, transpose_b=False):
    if transpose_a:
        a = xp.swapaxes(a, -1, -2)
    if transpose_b:
        b = xp.swapaxes(b, -1, -2)
    if a.shape[-1] != b.shape[-2]:
        raise errors.InvalidArgumentError(
            None, None, f"Matrix size-incompatible: In[0]: {list(a.shape)}, In[1]: "
            f"{list(b.shape)}. The last dimension of a ({a.shape[-1]}) must equal the "
            f"second-to-last dimension of b ({b.shape[-2]}).")
    set_blas_threads_for(a.size * b.shape[-1])
    if a.ndim == 2 and b.ndim == 2:
        return a.dot(b)  # the same product for matrices, with less call overhead
    return xp.matmul(a, b)


def _matmul_shape(inputs, attrs):
    a, b = inputs[0].shape, inputs[1].shape
    if a.rank is None or b.rank is None:
        return [TensorShape(None)]
    if a.rank < 2 or b.rank < 2:
        raise ValueError(f"Shape must be rank >= 2 for MatMul, but the inputs have shapes "
                         f"{a} and {b}. Use tf.reshape or tf.expand_dims to make them "
                         "matrices.")
    a_dims, b_dims = a.as_list(), b.as_list()
    m, k1 = (a_dims[-1], a_dims[-2]) if attrs["transpose_a"] else (a_dims[-2], a_dims[-1])
    k2, n = (b_dims[-1], b_dims[-2]) if attrs["transpose_b"] else (b_dims[-2], b_dims[-1])
    if k1 is not None and k2 is not None and k1 != k2:
        raise ValueError(f"Dimensions must be equal, but are {k1} and {k2} for MatMul with "
                         f"input shapes: {a}, {b}. The inner dimensions of a matrix product "
                         "must agree; check the order of the operands or transpose one.")
    batch = broadcast_shape([_Shaped(TensorShape(a_dims[:-2])),
                             _Shaped(TensorShape(b_dims[:-2]))], None)[0]
    return [batch.concatenate([m, n])]


class _Shaped:
    def __init__(self, shape):
        self.shape = shape


_matmul_fast = eager_fast_path(register_op("MatMul", _matmul_kernel, _matmul_shape))


@register_gradient("MatMul")
def _matmul_grad(op, grad):
    """C = A B: dA = dC B^T, dB = A^T dC (with the transpose flags folded in)"""
    a, b = op.inputs
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    if not ta and not tb:
        return matmul(grad, b, transpose_b=True), matmul(a, grad, transpose_a=True)
    if not ta and tb:
        return matmul(grad, b), matmul(grad, a, transpose_a=True)
    if ta and not tb:
        return matmul(b, grad, transpose_b=True), matmul(a, grad)
    return matmul(b, grad, transpose_a=True, transpose_b=True), \
        matmul(grad, a, transpose_a=True, transpose_b=True)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """Matrix product of the last two axes of `a` and `b`, batched over leading axes.

    Raises:
        InvalidArgumentError / ValueError: the inner dimensions differ (names both shapes).
    """
    if type(a) is Tensor and type(b) is Tensor and not (transpose_a or transpose_b or
                                                        adjoint_a or adjoint_b):
        # Fast path: eager operands of one dtype whose inner dimensions agree.
        av, bv = a._value, b._value
        if av is not None and bv is not None and av.dtype == bv.dtype and \
                av.dtype.kind in "fciu" and av.ndim >= 2 and bv.ndim >= 2 and \
                av.shape[-1] == bv.shape[-2] and _state.eager_enabled and \
                not _state.graph_stack and not _state.tapes:
            set_blas_threads_for(av.size * bv.shape[-1])
            t = _new_tensor(Tensor)
            # ndarray.dot is the same product for matrices, with less call overhead
            t._value = av.dot(bv) if av.ndim == 2 and bv.ndim == 2 else np.matmul(av, bv)
            t.op = None
            return t
    a, b = binary_inputs(a, b, "MatMul")
    if a.dtype._np.kind not in "fciu":
        check_dtype(a, "fciu", "MatMul")
    if a._value is not None and b._value is not None:
        rank_a, rank_b = a._value.ndim, b._value.ndim
    else:
        rank_a, rank_b = a.shape.rank, b.shape.rank
    if rank_a is not None and rank_a < 2 or rank_b is not None and rank_b < 2:
        raise errors.InvalidArgumentError(
            None, None, f"In[0] and In[1] must be at least rank 2 for MatMul, got shapes "
            f"{a.shape} and {b.shape}. Use tf.reshape or tf.expand_dims to make them "
            "matrices.")
    attrs = {"transpose_a": bool(transpose_a or adjoint_a),
             "transpose_b": bool(transpose_b or adjoint_b)}
    if a._value is not None and b._value is not None and _state.eager_enabled and \
            not _state.graph_stack and not _state.tapes:
        return _matmul_fast(a._value, b._value, **attrs)
    return apply("MatMul", [a, b], attrs, name)


# ---- helpers for the engine ---------------------------------------------------------------

register_op("SumToShape", red.sum_to_shape, _reduce_grad_shape)


@register_gradient("SumToShape")
def _sum_to_shape_grad(op, grad):
    """the adjoint of summing to a shape is broadcasting back"""
    from tensorflux.ops import array_ops
    return array_ops.broadcast_to(grad, _shape_of(op.inputs[0])), None


def sum_to_shape(x, shape):
    """Sums a broadcast tensor back to `shape` (a list or a shape tensor)."""
    if not isinstance(shape, Tensor):
        shape = to_tensor(np.asarray(list(shape), dtype=np.int32))
    return apply("SumToShape", [x, shape])
