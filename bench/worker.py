"""Benchmark worker: one long-lived process per (framework, mode).

Run by bench/run.py as ``PYTHON bench/worker.py FRAMEWORK MODE [VARIANT]`` where
FRAMEWORK is ``tensorflux``, ``tf``, ``torch`` or ``numpy`` (the bare-NumPy floor), MODE is ``eager`` or ``graph`` and
VARIANT is ``default`` or ``1thread`` (TensorFlow: a Session with one intra-op and one
inter-op thread; tensorflux: the driver sets OPENBLAS_NUM_THREADS=1 in its environment).  The worker
builds its workloads once, then answers one JSON command per stdin line with one JSON
line on stdout prefixed by ``@@BENCH `` (anything else a library prints is ignored by
the driver).  Keeping the processes alive lets the driver alternate frameworks round
by round (A/B/C, B/C/A, ...) without paying TensorFlow's import for every sample.

Commands:
  {"cmd": "info"}                        -> versions and workload names
  {"cmd": "warmup", "workload": W, "seconds": s, "block_seconds": b}
                                         -> runs W for s seconds, picks its block size
  {"cmd": "measure", "workload": W, "blocks": k}
                                         -> {"seconds_per_iter": [k floats]}
  {"cmd": "profile", "workload": W, "seconds": s, "top": n}
                                         -> cProfile text of W run for about s seconds
  {"cmd": "quit"}

Every timed loop is compiled with the workload's statement written inline (as timeit
does), so a per-op figure carries no extra Python call per iteration; unlike timeit the
garbage collector stays on, because the objects an op allocates are part of its cost.
"""

import gc
import itertools
import json
import platform
import sys
import time

import numpy as np

MARK = "@@BENCH "
SEED = 1234

# Shapes of the tiny MLP used for the GradientTape / autograd step.
MLP_BATCH, MLP_IN, MLP_HIDDEN, MLP_OUT = 8, 4, 16, 1
MLP_LR = 0.01
# The 003c softmax regression.
SR_BATCH, SR_IN, SR_CLASSES, SR_LR = 100, 784, 10, 0.5
SR_FEEDS = 8  # distinct random batches fed in turn, as next_batch would


class Workload:
    """A statement to time in a tight loop, with the names it uses."""

    def __init__(self, name, stmt, namespace, reset=None, check=None):
        self.name = name
        self.stmt = stmt
        self.namespace = namespace
        self.reset = reset  # called, untimed, before every block
        self.check = check  # called after a block; returns a note or None
        self.block = 1
        src = "def _loop(_n):\n    for _ in range(_n):\n        %s\n" % stmt
        code = compile(src, "<bench %s>" % name, "exec")
        scope = dict(namespace)
        exec(code, scope)
        self.loop = scope["_loop"]

    def time_block(self, n):
        if self.reset is not None:
            self.reset()
        t0 = time.perf_counter()
        self.loop(n)
        return time.perf_counter() - t0


def tiny_inputs():
    rng = np.random.default_rng(SEED)
    a = rng.standard_normal((2, 2)).astype(np.float32)
    b = rng.standard_normal((2, 2)).astype(np.float32)
    return a, b


def mlp_data():
    rng = np.random.default_rng(SEED)
    return {
        "x": rng.standard_normal((MLP_BATCH, MLP_IN)).astype(np.float32),
        "y": rng.standard_normal((MLP_BATCH, MLP_OUT)).astype(np.float32),
        "w1": (rng.standard_normal((MLP_IN, MLP_HIDDEN)) * 0.5).astype(np.float32),
        "b1": np.zeros(MLP_HIDDEN, np.float32),
        "w2": (rng.standard_normal((MLP_HIDDEN, MLP_OUT)) * 0.5).astype(np.float32),
        "b2": np.zeros(MLP_OUT, np.float32),
    }


def softmax_data():
    """Random 003c-shaped batches: MNIST-like sparse images (about a fifth of the
    pixels nonzero, uniform in [0, 1)) and one-hot labels from a random linear teacher.
    Dense uniform pixels make lr 0.5 overflow the softmax to NaN within a few steps;
    these stay finite for thousands of steps, like the real data."""
    rng = np.random.default_rng(SEED)
    teacher = rng.standard_normal((SR_IN, SR_CLASSES)).astype(np.float32)
    batches = []
    for _ in range(SR_FEEDS):
        mask = rng.random((SR_BATCH, SR_IN)) < 0.19
        xs = (rng.random((SR_BATCH, SR_IN), dtype=np.float32) * mask).astype(np.float32)
        labels = np.argmax(xs @ teacher, axis=1)
        ys = np.eye(SR_CLASSES, dtype=np.float32)[labels]
        batches.append((xs, ys))
    return batches


