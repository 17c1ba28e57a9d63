"""keras.utils.plot_model / model_to_dot: the drawn graph (nodes, edges, labels) for
functional, Sequential, nested and subclassed models, the output formats, and the errors when
pydot or graphviz is missing."""
import os
import shutil
import struct
import sys

import numpy as np
import pytest

from tensorflux import keras
from tensorflux.keras import layers
from tensorflux.keras.utils import plotting

pydot = pytest.importorskip("pydot")
pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz is missing")


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


def mnist_model():
    inputs = keras.Input(shape=(784,))
    x = layers.Dense(64, activation="relu")(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10)(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")


def multi_model():
    a = keras.Input((8,), name="a")
    b = keras.Input((8,), name="b")
    shared = layers.Dense(4, activation="relu", name="shared")
    ha, hb = shared(a), shared(b)
    merged = layers.concatenate([ha, hb], name="merge")
    out1 = layers.Dense(1, activation="sigmoid", name="out1")(merged)
    inner_input = keras.Input((4,), name="inner_in")
    inner = keras.Model(inner_input, layers.Dense(3, name="inner_dense")(inner_input),
                        name="inner_model")
    out2 = inner(ha)
    return keras.Model([a, b], [out1, out2], name="multi")


def png_size(path):
    with open(path, "rb") as handle:
        head = handle.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def labels(dot):
    graphs = [dot] + dot.get_subgraph_list()
    return {node.get_name(): node.get_label() for g in graphs for node in g.get_nodes()
            if node.get_name() not in ("node", "edge", "graph")}


def edges_by_title(dot):
    """Edges as (source title, target title), a node's title being its layer name."""
    names = {}
    for name, label in labels(dot).items():
        names[name] = label.split("<b>")[1].split("</b>")[0]
    graphs = [dot] + dot.get_subgraph_list()
    return sorted((names[e.get_source()], names[e.get_destination()])
                  for g in graphs for e in g.get_edges())


def test_png_of_a_functional_model(tmp_path):
    model = mnist_model()
    plain, shapes = tmp_path / "model.png", tmp_path / "shapes.png"
    keras.utils.plot_model(model, str(plain))
    keras.utils.plot_model(model, str(shapes), show_shapes=True)
    width, height = png_size(plain)
    assert height > width > 50                    # four boxes stacked vertically
    assert png_size(shapes) != (width, height)
    assert sorted(os.listdir(tmp_path)) == ["model.png", "shapes.png"]  # no temp files


def test_dot_graph_nodes_edges_and_labels():
    dot = plotting.model_to_dot(mnist_model(), show_shapes=True)
    found = labels(dot)
    assert len(found) == 4
    text = " ".join(found.values())
    for expected in ("input_layer", "(InputLayer)", "dense_2", "(Dense)",
                     "Output shape: <b>(None, 10)</b>", "Input shape: <b>(None, 784)</b>"):
        assert expected in text
    assert edges_by_title(dot) == [("dense", "dense_1"), ("dense_1", "dense_2"),
                                   ("input_layer", "dense")]


def test_multi_input_output_and_shared_layers():
    dot = plotting.model_to_dot(multi_model())
    titles = sorted(label.split("<b>")[1].split("</b>")[0] for label in labels(dot).values())
    assert titles == ["a", "b", "inner_model", "merge", "out1", "shared"]   # shared: once
    assert edges_by_title(dot) == [("a", "shared"), ("b", "shared"), ("merge", "out1"),
                                   ("shared", "inner_model"), ("shared", "merge")]


def test_expand_nested_draws_the_inner_model_as_a_cluster():
    dot = plotting.model_to_dot(multi_model(), expand_nested=True)
    clusters = dot.get_subgraph_list()
    assert len(clusters) == 1 and "inner_model" in clusters[0].get_label()
    edges = edges_by_title(dot)
    assert ("shared", "inner_in") in edges and ("inner_in", "inner_dense") in edges
    assert not any("inner_model" in pair for pair in edges)


def test_options_show_dtype_activations_trainable_and_names():
    model = mnist_model()
    model.layers[1].trainable = False
    dot = plotting.model_to_dot(model, show_dtype=True, show_layer_activations=True,
                                show_trainable=True, show_layer_names=False)
    text = " ".join(labels(dot).values())
    assert "Output dtype: <b>float32</b>" in text and "Activation: <b>relu</b>" in text
    assert "Trainable: <b>False</b>" in text and "Trainable: <b>True</b>" in text
    assert "dense_1" not in text and "<b>Dense</b>" in text
    assert dot.get("dpi") == "200" and dot.get("rankdir") == "TB"


def test_sequential_models_built_and_unbuilt(tmp_path):
    built = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(4, 3),
                              layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10)])
    dot = plotting.model_to_dot(built, show_shapes=True)
    assert len(labels(dot)) == 5
    assert "Output shape: <b>(None, 13, 13, 4)</b>" in " ".join(labels(dot).values())
    unbuilt = keras.Sequential([layers.Dense(3, name="h"), layers.Dense(1, name="o")])
    assert edges_by_title(plotting.model_to_dot(unbuilt)) == [("h", "o")]
    path = tmp_path / "seq.png"
    keras.utils.plot_model(built, str(path), rankdir="LR", dpi=72)
    width, height = png_size(path)
    assert width > height                           # left to right


def test_subclassed_model_is_drawn_with_its_layers():
    class Tiny(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(3)
            self.out = layers.Dense(1)

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    model = Tiny()
    model(np.ones((2, 4), "float32"))
    titles = {label.split("<b>")[1].split("</b>")[0] for label in labels(
        plotting.model_to_dot(model)).values()}
    assert titles == {"dense", "dense_1"}


@pytest.mark.parametrize("extension, magic", [("svg", b"<?xml"), ("pdf", b"%PDF"),
                                              ("dot", b"digraph")])
def test_format_follows_the_extension(tmp_path, extension, magic):
    path = tmp_path / f"model.{extension}"
    keras.utils.plot_model(mnist_model(), str(path), show_shapes=True)
    with open(path, "rb") as handle:
        assert handle.read().lstrip().startswith(magic)


def test_bad_rankdir():
    with pytest.raises(ValueError, match=r"rankdir='BT'"):
        plotting.model_to_dot(mnist_model(), rankdir="BT")


def test_missing_pydot_or_graphviz_raises_import_error_with_install_help(monkeypatch,
                                                                          tmp_path):
    model = mnist_model()
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match=r"pip install pydot.*graphviz"):
        keras.utils.plot_model(model, str(tmp_path / "m.png"))
    monkeypatch.setitem(sys.modules, "pydot", pydot)
    monkeypatch.setattr(plotting.shutil, "which", lambda name: None)
    with pytest.raises(ImportError, match=r"graphviz.*`dot` program"):
        keras.utils.plot_model(model, str(tmp_path / "m.png"))
    assert os.listdir(tmp_path) == []


def test_docstring_example_runs(tmp_path, monkeypatch):
    import doctest
    monkeypatch.chdir(tmp_path)
    result = doctest.testmod(plotting, extraglobs={"keras": keras},
                             optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
    assert png_size(tmp_path / "model.png")[1] > 0
