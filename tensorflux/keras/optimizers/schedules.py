"""Learning-rate schedules: callables of the step that return the learning rate.

An optimizer evaluates its schedule at `optimizer.iterations` (an int64 Variable) on every
step. The schedules are written with tensorflux ops, so inside a `tf.function` the rate is
computed from the step counter's value at each call, not frozen at trace time. Each schedule
also works on a plain Python step: `ExponentialDecay(0.1, 10, 0.5)(20)` is a scalar tensor.
"""
import math

from tensorflux.framework import dtypes

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts",
           "serialize", "deserialize"]


def _m():
    from tensorflux.ops import math_ops
    return math_ops


def _tensor(value):
    from tensorflux.framework.execute import convert_to_tensor
    return convert_to_tensor(value)


def _initial_rate(value):
    """The initial rate as a float tensor (float32 for a Python number), and its dtype."""
    rate = _tensor(value)
    if not rate.dtype.is_floating:
        rate = _m().cast(rate, dtypes.float32)
    return rate, rate.dtype


def _step_as(step, dtype):
    step = _tensor(step)
    return step if step.dtype == dtype else _m().cast(step, dtype)


def _check_positive(name, value):
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class LearningRateSchedule:
    """Base class: subclasses implement `__call__(step)` and `get_config()`.

    Example:
        >>> class Halving(tf.keras.optimizers.schedules.LearningRateSchedule):
        ...     def __call__(self, step):
        ...         return 0.1 / (tf.cast(step, tf.float32) + 1.0)
        >>> round(float(Halving()(1)), 6)
        0.05
    """

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  "override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  "override `get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class _StepDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: `decay_rate` applied as the step
    advances through `decay_steps` (continuously, or in discrete jumps with `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_positive("decay_steps", decay_steps)

    def _rates_and_progress(self, step):
        """(initial rate, decay rate, step / decay_steps, floored with `staircase`)."""
        m = _m()
        rate, dtype = _initial_rate(self.initial_learning_rate)
        progress = _step_as(step, dtype) / m.cast(self.decay_steps, dtype)
        if self.staircase:
            progress = m.floor(progress)
        return rate, m.cast(self.decay_rate, dtype), progress

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StepDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`; with `staircase`, the
    exponent is floored (decay in discrete jumps).

    Example:
        >>> s = tf.keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
        >>> round(float(s(20)), 6)
        0.025
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        rate, decay_rate, exponent = self._rates_and_progress(step)
        return rate * _m().pow(decay_rate, exponent)


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < step <= boundaries[i]`, and `values[-1]` after the last boundary.

    Example:
        >>> s = tf.keras.optimizers.schedules.PiecewiseConstantDecay([10], [1.0, 0.5])
        >>> float(s(10)), float(s(11))
        (1.0, 0.5)
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        m = _m()
        step = _tensor(step)
        boundaries = [_step_as(b, step.dtype) for b in self.boundaries]
        values = [_tensor(v) for v in self.values]
        result_dtype = values[0].dtype
        if not result_dtype.is_floating:
            result_dtype = dtypes.float32
        values = [v if v.dtype == result_dtype else m.cast(v, result_dtype) for v in values]
        # the sum over the intervals of [step in interval] * value: one expression, no branch
        result = m.cast(step <= boundaries[0], result_dtype) * values[0]
        result = result + m.cast(step > boundaries[-1], result_dtype) * values[-1]
        for low, high, value in zip(boundaries[:-1], boundaries[1:], values[1:-1]):
            inside = m.logical_and(step > low, step <= high)
            result = result + m.cast(inside, result_dtype) * value
        return result

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From `initial_learning_rate` to `end_learning_rate` over `decay_steps`:
    `(initial - end) * (1 - step / decay_steps) ** power + end`, the step capped at
    `decay_steps`; with `cycle`, `decay_steps` grows to the first multiple above the step.

    Example:
        >>> s = tf.keras.optimizers.schedules.PolynomialDecay(0.1, 10, 0.0)
        >>> round(float(s(5)), 6), float(s(20))
        (0.05, 0.0)
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_positive("decay_steps", decay_steps)

    def __call__(self, step):
        m = _m()
        rate, dtype = _initial_rate(self.initial_learning_rate)
        end = m.cast(self.end_learning_rate, dtype)
        power = m.cast(self.power, dtype)
        step = _step_as(step, dtype)
        decay_steps = m.cast(self.decay_steps, dtype)
        if self.cycle:
            # the first multiple of decay_steps at or above the step (1 at step 0)
            multiplier = m.where(m.equal(step, 0.0), m.cast(1.0, dtype),
                                 m.ceil(step / decay_steps))
            decay_steps = decay_steps * multiplier
        else:
            step = m.minimum(step, decay_steps)
        fraction = step / decay_steps
        return (rate - end) * m.pow(1.0 - fraction, power) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_StepDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)` (the ratio floored with
    `staircase`).

    Example:
        >>> s = tf.keras.optimizers.schedules.InverseTimeDecay(0.1, 10, 1.0)
        >>> round(float(s(10)), 6)
        0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        rate, decay_rate, ratio = self._rates_and_progress(step)
        return rate / (1.0 + decay_rate * ratio)


class CosineDecay(LearningRateSchedule):
    """Cosine decay (SGDR without restarts), after an optional linear warmup.

    Without `warmup_target`: `initial * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps))
    + alpha)` with `s = min(step, decay_steps)`. With it: a linear ramp from
    `initial_learning_rate` to `warmup_target` over `warmup_steps`, then the same decay from
    `warmup_target`.

    Example:
        >>> s = tf.keras.optimizers.schedules.CosineDecay(0.1, 100)
        >>> round(float(s(50)), 6), float(s(100))
        (0.05, 0.0)
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _check_positive("decay_steps", decay_steps)

    def _decay(self, step, decay_steps, start, dtype):
        m = _m()
        fraction = step / decay_steps
        cosine = 0.5 * (1.0 + m.cos(m.cast(math.pi, dtype) * fraction))
        return start * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        m = _m()
        rate, dtype = _initial_rate(self.initial_learning_rate)
        decay_steps = m.cast(self.decay_steps, dtype)
        step = _step_as(step, dtype)
        if self.warmup_target is None:
            return self._decay(m.minimum(step, decay_steps), decay_steps, rate, dtype)
        target = m.cast(self.warmup_target, dtype)
        warmup_steps = m.cast(self.warmup_steps, dtype)
        step = m.minimum(step, decay_steps + warmup_steps)
        decayed = self._decay(step - warmup_steps, decay_steps, target, dtype)
        if not self.warmup_steps > 0:
            return decayed
        warmed = (target - rate) * (step / warmup_steps) + rate
        return m.where(step < warmup_steps, warmed, decayed)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2016): the first period lasts
    `first_decay_steps`; each next period is `t_mul` times longer and starts `m_mul` times
    lower; within a period the rate decays from its start to `alpha` times it.

    Example:
        >>> s = tf.keras.optimizers.schedules.CosineDecayRestarts(0.1, 10)
        >>> round(float(s(5)), 6), round(float(s(10)), 6)
        (0.05, 0.1)
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        _check_positive("first_decay_steps", first_decay_steps)

    def __call__(self, step):
        m = _m()
        rate, dtype = _initial_rate(self.initial_learning_rate)
        alpha = m.cast(self.alpha, dtype)
        t_mul = m.cast(self._t_mul, dtype)
        m_mul = m.cast(self._m_mul, dtype)
        fraction = _step_as(step, dtype) / m.cast(self.first_decay_steps, dtype)
        if self._t_mul == 1.0:
            restart = m.floor(fraction)
            fraction = fraction - restart
        else:
            # period i lasts t_mul**i; the steps before period i sum to (1 - t^i) / (1 - t)
            restart = m.floor(m.log(1.0 - fraction * (1.0 - t_mul)) / m.log(t_mul))
            before = (1.0 - m.pow(t_mul, restart)) / (1.0 - t_mul)
            fraction = (fraction - before) / m.pow(t_mul, restart)
        cosine = 0.5 * m.pow(m_mul, restart) * (
            1.0 + m.cos(m.cast(math.pi, dtype) * fraction))
        return rate * ((1 - alpha) * cosine + alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_SCHEDULES = {cls.__name__: cls for cls in (ExponentialDecay, PiecewiseConstantDecay,
                                            PolynomialDecay, InverseTimeDecay, CosineDecay,
                                            CosineDecayRestarts, LearningRateSchedule)}


def serialize(learning_rate_schedule):
    """A schedule as `{"module", "class_name", "config", "registered_name"}` (Keras 3)."""
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise ValueError("Could not serialize a learning rate schedule: expected a "
                         "LearningRateSchedule, got "
                         f"{type(learning_rate_schedule).__name__}.")
    cls = type(learning_rate_schedule)
    builtin = _SCHEDULES.get(cls.__name__) is cls
    return {"module": "keras.optimizers.schedules" if builtin else cls.__module__,
            "class_name": cls.__name__, "config": learning_rate_schedule.get_config(),
            "registered_name": None if builtin else cls.__name__}


def deserialize(config, custom_objects=None):
    """The schedule described by `config` (from `serialize`, or Keras 2's
    `{"class_name", "config"}`); `custom_objects` maps names to user schedule classes."""
    if isinstance(config, LearningRateSchedule):
        return config
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret learning rate schedule config: {config!r}")
    name = config["class_name"]
    objects = dict(_SCHEDULES)
    objects.update(custom_objects or {})
    cls = objects.get(name) or objects.get(config.get("registered_name") or "")
    if cls is None:
        raise ValueError(f"Unknown decay: '{name}'. Please ensure you are using a "
                         "`keras.utils.custom_object_scope` and that this object is included "
                         "in the scope, or pass it in `custom_objects`.")
    return cls.from_config(dict(config.get("config", {})))
