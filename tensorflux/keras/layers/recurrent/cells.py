"""SimpleRNNCell, LSTMCell and GRUCell: one time step of the Keras recurrent layers.

Keras' weight layout, so Keras weight files load: `kernel` (input_dim, gates * units),
`recurrent_kernel` (units, gates * units) and `bias`, gates in order i, f, c, o (LSTM) and
z, r, h (GRU; with `reset_after` the bias is (2, 3 * units): input bias, recurrent bias).

Besides `call(inputs, states)` (one step, the public cell API), each cell splits its work for
the RNN layer: `_project` applies the input kernel and bias to every time step at once (one
matmul), `_step` advances the recurrence on projected inputs, and `_fused_sequence` runs the
whole loop as one op (ops/rnn_ops.py) when the activations allow it.
"""
import tensorflux as tf
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.keras import activations, constraints, initializers, regularizers
from tensorflux.keras.layers.base_layer import Layer
from tensorflux.ops import rnn_ops

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell"]


def serialize_or_none(module, obj):
    return None if obj is None else module.serialize(obj)


def fused_name(function):
    """The name of a built-in activation the fused ops implement, else None."""
    try:
        name = activations.serialize(function)
    except ValueError:
        return None
    if name in rnn_ops.FUSED_ACTIVATIONS and activations.get(name) is function:
        return name
    return None


def matmul_last(x, matrix):
    """x (..., n) @ matrix (n, m) -> (..., m), with one matmul over all leading axes."""
    rank = x.shape.rank
    if rank == 2:
        return tf.matmul(x, matrix)
    columns = int(matrix.shape[-1])
    flat = tf.matmul(tf.reshape(x, [-1, int(matrix.shape[0])]), matrix)
    leading = x.shape.as_list()[:-1]
    if all(d is not None for d in leading):
        return tf.reshape(flat, leading + [columns])
    dynamic = tf.shape(x)
    result = tf.reshape(flat, tf.concat([dynamic[:-1], [columns]], 0))
    result.set_shape(leading + [columns])
    return result


def dropout_masks(template, rate, count, seed):
    """`count` dropout masks (scaled by 1 / (1 - rate)) shaped like `template`."""
    ones = tf.ones_like(template)
    return [tf.nn.dropout(ones, rate=rate, seed=None if seed is None else seed + index)
            for index in range(count)]


