"""Estimator's use of TF1 summaries (event files in model_dir for TensorBoard).

Everything here degrades to doing nothing when `tensorflux.summary` (or the part of it a
function needs) is not available, so training never fails for want of TensorBoard files.
Writers are shared per directory, like TF1's `SummaryWriterCache`, so the step counter, the
summary saver and the final evaluation append to one event file per directory.
"""
import os

_writers = {}


def _module():
    try:
        import tensorflux.summary as summary
    except ImportError:
        return None
    return summary


def _v1():
    """The TF1 flavour of tf.summary (graph nodes, FileWriter), or None."""
    summary = _module()
    if summary is None:
        return None
    for candidate in (getattr(summary, "compat_v1", None), summary):
        if candidate is not None and hasattr(candidate, "FileWriter"):
            return candidate
    return None


def available():
    return _v1() is not None


def scalar(name, tensor):
    """Adds a scalar summary node to the current graph (TF1); None when unavailable."""
    summary = _v1()
    if summary is None or not hasattr(summary, "scalar"):
        return None
    return summary.scalar(name, tensor)


def merge_all():
    summary = _v1()
    if summary is None or not hasattr(summary, "merge_all"):
        return None
    return summary.merge_all()


def writer(logdir, graph=None):
    """The shared FileWriter for `logdir` (created on first use), or None."""
    summary = _v1()
    if summary is None:
        return None
    key = os.path.abspath(logdir)
    existing = _writers.get(key)
    if existing is not None:
        return existing
    created = summary.FileWriter(logdir, graph=graph) if graph is not None \
        else summary.FileWriter(logdir)
    _writers[key] = created
    return created


def add_summary(summary_writer, serialized, step):
    if summary_writer is not None and serialized is not None:
        summary_writer.add_summary(serialized, int(step))


def write_scalars(summary_writer, values, step):
    """Writes Python numbers {tag: value} as scalar summaries at `step`."""
    if summary_writer is None or not values:
        return
    proto = _scalar_proto(values)
    if proto is not None:
        summary_writer.add_summary(proto, int(step))


def _scalar_proto(values):
    summary = _module()
    make = getattr(summary, "_scalar_summary_proto", None) if summary is not None else None
    if make is not None:
        return make(values)
    try:
        from tensorflux.compat.v1 import Summary
    except ImportError:
        Summary = getattr(summary, "Summary", None) if summary is not None else None
    if Summary is None:
        return None
    return Summary(value=[Summary.Value(tag=tag, simple_value=float(value))
                          for tag, value in values.items()])


def flush(summary_writer):
    if summary_writer is not None and hasattr(summary_writer, "flush"):
        summary_writer.flush()


def close_all():
    """Flushes and forgets every shared writer (their files stay complete)."""
    for summary_writer in list(_writers.values()):
        flush(summary_writer)
        close = getattr(summary_writer, "close", None)
        if close is not None:
            close()
    _writers.clear()
