"""RNN: runs a cell over the time axis; StackedRNNCells: several cells as one.

How the loop runs:
- the built-in cells project the inputs of every time step with one matmul first, then run
  the recurrence as one fused op (ops/rnn_ops.py) when their activations allow it, so a layer
  costs the same eagerly, in a graph or inside `tf.function`;
- otherwise (custom cells, recurrent dropout, unusual activations) the step runs per time
  step: a Python loop when the number of steps is static (eagerly it always is; in a graph the
  loop unrolls into plain ops), and `tf.while_loop` when it is unknown.

Masking follows Keras: a masked step leaves every state unchanged and outputs the previous
output (zeros with `zero_output_for_mask`, which Bidirectional sets for returned sequences).
"""
import tensorflux as tf
from tensorflux.framework import nest
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.framework.variables import Variable
from tensorflux.keras.layers.base_layer import Layer
from tensorflux.keras.layers.recurrent.cells import RecurrentCell

__all__ = ["RNN", "StackedRNNCells"]


def _state_sizes(cell):
    size = cell.state_size
    if isinstance(size, (list, tuple)):
        return list(size)
    return [size]


def _swap_batch_time(x):
    rank = x.shape.rank
    return tf.transpose(x, [1, 0] + list(range(2, rank)))


def _broadcastable_mask(mask, value):
    """A (batch,) bool mask reshaped to broadcast against `value` (batch, ...)."""
    rank = value.shape.rank
    if rank is None or rank <= 1:
        return mask
    return tf.reshape(mask, [-1] + [1] * (rank - 1))


def _select(mask, new, old):
    return tf.where(_broadcastable_mask(mask, new), new, old)


def _call_cell(cell, inputs, states, training):
    """Keras' step: cell(inputs, states) -> (output, new states as a list)."""
    kwargs = {}
    if isinstance(cell, Layer):
        if cell._call_accepts_training:
            kwargs["training"] = training
        output, new_states = cell(inputs, states, **kwargs)
    else:
        output, new_states = cell.call(inputs, states)
    if not isinstance(new_states, (list, tuple)):
        new_states = [new_states]
    return output, list(new_states)


def time_loop(step, inputs, states, mask=None, zero_output=False, return_sequences=True):
    """Runs `step(inputs[t], states) -> (output, new states)` over time-major `inputs`.

    `states` is a (possibly nested) list; `mask` a (time, batch) bool tensor or None.
    Returns (last output, outputs (time, batch, ...) or None, final states).
    """
    steps = inputs.shape[0]
    if steps is None:       # only in a graph: eager tensors have concrete shapes
        return _while_time_loop(step, inputs, states, mask, zero_output, return_sequences)
    if steps == 0:
        raise ValueError("Cannot run a recurrent layer over a sequence of 0 time steps.")
    step_inputs = tf.unstack(inputs, num=steps, axis=0)
    step_masks = tf.unstack(mask, num=steps, axis=0) if mask is not None else None
    outputs = []
    previous = None
    for t in range(steps):
        output, new_states = step(step_inputs[t], states)
        if step_masks is not None:
            keep = step_masks[t]
            fallback = previous if previous is not None and not zero_output else \
                tf.zeros_like(output)
            output = _select(keep, output, fallback)
            flat_old = nest.flatten(states)
            flat_new = nest.flatten(new_states)
            new_states = nest.pack_sequence_as(
                states, [_select(keep, n, o) for n, o in zip(flat_new, flat_old)])
        states = new_states
        previous = output
        if return_sequences:
            outputs.append(output)
    sequence = tf.stack(outputs, axis=0) if return_sequences else None
    return previous, sequence, states


