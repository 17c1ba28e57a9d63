"""tf.print: prints tensor values when the op runs (now eagerly; at run time in graphs)."""
import sys

import numpy as np

from tensorflux.framework import context
from tensorflux.framework.registry import not_differentiable, register_op
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape

__all__ = ["print_v2"]


def _format(value):
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return str([v.decode() if isinstance(v, bytes) else v for v in value.tolist()]) \
                if value.ndim else (value.item().decode() if isinstance(value.item(), bytes)
                                    else str(value.item()))
        return np.array2string(value, separator=" ") if value.ndim else str(value.item())
    return str(value)


def _print_kernel(xp, *arrays, template, output_stream, sep, end):
    values = iter(arrays)
    parts = [_format(next(values)) if item is None else item for item in template]
    stream = sys.stdout if output_stream == "stdout" else sys.stderr
    print(sep.join(parts), end=end, file=stream)


register_op("PrintV2", _print_kernel, lambda inputs, attrs: [], num_outputs=0, stateful=True)
not_differentiable("PrintV2")


def print_v2(*inputs, output_stream=sys.stderr, summarize=3, sep=" ", end="\n", name=None):
    """Prints the inputs (tensors print their values) to stderr by default, like tf.print."""
    stream = "stdout" if output_stream in (sys.stdout, "stdout") or \
        getattr(output_stream, "name", "") == "<stdout>" else "stderr"
    template, tensors = [], []
    for item in inputs:
        if hasattr(item, "_as_tensor") and not isinstance(item, Tensor):
            item = item._as_tensor()
        if isinstance(item, Tensor):
            template.append(None)
            tensors.append(item)
        else:
            template.append(str(item))
    attrs = {"template": tuple(template), "output_stream": stream, "sep": sep, "end": end}
    if context.executing_eagerly() and all(t._value is not None for t in tensors):
        _print_kernel(np, *[t._value for t in tensors], **attrs)
        return None
    from tensorflux.framework.execute import apply_op
    from tensorflux.framework.registry import get_op
    apply_op(get_op("PrintV2"), tensors, attrs, name)
    return context.get_default_graph()._operations[-1]


del TensorShape
