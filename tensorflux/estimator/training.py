"""train_and_evaluate: train an Estimator, evaluating it as new checkpoints appear (locally)."""
import collections
import time

from tensorflux.compat.v1 import logging
from tensorflux.estimator.hooks import CheckpointSaverListener, check_hooks

__all__ = ["TrainSpec", "EvalSpec", "train_and_evaluate"]


class TrainSpec(collections.namedtuple("TrainSpec", ["input_fn", "max_steps", "hooks",
                                                     "saving_listeners"])):
    """The training half of `train_and_evaluate`: input_fn, max_steps (None: until the input
    runs out), hooks and saving listeners."""

    def __new__(cls, input_fn, max_steps=None, hooks=None, saving_listeners=None):
        if not callable(input_fn):
            raise TypeError(f"`input_fn` must be callable, given: {input_fn!r}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        return super().__new__(cls, input_fn, max_steps, tuple(check_hooks(hooks)),
                               tuple(saving_listeners or ()))


class EvalSpec(collections.namedtuple("EvalSpec", ["input_fn", "steps", "name", "hooks",
                                                   "exporters", "start_delay_secs",
                                                   "throttle_secs"])):
    """The evaluation half: input_fn, steps per evaluation (None: all of the input), name,
    hooks, and throttle_secs (the least time between two evaluations during training).
    Exporters are accepted but not run (tensorflux exports no SavedModel)."""

    def __new__(cls, input_fn, steps=100, name=None, hooks=None, exporters=None,
                start_delay_secs=120, throttle_secs=600):
        if not callable(input_fn):
            raise TypeError(f"`input_fn` must be callable, given: {input_fn!r}")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be string, given: {name!r}")
        if start_delay_secs < 0:
            raise ValueError(f"Must specify start_delay_secs >= 0, given: {start_delay_secs}")
        if throttle_secs < 0:
            raise ValueError(f"Must specify throttle_secs >= 0, given: {throttle_secs}")
        return super().__new__(cls, input_fn, steps, name, tuple(check_hooks(hooks)),
                               tuple(exporters or ()) if isinstance(exporters, (list, tuple))
                               else ((exporters,) if exporters else ()),
                               start_delay_secs, throttle_secs)


class _EvaluateOnCheckpoint(CheckpointSaverListener):
    """Evaluates after a checkpoint is saved, at most once per throttle_secs."""

    def __init__(self, estimator, eval_spec):
        self._estimator = estimator
        self._eval_spec = eval_spec
        self._last_time = None
        self.last_result = None
        self.last_step = None

    def after_save(self, session, global_step_value):
        now = time.time()
        if self._last_time is None:   # the checkpoint of the starting point
            self._last_time = now
            return False
        if now - self._last_time < self._eval_spec.throttle_secs:
            logging.info("Skip the current checkpoint eval due to throttle secs (%d secs).",
                         self._eval_spec.throttle_secs)
            return False
        self._last_time = now
        self.evaluate(global_step_value)
        return False

    def evaluate(self, step):
        spec = self._eval_spec
        self.last_result = self._estimator.evaluate(spec.input_fn, steps=spec.steps,
                                                    hooks=list(spec.hooks), name=spec.name)
        self.last_step = step
        return self.last_result


def train_and_evaluate(estimator, train_spec, eval_spec):
    """Trains `estimator` per `train_spec`, evaluating per `eval_spec` after checkpoints
    (at most every throttle_secs) and once at the end. Runs locally in this process.

    Returns:
        ``(eval_result, export_results)``: the last evaluation's dict and [] (no exports).
    """
    from tensorflux.estimator.estimator import Estimator
    if not isinstance(estimator, Estimator):
        raise TypeError(f"`estimator` must have type `tf.estimator.Estimator`. Got: "
                        f"{type(estimator).__name__}")
    if not isinstance(train_spec, TrainSpec):
        raise TypeError(f"`train_spec` must have type `tf.estimator.TrainSpec`. Got: "
                        f"{type(train_spec).__name__}")
    if not isinstance(eval_spec, EvalSpec):
        raise TypeError(f"`eval_spec` must have type `tf.estimator.EvalSpec`. Got: "
                        f"{type(eval_spec).__name__}")
    logging.info("Running training and evaluation locally (non-distributed).")
    listener = _EvaluateOnCheckpoint(estimator, eval_spec)
    estimator.train(train_spec.input_fn, hooks=list(train_spec.hooks),
                    max_steps=train_spec.max_steps,
                    saving_listeners=list(train_spec.saving_listeners) + [listener])
    final_step = estimator._checkpoint_global_step()
    if listener.last_result is None or listener.last_step != final_step:
        listener.evaluate(final_step)
    return listener.last_result, []
