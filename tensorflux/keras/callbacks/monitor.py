"""MonitorCallback: the shared "did the monitored quantity improve?" logic of ModelCheckpoint,
EarlyStopping and ReduceLROnPlateau."""
import warnings

import numpy as np

from tensorflux.keras.callbacks.base import Callback

__all__ = ["MonitorCallback"]

# Fallback when a metric does not say which way is better (metrics may set `_direction`).
_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1", "fbeta", "fmeasure", "iou",
                     "true_positives", "true_negatives", "cosine_similarity", "r2")
_LOWER_IS_BETTER = ("loss", "error", "crossentropy", "hinge", "false_positives",
                    "false_negatives", "divergence", "poisson", "logcosh", "log_cosh", "mse",
                    "mae", "mape", "msle")


class MonitorCallback(Callback):
    """Base class: tracks `best` and decides improvements of `logs[monitor]`.

    Args:
        monitor: the logs key to watch ("val_loss", "accuracy", ...).
        mode: "min", "max", or "auto" (from the metric: losses and errors go down,
            accuracies go up).
        baseline: the initial reference value (None: the first value is an improvement).
        min_delta: the smallest change that counts as an improvement.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode {mode!r} is unknown, fallback to auto "
                          "mode.", stacklevel=3)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        else:
            self.monitor_op = self._auto_direction()
        if self.monitor_op is np.less:
            self.min_delta *= -1

    def _auto_direction(self):
        name = self.monitor[4:] if self.monitor.startswith("val_") else self.monitor
        if name == "loss" or name.endswith("_loss"):
            return np.less
        for metric in getattr(self.model, "metrics", None) or []:
            if name in (getattr(metric, "name", None), getattr(metric, "_log_name", None)):
                direction = getattr(metric, "_direction", None)
                if direction in ("up", "down"):
                    return np.greater if direction == "up" else np.less
        lowered = name.lower()
        if any(key in lowered for key in _HIGHER_IS_BETTER):
            return np.greater
        if any(key in lowered for key in _LOWER_IS_BETTER):
            return np.less
        raise ValueError(f"{type(self).__name__} callback received monitor={self.monitor!r}, "
                         "but cannot tell whether that metric should be maximized or "
                         "minimized. Pass mode='max' to keep the highest value, or mode='min' "
                         "to keep the lowest.")

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        return bool(self.monitor_op(value - self.min_delta, reference))
