"""Variable: an ndarray that persists across steps, updated in place by assignments.

Eagerly, a Variable holds its value now. In a graph (TF1), it is a `VariableV2` node whose value
is set when its `initializer` runs in a Session; reading it before raises
FailedPreconditionError. A Variable created eagerly and then used by graph ops (TF1 code that
creates variables before its first placeholder) joins that graph as a node reading the same
storage, and is registered in the graph's variable collections.
"""
import numpy as np

from tensorflux.framework import context, dtypes, errors
from tensorflux.framework.graph import GraphKeys
from tensorflux.framework.registry import register_op, not_differentiable
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape

__all__ = ["Variable", "global_variables", "trainable_variables", "local_variables",
           "global_variables_initializer", "variables_initializer"]

_state = context.state


def _variable_kernel(xp, variable):
    value = variable._value
    if value is None:
        raise errors.FailedPreconditionError(
            None, None, f"Attempting to use uninitialized value {variable._op_name}: run "
            "`sess.run(tf.global_variables_initializer())` (or the variable's initializer) "
            "before using it in a Session.")
    return value


def _assign_kernel(xp, value, variable, validate_shape=True):
    target = variable._value
    value = xp.asarray(value, dtype=variable.dtype.as_numpy_dtype)
    if target is None or (target.shape != value.shape and not validate_shape):
        variable._value = np.array(value, copy=True)
    elif target.shape != value.shape:
        raise errors.InvalidArgumentError(
            None, None, f"Cannot assign a value of shape {tuple(value.shape)} to variable "
            f"{variable._op_name} of shape {tuple(target.shape)}.")
    else:
        np.copyto(target, value)
    return variable._value


def _assign_add_kernel(xp, value, variable):
    target = _variable_kernel(xp, variable)
    np.add(target, value, out=target, casting="unsafe")
    return target


def _assign_sub_kernel(xp, value, variable):
    target = _variable_kernel(xp, variable)
    np.subtract(target, value, out=target, casting="unsafe")
    return target


def _variable_shape(inputs, attrs):
    return [attrs["variable"].shape]


def _variable_dtype(input_dtypes, attrs):
    return [attrs["variable"].dtype]


register_op("VariableV2", _variable_kernel, _variable_shape, _variable_dtype, stateful=True)
register_op("AssignVariableOp", _assign_kernel, _variable_shape, _variable_dtype, stateful=True)
register_op("AssignAddVariableOp", _assign_add_kernel, _variable_shape, _variable_dtype,
            stateful=True)
register_op("AssignSubVariableOp", _assign_sub_kernel, _variable_shape, _variable_dtype,
            stateful=True)
not_differentiable("VariableV2", "AssignVariableOp", "AssignAddVariableOp",
                   "AssignSubVariableOp")


