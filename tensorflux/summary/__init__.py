"""tf.summary: TensorBoard event files (TF2 writers and TF1 summary ops with FileWriter).

TF2, eager or in `tf.function`:

    writer = tf.summary.create_file_writer("logs/run1")
    with writer.as_default(step=step):
        tf.summary.scalar("loss", loss)
        tf.summary.histogram("weights", w)

TF1, graph mode (also `tf.compat.v1.summary`):

    tf.summary.scalar("loss", loss)              # a node returning a serialized Summary
    merged = tf.summary.merge_all()
    writer = tf.summary.FileWriter("logs", sess.graph)
    writer.add_summary(sess.run(merged, feed_dict), step)

`scalar/histogram/image/text/audio` take either form: in a TF1 graph (not while tracing a
`tf.function`), called without a step while no TF2 writer is the default, they build the TF1
node; otherwise they write (or, in a function, add an op that writes) to the default writer.

Event files are TensorBoard's own format (TFRecords of `Event` protobufs, built with the
`tensorboard` package's message classes); open them with `tensorboard --logdir logs`.
The `tensorboard` package is an optional extra: `pip install 'tensorflux[tensorboard]'`.
"""
import types as _types

from tensorflux.framework import context as _context
from tensorflux.framework.graph import GraphKeys as _GraphKeys
from tensorflux.summary import _v1, _v2
from tensorflux.summary._trace import trace_export, trace_off, trace_on
from tensorflux.summary._v1 import (FileWriter, FileWriterCache, get_summary_description,
                                    merge, merge_all, tensor_summary)
from tensorflux.summary._v2 import graph, write
from tensorflux.summary._writer import (SummaryWriter, create_file_writer,
                                        create_noop_writer, flush, record_if,
                                        should_record_summaries)
from tensorflux.summary import _writer

__all__ = ["SummaryWriter", "create_file_writer", "create_noop_writer", "flush", "record_if",
           "should_record_summaries", "scalar", "histogram", "image", "text", "audio", "write",
           "graph", "trace_on", "trace_export", "trace_off", "experimental", "FileWriter",
           "FileWriterCache", "merge", "merge_all", "tensor_summary",
           "get_summary_description", "Summary", "SummaryDescription", "SummaryMetadata",
           "Event", "SessionLog", "TaggedRunMetadata"]


def _tf1_mode(step):
    """True when a summary call is a TF1 graph node: a graph is being built that is not a
    function trace, no step is given and no TF2 writer is the default."""
    if _context.executing_eagerly():
        return False
    graph = _context.get_default_graph()
    if getattr(graph, "building_function", False):
        return False
    return _writer.current_writer() is None and (step is None or _is_collections(step))


def _is_collections(value):
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def _collections(step, collections):
    return list(step) if _is_collections(step) else collections


def scalar(name, data=None, step=None, description=None, collections=None, family=None,
           tensor=None):
    """Writes a scalar summary (TF2), or adds a TF1 ScalarSummary node in a TF1 graph.

    Args:
        name: the tag (prefixed by the enclosing name scopes in graphs).
        data: a number or a one-element tensor (TF1 name: `tensor`).
        step: the step (TF2); defaults to `tf.summary.experimental.get_step()`.
        description: shown in TensorBoard (TF2).
        collections, family: TF1 arguments (collections default to [SUMMARIES]).

    Returns:
        TF2: True if written, False without a default writer. TF1: the string tensor of the
        serialized Summary.

    Raises:
        ValueError: TF2 with a default writer but no step.
    """
    data = tensor if data is None else data
    if _tf1_mode(step):
        return _v1.scalar(name, data, _collections(step, collections), family)
    return _v2.scalar(name, data, step, description)


def histogram(name, data=None, step=None, buckets=None, description=None, collections=None,
              family=None, values=None):
    """Writes a histogram summary (TF2: `buckets` equal-width buckets, default 30), or adds
    a TF1 HistogramSummary node (TensorFlow's exponential buckets) in a TF1 graph."""
    data = values if data is None else data
    if _tf1_mode(step):
        return _v1.histogram(name, data, _collections(step, collections), family)
    return _v2.histogram(name, data, step, buckets, description)


def image(name, data=None, step=None, max_outputs=3, description=None, collections=None,
          family=None, tensor=None):
    """Writes image summaries of `data` [k, h, w, c] (TF2), or adds a TF1 ImageSummary node.
    In TF1 the third positional argument is `max_outputs` (TF1: image(name, tensor,
    max_outputs=3, collections=None, family=None))."""
    data = tensor if data is None else data
    if _tf1_mode(None if isinstance(step, int) else step):
        outputs = step if isinstance(step, int) else max_outputs
        return _v1.image(name, data, outputs, collections, family)
    return _v2.image(name, data, step, max_outputs, description)


def text(name, data=None, step=None, description=None, collections=None, tensor=None):
    """Writes a text summary (TF2), or adds a TF1 text summary node."""
    data = tensor if data is None else data
    if _tf1_mode(step):
        return _v1.text(name, data, _collections(step, collections))
    return _v2.text(name, data, step, description)


def audio(name, data=None, sample_rate=None, step=None, max_outputs=3, encoding=None,
          description=None, collections=None, family=None, tensor=None):
    """Writes audio summaries (TF2: data [k, frames, channels] in [-1, 1]), or adds a TF1
    audio summary node."""
    data = tensor if data is None else data
    if sample_rate is None:
        raise ValueError("audio summaries need a sample_rate (Hz).")
    if _tf1_mode(None if isinstance(step, int) else step):
        outputs = step if isinstance(step, int) else max_outputs
        return _v1.audio(name, data, sample_rate, outputs, collections, family)
    return _v2.audio(name, data, sample_rate, step, max_outputs, encoding, description)


def initialize(graph=None, session=None):
    """TF1 `tf.contrib.summary.initialize`: nothing to do (writers open their files)."""


def all_v2_summary_ops():
    """TF1 graph: the v2 summary write ops of the default graph."""
    if _context.executing_eagerly():
        return None
    return [op for op in _context.get_default_graph().get_operations()
            if op.type in _v2._WRITE_OPS]


experimental = _types.SimpleNamespace(
    get_step=_writer.get_step, set_step=_writer.set_step, summary_scope=_v2.summary_scope,
    write_raw_pb=_v2.write_raw_pb)

_PROTO_NAMES = {"Summary": "summary_pb2", "SummaryDescription": "summary_pb2",
                "SummaryMetadata": "summary_pb2", "HistogramProto": "summary_pb2",
                "Event": "event_pb2", "SessionLog": "event_pb2",
                "TaggedRunMetadata": "event_pb2"}


def __getattr__(name):
    module = _PROTO_NAMES.get(name)
    if module is not None:
        from tensorflux.summary import _proto
        return getattr(_proto.proto(module), name)
    raise AttributeError(f"module 'tensorflux.summary' has no attribute {name!r} "
                         f"(tf.summary.{name} is not implemented by tensorflux).")


del _GraphKeys
