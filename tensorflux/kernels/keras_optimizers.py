"""Fused in-place updates of the Keras 3 optimizers: one kernel call per model variable.

Each kernel gets the learning rate and the gradient as arrays and, by attribute, the variables
it updates (the model variable, its slots, the optimizer's step counter). It mutates their
storage in place, computing in the variable's dtype as Keras does (float32 hyper-parameters for
float32 weights), so results match Keras to float32 rounding. Keras' decoupled weight decay
(`w -= w * weight_decay * lr`, before the update) is folded into every kernel.

The step `t` is `iterations + 1`, read from the counter's storage when the kernel runs: in a
traced function the kernel reads the counter on every call, like any variable read.
"""
import threading

import numpy as np


def _storage(variable):
    value = variable._value
    if value is None:       # uninitialized: the variable kernel raises TF's error for it
        from tensorflux.framework.variables import _variable_kernel
        return _variable_kernel(np, variable)
    return value


_scratch_pool = threading.local()


def _scratch(w):
    """Two scratch arrays shaped like `w`: views into one pair of flat buffers per dtype and
    thread, grown to the largest variable seen, so an optimizer step allocates nothing. A
    kernel finishes before the next one starts in its thread, so the views never overlap."""
    pool = getattr(_scratch_pool, "buffers", None)
    if pool is None:
        pool = _scratch_pool.buffers = {}
    pair = pool.get(w.dtype)
    if pair is None or pair[0].size < w.size:
        pair = pool[w.dtype] = (np.empty(w.size, w.dtype), np.empty(w.size, w.dtype))
    return pair[0][:w.size].reshape(w.shape), pair[1][:w.size].reshape(w.shape)


def _begin(lr, grad, variable, weight_decay):
    """The variable's storage, and the learning rate, gradient and scalar type in its dtype."""
    w = _storage(variable)
    real = w.dtype.type
    lr = real(lr)
    grad = np.asarray(grad)
    if grad.dtype != w.dtype:
        grad = grad.astype(w.dtype)
    if weight_decay:
        w -= w * real(weight_decay) * lr
    return w, lr, grad, real


def _step(iterations, real):
    """Keras' `local_step`: the 1-based number of the step being applied, in the float dtype."""
    return real(int(_storage(iterations)) + 1)


def sgd(xp, lr, grad, variable, momentum_slot=None, momentum=0.0, nesterov=False,
        weight_decay=0.0):
    """m = momentum m - lr g; w += m (Nesterov: w += momentum m - lr g); without momentum
    w -= lr g."""
    w, lr, g, real = _begin(lr, grad, variable, weight_decay)
    if momentum_slot is None:
        w -= g * lr
        return w
    m = _storage(momentum_slot)
    mu = real(momentum)
    step = g * lr
    m *= mu
    m -= step
    if nesterov:
        w += m * mu - step
    else:
        w += m
    return w


def adam(xp, lr, grad, variable, momentum, velocity, iterations, velocity_hat=None,
         beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=0.0):
    """alpha = lr sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
    (AMSGrad: v_hat = max(v_hat, v), used for v); w -= alpha m / (sqrt(v) + eps)."""
    w, lr, g, real = _begin(lr, grad, variable, weight_decay)
    constants = _adam_constants(lr, iterations, real, beta_1, beta_2, epsilon)
    arrays = [w, g, _storage(momentum), _storage(velocity)]
    if velocity_hat is not None:
        arrays.append(_storage(velocity_hat))
    _adam_arrays(arrays, constants)
    return w


def adam_many(xp, lr, *grads, variables, momentums, velocities, iterations, velocity_hats=None,
              beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decays=None):
    """Adam on several variables of one dtype in one call (the `adam` arithmetic, element for
    element). The step size is computed once, and the variables of at most SMALL_ELEMENTS
    elements are updated together: their arrays are gathered into flat buffers, updated by one
    dozen NumPy passes and copied back, where updating each on its own costs a dozen NumPy
    calls per variable (the seed MLP's two biases and 128x10 kernel: 3 x 36 us -> 20 us)."""
    real = _storage(variables[0]).dtype.type
    lr = real(lr)
    constants = _adam_constants(lr, iterations, real, beta_1, beta_2, epsilon)
    small = []
    for i, grad in enumerate(grads):
        w, _, g, _ = _begin(lr, grad, variables[i], weight_decays[i] if weight_decays else 0.0)
        arrays = [w, g, _storage(momentums[i]), _storage(velocities[i])]
        if velocity_hats is not None:
            arrays.append(_storage(velocity_hats[i]))
        if w.size <= SMALL_ELEMENTS and g.shape == w.shape:
            small.append(arrays)
        else:
            _adam_arrays(arrays, constants)
    if len(small) == 1:
        _adam_arrays(small[0], constants)
    elif small:
        flat = [np.concatenate([arrays[k].reshape(-1) for arrays in small])
                for k in range(len(small[0]))]
        _adam_arrays(flat, constants)
        start = 0
        for arrays in small:
            stop = start + arrays[0].size
            for k, array in enumerate(arrays):
                if k != 1:      # w, m, v (and v_hat) come back; g (index 1) is only read
                    np.copyto(array, flat[k][start:stop].reshape(array.shape))
            start = stop
    return np.asarray(True)


