"""Whole-sequence recurrent ops: LSTMSequence, GRUSequence, SimpleRNNSequence.

Each runs the time loop of one recurrent layer in a single kernel (see kernels/recurrent.py for
why these are primitives). Inputs are time-major and already multiplied by the input kernel,
`projected[t] = x[t] @ kernel` for all steps by one matmul outside the op, so the gradients
with respect to the input kernel and the inputs come from ordinary ops; the bias is added
inside. The gradient of each op is one "...Grad" op running the loop backwards; those have no
gradient themselves (second derivatives through these recurrences raise LookupError).

Besides the outputs, each op returns the arrays its gradient needs (state sequences, activated
gates); the Python wrappers hand out only the outputs and last states.
"""
from tensorflux.framework import dtypes
from tensorflux.framework.blas import set_threads_for as set_blas_threads_for
from tensorflux.framework.registry import register_gradient, register_op
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.kernels import recurrent as rk
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops._helpers import apply, to_tensor

__all__ = ["lstm_sequence", "gru_sequence", "simple_rnn_sequence", "FUSED_ACTIVATIONS"]

FUSED_ACTIVATIONS = frozenset(rk.ACTIVATIONS)


def _small_gemm_threads(kernel, state_index, kernel_index):
    """Runs `kernel` with BLAS threads chosen for its per-step products (batch x units x
    gates * units, small: one thread; see framework/blas.py)."""
    def run(xp, *arrays, **attrs):
        state, recurrent_kernel = arrays[state_index], arrays[kernel_index]
        set_blas_threads_for(state.shape[-2] * recurrent_kernel.size)
        return kernel(xp, *arrays, **attrs)
    return run


def _dims(shape, count):
    return [None] * count if shape.rank is None else list(shape.as_tuple())


def _shapes(projected, recurrent_kernel, attrs):
    """(outputs, last state, state sequence, per-step (T, B, U)) static shapes."""
    steps, batch, _ = _dims(projected.shape, 3)
    units = recurrent_kernel.shape[0] if recurrent_kernel.shape.rank is not None else None
    plus_one = None if steps is None else steps + 1
    kept = steps if attrs["return_sequences"] else 1
    return (TensorShape([kept, batch, units]), TensorShape([batch, units]),
            TensorShape([plus_one, batch, units]), TensorShape([steps, batch, units]))


def _same_dtype(count, index=0):
    return lambda input_dtypes, attrs: [input_dtypes[index]] * count


def _mask_input(mask):
    if mask is None:
        return []
    mask = to_tensor(mask)
    if mask.dtype != dtypes.bool:
        mask = math_ops.cast(mask, dtypes.bool)
    return [mask]


def _bias(bias, width, dtype):
    if bias is None:
        return array_ops.zeros([width], dtype=dtype)
    return to_tensor(bias)


def _attrs(activation, recurrent_activation, zero_output_for_mask, return_sequences,
           **extra):
    for name in (activation, recurrent_activation):
        if name is not None and name not in rk.ACTIVATIONS:
            raise ValueError(f"The fused recurrent ops support the activations "
                             f"{sorted(rk.ACTIVATIONS)}, got {name!r}.")
    attrs = {"activation": activation, "zero_output": bool(zero_output_for_mask),
             "return_sequences": bool(return_sequences)}
    if recurrent_activation is not None:
        attrs["recurrent_activation"] = recurrent_activation
    attrs.update(extra)
    return attrs


def _width(recurrent_kernel):
    return int(recurrent_kernel.shape[1])


# ---- LSTM -------------------------------------------------------------------------------------

def _lstm_shape(inputs, attrs):
    outputs, last, states, per_step = _shapes(inputs[0], inputs[3], attrs)
    gates = TensorShape(_dims(inputs[0].shape, 3))
    return [outputs, last, last, states, states, gates, per_step]


def _lstm_grad_shape(inputs, attrs):
    recurrent_kernel, hs, gates = inputs[0], inputs[1], inputs[3]
    state = TensorShape(_dims(hs.shape, 3)[1:])
    width = recurrent_kernel.shape[1] if recurrent_kernel.shape.rank is not None else None
    return [gates.shape, state, state, recurrent_kernel.shape, TensorShape([width])]


