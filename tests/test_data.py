"""tf.data: sources, every transformation, seeds, TF1 iterators, file datasets, Keras."""
import gzip
import os
import threading

import numpy as np
import pytest

import tensorflux as tf


def values(dataset):
    """The elements as nested NumPy structures (lists for easy comparison)."""
    def convert(element):
        if isinstance(element, (tuple, list)):
            return [convert(e) for e in element]
        if isinstance(element, dict):
            return {k: convert(v) for k, v in element.items()}
        return np.asarray(element.numpy()).tolist()
    return [convert(e) for e in dataset]


# ---- sources --------------------------------------------------------------------------------

def test_from_tensor_slices_tuple_dict_nested_and_lists():
    x = np.arange(6).reshape(3, 2)
    ds = tf.data.Dataset.from_tensor_slices((x, {"b": [1.0, 2.0, 3.0], "a": ["p", "q", "r"]}))
    spec = ds.element_spec
    assert spec[0] == tf.TensorSpec([2], tf.int64)
    assert spec[1]["a"].dtype == tf.string and spec[1]["b"] == tf.TensorSpec([], tf.float32)
    got = values(ds)
    assert got[1] == [[2, 3], {"a": b"q", "b": 2.0}]
    assert len(ds) == 3 and int(ds.cardinality()) == 3
    # a list is one tensor (not a structure)
    assert values(tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4]])) == [[1, 2], [3, 4]]


def test_from_tensor_slices_errors():
    with pytest.raises(ValueError, match="Dimensions 2 and 3 are not compatible"):
        tf.data.Dataset.from_tensor_slices((np.zeros(3), np.zeros(2)))
    with pytest.raises(ValueError, match="rank >= 1"):
        tf.data.Dataset.from_tensor_slices(np.float32(1.0))


def test_from_tensors_range_zip_concatenate_enumerate():
    assert values(tf.data.Dataset.from_tensors(([1, 2], 3))) == [[[1, 2], 3]]
    assert values(tf.data.Dataset.range(3)) == [0, 1, 2]
    assert values(tf.data.Dataset.range(2, 8, 3)) == [2, 5]
    assert values(tf.data.Dataset.range(5, 0, -2)) == [5, 3, 1]
    assert tf.data.Dataset.range(3).element_spec == tf.TensorSpec([], tf.int64)
    assert int(tf.data.Dataset.range(2, 8, 3).cardinality()) == 2
    a, b = tf.data.Dataset.range(3), tf.data.Dataset.range(10, 15)
    assert values(tf.data.Dataset.zip((a, b))) == [[0, 10], [1, 11], [2, 12]]
    assert values(tf.data.Dataset.zip({"x": a, "y": b}))[0] == {"x": 0, "y": 10}
    assert values(tf.data.Dataset.zip(a, b))[2] == [2, 12]
    assert int(tf.data.Dataset.zip((a, b)).cardinality()) == 3
    assert values(a.concatenate(b)) == [0, 1, 2, 10, 11, 12, 13, 14]
    assert int(a.concatenate(b).cardinality()) == 8
    with pytest.raises(TypeError, match="Incompatible"):
        a.concatenate(tf.data.Dataset.from_tensor_slices([1.0]))
    assert values(b.enumerate(start=5))[:2] == [[5, 10], [6, 11]]


