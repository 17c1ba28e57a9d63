"""TF1 learning-rate decays: `tf.train.exponential_decay(lr, global_step, ...)` and friends.

In a graph each returns a float tensor computed from `global_step` when it runs, so the
optimizer built on it follows the step. Eagerly each returns a function of no arguments
(as TF1's eager mode does), which the optimizers call at every update.
"""
import math

from tensorflux.framework import context, dtypes

__all__ = ["exponential_decay", "natural_exp_decay", "inverse_time_decay", "polynomial_decay",
           "piecewise_constant", "cosine_decay"]


def _ops():
    from tensorflux import ops
    return ops


def _float(value, dtype=dtypes.float32):
    ops = _ops()
    tensor = ops.convert_to_tensor(value)
    return tensor if tensor.dtype == dtype else ops.cast(tensor, dtype)


def _schedule(compute, global_step, name):
    if global_step is None:
        raise ValueError(f"global_step is required for {name}.")
    if context.executing_eagerly():
        return lambda: compute(_float(global_step))
    from tensorflux.framework.graph import name_scope
    with name_scope(name):
        return compute(_float(global_step))


def _progress(step, decay_steps, staircase):
    """step / decay_steps, floored when `staircase` (the rate then drops every `decay_steps`
    steps)."""
    progress = step / float(decay_steps)
    return _ops().floor(progress) if staircase else progress


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """learning_rate * decay_rate ^ (global_step / decay_steps), the exponent floored when
    `staircase`."""
    ops = _ops()

    def compute(step):
        exponent = _progress(step, decay_steps, staircase)
        return _float(learning_rate) * ops.pow(_float(decay_rate), exponent)
    return _schedule(compute, global_step, name or "ExponentialDecay")


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """learning_rate * exp(-decay_rate * global_step / decay_steps)."""
    ops = _ops()

    def compute(step):
        exponent = _progress(step, decay_steps, staircase)
        return _float(learning_rate) * ops.exp(-_float(decay_rate) * exponent)
    return _schedule(compute, global_step, name or "NaturalExpDecay")


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                       name=None):
    """learning_rate / (1 + decay_rate * global_step / decay_steps)."""

    def compute(step):
        exponent = _progress(step, decay_steps, staircase)
        return _float(learning_rate) / (1.0 + _float(decay_rate) * exponent)
    return _schedule(compute, global_step, name or "InverseTimeDecay")


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001,
                     power=1.0, cycle=False, name=None):
    """(lr - end) * (1 - step / decay_steps) ^ power + end, with step capped at decay_steps
    (or, with `cycle`, decay_steps grown to the next multiple above the step)."""
    ops = _ops()

    def compute(step):
        steps = float(decay_steps)
        if cycle:
            multiple = ops.ceil(step / steps)
            # at step 0 use one period, as TF does
            multiple = ops.where(ops.equal(step, 0.0), ops.ones_like(multiple), multiple)
            steps = steps * multiple
        else:
            step = ops.minimum(step, steps)
        fraction = ops.pow(1.0 - step / steps, _float(power))
        end = _float(end_learning_rate)
        return (_float(learning_rate) - end) * fraction + end
    return _schedule(compute, global_step, name or "PolynomialDecay")


def cosine_decay(learning_rate, global_step, decay_steps, alpha=0.0, name=None):
    """learning_rate * ((1 - alpha) * (1 + cos(pi * min(step, decay_steps) / decay_steps)) / 2
    + alpha)."""
    ops = _ops()

    def compute(step):
        progress = ops.minimum(step, float(decay_steps)) / float(decay_steps)
        cosine = 0.5 * (1.0 + ops.cos(math.pi * progress))
        return _float(learning_rate) * ((1.0 - alpha) * cosine + alpha)
    return _schedule(compute, global_step, name or "CosineDecay")


def piecewise_constant(x, boundaries, values, name=None):
    """values[0] while x <= boundaries[0], values[1] while x <= boundaries[1], ...,
    values[-1] after the last boundary."""
    if len(values) != len(boundaries) + 1:
        raise ValueError(f"The length of values ({len(values)}) must be one more than the "
                         f"length of boundaries ({len(boundaries)}).")
    ops = _ops()

    def compute(step):
        result = _float(values[-1])
        for boundary, value in reversed(list(zip(boundaries, values[:-1]))):
            result = ops.where(ops.less_equal(step, float(boundary)), _float(value), result)
        return result
    return _schedule(compute, x, name or "PiecewiseConstant")