class RecurrentCell(Layer):
    """What the cells share: configuration of weights, dropout and the projection of inputs.

    Subclasses set `gate_count` and define `_step` (and optionally `_fused_sequence`).
    """

    gate_count = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        try:
            valid = int(units) == units and units > 0
        except (TypeError, ValueError):
            valid = False
        if not valid:
            raise ValueError(f"Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units}.")
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.state_size = self.units
        self.output_size = self.units
        self._cached_masks = None

    def _add_kernels(self, input_dim):
        width = self.units * self.gate_count
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, width),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel",
                                                shape=(self.units, width),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)

    def _add_bias(self, shape, initializer=None):
        self.bias = self.add_weight(name="bias", shape=shape,
                                    initializer=initializer or self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint)

    def build(self, input_shape):
        input_dim = TensorShape(input_shape)[-1]
        if input_dim is None:
            raise ValueError(f"Layer {self.name!r} ({type(self).__name__}) needs the last "
                             f"dimension of its input to be known; got input shape "
                             f"{TensorShape(input_shape)}.")
        self._add_kernels(int(input_dim))
        self.bias = None
        if self.use_bias:
            self._add_bias(self._bias_shape(), self._bias_initializer_for_build())
        super().build(input_shape)

    def _bias_shape(self):
        return (self.units * self.gate_count,)

    def _bias_initializer_for_build(self):
        return self.bias_initializer

    # ---- dropout ------------------------------------------------------------------------------
    def _mask_count(self):
        # As Keras: with recurrent dropout, LSTM and GRU draw one mask per gate.
        return self.gate_count if self.recurrent_dropout > 0 else 1

    def new_dropout_masks(self, inputs, state, training):
        """(input masks or None, recurrent masks or None) for one sequence."""
        if not training:
            return None, None
        count = self._mask_count()
        input_masks = dropout_masks(inputs, self.dropout, count, self.seed) \
            if 0 < self.dropout < 1 else None
        seed = None if self.seed is None else self.seed + count
        recurrent_masks = dropout_masks(state, self.recurrent_dropout, count, seed) \
            if 0 < self.recurrent_dropout < 1 else None
        return input_masks, recurrent_masks

    # ---- the parts --------------------------------------------------------------------------
    def _input_bias(self):
        return self.bias

    def _input_transform(self, inputs, kernel):
        """inputs (..., input_dim) @ kernel over the last axis (ConvLSTM: a convolution)."""
        return matmul_last(inputs, kernel)

    def _state_transform(self, state, kernel):
        return tf.matmul(state, kernel)

    def _project(self, inputs, input_masks, with_bias=True):
        """inputs -> inputs @ kernel + input bias, (..., gates * units), for one step or for
        all steps of a time-major sequence at once (the fused ops add the bias themselves)."""
        if input_masks is None:
            projected = self._input_transform(inputs, self.kernel)
        elif len(input_masks) == 1:
            projected = self._input_transform(inputs * input_masks[0], self.kernel)
        else:
            units = self.units
            projected = tf.concat([
                self._input_transform(inputs * mask, self.kernel[..., k * units:(k + 1) * units])
                for k, mask in enumerate(input_masks)], axis=-1)
        bias = self._input_bias() if with_bias else None
        return projected if bias is None else projected + bias

    def _recurrent(self, state, recurrent_masks, start=0, stop=None):
        """state @ recurrent_kernel[:, gates start:stop], with per-gate dropout masks."""
        units = self.units
        stop = self.gate_count if stop is None else stop
        kernel = self.recurrent_kernel
        if start != 0 or stop != self.gate_count:
            kernel = kernel[..., start * units:stop * units]
        if recurrent_masks is None:
            return self._state_transform(state, kernel)
        if len(recurrent_masks) == 1:
            return self._state_transform(state * recurrent_masks[0], kernel)
        return tf.concat([
            self._state_transform(state * recurrent_masks[k],
                                  self.recurrent_kernel[..., k * units:(k + 1) * units])
            for k in range(start, stop)], axis=-1)

    def _fused_activations(self):
        """The activation names for the fused op, or None when it cannot run this cell."""
        return None

    def _fused_sequence(self, projected, states, mask, zero_output, return_sequences):
        """Runs the whole loop as one op on projected inputs without bias; returns (outputs
        (time or 1, batch, units), final states)."""
        raise NotImplementedError

    def call(self, inputs, states, training=None):
        """One step: (output, new states) from inputs (batch, input_dim) and the states."""
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        if self._cached_masks is not None:
            input_masks, recurrent_masks = self._cached_masks
        else:
            input_masks, recurrent_masks = self.new_dropout_masks(inputs, states[0], training)
        output, new_states = self._step(self._project(inputs, input_masks), states,
                                        recurrent_masks)
        return output, new_states

    def get_initial_state(self, batch_size=None, dtype=None):
        dtype = dtype or self.dtype
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) \
            else [self.state_size]
        return [tf.zeros([batch_size, size], dtype=dtype) for size in sizes]

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": serialize_or_none(regularizers, self.kernel_regularizer),
            "recurrent_regularizer": serialize_or_none(regularizers,
                                                       self.recurrent_regularizer),
            "bias_regularizer": serialize_or_none(regularizers, self.bias_regularizer),
            "kernel_constraint": serialize_or_none(constraints, self.kernel_constraint),
            "recurrent_constraint": serialize_or_none(constraints, self.recurrent_constraint),
            "bias_constraint": serialize_or_none(constraints, self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        })
        return config


class SimpleRNNCell(RecurrentCell):
    """One step of a fully-connected RNN: h = activation(x @ kernel + bias + h @ recurrent_kernel).

    Args:
        units: size of the output and state.
        activation ("tanh"), use_bias, kernel_initializer ("glorot_uniform"),
        recurrent_initializer ("orthogonal"), bias_initializer ("zeros"), *_regularizer,
        *_constraint, dropout / recurrent_dropout (fractions of the inputs / states dropped
        during training), seed.
    """

    gate_count = 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)

    def _step(self, projected, states, recurrent_masks):
        output = self.activation(projected + self._recurrent(states[0], recurrent_masks))
        return output, [output]

    def _fused_activations(self):
        name = fused_name(self.activation)
        return None if name is None else (name,)

    def _fused_sequence(self, projected, states, mask, zero_output, return_sequences):
        outputs, h = rnn_ops.simple_rnn_sequence(
            projected, states[0], self.recurrent_kernel, self.bias, mask=mask,
            activation=self._fused_activations()[0], zero_output_for_mask=zero_output,
            return_sequences=return_sequences)
        return outputs, [h]

    def get_config(self):
        config = super().get_config()
        del config["recurrent_activation"]
        return config


