"""Small callbacks: LambdaCallback (hooks from functions), TerminateOnNaN, RemoteMonitor."""
import numpy as np

from tensorflux.keras.callbacks.base import _HOOKS, Callback

__all__ = ["LambdaCallback", "TerminateOnNaN", "RemoteMonitor"]

_ALL_HOOKS = tuple(_HOOKS) + ("on_batch_begin", "on_batch_end")


class LambdaCallback(Callback):
    """A callback made of plain functions, one per hook.

    Args:
        on_epoch_begin, on_epoch_end: functions (epoch, logs).
        on_train_begin, on_train_end: functions (logs).
        on_train_batch_begin, on_train_batch_end: functions (batch, logs).
        **kwargs: functions for the other hooks (on_test_begin, on_predict_batch_end, ...).

    Raises:
        TypeError: an unknown hook name or a non-callable.

    Example:
        >>> seen = []
        >>> callback = tf.keras.callbacks.LambdaCallback(
        ...     on_epoch_end=lambda epoch, logs: seen.append(epoch))
        >>> callback.on_epoch_end(0, {})
        >>> seen
        [0]
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        unknown = sorted(set(hooks) - set(_ALL_HOOKS))
        if unknown:
            raise TypeError(f"LambdaCallback got unknown hooks {unknown}; valid hooks are "
                            f"{list(_ALL_HOOKS)}.")
        methods = {}
        for hook, function in hooks.items():
            if function is None:
                continue
            if not callable(function):
                raise TypeError(f"LambdaCallback({hook}=...) must be a function, got "
                                f"{function!r}.")
            methods[hook] = _delegate(function)
        # Hooks are methods of a per-instance subclass: the callback list dispatches only the
        # hooks a callback defines (so unused batch hooks cost nothing).
        if methods:
            self.__class__ = type("LambdaCallback", (LambdaCallback,), methods)


def _delegate(function):
    def hook(self, *args):
        return function(*args)
    return hook


class TerminateOnNaN(Callback):
    """Stops training when the loss of a batch is NaN or infinite.

    Args:
        raise_error: raise a RuntimeError at once instead of stopping gracefully (which still
            runs every callback's on_train_end).
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = float(np.asarray(loss))
        if np.isnan(loss) or np.isinf(loss):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                                   f"{loss}. Terminating training immediately.")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class RemoteMonitor(Callback):
    """Not implemented: posting logs to an HTTP server is outside tensorflux."""

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        raise NotImplementedError(
            "keras.callbacks.RemoteMonitor (posting epoch logs to an HTTP server) is not "
            "implemented by tensorflux. Use keras.callbacks.CSVLogger, or a LambdaCallback "
            "whose on_epoch_end sends the logs where you need them.")
