"""Finite-difference gradient checks, eagerly (GradientTape) and in a graph (Session).

`check_gradients(f, [x0, x1, ...])` compares the gradient of sum(f(*xs) * w), for a fixed
random weighting w, computed by the engine against central finite differences in float64.
Weighting by w checks every output element (a plain sum would hide errors that cancel).
"""
import numpy as np

__all__ = ["check_gradients", "numeric_gradients", "symbolic_gradients", "CHECKED_OPS"]

# Op types whose gradients were exercised by a check in this process (tests report them).
CHECKED_OPS = set()


def _weights(f, inputs, seed):
    import tensorflux as tf
    out = f(*[tf.constant(x) for x in inputs])
    outs = out if isinstance(out, (list, tuple)) else [out]
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, size=np.shape(o)) for o in outs]


def _scalar_objective(f, tensors, weights):
    import tensorflux as tf
    out = f(*tensors)
    outs = out if isinstance(out, (list, tuple)) else [out]
    total = None
    for o, w in zip(outs, weights):
        term = tf.reduce_sum(tf.cast(o, tf.float64) * tf.constant(w))
        total = term if total is None else total + term
    return total


def numeric_gradients(f, inputs, weights, eps=1e-6):
    """Central differences of sum(f(xs) * weights) with respect to each input (float64)."""
    import tensorflux as tf
    grads = []
    for index, x in enumerate(inputs):
        grad = np.zeros_like(x, dtype=np.float64)
        flat = grad.reshape(-1)
        for k in range(x.size):
            values = []
            for sign in (1, -1):
                shifted = [v.copy() for v in inputs]  # C order, so reshape(-1) is a view
                shifted[index].reshape(-1)[k] += sign * eps
                values.append(float(_scalar_objective(
                    f, [tf.constant(v) for v in shifted], weights)))
            flat[k] = (values[0] - values[1]) / (2 * eps)
        grads.append(grad)
    return grads


def _record_ops(records):
    for record in records:
        CHECKED_OPS.add(record.op_def.name)


def symbolic_gradients(f, inputs, weights, mode="eager"):
    """Engine gradients of sum(f(xs) * weights): `mode` "eager" (tape) or "graph" (Session)."""
    import tensorflux as tf
    from tensorflux.framework import context
    if mode == "eager":
        tensors = [tf.constant(x) for x in inputs]
        with tf.GradientTape(persistent=True) as tape:
            for t in tensors:
                tape.watch(t)
            objective = _scalar_objective(f, tensors, weights)
        _record_ops(tape._records)
        grads = tape.gradient(objective, tensors)
        return [None if g is None else np.asarray(g) for g in grads]
    graph = tf.Graph()
    with graph.as_default():
        placeholders = [tf.compat.v1.placeholder(tf.as_dtype(x.dtype), x.shape)
                        for x in inputs]
        objective = _scalar_objective(f, placeholders, weights)
        for op in graph.get_operations():  # the forward ops, before the gradient ops
            CHECKED_OPS.add(op.type)
        grads = tf.gradients(objective, placeholders)
        fetch = [g for g in grads if g is not None]
        with tf.compat.v1.Session(graph=graph) as sess:
            values = sess.run(fetch, feed_dict=dict(zip(placeholders, inputs)))
    del context
    values = iter(values)
    return [None if g is None else np.asarray(next(values)) for g in grads]


def check_gradients(f, inputs, modes=("eager", "graph"), rtol=1e-5, atol=1e-7, eps=1e-6,
                    seed=0):
    """Asserts engine gradients equal finite differences; checks gradient shapes and dtypes.

    `inputs` are float64 arrays (finite differences need the precision).
    """
    inputs = [np.array(x, dtype=np.float64, order="C") for x in inputs]
    weights = _weights(f, inputs, seed)
    expected = numeric_gradients(f, inputs, weights, eps)
    for mode in modes:
        got = symbolic_gradients(f, inputs, weights, mode)
        for index, (g, e, x) in enumerate(zip(got, expected, inputs)):
            if g is None:
                if np.allclose(e, 0, atol=atol):
                    continue
                raise AssertionError(f"[{mode}] input {index}: no gradient, but finite "
                                     f"differences give {e}")
            if g.shape != x.shape:
                raise AssertionError(f"[{mode}] input {index}: gradient shape {g.shape} != "
                                     f"input shape {x.shape}")
            if g.dtype != x.dtype:
                raise AssertionError(f"[{mode}] input {index}: gradient dtype {g.dtype} != "
                                     f"input dtype {x.dtype}")
            np.testing.assert_allclose(g, e, rtol=rtol, atol=atol,
                                       err_msg=f"[{mode}] gradient of input {index}")
    return True