def _while_time_loop(step, inputs, states, mask, zero_output, return_sequences):
    """The time loop as a tf.while_loop, for a graph whose number of steps is unknown."""
    first_output, _ = step(inputs[0], states)
    flat_states = nest.flatten(states)
    count = len(flat_states)
    steps = tf.shape(inputs)[0]
    zeros = tf.zeros_like(first_output)
    accumulated = tf.expand_dims(zeros, 0)[:0]

    def body(t, previous, accumulated, *flat):
        current = nest.pack_sequence_as(states, list(flat))
        output, new_states = step(tf.gather(inputs, t), current)
        flat_new = nest.flatten(new_states)
        if mask is not None:
            keep = tf.gather(mask, t)
            output = _select(keep, output, zeros if zero_output else previous)
            flat_new = [_select(keep, n, o) for n, o in zip(flat_new, flat)]
        if return_sequences:
            accumulated = tf.concat([accumulated, tf.expand_dims(output, 0)], 0)
        return [t + 1, output, accumulated] + list(flat_new)

    invariants = [TensorShape([]), first_output.shape,
                  TensorShape([None]).concatenate(first_output.shape)] + \
        [s.shape for s in flat_states]
    result = tf.while_loop(lambda t, *rest: t < steps, body,
                           [tf.constant(0), zeros, accumulated] + flat_states,
                           shape_invariants=invariants)
    final = nest.pack_sequence_as(states, list(result[3:3 + count]))
    return result[1], result[2] if return_sequences else None, final


