"""Callback base class, the list that dispatches hooks, History and the progress-bar logger."""
import numpy as np

from tensorflux.keras.utils.progbar import Progbar

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]


class Callback:
    """Override any hook: on_(train|test|predict)_(begin|end), on_epoch_(begin|end),
    on_(train|test|predict)_batch_(begin|end). `self.model` and `self.params` are set by fit."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): pass
    def on_train_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass

    # Keras 2 names
    def on_batch_begin(self, batch, logs=None): pass
    def on_batch_end(self, batch, logs=None): pass


_HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
          "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
          "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
          "on_predict_batch_begin", "on_predict_batch_end"]


class CallbackList:
    """Calls a hook on every callback in order. Batch hooks are skipped entirely when no
    callback overrides them (so a plain fit pays nothing per batch)."""

    def __init__(self, callbacks=None, model=None, add_history=False, add_progbar=False,
                 **params):
        self.callbacks = list(callbacks or [])
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        self.history = None
        if add_history:
            self.history = next((c for c in self.callbacks if isinstance(c, History)), None)
            if self.history is None:
                self.history = History()
                self.callbacks.append(self.history)
        self.model = model
        for c in self.callbacks:
            c.set_model(model)
            c.set_params(params)
        self._active = {hook: [c for c in self.callbacks if _overrides(c, hook)]
                        for hook in _HOOKS + ["on_batch_begin", "on_batch_end"]}

    def append(self, callback):
        callback.set_model(self.model)
        self.callbacks.append(callback)
        for hook in self._active:
            if _overrides(callback, hook):
                self._active[hook].append(callback)

    def set_params(self, params):
        for c in self.callbacks:
            c.set_params(params)

    def wants(self, hook):
        return bool(self._active[hook])

    def call(self, hook, *args):
        for c in self._active[hook]:
            getattr(c, hook)(*args)
        if hook in ("on_train_batch_begin", "on_train_batch_end"):
            legacy = "on_batch_begin" if hook.endswith("begin") else "on_batch_end"
            for c in self._active[legacy]:
                getattr(c, legacy)(*args)


def _overrides(callback, hook):
    method = getattr(type(callback), hook, None)
    return method is not None and method is not getattr(Callback, hook, None)


class History(Callback):
    """Records the logs of each epoch: `history.history["loss"]` is a list per epoch."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self


class ProgbarLogger(Callback):
    """Prints "Epoch i/n" and the progress bar (verbose 1) or one line per epoch (verbose 2)."""

    def __init__(self, count_mode="steps", stateful_metrics=None):
        super().__init__()
        self._bar = None
        self._mode = None

    def _verbose(self):
        return self.params.get("verbose", 1)

    def on_train_begin(self, logs=None):
        self._mode = "train"

    def on_epoch_begin(self, epoch, logs=None):
        verbose = self._verbose()
        if verbose:
            epochs = self.params.get("epochs", 1)
            print(f"Epoch {epoch + 1}/{epochs}")
        self._bar = Progbar(self.params.get("steps"), verbose=verbose)

    def on_train_batch_end(self, batch, logs=None):
        if self._bar is not None and self._verbose() == 1:
            self._bar.update(batch + 1, _items(logs), finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        if self._bar is not None:
            steps = self.params.get("steps") or self._bar._seen
            self._bar.update(steps, _items(logs), finalize=True)

    def on_test_begin(self, logs=None):
        if self._mode != "train" and self.params.get("verbose", 1):
            self._bar = Progbar(self.params.get("steps"), verbose=self._verbose())

    def on_test_batch_end(self, batch, logs=None):
        if self._mode != "train" and self._bar is not None and self._verbose() == 1:
            self._bar.update(batch + 1, _items(logs), finalize=False)

    def on_test_end(self, logs=None):
        if self._mode != "train" and self._bar is not None:
            self._bar.update(self.params.get("steps") or self._bar._seen, _items(logs),
                             finalize=True)

    def on_predict_begin(self, logs=None):
        self._mode = "predict"
        self._bar = Progbar(self.params.get("steps"), verbose=self._verbose())

    def on_predict_batch_end(self, batch, logs=None):
        if self._bar is not None and self._verbose() == 1:
            self._bar.update(batch + 1, finalize=False)

    def on_predict_end(self, logs=None):
        if self._bar is not None:
            self._bar.update(self.params.get("steps") or self._bar._seen, finalize=True)

    def on_train_end(self, logs=None):
        self._mode = None


def _items(logs):
    return [(k, v) for k, v in sorted((logs or {}).items()) if np.ndim(v) == 0]
