"""tf.data.Dataset: a lazy pipeline of Python iterators over NumPy arrays.

Each dataset node implements `_iter_flat()`, a generator of elements as flat lists of ndarrays
(one per component, in `tf.nest` order), and knows its `element_spec` and cardinality.
Iterating a dataset (`for x in ds`) packs each element into the user's structure of eager
tensors. Nothing runs until iteration, and every iteration starts over (a new epoch).

Speed: besides per-element iteration, a node may offer an *index plan* (`_index_plan()`): a
random-access source of rows plus a stream of row indices. `from_tensor_slices` offers one, and
`shuffle`, `repeat`, `take`, `skip`, `shard` and vectorizable `map`s keep it, so `batch` over
such a chain gathers whole batches by fancy indexing (and runs the map once per batch) instead
of touching every element in Python. Results are identical to the per-element path.
"""
import collections
import itertools
import os
import queue
import threading
import time
import warnings

import numpy as np

from tensorflux.data import _structure as structure
from tensorflux.data._function import StructuredFunction, eager_scope
from tensorflux.data._structure import DatasetSpec, TensorSpec
from tensorflux.framework import dtypes, errors, nest
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape

__all__ = ["DatasetV2", "Dataset", "AUTOTUNE", "INFINITE", "UNKNOWN"]

AUTOTUNE = -1
INFINITE = -1
UNKNOWN = -2


