"""FTRL-Proximal (McMahan et al., 2013), as in Keras."""
from tensorflux.keras.optimizers.base import Optimizer

__all__ = ["Ftrl"]


class Ftrl(Optimizer):
    """Follow The Regularized Leader, with L1, L2 and L2-shrinkage regularization.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        learning_rate_power: <= 0 (default -0.5); how the per-coordinate rate decays.
        initial_accumulator_value: >= 0 (default 0.1).
        l1_regularization_strength, l2_regularization_strength,
        l2_shrinkage_regularization_strength: >= 0 (default 0).
        beta: added to the L2 term as `beta / (2 * lr)` (default 0).
        **kwargs: the `Optimizer` arguments.
    """

    _builtin = True
    _fused_weight_decay = True

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        checks = (("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
                  ("l1_regularization_strength", l1_regularization_strength, "positive or zero"),
                  ("l2_regularization_strength", l2_regularization_strength, "positive or zero"),
                  ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength,
                   "positive or zero"))
        for name, value, wanted in checks:
            if value < 0.0:
                raise ValueError(f"`{name}` needs to be {wanted}. Received: {name}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _slot_groups(self):
        return [[("accumulator", float(self.initial_accumulator_value)), ("linear", 0.0)]]

    def update_step(self, gradient, variable, learning_rate):
        return self._fused_update(
            "KerasApplyFtrl", gradient, variable, learning_rate,
            accumulator=self._slot("accumulator", variable),
            linear=self._slot("linear", variable),
            learning_rate_power=float(self.learning_rate_power),
            l1_regularization_strength=float(self.l1_regularization_strength),
            l2_regularization_strength=float(self.l2_regularization_strength),
            l2_shrinkage_regularization_strength=float(
                self.l2_shrinkage_regularization_strength),
            beta=float(self.beta))

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta})
        return config
