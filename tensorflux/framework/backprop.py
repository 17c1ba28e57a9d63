"""The one reverse pass, shared by GradientTape (recorded eager ops) and tf.gradients (a Graph).

Both hand `backward` a list of op applications in execution order; each has `op_def`, `inputs`,
`outputs` and `attrs`. Gradient functions are called with tensorflux ops, so in eager mode they
compute values now and in graph mode they add nodes: one algorithm for every mode and order.
"""
from tensorflux.framework import context, errors
from tensorflux.framework.tensor import Tensor

__all__ = ["backward", "gradients", "tape_gradients", "UnconnectedGradients"]


class UnconnectedGradients:
    """`tf.UnconnectedGradients`: what a source unconnected to the targets gets."""

    class _Mode:
        def __init__(self, value):
            self.value = value

        def __repr__(self):
            return f"<UnconnectedGradients.{self.value.upper()}: {self.value!r}>"

    NONE = _Mode("none")
    ZERO = _Mode("zero")

_DIFFERENTIABLE_KINDS = "fc"


def _differentiable(tensor):
    return tensor.dtype._np.kind in _DIFFERENTIABLE_KINDS


def backward(ops, targets, target_grads, sources, in_graph):
    """Returns {id(source tensor): gradient} for the source tensors reachable from targets."""
    from tensorflux import ops as tfops

    producer = {}
    for op in ops:
        for out in op.outputs:
            producer[id(out)] = op
    # Ops between the sources and the targets: reachable backwards from the targets and
    # depending on a source.
    source_ids = {id(s) for s in sources}
    depends = set(source_ids)
    for op in ops:
        if any(id(t) in depends for t in op.inputs):
            for out in op.outputs:
                depends.add(id(out))
    needed = set()
    stack = [t for t in targets if id(t) in depends]
    seen = set()
    while stack:
        t = stack.pop()
        op = producer.get(id(t))
        if op is None or id(op) in seen:
            continue
        seen.add(id(op))
        needed.add(id(op))
        stack.extend(i for i in op.inputs if id(i) in depends)

    grads = {}
    for t, g in zip(targets, target_grads):
        grads.setdefault(id(t), []).append(g)

    for op in reversed(ops):
        if id(op) not in needed:
            continue
        out_grads = [grads.get(id(out)) for out in op.outputs]
        if all(g is None for g in out_grads):
            continue
        out_grads = [_aggregate(g) if g is not None else None for g in out_grads]
        op_def = op.op_def
        if op_def.gradient is None:
            if op_def.differentiable is False:
                continue
            raise LookupError(f"No gradient defined for operation '{getattr(op, 'name', '')}' "
                              f"(op type: {op_def.name}). Wrap the value in tf.stop_gradient "
                              "if no gradient should flow through it.")
        if len(out_grads) > 1:
            out_grads = [g if g is not None or not _differentiable(o) else tfops.zeros_like(o)
                         for g, o in zip(out_grads, op.outputs)]
        if in_graph:
            graph = context.get_default_graph()
            with graph.name_scope(f"{op.name}_grad"):
                in_grads = op_def.gradient(op, *out_grads)
        else:
            in_grads = op_def.gradient(op, *out_grads)
        if not isinstance(in_grads, (list, tuple)):
            in_grads = [in_grads]
        if len(in_grads) != len(op.inputs):
            raise ValueError(f"The gradient of op {op_def.name} returned {len(in_grads)} "
                             f"values for {len(op.inputs)} inputs.")
        for index, (inp, g) in enumerate(zip(op.inputs, in_grads)):
            if g is None or id(inp) not in depends or not _differentiable(inp):
                continue
            g = tfops.convert_to_tensor(g)
            g = _sum_to_input(g, inp, op_def.name, index)
            grads.setdefault(id(inp), []).append(g)
    return {key: _aggregate(value) for key, value in grads.items() if key in source_ids}


def _aggregate(values):
    if len(values) == 1:
        return values[0]
    from tensorflux import ops as tfops
    return tfops.add_n(values)


