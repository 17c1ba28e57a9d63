"""RMSprop (Hinton's lecture 6e), with momentum and the centered variant."""
from tensorflux.keras.optimizers.base import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """Divides the gradient by a running root mean square of recent gradients.

    `v = rho * v + (1 - rho) * g**2`; centered: `a = rho * a + (1 - rho) * g` and the
    denominator uses `v - a**2`; `step = lr * g / sqrt(v + epsilon)`; with momentum
    `m = momentum * m + step; w -= m`, else `w -= step`. (Keras 3: the mean square starts at
    zero and epsilon sits inside the square root.)

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        rho: decay of the mean square (0.9).
        momentum: default 0.0 (no momentum slot).
        epsilon: default 1e-7.
        centered: normalize by the estimated variance of the gradient.
        **kwargs: the `Optimizer` arguments, and Keras 2's `lr`.

    Example:
        >>> w = tf.Variable(1.0)
        >>> _ = tf.keras.optimizers.RMSprop().apply_gradients([(tf.constant(2.0), w)])
        >>> round(float(w.numpy()), 6)
        0.996838
    """

    _builtin = True
    _fused_weight_decay = True

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = 1e-7 if epsilon is None else epsilon
        self.centered = bool(centered)

    def _slot_groups(self):
        groups = [[("velocity", 0.0)]]
        if self.momentum > 0:
            groups.append([("momentum", 0.0)])
        if self.centered:
            groups.append([("average_gradient", 0.0)])
        return groups

    def update_step(self, gradient, variable, learning_rate):
        return self._fused_update(
            "KerasApplyRMSprop", gradient, variable, learning_rate,
            velocity=self._slot("velocity", variable),
            momentum_slot=self._slot("momentum", variable),
            average_gradient=self._slot("average_gradient", variable),
            rho=float(self.rho), momentum=float(self.momentum), epsilon=float(self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
