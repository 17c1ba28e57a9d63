"""tf.compat.v1.estimator.inputs: input functions over in-memory NumPy arrays."""
import collections

import numpy as np

__all__ = ["numpy_input_fn", "pandas_input_fn"]


def numpy_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None,
                   queue_capacity=1000, num_threads=1):
    """An input_fn giving batches of `(features, labels)` from NumPy arrays.

    Args:
        x: a NumPy array or a dict {feature name: array}; all of the same length.
        y: the labels: an array, a dict of arrays, or None.
        batch_size: the batch size (the last batch may be smaller).
        num_epochs: passes over the data; None repeats forever.
        shuffle: required, True or False: shuffle the examples (with a buffer of
            `queue_capacity` examples, reshuffled each epoch).
        queue_capacity, num_threads: the shuffle buffer size; threads are not used.

    Returns:
        A function for `Estimator.train/evaluate/predict`: it returns a `(features,
        labels)` pair of tensors, or `features` alone when `y` is None.

    Raises:
        ValueError: shuffle is not a bool, the arrays have different lengths, x is empty,
            or a name is both a feature and a label.
        TypeError: x is neither an array nor a dict.

    Example:
        >>> input_fn = tf.compat.v1.estimator.inputs.numpy_input_fn(
        ...     {"x": np.arange(4.0)}, np.array([0, 1, 0, 1]), batch_size=2, shuffle=False)
    """
    if not isinstance(shuffle, bool):
        raise ValueError(f"shuffle must be provided and explicitly set as boolean (it is "
                         f"recommended to set it as True for training); got {shuffle!r}")
    if num_epochs is not None and num_epochs <= 0:
        raise ValueError(f"num_epochs must be > 0 or None, got {num_epochs}.")
    if batch_size <= 0:
        raise ValueError(f"batch_size must be > 0, got {batch_size}.")
    features = _as_arrays(x, "x")
    labels = None if y is None else _as_arrays(y, "y")
    if isinstance(x, dict) and isinstance(y, dict):
        shared = sorted(set(x) & set(y))
        if shared:
            raise ValueError(f"{shared} duplicate keys are found in both x and y: keys of x "
                             "and y must be disjoint.")
    lengths = {len(a) for a in _leaves(features)} | {len(a) for a in _leaves(labels)}
    if len(lengths) > 1:
        raise ValueError(f"x and y must hold the same number of examples; lengths found: "
                         f"{sorted(lengths)}.")
    if lengths == {0} or not lengths:
        raise ValueError("x cannot be empty")

    def input_fn():
        from tensorflux.data import Dataset
        element = features if labels is None else (features, labels)
        dataset = Dataset.from_tensor_slices(element)
        if shuffle:
            dataset = dataset.shuffle(max(1, int(queue_capacity)),
                                      reshuffle_each_iteration=True)
        dataset = dataset.repeat(num_epochs).batch(batch_size)
        return dataset.make_one_shot_iterator().get_next()
    return input_fn


def _as_arrays(value, what):
    if isinstance(value, dict):
        if not value:
            raise ValueError(f"{what} cannot be an empty dict.")
        return collections.OrderedDict((key, np.asarray(v)) for key, v in value.items())
    if isinstance(value, (np.ndarray, list, tuple)):
        return np.asarray(value)
    raise TypeError(f"{what} must be a dict of NumPy arrays or a NumPy array; got "
                    f"{type(value).__name__}.")


def _leaves(value):
    if value is None:
        return []
    return list(value.values()) if isinstance(value, dict) else [value]


def pandas_input_fn(*args, **kwargs):
    raise NotImplementedError("tf.estimator.inputs.pandas_input_fn is not implemented by "
                              "tensorflux: convert the DataFrame with "
                              "{name: df[name].to_numpy() for name in df} and use "
                              "numpy_input_fn.")
