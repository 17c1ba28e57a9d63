"""Estimator's use of TF1 summaries (event files in model_dir for TensorBoard).

Everything here degrades to doing nothing when `tensorflux.summary` (or the part of it a
function needs) is not available, so training never fails for want of TensorBoard files.
During one Estimator call, the writer of a directory is shared (like TF1's
`SummaryWriterCache`), so the step counter and the summary saver append to one event file;
`close_all()` closes them when the call ends.
"""
import os

_writers = {}


def _v1():
    """The TF1 summary functions (graph nodes, FileWriter), or None if unavailable."""
    try:
        from tensorflux.summary import _v1 as summary_v1
    except ImportError:
        return None
    return summary_v1


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
    """The shared FileWriter for `logdir` (created on first use), or None. `graph` is
    written once per directory, for TensorBoard's Graphs tab."""
    from tensorflux.compat.v1 import logging
    summary = _v1()
    if summary is None:
        return None
    key = os.path.abspath(logdir)
    entry = _writers.get(key)
    if entry is None:
        try:
            entry = _writers[key] = [summary.FileWriter(logdir), False]
        except ImportError as error:   # the event protobufs come from tensorboard
            logging.warning("No event file written to %s: %s", logdir, error)
            return None
    if graph is not None and not entry[1]:
        entry[1] = True
        try:
            entry[0].add_graph(graph)
        except (ImportError, TypeError, ValueError, KeyError, AttributeError) as error:
            # The Graphs tab is a convenience: a graph that cannot be converted must not
            # stop training.
            logging.warning("The graph could not be written to %s for TensorBoard: %s",
                            logdir, error)
    return entry[0]


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
    try:
        from tensorflux.summary import _proto
        summary_pb2 = _proto.proto("summary_pb2")
    except ImportError:
        return None
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag,
                                                                simple_value=float(value))
                                      for tag, value in values.items()])


def flush(summary_writer):
    if summary_writer is not None and hasattr(summary_writer, "flush"):
        summary_writer.flush()


def close_all():
    """Flushes and forgets every shared writer (their files stay complete)."""
    for summary_writer, _ in list(_writers.values()):
        flush(summary_writer)
        close = getattr(summary_writer, "close", None)
        if close is not None:
            close()
    _writers.clear()
