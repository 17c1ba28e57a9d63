"""Writes tests/fixtures/tf_written.tfrecord with real TensorFlow (run once with TF installed):

    /tmp/reftf/bin/python tools/make_fixture_tfrecord.py

Records: three raw byte strings and one serialized tf.train.Example. With
`--read PATH`, prints the records of a TFRecord file as hex, one per line (the test uses
this to check that real TensorFlow reads files tensorflux wrote).
"""
import os
import sys

import tensorflow as tf

RECORDS = [b"hello", b"", b"\x00\x01\x02 binary \xff"]


def example():
    features = {
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[7])),
        "pixels": tf.train.Feature(float_list=tf.train.FloatList(value=[0.5, 1.5])),
        "name": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"bag"])),
    }
    return tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--read":
        for record in tf.data.TFRecordDataset(sys.argv[2]):
            print(record.numpy().hex())
        return
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures",
                        "tf_written.tfrecord")
    with tf.io.TFRecordWriter(path) as writer:
        for record in RECORDS + [example()]:
            writer.write(record)


if __name__ == "__main__":
    main()
