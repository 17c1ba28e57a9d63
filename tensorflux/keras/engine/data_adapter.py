"""Turns fit/evaluate/predict inputs into batches, with one adapter per kind of input (as
Keras 3 does):

| input                                              | adapter              | an epoch is          |
|----------------------------------------------------|----------------------|----------------------|
| NumPy arrays, tensors, lists / dicts of them       | ArrayDataAdapter     | ceil(n / batch_size) |
| `tf.data.Dataset` (and objects with element_spec)  | DatasetAdapter       | one pass             |
| `keras.utils.PyDataset` (alias `Sequence`)         | PyDatasetAdapter     | `len()` batches      |
| a Python generator or iterator                     | GeneratorDataAdapter | until it is exhausted|

`steps_per_epoch` caps an epoch at that many batches. A PyDataset or generator then goes on
where the previous epoch stopped; running out of data before `steps_per_epoch` batches ends
the epoch early with Keras' "Your input ran out of data" warning. A generator cannot be
restarted: once it is exhausted, fit stops (with a warning when epochs remain). An endless
generator without `steps_per_epoch` has an endless first epoch (stop it with a callback that
sets `model.stop_training`), as in Keras.

Arrays are sliced a batch at a time and only the batch is cast (float64 -> float32), so a data
set is never copied whole; batches from generators and PyDatasets are cast the same way.
"""
import collections.abc
import itertools
import math
import random
import types
import warnings

import numpy as np

from tensorflux.framework import nest
from tensorflux.framework.tensor import Tensor

__all__ = ["DataHandler", "DataAdapter", "ArrayDataAdapter", "DatasetAdapter",
           "PyDatasetAdapter", "GeneratorDataAdapter", "get_data_adapter", "unpack",
           "to_array", "train_validation_split", "pack_x_y_sample_weight",
           "unpack_x_y_sample_weight", "is_data_source"]

_ACCEPTED = ("NumPy arrays or tensors (or lists / dicts of them), a tf.data.Dataset, a "
             "keras.utils.PyDataset (keras.utils.Sequence) or a Python generator")


