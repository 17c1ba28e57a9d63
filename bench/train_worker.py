"""Benchmark worker for the model workloads W1, W2, W4, W5 and W6 (bench/README.md).

Run by bench/run.py (through bench/models.py) as

    PYTHON bench/train_worker.py FRAMEWORK [LABEL]

with FRAMEWORK ``tensorflux`` or ``tf`` (both run the same Keras code: ``tf.keras...``) or
``torch`` (an equivalent ``nn.Module`` and a hand-written training loop); LABEL only names
the process.  The workloads are ``w1`` (seed MLP fit), ``w2`` (seed CNN fit), ``w4`` (MLP
inference), ``w5`` (LSTM fit) and ``w6`` (ResNet50 forward).  A full run gives every
workload a fresh process, so the peak RSS reported belongs to that workload alone; the
``--quick`` run keeps one process per framework for all of them and reports the peak RSS
only for the first.  The worker answers one JSON command per stdin line with one JSON line
on stdout prefixed by ``@@BENCH `` (anything else a library prints is ignored by the
driver):

  {"cmd": "setup", "workload": W, "params": {...}}
                                     -> read the data, build and warm up W's model
  {"cmd": "round", "round": r}       -> one timed round of the workload
  {"cmd": "final"}                   -> test accuracy, peak RSS, parameter count
  {"cmd": "profile", "top": n}       -> cProfile (tottime and cumulative) of one more round
  {"cmd": "quit"}

Hyper-parameters are the same in every framework: batch 32, Adam with learning rate 1e-3,
beta_1 0.9, beta_2 0.999 and epsilon 1e-7 (Keras' defaults, passed to torch.optim.Adam
explicitly), sparse categorical cross-entropy on logits, Keras' initialisers (Glorot-uniform
kernels, zero biases; for the LSTM an orthogonal recurrent kernel and a forget-gate bias of
one) reproduced in the PyTorch modules, a fresh shuffle of the training data at every
epoch, and the same data in the same layout (NHWC for Keras, the NCHW view of the same
array for PyTorch).
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

    def fit(self, model, x, y):
        """One epoch over (x, y), batch 32, shuffled; returns the epoch's training loss and accuracy."""
        h = model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=True, verbose=0)
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
    def __init__(self, torch, threads):
        self.torch = torch
        if threads:
            torch.set_num_threads(threads)
        self.opt = {}
        self.reseed()

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

    def fit(self, model, x, y):
        """One epoch over (x, y): a fresh permutation, batches of 32, Adam steps; the running
        loss and accuracy are accumulated every step, as Keras' fit does for its logs."""
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
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
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
        return {"loss": float(loss_sum) / steps, "accuracy": float(correct) / n}

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
    """W1 (seed MLP on all 60k images per round), W2 (seed CNN) and W5 (LSTM): each round
    fits one epoch over the round's slice of the (fixed-seed) permuted training set."""

    def __init__(self, name, side, params):
        self.name = name
        self.side = side
        self.p = params

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
            need = (p.get("warmup_steps", 0) + p["rounds"] * self.steps + p.get("profile_rounds", 0) * self.steps) * BATCH
            if need > len(x):
                raise ValueError("%s needs %d samples, has %d" % (self.name, need, len(x)))
            # keep only the samples used, gathered once, in a fixed order (the same in all frameworks)
            self.x, self.y = x[order[:need]], y[order[:need]]
            del x, y
        else:
            n = p.get("train_size") or len(x)
            self.x, self.y = x[:n], y[:n]
        self.offset = 0
        model = {"w1": side.mlp, "w2": side.cnn, "w5": side.lstm}[self.name]()
        side.compile(model)
        self.model = model
        out = {"rss_after_data": self.rss_data, "params": side.count_params(model)}
        w = p.get("warmup_steps", 0)
        if w:
            t0 = time.perf_counter()
            side.fit(model, *self._take(w))
            out["warmup_seconds"] = time.perf_counter() - t0
            out["warmup_steps"] = w
        return out

    def _take(self, steps):
        if not self.steps:
            return self.x, self.y
        a, b = self.offset, self.offset + steps * BATCH
        self.offset = b
        return self.x[a:b], self.y[a:b]

    def round(self, r):
        steps = self.steps or -(-len(self.x) // BATCH)
        x, y = self._take(self.steps) if self.steps else (self.x, self.y)
        gc.collect()
        t0 = time.perf_counter()
        logs = self.side.fit(self.model, x, y)
        dt = time.perf_counter() - t0
        return {"seconds": dt, "steps": steps, "samples": len(x), "seconds_per_step": dt / steps,
                "train_loss": logs.get("loss"), "train_accuracy": logs.get("accuracy")}

    def final(self):
        return {"test_accuracy": accuracy(self.side, self.model, self.x_test, self.y_test),
                "test_size": len(self.x_test), "rss_peak": rss_peak(), "rss_after_data": self.rss_data,
                "params": self.side.count_params(self.model)}

    def profile_target(self):
        """One more round's fit, as timed (without the round's bookkeeping)."""
        x, y = self._take(self.steps) if self.steps else (self.x, self.y)
        return lambda: self.side.fit(self.model, x, y)


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


def make_side(framework, params):
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
        side = TorchSide(torch, params.get("torch_threads") or 0)
        info["threads"] = {"intra_op": torch.get_num_threads()}
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
                    info0, side = make_side(framework, params)
                else:
                    side.reseed()
                wl = None
                gc.collect()
                setups += 1
                info = dict(info0)
                info["workload"] = workload
                info["fresh_process"] = setups == 1
                if workload in ("w1", "w2", "w5"):
                    wl = FitWorkload(workload, side, params)
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
