"""tf.summary (TF2 writers, TF1 summary ops and FileWriter), trace export, the profiler and the
Keras TensorBoard callback. Event files are read back with the real `tensorboard` package
(its EventAccumulators), and one test serves them with a real TensorBoard server."""
import glob
import gzip
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

import tensorflux as tf

tensorboard = pytest.importorskip("tensorboard", reason="the tensorboard package (test extra) "
                                  "reads the event files back")
from tensorboard.backend.event_processing import event_accumulator  # noqa: E402
from tensorboard.backend.event_processing import plugin_event_accumulator  # noqa: E402
from tensorboard.compat.proto import config_pb2  # noqa: E402

EVERYTHING = {"scalars": 0, "histograms": 0, "images": 0, "audio": 0, "tensors": 0,
              "compressedHistograms": 0}


def tensors_of(logdir):
    accumulator = plugin_event_accumulator.EventAccumulator(logdir, size_guidance=EVERYTHING)
    accumulator.Reload()
    return accumulator


def classic(logdir):
    accumulator = event_accumulator.EventAccumulator(logdir, size_guidance=EVERYTHING)
    accumulator.Reload()
    return accumulator


def value_of(tensor_event):
    from tensorboard.util import tensor_util
    return tensor_util.make_ndarray(tensor_event.tensor_proto)


def event_files(logdir):
    return sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*")))


# ---- TF2 writers ----------------------------------------------------------------------------
def test_tf2_scalars_histograms_images_text_audio(tmp_path):
    logdir = str(tmp_path / "run")
    writer = tf.summary.create_file_writer(logdir)
    rng = np.random.default_rng(0)
    images = rng.random((2, 5, 7, 3)).astype("float32")
    with writer.as_default():
        for step in range(3):
            assert bool(tf.summary.scalar("loss", 1.0 / (step + 1), step=step))
            tf.summary.histogram("weights", tf.constant([0.0, 1.0, 2.0, 3.0 + step]),
                                 step=step, buckets=3)
        tf.summary.image("inputs", images, step=1, max_outputs=1)
        tf.summary.text("note", "hello **world**", step=0)
        tf.summary.audio("tone", np.sin(np.arange(800) / 5.0)[None, :, None] * 0.5, 8000,
                         step=0)
    writer.close()
    assert len(event_files(logdir)) == 1 and event_files(logdir)[0].endswith(".v2")
    run = tensors_of(logdir)
    assert set(run.Tags()["tensors"]) == {"loss", "weights", "inputs", "note", "tone"}
    assert [e.step for e in run.Tensors("loss")] == [0, 1, 2]
    np.testing.assert_allclose([value_of(e) for e in run.Tensors("loss")], [1, 0.5, 1 / 3],
                               rtol=1e-6)
    assert run.SummaryMetadata("loss").plugin_data.plugin_name == "scalars"
    buckets = value_of(run.Tensors("weights")[0])
    np.testing.assert_allclose(buckets, [[0, 1, 1], [1, 2, 1], [2, 3, 2]])
    assert run.SummaryMetadata("weights").plugin_data.plugin_name == "histograms"
    width, height, png = value_of(run.Tensors("inputs")[0])
    assert (int(width), int(height)) == (7, 5)
    from PIL import Image
    decoded = np.asarray(Image.open(io.BytesIO(png)))
    np.testing.assert_array_equal(decoded, (images[0] * 255.5).astype(np.uint8))
    assert value_of(run.Tensors("note")[0]) == b"hello **world**"
    wav = value_of(run.Tensors("tone")[0])  # (k, 2) wav/label pairs; the reader drops labels
    assert wav.shape[0] == 1 and wav.reshape(-1)[0][:4] == b"RIFF"


