"""Recurrent kernels: the time loops of LSTM, GRU and simple RNN layers, forward and backward.

Why primitives: written with one op per operation, a step of an LSTM is ~15 ops forward and
~30 backward, and an RNN repeats them for every time step; the per-op cost (dispatch, one
temporary per op) then dominates the arithmetic, which for typical sizes is one small GEMM per
step. These kernels run the whole loop at once. Their inputs arrive already projected
(`x @ kernel` for every step in one GEMM, done with ordinary ops), so only the recurrence
lives here.

Layout is time-major: `projected` is (time, batch, gates * units), the input bias is added
inside (saving a pass over the largest array). `mask`, when given, is a (time, batch) bool
array; at a masked step a sample keeps its previous state, and its output is the previous
output (or zeros with `zero_output`), as Keras does. With `return_sequences=False` the output
"sequence" is only the last output, shape (1, batch, units), so neither it nor its gradient
costs a (time, batch, units) array.

The forward kernels also return what their gradient needs (the state sequences including the
initial state, the activated gates), so the backward kernels recompute almost nothing.

Kernels never write into their inputs (gradients may arrive as read-only broadcast views).
"""
import numpy as np

__all__ = ["ACTIVATIONS", "lstm_sequence", "lstm_sequence_grad", "gru_sequence",
           "gru_sequence_grad", "simple_rnn_sequence", "simple_rnn_sequence_grad"]


# ---- activations: applied in place; derivatives from the activation's output ---------------

def _tanh(xp, a):
    xp.tanh(a, out=a)


def _sigmoid(xp, a):
    # 1 / (1 + exp(-x)); exp overflows to inf for x < -88 (float32), giving the exact limit 0.
    # (NumPy's float32 exp is vectorised and ~2x faster than its tanh.)
    xp.negative(a, out=a)
    with np.errstate(over="ignore"):
        xp.exp(a, out=a)
    a += 1.0
    xp.reciprocal(a, out=a)


def _relu(xp, a):
    xp.maximum(a, 0, out=a)


def _linear(xp, a):
    pass


def _hard_sigmoid(xp, a):
    # Keras 3: relu6(x + 3) / 6
    a += 3.0
    xp.clip(a, 0.0, 6.0, out=a)
    a /= 6.0


def _tanh_derivative(xp, y):
    return 1.0 - y * y


def _sigmoid_derivative(xp, y):
    return y * (1.0 - y)


def _relu_derivative(xp, y):
    return (y > 0).astype(y.dtype)


def _linear_derivative(xp, y):
    return xp.ones_like(y)


def _hard_sigmoid_derivative(xp, y):
    return ((y > 0) & (y < 1)).astype(y.dtype) / 6.0


# name -> (in-place forward, derivative as a function of the output)
ACTIVATIONS = {
    "tanh": (_tanh, _tanh_derivative),
    "sigmoid": (_sigmoid, _sigmoid_derivative),
    "relu": (_relu, _relu_derivative),
    "linear": (_linear, _linear_derivative),
    "hard_sigmoid": (_hard_sigmoid, _hard_sigmoid_derivative),
}


# ---- outputs and masking helpers --------------------------------------------------------

class _Outputs:
    """The output sequence (or only the last output) of a forward loop, with Keras' masking:
    a masked step repeats the previous output (zeros before the first, or always zeros with
    `zero_output`)."""

    def __init__(self, xp, steps, batch, units, dtype, return_sequences, zero_output):
        self.xp = xp
        self.values = xp.empty((steps if return_sequences else 1, batch, units), dtype)
        self.return_sequences = return_sequences
        self.zero_output = zero_output
        self.previous = None

    def put(self, t, keep, new):
        xp = self.xp
        if keep is not None:
            fallback = 0 if self.zero_output or self.previous is None else self.previous
            new = xp.where(keep, new, fallback).astype(new.dtype, copy=False)
        if self.return_sequences:
            self.values[t] = new
            self.previous = self.values[t]
        else:
            self.previous = new

    def result(self):
        if not self.return_sequences:
            self.values[0] = self.previous
        return self.values


class _OutputGradients:
    """The gradient reaching each step's new output: the output's own gradient plus, through
    masked steps that repeated it, the gradients of later outputs."""

    def __init__(self, xp, d_outputs, steps, zero_output, return_sequences):
        self.xp = xp
        self.d_outputs = d_outputs
        self.last_only = not return_sequences
        self.steps = steps
        self.zero_output = zero_output
        self.carry = None

    def at(self, t, keep):
        xp = self.xp
        if self.last_only:
            d = self.d_outputs[0] if t == self.steps - 1 else None
        else:
            d = self.d_outputs[t]
        if keep is None:
            return d
        if self.zero_output:
            return None if d is None else xp.where(keep, d, 0).astype(d.dtype, copy=False)
        if self.carry is not None:
            d = self.carry if d is None else d + self.carry
        if d is None:
            return None
        self.carry = xp.where(keep, 0, d).astype(d.dtype, copy=False)
        return xp.where(keep, d, 0).astype(d.dtype, copy=False)


