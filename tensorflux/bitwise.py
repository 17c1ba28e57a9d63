"""tf.bitwise: integer bit operations."""
import numpy as np

from tensorflux.framework.registry import not_differentiable, register_op, broadcast_shape
from tensorflux.ops._helpers import apply, binary_inputs

for _name, _fn in (("BitwiseAnd", np.bitwise_and), ("BitwiseOr", np.bitwise_or),
                   ("BitwiseXor", np.bitwise_xor), ("LeftShift", np.left_shift),
                   ("RightShift", np.right_shift)):
    register_op(_name, (lambda f: lambda xp, x, y: f(x, y))(_fn), broadcast_shape)
    not_differentiable(_name)


def _op(op_type):
    def op(x, y, name=None):
        x, y = binary_inputs(x, y, op_type)
        return apply(op_type, [x, y], None, name)
    return op


bitwise_and = _op("BitwiseAnd")
bitwise_or = _op("BitwiseOr")
bitwise_xor = _op("BitwiseXor")
left_shift = _op("LeftShift")
right_shift = _op("RightShift")
