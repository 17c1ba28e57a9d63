"""Graph-mode control flow: `If` and `While` ops that run traced sub-graphs.

`tf.cond` and `tf.while_loop` in a graph (TF1, or `tf.function` tracing) trace each branch, or
the loop's condition and body, into a `FuncGraph` of its own and compile it into a `Plan`. One
op joins the outer graph: "If" takes the predicate and the outer tensors the branches captured,
and its kernel runs only the plan of the taken branch, so side effects and errors of the other
branch never happen. "While" takes the loop variables and captures and runs the condition and
body plans until the condition is false. Ops whose sub-graphs contain stateful ops (assignments,
prints, random numbers) are the stateful variants "If"/"While"; the others are "StatelessIf"/
"StatelessWhile", which `function` may prune like any pure op.

Gradients of an If op are another If op whose branches are the gradients of each branch with
respect to its inputs, built with `tf.gradients` inside the branch graphs. The forward values
those gradients need (intermediates) are not recomputed: the forward If op gains one extra
output per intermediate (the branch not taken outputs a zero placeholder value), and the
gradient op takes them as inputs. Recomputing would re-draw random numbers (dropout) and
re-run side effects.

Gradients of a While op: once differentiated, the op records, per iteration, the loop values
and body intermediates the body's gradient needs (one extra "variant" output holding that
history); a WhileGrad op then runs the body's gradient plan once per recorded iteration, last
first, summing the gradients of the captured tensors. Second-order gradients through a loop
raise UnimplementedError.
"""
import numpy as np

from tensorflux.compiler.plan import Plan
from tensorflux.framework import context, dtypes, errors, nest
from tensorflux.framework.execute import _graph_apply, _is_inner, convert_to_tensor
from tensorflux.framework.function import FuncGraph
from tensorflux.framework.graph import Operation
from tensorflux.framework.registry import (OpDef, get_op, not_differentiable, register_gradient,
                                          register_op)
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape

__all__ = ["graph_cond", "graph_while", "graph_assert"]

_SKIPPED_TARGETS = ("VariableV2", "Placeholder")


# ---- sub-graphs ----------------------------------------------------------------------------

class _BranchGraph(FuncGraph):
    """The graph of a cond branch or loop body. Outer tensors become inner placeholders.

    Unlike a `function` graph, variables are captured as their node in the outer graph (so
    `tf.gradients` with respect to a variable flows through the If op); the node's value is
    the variable's storage, so reads inside still see assignments made inside.
    """

    def capture(self, tensor):
        outer = self.outer_graph
        if (isinstance(outer, FuncGraph) and tensor._value is None
                and tensor.op.graph is not outer and tensor.op.graph is not self):
            # A tensor from further out: the intermediate graph captures it first, so the
            # nested op's inputs live in the graph that holds it.
            tensor = outer.capture(tensor)
        return super().capture(tensor)

    def capture_variable(self, variable):
        return self.capture(variable._graph_node(self.outer_graph))


def _trace(function, args, outer_graph, name):
    graph = _BranchGraph(name, outer_graph)
    with graph.as_default():
        result = function(*args)
    return graph, result


def _to_inner(value, graph, role):
    """A branch result leaf as a tensor of `graph` (outer tensors are captured)."""
    if isinstance(value, Operation) or value is None:
        return value
    if hasattr(value, "_as_tensor") and not isinstance(value, Tensor):  # a Variable
        with graph.as_default():
            value = value._as_tensor()
    if not isinstance(value, Tensor):
        try:
            with graph.as_default():
                value = convert_to_tensor(value)
        except (TypeError, ValueError) as error:
            raise TypeError(f"{role} returned {value!r}, which is not a tensor, a value "
                            "convertible to one, an Operation or None.") from error
    if value._value is not None:   # an eager tensor (or variable read): a node of `graph`
        from tensorflux.ops import array_ops
        with graph.as_default():
            return array_ops.identity(value)
    if value.op.graph is not graph:
        return graph.capture(value)
    return value


def _stateful_ops(graph, start=0):
    return [op for op in graph._operations[start:]
            if op.op_def.stateful and op.type not in _SKIPPED_TARGETS]


def _common_shape(first, second):
    """The most specific shape compatible with both (None where they differ)."""
    if first.rank is None or second.rank is None or first.rank != second.rank:
        return TensorShape(None)
    return TensorShape([a if a == b else None
                        for a, b in zip(first.as_tuple(), second.as_tuple())])


class _Dummy:
    """An output slot a branch does not compute: it yields zeros shaped like the static shape
    (unknown dimensions 0). Used for the intermediates of the other branch."""

    __slots__ = ("shape", "dtype", "value")

    def __init__(self, shape, dtype):
        self.shape = shape
        self.dtype = dtype
        dims = () if shape.rank is None else tuple(0 if d is None else d
                                                   for d in shape.as_tuple())
        np_dtype = object if dtype == dtypes.string else dtype.as_numpy_dtype
        self.value = np.broadcast_to(np.zeros((), dtype=np_dtype), dims)


