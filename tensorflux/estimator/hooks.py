"""Session run hooks: code that runs around each `Session.run` of Estimator's loops.

A hook sees the whole run: `begin()` while the graph can still change, then
`after_create_session(session, coord)`, then for every step `before_run(run_context)` (may
return `SessionRunArgs` with extra fetches and feeds) and `after_run(run_context,
run_values)` (gets those fetches' values; may call `run_context.request_stop()`), and
`end(session)` when the loop finishes normally (also at the end of the input).
"""
import collections
import time

import numpy as np

from tensorflux.compat.v1 import logging

__all__ = ["SessionRunHook", "SessionRunArgs", "SessionRunContext", "SessionRunValues",
           "LoggingTensorHook", "StopAtStepHook", "NanTensorHook", "NanLossDuringTrainingError",
           "StepCounterHook", "CheckpointSaverHook", "CheckpointSaverListener",
           "SummarySaverHook", "FinalOpsHook", "FeedFnHook"]


class SessionRunHook:
    """Base class: every method does nothing; override the ones you need."""

    def begin(self):
        pass

    def after_create_session(self, session, coord):
        pass

    def before_run(self, run_context):
        return None

    def after_run(self, run_context, run_values):
        pass

    def end(self, session):
        pass


class SessionRunArgs(collections.namedtuple("SessionRunArgs",
                                            ["fetches", "feed_dict", "options"])):
    """What a hook adds to the next `Session.run`: fetches (any structure), feeds, options."""

    def __new__(cls, fetches, feed_dict=None, options=None):
        return super().__new__(cls, fetches, feed_dict, options)


class SessionRunValues(collections.namedtuple("SessionRunValues",
                                              ["results", "options", "run_metadata"])):
    """The values of a hook's fetches after a run, in the structure it asked for."""


class SessionRunContext:
    """The run in progress: the caller's fetches, the session, and a stop request flag."""

    def __init__(self, original_args, session):
        self._original_args = original_args
        self._session = session
        self._stop_requested = False

    @property
    def original_args(self):
        return self._original_args

    @property
    def session(self):
        return self._session

    @property
    def stop_requested(self):
        return self._stop_requested

    def request_stop(self):
        self._stop_requested = True


class NanLossDuringTrainingError(RuntimeError):
    """The training loss became NaN (diverged): lower the learning rate or check the data."""

    def __str__(self):
        return "NaN loss during training."


class _EveryN:
    """Decides when a periodic action is due, by steps or by seconds."""

    def __init__(self, every_steps=None, every_secs=None):
        if (every_steps is None) == (every_secs is None):
            raise ValueError("Exactly one of every_n_steps and every_n_secs should be "
                             f"provided, got every_n_steps={every_steps}, "
                             f"every_n_secs={every_secs}.")
        if every_steps is not None and every_steps <= 0:
            raise ValueError(f"every_n_steps must be positive, got {every_steps}.")
        self._steps = every_steps
        self._secs = every_secs
        self._last_step = None
        self._last_time = None

    def due(self, step):
        if self._last_step is None:
            return True
        if self._last_step == step:
            return False
        if self._steps is not None:
            return step >= self._last_step + self._steps
        return time.time() >= self._last_time + self._secs

    def mark(self, step):
        """Records a trigger at `step`; returns (seconds, steps) since the previous one."""
        now = time.time()
        elapsed = None if self._last_time is None else (now - self._last_time,
                                                         step - self._last_step)
        self._last_step, self._last_time = step, now
        return elapsed

    @property
    def last_step(self):
        return self._last_step


def _step_value(value):
    return int(np.asarray(value))


def _global_step_tensor():
    from tensorflux.train.global_step import get_global_step
    step = get_global_step()
    if step is None:
        raise RuntimeError("This hook needs a global step: create it with "
                           "tf.train.get_or_create_global_step() before the hook's begin().")
    return step


class LoggingTensorHook(SessionRunHook):
    """Logs the values of tensors (INFO) every N local steps or seconds, and optionally at end.

    Args:
        tensors: a dict {tag: tensor or tensor name} or a list of tensors / names.
        every_n_iter / every_n_secs: how often (exactly one, unless `at_end`).
        at_end: also log the values once at the end (from a last run).
        formatter: a function of the dict {tag: value} returning the text to log.
    """

    def __init__(self, tensors, every_n_iter=None, every_n_secs=None, at_end=False,
                 formatter=None):
        only_at_end = at_end and every_n_iter is None and every_n_secs is None
        if not only_at_end and (every_n_iter is None) == (every_n_secs is None):
            raise ValueError("either at_end and/or exactly one of every_n_iter and "
                             "every_n_secs must be provided.")
        if every_n_iter is not None and every_n_iter <= 0:
            raise ValueError(f"invalid every_n_iter={every_n_iter}.")
        if isinstance(tensors, dict):
            self._tags = list(tensors)
            self._tensors = dict(tensors)
        else:
            self._tags = [getattr(t, "name", t) for t in tensors]
            self._tensors = {tag: t for tag, t in zip(self._tags, tensors)}
        self._timer = None if only_at_end else _EveryN(every_n_iter, every_n_secs)
        self._at_end = at_end
        self._formatter = formatter
        self._iteration = 0
        self._should_log = False

    def begin(self):
        from tensorflux.framework import context
        graph = context.get_default_graph()
        self._current = {tag: graph.as_graph_element(t) if isinstance(t, str) else t
                         for tag, t in self._tensors.items()}
        self._iteration = 0

    def before_run(self, run_context):
        self._should_log = self._timer is not None and self._timer.due(self._iteration)
        return SessionRunArgs(self._current) if self._should_log else None

    def _log(self, values, elapsed=None):
        if self._formatter is not None:
            logging.info("%s", self._formatter(values))
            return
        text = ", ".join("%s = %s" % (tag, values[tag]) for tag in self._tags)
        if elapsed is not None:
            logging.info("%s (%.3f sec)", text, elapsed[0])
        else:
            logging.info("%s", text)

    def after_run(self, run_context, run_values):
        if self._should_log:
            elapsed = self._timer.mark(self._iteration)
            self._log(run_values.results, elapsed)
        self._iteration += 1

    def end(self, session):
        if self._at_end:
            self._log(session.run(self._current))


