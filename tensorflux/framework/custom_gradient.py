"""`custom_gradient`: a function supplies its own gradient.

The decorated function runs normally; its outputs then pass through one "CustomGradient" op
whose gradient calls the user's `grad_fn` instead of differentiating the function's ops.
Because that op is recorded like any other, this works eagerly, in graphs and inside
`function`. The function's own ops are still recorded, so a `grad_fn` that uses tensors
computed by the function (e.g. `exp(x)`) can itself be differentiated (higher order).

Trainable variables the function reads are inputs of the op too: `grad_fn` then takes a
`variables` keyword argument and returns `(input_grads, variable_grads)`, as in TensorFlow.
"""
import functools
import inspect

from tensorflux.framework import context, nest
from tensorflux.framework.registry import register_gradient, register_op
from tensorflux.framework.tensor import Tensor

__all__ = ["custom_gradient", "RegisterGradient"]


def _pass_through(xp, *arrays, num_inputs, num_variables, grad_fn, variables):
    outs = arrays[num_inputs + num_variables:]
    return outs[0] if len(outs) == 1 else tuple(outs)


def _pass_through_shape(inputs, attrs):
    return [t.shape for t in inputs[attrs["num_inputs"] + attrs["num_variables"]:]]


def _pass_through_dtype(input_dtypes, attrs):
    return list(input_dtypes[attrs["num_inputs"] + attrs["num_variables"]:])


register_op("CustomGradient", _pass_through, _pass_through_shape, _pass_through_dtype,
            num_outputs=None)


@register_gradient("CustomGradient")
def _custom_grad(op, *grads):
    """the user's grad_fn(*upstream) gives the inputs' (and variables') gradients"""
    attrs = op.attrs
    n = attrs["num_inputs"]
    grad_fn = attrs["grad_fn"]
    variables = attrs["variables"]
    if variables:
        input_grads, variable_grads = grad_fn(*grads, variables=list(variables))
        variable_grads = list(variable_grads) if isinstance(variable_grads, (list, tuple)) \
            else [variable_grads]
        if len(variable_grads) != len(variables):
            raise ValueError(f"custom_gradient: grad_fn returned {len(variable_grads)} "
                             f"variable gradients for {len(variables)} variables.")
    else:
        input_grads = grad_fn(*grads)
        variable_grads = []
    input_grads = nest.flatten(input_grads) if isinstance(input_grads, (list, tuple)) else \
        [input_grads]
    if len(input_grads) != n:
        raise ValueError(f"custom_gradient: grad_fn returned {len(input_grads)} gradients for "
                         f"{n} inputs.")
    return list(input_grads) + variable_grads + [None] * (len(op.inputs) - n - len(variables))


def _accepts_variables(grad_fn):
    try:
        parameters = inspect.signature(grad_fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == "variables" or p.kind == p.VAR_KEYWORD for p in parameters)


def _graph_variables(ops):
    """The trainable variables whose nodes the ops read, in first-use order."""
    found = {}
    for op in ops:
        for t in op.inputs:
            variable = getattr(t, "_variable", None)
            if variable is not None and variable.trainable:
                found.setdefault(id(variable), variable)
    return list(found.values())


def custom_gradient(f=None):
    """Decorator: `f(*x)` returns `(y, grad_fn)`; `grad_fn(*dy)` returns the gradients of x.

    Example:
        >>> @tf.custom_gradient
        ... def clip_gradient(x):
        ...     return tf.identity(x), lambda dy: tf.clip_by_value(dy, -1.0, 1.0)
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        from tensorflux import ops as tfops
        from tensorflux.framework.array_ops_hook import apply_multi
        from tensorflux.framework.tape import GradientTape
        inputs = [a if isinstance(a, Tensor) else tfops.convert_to_tensor(a) for a in args]
        if context.executing_eagerly():
            # a tape of our own sees which trainable variables f reads
            with GradientTape(watch_accessed_variables=True) as probe:
                result, grad_fn = f(*inputs, **kwargs)
            variables = list(probe.watched_variables())
        else:
            graph = context.get_default_graph()
            start = len(graph._operations)
            result, grad_fn = f(*inputs, **kwargs)
            variables = _graph_variables(graph._operations[start:])
        if variables and not _accepts_variables(grad_fn):
            raise TypeError(
                f"@custom_gradient function {getattr(f, '__name__', f)!r} reads variables "
                f"({', '.join(v.name for v in variables)}), so its grad_fn must accept a "
                "keyword argument `variables` and return (input_grads, variable_grads).")
        outputs = [tfops.convert_to_tensor(o) for o in nest.flatten(result)]
        variable_tensors = [v._as_tensor() for v in variables]
        attrs = {"num_inputs": len(inputs), "num_variables": len(variables),
                 "grad_fn": grad_fn, "variables": tuple(variables)}
        passed = apply_multi("CustomGradient", inputs + variable_tensors + outputs, attrs,
                             len(outputs))
        return nest.pack_sequence_as(result, list(passed))
    return wrapper


class RegisterGradient:
    """TF1 decorator registering a gradient function under an op type name."""

    def __init__(self, op_type):
        self._op_type = op_type

    def __call__(self, function):
        register_gradient(self._op_type)(function)
        return function
