"""TF1 summaries: graph ops that return serialized `Summary` protobufs, and `FileWriter`.

`tf.compat.v1.summary.scalar("loss", loss)` adds a ScalarSummary node (named, and tagged, by
the name scope: "train/loss") to the graph and to the SUMMARIES collection; `merge_all()`
concatenates every summary of the collection into one MergeSummary node; running it in a
Session gives the bytes of one `Summary`, which `FileWriter.add_summary(bytes, step)` appends
to the event file. `FileWriter(logdir, sess.graph)` also writes the graph as a GraphDef.
"""
import os
import threading
import time

import numpy as np

from tensorflux.framework import context, dtypes, errors
from tensorflux.framework.graph import GraphKeys
from tensorflux.framework.registry import get_op, not_differentiable, register_op
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.summary import _proto, _values
from tensorflux.summary._event_file import EventFileWriter
from tensorflux.summary._v2 import clean_tag

__all__ = ["scalar", "histogram", "image", "text", "audio", "tensor_summary", "merge",
           "merge_all", "FileWriter", "FileWriterCache"]


def _bytes_out(serialized):
    return np.asarray(serialized, dtype=object)


def _scalar_kernel(xp, values, *, tag):
    return _bytes_out(_values.summary_of([_values.scalar_v1(tag, values)]).SerializeToString())


def _histogram_kernel(xp, values, *, tag):
    return _bytes_out(_values.summary_of([_values.histogram_v1(tag, values)])
                      .SerializeToString())


def _image_kernel(xp, images, *, tag, max_images):
    return _bytes_out(_values.summary_of(_values.image_v1(tag, images, max_images))
                      .SerializeToString())


def _audio_kernel(xp, data, sample_rate, *, tag, max_outputs):
    rate = float(np.asarray(sample_rate).reshape(()))
    return _bytes_out(_values.summary_of(_values.audio_v1(tag, data, rate, max_outputs))
                      .SerializeToString())


def _tensor_kernel(xp, tensor, *, tag, plugin_name, description=""):
    summary_pb2 = _proto.proto("summary_pb2")
    if plugin_name == "text":
        value = _values.text_value(tag, tensor, description or None)
    else:
        value = summary_pb2.Summary.Value(tag=tag, tensor=_proto.tensor_proto(tensor))
        if plugin_name:
            value.metadata.CopyFrom(_proto.plugin_metadata(plugin_name))
    return _bytes_out(_values.summary_of([value]).SerializeToString())


def _merge_kernel(xp, *inputs):
    summary_pb2 = _proto.proto("summary_pb2")
    merged = summary_pb2.Summary()
    seen = set()
    for item in inputs:
        for serialized in np.asarray(item, dtype=object).reshape(-1).tolist():
            part = summary_pb2.Summary.FromString(bytes(serialized))
            for value in part.value:
                if value.tag in seen:
                    raise errors.InvalidArgumentError(
                        None, None, f"Duplicate tag {value.tag} found in summary inputs; "
                        "give the summaries different names.")
                seen.add(value.tag)
                merged.value.add().CopyFrom(value)
    return _bytes_out(merged.SerializeToString())


def _string_scalar(inputs, attrs):
    return [TensorShape([])]


def _string_dtype(input_dtypes, attrs):
    return [dtypes.string]


for _name, _kernel in (("ScalarSummary", _scalar_kernel),
                       ("HistogramSummary", _histogram_kernel),
                       ("ImageSummary", _image_kernel), ("AudioSummaryV2", _audio_kernel),
                       ("TensorSummaryV2", _tensor_kernel), ("MergeSummary", _merge_kernel)):
    register_op(_name, _kernel, shape_fn=_string_scalar, dtype_fn=_string_dtype)
    not_differentiable(_name)


