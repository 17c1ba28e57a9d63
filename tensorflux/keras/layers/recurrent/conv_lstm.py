"""ConvLSTM1D/2D/3D: LSTMs whose input and recurrent transformations are convolutions.

Weights (Keras' layout): kernel (*kernel_size, channels, 4 * filters), recurrent_kernel
(*kernel_size, filters, 4 * filters), bias (4 * filters,), gates i, f, c, o. The input
convolution runs once over all time steps (folded into the batch); the recurrent convolution
(stride 1, "same" padding) runs per step.
"""
import math

import tensorflux as tf
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.keras import regularizers
from tensorflux.keras.layers.base_layer import InputSpec, Layer
from tensorflux.keras.layers.recurrent.cells import LSTMCell, serialize_or_none
from tensorflux.keras.layers.recurrent.rnn import RNN

__all__ = ["ConvLSTMCell", "ConvLSTM", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]


def _tuple(value, rank, name):
    if isinstance(value, int):
        return (value,) * rank
    value = tuple(int(v) for v in value)
    if len(value) != rank:
        raise ValueError(f"The `{name}` argument must be a tuple of {rank} integers. "
                         f"Received: {name}={value}")
    return value


def _output_size(size, kernel, stride, dilation, padding):
    if size is None:
        return None
    if padding == "same":
        return math.ceil(size / stride)
    return math.ceil((size - (kernel - 1) * dilation) / stride)


