"""Driver side of the model workloads W1-W6 and busy (bench/train_worker.py) and of the
start-up workload W7; used by bench/run.py.  See bench/README.md for what each one measures.

For each workload, one worker process per framework is started (in parallel: start-up is
not what these rows time), each reads the data and builds and warms up its model; then,
round after round, the frameworks take turns running the round's timed work while the
others wait on their stdin, the order rotating from round to round (A B C, B C A, ...).
The busy workload runs each round twice, on the quiet machine and with another process
spinning on one core (busy_core), the two alternating which goes first.
"""

import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
WORKER = os.path.join(BENCH, "train_worker.py")
LOGS = os.path.join(BENCH, "logs")
MARK = "@@BENCH "
FRAMEWORKS = ("tensorflux", "tf", "torch")
FW_NAMES = {"tensorflux": "tensorflux", "tf": "TensorFlow", "torch": "PyTorch"}
MODEL_WORKLOADS = ("w1", "w2", "w3", "w4", "w5", "w6", "busy")
STEPS_PER_EPOCH = 1875  # 60,000 / 32
MIB = 1024.0 * 1024.0

# per-workload parameters (full run / --quick)
FULL = {
    "w1": {"rounds": 3},
    "w2": {"rounds": 3, "steps": 100, "warmup_steps": 20, "test_size": 2000},
    "w3": {"rounds": 3, "steps": 100, "warmup_steps": 10, "batch": 128, "limit_passes": 20, "profile_rounds": 1},
    # torch_threads 0: PyTorch's default threads, whatever --torch-threads says; its rounds
    # stop after torch_round_seconds
    "busy": {"rounds": 3, "train_size": 300 * 32, "warmup_steps": 20, "test_size": 2000, "torch_threads": 0,
             "torch_round_seconds": 20},
    "w5": {"rounds": 3, "steps": 100, "warmup_steps": 10, "test_size": 2000},
    "w4": {"rounds": 5, "predict_repeats": 20},
    "w6": {"rounds": 3, "one_repeats": 3},
    "w7": {"repeats": 5},
}
QUICK = {
    "w1": {"rounds": 2, "train_size": 4800},
    "w2": {"rounds": 2, "steps": 10, "warmup_steps": 3, "test_size": 2000},
    "w3": {"rounds": 2, "steps": 15, "warmup_steps": 3, "batch": 128, "limit_passes": 5, "profile_rounds": 1},
    "busy": {"rounds": 2, "train_size": 50 * 32, "warmup_steps": 5, "test_size": 2000, "torch_threads": 0,
             "torch_round_seconds": 3},
    "w5": {"rounds": 2, "steps": 20, "warmup_steps": 3, "test_size": 2000},
    "w4": {"rounds": 2, "predict_repeats": 5},
    "w6": {"rounds": 1, "one_repeats": 2, "batch8": False},
    "w7": {"repeats": 3},
}

TITLES = {
    "w1": "W1 seed MLP fit (Fashion-MNIST)",
    "w2": "W2 seed CNN fit (Fashion-MNIST)",
    "w3": "W3 wide MLP fit (Fashion-MNIST, batch 128)",
    "w4": "W4 MLP inference",
    "w5": "W5 LSTM(64) fit, length-50 sequences",
    "w6": "W6 ResNet50 forward",
    "w7": "W7 start-up",
    "busy": "busy core: seed MLP fit, quiet and with another process spinning on one core",
}


class WorkerProcess:
    """A long-lived worker subprocess answering JSON requests, one per line; replies are the
    stdout lines starting with MARK. Shared by the model workloads and run.py's micro ones."""

    def __init__(self, key, argv, env):
        self.key = key
        os.makedirs(LOGS, exist_ok=True)
        self.log_path = os.path.join(LOGS, "%s.log" % key)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, env=env, text=True, bufsize=1, cwd=BENCH)

    def send(self, **req):
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()

    def read(self):
        while True:
            line = self.proc.stdout.readline()
            if not line:
                self.log.flush()
                with open(self.log_path) as f:
                    tail = f.read()[-3000:]
                raise RuntimeError("worker %s died; log tail:\n%s" % (self.key, tail))
            if line.startswith(MARK):
                out = json.loads(line[len(MARK):])
                if "error" in out:
                    raise RuntimeError("worker %s: %s\n%s" % (self.key, out["error"],
                                                              out.get("traceback", "")))
                return out

    def call(self, **req):
        self.send(**req)
        return self.read()

    def close(self):
        try:
            if self.proc.poll() is None:
                self.call(cmd="quit")
            self.proc.wait(timeout=30)
        except Exception:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Proc(WorkerProcess):
    """A train_worker.py process for one framework."""

    def __init__(self, label, framework, python, env):
        super().__init__("%s-%s" % (label, framework), [python, WORKER, framework, label], env)
        self.framework = framework


def short_error(exc):
    text = str(exc).strip().splitlines()
    head = text[0] if text else type(exc).__name__
    # the last line of a traceback names the exception
    tail = [l for l in text if l and not l.startswith(" ")]
    if len(tail) > 1 and tail[-1] != head:
        head = "%s (%s)" % (head, tail[-1])
    return head[:300]


SPIN = "while True:\n    pass\n"


