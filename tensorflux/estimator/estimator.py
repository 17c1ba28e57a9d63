"""Estimator: trains, evaluates and predicts with a `model_fn`, checkpointing in model_dir.

Each call (`train`, `evaluate`, `predict`) builds a fresh TF1 graph, even in an eagerly
executing program: it creates the global step, calls `input_fn` (a `tf.data.Dataset`, whose
one-shot iterator gives the batches, or a `(features, labels)` pair of tensors), calls
`model_fn(features, labels, mode, params, config)` and runs the returned `EstimatorSpec` in a
Session. Variables start from the latest checkpoint in model_dir when there is one, so
training resumes where it stopped and evaluation/prediction use the trained weights. The
loops end at the requested step count or when the input pipeline raises OutOfRangeError.

Checkpoints are `model_dir/model.ckpt-<global step>` (tf.train.Saver's format, see
`tensorflux.train.saver`), recorded in `model_dir/checkpoint`. Training logs the loss and the
speed through `tf.compat.v1.logging` (INFO) and, when `tf.summary` is available, writes the
loss and the model's summaries to model_dir (evaluation results to model_dir/eval) for
TensorBoard.
"""
import copy
import inspect
import os
import re
import sys
import tempfile
import time
import zipfile
import zlib

import numpy as np

from tensorflux.compat.v1 import logging
from tensorflux.estimator import _summary
from tensorflux.estimator.hooks import (CheckpointSaverHook, CheckpointSaverListener,
                                        HookedSession, LoggingTensorHook,
                                        NanTensorHook, SessionRunHook, StepCounterHook,
                                        StopAtStepHook, SummarySaverHook, check_hooks)
from tensorflux.estimator.model_fn import LOSS_METRIC_KEY, EstimatorSpec, ModeKeys
from tensorflux.estimator.run_config import RunConfig
from tensorflux.framework import errors
from tensorflux.framework.graph import Graph, GraphKeys

__all__ = ["Estimator", "WarmStartSettings", "VocabInfo"]

_CHECKPOINT_BASENAME = "model.ckpt"


class WarmStartSettings:
    """Where to take initial values from when training starts without a checkpoint.

    Args:
        ckpt_to_initialize_from: a checkpoint prefix or a directory (its latest checkpoint).
        vars_to_warm_start: a regular expression over trainable variable names (default
            ".*"), or a list of names / expressions over all global variables.
        var_name_to_prev_var_name: {name in this graph: name in the checkpoint}.
    """

    def __init__(self, ckpt_to_initialize_from, vars_to_warm_start=".*",
                 var_name_to_vocab_info=None, var_name_to_prev_var_name=None):
        if not ckpt_to_initialize_from:
            raise ValueError("`ckpt_to_initialize_from` MUST be set in WarmStartSettings")
        if var_name_to_vocab_info:
            raise errors.UnimplementedError(None, None, "WarmStartSettings."
                                            "var_name_to_vocab_info is not implemented by "
                                            "tensorflux (no vocabulary remapping).")
        self.ckpt_to_initialize_from = ckpt_to_initialize_from
        self.vars_to_warm_start = vars_to_warm_start
        self.var_name_to_vocab_info = var_name_to_vocab_info or {}
        self.var_name_to_prev_var_name = dict(var_name_to_prev_var_name or {})


class VocabInfo:
    """Accepted for compatibility; vocabulary remapping is not implemented."""

    def __init__(self, new_vocab, new_vocab_size, num_oov_buckets, old_vocab,
                 old_vocab_size=-1, backup_initializer=None, axis=0):
        self.new_vocab, self.new_vocab_size = new_vocab, new_vocab_size
        self.num_oov_buckets, self.old_vocab = num_oov_buckets, old_vocab
        self.old_vocab_size, self.backup_initializer, self.axis = \
            old_vocab_size, backup_initializer, axis