class _Branch:
    """A compiled sub-graph: `inputs[i]` is fed the i-th op input (None: not used by this
    branch), `outputs[j]` computes the j-th op output (a `_Dummy` outputs zeros)."""

    def __init__(self, graph, inputs, outputs, targets):
        self.graph = graph
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.targets = list(targets)
        self.feed_index = [i for i, t in enumerate(self.inputs) if t is not None]
        fetches = []
        self.slots = []
        for out in self.outputs:
            if isinstance(out, _Dummy):
                self.slots.append((None, out.value))
            else:
                self.slots.append((len(fetches), None))
                fetches.append(out)
        self.plan = Plan(fetches, self.targets, [self.inputs[i] for i in self.feed_index])

    def run(self, args):
        values = self.plan(*[args[i] for i in self.feed_index])
        results = []
        for position, dummy in self.slots:
            if position is None:
                results.append(dummy)
                continue
            value = values[position]
            if type(value) is not np.ndarray:
                value = np.asarray(value)
            elif _shares_memory(value, args):
                # an input passed through (e.g. a variable's storage): hand out a copy
                value = value.copy()
            results.append(value)
        return results


def _shares_memory(value, arrays):
    for a in arrays:
        if type(a) is np.ndarray and np.may_share_memory(value, a):
            return True
    return False


def _pack(results, count):
    if count == 0:
        return None
    if count == 1:
        return results[0]
    return tuple(results)


class _IfInfo:
    """The attr of an If op: its two branches and its outputs' static shapes and dtypes.

    Each op has its own info; `grad_cache` maps a mask of the outputs that receive gradients
    to the gradient built for it (see `_if_grad`).
    """

    def __init__(self, branches, shapes, out_dtypes, grad_cache=None):
        self.branches = tuple(branches)
        self.shapes = list(shapes)
        self.dtypes = list(out_dtypes)
        self.grad_cache = {} if grad_cache is None else grad_cache

    def copy(self):
        return _IfInfo(self.branches, self.shapes, self.dtypes)


def _truth(pred):
    array = np.asarray(pred)
    if array.size != 1:
        raise errors.InvalidArgumentError(
            None, None, f"The predicate of tf.cond must be a scalar bool, but got a value of "
            f"shape {tuple(array.shape)}. Reduce it first, e.g. tf.reduce_all(pred).")
    return bool(array.reshape(()))


def _if_kernel(xp, pred, *args, info):
    branch = info.branches[0 if _truth(pred) else 1]
    return _pack(branch.run(args), len(info.shapes))


def _info_shapes(inputs, attrs):
    return list(attrs["info"].shapes)


def _info_dtypes(input_dtypes, attrs):
    return list(attrs["info"].dtypes)


for _name, _stateful in (("If", True), ("StatelessIf", False)):
    register_op(_name, _if_kernel, _info_shapes, _info_dtypes, num_outputs=None,
                stateful=_stateful)

_VARIANTS = {}


def _op_def(name, num_outputs):
    """The registered op `name` with `num_outputs` outputs (If/While vary per use)."""
    key = (name, num_outputs)
    variant = _VARIANTS.get(key)
    if variant is None:
        base = get_op(name)
        variant = OpDef(base.name, base.kernel, base.shape_fn, base.dtype_fn, num_outputs,
                        base.stateful)
        variant.gradient = base.gradient
        variant.differentiable = base.differentiable
        _VARIANTS[key] = variant
    return variant


def _add_op(name, inputs, attrs, num_outputs, op_name, graph):
    """Adds op `name` to `graph` (the default graph); returns (Operation, outputs)."""
    before = len(graph._operations)
    outputs = _graph_apply(_op_def(name, num_outputs), inputs, attrs, op_name)
    if num_outputs == 1:
        outputs = (outputs,)
    op = outputs[0].op if outputs else graph._operations[before:][-1]
    return op, tuple(outputs)


def _outer_graph_for(tensors):
    graph = context.get_default_graph()
    for t in tensors:
        if isinstance(t, Tensor) and t._value is None and t.op.graph is not graph \
                and not _is_inner(graph, t.op.graph):
            return t.op.graph
    return graph


# ---- cond ----------------------------------------------------------------------------------

def _structure_signature(structure):
    if isinstance(structure, dict):
        return ("dict", tuple(sorted((str(k), _structure_signature(v))
                                     for k, v in structure.items())))
    if isinstance(structure, (list, tuple)):
        return (type(structure).__name__, tuple(_structure_signature(v) for v in structure))
    return "leaf"


