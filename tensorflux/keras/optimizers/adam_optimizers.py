"""The Adam family: Adam (with AMSGrad), AdamW, Adamax and Nadam."""
import numpy as np

from tensorflux.framework.variables import Variable
from tensorflux.keras.optimizers.base import Optimizer, _unwrap

__all__ = ["Adam", "AdamW", "Adamax", "Nadam"]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014): adaptive moments with bias correction folded into the step.

    At step t: `alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)`;
    `m += (g - m) * (1 - beta_1)`; `v += (g**2 - v) * (1 - beta_2)`;
    `w -= alpha * m / (sqrt(v) + epsilon)`. With `amsgrad`, `v` is replaced by its running
    maximum.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        beta_1: decay of the first moment (0.9).
        beta_2: decay of the second moment (0.999).
        epsilon: added to the denominator ("epsilon hat" of the paper), default 1e-7.
        amsgrad: use the AMSGrad variant (Reddi et al., 2018).
        **kwargs: the `Optimizer` arguments, and Keras 2's `lr`.

    Example:
        >>> w = tf.Variable(1.0)
        >>> _ = tf.keras.optimizers.Adam().apply_gradients([(tf.constant(2.0), w)])
        >>> round(float(w.numpy()), 6)
        0.999
    """

    _builtin = True
    _fused_weight_decay = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = 1e-7 if epsilon is None else epsilon
        self.amsgrad = bool(amsgrad)

    def _slot_groups(self):
        groups = [[("momentum", 0.0), ("velocity", 0.0)]]
        if self.amsgrad:
            groups.append([("velocity_hat", 0.0)])
        return groups

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        if type(self).update_step is not Adam.update_step:     # a subclass's own update
            return super()._backend_update_step(grads, trainable_variables, learning_rate)
        # one KerasApplyAdamMany per dtype: the small variables are updated together
        groups = {}
        for grad, variable in zip(grads, trainable_variables):
            groups.setdefault(variable.dtype, []).append((grad, _unwrap(variable)))
        for pairs in groups.values():
            variables = [v for _, v in pairs]
            attrs = {"variables": variables,
                     "momentums": [self._slot("momentum", v) for v in variables],
                     "velocities": [self._slot("velocity", v) for v in variables],
                     "iterations": self._iterations,
                     "velocity_hats": ([self._slot("velocity_hat", v) for v in variables]
                                       if self.amsgrad else None),
                     "beta_1": float(_value(self.beta_1)), "beta_2": float(_value(self.beta_2)),
                     "epsilon": float(self.epsilon),
                     "weight_decays": [self._weight_decay_for(v) for v in variables]}
            self._apply_op("KerasApplyAdamMany", [learning_rate] + [g for g, _ in pairs], attrs)

    def update_step(self, gradient, variable, learning_rate):
        return self._fused_update(
            "KerasApplyAdam", gradient, variable, learning_rate,
            momentum=self._slot("momentum", variable), velocity=self._slot("velocity", variable),
            velocity_hat=self._slot("velocity_hat", variable), iterations=self._iterations,
            beta_1=float(_value(self.beta_1)), beta_2=float(_value(self.beta_2)),
            epsilon=float(self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): before each Adam step,
    `w -= w * weight_decay * lr`. Same arguments as `Adam`, plus `weight_decay` (0.004).

    Example:
        >>> w = tf.Variable(1.0)
        >>> _ = tf.keras.optimizers.AdamW(weight_decay=0.5).apply_gradients(
        ...     [(tf.constant(0.0), w)])
        >>> round(float(w.numpy()), 6)
        0.9995
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm (Kingma & Ba, section 7).

    `m += (g - m) * (1 - beta_1)`; `u = max(beta_2 * u, |g|)`;
    `w -= lr * m / ((1 - beta_1**t) * (u + epsilon))`.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        beta_1, beta_2: decay rates (0.9, 0.999).
        epsilon: default 1e-7.
        **kwargs: the `Optimizer` arguments.
    """

    _builtin = True
    _fused_weight_decay = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = 1e-7 if epsilon is None else epsilon

    def _slot_groups(self):
        return [[("momentum", 0.0), ("norm", 0.0)]]

    def update_step(self, gradient, variable, learning_rate):
        return self._fused_update(
            "KerasApplyAdamax", gradient, variable, learning_rate,
            momentum=self._slot("momentum", variable), norm=self._slot("norm", variable),
            iterations=self._iterations, beta_1=float(self.beta_1), beta_2=float(self.beta_2),
            epsilon=float(self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


class Nadam(Optimizer):
    """Nadam: Adam with Nesterov momentum (Dozat, 2015), with Keras' momentum schedule
    `u_t = beta_1 * (1 - 0.5 * 0.96**t)` and its running product.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        beta_1, beta_2: decay rates (0.9, 0.999).
        epsilon: default 1e-7.
        **kwargs: the `Optimizer` arguments.
    """

    _builtin = True
    _fused_weight_decay = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = 1e-7 if epsilon is None else epsilon
        self._u_product = None

    def _slot_groups(self):
        return [[("momentum", 0.0), ("velocity", 0.0)]]

    def _build_extra(self, var_list):
        dtype = var_list[0].dtype.as_numpy_dtype if var_list else np.float32
        self._u_product = self._new_variable(np.asarray(1.0, dtype=dtype), "u_product")

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        self._apply_op("KerasNadamMomentumProduct", [],
                       {"variable": self._u_product, "iterations": self._iterations,
                        "beta_1": float(self.beta_1)})
        super()._backend_update_step(grads, trainable_variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        return self._fused_update(
            "KerasApplyNadam", gradient, variable, learning_rate,
            momentum=self._slot("momentum", variable), velocity=self._slot("velocity", variable),
            iterations=self._iterations, u_product=self._u_product,
            beta_1=float(self.beta_1), beta_2=float(self.beta_2), epsilon=float(self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


def _value(hyper):
    """A hyper-parameter given as a float, a callable or a Variable, as a number now."""
    if callable(hyper) and not isinstance(hyper, Variable):
        hyper = hyper()
    return np.asarray(hyper.numpy() if hasattr(hyper, "numpy") else hyper)
