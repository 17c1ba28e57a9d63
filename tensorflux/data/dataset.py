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

The nodes live in `_sources` (from_tensor_slices, range, from_generator, ...) and
`_transforms` (map, batch, shuffle, prefetch, ...); this module holds the public API.
"""
import numpy as np

from tensorflux.data import _structure as structure
from tensorflux.data._function import eager_scope
from tensorflux.framework import dtypes, errors, nest
from tensorflux.framework.tensor import Tensor

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
            >>> [(int(x), s.numpy()) for x, s in ds.take(2)]
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


# the pipeline nodes (imported last: they subclass DatasetV2)
from tensorflux.data._sources import (GeneratorDataset, RangeDataset,  # noqa: E402,F401
                                      TensorDataset, TensorSliceDataset, _RandomDataset)
from tensorflux.data._transforms import (  # noqa: E402,F401
    BatchDataset, CacheDataset, ConcatenateDataset, FilterDataset, FlatMapDataset,
    InterleaveDataset, MapDataset, PaddedBatchDataset, PrefetchDataset, RebatchDataset,
    RepeatDataset, ShardDataset, ShuffleDataset, SkipDataset, TakeDataset, UnbatchDataset,
    WindowDataset, ZipDataset, _ChooseDataset, _IgnoreErrorsDataset, _OptionsDataset,
    _SampleDataset, _ScanDataset, _TakeWhileDataset, _UniqueDataset)