def graph_cond(pred, true_fn, false_fn, name=None):
    """`tf.cond` in a graph: one If op running the taken branch's traced sub-graph.

    Raises:
        TypeError: `pred` is not a bool tensor, or the branches return different dtypes.
        ValueError: `pred` is not a scalar, or the branches return different structures.
    """
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("tf.cond: true_fn and false_fn must be callables (e.g. lambdas), got "
                        f"{type(true_fn).__name__} and {type(false_fn).__name__}.")
    outer = _outer_graph_for([pred])
    with outer.as_default():
        if hasattr(pred, "_as_tensor") and not isinstance(pred, Tensor):
            pred = pred._as_tensor()
        pred = convert_to_tensor(pred)
        if pred.dtype != dtypes.bool:
            raise TypeError(f"tf.cond: the predicate must be a bool tensor, but got dtype "
                            f"{pred.dtype.name}. Compare it first, e.g. tf.greater(x, 0).")
        if pred.shape.rank is not None and pred.shape.rank != 0:
            raise ValueError(f"tf.cond: the predicate must be a scalar (shape ()), but got "
                             f"shape {pred.shape}. Reduce it, e.g. tf.reduce_all(pred).")
        label = name or "cond"
        true_graph, true_result = _trace(true_fn, (), outer, f"{label}_true")
        false_graph, false_result = _trace(false_fn, (), outer, f"{label}_false")
        if _structure_signature(true_result) != _structure_signature(false_result):
            raise ValueError(
                "tf.cond: true_fn and false_fn must return the same structure (number, "
                f"nesting and dict keys of values), but true_fn returned {true_result!r} and "
                f"false_fn returned {false_result!r}.")
        true_flat = [_to_inner(v, true_graph, "true_fn") for v in nest.flatten(true_result)]
        false_flat = [_to_inner(v, false_graph, "false_fn")
                      for v in nest.flatten(false_result)]
        slots = []  # per leaf: index of the op output, "op" or None
        true_outputs, false_outputs, shapes, out_dtypes = [], [], [], []
        for position, (a, b) in enumerate(zip(true_flat, false_flat)):
            if isinstance(a, Tensor) != isinstance(b, Tensor):
                raise ValueError(
                    f"tf.cond: output {position} is a {_kind(a)} in true_fn but a {_kind(b)} "
                    "in false_fn; both branches must return tensors at the same positions.")
            if not isinstance(a, Tensor):
                slots.append("op" if isinstance(a, Operation) or isinstance(b, Operation)
                             else None)
                continue
            if a.dtype != b.dtype:
                raise TypeError(
                    f"tf.cond: output {position} has dtype {a.dtype.name} in true_fn but "
                    f"{b.dtype.name} in false_fn; both branches must return the same dtypes "
                    f"(cast one, e.g. tf.cast(x, tf.{a.dtype.name})).")
            slots.append(len(true_outputs))
            true_outputs.append(a)
            false_outputs.append(b)
            shapes.append(_common_shape(a.shape, b.shape))
            out_dtypes.append(a.dtype)
        # Both branches take the union of the outer tensors either captured.
        outer_inputs = []
        seen = set()
        for graph in (true_graph, false_graph):
            for outer_tensor, _ in graph.captures:
                if id(outer_tensor) not in seen:
                    seen.add(id(outer_tensor))
                    outer_inputs.append(outer_tensor)
        branches = []
        for graph, outputs in ((true_graph, true_outputs), (false_graph, false_outputs)):
            inner = [graph.capture(t) for t in outer_inputs]
            branches.append(_Branch(graph, inner, outputs, _stateful_ops(graph)))
        info = _IfInfo(branches, shapes, out_dtypes)
        op_type = "If" if any(b.targets for b in branches) else "StatelessIf"
        op, outputs = _add_op(op_type, [pred] + outer_inputs, {"info": info},
                              len(true_outputs), label, outer)
        flat = [outputs[s] if isinstance(s, int) else (op if s == "op" else None)
                for s in slots]
        return nest.pack_sequence_as(true_result, flat)


def _kind(value):
    if isinstance(value, Tensor):
        return "tensor"
    if isinstance(value, Operation):
        return "tf.Operation"
    return "None"


