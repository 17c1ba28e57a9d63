"""Wrapper: the base class of layers that wrap another layer (Keras 3's keras.layers.Wrapper).
"""
from tensorflux.keras.layers.base_layer import Layer

__all__ = ["Wrapper"]


class Wrapper(Layer):
    """Abstract wrapper base class: holds `layer` (tracked, so its weights are the wrapper's)
    and serializes it in its config. Subclasses implement `call` (e.g. by calling
    `self.layer`).

    Args:
        layer: the wrapped Layer.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to Wrapper isn't a supported layer "
                             "type. Please ensure wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer._maybe_build(input_shape)
            self.layer.built = True
        super().build(input_shape)

    def get_config(self):
        from tensorflux.keras.saving.serialization import serialize_keras_object
        config = super().get_config()
        config["layer"] = serialize_keras_object(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tensorflux.keras.saving.serialization import deserialize_keras_object
        config = dict(config)
        layer = deserialize_keras_object(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)