@contextlib.contextmanager
def busy_core():
    """Another process busy on one core: a pure-Python loop pinned (when the OS lets us) to
    the last core this process may use, killed on exit.  Yields a dict that gets the core
    and, once the spinner is gone, the CPU time it got and its wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", SPIN])
    info = {"pinned_core": None}
    try:
        try:
            core = max(os.sched_getaffinity(0))
            os.sched_setaffinity(proc.pid, {core})
            info["pinned_core"] = core
        except (AttributeError, OSError):
            pass
        time.sleep(0.5)  # running and spinning before the first framework starts
        yield info
    finally:
        proc.kill()
        proc.wait()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        info["cpu_seconds"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        info["wall_seconds"] = time.perf_counter() - t0


# each round runs under every condition in turn: (name, context manager)
CONDITIONS = {"busy": (("quiet", contextlib.nullcontext), ("busy", busy_core))}


def run_model_workload(wl, params, pythons, envs, profile_top, log, shared=None):
    """Run one model workload in every framework; returns a dict of raw results.

    ``shared``: None to give this workload fresh worker processes (closed at the end), or a
    dict framework -> Proc kept across workloads (--quick), filled here as needed.  A
    workload in CONDITIONS runs each round once per condition (the order rotating from round
    to round), every framework taking its turn inside each; its round results carry the
    condition's name, and res["conditions"] lists what each condition's context yielded."""
    res = {"params": params, "info": {}, "rounds": {}, "final": {}, "errors": {}, "profile": None,
           "conditions": []}
    conditions = CONDITIONS.get(wl, ((None, contextlib.nullcontext),))
    procs = {}
    try:
        for fw in FRAMEWORKS:
            if shared is not None:
                p = shared.get(fw)
                if p is None or p.proc.poll() is not None:
                    p = shared[fw] = Proc("models", fw, pythons[fw], envs[fw])
                procs[fw] = p
            else:
                procs[fw] = Proc(wl, fw, pythons[fw], envs[fw])
        for fw, p in procs.items():
            p.send(cmd="setup", workload=wl, params=params)
        for fw in list(procs):
            try:
                res["info"][fw] = procs[fw].read()
            except Exception as exc:
                res["errors"][fw] = "setup failed: " + short_error(exc)
                log("  %s: %s" % (fw, res["errors"][fw]))
                p = procs.pop(fw)
                if shared is None or p.proc.poll() is not None:
                    p.close()
        alive = [fw for fw in FRAMEWORKS if fw in procs]
        for fw in alive:
            res["rounds"][fw] = []
        for r in range(params["rounds"]):
            order = alive[r % len(alive):] + alive[:r % len(alive)] if alive else []
            for name, condition in conditions[r % len(conditions):] + conditions[:r % len(conditions)]:
                with condition() as note:
                    for fw in order:
                        if fw in res["errors"]:
                            continue
                        try:
                            out = procs[fw].call(cmd="round", round=r)
                        except Exception as exc:
                            res["errors"][fw] = "round %d failed: %s" % (r + 1, short_error(exc))
                            log("  %s: %s" % (fw, res["errors"][fw]))
                            continue
                        if name:
                            out["condition"] = name
                        res["rounds"][fw].append(out)
                if name:
                    res["conditions"].append({"round": r, "condition": name, "context": note,
                                              "load": os.getloadavg()[0]})
            log("  %s round %d/%d done (load %.2f)" % (wl, r + 1, params["rounds"], os.getloadavg()[0]))
        for fw in alive:
            if fw in res["errors"]:
                continue
            try:
                res["final"][fw] = procs[fw].call(cmd="final")
            except Exception as exc:
                res["errors"][fw] = "final failed: " + short_error(exc)
        if profile_top and "tensorflux" in procs and "tensorflux" not in res["errors"]:
            log("  profiling tensorflux %s ..." % wl)
            try:
                res["profile"] = procs["tensorflux"].call(cmd="profile", top=profile_top)
            except Exception as exc:
                res["errors"]["tensorflux-profile"] = short_error(exc)
        if profile_top is not None and wl in KERNEL_PROFILE_STEPS and "tensorflux" in procs \
                and "tensorflux" not in res["errors"]:
            log("  timing tensorflux's %s kernels ..." % wl)
            try:
                res["kernels"] = procs["tensorflux"].call(
                    cmd="kernels", steps=KERNEL_PROFILE_STEPS[wl], top=12)
            except Exception as exc:
                res["errors"]["tensorflux-kernels"] = short_error(exc)
    finally:
        if shared is None:
            for p in procs.values():
                p.close()
    return res


# --------------------------------------------------------------------------- W7


IMPORT_CODE = ("import time\nt0 = time.perf_counter()\nimport {mod}\nt1 = time.perf_counter()\n"
               "print({mark!r} + repr(t1 - t0), flush=True)\n")
MODULES = {"tensorflux": "tensorflux", "tf": "tensorflow", "torch": "torch"}


def time_import(python, mod, env):
    t0 = time.perf_counter()
    out = subprocess.run([python, "-c", IMPORT_CODE.format(mod=mod, mark=MARK)], capture_output=True, text=True,
                         env=env, cwd=BENCH)
    wall = time.perf_counter() - t0
    for line in out.stdout.splitlines():
        if line.startswith(MARK):
            return float(line[len(MARK):]), wall
    raise RuntimeError("import %s failed: %s" % (mod, out.stderr[-500:]))


def dir_size(path, skip_pycache):
    total = files = 0
    for base, dirs, names in os.walk(path):
        if skip_pycache and "__pycache__" in dirs:
            dirs.remove("__pycache__")
        for n in names:
            try:
                total += os.lstat(os.path.join(base, n)).st_size
                files += 1
            except OSError:
                pass
    return total, files


def package_dir(python, mod, env):
    code = ("import importlib.util as u; s = u.find_spec(%r); "
            "print(%r + list(s.submodule_search_locations)[0])" % (mod, MARK))
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, cwd=BENCH)
    for line in out.stdout.splitlines():
        if line.startswith(MARK):
            return line[len(MARK):]
    return None


PYCACHE = os.path.join(LOGS, "pycache")


def bytecode_env(env):
    """tensorflux as pip would install it: byte-compiled.  This environment may set
    PYTHONDONTWRITEBYTECODE; the .pyc files go under bench/logs/pycache (PYTHONPYCACHEPREFIX),
    never into the source tree."""
    env = dict(env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = PYCACHE
    return env


def run_startup(params, pythons, envs, log):
    res = {"params": params, "import": {fw: [] for fw in FRAMEWORKS}, "wall": {fw: [] for fw in FRAMEWORKS},
           "import_source": [], "size": {}, "errors": {},
           "dont_write_bytecode": bool(envs["tensorflux"].get("PYTHONDONTWRITEBYTECODE"))}
    env_of = dict(envs)
    env_of["tensorflux"] = bytecode_env(envs["tensorflux"])
    # as this environment runs it: with PYTHONDONTWRITEBYTECODE set and no __pycache__ in the
    # source tree, every tensorflux module is compiled at every import
    src_env = envs["tensorflux"] if res["dont_write_bytecode"] else None
    alive = list(FRAMEWORKS)
    for fw in FRAMEWORKS:  # one untimed import each: .pyc files written, files in the page cache
        try:
            time_import(pythons[fw], MODULES[fw], env_of[fw])
        except Exception as exc:
            res["errors"][fw] = short_error(exc)
            alive.remove(fw)
    for r in range(params["repeats"]):
        for fw in alive[r % len(alive):] + alive[:r % len(alive)]:
            t, wall = time_import(pythons[fw], MODULES[fw], env_of[fw])
            res["import"][fw].append(t)
            res["wall"][fw].append(wall)
        if "tensorflux" in alive and src_env is not None:
            res["import_source"].append(time_import(pythons["tensorflux"], "tensorflux", src_env)[0])
    log("  w7 imports done (load %.2f)" % os.getloadavg()[0])
    for fw in FRAMEWORKS:
        path = package_dir(pythons[fw], MODULES[fw], envs[fw])
        if not path:
            continue
        src, nfiles = dir_size(path, True)
        full, _ = dir_size(path, False)
        entry = {"path": path, "bytes_no_pycache": src, "bytes": full, "files": nfiles}
        if fw == "tensorflux":
            # source + the .pyc files compiled for it: what an installed copy holds
            pyc = os.path.join(PYCACHE, os.path.abspath(path).lstrip(os.sep))
            entry["bytes"] = src + dir_size(pyc, False)[0]
        if fw == "tf":  # tf.keras is the separate keras package
            kpath = package_dir(pythons[fw], "keras", envs[fw])
            if kpath:
                entry["keras_path"] = kpath
                entry["keras_bytes"] = dir_size(kpath, False)[0]
        res["size"][fw] = entry
    return res


# --------------------------------------------------------------------------- summary


def _med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def summarise(wl, raw):
    """{framework: {metric: value}} for one workload's raw results."""
    out = {}
    if wl == "w7":
        for fw in FRAMEWORKS:
            if raw["import"].get(fw):
                out[fw] = {"import": _med(raw["import"][fw]), "wall": _med(raw["wall"][fw]),
                           "import_all": raw["import"][fw]}
                if fw == "tensorflux" and raw.get("import_source"):
                    out[fw]["import_source"] = _med(raw["import_source"])
            if fw in raw["size"]:
                out.setdefault(fw, {}).update(raw["size"][fw])
        return out
    for fw, rounds in raw["rounds"].items():
        if fw in raw["errors"] or not rounds:
            continue
        fin = raw["final"].get(fw, {})
        info = raw["info"].get(fw, {})
        m = {}
        if wl == "w1":
            scale = [STEPS_PER_EPOCH * 32.0 / r["samples"] for r in rounds]
            epochs = [r["seconds"] * s for r, s in zip(rounds, scale)]
            m["first_epoch"] = epochs[0]
            m["epoch"] = _med(epochs[1:]) if len(epochs) > 1 else epochs[0]
            m["epochs_all"] = epochs
            m["test_accuracy"] = fin.get("test_accuracy")
            m["rss_peak"] = fin.get("rss_peak")
            m["rss_after_data"] = fin.get("rss_after_data")
            m["train_accuracy"] = rounds[-1].get("train_accuracy")
        elif wl in ("w2", "w3", "w5"):
            per = [r["seconds_per_step"] for r in rounds]
            m["step"] = _med(per)
            m["epoch"] = m["step"] * STEPS_PER_EPOCH * 32 // raw["params"].get("batch", 32)
            m["steps_all"] = per
            m["test_accuracy"] = fin.get("test_accuracy")
            m["rss_peak"] = fin.get("rss_peak")
            m["warmup_seconds"] = info.get("warmup_seconds")
            if wl == "w3":
                m.update(_matmul_rates(info["matmul_flops"], m["step"], rounds))
        elif wl == "busy":
            for cond in ("quiet", "busy"):
                m[cond + "_all"] = [r["seconds_per_step"] for r in rounds if r.get("condition") == cond]
                m[cond] = _med(m[cond + "_all"])
                m[cond + "_cpu"] = _med([r["cpu_seconds_per_step"] for r in rounds if r.get("condition") == cond])
            m["slowdown"] = _ratio(m["busy"], m["quiet"])
            m["paired"] = [b / q for q, b in zip(m["quiet_all"], m["busy_all"])]
            m["threads"] = info.get("threads", {}).get("intra_op")
            m["steps_done"] = [r["steps"] for r in rounds]
        elif wl == "w4":
            m["predict_one"] = _med([r["predict_one"] for r in rounds])
            m["call_one"] = _med([r["call_one"] for r in rounds])
            m["predict_10k"] = _med([r["predict_10k"] for r in rounds])
            m["throughput"] = 10000.0 / m["predict_10k"]
            m["predict_one_all"] = [r["predict_one"] for r in rounds]
            m["call_one_all"] = [r["call_one"] for r in rounds]
        elif wl == "w6":
            m["one"] = _med([r["one"] for r in rounds])
            m["batch8"] = _med([r["batch8"] for r in rounds])
            m["one_all"] = [r["one"] for r in rounds]
            m["batch8_all"] = [r["batch8"] for r in rounds]
            m["params"] = info.get("params")
            m["build_seconds"] = info.get("build_seconds")
            m["first_call_seconds"] = info.get("first_call_seconds")
            m["finite"] = info.get("finite") and all(r["finite"] for r in rounds)
        out[fw] = m
    return out


