"""The training engine mixed into Model: compile, fit, evaluate, predict and the step functions.

Each step (`train_step`, `test_step`, `predict_step`) runs through `tf.function` unless
`run_eagerly=True`: one compiled plan call per batch (forward, loss, gradients, optimizer
updates and metric updates together). Both paths compute the same numbers.
"""
import copy
import warnings

import numpy as np

import tensorflux as tf
from tensorflux.framework import nest
from tensorflux.framework.function import Function
from tensorflux.framework.tensor import Tensor
from tensorflux.keras.callbacks.base import CallbackList
from tensorflux.keras.engine import data_adapter
from tensorflux.keras.engine.compile_utils import CompiledLoss, CompiledMetrics

__all__ = ["Trainer"]


class Trainer:
    """compile / fit / evaluate / predict (mixed into keras.Model)."""

    def _init_trainer(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._run_eagerly = False
        self._train_function = self._test_function = self._predict_function = None
        self._compiled_loss = self._compiled_metrics = None
        self._loss_tracker = None
        self.compile_config = None

    # ---- compile ------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True, **kwargs):
        """Configures training: optimizer, loss(es) per output, metrics per output."""
        from tensorflux.keras import metrics as metrics_module
        from tensorflux.keras import optimizers
        if kwargs:
            raise TypeError(f"compile() got unexpected keyword arguments {sorted(kwargs)}.")
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self._run_eagerly = bool(run_eagerly)
        names = self.output_names
        self._compiled_loss = CompiledLoss(loss, loss_weights, names) if loss is not None \
            else None
        self._compiled_metrics = CompiledMetrics(
            metrics, weighted_metrics, names,
            self._compiled_loss.specs if self._compiled_loss else [None] * len(names))
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._output_loss_trackers = [metrics_module.Mean(name=f"{n}_loss") for n in names] \
            if len(names) > 1 else []
        self._train_function = self._test_function = self._predict_function = None
        self.compiled = True
        self.compile_config = {"optimizer": optimizer if isinstance(optimizer, str) else None,
                               "loss": loss if isinstance(loss, (str, dict, list)) else None,
                               "metrics": metrics, "loss_weights": loss_weights}

    @property
    def run_eagerly(self):
        return self._run_eagerly or tf.config.functions_run_eagerly()

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = bool(value)
        self._train_function = self._test_function = self._predict_function = None

    @property
    def metrics(self):
        found = []
        if self._loss_tracker is not None:
            found.append(self._loss_tracker)
        if self._compiled_metrics is not None and self._compiled_metrics.built:
            found.extend(m for _, m, _ in self._compiled_metrics.metrics)
        return found

    @property
    def metrics_names(self):
        return [getattr(m, "_log_name", m.name) for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics + self._output_loss_trackers if self.compiled else []:
            m.reset_state()

    def _assert_compiled(self):
        if not self.compiled:
            raise RuntimeError("You must compile your model before training/testing. Use "
                               "`model.compile(optimizer, loss)`.")

    # ---- steps --------------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if self._compiled_loss is None:
            losses = self.losses
            if not losses:
                raise ValueError("The model has no loss: pass `loss=` to compile().")
            total = tf.add_n([tf.cast(l, tf.float32) for l in losses])
            return total, []
        return self._compiled_loss(y, y_pred, sample_weight, self.losses)

    def train_step(self, data):
        x, y, sample_weight = data_adapter.unpack(data)
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss, parts = self.compute_loss(x, y, y_pred, sample_weight)
        variables = self.trainable_variables
        gradients = tape.gradient(loss, variables)
        if not any(g is not None for g in gradients):
            raise ValueError("No gradients provided for any variable: the loss does not depend "
                             f"on the model's trainable weights ({[v.name for v in variables]})."
                             )
        self.optimizer.apply_gradients(zip(gradients, variables))
        return self._update_metrics(y, y_pred, sample_weight, loss, parts)

    def test_step(self, data):
        x, y, sample_weight = data_adapter.unpack(data)
        y_pred = self(x, training=False)
        loss, parts = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        return self._update_metrics(y, y_pred, sample_weight, loss, parts)

    def predict_step(self, data):
        x, _, _ = data_adapter.unpack(data)
        return self(x, training=False)

    def _update_metrics(self, y, y_pred, sample_weight, loss, parts):
        batch = _batch_size(y_pred)
        self._loss_tracker.update_state(loss, sample_weight=batch)
        for tracker, part in zip(self._output_loss_trackers, parts):
            if part is not None:
                tracker.update_state(part, sample_weight=batch)
        if y is not None:
            self._compiled_metrics.update_state(y, y_pred, sample_weight)
        return self._logs()

    def _logs(self):
        logs = {"loss": self._loss_tracker.result()}
        for tracker in self._output_loss_trackers:
            logs[tracker.name] = tracker.result()
        logs.update(self._compiled_metrics.results())
        return logs

    def _structure_targets(self, y):
        """Dict targets keyed by output name -> a list in output order."""
        if isinstance(y, dict) and len(self.output_names) >= 1:
            missing = [n for n in self.output_names if n not in y]
            if missing and len(y) == len(self.output_names):
                raise ValueError(f"Target dict keys {sorted(y)} do not match the model's "
                                 f"output names {self.output_names}.")
            values = [y.get(n) for n in self.output_names]
            return values if len(values) > 1 else values[0]
        return y

    def _prepare_first_batch(self, x, y):
        """Builds the model, the compiled metrics and the optimizer eagerly (before tracing)."""
        if self._compiled_metrics is not None and not self._compiled_metrics.built:
            y_pred = self(x, training=False)
            self._compiled_metrics.build(y_pred)

    def _function(self, step):
        if self.run_eagerly:
            return step
        return tf.function(step)

    def make_train_function(self, force=False):
        if self._train_function is None or force:
            self._train_function = self._function(self.train_step)
        return self._train_function

    def make_test_function(self, force=False):
        if self._test_function is None or force:
            self._test_function = self._function(self.test_step)
        return self._test_function

    def make_predict_function(self, force=False):
        if self._predict_function is None or force:
            self._predict_function = self._function(self.predict_step)
        return self._predict_function

    # ---- fit ----------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, **kwargs):
        """Trains for `epochs` epochs; returns a History (`history.history["loss"]`, ...).

        `x` is NumPy arrays / tensors (with `y`), a tf.data.Dataset, a keras.utils.PyDataset
        or a Python generator of (x, y[, sample_weight]) batches (see
        tensorflux.keras.engine.data_adapter for how each is cut into epochs). tf.keras 2's
        `workers`, `use_multiprocessing` and `max_queue_size` are accepted and ignored
        (batches are read in the calling thread).
        """
        self._assert_compiled()
        _pop_parallelism_arguments(kwargs)
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword arguments {sorted(kwargs)}.")
        verbose = 1 if verbose == "auto" else verbose
        y = self._structure_targets(y)
        if validation_split and validation_data is None:
            if data_adapter.is_data_source(x):
                raise ValueError("`validation_split` is only supported for NumPy arrays and "
                                 "tensors, not for datasets, PyDatasets or generators: pass "
                                 "`validation_data` instead.")
            (x, y, sample_weight), (vx, vy, vsw) = data_adapter.train_validation_split(
                (nest.map_structure(data_adapter.to_array, x),
                 None if y is None else nest.map_structure(data_adapter.to_array, y),
                 sample_weight), validation_split)
            validation_data = (vx, vy, vsw) if vsw is not None else (vx, vy)
        handler = data_adapter.DataHandler(x, y, sample_weight, batch_size, steps_per_epoch,
                                           shuffle, class_weight, epochs, initial_epoch)
        val_handler = None
        if validation_data is not None:
            if data_adapter.is_data_source(validation_data):
                vx, vy, vsw = validation_data, None, None
            else:
                vx, vy, vsw = data_adapter.unpack(validation_data)
                vy = self._structure_targets(vy)
            val_handler = data_adapter.DataHandler(vx, vy, vsw, validation_batch_size or
                                                   batch_size, validation_steps)
        callback_list = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, model=self, add_history=True, add_progbar=verbose != 0,
            verbose=verbose, epochs=epochs, steps=handler.steps)
        self.stop_training = False
        train_function = None
        callback_list.call("on_train_begin", None)
        # BackupAndRestore resumes an interrupted fit after the epoch of its last backup
        initial_epoch = getattr(self, "_initial_epoch", None) or initial_epoch
        logs, epoch_logs = {}, None
        wants_batch_begin = callback_list.wants("on_train_batch_begin")
        wants_batch_end = callback_list.wants("on_train_batch_end") or \
            callback_list.wants("on_batch_end")
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callback_list.call("on_epoch_begin", epoch, None)
            step = -1
            for step, batch in enumerate(handler.epoch_batches()):
                if train_function is None:
                    self._prepare_first_batch(batch[0], batch[1])
                    train_function = self.make_train_function()
                if wants_batch_begin:
                    callback_list.call("on_train_batch_begin", step, None)
                batch_logs = train_function(_as_step_input(batch, train_function))
                if wants_batch_end:
                    logs = _to_python(batch_logs)
                    callback_list.call("on_train_batch_end", step, logs)
                else:
                    logs = batch_logs
                if self.stop_training:
                    break
            if step < 0:
                raise ValueError("The training data is empty: fit() received no batches.")
            epoch_logs = _to_python(self._logs() if step >= 0 else logs)
            if val_handler is not None and (epoch + 1) % validation_freq == 0:
                # the fit's callbacks see the validation run (on_test_*), as in Keras; the
                # progress bar stays on the epoch line
                val_logs = self._evaluate_handler(val_handler, callback_list, verbose=0)
                if val_logs is None:
                    warnings.warn(f"The validation data gave no batch for epoch {epoch + 1} "
                                  "(a generator is exhausted after one pass: give "
                                  "`validation_steps` with a generator that loops forever, "
                                  "or use a PyDataset or a dataset); no val_ metrics are "
                                  "recorded for this epoch.", stacklevel=2)
                else:
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callback_list.call("on_epoch_end", epoch, epoch_logs)
            if self.stop_training:
                break
            if epoch + 1 < epochs and handler.exhausted:
                if not handler.ran_out:
                    warnings.warn(
                        f"Your input ran out of data; interrupting training after epoch "
                        f"{epoch + 1} of {epochs}. A Python generator is read once: make it "
                        "loop forever and pass `steps_per_epoch`, or use a "
                        "keras.utils.PyDataset or a tf.data.Dataset, to train for several "
                        "epochs.", stacklevel=2)
                break
        callback_list.call("on_train_end", epoch_logs if handler.steps != 0 else None)
        return callback_list.history or self.history

    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1,
                      callbacks=None, validation_data=None, validation_steps=None,
                      validation_freq=1, class_weight=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Deprecated tf.keras 2 spelling of `fit(generator, ...)` (warns, then calls fit)."""
        _warn_generator_method("fit")
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs,
                        verbose=verbose, callbacks=callbacks, validation_data=validation_data,
                        validation_steps=validation_steps, validation_freq=validation_freq,
                        class_weight=class_weight, shuffle=shuffle,
                        initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                           workers=1, use_multiprocessing=False, verbose=0):
        """Deprecated tf.keras 2 spelling of `evaluate(generator, ...)` (warns)."""
        _warn_generator_method("evaluate")
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                          workers=1, use_multiprocessing=False, verbose=0):
        """Deprecated tf.keras 2 spelling of `predict(generator, ...)` (warns)."""
        _warn_generator_method("predict")
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    # ---- evaluate -----------------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """Loss and metrics on the data: a list [loss, *metrics] (or a dict)."""
        self._assert_compiled()
        _pop_parallelism_arguments(kwargs)
        verbose = 1 if verbose == "auto" else verbose
        y = self._structure_targets(y)
        handler = data_adapter.DataHandler(x, y, sample_weight, batch_size, steps)
        callback_list = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, model=self, add_progbar=verbose != 0, verbose=verbose, epochs=1,
            steps=handler.steps)
        logs = self._evaluate_handler(handler, callback_list, verbose)
        if logs is None:
            raise ValueError("evaluate() received no data: the input gave no batch.")
        if return_dict:
            return logs
        values = [logs[name] for name in self._ordered_log_names(logs)]
        return values[0] if len(values) == 1 else values

    def _ordered_log_names(self, logs):
        names = ["loss"] + [t.name for t in self._output_loss_trackers]
        names += [m._log_name for _, m, _ in (self._compiled_metrics.metrics or [])]
        return [n for n in names if n in logs]

    def _evaluate_handler(self, handler, callback_list, verbose):
        """Runs the test step over one epoch of `handler`; the logs (None: no batch came)."""
        for m in [self._loss_tracker] + self._output_loss_trackers:
            m.reset_state()
        if self._compiled_metrics.built:
            self._compiled_metrics.reset_state()
        if callback_list is not None:
            callback_list.call("on_test_begin", None)
        test_function = None
        logs = {}
        wants_batch = callback_list is not None and callback_list.wants("on_test_batch_end")
        wants_begin = callback_list is not None and callback_list.wants("on_test_batch_begin")
        step = -1
        for step, batch in enumerate(handler.epoch_batches()):
            if test_function is None:
                self._prepare_first_batch(batch[0], batch[1])
                test_function = self.make_test_function()
            if wants_begin:
                callback_list.call("on_test_batch_begin", step, None)
            logs = test_function(_as_step_input(batch, test_function))
            if wants_batch:
                callback_list.call("on_test_batch_end", step, _to_python(logs))
        if step < 0:
            if callback_list is not None:
                callback_list.call("on_test_end", None)
            return None
        logs = _to_python(self._logs())
        if callback_list is not None:
            callback_list.call("on_test_end", logs)
        return logs

    # ---- predict ------------------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None, **kwargs):
        """Model outputs for `x`, batch by batch, concatenated into NumPy arrays."""
        _pop_parallelism_arguments(kwargs)
        verbose = 1 if verbose == "auto" else verbose
        handler = data_adapter.DataHandler(x, None, None, batch_size, steps)
        callback_list = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, model=self, add_progbar=verbose != 0, verbose=verbose, epochs=1,
            steps=handler.steps)
        callback_list.call("on_predict_begin", None)
        predict_function = self.make_predict_function()
        outputs = []
        wants_begin = callback_list.wants("on_predict_batch_begin")
        for step, batch in enumerate(handler.epoch_batches()):
            if wants_begin:
                callback_list.call("on_predict_batch_begin", step, None)
            result = predict_function(_as_step_input((batch[0],), predict_function))
            outputs.append(nest.map_structure(lambda t: np.asarray(t), result))
            callback_list.call("on_predict_batch_end", step, {"outputs": result})
        callback_list.call("on_predict_end", None)
        if not outputs:
            raise ValueError("predict() received no data.")
        return nest.map_structure(lambda *parts: np.concatenate(parts, axis=0), *outputs) \
            if len(outputs) > 1 else outputs[0]

    # ---- single batches -----------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        self._assert_compiled()
        handler = _single_batch_handler(x, self._structure_targets(y), sample_weight,
                                        class_weight)
        self.reset_metrics()
        batch = next(iter(handler.epoch_batches()))
        self._prepare_first_batch(batch[0], batch[1])
        logs = _to_python(self.make_train_function()(_as_step_input(batch)))
        return logs if return_dict else self._list_logs(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled()
        handler = _single_batch_handler(x, self._structure_targets(y), sample_weight)
        logs = self._evaluate_handler(handler, None, 0)
        return logs if return_dict else self._list_logs(logs)

    def predict_on_batch(self, x):
        result = self.make_predict_function()(_as_step_input((nest.map_structure(
            lambda a: data_adapter._cast_batch(data_adapter.to_array(a)), x),)))
        return nest.map_structure(lambda t: np.asarray(t), result)

    def _list_logs(self, logs):
        values = [logs[n] for n in self._ordered_log_names(logs)]
        return values[0] if len(values) == 1 else values


def _pop_parallelism_arguments(kwargs):
    """tf.keras 2's fit/evaluate/predict took workers, use_multiprocessing and max_queue_size
    (for generators and Sequences); accepted and ignored (batches are read in order, in the
    calling thread). A PyDataset takes them in its constructor instead, as in Keras 3."""
    for name in ("workers", "use_multiprocessing", "max_queue_size"):
        kwargs.pop(name, None)


def _single_batch_handler(x, y, sample_weight, class_weight=None):
    """A handler giving all the samples as one batch (train_on_batch / test_on_batch)."""
    adapter = data_adapter.ArrayDataAdapter(x, y, sample_weight, class_weight=class_weight)
    adapter.batch_size = max(adapter.num_samples, 1)
    adapter.num_batches = 1
    return data_adapter.DataHandler(adapter)


def _warn_generator_method(method):
    """tf.keras 2's warning for `Model.<method>_generator`, a deprecated spelling."""
    warnings.warn(f"`Model.{method}_generator` is deprecated and will be removed in a future "
                  f"version. Please use `Model.{method}`, which supports generators.",
                  UserWarning, stacklevel=3)


def _as_step_input(batch, step_function=None):
    """A batch as tensors (a step function traces once per shape signature). A compiled
    step (a tf.function) takes NumPy arrays as they are: it would only unwrap them again."""
    keep_arrays = isinstance(step_function, Function)

    def convert(a):
        if a is None or isinstance(a, Tensor) or (keep_arrays and type(a) is np.ndarray):
            return a
        return tf.convert_to_tensor(a)
    return tuple(None if part is None else
                 part if keep_arrays and type(part) is np.ndarray else
                 nest.map_structure(convert, part) for part in batch)


def _batch_size(y_pred):
    first = nest.flatten(y_pred)[0]
    return tf.cast(tf.shape(first)[0], tf.float32)


def _to_python(logs):
    return {k: float(np.asarray(v)) if np.ndim(np.asarray(v)) == 0 else np.asarray(v)
            for k, v in logs.items()}


del copy
