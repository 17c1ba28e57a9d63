"""Control flow: cond, while_loop, case, and the assertion helpers.

Eagerly these are plain Python. In a graph, `cond` and `while_loop` trace their branches/body
into sub-graphs run by one op, so only the taken branch runs (see `_graph_cond`).
"""
from tensorflux.framework import context, errors, nest
from tensorflux.framework.tensor import Tensor
from tensorflux.ops._helpers import to_tensor

__all__ = ["cond", "while_loop", "case", "Assert", "assert_equal", "assert_greater",
           "assert_less", "assert_rank", "assert_positive", "assert_non_negative",
           "control_dependencies", "switch_case"]


def _python_bool(pred):
    if isinstance(pred, Tensor):
        return bool(pred._value)
    if hasattr(pred, "_as_tensor"):
        return bool(pred.numpy())
    return bool(pred)


def _is_eager_value(pred):
    if isinstance(pred, Tensor):
        return pred._value is not None
    return True


def cond(pred, true_fn=None, false_fn=None, name=None, strict=False, fn1=None, fn2=None):
    """Runs `true_fn()` if `pred` is true, else `false_fn()`; both return the same structure."""
    true_fn = true_fn or fn1
    false_fn = false_fn or fn2
    if true_fn is None or false_fn is None:
        raise TypeError("cond() needs both true_fn and false_fn.")
    if context.executing_eagerly() and _is_eager_value(pred):
        return true_fn() if _python_bool(pred) else false_fn()
    from tensorflux.ops import functional_ops
    return functional_ops.graph_cond(pred, true_fn, false_fn, name)


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else \
        list(pred_fn_pairs)
    if not pairs:
        return default()
    pred, fn = pairs[0]
    rest = pairs[1:]
    if not rest and default is None:
        return fn()
    return cond(pred, fn, lambda: case(rest, default, exclusive, strict, name) if rest
                else default())


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    fns = list(branch_fns.items()) if isinstance(branch_fns, dict) else \
        list(enumerate(branch_fns))
    from tensorflux.ops import math_ops
    index = to_tensor(branch_index)
    pairs = [(math_ops.equal(index, i), fn) for i, fn in fns]
    # as in TensorFlow, the branch with the largest index is the default
    return case(pairs, default=default or max(fns, key=lambda pair: pair[0])[1])


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None,
               return_same_structure=True):
    """Repeats `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` holds."""
    single = not isinstance(loop_vars, (list, tuple))
    state = [loop_vars] if single else list(loop_vars)
    eager = context.executing_eagerly() and all(
        _is_eager_value(t) for t in nest.flatten(state) if isinstance(t, Tensor))
    if not eager:
        from tensorflux.ops import functional_ops
        result = functional_ops.graph_while(cond, body, loop_vars, maximum_iterations, name,
                                            shape_invariants=shape_invariants)
    else:
        iterations = 0
        while maximum_iterations is None or iterations < int(maximum_iterations):
            if not _python_bool(cond(*state)):
                break
            result = body(*state)
            state = [result] if single or not isinstance(result, (list, tuple)) \
                else list(result)
            iterations += 1
        if single:
            result = state[0]
        elif isinstance(loop_vars, tuple):
            result = type(loop_vars)(*state) if hasattr(loop_vars, "_fields") \
                else type(loop_vars)(state)
        else:
            result = state
    if not back_prop:
        from tensorflux.ops import array_ops
        result = nest.map_structure(
            lambda t: array_ops.stop_gradient(t) if isinstance(t, Tensor) else t, result)
    return result


def control_dependencies(control_inputs):
    """Ops created inside run after `control_inputs` (graph mode; a no-op eagerly)."""
    if context.executing_eagerly():
        import contextlib
        return contextlib.nullcontext()
    return context.get_default_graph().control_dependencies(control_inputs)


def Assert(condition, data, summarize=None, name=None):
    if context.executing_eagerly():
        if not _python_bool(condition):
            values = [d.numpy() if hasattr(d, "numpy") else d for d in data]
            raise errors.InvalidArgumentError(None, None, f"assertion failed: {values}")
        return None
    from tensorflux.ops import functional_ops
    return functional_ops.graph_assert(condition, data, name, summarize=summarize)


def _assert(condition_fn, x, y, message, name):
    from tensorflux.ops import math_ops
    x = to_tensor(x)
    y = to_tensor(y, dtype_hint=x.dtype) if y is not None else None
    condition = math_ops.reduce_all(condition_fn(x, y))
    text = message or f"Condition {name} did not hold"
    return Assert(condition, [text, x] + ([y] if y is not None else []), name=name)


def assert_equal(x, y, data=None, summarize=None, message=None, name=None):
    from tensorflux.ops import math_ops
    return _assert(math_ops.equal, x, y, message, "assert_equal")


def assert_greater(x, y, data=None, summarize=None, message=None, name=None):
    from tensorflux.ops import math_ops
    return _assert(math_ops.greater, x, y, message, "assert_greater")


def assert_less(x, y, data=None, summarize=None, message=None, name=None):
    from tensorflux.ops import math_ops
    return _assert(math_ops.less, x, y, message, "assert_less")


def assert_positive(x, data=None, summarize=None, message=None, name=None):
    from tensorflux.ops import math_ops
    return _assert(lambda a, b: math_ops.greater(a, 0), x, None, message, "assert_positive")


def assert_non_negative(x, data=None, summarize=None, message=None, name=None):
    from tensorflux.ops import math_ops
    return _assert(lambda a, b: math_ops.greater_equal(a, 0), x, None, message,
                   "assert_non_negative")


def assert_rank(x, rank, message=None, name=None):
    x = to_tensor(x)
    if x.shape.rank is not None and x.shape.rank != int(rank):
        raise ValueError(message or f"Tensor must have rank {int(rank)}; received shape "
                         f"{x.shape}.")
    return None
