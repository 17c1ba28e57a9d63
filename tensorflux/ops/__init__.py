"""The public TensorFlow-style functions, and the Python operators of Tensor and Variable."""
from tensorflux.framework.execute import convert_to_tensor
from tensorflux.framework.tensor import Tensor
from tensorflux.ops import array_ops, math_ops, nn_ops, random_ops, control_flow_ops
from tensorflux.ops.array_ops import *  # noqa: F401,F403
from tensorflux.ops.math_ops import *  # noqa: F401,F403
from tensorflux.ops.random_ops import *  # noqa: F401,F403
from tensorflux.ops.control_flow_ops import *  # noqa: F401,F403
from tensorflux.ops.extra_array_ops import *  # noqa: F401,F403
from tensorflux.ops.clip_ops import *  # noqa: F401,F403
from tensorflux.ops._helpers import apply as _apply  # noqa: F401


def _install_operators(cls):
    """Python operators as ops (both Tensor and Variable get them)."""
    m = math_ops

    def reverse(function):
        return lambda self, other: function(other, self)

    operators = {
        "__add__": m.add, "__radd__": reverse(m.add),
        "__sub__": m.subtract, "__rsub__": reverse(m.subtract),
        "__mul__": m.multiply, "__rmul__": reverse(m.multiply),
        "__truediv__": m.truediv, "__rtruediv__": reverse(m.truediv),
        "__floordiv__": m.floordiv, "__rfloordiv__": reverse(m.floordiv),
        "__mod__": m.floormod, "__rmod__": reverse(m.floormod),
        "__pow__": m.pow, "__rpow__": reverse(m.pow),
        "__matmul__": m.matmul, "__rmatmul__": reverse(m.matmul),
        "__lt__": m.less, "__le__": m.less_equal, "__gt__": m.greater,
        "__ge__": m.greater_equal,
        "__and__": m.logical_and, "__rand__": reverse(m.logical_and),
        "__or__": m.logical_or, "__ror__": reverse(m.logical_or),
        "__xor__": m.logical_xor, "__rxor__": reverse(m.logical_xor),
        "__neg__": lambda self: m.negative(self), "__abs__": lambda self: m.abs(self),
        "__invert__": lambda self: m.logical_not(self),
        "__pos__": lambda self: self,
        "__getitem__": array_ops._getitem,
    }
    for name, function in operators.items():
        setattr(cls, name, function)

    def __eq__(self, other):
        # Eager (TF2): elementwise where the operands broadcast, False otherwise. Symbolic
        # tensors compare by identity, as in TF1 graphs (so `t in list` works there), except
        # in graphs that ask for TF2's elementwise `==` (tf.data functions).
        if other is None or (_is_symbolic(self) or _is_symbolic(other)) and \
                not _elementwise_equality():
            return self is other
        try:
            return m.equal(self, other)
        except (ValueError, TypeError):
            return False

    def __ne__(self, other):
        if other is None or (_is_symbolic(self) or _is_symbolic(other)) and \
                not _elementwise_equality():
            return self is not other
        try:
            return m.not_equal(self, other)
        except (ValueError, TypeError):
            return True
    cls.__eq__ = __eq__
    cls.__ne__ = __ne__
    cls.__hash__ = lambda self: id(self)


def _elementwise_equality():
    from tensorflux.framework import context
    return getattr(context.get_default_graph(), "elementwise_equality", False)


def _is_symbolic(x):
    if isinstance(x, Tensor):
        return x._value is None
    return hasattr(x, "_graph_node") and not _eager_now()


def _eager_now():
    from tensorflux.framework import context
    return context.executing_eagerly()


_install_operators(Tensor)


def _install_variable_operators():
    from tensorflux.framework.variables import Variable
    _install_operators(Variable)
    Variable.__getitem__ = lambda self, key: array_ops._getitem(self._as_tensor(), key)


_install_variable_operators()
