"""keras.utils.plot_model / model_to_dot: draws a model's layer graph with pydot + graphviz.

One box per layer (a shared layer is one box with several inbound edges), an edge for every
tensor passed from one layer to another, nested models drawn as a cluster of their own layers
with `expand_nested=True`. pydot and graphviz's `dot` program are optional dependencies: the
ImportError raised without them says how to install them.
"""
import html
import os
import shutil
import tempfile

__all__ = ["plot_model", "model_to_dot"]

_INSTALL_HELP = ("You must install pydot (`pip install pydot`) and install graphviz "
                 "(see https://graphviz.gitlab.io/download/; e.g. `apt-get install graphviz` "
                 "or `brew install graphviz`) for `plot_model` to work.")

_HEADER_COLOR = "#1f4e79"
_BORDER_COLOR = "#1f4e79"
_FROZEN_COLOR = "#b0b0b0"


def _import_pydot():
    try:
        import pydot
    except ImportError:
        raise ImportError(f"{_INSTALL_HELP} (pydot is not importable.)") from None
    return pydot


def _check_graphviz():
    if shutil.which("dot") is None:
        raise ImportError(f"{_INSTALL_HELP} (The graphviz `dot` program is not on the PATH.)")


# ---- what the model looks like -------------------------------------------------------------

def _graph_of(model):
    return getattr(model, "_graph", None)


def _is_model(layer):
    from tensorflux.keras.models.model import Model
    return isinstance(layer, Model)


def _shape_text(tensors):
    shapes = []
    for tensor in tensors:
        shape = getattr(tensor, "shape", None)
        dims = shape.as_list() if shape is not None and shape.rank is not None else None
        shapes.append("?" if dims is None else
                      "(" + ", ".join("None" if d is None else str(d) for d in dims) +
                      ("," if len(dims) == 1 else "") + ")")
    if not shapes:
        return "-"
    return shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"


def _layer_shapes(layer, nodes):
    """(input text, output text) over the layer's calls in this graph ("multiple" if they
    differ)."""
    inputs = {_shape_text(node.input_tensors) for node in nodes}
    outputs = {_shape_text(node.output_tensors) for node in nodes}
    if not nodes:
        return "-", "-"
    pick = (lambda texts: texts.pop() if len(texts) == 1 else "multiple")
    return pick(inputs), pick(outputs)


def _activation_name(layer):
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    if isinstance(activation, str):
        return activation
    return getattr(activation, "__name__", type(activation).__name__)


def _label(layer, nodes, options):
    """An HTML-like graphviz label: a header row with the layer's name and class, then one
    row per requested detail."""
    class_name = type(layer).__name__
    if options["show_layer_names"]:
        title = f"<b>{html.escape(layer.name)}</b> ({html.escape(class_name)})"
    else:
        title = f"<b>{html.escape(class_name)}</b>"
    frozen = not layer.trainable and bool(getattr(layer, "weights", None))
    rows = [f'<tr><td colspan="2" bgcolor="{_FROZEN_COLOR if frozen else _HEADER_COLOR}">'
            f'<font color="white" point-size="14">{title}</font></td></tr>']
    if options["show_shapes"]:
        shape_in, shape_out = _layer_shapes(layer, nodes)
        output_cell = (f'<font point-size="11">Output shape: '
                       f'<b>{html.escape(shape_out)}</b></font>')
        if type(layer).__name__ == "InputLayer":      # an input has no input shape
            rows.append(f'<tr><td colspan="2">{output_cell}</td></tr>')
        else:
            rows.append(f'<tr><td><font point-size="11">Input shape: '
                        f'<b>{html.escape(shape_in)}</b></font></td><td>{output_cell}</td></tr>')
    details = []
    if options["show_dtype"]:
        details.append(f"Output dtype: <b>{html.escape(str(layer.dtype))}</b>")
    if options["show_layer_activations"]:
        name = _activation_name(layer)
        if name is not None:
            details.append(f"Activation: <b>{html.escape(name)}</b>")
    if options["show_trainable"]:
        details.append(f"Trainable: <b>{'True' if layer.trainable else 'False'}</b>")
    for detail in details:
        rows.append(f'<tr><td colspan="2"><font point-size="11">{detail}</font></td></tr>')
    return (f'<<table border="1" cellborder="1" cellspacing="0" cellpadding="6" '
            f'color="{_BORDER_COLOR}" bgcolor="white">{"".join(rows)}</table>>')