@register_gradient("If")
def _if_grad(op, *grads):
    """d cond(p, f, g)(x) = cond(p, df/dx, dg/dx): an If op over the branches' gradients."""
    grads = list(grads) + [None] * (len(op.outputs) - len(grads))
    mask = tuple(g is not None and o.dtype._np.kind in "fc"
                 for g, o in zip(grads, op.outputs))
    if not any(mask):
        return [None] * len(op.inputs)
    info = op.attrs["info"]
    spec = info.grad_cache.get(mask)
    if spec is None:
        spec = _build_if_gradient(op, mask)
        op.attrs["info"].grad_cache[mask] = spec
    grad_info, input_positions, slots = spec
    if not input_positions:   # no output depends on a differentiable input
        return [None] * len(op.inputs)
    inputs = ([op.inputs[0]] + list(op.inputs[1:])
              + [g for g, m in zip(grads, mask) if m] + [op.outputs[s] for s in slots])
    op_type = "If" if any(b.targets for b in grad_info.branches) else "StatelessIf"
    graph = context.get_default_graph()
    _, outputs = _add_op(op_type, inputs, {"info": grad_info.copy()},
                         len(input_positions), "cond_grad", graph)
    result = [None] * len(op.inputs)
    for position, out in zip(input_positions, outputs):
        result[1 + position] = out
    return result


register_gradient("StatelessIf")(_if_grad)


def _build_if_gradient(op, mask):
    """Builds the gradient branches for outputs `mask` and extends `op` with intermediates.

    Returns (the gradient op's info, the op input positions (after the predicate) its outputs
    are the gradients of, the op output indices of the intermediates it takes).
    """
    from tensorflux import ops as tfops
    from tensorflux.framework import backprop
    info = op.attrs["info"]
    parts = []
    for branch in info.branches:
        graph = branch.graph
        boundary = len(graph._operations)
        with graph.as_default():
            ys, grad_ys, grad_inputs = [], [], []
            for j, wanted in enumerate(mask):
                if not wanted:
                    continue
                out = branch.outputs[j]
                if isinstance(out, _Dummy):
                    grad_inputs.append(None)
                    continue
                placeholder = tfops.placeholder(out.dtype, out.shape, name="grad_ys")
                ys.append(out)
                grad_ys.append(placeholder)
                grad_inputs.append(placeholder)
            xs = [t for t in branch.inputs if t is not None]
            if ys and xs:
                # every input is a leaf: an intermediate fed in is not differentiated through
                # its producer (that path reaches the forward op's own inputs separately)
                grads = backprop.gradients(ys, xs, grad_ys=grad_ys, stop_gradients=xs,
                                           name="cond_gradients")
            else:
                grads = [None] * len(xs)
        by_input = [None] * len(branch.inputs)
        for index, g in zip(branch.feed_index, grads):
            by_input[index] = g
        fed = {id(t) for t in xs} | {id(t) for t in grad_ys}
        fetches = [g for g in by_input if g is not None]
        needed = []
        needed_ids = set()

        def need(t):
            if (id(t) in fed or id(t) in needed_ids or t.op.graph is not graph
                    or t.op.index >= boundary or t.op.type == "Const"):
                return
            needed_ids.add(id(t))
            needed.append(t)
        if fetches:
            probe = Plan(fetches, (), xs + grad_ys)
            for o in probe.ops:
                if o.index >= boundary:
                    for t in o.inputs:
                        need(t)
            for t in fetches:
                need(t)
        parts.append((branch, by_input, grad_inputs, needed, boundary))

    # Intermediates: existing outputs are reused, others become new outputs of `op`.
    outputs_per_branch = [list(b.outputs) for b in info.branches]
    slot_of = [{} for _ in info.branches]   # per branch: id(tensor) -> output index
    for k, branch in enumerate(info.branches):
        for j, out in enumerate(branch.outputs):
            if isinstance(out, Tensor):
                slot_of[k].setdefault(id(out), j)
    shapes, out_dtypes = list(info.shapes), list(info.dtypes)
    for k, (_, _, _, needed, _) in enumerate(parts):
        for t in needed:
            if id(t) in slot_of[k]:
                continue
            slot_of[k][id(t)] = len(shapes)
            for other in range(len(parts)):
                outputs_per_branch[other].append(t if other == k else _Dummy(t.shape,
                                                                               t.dtype))
            shapes.append(t.shape)
            out_dtypes.append(t.dtype)
    if len(shapes) > len(op.outputs):
        new_branches = [_Branch(b.graph, b.inputs, outs, b.targets)
                        for b, outs in zip(info.branches, outputs_per_branch)]
        new_info = _IfInfo(new_branches, shapes, out_dtypes, info.grad_cache)
        first_new = len(op.outputs)
        op.op_def = _op_def(op.type, len(shapes))
        op.attrs = dict(op.attrs, info=new_info)
        op.outputs = tuple(op.outputs) + tuple(
            Tensor(op, i, out_dtypes[i], shapes[i]) for i in range(first_new, len(shapes)))
        info = new_info
    slots = sorted({slot_of[k][id(t)] for k, part in enumerate(parts) for t in part[3]})

    # The gradient op: outputs for the inputs with a gradient in either branch.
    input_positions = [i for i in range(len(info.branches[0].inputs))
                       if any(part[1][i] is not None for part in parts)]
    grad_branches = []
    for k, (branch, by_input, grad_inputs, needed, boundary) in enumerate(parts):
        needed_ids = {id(t) for t in needed}
        intermediate_inputs = []
        for s in slots:
            out = info.branches[k].outputs[s]
            intermediate_inputs.append(out if isinstance(out, Tensor) and id(out) in needed_ids
                                       else None)
        outputs = []
        with branch.graph.as_default():
            for i in input_positions:
                g = by_input[i]
                if g is None:
                    if branch.inputs[i] is not None:
                        g = tfops.zeros_like(branch.inputs[i])
                    else:
                        other = next(p[1][i] for p in parts if p[1][i] is not None)
                        g = _Dummy(other.shape, other.dtype)
                outputs.append(g)
        grad_branches.append(_Branch(branch.graph,
                                     list(branch.inputs) + grad_inputs + intermediate_inputs,
                                     outputs, _stateful_ops(branch.graph, boundary)))
    grad_shapes, grad_dtypes = [], []
    for column in zip(*[b.outputs for b in grad_branches]):
        shape = column[0].shape
        for out in column[1:]:
            shape = _common_shape(shape, out.shape)
        grad_shapes.append(shape)
        grad_dtypes.append(column[0].dtype)
    return _IfInfo(grad_branches, grad_shapes, grad_dtypes), input_positions, slots