# ---- small helpers ------------------------------------------------------------------------------
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


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Packs data into the tuple formats `Model.fit()` uses (keras.utils).

    Returns `x` itself (a single input) or `(x,)` (a tuple/list of inputs) when `y` is None,
    else `(x, y)` or `(x, y, sample_weight)`.
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """`x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)` -> `(x, y, sample_weight)`
    (keras.utils); missing parts are None.

    Raises:
        ValueError: a tuple or list of more than three elements.
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if 1 <= len(data) <= 3:
        return unpack(data)
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found a tuple of {len(data)} elements: "
                     f"{_describe(data)}")


def _describe(value, limit=100):
    text = repr(value)
    if len(text) > limit:
        text = text[:limit] + "..."
    return text


def _type_name(value):
    kind = type(value)
    module = kind.__module__
    return kind.__name__ if module in ("builtins", None) else f"{module}.{kind.__name__}"


def _is_dataset(x):
    return hasattr(x, "_is_tensorflux_dataset") or (hasattr(x, "__iter__") and
                                                     hasattr(x, "element_spec"))


def _is_py_dataset(x):
    from tensorflux.keras.utils.py_dataset import PyDataset
    return isinstance(x, PyDataset)


def _is_generator(x):
    return isinstance(x, (types.GeneratorType, collections.abc.Iterator)) and not \
        isinstance(x, (np.ndarray, Tensor, str, bytes, dict))


def is_data_source(x):
    """Whether `x` carries its own targets and batching (a dataset, PyDataset or generator)."""
    return _is_py_dataset(x) or _is_dataset(x) or _is_generator(x)


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


def _apply_class_weight(class_weight, x, y, sw):
    if class_weight is None or y is None:
        return x, y, sw
    labels = to_array(y)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(labels.shape[0], -1)[:, 0] if labels.ndim > 1 else labels
    weights = np.asarray([class_weight.get(int(c), 1.0) for c in np.round(labels)],
                         dtype=np.float32)
    if sw is not None:
        weights = weights * to_array(sw).astype(np.float32).reshape(weights.shape)
    return x, y, weights


def _batch_leaf(value):
    if value is None or isinstance(value, Tensor):
        return value
    return _cast_batch(to_array(value))


def _is_array_like(value):
    return isinstance(value, (np.ndarray, np.generic, Tensor)) or \
        (hasattr(value, "_as_tensor") and hasattr(value, "numpy")) or \
        hasattr(value, "__array__")


def _standardize_batch(batch, source):
    """A batch yielded by a generator / returned by a PyDataset -> (x, y, sample_weight) with
    NumPy leaves (float64 cast to float32)."""
    if isinstance(batch, list):
        batch = tuple(batch)
    if isinstance(batch, tuple):
        if not 1 <= len(batch) <= 3:
            raise ValueError(
                f"{source} must give batches as a tuple (x,), (x, y) or (x, y, sample_weight); "
                f"it gave a tuple of {len(batch)} elements: {_describe(batch)}")
        parts = unpack(batch)
    elif isinstance(batch, dict) or _is_array_like(batch):
        parts = (batch, None, None)
    else:
        raise ValueError(
            f"{source} must give batches as a tuple (x,), (x, y) or (x, y, sample_weight) (or a "
            f"single array / dict of inputs); it gave a {_type_name(batch)}: "
            f"{_describe(batch)}")
    return tuple(None if part is None else nest.map_structure(_batch_leaf, part)
                 for part in parts)


def _ran_out_warning(produced, steps, restartable):
    if restartable:
        what = ("the epoch ends early and the next one starts a new pass. Make sure "
                "`steps_per_epoch` (or `steps`) is at most the number of batches of the data.")
    else:
        what = ("interrupting training. Make sure that your dataset or generator can generate "
                "at least `steps_per_epoch * epochs` batches (e.g. a generator that loops "
                "forever).")
    warnings.warn(f"Your input ran out of data after {produced} of the {steps} batches asked "
                  f"for; {what}", stacklevel=4)


# ---- adapters -----------------------------------------------------------------------------------
class DataAdapter:
    """One kind of input -> the (x, y, sample_weight) batches of each epoch.

    `num_batches` is the number of batches of an epoch (None when unknown or endless);
    `epoch()` yields one epoch's batches; `exhausted` tells that no further batch can come.
    """

    num_batches = None

    def __init__(self, class_weight=None):
        self.class_weight = class_weight
        self.ran_out = False        # the last epoch ended short of its steps

    def epoch(self):
        raise NotImplementedError

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass

    @property
    def exhausted(self):
        return False

    def _finish(self, batch):
        return _apply_class_weight(self.class_weight, *batch)


class ArrayDataAdapter(DataAdapter):
    """NumPy arrays / tensors (and lists or dicts of them), sliced into batches.

    `shuffle=True` permutes the samples each epoch, `shuffle="batch"` the batch order. With
    `steps` (steps_per_epoch) an epoch is that many batches, cycling through the data.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps=None,
                 shuffle=False, class_weight=None):
        super().__init__(class_weight)
        x = _arrays_of(x, "x")
        y = _arrays_of(y, "y")
        sample_weight = None if sample_weight is None else to_array(
            _arrays_of(sample_weight, "sample_weight"))
        self._arrays = (x, y, sample_weight)
        self.num_samples = _num_samples(self._arrays)
        self.batch_size = batch_size or 32
        self.shuffle = shuffle
        full_steps = int(math.ceil(self.num_samples / self.batch_size)) if self.num_samples \
            else 0
        self.num_batches = steps if steps is not None else full_steps

    def epoch(self):
        x, y, sw = self._arrays
        n = self.num_samples
        order = np.random.permutation(n) if self.shuffle is True else None
        if self.shuffle == "batch":
            order = np.arange(n)
            starts = np.random.permutation(np.arange(0, n, self.batch_size))
            order = np.concatenate([order[s:s + self.batch_size] for s in starts])
        step = 0
        position = 0
        plain = all(a is None or type(a) is np.ndarray for a in (x, y, sw))
        while step < self.num_batches:
            if position >= n:
                if n == 0:
                    return
                position = 0
            end = min(position + self.batch_size, n)
            index = slice(position, end) if order is None else order[position:end]
            if plain:
                batch = tuple(None if a is None else _cast_batch(a[index]) for a in (x, y, sw))
            else:
                batch = nest.map_structure(
                    lambda a: None if a is None else _cast_batch(a[index]), (x, y, sw))
            position = end
            step += 1
            yield self._finish(batch)


