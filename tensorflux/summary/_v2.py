"""TF2 summaries: `tf.summary.scalar/histogram/image/text/audio/write/graph`.

Eagerly a summary is written now, to the default writer, at `step` (or the default step).
Inside a `tf.function` (or a TF1 graph with a default writer) it becomes a stateful graph op
(WriteScalarSummary, ...) whose kernel writes when the graph runs: the writer is the one that
was the default when the function was traced (as in TensorFlow), the step is read when the op
runs (pass a Variable such as `optimizer.iterations` to get a moving step), and the record_if
condition of the trace is evaluated at each run. Every summary returns True if it was written,
False if not (no default writer, or the record_if condition is false).
"""
import re
import time

import numpy as np

from tensorflux.framework import context, dtypes
from tensorflux.framework.registry import get_op, not_differentiable, register_op
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.summary import _proto, _values
from tensorflux.summary import _writer as writer_state

__all__ = ["scalar", "histogram", "image", "text", "audio", "write", "graph",
           "summary_scope", "write_raw_pb"]

_WRITE_OPS = ("WriteScalarSummary", "WriteHistogramSummary", "WriteImageSummary",
              "WriteAudioSummary", "WriteSummary", "WriteRawProtoSummary")


def _write_kernel(xp, *arrays, tag, callback):
    return np.asarray(bool(callback(*arrays)))


for _name in _WRITE_OPS:
    register_op(_name, _write_kernel, shape_fn=lambda inputs, attrs: [TensorShape([])],
                dtype_fn=lambda input_dtypes, attrs: [dtypes.bool], stateful=True)
    not_differentiable(_name)

_INVALID_TAG_CHARACTERS = re.compile(r"[^-/\w\.]")


def clean_tag(name):
    """A valid tag: characters other than letters, digits, '_', '-', '.', '/' become '_'."""
    if name is None:
        raise ValueError("A summary needs a name (its tag); got None.")
    name = str(name)
    cleaned = _INVALID_TAG_CHARACTERS.sub("_", name).lstrip("/")
    return cleaned or "summary"


def _scoped_tag(name):
    """The tag of a summary: `name` prefixed by the current name scope (eager, as in TF2, or
    of the graph being built)."""
    tag = clean_tag(name)
    if context.executing_eagerly():
        scope = context.state.eager_scope[:-1]
    else:
        scope = context.get_default_graph().get_name_scope()
    if scope:
        tag = f"{scope}/{tag}"
    return tag


def _eager_array(value):
    if isinstance(value, Tensor):
        return value.numpy() if value._value is not None else None
    if hasattr(value, "_as_tensor") and hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    return value


def _false():
    return _constant(False)


def _constant(value):
    from tensorflux.framework.execute import convert_to_tensor
    with context.init_scope():
        return convert_to_tensor(np.asarray(value, dtype=bool))


def _emit(op_type, tag, data, step, build):
    """Writes `build(data_array)` (a Summary.Value or a list of them) at `step`."""
    writer = writer_state.current_writer()
    if writer is None or not writer._records():
        return _false()
    condition = writer_state.state.condition
    if context.executing_eagerly():
        if not writer_state.condition_holds(condition):
            return _false()
        step = writer_state.step_value(writer_state.resolve_step(step))
        if callable(data) and not isinstance(data, Tensor):
            data = data()
        array = np.asarray(_eager_array(data)) if not isinstance(data, (bytes, str)) else data
        writer.write_summary(_as_summary(build(array)), step)
        return _constant(True)
    return _graph_write(op_type, tag, data, writer_state.resolve_step(step), build, writer,
                        condition)


def _as_summary(values):
    if isinstance(values, _proto.proto("summary_pb2").Summary):
        return values
    if not isinstance(values, (list, tuple)):
        values = [values]
    return _values.summary_of(values)


def _graph_write(op_type, tag, data, step, build, writer, condition):
    from tensorflux.framework.execute import apply_op, convert_to_tensor
    if callable(data) and not isinstance(data, Tensor) and not hasattr(data, "_as_tensor"):
        data = data()
    data_tensor = convert_to_tensor(data)
    step_tensor = convert_to_tensor(step if not isinstance(step, (int, np.integer))
                                    else np.int64(step))
    symbolic_condition = isinstance(condition, Tensor) and condition._value is None

    def write(data_array, step_array, *condition_array):
        if symbolic_condition:
            if not bool(condition_array[0]):
                return False
        elif not writer_state.condition_holds(condition):
            return False
        writer.write_summary(_as_summary(build(np.asarray(data_array))),
                             writer_state.step_value(step_array))
        return True

    inputs = [data_tensor, step_tensor] + ([condition] if symbolic_condition else [])
    return apply_op(get_op(op_type), inputs, {"tag": tag, "callback": write},
                    name=tag.rsplit("/", 1)[-1] or "summary")


