"""Embedding (integer ids -> dense vectors) and Masking, the two layers that create Keras masks.

A mask rides on the output tensor as `outputs._keras_mask` (a bool tensor of the batch and
step axes); the base Layer passes it to the `mask` argument of the next layers' `call` and
carries it through layers that support masking.
"""
import warnings

import tensorflux as tf
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.keras import constraints, initializers, regularizers
from tensorflux.keras.layers.base_layer import Layer
from tensorflux.keras.layers.conv import serialize

__all__ = ["Embedding", "Masking"]


def _attach(outputs, mask):
    try:
        outputs._keras_mask = mask
    except AttributeError:
        pass
    return outputs


class Embedding(Layer):
    """Looks up row `i` of an (input_dim, output_dim) table for each integer id `i`.

    Args:
        input_dim: vocabulary size (ids are 0 .. input_dim - 1).
        output_dim: size of each vector.
        embeddings_initializer: default "uniform" (RandomUniform(-0.05, 0.05)).
        embeddings_regularizer, embeddings_constraint, activity_regularizer.
        mask_zero: id 0 is padding: the output carries a mask (ids != 0) for later layers.
        input_length: accepted for old scripts; it sets the input shape (batch, input_length).

    Example:
        >>> layer = Embedding(10, 4)
        >>> layer(tf.constant([[1, 2, 3]])).shape
        TensorShape([1, 3, 4])
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 activity_regularizer=None, input_length=None, lora_rank=None, lora_alpha=None,
                 sparse=False, **kwargs):
        if input_length is not None and not any(
                key in kwargs for key in ("input_shape", "batch_input_shape")):
            length = input_length if isinstance(input_length, int) else None
            kwargs["input_shape"] = (length,)
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Both `input_dim` and `output_dim` should be positive, "
                                 f"integers. Received input_dim={input_dim!r} and "
                                 f"output_dim={output_dim!r}")
        if sparse:
            warnings.warn("Embedding(sparse=True) is not supported by tensorflux; dense "
                          "gradients are used.", stacklevel=2)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim, self.output_dim = input_dim, output_dim
        self.input_length = input_length
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(name="embeddings",
                                          shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        super().build(input_shape)

    def _convert_input(self, x):
        # Ids stay integers: the base class would cast float inputs to the layer's dtype
        # anyway, and the lookup casts them to int32 below.
        if isinstance(x, tf.Tensor) or hasattr(x, "_keras_history"):
            return x
        return tf.convert_to_tensor(x)

    def call(self, inputs):
        if not inputs.dtype.is_integer:
            inputs = tf.cast(inputs, tf.int32)
        outputs = tf.gather(self.embeddings, inputs)
        if self.mask_zero:
            _attach(outputs, tf.not_equal(inputs, 0))
        return outputs

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return tf.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(TensorShape(input_shape).as_list()) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim, "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": serialize(regularizers, self.embeddings_regularizer),
            "activity_regularizer": serialize(regularizers, self.activity_regularizer),
            "embeddings_constraint": serialize(constraints, self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        })
        if self.input_length is not None:
            config["input_length"] = self.input_length
        return config


class Masking(Layer):
    """Masks the time steps whose features all equal `mask_value`: they are zeroed, and the
    output carries a mask (False at those steps) for later layers (RNNs skip them).

    Example:
        >>> x = tf.constant([[[1.0], [0.0]]])
        >>> Masking()(x)._keras_mask.numpy().tolist()
        [[True, False]]
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def _keep(self, inputs):
        return tf.reduce_any(tf.not_equal(inputs, tf.cast(self.mask_value, inputs.dtype)),
                             axis=-1, keepdims=True)

    def call(self, inputs):
        keep = self._keep(inputs)
        outputs = inputs * tf.cast(keep, inputs.dtype)
        return _attach(outputs, tf.squeeze(keep, axis=-1))

    def compute_mask(self, inputs, mask=None):
        return tf.squeeze(self._keep(inputs), axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(TensorShape(input_shape).as_list())

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
