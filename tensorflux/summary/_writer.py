"""TF2 summary writers and the per-thread summary state (default writer, step, record_if).

As in TensorFlow, the default writer, the default step and the recording condition belong to
the current thread: `writer.as_default(step)` and `record_if(condition)` set them for a block,
`writer.set_as_default(step)` and `experimental.set_step(step)` for the rest of the thread.
"""
import contextlib
import os
import threading
import time

import numpy as np

from tensorflux.summary import _proto
from tensorflux.summary._event_file import EventFileWriter

__all__ = ["SummaryWriter", "create_file_writer", "create_noop_writer", "get_step",
           "set_step", "record_if", "should_record_summaries", "current_writer",
           "step_value", "flush"]


class _SummaryState(threading.local):
    def __init__(self):
        self.writer = None
        self.step = None
        self.condition = True


state = _SummaryState()


def current_writer():
    return state.writer


def get_step():
    """The default step of this thread (an int, a Variable or a tensor), or None."""
    return state.step


def set_step(step):
    """Sets the default step of this thread for summaries written without `step=`."""
    state.step = step


def step_value(step):
    """The int of a step given as an int, a NumPy integer, a Variable or an eager tensor."""
    if step is None:
        return None
    if hasattr(step, "numpy"):
        step = step.numpy()
    return int(np.asarray(step).reshape(()))


def resolve_step(step):
    """`step`, or the default step; a ValueError (TensorFlow's message) when both are None."""
    if step is None:
        step = state.step
    if step is None:
        raise ValueError("No step set. Please specify one either through the `step` argument "
                         "or through tf.summary.experimental.set_step()")
    return step


def condition_holds(condition):
    if callable(condition):
        condition = condition()
    if hasattr(condition, "numpy"):
        condition = condition.numpy()
    return bool(condition)


@contextlib.contextmanager
def record_if(condition):
    """Records summaries in this block only while `condition` (a bool, a callable returning
    one, or a boolean tensor) holds; it is evaluated each time a summary is written."""
    saved = state.condition
    state.condition = condition
    try:
        yield
    finally:
        state.condition = saved


def should_record_summaries():
    """True when a default writer is set and the record_if condition holds."""
    return state.writer is not None and state.writer._records() and \
        condition_holds(state.condition)


class SummaryWriter:
    """Base class of summary writers: `as_default`, `set_as_default`, `flush`, `close`."""

    def set_as_default(self, step=None):
        """Makes this the default writer of the thread (and `step` its default step)."""
        state.writer = self
        if step is not None:
            state.step = step

    @contextlib.contextmanager
    def as_default(self, step=None):
        """Within the block this is the default writer (and `step`, if given, the default
        step); the writer is flushed when the block ends."""
        saved_writer, saved_step = state.writer, state.step
        state.writer = self
        if step is not None:
            state.step = step
        try:
            yield self
        finally:
            state.writer = saved_writer
            if step is not None:
                state.step = saved_step
            self.flush()

    def init(self):
        pass

    def flush(self):
        pass

    def close(self):
        pass

    def _records(self):
        return True

    def write_summary(self, summary, step):
        raise NotImplementedError

    def write_event(self, event):
        raise NotImplementedError


class _FileWriter(SummaryWriter):
    """Writes to an event file in `logdir` (see `create_file_writer`)."""

    def __init__(self, logdir, max_queue, flush_millis, filename_suffix):
        self._logdir = os.fspath(logdir)
        self._events = EventFileWriter(
            self._logdir, max_queue=10 if max_queue is None else max_queue,
            flush_secs=(120000 if flush_millis is None else flush_millis) / 1000.0,
            filename_suffix=".v2" if filename_suffix is None else filename_suffix,
            unique_name=True)

    @property
    def logdir(self):
        return self._logdir

    @property
    def path(self):
        return self._events.path

    def write_summary(self, summary, step):
        event_pb2 = _proto.proto("event_pb2")
        self._events.add_event(event_pb2.Event(wall_time=time.time(), step=int(step),
                                               summary=summary))

    def write_event(self, event):
        self._events.add_event(event)

    def flush(self):
        self._events.flush()

    def close(self):
        self._events.close()

    def __repr__(self):
        return f"<tf.summary file writer for {self._logdir!r}>"


class _NoopWriter(SummaryWriter):
    def _records(self):
        return False

    def write_summary(self, summary, step):
        pass

    def write_event(self, event):
        pass


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None,
                       name=None, experimental_trackable=False, experimental_mesh=None):
    """A summary writer for the event file it creates in `logdir`.

    Args:
        logdir: the directory (created if needed).
        max_queue: summaries kept in memory before a write (default 10).
        flush_millis: the longest time a summary stays in memory (default 120000 ms).
        filename_suffix: the end of the event file name (default ".v2").

    Raises:
        ImportError: the `tensorboard` package (event-file protobufs) is not installed.

    Example:
        >>> writer = tf.summary.create_file_writer(tempfile.mkdtemp())
        >>> with writer.as_default(step=1):
        ...     _ = tf.summary.scalar("loss", 0.5)
    """
    if logdir is None:
        raise ValueError("logdir cannot be None")
    return _FileWriter(logdir, max_queue, flush_millis, filename_suffix)


def create_noop_writer():
    """A writer that writes nothing (summaries under it return False)."""
    return _NoopWriter()


def flush(writer=None, name=None):
    """Flushes `writer` (default: the default writer) to disk."""
    writer = writer if writer is not None else state.writer
    if writer is not None:
        writer.flush()
