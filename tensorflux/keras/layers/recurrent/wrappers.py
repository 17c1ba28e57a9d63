"""Bidirectional (a recurrent layer run both ways) and TimeDistributed (a layer applied to every
time step)."""
import copy

import tensorflux as tf
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.keras.layers.base_layer import Layer

__all__ = ["Bidirectional", "TimeDistributed"]

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _serialize(layer):
    from tensorflux.keras.saving.serialization import serialize_keras_object
    return serialize_keras_object(layer)


def _deserialize(config, custom_objects=None):
    from tensorflux.keras.saving.serialization import deserialize_keras_object
    return deserialize_keras_object(config, custom_objects)


def _without_prefix(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy of it backwards, then merges the outputs.

    Args:
        layer: an RNN layer (LSTM, GRU, SimpleRNN, RNN, ...). It is copied from its config
            (named "forward_<name>"); its weights are not shared.
        merge_mode: "concat" (default), "sum", "mul", "ave", or None (return both outputs).
        backward_layer: optional layer for the backward direction; by default a copy of
            `layer` with `go_backwards` flipped, named "backward_<name>".

    With `return_state`, returns `output, *forward_states, *backward_states`.

    Example:
        >>> layer = tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(4))
        >>> layer(np.zeros((2, 5, 3), "float32")).shape
        TensorShape([2, 8])
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` need to be a `keras.layers.Layer` instance. "
                             f"Received: {backward_layer!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode!r}. Merge mode "
                             'should be one of {"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        config = _serialize(layer)
        config["config"]["name"] = "forward_" + _without_prefix(layer.name, "forward_")
        self.forward_layer = _deserialize(config)
        if backward_layer is None:
            config = _serialize(layer)
            config["config"]["go_backwards"] = not layer.go_backwards
            config["config"]["name"] = "backward_" + _without_prefix(layer.name, "backward_")
            self.backward_layer = _deserialize(config)
        else:
            self.backward_layer = backward_layer
        self._verify()
        for item in (self.forward_layer, self.backward_layer):
            if hasattr(item, "zero_output_for_mask"):
                item.zero_output_for_mask = item.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec
        self._pending_weights = list(weights) if weights else None

    def _verify(self):
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError("Forward layer and backward layer should have different "
                             f"`go_backwards` value. Received: forward_layer.go_backwards="
                             f"{forward.go_backwards}, backward_layer.go_backwards="
                             f"{backward.go_backwards}")
        for attribute in ("stateful", "return_sequences", "return_state"):
            if getattr(forward, attribute) != getattr(backward, attribute):
                raise ValueError(f"Forward layer and backward layer are expected to have the "
                                 f'same value for attribute "{attribute}", got '
                                 f'"{getattr(forward, attribute)}" for forward layer and '
                                 f'"{getattr(backward, attribute)}" for backward layer')

    @property
    def states(self):
        forward, backward = self.forward_layer.states, self.backward_layer.states
        if forward and backward:
            return tuple(forward) + tuple(backward)
        return None

    def reset_states(self, states=None):
        if not self.stateful:
            raise AttributeError(f"Layer {self.name!r} (Bidirectional) must be stateful to "
                                 "reset its states.")
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
        else:
            half = len(states) // 2
            self.forward_layer.reset_states(states[:half])
            self.backward_layer.reset_states(states[half:])

    reset_state = reset_states

    def build_from_config(self, config):
        from tensorflux.keras.layers.recurrent.rnn import sequences_shape
        shape = sequences_shape(config)
        if shape is not None and not self.built:
            self._maybe_build(TensorShape(shape))

    def build(self, input_shape):
        for item in (self.forward_layer, self.backward_layer):
            if not item.built:
                item._maybe_build(TensorShape(input_shape))
        if self._pending_weights is not None:
            half = len(self._pending_weights) // 2
            self.forward_layer.set_weights(self._pending_weights[:half])
            self.backward_layer.set_weights(self._pending_weights[half:])
            self._pending_weights = None
        super().build(input_shape)

    def call(self, inputs, initial_state=None, mask=None, training=None):
        if mask is None:
            mask = getattr(inputs, "_keras_mask", None)
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        forward_state = backward_state = None
        if initial_state is not None:
            initial_state = list(initial_state) if isinstance(initial_state, (list, tuple)) \
                else [initial_state]
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(inputs, initial_state=forward_state, mask=mask,
                               training=training)
        y_reversed = self.backward_layer(inputs, initial_state=backward_state, mask=mask,
                                         training=training)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_reversed[1:])
            y, y_reversed = y[0], y_reversed[0]
        if self.return_sequences:
            y_reversed = tf.reverse(y_reversed, [1])
        if self.merge_mode == "concat":
            output = tf.concat([y, y_reversed], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_reversed
        elif self.merge_mode == "ave":
            output = (y + y_reversed) / 2
        elif self.merge_mode == "mul":
            output = y * y_reversed
        else:
            output = (y, y_reversed)
        if self.return_state:
            return (output if self.merge_mode is None else (output,)) + states
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        if self.return_sequences:
            output_mask = (mask, mask) if self.merge_mode is None else mask
        else:
            output_mask = (None, None) if self.merge_mode is None else None
        if self.return_state:
            count = 2 * len(self.forward_layer.state_size)
            head = output_mask if self.merge_mode is None else (output_mask,)
            return tuple(head) + (None,) * count
        return output_mask

    def get_config(self):
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        config["layer"] = _serialize(self.forward_layer)
        config["backward_layer"] = _serialize(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = copy.deepcopy(config)
        config["layer"] = _deserialize(config["layer"], custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = _deserialize(backward, custom_objects)
        return cls(**config)


class TimeDistributed(Layer):
    """Applies `layer` to every time step of an input (batch, time, ...).

    The time axis is folded into the batch axis, so the layer runs once on (batch * time,
    ...) and its weights are shared across steps.

    Args:
        layer: the layer to apply (e.g. Dense, Conv2D).

    Example:
        >>> layer = tf.keras.layers.TimeDistributed(tf.keras.layers.Dense(2))
        >>> layer(np.zeros((4, 3, 5), "float32")).shape
        TensorShape([4, 3, 2])
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer!r}")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    @staticmethod
    def _child_shape(input_shape):
        shape = TensorShape(input_shape)
        if shape.rank is None or shape.rank < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with "
                             f"at least 3 dimensions, received: {shape}")
        batch, steps = shape[0], shape[1]
        folded = None if batch is None or steps is None else batch * steps
        return TensorShape([folded] + shape.as_list()[2:])

    def build(self, input_shape):
        if not self.layer.built:
            self.layer._maybe_build(self._child_shape(input_shape))
        super().build(input_shape)

    def call(self, inputs, training=None, mask=None):
        if mask is None:
            mask = getattr(inputs, "_keras_mask", None)
        static = inputs.shape.as_list()
        dynamic = tf.shape(inputs)
        batch = static[0] if static[0] is not None else dynamic[0]
        steps = static[1] if static[1] is not None else dynamic[1]
        inner_static = static[2:]
        if all(d is not None for d in inner_static):
            folded = tf.reshape(inputs, [-1] + inner_static)
        else:
            folded = tf.reshape(inputs, tf.concat([[-1], dynamic[2:]], 0))
        kwargs = {}
        if self.layer._call_accepts_training:
            kwargs["training"] = training
        if mask is not None and self.layer._call_accepts_mask:
            kwargs["mask"] = tf.reshape(mask, [-1] + mask.shape.as_list()[2:])
        outputs = self.layer(folded, **kwargs)
        out_static = outputs.shape.as_list()[1:]
        if all(d is not None for d in out_static) and not isinstance(batch, tf.Tensor) and \
                not isinstance(steps, tf.Tensor):
            return tf.reshape(outputs, [batch, steps] + out_static)
        shape = tf.concat([tf.stack([tf.cast(batch, tf.int32), tf.cast(steps, tf.int32)]),
                           tf.shape(outputs)[1:]], 0)
        result = tf.reshape(outputs, shape)
        result.set_shape([static[0], static[1]] + out_static)
        return result

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        config = super().get_config()
        config["layer"] = _serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = _deserialize(config["layer"], custom_objects)
        return cls(**config)
