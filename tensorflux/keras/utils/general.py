"""keras.utils helpers that live nowhere else: split_dataset, get_source_inputs, Config."""
import json
import random

import numpy as np

from tensorflux.framework import nest

__all__ = ["split_dataset", "get_source_inputs", "Config"]


# ---- split_dataset ------------------------------------------------------------------------------
def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Splits a dataset into a left part and a right part (e.g. train / test).

    Args:
        dataset: a `tf.data.Dataset`, a NumPy array, or a list / tuple of arrays with the same
            number of samples (split in parallel, e.g. `(x, y)`).
        left_size: a float in (0, 1) (the fraction of the samples in the left part) or an int
            (their number); None: the complement of `right_size`.
        right_size: the same for the right part; None: the complement of `left_size`.
        shuffle: shuffle the samples before splitting.
        seed: the seed of that shuffle.
        preferred_backend: accepted for Keras compatibility (the parts are always
            `tf.data.Dataset`s).

    Returns:
        (left, right): two `tf.data.Dataset`s of samples (batched like `dataset` when it was
        batched). The left part holds the first samples, the right part the last ones.

    Raises:
        TypeError: an unsupported `dataset` or split size type.
        ValueError: no size given, sizes out of range, or an empty part.

    Example:
        >>> import numpy as np
        >>> left, right = tf.keras.utils.split_dataset(np.arange(10), left_size=0.8)
        >>> int(left.cardinality()), int(right.cardinality())
        (8, 2)
    """
    import tensorflux as tf
    del preferred_backend
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    batch_size = None
    if hasattr(dataset, "_is_tensorflux_dataset"):
        batch_size = getattr(dataset, "_batch_size", None)
        samples = _dataset_samples(dataset.unbatch() if batch_size is not None else dataset)
    elif isinstance(dataset, np.ndarray):
        samples = dataset
    elif isinstance(dataset, (list, tuple)) and dataset:
        samples = tuple(np.asarray(part) for part in dataset)
        lengths = {len(part) for part in samples}
        if len(lengths) > 1:
            raise ValueError("The arrays of `dataset` must all have the same number of "
                             f"samples; got lengths {sorted(lengths)}.")
    else:
        raise TypeError("The `dataset` argument must be a `tf.data.Dataset`, a NumPy array or "
                        "a list/tuple of arrays. Received: dataset="
                        f"{str(dataset)[:80]} of type {type(dataset).__name__}")
    total = len(nest.flatten(samples)[0])
    left, right = _split_sizes(left_size, right_size, total)
    order = np.arange(total)
    if shuffle:
        order = np.asarray(random.Random(seed).sample(range(total), total))
    parts = []
    for indices in (order[:left], order[total - right:]):
        part = nest.map_structure(lambda a, i=indices: a[i], samples)
        part = tf.data.Dataset.from_tensor_slices(part)
        parts.append(part.batch(batch_size) if batch_size is not None else part)
    return tuple(parts)


def _dataset_samples(dataset):
    elements = list(dataset.as_numpy_iterator())
    if not elements:
        raise ValueError("The dataset is empty: there is nothing to split.")
    return nest.map_structure(lambda *values: np.stack(values), *elements)


def _split_sizes(left_size, right_size, total):
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and (isinstance(size, bool) or not isinstance(size, (int, float))):
            raise TypeError(f"Invalid `{name}` type. Expected int or float or None. "
                            f"Received: type({name})={type(size).__name__}.")
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the "
                         "split sizes must be non-zero.")
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if isinstance(size, int) and not 0 < size < total or \
                isinstance(size, float) and not 0 < size < 1:
            raise ValueError(f"`{name}` should be either a positive integer smaller than "
                             f"{total}, or a float within the range `[0, 1]`. Received: "
                             f"{name}={size}")
    if isinstance(left_size, float) and isinstance(right_size, float) and \
            left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must "
                         "be less than or equal to 1.")

    def count(size):
        return round(size * total) if isinstance(size, float) else size

    left, right = count(left_size), count(right_size)
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be at most the "
                         f"dataset's length {total}. Received: left_size + right_size = "
                         f"{left + right}")
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left_size} and "
                             f"`right_size`={right_size}, the {side} side of the split would "
                             "be empty. Adjust the sizes.")
    return int(left), int(right)


# ---- get_source_inputs --------------------------------------------------------------------------
def get_source_inputs(tensor):
    """The input tensors (keras.Input) that the symbolic `tensor` is computed from.

    Returns:
        A list of KerasTensors (each once, in the order found); `tensor` itself when it is
        not a symbolic Keras tensor.

    Example:
        >>> a, b = tf.keras.Input((2,)), tf.keras.Input((3,))
        >>> out = tf.keras.layers.Concatenate()([tf.keras.layers.Dense(2)(a), b])
        >>> [t is a or t is b for t in tf.keras.utils.get_source_inputs(out)]
        [True, True]
    """
    if not hasattr(tensor, "_keras_history"):
        return tensor
    history = tensor._keras_history
    layer, node_index = (history[0], history[1]) if history else (None, None)
    if layer is None or not getattr(layer, "_inbound_nodes", None):
        return [tensor]
    from tensorflux.keras.layers import InputLayer
    node = layer._inbound_nodes[node_index]
    if isinstance(layer, InputLayer):
        return list(node.output_tensors)
    sources = []
    for parent in node.input_tensors:
        for found in get_source_inputs(parent):
            if all(found is not seen for seen in sources):
                sources.append(found)
    return sources


# ---- Config -------------------------------------------------------------------------------------
class Config:
    """A dict of named values that also reads and writes them as attributes, and can be
    frozen (keras.utils.Config).

    Example:
        >>> config = tf.keras.utils.Config(learning_rate=0.1)
        >>> config.momentum = 0.9
        >>> config["learning_rate"], config.momentum
        (0.1, 0.9)
        >>> config.freeze()
        >>> config.frozen
        True
    """

    def __init__(self, **kwargs):
        object.__setattr__(self, "_config", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self):
        """Whether changes are refused."""
        return self._frozen

    def freeze(self):
        """Refuses further changes."""
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        """Allows changes again."""
        object.__setattr__(self, "_frozen", False)

    def _check_not_frozen(self):
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen.")

    def as_dict(self):
        return dict(self._config)

    def to_json(self):
        return json.dumps(self._config)

    def keys(self):
        return self._config.keys()

    def values(self):
        return self._config.values()

    def items(self):
        return self._config.items()

    def get(self, key, default=None):
        return self._config.get(key, default)

    def pop(self, *args):
        self._check_not_frozen()
        return self._config.pop(*args)

    def update(self, *args, **kwargs):
        self._check_not_frozen()
        self._config.update(*args, **kwargs)

    def __setattr__(self, name, value):
        self._check_not_frozen()
        if name in dir(type(self)):
            raise AttributeError(f"Cannot set attribute {name!r}: it is a method or property "
                                 "of Config; use config[name] = value.")
        self._config[name] = value

    def __getattr__(self, name):
        if name.startswith("__") or name in ("_config", "_frozen"):
            raise AttributeError(name)
        try:
            return self._config[name]
        except KeyError:
            raise AttributeError(f"Unknown attribute: {name!r}. Known attributes: "
                                 f"{sorted(self._config)}") from None

    def __setitem__(self, key, value):
        self._check_not_frozen()
        self._config[key] = value

    def __getitem__(self, key):
        return self._config[key]

    def __delitem__(self, key):
        self._check_not_frozen()
        del self._config[key]

    def __contains__(self, key):
        return key in self._config

    def __iter__(self):
        return iter(self._config)

    def __len__(self):
        return len(self._config)

    def __repr__(self):
        return f"<Config {self._config}>"
