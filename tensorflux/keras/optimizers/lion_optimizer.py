"""Lion (Chen et al., 2023): sign of an interpolated momentum."""
from tensorflux.keras.optimizers.base import Optimizer

__all__ = ["Lion"]


class Lion(Optimizer):
    """`w -= lr * sign(beta_1 * m + (1 - beta_1) * g)`; `m = beta_2 * m + (1 - beta_2) * g`.

    Lion's steps have unit size per coordinate, so its learning rate is usually 3-10x smaller
    than Adam's.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        beta_1: interpolation for the update (0.9), in (0, 1].
        beta_2: decay of the momentum (0.99).
        **kwargs: the `Optimizer` arguments.
    """

    _builtin = True
    _fused_weight_decay = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def _slot_groups(self):
        return [[("momentum", 0.0)]]

    def update_step(self, gradient, variable, learning_rate):
        return self._fused_update("KerasApplyLion", gradient, variable, learning_rate,
                                  momentum=self._slot("momentum", variable),
                                  beta_1=float(self.beta_1), beta_2=float(self.beta_2))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