def scalar(name, data, step=None, description=None):
    """Writes a scalar (converted to float32) under tag `name` at `step`.

    Returns:
        True if written; False without a default writer or when record_if is false.

    Raises:
        ValueError: a default writer is set but neither `step` nor a default step is.
    """
    tag = _scoped_tag(name)
    return _emit("WriteScalarSummary", tag, data, step,
                 lambda array: _values.scalar_v2(tag, array, description))


def histogram(name, data, step=None, buckets=None, description=None):
    """Writes a histogram of `data` with `buckets` equal-width buckets (default 30)."""
    tag = _scoped_tag(name)
    return _emit("WriteHistogramSummary", tag, data, step,
                 lambda array: _values.histogram_v2(tag, array, buckets, description))


def image(name, data, step=None, max_outputs=3, description=None):
    """Writes up to `max_outputs` images of `data` [k, h, w, c] (c = 1, 3 or 4; uint8, or
    floats in [0, 1]) as PNGs."""
    tag = _scoped_tag(name)
    return _emit("WriteImageSummary", tag, data, step,
                 lambda array: _values.image_v2(tag, array, max_outputs, description))


def text(name, data, step=None, description=None):
    """Writes a string (or a tensor of strings; Markdown is rendered by TensorBoard)."""
    tag = _scoped_tag(name)
    if isinstance(data, (str, bytes)):
        data = np.asarray(data.encode() if isinstance(data, str) else data, dtype=object)
    return _emit("WriteSummary", tag, data, step,
                 lambda array: _values.text_value(tag, array, description))


def audio(name, data, sample_rate, step=None, max_outputs=3, encoding=None,
          description=None):
    """Writes up to `max_outputs` clips of `data` [k, frames, channels] (floats in [-1, 1])
    as 16-bit WAV files at `sample_rate` Hz."""
    if encoding not in (None, "wav"):
        raise ValueError(f"Unknown audio encoding {encoding!r}: only 'wav' is supported.")
    rate = float(np.asarray(_eager_array(sample_rate) if not isinstance(sample_rate, (int, float))
                            else sample_rate))
    tag = _scoped_tag(name)
    return _emit("WriteAudioSummary", tag, data, step,
                 lambda array: _values.audio_v2(tag, array, rate, max_outputs, description))


def write(tag, tensor, step=None, metadata=None, name=None):
    """Writes a tensor summary with explicit `metadata` (a SummaryMetadata or its bytes)."""
    summary_pb2 = _proto.proto("summary_pb2")
    if isinstance(metadata, (bytes, bytearray)):
        metadata = summary_pb2.SummaryMetadata.FromString(bytes(metadata))
    elif metadata is None:
        metadata = summary_pb2.SummaryMetadata()
    tag = str(tag)

    def build(array):
        value = summary_pb2.Summary.Value(tag=tag, tensor=_proto.tensor_proto(array))
        value.metadata.CopyFrom(metadata)
        return value
    if isinstance(tensor, (str, bytes)):
        tensor = np.asarray(tensor.encode() if isinstance(tensor, str) else tensor,
                            dtype=object)
    return _emit("WriteSummary", tag, tensor, step, build)


def write_raw_pb(tensor, step=None, name=None):
    """Writes serialized `Summary` protobufs (bytes, or a tensor of them) at `step`."""
    summary_pb2 = _proto.proto("summary_pb2")

    def build(array):
        merged = summary_pb2.Summary()
        for item in np.asarray(array, dtype=object).reshape(-1).tolist():
            merged.MergeFromString(item if isinstance(item, bytes) else bytes(item))
        return merged
    if isinstance(tensor, bytes):
        tensor = np.asarray(tensor, dtype=object)
    return _emit("WriteRawProtoSummary", "raw", tensor, step, build)


def graph(graph_data):
    """Writes a graph (a tf.Graph, a traced tf.function or a GraphDef) to the default writer,
    where TensorBoard's Graphs tab shows it as the run graph."""
    from tensorflux.summary import _graph_def
    writer = writer_state.current_writer()
    if writer is None or not writer._records():
        return _false()
    if not writer_state.condition_holds(writer_state.state.condition):
        return _false()
    event_pb2 = _proto.proto("event_pb2")
    definition = _graph_def.as_graph_def(graph_data)
    writer.write_event(event_pb2.Event(wall_time=time.time(),
                                       graph_def=definition.SerializeToString()))
    return _constant(True)


class summary_scope:
    """`with summary_scope(name, default_name) as (tag, scope):` the tag a summary made in
    the current name scope would get (TF's `tf.summary.experimental.summary_scope`)."""

    def __init__(self, name, default_name=None, values=None):
        self._name = name if name is not None else default_name
        self._scope = None

    def __enter__(self):
        from tensorflux.framework.graph import name_scope
        tag = _scoped_tag(self._name)
        self._scope = name_scope(clean_tag(self._name))
        scope = self._scope.__enter__()
        return tag, scope

    def __exit__(self, *exc):
        return self._scope.__exit__(*exc)
