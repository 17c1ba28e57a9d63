"""tf.profiler.experimental: start/stop, Profile, Trace, ProfilerOptions.

    tf.profiler.experimental.start("logs")
    ...                                   # training steps, tf.function calls, Session.run
    tf.profiler.experimental.stop()       # writes logs/plugins/profile/<run>/<host>.xplane.pb

What is timed and what is written is described in `tensorflux.profiler._recorder` and
`tensorflux.profiler._output`: per-op timings of compiled plans and eager ops, written as an
XSpace protobuf (TensorBoard's Profile tab), a Chrome trace and a plain-text report.
Remote profiling (`server`, `client`) is not supported.
"""
import collections
import logging
import types

from tensorflux.framework import errors
from tensorflux.profiler import _output, _recorder

__all__ = ["start", "stop", "Profile", "Trace", "ProfilerOptions", "server", "client",
           "is_running"]

_log = logging.getLogger("tensorflux.profiler")

ProfilerOptions = collections.namedtuple(
    "ProfilerOptions", ["host_tracer_level", "python_tracer_level", "device_tracer_level",
                        "delay_ms"])
ProfilerOptions.__new__.__defaults__ = (2, 0, 1, None)
ProfilerOptions.__doc__ = ("Profiler options (accepted for compatibility; tensorflux always "
                           "records host ops, and has no device or Python tracer).")


def is_running():
    return _recorder.current() is not None


def start(logdir, options=None):
    """Starts profiling; the profile is written to `logdir` by `stop()`.

    Raises:
        AlreadyExistsError: a profiler is already running.
    """
    if _recorder.current() is not None:
        raise errors.AlreadyExistsError(None, None, "Another profiler is running.")
    _recorder.install(_recorder.Recorder(logdir, options))


def stop(save=True):
    """Stops profiling and (with `save`) writes the profile under
    `<logdir>/plugins/profile/<run>/`.

    Raises:
        UnavailableError: no profiler is running.
    """
    return _stop(save)


def _stop(save=True, logdir=None):
    if _recorder.current() is None:
        raise errors.UnavailableError(None, None, "Cannot export profiling results. No "
                                                  "profiler is running.")
    recorder = _recorder.uninstall()
    if not save:
        return None
    run = _output.write_profile(recorder, logdir)
    _log.info("Profile of %d events written to %s (open TensorBoard's Profile tab, or read "
              "the .tensorflux_profile.txt report there).", len(recorder.events), run)
    return run


class Profile:
    """`with tf.profiler.experimental.Profile(logdir):` profiles the block."""

    def __init__(self, logdir, options=None):
        self._logdir = logdir
        self._options = options

    def __enter__(self):
        start(self._logdir, self._options)
        return self

    def __exit__(self, *exc):
        stop()
        return False


class Trace:
    """`with tf.profiler.experimental.Trace("train", step_num=step, _r=1):` marks a block
    (a training step when `step_num` and `_r=1` are given) on the profile's timeline. It
    costs nothing when no profiler is running."""

    def __init__(self, name, **kwargs):
        self.name = name
        self._stats = {k: v if isinstance(v, (int, float, str, bytes)) else str(v)
                       for k, v in kwargs.items()}
        self._span = None

    def __enter__(self):
        recorder = _recorder.current()
        if recorder is not None:
            self._span = recorder.span(self.name, "trace", self._stats)
            self._span.__enter__()
        return self

    def __exit__(self, *exc):
        if self._span is not None:
            self._span.__exit__(*exc)
            self._span = None
        return False

    def set_metadata(self, **kwargs):
        self._stats.update(kwargs)


def _remote(*args, **kwargs):
    raise errors.UnimplementedError(
        None, None, "Remote profiling (tf.profiler.experimental.server / client) is not "
        "supported by tensorflux: profile in-process with tf.profiler.experimental.start("
        "logdir) / stop().")


server = types.SimpleNamespace(start=_remote)
client = types.SimpleNamespace(trace=_remote, monitor=_remote)
