"""Keras' progress bar: updates in place on a terminal, one line per epoch otherwise.

    1875/1875 ━━━━━━━━━━━━━━━━━━━━ 2s 1ms/step - accuracy: 0.8123 - loss: 0.5234
"""
import os
import sys
import time

import numpy as np

__all__ = ["Progbar"]


class Progbar:
    """Displays progress of `target` steps with running metric values.

    Args:
        target: total number of steps (None if unknown).
        width: bar width in characters.
        verbose: 1 for the bar, 2 for one line at the end, 0 for nothing.
        interval: minimum seconds between terminal updates.
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step"):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self._start = time.time()
        self._last_update = 0.0
        self._values = {}
        self._seen = 0
        self._dynamic = (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()) or \
            "ipykernel" in sys.modules or os.environ.get("TENSORFLUX_PROGBAR_DYNAMIC") == "1"
        self._previous_width = 0

    def update(self, current, values=None, finalize=None):
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for key, value in (values or []):
            self._values[key] = value
        self._seen = current
        if self.verbose == 0:
            return
        now = time.time()
        if self.verbose == 1:
            if not finalize and now - self._last_update < self.interval:
                return
            if not self._dynamic and not finalize:
                return
            line = self._line(current, now, finalize)
            if self._dynamic:
                padding = max(self._previous_width - len(line), 0)
                sys.stdout.write("\r" + line + " " * padding)
                self._previous_width = len(line)
                if finalize:
                    sys.stdout.write("\n")
            else:
                sys.stdout.write(line + "\n")
            sys.stdout.flush()
            self._last_update = now
        elif self.verbose == 2 and finalize:
            sys.stdout.write(self._line(current, now, True, bar=False) + "\n")
            sys.stdout.flush()

    def add(self, n, values=None):
        self.update(self._seen + n, values)

    def _line(self, current, now, finalize, bar=True):
        parts = []
        if self.target is not None:
            digits = len(str(self.target))
            parts.append(f"{current:>{digits}}/{self.target}")
            if bar:
                filled = int(self.width * current / self.target) if self.target else self.width
                filled = self.width if finalize else filled
                parts.append("\u2501" * filled + "\u2500" * (self.width - filled))
        else:
            parts.append(f"{current:7d}/Unknown")       # Keras' spelling of an open total
        elapsed = now - self._start
        per_step = elapsed / max(current, 1)
        if finalize:
            parts.append(f"{_format_time(elapsed)} {_format_rate(per_step, self.unit_name)}")
        elif self.target is not None:
            eta = per_step * (self.target - current)
            parts.append(f"{_format_time(eta)} {_format_rate(per_step, self.unit_name)}")
        text = " ".join(parts)
        for key, value in self._values.items():
            text += f" - {key}: {_format_value(value)}"
        return text


def _format_value(value):
    value = float(np.mean(value)) if not isinstance(value, (int, float)) else value
    if abs(value) >= 1e-3 or value == 0:
        return f"{value:.4f}"
    return f"{value:.4e}"


def _format_time(seconds):
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(round(seconds))}s"


def _format_rate(seconds, unit):
    if seconds >= 1:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"