def _split_state_gradient(xp, keep, d_state):
    """(part reaching the step's new state, part passing to the previous state)."""
    if keep is None:
        return d_state, None
    zero = xp.zeros((), d_state.dtype)
    return xp.where(keep, d_state, zero), xp.where(keep, zero, d_state)


def _plus(a, b):
    return a if b is None else a + b


def _keep(mask, t):
    return None if mask is None else mask[t][:, None]


def _dtype(*arrays):
    return np.result_type(*arrays)


def _start(xp, d_last, dtype):
    return xp.array(d_last, dtype=dtype, copy=True)


def _bias_gradient(d_z):
    return d_z.reshape(-1, d_z.shape[-1]).sum(axis=0)


# ---- LSTM -------------------------------------------------------------------------------------

def lstm_sequence(xp, projected, h0, c0, recurrent_kernel, bias, *mask, activation="tanh",
                  recurrent_activation="sigmoid", zero_output=False, return_sequences=True):
    """Gates i, f, c, o (Keras' order): z = projected[t] + bias + h @ recurrent_kernel.

    Returns (outputs (T or 1, B, U), last h, last c, then for the gradient: h states
    (T+1, B, U), c states (T+1, B, U), activated gates (T, B, 4U), activation of each new
    cell state (T, B, U)).
    """
    mask = mask[0] if mask else None
    steps, batch, width = projected.shape
    units = width // 4
    dtype = _dtype(projected, recurrent_kernel)
    act = ACTIVATIONS[activation][0]
    rec = ACTIVATIONS[recurrent_activation][0]
    hs = xp.empty((steps + 1, batch, units), dtype)
    cs = xp.empty((steps + 1, batch, units), dtype)
    hs[0] = h0
    cs[0] = c0
    outputs = _Outputs(xp, steps, batch, units, dtype, return_sequences, zero_output)
    gates = xp.empty((steps, batch, width), dtype)
    activated_cs = xp.empty((steps, batch, units), dtype)
    standard = activation == "tanh" and recurrent_activation == "sigmoid"
    for t in range(steps):
        z = gates[t]
        xp.matmul(hs[t], recurrent_kernel, out=z)
        z += projected[t]
        z += bias
        if standard:
            # tanh(x) = 2 sigmoid(2x) - 1: one exp over all four gates
            z[:, 2 * units:3 * units] *= 2.0
            _sigmoid(xp, z)
            candidate = z[:, 2 * units:3 * units]
            candidate *= 2.0
            candidate -= 1.0
        else:
            rec(xp, z[:, :2 * units])
            act(xp, z[:, 2 * units:3 * units])
            rec(xp, z[:, 3 * units:])
        i, f = z[:, :units], z[:, units:2 * units]
        g, o = z[:, 2 * units:3 * units], z[:, 3 * units:]
        activated_c = activated_cs[t]
        xp.multiply(f, cs[t], out=activated_c)
        activated_c += i * g
        keep = _keep(mask, t)
        cs[t + 1] = activated_c if keep is None else xp.where(keep, activated_c, cs[t])
        act(xp, activated_c)
        if keep is None:
            h = hs[t + 1]
            xp.multiply(o, activated_c, out=h)
        else:
            h = o * activated_c
            hs[t + 1] = xp.where(keep, h, hs[t])
        outputs.put(t, keep, h)
    return outputs.result(), hs[steps].copy(), cs[steps].copy(), hs, cs, gates, activated_cs


