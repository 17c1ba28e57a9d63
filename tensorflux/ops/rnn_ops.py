"""Whole-sequence recurrent ops: LSTMSequence, GRUSequence, SimpleRNNSequence.

Each runs the time loop of one recurrent layer in a single kernel (see kernels/recurrent.py for
why these are primitives). Inputs are time-major and already projected: `projected[t] = x[t] @
kernel + bias`, computed for all steps by one matmul outside the op, so the gradients with
respect to the input kernel, the bias and the inputs come from ordinary ops. The gradient of
each op is one "...Grad" op running the loop backwards; those have no gradient themselves
(second derivatives through these recurrences raise LookupError).
"""
from tensorflux.framework import dtypes
from tensorflux.framework.blas import set_threads_for as set_blas_threads_for
from tensorflux.framework.registry import register_gradient, register_op
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.kernels import recurrent as rk
from tensorflux.ops import math_ops
from tensorflux.ops._helpers import apply, to_tensor

__all__ = ["lstm_sequence", "gru_sequence", "simple_rnn_sequence", "FUSED_ACTIVATIONS"]

FUSED_ACTIVATIONS = frozenset(rk.ACTIVATIONS)


def _small_gemm_threads(kernel, macs_of):
    """Runs `kernel` with BLAS threads chosen for its per-step products (small GEMMs run on one
    thread; see framework/blas.py)."""
    def run(xp, *arrays, **attrs):
        set_blas_threads_for(macs_of(arrays))
        return kernel(xp, *arrays, **attrs)
    return run


def _step_macs(arrays):
    projected, recurrent_kernel = arrays[0], arrays[1]
    return projected.shape[-2] * recurrent_kernel.shape[0] * recurrent_kernel.shape[1]


def _dims(shape, count):
    return [None] * count if shape.rank is None else list(shape.as_tuple())


def _sequence_shapes(projected, units):
    steps, batch, _ = _dims(projected.shape, 3)
    plus_one = None if steps is None else steps + 1
    return (TensorShape([steps, batch, units]), TensorShape([plus_one, batch, units]))


def _units(recurrent_kernel):
    return recurrent_kernel.shape[0] if recurrent_kernel.shape.rank is not None else None


def _same_dtype(count):
    return lambda input_dtypes, attrs: [input_dtypes[0]] * count


def _mask_input(mask):
    if mask is None:
        return []
    mask = to_tensor(mask)
    if mask.dtype != dtypes.bool:
        mask = math_ops.cast(mask, dtypes.bool)
    return [mask]


def _attrs(activation, recurrent_activation=None, **extra):
    for name in (activation, recurrent_activation):
        if name is not None and name not in rk.ACTIVATIONS:
            raise ValueError(f"The fused recurrent ops support the activations "
                             f"{sorted(rk.ACTIVATIONS)}, got {name!r}.")
    attrs = {"activation": activation}
    if recurrent_activation is not None:
        attrs["recurrent_activation"] = recurrent_activation
    attrs.update(extra)
    return attrs


# ---- LSTM -------------------------------------------------------------------------------------

def _lstm_shape(inputs, attrs):
    units = _units(inputs[3])
    outputs, states = _sequence_shapes(inputs[0], units)
    gates = TensorShape(_dims(inputs[0].shape, 3))
    return [outputs, states, states, gates, outputs]


def _lstm_grad_shape(inputs, attrs):
    recurrent_kernel, hs, gates = inputs[0], inputs[1], inputs[3]
    state = TensorShape(_dims(hs.shape, 3)[1:])
    return [gates.shape, state, state, recurrent_kernel.shape]


register_op("LSTMSequence", _small_gemm_threads(rk.lstm_sequence, _step_macs), _lstm_shape,
            _same_dtype(5), num_outputs=5)
register_op("LSTMSequenceGrad",
            _small_gemm_threads(rk.lstm_sequence_grad,
                                lambda a: a[3].shape[-2] * a[0].shape[0] * a[0].shape[1]),
            _lstm_grad_shape, lambda d, attrs: [d[1]] * 4, num_outputs=4)


@register_gradient("LSTMSequence")
def _lstm_sequence_grad(op, d_outputs, d_hs, d_cs, d_gates, d_activated_cs):
    """Backpropagation through time: the LSTMSequenceGrad op (see kernels/recurrent.py)."""
    recurrent_kernel = op.inputs[3]
    mask = list(op.inputs[4:])
    outputs, hs, cs, gates, activated_cs = op.outputs
    d_projected, d_h0, d_c0, d_kernel = apply(
        "LSTMSequenceGrad",
        [recurrent_kernel, hs, cs, gates, activated_cs, d_outputs, d_hs, d_cs] + mask,
        dict(op.attrs))
    return [d_projected, d_h0, d_c0, d_kernel] + [None] * len(mask)


def lstm_sequence(projected, h0, c0, recurrent_kernel, mask=None, activation="tanh",
                  recurrent_activation="sigmoid", zero_output_for_mask=False, name=None):
    """Runs an LSTM over time-major projected inputs.

    Args:
        projected: (time, batch, 4 * units): x @ kernel + bias, gates in order i, f, c, o.
        h0, c0: (batch, units) initial states.
        recurrent_kernel: (units, 4 * units).
        mask: optional (time, batch) bool; masked steps keep the previous state and output.
        activation, recurrent_activation: names from `FUSED_ACTIVATIONS`.
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Returns:
        (outputs (time, batch, units), h states (time + 1, batch, units), c states (time + 1,
        batch, units)); index 0 of the states is the initial state.
    """
    inputs = [to_tensor(projected), to_tensor(h0), to_tensor(c0),
              to_tensor(recurrent_kernel)] + _mask_input(mask)
    outputs, hs, cs, _, _ = apply("LSTMSequence", inputs,
                               _attrs(activation, recurrent_activation,
                                      zero_output=bool(zero_output_for_mask)), name)
    return outputs, hs, cs


