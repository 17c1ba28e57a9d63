"""keras.Sequential: a linear stack of layers, built (as a functional graph) once its input
shape is known: from `keras.Input`, an `input_shape=` on the first layer, `build()`, or the
first call/fit."""
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.keras.engine.keras_tensor import KerasTensor
from tensorflux.keras.layers.base_layer import Layer
from tensorflux.keras.layers.core import Input, InputLayer
from tensorflux.keras.models.model import Model

__all__ = ["Sequential"]


class Sequential(Model):
    """Stacks layers: `Sequential([Flatten(input_shape=(28, 28)), Dense(10)])` or `.add()`."""

    def __init__(self, layers=None, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable)
        self._stack = []
        self._input_layer = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._rebuild()

    def add(self, layer, rebuild=True):
        """Appends a layer (or a keras.Input tensor, which sets the input shape)."""
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history[0]
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError("An Input can only be the first element of a Sequential "
                                 "model.")
            self._input_layer = layer
        elif isinstance(layer, Layer):
            if any(existing is layer for existing in self._stack):
                raise ValueError(f"Layer {layer.name!r} is already in this Sequential model.")
            names = {existing.name for existing in self._stack}
            if layer.name in names:
                raise ValueError(f"All layers added to a Sequential model should have unique "
                                 f"names. Name {layer.name!r} is already the name of a layer "
                                 "in this model. Update the `name` argument to pass a unique "
                                 "name.")
            self._stack.append(layer)
            self._sublayers.append(layer) if all(s is not layer for s in self._sublayers) \
                else None
        else:
            raise TypeError(f"Only instances of keras.Layer can be added to a Sequential "
                            f"model. Received: {layer!r} (of type {type(layer).__name__})")
        if rebuild:
            self._rebuild()

    def pop(self):
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        self._sublayers[:] = [s for s in self._sublayers if s is not layer]
        self._graph = None
        self.built = False
        self._rebuild()
        return layer

    def _rebuild(self):
        shape = None
        if self._input_layer is not None:
            shape = self._input_layer._batch_input_shape
        elif self._stack and self._stack[0]._batch_input_shape is not None:
            shape = self._stack[0]._batch_input_shape
        if shape is not None and self._stack:
            self._build_graph(shape)

    def _build_graph(self, batch_shape):
        if self._input_layer is None:
            first = self._stack[0]
            self._input_layer = InputLayer(batch_shape=tuple(batch_shape), dtype=first.dtype)
        x = self._input_layer.output
        for layer in self._stack:
            x = layer(x)
        self._graph = None
        self._init_graph(self._input_layer.output, x)
        self._sublayers[:] = list(self._stack)

    @property
    def layers(self):
        return list(self._stack)

    def build(self, input_shape=None):
        if input_shape is None:
            if self._graph is None:
                raise ValueError("You must provide an `input_shape` argument to build a "
                                 "Sequential model without an Input.")
            return
        if self._graph is None:
            shape = TensorShape(input_shape).as_list()
            self._build_graph(shape)
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if self._graph is None:
            if not self._stack:
                raise ValueError("Sequential model has no layers; add layers before calling "
                                 "it.")
            shape = [None] + list(inputs.shape.as_list()[1:])
            self._build_graph(shape)
        x = inputs
        for layer in self._stack:
            x = layer(x, training=training) if layer._call_accepts_training else layer(x)
        return x

    def _maybe_build(self, input_shapes):
        if self._graph is None and isinstance(input_shapes, TensorShape):
            self._build_graph([None] + input_shapes.as_list()[1:])
        self.built = True

    def get_config(self):
        from tensorflux.keras.saving.serialization import serialize_keras_object
        layers = []
        if self._input_layer is not None:
            layers.append(serialize_keras_object(self._input_layer))
        layers.extend(serialize_keras_object(layer) for layer in self._stack)
        return {"name": self.name, "trainable": self.trainable, "layers": layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tensorflux.keras.saving.serialization import deserialize_keras_object
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config["layers"]:
            model.add(deserialize_keras_object(layer_config, custom_objects), rebuild=False)
        model._rebuild()
        return model