# Variables of up to this many elements are updated together by `adam_many`.
SMALL_ELEMENTS = 16_384


def _adam_constants(lr, iterations, real, beta_1, beta_2, epsilon):
    t = _step(iterations, real)
    alpha = lr * np.sqrt(real(1) - real(beta_2) ** t) / (real(1) - real(beta_1) ** t)
    return real(1 - beta_1), real(1 - beta_2), real(epsilon), alpha


def _adam_arrays(arrays, constants):
    """Updates [w, g, m, v(, v_hat)] in place, a slice at a time when large."""
    for chunk in _chunks(arrays):
        _adam_update(chunk[0], chunk[1], chunk[2], chunk[3],
                     chunk[4] if len(chunk) > 4 else None, *constants)


# Variables larger than this many elements are updated a slice at a time: the dozen passes of
# an update then run over arrays that stay in the core's L2 cache (measured on a 1000x1000
# kernel: 2.8 ms whole, 2.25 ms in 131,072-element slices; no gain below this size).
CHUNK_ELEMENTS = 131_072


def _chunks(arrays):
    """Matching flat slices of `arrays` (the variable, its gradient and slots), or the arrays
    themselves when small or not contiguous."""
    w = arrays[0]
    if w.size <= CHUNK_ELEMENTS or not all(a.flags.c_contiguous and a.shape == w.shape
                                           for a in arrays):
        yield arrays
        return
    flat = [a.reshape(-1) for a in arrays]
    for start in range(0, w.size, CHUNK_ELEMENTS):
        yield [a[start:start + CHUNK_ELEMENTS] for a in flat]


def _adam_update(w, g, m, v, v_hat, one_minus_b1, one_minus_b2, epsilon, alpha):
    # The same arithmetic, in the same order, as `m += (g - m) * (1 - b1)` and so on, but
    # written into two scratch buffers: this saves allocating six temporaries per variable
    # per step (a quarter of the update's time on the seed MLP's 784x128 kernel).
    t1, t2 = _scratch(w)
    np.subtract(g, m, out=t1)
    t1 *= one_minus_b1
    m += t1
    np.multiply(g, g, out=t1)
    t1 -= v
    t1 *= one_minus_b2
    v += t1
    if v_hat is not None:
        np.maximum(v_hat, v, out=v_hat)
        v = v_hat
    np.sqrt(v, out=t1)
    t1 += epsilon
    np.multiply(m, alpha, out=t2)
    t2 /= t1
    w -= t2


def rmsprop(xp, lr, grad, variable, velocity, momentum_slot=None, average_gradient=None,
            rho=0.9, momentum=0.0, epsilon=1e-7, weight_decay=0.0):
    """v = rho v + (1 - rho) g^2; (centered: a = rho a + (1 - rho) g, v - a^2 below);
    step = lr g / sqrt(v + eps); with momentum: m = momentum m + step, w -= m; else w -= step."""
    w, lr, g, real = _begin(lr, grad, variable, weight_decay)
    rho = real(rho)
    v = _storage(velocity)
    v *= rho
    v += real(1 - rho) * (g * g)
    if average_gradient is not None:
        a = _storage(average_gradient)
        a *= rho
        a += real(1 - rho) * g
        denominator = v - a * a + real(epsilon)
    else:
        denominator = v + real(epsilon)
    step = (lr * g) / np.sqrt(denominator)
    if momentum_slot is not None:
        m = _storage(momentum_slot)
        m *= real(momentum)
        m += step
        w -= m
    else:
        w -= step
    return w


def adagrad(xp, lr, grad, variable, accumulator, epsilon=1e-7, weight_decay=0.0):
    """acc += g^2; w -= lr g / sqrt(acc + eps)."""
    w, lr, g, real = _begin(lr, grad, variable, weight_decay)
    acc = _storage(accumulator)
    acc += g * g
    w -= (lr * g) / np.sqrt(acc + real(epsilon))
    return w


def adadelta(xp, lr, grad, variable, accumulated_grad, accumulated_delta_var, rho=0.95,
             epsilon=1e-7, weight_decay=0.0):
    """Eg = rho Eg + (1 - rho) g^2; d = -sqrt(Ed + eps) g / sqrt(Eg + eps);
    Ed = rho Ed + (1 - rho) d^2; w += lr d."""
    w, lr, g, real = _begin(lr, grad, variable, weight_decay)
    rho, epsilon = real(rho), real(epsilon)
    eg, ed = _storage(accumulated_grad), _storage(accumulated_delta_var)
    eg *= rho
    eg += real(1 - rho) * (g * g)
    delta = -(np.sqrt(ed + epsilon) * g) / np.sqrt(eg + epsilon)
    ed *= rho
    ed += real(1 - rho) * (delta * delta)
    w += lr * delta
    return w