class ConvLSTMCell(LSTMCell):
    """One step of a convolutional LSTM over channels-last frames (batch, *spatial, channels).

    Args:
        rank: 1, 2 or 3 spatial dimensions.
        filters: number of output channels (the "units" of each gate).
        kernel_size, strides, padding ("valid" or "same"), dilation_rate: of the input
            convolution; the recurrent convolution uses stride 1 and "same" padding.
        data_format: "channels_last" (default) or "channels_first" (handled by ConvLSTM).
        The remaining arguments are LSTMCell's.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        if rank not in (1, 2, 3):
            raise ValueError(f"Rank {rank} convolutions are not currently implemented. "
                             f"Received: rank={rank}")
        super().__init__(filters, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                         kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.rank = rank
        self.filters = self.units
        self.kernel_size = _tuple(kernel_size, rank, "kernel_size")
        self.strides = _tuple(strides, rank, "strides")
        self.dilation_rate = _tuple(dilation_rate, rank, "dilation_rate")
        padding = str(padding).lower()
        if padding not in ("valid", "same"):
            raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. "
                             f"Received: padding={padding}")
        self.padding = padding
        self.data_format = data_format or "channels_last"
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("Specifying `strides > 1` is not compatible with "
                             "`dilation_rate > 1`. Received: strides="
                             f"{self.strides} and dilation_rate={self.dilation_rate}")
        self.spatial_dims = None

    def build(self, input_shape):
        shape = TensorShape(input_shape).as_list()
        self.spatial_dims = tuple(shape[1:-1])
        if None in self.spatial_dims:
            raise ValueError("ConvLSTM layers only support static input shapes for the "
                             f"spatial dimension. Received invalid input shape: {shape}")
        channels = shape[-1]
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found "
                             f"None. Full input shape received: {shape}")
        self.input_dim = channels
        self.kernel = self.add_weight(name="kernel",
                                      shape=self.kernel_size + (channels, 4 * self.filters),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=self.kernel_size + (self.filters, 4 * self.filters),
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self._add_bias((4 * self.filters,), self._bias_initializer_for_build())
        state = TensorShape(self.output_spatial_dims() + (self.filters,))
        self.state_size = [state, state]
        Layer.build(self, input_shape)

    def output_spatial_dims(self):
        return tuple(_output_size(size, k, s, d, self.padding) for size, k, s, d in
                     zip(self.spatial_dims, self.kernel_size, self.strides, self.dilation_rate))

    def _mask_count(self):
        return 4

    def _input_transform(self, inputs, kernel):
        # fold every leading axis (time, batch) into one batch axis for a single convolution
        rank = inputs.shape.rank
        leading = rank - self.rank - 1
        if leading == 1:
            return tf.nn.convolution(inputs, kernel, strides=list(self.strides),
                                     padding=self.padding.upper(),
                                     dilations=list(self.dilation_rate))
        dims = inputs.shape.as_list()
        folded = tf.reshape(inputs, [-1] + dims[leading:])
        out = tf.nn.convolution(folded, kernel, strides=list(self.strides),
                                padding=self.padding.upper(),
                                dilations=list(self.dilation_rate))
        tail = out.shape.as_list()[1:]
        if all(d is not None for d in dims[:leading]):
            return tf.reshape(out, dims[:leading] + tail)
        result = tf.reshape(out, tf.concat([tf.shape(inputs)[:leading], tail], 0))
        result.set_shape(dims[:leading] + tail)
        return result

    def _state_transform(self, state, kernel):
        return tf.nn.convolution(state, kernel, strides=[1] * self.rank, padding="SAME")

    def _fused_activations(self):
        return None

    def get_initial_state(self, batch_size=None, dtype=None):
        shape = [batch_size] + list(self.output_spatial_dims()) + [self.filters]
        return [tf.zeros(shape, dtype=dtype or self.dtype) for _ in range(2)]

    def get_config(self):
        config = super().get_config()
        del config["units"]
        config.update({"rank": self.rank, "filters": self.filters,
                       "kernel_size": list(self.kernel_size), "strides": list(self.strides),
                       "padding": self.padding, "data_format": self.data_format,
                       "dilation_rate": list(self.dilation_rate)})
        return config


class ConvLSTM(RNN):
    """The recurrent layer around ConvLSTMCell; see ConvLSTM1D/2D/3D for the arguments."""

    rank = None

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        cell = ConvLSTMCell(rank, filters, kernel_size, strides=strides, padding=padding,
                            data_format=data_format, dilation_rate=dilation_rate,
                            activation=activation, recurrent_activation=recurrent_activation,
                            use_bias=use_bias, kernel_initializer=kernel_initializer,
                            recurrent_initializer=recurrent_initializer,
                            bias_initializer=bias_initializer,
                            unit_forget_bias=unit_forget_bias,
                            kernel_regularizer=kernel_regularizer,
                            recurrent_regularizer=recurrent_regularizer,
                            bias_regularizer=bias_regularizer,
                            kernel_constraint=kernel_constraint,
                            recurrent_constraint=recurrent_constraint,
                            bias_constraint=bias_constraint, dropout=dropout,
                            recurrent_dropout=recurrent_dropout, seed=seed,
                            name="conv_lstm_cell", dtype=kwargs.get("dtype"))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=rank + 3)

    def __getattr__(self, name):
        cell = self.__dict__.get("cell")
        if name.startswith("_") or cell is None or name in ("cell", "rank"):
            raise AttributeError(name)
        if name in ("filters", "kernel_size", "strides", "padding", "data_format",
                    "dilation_rate", "activation", "recurrent_activation", "use_bias",
                    "kernel_initializer", "recurrent_initializer", "bias_initializer",
                    "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
                    "bias_regularizer", "kernel_constraint", "recurrent_constraint",
                    "bias_constraint", "dropout", "recurrent_dropout", "seed"):
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _channels_first(self):
        return self.cell.data_format == "channels_first"

    def _to_last(self, x, batch_axes):
        rank = x.shape.rank
        perm = list(range(batch_axes)) + list(range(batch_axes + 1, rank)) + [batch_axes]
        return tf.transpose(x, perm)

    def _to_first(self, x, batch_axes):
        rank = x.shape.rank
        perm = list(range(batch_axes)) + [rank - 1] + list(range(batch_axes, rank - 1))
        return tf.transpose(x, perm)

    def build(self, input_shape):
        if self._channels_first():
            dims = TensorShape(input_shape).as_list()
            input_shape = TensorShape(dims[:2] + dims[3:] + [dims[2]])
        super().build(input_shape)

    def call(self, inputs, initial_state=None, mask=None, training=None):
        if not self._channels_first():
            return super().call(inputs, initial_state=initial_state, mask=mask,
                                training=training)
        if mask is None:
            mask = getattr(inputs, "_keras_mask", None)
        if initial_state is not None:
            initial_state = [self._to_last(s, 1) for s in initial_state]
        result = super().call(self._to_last(inputs, 2), initial_state=initial_state,
                              mask=mask, training=training)
        outputs = result if not self.return_state else result[0]
        outputs = self._to_first(outputs, 2 if self.return_sequences else 1)
        if self.return_state:
            return (outputs,) + tuple(self._to_first(s, 1) for s in result[1:])
        return outputs

    def get_config(self):
        config = super().get_config()
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype", "rank"):
            cell_config.pop(key, None)
        del config["cell"]
        config.update(cell_config)
        config["activity_regularizer"] = serialize_or_none(regularizers,
                                                           self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class ConvLSTM1D(ConvLSTM):
    """1D convolutional LSTM over (batch, time, steps, channels).

    Args:
        filters, kernel_size, strides, padding, data_format, dilation_rate, activation,
        recurrent_activation, use_bias, initializers, unit_forget_bias, regularizers,
        constraints, dropout, recurrent_dropout, seed, return_sequences, return_state,
        go_backwards, stateful: as ConvLSTM2D.
    """

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(1, filters, kernel_size, **kwargs)


class ConvLSTM2D(ConvLSTM):
    """2D convolutional LSTM over (batch, time, rows, cols, channels).

    Args:
        filters: output channels.
        kernel_size, strides (1), padding ("valid" or "same"), data_format
        ("channels_last"), dilation_rate (1): of the input convolution.
        activation ("tanh"), recurrent_activation ("sigmoid"), use_bias, kernel_initializer,
        recurrent_initializer, bias_initializer, unit_forget_bias, *_regularizer,
        activity_regularizer, *_constraint, dropout, recurrent_dropout, seed,
        return_sequences, return_state, go_backwards, stateful: see `RNN`.

    Example:
        >>> layer = tf.keras.layers.ConvLSTM2D(4, kernel_size=3, padding="same")
        >>> layer(np.zeros((1, 3, 8, 8, 2), "float32")).shape
        TensorShape([1, 8, 8, 4])
    """

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(2, filters, kernel_size, **kwargs)


class ConvLSTM3D(ConvLSTM):
    """3D convolutional LSTM over (batch, time, depth, rows, cols, channels); arguments as
    ConvLSTM2D."""

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(3, filters, kernel_size, **kwargs)