def _int_arg(value, name):
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        value = np.asarray(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be an integer, got {value!r}.") from None


class DatasetV2:
    """A sequence of elements (nested structures of tensors), consumed by iteration.

    Build one with a source (`from_tensor_slices`, `from_generator`, `range`, `list_files`,
    `TextLineDataset`, `TFRecordDataset`, ...) and chain transformations; each returns a new
    dataset. Iterating yields eager tensors; `Model.fit` accepts a dataset of `(x, y)` or
    `(x, y, sample_weight)` batches.

    Example:
        >>> ds = tf.data.Dataset.range(5).map(lambda x: x * 2).batch(2)
        >>> [b.numpy().tolist() for b in ds]
        [[0, 2], [4, 6], [8]]
    """

    _is_tensorflux_dataset = True

    def __init__(self, element_spec, inputs=()):
        self._element_spec = element_spec
        self._inputs = list(inputs)
        self._options_value = None

    # ---- to implement -----------------------------------------------------------------
    def _iter_flat(self):
        raise NotImplementedError

    def _cardinality(self):
        return UNKNOWN

    def _index_plan(self):
        """(source, make_indices) or None; see the module docstring."""
        return None

    # ---- structure --------------------------------------------------------------------
    @property
    def element_spec(self):
        """The nested structure of `tf.TensorSpec` describing one element."""
        return self._element_spec

    @property
    def output_types(self):
        return nest.map_structure(lambda s: s.dtype, self.element_spec)

    @property
    def output_shapes(self):
        return nest.map_structure(lambda s: s.shape, self.element_spec)

    @property
    def output_classes(self):
        return nest.map_structure(lambda s: Tensor, self.element_spec)

    # ---- iteration --------------------------------------------------------------------
    def __iter__(self):
        from tensorflux.data.iterator import OwnedIterator
        from tensorflux.framework import context
        stack = context.state.graph_stack
        if stack and getattr(stack[-1], "building_function", False):
            # TF turns such a loop into a graph loop; here its values would be frozen into
            # the trace as constants, so refuse rather than train on stale data
            raise errors.UnimplementedError(
                None, None, "Iterating a tf.data.Dataset inside a tf.function is not "
                "supported by tensorflux. Iterate in Python and call the tf.function once per "
                "element or batch: `for x, y in dataset: train_step(x, y)`.")
        return OwnedIterator(self)

    def as_numpy_iterator(self):
        """Iterates elements as NumPy values (0-d arrays become NumPy scalars / bytes)."""
        spec = self.element_spec

        def numpy_leaf(a):
            if isinstance(a, DatasetV2):
                return a.as_numpy_iterator()
            return a[()] if a.ndim == 0 else a

        for flat in self._iter_flat():
            yield structure.pack(spec, [numpy_leaf(a) for a in flat])

    def as_numpy(self):
        return self.as_numpy_iterator()

    def cardinality(self):
        """The number of elements as an int64 scalar tensor: -1 infinite, -2 unknown."""
        return Tensor._from_array(np.asarray(self._cardinality(), dtype=np.int64))

    def __len__(self):
        n = self._cardinality()
        if n == INFINITE:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self):
        return True

    def __repr__(self):
        return f"<{type(self).__name__} element_spec={self.element_spec!r}>"

    # ---- sources ------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per slice along the first axis of every component.

        Example:
            >>> ds = tf.data.Dataset.from_tensor_slices(([1, 2, 3], ["a", "b", "c"]))
            >>> [(int(x), bytes(s.numpy().item())) for x, s in ds.take(2)]
            [(1, b'a'), (2, b'b')]
            >>> list(tf.data.Dataset.from_tensor_slices(["a", "b"]).as_numpy_iterator())
            [b'a', b'b']
        """
        return TensorSliceDataset(structure.normalize(tensors))

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset of exactly one element: `tensors`."""
        return TensorDataset(structure.normalize(tensors))

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """Elements produced by calling `generator(*args)` (once per iteration)."""
        return GeneratorDataset(generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def range(*args, output_type=dtypes.int64, name=None):
        """Like Python's range: `range(stop)`, `range(start, stop[, step])`."""
        return RangeDataset(*args, output_type=output_type)

    @staticmethod
    def zip(*args, datasets=None, name=None):
        """Zips a (nested) tuple or dict of datasets; stops at the shortest."""
        if datasets is None:
            datasets = args[0] if len(args) == 1 else tuple(args)
        return ZipDataset(datasets)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None):
        """The file names matching a glob pattern (or list of patterns), shuffled by default."""
        from tensorflux.data.readers import list_files
        return list_files(file_pattern, shuffle, seed)

    @staticmethod
    def counter(start=0, step=1, dtype=dtypes.int64, name=None):
        return RangeDataset(start, None, step, output_type=dtype)

    @staticmethod
    def random(seed=None, rerandomize_each_iteration=None, name=None):
        """An infinite dataset of random int64 values."""
        return _RandomDataset(seed, rerandomize_each_iteration)

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False,
                             rerandomize_each_iteration=None):
        return _SampleDataset(list(datasets), weights, seed, stop_on_empty_dataset)

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
        return _ChooseDataset(list(datasets), choice_dataset, stop_on_empty_dataset)

    # ---- transformations ----------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, synchronous=None,
            use_unbounded_threadpool=False, name=None):
        """Applies `map_func` to each element (a tuple element is passed as separate args)."""
        return MapDataset(self, map_func, num_parallel_calls, deterministic)

    def filter(self, predicate, name=None):
        """Keeps the elements for which `predicate` returns a scalar True."""
        return FilterDataset(self, predicate)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        """Stacks `batch_size` consecutive elements (the last batch may be smaller)."""
        return BatchDataset(self, batch_size, drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """Batches elements of different shapes, padding each component to a common shape."""
        return PaddedBatchDataset(self, batch_size, padded_shapes, padding_values,
                                  drop_remainder)

    def unbatch(self, name=None):
        """Splits each element along its first axis into separate elements."""
        return UnbatchDataset(self)

    def rebatch(self, batch_size, drop_remainder=False, name=None):
        """Re-slices the batches into batches of `batch_size` (a list: cycles sizes)."""
        return RebatchDataset(self, batch_size, drop_remainder)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Randomly shuffles with a buffer of `buffer_size` elements.

        With a `seed` the order is reproducible; each iteration (epoch) gets a new order
        unless `reshuffle_each_iteration=False`.

        Example:
            >>> ds = tf.data.Dataset.range(5).shuffle(5, seed=1)
            >>> sorted(int(x) for x in ds)
            [0, 1, 2, 3, 4]
        """
        return ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count=None, name=None):
        """Repeats the dataset `count` times (forever when None or -1)."""
        return RepeatDataset(self, count)

    def take(self, count, name=None):
        """The first `count` elements (all when -1)."""
        return TakeDataset(self, count)

    def skip(self, count, name=None):
        """All but the first `count` elements (none when -1)."""
        return SkipDataset(self, count)

    def take_while(self, predicate, name=None):
        return _TakeWhileDataset(self, predicate)

    def shard(self, num_shards, index, name=None):
        """Every `num_shards`-th element, starting at `index`."""
        return ShardDataset(self, num_shards, index)

    def cache(self, filename="", name=None):
        """Keeps the elements of the first full iteration in memory (or in `filename`)."""
        return CacheDataset(self, filename)

    def prefetch(self, buffer_size, name=None):
        """Produces elements ahead of the consumer on a background thread."""
        return PrefetchDataset(self, buffer_size)

    def concatenate(self, dataset, name=None):
        """The elements of this dataset, then those of `dataset`."""
        return ConcatenateDataset(self, dataset)

    def enumerate(self, start=0, name=None):
        """(index, element) pairs, the index an int64 counting from `start`."""
        return ZipDataset((RangeDataset(start, None, 1), self))

    def interleave(self, map_func, cycle_length=None, block_length=None,
                   num_parallel_calls=None, deterministic=None, name=None):
        """Maps each element to a dataset and interleaves `cycle_length` of them."""
        return InterleaveDataset(self, map_func, cycle_length, block_length)

    def flat_map(self, map_func, name=None):
        """Maps each element to a dataset and concatenates those datasets."""
        return FlatMapDataset(self, map_func)

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None):
        """Groups elements into windows; each window is a (structure of) dataset(s)."""
        return WindowDataset(self, size, shift, stride, drop_remainder)

    def scan(self, initial_state, scan_func, name=None):
        return _ScanDataset(self, initial_state, scan_func)

    def unique(self, name=None):
        return _UniqueDataset(self)

    def ignore_errors(self, log_warning=False, name=None):
        return _IgnoreErrorsDataset(self, log_warning)

    def apply(self, transformation_func):
        """`transformation_func(self)`, which must return a Dataset."""
        result = transformation_func(self)
        if not isinstance(result, DatasetV2):
            raise TypeError("`transformation_func` must return a Dataset, got "
                            f"{type(result).__name__}.")
        return result

    def with_options(self, options, name=None):
        return _OptionsDataset(self, options)

    def options(self):
        from tensorflux.data.options import Options
        merged = Options()
        for dataset in self._chain():
            if dataset._options_value is not None:
                merged = merged.merge(dataset._options_value)
        return merged

    def _chain(self):
        seen, stack, order = set(), [self], []
        while stack:
            dataset = stack.pop()
            if id(dataset) in seen:
                continue
            seen.add(id(dataset))
            order.append(dataset)
            stack.extend(dataset._inputs)
        return reversed(order)

    def reduce(self, initial_state, reduce_func, name=None):
        """Folds the elements: `state = reduce_func(state, element)`; returns the state."""
        with eager_scope():
            state = nest.map_structure(
                lambda v: v if isinstance(v, Tensor) else Tensor._from_array(
                    structure.to_array(v)), structure.normalize(initial_state))
            spec = self.element_spec
            for flat in self._iter_flat():
                state = reduce_func(state, structure.pack_tensors(spec, flat))
                state = nest.map_structure(
                    lambda v: v if isinstance(v, Tensor) else Tensor._from_array(
                        structure.to_array(v)), state)
        return state

    def get_single_element(self, name=None):
        iterator = self._iter_flat()
        try:
            flat = next(iterator)
        except StopIteration:
            raise errors.InvalidArgumentError(None, None, "Dataset was empty.") from None
        for _ in iterator:
            raise errors.InvalidArgumentError(None, None,
                                              "Dataset had more than one element.")
        return structure.pack_tensors(self.element_spec, flat)

    # ---- TF1 iterators -------------------------------------------------------------------
    def make_one_shot_iterator(self):
        """TF1: an iterator whose `get_next()` tensor yields the next element per run."""
        from tensorflux.data.iterator import Iterator
        return Iterator(self, initialized=True)

    def make_initializable_iterator(self, shared_name=None):
        """TF1: an iterator that must be started by running `iterator.initializer`."""
        from tensorflux.data.iterator import Iterator
        return Iterator(self, initialized=False)


Dataset = DatasetV2


# ==== sources ===============================================================================

class _ArraySource:
    """Rows of flat component arrays, by index."""

    def __init__(self, arrays):
        self.arrays = arrays

    def gather(self, indices):
        if isinstance(indices, slice):
            return [a[indices] for a in self.arrays]
        return [a[indices] for a in self.arrays]


class TensorSliceDataset(DatasetV2):
    def __init__(self, value):
        flat = structure.flatten(value)
        if not flat:
            raise ValueError("from_tensor_slices needs at least one component.")
        sizes = set()
        for array in flat:
            if isinstance(array, DatasetV2):
                raise TypeError("from_tensor_slices cannot slice a Dataset.")
            if array.ndim == 0:
                raise ValueError(f"Unbatching a tensor is only supported for rank >= 1; got "
                                 f"a scalar component {array!r}. Use from_tensors for a "
                                 "single element.")
            sizes.add(array.shape[0])
        if len(sizes) > 1:
            raise ValueError(f"Dimensions {' and '.join(str(s) for s in sorted(sizes))} are "
                             "not compatible: all components of from_tensor_slices must have "
                             "the same size in their first dimension.")
        self._arrays = flat
        self._n = sizes.pop()
        spec = structure.pack(value, [TensorSpec(a.shape[1:], structure.spec_of(a).dtype)
                                      for a in flat])
        super().__init__(spec)

    def _iter_flat(self):
        arrays = self._arrays
        if len(arrays) == 1:
            array = arrays[0]
            for i in range(self._n):
                yield [array[i, ...]]
            return
        for i in range(self._n):
            yield [a[i, ...] for a in arrays]

    def _cardinality(self):
        return self._n

    def _index_plan(self):
        return _ArraySource(self._arrays), lambda: iter(range(self._n))


class TensorDataset(DatasetV2):
    def __init__(self, value):
        self._flat = structure.flatten(value)
        super().__init__(structure.pack(value, [structure.spec_of(a) for a in self._flat]))

    def _iter_flat(self):
        yield list(self._flat)

    def _cardinality(self):
        return 1


class _ListDataset(DatasetV2):
    """Elements given as a list of flat lists (used for windows)."""

    def __init__(self, elements, element_spec):
        self._elements = elements
        super().__init__(element_spec)

    def _iter_flat(self):
        return iter(self._elements)

    def _cardinality(self):
        return len(self._elements)


class _RangeSource:
    def __init__(self, start, step, dtype):
        self.start, self.step, self.dtype = start, step, dtype

    def gather(self, indices):
        if isinstance(indices, slice):
            indices = np.arange(indices.start, indices.stop)
        return [np.asarray(self.start + np.asarray(indices) * self.step, dtype=self.dtype)]


class RangeDataset(DatasetV2):
    def __init__(self, *args, output_type=dtypes.int64):
        values = [_int_arg(a, "range argument") if a is not None else None for a in args]
        if len(values) == 1:
            start, stop, step = 0, values[0], 1
        elif len(values) == 2:
            (start, stop), step = values, 1
        elif len(values) == 3:
            start, stop, step = values
        else:
            raise TypeError(f"range() takes 1 to 3 positional arguments, got {len(values)}.")
        if step == 0:
            raise errors.InvalidArgumentError(None, None, "step must be a non-zero integer.")
        self._start, self._stop, self._step = start, stop, step
        self._dtype = dtypes.as_dtype(output_type)
        super().__init__(TensorSpec([], self._dtype))

    def _length(self):
        if self._stop is None:
            return None
        return max(0, -(-(self._stop - self._start) // self._step))

    def _iter_flat(self):
        np_dtype = self._dtype.as_numpy_dtype
        n = self._length()
        counter = itertools.count() if n is None else range(n)
        start, step = self._start, self._step
        for i in counter:
            yield [np.asarray(start + i * step, dtype=np_dtype)]

    def _cardinality(self):
        n = self._length()
        return INFINITE if n is None else n

    def _index_plan(self):
        n = self._length()
        source = _RangeSource(self._start, self._step, self._dtype.as_numpy_dtype)
        return source, (lambda: itertools.count()) if n is None else (lambda: iter(range(n)))


class GeneratorDataset(DatasetV2):
    def __init__(self, generator, output_types, output_shapes, args, output_signature):
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable (a generator function), "
                            f"got {type(generator).__name__}.")
        if output_signature is not None:
            if output_types is not None or output_shapes is not None:
                raise TypeError("`output_signature` cannot be combined with `output_types` "
                                "or `output_shapes`.")
            spec = _as_spec_structure(output_signature)
        else:
            if output_types is None:
                raise TypeError("from_generator needs `output_signature` (or the deprecated "
                                "`output_types` [+ `output_shapes`]) to know the element "
                                "structure, e.g. output_signature=tf.TensorSpec(shape=(), "
                                "dtype=tf.int32).")
            output_types = _lists_to_tuples(output_types)
            if output_shapes is None:
                spec = nest.map_structure(lambda t: TensorSpec(None, t), output_types)
            else:
                output_shapes = _shape_structure(output_types, output_shapes)
                flat = [TensorSpec(s, t) for t, s in zip(nest.flatten(output_types),
                                                          output_shapes)]
                spec = structure.pack(output_types, flat)
        self._generator = generator
        self._args = tuple(args) if args is not None else ()
        super().__init__(spec)

    def _iter_flat(self):
        spec = self.element_spec
        flat_specs = structure.flatten(spec)
        args = [structure.to_array(a) for a in self._args]
        args = [a[()] if a.ndim == 0 and a.dtype != object else
                (a.reshape(()).item() if a.ndim == 0 else a) for a in args]
        single = not structure.is_structure(spec)
        for value in self._generator(*args):
            if single:
                flat = [value]
            else:
                flat = _flatten_up_to(spec, value)
                if flat is None or len(flat) != len(flat_specs):
                    raise TypeError(f"`generator` yielded an element that did not match the "
                                    f"expected structure. The expected structure was "
                                    f"{spec!r}, but the yielded element was {value!r}.")
            yield structure.check_matches(flat, flat_specs, "generator")


def _flatten_up_to(spec, value):
    """The leaves of a generated element following the spec's structure (inner lists are
    values), or None when the element does not have that structure."""
    if isinstance(spec, dict):
        if not isinstance(value, dict) or set(value) != set(spec):
            return None
        parts = [_flatten_up_to(spec[k], value[k]) for k in sorted(spec)]
    elif isinstance(spec, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(spec):
            return None
        parts = [_flatten_up_to(s, v) for s, v in zip(spec, value)]
    else:
        return [value]
    if any(p is None for p in parts):
        return None
    return [leaf for part in parts for leaf in part]


def _lists_to_tuples(value):
    if isinstance(value, list):
        return tuple(_lists_to_tuples(v) for v in value)
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_lists_to_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _lists_to_tuples(v) for k, v in value.items()}
    return value


def _as_spec_structure(signature):
    signature = _lists_to_tuples(signature)
    for s in nest.flatten(signature):
        if not isinstance(s, TensorSpec):
            raise TypeError(f"`output_signature` must contain tf.TensorSpec objects, got "
                            f"{s!r}.")
    return signature


def _shape_structure(types, shapes):
    """output_shapes matching output_types: a shape is a leaf (a list of dims)."""
    flat_types = nest.flatten(types)
    if not structure.is_structure(types):
        return [TensorShape(shapes)]
    if isinstance(types, dict):
        return [TensorShape(shapes[k]) for k in sorted(types)]
    result = []

    def walk(t, s):
        if isinstance(t, dict):
            for k in sorted(t):
                walk(t[k], s[k])
        elif isinstance(t, tuple):
            for tt, ss in zip(t, s):
                walk(tt, ss)
        else:
            result.append(TensorShape(s))
    walk(types, shapes)
    if len(result) != len(flat_types):
        raise ValueError("`output_shapes` does not match the structure of `output_types`.")
    return result


class _RandomDataset(DatasetV2):
    def __init__(self, seed, rerandomize):
        self._seeds = _SeedStream(seed, rerandomize if rerandomize is not None else False)
        super().__init__(TensorSpec([], dtypes.int64))

    def _iter_flat(self):
        rng = self._seeds.next_generator()
        while True:
            for v in rng.integers(0, 2**63 - 1, size=256, dtype=np.int64):
                yield [np.asarray(v)]

    def _cardinality(self):
        return INFINITE


# ==== randomness ===========================================================================

class _SeedStream:
    """Seeds for a random transformation, following TF's global/op seed rules.

    Each iteration gets a generator seeded from (global seed, op seed, epoch); with
    `reshuffle` False every iteration uses epoch 0 (the same order each time).
    """

    def __init__(self, seed, reshuffle):
        from tensorflux.ops import random_ops
        global_seed, op_seed = random_ops.get_seed(None if seed is None
                                                   else _int_arg(seed, "seed"))
        if global_seed is None:
            entropy = np.random.SeedSequence().entropy
            global_seed, op_seed = entropy & 0xFFFFFFFF, (entropy >> 32) & 0xFFFFFFFF
        self._key = [int(global_seed) & 0xFFFFFFFF, int(op_seed) & 0xFFFFFFFF]
        self._reshuffle = reshuffle
        self._epoch = 0
        self._lock = threading.Lock()

    def next_generator(self):
        with self._lock:
            epoch = self._epoch
            if self._reshuffle:
                self._epoch += 1
        return np.random.default_rng(self._key + [epoch])


class _Uniforms:
    """Random indices below `n` from blocks of uniform draws (cheap per call)."""

    def __init__(self, rng):
        self._rng = rng
        self._block = []

    def below(self, n):
        if not self._block:
            self._block = self._rng.random(1024).tolist()
        return int(self._block.pop() * n)


def _shuffled(items, buffer_size, rng):
    """The shuffle-buffer algorithm over any iterator (elements or indices)."""
    draw = _Uniforms(rng)
    buffer = []
    for item in items:
        if len(buffer) < buffer_size:
            buffer.append(item)
            continue
        j = draw.below(len(buffer))
        yield buffer[j]
        buffer[j] = item
    while buffer:
        j = draw.below(len(buffer))
        yield buffer[j]
        buffer[j] = buffer[-1]
        buffer.pop()


# ==== transformations ======================================================================

class _UnaryDataset(DatasetV2):
    def __init__(self, input_dataset, element_spec=None):
        if not isinstance(input_dataset, DatasetV2):
            raise TypeError(f"Expected a tf.data.Dataset, got {type(input_dataset).__name__}.")
        self._input = input_dataset
        super().__init__(element_spec, [input_dataset])

    @property
    def element_spec(self):
        if self._element_spec is None:
            return self._input.element_spec
        return self._element_spec


class MapDataset(_UnaryDataset):
    def __init__(self, input_dataset, map_func, num_parallel_calls=None, deterministic=None):
        super().__init__(input_dataset)
        self._function = StructuredFunction(map_func, input_dataset.element_spec, "map")
        parallel = None if num_parallel_calls is None else _int_arg(num_parallel_calls,
                                                                    "num_parallel_calls")
        if parallel == AUTOTUNE:
            parallel = min(8, os.cpu_count() or 1)
        self._parallel = parallel if parallel and parallel > 1 else None

    @property
    def element_spec(self):
        function = self._function
        if function.output_spec is None:
            # an eagerly-run function: its result structure is known from the first element
            for flat in self._input._iter_flat():
                function(flat)
                break
            if function.output_spec is None:
                raise ValueError("The element structure of this map cannot be determined: "
                                 "the function could not be traced and the input is empty.")
        return function.output_spec

    def _iter_flat(self):
        function = self._function
        if self._parallel is None:
            if _background_state.active:
                for flat in self._input._iter_flat():
                    _cooperate()
                    yield function(flat)
                return
            for flat in self._input._iter_flat():
                yield function(flat)
            return
        yield from _parallel_map(function, self._input._iter_flat(), self._parallel)

    def _cardinality(self):
        return self._input._cardinality()

    def _index_plan(self):
        if not self._function.vectorizable:
            return None
        plan = self._input._index_plan()
        if plan is None:
            return None
        source, make_indices = plan
        return _MappedSource(source, self._function), make_indices


class _MappedSource:
    def __init__(self, source, function):
        self.source, self.function = source, function

    def gather(self, indices):
        return self.function(self.source.gather(indices))


def _parallel_map(function, items, parallelism):
    from concurrent.futures import ThreadPoolExecutor
    pending = collections.deque()
    executor = ThreadPoolExecutor(max_workers=parallelism,
                                  thread_name_prefix="tensorflux-data-map")
    try:
        for flat in items:
            pending.append(executor.submit(function, flat))
            if len(pending) >= 2 * parallelism:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=False)


class FilterDataset(_UnaryDataset):
    def __init__(self, input_dataset, predicate):
        super().__init__(input_dataset)
        self._function = StructuredFunction(predicate, input_dataset.element_spec, "filter")
        spec = self._function.output_spec
        if spec is not None:
            if not isinstance(spec, TensorSpec) or spec.dtype != dtypes.bool or \
                    spec.shape.rank not in (None, 0):
                raise ValueError(f"Invalid `predicate`: it must return a scalar tf.bool "
                                 f"tensor, but its return type is {spec!r}.")

    def _iter_flat(self):
        function = self._function
        for flat in self._input._iter_flat():
            keep = function(flat)[0]
            if keep.shape != () or keep.dtype != np.bool_:
                raise errors.InvalidArgumentError(
                    None, None, f"The filter predicate must return a scalar bool, got "
                    f"shape {keep.shape} dtype {keep.dtype}.")
            if keep:
                yield flat


class _TakeWhileDataset(_UnaryDataset):
    def __init__(self, input_dataset, predicate):
        super().__init__(input_dataset)
        self._function = StructuredFunction(predicate, input_dataset.element_spec,
                                            "take_while")

    def _iter_flat(self):
        for flat in self._input._iter_flat():
            if not bool(self._function(flat)[0]):
                return
            yield flat


def _stack(items, position_base=0):
    """Stacks elements (flat lists) component-wise, with TF's message on shape mismatch."""
    result = []
    for component, column in enumerate(zip(*items)):
        try:
            result.append(np.stack(column))
        except ValueError:
            if isinstance(column[0], DatasetV2):
                raise TypeError("Cannot batch elements that are datasets (windows); use "
                                "flat_map(lambda w: w.batch(n)).") from None
            first = column[0].shape
            bad = next(i for i, c in enumerate(column) if c.shape != first)
            raise errors.InvalidArgumentError(
                None, None, f"Cannot batch tensors with different shapes in component "
                f"{component}. First element had shape {list(first)} and element {bad} had "
                f"shape {list(column[bad].shape)}. Use padded_batch to pad them to a common "
                "shape, or resize them first (e.g. tf.image.resize).") from None
    return result


