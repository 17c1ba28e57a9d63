"""Rewrites of a pruned op list before code generation: constant folding, common
subexpression elimination, and the choice of in-place kernels.

Both passes only touch *pure* ops: not stateful, without control inputs, and whose attrs are
plain data (numbers, strings, dtypes, shapes, slices, arrays and containers of those). An op
holding anything else in its attrs (a random generator, a summary writer's callback, a branch
graph of `cond`) is left alone, so a pass can never freeze random numbers or skip a side
effect, even when an op forgot to declare itself stateful.

- Folding runs, once at plan-building time, every pure op whose inputs are all constants, and
  turns `Shape`/`Size`/`Rank`/`OnesLike`/`ZerosLike` of a tensor with a fully known static
  shape into a constant (feeds are checked against their static shapes, so the shape cannot
  differ at run time).
  Results over FOLD_LIMIT elements stay computed at run time so a plan never pins a large array.
- Common subexpressions: a pure op with the same type, inputs and attrs as an earlier op is
  dropped and its outputs renamed to the earlier op's. An op reading a variable's storage (whose
  value may change between two points of the program) is never merged.

In a Keras training step this removes the loss-scaling and metric bookkeeping that depends only
on the (static) batch shape: 13 of the seed MLP's 69 kernel calls.
"""
import numbers

import numpy as np

from tensorflux.framework.dtypes import DType
from tensorflux.framework.tensor_shape import TensorShape

__all__ = ["fold_constants", "merge_common_subexpressions", "FOLD_LIMIT"]

FOLD_LIMIT = 1 << 16

# Ops that read only their input's shape and dtype.
_SHAPE_OPS = {"Shape", "Size", "Rank", "OnesLike", "ZerosLike"}
# Ops whose outputs may be the variable's storage itself, or a view of it.
_STORAGE_OPS = {"VariableV2", "AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp"}
_VIEW_OPS = {"Reshape", "ExpandDims", "Squeeze", "StridedSlice", "Transpose", "StopGradient",
             "Snapshot"}
# Identity copies on purpose (a snapshot of a variable read): merging two would hand out one
# array twice.
_NEVER_MERGED = {"Identity", "Const"}


def _plain(value):
    """Whether an attr value is plain data (safe to evaluate ahead of time, and to compare)."""
    if value is None or isinstance(value, (bool, numbers.Number, str, bytes, np.generic,
                                           np.ndarray, np.dtype, DType, TensorShape,
                                           type(Ellipsis))):
        return True
    if isinstance(value, type):
        return issubclass(value, np.generic)
    if isinstance(value, slice):
        return all(_plain(part) for part in (value.start, value.stop, value.step))
    if isinstance(value, (tuple, list)):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def _pure(op):
    return (not op.op_def.stateful and not op.control_inputs and op.type != "Placeholder"
            and all(_plain(v) for v in op.attrs.values()))


def may_alias_variable(tensor):
    """Whether `tensor`'s value may share memory with a variable's storage."""
    op = tensor.op
    while op.type in _VIEW_OPS and op.inputs:
        op = op.inputs[0].op
    return op.type in _STORAGE_OPS


def fold_constants(ops, fed_ids):
    """Returns (constants, folded): `constants` maps id(tensor) -> array for every tensor known
    before running (Const outputs and folded results), `folded` the ids of ops not to run."""
    constants = {}
    folded = set()
    for op in ops:
        if op.type == "Const":
            if not op.control_inputs:
                constants[id(op.outputs[0])] = op.attrs["value"]
            continue
        if not op.inputs or not _pure(op) or any(id(t) in fed_ids for t in op.outputs):
            continue
        if any(t.shape.is_fully_defined() and t.shape.num_elements() > FOLD_LIMIT
               for t in op.outputs):
            continue        # known to be too large to keep: not even computed now
        if op.type in _SHAPE_OPS and op.inputs[0].shape.is_fully_defined():
            # the kernel reads only the shape and dtype: give it a zero-strided stand-in
            source = op.inputs[0]
            inputs = [np.broadcast_to(np.zeros((), source.dtype.as_numpy_dtype),
                                      tuple(source.shape.as_list()))]
        elif all(id(t) in constants for t in op.inputs):
            inputs = [constants[id(t)] for t in op.inputs]
        else:
            continue
        try:
            results = op.op_def.kernel(np, *inputs, **op.attrs)
        except Exception:  # noqa: BLE001 - leave it to fail (with its message) at run time
            continue
        if len(op.outputs) == 1:
            results = (results,)
        elif not isinstance(results, (tuple, list)) or len(results) != len(op.outputs):
            continue
        results = [np.asarray(r) for r in results]
        if any(r.dtype == object or r.size > FOLD_LIMIT for r in results):
            continue
        for out, value in zip(op.outputs, results):
            value.flags.writeable = False   # shared by every run: a kernel must not write it
            constants[id(out)] = value
        folded.add(id(op))
    return constants, folded


