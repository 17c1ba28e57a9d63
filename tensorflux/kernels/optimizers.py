"""In-place optimizer updates: each kernel mutates the variable (and slot) storage it is given,
so a training step allocates no new arrays for the weights."""
import numpy as np


def _storage(variable):
    from tensorflux.framework.variables import _variable_kernel
    return _variable_kernel(np, variable)


def apply_gradient_descent(xp, lr, grad, variable):
    w = _storage(variable)
    w -= (lr * grad).astype(w.dtype, copy=False)
    return w


def apply_momentum(xp, lr, grad, momentum, variable, accum, use_nesterov=False):
    w, a = _storage(variable), _storage(accum)
    a *= momentum
    a += grad
    if use_nesterov:
        w -= (lr * (grad + momentum * a)).astype(w.dtype, copy=False)
    else:
        w -= (lr * a).astype(w.dtype, copy=False)
    return w


def apply_adam(xp, lr, beta1, beta2, epsilon, grad, variable, m, v, beta1_power, beta2_power):
    """TF1 Adam: lr_t = lr sqrt(1 - b2^t) / (1 - b1^t); w -= lr_t m / (sqrt(v) + eps)."""
    w, m_, v_ = _storage(variable), _storage(m), _storage(v)
    b1p, b2p = _storage(beta1_power), _storage(beta2_power)
    lr_t = lr * np.sqrt(1 - b2p) / (1 - b1p)
    m_ *= beta1
    m_ += (1 - beta1) * grad
    v_ *= beta2
    v_ += (1 - beta2) * grad * grad
    w -= (lr_t * m_ / (np.sqrt(v_) + epsilon)).astype(w.dtype, copy=False)
    return w


def apply_rms_prop(xp, lr, decay, momentum, epsilon, grad, variable, ms, mom, centered=False,
                   mg=None):
    """TF1 RMSProp: ms = decay ms + (1 - decay) g^2; mom = momentum mom + lr g / sqrt(ms + eps)."""
    w, ms_, mom_ = _storage(variable), _storage(ms), _storage(mom)
    ms_ *= decay
    ms_ += (1 - decay) * grad * grad
    denominator = ms_
    if centered:
        mg_ = _storage(mg)
        mg_ *= decay
        mg_ += (1 - decay) * grad
        denominator = ms_ - mg_ * mg_
    mom_ *= momentum
    mom_ += lr * grad / np.sqrt(denominator + epsilon)
    w -= mom_.astype(w.dtype, copy=False)
    return w


def apply_adagrad(xp, lr, grad, variable, accum):
    w, a = _storage(variable), _storage(accum)
    a += grad * grad
    w -= (lr * grad / np.sqrt(a)).astype(w.dtype, copy=False)
    return w


def scale_in_place(xp, factor, variable):
    """variable *= factor (TF1 Adam's beta powers after each step)."""
    w = _storage(variable)
    w *= factor
    return w