class StopAtStepHook(SessionRunHook):
    """Requests a stop when the global step reaches `last_step` (or start + `num_steps`)."""

    def __init__(self, num_steps=None, last_step=None):
        if (num_steps is None) == (last_step is None):
            raise ValueError("One of num_steps or last_step must be specified.")
        if num_steps is not None and num_steps < 0:
            raise ValueError("Undefined behavior for negative num_steps.")
        self._num_steps = num_steps
        self._last_step = last_step

    def begin(self):
        self._global_step = _global_step_tensor()

    def after_create_session(self, session, coord):
        if self._last_step is None:
            self._last_step = _step_value(session.run(self._global_step)) + self._num_steps

    @property
    def last_step(self):
        return self._last_step

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step)

    def after_run(self, run_context, run_values):
        if _step_value(run_values.results) >= self._last_step:
            run_context.request_stop()


class NanTensorHook(SessionRunHook):
    """Stops training when `loss_tensor` is NaN: raises NanLossDuringTrainingError, or only
    logs and requests a stop with `fail_on_nan_loss=False`."""

    def __init__(self, loss_tensor, fail_on_nan_loss=True):
        self._loss_tensor = loss_tensor
        self._fail_on_nan_loss = fail_on_nan_loss

    def before_run(self, run_context):
        return SessionRunArgs(self._loss_tensor)

    def after_run(self, run_context, run_values):
        if np.isnan(run_values.results):
            message = "Model diverged with loss = NaN."
            if self._fail_on_nan_loss:
                logging.error(message)
                raise NanLossDuringTrainingError
            logging.warning(message)
            run_context.request_stop()


class StepCounterHook(SessionRunHook):
    """Logs (and writes as the summary "global_step/sec") the training speed."""

    def __init__(self, every_n_steps=100, every_n_secs=None, output_dir=None,
                 summary_writer=None):
        if every_n_steps is not None and every_n_secs is not None:
            every_n_steps = None
        self._timer = _EveryN(every_n_steps, every_n_secs)
        self._output_dir = output_dir
        self._summary_writer = summary_writer

    def begin(self):
        from tensorflux.estimator import _summary
        self._global_step = _global_step_tensor()
        if self._summary_writer is None and self._output_dir:
            self._summary_writer = _summary.writer(self._output_dir)

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step)

    def after_run(self, run_context, run_values):
        from tensorflux.estimator import _summary
        step = _step_value(run_values.results)
        if self._timer.last_step is None:
            self._timer.mark(step)
            return
        if self._timer.due(step):
            seconds, steps = self._timer.mark(step)
            if seconds > 0:
                rate = steps / seconds
                logging.info("global_step/sec: %g", rate)
                _summary.write_scalars(self._summary_writer, {"global_step/sec": rate}, step)


class CheckpointSaverListener:
    """Called around each checkpoint save of a CheckpointSaverHook; `after_save` may return
    True to request a stop."""

    def begin(self):
        pass

    def before_save(self, session, global_step_value):
        pass

    def after_save(self, session, global_step_value):
        pass

    def end(self, session, global_step_value):
        pass


