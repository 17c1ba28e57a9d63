"""Dataset sources: tensor slices, single tensors, ranges, Python generators, random numbers;
and the seeded shuffling shared with `shuffle` (see `dataset.py` for the pipeline model)."""
import itertools
import threading

import numpy as np

from tensorflux.data import _structure as structure
from tensorflux.data._structure import TensorSpec
from tensorflux.data.dataset import INFINITE, DatasetV2, _int_arg
from tensorflux.framework import dtypes, errors, nest
from tensorflux.framework.tensor_shape import TensorShape


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
