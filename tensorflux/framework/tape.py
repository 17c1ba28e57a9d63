"""GradientTape: records eager op applications so `gradient()` can walk them backwards."""
from tensorflux.framework import context, nest
from tensorflux.framework.tensor import Tensor

__all__ = ["GradientTape", "record_operation", "stop_recording"]

_state = context.state


class TapeOp:
    """A recorded op application; it looks like a graph Operation to gradient functions."""

    __slots__ = ("op_def", "inputs", "attrs", "outputs")

    def __init__(self, op_def, inputs, attrs, outputs):
        self.op_def = op_def
        self.inputs = inputs
        self.attrs = attrs
        self.outputs = outputs

    @property
    def type(self):
        return self.op_def.name

    @property
    def name(self):
        return self.op_def.name

    def get_attr(self, name):
        return self.attrs[name]


def record_operation(op_def, inputs, attrs, outputs):
    """Called by the eager executor for every op while a tape is active."""
    if op_def.differentiable is False:
        return
    for tape in _state.tapes:
        if not tape._recording:
            continue
        watched = tape._watched
        for t in inputs:
            if id(t) in watched:
                break
        else:
            continue
        outs = outputs if type(outputs) is tuple else (outputs,)
        tape._records.append(TapeOp(op_def, tuple(inputs), attrs, outs))
        for out in outs:
            watched[id(out)] = out


def record_variable_read(variable, tensor):
    for tape in _state.tapes:
        if not tape._recording:
            continue
        key = id(variable)
        if key in tape._variables or (tape._watch_accessed and variable.trainable):
            tape._variables[key] = variable
            tape._watched[id(tensor)] = tensor
            tape._variable_reads.setdefault(key, []).append(tensor)


class stop_recording:
    """Temporarily stops every active tape from recording."""

    def __enter__(self):
        self._saved = [(tape, tape._recording) for tape in _state.tapes]
        for tape, _ in self._saved:
            tape._recording = False
        return self

    def __exit__(self, *exc):
        for tape, recording in self._saved:
            tape._recording = recording
        return False


class GradientTape:
    """Records operations for automatic differentiation.

    Args:
        persistent: allow several `gradient()` calls on this tape.
        watch_accessed_variables: watch every trainable Variable read while recording.

    Example:
        >>> x = tf.constant(3.0)
        >>> with tf.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = x * x
        >>> float(tape.gradient(y, x))
        6.0
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_accessed = watch_accessed_variables
        self._records = []
        self._watched = {}          # id(tensor) -> tensor whose gradient may flow
        self._variables = {}        # id(variable) -> watched variable
        self._variable_reads = {}   # id(variable) -> tensors read from it while recording
        self._recording = False
        self._used = False

    def __enter__(self):
        if not context.executing_eagerly():
            # Inside a graph (TF1 or tf.function tracing) the tape defers to tf.gradients.
            self._graph = context.get_default_graph()
        else:
            self._graph = None
        self._recording = True
        _state.tapes.append(self)
        return self

    def __exit__(self, *exc):
        self._recording = False
        if self in _state.tapes:
            _state.tapes.remove(self)
        return False

    def watch(self, tensor):
        for item in nest.flatten(tensor):
            if isinstance(item, Tensor):
                self._watched[id(item)] = item
            elif hasattr(item, "_as_tensor") and hasattr(item, "trainable"):
                self._variables[id(item)] = item
            else:
                raise ValueError(f"Passed in object {item!r} of type {type(item).__name__!r}, "
                                 "not tf.Tensor or tf.Variable.")

    def watched_variables(self):
        return tuple(self._variables.values())

    def stop_recording(self):
        return _PauseOne(self)

    def reset(self):
        self._records = []
        self._watched = {}
        self._variables = {}
        self._variable_reads = {}

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients="none"):
        """Gradients of `target` (any nested structure) with respect to `sources`."""
        self._check_usable()
        flat_sources = nest.flatten(sources)
        targets = nest.flatten(target)
        grads_in = None if output_gradients is None else nest.flatten(output_gradients)
        results = self._backward(targets, flat_sources, grads_in, unconnected_gradients)
        if not self._persistent:
            self._records = []
        return nest.pack_sequence_as(sources, results)

    def _check_usable(self):
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians). Create it with "
                               "GradientTape(persistent=True) to call gradient() repeatedly.")
        self._used = True

    def _backward(self, targets, sources, seeds, unconnected_gradients):
        """One reverse pass: symbolic in a graph, over the records eagerly."""
        from tensorflux.framework import backprop
        if self._graph is not None:
            return backprop.gradients(targets, sources, grad_ys=seeds,
                                      unconnected_gradients=unconnected_gradients)
        if self._persistent and self._recording:
            return backprop.tape_gradients(self, targets, sources, seeds,
                                           unconnected_gradients)
        with _PauseOne(self):
            return backprop.tape_gradients(self, targets, sources, seeds,
                                           unconnected_gradients)

    def jacobian(self, target, sources, unconnected_gradients="none",
                 parallel_iterations=None, experimental_use_pfor=True):
        """d target / d source, with shape target.shape + source.shape, for each source.

        One reverse pass per element of `target` (its shape must be static).
        """
        import numpy as np
        from tensorflux import ops as tfops
        self._check_usable()
        flat_sources = nest.flatten(sources)
        target = tfops.convert_to_tensor(target)
        if not target.shape.is_fully_defined():
            raise ValueError(f"GradientTape.jacobian needs a target with a fully known shape, "
                             f"got {target.shape}.")
        target_shape = target.shape.as_list()
        size = int(np.prod(target_shape))
        rows = [[] for _ in flat_sources]
        for i in range(size):
            seed = np.zeros(size, dtype=target.dtype.as_numpy_dtype)
            seed[i] = 1
            seed = tfops.constant(seed.reshape(target_shape))
            grads = self._backward([target], flat_sources, [seed], unconnected_gradients)
            for row, grad in zip(rows, grads):
                row.append(grad)
        if not self._persistent:
            self._records = []
        results = []
        for row, source in zip(rows, flat_sources):
            source_shape = source.shape.as_list()
            if not row:   # an empty target
                results.append(tfops.zeros(target_shape + source_shape, dtype=source.dtype))
                continue
            if all(g is None for g in row):
                results.append(None)
                continue
            stacked = tfops.stack([g if g is not None else
                                   tfops.zeros(source_shape, dtype=source.dtype)
                                   for g in row])
            results.append(tfops.reshape(stacked, target_shape + source_shape))
        return nest.pack_sequence_as(sources, results)

    def batch_jacobian(self, target, source, unconnected_gradients="none",
                       parallel_iterations=None, experimental_use_pfor=True):
        from tensorflux import ops as tfops
        full = self.jacobian(target, source, unconnected_gradients)
        if full is None:
            return None
        # full[b] has shape target.shape[1:] + source.shape; keep source batch index b.
        axis = target.shape.rank - 1
        return tfops.stack([tfops.gather(full[b], b, axis=axis)
                            for b in range(target.shape[0])])


class _PauseOne:
    def __init__(self, tape):
        self._tape = tape

    def __enter__(self):
        self._saved = self._tape._recording
        self._tape._recording = False

    def __exit__(self, *exc):
        self._tape._recording = self._saved
        return False