def lstm_sequence_grad(xp, recurrent_kernel, hs, cs, gates, activated_cs, d_outputs, d_h,
                       d_c, *mask, activation="tanh", recurrent_activation="sigmoid",
                       zero_output=False, return_sequences=True):
    """Returns (d projected (T, B, 4U), d h0, d c0, d recurrent_kernel, d bias)."""
    mask = mask[0] if mask else None
    steps, batch, width = gates.shape
    units = width // 4
    act_derivative = ACTIVATIONS[activation][1]
    rec_derivative = ACTIVATIONS[recurrent_activation][1]
    d_z = xp.empty_like(gates)
    d_h = _start(xp, d_h, gates.dtype)
    d_c = _start(xp, d_c, gates.dtype)
    output_gradients = _OutputGradients(xp, d_outputs, steps, zero_output,
                                        return_sequences)
    transposed_kernel = recurrent_kernel.T
    for t in range(steps - 1, -1, -1):
        keep = _keep(mask, t)
        d_h_new, pass_h = _split_state_gradient(xp, keep, d_h)
        d_c_new, pass_c = _split_state_gradient(xp, keep, d_c)
        d_h_new = _plus(d_h_new, output_gradients.at(t, keep))
        z = gates[t]
        i, f = z[:, :units], z[:, units:2 * units]
        g, o = z[:, 2 * units:3 * units], z[:, 3 * units:]
        activated_c = activated_cs[t]
        # masked rows: d_h_new == d_c_new == 0, so their (unused) values do not matter
        d_c_new = d_c_new + d_h_new * o * act_derivative(xp, activated_c)
        dz = d_z[t]
        xp.multiply(d_c_new, g, out=dz[:, :units])
        xp.multiply(d_c_new, cs[t], out=dz[:, units:2 * units])
        xp.multiply(d_c_new, i, out=dz[:, 2 * units:3 * units])
        xp.multiply(d_h_new, activated_c, out=dz[:, 3 * units:])
        derivative = rec_derivative(xp, z)
        derivative[:, 2 * units:3 * units] = act_derivative(xp, g)
        dz *= derivative
        d_c = d_c_new * f
        d_h = dz @ transposed_kernel
        if pass_h is not None:
            d_c += pass_c
            d_h += pass_h
    d_kernel = hs[:-1].reshape(-1, units).T @ d_z.reshape(-1, width)
    return d_z, d_h, d_c, d_kernel, _bias_gradient(d_z)


# ---- GRU --------------------------------------------------------------------------------------

def gru_sequence(xp, projected, h0, recurrent_kernel, input_bias, recurrent_bias, *mask,
                 activation="tanh", recurrent_activation="sigmoid", reset_after=True,
                 zero_output=False, return_sequences=True):
    """Gates z, r, h (Keras' order); x = projected[t] + input_bias.

    reset_after=True: hh = act(x_h + r * (h @ R_h + b_h)) (with the recurrent bias);
    reset_after=False: hh = act(x_h + (r * h) @ R_h) (the recurrent bias is not used).
    Returns (outputs (T or 1, B, U), last h, then for the gradient: h states (T+1, B, U),
    activated gates (T, B, 3U), and per step h @ R_h + b_h (reset_after) or r * h (T, B, U)).
    """
    mask = mask[0] if mask else None
    steps, batch, width = projected.shape
    units = width // 3
    dtype = _dtype(projected, recurrent_kernel)
    act = ACTIVATIONS[activation][0]
    rec = ACTIVATIONS[recurrent_activation][0]
    hs = xp.empty((steps + 1, batch, units), dtype)
    hs[0] = h0
    outputs = _Outputs(xp, steps, batch, units, dtype, return_sequences, zero_output)
    gates = xp.empty((steps, batch, width), dtype)
    extra = xp.empty((steps, batch, units), dtype)
    for t in range(steps):
        h = hs[t]
        x = projected[t] + input_bias
        gate = gates[t]
        if reset_after:
            inner = h @ recurrent_kernel
            inner += recurrent_bias
            xp.add(x[:, :2 * units], inner[:, :2 * units], out=gate[:, :2 * units])
            rec(xp, gate[:, :2 * units])
            extra[t] = inner[:, 2 * units:]
            candidate = gate[:, units:2 * units] * extra[t]
        else:
            xp.matmul(h, recurrent_kernel[:, :2 * units], out=gate[:, :2 * units])
            gate[:, :2 * units] += x[:, :2 * units]
            rec(xp, gate[:, :2 * units])
            xp.multiply(gate[:, units:2 * units], h, out=extra[t])
            candidate = extra[t] @ recurrent_kernel[:, 2 * units:]
        candidate += x[:, 2 * units:]
        act(xp, candidate)
        gate[:, 2 * units:] = candidate
        update = gate[:, :units]
        new = update * h + (1.0 - update) * candidate
        keep = _keep(mask, t)
        hs[t + 1] = new if keep is None else xp.where(keep, new, h)
        outputs.put(t, keep, new)
    return outputs.result(), hs[steps].copy(), hs, gates, extra


