"""Shared plumbing for the public op wrappers: conversion, op application, axis handling."""
import numpy as np

from tensorflux.framework import dtypes, errors
from tensorflux.framework.execute import apply_op, convert_to_tensor
from tensorflux.framework.registry import _OPS, get_op  # noqa: F401
from tensorflux.framework.tensor import Tensor

_FLOAT_KINDS = "fc"


def apply(op_type, inputs, attrs=None, name=None):
    """Applies the registered op `op_type` (by name) to already-converted tensors."""
    return apply_op(_OPS[op_type], inputs, attrs, name)


def to_tensor(x, dtype_hint=None):
    if type(x) is Tensor:
        return x
    return convert_to_tensor(x, dtype_hint=dtype_hint)


def binary_inputs(x, y, op_name):
    """Converts both operands; a Python value takes the dtype of the tensor it meets."""
    if type(x) is not Tensor and hasattr(x, "_as_tensor"):  # a Variable: it sets the dtype
        x = x._as_tensor()
    if type(x) is not Tensor:
        y = to_tensor(y)
        x = convert_to_tensor(x, dtype_hint=y.dtype)
    else:
        y = to_tensor(y, dtype_hint=x.dtype) if type(y) is not Tensor else y
    if x._value is not None and y._value is not None:
        # string tensors may hold object or fixed-width bytes ('S') arrays: compare tf dtypes
        if x._value.dtype != y._value.dtype and x.dtype != y.dtype:
            _dtype_mismatch(x, y, op_name)
    elif x.dtype != y.dtype:
        _dtype_mismatch(x, y, op_name)
    return x, y


def _dtype_mismatch(x, y, op_name):
    raise errors.InvalidArgumentError(
        None, None, f"cannot compute {op_name} as input #1(zero-based) was expected to be a "
        f"{x.dtype.name} tensor but is a {y.dtype.name} tensor. Cast one operand with "
        f"tf.cast(y, tf.{x.dtype.name}) so both have the same dtype.")


def check_dtype(x, kinds, op_name):
    if x.dtype._np.kind not in kinds:
        allowed = {"f": "floating", "c": "complex", "i": "signed integer", "u": "unsigned "
                   "integer", "b": "bool"}
        names = ", ".join(allowed[k] for k in kinds if k in allowed)
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'T' of {x.dtype.name} is not in the list of allowed "
            f"values for {op_name} ({names} dtypes). Cast the input first, e.g. "
            f"tf.cast(x, tf.float32).")


def static_axis(axis, name="axis"):
    """An axis argument as a hashable attr: None, an int, or a tuple of ints."""
    if axis is None or type(axis) is int:
        return axis
    if isinstance(axis, Tensor):
        value = axis._constant_value()
        if value is None:
            raise errors.UnimplementedError(
                None, None, f"A symbolic `{name}` tensor whose value is only known at run time "
                "is not supported by tensorflux; pass a Python int or list.")
        axis = value
    if hasattr(axis, "_as_tensor"):
        axis = axis.numpy()
    array = np.asarray(axis)
    if array.ndim == 0:
        return int(array)
    return tuple(int(a) for a in array.reshape(-1))


def static_value(x, what):
    """The value of a shape-like argument known at graph-construction time, or None."""
    if isinstance(x, Tensor):
        return x._constant_value()
    if hasattr(x, "_as_tensor"):
        return None
    return x


def int_list(values):
    return [int(v) for v in np.asarray(values).reshape(-1)]


def is_floating(t):
    return t.dtype._np.kind in _FLOAT_KINDS


def float_dtype_of(t):
    return t.dtype if t.dtype.is_floating else dtypes.float32
