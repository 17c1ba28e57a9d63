"""SimpleRNN, LSTM and GRU: an RNN layer around the matching cell, configured flat as Keras
does (the cell's arguments are the layer's)."""
import inspect

from tensorflux.keras import regularizers
from tensorflux.keras.layers.base_layer import InputSpec
from tensorflux.keras.layers.recurrent.cells import (GRUCell, LSTMCell, SimpleRNNCell,
                                                     serialize_or_none)
from tensorflux.keras.layers.recurrent.rnn import RNN

__all__ = ["SimpleRNN", "LSTM", "GRU"]

_RNN_ARGUMENTS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                  "time_major", "zero_output_for_mask")
# Layer keyword arguments the cell shares with its layer.
_SHARED = ("dtype", "trainable")
_PARAMETERS = {}


class _CellLayer(RNN):
    """An RNN whose cell is built from the layer's own arguments."""

    cell_class = None
    cell_name = None

    def __init__(self, units, **kwargs):
        rnn_arguments = {key: kwargs.pop(key) for key in _RNN_ARGUMENTS if key in kwargs}
        kwargs.pop("use_cudnn", None)
        cell_arguments = {key: kwargs.pop(key) for key in list(kwargs)
                          if key in self._cell_parameters()}
        shared = {key: kwargs[key] for key in _SHARED if key in kwargs}
        cell = self.cell_class(units, name=self.cell_name, **cell_arguments, **shared)
        super().__init__(cell, **rnn_arguments, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    @classmethod
    def _cell_parameters(cls):
        found = _PARAMETERS.get(cls.cell_class)
        if found is None:
            found = set(inspect.signature(cls.cell_class.__init__).parameters) - {
                "self", "units", "kwargs"}
            _PARAMETERS[cls.cell_class] = found
        return found

    def __getattr__(self, name):
        # units, activation, dropout, kernel_initializer, ...: the cell's configuration
        if name.startswith("_") or name == "cell":
            raise AttributeError(name)
        cell = self.__dict__.get("cell")
        if cell is not None and name in self._cell_parameters() | {"units"}:
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self):
        config = super().get_config()
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        del config["cell"]
        config.update(cell_config)
        config["activity_regularizer"] = serialize_or_none(regularizers,
                                                           self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class SimpleRNN(_CellLayer):
    """Fully-connected RNN whose output is fed back as input: see `SimpleRNNCell`.

    Args:
        units: size of the output.
        activation ("tanh"), use_bias, kernel_initializer ("glorot_uniform"),
        recurrent_initializer ("orthogonal"), bias_initializer ("zeros"), kernel_regularizer,
        recurrent_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
        recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed,
        return_sequences, return_state, go_backwards, stateful, unroll: see `RNN`.

    Example:
        >>> layer = tf.keras.layers.SimpleRNN(4)
        >>> layer(np.zeros((2, 5, 3), "float32")).shape
        TensorShape([2, 4])
    """

    cell_class = SimpleRNNCell
    cell_name = "simple_rnn_cell"

    def __init__(self, units, activation="tanh", **kwargs):
        super().__init__(units, activation=activation, **kwargs)


class LSTM(_CellLayer):
    """Long Short-Term Memory layer (Hochreiter & Schmidhuber, 1997): see `LSTMCell`.

    Weights: kernel (input_dim, 4 * units), recurrent_kernel (units, 4 * units), bias
    (4 * units,), gates in order i, f, c, o (Keras' layout).

    Args:
        units: size of the output and states.
        activation ("tanh"), recurrent_activation ("sigmoid"), use_bias, kernel_initializer,
        recurrent_initializer, bias_initializer, unit_forget_bias (True), *_regularizer,
        activity_regularizer, *_constraint, dropout, recurrent_dropout, seed,
        return_sequences, return_state (returns output, h, c), go_backwards, stateful,
        unroll: see `RNN`.

    Example:
        >>> seq, h, c = tf.keras.layers.LSTM(4, return_sequences=True, return_state=True)(
        ...     np.zeros((2, 5, 3), "float32"))
        >>> seq.shape, h.shape
        (TensorShape([2, 5, 4]), TensorShape([2, 4]))
    """

    cell_class = LSTMCell
    cell_name = "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", **kwargs):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, **kwargs)


class GRU(_CellLayer):
    """Gated Recurrent Unit layer (Cho et al., 2014): see `GRUCell`.

    Weights: kernel (input_dim, 3 * units), recurrent_kernel (units, 3 * units), bias
    (2, 3 * units) with `reset_after=True` (the default; rows: input and recurrent bias) or
    (3 * units,); gates in order z, r, h.

    Args:
        units, activation ("tanh"), recurrent_activation ("sigmoid"), use_bias, initializers,
        regularizers, constraints, dropout, recurrent_dropout, seed, reset_after (True),
        return_sequences, return_state, go_backwards, stateful, unroll: see `RNN`.

    Example:
        >>> tf.keras.layers.GRU(4)(np.zeros((2, 5, 3), "float32")).shape
        TensorShape([2, 4])
    """

    cell_class = GRUCell
    cell_name = "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", **kwargs):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, **kwargs)
