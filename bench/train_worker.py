"""Benchmark worker for the model workloads W1-W6 and the busy-core one (bench/README.md).

Run by bench/run.py (through bench/models.py) as

    PYTHON bench/train_worker.py FRAMEWORK [LABEL]

with FRAMEWORK ``tensorflux`` or ``tf`` (both run the same Keras code: ``tf.keras...``) or
``torch`` (an equivalent ``nn.Module`` and a hand-written training loop); LABEL only names
the process.  The workloads are ``w1`` (seed MLP fit), ``w2`` (seed CNN fit), ``w3`` (wide
MLP fit at batch 128; the tensorflux worker also times NumPy's own matmuls at the same
shapes), ``w4`` (MLP inference), ``w5`` (LSTM fit), ``w6`` (ResNet50 forward) and ``busy``
(the seed MLP fit again, which the driver runs with and without a process spinning on one
core).  A full run gives every workload a fresh process, so the peak RSS reported belongs to
that workload alone; the ``--quick`` run keeps one process per framework for all of them
and reports the peak RSS only for the first.  The worker answers one JSON command per stdin
line with one JSON line on stdout prefixed by ``@@BENCH `` (anything else a library prints
is ignored by the driver):

  {"cmd": "setup", "workload": W, "params": {...}}
                                     -> read the data, build and warm up W's model
  {"cmd": "round", "round": r}       -> one timed round of the workload
  {"cmd": "final"}                   -> test accuracy, peak RSS, parameter count
  {"cmd": "profile", "top": n}       -> cProfile (tottime and cumulative) of one more round
  {"cmd": "kernels", "steps": n}     -> tensorflux: time per kernel of the compiled train step
  {"cmd": "quit"}

Hyper-parameters are the same in every framework: batch 32 (W3: 128), Adam with learning
rate 1e-3, beta_1 0.9, beta_2 0.999 and epsilon 1e-7 (Keras' defaults, passed to
torch.optim.Adam explicitly), sparse categorical cross-entropy on logits, Keras'
initialisers (Glorot-uniform kernels, zero biases; for the LSTM an orthogonal recurrent
kernel and a forget-gate bias of one) reproduced in the PyTorch modules, a fresh shuffle of
the training data at every epoch, and the same data in the same layout (NHWC for Keras, the
NCHW view of the same array for PyTorch).
"""

import gc
import gzip
import json
import os
import platform
import resource
import struct
import sys
import time

import numpy as np

