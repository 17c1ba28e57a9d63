"""`custom_gradient`: a function supplies its own gradient.

The decorated function runs normally (its inner ops are not differentiated); its outputs pass
through one "CustomGradient" op whose gradient calls the user's `grad_fn`. Because that op is
recorded like any other, this works eagerly, in graphs and inside `function`.
"""
import functools

from tensorflux.framework import nest
from tensorflux.framework.registry import register_gradient, register_op
from tensorflux.framework.tensor import Tensor

__all__ = ["custom_gradient", "RegisterGradient"]


def _pass_through(xp, *arrays, num_inputs, grad_fn, variables):
    outs = arrays[num_inputs:]
    return outs[0] if len(outs) == 1 else tuple(outs)


def _pass_through_shape(inputs, attrs):
    return [t.shape for t in inputs[attrs["num_inputs"]:]]


def _pass_through_dtype(input_dtypes, attrs):
    return list(input_dtypes[attrs["num_inputs"]:])


register_op("CustomGradient", _pass_through, _pass_through_shape, _pass_through_dtype,
            num_outputs=None)


@register_gradient("CustomGradient")
def _custom_grad(op, *grads):
    """the user's grad_fn(*upstream) gives the inputs' gradients"""
    attrs = op.attrs
    n = attrs["num_inputs"]
    grad_fn = attrs["grad_fn"]
    upstream = grads[0] if len(grads) == 1 else list(grads)
    if attrs["variables"]:
        input_grads, variable_grads = grad_fn(upstream, variables=attrs["variables"])
        attrs["variable_grads_sink"](variable_grads)
    else:
        input_grads = grad_fn(upstream)
    input_grads = nest.flatten(input_grads) if isinstance(input_grads, (list, tuple)) else \
        [input_grads]
    if len(input_grads) != n:
        raise ValueError(f"custom_gradient: grad_fn returned {len(input_grads)} gradients for "
                         f"{n} inputs.")
    return list(input_grads) + [None] * (len(op.inputs) - n)


def custom_gradient(f=None):
    """Decorator: `f(*x)` returns `(y, grad_fn)`; `grad_fn(dy)` returns the gradients of x."""
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        from tensorflux import ops as tfops
        from tensorflux.framework.array_ops_hook import apply_multi
        from tensorflux.framework.tape import stop_recording
        inputs = [tfops.convert_to_tensor(a) if not isinstance(a, Tensor) else a
                  for a in args]
        with stop_recording():
            result, grad_fn = f(*inputs, **kwargs)
        outputs = nest.flatten(result)
        outputs = [tfops.convert_to_tensor(o) for o in outputs]
        attrs = {"num_inputs": len(inputs), "grad_fn": grad_fn, "variables": (),
                 "variable_grads_sink": None}
        passed = apply_multi("CustomGradient", inputs + outputs, attrs, len(outputs))
        return nest.pack_sequence_as(result, list(passed))
    return wrapper


class RegisterGradient:
    """TF1 decorator registering a gradient function under an op type name."""

    def __init__(self, op_type):
        self._op_type = op_type

    def __call__(self, function):
        register_gradient(self._op_type)(function)
        return function