register_op("LSTMSequence", _small_gemm_threads(rk.lstm_sequence, 1, 3), _lstm_shape,
            _same_dtype(7), num_outputs=7)
register_op("LSTMSequenceGrad", _small_gemm_threads(rk.lstm_sequence_grad, 7, 0),
            _lstm_grad_shape, _same_dtype(5, 1), num_outputs=5)


@register_gradient("LSTMSequence")
def _lstm_sequence_grad(op, d_outputs, d_h, d_c, *unused):
    """Backpropagation through time: the LSTMSequenceGrad op (see kernels/recurrent.py)."""
    recurrent_kernel = op.inputs[3]
    mask = list(op.inputs[5:])
    hs, cs, gates, activated_cs = op.outputs[3:]
    d_projected, d_h0, d_c0, d_kernel, d_bias = apply(
        "LSTMSequenceGrad",
        [recurrent_kernel, hs, cs, gates, activated_cs, d_outputs, d_h, d_c] + mask,
        dict(op.attrs))
    return [d_projected, d_h0, d_c0, d_kernel, d_bias] + [None] * len(mask)


def lstm_sequence(projected, h0, c0, recurrent_kernel, bias=None, mask=None,
                  activation="tanh", recurrent_activation="sigmoid",
                  zero_output_for_mask=False, return_sequences=True, name=None):
    """Runs an LSTM over time-major projected inputs.

    Args:
        projected: (time, batch, 4 * units): x @ kernel, gates in order i, f, c, o.
        h0, c0: (batch, units) initial states.
        recurrent_kernel: (units, 4 * units).
        bias: (4 * units,) or None.
        mask: optional (time, batch) bool; masked steps keep the previous state and output.
        activation, recurrent_activation: names from `FUSED_ACTIVATIONS`.
        zero_output_for_mask: masked steps output zeros instead of the previous output.
        return_sequences: False returns only the last output, shape (1, batch, units).

    Returns:
        (outputs (time or 1, batch, units), last h (batch, units), last c (batch, units)).
    """
    projected, recurrent_kernel = to_tensor(projected), to_tensor(recurrent_kernel)
    inputs = [projected, to_tensor(h0), to_tensor(c0), recurrent_kernel,
              _bias(bias, _width(recurrent_kernel), projected.dtype)] + _mask_input(mask)
    results = apply("LSTMSequence", inputs,
                    _attrs(activation, recurrent_activation, zero_output_for_mask,
                           return_sequences), name)
    return results[0], results[1], results[2]


# ---- GRU --------------------------------------------------------------------------------------

def _gru_shape(inputs, attrs):
    outputs, last, states, per_step = _shapes(inputs[0], inputs[2], attrs)
    return [outputs, last, states, TensorShape(_dims(inputs[0].shape, 3)), per_step]


def _gru_grad_shape(inputs, attrs):
    recurrent_kernel, gates = inputs[0], inputs[2]
    state = TensorShape(_dims(inputs[1].shape, 3)[1:])
    width = recurrent_kernel.shape[1] if recurrent_kernel.shape.rank is not None else None
    return [gates.shape, state, recurrent_kernel.shape, TensorShape([width]),
            TensorShape([width])]


register_op("GRUSequence", _small_gemm_threads(rk.gru_sequence, 1, 2), _gru_shape,
            _same_dtype(5), num_outputs=5)
register_op("GRUSequenceGrad", _small_gemm_threads(rk.gru_sequence_grad, 5, 0),
            _gru_grad_shape, _same_dtype(5, 1), num_outputs=5)


@register_gradient("GRUSequence")
def _gru_sequence_grad(op, d_outputs, d_h, *unused):
    """Backpropagation through time: the GRUSequenceGrad op (see kernels/recurrent.py)."""
    recurrent_kernel = op.inputs[2]
    mask = list(op.inputs[5:])
    hs, gates, extra = op.outputs[2:]
    results = apply("GRUSequenceGrad", [recurrent_kernel, hs, gates, extra, d_outputs, d_h]
                    + mask, dict(op.attrs))
    return list(results) + [None] * len(mask)