def _attr_key(value):
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, np.generic):
        return ("scalar", value.dtype.str, value.tobytes())
    if isinstance(value, (tuple, list)):
        return (type(value).__name__,) + tuple(_attr_key(v) for v in value)
    if isinstance(value, dict):
        return ("dict",) + tuple((k, _attr_key(v)) for k, v in sorted(value.items()))
    if isinstance(value, slice):
        return ("slice", _attr_key(value.start), _attr_key(value.stop), _attr_key(value.step))
    if isinstance(value, float) and value != value:
        return ("nan",)
    return (type(value).__name__, value)


def merge_common_subexpressions(ops, skip):
    """Returns (aliases, merged): `aliases` maps id(tensor) -> the earlier tensor computing the
    same value; `merged` the ids of ops not to run. Ops in `skip` (folded) are not considered."""
    aliases = {}
    merged = set()
    seen = {}
    for op in ops:
        if id(op) in skip or op.type in _NEVER_MERGED or not op.inputs or not _pure(op):
            continue
        inputs = [aliases.get(id(t), t) for t in op.inputs]
        if any(may_alias_variable(t) for t in inputs):
            continue
        try:
            key = (op.type, tuple(id(t) for t in inputs),
                   tuple((k, _attr_key(v)) for k, v in op.attrs.items()))
            hash(key)
        except TypeError:
            continue
        earlier = seen.get(key)
        if earlier is None:
            seen[key] = op
            continue
        for out, kept in zip(op.outputs, earlier.outputs):
            aliases[id(out)] = kept
        merged.add(id(op))
    return aliases, merged


# ---- in-place kernels ---------------------------------------------------------------------------
# An elementwise op may write its result into its first input's array when nothing else can see
# that array: the input is produced by an op that always returns a new array of its own
# (FRESH_OUTPUT_OPS), the op is its only consumer, it is not fetched, and the result has the
# input's static shape and dtype. Same arithmetic as the op's kernel, minus the new array (and
# the cache misses of touching new memory): a Conv -> BiasAdd -> Relu chain writes one array.

def _bias_add_into(xp, value, bias, data_format="NHWC"):
    if data_format.startswith("NC") and value.ndim > 2:
        bias = bias.reshape((-1,) + (1,) * (value.ndim - 2))
    value += bias
    return value


def _relu_into(xp, x):
    return np.maximum(x, x.dtype.type(0), out=x)


def _relu_grad_into(xp, grad, y):
    return np.multiply(grad, y > 0, out=grad)


def _binary_into(ufunc):
    def kernel(xp, x, y):
        return ufunc(x, y, out=x)
    return kernel


INPLACE_KERNELS = {"BiasAdd": _bias_add_into, "Relu": _relu_into, "ReluGrad": _relu_grad_into,
                   "AddV2": _binary_into(np.add), "Sub": _binary_into(np.subtract),
                   "Mul": _binary_into(np.multiply)}
# Ops whose kernels always return a new array that no other tensor shares.
FRESH_OUTPUT_OPS = {"MatMul", "BiasAdd", "Conv", "Relu", "ReluGrad", "AddV2", "Sub", "Mul",
                    "MaxPoolGrad"}


def writes_in_place(op, input_tensor, uses, outside_ids, constants):
    """Whether `op` may write its result into `input_tensor` (its first input, resolved);
    `outside_ids` are the tensors the caller sees (fetches and feeds)."""
    if op.type not in INPLACE_KERNELS or input_tensor.op.type not in FRESH_OUTPUT_OPS:
        return False
    if uses.get(id(input_tensor), 0) != 1 or id(input_tensor) in outside_ids \
            or id(input_tensor) in constants or len(op.outputs) != 1:
        return False
    out = op.outputs[0]
    return (out.dtype == input_tensor.dtype and out.shape.is_fully_defined()
            and input_tensor.shape.is_fully_defined() and out.shape.rank >= 1
            and out.shape.as_list() == input_tensor.shape.as_list()
            and input_tensor.dtype.as_numpy_dtype != np.object_)
