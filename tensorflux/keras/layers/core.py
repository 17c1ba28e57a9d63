"""Core layers: Input, Dense, Flatten, Dropout, Activation, Softmax, ReLU, LeakyReLU, Reshape,
Lambda, Identity."""
import math

import numpy as np

import tensorflux as tf
from tensorflux.framework import context
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.framework.variables import Variable
from tensorflux.keras import activations, constraints, initializers, regularizers
from tensorflux.keras.engine.keras_tensor import KerasTensor
from tensorflux.keras.layers.base_layer import InputSpec, Layer

_state = context.state
_from_array = Tensor._from_array

__all__ = ["InputLayer", "Input", "Dense", "Flatten", "Dropout", "Activation", "Softmax",
           "ReLU", "LeakyReLU", "Reshape", "Lambda", "Identity", "ELU", "PReLU"]


class InputLayer(Layer):
    """The entry of a functional model: holds the symbolic input tensor."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, name=None, input_shape=None, batch_input_shape=None,
                 **kwargs):
        super().__init__(name=name, dtype=dtype)
        if batch_shape is None:
            batch_shape = batch_input_shape
        if batch_shape is None:
            shape = shape if shape is not None else input_shape
            if shape is None:
                raise ValueError("Input() needs a `shape` (without the batch dimension), e.g. "
                                 "keras.Input(shape=(784,)).")
            if isinstance(shape, int):
                raise ValueError(f"`shape` must be a tuple, e.g. shape=({shape},), got the int "
                                 f"{shape}.")
            batch_shape = (batch_size,) + tuple(shape)
        self._batch_input_shape = tuple(batch_shape)
        self.batch_shape = self._batch_input_shape
        self.sparse = bool(sparse)
        tensor = KerasTensor(TensorShape(batch_shape), self.dtype, name=self.name)
        tensor._keras_history = (self, 0, 0)
        from tensorflux.keras.engine.keras_tensor import Node
        self._inbound_nodes.append(Node(self, [], {}, tensor))
        self.built = True

    def get_config(self):
        return {"batch_shape": list(self._batch_input_shape), "dtype": self.dtype,
                "sparse": self.sparse, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, **kwargs):
    """A symbolic input of a functional model: `keras.Input(shape=(784,))`."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, **kwargs)
    return layer.output


class Dense(Layer):
    """output = activation(inputs @ kernel + bias), on the last axis.

    Args:
        units: output size.
        activation: a name ("relu", "softmax", ...) or function; None is linear.
        use_bias, kernel_initializer ("glorot_uniform"), bias_initializer ("zeros"),
        kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint.
    """

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        units = int(units) if not isinstance(units, float) or units.is_integer() else units
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = TensorShape(input_shape)
        last = input_shape[-1]
        if last is None:
            raise ValueError(f"Layer {self.name!r} (Dense) needs the last dimension of its "
                             f"input to be known; got input shape {input_shape}.")
        self.kernel = self.add_weight(name="kernel", shape=(last, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight(name="bias", shape=(self.units,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last})
        super().build(input_shape)

    def call(self, inputs):
        value = inputs._value if type(inputs) is Tensor else None
        rank = value.ndim if value is not None else inputs.shape.rank
        kernel = self.kernel
        if rank is not None and rank > 2:
            outputs = tf.tensordot(inputs, kernel, [[rank - 1], [0]]) \
                if hasattr(tf, "tensordot") else _dense_nd(inputs, kernel)
        else:
            if type(kernel) is not Tensor and hasattr(kernel, "_as_tensor"):
                # the variable's read, as matmul would do: a tensor operand takes its fast path
                kernel = kernel._as_tensor()
            outputs = tf.matmul(inputs, kernel)
        if self.use_bias:
            outputs = _bias_add(outputs, self.bias)
        return self.activation(outputs)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units, "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": _maybe_serialize(regularizers, self.kernel_regularizer),
            "bias_regularizer": _maybe_serialize(regularizers, self.bias_regularizer),
            "activity_regularizer": _maybe_serialize(regularizers, self.activity_regularizer),
            "kernel_constraint": _maybe_serialize(constraints, self.kernel_constraint),
            "bias_constraint": _maybe_serialize(constraints, self.bias_constraint),
        })
        return config