def _matmul_rates(flops, step, rounds):
    """W3: GFLOP/s of the step's matmuls and, from the rounds' NumPy timings (tensorflux's
    worker only), NumPy's rate at tensorflux's thread policy and at BLAS's default threads."""
    m = {"matmul_flops": flops, "gflops": flops / step / 1e9}
    limits = [r["numpy_limit"] for r in rounds if r.get("numpy_limit")]
    for setting in ("policy", "default") if limits else ():
        runs = [lim[setting] for lim in limits]
        m["limit_" + setting] = flops / _med([x["pass"] for x in runs]) / 1e9
        m["limit_%s_gemms" % setting] = [_med(col) for col in zip(*[x["gemms"] for x in runs])]
        m["limit_%s_threads" % setting] = runs[-1]["threads"]
        m["fraction_" + setting] = m["gflops"] / m["limit_" + setting]
        # paired: each round's steps against the NumPy passes timed around them
        m["fraction_%s_all" % setting] = [r["numpy_limit"][setting]["pass"] / r["seconds_per_step"]
                                          for r in rounds if r.get("numpy_limit")]
    if limits:
        # in CPU time (both single-threaded at tensorflux's policy): robust to other processes
        m["step_cpu"] = _med([r["cpu_seconds_per_step"] for r in rounds])
        m["limit_policy_cpu"] = _med([lim["policy"]["cpu_pass"] for lim in limits])
        m["fraction_policy_cpu"] = m["limit_policy_cpu"] / m["step_cpu"]
    return m


# --------------------------------------------------------------------------- report


def _ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def _s(x, unit):
    if x is None:
        return "—"
    if unit == "s":
        return "%.2f s" % x
    if unit == "ms":
        return "%.2f ms" % (x * 1e3)
    if unit == "us":
        return "%.1f µs" % (x * 1e6)
    if unit == "pct":
        return "%.2f %%" % (x * 100)
    if unit == "mib":
        return "%.0f MiB" % (x / MIB)
    if unit == "per_s":
        return "{:,.0f} /s".format(x)
    if unit == "gflops":
        return "%.1f GFLOP/s" % x
    if unit == "x":
        return "%.2f×" % x
    if isinstance(x, int):
        return "{:,}".format(x)
    return str(x)


def _r(x):
    return "—" if x is None else "%.2f×" % x


def _get(summ, wl, fw, key):
    return summ.get(wl, {}).get(fw, {}).get(key)