# ---- while_loop ----------------------------------------------------------------------------

class _WhileInfo:
    """The attr of a While op: the condition and body branches and the output metadata.

    `record` is None, or (once a gradient needs them) the indices of the loop variables whose
    per-iteration values the op keeps; the body then also computes the intermediates the
    gradient needs, and the op outputs every iteration's values as one extra (variant) output.
    """

    def __init__(self, cond, body, num_vars, has_limit, shapes, out_dtypes, record=None):
        self.cond = cond
        self.body = body
        self.num_vars = num_vars
        self.has_limit = has_limit
        self.shapes = shapes
        self.dtypes = out_dtypes
        self.record = record
        self.gradient = None


def _while_kernel(xp, *args, info):
    n = info.num_vars
    values = list(args[:n])
    rest = list(args[n:])
    limit = None
    if info.has_limit:
        limit = int(np.asarray(rest.pop(0)))
    cond_plan = info.cond.plan
    body_plan = info.body.plan
    record = info.record
    history = [] if record is not None else None
    count = 0
    while limit is None or count < limit:
        flag = cond_plan(*values, *rest)[0]
        if not _loop_truth(flag):
            break
        outputs = body_plan(*values, *rest)
        if history is not None:
            history.append(([values[i] for i in record], outputs[n:]))
            outputs = outputs[:n]
        values = outputs
        count += 1
    results = []
    for value in values:
        if type(value) is not np.ndarray:
            value = np.asarray(value)
        elif _shares_memory(value, args):
            value = value.copy()
        results.append(value)
    if history is not None:
        holder = np.empty((), dtype=object)
        holder[()] = history
        results.append(holder)
        return tuple(results)
    return _pack(results, n)


def _loop_truth(flag):
    array = np.asarray(flag)
    if array.size != 1:
        raise errors.InvalidArgumentError(
            None, None, "The condition of tf.while_loop must return a scalar bool, but it "
            f"returned a value of shape {tuple(array.shape)}.")
    return bool(array.reshape(()))


for _name, _stateful in (("While", True), ("StatelessWhile", False)):
    register_op(_name, _while_kernel, _info_shapes, _info_dtypes, num_outputs=None,
                stateful=_stateful)


class _WhileGradInfo:
    """The attr of a WhileGrad op: the body's gradient plan and how its values are laid out.

    Feeds of `plan`: the recorded loop variables, the captures, the upstream gradients of the
    float loop variables, the recorded intermediates. `var_fetch[j]` / `capture_fetch[k]`:
    position of a gradient among the plan's fetches (None: no gradient, i.e. zero).
    """

    def __init__(self, plan, num_float, num_captures, var_fetch, capture_fetch,
                 capture_index, shapes, out_dtypes):
        self.plan = plan
        self.num_float = num_float
        self.num_captures = num_captures
        self.var_fetch = var_fetch
        self.capture_fetch = capture_fetch
        self.capture_index = capture_index
        self.shapes = shapes
        self.dtypes = out_dtypes


def _while_grad_kernel(xp, *args, info):
    """Runs the body's gradient once per recorded iteration, last iteration first."""
    nf, nc = info.num_float, info.num_captures
    grads = list(args[:nf])
    captures = list(args[nf:nf + nc])
    history = args[nf + nc][()]
    totals = [None] * len(info.capture_fetch)
    for recorded, intermediates in reversed(history):
        outputs = info.plan(*recorded, *captures, *grads, *intermediates)
        grads = [outputs[p] if p is not None else np.zeros_like(g)
                 for p, g in zip(info.var_fetch, grads)]
        for k, p in enumerate(info.capture_fetch):
            totals[k] = outputs[p] if totals[k] is None else totals[k] + outputs[p]
    for k, index in enumerate(info.capture_index):
        if totals[k] is None:   # the loop ran zero times
            totals[k] = np.zeros_like(captures[index])
    results = [np.asarray(g) for g in grads] + [np.asarray(t) for t in totals]
    return _pack(results, len(results))