MARK = "@@BENCH "
SEED = 1234
DATA_DIR = os.environ.get("BENCH_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
BATCH = 32
LR, BETA_1, BETA_2, EPSILON = 1e-3, 0.9, 0.999, 1e-7
TRAIN_SIZE = 60000
# W5: synthetic sequences (see lstm_data)
SEQ_LEN, SEQ_FEATURES, SEQ_UNITS, SEQ_TRAIN, SEQ_TEST, SEQ_TAIL = 50, 16, 64, 16000, 2000, 10
# W3: the wide MLP's layer widths, input first
WIDE = (784, 1000, 1000, 10)


# --------------------------------------------------------------------------- data


def read_idx(path):
    """An IDX file (gzipped): unsigned-byte images or labels as a NumPy array."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    ndim = magic & 0xFF
    if (magic >> 8) != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file (magic %#x)" % (path, magic))
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def fashion_mnist():
    """(x_train, y_train), (x_test, y_test): float32 images in [0, 1] shaped (n, 28, 28),
    int64 labels."""
    out = []
    for split in ("train", "t10k"):
        images = read_idx(os.path.join(DATA_DIR, "%s-images-idx3-ubyte.gz" % split))
        labels = read_idx(os.path.join(DATA_DIR, "%s-labels-idx1-ubyte.gz" % split))
        x = images.astype(np.float32)
        x /= np.float32(255.0)
        out.append((x, labels.astype(np.int64)))
    return out


def lstm_data():
    """W5's task: sequences of 50 steps x 16 standard-normal features (fixed seed); the
    label is the arg-max of a fixed random linear map (16 -> 10) of the mean of the last
    10 steps, so the network must keep what it saw at the end of the sequence."""
    rng = np.random.default_rng(SEED)
    n = SEQ_TRAIN + SEQ_TEST
    x = rng.standard_normal((n, SEQ_LEN, SEQ_FEATURES), dtype=np.float32)
    teacher = rng.standard_normal((SEQ_FEATURES, 10)).astype(np.float32)
    y = np.argmax(x[:, -SEQ_TAIL:].mean(axis=1) @ teacher, axis=1).astype(np.int64)
    return (x[:SEQ_TRAIN], y[:SEQ_TRAIN]), (x[SEQ_TRAIN:], y[SEQ_TRAIN:])


def rss_now():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None


def rss_peak():
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# --------------------------------------------------------------------------- Keras side


class KerasSide:
    """tensorflux and TensorFlow: the same Keras code, ``tf`` being either module."""

    def __init__(self, tf):
        self.tf = tf
        self.reseed()

    def reseed(self):
        self.tf.keras.utils.set_random_seed(SEED)

    def mlp(self):
        L = self.tf.keras.layers
        return self.tf.keras.Sequential([
            L.Input((28, 28)), L.Flatten(), L.Dense(128, activation="relu"), L.Dropout(0.2), L.Dense(10)])

    def cnn(self):
        L = self.tf.keras.layers
        return self.tf.keras.Sequential([
            L.Input((28, 28, 1)),
            L.Conv2D(32, 3, activation="relu"),
            L.Conv2D(32, 3, activation="relu"),
            L.MaxPooling2D(2),
            L.Conv2D(16, 3, activation="relu"),
            L.MaxPooling2D(2),
            L.Flatten(),
            L.Dense(32, activation="relu"),
            L.Dense(16, activation="relu"),
            L.Dense(10),
        ])

    def wide_mlp(self):
        L = self.tf.keras.layers
        return self.tf.keras.Sequential([L.Input((28, 28)), L.Flatten()] + [
            L.Dense(n, activation="relu") for n in WIDE[1:-1]] + [L.Dense(WIDE[-1])])

    def lstm(self):
        L = self.tf.keras.layers
        return self.tf.keras.Sequential([L.Input((SEQ_LEN, SEQ_FEATURES)), L.LSTM(SEQ_UNITS), L.Dense(10)])

    def resnet50(self):
        return self.tf.keras.applications.ResNet50(weights=None, include_top=False, input_shape=(224, 224, 3))

    def images(self, x):  # (n, 28, 28) -> NHWC view
        return x[..., None]

    def nhwc(self, x):
        return x

    def compile(self, model):
        tf = self.tf
        model.compile(
            optimizer=tf.keras.optimizers.Adam(learning_rate=LR, beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON),
            loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )

    def fit(self, model, x, y, batch=BATCH):
        """One epoch over (x, y), shuffled; returns the epoch's training loss and accuracy."""
        h = model.fit(x, y, batch_size=batch, epochs=1, shuffle=True, verbose=0)
        return {k: float(v[-1]) for k, v in h.history.items()}

    def predict(self, model, x, batch_size=None):
        if batch_size is None:
            return np.asarray(model.predict(x, verbose=0))
        return np.asarray(model.predict(x, batch_size=batch_size, verbose=0))

    def tensor(self, x):
        return self.tf.constant(x)

    def call_stmt(self):
        return "model(xt)"

    def forward(self, model, x):
        """Inference forward pass on a NumPy batch, as a user calls a Keras model."""
        return np.asarray(model(x, training=False))

    def count_params(self, model):
        return int(model.count_params())


# --------------------------------------------------------------------------- PyTorch side


class TorchSide:
    def __init__(self, torch):
        self.torch = torch
        self.default_threads = torch.get_num_threads()
        self.opt = {}
        self.reseed()

    def use_threads(self, threads):
        """torch.set_num_threads(threads), or back to PyTorch's default count for 0 (a --quick
        process serves workloads with different settings; a fresh one never calls it for 0);
        returns the thread info for the report."""
        if self.torch.get_num_threads() != (threads or self.default_threads):
            self.torch.set_num_threads(threads or self.default_threads)
        return {"intra_op": self.torch.get_num_threads(), "default": not threads}

    def reseed(self):
        self.torch.manual_seed(SEED)
        np.random.seed(SEED)

    # Keras' initialisers for the PyTorch layers
    def _init(self, module):
        nn = self.torch.nn
        for m in module.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LSTM):
                for name, p in m.named_parameters():
                    if name.startswith("weight_ih"):
                        nn.init.xavier_uniform_(p)
                    elif name.startswith("weight_hh"):
                        nn.init.orthogonal_(p)
                    else:
                        nn.init.zeros_(p)
                        if name.startswith("bias_ih"):  # unit_forget_bias (gate order i, f, g, o)
                            with self.torch.no_grad():
                                p[m.hidden_size:2 * m.hidden_size] = 1.0
        return module

    def mlp(self):
        nn = self.torch.nn
        return self._init(nn.Sequential(
            nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10)))

    def cnn(self):
        nn = self.torch.nn
        return self._init(nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(),
            nn.Conv2d(32, 32, 3), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 16, 3), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 32), nn.ReLU(),
            nn.Linear(32, 16), nn.ReLU(),
            nn.Linear(16, 10),
        ))

    def wide_mlp(self):
        nn = self.torch.nn
        layers = [nn.Flatten()]
        for n_in, n_out in zip(WIDE[:-2], WIDE[1:-1]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        return self._init(nn.Sequential(*layers, nn.Linear(WIDE[-2], WIDE[-1])))

    def lstm(self):
        nn = self.torch.nn

        class LSTMClassifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(SEQ_FEATURES, SEQ_UNITS, batch_first=True)
                self.fc = nn.Linear(SEQ_UNITS, 10)

            def forward(self, x):
                _, (h, _) = self.lstm(x)
                return self.fc(h[-1])

        return self._init(LSTMClassifier())

    def resnet50(self):
        return build_torch_resnet50(self.torch).eval()

    def images(self, x):  # (n, 28, 28) -> NCHW view of the same memory
        return x[:, None]

    def nhwc(self, x):
        return np.ascontiguousarray(x.transpose(0, 3, 1, 2))

    def compile(self, model):
        self.opt[id(model)] = self.torch.optim.Adam(
            model.parameters(), lr=LR, betas=(BETA_1, BETA_2), eps=EPSILON)

    def fit(self, model, x, y, batch=BATCH, seconds=None):
        """One epoch over (x, y): a fresh permutation, batches of `batch`, Adam steps; the running
        loss and accuracy are accumulated every step, as Keras' fit does for its logs.  With
        `seconds`, the epoch stops after the step that passes that budget (the busy section:
        PyTorch's default threads can take minutes per round on a loaded machine)."""
        torch = self.torch
        F = torch.nn.functional
        opt = self.opt[id(model)]
        xt = torch.from_numpy(x)
        yt = torch.from_numpy(y)
        n = len(x)
        model.train()
        perm = torch.randperm(n)
        loss_sum = torch.zeros(())
        correct = torch.zeros((), dtype=torch.int64)
        steps = 0
        deadline = None if seconds is None else time.perf_counter() + seconds
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            xb, yb = xt[idx], yt[idx]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():
                loss_sum += loss.detach()
                correct += (logits.argmax(1) == yb).sum()
            steps += 1
            if deadline is not None and time.perf_counter() > deadline:
                break
        return {"loss": float(loss_sum) / steps, "accuracy": float(correct) / min(n, steps * batch),
                "steps": steps}

    def predict(self, model, x, batch_size=None):
        """Keras' predict: batches (32 by default) through the model, outputs concatenated."""
        torch = self.torch
        bs = batch_size or 32
        model.eval()
        outs = []
        with torch.no_grad():
            for i in range(0, len(x), bs):
                outs.append(model(torch.from_numpy(x[i:i + bs])).numpy())
        return outs[0] if len(outs) == 1 else np.concatenate(outs)

    def tensor(self, x):
        return self.torch.from_numpy(np.ascontiguousarray(x))

    def call_stmt(self):
        return "model(xt)"

    def forward(self, model, x):
        torch = self.torch
        with torch.no_grad():
            return model(torch.from_numpy(x)).numpy()

    def count_params(self, model):
        n = sum(p.numel() for p in model.parameters())
        n += sum(b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked"))
        return int(n)


def build_torch_resnet50(torch):
    """ResNet50 v1 laid out as keras.applications builds it (include_top=False): 7x7/2 conv
    with biases after a 3-pixel zero pad, batch norm (epsilon 1.001e-5), 3x3/2 max pool after
    a 1-pixel pad, then stages of 3, 4, 6 and 3 bottleneck blocks whose stride sits on the
    first 1x1 convolution (as in Keras, unlike torchvision), every convolution with a bias."""
    nn = torch.nn
    eps = 1.001e-5

    def conv_bn(cin, cout, k, stride=1, pad=0):
        return nn.Sequential(nn.Conv2d(cin, cout, k, stride=stride, padding=pad), nn.BatchNorm2d(cout, eps=eps))

    class Bottleneck(nn.Module):
        def __init__(self, cin, filters, stride, projection):
            super().__init__()
            self.shortcut = conv_bn(cin, 4 * filters, 1, stride) if projection else None
            self.c1 = conv_bn(cin, filters, 1, stride)
            self.c2 = conv_bn(filters, filters, 3, 1, 1)
            self.c3 = conv_bn(filters, 4 * filters, 1)

        def forward(self, x):
            s = x if self.shortcut is None else self.shortcut(x)
            h = torch.relu(self.c1(x))
            h = torch.relu(self.c2(h))
            return torch.relu(s + self.c3(h))

    blocks = [nn.ZeroPad2d(3), nn.Conv2d(3, 64, 7, stride=2), nn.BatchNorm2d(64, eps=eps), nn.ReLU(),
              nn.ZeroPad2d(1), nn.MaxPool2d(3, stride=2)]
    cin = 64
    for filters, count, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for i in range(count):
            blocks.append(Bottleneck(cin, filters, stride if i == 0 else 1, i == 0))
            cin = 4 * filters
    model = nn.Sequential(*blocks)
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return model


# --------------------------------------------------------------------------- workloads


def accuracy(side, model, x, y):
    logits = side.predict(model, x, batch_size=1000)
    return float(np.mean(np.argmax(logits, axis=1) == y))


class FitWorkload:
    """W1 (seed MLP on all 60k images per round), W2 (seed CNN), W3 (wide MLP), W5 (LSTM) and
    busy (seed MLP on the same slice every round): each round fits one epoch over the round's
    slice of the (fixed-seed) permuted training set, or over the whole (first train_size
    images of the) training set when params has no "steps"."""

    MODELS = {"w1": "mlp", "busy": "mlp", "w2": "cnn", "w3": "wide_mlp", "w5": "lstm"}

    def __init__(self, name, side, params):
        self.name = name
        self.side = side
        self.p = params
        self.batch = params.get("batch", BATCH)

    def setup(self):
        side, p = self.side, self.p
        if self.name == "w5":
            (x, y), (xte, yte) = lstm_data()
        else:
            (x, y), (xte, yte) = fashion_mnist()
            if self.name == "w2":
                x, xte = side.images(x), side.images(xte)
        self.rss_data = rss_now()
        n_test = p.get("test_size") or len(xte)
        self.x_test, self.y_test = xte[:n_test], yte[:n_test]
        self.steps = p.get("steps")  # None: the whole training set each round
        if self.steps:
            order = np.random.default_rng(SEED).permutation(len(x))
            need = (p.get("warmup_steps", 0) + p["rounds"] * self.steps + p.get("profile_rounds", 0) * self.steps) * self.batch
            if need > len(x):
                raise ValueError("%s needs %d samples, has %d" % (self.name, need, len(x)))
            # keep only the samples used, gathered once, in a fixed order (the same in all frameworks)
            self.x, self.y = x[order[:need]], y[order[:need]]
            del x, y
        else:
            n = p.get("train_size") or len(x)
            self.x, self.y = x[:n], y[:n]
        self.offset = 0
        model = getattr(side, self.MODELS[self.name])()
        side.compile(model)
        self.model = model
        out = {"rss_after_data": self.rss_data, "params": side.count_params(model)}
        w = p.get("warmup_steps", 0)
        if w:
            t0 = time.perf_counter()
            side.fit(model, *self._take(w), self.batch)
            out["warmup_seconds"] = time.perf_counter() - t0
            out["warmup_steps"] = w
        return out

    def _take(self, steps):
        if not self.steps:  # the same images every round: warm up on their first batches
            return self.x[:steps * self.batch], self.y[:steps * self.batch]
        a, b = self.offset, self.offset + steps * self.batch
        self.offset = b
        return self.x[a:b], self.y[a:b]

    def round(self, r):
        x, y = self._take(self.steps) if self.steps else (self.x, self.y)
        budget = self.p.get("torch_round_seconds") if isinstance(self.side, TorchSide) else None
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        if budget:
            logs = self.side.fit(self.model, x, y, self.batch, seconds=budget)
        else:
            logs = self.side.fit(self.model, x, y, self.batch)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        steps = logs.pop("steps", None) or self.steps or -(-len(x) // self.batch)
        return {"seconds": dt, "steps": steps, "samples": min(len(x), steps * self.batch),
                "seconds_per_step": dt / steps,
                "cpu_seconds_per_step": cpu / steps,  # all the process's threads
                "train_loss": logs.get("loss"), "train_accuracy": logs.get("accuracy")}

    def final(self):
        return {"test_accuracy": accuracy(self.side, self.model, self.x_test, self.y_test),
                "test_size": len(self.x_test), "rss_peak": rss_peak(), "rss_after_data": self.rss_data,
                "params": self.side.count_params(self.model)}

    def profile_target(self):
        """One more round's fit, as timed (without the round's bookkeeping)."""
        x, y = self._take(self.steps) if self.steps else (self.x, self.y)
        return lambda: self.side.fit(self.model, x, y, self.batch)

    def kernel_profile(self, steps, top):
        """tensorflux only: the time of each kernel of the compiled train step (the plan's
        generated code calls every kernel through a name in its namespace; each name is
        wrapped in a timer for `steps` steps on the workload's own batches)."""
        from tensorflux.framework.function import _key_and_arrays
        function = self.model._train_function
        x, y = self.x, self.y
        n = len(x) // self.batch
        first = (x[:self.batch], y[:self.batch])
        function(first)      # the trace these batches use (the key of a full batch)
        concrete = function._cache[_key_and_arrays(((first,), {}), [])]
        plan = concrete._plan
        namespace = plan._function.__globals__
        kernels = {k: v for k, v in namespace.items() if k[:1] == "k" and k[1:].isdigit()}
        spent = dict.fromkeys(kernels, 0.0)
        clock = time.perf_counter

        def timed(name, kernel):
            def run(*args, **kwargs):
                t0 = clock()
                try:
                    return kernel(*args, **kwargs)
                finally:
                    spent[name] += clock() - t0
            return run

        for name, kernel in kernels.items():
            namespace[name] = timed(name, kernel)
        try:
            t0 = clock()
            for i in range(steps):
                a = (i % n) * self.batch
                function((x[a:a + self.batch], y[a:a + self.batch]))
            wall = clock() - t0
        finally:
            namespace.update(kernels)
        rows = []
        for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
            op = plan._steps[int(name[1:])]
            rows.append({"op": op.type, "name": op.name, "us": seconds / steps * 1e6,
                         "inputs": [str(t.shape) for t in op.inputs][:3]})
        shown = rows[:top]
        rest = rows[top:]
        return {"steps": steps, "step_us": wall / steps * 1e6, "kernel_calls": len(rows),
                "kernels_us": sum(spent.values()) / steps * 1e6, "rows": shown,
                "rest": {"count": len(rest), "us": sum(r["us"] for r in rest)}}


def dense_gemms(batch, widths):
    """The matrix products of one training step of a stack of Dense layers (widths: the
    input's, then each layer's units) as (label, m, k, n, transposed operand): per layer the
    forward x @ W, the kernel gradient x.T @ dy and the input gradient dy @ W.T -- except for
    the first layer, whose input is the data: its gradient is not needed, so it is neither
    counted nor timed.  Each product costs 2 m k n FLOPs."""
    gemms = []
    for i, (n_in, n_out) in enumerate(zip(widths, widths[1:]), 1):
        gemms.append(("Dense %d forward `x @ W`" % i, batch, n_in, n_out, None))
        gemms.append(("Dense %d kernel gradient `x.T @ dy`" % i, n_in, batch, n_out, "a"))
        if i > 1:
            gemms.append(("Dense %d input gradient `dy @ W.T`" % i, batch, n_out, n_in, "b"))
    return gemms


class NumpyMatmulLimit:
    """NumPy's float32 `np.matmul` at the given GEMM shapes and layouts (x.T and W.T are
    transposed views, as in a framework's backward pass), timed in this process -- the
    tensorflux worker, after `import tensorflux` -- under two thread settings:

    - "policy": tensorflux's own (framework/blas.py): `set_threads_for(m k n)` before each
      product, as tensorflux's matmul does;
    - "default": OpenBLAS's default thread count, which that policy gives large products
      (`set_threads_for(SMALL_GEMM_MACS)`; going through it keeps the policy's cached count
      right for tensorflux's next product).

    One pass is the products in turn, each timed alone; the pass's CPU time (process_time,
    all threads) is kept too."""

    def __init__(self, gemms):
        from tensorflux.framework import blas

        rng = np.random.default_rng(SEED)

        def operand(rows, cols, transposed):
            if transposed:
                return rng.random((cols, rows), dtype=np.float32).T
            return rng.random((rows, cols), dtype=np.float32)

        self.ops = [(operand(m, k, t == "a"), operand(k, n, t == "b"), m * k * n) for _, m, k, n, t in gemms]
        self.blas = blas
        self.settings = {"policy": blas.set_threads_for,
                         "default": lambda macs: blas.set_threads_for(blas.SMALL_GEMM_MACS)}
        self.passes("policy", 1)  # warm up
        self.passes("default", 1)

    def threads(self):
        """OpenBLAS's current thread count (None when tensorflux cannot read it)."""
        get = getattr(getattr(self.blas, "_blas", None), "get", None)
        return int(get()) if get is not None else None

    def passes(self, setting, n, acc=None):
        """n passes under one setting, added to `acc` (a new one by default): the seconds of
        each product per pass, each pass's CPU time, each product's thread count."""
        threads_for = self.settings[setting]
        acc = acc or {"times": [], "cpu": [], "threads": None}
        for _ in range(n):
            per, threads = [], []
            c0 = time.process_time()
            for a, b, macs in self.ops:
                threads_for(macs)
                threads.append(self.threads())
                t0 = time.perf_counter()
                np.matmul(a, b)
                per.append(time.perf_counter() - t0)
            acc["cpu"].append(time.process_time() - c0)
            acc["times"].append(per)
            acc["threads"] = threads
        return acc

    @staticmethod
    def summary(acc):
        """Median pass (the sum of its products' times), its median CPU time and each
        product's median."""
        return {"pass": float(np.median([sum(per) for per in acc["times"]])),
                "cpu_pass": float(np.median(acc["cpu"])),
                "gemms": [float(np.median(col)) for col in zip(*acc["times"])], "threads": acc["threads"]}


class WideMLPWorkload(FitWorkload):
    """W3: the wide MLP (Flatten, Dense 1000 relu, Dense 1000 relu, Dense 10) fitted at batch
    params["batch"]; setup reports its matmuls and their FLOPs per step.  With
    ``numpy_limit`` (the tensorflux worker), every round also times params["limit_passes"]
    passes of NumPy's own matmuls at the same shapes (NumpyMatmulLimit): at tensorflux's
    policy half before the fit and half after it, so they are timed around it, then at the
    default threads.  The default block comes last, never between the two: after a
    multi-threaded product OpenBLAS's idle threads spin for a while (under 0.5 s), which on
    a loaded machine slows one-thread products timed just after it (1.5-3x in wall time,
    measured here)."""

    def __init__(self, side, params, numpy_limit):
        super().__init__("w3", side, params)
        self.gemms = dense_gemms(self.batch, WIDE)
        self.limit = NumpyMatmulLimit(self.gemms) if numpy_limit else None

    def setup(self):
        out = super().setup()
        out["gemms"] = [(label, m, k, n) for label, m, k, n, _ in self.gemms]
        out["matmul_flops"] = sum(2 * m * k * n for _, m, k, n, _ in self.gemms)
        return out

    def round(self, r):
        if self.limit is None:
            return super().round(r)
        n = self.p.get("limit_passes", 10)
        gc.collect()
        policy = self.limit.passes("policy", n - n // 2)
        out = super().round(r)
        self.limit.passes("policy", n // 2, policy)
        out["numpy_limit"] = {"policy": self.limit.summary(policy),
                              "default": self.limit.summary(self.limit.passes("default", n))}
        return out


class PredictWorkload:
    """W4: the seed MLP (compiled, untrained: the cost of inference does not depend on the
    weights) -- predict on one sample, the model called on one sample, predict on 10,000."""

    def __init__(self, side, params):
        self.side = side
        self.p = params

    def setup(self):
        side = self.side
        _, (xte, _) = fashion_mnist()
        self.x_many = np.ascontiguousarray(xte[:10000])
        self.x_one = np.ascontiguousarray(xte[:1])
        self.model = side.mlp()
        side.compile(self.model)
        self.xt = side.tensor(self.x_one)
        if hasattr(self.model, "eval"):
            self.model.eval()
        # compile the call loop with the statement inline (as bench/worker.py does)
        scope = {"model": self.model, "xt": self.xt}
        if isinstance(side, TorchSide):
            src = ("def _loop(_n):\n    with torch.no_grad():\n        for _ in range(_n):\n"
                   "            %s\n" % side.call_stmt())
            scope["torch"] = side.torch
        else:
            src = "def _loop(_n):\n    for _ in range(_n):\n        %s\n" % side.call_stmt()
        exec(compile(src, "<bench w4 call>", "exec"), scope)
        self.call_loop = scope["_loop"]
        # warm up: first calls trace / build
        for _ in range(3):
            side.predict(self.model, self.x_one)
        side.predict(self.model, self.x_many[:256])
        self.call_loop(5)
        t0 = time.perf_counter()
        self.call_loop(20)
        per = (time.perf_counter() - t0) / 20
        self.call_block = max(1, int(0.1 / max(per, 1e-7)))
        return {"params": side.count_params(self.model), "call_block": self.call_block}

    def round(self, r):
        side, p = self.side, self.p
        one = []
        for _ in range(p.get("predict_repeats", 20)):
            t0 = time.perf_counter()
            side.predict(self.model, self.x_one)
            one.append(time.perf_counter() - t0)
        calls = []
        for _ in range(3):
            t0 = time.perf_counter()
            self.call_loop(self.call_block)
            calls.append((time.perf_counter() - t0) / self.call_block)
        gc.collect()
        t0 = time.perf_counter()
        out = side.predict(self.model, self.x_many)
        many = time.perf_counter() - t0
        assert out.shape == (10000, 10), out.shape
        return {"predict_one": float(np.median(one)), "predict_one_min": min(one),
                "call_one": float(np.median(calls)), "predict_10k": many}

    def final(self):
        return {"rss_peak": rss_peak()}

    def profile_target(self):
        return lambda: [self.side.predict(self.model, self.x_one) for _ in range(200)]


class ResNetWorkload:
    """W6: ResNet50 (weights=None, include_top=False, 224x224x3) inference forward passes on
    one image and on a batch of 8 (fixed random images in [0, 1)); params["batch8"] False
    (--quick) skips the batch of 8."""

    def __init__(self, side, params):
        self.side = side
        self.p = params

    def setup(self):
        side = self.side
        x = np.random.default_rng(SEED).random((8, 224, 224, 3), dtype=np.float32)
        self.x8 = side.nhwc(x)
        self.x1 = np.ascontiguousarray(self.x8[:1])
        t0 = time.perf_counter()
        self.model = side.resnet50()
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        y1 = side.forward(self.model, self.x1)
        first = time.perf_counter() - t0
        out = {"params": side.count_params(self.model), "build_seconds": build, "first_call_seconds": first,
               "output_shape": list(y1.shape), "finite": bool(np.isfinite(y1).all())}
        if self.p.get("batch8", True):
            side.forward(self.model, self.x8)
        return out

    def round(self, r):
        side = self.side
        one = []
        for _ in range(self.p.get("one_repeats", 3)):
            gc.collect()
            t0 = time.perf_counter()
            side.forward(self.model, self.x1)
            one.append(time.perf_counter() - t0)
        if not self.p.get("batch8", True):
            return {"one": float(np.median(one)), "batch8": None, "finite": True}
        gc.collect()
        t0 = time.perf_counter()
        y = side.forward(self.model, self.x8)
        eight = time.perf_counter() - t0
        return {"one": float(np.median(one)), "batch8": eight, "finite": bool(np.isfinite(y).all())}

    def final(self):
        return {"rss_peak": rss_peak()}

    def profile_target(self):
        return lambda: self.side.forward(self.model, self.x1)


# --------------------------------------------------------------------------- protocol


def reply(obj):
    sys.stdout.write(MARK + json.dumps(obj) + "\n")
    sys.stdout.flush()


def make_side(framework):
    info = {"framework": framework, "python": platform.python_version(), "numpy": np.__version__,
            "executable": sys.executable}
    t0 = time.perf_counter()
    if framework == "tensorflux":
        import tensorflux as tf

        info["version"] = getattr(tf, "__version__", "?")
        side = KerasSide(tf)
    elif framework == "tf":
        import tensorflow as tf

        info["version"] = tf.__version__
        try:
            info["keras"] = tf.keras.__version__
        except Exception:
            pass
        try:
            info["threads"] = {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
                               "inter_op": tf.config.threading.get_inter_op_parallelism_threads()}
        except Exception:
            pass
        side = KerasSide(tf)
    elif framework == "torch":
        import torch

        info["version"] = torch.__version__
        side = TorchSide(torch)
    else:
        raise SystemExit("unknown framework %r" % framework)
    info["import_seconds"] = time.perf_counter() - t0
    return info, side


def profile(fn, top):
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    fn()
    prof.disable()
    out = {"seconds": time.perf_counter() - t0}
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(top)
        out[key] = buf.getvalue()
    return out


def main():
    framework = sys.argv[1]
    side = info0 = None
    wl = None
    setups = 0
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
            if cmd == "setup":
                params = req.get("params", {})
                workload = req["workload"]
                if side is None:
                    info0, side = make_side(framework)
                else:
                    side.reseed()
                wl = None
                gc.collect()
                setups += 1
                info = dict(info0)
                info["workload"] = workload
                info["fresh_process"] = setups == 1
                if isinstance(side, TorchSide):
                    info["threads"] = side.use_threads(params.get("torch_threads") or 0)
                if workload in ("w1", "w2", "w5", "busy"):
                    wl = FitWorkload(workload, side, params)
                elif workload == "w3":
                    wl = WideMLPWorkload(side, params, numpy_limit=framework == "tensorflux")
                elif workload == "w4":
                    wl = PredictWorkload(side, params)
                elif workload == "w6":
                    wl = ResNetWorkload(side, params)
                else:
                    raise ValueError("unknown workload %r" % workload)
                wl.fresh = setups == 1
                t0 = time.perf_counter()
                info.update(wl.setup())
                info["setup_seconds"] = time.perf_counter() - t0
                gc.collect()
                reply(info)
            elif cmd == "round":
                reply(wl.round(req["round"]))
            elif cmd == "final":
                out = wl.final()
                if not wl.fresh:  # an earlier workload in this process set the peak
                    out["rss_peak"] = None
                reply(out)
            elif cmd == "profile":
                reply(profile(wl.profile_target(), req.get("top", 15)))
            elif cmd == "kernels":
                reply(wl.kernel_profile(req.get("steps", 200), req.get("top", 12)))
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