class LSTMCell(RecurrentCell):
    """One step of a Long Short-Term Memory layer (Hochreiter & Schmidhuber, 1997).

    With gates i, f, o = recurrent_activation(...) and candidate g = activation(...), all
    computed from x @ kernel + h @ recurrent_kernel + bias:
    c' = f * c + i * g and h' = o * activation(c'). States: [h, c].

    Args:
        units: size of the output and of each state.
        activation ("tanh"), recurrent_activation ("sigmoid"), use_bias,
        kernel_initializer ("glorot_uniform"), recurrent_initializer ("orthogonal"),
        bias_initializer ("zeros"), unit_forget_bias (True: the forget gate's bias starts at
        1), *_regularizer, *_constraint, dropout, recurrent_dropout, seed.
    """

    gate_count = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]

    def _bias_initializer_for_build(self):
        if self.unit_forget_bias:
            return _ForgetBiasInitializer(self.bias_initializer, self.units)
        return self.bias_initializer

    def _step(self, projected, states, recurrent_masks):
        h, c = states[0], states[1]
        z = projected + self._recurrent(h, recurrent_masks)
        i, f, g, o = tf.split(z, 4, axis=-1)
        c = self.recurrent_activation(f) * c + self.recurrent_activation(i) * self.activation(g)
        h = self.recurrent_activation(o) * self.activation(c)
        return h, [h, c]

    def _fused_activations(self):
        names = fused_name(self.activation), fused_name(self.recurrent_activation)
        return None if None in names else names

    def _fused_sequence(self, projected, states, mask, zero_output, return_sequences):
        activation, recurrent_activation = self._fused_activations()
        outputs, h, c = rnn_ops.lstm_sequence(
            projected, states[0], states[1], self.recurrent_kernel, self.bias, mask=mask,
            activation=activation, recurrent_activation=recurrent_activation,
            zero_output_for_mask=zero_output, return_sequences=return_sequences)
        return outputs, [h, c]

    def get_config(self):
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class _ForgetBiasInitializer:
    """The bias initializer with the forget gate's block set to ones (unit_forget_bias)."""

    def __init__(self, initializer, units):
        self.initializer = initializer
        self.units = units

    def __call__(self, shape, dtype=None, **kwargs):
        units = self.units
        return tf.concat([self.initializer((units,), dtype=dtype),
                          tf.ones((units,), dtype=dtype),
                          self.initializer((2 * units,), dtype=dtype)], axis=0)


class GRUCell(RecurrentCell):
    """One step of a Gated Recurrent Unit (Cho et al., 2014).

    z, r = recurrent_activation(...), hh = activation(x_h + r * (h @ R_h + b_h)) with
    `reset_after=True` (Keras 3's default, the cuDNN-compatible form; bias shape
    (2, 3 * units)) or activation(x_h + (r * h) @ R_h) with `reset_after=False` (bias
    (3 * units,)); h' = z * h + (1 - z) * hh.

    Args:
        units, activation ("tanh"), recurrent_activation ("sigmoid"), use_bias,
        kernel_initializer, recurrent_initializer, bias_initializer, *_regularizer,
        *_constraint, dropout, recurrent_dropout, seed, reset_after (True).
    """

    gate_count = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        if self.bias is None:
            return None
        return self.bias[0] if self.reset_after else self.bias

    def _recurrent_bias(self):
        return self.bias[1] if self.reset_after and self.bias is not None else None

    def _step(self, projected, states, recurrent_masks):
        h = states[0]
        units = self.units
        x_z, x_r, x_h = tf.split(projected, 3, axis=-1)
        if self.reset_after:
            inner = self._recurrent(h, recurrent_masks)
            bias = self._recurrent_bias()
            if bias is not None:
                inner = inner + bias
            inner_z, inner_r, inner_h = tf.split(inner, 3, axis=-1)
            z = self.recurrent_activation(x_z + inner_z)
            r = self.recurrent_activation(x_r + inner_r)
            candidate = self.activation(x_h + r * inner_h)
        else:
            inner = self._recurrent(h, recurrent_masks, 0, 2)
            z = self.recurrent_activation(x_z + inner[:, :units])
            r = self.recurrent_activation(x_r + inner[:, units:])
            reset_state = r * h
            if recurrent_masks is not None and len(recurrent_masks) > 1:
                reset_state = reset_state * recurrent_masks[2]
            elif recurrent_masks is not None:
                reset_state = reset_state * recurrent_masks[0]
            candidate = self.activation(
                x_h + tf.matmul(reset_state, self.recurrent_kernel[:, 2 * units:]))
        h = z * h + (1.0 - z) * candidate
        return h, [h]

    def _fused_activations(self):
        names = fused_name(self.activation), fused_name(self.recurrent_activation)
        return None if None in names else names

    def _fused_sequence(self, projected, states, mask, zero_output, return_sequences):
        activation, recurrent_activation = self._fused_activations()
        outputs, h = rnn_ops.gru_sequence(
            projected, states[0], self.recurrent_kernel, self._input_bias(),
            self._recurrent_bias(), mask=mask, activation=activation,
            recurrent_activation=recurrent_activation, reset_after=self.reset_after,
            zero_output_for_mask=zero_output, return_sequences=return_sequences)
        return outputs, [h]

    def get_config(self):
        config = super().get_config()
        config["reset_after"] = self.reset_after
        return config