def _summary_op(op_type, name, inputs, attrs, collections, family=None):
    """Adds a summary node named (and tagged) `<scope>/<family>/<name>`; returns its output."""
    from tensorflux.framework.execute import apply_op, convert_to_tensor
    base = clean_tag(name)
    if family:
        base = f"{clean_tag(family)}/{base}"
    tensors = [convert_to_tensor(t) for t in inputs]
    graph = None if context.executing_eagerly() else context.get_default_graph()
    # the op gets the name `base` made unique in the scope; that name is the tag
    tag = graph.unique_name(base, mark_as_used=False) if graph is not None else base
    output = apply_op(get_op(op_type), tensors, dict(attrs, tag=tag), name=base)
    if graph is not None:
        for key in (collections if collections is not None else [GraphKeys.SUMMARIES]):
            graph.add_to_collection(key, output)
    return output


def scalar(name, tensor, collections=None, family=None):
    """A graph node giving a serialized Summary with one scalar (a `simple_value`)."""
    return _summary_op("ScalarSummary", name, [tensor], {}, collections, family)


def histogram(name, values, collections=None, family=None):
    """A graph node giving a serialized Summary with a histogram (TensorFlow's buckets)."""
    return _summary_op("HistogramSummary", name, [values], {}, collections, family)


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """A graph node giving a serialized Summary with up to `max_outputs` PNG images."""
    return _summary_op("ImageSummary", name, [tensor], {"max_images": int(max_outputs)},
                       collections, family)


def audio(name, tensor, sample_rate, max_outputs=3, collections=None, family=None):
    """A graph node giving a serialized Summary with up to `max_outputs` WAV clips."""
    return _summary_op("AudioSummaryV2", name, [tensor, sample_rate],
                       {"max_outputs": int(max_outputs)}, collections, family)


def text(name, tensor, collections=None):
    """A graph node giving a serialized Summary with a string tensor (the Text tab)."""
    return _summary_op("TensorSummaryV2", name, [tensor], {"plugin_name": "text"},
                       collections)


def tensor_summary(name, tensor, summary_description=None, collections=None,
                   summary_metadata=None, family=None, display_name=None):
    """A graph node giving a serialized Summary holding `tensor` as a TensorProto."""
    plugin_name = ""
    if summary_metadata is not None:
        plugin_name = summary_metadata.plugin_data.plugin_name
    return _summary_op("TensorSummaryV2", name, [tensor], {"plugin_name": plugin_name},
                       collections, family)


def merge(inputs, collections=None, name=None):
    """A node concatenating serialized Summary protobufs into one (tags must differ)."""
    from tensorflux.framework.execute import apply_op, convert_to_tensor
    if context.executing_eagerly():
        raise RuntimeError("Merging tf.summary.* ops is not compatible with eager execution. "
                           "Use tf.contrib.summary instead.")
    tensors = [convert_to_tensor(t) for t in inputs]
    output = apply_op(get_op("MergeSummary"), tensors, {}, name=name or "Merge/MergeSummary")
    for key in collections or []:
        context.get_default_graph().add_to_collection(key, output)
    return output


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """Merges every summary of collection `key` (SUMMARIES); None if there is none."""
    if context.executing_eagerly():
        raise RuntimeError("Merging tf.summary.* ops is not compatible with eager execution. "
                           "Use tf.contrib.summary instead.")
    summaries = context.get_default_graph().get_collection(key, scope)
    if not summaries:
        return None
    return merge(summaries, name=name)


def get_summary_description(node_def):
    summary_pb2 = _proto.proto("summary_pb2")
    return summary_pb2.SummaryDescription(type_hint="summary")


# ---- FileWriter ------------------------------------------------------------------------------