def test_histogram_buckets_edge_cases():
    from tensorflux.summary._values import histogram_buckets
    single = histogram_buckets([2.0, 2.0, 2.0], 4)
    np.testing.assert_array_equal(single, [[2, 2, 0], [2, 2, 0], [2, 2, 0], [2, 2, 3]])
    assert histogram_buckets([], 5).shape == (5, 3) and not histogram_buckets([], 5).any()
    assert histogram_buckets([1.0, 2.0], 0).shape == (0, 3)
    values = np.random.default_rng(1).normal(size=1000)
    buckets = histogram_buckets(values)
    assert buckets.shape == (30, 3) and buckets[:, 2].sum() == 1000
    assert buckets[0, 0] == values.min() and buckets[-1, 1] == values.max()


def test_steps_writers_and_record_if(tmp_path):
    assert not bool(tf.summary.scalar("no_writer", 1.0))          # no default writer
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        with pytest.raises(ValueError, match="No step set"):
            tf.summary.scalar("x", 1.0)
        tf.summary.experimental.set_step(7)
        assert tf.summary.experimental.get_step() == 7
        assert tf.summary.should_record_summaries()
        tf.summary.scalar("x", 1.0)
        with tf.summary.record_if(False):
            assert not tf.summary.should_record_summaries()
            assert not bool(tf.summary.scalar("skipped", 1.0))
        with tf.summary.record_if(lambda: tf.summary.experimental.get_step() % 2 == 0):
            tf.summary.scalar("even", 1.0)                         # step 7: skipped
            tf.summary.experimental.set_step(8)
            tf.summary.scalar("even", 2.0)
        tf.summary.experimental.set_step(None)
    with writer.as_default(step=tf.Variable(3, dtype=tf.int64)):
        tf.summary.scalar("variable_step", 1.0)
    noop = tf.summary.create_noop_writer()
    with noop.as_default(step=0):
        assert not bool(tf.summary.scalar("noop", 1.0))
    writer.close()
    run = tensors_of(str(tmp_path))
    assert "skipped" not in run.Tags()["tensors"]
    assert [e.step for e in run.Tensors("x")] == [7]
    assert [e.step for e in run.Tensors("even")] == [8]
    assert [e.step for e in run.Tensors("variable_step")] == [3]


def test_flush_makes_events_visible_and_files_are_valid_tfrecords(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path), max_queue=100, flush_millis=10 ** 7)
    with writer.as_default(step=0):
        tf.summary.scalar("a", 1.0)
    # as_default flushes when the block ends
    assert [e.step for e in tensors_of(str(tmp_path)).Tensors("a")] == [0]
    writer.set_as_default(step=5)
    tf.summary.scalar("a", 2.0)
    tf.summary.flush()
    assert [e.step for e in tensors_of(str(tmp_path)).Tensors("a")] == [0, 5]
    from tensorflux.summary import _writer
    _writer.state.writer = None
    _writer.state.step = None
    records = list(tf.io.tf_record_iterator(event_files(str(tmp_path))[0]))  # checks CRCs
    assert b"brain.Event:2" in records[0] and len(records) == 3


def test_summaries_inside_tf_function_use_the_step_at_run_time(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    step = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def train_step(x):
        with tf.name_scope("model"):
            y = tf.reduce_sum(x * 2.0)
            tf.summary.scalar("total", y, step=step)
            tf.summary.histogram("values", x, step=step)
        step.assign_add(1)
        return y

    with writer.as_default():
        for i in range(3):
            train_step(tf.constant([1.0, float(i)]))
    writer.close()
    run = tensors_of(str(tmp_path))
    assert [e.step for e in run.Tensors("model/total")] == [0, 1, 2]
    np.testing.assert_allclose([value_of(e) for e in run.Tensors("model/total")], [2, 4, 6])
    assert train_step.experimental_get_tracing_count() == 1


def test_trace_export_writes_the_function_graph(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))

    @tf.function
    def layer(x):
        with tf.name_scope("dense"):
            return tf.nn.relu(tf.matmul(x, tf.ones([3, 2])) + 1.0)

    tf.summary.trace_on(graph=True)
    layer(tf.ones([1, 3]))
    with writer.as_default():
        tf.summary.trace_export(name="layer_trace", step=0)
    writer.close()
    run = tensors_of(str(tmp_path))
    assert run.SummaryMetadata("layer_trace").plugin_data.plugin_name == \
        "graph_run_metadata_graph"
    metadata = config_pb2.RunMetadata.FromString(value_of(run.Tensors("layer_trace")[0])
                                                 .item())
    graph = metadata.function_graphs[0].pre_optimization_graph
    nodes = {node.name: node for node in graph.node}
    assert nodes["dense/MatMul"].op == "MatMul"
    assert list(nodes["dense/Relu"].input) == ["dense/AddV2"]
    assert nodes["args"].op == "Placeholder" and nodes["args"].attr["dtype"].type == 1
    assert [d.size for d in nodes["dense/MatMul"].attr["_output_shapes"].list.shape[0].dim] \
        == [1, 2]
    # after the export, tracing is off: a new function is not recorded
    from tensorflux.summary._trace import _TraceState
    assert not _TraceState.active and _TraceState.original_trace is None