def goal_rows(summ):
    """(goal text, result text, met: True/False/None)."""
    rows = []

    def g(wl, fw, key):
        return _get(summ, wl, fw, key)

    def add(goal, a, b, unit, limit, other="TF", higher_is_better=False):
        r = _ratio(a, b)
        if r is None:
            rows.append((goal, "not measured" + ("" if a is None and b is None else
                                                  " (%s)" % ("tensorflux" if a is None else other)), None))
            return
        met = (1 / r >= limit) if higher_is_better else (r <= limit)
        rows.append((goal, "%s vs %s (%s)" % (_s(a, unit), _s(b, unit), _r(r)), met))

    if "w1" in summ:
        a, k, t = g("w1", "tensorflux", "epoch"), g("w1", "tf", "epoch"), g("w1", "torch", "epoch")
        add("W1 s/epoch ≤ 0.5× Keras (issue 3)", a, k, "s", 0.5)
        add("W1 s/epoch ≤ PyTorch (issue 3)", a, t, "s", 1.0, "PyTorch")
        add("W1 s/epoch ≤ 0.2× Keras (issue 7)", a, k, "s", 0.2)
        add("W1 s/epoch ≤ 0.5× PyTorch (issue 7)", a, t, "s", 0.5, "PyTorch")
        ta, tk = g("w1", "tensorflux", "test_accuracy"), g("w1", "tf", "test_accuracy")
        if ta is not None and tk is not None:
            rows.append(("W1 test accuracy within 0.5 points of Keras (issue 7)",
                         "%s vs %s (%+.2f points)" % (_s(ta, "pct"), _s(tk, "pct"), (ta - tk) * 100),
                         ta >= tk - 0.005))
        add("W1 peak RSS of the fit ≤ 0.5× Keras' (issue 7)", g("w1", "tensorflux", "rss_peak"),
            g("w1", "tf", "rss_peak"), "mib", 0.5)
    if "w2" in summ:
        add("W2 seed CNN s/step ≤ TensorFlow (issues 4, 7)", g("w2", "tensorflux", "step"), g("w2", "tf", "step"),
            "ms", 1.0)
    if "w3" in summ:
        rate = g("w3", "tensorflux", "gflops")
        for setting, goal in (
                ("policy", "W3 wide MLP: matmul rate ≥ 70% of NumPy's at the model's shapes (issue 7; NumPy "
                           "under tensorflux's BLAS thread policy)"),
                ("default", "(same, against NumPy with BLAS's default threads; not the goal's configuration)")):
            limit, frac = g("w3", "tensorflux", "limit_" + setting), g("w3", "tensorflux", "fraction_" + setting)
            met = None if frac is None else frac >= 0.7
            rows.append((goal, "not measured" if frac is None else "%s vs NumPy %s (%.0f %%)" % (
                _s(rate, "gflops"), _s(limit, "gflops"), frac * 100),
                met if setting == "policy" or met is None else "(yes)" if met else "(no)"))
        cpu = g("w3", "tensorflux", "fraction_policy_cpu")
        if cpu is not None:
            rows.append(("(same in CPU time per step, which other processes disturb less; not the goal's "
                         "configuration)", "%s per step vs NumPy %s (%.0f %%)" % (
                             _s(g("w3", "tensorflux", "step_cpu"), "ms"),
                             _s(g("w3", "tensorflux", "limit_policy_cpu"), "ms"), cpu * 100),
                         "(yes)" if cpu >= 0.7 else "(no)"))
    if "w5" in summ:
        add("W5 LSTM(64) s/step ≤ TensorFlow (issues 4, 7)", g("w5", "tensorflux", "step"), g("w5", "tf", "step"),
            "ms", 1.0)
    if "w6" in summ:
        add("W6 ResNet50 one image ≤ 2× TensorFlow (issue 4)", g("w6", "tensorflux", "one"), g("w6", "tf", "one"),
            "ms", 2.0)
        add("W6 ResNet50 batch of 8 ≤ 1.5× TensorFlow (issue 7)", g("w6", "tensorflux", "batch8"),
            g("w6", "tf", "batch8"), "ms", 1.5)
    if "w4" in summ:
        p1 = g("w4", "tensorflux", "predict_one")
        rows.append(("W4 `predict` on one sample ≤ 1 ms (issue 7)",
                     "%s (Keras %s)" % (_s(p1, "ms"), _s(g("w4", "tf", "predict_one"), "ms")),
                     None if p1 is None else p1 <= 1e-3))
        add("W4 model called on one sample ≤ 2× PyTorch's module call (issue 7)", g("w4", "tensorflux", "call_one"),
            g("w4", "torch", "call_one"), "us", 2.0, "PyTorch")
        a, b = g("w4", "tensorflux", "throughput"), g("w4", "tf", "throughput")
        r = _ratio(a, b)
        rows.append(("W4 `predict` throughput on 10,000 samples ≥ Keras' (issue 7)",
                     "—" if r is None else "%s vs %s (%s)" % (_s(a, "per_s"), _s(b, "per_s"), _r(r)),
                     None if r is None else r >= 1.0))
    if "busy" in summ:
        slow = g("busy", "tensorflux", "slowdown")
        others = ["%s %s" % (FW_NAMES[fw], _r(g("busy", fw, "slowdown"))) for fw in FRAMEWORKS[1:]
                  if g("busy", fw, "slowdown") is not None]
        rows.append(("tensorflux slows by at most 1.5× with another process busy on one core (issue 7)",
                     "not measured" if slow is None else "%s → %s per step (%s)%s" % (
                         _s(g("busy", "tensorflux", "quiet"), "ms"), _s(g("busy", "tensorflux", "busy"), "ms"),
                         _r(slow), "; default threads: " + ", ".join(others) if others else ""),
                     None if slow is None else slow <= 1.5))
    if "w7" in summ:
        imp = g("w7", "tensorflux", "import")
        rows.append(("W7 `import tensorflux` ≤ 0.25 s (issue 7; from `.pyc`, as installed)",
                     "%s (TensorFlow %s, PyTorch %s)" % (_s(imp, "s"), _s(g("w7", "tf", "import"), "s"),
                                                         _s(g("w7", "torch", "import"), "s")),
                     None if imp is None else imp <= 0.25))
        size = g("w7", "tensorflux", "bytes")
        rows.append(("W7 package size < 20 MiB (issue 7)",
                     "—" if size is None else "%.1f MiB with its `.pyc` files (%.1f MiB of source)" % (
                         size / MIB, g("w7", "tensorflux", "bytes_no_pycache") / MIB),
                     None if size is None else size < 20 * MIB))
    return rows