def adamax(xp, lr, grad, variable, momentum, norm, iterations, beta_1=0.9, beta_2=0.999,
           epsilon=1e-7, weight_decay=0.0):
    """m += (g - m)(1 - b1); u = max(b2 u, |g|); w -= lr m / ((1 - b1^t)(u + eps))."""
    w, lr, g, real = _begin(lr, grad, variable, weight_decay)
    t = _step(iterations, real)
    m, u = _storage(momentum), _storage(norm)
    m += (g - m) * real(1 - beta_1)
    u *= real(beta_2)
    np.maximum(u, np.abs(g), out=u)
    w -= (lr * m) / ((real(1) - real(beta_1) ** t) * (u + real(epsilon)))
    return w


def nadam_u_product(xp, iterations, variable, beta_1=0.9):
    """Nadam's running product of momentum coefficients, updated once per step before the
    variables: P *= b1 (1 - 0.5 * 0.96^t)."""
    p = _storage(variable)
    real = p.dtype.type
    t = _step(iterations, real)
    p *= real(beta_1) * (real(1) - real(0.5) * real(0.96) ** t)
    return p


def nadam(xp, lr, grad, variable, momentum, velocity, iterations, u_product, beta_1=0.9,
          beta_2=0.999, epsilon=1e-7, weight_decay=0.0):
    """Nesterov Adam with Keras' momentum schedule u_t = b1 (1 - 0.5 * 0.96^t):
    m_hat = u_{t+1} m / (1 - P u_{t+1}) + (1 - u_t) g / (1 - P); v_hat = v / (1 - b2^t);
    w -= lr m_hat / (sqrt(v_hat) + eps), with P the product already including u_t."""
    w, lr, g, real = _begin(lr, grad, variable, weight_decay)
    t = _step(iterations, real)
    b1, b2, decay = real(beta_1), real(beta_2), real(0.96)
    u_t = b1 * (real(1) - real(0.5) * decay ** t)
    u_next = b1 * (real(1) - real(0.5) * decay ** (t + real(1)))
    product = real(_storage(u_product))
    product_next = product * u_next
    m, v = _storage(momentum), _storage(velocity)
    m += (g - m) * (real(1) - b1)
    v += (g * g - v) * (real(1) - b2)
    m_hat = (u_next * m) / (real(1) - product_next) + ((real(1) - u_t) * g) / (real(1) - product)
    v_hat = v / (real(1) - b2 ** t)
    w -= (m_hat * lr) / (np.sqrt(v_hat) + real(epsilon))
    return w


def ftrl(xp, lr, grad, variable, accumulator, linear, learning_rate_power=-0.5,
         l1_regularization_strength=0.0, l2_regularization_strength=0.0,
         l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=0.0):
    """Follow-the-regularized-leader (McMahan et al., 2013) in Keras' per-coordinate form:
    n' = n + g^2; z += g + 2 s w - (n'^-p - n^-p) / lr * w;
    w = (clip(z, -l1, l1) - z) / (n'^-p / lr + 2 (l2 + beta / (2 lr))); n = n'."""
    w, lr, g, real = _begin(lr, grad, variable, weight_decay)
    power = real(-learning_rate_power)
    l1 = real(l1_regularization_strength)
    l2 = real(l2_regularization_strength) + real(beta) / (real(2) * lr)
    n, z = _storage(accumulator), _storage(linear)
    grad_to_use = g + real(2 * l2_shrinkage_regularization_strength) * w
    new_n = n + g * g
    new_n_power = new_n ** power
    z += grad_to_use - ((new_n_power - n ** power) / lr) * w
    quadratic = new_n_power / lr + real(2) * l2
    w[...] = (np.clip(z, -l1, l1) - z) / quadratic
    n[...] = new_n
    return w


def lion(xp, lr, grad, variable, momentum, beta_1=0.9, beta_2=0.99, weight_decay=0.0):
    """w -= lr sign(b1 m + (1 - b1) g); m = b2 m + (1 - b2) g."""
    w, lr, g, real = _begin(lr, grad, variable, weight_decay)
    m = _storage(momentum)
    b1, b2 = real(beta_1), real(beta_2)
    w -= lr * np.sign(m * b1 + g * (real(1) - b1))
    m *= b2
    m += g * (real(1) - b2)
    return w


def moving_average(xp, variable, average, iterations, momentum=0.99, overwrite_frequency=0):
    """Keras' EMA of the weights: avg = mu avg + (1 - mu) w, with mu = 0 on the first step; every
    `overwrite_frequency` steps the weights are replaced by their average."""
    w, avg = _storage(variable), _storage(average)
    real = w.dtype.type
    step = int(_storage(iterations))
    mu = real(momentum) if step != 0 else real(0)
    avg *= mu
    avg += (real(1) - mu) * w
    if overwrite_frequency and (step + 1) % overwrite_frequency == 0:
        w[...] = avg
    return w


def copy_into(xp, variable, source):
    """variable = source (EMA: finalize the weights with their averages)."""
    w = _storage(variable)
    w[...] = _storage(source)
    return w