class CheckpointSaverHook(SessionRunHook):
    """Saves checkpoints `<checkpoint_dir>/<checkpoint_basename>-<step>` every N steps or
    seconds, when the session is created (the starting point) and at the end."""

    def __init__(self, checkpoint_dir, save_secs=None, save_steps=None, saver=None,
                 checkpoint_basename="model.ckpt", scaffold=None, listeners=None,
                 save_graph_def=True):
        logging.info("Create CheckpointSaverHook.")
        if saver is not None and scaffold is not None:
            raise ValueError("You cannot provide both saver and scaffold.")
        self._checkpoint_dir = checkpoint_dir
        self._save_path = _join(checkpoint_dir, checkpoint_basename)
        self._saver = saver
        self._timer = _EveryN(save_steps, save_secs)
        self._listeners = list(listeners or [])

    def begin(self):
        self._global_step = _global_step_tensor()
        if self._saver is None:
            from tensorflux.train.saver import Saver
            self._saver = Saver()
        for listener in self._listeners:
            listener.begin()

    def after_create_session(self, session, coord):
        step = _step_value(session.run(self._global_step))
        self._save(session, step)
        self._timer.mark(step)

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step)

    def after_run(self, run_context, run_values):
        step = _step_value(run_values.results)
        if self._timer.due(step):
            self._timer.mark(step)
            if self._save(run_context.session, step):
                run_context.request_stop()

    def end(self, session):
        step = _step_value(session.run(self._global_step))
        if step != self._timer.last_step:
            self._save(session, step)
        for listener in self._listeners:
            listener.end(session, step)

    def _save(self, session, step):
        logging.info("Saving checkpoints for %d into %s.", step, self._save_path)
        for listener in self._listeners:
            listener.before_save(session, step)
        self._saver.save(session, self._save_path, global_step=step)
        stop = False
        for listener in self._listeners:
            if listener.after_save(session, step):
                logging.info("A CheckpointSaverListener requested that training be stopped. "
                             "listener: %s", listener)
                stop = True
        return stop


class SummarySaverHook(SessionRunHook):
    """Writes the merged summaries (`summary_op`, default `tf.summary.merge_all()`) to
    `output_dir` every N steps or seconds, starting with the first step."""

    def __init__(self, save_steps=None, save_secs=None, output_dir=None, summary_writer=None,
                 scaffold=None, summary_op=None):
        self._timer = _EveryN(save_steps, save_secs)
        self._output_dir = output_dir
        self._summary_writer = summary_writer
        self._summary_op = summary_op
        self._request = False

    def begin(self):
        from tensorflux.estimator import _summary
        from tensorflux.framework import context
        self._global_step = _global_step_tensor()
        if self._summary_writer is None and self._output_dir:
            self._summary_writer = _summary.writer(self._output_dir,
                                                   graph=context.get_default_graph())
        if self._summary_op is None:
            self._summary_op = _summary.merge_all()
        self._next_step = None

    def before_run(self, run_context):
        fetches = {"step": self._global_step}
        self._request = self._summary_op is not None and self._summary_writer is not None \
            and (self._next_step is None or self._timer.due(self._next_step))
        if self._request:
            fetches["summary"] = self._summary_op
        return SessionRunArgs(fetches)

    def after_run(self, run_context, run_values):
        step = _step_value(run_values.results["step"])
        if self._request:
            self._timer.mark(step)
            from tensorflux.estimator import _summary
            _summary.add_summary(self._summary_writer, run_values.results["summary"], step)
        self._next_step = step + 1

    def end(self, session):
        if self._summary_writer is not None:
            from tensorflux.estimator import _summary
            _summary.flush(self._summary_writer)


class FinalOpsHook(SessionRunHook):
    """Runs `final_ops` in `end()`; their values are then in `final_ops_values`."""

    def __init__(self, final_ops, final_ops_feed_dict=None):
        self._final_ops = final_ops
        self._feed_dict = final_ops_feed_dict
        self._values = None

    @property
    def final_ops_values(self):
        return self._values

    def end(self, session):
        if self._final_ops is not None:
            self._values = session.run(self._final_ops, feed_dict=self._feed_dict)


class FeedFnHook(SessionRunHook):
    """Adds `feed_fn()` (a dict) to every run's feeds."""

    def __init__(self, feed_fn):
        self.feed_fn = feed_fn

    def before_run(self, run_context):
        return SessionRunArgs(fetches=None, feed_dict=self.feed_fn())


def _join(directory, name):
    import os
    return os.path.join(directory, name)


def check_hooks(hooks):
    """The hooks as a list; raises TypeError for anything that is not a SessionRunHook."""
    hooks = list(hooks or [])
    for hook in hooks:
        if not isinstance(hook, SessionRunHook):
            raise TypeError(f"All hooks must be SessionRunHook instances, given: {hook!r}")
    return hooks


class HookedSession:
    """Runs fetches in a Session with every hook's before_run/after_run around the run."""

    def __init__(self, session, hooks):
        self.session = session
        self.hooks = hooks
        self.stop_requested = False

    def run(self, fetches):
        context = SessionRunContext(SessionRunArgs(fetches), self.session)
        hook_fetches, feed_dict = {}, {}
        for index, hook in enumerate(self.hooks):
            args = hook.before_run(context)
            if args is None:
                continue
            if args.fetches is not None:
                hook_fetches[index] = args.fetches
            for key, value in (args.feed_dict or {}).items():
                if key in feed_dict:
                    raise RuntimeError(f"Same tensor is fed by two hooks: {key!r}.")
                feed_dict[key] = value
        results = self.session.run({"caller": _nonempty(fetches), "hooks": hook_fetches},
                                   feed_dict=feed_dict or None)
        for index, hook in enumerate(self.hooks):
            hook.after_run(context, SessionRunValues(results["hooks"].get(index), None, None))
        if context.stop_requested:
            self.stop_requested = True
        return results["caller"]


def _nonempty(fetches):
    return fetches if fetches is not None else {}