def report(summ, raws, args, torch_threads):
    """Markdown lines for the model workloads and W7 (everything but the Goals table)."""
    L = []
    if not summ:
        return L
    quick = args.quick
    L.append("## Model workloads (W1-W6)")
    L.append("")
    L.append("Each workload runs in one worker process per framework (`bench/train_worker.py`); the three "
             "take turns round by round, the order rotating, while the other two wait. tensorflux and "
             "TensorFlow run the same Keras code (`tf.keras.Sequential`, `compile(Adam(1e-3, epsilon=1e-7), "
             "SparseCategoricalCrossentropy(from_logits=True), metrics=['accuracy'])`, `fit(batch_size=32, "
             "shuffle=True)`); PyTorch runs the same layers as an `nn.Module` with Keras' initialisers and a "
             "hand-written loop (fresh `randperm` every epoch, `torch.optim.Adam(lr=1e-3, betas=(0.9, 0.999), "
             "eps=1e-7)`, `cross_entropy` on logits, running loss and accuracy accumulated every step as "
             "Keras' logs are). Figures are medians over rounds; ratios are tensorflux ÷ the other "
             "framework (below 1 means tensorflux is faster).")
    L.append("")
    if torch_threads:
        L.append("**PyTorch threads.** The PyTorch workers run with `torch.set_num_threads(%d)` "
                 "(`--torch-threads`; 0 keeps PyTorch's default of one thread per core). On this shared "
                 "machine PyTorch's default two threads spin-wait on small GEMMs whenever the other core is "
                 "busy: measured here under the same load, the W1 MLP ran at 50–224 s/epoch with two threads "
                 "against 7–8 s/epoch with one, and the LSTM at 260–510 ms/step against 29 ms/step. With the "
                 "default, the PyTorch rows would measure that contention, not PyTorch, and flatter "
                 "tensorflux. TensorFlow and tensorflux keep their own defaults.%s" % (
                     torch_threads, " The busy-core section keeps PyTorch's default threads: measuring that "
                     "contention is its point." if "busy" in summ else ""))
        L.append("")
    heads = "| workload | metric | tensorflux | TensorFlow | PyTorch | tensorflux / TF | tensorflux / torch |"
    L.append(heads)
    L.append("|---|---|---|---|---|---|---|")

    def _cell(wl, fw, key, unit):
        err = raws.get(wl, {}).get("errors", {}).get(fw)
        if err and _get(summ, wl, fw, key) is None:
            return "failed (see below)"
        return _s(_get(summ, wl, fw, key), unit)

    def first(wl, label, key, unit, ratio=True):
        # first row of a workload carries its title
        vals = [_get(summ, wl, fw, key) for fw in FRAMEWORKS]
        a = vals[0]
        r1 = _r(_ratio(a, vals[1])) if ratio else ""
        r2 = _r(_ratio(a, vals[2])) if ratio else ""
        L.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            TITLES[wl], label, *(_cell(wl, fw, key, unit) for fw in FRAMEWORKS), r1, r2))

    def more(wl, label, key, unit, ratio=True):
        vals = [_get(summ, wl, fw, key) for fw in FRAMEWORKS]
        a = vals[0]
        r1 = _r(_ratio(a, vals[1])) if ratio else ""
        r2 = _r(_ratio(a, vals[2])) if ratio else ""
        L.append("| | %s | %s | %s | %s | %s | %s |" % (
            label, *(_cell(wl, fw, key, unit) for fw in FRAMEWORKS), r1, r2))

    p = {wl: raws[wl]["params"] for wl in raws if wl in MODEL_WORKLOADS}
    if "w1" in summ:
        sub = p["w1"].get("train_size")
        ext = " (extrapolated from %d samples)" % sub if sub else ""
        n1 = p["w1"]["rounds"]
        first("w1", ("s/epoch, epoch 2" if n1 == 2 else "s/epoch, median of epochs 2–%d" % n1 if n1 > 2
                     else "s/epoch (first epoch)") + ext, "epoch", "s")
        more("w1", "first epoch (incl. tracing / building)" + ext, "first_epoch", "s")
        more("w1", "test accuracy after %d epoch%s (10k images)" % (
            p["w1"]["rounds"], "s" if p["w1"]["rounds"] > 1 else ""), "test_accuracy", "pct", False)
        more("w1", "peak RSS of the worker process (ru_maxrss)", "rss_peak", "mib")
        more("w1", "RSS after import + data, before the model", "rss_after_data", "mib")
    if "w2" in summ:
        q = p["w2"]
        first("w2", "s/step (%d rounds × %d steps)" % (q["rounds"], q["steps"]), "step", "ms")
        more("w2", "s/epoch, extrapolated (× %d steps)" % STEPS_PER_EPOCH, "epoch", "s")
        more("w2", "test accuracy after %d steps (first 2k test images)" % (q["warmup_steps"] + q["rounds"] * q["steps"]),
             "test_accuracy", "pct", False)
        more("w2", "peak RSS of the worker process" + (" (fresh processes only: — in `--quick`)" if quick else ""),
             "rss_peak", "mib")
    if "w3" in summ:
        q = p["w3"]
        flops = next((m["matmul_flops"] for m in summ["w3"].values() if "matmul_flops" in m), None)
        first("w3", "s/step (batch %d, %d rounds × %d steps)" % (q["batch"], q["rounds"], q["steps"]), "step", "ms")
        more("w3", "matmul GFLOP/s (%s of matmuls per step; higher is better)" % (
            "—" if flops is None else "%.3f GFLOP" % (flops / 1e9)), "gflops", "gflops", False)
        more("w3", "test accuracy after %d steps (10k test images)" % (q["warmup_steps"] + q["rounds"] * q["steps"]),
             "test_accuracy", "pct", False)
    if "w5" in summ:
        q = p["w5"]
        first("w5", "s/step (%d rounds × %d steps)" % (q["rounds"], q["steps"]), "step", "ms")
        more("w5", "test accuracy after %d steps (2k held-out sequences)" % (q["warmup_steps"] + q["rounds"] * q["steps"]),
             "test_accuracy", "pct", False)
    if "w4" in summ:
        first("w4", "`predict` on one sample (median of %d)" % p["w4"]["predict_repeats"], "predict_one", "ms")
        more("w4", "model called on one sample (`model(x)`)", "call_one", "us")
        more("w4", "`predict` on 10,000 samples (batch 32)", "predict_10k", "ms")
        more("w4", "… as throughput (higher is better)", "throughput", "per_s", False)
    if "w6" in summ:
        first("w6", "one image (median of %d per round)" % p["w6"]["one_repeats"], "one", "ms")
        more("w6", "batch of 8", "batch8", "ms")
        more("w6", "parameters (incl. BN statistics)", "params", "", False)
    L.append("")
    notes = []
    if "w1" in summ:
        notes.append("**W1** Flatten → Dense 128 relu → Dropout 0.2 → Dense 10 on all 60,000 training images per "
                     "round%s: round 1 is each framework's first epoch (Keras traces its train function there), "
                     "the later rounds continue training the same model, one epoch each. Test accuracy is on the "
                     "10,000 test images after the last round. Peak RSS is `ru_maxrss` of the worker, which "
                     "holds only this workload: the framework, the float32 training set (180 MiB, the same "
                     "array handed to every framework) and the model." % (
                         " (in `--quick`, %d images, times scaled to 60,000)" % p["w1"]["train_size"]
                         if p["w1"].get("train_size") else ""))
    if "w2" in summ:
        q = p["w2"]
        notes.append("**W2** Conv2D(32, 3, relu) → Conv2D(32, 3, relu) → MaxPool 2 → Conv2D(16, 3, relu) → "
                     "MaxPool 2 → Flatten → Dense 32 relu → Dense 16 relu → Dense 10 (logits), batch 32. A full "
                     "epoch would take minutes per framework, so each round fits %d steps on the next %d "
                     "images of a fixed permutation of the training set (%d untimed warm-up steps first); "
                     "**s/epoch is extrapolated** as s/step × %d. Test accuracy is on the first 2,000 test "
                     "images after all %d steps." % (q["steps"], q["steps"] * 32, q["warmup_steps"],
                                                     STEPS_PER_EPOCH, q["warmup_steps"] + q["rounds"] * q["steps"]))
    if "w5" in summ:
        q = p["w5"]
        notes.append("**W5** LSTM(64) → Dense 10 (logits) on synthetic sequences: 50 steps × 16 standard-normal "
                     "features (fixed seed); the label is the arg-max of a fixed random 16 → 10 linear map of the "
                     "mean of the last 10 steps. Each round fits %d steps (batch 32) on fresh sequences, after "
                     "%d untimed warm-up steps; the test accuracy on 2,000 held-out sequences shows the three "
                     "learnt the same amount." % (q["steps"], q["warmup_steps"]))
    if "w4" in summ:
        notes.append("**W4** The W1 MLP, compiled, untrained. `predict` takes a NumPy array and returns one "
                     "(PyTorch: `model.eval()`, `torch.no_grad()`, the module on `torch.from_numpy(x)`, "
                     "`.numpy()`; batches of 32 for 10,000 samples, as Keras' default). The model call is a "
                     "tight loop of `model(xt)` on a framework tensor made once (PyTorch inside `no_grad`).")
    if "w6" in summ:
        notes.append("**W6** `keras.applications.ResNet50(weights=None, include_top=False, input_shape=(224, 224, "
                     "3))` called as `model(x, training=False)` on NumPy images (fixed random pixels in [0, 1)); "
                     "PyTorch runs the same network written out in `train_worker.py` (Keras' layout: stride on "
                     "the first 1x1 convolution of a stage, biases on every convolution, BN epsilon 1.001e-5), "
                     "in `eval()` mode under `no_grad`, NCHW. Every shape is run once before timing.%s" % (
                         "" if p["w6"].get("batch8", True) else " (`--quick` skips the batch of 8.)"))
    for n in notes:
        L.append(n)
        L.append("")

    errors = [(wl, fw, e) for wl in MODEL_WORKLOADS + ("w7",) for fw, e in raws.get(wl, {}).get("errors", {}).items()]
    if errors:
        L.append("Failures (the row is left out for that framework):")
        L.append("")
        for wl, fw, e in errors:
            L.append("- %s, %s: `%s`" % (wl.upper(), FW_NAMES.get(fw, fw), e.replace("`", "'")))
        L.append("")

    # per-round figures
    L.append("Round by round (each framework's figure per round, in round order):")
    L.append("")
    L.append("| workload | tensorflux | TensorFlow | PyTorch |")
    L.append("|---|---|---|---|")
    spread = (("w1", "epochs_all", "s", "W1 s/epoch"), ("w2", "steps_all", "ms", "W2 s/step"),
              ("w3", "steps_all", "ms", "W3 s/step"),
              ("w5", "steps_all", "ms", "W5 s/step"), ("w4", "predict_one_all", "ms", "W4 predict one"),
              ("w4", "call_one_all", "us", "W4 call one"), ("w6", "one_all", "ms", "W6 one image"),
              ("w6", "batch8_all", "ms", "W6 batch 8"), ("busy", "quiet_all", "ms", "busy core: quiet s/step"),
              ("busy", "busy_all", "ms", "busy core: busy s/step"), ("w7", "import_all", "s", "W7 import"))
    for wl, key, unit, label in spread:
        if wl in summ:
            L.append("| %s | %s |" % (label, " | ".join(
                ", ".join(_s(v, unit) for v in (_get(summ, wl, fw, key) or [])) or "—" for fw in FRAMEWORKS)))
    L.append("")

    if "w3" in summ:
        L += w3_report(summ["w3"], raws["w3"], torch_threads)
    if "busy" in summ:
        L += busy_report(summ["busy"], raws["busy"])

    if "w7" in summ:
        q = raws["w7"]["params"]
        L.append("## W7 start-up")
        L.append("")
        L.append("| | tensorflux | TensorFlow | PyTorch | tensorflux / TF | tensorflux / torch |")
        L.append("|---|---|---|---|---|---|")
        imp = [_get(summ, "w7", fw, "import") for fw in FRAMEWORKS]
        wall = [_get(summ, "w7", fw, "wall") for fw in FRAMEWORKS]
        L.append("| `import` in a fresh process (median of %d) | %s | %s | %s | %s | %s |" % (
            q["repeats"], *(_s(x, "s") for x in imp), _r(_ratio(imp[0], imp[1])), _r(_ratio(imp[0], imp[2]))))
        src = _get(summ, "w7", "tensorflux", "import_source")
        if src is not None:
            L.append("| `import tensorflux` with no `.pyc` (this environment: `PYTHONDONTWRITEBYTECODE=1`) "
                     "| %s | | | %s | %s |" % (_s(src, "s"), _r(_ratio(src, imp[1])), _r(_ratio(src, imp[2]))))
        L.append("| whole process (`python -c 'import …'`) | %s | %s | %s | %s | %s |" % (
            *(_s(x, "s") for x in wall), _r(_ratio(wall[0], wall[1])), _r(_ratio(wall[0], wall[2]))))
        sizes = [_get(summ, "w7", fw, "bytes") for fw in FRAMEWORKS]
        L.append("| package directory on disk | %s | %s | %s | %s | %s |" % (
            *("—" if s is None else "%.1f MiB" % (s / MIB) for s in sizes),
            _r(_ratio(sizes[0], sizes[1])), _r(_ratio(sizes[0], sizes[2]))))
        nop = _get(summ, "w7", "tensorflux", "bytes_no_pycache")
        kb = _get(summ, "w7", "tf", "keras_bytes")
        L.append("")
        L.append("The import is timed inside a fresh interpreter (`time.perf_counter()` around `import X`), "
                 "after one untimed import of each that warms the page cache; the frameworks alternate. "
                 "TensorFlow and PyTorch import their byte-code compiled by pip; tensorflux is imported as an "
                 "installed copy would be, from `.pyc` files (compiled by the untimed import into "
                 "`bench/logs/pycache` through `PYTHONPYCACHEPREFIX`, so the source tree is untouched)%s. "
                 "Sizes are the package directory alone (`tensorflux/` plus its `.pyc` files, "
                 "`site-packages/tensorflow/`, `site-packages/torch/`), NumPy and other dependencies not "
                 "counted; tensorflux's source alone is %s.%s" % (
                     "; the extra row imports it the way every process in this environment does, compiling "
                     "each module from source" if src is not None else "",
                     "—" if nop is None else "%.1f MiB" % (nop / MIB),
                     "" if kb is None else " TensorFlow's `tf.keras` is the separate `keras` package, another "
                     "%.1f MiB." % (kb / MIB)))
        L.append("")
    return L