# --------------------------------------------------------------------------- eager


def eager_workloads_tf(tf):
    """Workloads for tensorflux or TensorFlow eager (same API)."""
    a_np, b_np = tiny_inputs()
    a = tf.constant(a_np)
    b = tf.constant(b_np)
    ns = {"tf": tf, "a": a, "b": b}
    out = [
        Workload("add", "c = a + b", ns),
        Workload("matmul", "c = tf.matmul(a, b)", ns),
        Workload("reduce_sum", "c = tf.reduce_sum(a)", ns),
        Workload("relu", "c = tf.nn.relu(a)", ns),
    ]

    d = mlp_data()
    x = tf.constant(d["x"])
    y = tf.constant(d["y"])
    w1 = tf.Variable(d["w1"])
    b1 = tf.Variable(d["b1"])
    w2 = tf.Variable(d["w2"])
    b2 = tf.Variable(d["b2"])
    params = [w1, b1, w2, b2]

    def step():
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.matmul(x, w1) + b1)
            pred = tf.matmul(h, w2) + b2
            loss = tf.reduce_mean(tf.square(pred - y))
        grads = tape.gradient(loss, params)
        for p, g in zip(params, grads):
            p.assign_sub(MLP_LR * g)
        return loss

    def reset():
        for p, key in zip(params, ("w1", "b1", "w2", "b2")):
            p.assign(d[key])

    def check():
        loss = float(step().numpy())
        return None if np.isfinite(loss) else "non-finite loss %r" % loss

    out.append(Workload("tape_mlp_step", "step()", {"step": step}, reset, check))
    return out


def eager_workloads_torch(torch):
    a_np, b_np = tiny_inputs()
    a = torch.from_numpy(a_np.copy())
    b = torch.from_numpy(b_np.copy())
    ns = {"torch": torch, "a": a, "b": b}
    out = [
        Workload("add", "c = a + b", ns),
        Workload("matmul", "c = torch.matmul(a, b)", ns),
        Workload("reduce_sum", "c = torch.sum(a)", ns),
        Workload("relu", "c = torch.relu(a)", ns),
    ]

    d = mlp_data()
    x = torch.from_numpy(d["x"].copy())
    y = torch.from_numpy(d["y"].copy())
    params = [torch.from_numpy(d[k].copy()).requires_grad_() for k in ("w1", "b1", "w2", "b2")]
    w1, b1, w2, b2 = params

    def step():
        h = torch.relu(torch.matmul(x, w1) + b1)
        pred = torch.matmul(h, w2) + b2
        loss = torch.mean(torch.square(pred - y))
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= MLP_LR * p.grad
                p.grad = None
        return loss

    def reset():
        with torch.no_grad():
            for p, key in zip(params, ("w1", "b1", "w2", "b2")):
                p.copy_(torch.from_numpy(d[key]))

    def check():
        loss = float(step().detach())
        return None if np.isfinite(loss) else "non-finite loss %r" % loss

    out.append(Workload("tape_mlp_step", "step()", {"step": step}, reset, check))
    return out


def eager_workloads_numpy():
    """The cheapest NumPy spelling of each per-op statement: the floor under any NumPy framework."""
    a, b = tiny_inputs()
    ns = {"np": np, "a": a, "b": b}
    return [
        Workload("add", "c = a + b", ns),
        Workload("matmul", "c = a @ b", ns),
        Workload("reduce_sum", "c = a.sum()", ns),
        Workload("relu", "c = np.maximum(a, 0)", ns),
    ]


# --------------------------------------------------------------------------- graph


def graph_workloads(v1, tf, session_config=None):
    """The 003c train step in a TF1 graph; ``v1`` is tf.compat.v1 of either framework."""
    x = v1.placeholder(tf.float32, [None, SR_IN])
    W = tf.Variable(tf.zeros([SR_IN, SR_CLASSES]))
    b = tf.Variable(tf.zeros([SR_CLASSES]))
    y = tf.nn.softmax(tf.matmul(x, W) + b)
    y_ = v1.placeholder(tf.float32, [None, SR_CLASSES])
    # as written in 003c (TF1 names from tf.compat.v1)
    cross_entropy = tf.reduce_mean(-v1.reduce_sum(y_ * v1.log(y), reduction_indices=[1]))
    train_step = v1.train.GradientDescentOptimizer(SR_LR).minimize(cross_entropy)
    init = v1.global_variables_initializer()
    sess = v1.Session(config=session_config) if session_config is not None else v1.Session()
    sess.run(init)

    feeds = [{x: xs, y_: ys} for xs, ys in softmax_data()]
    cyc = itertools.cycle(feeds)

    def reset():
        sess.run(init)

    def check():
        loss = float(sess.run(cross_entropy, feed_dict=feeds[0]))
        return None if np.isfinite(loss) else "non-finite loss %r" % loss

    ns = {"sess": sess, "train_step": train_step, "feeds": cyc}
    return [
        Workload(
            "session_train_step",
            "sess.run(train_step, feed_dict=next(feeds))",
            ns,
            reset,
            check,
        )
    ]