class FileWriter:
    """Writes Summary protobufs, graphs and events to an event file in `logdir` (TF1).

    Args:
        logdir: the directory (created if needed).
        graph: a tf.Graph (usually `sess.graph`), written as a GraphDef for TensorBoard's
            Graphs tab.
        max_queue: events kept in memory before a write.
        flush_secs: the longest time an event stays in memory.
        graph_def: a GraphDef to write instead of `graph` (deprecated in TF1 too).
        filename_suffix: appended to the event file name.

    Example:
        >>> writer = tf.compat.v1.summary.FileWriter(tempfile.mkdtemp())
        >>> writer.add_summary(tf.compat.v1.summary.Summary(), global_step=1)
        >>> writer.close()
    """

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None,
                 filename_suffix=None, session=None):
        self._logdir = os.fspath(logdir)
        self._max_queue = max_queue
        self._flush_secs = flush_secs
        self._filename_suffix = filename_suffix or ""
        self._events = EventFileWriter(self._logdir, max_queue, flush_secs,
                                       self._filename_suffix)
        self._seen_summary_tags = set()
        self._lock = threading.Lock()
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    def get_logdir(self):
        return self._logdir

    def _event(self, global_step=None, **fields):
        event_pb2 = _proto.proto("event_pb2")
        event = event_pb2.Event(wall_time=time.time(), **fields)
        if global_step is not None:
            event.step = int(np.asarray(global_step).reshape(()))
        return event

    def add_event(self, event):
        """Appends an Event protobuf as is."""
        self._events.add_event(event)

    def add_summary(self, summary, global_step=None):
        """Appends a Summary (its bytes from running a summary op, or the protobuf) at step
        `global_step`. As in TF1, the plugin metadata of a tag is written only the first
        time the tag is seen."""
        summary_pb2 = _proto.proto("summary_pb2")
        if isinstance(summary, np.ndarray):
            summary = summary.reshape(()).item() if summary.size == 1 else summary
        if isinstance(summary, (bytes, bytearray)):
            summary = summary_pb2.Summary.FromString(bytes(summary))
        elif not isinstance(summary, summary_pb2.Summary):
            serialize = getattr(summary, "SerializeToString", None)
            if serialize is None:
                raise TypeError(f"add_summary expects the serialized Summary bytes of a "
                                f"summary op (or a Summary protobuf); got "
                                f"{type(summary).__name__}.")
            summary = summary_pb2.Summary.FromString(serialize())
        with self._lock:
            for value in summary.value:
                if not value.HasField("metadata"):
                    continue
                if value.tag in self._seen_summary_tags:
                    value.ClearField("metadata")
                else:
                    self._seen_summary_tags.add(value.tag)
        self.add_event(self._event(global_step, summary=summary))

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Appends a graph (tf.Graph, or a GraphDef protobuf) for the Graphs tab."""
        from tensorflux.summary import _graph_def
        if graph is not None and graph_def is not None:
            raise ValueError("Please pass only graph, or graph_def (deprecated), but not both.")
        definition = _graph_def.as_graph_def(graph if graph is not None else graph_def)
        self.add_event(self._event(global_step, graph_def=definition.SerializeToString()))

    def add_meta_graph(self, meta_graph_def, global_step=None):
        serialized = meta_graph_def if isinstance(meta_graph_def, bytes) else \
            meta_graph_def.SerializeToString()
        self.add_event(self._event(global_step, meta_graph_def=serialized))

    def add_session_log(self, session_log, global_step=None):
        self.add_event(self._event(global_step, session_log=session_log))

    def add_run_metadata(self, run_metadata, tag, global_step=None):
        """Appends run metadata (the profile of one Session.run) under `tag`."""
        event_pb2 = _proto.proto("event_pb2")
        serialize = getattr(run_metadata, "SerializeToString", None)
        payload = serialize() if serialize is not None else b""
        tagged = event_pb2.TaggedRunMetadata(tag=str(tag), run_metadata=payload)
        self.add_event(self._event(global_step, tagged_run_metadata=tagged))

    def flush(self):
        self._events.flush()

    def close(self):
        self._events.close()

    def reopen(self):
        """After close(): continue in a new event file in the same directory."""
        if self._events.closed:
            self._events = EventFileWriter(self._logdir, self._max_queue, self._flush_secs,
                                           self._filename_suffix)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return f"<tf.compat.v1.summary.FileWriter for {self._logdir!r}>"


class FileWriterCache:
    """One FileWriter per log directory (TF1's cache used by Estimators)."""

    _cache = {}
    _lock = threading.Lock()

    @staticmethod
    def get(logdir):
        with FileWriterCache._lock:
            writer = FileWriterCache._cache.get(logdir)
            if writer is None:
                writer = FileWriterCache._cache[logdir] = FileWriter(
                    logdir, graph=context.get_default_graph())
            return writer

    @staticmethod
    def clear():
        with FileWriterCache._lock:
            for writer in FileWriterCache._cache.values():
                writer.close()
            FileWriterCache._cache.clear()
