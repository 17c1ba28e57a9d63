"""tf.data: input pipelines (`tf.data.Dataset`), see `tensorflux.data.dataset`."""
from tensorflux.data import experimental  # noqa: F401
from tensorflux.data.dataset import AUTOTUNE, Dataset, DatasetV2
from tensorflux.data.iterator import (Iterator, make_one_shot_iterator,  # noqa: F401
                                      make_initializable_iterator, get_output_types,
                                      get_output_shapes, get_output_classes)
from tensorflux.data.options import Options, ThreadingOptions  # noqa: F401
from tensorflux.data.readers import (TextLineDataset, TFRecordDataset,  # noqa: F401
                                     FixedLengthRecordDataset)
from tensorflux.data._structure import DatasetSpec  # noqa: F401

__all__ = ["Dataset", "DatasetV2", "DatasetV1", "AUTOTUNE", "experimental", "Iterator",
           "Options", "TextLineDataset", "TFRecordDataset", "FixedLengthRecordDataset",
           "make_one_shot_iterator", "make_initializable_iterator", "DatasetSpec",
           "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY"]

DatasetV1 = Dataset
INFINITE_CARDINALITY = experimental.INFINITE_CARDINALITY
UNKNOWN_CARDINALITY = experimental.UNKNOWN_CARDINALITY
