"""Global execution state: eager or graph mode, the default-graph stack, active tapes, devices.

Eager execution is on by default (TF2). It is turned off for the rest of the program by
`compat.v1.disable_eager_execution()` (the drop-in runner calls it for TF1-style scripts), and
inside `Graph.as_default()` blocks and `function` tracing.
"""
import threading
import warnings

__all__ = ["executing_eagerly", "enable_eager_execution", "disable_eager_execution"]


class _State(threading.local):
    def __init__(self):
        self.eager_enabled = True
        self.graph_stack = []      # graphs pushed by Graph.as_default() / function tracing
        self.tapes = []            # active GradientTapes, innermost last
        self.device_stack = []
        self.variable_creation_hooks = []  # set by function tracing
        self.eager_scope = ""      # tf.name_scope outside graphs: "outer/inner/" (names variables)


state = _State()
_default_graph = [None]  # the global default graph (TF1 `get_default_graph()`)


def executing_eagerly():
    """True when ops run immediately (TF2 default); False in graph mode."""
    return state.eager_enabled and not state.graph_stack


def in_graph_mode():
    return not executing_eagerly()


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    state.eager_enabled = True


def disable_eager_execution():
    """Switches to TF1 graph mode: ops add nodes to the default graph, run them in a Session."""
    state.eager_enabled = False


def get_default_graph():
    if state.graph_stack:
        return state.graph_stack[-1]
    if _default_graph[0] is None:
        from tensorflux.framework.graph import Graph
        _default_graph[0] = Graph()
    return _default_graph[0]


def reset_default_graph():
    """Clears the default graph (TF1). Not allowed inside a `with graph.as_default()` block."""
    if state.graph_stack:
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. "
                             "If you need a cleared graph, exit the nesting and create a new graph.")
    from tensorflux.framework.graph import Graph
    _default_graph[0] = Graph()


class _Device:
    """`tf.device(name)`: CPU only; a GPU request falls back to the CPU with one warning."""

    _warned = False

    def __init__(self, name):
        self.name = name or ""

    def __enter__(self):
        lowered = self.name.lower() if isinstance(self.name, str) else ""
        if "gpu" in lowered and not _Device._warned:
            _Device._warned = True
            warnings.warn(f"tf.device({self.name!r}): no GPU is available to tensorflux; "
                          "ops are placed on the CPU (soft placement).", stacklevel=2)
        state.device_stack.append(self.name)
        return self

    def __exit__(self, *exc):
        state.device_stack.pop()
        return False


def device(device_name):
    return _Device(device_name)


class init_scope:
    """Lifts code out of function tracing so it runs eagerly (variable creation, initializers)."""

    def __enter__(self):
        self._saved = state.graph_stack
        if state.eager_enabled:
            state.graph_stack = []
        return self

    def __exit__(self, *exc):
        state.graph_stack = self._saved
        return False
