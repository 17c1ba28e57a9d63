"""EventFileWriter: appends `Event` protobufs to an event file, as TFRecords.

An event file (`events.out.tfevents.<seconds>.<host>[suffix]`) is a TFRecord file (each record
framed by its length, a masked CRC-32C of the length, the bytes and their masked CRC-32C; see
`tensorflux.io._tfrecord.frame`) whose first record is the `Event` with
`file_version = "brain.Event:2"`. Records are queued in memory and written when `max_queue`
are pending, when `flush()`/`close()` is called, every `flush_secs` (a daemon thread shared by
all writers checks once a second), and when the interpreter exits.
"""
import atexit
import itertools
import os
import socket
import threading
import time
import warnings
import weakref

from tensorflux.io._tfrecord import frame
from tensorflux.summary import _proto

__all__ = ["EventFileWriter"]

_open_writers = weakref.WeakSet()
_registry_lock = threading.Lock()
_flusher = None
_file_counter = itertools.count()


def _flush_loop():
    while True:
        time.sleep(1.0)
        now = time.monotonic()
        with _registry_lock:
            writers = list(_open_writers)
        for writer in writers:
            try:
                if writer._pending and now - writer._last_flush >= writer.flush_secs:
                    writer.flush()
            except Exception:  # noqa: BLE001 - a background flush must never kill the thread
                pass


def _start_flusher():
    global _flusher
    if _flusher is None:
        _flusher = threading.Thread(target=_flush_loop, name="tensorflux-summary-flush",
                                    daemon=True)
        _flusher.start()


@atexit.register
def _close_all():
    with _registry_lock:
        writers = list(_open_writers)
    for writer in writers:
        try:
            writer.flush()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


class EventFileWriter:
    """Writes `Event` messages to a new event file in `logdir` (created if needed).

    Args:
        logdir: the directory of the event file.
        max_queue: events kept in memory before they are written.
        flush_secs: the longest time an event stays in memory.
        filename_suffix: appended to the file name (TF2 writers use ".v2").
        unique_name: add the process id and a counter to the name (TF2 writers do, so that
            two writers on one directory in the same second get different files).
    """

    def __init__(self, logdir, max_queue=10, flush_secs=120, filename_suffix="",
                 unique_name=False):
        _proto.require()
        self.logdir = os.fspath(logdir)
        self.max_queue = max(1, int(max_queue or 1))
        self.flush_secs = float(flush_secs if flush_secs is not None else 120)
        os.makedirs(self.logdir, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}"
        if unique_name:
            # TF writes the counter unpadded; padded, the names of one process's files sort
            # in creation order, which is the order TensorBoard reads a directory's files in
            # (file 10 of a second would otherwise be read before file 9).
            name += f".{os.getpid()}.{next(_file_counter):06d}"
        self.path = os.path.join(self.logdir, name + (filename_suffix or ""))
        self._lock = threading.RLock()
        self._pending = []
        self._file = open(self.path, "ab")
        self._closed = False
        self._warned_closed = False
        self._last_flush = time.monotonic()
        event_pb2 = _proto.proto("event_pb2")
        # The first record names the format version; TensorBoard checks it.
        self.add_event(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))
        self.flush()
        with _registry_lock:
            _open_writers.add(self)
        _start_flusher()

    @property
    def closed(self):
        return self._closed

    def add_event(self, event):
        """Queues an `Event` (a protobuf message or its serialized bytes)."""
        data = event if isinstance(event, bytes) else event.SerializeToString()
        with self._lock:
            if self._closed:
                if not self._warned_closed:
                    self._warned_closed = True
                    warnings.warn(f"An event was written to the closed summary writer of "
                                  f"{self.path!r} and was dropped. Create a new writer "
                                  "(or call `reopen()` on a tf.compat.v1 FileWriter).",
                                  RuntimeWarning, stacklevel=3)
                return
            self._pending.append(frame(data))
            if len(self._pending) >= self.max_queue:
                self._write_pending()

    def _write_pending(self):
        if self._pending:
            self._file.write(b"".join(self._pending))
            self._pending = []
        self._file.flush()
        self._last_flush = time.monotonic()

    def flush(self):
        with self._lock:
            if not self._closed:
                self._write_pending()

    def close(self):
        with self._lock:
            if self._closed:
                return
            self._write_pending()
            self._file.close()
            self._closed = True
        with _registry_lock:
            _open_writers.discard(self)

    def __repr__(self):
        state = "closed" if self._closed else "open"
        return f"<EventFileWriter {self.path!r} ({state})>"
