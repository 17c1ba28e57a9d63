"""Dataset transformations: map, filter, batching, shuffling, repetition, slicing, caching,
prefetching, combining and nesting datasets (see `dataset.py` for the pipeline model)."""
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
from tensorflux.data._sources import (RangeDataset, TensorSliceDataset, _ListDataset,
                                      _SeedStream, _shuffled)
from tensorflux.data._structure import DatasetSpec, TensorSpec
from tensorflux.data.dataset import AUTOTUNE, INFINITE, UNKNOWN, DatasetV2, _int_arg
from tensorflux.framework import dtypes, errors, nest
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape


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