class BatchDataset(_UnaryDataset):
    def __init__(self, input_dataset, batch_size, drop_remainder=False):
        self._batch_size = _int_arg(batch_size, "batch_size")
        if self._batch_size <= 0:
            raise errors.InvalidArgumentError(None, None, f"batch_size must be greater than "
                                              f"zero, got {self._batch_size}.")
        self._drop = bool(drop_remainder)
        super().__init__(input_dataset)
        self._spec_cache = None

    @property
    def element_spec(self):
        if self._spec_cache is None:
            self._spec_cache = structure.batched_spec(
                self._input.element_spec, self._batch_size if self._drop else None)
        return self._spec_cache

    def _iter_flat(self):
        size, drop = self._batch_size, self._drop
        plan = self._input._index_plan()
        if plan is not None:
            source, make_indices = plan
            indices = make_indices()
            while True:
                chunk = np.fromiter(itertools.islice(indices, size), dtype=np.int64)
                if chunk.size == 0 or (drop and chunk.size < size):
                    return
                if chunk[-1] - chunk[0] == chunk.size - 1 and \
                        np.all(np.diff(chunk) == 1):
                    yield source.gather(slice(int(chunk[0]), int(chunk[-1]) + 1))
                else:
                    yield source.gather(chunk)
            return
        iterator = self._input._iter_flat()
        while True:
            items = list(itertools.islice(iterator, size))
            if not items or (drop and len(items) < size):
                return
            yield _stack(items)

    def _cardinality(self):
        n = self._input._cardinality()
        if n < 0:
            return n
        return n // self._batch_size if self._drop else -(-n // self._batch_size)