class Variable:
    """A mutable tensor that keeps its value: model weights, counters, optimizer slots.

    Args:
        initial_value: a Tensor, array, Python value, or a callable returning one.
        trainable: whether optimizers and tapes (by default) treat it as a weight.
        name: its name; in graph mode made unique in the graph ("w", "w_1", ...).
        dtype: converts the initial value to this dtype.
        shape: the static shape; `None` dimensions allow assigning other shapes.

    Example:
        >>> v = tf.Variable(1.0)
        >>> v.assign_add(2.0).numpy()
        3.0
    """

    def __init__(self, initial_value=None, trainable=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None,
                 import_scope=None, constraint=None, synchronization=None, aggregation=None,
                 shape=None, experimental_enable_variable_lifting=True, collections=None,
                 use_resource=None, expected_shape=None):
        from tensorflux import ops as tfops
        if initial_value is None:
            raise ValueError("The initial_value must be specified when creating a tf.Variable.")
        self.trainable = True if trainable is None else bool(trainable)
        self.constraint = constraint
        self._validate_shape = validate_shape
        self._base_name = (name or "Variable").rstrip("/")
        self._value = None
        self._graph = None
        self.aggregation = aggregation
        self.synchronization = synchronization
        if dtype is not None:
            dtype = dtypes.as_dtype(dtype)
        stack = _state.graph_stack
        if _state.eager_enabled and stack and getattr(stack[-1], "building_function", False):
            # Created while tracing a function: lift the variable out, create it eagerly.
            initial_value = _evaluate_in_trace(initial_value)
            with context.init_scope():
                self._init_eager(initial_value, dtype, shape)
            for hook in _state.variable_creation_hooks:
                hook(self)
        elif context.executing_eagerly():
            self._init_eager(initial_value, dtype, shape)
        else:
            self._init_in_graph(initial_value, dtype, shape, collections)

    def _init_eager(self, initial_value, dtype, shape):
        from tensorflux import ops as tfops
        value = initial_value() if callable(initial_value) else initial_value
        if isinstance(value, Variable):
            value = value.read_value()
        tensor = tfops.convert_to_tensor(value, dtype=dtype) if not isinstance(value, Tensor) \
            else (tfops.cast(value, dtype) if dtype is not None and value.dtype != dtype
                  else value)
        if tensor._value is None:
            raise ValueError("A Variable created eagerly needs an eager initial value; "
                             "got a symbolic tensor.")
        self._value = np.array(tensor._value, copy=True)
        self._dtype = tensor.dtype
        self._shape = TensorShape(shape) if shape is not None else TensorShape(
            self._value.shape)
        self._initial_array = self._value.copy()
        self._op_name = _state.eager_scope + self._base_name
        self._name = f"{self._op_name}:0"
        self._initializer_op = None
        self._initial_tensor = None

    def _init_in_graph(self, initial_value, dtype, shape, collections):
        from tensorflux import ops as tfops
        graph = context.get_default_graph()
        self._graph = graph
        with graph.name_scope(self._base_name) as scope:
            op_name = scope[:-1]
            with graph.name_scope("Initializer"):
                value = initial_value() if callable(initial_value) else initial_value
                if isinstance(value, Variable):
                    value = value.initialized_value()
                tensor = tfops.convert_to_tensor(value) if dtype is None else \
                    tfops.cast(tfops.convert_to_tensor(value, dtype_hint=dtype), dtype)
        self._dtype = tensor.dtype
        self._shape = TensorShape(shape) if shape is not None else tensor.shape
        self._op_name = op_name
        self._name = f"{op_name}:0"
        self._initial_tensor = tensor
        self._initial_array = None
        node = self._make_node(graph, op_name)
        # named inside the variable's own (absolute) scope: "scope/w/Assign"
        with graph.control_dependencies(None), graph.name_scope(op_name + "/"):
            self._initializer_op = tfops._apply("AssignVariableOp", [tensor],
                                                {"variable": self,
                                                 "validate_shape": self._validate_shape},
                                                name="Assign").op
        self._register(graph, collections)
        graph._variable_nodes[id(self)] = node

    def _make_node(self, graph, op_name):
        from tensorflux.framework.registry import get_op
        op = graph.create_op(get_op("VariableV2"), [], {"variable": self}, op_name,
                             exact_name=True)
        op.outputs = (Tensor(op, 0, self._dtype, self._shape),)
        op.outputs[0]._variable = self
        return op.outputs[0]

    def _register(self, graph, collections=None):
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
            if self.trainable:
                collections = collections + [GraphKeys.TRAINABLE_VARIABLES]
        for key in collections:
            graph.add_to_collection(key, self)

    def _graph_node(self, graph):
        """This variable's node in `graph` (created when an eager variable is first used there)."""
        node = graph._variable_nodes.get(id(self))
        if node is None:
            if getattr(graph, "building_function", False):
                node = graph.capture_variable(self)
            else:
                from tensorflux import ops as tfops
                op_name = graph.unique_name(self._base_name, mark_as_used=True)
                node = self._make_node(graph, op_name)
                initial = self._initial_array
                with graph.as_default(), graph.control_dependencies(None), \
                        graph.name_scope(op_name + "/"):
                    self._initializer_op = tfops._apply(
                        "AssignVariableOp", [tfops.constant(initial)],
                        {"variable": self, "validate_shape": True},
                        name="Assign").op
                self._graph = graph
                self._register(graph)
            graph._variable_nodes[id(self)] = node
        return node

    # ---- reading --------------------------------------------------------------------------
    def _as_tensor(self):
        if _state.eager_enabled and not _state.graph_stack:
            value = self._value
            if value is None:
                _variable_kernel(np, self)
            t = Tensor._from_array(value)
            t._variable = self
            if _state.tapes:
                from tensorflux.framework.tape import record_variable_read
                record_variable_read(self, t)
            return t
        return self._graph_node(context.get_default_graph())

    def value(self):
        return self.read_value()

    def read_value(self):
        """The current value: a snapshot eagerly, a read node in a graph."""
        from tensorflux import ops as tfops
        return tfops.identity(self._as_tensor())

    def numpy(self):
        if self._value is None:
            _variable_kernel(np, self)
        return self._value.copy()

    def eval(self, session=None):
        from tensorflux.framework.session import _session_for
        graph = self._graph or context.get_default_graph()
        return _session_for(session, graph).run(self)

    def initialized_value(self):
        from tensorflux import ops as tfops
        return tfops.identity(self._initial_tensor if self._initial_tensor is not None
                              else self._as_tensor())

    @property
    def initial_value(self):
        if self._initial_tensor is not None:
            return self._initial_tensor
        from tensorflux import ops as tfops
        return tfops.constant(self._initial_array)

    # ---- writing --------------------------------------------------------------------------
    def _update(self, op_type, value, read_value, name):
        from tensorflux import ops as tfops
        value = tfops.convert_to_tensor(value, dtype_hint=self._dtype)
        if value.dtype != self._dtype:
            raise TypeError(f"Cannot assign a {value.dtype.name} value to variable "
                            f"{self._op_name!r} of dtype {self._dtype.name}; cast it first "
                            f"with tf.cast(value, tf.{self._dtype.name}).")
        attrs = {"variable": self}
        if op_type == "AssignVariableOp":
            attrs["validate_shape"] = self._validate_shape
        if context.executing_eagerly() and value._value is not None:
            if self._value is not None and self._validate_shape \
                    and self._value.shape != value._value.shape:
                raise ValueError(f"Cannot assign value of shape {tuple(value._value.shape)} to "
                                 f"variable {self._op_name!r} of shape "
                                 f"{tuple(self._value.shape)}.")
            tfops._apply(op_type, [value], attrs)
            return self if read_value else None
        if op_type == "AssignVariableOp" and self._validate_shape \
                and not self._shape.is_compatible_with(value.shape):
            raise ValueError(f"Cannot assign a value of shape {value.shape} to variable "
                             f"{self._op_name!r} of shape {self._shape}. Pass a value of the "
                             "variable's shape (or create it with validate_shape=False).")
        graph = context.get_default_graph()
        self._graph_node(graph)
        return tfops._apply(op_type, [value], attrs, name=name or self._base_name + "/Assign")

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return self._update("AssignVariableOp", value, read_value, name)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._update("AssignAddVariableOp", delta, read_value, name)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._update("AssignSubVariableOp", delta, read_value, name)

    def load(self, value, session=None):
        from tensorflux.framework.session import _session_for
        if context.executing_eagerly():
            self.assign(value)
        else:
            self._value = np.array(value, dtype=self._dtype.as_numpy_dtype, copy=True)

    # ---- properties -----------------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    @property
    def ndim(self):
        return self._shape.rank

    @property
    def initializer(self):
        if self._initializer_op is None:
            graph = context.get_default_graph()
            if context.executing_eagerly():
                return None
            self._graph_node(graph)
        return self._initializer_op

    @property
    def op(self):
        graph = self._graph or context.get_default_graph()
        return self._graph_node(graph).op

    @property
    def graph(self):
        return self._graph or context.get_default_graph()

    @property
    def device(self):
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    def __array__(self, dtype=None, copy=None):
        value = self.numpy()
        return value if dtype is None else value.astype(dtype)

    def __float__(self):
        return float(self.numpy())

    def __int__(self):
        return int(self.numpy())

    def __bool__(self):
        return bool(self._as_tensor())

    def __hash__(self):
        return id(self)

    def __len__(self):
        return len(self._as_tensor())

    def __iter__(self):
        return iter(self._as_tensor())

    def __repr__(self):
        if self._value is not None and context.executing_eagerly():
            from tensorflux.framework.tensor import _repr_value
            return (f"<tf.Variable '{self._name}' shape={self._shape} "
                    f"dtype={self._dtype.name}, numpy={_repr_value(self._value)}>")
        return f"<tf.Variable '{self._name}' shape={self._shape} dtype={self._dtype.name}>"


