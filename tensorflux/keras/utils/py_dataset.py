"""keras.utils.PyDataset (alias keras.utils.Sequence): a dataset written in Python as
indexable batches, which `model.fit` / `evaluate` / `predict` consume.

A subclass implements `__len__` (the number of batches; or a `num_batches` property, None for
an endless dataset) and `__getitem__(index)` returning one whole batch: `(x,)`, `(x, y)`,
`(x, y, sample_weight)`, a bare array of inputs, or a dict of inputs. `on_epoch_begin()` and
`on_epoch_end()` are called by fit around every epoch (and around each evaluate / predict
pass), e.g. to reshuffle the samples.

fit(shuffle=True) (the default) visits the batches of a finite PyDataset in a random order each
epoch, as Keras 3 does; evaluate and predict keep the order.

`workers`, `use_multiprocessing` and `max_queue_size` are accepted and stored (Keras uses them
to prefetch batches in threads or processes); tensorflux reads the batches one after the other
in the calling thread, which gives the same batches in the same order.
"""
import itertools
import warnings

__all__ = ["PyDataset", "Sequence"]


class PyDataset:
    """Base class of Python datasets of batches (see the module docstring).

    Args:
        workers: number of workers Keras would use to prefetch batches (stored only).
        use_multiprocessing: whether Keras would prefetch in processes (stored only).
        max_queue_size: how many batches Keras would prefetch (stored only).

    Example:
        >>> import numpy as np
        >>> class Batches(tf.keras.utils.PyDataset):
        ...     def __init__(self, x, y, batch_size, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.x, self.y, self.batch_size = x, y, batch_size
        ...     def __len__(self):
        ...         return -(-len(self.x) // self.batch_size)
        ...     def __getitem__(self, index):
        ...         part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        ...         return self.x[part], self.y[part]
        >>> data = Batches(np.zeros((10, 2)), np.zeros((10, 1)), batch_size=4)
        >>> len(data), data[2][0].shape
        (3, (2, 2))
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        missing = False
        for name, default in (("_workers", 1), ("_use_multiprocessing", False),
                              ("_max_queue_size", 10)):
            if name not in self.__dict__:
                setattr(self, name, default)
                missing = True
        if missing:
            warnings.warn("Your `PyDataset` class should call `super().__init__(**kwargs)` in "
                          "its constructor. `**kwargs` can include `workers`, "
                          "`use_multiprocessing`, `max_queue_size`. Do not pass these "
                          "arguments to `fit()`, as they will be ignored.", stacklevel=3)

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """Batch number `index` (a whole batch, not one sample)."""
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index), "
                                  "returning batch number `index`.")

    @property
    def num_batches(self):
        """The number of batches, or None for an endless dataset (`len()` by default)."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(f"{type(self).__name__} must implement __len__() (the "
                                  "number of batches) or a `num_batches` property (None for "
                                  "an endless dataset).")

    def __iter__(self):
        """The batches in order (endlessly when `num_batches` is None)."""
        try:
            count = self.num_batches
        except NotImplementedError:
            count = None
        indices = itertools.count() if count is None else range(count)
        for index in indices:
            yield self[index]

    def on_epoch_begin(self):
        """Called at the start of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch."""


Sequence = PyDataset