class PaddedBatchDataset(BatchDataset):
    def __init__(self, input_dataset, batch_size, padded_shapes, padding_values,
                 drop_remainder):
        super().__init__(input_dataset, batch_size, drop_remainder)
        spec = input_dataset.element_spec
        flat_specs = structure.flatten(spec)
        if padded_shapes is None:
            shapes = [s.shape for s in flat_specs]
            if any(s.rank is None for s in shapes):
                raise ValueError("padded_batch needs `padded_shapes` for components of "
                                 "unknown rank.")
            shapes = [TensorShape([None] * s.rank) for s in shapes]
        else:
            shapes = [TensorShape(_static_shape(s))
                      for s in _flatten_like(spec, padded_shapes, "padded_shapes")]
        for declared, actual in zip(shapes, flat_specs):
            if not declared.is_compatible_with(TensorShape(
                    [None] * actual.shape.rank) if actual.shape.rank is not None else
                    TensorShape(None)):
                raise ValueError(f"The padded shape {declared} is not compatible with the "
                                 f"component shape {actual.shape}.")
        if padding_values is None:
            values = [None] * len(flat_specs)
        else:
            values = _flatten_like(spec, padding_values, "padding_values", scalar_ok=True)
        self._padded_shapes = shapes
        self._padding = [structure.to_array(v, s.dtype) if v is not None else
                         np.asarray(b"" if s.dtype == dtypes.string else 0,
                                    dtype=object if s.dtype == dtypes.string
                                    else s.dtype.as_numpy_dtype)
                         for v, s in zip(values, flat_specs)]
        batch_dim = self._batch_size if self._drop else None
        self._spec_cache = structure.pack(spec, [
            TensorSpec([batch_dim] + list(shape.as_tuple()), s.dtype)
            for shape, s in zip(shapes, flat_specs)])

    def _iter_flat(self):
        size, drop = self._batch_size, self._drop
        iterator = self._input._iter_flat()
        while True:
            items = list(itertools.islice(iterator, size))
            if not items or (drop and len(items) < size):
                return
            yield [self._pad_column(c, column) for c, column in enumerate(zip(*items))]

    def _pad_column(self, component, column):
        declared = self._padded_shapes[component].as_tuple()
        rank = column[0].ndim
        if any(c.ndim != rank for c in column):
            raise errors.InvalidArgumentError(None, None, "padded_batch: the elements of "
                                              f"component {component} have different ranks.")
        target = []
        for axis in range(rank):
            longest = max(c.shape[axis] for c in column)
            want = declared[axis] if declared is not None else None
            if want is None:
                target.append(longest)
            else:
                if longest > want:
                    raise errors.InvalidArgumentError(
                        None, None, f"Attempted to pad to a smaller size than the input "
                        f"element: component {component} has size {longest} on axis {axis} "
                        f"but the padded shape is {want}.")
                target.append(want)
        pad_value = self._padding[component]
        out = np.empty([len(column)] + target, dtype=column[0].dtype)
        out[...] = pad_value
        for i, c in enumerate(column):
            out[(i,) + tuple(slice(0, d) for d in c.shape)] = c
        return out


