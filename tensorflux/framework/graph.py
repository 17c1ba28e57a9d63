"""Graph and Operation: the symbolic program built in TF1 graph mode and by `function` tracing.

Ops are kept in creation order, which is always a valid execution order (an op's inputs exist
before it); plans run ops in this order, which also keeps stateful ops (assignments, prints) in
program order, as TensorFlow's automatic control dependencies do.
"""
import contextlib
import re

from tensorflux.framework import context

__all__ = ["Graph", "Operation", "GraphKeys", "name_scope"]


class GraphKeys:
    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    MODEL_VARIABLES = "model_variables"
    SUMMARIES = "summaries"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    REGULARIZATION_LOSSES = "regularization_losses"
    GLOBAL_STEP = "global_step"
    TRAIN_OP = "train_op"
    METRIC_VARIABLES = "metric_variables"
    INIT_OP = "init_op"
    SAVERS = "savers"
    QUEUE_RUNNERS = "queue_runners"


class Operation:
    """A node of a Graph: an op type from the registry, input tensors, attrs and outputs."""

    __slots__ = ("graph", "name", "type", "op_def", "inputs", "outputs", "attrs",
                 "control_inputs", "index", "device", "__weakref__")

    def __init__(self, graph, name, op_def, inputs, attrs, control_inputs=()):
        self.graph = graph
        self.name = name
        self.type = op_def.name
        self.op_def = op_def
        self.inputs = tuple(inputs)
        self.attrs = attrs
        self.control_inputs = list(control_inputs)
        self.outputs = ()
        self.index = len(graph._operations)
        self.device = context.state.device_stack[-1] if context.state.device_stack else ""

    def get_attr(self, name):
        return self.attrs[name]

    @property
    def values(self):
        return self.outputs

    def run(self, feed_dict=None, session=None):
        from tensorflux.framework.session import _session_for
        _session_for(session, self.graph).run(self, feed_dict)

    def __repr__(self):
        return f"<tf.Operation '{self.name}' type={self.type}>"


_VALID_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$")