def gru_sequence_grad(xp, recurrent_kernel, hs, gates, extra, d_outputs, d_h, *mask,
                      activation="tanh", recurrent_activation="sigmoid", reset_after=True,
                      zero_output=False, return_sequences=True):
    """Returns (d projected (T, B, 3U), d h0, d recurrent_kernel, d input bias,
    d recurrent bias)."""
    mask = mask[0] if mask else None
    steps, batch, width = gates.shape
    units = width // 3
    act_derivative = ACTIVATIONS[activation][1]
    rec_derivative = ACTIVATIONS[recurrent_activation][1]
    d_projected = xp.empty_like(gates)
    d_inner = xp.empty_like(gates) if reset_after else None
    d_h = _start(xp, d_h, gates.dtype)
    output_gradients = _OutputGradients(xp, d_outputs, steps, zero_output,
                                        return_sequences)
    kernel_t = recurrent_kernel.T
    gates_kernel_t = recurrent_kernel[:, :2 * units].T
    candidate_kernel_t = recurrent_kernel[:, 2 * units:].T
    for t in range(steps - 1, -1, -1):
        keep = _keep(mask, t)
        d_new, pass_h = _split_state_gradient(xp, keep, d_h)
        d_new = _plus(d_new, output_gradients.at(t, keep))
        h = hs[t]
        gate = gates[t]
        update, reset, candidate = gate[:, :units], gate[:, units:2 * units], gate[:, 2 * units:]
        d_gate = d_projected[t]
        xp.multiply(d_new * (h - candidate), rec_derivative(xp, update), out=d_gate[:, :units])
        d_candidate = d_gate[:, 2 * units:]
        xp.multiply(d_new * (1.0 - update), act_derivative(xp, candidate), out=d_candidate)
        d_h = d_new * update
        if reset_after:
            xp.multiply(d_candidate * extra[t], rec_derivative(xp, reset),
                        out=d_gate[:, units:2 * units])
            inner = d_inner[t]
            inner[:, :2 * units] = d_gate[:, :2 * units]
            xp.multiply(d_candidate, reset, out=inner[:, 2 * units:])
            d_h += inner @ kernel_t
        else:
            d_reset_h = d_candidate @ candidate_kernel_t
            xp.multiply(d_reset_h * h, rec_derivative(xp, reset),
                        out=d_gate[:, units:2 * units])
            d_h += d_reset_h * reset
            d_h += d_gate[:, :2 * units] @ gates_kernel_t
        if pass_h is not None:
            d_h += pass_h
    previous = hs[:-1].reshape(-1, units).T
    if reset_after:
        flat = d_inner.reshape(-1, width)
        d_kernel = previous @ flat
        d_recurrent_bias = flat.sum(axis=0)
    else:
        flat = d_projected.reshape(-1, width)
        d_kernel = xp.empty(recurrent_kernel.shape, gates.dtype)
        d_kernel[:, :2 * units] = previous @ flat[:, :2 * units]
        d_kernel[:, 2 * units:] = extra.reshape(-1, units).T @ flat[:, 2 * units:]
        d_recurrent_bias = xp.zeros((width,), gates.dtype)
    return d_projected, d_h, d_kernel, _bias_gradient(d_projected), d_recurrent_bias


# ---- simple RNN -------------------------------------------------------------------------------

def simple_rnn_sequence(xp, projected, h0, recurrent_kernel, bias, *mask, activation="tanh",
                        zero_output=False, return_sequences=True):
    """h_t = act(projected[t] + bias + h_{t-1} @ recurrent_kernel). Returns (outputs
    (T or 1, B, U), last h, h states (T+1, B, U))."""
    mask = mask[0] if mask else None
    steps, batch, units = projected.shape
    dtype = _dtype(projected, recurrent_kernel)
    act = ACTIVATIONS[activation][0]
    hs = xp.empty((steps + 1, batch, units), dtype)
    hs[0] = h0
    outputs = _Outputs(xp, steps, batch, units, dtype, return_sequences, zero_output)
    for t in range(steps):
        new = hs[t] @ recurrent_kernel
        new += projected[t]
        new += bias
        act(xp, new)
        keep = _keep(mask, t)
        hs[t + 1] = new if keep is None else xp.where(keep, new, hs[t])
        outputs.put(t, keep, new)
    return outputs.result(), hs[steps].copy(), hs


def simple_rnn_sequence_grad(xp, recurrent_kernel, hs, d_outputs, d_h, *mask,
                             activation="tanh", zero_output=False, return_sequences=True):
    """Returns (d projected (T, B, U), d h0, d recurrent_kernel, d bias)."""
    mask = mask[0] if mask else None
    steps, batch, units = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    derivative = ACTIVATIONS[activation][1]
    dtype = hs.dtype
    d_projected = xp.empty((steps, batch, units), dtype)
    d_h = _start(xp, d_h, dtype)
    output_gradients = _OutputGradients(xp, d_outputs, steps, zero_output,
                                        return_sequences)
    kernel_t = recurrent_kernel.T
    for t in range(steps - 1, -1, -1):
        keep = _keep(mask, t)
        d_new, pass_h = _split_state_gradient(xp, keep, d_h)
        d_new = _plus(d_new, output_gradients.at(t, keep))
        # masked rows have d_new == 0, so the (kept) state stands in for the new value there
        xp.multiply(d_new, derivative(xp, hs[t + 1]), out=d_projected[t])
        d_h = d_projected[t] @ kernel_t
        if pass_h is not None:
            d_h += pass_h
    d_kernel = hs[:-1].reshape(-1, units).T @ d_projected.reshape(-1, units)
    return d_projected, d_h, d_kernel, _bias_gradient(d_projected)