def _static_shape(shape):
    if isinstance(shape, Tensor):
        shape = shape.numpy()
    if isinstance(shape, TensorShape):
        return shape
    if isinstance(shape, np.ndarray):
        shape = shape.tolist()
    return [None if d is None or int(d) < 0 else int(d) for d in shape]


def _flatten_like(spec, value, what, scalar_ok=False):
    """A user structure mirroring `spec` whose leaves may be lists (shapes) -> flat leaves."""
    if not structure.is_structure(spec):
        return [value]
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            if scalar_ok:
                return [value] * len(structure.flatten(spec))
            raise ValueError(f"`{what}` must be a dict like the element structure.")
        result = []
        for k in sorted(spec, key=lambda key: (str(type(key)), key)):
            result.extend(_flatten_like(spec[k], value[k], what, scalar_ok))
        return result
    if not isinstance(value, (tuple, list)) or len(value) != len(spec) or (
            isinstance(value, list) and not any(isinstance(v, (list, tuple, TensorShape,
                                                               dict)) for v in value)
            and not scalar_ok):
        if scalar_ok and not isinstance(value, (tuple, list)):
            return [value] * len(structure.flatten(spec))
        raise ValueError(f"`{what}` must match the element structure {spec!r}, got "
                         f"{value!r}.")
    result = []
    for s, v in zip(spec, value):
        result.extend(_flatten_like(s, v, what, scalar_ok))
    return result


class UnbatchDataset(_UnaryDataset):
    def __init__(self, input_dataset):
        super().__init__(input_dataset, structure.unbatched_spec(input_dataset.element_spec))

    def _iter_flat(self):
        for flat in self._input._iter_flat():
            sizes = {a.shape[0] for a in flat}
            if len(sizes) != 1:
                raise errors.InvalidArgumentError(
                    None, None, f"Input element must have the same batch size in each "
                    f"component; got sizes {sorted(sizes)}.")
            for i in range(sizes.pop()):
                yield [a[i, ...] for a in flat]


