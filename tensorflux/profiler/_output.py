"""What `tf.profiler.experimental.stop()` writes, in `<logdir>/plugins/profile/<run>/`:

- `<host>.xplane.pb`: an `XSpace` protobuf (TensorFlow's profiler format, the file TensorBoard's
  profile plugin loads). One plane "/host:CPU"; one line per Python thread; one event per
  timed plan call, op, eager op or Trace block, nested by time; event names follow
  TensorFlow's TraceMe convention ("<op name>:<op type>") and each op event has a "tf_op"
  stat. The message is encoded here field by field (protobuf wire format) because the
  XSpace schema (tsl/profiler/protobuf/xplane.proto) is not among the protobufs the
  `tensorboard` package ships; the field numbers below are that schema's.
- `<host>.trace.json.gz`: the same events in the Chrome trace-event format (open it in
  https://ui.perfetto.dev or chrome://tracing).
- `<host>.tensorflux_profile.txt`: a plain-text report: time per op type and the slowest
  ops, with counts, totals and means.
"""
import collections
import datetime
import gzip
import json
import os
import socket
import struct

from tensorflux.io._example import _key, _varint

__all__ = ["write_profile", "encode_xspace", "text_report"]


# ---- protobuf wire format ------------------------------------------------------------------
# (varints and field keys come from tf.train.Example's encoder, imported above)

def _int(field, value, always=False):
    """An int64/uint64 field; proto3 omits zeros unless the field is in a oneof."""
    if not value and not always:
        return b""
    return _key(field, 0) + _varint(int(value))


def _bytes(field, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return _key(field, 2) + _varint(len(data)) + data


def _string(field, text):
    return _bytes(field, text) if text else b""


def _double(field, value):
    return _key(field, 1) + struct.pack("<d", float(value))


# xplane.proto field numbers
# XSpace: planes=1, errors=2, warnings=3, hostnames=4
# XPlane: id=1, name=2, lines=3, event_metadata=4 (map), stat_metadata=5 (map), stats=6
# XLine: id=1, name=2, timestamp_ns=3, events=4, duration_ps=9, display_id=10, display_name=11
# XEvent: metadata_id=1, offset_ps=2 (oneof), duration_ps=3, stats=4, num_occurrences=5
# XStat: metadata_id=1, double_value=2, uint64_value=3, int64_value=4, str_value=5,
#        bytes_value=6, ref_value=7 (oneof value)
# XEventMetadata: id=1, name=2, metadata=3, display_name=4, stats=5
# XStatMetadata: id=1, name=2, description=3

def _stat(metadata_id, value):
    body = _int(1, metadata_id)
    if isinstance(value, bool):
        body += _int(4, int(value), always=True)
    elif isinstance(value, int):
        body += _int(4, value, always=True)
    elif isinstance(value, float):
        body += _double(2, value)
    elif isinstance(value, bytes):
        body += _bytes(6, value)
    else:
        body += _bytes(5, str(value))
    return body


def _map_entry(field, key, message):
    return _bytes(field, _int(1, key, always=True) + _bytes(2, message))


class _Plane:
    """Collects interned event/stat metadata while the lines are encoded."""

    def __init__(self):
        self.event_ids = {}
        self.stat_ids = {}

    def event_id(self, name):
        if name not in self.event_ids:
            self.event_ids[name] = len(self.event_ids) + 1
        return self.event_ids[name]

    def stat_id(self, name):
        if name not in self.stat_ids:
            self.stat_ids[name] = len(self.stat_ids) + 1
        return self.stat_ids[name]


def _display_name(name):
    return name.split(":", 1)[0] if ":" in name else name


def encode_xspace(recorder, host):
    """The serialized XSpace of a Recorder's events."""
    plane = _Plane()
    by_thread = collections.defaultdict(list)
    for event in recorder.events:
        by_thread[event.thread].append(event)
    stop = recorder.perf_stop_ns if recorder.perf_stop_ns is not None else \
        max((e.end for e in recorder.events), default=0) + recorder.perf_start_ns
    span_ps = max(0, stop - recorder.perf_start_ns) * 1000
    lines = b""
    for line_id, (thread, events) in enumerate(sorted(by_thread.items()), start=1):
        events.sort(key=lambda e: (e.start, -e.end))
        body = _int(1, line_id) + _string(2, recorder.thread_names.get(thread, str(thread)))
        body += _int(3, recorder.wall_start_ns)
        for event in events:
            stats = b"".join(_bytes(4, _stat(plane.stat_id(k), v))
                             for k, v in event.stats.items())
            body += _bytes(4, _int(1, plane.event_id(event.name))
                           + _int(2, max(0, event.start) * 1000, always=True)
                           + _int(3, max(0, event.duration) * 1000) + stats)
        body += _int(9, span_ps) + _int(10, line_id)
        body += _string(11, recorder.thread_names.get(thread, str(thread)))
        lines += _bytes(3, body)
    metadata = b"".join(
        _map_entry(4, event_id, _int(1, event_id) + _string(2, name)
                   + _string(4, _display_name(name)))
        for name, event_id in plane.event_ids.items())
    metadata += b"".join(_map_entry(5, stat_id, _int(1, stat_id) + _string(2, name))
                         for name, stat_id in plane.stat_ids.items())
    host_plane = _int(1, 1) + _string(2, "/host:CPU") + lines + metadata
    return _bytes(1, host_plane) + _bytes(4, host)


# ---- Chrome trace and text report -------------------------------------------------------------

def chrome_trace(recorder):
    pid = os.getpid()
    events = [{"name": "process_name", "ph": "M", "pid": pid,
               "args": {"name": "/host:CPU (tensorflux)"}}]
    for thread, name in recorder.thread_names.items():
        events.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": thread,
                       "args": {"name": name}})
    for event in recorder.events:
        events.append({"name": event.name, "cat": event.category, "ph": "X", "pid": pid,
                       "tid": event.thread, "ts": event.start / 1000.0,
                       "dur": event.duration / 1000.0,
                       "args": {k: v for k, v in event.stats.items()}})
    return {"traceEvents": events, "displayTimeUnit": "ms"}