class RNN(Layer):
    """Runs a recurrent cell over the time axis of its input (batch, time, features).

    Args:
        cell: an RNN cell (a layer with `state_size` and `call(inputs, states)` returning
            `(output, new_states)`), or a list of cells (stacked).
        return_sequences: return the output of every step (batch, time, units) instead of the
            last one.
        return_state: also return the final states: `output, *states`.
        go_backwards: process the sequence in reverse (the returned sequence is in that order).
        stateful: the final states of a batch are the initial states of the next one (needs
            a fixed batch size; `reset_states()` clears them).
        unroll: accepted for compatibility (static loops are always unrolled in graphs).
        time_major: inputs and outputs are (time, batch, ...).
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Call arguments: inputs, initial_state (list of tensors), mask ((batch, time) booleans;
    defaults to the inputs' Keras mask), training.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, zero_output_for_mask=False,
                 **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call"):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: "
                             f"cell={cell!r}")
        if getattr(cell, "state_size", None) is None:
            raise ValueError("The RNN cell should have a `state_size` attribute (single "
                             "integer or list of integers, one integer per RNN state). "
                             f"Received: cell={cell!r}")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.time_major = bool(time_major)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.states = None
        self._state_variables = None

    @property
    def state_size(self):
        return _state_sizes(self.cell)

    # ---- building ---------------------------------------------------------------------------
    def build(self, input_shape):
        shape = TensorShape(input_shape)
        if shape.rank is None or shape.rank < 3:
            raise ValueError(f"Layer {self.name!r} ({type(self).__name__}) expects inputs of "
                             f"rank >= 3 (batch, time, features), got shape {shape}.")
        dims = shape.as_list()
        batch = dims[1] if self.time_major else dims[0]
        step_shape = TensorShape([batch] + dims[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._maybe_build(step_shape)
        if self.stateful:
            if batch is None:
                raise ValueError(f"Layer {self.name!r} ({type(self).__name__}): when using "
                                 "`stateful=True` in an RNN, the batch size must be static. "
                                 f"Found dynamic batch size: sequence.shape={shape}. Pass "
                                 "`batch_size=` to keras.Input (or `batch_shape=`).")
            initial = self.get_initial_state(batch)
            flat = [Variable(tf.convert_to_tensor(s), trainable=False,
                             name=f"{self.name}/rnn_state") for s in nest.flatten(initial)]
            self._state_variables = flat
            self.states = nest.pack_sequence_as(initial, flat)
        super().build(input_shape)

    def build_from_config(self, config):
        shape = sequences_shape(config)
        if shape is not None and not self.built:
            self._maybe_build(TensorShape(shape))

    def get_initial_state(self, batch_size):
        """The zero states for `batch_size` samples, in the structure of `cell.state_size`."""
        function = getattr(self.cell, "get_initial_state", None)
        dtype = getattr(self.cell, "dtype", None) or self.dtype
        if function is not None:
            try:
                states = function(batch_size=batch_size, dtype=dtype)
            except TypeError:
                states = function(batch_size=batch_size)
            if not isinstance(states, (list, tuple)):
                states = [states]
            return list(states)
        states = []
        for size in _state_sizes(self.cell):
            dims = list(size) if isinstance(size, (list, tuple, TensorShape)) else [size]
            states.append(tf.zeros([batch_size] + dims, dtype=dtype))
        return states

    def reset_states(self, states=None):
        """Resets the states of a stateful layer to zeros (or to the given arrays)."""
        if not self.stateful:
            raise AttributeError(f"Layer {self.name!r} ({type(self).__name__}) is not "
                                 "stateful; only stateful RNNs keep states to reset.")
        if self._state_variables is None:
            return
        if states is None:
            for variable in self._state_variables:
                variable.assign(tf.zeros_like(variable))
            return
        values = nest.flatten(states) if isinstance(states, (list, tuple)) else [states]
        if len(values) != len(self._state_variables):
            raise ValueError(f"Layer {self.name!r} expects {len(self._state_variables)} "
                             f"states, but it received {len(values)} state values.")
        for variable, value in zip(self._state_variables, values):
            variable.assign(tf.cast(tf.convert_to_tensor(value), variable.dtype))

    reset_state = reset_states

    # ---- calling ----------------------------------------------------------------------------
    def _initial_states(self, initial_state, batch):
        if initial_state is None:
            if self.stateful and self.states is not None:
                return nest.map_structure(lambda v: v._as_tensor(), self.states)
            return self.get_initial_state(batch)
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        template = self.get_initial_state(batch) if isinstance(self.cell, StackedRNNCells) \
            else None
        dtype = tf.as_dtype(getattr(self.cell, "dtype", None) or self.dtype)
        flat = []
        for state in nest.flatten(initial_state):
            state = tf.convert_to_tensor(state)
            if state.dtype.is_floating and state.dtype != dtype:
                state = tf.cast(state, dtype)
            flat.append(state)
        if template is not None and len(nest.flatten(template)) == len(flat):
            return nest.pack_sequence_as(template, flat)
        expected = len(_state_sizes(self.cell))
        if template is None and len(flat) != expected:
            raise ValueError(f"Layer {self.name!r} ({type(self).__name__}) has {expected} "
                             f"state(s), but it received {len(flat)} initial state tensors.")
        return flat

    def call(self, inputs, initial_state=None, mask=None, training=None):
        if mask is None:
            mask = getattr(inputs, "_keras_mask", None)
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        sequences = inputs if self.time_major else _swap_batch_time(inputs)
        if mask is not None:
            mask = tf.cast(mask, tf.bool)
            if not self.time_major:
                mask = tf.transpose(mask)
        batch = sequences.shape[1]
        if batch is None:
            batch = tf.shape(sequences)[1]
        states = self._initial_states(initial_state, batch)
        last, outputs, states = self._run(sequences, states, mask, bool(training))
        if self.stateful and self._state_variables is not None:
            for variable, value in zip(self._state_variables, nest.flatten(states)):
                variable.assign(value)
        if self.return_sequences:
            output = outputs if self.time_major else _swap_batch_time(outputs)
        else:
            output = last
        if self.return_state:
            return (output,) + tuple(states)
        return output

    def _run(self, sequences, states, mask, training):
        cell = self.cell
        if isinstance(cell, RecurrentCell):
            input_masks = recurrent_masks = None
            if training:
                input_masks, recurrent_masks = cell.new_dropout_masks(
                    sequences[0], nest.flatten(states)[0], training)
            fuse = recurrent_masks is None and cell._fused_activations() is not None
            projected = cell._project(sequences, input_masks, with_bias=not fuse)
            if self.go_backwards:
                projected = tf.reverse(projected, [0])
                mask = None if mask is None else tf.reverse(mask, [0])
            if fuse:
                outputs, final = cell._fused_sequence(projected, states, mask,
                                                      self.zero_output_for_mask,
                                                      self.return_sequences)
                return outputs[-1], outputs if self.return_sequences else None, final

            def step(x, current):
                return cell._step(x, current, recurrent_masks)
            return time_loop(step, projected, states, mask, self.zero_output_for_mask,
                             self.return_sequences)
        if self.go_backwards:
            sequences = tf.reverse(sequences, [0])
            mask = None if mask is None else tf.reverse(mask, [0])
        masks = _cache_dropout_masks(cell, sequences[0], states, training)
        try:
            return time_loop(lambda x, current: _call_cell(cell, x, current, training),
                             sequences, states, mask, self.zero_output_for_mask,
                             self.return_sequences)
        finally:
            for item in masks:
                item._cached_masks = None

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(nest.flatten(self.state_size))
        return output_mask

    # ---- configuration ----------------------------------------------------------------------
    def get_config(self):
        from tensorflux.keras.saving.serialization import serialize_keras_object
        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences, "return_state": self.return_state,
            "go_backwards": self.go_backwards, "stateful": self.stateful,
            "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialize_keras_object(self.cell),
        })
        if self.time_major:
            config["time_major"] = True
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tensorflux.keras.saving.serialization import deserialize_keras_object
        config = dict(config)
        cell = config.pop("cell")
        if isinstance(cell, dict):
            cell = deserialize_keras_object(cell, custom_objects)
        elif isinstance(cell, list):
            cell = [deserialize_keras_object(c, custom_objects) if isinstance(c, dict) else c
                    for c in cell]
        return cls(cell, **config)


def sequences_shape(build_config):
    """The input shape in a build config (Keras 3 writes {"shapes_dict": {"sequences_shape":
    ...}} for layers whose build takes the initial states' shapes too)."""
    if not build_config:
        return None
    shape = build_config.get("input_shape")
    if shape is None:
        shape = (build_config.get("shapes_dict") or {}).get("sequences_shape")
    return shape


def _cache_dropout_masks(cell, inputs, states, training):
    """Draws the dropout masks of built-in cells once per sequence (stacked cells included);
    returns the cells whose cache must be cleared after the loop."""
    cells = cell.cells if isinstance(cell, StackedRNNCells) else [cell]
    cached = []
    if not training:
        return cached
    template = inputs
    for index, item in enumerate(cells):
        if isinstance(item, RecurrentCell):
            state = nest.flatten(states[index] if len(cells) > 1 else states)[0]
            masks = item.new_dropout_masks(template, state, training)
            if masks != (None, None):
                item._cached_masks = masks
                cached.append(item)
        output_size = getattr(item, "output_size", None) or _state_sizes(item)[0]
        if isinstance(output_size, int):
            template = tf.zeros_like(template[..., :1]) + tf.zeros([output_size],
                                                                   template.dtype)
    return cached


class StackedRNNCells(Layer):
    """Several RNN cells run as one: the output of each cell is the input of the next.

    Args:
        cells: a list of RNN cells. States are a list with one entry per cell.
    """

    def __init__(self, cells, **kwargs):
        for cell in cells:
            if not hasattr(cell, "call") or getattr(cell, "state_size", None) is None:
                raise ValueError("All cells must have a `call` method and a `state_size` "
                                 f"attribute. Received cells={cells}")
        if kwargs.get("dtype") is None and cells:
            # the stack passes its inputs through: it computes in its cells' dtype
            kwargs["dtype"] = getattr(cells[0], "dtype", None)
        super().__init__(**kwargs)
        self.cells = list(cells)

    @property
    def state_size(self):
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        size = getattr(last, "output_size", None)
        return size if size is not None else _state_sizes(last)[0]

    def get_initial_state(self, batch_size=None, dtype=None):
        """One entry per cell: its list of states (a single tensor for a custom cell with an
        integer `state_size` and no `get_initial_state`, as Keras)."""
        states = []
        for cell in self.cells:
            cell_dtype = getattr(cell, "dtype", None) or dtype or self.dtype
            function = getattr(cell, "get_initial_state", None)
            if function is not None:
                states.append(function(batch_size=batch_size, dtype=cell_dtype))
            elif isinstance(cell.state_size, int):
                states.append(tf.zeros([batch_size, cell.state_size], dtype=cell_dtype))
            else:
                states.append([tf.zeros([batch_size, size], dtype=cell_dtype)
                               for size in cell.state_size])
        return states

    def build(self, input_shape):
        shape = TensorShape(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._maybe_build(shape)
            size = getattr(cell, "output_size", None) or _state_sizes(cell)[0]
            shape = TensorShape([shape[0], size])
        super().build(input_shape)

    def call(self, inputs, states, training=None):
        new_states = []
        for cell, state in zip(self.cells, states):
            single = not isinstance(state, (list, tuple))
            inputs, cell_states = _call_cell(cell, inputs, [state] if single else list(state),
                                             training)
            new_states.append(cell_states[0] if single and len(cell_states) == 1
                              else cell_states)
        return inputs, new_states

    def get_config(self):
        from tensorflux.keras.saving.serialization import serialize_keras_object
        config = super().get_config()
        config["cells"] = [serialize_keras_object(cell) for cell in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tensorflux.keras.saving.serialization import deserialize_keras_object
        config = dict(config)
        cells = [deserialize_keras_object(c, custom_objects) if isinstance(c, dict) else c
                 for c in config.pop("cells")]
        return cls(cells, **config)