register_op("WhileGrad", _while_grad_kernel, _info_shapes, _info_dtypes, num_outputs=None)


@register_gradient("WhileGrad")
def _while_grad_grad(op, *grads):
    """not implemented: raises UnimplementedError"""
    raise errors.UnimplementedError(
        None, op, "Second-order gradients through tf.while_loop in a graph are not supported "
        "by tensorflux. Compute them eagerly with nested tf.GradientTapes outside tf.function "
        "(the loop then runs as Python).")


def _is_float(tensor):
    return tensor.dtype._np.kind in "fc"


@register_gradient("While")
def _while_grad(op, *grads):
    """Reverse iteration: g_{t} = d body / d vars (g_{t+1}); capture gradients summed."""
    info = op.attrs["info"]
    n = info.num_vars
    if info.gradient is None:
        _build_while_gradient(op)
        info = op.attrs["info"]
    grad_info, float_vars, capture_positions = info.gradient
    upstream = []
    for i in float_vars:
        g = grads[i] if i < len(grads) else None
        upstream.append(g if g is not None else _zeros_like_output(op.outputs[i]))
    first_capture = n + (1 if info.has_limit else 0)
    inputs = upstream + list(op.inputs[first_capture:]) + [op.outputs[n]]
    graph = context.get_default_graph()
    _, outputs = _add_op("WhileGrad", inputs, {"info": grad_info}, len(grad_info.shapes),
                         "while_grad", graph)
    result = [None] * len(op.inputs)
    for j, i in enumerate(float_vars):
        result[i] = outputs[j]
    for k, position in enumerate(capture_positions):
        result[first_capture + position] = outputs[len(float_vars) + k]
    return result


register_gradient("StatelessWhile")(_while_grad)


def _zeros_like_output(tensor):
    from tensorflux import ops as tfops
    return tfops.zeros_like(tensor)


def _build_while_gradient(op):
    """Builds the body's gradient and makes `op` record what it needs per iteration."""
    from tensorflux import ops as tfops
    from tensorflux.framework import backprop
    info = op.attrs["info"]
    n = info.num_vars
    body = info.body
    graph = body.graph
    var_inputs, capture_inputs = body.inputs[:n], body.inputs[n:]
    var_outputs = body.outputs[:n]
    float_vars = [i for i in range(n) if _is_float(var_outputs[i])]
    float_captures = [k for k, t in enumerate(capture_inputs) if _is_float(t)]
    boundary = len(graph._operations)
    with graph.as_default():
        grad_ys = [tfops.placeholder(var_outputs[i].dtype, info.shapes[i], name="grad_ys")
                   for i in float_vars]
        xs = [var_inputs[i] for i in float_vars] + [capture_inputs[k] for k in float_captures]
        if float_vars and xs:
            grads = backprop.gradients([var_outputs[i] for i in float_vars], xs,
                                       grad_ys=grad_ys, stop_gradients=body.inputs,
                                       name="while_gradients")
        else:
            grads = [None] * len(xs)
    var_grads = grads[:len(float_vars)]
    capture_grads = grads[len(float_vars):]
    fetches = [g for g in grads if g is not None]
    fed = {id(t) for t in capture_inputs} | {id(t) for t in grad_ys}
    needed, needed_ids = [], set()

    def need(t):
        if (id(t) in fed or id(t) in needed_ids or t.op.graph is not graph
                or t.op.index >= boundary or t.op.type == "Const"):
            return
        needed_ids.add(id(t))
        needed.append(t)
    if fetches:
        probe = Plan(fetches, (), list(body.inputs) + grad_ys)
        for o in probe.ops:
            if o.index >= boundary:
                for t in o.inputs:
                    need(t)
        for t in fetches:
            need(t)
    var_ids = {id(t): i for i, t in enumerate(var_inputs)}
    record = [var_ids[id(t)] for t in needed if id(t) in var_ids]
    intermediates = [t for t in needed if id(t) not in var_ids]
    plan = Plan(fetches, (), [var_inputs[i] for i in record] + list(capture_inputs) + grad_ys
                + intermediates)
    fetch_index = {id(g): i for i, g in enumerate(fetches)}
    var_fetch = [fetch_index[id(g)] if g is not None else None for g in var_grads]
    kept = [(k, g) for k, g in zip(float_captures, capture_grads) if g is not None]
    capture_fetch = [fetch_index[id(g)] for _, g in kept]
    capture_positions = [k for k, _ in kept]
    shapes = [info.shapes[i] for i in float_vars] + [capture_inputs[k].shape
                                                     for k in capture_positions]
    out_dtypes = [var_outputs[i].dtype for i in float_vars] + [capture_inputs[k].dtype
                                                               for k in capture_positions]
    grad_info = _WhileGradInfo(plan, len(float_vars), len(capture_inputs), var_fetch,
                               capture_fetch, capture_positions, shapes, out_dtypes)
    # The forward op now records the loop variables and intermediates of every iteration.
    new_body = _Branch(graph, body.inputs, list(var_outputs) + intermediates, body.targets)
    new_info = _WhileInfo(info.cond, new_body, n, info.has_limit,
                          list(info.shapes) + [TensorShape([])],
                          list(info.dtypes) + [dtypes.variant], record)
    new_info.gradient = (grad_info, float_vars, capture_positions)
    op.op_def = _op_def(op.type, n + 1)
    op.attrs = dict(op.attrs, info=new_info)
    op.outputs = tuple(op.outputs) + (Tensor(op, n, dtypes.variant, TensorShape([])),)


