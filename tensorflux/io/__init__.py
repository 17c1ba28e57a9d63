"""tf.io: files, image codecs, TFRecord files and tf.train.Example parsing.

    tf.io.read_file / write_file / matching_files
    tf.io.decode_image / decode_jpeg / decode_png / decode_bmp / decode_gif, encode_jpeg /
        encode_png (Pillow, optional: `pip install pillow`)
    tf.io.TFRecordWriter, tf.io.tf_record_iterator, tf.io.TFRecordOptions
    tf.io.FixedLenFeature / VarLenFeature / FixedLenSequenceFeature, parse_single_example,
        parse_example
    tf.io.gfile (exists, glob, makedirs, GFile, ...)
"""
import os

from tensorflux.io import gfile  # noqa: F401
from tensorflux.io._ops import (read_file, write_file, matching_files, decode_image,  # noqa
                                decode_jpeg, decode_png, decode_bmp, decode_gif, decode_webp,
                                encode_jpeg, encode_png, decode_raw, is_jpeg,
                                extract_jpeg_shape, encode_base64, decode_base64,
                                decode_and_crop_jpeg)
from tensorflux.io._parsing import (FixedLenFeature, VarLenFeature,  # noqa: F401
                                    FixedLenSequenceFeature, parse_example,
                                    parse_single_example)
from tensorflux.io._tfrecord import (TFRecordWriter, TFRecordOptions,  # noqa: F401
                                     TFRecordCompressionType, tf_record_iterator)
from tensorflux.io._example import (Example, Features, Feature, BytesList,  # noqa: F401
                                    FloatList, Int64List)

__all__ = ["read_file", "write_file", "matching_files", "decode_image", "decode_jpeg",
           "decode_png", "decode_bmp", "decode_gif", "encode_jpeg", "encode_png", "decode_raw",
           "is_jpeg", "extract_jpeg_shape", "encode_base64", "decode_base64", "TFRecordWriter",
           "TFRecordOptions", "tf_record_iterator", "FixedLenFeature", "VarLenFeature",
           "FixedLenSequenceFeature", "parse_example", "parse_single_example", "gfile",
           "serialize_tensor", "parse_tensor"]


def serialize_tensor(tensor, name=None):
    from tensorflux.framework import errors
    raise errors.UnimplementedError(None, None, "tf.io.serialize_tensor (TensorProto bytes) is "
                                    "not implemented by tensorflux; use tf.io.decode_raw with "
                                    "the array's bytes, or np.save.")


def parse_tensor(serialized, out_type, name=None):
    return serialize_tensor(serialized)


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, na_value="",
               select_cols=None, name=None):
    """Parses CSV lines into one tensor per column (defaults give dtypes; empty: required)."""
    from tensorflux.io._csv import decode_csv as _decode_csv
    return _decode_csv(records, record_defaults, field_delim, use_quote_delim, na_value,
                       select_cols, name)


def write_graph(graph_or_graph_def, logdir, name, as_text=True):
    """Writes a Graph (or GraphDef) to `logdir/name`: protobuf text format by default, binary
    with `as_text=False`; written to a temporary file and renamed. Returns the path."""
    from tensorflux.summary import _graph_def
    from tensorflux.train.saver import _atomic_write
    message = _graph_def.as_graph_def(graph_or_graph_def)
    if as_text:
        from google.protobuf import text_format  # installed with tensorboard's protobufs
        data = text_format.MessageToString(message).encode("utf-8")
    else:
        data = message.SerializeToString()
    path = os.path.join(logdir, name)
    _atomic_write(path, lambda handle: handle.write(data))
    return path
