"""The profiler's recorder: timed events of compiled plans, their ops, eager ops and traces.

What is timed while the profiler runs:
- every compiled plan call (`Session.run`, a `tf.function` call), as one event named after
  the function ("__inference_<name>") or "SessionRun";
- inside it, every op of the plan ("<op name>:<op type>", TensorFlow's naming), by wrapping
  the plan's bound kernels (the `k<i>` globals of its generated code) while profiling;
- every eager op of the thread that started the profiler, by its registered kernel
  ("<op type>:<op type>"). Eager ops normally take fast paths that skip dispatch; those paths
  are disabled while a tape is active, so the profiler puts a marker that records nothing on
  the tape stack of that thread, which sends each eager op through `apply_op` and its kernel;
- `tf.profiler.experimental.Trace(name, **stats)` blocks.

All hooks are installed by `start` and removed by `stop`: class attributes of Plan and
ConcreteFunction are replaced by timing wrappers, and the kernels of the registered ops by
wrappers that record only when an eager op runs outside any plan. Kernels bound into plans
created during profiling stay wrapped afterwards, and then only check a flag.
"""
import functools
import os
import threading
import time

from tensorflux.framework import context

__all__ = ["Recorder", "install", "uninstall", "current", "Event"]

_perf_ns = time.perf_counter_ns


class Event:
    __slots__ = ("thread", "name", "category", "start", "end", "stats", "depth")

    def __init__(self, thread, name, category, start, end, stats, depth):
        self.thread = thread
        self.name = name
        self.category = category
        self.start = start
        self.end = end
        self.stats = stats
        self.depth = depth

    @property
    def duration(self):
        return self.end - self.start


class _ThreadState(threading.local):
    def __init__(self):
        self.depth = 0          # nesting of recorded events
        self.in_plan = 0        # >0 while a plan runs (its ops are timed by the plan hook)
        self.function_name = None


class Recorder:
    """Collects the events of one profiling session."""

    def __init__(self, logdir, options=None):
        self.logdir = os.fspath(logdir) if logdir is not None else ""
        self.options = options
        self.wall_start_ns = time.time_ns()
        self.perf_start_ns = _perf_ns()
        self.perf_stop_ns = None
        self.events = []
        self.thread_names = {}
        self._lock = threading.Lock()
        self.local = _ThreadState()

    def add(self, name, category, start, end, stats=None, depth=0):
        thread = threading.get_ident()
        event = Event(thread, name, category, start - self.perf_start_ns,
                      end - self.perf_start_ns, stats or {}, depth)
        with self._lock:
            if thread not in self.thread_names:
                self.thread_names[thread] = threading.current_thread().name
            self.events.append(event)

    def span(self, name, category, stats=None):
        return _Span(self, name, category, stats)


class _Span:
    def __init__(self, recorder, name, category, stats):
        self.recorder, self.name, self.category, self.stats = recorder, name, category, stats

    def __enter__(self):
        self.depth = self.recorder.local.depth
        self.recorder.local.depth += 1
        self.start = _perf_ns()
        return self

    def __exit__(self, *exc):
        end = _perf_ns()
        self.recorder.local.depth -= 1
        self.recorder.add(self.name, self.category, self.start, end, self.stats, self.depth)
        return False


_active = [None]        # the running Recorder
_saved = {}             # what install() replaced
_instrumented_plans = []  # (plan globals, {name: original kernel})


def current():
    return _active[0]


class _NoRecordTape:
    """Sits on the tape stack while profiling so eager ops skip their fast paths (see the
    module docstring); it never records anything."""
    _recording = False
    _watched = {}
    _variables = {}
    _watch_accessed = False


def _timed_kernel(op_type, kernel):
    name = f"{op_type}:{op_type}"
    eager_stats = {"tf_op": name, "is_eager": 1}

    @functools.wraps(kernel)
    def timed(xp, *args, **attrs):
        recorder = _active[0]
        if recorder is None or recorder.local.in_plan or not context.executing_eagerly():
            return kernel(xp, *args, **attrs)
        depth = recorder.local.depth
        start = _perf_ns()
        try:
            return kernel(xp, *args, **attrs)
        finally:
            recorder.add(name, "eager_op", start, _perf_ns(), eager_stats, depth)
    timed._tensorflux_profiled = kernel
    return timed