class RebatchDataset(_UnaryDataset):
    def __init__(self, input_dataset, batch_size, drop_remainder=False):
        sizes = [int(s) for s in np.asarray(batch_size).reshape(-1)]
        if not sizes or any(s <= 0 for s in sizes):
            raise ValueError(f"rebatch: batch sizes must be positive, got {batch_size!r}.")
        self._sizes, self._drop = sizes, bool(drop_remainder)
        unbatched = structure.unbatched_spec(input_dataset.element_spec)
        dim = sizes[0] if self._drop and len(set(sizes)) == 1 else None
        super().__init__(input_dataset, structure.batched_spec(unbatched, dim))

    def _iter_flat(self):
        rows = UnbatchDataset(self._input)._iter_flat()
        for size in itertools.cycle(self._sizes):
            items = list(itertools.islice(rows, size))
            if not items or (self._drop and len(items) < size):
                return
            yield _stack(items)


class ShuffleDataset(_UnaryDataset):
    def __init__(self, input_dataset, buffer_size, seed=None, reshuffle_each_iteration=None):
        super().__init__(input_dataset)
        self._buffer_size = _int_arg(buffer_size, "buffer_size")
        if self._buffer_size == AUTOTUNE:
            self._buffer_size = 1024
        if self._buffer_size <= 0:
            raise errors.InvalidArgumentError(None, None, f"buffer_size must be greater than "
                                              f"zero, got {self._buffer_size}.")
        reshuffle = True if reshuffle_each_iteration is None else \
            bool(reshuffle_each_iteration)
        self._seeds = _SeedStream(seed, reshuffle)

    def _iter_flat(self):
        return _shuffled(self._input._iter_flat(), self._buffer_size,
                         self._seeds.next_generator())

    def _cardinality(self):
        return self._input._cardinality()

    def _index_plan(self):
        plan = self._input._index_plan()
        if plan is None:
            return None
        source, make_indices = plan
        return source, lambda: _shuffled(make_indices(), self._buffer_size,
                                         self._seeds.next_generator())


class RepeatDataset(_UnaryDataset):
    def __init__(self, input_dataset, count=None):
        super().__init__(input_dataset)
        self._count = -1 if count is None else _int_arg(count, "count")

    def _epochs(self):
        return itertools.count() if self._count < 0 else range(self._count)

    def _iter_flat(self):
        for _ in self._epochs():
            produced = False
            for flat in self._input._iter_flat():
                produced = True
                yield flat
            if not produced:
                return

    def _cardinality(self):
        n = self._input._cardinality()
        if self._count < 0:
            return 0 if n == 0 else (UNKNOWN if n == UNKNOWN else INFINITE)
        if n == INFINITE:
            return INFINITE if self._count > 0 else 0
        if n == UNKNOWN:
            return 0 if self._count == 0 else UNKNOWN
        return n * self._count

    def _index_plan(self):
        plan = self._input._index_plan()
        if plan is None:
            return None
        source, make_indices = plan

        def indices():
            for _ in self._epochs():
                produced = False
                for i in make_indices():
                    produced = True
                    yield i
                if not produced:
                    return
        return source, indices


class TakeDataset(_UnaryDataset):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = _int_arg(count, "count")

    def _iter_flat(self):
        if self._count < 0:
            return self._input._iter_flat()
        return itertools.islice(self._input._iter_flat(), self._count)

    def _cardinality(self):
        n = self._input._cardinality()
        if self._count < 0:
            return n
        if n == INFINITE:
            return self._count
        if n == UNKNOWN:
            return UNKNOWN
        return min(n, self._count)

    def _index_plan(self):
        plan = self._input._index_plan()
        if plan is None or self._count < 0:
            return plan
        source, make_indices = plan
        return source, lambda: itertools.islice(make_indices(), self._count)


class SkipDataset(_UnaryDataset):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = _int_arg(count, "count")

    def _iter_flat(self):
        if self._count < 0:
            return iter(())
        return itertools.islice(self._input._iter_flat(), self._count, None)

    def _cardinality(self):
        n = self._input._cardinality()
        if self._count < 0:
            return 0
        if n < 0:
            return n
        return max(0, n - self._count)

    def _index_plan(self):
        plan = self._input._index_plan()
        if plan is None or self._count < 0:
            return None
        source, make_indices = plan
        return source, lambda: itertools.islice(make_indices(), self._count, None)


