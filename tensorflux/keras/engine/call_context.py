"""The `training` flag seen by layers called inside a model call (Keras' call context)."""
import threading


class _Context(threading.local):
    def __init__(self):
        self.training = []
        self.depth = 0           # how many Layer.__call__s are running (0: none)
        self.with_losses = []    # layers holding add_loss / activity losses of a call


_context = _Context()


def current_training():
    return _context.training[-1] if _context.training else None


class training_scope:
    def __init__(self, training):
        self.training = training

    def __enter__(self):
        _context.training.append(self.training)

    def __exit__(self, *exc):
        _context.training.pop()
        return False