class Graph:
    """A TensorFlow dataflow graph: operations, name scopes and collections."""

    def __init__(self):
        self._operations = []
        self._names = {}             # op name -> Operation
        self._name_counts = {}       # base name -> next suffix
        self._scope = ""             # current name scope, "" or "a/b/"
        self._collections = {}
        self.seed = None
        self._variable_nodes = {}    # id(Variable) -> its node's output in this graph
        self._constant_cache = {}
        self._finalized = False
        self._control_dependencies = []
        self.building_function = False
        self.outer_graph = None

    # ---- ops and names ----------------------------------------------------------------
    def unique_name(self, name, mark_as_used=True):
        full = self._scope + name
        key = full.lower()
        count = self._name_counts.get(key, 0)
        if mark_as_used:
            self._name_counts[key] = count + 1
        if count > 0:
            candidate = f"{full}_{count}"
            while candidate.lower() in self._name_counts:
                count += 1
                candidate = f"{full}_{count}"
            if mark_as_used:
                self._name_counts[candidate.lower()] = 1
            return candidate
        return full

    def create_op(self, op_def, inputs, attrs, name=None, exact_name=False):
        """Adds an op; its name is made unique in the current name scope unless `exact_name`."""
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")
        op_name = name if exact_name else self.unique_name(name or op_def.name)
        control = [op for ops in self._control_dependencies for op in ops]
        op = Operation(self, op_name, op_def, inputs, attrs, control)
        self._operations.append(op)
        self._names[op_name] = op
        return op

    def get_operations(self):
        return list(self._operations)

    def as_graph_def(self, from_version=None, add_shapes=False):
        """The graph as a TensorFlow `GraphDef` protobuf (the message class of the optional
        `tensorboard` package); every node carries `_output_shapes`."""
        del from_version, add_shapes  # the nodes always carry their shapes
        from tensorflux.summary import _graph_def
        return _graph_def.graph_def(self)

    @property
    def graph_def_versions(self):
        from tensorflux.summary import _proto
        return _proto.proto("versions_pb2").VersionDef(producer=1645)

    def get_operation_by_name(self, name):
        try:
            return self._names[name]
        except KeyError:
            raise KeyError(f"The name {name!r} refers to an Operation not in the graph.") from None

    def get_tensor_by_name(self, name):
        if ":" not in name:
            raise ValueError(f"The name {name!r} looks like an (invalid) Operation name, "
                             "not a Tensor. Tensor names must be of the form "
                             "\"<op_name>:<output_index>\".")
        op_name, index = name.rsplit(":", 1)
        op = self.get_operation_by_name(op_name)
        try:
            return op.outputs[int(index)]
        except (IndexError, ValueError):
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. "
                           f"The operation {op_name!r} exists but has "
                           f"{len(op.outputs)} outputs.") from None

    def as_graph_element(self, obj):
        from tensorflux.framework.tensor import Tensor
        if isinstance(obj, (Tensor, Operation)):
            return obj
        if isinstance(obj, str):
            return self.get_tensor_by_name(obj) if ":" in obj else self.get_operation_by_name(obj)
        raise TypeError(f"Can not convert a {type(obj).__name__} into a graph element.")

    def finalize(self):
        self._finalized = True

    @property
    def finalized(self):
        return self._finalized

    @property
    def version(self):
        return len(self._operations)

    # ---- scopes -------------------------------------------------------------------------
    @contextlib.contextmanager
    def name_scope(self, name):
        """Pushes a name scope; `name` ending in "/" re-enters an existing scope as is."""
        saved = self._scope
        if name is None or name == "":
            self._scope = "" if name == "" else saved
        elif name.endswith("/"):
            self._scope = name
        else:
            self._scope = self.unique_name(name) + "/"
        try:
            yield self._scope
        finally:
            self._scope = saved

    def get_name_scope(self):
        return self._scope[:-1]

    @contextlib.contextmanager
    def as_default(self):
        context.state.graph_stack.append(self)
        try:
            yield self
        finally:
            context.state.graph_stack.pop()

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        if control_inputs is None:
            saved, self._control_dependencies = self._control_dependencies, []
            try:
                yield
            finally:
                self._control_dependencies = saved
            return
        ops = []
        for c in control_inputs:
            c = getattr(c, "op", c) if not isinstance(c, Operation) else c
            if hasattr(c, "_graph_node"):  # a Variable
                c = c._graph_node(self).op
            ops.append(c)
        self._control_dependencies.append(ops)
        try:
            yield
        finally:
            self._control_dependencies.pop()

    # ---- collections ------------------------------------------------------------------
    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        for name in ([names] if isinstance(names, str) else names):
            self.add_to_collection(name, value)

    def get_collection(self, name, scope=None):
        items = list(self._collections.get(name, []))
        if scope is None:
            return items
        pattern = re.compile(scope)
        return [item for item in items if pattern.match(getattr(item, "name", ""))]

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def clear_collection(self, name):
        self._collections.pop(name, None)

    def get_all_collection_keys(self):
        return list(self._collections)

    def __repr__(self):
        return f"<tensorflux.Graph with {len(self._operations)} ops>"


def get_current_name_scope():
    """`tf.get_current_name_scope()`: the innermost name scope, "" at the top level."""
    if context.executing_eagerly():
        return context.state.eager_scope[:-1]
    return context.get_default_graph().get_name_scope()


class name_scope:
    """`tf.name_scope(name)`: prefixes the names of ops created inside (graph mode)."""

    def __init__(self, name, default_name=None, values=None):
        self._name = name if name is not None else default_name
        self._context = None

    def __enter__(self):
        if context.executing_eagerly():
            # Eagerly, as in TF2, scopes are not made unique; they name the variables created
            # inside ("outer/inner/v:0"). A name ending in "/" is an absolute scope.
            self._context = None
            state = context.state
            self._saved_eager_scope = state.eager_scope
            name = self._name
            if name is None:
                pass
            elif name == "" or name.endswith("/"):
                state.eager_scope = name
            else:
                state.eager_scope = state.eager_scope + name + "/"
            return state.eager_scope
        graph = context.get_default_graph()
        self._context = graph.name_scope(self._name)
        return self._context.__enter__()

    def __exit__(self, *exc):
        if self._context is not None:
            return self._context.__exit__(*exc)
        context.state.eager_scope = self._saved_eager_scope
        return False
