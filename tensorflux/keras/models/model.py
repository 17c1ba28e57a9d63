"""keras.Model: functional (`Model(inputs, outputs)`) or subclassed (override `call`)."""
import numpy as np

from tensorflux.framework.execute import convert_to_tensor
from tensorflux.framework.tensor import Tensor
from tensorflux.keras.engine.keras_tensor import KerasTensor
from tensorflux.keras.engine.trainer import Trainer
from tensorflux.keras.layers.base_layer import Layer
from tensorflux.keras.models.functional import FunctionalGraph

__all__ = ["Model"]


class Model(Trainer, Layer):
    """A layer with training: `Model(inputs=..., outputs=...)` wires layers into a graph;
    a subclass defines its layers in `__init__` and the forward pass in `call`."""

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", None)
        outputs = kwargs.pop("outputs", None)
        if args:
            inputs = args[0] if inputs is None else inputs
            if len(args) > 1:
                outputs = args[1] if outputs is None else outputs
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        Layer.__init__(self, name=name, trainable=trainable,
                       **{k: v for k, v in kwargs.items() if k in ("dtype",)})
        self._init_trainer()
        self._graph = None
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("A functional Model needs both `inputs` and `outputs`.")
            self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs):
        self._graph = FunctionalGraph(inputs, outputs)
        self._sublayers[:] = [layer for layer in self._graph.layers]
        self.built = True
        self._call_accepts_training = True

    # ---- structure --------------------------------------------------------------------------
    @property
    def inputs(self):
        return list(self._graph.inputs) if self._graph is not None else None

    @property
    def outputs(self):
        return list(self._graph.outputs) if self._graph is not None else None

    @property
    def input(self):
        if self._graph is None:
            return super().input
        inputs = self._graph.structured_inputs
        return inputs

    @property
    def output(self):
        if self._graph is None:
            return super().output
        return self._graph.structured_outputs

    @property
    def layers(self):
        return list(self._graph.layers) if self._graph is not None else list(self._sublayers)

    @property
    def output_names(self):
        if self._graph is not None:
            return [t._keras_history[0].name for t in self._graph.outputs]
        return ["output_0"]

    @property
    def input_names(self):
        return [t._keras_history[0].name for t in self._graph.inputs] if self._graph else []

    def get_layer(self, name=None, index=None):
        """A layer by name or by index in `model.layers`."""
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index, not both.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[layer.name for layer in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    # ---- calling ----------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        if self._graph is None:
            raise NotImplementedError(
                f"Model {self.name!r} has no `call` method: subclass keras.Model and define "
                "call(self, inputs, training=None), or build a functional model with "
                "keras.Model(inputs=..., outputs=...).")
        return self._graph.run(inputs, training)

    def _convert_input(self, x):
        # A functional model converts its inputs to the dtypes of its keras.Inputs (in
        # FunctionalGraph.run), not to the model's float dtype.
        if self._graph is None:
            return super()._convert_input(x)
        if x is None or isinstance(x, (Tensor, KerasTensor)):
            return x
        if hasattr(x, "_as_tensor"):
            return x._as_tensor()
        return convert_to_tensor(np.asarray(x))

    def _maybe_build(self, input_shapes):
        # A subclassed model needs no build step: its layers build during the first call.
        if self._graph is None:
            self.built = True
            if self._build_input_shape is None:     # saved as its build_config
                self._build_input_shape = input_shapes
        else:
            super()._maybe_build(input_shapes)

    def build(self, input_shape):
        if self._graph is None and type(self).call is not Model.call and not self.built:
            self.built = True
            self._build_input_shape = input_shape
            # a subclassed model builds by running on symbolic inputs of that shape
            from tensorflux.keras.layers.core import Input
            shapes = input_shape if isinstance(input_shape, (list, tuple)) and input_shape \
                and isinstance(input_shape[0], (list, tuple)) else [input_shape]
            dummies = [Input(batch_shape=tuple(s)) for s in shapes]
            self._symbolic_call((dummies[0] if len(dummies) == 1 else dummies,), {})
            self._inbound_nodes = []
        self.built = True

    # ---- summary ----------------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        from tensorflux.keras.utils.summary import print_summary
        print_summary(self, line_length, print_fn, expand_nested, show_trainable)

    # ---- saving (keras.saving does the work) -----------------------------------------------
    def save_weights(self, filepath, overwrite=True, **kwargs):
        from tensorflux.keras.saving import save_weights
        save_weights(self, filepath, overwrite=overwrite, **kwargs)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False, **kwargs):
        from tensorflux.keras.saving import load_weights
        return load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name,
                            **kwargs)

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        from tensorflux.keras.saving import save_model
        save_model(self, filepath, overwrite=overwrite, **kwargs)

    def get_config(self):
        if self._graph is not None:
            from tensorflux.keras.saving.serialization import functional_config
            return functional_config(self)
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if "layers" in config and "input_layers" in config:
            from tensorflux.keras.saving.serialization import functional_from_config
            return functional_from_config(cls, config, custom_objects)
        return cls(**config)

    def to_json(self, **kwargs):
        import json
        from tensorflux.keras.saving.serialization import serialize_keras_object
        return json.dumps(serialize_keras_object(self), **kwargs)

