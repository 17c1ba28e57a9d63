"""tf.data.experimental: transformations returned as functions for `dataset.apply`, constants."""
from tensorflux.data.dataset import AUTOTUNE, INFINITE, UNKNOWN, DatasetV2, RangeDataset
from tensorflux.data.options import (AutoShardPolicy, AutotuneAlgorithm,  # noqa: F401
                                     ExternalStatePolicy, OptimizationOptions,
                                     ThreadingOptions, DistributeOptions)
from tensorflux.framework import dtypes, errors

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "cardinality",
           "assert_cardinality", "shuffle_and_repeat", "map_and_batch", "parallel_interleave",
           "ignore_errors", "unbatch", "enumerate_dataset", "sample_from_datasets",
           "choose_from_datasets", "get_single_element", "prefetch_to_device",
           "copy_to_device", "scan", "take_while", "unique", "Counter", "TFRecordWriter",
           "AutoShardPolicy", "dense_to_ragged_batch", "rebatch"]

INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN


def cardinality(dataset):
    """The number of elements of `dataset` (an int64 tensor; -1 infinite, -2 unknown)."""
    return dataset.cardinality()


def assert_cardinality(expected_cardinality):
    expected = int(expected_cardinality)

    def apply(dataset):
        return _AssertCardinality(dataset, expected)
    return apply


class _AssertCardinality(DatasetV2):
    def __init__(self, dataset, expected):
        self._input, self._expected = dataset, expected
        super().__init__(dataset.element_spec, [dataset])

    def _iter_flat(self):
        count = 0
        for flat in self._input._iter_flat():
            count += 1
            if self._expected >= 0 and count > self._expected:
                raise errors.FailedPreconditionError(
                    None, None, f"Input dataset was expected to contain {self._expected} "
                    "elements but contained at least one more.")
            yield flat
        if self._expected == INFINITE or count < self._expected:
            raise errors.FailedPreconditionError(
                None, None, f"Input dataset was expected to contain {self._expected} "
                f"elements but contained only {count} elements.")

    def _cardinality(self):
        return self._expected


def shuffle_and_repeat(buffer_size, count=None, seed=None):
    """Shuffles and repeats (`count` None or -1: forever); each epoch has a new order."""
    def apply(dataset):
        return dataset.shuffle(buffer_size, seed=seed).repeat(count)
    return apply


def map_and_batch(map_func, batch_size, num_parallel_batches=None, drop_remainder=False,
                  num_parallel_calls=None):
    def apply(dataset):
        return dataset.map(map_func, num_parallel_calls).batch(batch_size, drop_remainder)
    return apply


def parallel_interleave(map_func, cycle_length, block_length=1, sloppy=False,
                        buffer_output_elements=None, prefetch_input_elements=None):
    def apply(dataset):
        return dataset.interleave(map_func, cycle_length, block_length)
    return apply


def ignore_errors(log_warning=False):
    return lambda dataset: dataset.ignore_errors(log_warning)


def unbatch():
    return lambda dataset: dataset.unbatch()


def rebatch(batch_size, drop_remainder=False):
    return lambda dataset: dataset.rebatch(batch_size, drop_remainder)


def dense_to_ragged_batch(batch_size, drop_remainder=False, row_splits_dtype=dtypes.int64):
    raise errors.UnimplementedError(None, None, "Ragged batches are not implemented by "
                                    "tensorflux; use padded_batch.")


def enumerate_dataset(start=0):
    return lambda dataset: dataset.enumerate(start)


def scan(initial_state, scan_func):
    return lambda dataset: dataset.scan(initial_state, scan_func)


def take_while(predicate):
    return lambda dataset: dataset.take_while(predicate)


def unique():
    return lambda dataset: dataset.unique()


def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False):
    return DatasetV2.sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)


def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
    return DatasetV2.choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)


def get_single_element(dataset):
    return dataset.get_single_element()


def prefetch_to_device(device, buffer_size=None):
    return lambda dataset: dataset.prefetch(buffer_size or 1)


def copy_to_device(target_device, source_device="/cpu:0"):
    return lambda dataset: dataset


def Counter(start=0, step=1, dtype=dtypes.int64):  # noqa: N802 - TF's name
    return RangeDataset(start, None, step, output_type=dtype)


class TFRecordWriter:
    """Writes a dataset of scalar strings to a TFRecord file: `TFRecordWriter(path).write(ds)`."""

    def __init__(self, filename, compression_type=None):
        self._filename = filename
        self._compression = compression_type

    def write(self, dataset):
        from tensorflux.io import TFRecordWriter as _Writer
        with _Writer(self._filename, self._compression) as writer:
            for (record,) in dataset._iter_flat():
                writer.write(record.reshape(()).item())