class Estimator:
    """Trains, evaluates and predicts with a model given as a `model_fn`.

    Args:
        model_fn: ``model_fn(features, labels, mode, params, config)`` returning an
            `EstimatorSpec`; `labels`, `mode`, `params` and `config` are optional parameters
            (passed only if the function has them).
        model_dir: where checkpoints and event files are written; a new temporary
            folder if neither this nor `config.model_dir` is given.
        config: a `RunConfig`.
        params: a dict passed to model_fn (and to input_fn if it has a `params` parameter).
        warm_start_from: a checkpoint path, a directory or `WarmStartSettings`: initial
            values for training when model_dir has no checkpoint yet.

    Raises:
        ValueError: model_fn lacks a `features` parameter, `params` is given but model_fn
            has no `params` parameter, or model_dir and config.model_dir disagree.

    Example:
        >>> estimator = tf.estimator.Estimator(model_fn, model_dir="run1")  # doctest: +SKIP
        >>> estimator.train(train_input_fn, steps=100)                      # doctest: +SKIP
        >>> estimator.evaluate(eval_input_fn)["accuracy"]                   # doctest: +SKIP
    """

    def __init__(self, model_fn, model_dir=None, config=None, params=None,
                 warm_start_from=None):
        if config is None:
            config = RunConfig()
        elif not isinstance(config, RunConfig):
            raise ValueError(f"config must be an instance of `RunConfig`, but provided "
                             f"{config!r}.")
        if model_dir is not None and config.model_dir is not None \
                and os.path.abspath(model_dir) != os.path.abspath(config.model_dir):
            raise ValueError(f"`model_dir` are set both in constructor and `RunConfig`, but "
                             f"with different values. In constructor: '{model_dir}', in "
                             f"`RunConfig`: '{config.model_dir}'.")
        model_dir = model_dir if model_dir is not None else config.model_dir
        if model_dir is None:
            model_dir = tempfile.mkdtemp()
            logging.warning("Using temporary folder as model directory: %s", model_dir)
        model_dir = os.fspath(model_dir)
        self._config = config.replace(model_dir=model_dir)
        self._model_dir = model_dir
        self._model_fn_args = _parameter_names(model_fn, "model_fn")
        if "features" not in self._model_fn_args:
            raise ValueError(f"model_fn ({model_fn}) must include features argument.")
        if params is not None and "params" not in self._model_fn_args:
            raise ValueError(f"model_fn ({model_fn}) does not include params argument, but "
                             f"params ({params!r}) is passed to Estimator.")
        self._model_fn = model_fn
        self._params = copy.deepcopy(params or {})
        if isinstance(warm_start_from, (str, os.PathLike)):
            warm_start_from = WarmStartSettings(os.fspath(warm_start_from))
        if warm_start_from is not None and not isinstance(warm_start_from, WarmStartSettings):
            raise ValueError(f"warm_start_from must be a string or a WarmStartSettings, "
                             f"instead got {type(warm_start_from).__name__}")
        self._warm_start_settings = warm_start_from
        logging.info("Using config: %s", self._config)

    # ---- properties ----------------------------------------------------------------------
    @property
    def model_dir(self):
        return self._model_dir

    @property
    def config(self):
        return copy.deepcopy(self._config)

    @property
    def params(self):
        return copy.deepcopy(self._params)

    @property
    def model_fn(self):
        """The model_fn bound to this Estimator's params and config:
        ``model_fn(features, labels, mode, config)`` returns the EstimatorSpec."""
        def public_model_fn(features, labels, mode, config):
            return self._call_model_fn(features, labels, mode, config)
        return public_model_fn

    def latest_checkpoint(self):
        """The prefix of the newest checkpoint in model_dir, or None."""
        from tensorflux.train.saver import latest_checkpoint
        return latest_checkpoint(self._model_dir)

    def eval_dir(self, name=None):
        """The folder of evaluation event files: model_dir/eval or model_dir/eval_<name>."""
        return os.path.join(self._model_dir, "eval" if not name else "eval_" + name)

    def get_variable_names(self):
        """The names of the variables saved in the latest checkpoint."""
        return sorted(_read_checkpoint(self._require_checkpoint()))

    def get_variable_value(self, name):
        """The value of variable `name` in the latest checkpoint, as a NumPy array."""
        values = _read_checkpoint(self._require_checkpoint())
        if name not in values:
            raise ValueError(f"Variable {name!r} is not in the latest checkpoint of "
                             f"{self._model_dir}; its variables are: "
                             f"{', '.join(sorted(values))}.")
        return values[name]

    def _require_checkpoint(self):
        path = self.latest_checkpoint()
        if path is None:
            raise ValueError(f"Could not find trained model in model_dir: {self._model_dir}. "
                             "Train the Estimator first (estimator.train(input_fn, ...)).")
        return path

    # ---- train ---------------------------------------------------------------------------
    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Trains from the latest checkpoint for `steps` more steps, until the global step
        is `max_steps`, or until input_fn's data runs out; returns self.

        Raises:
            ValueError: both steps and max_steps, or a non-positive one.
            NanLossDuringTrainingError: the loss became NaN.
        """
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        hooks = check_hooks(hooks)
        for listener in saving_listeners or ():
            if not isinstance(listener, CheckpointSaverListener):
                raise TypeError(f"saving_listeners must be a list of "
                                f"CheckpointSaverListener, given: {listener!r}")
        if max_steps is not None:
            start_step = self._checkpoint_global_step()
            if max_steps <= start_step:
                logging.info("Skipping training since max_steps has already saved.")
                return self
        config = self._config
        with self._graph() as graph:
            global_step = _create_global_step(graph)
            features, labels = self._get_features_and_labels(input_fn, ModeKeys.TRAIN)
            spec = self._call_model_fn(features, labels, ModeKeys.TRAIN, config)
            _summary.scalar("loss", spec.loss)
            step_value = global_step.read_value()
            scaffold = _scaffold(graph, spec, config)
            all_hooks = [NanTensorHook(spec.loss)]
            if config.log_step_count_steps:
                all_hooks.append(LoggingTensorHook({"loss": spec.loss, "step": step_value},
                                                   every_n_iter=config.log_step_count_steps))
                all_hooks.append(StepCounterHook(every_n_steps=config.log_step_count_steps,
                                                 output_dir=self._model_dir))
            if steps is not None or max_steps is not None:
                all_hooks.append(StopAtStepHook(steps, max_steps))
            all_hooks += list(spec.training_hooks) + list(spec.training_chief_hooks) + hooks
            if config.save_summary_steps:
                all_hooks.append(SummarySaverHook(save_steps=config.save_summary_steps,
                                                  output_dir=self._model_dir))
            all_hooks.append(CheckpointSaverHook(
                self._model_dir, save_secs=config.save_checkpoints_secs,
                save_steps=config.save_checkpoints_steps, saver=scaffold[2],
                listeners=saving_listeners))
            loss = self._run_training(graph, spec, scaffold, all_hooks)
        logging.info("Loss for final step: %s.", loss)
        return self

    def _run_training(self, graph, spec, scaffold, hooks):
        for hook in hooks:
            hook.begin()
        graph.finalize()
        logging.info("Graph was finalized.")
        loss = None
        try:
            with _Session(graph, self._config) as session:
                self._initialize(session, scaffold, warm_start=True)
                for hook in hooks:
                    hook.after_create_session(session, None)
                runner = HookedSession(session, hooks)
                try:
                    while not runner.stop_requested:
                        loss = runner.run({"train": spec.train_op, "loss": spec.loss})["loss"]
                except errors.OutOfRangeError:
                    logging.info("The input pipeline is exhausted (OutOfRangeError): "
                                 "training stops.")
                for hook in hooks:
                    hook.end(session)
        finally:
            _summary.close_all()
        return loss

    # ---- evaluate ------------------------------------------------------------------------
    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """Evaluates the model on input_fn's data (all of it, or `steps` batches).

        Returns:
            A dict {metric name: value} with the eval_metric_ops values, "loss" (the mean
            loss over the batches) and "global_step" (of the checkpoint evaluated).
        """
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        hooks = check_hooks(hooks)
        checkpoint_path = checkpoint_path or self.latest_checkpoint()
        with self._graph() as graph:
            global_step = _create_global_step(graph)
            features, labels = self._get_features_and_labels(input_fn, ModeKeys.EVAL)
            spec = self._call_model_fn(features, labels, ModeKeys.EVAL, self._config)
            if LOSS_METRIC_KEY in spec.eval_metric_ops:
                raise ValueError("Metric with name \"loss\" is not allowed, because Estimator "
                                 "already defines a default metric with the same name.")
            from tensorflux import metrics
            metric_ops = {LOSS_METRIC_KEY: metrics.mean(spec.loss)}
            metric_ops.update(spec.eval_metric_ops)
            update_ops = [update for _, update in metric_ops.values()]
            values = {key: value for key, (value, _) in metric_ops.items()}
            values["global_step"] = global_step.read_value()
            scaffold = _scaffold(graph, spec, self._config)
            all_hooks = list(spec.evaluation_hooks) + hooks
            if steps is not None:
                all_hooks.append(_StopAfterNEvalsHook(steps))
            for hook in all_hooks:
                hook.begin()
            graph.finalize()
            logging.info("Starting evaluation at %s",
                         time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime()))
            with _Session(graph, self._config) as session:
                self._initialize(session, scaffold, checkpoint_path=checkpoint_path,
                                 purpose="evaluate")
                for hook in all_hooks:
                    hook.after_create_session(session, None)
                runner = HookedSession(session, all_hooks)
                try:
                    while not runner.stop_requested:
                        runner.run(update_ops)
                except errors.OutOfRangeError:
                    pass
                results = session.run(values)
                for hook in all_hooks:
                    hook.end(session)
        logging.info("Finished evaluation at %s",
                     time.strftime("%Y-%m-%d-%H:%M:%S", time.localtime()))
        results = {key: _python_number(value) if key == "global_step" else value
                   for key, value in results.items()}
        logging.info("Saving dict for global step %d: %s", results["global_step"],
                     ", ".join("%s = %s" % (key, results[key]) for key in sorted(results)))
        self._write_eval_summaries(results, name)
        return results

    def _write_eval_summaries(self, results, name):
        writer = _summary.writer(self.eval_dir(name))
        scalars = {key: float(np.asarray(value)) for key, value in results.items()
                   if key != "global_step" and np.asarray(value).ndim == 0
                   and np.asarray(value).dtype.kind in "fiub"}
        _summary.write_scalars(writer, scalars, results["global_step"])
        _summary.close_all()

    # ---- predict -------------------------------------------------------------------------
    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None,
                yield_single_examples=True):
        """Yields the predictions of model_fn (PREDICT mode) for input_fn's features.

        Args:
            predict_keys: the keys of a dict of predictions to keep (default: all).
            yield_single_examples: yield one example at a time (split along the first
                axis) rather than whole batches.

        Yields:
            NumPy arrays, or dicts of them when the predictions are a dict.

        Raises:
            ValueError: a predict_key is not among the predictions, or the predictions of
                one batch do not share their first dimension.
        """
        hooks = check_hooks(hooks)
        checkpoint_path = checkpoint_path or self.latest_checkpoint()
        with self._graph() as graph:
            _create_global_step(graph)
            features, _ = self._get_features_and_labels(input_fn, ModeKeys.PREDICT)
            spec = self._call_model_fn(features, None, ModeKeys.PREDICT, self._config)
            predictions = _select_predictions(spec.predictions, predict_keys)
            scaffold = _scaffold(graph, spec, self._config)
            all_hooks = list(spec.prediction_hooks) + hooks
            for hook in all_hooks:
                hook.begin()
            graph.finalize()
            with _Session(graph, self._config) as session:
                self._initialize(session, scaffold, checkpoint_path=checkpoint_path,
                                 purpose="predict")
                for hook in all_hooks:
                    hook.after_create_session(session, None)
                runner = HookedSession(session, all_hooks)
                while not runner.stop_requested:
                    try:
                        batch = runner.run(predictions)
                    except errors.OutOfRangeError:
                        break
                    if not yield_single_examples:
                        yield batch
                        continue
                    for example in _split_examples(batch, predictions):
                        yield example
                for hook in all_hooks:
                    hook.end(session)

    def export_saved_model(self, export_dir_base, serving_input_receiver_fn,
                           assets_extra=None, as_text=False, checkpoint_path=None,
                           experimental_mode=ModeKeys.PREDICT):
        raise errors.UnimplementedError(
            None, None, "Estimator.export_saved_model is not implemented by tensorflux "
            "(no SavedModel format). The trained weights are in the checkpoints of "
            f"{self._model_dir}: read them with estimator.get_variable_value(name).")

    export_savedmodel = export_saved_model
    experimental_export_all_saved_models = export_saved_model

    # ---- building blocks -----------------------------------------------------------------
    def _graph(self):
        return _FreshGraph(self._config.tf_random_seed)

    def _checkpoint_global_step(self):
        path = self.latest_checkpoint()
        if path is None:
            return 0
        value = _read_checkpoint(path).get("global_step")
        return 0 if value is None else int(value)

    def _get_features_and_labels(self, input_fn, mode):
        from tensorflux.data import Dataset
        names = _parameter_names(input_fn, "input_fn")
        available = {"mode": mode, "params": self.params, "config": self.config,
                     "input_context": None}
        result = input_fn(**{key: value for key, value in available.items() if key in names})
        if isinstance(result, Dataset):
            result = result.make_one_shot_iterator().get_next()
        if isinstance(result, (list, tuple)):
            if len(result) != 2:
                raise ValueError("input_fn should return (features, labels) as a len 2 "
                                 f"tuple, got a {type(result).__name__} of length "
                                 f"{len(result)}.")
            return result[0], result[1]
        return result, None

    def _call_model_fn(self, features, labels, mode, config):
        arguments = {}
        if "labels" in self._model_fn_args:
            arguments["labels"] = labels
        elif labels is not None:
            raise ValueError("model_fn does not take labels, but input_fn returns labels.")
        if "mode" in self._model_fn_args:
            arguments["mode"] = mode
        if "params" in self._model_fn_args:
            arguments["params"] = self.params
        if "config" in self._model_fn_args:
            arguments["config"] = config
        logging.info("Calling model_fn.")
        with _per_graph_layer_names():
            spec = self._model_fn(features=features, **arguments)
        logging.info("Done calling model_fn.")
        if not isinstance(spec, EstimatorSpec):
            raise ValueError(f"model_fn should return an EstimatorSpec, got "
                             f"{type(spec).__name__}: {spec!r}")
        if spec.mode != mode:
            raise ValueError(f"model_fn returned an EstimatorSpec for mode {spec.mode!r} "
                             f"when called in mode {mode!r}.")
        return spec

    def _initialize(self, session, scaffold, warm_start=False, checkpoint_path=None,
                    purpose=None):
        """Initializes every variable, then loads the checkpoint (or warm-starts)."""
        init_op, local_init_op, saver = scaffold
        session.run(init_op)
        if checkpoint_path is None and purpose is None:
            checkpoint_path = self.latest_checkpoint()
        if checkpoint_path is not None:
            logging.info("Restoring parameters from %s", checkpoint_path)
            saver.restore(session, checkpoint_path)
        elif purpose is not None:
            logging.info("Could not find trained model in model_dir: %s, running "
                         "initialization to %s.", self._model_dir, purpose)
        elif warm_start and self._warm_start_settings is not None:
            _warm_start(session.graph, self._warm_start_settings)
        logging.info("Running local_init_op.")
        session.run(local_init_op)
        logging.info("Done running local_init_op.")


def _scaffold(graph, spec, config):
    """(init_op, local_init_op, saver), made before the graph is finalized."""
    from tensorflux.framework import variables
    init_op = variables.variables_initializer(graph.get_collection(GraphKeys.GLOBAL_VARIABLES))
    local_init_op = variables.variables_initializer(
        graph.get_collection(GraphKeys.LOCAL_VARIABLES), name="local_init")
    saver = _scaffold_saver(spec) or _new_saver(config)
    return init_op, local_init_op, saver


class _per_graph_layer_names:
    """Keras layers made by model_fn are named as in a new program (dense, dense_1, ...).

    TF's Keras counts layer names per graph, so the variables of a model_fn keep their names
    (dense/kernel) in every graph the Estimator builds, and checkpoints match; tensorflux
    counts them per program, so the counts are set aside while model_fn runs.
    """

    _MODULE = "tensorflux.keras.layers.base_layer"

    def __enter__(self):
        # Keras is not imported for a model_fn that does not use it.
        base_layer = sys.modules.get(self._MODULE)
        self._counts = {} if base_layer is None else base_layer._names.counts
        if base_layer is not None:
            base_layer._names.counts = {}

    def __exit__(self, *exc):
        base_layer = sys.modules.get(self._MODULE)
        if base_layer is not None:
            base_layer._names.counts = self._counts
        return False


class _FreshGraph:
    """A new graph as the default (so graph mode), with the config's random seed.

    tensorflux keeps the seed set by tf.random.set_seed globally (not per graph, as TF1
    does), so the seed is set for the time the graph is built and the program's own seed
    state is restored afterwards.
    """

    def __init__(self, seed):
        self.graph = Graph()
        self._seed = seed

    def __enter__(self):
        from tensorflux.ops import random_ops
        state = random_ops._SeedState
        self._saved_seed = (state.global_seed, state.op_counter, state.streams)
        self._scope = self.graph.as_default()
        self._scope.__enter__()
        if self._seed is not None:
            random_ops.set_seed(self._seed)
        return self.graph

    def __exit__(self, *exc):
        from tensorflux.ops import random_ops
        state = random_ops._SeedState
        if self._seed is not None:
            state.global_seed, state.op_counter, state.streams = self._saved_seed
        return self._scope.__exit__(*exc)


class _Session:
    """A Session on `graph` closed at the end, with the config's session settings."""

    def __init__(self, graph, config):
        from tensorflux.framework.session import Session
        self.session = Session(graph=graph, config=config.session_config)

    def __enter__(self):
        return self.session

    def __exit__(self, *exc):
        self.session.close()
        return False