def _timed_plan_kernel(recorder, op, kernel):
    name = f"{op.name}:{op.type}"
    stats = {"tf_op": name}

    def timed(*args, **attrs):
        depth = recorder.local.depth
        start = _perf_ns()
        try:
            return kernel(*args, **attrs)
        finally:
            recorder.add(name, "op", start, _perf_ns(), stats, depth)
    return timed


def _instrument_plan(recorder, plan):
    namespace = plan._function.__globals__
    if namespace.get("_tensorflux_profiler") is recorder:
        return
    originals = {}
    for index, op in enumerate(plan._steps):
        key = f"k{index}"
        kernel = namespace.get(key)
        if kernel is None:
            continue
        originals[key] = kernel
        namespace[key] = _timed_plan_kernel(recorder, op, kernel)
    namespace["_tensorflux_profiler"] = recorder
    _instrumented_plans.append((namespace, originals))


def _make_plan_call(original_call):
    def call(plan, *feed_arrays):
        recorder = _active[0]
        if recorder is None:
            return original_call(plan, *feed_arrays)
        _instrument_plan(recorder, plan)
        local = recorder.local
        name = local.function_name or "SessionRun"
        local.in_plan += 1
        try:
            with recorder.span(name, "function" if local.function_name else "session_run",
                               {"ops": len(plan._steps)}):
                return original_call(plan, *feed_arrays)
        finally:
            local.in_plan -= 1
    return call


def _make_call_flat(original):
    def call_flat(concrete, arrays):
        recorder = _active[0]
        if recorder is None:
            return original(concrete, arrays)
        local = recorder.local
        saved = local.function_name
        local.function_name = f"__inference_{getattr(concrete.graph, 'name', 'function')}"
        try:
            return original(concrete, arrays)
        finally:
            local.function_name = saved
    return call_flat


def install(recorder):
    from tensorflux.compiler.plan import Plan
    from tensorflux.framework.function import ConcreteFunction
    from tensorflux.framework.registry import registered_ops
    _active[0] = recorder
    _saved["plan_call"] = Plan.__call__
    _saved["call_flat"] = ConcreteFunction._call_flat
    Plan.__call__ = _make_plan_call(Plan.__call__)
    ConcreteFunction._call_flat = _make_call_flat(ConcreteFunction._call_flat)
    kernels = {}
    for name, op_def in registered_ops().items():
        kernel = op_def.kernel
        if getattr(kernel, "_tensorflux_profiled", None) is None:
            kernels[name] = kernel
            op_def.kernel = _timed_kernel(name, kernel)
    _saved["kernels"] = kernels
    marker = _NoRecordTape()
    context.state.tapes.insert(0, marker)
    _saved["marker"] = marker


def uninstall():
    from tensorflux.compiler.plan import Plan
    from tensorflux.framework.function import ConcreteFunction
    from tensorflux.framework.registry import registered_ops
    recorder = _active[0]
    _active[0] = None
    if "plan_call" in _saved:
        Plan.__call__ = _saved.pop("plan_call")
    if "call_flat" in _saved:
        ConcreteFunction._call_flat = _saved.pop("call_flat")
    ops = registered_ops()
    for name, kernel in _saved.pop("kernels", {}).items():
        if name in ops:
            ops[name].kernel = kernel
    marker = _saved.pop("marker", None)
    if marker is not None:
        tapes = context.state.tapes
        for i, tape in enumerate(tapes):
            if tape is marker:
                del tapes[i]
                break
    while _instrumented_plans:
        namespace, originals = _instrumented_plans.pop()
        namespace.update(originals)
        namespace.pop("_tensorflux_profiler", None)
    if recorder is not None:
        recorder.perf_stop_ns = _perf_ns()
    return recorder