# --------------------------------------------------------------------------- setup


def build(framework, mode, variant):
    info = {
        "framework": framework,
        "mode": mode,
        "python": platform.python_version(),
        "executable": sys.executable,
        "numpy": np.__version__,
        "variant": variant,
    }
    if framework == "tensorflux":
        import tensorflux as tf

        info["version"] = getattr(tf, "__version__", "?")
        info["module_file"] = tf.__file__
        if mode == "eager":
            workloads = eager_workloads_tf(tf)
        else:
            tf.compat.v1.disable_eager_execution()
            workloads = graph_workloads(tf.compat.v1, tf)
    elif framework == "tf":
        import tensorflow as tf

        info["version"] = tf.__version__
        try:
            info["threads"] = {
                "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
                "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
            }
        except Exception:  # pragma: no cover - informational only
            pass
        config = None
        if variant == "1thread":
            config = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
            info["threads"] = {"intra_op": 1, "inter_op": 1}
        if mode == "eager":
            workloads = eager_workloads_tf(tf)
        else:
            tf.compat.v1.disable_eager_execution()
            workloads = graph_workloads(tf.compat.v1, tf, config)
    elif framework == "numpy":
        info["version"] = np.__version__
        workloads = eager_workloads_numpy()
    elif framework == "torch":
        import torch

        info["version"] = torch.__version__
        info["threads"] = {"intra_op": torch.get_num_threads()}
        if mode != "eager":
            raise SystemExit("torch has eager workloads only")
        workloads = eager_workloads_torch(torch)
    else:
        raise SystemExit("unknown framework %r" % framework)
    return info, {w.name: w for w in workloads}


def reply(obj):
    sys.stdout.write(MARK + json.dumps(obj) + "\n")
    sys.stdout.flush()


def warmup(w, seconds, block_seconds):
    """Run ``w`` for about ``seconds``; choose a block size of ~block_seconds."""
    n = 1
    spent = 0.0
    per_iter = None
    while True:
        dt = w.time_block(n)
        spent += dt
        per_iter = dt / n
        if spent >= seconds and dt >= 0.02:
            break
        n = min(n * 2, max(1, int(0.05 / max(per_iter, 1e-9))) * 2)
    w.block = max(1, int(round(block_seconds / per_iter)))
    return {"block": w.block, "seconds_per_iter": per_iter}


def profile(w, seconds, top):
    import cProfile
    import io
    import pstats

    per_iter = w.time_block(w.block) / w.block
    n = max(1, int(seconds / per_iter))
    if w.reset is not None:
        w.reset()
    prof = cProfile.Profile()
    prof.enable()
    w.loop(n)
    prof.disable()
    out = {"iterations": n}
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.sort_stats(key).print_stats(top)
        out[key] = buf.getvalue()
    return out


def main():
    framework, mode = sys.argv[1], sys.argv[2]
    variant = sys.argv[3] if len(sys.argv) > 3 else "default"
    info, workloads = build(framework, mode, variant)
    info["workloads"] = list(workloads)
    gc.collect()
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        cmd = req["cmd"]
        try:
            if cmd == "info":
                reply(info)
            elif cmd == "warmup":
                w = workloads[req["workload"]]
                reply(warmup(w, req["seconds"], req["block_seconds"]))
            elif cmd == "measure":
                w = workloads[req["workload"]]
                samples = [w.time_block(w.block) / w.block for _ in range(req["blocks"])]
                note = w.check() if w.check is not None else None
                reply({"seconds_per_iter": samples, "block": w.block, "note": note})
            elif cmd == "profile":
                w = workloads[req["workload"]]
                reply(profile(w, req["seconds"], req["top"]))
            elif cmd == "quit":
                reply({"bye": True})
                return
            else:
                reply({"error": "unknown command %r" % cmd})
        except Exception as exc:  # report, keep serving
            import traceback

            reply({"error": "%s: %s" % (type(exc).__name__, exc), "traceback": traceback.format_exc()})


if __name__ == "__main__":
    main()