def graph_while(cond, body, loop_vars, maximum_iterations=None, name=None,
                shape_invariants=None):
    """`tf.while_loop` in a graph: one While op running the traced condition and body.

    Raises:
        TypeError: the condition does not return a bool, or the body changes a dtype.
        ValueError: the body returns another structure or changes a shape without a
            `shape_invariants` entry allowing it.
    """
    if not callable(cond) or not callable(body):
        raise TypeError("tf.while_loop: cond and body must be callables.")
    single = not isinstance(loop_vars, (list, tuple))
    flat_vars = nest.flatten(loop_vars)
    if not flat_vars:
        raise ValueError("tf.while_loop: loop_vars must contain at least one tensor.")
    outer = _outer_graph_for(flat_vars + [maximum_iterations])
    label = name or "while"
    with outer.as_default():
        flat_vars = [v._as_tensor() if hasattr(v, "_as_tensor") and not isinstance(v, Tensor)
                     else v for v in flat_vars]
        flat_vars = [convert_to_tensor(v) for v in flat_vars]
        if shape_invariants is not None:
            invariants = [TensorShape(s) for s in _flatten_like(shape_invariants, loop_vars)]
            for v, s in zip(flat_vars, invariants):
                if not s.is_compatible_with(v.shape):
                    raise ValueError(f"tf.while_loop: the shape invariant {s} is not "
                                     f"compatible with the initial loop variable {v!r}.")
        else:
            invariants = [v.shape for v in flat_vars]

        def packed(graph):
            with graph.as_default():
                inner = [tfops_placeholder(v.dtype, s) for v, s in zip(flat_vars, invariants)]
            return inner, nest.pack_sequence_as(loop_vars, inner)

        cond_graph = _BranchGraph(f"{label}_cond", outer)
        cond_inputs, cond_args = packed(cond_graph)
        with cond_graph.as_default():
            flag = cond(cond_args) if single else cond(*cond_args)
        flag = _to_inner(flag, cond_graph, "the while_loop condition")
        if not isinstance(flag, Tensor) or flag.dtype != dtypes.bool:
            raise TypeError("tf.while_loop: cond must return a bool scalar tensor, but it "
                            f"returned {flag!r}.")
        if flag.shape.rank is not None and flag.shape.rank != 0:
            raise ValueError(f"tf.while_loop: cond must return a scalar, but it returned "
                             f"shape {flag.shape}. Reduce it, e.g. tf.reduce_all(...).")

        body_graph = _BranchGraph(f"{label}_body", outer)
        body_inputs, body_args = packed(body_graph)
        with body_graph.as_default():
            result = body(body_args) if single else body(*body_args)
        if not single and len(loop_vars) == 1 and not isinstance(result, (list, tuple)):
            result = [result]
        flat_result = nest.flatten(result)
        if len(flat_result) != len(flat_vars):
            raise ValueError(f"tf.while_loop: body must return the same structure as "
                             f"loop_vars ({len(flat_vars)} values), but it returned {result!r}.")
        flat_result = [_to_inner(v, body_graph, "the while_loop body") for v in flat_result]
        shapes = []
        for index, (v, out, invariant) in enumerate(zip(flat_vars, flat_result, invariants)):
            if not isinstance(out, Tensor):
                raise TypeError(f"tf.while_loop: body output {index} is {out!r}, not a tensor.")
            if out.dtype != v.dtype:
                raise TypeError(f"tf.while_loop: loop variable {index} enters the loop with "
                                f"dtype {v.dtype.name} but the body returns dtype "
                                f"{out.dtype.name}; cast it in the body, e.g. "
                                f"tf.cast(x, tf.{v.dtype.name}).")
            if not invariant.is_compatible_with(out.shape):
                raise ValueError(
                    f"tf.while_loop: loop variable {index} enters the loop with shape "
                    f"{invariant}, but has shape {out.shape} after one iteration. To allow "
                    "the shape to vary across iterations, pass a less specific shape (None "
                    "dimensions) for it in the `shape_invariants` argument.")
            shapes.append(_common_shape(invariant, out.shape))

        outer_inputs = []
        seen = set()
        for graph in (cond_graph, body_graph):
            for outer_tensor, _ in graph.captures:
                if id(outer_tensor) not in seen:
                    seen.add(id(outer_tensor))
                    outer_inputs.append(outer_tensor)
        cond_branch = _Branch(cond_graph, cond_inputs + [cond_graph.capture(t)
                                                         for t in outer_inputs],
                              [flag], _stateful_ops(cond_graph))
        body_branch = _Branch(body_graph, body_inputs + [body_graph.capture(t)
                                                         for t in outer_inputs],
                              flat_result, _stateful_ops(body_graph))
        inputs = list(flat_vars)
        has_limit = maximum_iterations is not None
        if has_limit:
            limit = maximum_iterations
            if hasattr(limit, "_as_tensor") and not isinstance(limit, Tensor):
                limit = limit._as_tensor()
            limit = convert_to_tensor(limit)
            if not limit.dtype.is_integer:
                raise TypeError("tf.while_loop: maximum_iterations must be an integer, got "
                                f"dtype {limit.dtype.name}.")
            inputs.append(limit)
        inputs += outer_inputs
        info = _WhileInfo(cond_branch, body_branch, len(flat_vars), has_limit, shapes,
                          [v.dtype for v in flat_vars])
        stateful = cond_branch.targets or body_branch.targets
        _, outputs = _add_op("While" if stateful else "StatelessWhile", inputs,
                             {"info": info}, len(flat_vars), label, outer)
    return nest.pack_sequence_as(loop_vars, list(outputs))


