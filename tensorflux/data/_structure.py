"""Element structures of a Dataset: nested tuples / namedtuples / dicts of components.

Inside the pipeline an element is a flat list of NumPy arrays (one per component, in
`tf.nest` order: dicts by sorted key); the dataset keeps the nested structure of `TensorSpec`s
(its `element_spec`) to rebuild the user-facing element. As in tf.data, a Python *list* is a
value (converted to one tensor), not a structure; tuples and dicts are structures.
"""
import numpy as np

from tensorflux.framework import dtypes, errors, nest
from tensorflux.framework.execute import _python_to_array
from tensorflux.framework.function import TensorSpec
from tensorflux.framework.tensor import Tensor, dtype_of_array
from tensorflux.framework.tensor_shape import TensorShape

__all__ = ["TensorSpec", "DatasetSpec", "to_array", "normalize", "spec_of", "flatten",
           "pack", "pack_tensors", "specs_compatible", "most_specific", "batched_spec"]


class DatasetSpec:
    """The spec of a component that is itself a Dataset (e.g. the windows of `window`)."""

    def __init__(self, element_spec, dataset_shape=()):
        self.element_spec = element_spec
        self.shape = TensorShape(dataset_shape)
        self.dtype = dtypes.variant

    def __eq__(self, other):
        return isinstance(other, DatasetSpec) and self.element_spec == other.element_spec

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return f"DatasetSpec({self.element_spec!r}, TensorShape({self.shape.as_tuple()}))"


def is_structure(value):
    return isinstance(value, (tuple, dict))


def to_array(value, dtype=None):
    """One component value (Tensor, Variable, ndarray, Python value) as an ndarray."""
    if isinstance(value, Tensor):
        array = value._constant_value()   # eager, or a graph constant (TF1 tf.constant)
        if array is None:
            raise TypeError(
                f"A symbolic tensor ({value.name!r}) cannot be a Dataset component: tf.data "
                "in tensorflux reads values when the dataset is built. Pass NumPy arrays, "
                "constants or eager tensors (placeholders fed at run time are not supported; "
                "use Dataset.from_generator to read changing data).")
    elif hasattr(value, "_as_tensor") and hasattr(value, "numpy"):
        array = value.numpy()
    elif isinstance(value, np.ndarray):
        array = value
        if array.dtype.kind in "SU":
            array = _python_to_array(array, None)
    else:
        if isinstance(value, (list, tuple)) and any(isinstance(v, Tensor) for v in value):
            value = [to_array(v) for v in value]
        array = _python_to_array(value, None)
    if not isinstance(array, np.ndarray):
        array = np.asarray(array)
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
        if dtype == dtypes.string:
            if array.dtype != object:
                array = _python_to_array(array, dtypes.string)
        elif array.dtype != dtype.as_numpy_dtype:
            array = array.astype(dtype.as_numpy_dtype)
    return array


def normalize(value):
    """A user structure -> the same structure with ndarray leaves (lists become arrays)."""
    if isinstance(value, dict):
        return type(value)((k, normalize(v)) for k, v in value.items()) \
            if type(value) is not dict else {k: normalize(v) for k, v in value.items()}
    if isinstance(value, tuple):
        items = [normalize(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    from tensorflux.data.dataset import DatasetV2
    if isinstance(value, DatasetV2):
        return value
    return to_array(value)


def flatten(structure):
    return nest.flatten(structure)


def pack(structure, flat):
    return nest.pack_sequence_as(structure, flat)


def spec_of(array):
    from tensorflux.data.dataset import DatasetV2
    if isinstance(array, DatasetV2):
        return DatasetSpec(array.element_spec)
    return TensorSpec(array.shape, dtype_of_array(array))


_from_array = Tensor._from_array


def pack_tensors(structure, flat):
    """Flat arrays -> the user-facing element: the structure with eager Tensor leaves."""
    if type(structure) is TensorSpec:
        item = flat[0]
        return _from_array(item) if type(item) is np.ndarray else item
    leaves = [_from_array(a) if type(a) is np.ndarray else a for a in flat]
    return nest.pack_sequence_as(structure, leaves)


def specs_compatible(first, second):
    """True when two spec structures have the same layout and dtypes."""
    try:
        nest.assert_same_structure(first, second)
    except (ValueError, TypeError):
        return False
    flat_a, flat_b = flatten(first), flatten(second)
    if len(flat_a) != len(flat_b):
        return False
    return all(a.dtype == b.dtype for a, b in zip(flat_a, flat_b))


def _merge_shapes(a, b):
    if a.rank is None or b.rank is None or a.rank != b.rank:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.as_tuple(), b.as_tuple())])


def most_specific(first, second):
    """The spec structure covering both (dims that differ become None)."""
    flat = [TensorSpec(_merge_shapes(a.shape, b.shape), a.dtype)
            if isinstance(a, TensorSpec) else a
            for a, b in zip(flatten(first), flatten(second))]
    return pack(first, flat)


def batched_spec(spec, batch_dim):
    def one(s):
        if isinstance(s, DatasetSpec):
            raise TypeError("Cannot batch a dataset whose elements are datasets (e.g. the "
                            "windows of `window`); use flat_map(lambda w: w.batch(n)) first.")
        if s.shape.rank is None:
            return TensorSpec(TensorShape(None), s.dtype)
        return TensorSpec([batch_dim] + list(s.shape.as_tuple()), s.dtype)
    return nest.map_structure(one, spec)


def unbatched_spec(spec):
    def one(s):
        if s.shape.rank == 0:
            raise ValueError("Cannot unbatch an input with scalar components: every "
                             f"component needs a leading axis, got {s!r}.")
        if s.shape.rank is None:
            return TensorSpec(TensorShape(None), s.dtype)
        return TensorSpec(list(s.shape.as_tuple())[1:], s.dtype)
    return nest.map_structure(one, spec)


def check_matches(flat, specs, what):
    """Converts generator output to the declared dtypes and checks the declared shapes."""
    result = []
    for position, (value, spec) in enumerate(zip(flat, specs)):
        try:
            array = to_array(value, spec.dtype)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"`{what}` yielded an element that could not be converted to the expected "
                f"type. The expected type was {spec.dtype.name}, but the yielded element was "
                f"{value!r} (component {position}): {error}") from None
        if not spec.shape.is_compatible_with(TensorShape(array.shape)):
            raise errors.InvalidArgumentError(
                None, None, f"`{what}` yielded an element of shape {array.shape} where an "
                f"element of shape {spec.shape} was expected (component {position}).")
        result.append(array)
    return result


def string_or_none(value):
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        value = value.reshape(()).item() if value.size == 1 else value
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value