def _bias_add(outputs, bias):
    """tf.nn.bias_add(outputs, bias); eagerly with no tape recording, when the op would
    succeed (a 1-D bias of the dtype and size of the last axis), its kernel's sum directly."""
    out = outputs._value if type(outputs) is Tensor else None
    if out is not None and _state.eager_enabled and not _state.graph_stack and \
            not _state.tapes:
        b = bias._value if type(bias) is Variable else \
            (bias._value if type(bias) is Tensor else None)
        if b is not None and b.ndim == 1 and out.ndim >= 2 and out.shape[-1] == b.shape[0] \
                and out.dtype == b.dtype and out.dtype.kind in "fciu":
            return _from_array(out + b)
    return tf.nn.bias_add(outputs, bias)


def _dense_nd(inputs, kernel):
    shape = tf.shape(inputs)
    flat = tf.reshape(inputs, [-1, kernel.shape[0]])
    out = tf.matmul(flat, kernel)
    return tf.reshape(out, tf.concat([shape[:-1], [kernel.shape[1]]], 0))


def _maybe_serialize(module, obj):
    return None if obj is None else module.serialize(obj)


class Flatten(Layer):
    """Flattens all axes but the batch axis: (batch, ...) -> (batch, prod(...))."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        value = inputs._value if type(inputs) is Tensor else None
        if value is not None and (value.ndim <= 2 or self.data_format != "channels_first") \
                and _state.eager_enabled and not _state.graph_stack and not _state.tapes:
            # eagerly with no tape recording: the Reshape kernel's reshape, directly
            size = math.prod(value.shape[1:])
            if size > 0 and value.ndim >= 1:
                return _from_array(value.reshape(-1, size))
        rank = inputs.shape.rank
        if self.data_format == "channels_first" and rank and rank > 2:
            inputs = tf.transpose(inputs, [0] + list(range(2, rank)) + [1])
        tail = inputs.shape.as_list()[1:] if rank is not None else None
        if tail is not None and all(d is not None for d in tail):
            return tf.reshape(inputs, [-1, int(np.prod(tail))])
        return tf.reshape(inputs, [tf.shape(inputs)[0], -1])

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Dropout(Layer):
    """Randomly zeroes a fraction `rate` of inputs during training (scaling the rest by
    1 / (1 - rate)); the identity at inference."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return tf.zeros_like(inputs)
        noise_shape = self.noise_shape
        if noise_shape is not None:
            dynamic = tf.shape(inputs)
            noise_shape = [dynamic[i] if d is None else d for i, d in enumerate(noise_shape)]
        return tf.nn.dropout(inputs, rate=self.rate, noise_shape=noise_shape, seed=self.seed)

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        return config