def _flatten_like(invariants, loop_vars):
    if not isinstance(loop_vars, (list, tuple, dict)):
        return [invariants]
    flat = nest.flatten(invariants)
    # A TensorShape or a list of dims per loop variable: flatten only the outer structure.
    if len(flat) != len(nest.flatten(loop_vars)):
        flat = list(invariants.values()) if isinstance(invariants, dict) else list(invariants)
    return flat


def tfops_placeholder(dtype, shape):
    from tensorflux.ops import array_ops
    return array_ops.placeholder(dtype, shape, name="loop_var")


# ---- Assert --------------------------------------------------------------------------------

def _format_item(value, summarize):
    if isinstance(value, np.ndarray):
        flat = value.reshape(-1)
        if summarize is not None and summarize >= 0 and flat.size > summarize:
            shown = " ".join(_format_scalar(v) for v in flat[:summarize]) + "..."
        else:
            shown = " ".join(_format_scalar(v) for v in flat)
        return f"[{shown}]" if value.ndim else shown
    return str(value)


def _format_scalar(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _assert_kernel(xp, condition, *arrays, template, summarize, name):
    if np.all(condition):
        return None
    values = iter(arrays)
    parts = [_format_item(next(values), summarize) if item is None else item
             for item in template]
    raise errors.InvalidArgumentError(
        None, None, f"assertion failed: {' '.join(parts)}" + (f" ({name})" if name else ""))


register_op("Assert", _assert_kernel, lambda inputs, attrs: [], num_outputs=0, stateful=True)
not_differentiable("Assert")


def graph_assert(condition, data, name=None, summarize=3):
    """An Assert op: raises InvalidArgumentError with `data` when `condition` is false."""
    template, tensors = [], []
    graph = _outer_graph_for([condition] + list(data or []))
    with graph.as_default():
        if hasattr(condition, "_as_tensor") and not isinstance(condition, Tensor):
            condition = condition._as_tensor()
        condition = convert_to_tensor(condition)
        if condition.dtype != dtypes.bool:
            raise TypeError(f"tf.debugging.Assert: the condition must be a bool tensor, got "
                            f"dtype {condition.dtype.name}.")
        for item in data or []:
            if hasattr(item, "_as_tensor") and not isinstance(item, Tensor):
                item = item._as_tensor()
            if isinstance(item, Tensor):
                template.append(None)
                tensors.append(item)
            elif isinstance(item, (str, bytes)):
                template.append(item.decode() if isinstance(item, bytes) else item)
            else:
                template.append(None)
                tensors.append(convert_to_tensor(item))
        attrs = {"template": tuple(template), "summarize": summarize,
                 "name": name or ""}
        op, _ = _add_op("Assert", [condition] + tensors, attrs, 0, name or "Assert", graph)
    return op
