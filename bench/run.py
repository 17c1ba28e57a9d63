#!/usr/bin/env python3
"""Run the tensorflux benchmarks against TensorFlow and PyTorch; write bench/RESULTS.md.

    python3 bench/run.py [--tf-python PATH] [--torch-python PATH] [--only micro,w1,...] [--quick]

Sections (all by default; pick some with --only):
  micro  eager per-op overhead, a GradientTape step and a TF1 Session step (bench/worker.py:
         one long-lived worker per framework and mode)
  w1     seed MLP fit on Fashion-MNIST: s/epoch (first epoch apart), test accuracy, peak RSS
  w2     seed CNN fit: s/step over a fixed number of steps, extrapolated s/epoch, accuracy
  w3     wide MLP fit (Dense 1000, 1000, 10; batch 128): matmul GFLOP/s against NumPy's own
         float32 matmul rate at the same shapes, accuracy
  w4     MLP inference: predict on 1 and on 10,000 samples, the model called on 1 sample
  w5     LSTM(64) fit on length-50 sequences: s/step, accuracy
  w6     ResNet50 forward on one image and on a batch of 8
  busy   seed MLP fit, quiet and with another process spinning on one core: the slowdown
  w7     import time in a fresh process and installed size
The model workloads (bench/model_workloads.py, bench/train_worker.py) run the same Keras
code in tensorflux and TensorFlow and an equivalent nn.Module in PyTorch.  tensorflux runs
under this interpreter with the repository root on PYTHONPATH; TensorFlow and PyTorch under
the interpreters of their own virtual environments.  In every section the frameworks take
turns round by round, rotating which goes first, while the others sit idle waiting on
their stdin.  Figures are medians over rounds and ratios are tensorflux over the other
framework.  cProfile of one tensorflux W1 epoch, of W3 steps and of the micro loops closes
the report.
See bench/README.md.
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

import model_workloads as models

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
WORKER = os.path.join(BENCH, "worker.py")
LOGS = os.path.join(BENCH, "logs")
MARK = "@@BENCH "

EAGER_OPS = ["add", "matmul", "reduce_sum", "relu"]
EAGER = EAGER_OPS + ["tape_mlp_step"]
GRAPH = ["session_train_step", "session_train_step_1thread"]
WORKLOAD_OF = {"session_train_step_1thread": "session_train_step"}  # row -> worker workload

LABELS = {
    "add": "`c = a + b` (2x2 float32)",
    "matmul": "`tf.matmul(a, b)` (2x2 float32)",
    "reduce_sum": "`tf.reduce_sum(a)` (2x2 float32)",
    "relu": "`tf.nn.relu(a)` (2x2 float32)",
    "tape_mlp_step": "GradientTape step, tiny MLP 4-16-1, batch 8",
    "session_train_step": "`Session.run(train_step)`, 003c softmax regression, batch 100",
    "session_train_step_1thread": "same, one compute thread each (OpenBLAS 1 thread / TF 1+1 Session threads)",
}
FW_NAMES = {"tensorflux": "tensorflux", "tf": "TensorFlow", "torch": "PyTorch", "numpy": "NumPy"}
SECTIONS = ("micro",) + models.MODEL_WORKLOADS + ("w7",)


def default_python(kind):
    """bench/.venv-KIND first, then /tmp/refKIND; None when neither exists."""
    for cand in (
        os.path.join(BENCH, ".venv-%s" % kind, "bin", "python"),
        "/tmp/ref%s/bin/python" % kind,
    ):
        if os.path.exists(cand):
            return cand
    return None


class Worker(models.WorkerProcess):
    """A worker.py process (micro benchmarks) for one framework and mode."""

    def __init__(self, key, framework, mode, python, env, variant="default"):
        super().__init__(key, [python, WORKER, framework, mode, variant], env)
        self.framework = framework
        self.mode = mode
        self.variant = variant
        self.info = None


def loadavg():
    try:
        return os.getloadavg()
    except OSError:
        return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_describe():
    try:
        head = subprocess.run(
            ["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", "--", "tensorflux"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        return head + (" (tensorflux/ has uncommitted changes)" if dirty else "")
    except OSError:
        return "unknown"


def blas_name():
    try:
        import numpy as np

        blas = np.__config__.CONFIG["Build Dependencies"]["blas"]
        return "%s %s" % (blas.get("name", "?"), blas.get("version", ""))
    except Exception:
        return "unknown"


def fmt(seconds, unit):
    if seconds is None:
        return "—"
    if unit == "us":
        return "%.2f µs" % (seconds * 1e6)
    return "%.3f ms" % (seconds * 1e3)


def fmt_ratio(r):
    return "—" if r is None else "%.2f×" % r


def clean_profile(text):
    text = text.replace(ROOT + os.sep, "")
    text = re.sub(r"\S*/site-packages/", "", text)
    out = []
    for line in text.splitlines():
        if line.strip().startswith("Ordered by") or line.strip().startswith("List reduced"):
            continue
        out.append(line.rstrip())
    while out and not out[0].strip():
        out.pop(0)
    return "\n".join(out).strip("\n")


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tf-python", default=default_python("tf"), help="python of a venv with tensorflow-cpu")
    ap.add_argument("--torch-python", default=default_python("torch"), help="python of a venv with torch")
    ap.add_argument("--only", default=None,
                    help="comma-separated sections to run: %s (default: all)" % ",".join(SECTIONS))
    ap.add_argument("--rounds", type=int, default=11, help="alternating rounds of the micro section (default 11)")
    ap.add_argument("--blocks", type=int, default=3, help="timed blocks per framework per round (default 3)")
    ap.add_argument("--block-seconds", type=float, default=0.08, help="length of one eager block (default 0.08 s)")
    ap.add_argument(
        "--session-block-seconds", type=float, default=0.2, help="length of one Session block (default 0.2 s)"
    )
    ap.add_argument("--warmup-seconds", type=float, default=0.5, help="warm-up per workload (default 0.5 s)")
    ap.add_argument("--profile-seconds", type=float, default=2.0, help="cProfile run length (default 2 s)")
    ap.add_argument("--profile-top", type=int, default=20, help="cProfile rows shown for the micro section (default 20)")
    ap.add_argument("--no-profile", action="store_true", help="skip the cProfile sections")
    ap.add_argument("--no-single-thread", action="store_true",
                    help="skip the one-thread Session comparison (OPENBLAS_NUM_THREADS=1 vs TF 1+1 threads)")
    ap.add_argument("--torch-threads", type=int, default=1,
                    help="torch.set_num_threads for the model workloads W1-W6 (default 1; 0 = PyTorch's default; "
                         "see README)")
    ap.add_argument("--w1-epochs", type=int, default=None, help="W1 rounds, one epoch each (default 3, quick 2)")
    ap.add_argument("--steps", type=int, default=None, help="W2/W5 timed steps per round (default 100, quick 25)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: 3 short micro rounds, W1 on 9,600 images, fewer steps and repeats")
    ap.add_argument("--output", default=os.path.join(BENCH, "RESULTS.md"),
                    help="where to write the report (default bench/RESULTS.md; use another path with --only)")
    args = ap.parse_args(argv)
    if args.quick:
        args.rounds, args.blocks, args.block_seconds, args.session_block_seconds = 3, 2, 0.03, 0.08
        args.warmup_seconds, args.profile_seconds = 0.2, 0.5
    if args.only:
        args.sections = [s.strip().lower() for s in args.only.split(",") if s.strip()]
        bad = [s for s in args.sections if s not in SECTIONS]
        if bad:
            ap.error("--only: unknown section(s) %s; choose from %s" % (", ".join(bad), ",".join(SECTIONS)))
    else:
        args.sections = list(SECTIONS)

    for name, path in (("--tf-python", args.tf_python), ("--torch-python", args.torch_python)):
        if not path or not os.path.exists(path):
            ap.error("%s: no interpreter found (%r); run `make bench` to create bench/.venv-tf and "
                     "bench/.venv-torch, or pass the path" % (name, path))

    # workers run with bench/ as their directory: make the interpreters' paths absolute
    # (abspath, not realpath: a venv's python must be started through the venv's path)
    args.tf_python = os.path.abspath(args.tf_python)
    args.torch_python = os.path.abspath(args.torch_python)
    return args


def run_micro(args, tfx_env, ref_env, tfx1_env, t_start):
    """The micro section: eager per-op overhead, GradientTape step, Session step."""
    specs = [
        ("tensorflux-eager", "tensorflux", "eager", sys.executable, tfx_env, "default"),
        ("tensorflux-graph", "tensorflux", "graph", sys.executable, tfx_env, "default"),
        ("tf-eager", "tf", "eager", args.tf_python, ref_env, "default"),
        ("tf-graph", "tf", "graph", args.tf_python, ref_env, "default"),
        ("torch-eager", "torch", "eager", args.torch_python, ref_env, "default"),
        ("numpy-eager", "numpy", "eager", sys.executable, ref_env, "default"),
    ]
    plan = []  # (row, [worker keys]) with tensorflux first
    for wl in EAGER:
        keys = ["tensorflux-eager", "tf-eager", "torch-eager"]
        plan.append((wl, keys + ["numpy-eager"] if wl in EAGER_OPS else keys))
    plan.append(("session_train_step", ["tensorflux-graph", "tf-graph"]))
    if not args.no_single_thread:
        specs += [
            ("tensorflux-graph-1t", "tensorflux", "graph", sys.executable, tfx1_env, "1thread"),
            ("tf-graph-1t", "tf", "graph", args.tf_python, ref_env, "1thread"),
        ]
        plan.append(("session_train_step_1thread", ["tensorflux-graph-1t", "tf-graph-1t"]))

    workers = {}
    load_rounds = []
    try:
        print("micro: starting workers ...", flush=True)
        for key, fw, mode, py, env, variant in specs:
            workers[key] = Worker(key, fw, mode, py, env, variant)
        for w in workers.values():
            w.info = w.call(cmd="info")
            print("  %-20s %s %s (python %s, numpy %s)" % (
                w.key, FW_NAMES[w.framework], w.info["version"], w.info["python"], w.info["numpy"]), flush=True)

        print("micro: warming up ...", flush=True)
        for row, keys in plan:
            wl = WORKLOAD_OF.get(row, row)
            bs = args.session_block_seconds if row in GRAPH else args.block_seconds
            for k in keys:
                workers[k].call(cmd="warmup", workload=wl, seconds=args.warmup_seconds, block_seconds=bs)

        rounds = {(row, k): [] for row, keys in plan for k in keys}
        samples = {(row, k): [] for row, keys in plan for k in keys}
        notes = []
        for r in range(args.rounds):
            for row, keys in plan:
                wl = WORKLOAD_OF.get(row, row)
                shift = r % len(keys)
                for k in keys[shift:] + keys[:shift]:
                    out = workers[k].call(cmd="measure", workload=wl, blocks=args.blocks)
                    rounds[(row, k)].append(statistics.median(out["seconds_per_iter"]))
                    samples[(row, k)].extend(out["seconds_per_iter"])
                    if out.get("note"):
                        notes.append("%s/%s round %d: %s" % (k, wl, r + 1, out["note"]))
            load_rounds.append(loadavg())
            print("  micro round %d/%d done (%.0f s, load %.2f)" % (
                r + 1, args.rounds, time.time() - t_start, (load_rounds[-1] or [0])[0]), flush=True)

        profiles = {}
        if not args.no_profile:
            print("micro: profiling tensorflux ...", flush=True)
            profiles["add"] = workers["tensorflux-eager"].call(
                cmd="profile", workload="add", seconds=args.profile_seconds, top=args.profile_top)
            profiles["tape_mlp_step"] = workers["tensorflux-eager"].call(
                cmd="profile", workload="tape_mlp_step", seconds=args.profile_seconds, top=args.profile_top)
            profiles["session_train_step"] = workers["tensorflux-graph"].call(
                cmd="profile", workload="session_train_step", seconds=args.profile_seconds, top=args.profile_top)
        infos = {k: w.info for k, w in workers.items()}
    finally:
        for w in workers.values():
            w.close()

    def med(wl, k):
        v = rounds.get((wl, k))
        return statistics.median(v) if v else None

    def paired(wl, k_other, k_tfx):
        a, b = rounds.get((wl, k_tfx)), rounds.get((wl, k_other))
        if not a or not b:
            return None
        rs = [x / y for x, y in zip(a, b)]
        return statistics.median(rs), min(rs), max(rs)

    results = {}
    for wl, keys in plan:
        tfx_key = keys[0]
        row = {"tensorflux": med(wl, tfx_key)}
        for k in keys[1:]:
            fw = workers[k].framework
            row[fw] = med(wl, k)
            row["ratio_" + fw] = row["tensorflux"] / row[fw]
            row["paired_" + fw] = paired(wl, k, tfx_key)
        row["spread"] = {workers[k].framework: (min(rounds[(wl, k)]), max(rounds[(wl, k)])) for k in keys}
        results[wl] = row
    return {"plan": plan, "results": results, "rounds": rounds, "samples": samples, "notes": notes,
            "profiles": profiles, "infos": infos, "load_rounds": load_rounds,
            "frameworks": {k: w.framework for k, w in workers.items()}}


def micro_goal_rows(m):
    results = m["results"]
    rows = []
    for wl in EAGER_OPS:
        rows.append(("per-op overhead at or below PyTorch eager: %s" % LABELS[wl], "%s vs %s (%s)" % (
            fmt(results[wl]["tensorflux"], "us"), fmt(results[wl]["torch"], "us"),
            fmt_ratio(results[wl]["ratio_torch"])), results[wl]["ratio_torch"] <= 1.0))
    s = results["session_train_step"]
    rows.append(("Session step at most half of TensorFlow's", "%s vs %s (%s)" % (
        fmt(s["tensorflux"], "ms"), fmt(s["tf"], "ms"), fmt_ratio(s["ratio_tf"])), s["ratio_tf"] <= 0.5))
    s1 = results.get("session_train_step_1thread")
    if s1:
        rows.append(("(same, one compute thread each; not the goal's configuration)", "%s vs %s (%s)" % (
            fmt(s1["tensorflux"], "ms"), fmt(s1["tf"], "ms"), fmt_ratio(s1["ratio_tf"])),
            "(yes)" if s1["ratio_tf"] <= 0.5 else "(no)"))
    return rows


def micro_report(m, args):
    results, plan, notes = m["results"], m["plan"], m["notes"]
    s1 = results.get("session_train_step_1thread")
    L = []
    L.append("## Micro: eager per-op overhead and a GradientTape step")
    L.append("")
    L.append("Time per op (or per training step), tight loop, tiny tensors. Median over %d alternating "
             "rounds of each round's median of %d timed blocks." % (args.rounds, args.blocks))
    L.append("")
    L.append("| workload | tensorflux | TensorFlow eager | PyTorch eager | tensorflux / TF | tensorflux / torch "
             "| bare NumPy | tensorflux − NumPy |")
    L.append("|---|---|---|---|---|---|---|---|")
    for wl in EAGER:
        r = results[wl]
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            LABELS[wl], fmt(r["tensorflux"], "us"), fmt(r["tf"], "us"), fmt(r["torch"], "us"),
            fmt_ratio(r["ratio_tf"]), fmt_ratio(r["ratio_torch"]), fmt(r.get("numpy"), "us"),
            fmt(r["tensorflux"] - r["numpy"], "us") if r.get("numpy") else "—"))
    L.append("")
    L.append("Bare NumPy is the cheapest NumPy spelling of the same op on the underlying arrays (`a + b`, `a @ b`, `a.sum()`, "
             "`np.maximum(a, 0)`), timed the same way under the tensorflux interpreter: the floor under any "
             "NumPy-backed eager op, so the last column is tensorflux's own per-op overhead.")
    L.append("")
    L.append("## Micro: Session.run of one training step")
    L.append("")
    L.append("| workload | tensorflux `Session` | TensorFlow 1 `Session` (`tf.compat.v1`, eager disabled) | tensorflux / TF |")
    L.append("|---|---|---|---|")
    for row in GRAPH:
        if row in results:
            r = results[row]
            L.append("| %s | %s | %s | %s |" % (LABELS[row], fmt(r["tensorflux"], "ms"), fmt(r["tf"], "ms"),
                                              fmt_ratio(r["ratio_tf"])))
    L.append("")
    if s1:
        L.append("The first row runs every framework as it comes: NumPy's OpenBLAS and TensorFlow pick their own "
                 "thread counts (%d cores here). The second row is an extra, labelled comparison with one compute "
                 "thread each: the tensorflux worker gets `OPENBLAS_NUM_THREADS=1` in its environment and "
                 "TensorFlow's Session gets `ConfigProto(intra_op_parallelism_threads=1, "
                 "inter_op_parallelism_threads=1)`." % os.cpu_count())
        L.append("")
    L.append("### Micro: spread")
    L.append("")
    L.append("Per-round medians, min–max over the %d rounds, and the round-by-round (paired) ratio: "
             "median [min–max]." % args.rounds)
    L.append("")
    L.append("| workload | tensorflux | TensorFlow | PyTorch | paired tensorflux / TF | paired tensorflux / torch |")
    L.append("|---|---|---|---|---|---|")
    for wl, keys in plan:
        r = results[wl]
        unit = "ms" if wl in GRAPH else "us"

        def rng(fw):
            if fw not in r["spread"]:
                return "—"
            lo, hi = r["spread"][fw]
            return "%s – %s" % (fmt(lo, unit), fmt(hi, unit))

        def pr(fw):
            p = r.get("paired_" + fw)
            return "—" if not p else "%.2f× [%.2f–%.2f]" % p

        L.append("| %s | %s | %s | %s | %s | %s |" % (wl, rng("tensorflux"), rng("tf"), rng("torch"), pr("tf"), pr("torch")))
    L.append("")
    if notes:
        L.append("Notes from the workers' finiteness checks:")
        L.append("")
        for n in notes[:20]:
            L.append("- %s" % n)
        L.append("")
    return L


def micro_profile_lines(m):
    profiles = m["profiles"]
    L = []
    for wl, title in (("add", "eager `c = a + b`"), ("session_train_step", "`Session.run(train_step)`"),
                      ("tape_mlp_step", "GradientTape step, tiny MLP")):
        if wl not in profiles:
            continue
        p = profiles[wl]
        L.append("### %s — %d iterations" % (title, p["iterations"]))
        L.append("")
        L.append("By own time (tottime):")
        L.append("")
        L.append("```")
        L.append(clean_profile(p["tottime"]))
        L.append("```")
        L.append("")
        L.append("By cumulative time:")
        L.append("")
        L.append("```")
        L.append(clean_profile(p["cumulative"]))
        L.append("```")
        L.append("")
    return L


def model_params(args):
    params = {wl: dict((models.QUICK if args.quick else models.FULL)[wl]) for wl in models.FULL}
    if args.w1_epochs:
        params["w1"]["rounds"] = args.w1_epochs
    if args.steps:
        params["w2"]["steps"] = params["w5"]["steps"] = args.steps
    for wl in models.MODEL_WORKLOADS:  # busy sets its own (PyTorch's default)
        params[wl].setdefault("torch_threads", args.torch_threads)
    return params


def main(argv=None):
    args = parse_args(argv)
    t_start = time.time()
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = loadavg()

    base_env = dict(os.environ)
    tfx_env = dict(base_env)
    tfx_env["PYTHONPATH"] = ROOT + (os.pathsep + base_env["PYTHONPATH"] if base_env.get("PYTHONPATH") else "")
    ref_env = dict(base_env)
    ref_env.pop("PYTHONPATH", None)

    # the one-thread variant of tensorflux gets OPENBLAS_NUM_THREADS=1 (thread count only;
    # OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are never touched)
    tfx1_env = dict(tfx_env)
    tfx1_env["OPENBLAS_NUM_THREADS"] = "1"

    micro = None
    if "micro" in args.sections:
        micro = run_micro(args, tfx_env, ref_env, tfx1_env, t_start)

    pythons = {"tensorflux": sys.executable, "tf": args.tf_python, "torch": args.torch_python}
    envs = {"tensorflux": tfx_env, "tf": ref_env, "torch": ref_env}
    params = model_params(args)
    raws, summ, section_time = {}, {}, {}

    def log(msg):
        print(msg, flush=True)

    # a full run gives each model workload fresh worker processes (clean peak RSS); --quick
    # keeps one process per framework for all of them (no repeated TensorFlow import)
    shared = {} if args.quick else None
    try:
        for wl in models.MODEL_WORKLOADS + ("w7",):
            if wl not in args.sections:
                continue
            if wl == "w7" and shared:
                for p in shared.values():
                    p.close()
                shared.clear()
            t0 = time.time()
            print("%s: %s ..." % (wl, models.TITLES[wl]), flush=True)
            if wl == "w7":
                raws[wl] = models.run_startup(params[wl], pythons, envs, log)
            else:
                top = None if args.no_profile else 0 if wl not in ("w1", "w3") else 15
                raws[wl] = models.run_model_workload(wl, params[wl], pythons, envs, top, log, shared)
            summ[wl] = models.summarise(wl, raws[wl])
            section_time[wl] = time.time() - t0
            print("  %s took %.0f s (total %.0f s)" % (wl, section_time[wl], time.time() - t_start), flush=True)
    finally:
        for p in (shared or {}).values():
            p.close()

    load_after = loadavg()
    elapsed = time.time() - t_start

    # versions, from whichever workers ran
    versions = {}
    if micro:
        for key, fw in (("tensorflux-eager", "tensorflux"), ("tf-eager", "tf"), ("torch-eager", "torch")):
            versions[fw] = micro["infos"][key]
    for wl in models.MODEL_WORKLOADS:
        for fw, info in raws.get(wl, {}).get("info", {}).items():
            versions.setdefault(fw, info)
            if fw in ("tf", "torch") and "threads" in info:
                versions[fw + ("-busy" if wl == "busy" else "-model")] = info

    # ------------------------------------------------------------------ report
    openblas_env = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}
    thread_env = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                                              "TF_NUM_INTEROP_THREADS", "TENSORFLUX_BLAS_THREADS") if k in os.environ}
    L = []
    L.append("# tensorflux benchmarks")
    L.append("")
    L.append("Written by `bench/run.py` (`make bench%s`); see `bench/README.md` for what is measured and how. "
             "Sections run: %s. Ratios are tensorflux ÷ the other framework (below 1 means tensorflux is "
             "faster)." % (" BENCH_ARGS=--quick" if args.quick else "", ", ".join(args.sections)))
    L.append("")
    L.append("## Machine")
    L.append("")
    L.append("| | |")
    L.append("|---|---|")
    L.append("| date (UTC) | %s |" % started.strftime("%Y-%m-%d %H:%M"))
    L.append("| CPU | %s |" % cpu_model())
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    L.append("| cores | %s logical (%s usable by this process) |" % (os.cpu_count(), affinity))
    L.append("| OS | %s %s |" % (platform.system(), platform.release()))
    L.append("| load average at start / end | %s / %s |" % (
        " ".join("%.2f" % x for x in load_before) if load_before else "?",
        " ".join("%.2f" % x for x in load_after) if load_after else "?"))

    def ver(fw):
        return versions.get(fw, {})

    if "tensorflux" in versions:
        L.append("| tensorflux | %s at commit %s; Python %s, NumPy %s (%s) |" % (
            ver("tensorflux").get("version"), git_describe(), ver("tensorflux").get("python"),
            ver("tensorflux").get("numpy"), blas_name()))
    if "tf" in versions:
        L.append("| TensorFlow | %s%s; Python %s, NumPy %s (`%s`) |" % (
            ver("tf").get("version"), (", Keras %s" % ver("tf")["keras"]) if ver("tf").get("keras") else "",
            ver("tf").get("python"), ver("tf").get("numpy"), args.tf_python))
    if "torch" in versions:
        micro_threads = micro["infos"]["torch-eager"].get("threads", {}).get("intra_op", "?") if micro else None
        model_threads = ver("torch-model").get("threads", {}).get("intra_op") if "torch-model" in versions else None
        th = []
        if micro_threads is not None:
            th.append("%s intra-op threads in the micro section" % micro_threads)
        if model_threads is not None:
            th.append("%s in the model workloads" % model_threads)
        if "torch-busy" in versions:
            th.append("%s (its default) in the busy-core section" % ver("torch-busy")["threads"]["intra_op"])
        L.append("| PyTorch | %s; Python %s, NumPy %s%s (`%s`) |" % (
            ver("torch").get("version"), ver("torch").get("python"), ver("torch").get("numpy"),
            (", " + ", ".join(th)) if th else "", args.torch_python))
    L.append("| OPENBLAS_* in the environment | %s |" % (
        (", ".join("`%s=%s`" % kv for kv in sorted(openblas_env.items())) or "none set")
        + "; the benchmark never sets or unsets `OPENBLAS_CORETYPE` / `OPENBLAS_L2_SIZE`"
        + ("" if args.no_single_thread or not micro else
           ", and sets `OPENBLAS_NUM_THREADS=1` only for the labelled one-thread tensorflux worker")))
    L.append("| thread variables | %s |" % (
        ", ".join("`%s=%s`" % kv for kv in sorted(thread_env.items())) or "none set; every framework uses its defaults"
        + (" (except PyTorch in the model workloads but busy, `torch.set_num_threads(%d)`)" % args.torch_threads
           if args.torch_threads and any(wl in raws for wl in models.MODEL_WORKLOADS if wl != "busy") else "")))
    L.append("| run time | %.0f s%s |" % (elapsed, (" (" + ", ".join(
        "%s %.0f s" % (wl, t) for wl, t in section_time.items()) + ")") if section_time else ""))
    L.append("")
    if load_before and load_before[0] > 1.0:
        L.append("Note: the one-minute load average was %.2f when the run started, so other processes were "
                 "competing for the %d cores; the alternating rounds expose every framework to that load "
                 "alike, but absolute figures are noisier than on an idle machine." % (load_before[0], os.cpu_count()))
        L.append("")

    goals = []
    if micro:
        goals += micro_goal_rows(micro)
    goals += models.goal_rows(summ)
    L.append("## Goals")
    L.append("")
    L.append("| goal | result | met |")
    L.append("|---|---|---|")
    for goal, result, met in goals:
        mark = met if isinstance(met, str) else ("not measured" if met is None else ("yes" if met else "**no**"))
        L.append("| %s | %s | %s |" % (goal, result, mark))
    L.append("")

    L += models.report(summ, raws, args, args.torch_threads)
    if micro:
        L += micro_report(micro, args)

    kernel_lines = []
    for wl, title in (("w1", "W1 seed MLP"), ("w2", "W2 seed CNN"), ("w3", "W3 wide MLP")):
        kernel_lines += models.kernel_lines(raws.get(wl), "%s: one compiled train step, kernel by kernel"
                                            % title)
    if kernel_lines:
        L.append("## Where a tensorflux train step spends its time (kernel by kernel)")
        L.append("")
        L += kernel_lines

    prof_lines = models.profile_lines(raws.get("w1"), "W1: one tensorflux epoch of `model.fit` (%s)" % (
        "%d images" % params["w1"]["train_size"] if params["w1"].get("train_size") else "60,000 images"),
        clean_profile)
    prof_lines += models.profile_lines(raws.get("w3"), "W3: %d tensorflux steps of `model.fit` (batch %d)" % (
        params["w3"]["steps"], params["w3"]["batch"]), clean_profile)
    if prof_lines or (micro and micro["profiles"]):
        L.append("## Where tensorflux spends its time (cProfile)")
        L.append("")
        L.append("cProfile of the same timed work (profiling inflates every Python call, so use these for "
                 "proportions, not absolute times). Paths are relative to the repository root.")
        L.append("")
        L += prof_lines
        if micro:
            L += micro_profile_lines(micro)

    with open(args.output, "w") as f:
        f.write("\n".join(L).rstrip("\n") + "\n")
    os.makedirs(LOGS, exist_ok=True)
    dump = {"date": started.isoformat(), "args": vars(args), "load": [load_before, load_after],
            "model_params": params, "model_raw": raws, "model_summary": summ}
    if micro:
        dump.update({
            "infos": micro["infos"],
            "rounds": {"%s/%s" % k: v for k, v in micro["rounds"].items()},
            "load_per_round": micro["load_rounds"],
            "samples": {"%s/%s" % k: v for k, v in micro["samples"].items()},
            "results": micro["results"],
            "notes": micro["notes"],
        })
    with open(os.path.join(LOGS, "results.json"), "w") as f:
        json.dump(dump, f, indent=1, default=str)

    # ------------------------------------------------------------------ console
    if micro:
        print()
        print("%-28s %14s %14s %14s %9s %9s" % ("micro workload", "tensorflux", "TF", "torch", "tfx/TF", "tfx/torch"))
        for wl, keys in micro["plan"]:
            r = micro["results"][wl]
            unit = "ms" if wl in GRAPH else "us"
            print("%-28s %14s %14s %14s %9s %9s" % (
                wl, fmt(r["tensorflux"], unit), fmt(r["tf"], unit), fmt(r.get("torch"), unit),
                fmt_ratio(r["ratio_tf"]), fmt_ratio(r.get("ratio_torch"))))
    if summ:
        print()
        for line in models.console(summ):
            print(line)
        for wl in raws:
            for fw, e in raws[wl].get("errors", {}).items():
                print("%s %s: %s" % (wl, fw, e))
    print()
    for goal, result, met in goals:
        mark = met if isinstance(met, str) else ("n/a" if met is None else ("met" if met else "NOT met"))
        print("goal %-62s %-8s %s" % (goal, mark, result))
    print("wrote %s in %.0f s" % (os.path.relpath(args.output, os.getcwd()), elapsed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