# ---- TF1 ------------------------------------------------------------------------------------
def build_tf1_model():
    v1 = tf.compat.v1
    x = v1.placeholder(tf.float32, [None, 4], name="x")
    with tf.name_scope("hidden"):
        weights = tf.Variable(np.arange(8.0, dtype=np.float32).reshape(4, 2) / 8,
                              name="weights")
        hidden = tf.nn.relu(tf.matmul(x, weights))
        v1.summary.histogram("weights", weights)
        v1.summary.histogram("activations", hidden)
    loss = tf.reduce_mean(hidden)
    v1.summary.scalar("loss", loss)
    v1.summary.image("inputs", tf.reshape(x, [-1, 2, 2, 1]), max_outputs=2)
    v1.summary.text("label", tf.constant("a *TF1* text summary"))
    return x, loss


def test_tf1_summaries_merge_all_and_file_writer(tmp_path):
    graph = tf.Graph()
    with graph.as_default():
        x, loss = build_tf1_model()
        merged = tf.compat.v1.summary.merge_all()
        init = tf.compat.v1.global_variables_initializer()
        with tf.compat.v1.Session(graph=graph) as sess:
            writer = tf.compat.v1.summary.FileWriter(str(tmp_path), sess.graph)
            sess.run(init)
            losses = []
            for step in range(3):
                feed = {x: np.full((2, 4), step + 1.0, np.float32)}
                summary, value = sess.run([merged, loss], feed_dict=feed)
                assert isinstance(summary, bytes)
                losses.append(value)
                writer.add_summary(summary, step)
            writer.close()
    run = classic(str(tmp_path))
    tags = run.Tags()
    assert tags["scalars"] == ["loss"] and tags["graph"]
    # as in TF1, the summary "weights" next to the variable op "hidden/weights" gets the
    # unique name (and tag) "hidden/weights_1"
    assert set(tags["histograms"]) == {"hidden/weights_1", "hidden/activations"}
    assert set(tags["images"]) == {"inputs/image/0", "inputs/image/1"}
    assert [e.step for e in run.Scalars("loss")] == [0, 1, 2]
    np.testing.assert_allclose([e.value for e in run.Scalars("loss")], losses, rtol=1e-6)
    histogram = run.Histograms("hidden/weights_1")[0].histogram_value
    assert histogram.num == 8 and histogram.min == 0 and histogram.max == 7 / 8
    assert sum(histogram.bucket) == 8 and np.isclose(histogram.sum, 28 / 8)
    image = run.Images("inputs/image/0")[0]
    assert (image.width, image.height) == (2, 2)
    text_run = tensors_of(str(tmp_path))
    assert value_of(text_run.Tensors("label")[0]) == b"a *TF1* text summary"
    nodes = {node.name: node for node in run.Graph().node}
    assert nodes["hidden/MatMul"].op == "MatMul"
    assert list(nodes["hidden/MatMul"].input) == ["x", "hidden/weights"]
    assert nodes["hidden/weights"].op == "VariableV2"
    assert nodes["loss"].op == "ScalarSummary" and nodes["loss"].attr["tag"].s == b"loss"