def _arrays_of(value, name):
    """x, y or sample_weight -> the same structure of NumPy arrays, with kind errors for
    what cannot be sliced into batches."""
    if value is None:
        return None
    if callable(value) and not _is_array_like(value):
        code = getattr(value, "__code__", None)
        hint = " It is a generator function: call it to get the generator, e.g. " \
            "fit(make_batches())." if code is not None and code.co_flags & 0x20 else ""
        raise ValueError(f"Unrecognized data type: {name}={_describe(value)} (of type "
                         f"{_type_name(value)}) is not data.{hint} Expected {_ACCEPTED}.")
    leaves = nest.flatten(value)
    if isinstance(value, (list, tuple)) and leaves and all(
            isinstance(leaf, (bool, int, float, np.number)) for leaf in leaves):
        return np.asarray(value)        # a list of numbers (tf.keras 2 took these too)

    def convert(leaf):
        if leaf is None:
            return None
        array = to_array(leaf)
        if array.ndim == 0:
            raise ValueError(f"Unrecognized data type: {name} is (or contains) a value of "
                             f"type {_type_name(leaf)} ({_describe(leaf)}), which has no "
                             f"samples axis to cut batches from. Expected {_ACCEPTED}.")
        return array
    return nest.map_structure(convert, value)


class DatasetAdapter(DataAdapter):
    """A tf.data.Dataset (or an object with `element_spec` and `__iter__`): each element is a
    batch. Without `steps` an epoch is one pass; with `steps` the iterator continues across
    epochs and restarts the dataset when it runs out."""

    def __init__(self, dataset, steps=None, class_weight=None):
        super().__init__(class_weight)
        self._dataset = dataset
        self._cardinality = _cardinality(dataset)
        self._steps = steps
        self.num_batches = steps if steps is not None else self._cardinality
        self._iterator = None

    def epoch(self):
        steps = self.num_batches
        step = 0
        if self._iterator is None or steps is None or steps == _UNKNOWN:
            self._iterator = iter(self._dataset)
        while steps is None or steps < 0 or step < steps:
            try:
                element = next(self._iterator)
            except StopIteration:
                self._iterator = iter(self._dataset)
                if steps is None or steps < 0 or step == 0:
                    return
                try:
                    element = next(self._iterator)
                except StopIteration:
                    return
            x, y, sw = unpack(element if isinstance(element, tuple) else (element,))
            step += 1
            yield self._finish((x, y, sw))
        if steps is not None and steps == self._cardinality:
            self._iterator = None


class _StreamAdapter(DataAdapter):
    """Shared by PyDatasetAdapter and GeneratorDataAdapter: the epochs of a stream of batches.

    Without `steps` an epoch is a whole pass (`_new_pass()`); with `steps` it is that many
    batches of the current pass, a new pass starting when one is used up.
    """

    source = "The data"
    restartable = True      # a new pass can follow an ended one

    def __init__(self, steps=None, class_weight=None):
        super().__init__(class_weight)
        self._steps = steps
        self._iterator = None
        self._seen = 0          # batches taken from the current pass

    def _new_pass(self):
        raise NotImplementedError

    def _pass_size(self):
        return None

    def epoch(self):
        self.ran_out = False
        if self._steps is None:
            for batch in self._new_pass():
                yield self._finish(_standardize_batch(batch, self.source))
            return
        produced = 0
        while produced < self._steps:
            if self._iterator is None:
                self._iterator = self._new_pass()
                self._seen = 0
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = None
                self.ran_out = True
                _ran_out_warning(produced, self._steps, self.restartable)
                return
            self._seen += 1
            produced += 1
            yield self._finish(_standardize_batch(batch, self.source))
        size = self._pass_size()
        if size is not None and self._seen >= size:
            self._iterator = None


class PyDatasetAdapter(_StreamAdapter):
    """A keras.utils.PyDataset: `len()` batches per epoch, read by index (in a random order
    when `shuffle`, as Keras' fit does); its on_epoch_begin / on_epoch_end hooks are called
    around every epoch. Batches are read in the calling thread whatever `workers` says."""

    def __init__(self, dataset, steps=None, shuffle=False, class_weight=None):
        super().__init__(steps, class_weight)
        self._dataset = dataset
        self.source = f"The PyDataset {type(dataset).__name__}.__getitem__()"
        self._shuffle = bool(shuffle) and dataset.num_batches is not None
        dataset._warn_if_super_not_called()
        count = dataset.num_batches
        if count is not None and count <= 0 and steps is None:
            raise ValueError(f"The PyDataset {type(dataset).__name__} has length {count}: it "
                             "gives no batches.")
        self.num_batches = steps if steps is not None else count

    def _pass_size(self):
        return self._dataset.num_batches

    def _new_pass(self):
        count = self._dataset.num_batches
        if count is None:
            indices = itertools.count()
        else:
            indices = list(range(count))
            if self._shuffle:
                random.shuffle(indices)
        for index in indices:
            yield self._dataset[index]

    def on_epoch_begin(self):
        self._dataset.on_epoch_begin()

    def on_epoch_end(self):
        self._dataset.on_epoch_end()