class _Builder:
    """Adds a model's layers and edges to a pydot graph; returns each layer's entry and exit
    node names so a nested model can be wired into its parent."""

    def __init__(self, pydot, options):
        self.pydot = pydot
        self.options = options
        self.edges = set()

    def add_model(self, model, container, prefix):
        graph = _graph_of(model)
        if graph is None:
            return self._add_flat(model, container, prefix)
        nodes_by_layer = {}
        for node in graph.nodes:
            nodes_by_layer.setdefault(id(node.layer), []).append(node)
        ends = {}              # id(layer) -> (entry names, exit names)
        for layer in graph.layers:
            ends[id(layer)] = self._add_layer(layer, nodes_by_layer.get(id(layer), []),
                                              container, prefix)
        for node in graph.nodes:
            for tensor in node.input_tensors:
                source = tensor._keras_history[0]
                if id(source) in ends and id(node.layer) in ends:
                    self._connect(ends[id(source)][1], ends[id(node.layer)][0], container)
        entries = [name for t in graph.inputs for name in ends[id(t._keras_history[0])][0]]
        exits = [name for t in graph.outputs for name in ends[id(t._keras_history[0])][1]]
        return entries, exits

    def _add_flat(self, model, container, prefix):
        """A model without a functional graph (subclassed, or an unbuilt Sequential): its
        layers in order, chained when it is a Sequential."""
        from tensorflux.keras.models.sequential import Sequential
        layers = model.layers
        if not layers:
            name = self._add_node(model, [], container, prefix)
            return [name], [name]
        ends = [self._add_layer(layer, [], container, prefix) for layer in layers]
        if isinstance(model, Sequential):
            for (_, exits), (entries, _) in zip(ends, ends[1:]):
                self._connect(exits, entries, container)
            return ends[0][0], ends[-1][1]
        return [n for e in ends for n in e[0]], [n for e in ends for n in e[1]]

    def _add_layer(self, layer, nodes, container, prefix):
        if self.options["expand_nested"] and _is_model(layer) and layer.layers:
            cluster = self.pydot.Cluster(
                f"{prefix}{id(layer)}",
                label=f"{layer.name} ({type(layer).__name__})" if
                self.options["show_layer_names"] else type(layer).__name__,
                style="dashed", color=_BORDER_COLOR, fontcolor=_BORDER_COLOR)
            container.add_subgraph(cluster)
            return self.add_model(layer, cluster, f"{prefix}{id(layer)}_")
        name = self._add_node(layer, nodes, container, prefix)
        return [name], [name]

    def _add_node(self, layer, nodes, container, prefix):
        name = f"{prefix}{id(layer)}"
        container.add_node(self.pydot.Node(name, label=_label(layer, nodes, self.options),
                                           shape="plaintext"))
        return name

    def _connect(self, sources, targets, container):
        for source in sources:
            for target in targets:
                if (source, target) not in self.edges:
                    self.edges.add((source, target))
                    container.add_edge(self.pydot.Edge(source, target))


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=200, subgraph=False,
                 show_layer_activations=False, show_trainable=False, **kwargs):
    """The model's layer graph as a `pydot.Dot` (see plot_model for the arguments).

    Raises:
        ImportError: pydot is not installed.
        ValueError: a bad `rankdir`, or a model that is not built.
    """
    pydot = _import_pydot()
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"`rankdir` must be 'TB' (top to bottom) or 'LR' (left to right). "
                         f"Received: rankdir={rankdir!r}")
    if not getattr(model, "built", True) and _graph_of(model) is None and not model.layers:
        raise ValueError(f"Model {model.name!r} has not yet been built. Build the model first "
                         "by calling `build()` or by calling the model on a batch of data.")
    options = {"show_shapes": show_shapes, "show_dtype": show_dtype,
               "show_layer_names": show_layer_names, "expand_nested": expand_nested,
               "show_layer_activations": show_layer_activations,
               "show_trainable": show_trainable}
    dot = pydot.Dot(graph_type="digraph", graph_name=model.name or "model")
    dot.set("rankdir", rankdir)
    dot.set("concentrate", "true")
    dot.set("ranksep", "0.6")
    dot.set("dpi", str(dpi))
    dot.set("fontname", "Helvetica")
    dot.set_node_defaults(fontname="Helvetica", fontsize="12")
    _Builder(pydot, options).add_model(model, dot, "n")
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, **kwargs):
    """Draws `model` as a graph of its layers into `to_file`.

    The format follows the file's extension: png (default), svg, pdf, jpg, ... or dot / gv
    for the graphviz source.

    Args:
        model: a functional, Sequential or subclassed keras Model.
        to_file: the output path.
        show_shapes: add each layer's input and output shapes.
        show_dtype: add each layer's dtype.
        show_layer_names: title boxes "name (Class)" rather than "Class".
        rankdir: "TB" (top to bottom) or "LR" (left to right).
        expand_nested: draw nested models as clusters of their layers.
        dpi: image resolution.
        show_layer_activations: add the activation of layers that have one.
        show_trainable: add whether each layer is trainable.

    Returns:
        An IPython Image of the file when IPython is available (and the format is an
        image), else None.

    Raises:
        ImportError: pydot or graphviz is missing (the message says how to install them).

    Example:
        >>> inputs = keras.Input(shape=(784,))
        >>> outputs = keras.layers.Dense(10)(inputs)
        >>> _ = plot_model(keras.Model(inputs, outputs), "model.png", show_shapes=True)
    """
    _import_pydot()
    _check_graphviz()
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    directory = os.path.dirname(os.path.abspath(to_file))
    handle, temporary = tempfile.mkstemp(dir=directory, suffix="." + extension,
                                         prefix=".plot_model_")
    os.close(handle)
    try:
        if extension in ("dot", "gv"):
            with open(temporary, "w") as stream:
                stream.write(dot.to_string())
        else:
            try:
                dot.write(temporary, format=extension, prog="dot")
            except FileNotFoundError as error:
                raise ImportError(f"{_INSTALL_HELP} ({error})") from None
            except AssertionError as error:       # pydot: graphviz failed (bad format)
                raise ValueError(f"graphviz could not write {to_file!r} as {extension!r}: "
                                 f"{error}") from None
        os.replace(temporary, to_file)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    if extension in ("png", "jpg", "jpeg", "gif"):
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None
