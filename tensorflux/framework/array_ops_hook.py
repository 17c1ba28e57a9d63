"""Applying ops whose number of outputs is set per call (Unpack, SplitV, CustomGradient)."""
from tensorflux.framework.execute import apply_op
from tensorflux.framework.registry import OpDef, get_op

_VARIANTS = {}


def apply_multi(op_type, inputs, attrs, num, name=None):
    """Applies `op_type` as an op with `num` outputs; returns a tuple of tensors."""
    op_def = get_op(op_type)
    if op_def.num_outputs != num:
        key = (op_type, num)
        variant = _VARIANTS.get(key)
        if variant is None:
            variant = OpDef(op_def.name, op_def.kernel, op_def.shape_fn, op_def.dtype_fn, num,
                            op_def.stateful)
            variant.gradient = op_def.gradient
            variant.differentiable = op_def.differentiable
            _VARIANTS[key] = variant
        op_def = variant
    result = apply_op(op_def, inputs, attrs, name)
    return result if isinstance(result, tuple) else (result,)