def _evaluate_in_trace(initial_value):
    """An initial value computed inside a trace, evaluated now (it may only use constants)."""
    value = initial_value() if callable(initial_value) else initial_value
    if isinstance(value, Tensor) and value._value is None:
        from tensorflux.compiler.plan import Plan
        try:
            value = Plan([value])()[0]
        except errors.InvalidArgumentError as error:
            raise ValueError("A variable created inside a tf.function must have an initial "
                             "value that does not depend on the function's inputs.") from error
    return value


# ---- TF1 collections helpers ------------------------------------------------------------------

def global_variables(scope=None):
    return context.get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


def trainable_variables(scope=None):
    return context.get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope=None):
    return context.get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope=None):
    return context.get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    from tensorflux import ops as tfops
    if context.executing_eagerly():
        return None
    initializers = [v.initializer for v in var_list]
    return tfops.group(*initializers, name=name)


def global_variables_initializer():
    """An op that initializes every global variable of the default graph (TF1)."""
    return variables_initializer(global_variables(), name="init")


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init_1")


def _is_initialized_kernel(xp, variable):
    return np.asarray(variable._value is not None)


def _report_uninitialized_kernel(xp, variables):
    return np.array([v._op_name.encode() for v in variables if v._value is None], dtype=object)


register_op("IsVariableInitialized", _is_initialized_kernel, lambda inputs, attrs: [
    TensorShape([])], lambda d, attrs: [dtypes.bool], stateful=True)
register_op("ReportUninitializedVariables", _report_uninitialized_kernel,
            lambda inputs, attrs: [TensorShape([None])], lambda d, attrs: [dtypes.string],
            stateful=True)
not_differentiable("IsVariableInitialized", "ReportUninitializedVariables")


def is_variable_initialized(variable):
    """A bool tensor: whether `variable` holds a value (checked when it runs)."""
    from tensorflux import ops as tfops
    return tfops._apply("IsVariableInitialized", [], {"variable": variable},
                        name="IsVariableInitialized")


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """A string tensor: the names of the variables without a value when it runs."""
    from tensorflux import ops as tfops
    var_list = global_variables() + local_variables() if var_list is None else var_list
    return tfops._apply("ReportUninitializedVariables", [], {"variables": tuple(var_list)},
                        name=name)
