"""DType: TensorFlow's dtype objects, mapped onto NumPy dtypes.

`tf.float32 == np.float32` and `tf.float32 == "float32"` both hold, as in TensorFlow, so user
code can compare a tensor's dtype with either spelling.
"""
import builtins as _builtins

import numpy as np

__all__ = ["DType", "as_dtype"]


class DType:
    """A tensor element type (``tf.float32``, ``tf.int64``, ``tf.string``, ...)."""

    __slots__ = ("name", "as_numpy_dtype", "_np")

    def __init__(self, name, numpy_type):
        self.name = name
        self.as_numpy_dtype = numpy_type
        self._np = np.dtype(numpy_type)

    @property
    def is_floating(self):
        return self._np.kind == "f"

    @property
    def is_integer(self):
        return self._np.kind in "iu"

    @property
    def is_unsigned(self):
        return self._np.kind == "u"

    @property
    def is_bool(self):
        return self._np.kind == "b"

    @property
    def is_complex(self):
        return self._np.kind == "c"

    @property
    def is_numeric(self):
        return self._np.kind in "iufc"

    @property
    def base_dtype(self):
        return self

    @property
    def real_dtype(self):
        if self.name == "complex64":
            return float32
        if self.name == "complex128":
            return float64
        return self

    @property
    def size(self):
        return self._np.itemsize

    @property
    def min(self):
        if self.is_floating:
            return float(np.finfo(self._np).min)
        if self.is_integer:
            return int(np.iinfo(self._np).min)
        raise TypeError(f"Cannot find minimum value of {self.name}.")

    @property
    def max(self):
        if self.is_floating:
            return float(np.finfo(self._np).max)
        if self.is_integer:
            return int(np.iinfo(self._np).max)
        raise TypeError(f"Cannot find maximum value of {self.name}.")

    def is_compatible_with(self, other):
        return self == as_dtype(other)

    def __eq__(self, other):
        if isinstance(other, DType):
            return self.name == other.name
        if other is None:
            return False
        try:
            return self.name == as_dtype(other).name
        except TypeError:
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"tf.{self.name}"

    __str__ = __repr__

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = DType("float16", np.float16)
half = float16
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
double = float64
bfloat16 = float32  # NumPy has no bfloat16; see as_dtype for the honest error on request
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool = DType("bool", np.bool_)  # noqa: A001 - TensorFlow's public name
complex64 = DType("complex64", np.complex64)
complex128 = DType("complex128", np.complex128)
string = DType("string", np.object_)
resource = DType("resource", np.object_)
variant = DType("variant", np.object_)
del bfloat16

_BY_NAME = {d.name: d for d in (float16, float32, float64, int8, int16, int32, int64, uint8,
                                uint16, uint32, uint64, bool, complex64, complex128, string)}
_BY_NAME.update(half=float16, double=float64, float=float32, int=int32, str=string,
                object=string, bytes=string, bool_=bool)
_BY_NP = {np.dtype(d.as_numpy_dtype): d for d in _BY_NAME.values() if d is not string}
_BY_NP[np.dtype(object)] = string


def as_dtype(type_value):
    """Converts a DType, NumPy dtype, Python type or name into a `DType`.

    Raises:
        TypeError: if the value names no supported dtype.
    """
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        found = _BY_NAME.get(type_value)
        if found is None:
            raise TypeError(f"Cannot convert {type_value!r} to a tensorflux DType.")
        return found
    if type_value is float:
        return float32
    if type_value is int:
        return int32
    if type_value is _builtins.bool:
        return bool
    if type_value in (str, bytes):
        return string
    try:
        npd = np.dtype(type_value)
    except TypeError:
        raise TypeError(f"Cannot convert {type_value!r} to a tensorflux DType.") from None
    if npd.kind in "SU":
        return string
    found = _BY_NP.get(npd)
    if found is None:
        raise TypeError(f"NumPy dtype {npd} has no tensorflux DType.")
    return found