def test_from_generator_signature_types_args_and_errors():
    def gen(n):
        for i in range(n):
            yield i, [float(i)] * 2
    ds = tf.data.Dataset.from_generator(
        gen, args=(3,), output_signature=(tf.TensorSpec([], tf.int32),
                                          tf.TensorSpec([2], tf.float32)))
    assert values(ds) == [[0, [0.0, 0.0]], [1, [1.0, 1.0]], [2, [2.0, 2.0]]]
    assert int(ds.cardinality()) == -2
    old = tf.data.Dataset.from_generator(lambda: iter([[1, 2], [3, 4]]), tf.int64,
                                         tf.TensorShape([2]))
    assert values(old) == [[1, 2], [3, 4]] and old.element_spec.dtype == tf.int64
    bad = tf.data.Dataset.from_generator(lambda: iter([[1, 2, 3]]),
                                         output_signature=tf.TensorSpec([2], tf.int32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="shape"):
        list(bad)
    with pytest.raises(TypeError, match="output_signature"):
        tf.data.Dataset.from_generator(lambda: iter([1]))


# ---- map / filter ----------------------------------------------------------------------------

def test_map_unpacks_tuples_passes_dicts_and_uses_tf_ops():
    ds = tf.data.Dataset.from_tensor_slices((np.arange(4), np.arange(4) * 10))
    mapped = ds.map(lambda a, b: (tf.cast(a, tf.float32) * 2.0, b + 1))
    assert mapped._function.traced
    assert values(mapped)[3] == [6.0, 31]
    assert mapped.element_spec[0].dtype == tf.float32
    as_dict = tf.data.Dataset.from_tensor_slices({"a": [1, 2], "b": [3, 4]}).map(
        lambda d: d["a"] + d["b"])
    assert values(as_dict) == [4, 6]
    as_list = tf.data.Dataset.range(2).map(lambda x: [x, x * 2])
    assert isinstance(as_list.element_spec, tuple) and values(as_list)[1] == [1, 2]
    constant = tf.data.Dataset.range(2).map(lambda x: (x, 7))
    assert values(constant) == [[0, 7], [1, 7]]


def test_map_with_cond_and_string_ops_traced():
    paths = ["/d/dogs/1.jpg", "/d/cats/2.jpg", "/d/dogs/3.jpg"]

    def label(path):
        parent = tf.strings.split(path, "/")[-2]
        return tf.cond(tf.equal(parent, "dogs"), lambda: 0, lambda: 1)
    ds = tf.data.Dataset.from_tensor_slices(paths).map(label)
    assert ds._function.traced
    assert values(ds) == [0, 1, 0]


def test_map_falls_back_to_eager_for_untraceable_functions():
    def python_branch(x):
        return x * 10 if x.numpy() % 2 else -x   # needs a value: cannot be traced
    ds = tf.data.Dataset.range(4).map(python_branch)
    assert not ds._function.traced
    assert ds.element_spec.dtype == tf.int64
    assert values(ds) == [0, 10, -2, 30]


def test_map_parallel_keeps_order():
    ds = tf.data.Dataset.range(50).map(lambda x: x * x, num_parallel_calls=tf.data.AUTOTUNE)
    assert values(ds) == [i * i for i in range(50)]


def test_vectorized_map_batch_fast_path_matches_elementwise():
    x = np.arange(200, dtype=np.uint8).reshape(50, 2, 2)
    y = np.arange(50)
    fn = lambda a, b: (tf.cast(a, tf.float32) / 255.0, b)  # noqa: E731
    fast = tf.data.Dataset.from_tensor_slices((x, y)).map(fn).shuffle(16, seed=4).batch(8)
    assert fast._input._input._function.vectorizable
    assert fast._index_plan() is None and fast._input._index_plan() is not None
    slow = tf.data.Dataset.from_tensor_slices((x, y)).map(fn).shuffle(16, seed=4)
    elements = [(a.numpy(), b.numpy()) for a, b in slow]
    batches = [(a.numpy(), b.numpy()) for a, b in fast]
    assert [len(b[1]) for b in batches] == [8] * 6 + [2]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]),
                                  [e[1] for e in elements])
    np.testing.assert_allclose(np.concatenate([b[0] for b in batches]),
                               np.stack([e[0] for e in elements]))
    random_map = tf.data.Dataset.from_tensor_slices(x).map(
        lambda a: a + tf.cast(tf.random.uniform([], 0, 2, tf.int32), tf.uint8))
    assert not random_map._function.vectorizable


def test_filter():
    ds = tf.data.Dataset.range(10).filter(lambda x: x % 3 == 0)
    assert values(ds) == [0, 3, 6, 9]
    assert int(ds.cardinality()) == -2
    with pytest.raises(ValueError, match="scalar tf.bool"):
        tf.data.Dataset.range(3).filter(lambda x: x)


# ---- batching -------------------------------------------------------------------------------

