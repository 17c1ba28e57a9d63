"""The functional graph of a model: the nodes between its KerasTensor inputs and outputs, in an
order that runs each layer after the layers it depends on."""
from tensorflux.framework import dtypes, nest
from tensorflux.keras.engine.keras_tensor import KerasTensor
from tensorflux.keras.layers.core import InputLayer

__all__ = ["FunctionalGraph"]


class FunctionalGraph:
    def __init__(self, inputs, outputs):
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            outputs = outputs[0]  # as Keras 3: `outputs=[x]` gives a single-output model
        self.structured_inputs = inputs
        self.structured_outputs = outputs
        self.inputs = nest.flatten(inputs)
        self.outputs = nest.flatten(outputs)
        for t in self.inputs + self.outputs:
            if not isinstance(t, KerasTensor):
                raise ValueError(f"All model inputs and outputs must be KerasTensors (from "
                                 f"keras.Input and layer calls); got {t!r}.")
        for t in self.inputs:
            layer = t._keras_history[0]
            if not isinstance(layer, InputLayer):
                raise ValueError(f"Model inputs must come from keras.Input; {t!r} was produced "
                                 f"by layer {layer.name!r}.")
        self.nodes = self._order_nodes()
        self.layers = self._layers()

    def _order_nodes(self):
        ordered, visiting, done = [], set(), set()
        input_ids = {id(t) for t in self.inputs}

        def visit(tensor):
            layer, node_index, _ = tensor._keras_history
            node = layer._inbound_nodes[node_index]
            if id(node) in done:
                return
            if id(node) in visiting:
                raise ValueError("The model's graph has a cycle.")
            visiting.add(id(node))
            if id(tensor) not in input_ids:
                if isinstance(layer, InputLayer):
                    raise ValueError(
                        f"Graph disconnected: cannot obtain value for tensor {tensor!r} at "
                        f"layer {layer.name!r}. It is an input the model was not given; add it "
                        "to `inputs`.")
                for parent in node.input_tensors:
                    visit(parent)
            visiting.discard(id(node))
            done.add(id(node))
            ordered.append(node)

        for t in self.outputs:
            visit(t)
        return ordered

    def _layers(self):
        """Keras' order (model.layers, weight-file names, config order): by depth, the
        longest distance from the outputs first; ties by when a depth-first walk from the
        outputs first meets the layer."""
        first_seen, finished = {}, set()
        input_ids = {id(t) for t in self.inputs}

        def walk(tensor):
            layer, node_index, _ = tensor._keras_history
            node = layer._inbound_nodes[node_index]
            if id(node) in finished:
                return
            first_seen.setdefault(id(layer), len(first_seen))
            finished.add(id(node))
            if id(tensor) not in input_ids:
                for parent in node.input_tensors:
                    walk(parent)

        for t in self.outputs:
            walk(t)
        in_graph = {id(node) for node in self.nodes}
        node_depth, layer_depth, layers = {}, {}, {}
        for node in reversed(self.nodes):
            depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
            layer_depth[id(node.layer)] = node_depth[id(node)] = depth
            layers[id(node.layer)] = node.layer
            for parent in node.parent_nodes:
                if id(parent) in in_graph:
                    node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
        for t in self.inputs:      # inputs the outputs do not depend on
            layer = t._keras_history[0]
            if id(layer) not in layers:
                layers[id(layer)], layer_depth[id(layer)], first_seen[id(layer)] = layer, 0, -1
        return sorted(layers.values(), key=lambda l: (-layer_depth[id(l)], first_seen[id(l)]))

    def run(self, inputs, training=None):
        """Evaluates the graph on concrete tensors (structured like the model inputs)."""
        flat = nest.flatten(inputs) if not isinstance(inputs, dict) or isinstance(
            self.structured_inputs, dict) else self._from_dict(inputs)
        if len(flat) != len(self.inputs):
            raise ValueError(f"The model expects {len(self.inputs)} input(s), but it received "
                             f"{len(flat)} input tensors.")
        values = {id(t): _as_input_dtype(v, t) for t, v in zip(self.inputs, flat)}
        for node in self.nodes:
            if isinstance(node.layer, InputLayer):
                continue
            args = nest.map_structure(lambda t: values[id(t)] if isinstance(t, KerasTensor)
                                      else t, node.call_args)
            kwargs = nest.map_structure(lambda t: values[id(t)] if isinstance(t, KerasTensor)
                                        else t, node.call_kwargs)
            if training is not None and node.layer._call_accepts_training:
                kwargs["training"] = training
            outputs = node.layer(*args, **kwargs)
            for kt, value in zip(node.output_tensors, nest.flatten(outputs)):
                values[id(kt)] = value
        return nest.pack_sequence_as(self.structured_outputs,
                                     [values[id(t)] for t in self.outputs])

    def _from_dict(self, inputs):
        flat = []
        for t in self.inputs:
            name = t._keras_history[0].name
            if name not in inputs:
                raise ValueError(f"Missing data for input {name!r}. You passed a dict with keys "
                                 f"{sorted(inputs)}; expected {[i._keras_history[0].name for i in self.inputs]}.")
            flat.append(inputs[name])
        return flat


def _as_input_dtype(value, keras_input):
    """`value` in the dtype of its keras.Input, as Keras 3 converts a functional model's
    inputs (a float64 Input keeps float64 data; int data for a float Input becomes float)."""
    from tensorflux.framework.tensor import Tensor
    if isinstance(value, Tensor) and value.dtype != keras_input.dtype and \
            value.dtype != dtypes.string and keras_input.dtype != dtypes.string:
        from tensorflux.ops.math_ops import cast
        return cast(value, keras_input.dtype)
    return value
