"""KerasTensor: the symbolic value flowing through a functional model while it is defined.

`keras.Input(shape=(784,))` returns one; calling a layer on KerasTensors records a `Node`
(the layer, its symbolic inputs and call arguments) and returns new KerasTensors whose shape and
dtype come from tracing the layer's `call` once in a scratch graph (so every layer, custom ones
included, gets exact output shapes without a hand-written compute_output_shape).
"""
from tensorflux.framework import dtypes, nest
from tensorflux.framework.tensor_shape import TensorShape

__all__ = ["KerasTensor", "Node", "is_keras_tensor"]


class KerasTensor:
    """A symbolic placeholder for a tensor in a model definition (shape includes the batch)."""

    def __init__(self, shape, dtype="float32", name=None, sparse=False):
        self.shape = TensorShape(shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name
        self.sparse = sparse
        self._keras_history = None   # (layer, node_index, tensor_index)

    @property
    def ndim(self):
        return self.shape.rank

    def _as_tensor(self):
        raise ValueError(
            f"A KerasTensor ({self.name or 'symbolic model input'}, shape {self.shape}) cannot "
            "be used as input to a TensorFlow function. KerasTensors only flow through Keras "
            "layers while a functional model is defined; wrap the computation in a layer "
            "(e.g. keras.layers.Lambda) or a custom Layer subclass.")

    def __array__(self, *args, **kwargs):
        self._as_tensor()

    def __bool__(self):
        self._as_tensor()

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"'KerasTensor' object has no attribute {name!r}")

    def __repr__(self):
        return (f"<KerasTensor shape={tuple(self.shape.as_tuple() or ())}, "
                f"dtype={self.dtype.name}, name={self.name}>")

    def __hash__(self):
        return id(self)


def _operator(op_name, reflected=False):
    """A Python operator of KerasTensors: the keras.ops function of that name, which records
    it as a node of the model (Keras 3 behaviour: `inputs * 2`, `x[:, 0]`, `-x`)."""
    def method(self, *args):
        from tensorflux.keras import ops
        function = getattr(ops, op_name)
        if reflected:
            return function(args[0], self)
        return function(self, *args)
    method.__name__ = op_name
    return method


for _name, _op in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                   ("truediv", "divide"), ("floordiv", "floor_divide"), ("mod", "mod"),
                   ("pow", "power"), ("matmul", "matmul"), ("and", "logical_and"),
                   ("or", "logical_or"), ("xor", "logical_xor")):
    setattr(KerasTensor, f"__{_name}__", _operator(_op))
    setattr(KerasTensor, f"__r{_name}__", _operator(_op, reflected=True))
for _name, _op in (("neg", "negative"), ("abs", "absolute"), ("invert", "logical_not"),
                   ("getitem", "get_item"), ("lt", "less"), ("gt", "greater"),
                   ("le", "less_equal"), ("ge", "greater_equal")):
    setattr(KerasTensor, f"__{_name}__", _operator(_op))
KerasTensor.__pos__ = lambda self: self


def is_keras_tensor(x):
    return isinstance(x, KerasTensor)


class Node:
    """One call of a layer in a functional model."""

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = [t for t in nest.flatten((call_args, call_kwargs))
                              if isinstance(t, KerasTensor)]
        self.output_tensors = nest.flatten(outputs)

    @property
    def parent_nodes(self):
        parents = []
        for t in self.input_tensors:
            if t._keras_history is not None:
                layer, node_index, _ = t._keras_history
                parents.append(layer._inbound_nodes[node_index])
        return parents
