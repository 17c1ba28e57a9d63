"""Tensor: one class for both modes.

An eager tensor holds an ndarray in `_value`. A symbolic tensor (graph mode) has `_value` None and
names output `value_index` of Operation `op`, with a static shape and dtype. Python operators
(`+ - * / @ [] ==` ...) are ops; they are attached by `tensorflux.ops` when it is imported.
"""
import numpy as np

from tensorflux.framework import dtypes
from tensorflux.framework.tensor_shape import TensorShape

__all__ = ["Tensor", "dtype_of_array"]

_NP_TO_DTYPE = {np.dtype(d.as_numpy_dtype): d for d in (
    dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int8, dtypes.int16, dtypes.int32,
    dtypes.int64, dtypes.uint8, dtypes.uint16, dtypes.uint32, dtypes.uint64, dtypes.bool,
    dtypes.complex64, dtypes.complex128)}
_NP_TO_DTYPE[np.dtype(object)] = dtypes.string


def dtype_of_array(array):
    try:
        return _NP_TO_DTYPE[array.dtype]
    except KeyError:
        if array.dtype.kind in "SU":
            return dtypes.string
        raise TypeError(f"Arrays of NumPy dtype {array.dtype} are not supported.") from None


_new_tensor = object.__new__


class Tensor:
    """A multidimensional array of one dtype: eager (holds values) or symbolic (in a Graph)."""

    # `_keras_logits` (never set by the engine) lets a softmax output remember its logits, so a
    # Keras loss given from_logits=True can use them; read it with getattr(t, ..., None).
    # `_keras_mask` likewise carries a Keras mask.
    __slots__ = ("_value", "op", "value_index", "_shape", "_dtype", "_variable",
                 "_keras_logits", "_keras_mask", "__weakref__")
    __array_priority__ = 100

    def __init__(self, op, value_index, dtype, shape):
        """Creates a symbolic tensor: output `value_index` of `op`."""
        self._value = None
        self.op = op
        self.value_index = value_index
        self._dtype = dtype
        self._shape = shape
        self._variable = None

    @classmethod
    def _from_array(cls, array):
        # Only two slots are set: eager tensors are created per op, so this is a hot path.
        # dtype and shape are computed on first use; `_variable` (set on variable reads) and
        # the Keras slots are read with getattr(t, name, None).
        t = _new_tensor(cls)
        t._value = array
        t.op = None
        return t

    # ---- static properties ------------------------------------------------------------
    @property
    def dtype(self):
        try:
            return self._dtype
        except AttributeError:
            self._dtype = dtype_of_array(self._value)
            return self._dtype

    @property
    def shape(self):
        try:
            return self._shape
        except AttributeError:
            self._shape = TensorShape(self._value.shape)
            return self._shape

    def get_shape(self):
        return self.shape

    def set_shape(self, shape):
        merged = self.shape.merge_with(shape)
        if self._value is None:
            self._shape = merged

    @property
    def ndim(self):
        return self.shape.rank

    @property
    def is_symbolic(self):
        return self._value is None

    @property
    def graph(self):
        if self._value is not None:
            raise AttributeError("Tensor.graph is undefined when eager execution is enabled.")
        return self.op.graph

    @property
    def name(self):
        if self._value is not None:
            raise AttributeError("Tensor.name is undefined when eager execution is enabled.")
        return f"{self.op.name}:{self.value_index}"

    @property
    def device(self):
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    @property
    def consumers(self):
        graph = self.op.graph
        return [op for op in graph._operations if any(t is self for t in op.inputs)]

    def _constant_value(self):
        """The value if known without running anything: eager, or a Const node in a graph."""
        if self._value is not None:
            return self._value
        if self.op.type == "Const":
            return self.op.attrs["value"]
        return None

    # ---- values -----------------------------------------------------------------------
    def numpy(self):
        if self._value is None:
            raise ValueError(
                f"Tensor {self.name!r} is symbolic (graph mode): it has no value until it is "
                "run. Evaluate it with `sess.run(tensor)` (or `tensor.eval()` inside a "
                "`with tf.Session():` block), or use eager execution.")
        value = self._value
        if value.ndim == 0:
            return value[()]  # as TF: a NumPy scalar (bytes for a string scalar)
        return value.copy()

    def eval(self, feed_dict=None, session=None):
        from tensorflux.framework.session import _session_for
        if self._value is not None:
            return self.numpy()
        return _session_for(session, self.op.graph).run(self, feed_dict)

    def __array__(self, dtype=None, copy=None):
        if self._value is None:
            self.numpy()  # raises the explanation
        value = np.asarray(self._value)
        return value if dtype is None else value.astype(dtype, copy=False)

    def _scalar(self, kind):
        if self._value is None:
            raise TypeError(
                f"Cannot convert the symbolic tensor {self.name!r} to a Python {kind.__name__}: "
                "it has no value in graph mode. Run it in a Session first.")
        if self._value.size != 1:
            raise TypeError(f"Only tensors with one element can be converted to Python "
                            f"scalars; this one has shape {tuple(self._value.shape)}.")
        return kind(self._value.reshape(()).item() if kind is not bool else self._value)

    def __float__(self):
        return self._scalar(float)

    def __int__(self):
        return self._scalar(int)

    def __index__(self):
        if self._value is None or self.dtype.is_floating or self.dtype.is_bool:
            raise TypeError("Only integer scalar tensors can be used as an index.")
        return self._scalar(int)

    def __complex__(self):
        return self._scalar(complex)

    def __bool__(self):
        if self._value is None:
            raise TypeError(
                f"Using a symbolic tensor ({self.name!r}) as a Python `bool` is not allowed in "
                "graph mode: its value is only known when the graph runs. Use `tf.cond` to "
                "choose between computations, or `tf.where` to select values.")
        return bool(self._value)

    def __len__(self):
        dims = self.shape.as_tuple()
        if dims is None or not dims:
            raise TypeError("len() of a scalar or unknown-rank tensor is not defined.")
        if dims[0] is None:
            raise TypeError(f"len() of tensor {self.name!r} is unknown (its first dimension is "
                            "None); use tf.shape(x)[0].")
        return dims[0]

    def __iter__(self):
        dims = self.shape.as_tuple()
        if not dims:
            raise TypeError("Cannot iterate over a scalar tensor.")
        if dims[0] is None:
            raise TypeError(f"Cannot iterate over tensor {self.name!r}: its first "
                            "dimension is unknown.")
        for i in range(dims[0]):
            yield self[i]

    def __hash__(self):
        return id(self)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __repr__(self):
        if self._value is None:
            return f"<tf.Tensor '{self.name}' shape={self.shape} dtype={self.dtype.name}>"
        return (f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, "
                f"numpy={_repr_value(self._value)}>")

    def __str__(self):
        if self._value is None:
            return f'Tensor("{self.name}", shape={self.shape}, dtype={self.dtype.name})'
        return f"tf.Tensor(\n{_format_value(self._value)}, shape={self.shape}, " \
               f"dtype={self.dtype.name})" if self._value.ndim > 1 else \
               f"tf.Tensor({_format_value(self._value)}, shape={self.shape}, " \
               f"dtype={self.dtype.name})"


def _format_value(value):
    if isinstance(value, np.ndarray) and value.dtype == object:
        return repr(value.tolist())
    return np.array2string(np.asarray(value), separator=" ")


def _repr_value(value):
    """As TF: numpy=array([...], dtype=...) for arrays, the bare value for scalars."""
    if np.ndim(value) == 0:
        return _format_value(value)
    return repr(np.asarray(value))
