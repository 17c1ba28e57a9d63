"""Adagrad and Adadelta: per-coordinate rates from accumulated squared gradients."""
from tensorflux.keras.optimizers.base import Optimizer

__all__ = ["Adagrad", "Adadelta"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): `acc += g**2; w -= lr * g / sqrt(acc + epsilon)`.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        initial_accumulator_value: starting value of the accumulators (0.1, must be >= 0).
        epsilon: default 1e-7.
        **kwargs: the `Optimizer` arguments, and Keras 2's `lr`.
    """

    _builtin = True
    _fused_weight_decay = True

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if initial_accumulator_value < 0:
            raise ValueError("`initial_accumulator_value` must be >= 0. Received: "
                             f"initial_accumulator_value={initial_accumulator_value}")
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = 1e-7 if epsilon is None else epsilon

    def _slot_groups(self):
        return [[("accumulator", float(self.initial_accumulator_value))]]

    def update_step(self, gradient, variable, learning_rate):
        return self._fused_update("KerasApplyAdagrad", gradient, variable, learning_rate,
                                  accumulator=self._slot("accumulator", variable),
                                  epsilon=float(self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): the step is scaled by the ratio of running RMS of past updates
    and of gradients; `learning_rate` multiplies it (1.0 recovers the paper).

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        rho: decay rate (0.95).
        epsilon: default 1e-7.
        **kwargs: the `Optimizer` arguments, and Keras 2's `lr`.
    """

    _builtin = True
    _fused_weight_decay = True

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = 1e-7 if epsilon is None else epsilon

    def _slot_groups(self):
        return [[("accumulated_grad", 0.0), ("accumulated_delta_var", 0.0)]]

    def update_step(self, gradient, variable, learning_rate):
        return self._fused_update(
            "KerasApplyAdadelta", gradient, variable, learning_rate,
            accumulated_grad=self._slot("accumulated_grad", variable),
            accumulated_delta_var=self._slot("accumulated_delta_var", variable),
            rho=float(self.rho), epsilon=float(self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