def _sum_to_input(grad, inp, op_type, index):
    """Sums a broadcast gradient back to its input's shape (gradient functions don't)."""
    from tensorflux import ops as tfops
    g_shape, i_shape = grad.shape, inp.shape
    if grad._value is not None and inp._value is not None:
        if grad._value.shape == inp._value.shape:
            return grad
        return tfops.sum_to_shape(grad, inp._value.shape)
    if g_shape.is_fully_defined() and i_shape.is_fully_defined():
        if g_shape == i_shape:
            return grad
        return tfops.sum_to_shape(grad, i_shape.as_list())
    if (g_shape.rank is not None and i_shape.rank is not None and g_shape.rank == i_shape.rank
            and all(a == b for a, b in zip(g_shape.as_tuple(), i_shape.as_tuple())
                    if a is not None and b is not None)
            and all((a is None) == (b is None) for a, b in zip(g_shape.as_tuple(),
                                                              i_shape.as_tuple()))):
        return grad  # same rank, same known dims, unknown in the same places (e.g. batch)
    return tfops.sum_to_shape(grad, tfops.shape(inp))


def tape_gradients(tape, targets, sources, output_gradients, unconnected_gradients):
    from tensorflux import ops as tfops
    from tensorflux.framework.variables import Variable

    source_tensors = []   # per source: list of tensors whose gradients sum to its gradient
    for s in sources:
        if isinstance(s, Variable):
            source_tensors.append(tape._variable_reads.get(id(s), []))
        elif isinstance(s, Tensor):
            source_tensors.append([s])
        else:
            raise ValueError(f"Sources must be tf.Tensor or tf.Variable, got {type(s).__name__}.")
    targets = [tfops.convert_to_tensor(t) for t in targets]
    target_grads = _target_grads(targets, output_gradients)
    flat = [t for group in source_tensors for t in group]
    result = backward(list(tape._records), targets, target_grads, flat, in_graph=False)
    return _collect(sources, source_tensors, result, unconnected_gradients)


def _target_grads(targets, output_gradients):
    from tensorflux import ops as tfops
    if output_gradients is None:
        return [tfops.ones_like(t) for t in targets]
    grads = []
    for t, g in zip(targets, output_gradients):
        grads.append(tfops.ones_like(t) if g is None else
                     tfops.cast(tfops.convert_to_tensor(g), t.dtype))
    return grads


def _collect(sources, source_tensors, result, unconnected_gradients):
    from tensorflux import ops as tfops
    mode = getattr(unconnected_gradients, "value", unconnected_gradients)
    if mode not in ("none", "zero"):
        raise ValueError(f"Unknown value for unconnected_gradients: {mode!r}.")
    out = []
    for s, group in zip(sources, source_tensors):
        parts = [result[id(t)] for t in group if id(t) in result]
        if parts:
            out.append(_aggregate(parts))
        elif mode == "zero":
            out.append(tfops.zeros_like(s))
        else:
            out.append(None)
    return out


def gradients(ys, xs, grad_ys=None, name="gradients", stop_gradients=None,
              unconnected_gradients="none", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None):
    """Symbolic gradients of sum(ys) with respect to each of xs (graph mode, `tf.gradients`)."""
    from tensorflux import ops as tfops
    from tensorflux.framework import nest
    from tensorflux.framework.variables import Variable
    if context.executing_eagerly():
        raise RuntimeError("tf.gradients is not supported when eager execution is enabled. "
                           "Use tf.GradientTape instead.")
    ys = [tfops.convert_to_tensor(y) for y in nest.flatten(ys)]
    xs_list = nest.flatten(xs)
    graph = ys[0].op.graph if ys and ys[0]._value is None else context.get_default_graph()
    with graph.as_default():
        source_tensors = []
        for x in xs_list:
            if isinstance(x, Variable):
                source_tensors.append([x._graph_node(graph)])
            else:
                source_tensors.append([tfops.convert_to_tensor(x)])
        stops = {id(tfops.convert_to_tensor(s)) for s in nest.flatten(stop_gradients or [])}
        with graph.name_scope(name):
            target_grads = _target_grads(ys, None if grad_ys is None else nest.flatten(grad_ys))
            ops = graph._operations
            if stops:
                ops = [op for op in ops if not any(id(o) in stops for o in op.outputs)]
            flat = [t for group in source_tensors for t in group]
            result = backward(list(ops), ys, target_grads, flat, in_graph=True)
            return _collect(xs_list, source_tensors, result, unconnected_gradients)
