"""Session: runs parts of a TF1 graph. `run(fetches, feed_dict)` compiles a Plan per distinct
set of fetches and feeds (cached), checks and converts the feeds, and returns NumPy values in
the structure of `fetches`.
"""
import copy
import threading

import numpy as np

from tensorflux.compiler.plan import Plan
from tensorflux.framework import context, errors, nest
from tensorflux.framework.graph import Operation
from tensorflux.framework.tensor import Tensor

__all__ = ["Session", "InteractiveSession", "get_default_session"]

_default_sessions = []
_running = threading.local()   # .session: the Session whose plan is running in this thread


def get_default_session():
    return _default_sessions[-1] if _default_sessions else None


def _session_for(session, graph):
    session = session or get_default_session()
    if session is None:
        raise ValueError("Cannot evaluate tensor using `eval()`: No default session is "
                         "registered. Use `with sess.as_default():` (or `with tf.Session() "
                         "as sess:`), or pass an explicit session: `eval(session=sess)`.")
    if session.graph is not graph:
        raise ValueError("Cannot use the given session to evaluate tensor: the tensor's graph "
                         "is different from the session's graph.")
    return session


class Session:
    """A TF1 session over a graph (the default graph when created).

    Example:
        >>> a = tf.placeholder(tf.float32)
        >>> with tf.Session() as sess:
        ...     sess.run(a * 2, feed_dict={a: 3.0})
        6.0
    """

    def __init__(self, target="", graph=None, config=None):
        self.graph = graph if graph is not None else context.get_default_graph()
        self._closed = False
        self._plans = {}
        self._generators = {}   # id(_SessionRandomState) -> this session's Generator copy
        self._default_context = None
        self.sess_str = target
        self._config = config

    # ---- context management -----------------------------------------------------------------
    def __enter__(self):
        _default_sessions.append(self)
        self._graph_context = self.graph.as_default() \
            if self.graph is not context.get_default_graph() else None
        if self._graph_context is not None:
            self._graph_context.__enter__()
        return self

    def __exit__(self, *exc):
        if self._graph_context is not None:
            self._graph_context.__exit__(*exc)
        if _default_sessions and _default_sessions[-1] is self:
            _default_sessions.pop()
        self.close()
        return False

    def as_default(self):
        session = self

        class _Default:
            def __enter__(self_inner):
                _default_sessions.append(session)
                return session

            def __exit__(self_inner, *exc):
                _default_sessions.remove(session)
                return False
        return _Default()

    def close(self):
        self._closed = True
        self._plans.clear()
        self._generators.clear()

    def list_devices(self):
        return []

    # ---- running ---------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Runs the ops needed for `fetches`; returns their values in the same structure."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        if isinstance(fetches, Operation) and not feed_dict:
            self._call(self._plan((), (fetches,), ()), ())
            return None
        leaves = nest.flatten(fetches)
        tensors, targets, slots = [], [], []
        for leaf in leaves:
            element = self._as_fetch(leaf)
            if isinstance(element, Operation):
                targets.append(element)
                slots.append(None)
            elif isinstance(element, Tensor) and element._value is not None:
                slots.append(("eager", element))
            else:
                slots.append(len(tensors))
                tensors.append(element)
        feed_tensors, feed_arrays = self._feeds(feed_dict)
        plan = self._plan(tuple(tensors), tuple(targets), tuple(feed_tensors))
        values = self._call(plan, feed_arrays)
        fed = {id(array) for array in feed_arrays}
        results = []
        for slot in slots:
            if slot is None:
                results.append(None)
            elif isinstance(slot, tuple):
                results.append(_to_output(slot[1].numpy()))
            else:
                value = values[slot]
                if id(value) in fed:  # a fed tensor fetched back: not the caller's array
                    value = np.array(value, copy=True)
                results.append(_to_output(value))
        return nest.pack_sequence_as(fetches, results)

    def partial_run_setup(self, fetches, feeds=None):
        raise errors.UnimplementedError(None, None, "Session.partial_run_setup is not "
                                        "implemented by tensorflux; use Session.run.")

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        feed_list = list(feed_list or [])

        def call(*values, **kwargs):
            return self.run(fetches, feed_dict=dict(zip(feed_list, values)))
        return call

    def _as_fetch(self, leaf):
        if isinstance(leaf, (Tensor, Operation)):
            if isinstance(leaf, Tensor) and leaf._value is None and leaf.op.graph is not \
                    self.graph:
                raise ValueError(f"Fetch argument {leaf!r} cannot be interpreted as a Tensor. "
                                 "(Tensor is not an element of this graph.)")
            return leaf
        if isinstance(leaf, str):
            return self.graph.as_graph_element(leaf)
        if hasattr(leaf, "_graph_node"):  # Variable
            return leaf._graph_node(self.graph)
        if hasattr(leaf, "_as_graph_element"):
            return leaf._as_graph_element()
        if leaf is None:
            raise TypeError("Fetch argument None has invalid type <class 'NoneType'>.")
        raise TypeError(f"Fetch argument {leaf!r} has invalid type {type(leaf).__name__}, must "
                        "be a string or Tensor. (Can not convert a "
                        f"{type(leaf).__name__} into a Tensor or Operation.)")

    def _call(self, plan, feed_arrays):
        saved = getattr(_running, "session", None)
        _running.session = self
        try:
            return plan(*feed_arrays)
        finally:
            _running.session = saved

    def _plan(self, tensors, targets, feeds):
        key = (tuple(map(id, tensors)), tuple(map(id, targets)), tuple(map(id, feeds)))
        plan = self._plans.get(key)
        if plan is None:
            _give_random_ops_session_state(self.graph)
            plan = Plan(tensors, targets, feeds)
            # keep the objects alive so their ids in the key stay unique
            self._plans[key] = plan
        return plan

    def _feeds(self, feed_dict):
        if not feed_dict:
            return (), ()
        tensors, arrays = [], []
        for key, value in feed_dict.items():
            if isinstance(key, str):
                key = self.graph.as_graph_element(key)
            elif hasattr(key, "_graph_node"):
                key = key._graph_node(self.graph)
            if isinstance(key, (list, tuple)) or hasattr(key, "indices"):
                keys = key if isinstance(key, (list, tuple)) else (key.indices, key.values,
                                                                    key.dense_shape)
                values = value if isinstance(value, (list, tuple)) else \
                    (value.indices, value.values, value.dense_shape)
                for k, v in zip(keys, values):
                    tensors.append(k)
                    arrays.append(_check_feed(k, v))
                continue
            if not isinstance(key, Tensor):
                raise TypeError(f"Cannot interpret feed_dict key {key!r} as a Tensor: feed "
                                "keys must be placeholders (or other graph tensors) or their "
                                "names.")
            if key._value is not None or key.op.graph is not self.graph:
                raise ValueError(f"Cannot feed {key!r}: it is not a tensor of this session's "
                                 "graph.")
            tensors.append(key)
            arrays.append(_check_feed(key, value))
        return tensors, arrays


