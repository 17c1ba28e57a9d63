"""tf.data against real TensorFlow's files, and prefetch running ahead of its consumer."""
import os
import subprocess
import threading

import numpy as np
import pytest

import tensorflux as tf

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "tf_written.tfrecord")
REFERENCE_PYTHON = "/tmp/reftf/bin/python"
RAW = [b"hello", b"", b"\x00\x01\x02 binary \xff"]


def test_reads_a_tfrecord_file_written_by_real_tensorflow():
    records = [r.numpy() for r in tf.data.TFRecordDataset(FIXTURE)]
    assert records[:3] == RAW and len(records) == 4
    parsed = tf.io.parse_single_example(records[3], {
        "label": tf.io.FixedLenFeature([], tf.int64),
        "pixels": tf.io.FixedLenFeature([2], tf.float32),
        "name": tf.io.FixedLenFeature([], tf.string)})
    assert int(parsed["label"]) == 7 and parsed["name"].numpy() == b"bag"
    np.testing.assert_array_equal(parsed["pixels"].numpy(), [0.5, 1.5])


@pytest.mark.skipif(not os.path.exists(REFERENCE_PYTHON),
                    reason="real TensorFlow (reference venv /tmp/reftf) is not installed")
def test_real_tensorflow_reads_a_tfrecord_file_written_by_tensorflux(tmp_path):
    path = str(tmp_path / "ours.tfrecord")
    with tf.io.TFRecordWriter(path) as writer:
        for record in RAW:
            writer.write(record)
    script = os.path.join(os.path.dirname(__file__), "..", "tools", "make_fixture_tfrecord.py")
    result = subprocess.run([REFERENCE_PYTHON, script, "--read", path], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert [bytes.fromhex(h) for h in lines] == RAW


def _generator_dataset(produced, second_ready):
    def generate():
        for i in range(3):
            produced.append(i)
            if i == 1:
                second_ready.set()
            yield i
    return tf.data.Dataset.from_generator(generate, output_signature=tf.TensorSpec([], tf.int32))


def test_prefetch_produces_ahead_of_the_consumer():
    produced, second_ready = [], threading.Event()
    iterator = iter(_generator_dataset(produced, second_ready).prefetch(2))
    assert int(next(iterator)) == 0
    # while the consumer holds element 0, the background thread produces element 1
    assert second_ready.wait(timeout=10), produced
    assert [int(x) for x in iterator] == [1, 2]


def test_without_prefetch_nothing_is_produced_ahead():
    produced, second_ready = [], threading.Event()
    iterator = iter(_generator_dataset(produced, second_ready))
    assert int(next(iterator)) == 0
    assert not second_ready.is_set() and produced == [0]