def test_tf1_summary_names_are_unique_and_merge_rejects_duplicate_tags():
    graph = tf.Graph()
    with graph.as_default():
        value = tf.compat.v1.placeholder(tf.float32, [], name="v")
        first = tf.compat.v1.summary.scalar("loss", value)
        second = tf.compat.v1.summary.scalar("loss", value * 2)
        assert (first.op.name, second.op.name) == ("loss", "loss_1")
        assert len(tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.SUMMARIES)) == 2
        with tf.compat.v1.Session(graph=graph) as sess:
            merged = sess.run(tf.compat.v1.summary.merge([first, second]), {value: 1.5})
            summary = tf.compat.v1.summary.Summary.FromString(merged)
            assert [(v.tag, v.simple_value) for v in summary.value] == [("loss", 1.5),
                                                                        ("loss_1", 3.0)]
            with pytest.raises(tf.errors.InvalidArgumentError, match="Duplicate tag loss"):
                sess.run(tf.compat.v1.summary.merge([first, first]), {value: 1.0})
        assert tf.compat.v1.summary.merge_all(key="no_such_collection") is None


def test_file_writer_protobufs_run_metadata_and_reopen(tmp_path):
    summary_pb2 = tf.compat.v1.summary
    writer = tf.compat.v1.summary.FileWriter(str(tmp_path), filename_suffix=".one")
    writer.add_summary(summary_pb2.Summary(value=[summary_pb2.Summary.Value(
        tag="accuracy", simple_value=0.75)]), global_step=4)
    writer.add_run_metadata(config_pb2.RunMetadata(), "step_4", global_step=4)
    writer.close()
    writer.reopen()
    writer.add_summary(summary_pb2.Summary(value=[summary_pb2.Summary.Value(
        tag="accuracy", simple_value=0.8)]), global_step=5)
    writer.close()
    # a new file (or, within the same second, the same name continued)
    assert glob.glob(str(tmp_path / "events.out.tfevents.*"))
    run = classic(str(tmp_path))
    assert [(e.step, round(e.value, 4)) for e in run.Scalars("accuracy")] == \
        [(4, 0.75), (5, 0.8)]
    assert run.Tags()["run_metadata"] == ["step_4"]


def test_missing_tensorboard_names_the_package(monkeypatch):
    from tensorflux.summary import _proto
    saved = dict(_proto._loaded)
    _proto._loaded.clear()
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto.event_pb2", None)
    try:
        with pytest.raises(ImportError, match="pip install tensorboard"):
            _proto.require()
    finally:
        _proto._loaded.update(saved)


# ---- real TensorBoard server --------------------------------------------------------------------
def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_real_tensorboard_serves_the_scalars(tmp_path):
    logdir = tmp_path / "logs"
    writer = tf.summary.create_file_writer(str(logdir / "run1"))
    with writer.as_default():
        for step in range(3):
            tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
    writer.close()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir), "--host",
         "127.0.0.1", "--port", str(port), "--load_fast", "false", "--reload_interval", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 30
        tags, served = None, None
        while time.time() < deadline:
            if server.poll() is not None:
                pytest.skip("TensorBoard could not start: "
                            + server.stderr.read().decode(errors="replace")[-500:])
            try:
                base = f"http://127.0.0.1:{port}/data/plugin/scalars"
                with urllib.request.urlopen(f"{base}/tags", timeout=2) as response:
                    tags = json.loads(response.read())
                if tags.get("run1", {}).get("loss") is not None:
                    url = f"{base}/scalars?run=run1&tag=loss"
                    with urllib.request.urlopen(url, timeout=2) as response:
                        served = json.loads(response.read())
                    break
            except OSError:
                pass
            time.sleep(0.3)
        if served is None:
            pytest.skip(f"TensorBoard did not serve the run within 30 s (tags: {tags})")
        assert [row[1] for row in served] == [0, 1, 2]
        np.testing.assert_allclose([row[2] for row in served], [1, 0.5, 1 / 3], rtol=1e-6)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