class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Softmax(Layer):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def call(self, inputs, mask=None):
        """Softmax over `axis`; with a mask (True or > 0.5: keep), masked positions get a large
        negative logit and exactly 0 in the output (an all-masked row gives all zeros), as in
        Keras 3."""
        if mask is not None:
            mask = tf.convert_to_tensor(mask)
            if mask.shape.rank is not None and inputs.shape.rank is not None:
                if mask.shape.rank > inputs.shape.rank:
                    raise ValueError(
                        "The `mask` must be broadcastable to `inputs` and must not have more "
                        f"dimensions. Received: inputs.shape={inputs.shape}, "
                        f"mask.shape={mask.shape}")
                for m_dim, i_dim in zip(mask.shape.as_tuple()[::-1],
                                        inputs.shape.as_tuple()[::-1]):
                    if m_dim is not None and i_dim is not None and m_dim not in (1, i_dim):
                        raise ValueError(
                            "The `mask` must be broadcastable to `inputs`. Each mask dimension "
                            "must be 1 or match the corresponding input dimension. Received: "
                            f"inputs.shape={inputs.shape}, mask.shape={mask.shape}")
            if mask.dtype != tf.bool:
                mask = tf.greater(mask, tf.cast(0.5, mask.dtype))
            mask = tf.broadcast_to(mask, tf.shape(inputs))
            large_negative = -3e4 if inputs.dtype == tf.float16 else -1e9
            inputs = tf.where(mask, inputs, tf.cast(large_negative, inputs.dtype))
        if isinstance(self.axis, (list, tuple)) and len(self.axis) > 1:
            outputs = tf.exp(inputs - tf.reduce_logsumexp(inputs, axis=self.axis,
                                                          keepdims=True))
        else:
            axis = self.axis[0] if isinstance(self.axis, (list, tuple)) else self.axis
            outputs = activations.softmax(inputs, axis=axis)
        if mask is not None:
            # exact zeros where masked (a fully masked axis would otherwise be uniform)
            outputs = tf.where(mask, outputs, tf.zeros_like(outputs))
        return outputs

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class ReLU(Layer):
    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"max_value of a ReLU layer cannot be negative, got {max_value}.")
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"negative_slope of a ReLU layer cannot be negative, got "
                             f"{negative_slope}.")
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, \
            threshold
        self.supports_masking = True

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        config = super().get_config()
        config.update(max_value=self.max_value, negative_slope=self.negative_slope,
                      threshold=self.threshold)
        return config


class LeakyReLU(Layer):
    def __init__(self, negative_slope=0.3, alpha=None, **kwargs):
        super().__init__(**kwargs)
        self.negative_slope = float(alpha if alpha is not None else negative_slope)
        self.supports_masking = True

    def call(self, inputs):
        return tf.nn.leaky_relu(inputs, alpha=self.negative_slope)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class ELU(Layer):
    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return activations.elu(inputs, self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class PReLU(Layer):
    """max(0, x) + alpha * min(0, x) with a learned alpha per (non-shared) input unit."""

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        self.shared_axes = None if shared_axes is None else (
            [shared_axes] if isinstance(shared_axes, int) else list(shared_axes))

    def build(self, input_shape):
        shape = list(TensorShape(input_shape).as_list()[1:])
        for axis in self.shared_axes or []:
            shape[axis - 1] = 1
        self.alpha = self.add_weight(name="alpha", shape=shape,
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        super().build(input_shape)

    def call(self, inputs):
        return tf.nn.relu(inputs) - self.alpha * tf.nn.relu(-inputs)

    def get_config(self):
        config = super().get_config()
        config.update(alpha_initializer=initializers.serialize(self.alpha_initializer),
                      shared_axes=self.shared_axes)
        return config


class Reshape(Layer):
    """Reshapes to `target_shape` (without the batch axis; one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def call(self, inputs):
        known = inputs.shape[0]
        batch = known if known is not None else tf.shape(inputs)[0]
        if known is None:
            return tf.reshape(inputs, [batch] + list(self.target_shape))
        return tf.reshape(inputs, [known] + list(self.target_shape))

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


class Identity(Layer):
    def call(self, inputs):
        return inputs


class Lambda(Layer):
    """Wraps an arbitrary function as a layer. A model holding a Lambda is saved with the
    function's name only: loading it back needs `safe_mode=False` and the function passed in
    `custom_objects` (no code is ever read from a file)."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments or {}
        self._output_shape = output_shape

    def call(self, inputs, mask=None, training=None):
        return self.function(inputs, **self.arguments)

    def get_config(self):
        config = super().get_config()
        config.update(function=getattr(self.function, "__name__", "lambda"),
                      arguments=self.arguments,
                      output_shape=None if callable(self._output_shape) else
                      self._output_shape)
        return config