class GeneratorDataAdapter(_StreamAdapter):
    """A Python generator or iterator of batches. It is read once: an epoch without `steps`
    ends when it is exhausted, and nothing can follow."""

    restartable = False

    def __init__(self, generator, steps=None, class_weight=None):
        super().__init__(steps, class_weight)
        self._generator = generator
        self.source = "The Python generator" if isinstance(generator, types.GeneratorType) \
            else f"The iterator ({_type_name(generator)})"
        self._buffer = []
        self._done = False
        self.num_batches = steps
        # look at the first batch now, for a clear error before training starts (as Keras)
        if self.exhausted:
            raise ValueError(f"{self.source} passed to the model yielded no batch: it is empty "
                             "(or already exhausted). It must yield at least one batch.")
        _standardize_batch(self._buffer[0], self.source)

    def _new_pass(self):
        while True:
            if self._buffer:
                yield self._buffer.pop(0)
                continue
            if self._done:
                return
            try:
                item = next(self._generator)
            except StopIteration:
                self._done = True
                return
            yield item

    @property
    def exhausted(self):
        """True once the generator has nothing more (reads one batch ahead to know)."""
        if self._buffer:
            return False
        if not self._done:
            try:
                self._buffer.append(next(self._generator))
            except StopIteration:
                self._done = True
        return self._done


def _reject_targets(kind, y, sample_weight):
    for name, value, what in (("y", y, "the targets"),
                              ("sample_weight", sample_weight, "the sample weights")):
        if value is not None:
            raise ValueError(f"When providing `x` as a {kind}, `{name}` should not be passed. "
                             f"Instead, {what} should be included as part of the {kind} "
                             "(its batches are (x, y) or (x, y, sample_weight) tuples).")


def get_data_adapter(x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None,
                     shuffle=False, class_weight=None):
    """The adapter for this kind of input."""
    if isinstance(x, DataAdapter):
        return x
    if _is_py_dataset(x):
        _reject_targets("PyDataset", y, sample_weight)
        return PyDatasetAdapter(x, steps_per_epoch, shuffle, class_weight)
    if _is_dataset(x):
        _reject_targets("tf.data.Dataset", y, sample_weight)
        return DatasetAdapter(x, steps_per_epoch, class_weight)
    if _is_generator(x):
        _reject_targets("generator", y, sample_weight)
        return GeneratorDataAdapter(x, steps_per_epoch, class_weight)
    return ArrayDataAdapter(x, y, sample_weight, batch_size, steps_per_epoch, shuffle,
                            class_weight)


class DataHandler:
    """The batches of each epoch, from the adapter for `x`; `steps` is the number of batches
    per epoch (None: until the data runs out)."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None,
                 shuffle=False, class_weight=None, epochs=1, initial_epoch=0):
        self.epochs = epochs
        self.initial_epoch = initial_epoch
        self.adapter = get_data_adapter(x, y, sample_weight, batch_size, steps_per_epoch,
                                        shuffle, class_weight)
        self.steps = self.adapter.num_batches

    def epoch_batches(self):
        """One epoch of (x, y, sample_weight) batches (a generator); the adapter's
        on_epoch_begin / on_epoch_end hooks run around it."""
        self.adapter.on_epoch_begin()
        try:
            yield from self.adapter.epoch()
        finally:
            self.adapter.on_epoch_end()

    @property
    def exhausted(self):
        """No further batch can come (a generator that has ended)."""
        return self.adapter.exhausted

    @property
    def ran_out(self):
        """The last epoch ended short of its steps (and was warned about)."""
        return self.adapter.ran_out


_UNKNOWN = -2


def _cardinality(dataset):
    try:
        value = dataset.cardinality()
        value = int(value.numpy() if hasattr(value, "numpy") else value)
    except (AttributeError, TypeError):
        return None
    return None if value < 0 else value
