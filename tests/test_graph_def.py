"""Graph.as_graph_def, tf.io.write_graph / tf.train.write_graph and TF1's protobuf classes
(tf.Summary, tf.GraphDef), which come from the optional tensorboard package."""
import os

import numpy as np
import pytest

import tensorflux as tf

pytest.importorskip("tensorboard")


def _small_graph():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
        with tf.name_scope("layer"):
            w = tf.Variable(np.ones((3, 2), np.float32), name="w")
            y = tf.matmul(x, w, name="y")
    return graph, y


def test_as_graph_def_lists_every_operation_with_inputs():
    graph, y = _small_graph()
    graph_def = graph.as_graph_def()
    assert isinstance(graph_def, tf.GraphDef)
    nodes = {node.name: node for node in graph_def.node}
    assert set(nodes) == {op.name for op in graph.get_operations()}
    assert nodes["layer/y"].op == "MatMul"
    assert list(nodes["layer/y"].input)[0] == "x"
    assert graph.graph_def_versions.producer > 0


def test_write_graph_text_and_binary_round_trip(tmp_path):
    graph, _ = _small_graph()
    text_path = tf.io.write_graph(graph, str(tmp_path), "graph.pbtxt")
    binary_path = tf.train.write_graph(graph.as_graph_def(), str(tmp_path / "sub"), "graph.pb",
                                       as_text=False)
    assert text_path == os.path.join(str(tmp_path), "graph.pbtxt")
    from google.protobuf import text_format
    parsed_text = text_format.Parse(open(text_path).read(), tf.GraphDef())
    parsed_binary = tf.GraphDef.FromString(open(binary_path, "rb").read())
    assert parsed_text == parsed_binary == graph.as_graph_def()
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".tmp")]


def test_write_graph_rejects_other_objects(tmp_path):
    with pytest.raises(TypeError, match="tf.Graph"):
        tf.io.write_graph(42, str(tmp_path), "g.pb")


def test_tf1_summary_protobuf_goes_to_a_file_writer(tmp_path):
    summary = tf.Summary(value=[tf.Summary.Value(tag="loss", simple_value=0.25)])
    assert tf.compat.v1.Summary is tf.Summary
    writer = tf.compat.v1.summary.FileWriter(str(tmp_path))
    writer.add_summary(summary, global_step=3)
    writer.close()
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    [event] = accumulator.Scalars("loss")
    assert (event.step, event.value) == (3, 0.25)


def test_unknown_attribute_still_names_itself():
    with pytest.raises(AttributeError, match="tf.NoSuchThing"):
        tf.NoSuchThing  # noqa: B018
