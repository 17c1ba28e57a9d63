#!/usr/bin/env python3
"""Run the tensorflux benchmarks against TensorFlow and PyTorch; write bench/RESULTS.md.

    python3 bench/run.py [--tf-python PATH] [--torch-python PATH] [--rounds N] [--quick]

Five worker processes are started (bench/worker.py), one per framework and mode:
tensorflux eager, tensorflux graph, TensorFlow eager, TensorFlow graph (tf.compat.v1 with
eager execution disabled) and PyTorch eager.  tensorflux runs under this interpreter
with the repository root on PYTHONPATH; TensorFlow and PyTorch run under the
interpreters of their own virtual environments.  Each worker builds its workloads and
warms them up once; then, round after round, the driver asks each framework in turn to
time a few blocks of the same workload, rotating which framework goes first, while the
others sit idle waiting on their stdin.  Every figure reported is the median over
rounds of each round's median block, and every ratio is tensorflux over the other
framework.  A cProfile of tensorflux's eager ``a + b`` loop and Session step closes
the report.  See bench/README.md.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

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


def default_python(kind):
    """bench/.venv-KIND first, then /tmp/refKIND; None when neither exists."""
    for cand in (
        os.path.join(BENCH, ".venv-%s" % kind, "bin", "python"),
        "/tmp/ref%s/bin/python" % kind,
    ):
        if os.path.exists(cand):
            return cand
    return None


class Worker:
    def __init__(self, key, framework, mode, python, env, variant="default"):
        self.key = key
        self.framework = framework
        self.mode = mode
        self.variant = variant
        os.makedirs(LOGS, exist_ok=True)
        self.log_path = os.path.join(LOGS, "%s.log" % key)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [python, WORKER, framework, mode, variant],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
            text=True,
            bufsize=1,
            cwd=BENCH,
        )
        self.info = None

    def call(self, **req):
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        return self.read()

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
                    raise RuntimeError("worker %s: %s\n%s" % (self.key, out["error"], out.get("traceback", "")))
                return out

    def close(self):
        try:
            if self.proc.poll() is None:
                self.call(cmd="quit")
            self.proc.wait(timeout=30)
        except Exception:
            if self.proc.poll() is None:
                self.proc.kill()
        self.log.close()


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
    out = []
    for line in text.splitlines():
        if line.strip().startswith("Ordered by") or line.strip().startswith("List reduced"):
            continue
        out.append(line.rstrip())
    while out and not out[0].strip():
        out.pop(0)
    return "\n".join(out).strip("\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tf-python", default=default_python("tf"), help="python of a venv with tensorflow-cpu")
    ap.add_argument("--torch-python", default=default_python("torch"), help="python of a venv with torch")
    ap.add_argument("--rounds", type=int, default=11, help="alternating rounds (default 11)")
    ap.add_argument("--blocks", type=int, default=3, help="timed blocks per framework per round (default 3)")
    ap.add_argument("--block-seconds", type=float, default=0.08, help="length of one eager block (default 0.08 s)")
    ap.add_argument(
        "--session-block-seconds", type=float, default=0.2, help="length of one Session block (default 0.2 s)"
    )
    ap.add_argument("--warmup-seconds", type=float, default=0.5, help="warm-up per workload (default 0.5 s)")
    ap.add_argument("--profile-seconds", type=float, default=2.0, help="cProfile run length (default 2 s)")
    ap.add_argument("--profile-top", type=int, default=20, help="cProfile rows shown (default 20)")
    ap.add_argument("--no-profile", action="store_true", help="skip the cProfile section")
    ap.add_argument("--no-single-thread", action="store_true",
                    help="skip the one-thread Session comparison (OPENBLAS_NUM_THREADS=1 vs TF 1+1 threads)")
    ap.add_argument("--quick", action="store_true", help="3 rounds of short blocks, for a smoke test")
    ap.add_argument("--output", default=os.path.join(BENCH, "RESULTS.md"))
    args = ap.parse_args(argv)
    if args.quick:
        args.rounds, args.blocks, args.block_seconds, args.session_block_seconds = 3, 2, 0.03, 0.08
        args.warmup_seconds, args.profile_seconds = 0.2, 0.5

    for name, path in (("--tf-python", args.tf_python), ("--torch-python", args.torch_python)):
        if not path or not os.path.exists(path):
            ap.error("%s: no interpreter found (%r); run `make bench` to create bench/.venv-tf and "
                     "bench/.venv-torch, or pass the path" % (name, path))

    # workers run with bench/ as their directory: make the interpreters' paths absolute
    # (abspath, not realpath: a venv's python must be started through the venv's path)
    args.tf_python = os.path.abspath(args.tf_python)
    args.torch_python = os.path.abspath(args.torch_python)

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
        print("starting workers ...", flush=True)
        for key, fw, mode, py, env, variant in specs:
            workers[key] = Worker(key, fw, mode, py, env, variant)
        for w in workers.values():
            w.info = w.call(cmd="info")
            print("  %-20s %s %s (python %s, numpy %s)" % (
                w.key, FW_NAMES[w.framework], w.info["version"], w.info["python"], w.info["numpy"]), flush=True)

        print("warming up ...", flush=True)
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
            print("  round %d/%d done (%.0f s, load %.2f)" % (
                r + 1, args.rounds, time.time() - t_start, (load_rounds[-1] or [0])[0]), flush=True)

        profiles = {}
        if not args.no_profile:
            print("profiling tensorflux ...", flush=True)
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

    load_after = loadavg()
    elapsed = time.time() - t_start

    # ------------------------------------------------------------------ summarise
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

    op_goal = {wl: results[wl]["ratio_torch"] <= 1.0 for wl in EAGER_OPS}
    sess_goal = results["session_train_step"]["ratio_tf"] <= 0.5

    # ------------------------------------------------------------------ report
    openblas_env = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}
    thread_env = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                                              "TF_NUM_INTEROP_THREADS", "TENSORFLUX_BLAS_THREADS") if k in os.environ}
    L = []
    L.append("# tensorflux benchmarks")
    L.append("")
    L.append("Written by `bench/run.py` (`make bench`); see `bench/README.md` for what is measured and how.")
    L.append("Every figure is the median over %d alternating rounds of each round's median of %d timed blocks; "
             "ratios are tensorflux ÷ the other framework (below 1 means tensorflux is faster)." % (args.rounds, args.blocks))
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
    L.append("| tensorflux | %s at commit %s; Python %s, NumPy %s (%s) |" % (
        infos["tensorflux-eager"]["version"], git_describe(), infos["tensorflux-eager"]["python"],
        infos["tensorflux-eager"]["numpy"], blas_name()))
    L.append("| TensorFlow | %s; Python %s, NumPy %s (`%s`) |" % (
        infos["tf-eager"]["version"], infos["tf-eager"]["python"], infos["tf-eager"]["numpy"], args.tf_python))
    L.append("| PyTorch | %s; Python %s, NumPy %s, %s intra-op threads (`%s`) |" % (
        infos["torch-eager"]["version"], infos["torch-eager"]["python"], infos["torch-eager"]["numpy"],
        infos["torch-eager"].get("threads", {}).get("intra_op", "?"), args.torch_python))
    L.append("| OPENBLAS_* in the environment | %s |" % (
        (", ".join("`%s=%s`" % kv for kv in sorted(openblas_env.items())) or "none set")
        + "; the benchmark never sets or unsets `OPENBLAS_CORETYPE` / `OPENBLAS_L2_SIZE`"
        + ("" if args.no_single_thread else
           ", and sets `OPENBLAS_NUM_THREADS=1` only for the labelled one-thread tensorflux worker")))
    L.append("| thread variables | %s |" % (
        ", ".join("`%s=%s`" % kv for kv in sorted(thread_env.items())) or "none set; every framework uses its defaults"))
    L.append("| run time | %.0f s |" % elapsed)
    L.append("")
    if load_before and load_before[0] > 1.0:
        L.append("Note: the one-minute load average was %.2f when the run started, so other processes were "
                 "competing for the %d cores; the alternating rounds expose every framework to that load "
                 "alike, but absolute figures are noisier than on an idle machine." % (load_before[0], os.cpu_count()))
        L.append("")

    L.append("## Goals")
    L.append("")
    L.append("| goal | result | met |")
    L.append("|---|---|---|")
    for wl in EAGER_OPS:
        L.append("| per-op overhead at or below PyTorch eager: %s | %s vs %s (%s) | %s |" % (
            LABELS[wl], fmt(results[wl]["tensorflux"], "us"), fmt(results[wl]["torch"], "us"),
            fmt_ratio(results[wl]["ratio_torch"]), "yes" if op_goal[wl] else "**no**"))
    s = results["session_train_step"]
    L.append("| Session step at most half of TensorFlow's | %s vs %s (%s) | %s |" % (
        fmt(s["tensorflux"], "ms"), fmt(s["tf"], "ms"), fmt_ratio(s["ratio_tf"]), "yes" if sess_goal else "**no**"))
    s1 = results.get("session_train_step_1thread")
    if s1:
        L.append("| (same, one compute thread each; not the goal's configuration) | %s vs %s (%s) | %s |" % (
            fmt(s1["tensorflux"], "ms"), fmt(s1["tf"], "ms"), fmt_ratio(s1["ratio_tf"]),
            "(yes)" if s1["ratio_tf"] <= 0.5 else "(no)"))
    L.append("")

    L.append("## Eager: per-op overhead and a GradientTape step")
    L.append("")
    L.append("Time per op (or per training step), tight loop, tiny tensors.")
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
    L.append("## Graph: Session.run of one training step")
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
    L.append("## Spread")
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

    if profiles:
        L.append("## Where tensorflux spends its time (cProfile)")
        L.append("")
        L.append("cProfile of the same timed loops (profiling inflates every Python call, so use these for "
                 "proportions, not absolute times). Paths are relative to the repository root.")
        for wl, title in (("add", "eager `c = a + b`"), ("session_train_step", "`Session.run(train_step)`"),
                          ("tape_mlp_step", "GradientTape step, tiny MLP")):
            p = profiles[wl]
            L.append("")
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

    with open(args.output, "w") as f:
        f.write("\n".join(L))
    os.makedirs(LOGS, exist_ok=True)
    with open(os.path.join(LOGS, "results.json"), "w") as f:
        json.dump({
            "date": started.isoformat(),
            "args": vars(args),
            "infos": infos,
            "rounds": {"%s/%s" % k: v for k, v in rounds.items()},
            "load_per_round": load_rounds,
            "samples": {"%s/%s" % k: v for k, v in samples.items()},
            "results": results,
            "notes": notes,
        }, f, indent=1, default=str)

    # ------------------------------------------------------------------ console
    print()
    print("%-28s %14s %14s %14s %9s %9s" % ("workload", "tensorflux", "TF", "torch", "tfx/TF", "tfx/torch"))
    for wl, keys in plan:
        r = results[wl]
        unit = "ms" if wl in GRAPH else "us"
        print("%-28s %14s %14s %14s %9s %9s" % (
            wl, fmt(r["tensorflux"], unit), fmt(r["tf"], unit), fmt(r.get("torch"), unit),
            fmt_ratio(r["ratio_tf"]), fmt_ratio(r.get("ratio_torch"))))
    print()
    print("goal per-op <= torch: %s" % ", ".join("%s %s" % (wl, "met" if op_goal[wl] else "NOT met") for wl in EAGER_OPS))
    print("goal Session step <= 0.5x TF: %s" % ("met" if sess_goal else "NOT met"))
    print("wrote %s in %.0f s" % (os.path.relpath(args.output, os.getcwd()), elapsed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