def w3_report(summ, raw, torch_threads):
    """The W3 section: NumPy's matmul rate at the wide MLP's shapes, product by product, and
    each framework's rate against it."""
    q = raw["params"]
    t = summ.get("tensorflux", {})
    gemms = next((i["gemms"] for i in raw["info"].values() if "gemms" in i), [])
    flops = sum(2 * m * k * n for _, m, k, n in gemms)
    L = ["## W3: the wide MLP against NumPy's matmul rate", ""]
    L.append("Flatten → Dense 1000 relu → Dense 1000 relu → Dense 10 (logits), Adam, sparse cross-entropy on "
             "logits, batch %d (a common choice for a wide MLP, and big enough that the matmuls dominate the "
             "step), %d untimed warm-up steps, then %d rounds of %d steps on the next slices of a fixed "
             "permutation of Fashion-MNIST. **FLOPs counted** (2·m·k·n per product): per Dense the forward "
             "`x @ W` and the kernel gradient `x.T @ dy`, and the input gradient `dy @ W.T` of every Dense but "
             "the first, whose input is the data: no framework needs that gradient, so it is neither counted "
             "nor timed below (a framework that computes it anyway pays for it in its rate). Bias, ReLU, "
             "loss and Adam are not counted: they are part of the overhead the goal allows. A framework's "
             "rate is these FLOPs ÷ its median s/step (the whole `fit` step)." % (
                 q["batch"], q["warmup_steps"], q["rounds"], q["steps"]))
    L.append("")
    L.append("**The limit** is NumPy's own float32 `np.matmul` at the same shapes and layouts (`x.T` and `W.T` are "
             "transposed views, as in a backward pass), timed in the tensorflux worker during its turns, so in "
             "the same process after `import tensorflux`: each product timed alone, the median of %d passes "
             "per round, then the median over rounds. Two thread settings: tensorflux's own policy "
             "(`tensorflux/framework/blas.py`: `set_threads_for(m·k·n)` before each product, as tensorflux's "
             "matmul calls it; one OpenBLAS thread below `SMALL_GEMM_MACS` multiply-adds) — the goal's limit, "
             "timed half just before the round's steps and half just after them — then OpenBLAS's default "
             "thread count, what NumPy uses in a process that never imports tensorflux. The default-thread "
             "passes come last: OpenBLAS's idle threads spin for a while after a multi-threaded product, "
             "which slows one-thread products timed just after it on a loaded machine (1.5–3× here). PyTorch "
             "runs %s, TensorFlow with its default threads." % (
                 q["limit_passes"], "with `torch.set_num_threads(%d)` as in the other model workloads" % torch_threads
                 if torch_threads else "with its default threads"))
    L.append("")
    if "limit_policy" in t:
        L.append("| product | shape | GFLOP | NumPy, tensorflux's thread policy | NumPy, BLAS's default threads |")
        L.append("|---|---|---|---|---|")

        def cell(setting, i, flop, seconds=None):
            sec = t["limit_%s_gemms" % setting][i] if seconds is None else seconds
            th = "" if i is None else "%s thread%s, " % (t["limit_%s_threads" % setting][i],
                                                          "" if t["limit_%s_threads" % setting][i] == 1 else "s")
            return "%.2f ms (%s%s)" % (sec * 1e3, th, _s(flop / sec / 1e9, "gflops"))

        for i, (label, m, k, n) in enumerate(gemms):
            L.append("| %s | %d×%d @ %d×%d | %.3f | %s | %s |" % (
                label, m, k, k, n, 2 * m * k * n / 1e9, cell("policy", i, 2 * m * k * n),
                cell("default", i, 2 * m * k * n)))
        L.append("| **all of one step's products** | | %.3f | %s | %s |" % (flops / 1e9, *(
            cell(s, None, flops, flops / t["limit_" + s] / 1e9) for s in ("policy", "default"))))
        L.append("")
    L.append("| framework | s/step | matmul rate | of NumPy's (tensorflux's policy) | of NumPy's (default threads) "
             "| test accuracy |")
    L.append("|---|---|---|---|---|---|")
    for fw in FRAMEWORKS:
        m = summ.get(fw)
        if not m:
            continue
        L.append("| %s | %s | %s | %s | %s | %s |" % (
            FW_NAMES[fw], _s(m["step"], "ms"), _s(m["gflops"], "gflops"),
            *("—" if not t.get("limit_" + s) else "%.0f %%" % (100 * m["gflops"] / t["limit_" + s])
              for s in ("policy", "default")), _s(m.get("test_accuracy"), "pct")))
    L.append("")
    if t.get("fraction_policy_all"):
        L.append("tensorflux's fraction round by round, each round's steps against the NumPy passes timed around "
                 "them: %s of NumPy's rate at tensorflux's policy, %s at the default threads." % tuple(
                     ", ".join("%.0f %%" % (100 * f) for f in t["fraction_%s_all" % s]) for s in ("policy", "default")))
        L.append("")
        L.append("In CPU time (`time.process_time()`, all threads of the worker), which counts only the time the "
                 "process actually ran and so depends much less on what else the machine runs: a tensorflux step "
                 "took %s, a NumPy pass at tensorflux's policy %s, **%.0f %%** (medians). %s" % (
                     _s(t["step_cpu"], "ms"), _s(t["limit_policy_cpu"], "ms"), 100 * t["fraction_policy_cpu"],
                     "Both run their products on one OpenBLAS thread here, so on an idle machine their wall times "
                     "would be these." if set(t["limit_policy_threads"]) == {1} else "tensorflux's policy gives "
                     "some of these products several threads, whose CPU time adds up: only indicative."))
        L.append("")
    return L


