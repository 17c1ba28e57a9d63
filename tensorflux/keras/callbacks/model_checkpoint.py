"""ModelCheckpoint: saves the model (or its weights) during training."""
import os
import warnings

import numpy as np

from tensorflux.keras.callbacks.monitor import MonitorCallback

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(MonitorCallback):
    """Saves the model or its weights at the end of every epoch (or every `save_freq` batches).

    Args:
        filepath: where to save; may hold format fields filled from the epoch (1-based) and
            the logs, e.g. "ckpt/model_{epoch:02d}-{val_loss:.2f}.keras" (with `save_freq`
            an integer, also `{batch}`). Ends in `.keras`, `.h5` or has no extension (a
            directory); with `save_weights_only=True`, ends in `.weights.h5` (or `.h5`).
        monitor: the logs key that decides "best" (default "val_loss").
        verbose: 1 prints a message at each save.
        save_best_only: save only when `monitor` improved on the best value so far.
        save_weights_only: save only the weights (`model.save_weights`).
        mode: "auto", "min" or "max" (which way `monitor` improves).
        save_freq: "epoch", or an integer: save every that many batches.
        initial_value_threshold: the best value to beat at the start (with save_best_only).

    Raises:
        ValueError: a file extension that does not fit `save_weights_only`, or a bad
            `save_freq`.

    Example:
        >>> checkpoint = tf.keras.callbacks.ModelCheckpoint("model_{epoch:02d}.keras")
        >>> checkpoint.save_freq
        'epoch'
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if save_freq != "epoch" and (not isinstance(save_freq, int) or
                                     isinstance(save_freq, bool) or save_freq < 1):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected 'epoch' or a "
                             "positive integer (a number of batches).")
        if save_weights_only:
            if not self.filepath.endswith((".weights.h5", ".h5", ".hdf5")):
                raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, "
                                 "the filepath provided must end in `.weights.h5` (Keras "
                                 f"weights format). Received: filepath={self.filepath}")
        elif not (self.filepath.endswith((".keras", ".h5", ".hdf5")) or
                  os.path.splitext(self.filepath.rstrip("/\\"))[1] == ""):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format), "
                             "`.h5` (legacy format) or have no extension (a directory). "
                             f"Received: filepath={self.filepath}")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1          # a new epoch started (batches are 0-based)
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self, epoch, batch, logs):
        logs = dict(logs or {})
        if self.monitor_op is None:
            self._set_monitor_op_safely()
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _set_monitor_op_safely(self):
        try:
            self._set_monitor_op()
        except ValueError:
            if self.save_best_only:
                raise
            self.monitor_op = np.less      # irrelevant: every save happens

    def _should_save(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          stacklevel=3)
            return True
        if np.ndim(current) > 0:
            warnings.warn(f"Can save best model only when `monitor` is a scalar value. "
                          f"Received: {current}. Falling back to `save_best_only=False`.",
                          stacklevel=3)
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                      f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _get_file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as error:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {error} is not a key of the logs ({sorted(logs)}) nor "
                           "'epoch'/'batch'.") from None