class _StopAfterNEvalsHook(SessionRunHook):
    """Stops evaluation after `num_evals` batches, logging progress every tenth."""

    def __init__(self, num_evals):
        self._num_evals = num_evals
        self._done = 0
        self._log_every = max(1, num_evals // 10)

    def after_run(self, run_context, run_values):
        self._done += 1
        if self._done % self._log_every == 0 or self._done == self._num_evals:
            logging.info("Evaluation [%d/%d]", self._done, self._num_evals)
        if self._done >= self._num_evals:
            run_context.request_stop()


# ---- helpers ------------------------------------------------------------------------------

def _parameter_names(function, what):
    if not callable(function):
        raise TypeError(f"{what} must be callable, given: {function!r}")
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return ()
    return tuple(name for name, p in signature.parameters.items()
                 if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


def _create_global_step(graph):
    from tensorflux.train.global_step import create_global_step
    return create_global_step(graph)


def _new_saver(config):
    from tensorflux.train.saver import Saver, get_checkpoint_state
    saver = Saver(max_to_keep=config.keep_checkpoint_max,
                  keep_checkpoint_every_n_hours=config.keep_checkpoint_every_n_hours)
    state = get_checkpoint_state(config.model_dir)
    if state is not None:
        # Continue the list of recent checkpoints so that keep_checkpoint_max also
        # deletes the files of earlier runs.
        saver.recover_last_checkpoints(state.all_model_checkpoint_paths)
    return saver


def _scaffold_saver(spec):
    return getattr(spec.scaffold, "saver", None) if spec.scaffold is not None else None


def _read_checkpoint(prefix):
    """{variable name: array} of a checkpoint written by tf.train.Saver."""
    path = prefix + ".npz"
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile,
            zlib.error) as error:
        raise errors.DataLossError(None, None, f"Checkpoint {path} cannot be read (corrupt "
                                   f"or truncated): {error}") from error


def _warm_start(graph, settings):
    from tensorflux.train.saver import latest_checkpoint
    source = settings.ckpt_to_initialize_from
    prefix = latest_checkpoint(source) if os.path.isdir(source) else source
    if prefix is None:
        raise ValueError(f"Warm-starting: no checkpoint found in {source}.")
    logging.info("Warm-starting from: %s", source)
    stored = _read_checkpoint(prefix)
    selection = settings.vars_to_warm_start
    if selection is None:
        return
    if isinstance(selection, str):
        candidates = graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
        patterns = [selection]
    else:
        candidates = graph.get_collection(GraphKeys.GLOBAL_VARIABLES)
        patterns = list(selection)
    for variable in candidates:
        name = variable._op_name
        if not any(re.match(pattern, name) for pattern in patterns):
            continue
        previous = settings.var_name_to_prev_var_name.get(name, name)
        if previous not in stored:
            logging.info("Warm-starting: %s is not in %s; it keeps its initial value.",
                         previous, prefix)
            continue
        value = stored[previous]
        if not variable.shape.is_compatible_with(value.shape):
            raise ValueError(f"Warm-starting {name} from {previous}: the checkpoint has "
                             f"shape {tuple(value.shape)}, the variable {variable.shape}.")
        logging.debug("Warm-starting variable: %s; prev_var_name: %s", name, previous)
        variable._value = np.array(value, dtype=variable.dtype.as_numpy_dtype, copy=True)


def _select_predictions(predictions, predict_keys):
    if predict_keys is None:
        return predictions
    if not isinstance(predictions, dict):
        raise ValueError("predict_keys argument is not valid in case of non-dict "
                         "predictions.")
    keys = [predict_keys] if isinstance(predict_keys, str) else list(predict_keys)
    missing = [key for key in keys if key not in predictions]
    if missing:
        raise ValueError(f"Expected to run at least one output from {sorted(predictions)}, "
                         f"provided {keys}; not found: {missing}.")
    return {key: predictions[key] for key in keys}


def _split_examples(batch, predictions):
    if isinstance(batch, dict):
        sizes = {key: np.shape(value)[0] if np.ndim(value) else None
                 for key, value in batch.items()}
        if any(size is None for size in sizes.values()) or len(set(sizes.values())) > 1:
            raise ValueError(f"Batch length of predictions should be same. {sizes}: "
                             "with yield_single_examples=True every prediction must have "
                             "the batch size as its first dimension.")
        count = next(iter(sizes.values()), 0)
        for index in range(count):
            yield {key: value[index] for key, value in batch.items()}
        return
    if np.ndim(batch) == 0:
        raise ValueError(f"Prediction {predictions!r} has no batch dimension: with "
                         "yield_single_examples=True it must have the batch size as its "
                         "first dimension.")
    for row in batch:
        yield row


def _python_number(value):
    value = np.asarray(value)
    return value[()] if value.ndim == 0 else value

