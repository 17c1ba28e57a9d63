"""Writes tests/fixtures/keras_ops.{json,npz} from real Keras 3 (TensorFlow backend).

Run with the reference interpreter (TensorFlow is not a test dependency):

    /tmp/reftf/bin/python tools/make_fixtures_keras_ops.py

Each case calls one `keras.ops` function on small inputs; the fixture records the call (the
function name, its arguments with arrays stored in the .npz) and Keras' result: every output
array and its Keras dtype name. tests/test_keras_ops.py replays the calls on tensorflux.
It also records `keras.backend.result_type` for every pair of dtypes tensorflux supports, and
the public names of keras.ops and its submodules.

A few Keras results are not recorded because Keras' TensorFlow backend gets them wrong or
cannot run them (the tests check tensorflux against NumPy there instead): rot90 with k=2,
sparsemax, vstack of 1-D inputs, prod with `dtype`, isclose of equal infinities.
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import ops  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, os.pardir, "tests", "fixtures", "keras_ops")

rng = np.random.default_rng(20240611)
ARRAYS = {}


def arr(name, value):
    ARRAYS[name] = np.asarray(value)
    return {"array": name}


def T(*items):
    return {"tuple": list(items)}


# ---- inputs ---------------------------------------------------------------------------------
A = arr("a", rng.normal(size=(2, 3)).astype("float32"))
B = arr("b", rng.normal(size=(2, 3)).astype("float32"))
V = arr("v", rng.normal(size=(4,)).astype("float32"))
W = arr("w", rng.normal(size=(4,)).astype("float32"))
C3 = arr("c3", rng.normal(size=(2, 3, 4)).astype("float32"))
POS = arr("pos", rng.uniform(0.5, 2.0, size=(2, 3)).astype("float32"))
UNIT = arr("unit", rng.uniform(-0.9, 0.9, size=(2, 3)).astype("float32"))
BIG = arr("big", rng.uniform(1.1, 3.0, size=(2, 3)).astype("float32"))
I32 = arr("i32", rng.integers(-5, 6, size=(2, 3)).astype("int32"))
I32B = arr("i32b", rng.integers(1, 6, size=(2, 3)).astype("int32"))
I64 = arr("i64", rng.integers(-5, 6, size=(2, 3)).astype("int64"))
I8 = arr("i8", rng.integers(-5, 6, size=(2, 3)).astype("int8"))
U8 = arr("u8", rng.integers(0, 200, size=(2, 3)).astype("uint8"))
F64 = arr("f64", rng.normal(size=(2, 3)).astype("float64"))
F16 = arr("f16", rng.normal(size=(2, 3)).astype("float16"))
BOOL = arr("bool", rng.random(size=(2, 3)) > 0.5)
BOOL2 = arr("bool2", rng.random(size=(2, 3)) > 0.5)
NAN = arr("nan", np.array([[1.0, np.nan, -np.inf], [np.inf, -2.0, 0.5]], "float32"))
SQ = arr("sq", (rng.normal(size=(3, 3)) + 3 * np.eye(3)).astype("float32"))
SQB = arr("sqb", (rng.normal(size=(2, 3, 3)) + 3 * np.eye(3)).astype("float32"))
RHS = arr("rhs", rng.normal(size=(3, 2)).astype("float32"))
M34 = arr("m34", rng.normal(size=(3, 4)).astype("float32"))
M42 = arr("m42", rng.normal(size=(4, 2)).astype("float32"))
B234 = arr("b234", rng.normal(size=(2, 3, 4)).astype("float32"))
B242 = arr("b242", rng.normal(size=(2, 4, 2)).astype("float32"))
SORTED = arr("sorted", np.array([-1.0, 0.0, 0.5, 2.0, 3.0], "float32"))
LOGITS = arr("logits", rng.normal(size=(4, 5)).astype("float32"))
PROBS = arr("probs", (lambda p: p / p.sum(-1, keepdims=True))(
    rng.uniform(0.05, 1.0, size=(4, 5))).astype("float32"))
ONEHOT = arr("onehot", np.eye(5, dtype="float32")[[0, 3, 1, 4]])
LABELS = arr("labels", np.array([0, 3, 1, 4], "int32"))
BTARGET = arr("btarget", (rng.random(size=(4, 3)) > 0.5).astype("float32"))
BPROB = arr("bprob", rng.uniform(0.05, 0.95, size=(4, 3)).astype("float32"))
BLOGIT = arr("blogit", rng.normal(size=(4, 3)).astype("float32"))
IMG = arr("img", rng.uniform(0, 1, size=(2, 6, 5, 3)).astype("float32"))
IMG1 = arr("img1", rng.uniform(0, 1, size=(2, 8, 3)).astype("float32"))
IMG3 = arr("img3", rng.uniform(0, 1, size=(1, 4, 4, 4, 2)).astype("float32"))
K1 = arr("k1", rng.normal(size=(3, 3, 4)).astype("float32"))
K2 = arr("k2", rng.normal(size=(3, 2, 3, 4)).astype("float32"))
K3 = arr("k3", rng.normal(size=(2, 2, 2, 2, 3)).astype("float32"))
KD2 = arr("kd2", rng.normal(size=(3, 3, 3, 2)).astype("float32"))
KD1 = arr("kd1", rng.normal(size=(3, 3, 2)).astype("float32"))
KP2 = arr("kp2", rng.normal(size=(1, 1, 6, 4)).astype("float32"))
KP1 = arr("kp1", rng.normal(size=(1, 6, 4)).astype("float32"))
KT2 = arr("kt2", rng.normal(size=(3, 3, 4, 3)).astype("float32"))
KT1 = arr("kt1", rng.normal(size=(3, 4, 3)).astype("float32"))
KG = arr("kg", rng.normal(size=(3, 3, 1, 6)).astype("float32"))
IDX = arr("idx", np.array([2, 0, -1], "int32"))
IDX2 = arr("idx2", np.array([[0, 2, 1], [1, 1, 0]], "int32"))
SEG = arr("seg", np.array([0, 0, 1, 2], "int32"))
SEGU = arr("segu", np.array([2, 0, 2, 1], "int32"))
DATA4 = arr("data4", rng.normal(size=(4, 2)).astype("float32"))
Q = arr("q", rng.normal(size=(2, 3, 2, 4)).astype("float32"))
KK = arr("kk", rng.normal(size=(2, 5, 2, 4)).astype("float32"))
VV = arr("vv", rng.normal(size=(2, 5, 2, 4)).astype("float32"))
AMASK = arr("amask", rng.random(size=(2, 1, 3, 5)) > 0.3)
SEQ = arr("seq", rng.normal(size=(2, 10)).astype("float32"))
MEAN3 = arr("mean3", rng.normal(size=(3,)).astype("float32"))
VAR3 = arr("var3", rng.uniform(0.5, 2, size=(3,)).astype("float32"))
GAMMA4 = arr("gamma4", rng.normal(size=(4,)).astype("float32"))
BETA4 = arr("beta4", rng.normal(size=(4,)).astype("float32"))
BINS = arr("bins", np.array([-1.0, 0.0, 1.0], "float32"))
CNT = arr("cnt", np.array([0, 1, 1, 3, 2, 1, 7], "int32"))
CNTW = arr("cntw", rng.uniform(0, 1, size=(7,)).astype("float32"))
VEC3A = arr("vec3a", rng.normal(size=(2, 3)).astype("float32"))
VEC3B = arr("vec3b", rng.normal(size=(2, 3)).astype("float32"))
X10 = arr("x10", rng.normal(size=(10,)).astype("float32"))
MH = arr("mh", np.array([[0, 2], [1, 1], [3, 0]], "int32"))
IMGU8 = arr("imgu8", rng.integers(0, 255, size=(1, 4, 4, 3)).astype("uint8"))
UPD = arr("upd", rng.normal(size=(1, 2)).astype("float32"))
SCI = arr("sci", np.array([[0, 1], [1, 2]], "int32"))
SCV = arr("scv", np.array([5.0, 7.0], "float32"))

# ---- cases: (id, function, args, kwargs) ----------------------------------------------------
CASES = []


def case(case_id, fn, *args, **kwargs):
    assert all(c["id"] != case_id for c in CASES), case_id
    CASES.append({"id": case_id, "fn": fn, "args": list(args), "kwargs": kwargs})


for name in ("add", "subtract", "multiply", "divide", "true_divide", "maximum", "minimum",
             "power", "equal", "not_equal", "less", "less_equal", "greater",
             "greater_equal", "arctan2", "hypot", "logaddexp", "logaddexp2", "fmax", "fmin",
             "divide_no_nan", "heaviside"):
    case(f"{name}_ff", name, POS if name == "power" else A, B)
case("add_int_float", "add", I32, A)
case("add_int_scalar_float", "add", I32, 1.5)
case("add_f16_scalar", "add", F16, 2.0)
case("add_i8_u8", "add", I8, U8)
case("add_i8_scalar_int", "add", I8, 3)
case("add_f64_f32", "add", F64, A)
case("add_bool_int", "add", BOOL, I32)
case("subtract_scalar_left", "subtract", 1.0, A)
case("multiply_i64_f16", "multiply", I64, F16)
case("divide_int_int", "divide", I32, I32B)
case("divide_i64_i64", "divide", I64, I64)
case("divide_f16_int", "divide", F16, 3)
case("floor_divide_ff", "floor_divide", A, POS)
case("floor_divide_ii", "floor_divide", I32, I32B)
case("mod_ff", "mod", A, POS)
case("mod_ii", "mod", I32, I32B)
case("fmod_ff", "fmod", A, POS)
case("fmod_ii", "fmod", I32, I32B)
case("power_int", "power", I32B, 2)
case("maximum_int_float_scalar", "maximum", I32, 0.5)
case("equal_int_float", "equal", I32, A)
case("less_scalar", "less", A, 0.0)

for name in ("exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "cbrt", "reciprocal",
             "sin", "cos", "tan", "sinh", "cosh", "tanh", "arctan", "arcsinh", "exp2",
             "deg2rad", "rad2deg", "sinc", "floor", "ceil", "trunc", "round", "sign", "abs",
             "absolute", "fabs", "negative", "square", "signbit", "isnan", "isinf",
             "isfinite", "conj", "conjugate", "real", "imag", "logical_not"):
    source = POS if name in ("log", "log2", "log10", "sqrt", "reciprocal") else A
    case(f"{name}_f32", name, source)
for name in ("arcsin", "arccos", "arctanh"):
    case(f"{name}_f32", name, UNIT)
case("arccosh_f32", "arccosh", BIG)
for name in ("exp", "sqrt", "sin", "log1p", "tanh", "abs", "square", "sign", "negative",
             "floor", "ceil", "trunc", "round", "fabs", "reciprocal", "exp2", "cbrt",
             "deg2rad", "signbit", "isnan"):
    if name != "reciprocal":   # TensorFlow has no CPU kernel for an int reciprocal
        case(f"{name}_int", name, I32)
for name in ("exp", "sqrt", "abs", "square", "mean", "sum"):
    case(f"{name}_bool", name, BOOL)
for name in ("exp", "log1p", "square", "sqrt"):
    case(f"{name}_f64", name, F64 if name != "sqrt" else F64)
case("exp_f16", "exp", F16)
case("round_decimals", "round", A, decimals=2)
case("isnan_nan", "isnan", NAN)
case("isinf_nan", "isinf", NAN)
case("isfinite_nan", "isfinite", NAN)
case("isposinf_nan", "isposinf", NAN)
case("isneginf_nan", "isneginf", NAN)
case("nan_to_num", "nan_to_num", NAN)
case("nan_to_num_values", "nan_to_num", NAN, nan=1.0, posinf=9.0, neginf=-9.0)
case("clip_f32", "clip", A, -0.5, 0.5)
case("clip_int", "clip", I32, -2, 3)
case("clip_bool", "clip", BOOL, 0, 1)
case("angle_f32", "angle", A)
case("isclose", "isclose", A, B, rtol=0.5, atol=0.5)
case("isclose_nan", "isclose", {"array": "nanf"}, {"array": "nanf"}, equal_nan=True)
case("allclose", "allclose", A, A)
for name in ("logical_and", "logical_or", "logical_xor"):
    case(f"{name}_bool", name, BOOL, BOOL2)
    case(f"{name}_float", name, A, I32)
for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
    case(f"{name}_int", name, I32, I32B)
case("left_shift", "left_shift", I32B, 2)
case("right_shift", "right_shift", I32B, 1)
case("bitwise_invert", "bitwise_invert", I32)

# reductions
for name in ("sum", "prod", "mean", "max", "min", "amax", "amin", "std", "var", "ptp",
             "median", "all", "any", "argmax", "argmin", "count_nonzero"):
    case(f"{name}_all", name, A)
    case(f"{name}_axis", name, C3, axis=1)
    if name not in ("count_nonzero",):
        case(f"{name}_axis_keep", name, C3, axis=-1, keepdims=True)
for name in ("sum", "prod", "mean", "max", "min", "std", "var", "all", "any"):
    case(f"{name}_axes", name, C3, axis=T(0, 2))
for name in ("sum", "prod", "mean", "max", "argmax", "std", "cumsum", "cumprod"):
    case(f"{name}_int", name, I32)
for name in ("sum", "prod", "mean", "cumsum"):
    case(f"{name}_i8", name, I8)
    case(f"{name}_u8", name, U8)
    case(f"{name}_f16", name, F16)
case("max_initial", "max", A, axis=0, initial=0.5)
case("min_initial", "min", A, initial=-0.1)
case("argmax_keepdims_none", "argmax", C3, keepdims=True)
case("cumsum_axis", "cumsum", C3, axis=1)
case("cumsum_none", "cumsum", A)
case("cumprod_axis", "cumprod", A, axis=-1)
case("cumsum_dtype", "cumsum", I32, axis=0, dtype="float32")
case("average", "average", C3, axis=1, weights=arr("wt3", np.array([1.0, 2.0, 3.0], "float32")))
case("average_none", "average", A)
case("quantile_scalar", "quantile", C3, 0.3, axis=-1)
case("quantile_vec", "quantile", C3, arr("qs", np.array([0.1, 0.5, 0.9], "float32")), axis=1)
for method in ("lower", "higher", "nearest", "midpoint"):
    case(f"quantile_{method}", "quantile", X10, 0.35, method=method)
case("quantile_keepdims", "quantile", C3, 0.25, axis=T(0, 2), keepdims=True)
case("percentile", "percentile", A, 40.0)
case("median_axis0_keep", "median", C3, axis=0, keepdims=True)
case("nansum", "nansum", arr("nanf", np.array([[1.0, np.nan, 2.0], [np.nan, 3.0, -1.0]],
                                               "float32")), axis=1)
case("nanmean", "nanmean", {"array": "nanf"}, axis=0)
case("nanmax", "nanmax", {"array": "nanf"})
case("nanmin", "nanmin", {"array": "nanf"}, axis=1)
case("nanprod", "nanprod", {"array": "nanf"})
case("nanvar", "nanvar", {"array": "nanf"}, axis=1)
case("nanstd", "nanstd", {"array": "nanf"})
case("nanargmax", "nanargmax", {"array": "nanf"})
case("nanargmax_axis", "nanargmax", {"array": "nanf"}, axis=0)
case("nanargmin_axis_keep", "nanargmin", {"array": "nanf"}, axis=1, keepdims=True)
case("nancumsum", "nancumsum", {"array": "nanf"}, axis=1)
case("nancumprod", "nancumprod", {"array": "nanf"})
case("corrcoef", "corrcoef", M34)
case("trapezoid", "trapezoid", C3)
case("trapezoid_x", "trapezoid", A, x=arr("tx", np.array([0.0, 0.5, 2.0], "float32")))
case("trapezoid_dx", "trapezoid", C3, dx=0.5, axis=1)
case("ldexp", "ldexp", A, I32)
case("isreal", "isreal", A)
case("cdist", "cdist", M34, arr("m24", rng.normal(size=(2, 4)).astype("float32")))
case("cdist_batch", "cdist", B234, arr("b254", rng.normal(size=(2, 5, 4)).astype("float32")))
for window in ("bartlett", "blackman", "hamming", "hanning"):
    case(window, window, 6)

# shapes
case("reshape", "reshape", C3, T(4, -1))
case("reshape_int", "reshape", A, -1)
case("ravel", "ravel", C3)
case("expand_dims", "expand_dims", A, 1)
case("expand_dims_neg", "expand_dims", A, -1)
case("expand_dims_tuple", "expand_dims", A, T(0, 3))
case("squeeze", "squeeze", arr("s1", rng.normal(size=(1, 3, 1)).astype("float32")))
case("squeeze_axis", "squeeze", {"array": "s1"}, axis=-1)
case("squeeze_axes", "squeeze", {"array": "s1"}, axis=T(0, 2))
case("transpose", "transpose", C3)
case("transpose_axes", "transpose", C3, axes=T(1, 0, 2))
case("swapaxes", "swapaxes", C3, 0, 2)
case("moveaxis", "moveaxis", C3, 0, -1)
case("moveaxis_tuple", "moveaxis", C3, T(0, 1), T(2, 0))
case("broadcast_to", "broadcast_to", V, T(3, 4))
case("concatenate", "concatenate", [A, B], axis=1)
case("concatenate_mixed", "concatenate", [A, I32], axis=0)
case("append", "append", A, B)
case("append_axis", "append", A, B, axis=0)
case("stack", "stack", [A, B])
case("stack_axis", "stack", [A, B], axis=-1)
case("hstack", "hstack", [A, B])
case("hstack_1d", "hstack", [V, W])
case("vstack", "vstack", [A, B])
case("dstack", "dstack", [A, B])
case("split_sections", "split", C3, 2, axis=2)
case("split_indices", "split", C3, [1, 3], axis=-1)
case("array_split", "array_split", X10, 3)
case("hsplit", "hsplit", C3, 3)
case("vsplit", "vsplit", C3, 2)
case("dsplit", "dsplit", C3, [1])
case("tile", "tile", A, T(2, 1))
case("tile_int", "tile", V, 2)
case("tile_more", "tile", V, T(2, 1, 2))
case("repeat", "repeat", A, 2)
case("repeat_axis", "repeat", A, 2, axis=1)
case("flip", "flip", C3)
case("flip_axis", "flip", C3, axis=1)
case("fliplr", "fliplr", A)
case("flipud", "flipud", A)
case("roll", "roll", A, 2)
case("roll_axis", "roll", C3, -1, axis=2)
case("rot90", "rot90", A)
case("rot90_k", "rot90", C3, k=3, axes=T(1, 2))
case("pad_constant", "pad", A, T(T(1, 0), T(0, 2)))
case("pad_reflect", "pad", C3, T(T(0, 0), T(1, 1), T(2, 1)), mode="reflect")
case("diff", "diff", C3)
case("diff_n", "diff", X10, n=2, axis=0)
case("tril", "tril", M34)
case("tril_k", "tril", SQB, k=-1)
case("triu", "triu", M34, k=1)
case("diag_vec", "diag", V)
case("diag_vec_k", "diag", V, k=-1)
case("diag_mat", "diag", M34, k=1)
case("diagflat", "diagflat", A)
case("diagonal", "diagonal", C3, offset=1, axis1=1, axis2=2)
case("trace", "trace", SQ)
case("trace_axes", "trace", C3, offset=0, axis1=1, axis2=2)
case("ndim", "ndim", C3)
case("size", "size", C3)

# creation
case("arange_int", "arange", 5)
case("arange_float", "arange", 0.5, 3.0, 0.5)
case("arange_dtype", "arange", 1, 7, 2, dtype="float32")
case("linspace", "linspace", 0.0, 1.0, 5)
case("linspace_noend", "linspace", 0, 10, 4, endpoint=False)
case("linspace_array", "linspace", arr("ls0", np.array([0.0, 1.0], "float32")),
     arr("ls1", np.array([1.0, 3.0], "float32")), 3, axis=1)
case("linspace_int", "linspace", 0, 10, 4, dtype="int32")
case("logspace", "logspace", 0.0, 2.0, 3)
case("geomspace", "geomspace", 1.0, 100.0, 3)
case("zeros", "zeros", T(2, 3))
case("ones_int", "ones", 4, dtype="int32")
case("full", "full", T(2, 2), 3.0)
case("full_int", "full", T(2,), 7)
case("full_dtype", "full", T(2,), 7, dtype="float32")
case("zeros_like", "zeros_like", I32)
case("ones_like_dtype", "ones_like", A, dtype="int32")
case("full_like", "full_like", A, 2)
case("eye", "eye", 3)
case("eye_mk", "eye", 3, 4, k=1, dtype="int32")
case("identity", "identity", 2)
case("tri", "tri", 3, 4, k=-1)
case("array", "array", [[1, 2], [3, 4]])
case("array_float", "array", [1.5, 2.0])
case("array_dtype", "array", [1, 2], dtype="float16")
case("copy", "copy", A)
case("meshgrid", "meshgrid", arr("mg0", np.array([1.0, 2.0, 3.0], "float32")),
     arr("mg1", np.array([4.0, 5.0], "float32")))
case("meshgrid_ij", "meshgrid", {"array": "mg0"}, {"array": "mg1"}, indexing="ij")

# linear algebra
case("matmul", "matmul", M34, M42)
case("matmul_batch", "matmul", B234, B242)
case("matmul_vec", "matmul", M34, V)
case("matmul_int", "matmul", I32, arr("i32t", np.arange(6, dtype="int32").reshape(3, 2)))
case("dot_mat", "dot", M34, M42)
case("dot_vec", "dot", V, W)
case("dot_nd", "dot", B234, M42)
case("dot_scalar", "dot", A, 2.0)
case("vdot", "vdot", A, B)
case("inner", "inner", A, B)
case("outer", "outer", V, A)
case("tensordot", "tensordot", B234, B242, axes=T(T(0, 2), T(0, 1)))
case("tensordot_int", "tensordot", M34, M42, axes=1)
case("einsum", "einsum", "ij,jk->ik", M34, M42)
case("einsum_batch", "einsum", "bij,bjk->bik", B234, B242)
case("einsum_trace", "einsum", "ii", SQ)
case("kron", "kron", A, arr("k22", np.array([[1.0, 2.0], [3.0, 4.0]], "float32")))
case("cross", "cross", VEC3A, VEC3B)
case("det", "det", SQ)
case("det_batch", "det", SQB)
case("inv", "inv", SQ)
case("solve", "solve", SQ, RHS)
case("solve_triangular", "solve_triangular", SQ, RHS, lower=True)
case("slogdet", "slogdet", SQ)
case("logdet", "logdet", arr("spd", (lambda m: m @ m.T + 3 * np.eye(3))(
    rng.normal(size=(3, 3))).astype("float32")))
for ord_ in (None, 1, 2, 3, "inf", "-inf", 0):
    case(f"norm_vec_{ord_}", "norm", V, ord=float(ord_) if isinstance(ord_, str) else ord_)
case("norm_axis_keep", "norm", C3, axis=-1, keepdims=True)
for ord_ in (None, "fro", 1, -1, "inf"):
    case(f"norm_mat_{ord_}", "norm", M34, ord=float(ord_) if ord_ == "inf" else ord_,
         axis=T(0, 1))
case("norm_int", "norm", I32)

# indexing, sorting
case("take", "take", A, IDX, axis=1)
case("take_none", "take", A, IDX)
case("take_2d", "take", C3, IDX2, axis=2)
case("take_along_axis", "take_along_axis", A, IDX2, axis=1)
case("take_along_axis_0", "take_along_axis", A, arr("tal0", np.array([[1, 0, 1]], "int32")),
     axis=0)
case("take_along_axis_none", "take_along_axis", A, arr("taln", np.array([5, 0, 2], "int32")))
case("where", "where", BOOL, A, B)
case("where_scalars", "where", BOOL, 1.0, 0.0)
case("where_mixed", "where", BOOL, I32, A)
case("where_nonzero", "where", BOOL)
case("nonzero", "nonzero", I32)
case("select", "select", [BOOL, BOOL2], [A, B], default=-1.0)
case("searchsorted", "searchsorted", SORTED, arr("sv", np.array([0.0, 2.5, -3.0, 9.0],
                                                                  "float32")))
case("searchsorted_right", "searchsorted", SORTED, {"array": "sv"}, side="right")
case("digitize", "digitize", A, BINS)
case("bincount", "bincount", CNT)
case("bincount_weights", "bincount", CNT, weights=CNTW, minlength=9)
case("unravel_index", "unravel_index", arr("ui", np.array([1, 5, 7], "int32")), T(2, 4))
case("isin", "isin", I32, arr("iset", np.array([0, 2, -3], "int32")))
case("sort", "sort", C3)
case("sort_axis", "sort", C3, axis=0)
case("argsort", "argsort", C3)
case("argsort_axis", "argsort", A, axis=0)
case("get_item", "get_item", C3, 1)

# math
case("logsumexp", "logsumexp", C3)
case("logsumexp_axis", "logsumexp", C3, axis=-1, keepdims=True)
case("erf", "erf", A)
case("erfc", "erfc", A)
case("rsqrt", "rsqrt", POS)
case("top_k", "top_k", LOGITS, 2)
case("top_k_unsorted_values", "top_k", X10, 3)
case("in_top_k", "in_top_k", LABELS, LOGITS, 2)
case("segment_sum", "segment_sum", DATA4, SEG)
case("segment_sum_n", "segment_sum", DATA4, SEGU, num_segments=4)
case("segment_max", "segment_max", DATA4, SEGU, num_segments=3)
case("segment_sum_sorted", "segment_sum", DATA4, SEG, sorted=True)
case("extract_sequences", "extract_sequences", SEQ, 4, 3)

# nn
for name in ("relu", "relu6", "sigmoid", "softplus", "softsign", "silu", "swish",
             "log_sigmoid", "leaky_relu", "hard_sigmoid", "hard_silu", "hard_swish", "elu",
             "selu", "gelu", "celu", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink",
             "squareplus", "sparse_plus", "sparse_sigmoid", "softmax", "log_softmax"):
    case(f"nn_{name}", name, C3 if name in ("softmax", "log_softmax") else
         arr(f"act_{name}", 3 * rng.normal(size=(2, 5)).astype("float32")))
case("gelu_exact", "gelu", A, approximate=False)
case("leaky_relu_slope", "leaky_relu", A, negative_slope=0.1)
case("elu_alpha", "elu", A, alpha=0.5)
case("celu_alpha", "celu", A, alpha=2.0)
case("glu", "glu", C3)
case("glu_axis", "glu", arr("glu0", rng.normal(size=(4, 3)).astype("float32")), axis=0)
case("threshold", "threshold", A, 0.1, -5.0)
case("softmax_axis0", "softmax", C3, axis=0)
case("softmax_axes", "softmax", C3, axis=T(1, 2))
case("log_softmax_axis", "log_softmax", C3, axis=1)
case("relu_int", "relu", I32)
case("one_hot", "one_hot", LABELS, 5)
case("one_hot_axis", "one_hot", IDX2, 3, axis=0)
case("one_hot_dtype", "one_hot", arr("oh_neg", np.array([1, -1, 2], "int32")), 3,
     dtype="int32")
case("multi_hot", "multi_hot", MH, 4)
case("multi_hot_1d", "multi_hot", arr("mh1", np.array([0, 2, 2], "int32")), 4)
case("binary_crossentropy", "binary_crossentropy", BTARGET, BPROB)
case("binary_crossentropy_logits", "binary_crossentropy", BTARGET, BLOGIT, from_logits=True)
case("categorical_crossentropy", "categorical_crossentropy", ONEHOT, PROBS)
case("categorical_crossentropy_logits", "categorical_crossentropy", ONEHOT, LOGITS,
     from_logits=True)
case("sparse_categorical_crossentropy", "sparse_categorical_crossentropy", LABELS, PROBS)
case("sparse_categorical_crossentropy_logits", "sparse_categorical_crossentropy", LABELS,
     LOGITS, from_logits=True)
case("conv1d", "conv", IMG1, K1)
case("conv1d_same_stride", "conv", IMG1, K1, strides=2, padding="same")
case("conv1d_dilated", "conv", IMG1, K1, dilation_rate=2)
case("conv2d", "conv", IMG, K2)
case("conv2d_same_stride", "conv", IMG, K2, strides=T(2, 1), padding="same")
case("conv2d_dilated_same", "conv", IMG, K2, padding="same", dilation_rate=2)
case("conv2d_grouped", "conv", IMG, KG, padding="same")
case("conv3d", "conv", IMG3, K3)
case("depthwise_conv2d", "depthwise_conv", IMG, KD2)
case("depthwise_conv2d_same_stride", "depthwise_conv", IMG, KD2, strides=2, padding="same")
case("depthwise_conv1d", "depthwise_conv", IMG1, KD1, padding="same")
case("separable_conv2d", "separable_conv", IMG, KD2, KP2, padding="same")
case("separable_conv1d", "separable_conv", IMG1, KD1, KP1)
case("conv_transpose2d", "conv_transpose", IMG, KT2)
case("conv_transpose2d_same_stride", "conv_transpose", IMG, KT2, strides=2,
     padding="same")
case("conv_transpose2d_valid_stride_op", "conv_transpose", IMG, KT2, strides=2,
     output_padding=1)
case("conv_transpose1d", "conv_transpose", IMG1, KT1, strides=2)
case("max_pool2d", "max_pool", IMG, 2)
case("max_pool2d_same", "max_pool", IMG, T(3, 2), strides=T(2, 1), padding="same")
case("max_pool1d", "max_pool", IMG1, 3, strides=2)
case("average_pool2d", "average_pool", IMG, 2)
case("average_pool2d_same", "average_pool", IMG, 3, strides=2, padding="same")
case("average_pool1d", "average_pool", IMG1, 2)
case("max_pool3d", "max_pool", IMG3, 2)
case("depth_to_space", "depth_to_space", arr("d2s", rng.normal(size=(1, 2, 2, 8))
                                                   .astype("float32")), 2)
case("space_to_depth", "space_to_depth", arr("s2d", rng.normal(size=(1, 4, 4, 2))
                                                   .astype("float32")), 2)
case("moments", "moments", C3, T(0, 1))
case("moments_keep", "moments", C3, [2], keepdims=True)
case("batch_normalization", "batch_normalization", arr("bnx", rng.normal(size=(2, 3, 4))
                                                        .astype("float32")), MEAN3, VAR3, 1,
     offset=MEAN3, scale=VAR3)
case("batch_normalization_last", "batch_normalization", C3, GAMMA4, arr("v4", rng.uniform(
    0.5, 2, size=(4,)).astype("float32")), -1)
case("normalize", "normalize", C3)
case("normalize_l1", "normalize", C3, axis=1, order=1)
case("layer_normalization", "layer_normalization", C3, GAMMA4, BETA4)
case("layer_normalization_axes", "layer_normalization", C3, axis=T(1, 2))
case("rms_normalization", "rms_normalization", C3, GAMMA4)
case("dot_product_attention", "dot_product_attention", Q, KK, VV)
case("dot_product_attention_mask", "dot_product_attention", Q, KK, VV, mask=AMASK)
case("dot_product_attention_causal_scale", "dot_product_attention", Q, KK, VV,
     is_causal=True, scale=0.3)
case("dot_product_attention_bias", "dot_product_attention", Q, KK, VV,
     bias=arr("abias", rng.normal(size=(2, 2, 3, 5)).astype("float32")))
case("psnr", "psnr", IMG, arr("img_b", rng.uniform(0, 1, size=(2, 6, 5, 3))
                                .astype("float32")), 1.0)

# core
case("cast", "cast", A, "int32")
case("cast_bool", "cast", I32, "bool")
case("saturate_cast", "saturate_cast", arr("sat", np.array([-300.0, 12.7, 300.0], "float32")),
     "uint8")
case("convert_to_tensor_list", "convert_to_tensor", [1.0, 2.0])
case("convert_to_tensor_int", "convert_to_tensor", [1, 2])
case("convert_to_tensor_f64", "convert_to_tensor", F64)
case("convert_to_tensor_dtype", "convert_to_tensor", [1, 2], dtype="float16")
case("stop_gradient", "stop_gradient", A)
case("slice", "slice", C3, [0, 1, 1], [2, 1, 3])
case("slice_update", "slice_update", A, [1, 1], UPD)
case("scatter", "scatter", SCI, SCV, T(2, 3))
case("scatter_dup", "scatter", arr("scid", np.array([[0], [2], [0]], "int32")),
     arr("scvd", np.array([1.0, 2.0, 3.0], "float32")), T(4,))
case("scatter_update", "scatter_update", A, SCI, SCV)
case("unstack", "unstack", C3, axis=1)

# image
case("resize_bilinear", "image.resize", IMG, T(4, 7))
case("resize_nearest", "image.resize", IMG, T(3, 3), interpolation="nearest")
case("resize_bicubic", "image.resize", IMG, T(8, 8), interpolation="bicubic")
case("resize_area", "image.resize", IMG, T(3, 2), interpolation="area")
case("resize_single", "image.resize", arr("img_single", rng.uniform(size=(4, 4, 2))
                                          .astype("float32")), T(6, 6))
case("resize_crop", "image.resize", IMG, T(4, 4), crop_to_aspect_ratio=True)
case("resize_pad", "image.resize", IMG, T(4, 8), pad_to_aspect_ratio=True, fill_value=0.5)
case("resize_antialias", "image.resize", IMG, T(3, 2), antialias=True)
case("resize_uint8", "image.resize", IMGU8, T(2, 2))
case("rgb_to_grayscale", "image.rgb_to_grayscale", IMG)
case("pad_images", "image.pad_images", IMG, 1, 2, target_height=9, target_width=8)
case("crop_images", "image.crop_images", IMG, 1, 1, bottom_cropping=2, target_width=3)


# ---- encode and run -------------------------------------------------------------------------

def decode(value):
    if isinstance(value, dict):
        if "array" in value:
            return ARRAYS[value["array"]]
        if "tuple" in value:
            return tuple(decode(v) for v in value["tuple"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def lookup(name):
    target = ops
    for part in name.split("."):
        target = getattr(target, part)
    return target


def main():
    outputs = {}
    failed = []
    for spec in CASES:
        fn = lookup(spec["fn"])
        try:
            result = fn(*decode(spec["args"]), **decode(spec["kwargs"]))
        except Exception as error:  # noqa: BLE001 - reported, and the case left out
            print(f"Keras cannot run case {spec['id']}: {type(error).__name__}: "
                  f"{str(error)[:200]}")
            failed.append(spec)
            continue
        if isinstance(result, (tuple, list)):
            structure = "tuple" if isinstance(result, tuple) else "list"
            leaves = list(result)
        else:
            structure, leaves = "single", [result]
        dtypes = []
        for i, leaf in enumerate(leaves):
            if isinstance(leaf, int):
                dtypes.append("python_int")
                outputs[f"{spec['id']}/out{i}"] = np.asarray(leaf)
                continue
            dtypes.append(keras.backend.standardize_dtype(leaf.dtype))
            outputs[f"{spec['id']}/out{i}"] = ops.convert_to_numpy(leaf)
        spec["structure"] = structure
        spec["dtypes"] = dtypes
    for spec in failed:
        CASES.remove(spec)
    dtypes = ["bool", "uint8", "uint16", "uint32", "int8", "int16", "int32", "int64",
              "float16", "float32", "float64"]
    promotion = {f"{a},{b}": keras.backend.result_type(a, b) for a in dtypes for b in dtypes}
    for a in dtypes:
        for weak in (int, float, bool):
            promotion[f"{a},{weak.__name__}"] = keras.backend.result_type(a, weak)
    names = {module: sorted(n for n in dir(getattr(ops, module) if module else ops)
                            if not n.startswith("_"))
             for module in ("", "numpy", "nn", "linalg", "image")}
    arrays = {f"input/{k}": v for k, v in ARRAYS.items()}
    arrays.update(outputs)
    np.savez_compressed(OUT + ".npz", **arrays)
    with open(OUT + ".json", "w") as handle:
        json.dump({"keras_version": keras.__version__, "cases": CASES,
                   "result_type": promotion, "names": names}, handle, indent=0)
    print(f"wrote {len(CASES)} cases to {OUT}.{{json,npz}}")


if __name__ == "__main__":
    main()
