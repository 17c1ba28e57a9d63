"""tf.python_io (TF1): TFRecord reading and writing."""
from tensorflux.io import TFRecordWriter, TFRecordOptions, tf_record_iterator  # noqa: F401
from tensorflux.io import TFRecordCompressionType  # noqa: F401