def gru_sequence(projected, h0, recurrent_kernel, input_bias=None, recurrent_bias=None,
                 mask=None, activation="tanh", recurrent_activation="sigmoid", reset_after=True,
                 zero_output_for_mask=False, return_sequences=True, name=None):
    """Runs a GRU over time-major projected inputs.

    Args:
        projected: (time, batch, 3 * units): x @ kernel, gates in order z, r, h.
        h0: (batch, units) initial state.
        recurrent_kernel: (units, 3 * units).
        input_bias: (3 * units,) or None.
        recurrent_bias: (3 * units,) or None, added to h @ recurrent_kernel when
            `reset_after` (ignored otherwise).
        mask, activation, recurrent_activation, zero_output_for_mask, return_sequences: as
            `lstm_sequence`.
        reset_after: apply the reset gate after the recurrent matmul (Keras 3's default).

    Returns:
        (outputs (time or 1, batch, units), last h (batch, units)).
    """
    projected, recurrent_kernel = to_tensor(projected), to_tensor(recurrent_kernel)
    width = _width(recurrent_kernel)
    inputs = [projected, to_tensor(h0), recurrent_kernel,
              _bias(input_bias, width, projected.dtype),
              _bias(recurrent_bias, width, projected.dtype)] + _mask_input(mask)
    results = apply("GRUSequence", inputs,
                    _attrs(activation, recurrent_activation, zero_output_for_mask,
                           return_sequences, reset_after=bool(reset_after)), name)
    return results[0], results[1]


# ---- simple RNN -------------------------------------------------------------------------------

def _simple_shape(inputs, attrs):
    return list(_shapes(inputs[0], inputs[2], attrs)[:3])


def _simple_grad_shape(inputs, attrs):
    recurrent_kernel, hs = inputs[0], inputs[1]
    dims = _dims(hs.shape, 3)
    steps = None if dims[0] is None else dims[0] - 1
    width = recurrent_kernel.shape[1] if recurrent_kernel.shape.rank is not None else None
    return [TensorShape([steps] + dims[1:]), TensorShape(dims[1:]), recurrent_kernel.shape,
            TensorShape([width])]


register_op("SimpleRNNSequence", _small_gemm_threads(rk.simple_rnn_sequence, 1, 2),
            _simple_shape, _same_dtype(3), num_outputs=3)
register_op("SimpleRNNSequenceGrad", _small_gemm_threads(rk.simple_rnn_sequence_grad, 3, 0),
            _simple_grad_shape, _same_dtype(4, 1), num_outputs=4)


@register_gradient("SimpleRNNSequence")
def _simple_rnn_sequence_grad(op, d_outputs, d_h, *unused):
    """Backpropagation through time: the SimpleRNNSequenceGrad op (see kernels/recurrent.py)."""
    recurrent_kernel = op.inputs[2]
    mask = list(op.inputs[4:])
    hs = op.outputs[2]
    results = apply("SimpleRNNSequenceGrad", [recurrent_kernel, hs, d_outputs, d_h] + mask,
                    dict(op.attrs))
    return list(results) + [None] * len(mask)


def simple_rnn_sequence(projected, h0, recurrent_kernel, bias=None, mask=None,
                        activation="tanh", zero_output_for_mask=False, return_sequences=True,
                        name=None):
    """Runs a simple RNN, h_t = activation(projected[t] + bias + h_{t-1} @ recurrent_kernel).

    Returns:
        (outputs (time or 1, batch, units), last h (batch, units)).
    """
    projected, recurrent_kernel = to_tensor(projected), to_tensor(recurrent_kernel)
    inputs = [projected, to_tensor(h0), recurrent_kernel,
              _bias(bias, _width(recurrent_kernel), projected.dtype)] + _mask_input(mask)
    results = apply("SimpleRNNSequence", inputs,
                    _attrs(activation, None, zero_output_for_mask, return_sequences), name)
    return results[0], results[1]