# ---- profiler ---------------------------------------------------------------------------------
def xspace_class():
    """The XSpace message class built from xplane.proto's field numbers, independently of the
    hand-written encoder under test."""
    from google.protobuf import descriptor_pb2, descriptor_pool
    try:
        from google.protobuf.message_factory import GetMessageClass
    except ImportError:  # protobuf < 4.21
        from google.protobuf import message_factory
        GetMessageClass = message_factory.MessageFactory().GetPrototype  # noqa: N806
    F = descriptor_pb2.FieldDescriptorProto
    file = descriptor_pb2.FileDescriptorProto(name="xplane_test.proto", package="xtest",
                                              syntax="proto3")

    def message(name, fields, nested=()):
        proto = file.message_type.add(name=name)
        for field_name, number, kind, label, type_name in fields:
            field = proto.field.add(name=field_name, number=number, type=kind, label=label)
            if type_name:
                field.type_name = type_name
        for entry_name, value_type in nested:
            entry = proto.nested_type.add(name=entry_name)
            entry.options.map_entry = True
            entry.field.add(name="key", number=1, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
            entry.field.add(name="value", number=2, type=F.TYPE_MESSAGE,
                            label=F.LABEL_OPTIONAL, type_name=value_type)
        return proto

    one, many = F.LABEL_OPTIONAL, F.LABEL_REPEATED
    message("XSpace", [("planes", 1, F.TYPE_MESSAGE, many, ".xtest.XPlane"),
                       ("hostnames", 4, F.TYPE_STRING, many, None)])
    message("XPlane", [("id", 1, F.TYPE_INT64, one, None), ("name", 2, F.TYPE_STRING, one, None),
                       ("lines", 3, F.TYPE_MESSAGE, many, ".xtest.XLine"),
                       ("event_metadata", 4, F.TYPE_MESSAGE, many,
                        ".xtest.XPlane.EventMetadataEntry"),
                       ("stat_metadata", 5, F.TYPE_MESSAGE, many,
                        ".xtest.XPlane.StatMetadataEntry")],
            [("EventMetadataEntry", ".xtest.XEventMetadata"),
             ("StatMetadataEntry", ".xtest.XStatMetadata")])
    message("XLine", [("id", 1, F.TYPE_INT64, one, None), ("name", 2, F.TYPE_STRING, one, None),
                      ("timestamp_ns", 3, F.TYPE_INT64, one, None),
                      ("events", 4, F.TYPE_MESSAGE, many, ".xtest.XEvent"),
                      ("duration_ps", 9, F.TYPE_INT64, one, None)])
    message("XEvent", [("metadata_id", 1, F.TYPE_INT64, one, None),
                       ("offset_ps", 2, F.TYPE_INT64, one, None),
                       ("duration_ps", 3, F.TYPE_INT64, one, None),
                       ("stats", 4, F.TYPE_MESSAGE, many, ".xtest.XStat")])
    message("XStat", [("metadata_id", 1, F.TYPE_INT64, one, None),
                      ("int64_value", 4, F.TYPE_INT64, one, None),
                      ("str_value", 5, F.TYPE_STRING, one, None)])
    message("XEventMetadata", [("id", 1, F.TYPE_INT64, one, None),
                               ("name", 2, F.TYPE_STRING, one, None),
                               ("display_name", 4, F.TYPE_STRING, one, None)])
    message("XStatMetadata", [("id", 1, F.TYPE_INT64, one, None),
                              ("name", 2, F.TYPE_STRING, one, None)])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return GetMessageClass(pool.FindMessageTypeByName("xtest.XSpace"))


def test_profiler_writes_xplane_trace_and_report(tmp_path):
    profiler = tf.profiler.experimental

    @tf.function
    def step_fn(x):
        return tf.nn.relu(tf.matmul(x, x))

    x = tf.ones([4, 4])
    profiler.start(str(tmp_path))
    with pytest.raises(tf.errors.AlreadyExistsError):
        profiler.start(str(tmp_path))
    for step in range(2):
        with profiler.Trace("train", step_num=step, _r=1):
            step_fn(x)
            tf.matmul(x, x)                          # an eager op (fast path while not profiling)
    profiler.stop()
    with pytest.raises(tf.errors.UnavailableError, match="No profiler is running"):
        profiler.stop()
    assert not any(type(t).__name__ == "_NoRecordTape" for t in
                   __import__("tensorflux").framework.context.state.tapes)
    files = glob.glob(str(tmp_path / "plugins" / "profile" / "*" / "*.xplane.pb"))
    assert len(files) == 1
    space = xspace_class().FromString(open(files[0], "rb").read())
    plane = space.planes[0]
    assert plane.name == "/host:CPU" and space.hostnames == [socket.gethostname()]
    names = {key: entry.name for key, entry in plane.event_metadata.items()}
    events = [(names[e.metadata_id], e) for line in plane.lines for e in line.events]
    counted = {}
    for name, event in events:
        counted[name] = counted.get(name, 0) + 1
        assert event.duration_ps >= 0
    assert counted["train"] == 2 and counted["__inference_step_fn"] == 2
    assert counted["MatMul:MatMul"] == 4                     # 2 in the plan, 2 eager
    assert counted["Relu:Relu"] == 2
    stat_names = {key: entry.name for key, entry in plane.stat_metadata.items()}
    train = [e for name, e in events if name == "train"]
    assert {(stat_names[s.metadata_id], s.int64_value) for s in train[1].stats} >= \
        {("step_num", 1), ("_r", 1)}
    run = os.path.dirname(files[0])
    report = open(glob.glob(os.path.join(run, "*.tensorflux_profile.txt"))[0]).read()
    assert "MatMul" in report and "time per op type" in report
    trace = json.loads(gzip.decompress(open(glob.glob(os.path.join(run, "*.trace.json.gz"))[0],
                                            "rb").read()))
    assert sum(e["name"] == "Relu:Relu" for e in trace["traceEvents"]) == 2
    # after stop the plan kernels are the plain ones again
    assert step_fn(x).numpy().shape == (4, 4)


def test_profiler_errors_and_remote_profiling():
    with pytest.raises(tf.errors.UnimplementedError, match="Remote profiling"):
        tf.profiler.experimental.server.start(6009)
    with pytest.raises(AttributeError, match="tfprof"):
        tf.profiler.ProfileOptionBuilder  # noqa: B018


# ---- Keras TensorBoard callback ------------------------------------------------------------------
def small_model():
    model = tf.keras.Sequential([tf.keras.Input((4,)),
                                 tf.keras.layers.Dense(3, activation="relu", name="hidden"),
                                 tf.keras.layers.Dense(2, activation="softmax", name="out")])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_tensorboard_callback_writes_keras_tags(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.random((32, 4)).astype("float32"), rng.integers(0, 2, 32)
    model = small_model()
    callback = tf.keras.callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=1,
                                              write_images=True, update_freq=2,
                                              write_steps_per_second=True)
    history = model.fit(x, y, batch_size=8, epochs=3, validation_data=(x[:8], y[:8]),
                        callbacks=[callback], verbose=0)
    model.evaluate(x, y, callbacks=[callback], verbose=0)
    train = tensors_of(str(tmp_path / "train"))
    validation = tensors_of(str(tmp_path / "validation"))
    for run, prefix in ((train, ""), (validation, "val_")):
        for metric in ("loss", "accuracy"):
            events = run.Tensors(f"epoch_{metric}")
            assert [e.step for e in events] == [0, 1, 2]
            np.testing.assert_allclose([value_of(e) for e in events],
                                       history.history[prefix + metric], rtol=1e-6)
    np.testing.assert_allclose([value_of(e) for e in train.Tensors("epoch_learning_rate")],
                               [0.1] * 3, rtol=1e-6)
    assert len(train.Tensors("epoch_steps_per_second")) == 3
    assert [e.step for e in train.Tensors("batch_loss")] == [2, 4, 6, 8, 10, 12]
    assert len(train.Tensors("batch_steps_per_second")) == 12
    # on_test_end runs after each epoch's validation (optimizer iterations 4, 8, 12) and
    # after the evaluate() call (12); real Keras 3.15 also calls it for fit's validation
    # runs (its file from this script holds steps 8 and 12)
    assert [e.step for e in validation.Tensors("evaluation_loss_vs_iterations")] == \
        [4, 8, 12, 12]
    assert [e.step for e in train.Tensors("hidden/kernel_0/histogram")] == [0, 1, 2]
    assert [e.step for e in train.Tensors("out/bias_0/histogram")] == [0, 1, 2]
    width, height, _ = value_of(train.Tensors("hidden/kernel_0/image")[0])
    assert (int(width), int(height)) == (4, 3)                       # (4, 3) kernel, wide
    keras_config = value_of(train.Tensors("keras")[0]).item()
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"
    assert json.loads(keras_config)["class_name"] == "Sequential"
    graph = train.Graph()
    assert any(node.op == "MatMul" for node in graph.node)


def test_tensorboard_callback_profile_batch_and_embeddings(tmp_path):
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 10, (16, 3)), rng.integers(0, 2, 16)
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Embedding(10, 4),
                                 tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    callback = tf.keras.callbacks.TensorBoard(log_dir=str(tmp_path), profile_batch=(1, 2),
                                              embeddings_freq=1, write_graph=False)
    model.fit(x, y, batch_size=4, epochs=1, callbacks=[callback], verbose=0)
    assert glob.glob(str(tmp_path / "train" / "plugins" / "profile" / "*" / "*.xplane.pb"))
    train = tensors_of(str(tmp_path / "train"))
    assert train.SummaryMetadata("batch_2").plugin_data.plugin_name == \
        "graph_run_metadata_graph"
    config = open(tmp_path / "projector_config.pbtxt").read()
    assert "tensor_path" in config
    name = model.layers[0].name
    table = np.loadtxt(tmp_path / f"{name}_embeddings.tsv", delimiter="\t")
    np.testing.assert_allclose(table, model.layers[0].get_weights()[0], rtol=1e-5, atol=1e-6)


