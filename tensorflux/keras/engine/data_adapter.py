"""Turns fit/evaluate/predict inputs into batches: NumPy arrays (and lists/dicts of them),
tensors, or `tf.data.Dataset`s. Arrays are sliced a batch at a time and only the batch is cast
(float64 -> float32), so a data set is never copied whole."""
import math

import numpy as np

from tensorflux.framework import nest
from tensorflux.framework.tensor import Tensor

__all__ = ["DataHandler", "unpack", "to_array", "train_validation_split"]


def to_array(x):
    if isinstance(x, Tensor):
        return x.numpy()
    if hasattr(x, "_as_tensor") and hasattr(x, "numpy"):
        return x.numpy()
    if isinstance(x, np.ndarray):
        return x
    return np.asarray(x)


def _cast_batch(array):
    if array.dtype == np.float64:
        return array.astype(np.float32)
    return array


def unpack(data):
    """(x,), (x, y) or (x, y, sample_weight) -> x, y, sample_weight."""
    if isinstance(data, (list, tuple)):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data[0], data[1], data[2]
    return data, None, None


def _is_dataset(x):
    return hasattr(x, "_is_tensorflux_dataset") or (hasattr(x, "__iter__") and
                                                     hasattr(x, "element_spec"))


def _num_samples(structure):
    sizes = {len(a) for a in nest.flatten(structure) if a is not None}
    if len(sizes) > 1:
        raise ValueError(f"Data cardinality is ambiguous: the arrays have different numbers "
                         f"of samples {sorted(sizes)}. Make sure all arrays contain the same "
                         "number of samples.")
    return sizes.pop() if sizes else 0


def train_validation_split(arrays, validation_split):
    """Keras' split: the LAST `validation_split` fraction of the samples is held out."""
    n = _num_samples(arrays)
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to "
                         f"split it into a validation and training set as specified by "
                         f"`validation_split={validation_split}`.")
    train = nest.map_structure(lambda a: None if a is None else a[:split_at], arrays)
    val = nest.map_structure(lambda a: None if a is None else a[split_at:], arrays)
    return train, val


class DataHandler:
    """Yields (x, y, sample_weight) batches for epochs of `steps` steps."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None,
                 shuffle=False, class_weight=None, epochs=1, initial_epoch=0):
        self.epochs = epochs
        self.initial_epoch = initial_epoch
        self._dataset = None
        if _is_dataset(x):
            if y is not None:
                raise ValueError("`y` argument is not supported when using a dataset as input "
                                 "(the dataset yields (x, y) pairs).")
            self._dataset = x
            self._class_weight = class_weight
            cardinality = _cardinality(x)
            self.steps = steps_per_epoch if steps_per_epoch is not None else cardinality
            self._iterator = None
            return
        x = nest.map_structure(to_array, x)
        y = None if y is None else nest.map_structure(to_array, y)
        sample_weight = None if sample_weight is None else to_array(sample_weight)
        self._arrays = (x, y, sample_weight)
        self.num_samples = _num_samples(self._arrays)
        self.batch_size = batch_size or 32
        self.shuffle = shuffle
        self._class_weight = class_weight
        full_steps = int(math.ceil(self.num_samples / self.batch_size)) if self.num_samples \
            else 0
        self.steps = steps_per_epoch if steps_per_epoch is not None else full_steps
        self._rng_order = None

    def epoch_batches(self):
        """One epoch of batches (a generator)."""
        if self._dataset is not None:
            yield from self._dataset_batches()
            return
        x, y, sw = self._arrays
        n = self.num_samples
        order = np.random.permutation(n) if self.shuffle == True else None  # noqa: E712
        if self.shuffle == "batch":
            order = np.arange(n)
            starts = np.random.permutation(np.arange(0, n, self.batch_size))
            order = np.concatenate([order[s:s + self.batch_size] for s in starts])
        step = 0
        position = 0
        while step < self.steps:
            if position >= n:
                if n == 0:
                    return
                position = 0
            end = min(position + self.batch_size, n)
            if order is None:
                index = slice(position, end)
            else:
                index = order[position:end]
            batch = nest.map_structure(lambda a: None if a is None else _cast_batch(a[index]),
                                       (x, y, sw))
            position = end
            step += 1
            yield self._apply_class_weight(*batch)

    def _dataset_batches(self):
        step = 0
        if self._iterator is None or self.steps is None or self.steps == _UNKNOWN:
            self._iterator = iter(self._dataset)
        while self.steps is None or self.steps < 0 or step < self.steps:
            try:
                element = next(self._iterator)
            except StopIteration:
                self._iterator = iter(self._dataset)
                if self.steps is None or self.steps < 0 or step == 0:
                    return
                try:
                    element = next(self._iterator)
                except StopIteration:
                    return
            x, y, sw = unpack(element if isinstance(element, tuple) else (element,))
            step += 1
            yield self._apply_class_weight(x, y, sw)
        if self.steps is not None and self.steps == _cardinality(self._dataset):
            self._iterator = None

    def _apply_class_weight(self, x, y, sw):
        if self._class_weight is None or y is None:
            return x, y, sw
        labels = to_array(y)
        if labels.ndim > 1 and labels.shape[-1] > 1:
            labels = labels.argmax(axis=-1)
        labels = labels.reshape(labels.shape[0], -1)[:, 0] if labels.ndim > 1 else labels
        table = self._class_weight
        weights = np.asarray([table.get(int(c), 1.0) for c in labels], dtype=np.float32)
        if sw is not None:
            weights = weights * to_array(sw).astype(np.float32).reshape(weights.shape)
        return x, y, weights


_UNKNOWN = -2


def _cardinality(dataset):
    try:
        value = dataset.cardinality()
        value = int(value.numpy() if hasattr(value, "numpy") else value)
    except (AttributeError, TypeError):
        return None
    return None if value < 0 else value