class _SessionRandomState:
    """Stands in for the NumPy Generator of a seeded random op in a Session graph.

    TF1 keeps a random op's state in the session: each new Session on a graph repeats the
    same sequence (`sess1.run(a)` -> A1, A2; `sess2.run(a)` -> A1, A2 again), while each run
    within a session draws new numbers. Every Session therefore draws from its own copy of the
    op's initial generator; outside a Session (tf.function plans) the op's own one is used.
    """

    __slots__ = ("_initial", "_own")

    def __init__(self, generator):
        self._initial = copy.deepcopy(generator)
        self._own = generator

    def _current(self):
        session = getattr(_running, "session", None)
        if session is None:
            return self._own
        generator = session._generators.get(id(self))
        if generator is None:
            generator = session._generators[id(self)] = copy.deepcopy(self._initial)
        return generator

    def __getattr__(self, name):
        return getattr(self._current(), name)


def _is_seeded(generator):
    # np.random.default_rng([global_seed, op_seed]) keeps its seed list; an unseeded
    # generator has an integer of OS entropy (and must differ between sessions).
    entropy = getattr(getattr(generator.bit_generator, "seed_seq", None), "entropy", None)
    return isinstance(entropy, (list, tuple))


def _give_random_ops_session_state(graph):
    """Wraps the generators of seeded random ops added to `graph` since the last call."""
    operations = graph._operations
    start = getattr(graph, "_session_random_scan", 0)
    for op in operations[start:]:
        for name, value in op.attrs.items():
            if isinstance(value, np.random.Generator) and _is_seeded(value):
                op.attrs[name] = _SessionRandomState(value)
    graph._session_random_scan = len(operations)


def _check_feed(tensor, value):
    dtype = tensor.dtype
    if isinstance(value, Tensor):
        if value._value is None:
            raise TypeError(f"The value of a feed cannot be a tf.Tensor object ({value.name}). "
                            "Acceptable feed values include Python scalars, strings, lists, "
                            "numpy ndarrays, or TensorHandles.")
        value = value._value
    if dtype.name == "string":
        from tensorflux.framework.execute import _string_array
        array = _string_array(value)
    else:
        try:
            raw = np.asarray(value)
        except ValueError as error:  # ragged nested lists
            raise ValueError(f"Cannot feed the value for Tensor {tensor.name!r}: it is not a "
                             f"rectangular array ({error}). Pass equal-length lists or an "
                             "ndarray.") from None
        if raw.dtype.kind in "SUO":
            raise TypeError(f"Cannot feed a value of dtype {raw.dtype} into tensor "
                            f"{tensor.name!r} of dtype {dtype.name}.")
        if raw.dtype.kind == "f" and (dtype.is_integer or dtype.is_bool):
            if raw.size and not np.all(np.equal(np.mod(raw, 1), 0)):
                raise TypeError(
                    f"Cannot feed float values into tensor {tensor.name!r} of dtype "
                    f"{dtype.name}: the values would be truncated. Cast them first "
                    f"(e.g. np.asarray(value, dtype=np.{dtype.name})).")
        array = raw if raw.dtype == dtype.as_numpy_dtype else raw.astype(dtype.as_numpy_dtype)
    if not tensor.shape.is_compatible_with(array.shape):
        raise ValueError(f"Cannot feed value of shape {tuple(array.shape)} for Tensor "
                         f"{tensor.name!r}, which has shape {tensor.shape}.")
    return array


def _to_output(value):
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return value[()]
        return value
    return value


class InteractiveSession(Session):
    """A Session that installs itself as the default session (for `Tensor.eval()`)."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        _default_sessions.append(self)

    def close(self):
        super().close()
        if self in _default_sessions:
            _default_sessions.remove(self)