def test_batch_and_drop_remainder():
    ds = tf.data.Dataset.range(7).batch(3)
    assert values(ds) == [[0, 1, 2], [3, 4, 5], [6]]
    assert ds.element_spec.shape.as_list() == [None] and int(ds.cardinality()) == 3
    dropped = tf.data.Dataset.range(7).batch(3, drop_remainder=True)
    assert values(dropped) == [[0, 1, 2], [3, 4, 5]] and int(dropped.cardinality()) == 2
    assert dropped.element_spec.shape.as_list() == [3]
    strings = tf.data.Dataset.from_tensor_slices(["a", "b", "c"]).batch(2)
    assert values(strings) == [[b"a", b"b"], [b"c"]]
    ragged = tf.data.Dataset.from_generator(lambda: iter([[1], [1, 2]]),
                                            output_signature=tf.TensorSpec([None], tf.int32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="different shapes"):
        list(ragged.batch(2))


def test_padded_batch_unbatch_rebatch():
    gen = tf.data.Dataset.range(1, 4).map(lambda n: tf.fill([n], n))
    assert values(gen.padded_batch(2)) == [[[1, 0], [2, 2]], [[3, 3, 3]]]
    assert values(gen.padded_batch(3, padded_shapes=[4], padding_values=tf.constant(-1, tf.int64))
                  )[0][0] == [1, -1, -1, -1]
    pairs = tf.data.Dataset.range(1, 3).map(lambda n: (tf.fill([n], n), n))
    assert values(pairs.padded_batch(2)) == [[[[1, 0], [2, 2]], [1, 2]]]
    batched = tf.data.Dataset.range(6).batch(4)
    assert values(batched.unbatch()) == list(range(6))
    assert values(batched.rebatch(3)) == [[0, 1, 2], [3, 4, 5]]


# ---- ordering: shuffle, repeat, take, skip, shard --------------------------------------------

def test_shuffle_permutes_and_is_deterministic_with_seed():
    first = values(tf.data.Dataset.range(20).shuffle(5, seed=7))
    second = values(tf.data.Dataset.range(20).shuffle(5, seed=7))
    assert sorted(first) == list(range(20)) and first == second and first != list(range(20))
    ds = tf.data.Dataset.range(20).shuffle(20, seed=1)
    epoch1, epoch2 = values(ds), values(ds)
    assert epoch1 != epoch2 and sorted(epoch2) == list(range(20))
    fixed = tf.data.Dataset.range(20).shuffle(20, seed=1, reshuffle_each_iteration=False)
    assert values(fixed) == values(fixed)
    # buffer 1 keeps the order; a small buffer only moves elements forward by < buffer size
    assert values(tf.data.Dataset.range(5).shuffle(1)) == list(range(5))
    tf.random.set_seed(3)
    a = values(tf.data.Dataset.range(10).shuffle(10))
    tf.random.set_seed(3)
    assert values(tf.data.Dataset.range(10).shuffle(10)) == a


def test_repeat_take_skip_shard_cardinality():
    ds = tf.data.Dataset.range(3)
    assert values(ds.repeat(2)) == [0, 1, 2, 0, 1, 2]
    assert int(ds.repeat().cardinality()) == tf.data.experimental.INFINITE_CARDINALITY
    assert values(ds.repeat().take(7)) == [0, 1, 2, 0, 1, 2, 0]
    assert values(ds.take(2)) == [0, 1] and values(ds.take(-1)) == [0, 1, 2]
    assert values(ds.skip(1)) == [1, 2] and values(ds.skip(-1)) == []
    assert int(ds.skip(5).cardinality()) == 0
    assert values(tf.data.Dataset.range(10).shard(3, 1)) == [1, 4, 7]
    assert int(tf.data.Dataset.range(10).shard(3, 1).cardinality()) == 3
    assert values(tf.data.Dataset.range(0).repeat()) == []
    with pytest.raises(TypeError, match="infinite"):
        len(ds.repeat())
    with pytest.raises(TypeError, match="unknown"):
        len(ds.filter(lambda x: x > 0))
    # shuffled repeated epochs see every element once per epoch
    epochs = values(ds.shuffle(3, seed=2).repeat(4).batch(3))
    assert all(sorted(batch) == [0, 1, 2] for batch in epochs)


def test_shuffle_and_repeat_and_contrib():
    ds = tf.data.Dataset.range(4).apply(tf.data.experimental.shuffle_and_repeat(4, 3, seed=1))
    got = values(ds)
    assert len(got) == 12 and all(sorted(got[i:i + 4]) == [0, 1, 2, 3] for i in (0, 4, 8))
    assert tf.contrib.data.shuffle_and_repeat is tf.data.experimental.shuffle_and_repeat
    with pytest.raises(AttributeError, match="tf.contrib was removed"):
        tf.contrib.layers  # noqa: B018


# ---- cache, prefetch ------------------------------------------------------------------------

def test_cache_in_memory_and_in_file(tmp_path):
    calls = []

    def gen():
        calls.append(1)
        yield from range(3)
    source = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int64))
    cached = source.map(lambda x: x * 2).cache()
    assert values(cached) == [0, 2, 4] and values(cached) == [0, 2, 4] and len(calls) == 1
    path = str(tmp_path / "cache")
    strings = tf.data.Dataset.from_tensor_slices((["a", "bc"], [[1.5], [2.5]]))
    assert values(strings.cache(path)) == [[b"a", [1.5]], [b"bc", [2.5]]]
    reread = tf.data.Dataset.from_tensor_slices((["x", "y"], [[0.0], [0.0]])).cache(path)
    assert values(reread) == [[b"a", [1.5]], [b"bc", [2.5]]]  # read from the file


