"""SGD: gradient descent with optional (Nesterov) momentum."""
from tensorflux.keras.optimizers.base import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """Gradient descent, with momentum and Nesterov momentum.

    Without momentum: `w -= learning_rate * g`. With momentum (Keras' form, the velocity
    holds the step): `m = momentum * m - learning_rate * g; w += m`, or with `nesterov`,
    `w += momentum * m - learning_rate * g`.

    Args:
        learning_rate: float, schedule or callable (default 0.01).
        momentum: float in [0, 1] (default 0, no momentum slot).
        nesterov: whether to use Nesterov momentum.
        **kwargs: the `Optimizer` arguments (weight_decay, clipnorm, clipvalue,
            global_clipnorm, use_ema, name, ...), and Keras 2's `lr`.

    Example:
        >>> w = tf.Variable(1.0)
        >>> _ = tf.keras.optimizers.SGD(0.1).minimize(lambda: w * w, [w])
        >>> round(float(w.numpy()), 6)
        0.8
    """

    _builtin = True
    _fused_weight_decay = True

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) \
                or momentum < 0 or momentum > 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: "
                             f"momentum={momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _slot_groups(self):
        return [[("momentum", 0.0)]] if self.momentum != 0 else []

    def update_step(self, gradient, variable, learning_rate):
        return self._fused_update("KerasApplySGD", gradient, variable, learning_rate,
                                  momentum_slot=self._slot("momentum", variable),
                                  momentum=self.momentum, nesterov=self.nesterov)

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