def busy_report(summ, raw):
    """The busy-core section: each framework's s/step on the quiet machine and with another
    process spinning on one core."""
    q = raw["params"]
    busy = [c["context"] for c in raw.get("conditions", []) if c["condition"] == "busy" and c["context"]]
    load = {cond: _med([c["load"] for c in raw.get("conditions", []) if c["condition"] == cond])
            for cond in ("quiet", "busy")}
    cores = sorted({c["pinned_core"] for c in busy if c.get("pinned_core") is not None})
    wall = sum(c.get("wall_seconds", 0) for c in busy)
    share = sum(c.get("cpu_seconds", 0) for c in busy) / wall if wall else None
    steps = -(-q["train_size"] // 32)
    done = summ.get("torch", {}).get("steps_done")
    torch_cap = "" if not q.get("torch_round_seconds") else (
        "; PyTorch's epoch stops after the step that passes %g s, since its default threads can take minutes "
        "per round on a loaded machine, and its s/step is over the steps it did (%s)" % (
            q["torch_round_seconds"], "—" if not done else "%d–%d per round" % (min(done), max(done))))
    L = ["## Busy core: the seed MLP with another process busy on one core", ""]
    L.append("| framework | threads | s/step, quiet | s/step, one core busy | busy ÷ quiet | busy ÷ quiet, per round "
             "| CPU time per step, quiet → busy |")
    L.append("|---|---|---|---|---|---|---|")
    for fw in FRAMEWORKS:
        m = summ.get(fw)
        if not m:
            continue
        threads = {"tensorflux": "its own BLAS policy (`framework/blas.py`)",
                   "tf": "its defaults", "torch": "%s (its default)" % m.get("threads")}[fw]
        L.append("| %s | %s | %s | %s | %s | %s | %s → %s |" % (
            FW_NAMES[fw], threads, _s(m["quiet"], "ms"), _s(m["busy"], "ms"), _r(m["slowdown"]),
            ", ".join(_r(x) for x in m["paired"]), _s(m["quiet_cpu"], "ms"), _s(m["busy_cpu"], "ms")))
    L.append("")
    L.append("W1's model (Flatten → Dense 128 relu → Dropout 0.2 → Dense 10, Adam, batch 32) fits the same %d "
             "images (%d steps) every round, after %d untimed warm-up steps. Each of the %d rounds runs twice: "
             "on the machine as it is (\"quiet\"; on a shared machine that includes whatever else runs, see the "
             "load average above) and while another process spins — a pure-Python `while True: pass` started by "
             "`bench/run.py`, %s, started 0.5 s before the first framework's turn and killed after the last "
             "(it got %s of a core). The two conditions alternate which goes first from round to round, and "
             "inside each the frameworks take turns as in the other workloads. Every framework runs with its "
             "default threads, PyTorch too (`torch.set_num_threads` is not called, whatever `--torch-threads` "
             "says)%s. The slowdown is the median s/step busy ÷ the median quiet; the next column pairs each "
             "round's busy run with its quiet one. The CPU time is the worker process's (`time.process_time()`, "
             "all its threads) per step: it grows when threads spin-wait, while a framework that only loses "
             "its share of a core gets slower with the same CPU time. One-minute load average at the end of "
             "the quiet phases %s, of the busy ones %s (medians)." % (
                 q["train_size"], steps, q["warmup_steps"], q["rounds"],
                 "pinned to core %s with `os.sched_setaffinity`" % ", ".join(map(str, cores)) if cores
                 else "not pinned (the OS refused `sched_setaffinity`)",
                 "—" if share is None else "%.0f %%" % (share * 100), torch_cap,
                 *("—" if load[c] is None else "%.2f" % load[c] for c in ("quiet", "busy"))))
    L.append("")
    return L


# Train steps timed kernel by kernel after the rounds (tensorflux only).
KERNEL_PROFILE_STEPS = {"w1": 400, "w2": 30, "w3": 30}


def kernel_lines(raw, title):
    """The per-kernel table of a workload's compiled tensorflux train step."""
    prof = raw.get("kernels") if raw else None
    if not prof:
        return []
    L = ["### %s" % title, "",
         "%d steps with a timer around each of the plan's %d kernel calls: %.0f µs per step, "
         "%.0f µs of it in kernels (the timers add about 0.3 µs per call). A kernel runs "
         "slower here than alone when the step's large arrays have pushed its data out of the "
         "caches." % (prof["steps"], prof["kernel_calls"], prof["step_us"], prof["kernels_us"]),
         "", "| kernel | op | inputs | µs per step | share |", "|---|---|---|---:|---:|"]
    total = prof["kernels_us"] or 1.0
    for r in prof["rows"]:
        L.append("| %s | %s | %s | %.1f | %.0f %% |" % (r["name"], r["op"], ", ".join(r["inputs"]),
                                                      r["us"], 100 * r["us"] / total))
    rest = prof["rest"]
    if rest["count"]:
        L.append("| %d other kernels | | | %.1f | %.0f %% |" % (rest["count"], rest["us"],
                                                             100 * rest["us"] / total))
    L.append("")
    return L


def profile_lines(raw, title, clean):
    prof = raw.get("profile") if raw else None
    if not prof:
        return []
    L = ["### %s (%.1f s under cProfile)" % (title, prof["seconds"]), "", "By own time (tottime):", "", "```",
         clean(prof["tottime"]), "```", "", "By cumulative time:", "", "```", clean(prof["cumulative"]), "```", ""]
    return L


def console(summ):
    lines = []
    fmt = "%-40s %12s %12s %12s %8s %8s"
    lines.append(fmt % ("model workload", "tensorflux", "TF", "torch", "tfx/TF", "tfx/tch"))
    spec = (("w1", "epoch", "s", "W1 MLP s/epoch"), ("w1", "first_epoch", "s", "W1 first epoch"),
            ("w1", "test_accuracy", "pct", "W1 test accuracy"), ("w1", "rss_peak", "mib", "W1 peak RSS"),
            ("w2", "step", "ms", "W2 CNN per step"), ("w2", "test_accuracy", "pct", "W2 test accuracy (2k)"),
            ("w3", "step", "ms", "W3 wide MLP per step"), ("w3", "gflops", "gflops", "W3 matmul rate"),
            ("w3", "limit_policy", "gflops", "W3 NumPy's rate (tensorflux threads)"),
            ("w3", "limit_default", "gflops", "W3 NumPy's rate (default threads)"),
            ("w3", "test_accuracy", "pct", "W3 test accuracy"),
            ("busy", "quiet", "ms", "busy core: quiet per step"), ("busy", "busy", "ms", "busy core: busy per step"),
            ("busy", "slowdown", "x", "busy core: busy / quiet"),
            ("w5", "step", "ms", "W5 LSTM per step"), ("w5", "test_accuracy", "pct", "W5 test accuracy"),
            ("w4", "predict_one", "ms", "W4 predict 1 sample"), ("w4", "call_one", "us", "W4 call 1 sample"),
            ("w4", "predict_10k", "ms", "W4 predict 10k"), ("w6", "one", "ms", "W6 ResNet50 1 image"),
            ("w6", "batch8", "ms", "W6 ResNet50 batch 8"), ("w7", "import", "s", "W7 import"),
            ("w7", "bytes", "mib", "W7 package size"))
    for wl, key, unit, label in spec:
        if wl not in summ:
            continue
        v = [_get(summ, wl, fw, key) for fw in FRAMEWORKS]
        ratio = unit not in ("pct", "gflops", "x")
        lines.append(fmt % (label, *(_s(x, unit) for x in v),
                            _r(_ratio(v[0], v[1])) if ratio else "", _r(_ratio(v[0], v[2])) if ratio else ""))
    return lines