def test_prefetch_values_threads_and_errors():
    ds = tf.data.Dataset.range(100).map(lambda x: x + 1).batch(10).prefetch(2)
    assert values(ds)[-1] == list(range(91, 101))
    before = threading.active_count()
    first = next(iter(ds))
    assert first.numpy().tolist() == list(range(1, 11))
    import gc
    gc.collect()
    for _ in range(100):
        if threading.active_count() <= before:
            break
        threading.Event().wait(0.01)
    assert threading.active_count() <= before

    def failing():
        yield 1
        raise ValueError("broken generator")
    bad = tf.data.Dataset.from_generator(failing, output_signature=tf.TensorSpec(
        [], tf.int32)).prefetch(1)
    with pytest.raises(ValueError, match="broken generator"):
        list(bad)


# ---- nested datasets ------------------------------------------------------------------------

def test_interleave_flat_map_window():
    ds = tf.data.Dataset.range(1, 4).interleave(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(3), cycle_length=2, block_length=2)
    assert values(ds) == [1, 1, 2, 2, 1, 2, 3, 3, 3]
    flat = tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4]]).flat_map(
        tf.data.Dataset.from_tensor_slices)
    assert values(flat) == [1, 2, 3, 4]
    windows = tf.data.Dataset.range(7).window(3, shift=2, drop_remainder=True)
    assert int(windows.cardinality()) == 3
    assert values(windows.flat_map(lambda w: w.batch(3))) == [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
    partial = tf.data.Dataset.range(5).window(2)
    assert [values(w) for w in partial] == [[0, 1], [2, 3], [4]]
    strided = tf.data.Dataset.range(7).window(2, shift=1, stride=3, drop_remainder=True)
    assert [values(w) for w in strided] == [[0, 3], [1, 4], [2, 5], [3, 6]]
    pairs = tf.data.Dataset.zip((tf.data.Dataset.range(4), tf.data.Dataset.range(4))).window(2)
    first_a, first_b = next(iter(pairs))
    assert values(first_a) == [0, 1] and values(first_b) == [0, 1]


def test_apply_reduce_numpy_iterator_scan_take_while_unique():
    ds = tf.data.Dataset.range(5)
    assert int(ds.reduce(np.int64(0), lambda state, x: state + x)) == 10
    assert values(ds.apply(lambda d: d.map(lambda x: -x))) == [0, -1, -2, -3, -4]
    items = list(tf.data.Dataset.from_tensor_slices((["a"], [[1, 2]])).as_numpy_iterator())
    assert items[0][0] == b"a" and isinstance(items[0][1], np.ndarray)
    assert values(ds.scan(np.int64(0), lambda s, x: (s + x, s + x))) == [0, 1, 3, 6, 10]
    assert values(ds.take_while(lambda x: x < 3)) == [0, 1, 2]
    assert values(tf.data.Dataset.from_tensor_slices([1, 2, 1, 3, 2]).unique()) == [1, 2, 3]
    assert int(ds.take(1).get_single_element()) == 0


# ---- files --------------------------------------------------------------------------------

def test_list_files_textline_and_tfrecord_datasets(tmp_path):
    for name in ("b.txt", "a.txt"):
        (tmp_path / name).write_bytes(b"one\r\ntwo\nthree")
    pattern = str(tmp_path / "*.txt")
    names = [n.decode() for n in values(tf.data.Dataset.list_files(pattern, shuffle=False))]
    assert names == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    s1 = values(tf.data.Dataset.list_files(pattern, seed=5))
    assert sorted(s1) == sorted(n.encode() for n in names)
    with pytest.raises(tf.errors.InvalidArgumentError, match="No files matched"):
        tf.data.Dataset.list_files(str(tmp_path / "*.png"))
    lines = tf.data.TextLineDataset([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    assert values(lines) == [b"one", b"two", b"three"] * 2
    with gzip.open(tmp_path / "c.gz", "wb") as f:
        f.write(b"x\ny\n")
    assert values(tf.data.TextLineDataset(str(tmp_path / "c.gz"), "GZIP")) == [b"x", b"y"]

    paths = []
    for k, compression in enumerate(["", "GZIP"]):
        path = str(tmp_path / f"r{k}.tfrecord")
        with tf.io.TFRecordWriter(path, compression) as writer:
            for i in range(3):
                writer.write(f"{k}-{i}".encode())
        paths.append(path)
    assert values(tf.data.TFRecordDataset(paths[0])) == [b"0-0", b"0-1", b"0-2"]
    assert values(tf.data.TFRecordDataset(paths[1], compression_type="GZIP"))[2] == b"1-2"
    second = str(tmp_path / "s.tfrecord")
    with tf.io.TFRecordWriter(second) as writer:
        for i in range(2):
            writer.write(f"s-{i}".encode())
    interleaved = tf.data.TFRecordDataset([paths[0], second], num_parallel_reads=2)
    assert values(interleaved) == [b"0-0", b"s-0", b"0-1", b"s-1", b"0-2"]


def test_tfrecord_dataset_detects_corruption(tmp_path):
    path = tmp_path / "c.tfrecord"
    with tf.io.TFRecordWriter(str(path)) as writer:
        writer.write(b"hello world")
    data = bytearray(path.read_bytes())
    data[14] ^= 0xFF   # inside the payload
    path.write_bytes(bytes(data))
    with pytest.raises(tf.errors.DataLossError, match="checksum"):
        list(tf.data.TFRecordDataset(str(path)))
    path.write_bytes(bytes(data[:10]))
    with pytest.raises(tf.errors.DataLossError, match="Truncated"):
        list(tf.data.TFRecordDataset(str(path)))


def test_map_reads_and_decodes_jpeg_files(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    references = []
    for folder in ("dogs", "cats"):
        os.makedirs(tmp_path / folder)
        pixels = (rng.random((12, 10, 3)) * 255).astype(np.uint8)
        path = tmp_path / folder / "0.jpg"
        Image.fromarray(pixels).save(path, quality=95)
        references.append(np.asarray(Image.open(path).convert("RGB")))

    def load(path):
        label = tf.cond(tf.equal(tf.compat.v1.string_split([path], delimiter="/").values[-2],
                                 "dogs"), lambda: 0, lambda: 1)
        image = tf.image.decode_jpeg(tf.io.read_file(path), channels=3)
        image = tf.image.convert_image_dtype(image, tf.float32)
        return tf.image.resize_images(image, (12, 10)), label
    files = [str(tmp_path / "dogs" / "0.jpg"), str(tmp_path / "cats" / "0.jpg")]
    ds = tf.data.Dataset.from_tensor_slices(files).map(load).batch(2)
    assert ds._input._function.traced
    (images, labels), = list(ds)
    assert images.shape == (2, 12, 10, 3) and images.dtype == tf.float32
    assert labels.numpy().tolist() == [0, 1]
    np.testing.assert_allclose(images.numpy(), np.stack(references) / 255.0, atol=1e-6)


# ---- TF1 iterators ------------------------------------------------------------------------

def test_one_shot_iterator_in_session_until_out_of_range():
    with tf.Graph().as_default():
        ds = tf.data.Dataset.from_tensor_slices((np.arange(5), np.arange(5) * 2.0)).batch(2)
        features, labels = tf.compat.v1.data.make_one_shot_iterator(ds).get_next()
        assert features.shape.as_list() == [None] and labels.dtype == tf.float64
        doubled = labels * 2.0
        seen = []
        with tf.compat.v1.Session() as sess:
            while True:
                try:
                    f, d = sess.run([features, doubled])
                except tf.errors.OutOfRangeError:
                    break
                seen.append((f.tolist(), d.tolist()))
    assert seen == [([0, 1], [0.0, 4.0]), ([2, 3], [8.0, 12.0]), ([4], [16.0])]


def test_initializable_iterator_and_eager_get_next():
    with tf.Graph().as_default():
        iterator = tf.data.Dataset.range(3).make_initializable_iterator()
        element = iterator.get_next()
        with tf.compat.v1.Session() as sess:
            with pytest.raises(tf.errors.FailedPreconditionError, match="initialized"):
                sess.run(element)
            for _ in range(2):
                sess.run(iterator.initializer)
                assert [sess.run(element) for _ in range(3)] == [0, 1, 2]
            with pytest.raises(tf.errors.OutOfRangeError):
                sess.run(element)
    iterator = iter(tf.data.Dataset.range(2))
    assert int(iterator.get_next()) == 0 and int(next(iterator)) == 1
    with pytest.raises(tf.errors.OutOfRangeError):
        iterator.get_next()


def test_options_and_experimental_helpers():
    options = tf.data.Options()
    options.experimental_deterministic = False
    options.experimental_distribute.auto_shard_policy = \
        tf.data.experimental.AutoShardPolicy.OFF
    ds = tf.data.Dataset.range(3).with_options(options).map(lambda x: x)
    assert ds.options().experimental_deterministic is False
    assert values(ds) == [0, 1, 2]
    assert int(tf.data.experimental.cardinality(ds)) == 3
    checked = tf.data.Dataset.range(3).filter(lambda x: x >= 0).apply(
        tf.data.experimental.assert_cardinality(3))
    assert int(checked.cardinality()) == 3 and values(checked) == [0, 1, 2]
    with pytest.raises(tf.errors.FailedPreconditionError):
        list(tf.data.Dataset.range(2).apply(tf.data.experimental.assert_cardinality(3)))


# ---- Keras ---------------------------------------------------------------------------------

def test_keras_fit_evaluate_predict_with_datasets():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    train = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(64, seed=1).batch(16)
    model = tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(2)])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.5),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(train, epochs=4, verbose=0,
                        validation_data=tf.data.Dataset.from_tensor_slices((x, y)).batch(32))
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss_ds, _ = model.evaluate(tf.data.Dataset.from_tensor_slices((x, y)).batch(10),
                                verbose=0)
    loss_np, _ = model.evaluate(x, y, batch_size=10, verbose=0)
    assert abs(loss_ds - loss_np) < 1e-5
    predictions = model.predict(tf.data.Dataset.from_tensor_slices(x).batch(7), verbose=0)
    np.testing.assert_allclose(predictions, model.predict(x, verbose=0), rtol=1e-5)


def test_image_dataset_from_directory(tmp_path, capsys):
    Image = pytest.importorskip("PIL.Image")
    for c, name in enumerate(("cat", "dog")):
        os.makedirs(tmp_path / name / "nested")
        for i in range(5):
            folder = tmp_path / name / ("nested" if i == 4 else "")
            pixels = np.full((6 + i, 8, 3), 40 * c + i, dtype=np.uint8)
            Image.fromarray(pixels).save(folder / f"{i}.png")
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    ds = tf.keras.utils.image_dataset_from_directory(
        str(tmp_path), image_size=(4, 4), batch_size=3, shuffle=False)
    assert "Found 10 files belonging to 2 classes." in capsys.readouterr().out
    assert ds.class_names == ["cat", "dog"]
    images, labels = [np.concatenate(parts) for parts in zip(*[(a.numpy(), b.numpy())
                                                                  for a, b in ds])]
    assert images.shape == (10, 4, 4, 3) and images.dtype == np.float32
    assert labels.tolist() == [0] * 5 + [1] * 5
    np.testing.assert_allclose(images[:, 0, 0, 0], [0, 1, 2, 3, 4, 40, 41, 42, 43, 44])
    train, valid = tf.keras.utils.image_dataset_from_directory(
        str(tmp_path), image_size=(4, 4), batch_size=4, seed=3, validation_split=0.2,
        subset="both", label_mode="categorical", color_mode="grayscale")
    assert sum(b[0].shape[0] for b in train) == 8 and sum(b[0].shape[0] for b in valid) == 2
    first_images, first_labels = next(iter(train))
    assert first_images.shape[1:] == (4, 4, 1) and first_labels.shape[1:] == (2,)
    with pytest.raises(ValueError, match="seed"):
        tf.keras.utils.image_dataset_from_directory(str(tmp_path), validation_split=0.2,
                                                    subset="training")


def test_docstring_examples():
    import doctest
    import importlib
    for module in ("tensorflux.data.dataset",):
        result = doctest.testmod(importlib.import_module(module), extraglobs={"tf": tf},
                                 optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module


def test_iterating_inside_tf_function_is_refused():
    @tf.function
    def total(ds):
        result = tf.constant(0, tf.int64)
        for x in ds:
            result += x
        return result
    with pytest.raises(tf.errors.UnimplementedError, match="inside a tf.function"):
        total(tf.data.Dataset.range(3))
    # a dataset function that iterates another dataset runs eagerly instead
    inner = tf.data.Dataset.range(3)
    ds = tf.data.Dataset.range(2).map(lambda x: x + sum(int(v) for v in inner))
    assert not ds._function.traced and values(ds) == [3, 4]