def test_tensorboard_callback_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="update_freq"):
        tf.keras.callbacks.TensorBoard(str(tmp_path), update_freq="sometimes")
    with pytest.raises(ValueError, match="profile_batch must be"):
        tf.keras.callbacks.TensorBoard(str(tmp_path), profile_batch=(5, 2))


@pytest.mark.parametrize("module", ["tensorflux.summary._writer", "tensorflux.summary._v1",
                                    "tensorflux.keras.callbacks.tensorboard"])
def test_docstring_examples(module):
    import doctest
    import importlib
    import tempfile
    result = doctest.testmod(importlib.import_module(module),
                             extraglobs={"tf": tf, "tempfile": tempfile},
                             optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_tf2_eager_name_scope_prefixes_tags(tmp_path):
    logdir = str(tmp_path / "scoped")
    writer = tf.summary.create_file_writer(logdir)
    with writer.as_default(), tf.name_scope("train"):
        tf.summary.scalar("loss", 0.5, step=1)
        with tf.name_scope("layer1"):
            tf.summary.histogram("weights", tf.constant([1.0, 2.0]), step=1)
    writer.close()
    accumulator = tensors_of(logdir)
    assert set(accumulator.Tags()["tensors"]) == {"train/loss", "train/layer1/weights"}


def test_event_files_of_one_process_sort_in_creation_order(tmp_path):
    # TensorBoard reads a directory's files in name order: within one second, the writer
    # made tenth must not sort before the one made ninth.
    for _ in range(12):
        writer = tf.summary.create_file_writer(str(tmp_path))
        writer.close()
    counters = [int(name.split(".")[-2]) for name in sorted(os.listdir(tmp_path))]
    assert len(counters) == 12 and counters == sorted(counters)