class ShardDataset(_UnaryDataset):
    def __init__(self, input_dataset, num_shards, index):
        super().__init__(input_dataset)
        self._num_shards = _int_arg(num_shards, "num_shards")
        self._index = _int_arg(index, "index")
        if self._num_shards <= 0:
            raise errors.InvalidArgumentError(None, None, "num_shards must be positive, got "
                                              f"{self._num_shards}.")
        if not 0 <= self._index < self._num_shards:
            raise errors.InvalidArgumentError(
                None, None, f"index must be in [0, num_shards={self._num_shards}), got "
                f"{self._index}.")

    def _iter_flat(self):
        return itertools.islice(self._input._iter_flat(), self._index, None, self._num_shards)

    def _cardinality(self):
        n = self._input._cardinality()
        if n < 0:
            return n
        return max(0, -(-(n - self._index) // self._num_shards))

    def _index_plan(self):
        plan = self._input._index_plan()
        if plan is None:
            return None
        source, make_indices = plan
        return source, lambda: itertools.islice(make_indices(), self._index, None,
                                                self._num_shards)


class CacheDataset(_UnaryDataset):
    def __init__(self, input_dataset, filename=""):
        super().__init__(input_dataset)
        self._filename = structure.string_or_none(filename) or ""
        self._memory = None
        self._lock = threading.Lock()

    def _iter_flat(self):
        if self._filename:
            yield from self._iter_file()
            return
        cached = self._memory
        if cached is not None:
            yield from cached
            return
        items = []
        for flat in self._input._iter_flat():
            items.append(flat)
            yield flat
        with self._lock:
            self._memory = items

    def _iter_file(self):
        from tensorflux.data import _cache_file
        path = _cache_file.path_for(self._filename)
        if os.path.exists(path):
            yield from _cache_file.read(path)
            return
        items = []
        for flat in self._input._iter_flat():
            items.append(flat)
            yield flat
        _cache_file.write(path, items)

    def _cardinality(self):
        return self._input._cardinality()


class PrefetchDataset(_UnaryDataset):
    def __init__(self, input_dataset, buffer_size):
        super().__init__(input_dataset)
        size = _int_arg(buffer_size, "buffer_size") if buffer_size is not None else AUTOTUNE
        self._buffer_size = 4 if size in (AUTOTUNE, 0) or size < 0 else size

    def _iter_flat(self):
        return _background(self._input._iter_flat, self._buffer_size)

    def _cardinality(self):
        return self._input._cardinality()


_DONE, _ITEM, _ERROR = 0, 1, 2


class _BackgroundState(threading.local):
    active = False        # True on a prefetch thread
    last_yield = 0.0


# A prefetch thread running Python (per-element maps) may take the GIL whenever the training
# thread releases it inside a NumPy call, and keep it for a whole switch interval (5 ms) while
# the training thread waits. Per-element loops on such a thread therefore give the GIL back
# (`sleep(0)`) about every millisecond, which keeps the training thread's waits short.
_background_state = _BackgroundState()
_YIELD_EVERY = 0.001


def _cooperate():
    now = time.perf_counter()
    if now - _background_state.last_yield > _YIELD_EVERY:
        time.sleep(0)
        _background_state.last_yield = time.perf_counter()


def _background(make_iterator, buffer_size):
    """Runs `make_iterator()` on a daemon thread, `buffer_size` elements ahead."""
    channel = queue.Queue(maxsize=buffer_size)
    stop = threading.Event()

    def put(message):
        while not stop.is_set():
            try:
                channel.put(message, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        _background_state.active = True
        try:
            iterator = make_iterator()
            for item in iterator:
                if not put((_ITEM, item)):
                    close = getattr(iterator, "close", None)
                    if close is not None:
                        close()
                    return
            put((_DONE, None))
        except BaseException as error:  # noqa: BLE001 - handed to the consumer
            put((_ERROR, error))

    thread = threading.Thread(target=produce, name="tensorflux-data-prefetch", daemon=True)
    thread.start()

    def consume():
        try:
            while True:
                kind, item = channel.get()
                if kind == _ITEM:
                    yield item
                elif kind == _DONE:
                    return
                else:
                    raise item
        finally:
            stop.set()
    return consume()


class ConcatenateDataset(DatasetV2):
    def __init__(self, first, second):
        if not structure.specs_compatible(first.element_spec, second.element_spec):
            raise TypeError(f"Incompatible dataset elements for concatenate: "
                            f"{first.element_spec!r} and {second.element_spec!r} (the "
                            "structures and dtypes must match).")
        self._first, self._second = first, second
        super().__init__(structure.most_specific(first.element_spec, second.element_spec),
                         [first, second])

    def _iter_flat(self):
        yield from self._first._iter_flat()
        yield from self._second._iter_flat()

    def _cardinality(self):
        a, b = self._first._cardinality(), self._second._cardinality()
        if INFINITE in (a, b):
            return INFINITE
        if UNKNOWN in (a, b):
            return UNKNOWN
        return a + b


class ZipDataset(DatasetV2):
    def __init__(self, datasets):
        if isinstance(datasets, list):
            datasets = tuple(datasets)
        leaves = nest.flatten(datasets)
        if not leaves or any(not isinstance(d, DatasetV2) for d in leaves):
            raise TypeError("Dataset.zip expects a (nested) tuple or dict of datasets, got "
                            f"{datasets!r}.")
        self._datasets = leaves
        spec = nest.pack_sequence_as(datasets, [_SpecBox(d.element_spec) for d in leaves])
        super().__init__(_unbox(spec), leaves)

    def _iter_flat(self):
        iterators = [d._iter_flat() for d in self._datasets]
        try:
            while True:
                flat = []
                for iterator in iterators:
                    try:
                        flat.extend(next(iterator))
                    except StopIteration:
                        return
                yield flat
        finally:
            for iterator in iterators:
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()

    def _cardinality(self):
        values = [d._cardinality() for d in self._datasets]
        finite = [v for v in values if v >= 0]
        if finite:
            return min(finite) if UNKNOWN not in values else (
                UNKNOWN if min(finite) > 0 else 0)
        return UNKNOWN if UNKNOWN in values else INFINITE

    def _index_plan(self):
        # zip(range, slices) (= enumerate) keeps the plan when both sides index alike
        plans = [d._index_plan() for d in self._datasets]
        if any(p is None for p in plans) or len(plans) != 2:
            return None
        counter, slices = self._datasets
        if not isinstance(counter, RangeDataset) or \
                not isinstance(slices, TensorSliceDataset) or \
                (counter._length() is not None and counter._length() < slices._n):
            return None
        (range_source, _), (source, make_indices) = plans
        return _ZippedSources([range_source, source]), make_indices


class _ZippedSources:
    def __init__(self, sources):
        self.sources = sources

    def gather(self, indices):
        flat = []
        for source in self.sources:
            flat.extend(source.gather(indices))
        return flat


class _SpecBox:
    """A dataset's element spec as one leaf (so nested specs survive pack_sequence_as)."""

    def __init__(self, spec):
        self.spec = spec


def _unbox(structure_value):
    if isinstance(structure_value, _SpecBox):
        return structure_value.spec
    if isinstance(structure_value, dict):
        return {k: _unbox(v) for k, v in structure_value.items()}
    if isinstance(structure_value, tuple):
        items = [_unbox(v) for v in structure_value]
        return type(structure_value)(*items) if hasattr(structure_value, "_fields") \
            else tuple(items)
    return structure_value


class FlatMapDataset(_UnaryDataset):
    def __init__(self, input_dataset, map_func):
        super().__init__(input_dataset)
        self._function = StructuredFunction(map_func, input_dataset.element_spec, "flat_map",
                                            trace=False)
        self._spec = None

    def _dataset_for(self, flat):
        result = self._function.call_structured(flat)
        if not isinstance(result, DatasetV2):
            raise TypeError(f"The function passed to flat_map/interleave must return a "
                            f"Dataset, got {type(result).__name__}.")
        if self._spec is None:
            self._spec = result.element_spec
        return result

    @property
    def element_spec(self):
        if self._spec is None:
            for flat in self._input._iter_flat():
                self._dataset_for(flat)
                break
            if self._spec is None:
                raise ValueError("The element structure of this flat_map is unknown: the "
                                 "input dataset is empty.")
        return self._spec

    def _iter_flat(self):
        for flat in self._input._iter_flat():
            yield from self._dataset_for(flat)._iter_flat()


class InterleaveDataset(FlatMapDataset):
    def __init__(self, input_dataset, map_func, cycle_length=None, block_length=None):
        super().__init__(input_dataset, map_func)
        cycle = AUTOTUNE if cycle_length is None else _int_arg(cycle_length, "cycle_length")
        self._cycle = (os.cpu_count() or 1) if cycle == AUTOTUNE else cycle
        self._block = 1 if block_length is None else _int_arg(block_length, "block_length")
        if self._cycle <= 0 or self._block <= 0:
            raise errors.InvalidArgumentError(None, None, "cycle_length and block_length "
                                              "must be positive.")

    def _iter_flat(self):
        inputs = self._input._iter_flat()
        active = []
        exhausted = False
        while True:
            while not exhausted and len(active) < self._cycle:
                try:
                    flat = next(inputs)
                except StopIteration:
                    exhausted = True
                    break
                active.append(self._dataset_for(flat)._iter_flat())
            if not active:
                return
            position = 0
            while position < len(active):
                iterator = active[position]
                ended = False
                for _ in range(self._block):
                    try:
                        yield next(iterator)
                    except StopIteration:
                        ended = True
                        break
                if ended:
                    # the next input element takes the finished slot; it is visited on the
                    # next round (TF's order)
                    replacement = None
                    if not exhausted:
                        try:
                            replacement = self._dataset_for(next(inputs))._iter_flat()
                        except StopIteration:
                            exhausted = True
                    if replacement is None:
                        active.pop(position)
                        continue
                    active[position] = replacement
                position += 1


class WindowDataset(_UnaryDataset):
    def __init__(self, input_dataset, size, shift=None, stride=1, drop_remainder=False):
        self._size = _int_arg(size, "size")
        self._shift = self._size if shift is None else _int_arg(shift, "shift")
        self._stride = _int_arg(stride, "stride")
        if self._size <= 0 or self._shift <= 0 or self._stride <= 0:
            raise errors.InvalidArgumentError(None, None, "window: size, shift and stride "
                                              "must be positive.")
        self._drop = bool(drop_remainder)
        spec = input_dataset.element_spec
        window_spec = nest.map_structure(lambda s: DatasetSpec(s), spec)
        super().__init__(input_dataset, window_spec)

    def _iter_flat(self):
        span = (self._size - 1) * self._stride + 1
        buffer = collections.deque()
        start = 0          # element index of buffer[0]
        next_window = 0
        iterator = self._input._iter_flat()
        exhausted = False
        flat_specs = structure.flatten(self._input.element_spec)
        while True:
            while not exhausted and start + len(buffer) < next_window + span:
                try:
                    buffer.append(next(iterator))
                except StopIteration:
                    exhausted = True
            offset = next_window - start
            if offset >= len(buffer):
                return
            members = [buffer[i] for i in range(offset, min(len(buffer), offset + span),
                                                self._stride)]
            if exhausted and len(members) < self._size and (self._drop or not members):
                return
            yield [_ListDataset([[flat[c]] for flat in members], flat_specs[c])
                   for c in range(len(flat_specs))]
            next_window += self._shift
            while buffer and start < next_window:
                buffer.popleft()
                start += 1

    def _cardinality(self):
        n = self._input._cardinality()
        if n < 0:
            return n
        if self._drop:
            span = (self._size - 1) * self._stride + 1
            return 0 if n < span else (n - span) // self._shift + 1
        return -(-n // self._shift)


class _ScanDataset(_UnaryDataset):
    def __init__(self, input_dataset, initial_state, scan_func):
        super().__init__(input_dataset)
        self._initial = structure.normalize(initial_state)
        self._scan_func = scan_func
        self._spec = None

    def _run(self):
        with eager_scope():
            state = structure.pack_tensors(self._initial, structure.flatten(self._initial)) \
                if structure.is_structure(self._initial) else \
                Tensor._from_array(self._initial)
            spec = self._input.element_spec
            for flat in self._input._iter_flat():
                element = structure.pack_tensors(spec, flat)
                state, output = self._scan_func(state, element)
                output = structure.normalize(output if not isinstance(output, list)
                                             else tuple(output))
                leaves = structure.flatten(output)
                if self._spec is None:
                    self._spec = structure.pack(output, [structure.spec_of(a)
                                                         for a in leaves])
                yield leaves

    @property
    def element_spec(self):
        if self._spec is None:
            for _ in self._run():
                break
        return self._spec

    def _iter_flat(self):
        return self._run()

    def _cardinality(self):
        return self._input._cardinality()


class _UniqueDataset(_UnaryDataset):
    def _iter_flat(self):
        seen = set()
        for flat in self._input._iter_flat():
            key = flat[0].item() if flat[0].ndim == 0 else flat[0].tobytes()
            if key not in seen:
                seen.add(key)
                yield flat


class _IgnoreErrorsDataset(_UnaryDataset):
    def __init__(self, input_dataset, log_warning):
        super().__init__(input_dataset)
        self._log = log_warning

    def _iter_flat(self):
        iterator = self._input._iter_flat()
        while True:
            try:
                yield next(iterator)
            except StopIteration:
                return
            except errors.OpError as error:
                if self._log:
                    warnings.warn(f"tf.data: ignoring an element that raised: {error}")


class _SampleDataset(DatasetV2):
    def __init__(self, datasets, weights, seed, stop_on_empty):
        self._datasets = datasets
        n = len(datasets)
        w = np.full(n, 1.0 / n) if weights is None else np.asarray(weights, dtype=np.float64)
        self._weights = w / w.sum()
        self._seeds = _SeedStream(seed, True)
        self._stop = stop_on_empty
        super().__init__(datasets[0].element_spec, datasets)

    def _iter_flat(self):
        rng = self._seeds.next_generator()
        iterators = [d._iter_flat() for d in self._datasets]
        weights = self._weights.copy()
        while weights.sum() > 0:
            i = int(rng.choice(len(iterators), p=weights / weights.sum()))
            try:
                yield next(iterators[i])
            except StopIteration:
                if self._stop:
                    return
                weights[i] = 0.0


class _ChooseDataset(DatasetV2):
    def __init__(self, datasets, choice_dataset, stop_on_empty):
        self._datasets, self._choice, self._stop = datasets, choice_dataset, stop_on_empty
        super().__init__(datasets[0].element_spec, datasets + [choice_dataset])

    def _iter_flat(self):
        iterators = [d._iter_flat() for d in self._datasets]
        for (choice,) in self._choice._iter_flat():
            try:
                yield next(iterators[int(choice)])
            except StopIteration:
                if self._stop:
                    return


class _OptionsDataset(_UnaryDataset):
    def __init__(self, input_dataset, options):
        super().__init__(input_dataset)
        self._options_value = options

    def _iter_flat(self):
        return self._input._iter_flat()

    def _cardinality(self):
        return self._input._cardinality()

    def _index_plan(self):
        return self._input._index_plan()


# the cardinality of a transformation that keeps its input's count by default
for _cls in (_TakeWhileDataset, _UniqueDataset, _IgnoreErrorsDataset, FilterDataset,
             UnbatchDataset, RebatchDataset, FlatMapDataset, _SampleDataset, _ChooseDataset):
    _cls._cardinality = DatasetV2._cardinality
del _cls