# ---- GRU --------------------------------------------------------------------------------------

def _gru_shape(inputs, attrs):
    units = _units(inputs[2])
    outputs, states = _sequence_shapes(inputs[0], units)
    return [outputs, states, TensorShape(_dims(inputs[0].shape, 3)), outputs]


def _gru_grad_shape(inputs, attrs):
    recurrent_kernel, gates = inputs[0], inputs[2]
    state = TensorShape(_dims(inputs[1].shape, 3)[1:])
    width = recurrent_kernel.shape[1] if recurrent_kernel.shape.rank is not None else None
    return [gates.shape, state, recurrent_kernel.shape, TensorShape([width])]


register_op("GRUSequence", _small_gemm_threads(rk.gru_sequence, _step_macs), _gru_shape,
            _same_dtype(4), num_outputs=4)
register_op("GRUSequenceGrad",
            _small_gemm_threads(rk.gru_sequence_grad,
                                lambda a: a[2].shape[-2] * a[0].shape[0] * a[0].shape[1]),
            _gru_grad_shape, lambda d, attrs: [d[1]] * 4, num_outputs=4)


@register_gradient("GRUSequence")
def _gru_sequence_grad(op, d_outputs, d_hs, d_gates, d_extra):
    """Backpropagation through time: the GRUSequenceGrad op (see kernels/recurrent.py)."""
    recurrent_kernel = op.inputs[2]
    mask = list(op.inputs[4:])
    outputs, hs, gates, extra = op.outputs
    d_projected, d_h0, d_kernel, d_bias = apply(
        "GRUSequenceGrad", [recurrent_kernel, hs, gates, extra, d_outputs, d_hs] + mask,
        dict(op.attrs))
    return [d_projected, d_h0, d_kernel, d_bias] + [None] * len(mask)


def gru_sequence(projected, h0, recurrent_kernel, recurrent_bias, mask=None, activation="tanh",
                 recurrent_activation="sigmoid", reset_after=True, zero_output_for_mask=False,
                 name=None):
    """Runs a GRU over time-major projected inputs.

    Args:
        projected: (time, batch, 3 * units): x @ kernel + input bias, gates in order z, r, h.
        h0: (batch, units) initial state.
        recurrent_kernel: (units, 3 * units).
        recurrent_bias: (3 * units,), added to h @ recurrent_kernel when `reset_after`
            (ignored otherwise).
        mask, activation, recurrent_activation, zero_output_for_mask: as `lstm_sequence`.
        reset_after: apply the reset gate after the recurrent matmul (Keras 3's default).

    Returns:
        (outputs (time, batch, units), h states (time + 1, batch, units)).
    """
    inputs = [to_tensor(projected), to_tensor(h0), to_tensor(recurrent_kernel),
              to_tensor(recurrent_bias)] + _mask_input(mask)
    outputs, hs, _, _ = apply("GRUSequence", inputs,
                              _attrs(activation, recurrent_activation,
                                     reset_after=bool(reset_after),
                                     zero_output=bool(zero_output_for_mask)), name)
    return outputs, hs


# ---- simple RNN -------------------------------------------------------------------------------

def _simple_shape(inputs, attrs):
    return list(_sequence_shapes(inputs[0], _units(inputs[2])))


def _simple_grad_shape(inputs, attrs):
    recurrent_kernel, hs, d_outputs = inputs[0], inputs[1], inputs[2]
    state = TensorShape(_dims(hs.shape, 3)[1:])
    return [d_outputs.shape, state, recurrent_kernel.shape]


register_op("SimpleRNNSequence", _small_gemm_threads(rk.simple_rnn_sequence, _step_macs),
            _simple_shape, _same_dtype(2), num_outputs=2)
register_op("SimpleRNNSequenceGrad",
            _small_gemm_threads(rk.simple_rnn_sequence_grad,
                                lambda a: a[1].shape[-2] * a[0].shape[0] * a[0].shape[1]),
            _simple_grad_shape, lambda d, attrs: [d[1]] * 3, num_outputs=3)


@register_gradient("SimpleRNNSequence")
def _simple_rnn_sequence_grad(op, d_outputs, d_hs):
    """Backpropagation through time: the SimpleRNNSequenceGrad op (see kernels/recurrent.py)."""
    recurrent_kernel = op.inputs[2]
    mask = list(op.inputs[3:])
    outputs, hs = op.outputs
    d_projected, d_h0, d_kernel = apply(
        "SimpleRNNSequenceGrad", [recurrent_kernel, hs, d_outputs, d_hs] + mask, dict(op.attrs))
    return [d_projected, d_h0, d_kernel] + [None] * len(mask)


def simple_rnn_sequence(projected, h0, recurrent_kernel, mask=None, activation="tanh",
                        zero_output_for_mask=False, name=None):
    """Runs a simple RNN, h_t = activation(projected[t] + h_{t-1} @ recurrent_kernel).

    Returns:
        (outputs (time, batch, units), h states (time + 1, batch, units)).
    """
    inputs = [to_tensor(projected), to_tensor(h0), to_tensor(recurrent_kernel)] + \
        _mask_input(mask)
    outputs, hs = apply("SimpleRNNSequence", inputs,
                        _attrs(activation, zero_output=bool(zero_output_for_mask)), name)
    return outputs, hs