def _op_type(event):
    return event.name.rsplit(":", 1)[-1] if ":" in event.name else event.name


def text_report(recorder, top=25):
    """Per-op-type and per-op timings of the op events (plan ops and eager ops)."""
    ops = [e for e in recorder.events if e.category in ("op", "eager_op")]
    calls = [e for e in recorder.events if e.category in ("function", "session_run")]
    traces = [e for e in recorder.events if e.category == "trace"]
    total = sum(e.duration for e in ops)
    wall = ((recorder.perf_stop_ns or recorder.perf_start_ns) - recorder.perf_start_ns)
    lines = ["tensorflux profile",
             f"started {datetime.datetime.fromtimestamp(recorder.wall_start_ns / 1e9)}, "
             f"profiled for {wall / 1e6:.1f} ms",
             f"{len(ops)} op executions ({sum(e.category == 'op' for e in ops)} in compiled "
             f"plans, {sum(e.category == 'eager_op' for e in ops)} eager) taking "
             f"{total / 1e6:.3f} ms; {len(calls)} plan calls "
             f"({sum(e.duration for e in calls) / 1e6:.3f} ms); {len(traces)} Trace blocks", ""]

    def table(title, groups, denominator):
        rows = sorted(groups.items(), key=lambda item: -sum(e.duration for e in item[1]))
        lines.append(title)
        lines.append(f"{'':<48} {'count':>8} {'total ms':>11} {'mean us':>10} {'%':>6}")
        for name, items in rows[:top]:
            spent = sum(e.duration for e in items)
            share = 100.0 * spent / denominator if denominator else 0.0
            lines.append(f"{name[:48]:<48} {len(items):>8} {spent / 1e6:>11.3f} "
                         f"{spent / len(items) / 1e3:>10.1f} {share:>6.1f}")
        if len(rows) > top:
            lines.append(f"... {len(rows) - top} more")
        lines.append("")

    by_type = collections.defaultdict(list)
    by_name = collections.defaultdict(list)
    for event in ops:
        by_type[_op_type(event)].append(event)
        by_name[event.name].append(event)
    table("time per op type (% of all op time)", by_type, total)
    table("time per op (name:type)", by_name, total)
    if calls:
        by_call = collections.defaultdict(list)
        for event in calls:
            by_call[event.name].append(event)
        table("plan calls, each including its ops (% of the profiled time)", by_call, wall)
    return "\n".join(lines) + "\n"


def _run_directory(logdir):
    base = os.path.join(logdir or ".", "plugins", "profile")
    stamp = datetime.datetime.now().strftime("%Y_%m_%d_%H_%M_%S")
    run = os.path.join(base, stamp)
    suffix = 1
    while os.path.exists(run):
        run = os.path.join(base, f"{stamp}_{suffix}")
        suffix += 1
    os.makedirs(run)
    return run


def _atomic_write(path, data):
    temporary = path + ".tmp"
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def write_profile(recorder, logdir=None):
    """Writes the three files of a profiling session; returns the run directory."""
    host = socket.gethostname()
    run = _run_directory(recorder.logdir if logdir is None else logdir)
    _atomic_write(os.path.join(run, f"{host}.xplane.pb"), encode_xspace(recorder, host))
    trace = json.dumps(chrome_trace(recorder)).encode("utf-8")
    _atomic_write(os.path.join(run, f"{host}.trace.json.gz"), gzip.compress(trace))
    _atomic_write(os.path.join(run, f"{host}.tensorflux_profile.txt"),
                  text_report(recorder).encode("utf-8"))
    return run
