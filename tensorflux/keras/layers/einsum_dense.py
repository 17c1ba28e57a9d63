"""EinsumDense: a dense layer whose computation is an einsum `equation` between the input and
a kernel of any rank (Keras 3's `keras.layers.EinsumDense`).

The kernel and bias shapes follow Keras' analysis of the equation (`_analyze_einsum_string`),
so weights interchange with Keras. A VarianceScaling kernel initializer (glorot_uniform, ...)
gets its fans from the kernel axes that contract with the input (fan_in) and those that map to
the output (fan_out), as Keras 3 does for EinsumDense kernels.
"""
import re

import tensorflux as tf
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.keras import activations, constraints, initializers, regularizers
from tensorflux.keras.layers.base_layer import InputSpec, Layer

__all__ = ["EinsumDense", "get_initializer"]


def _maybe_serialize(module, obj):
    return None if obj is None else module.serialize(obj)


class _AxesInitializer:
    """A VarianceScaling initializer whose fans are the products of the kernel's input axes
    and output axes (Keras 3's `input_axes` / `output_axes`): it draws a (fan_in, fan_out)
    matrix, whose fans are exactly those, and reshapes it to the kernel shape (the draws are
    i.i.d., so the layout does not matter)."""

    def __init__(self, initializer, input_axes, output_axes):
        self.initializer = initializer
        self.input_axes, self.output_axes = list(input_axes), list(output_axes)

    def __call__(self, shape, dtype=None):
        fan_in = 1
        for axis in self.input_axes:
            fan_in *= int(shape[axis])
        fan_out = 1
        for axis in self.output_axes:
            fan_out *= int(shape[axis])
        total = 1
        for d in shape:
            total *= int(d)
        if fan_in * fan_out != total:
            return self.initializer(shape, dtype=dtype)
        return tf.reshape(self.initializer((fan_in, fan_out), dtype=dtype), shape)

    def get_config(self):
        config = dict(self.initializer.get_config())
        config.update(input_axes=self.input_axes, output_axes=self.output_axes)
        return config


def get_initializer(identifier):
    """initializers.get, also accepting the Keras 3 config of a VarianceScaling initializer
    that carries `input_axes` / `output_axes` (None, or the axes that define the fans)."""
    if isinstance(identifier, dict) and isinstance(identifier.get("config"), dict) and (
            "input_axes" in identifier["config"] or "output_axes" in identifier["config"]):
        config = dict(identifier["config"])
        input_axes = config.pop("input_axes", None)
        output_axes = config.pop("output_axes", None)
        initializer = initializers.get(dict(identifier, config=config))
        if input_axes is not None and output_axes is not None:
            return _AxesInitializer(initializer, input_axes, output_axes)
        return initializer
    return initializers.get(identifier)


def serialize_initializer(initializer):
    if isinstance(initializer, _AxesInitializer):
        initializer = initializer.initializer
    return initializers.serialize(initializer)


def analyze_einsum_string(equation, bias_axes, input_shape, output_shape):
    """(kernel_shape, bias_shape, full_output_shape, input_axes, output_axes) for an
    EinsumDense `equation` (Keras' `_analyze_einsum_string`)."""
    dot_replaced = re.sub(r"\.\.\.", "0", equation)
    split = re.match("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", dot_replaced)
    if split:
        return _analyze_split_string(split, bias_axes, input_shape, output_shape)
    split = re.match("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", dot_replaced)
    if split:
        return _analyze_split_string(split, bias_axes, input_shape, output_shape,
                                     left_elided=True)
    split = re.match("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$", dot_replaced)
    if split:
        return _analyze_split_string(split, bias_axes, input_shape, output_shape)
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                     "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _analyze_split_string(split, bias_axes, input_shape, output_shape, left_elided=False):
    input_spec, weight_spec, output_spec = split.group(1), split.group(2), split.group(3)
    input_shape = list(input_shape)
    elided = len(input_shape) - len(input_spec)
    output_shape = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0 and not left_elided:
        for i in range(len(input_shape) - elided, len(input_shape)):
            output_shape.append(input_shape[i])
    if left_elided:
        input_dim_map = {dim: (i + elided) - len(input_shape)
                         for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: (i + elided) for i, dim in enumerate(output_spec)}
    else:
        input_dim_map = {dim: i for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i for i, dim in enumerate(output_spec)}
    for dim in input_spec:
        input_size = input_shape[input_dim_map[dim]]
        if dim in output_dim_map:
            output_size = output_shape[output_dim_map[dim]]
            if output_size is not None and output_size != input_size:
                raise ValueError("Input shape and output shape do not match at shared "
                                 f"dimension '{dim}'. Input shape is {input_size}, and "
                                 f"output shape is {output_size}.")
    for dim in output_spec:
        if dim not in input_spec and dim not in weight_spec:
            raise ValueError(f"Dimension '{dim}' was specified in the output '{output_spec}' "
                             f"but has no corresponding dim in the input spec "
                             f"'{input_spec}' or weight spec '{weight_spec}'")
    weight_shape, input_axes, output_axes = [], [], []
    for i, dim in enumerate(weight_spec):
        if dim in output_dim_map:
            weight_shape.append(output_shape[output_dim_map[dim]])
            output_axes.append(i)
        elif dim in input_dim_map:
            weight_shape.append(input_shape[input_dim_map[dim]])
            input_axes.append(i)
        else:
            raise ValueError(f"Weight dimension '{dim}' did not have a match in either the "
                             f"input spec '{input_spec}' or the output spec '{output_spec}'. "
                             "For this layer, the weight must be fully specified.")
    if bias_axes is not None:
        num_left_elided = elided if left_elided else 0
        idx_map = {char: output_shape[i + num_left_elided]
                   for i, char in enumerate(output_spec)}
        for char in bias_axes:
            if char not in output_spec:
                raise ValueError(f"Bias dimension '{char}' was requested, but is not part of "
                                 f"the output spec '{output_spec}'")
        first = min(output_spec.find(char) for char in bias_axes)
        bias_shape = [idx_map[char] if char in bias_axes else 1
                      for char in output_spec[first:]]
        if not left_elided:
            bias_shape.extend([1] * elided)
    else:
        bias_shape = None
    return weight_shape, bias_shape, output_shape, input_axes, output_axes


class EinsumDense(Layer):
    """A layer computing `activation(einsum(equation, inputs, kernel) + bias)`.

    Args:
        equation: an einsum equation "ab,bc->ac", "...ab,bc->...ac" or "ab...,bc->ac...":
            the input, the kernel and the output.
        output_shape: the output shape without the batch axis (and the axes of "..."); an
            int for one axis; None for an axis that comes from the input.
        activation: applied to the output (None: linear).
        bias_axes: the output letters that get a bias (None: no bias).
        kernel_initializer ("glorot_uniform"), bias_initializer ("zeros"),
        kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint.

    Example:
        >>> layer = EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d")
        >>> layer(tf.zeros([2, 32, 128])).shape
        TensorShape([2, 32, 64])
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if lora_rank:
            raise NotImplementedError("EinsumDense(lora_rank=...) (LoRA) is not implemented "
                                      "by tensorflux.")
        if quantization_config is not None:
            raise NotImplementedError("EinsumDense quantization is not implemented by "
                                      "tensorflux.")
        self.equation = equation
        if isinstance(output_shape, int):
            self.partial_output_shape = (output_shape,)
        else:
            self.partial_output_shape = tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = get_initializer(kernel_initializer)
        self.bias_initializer = get_initializer(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank, self.lora_alpha = lora_rank, lora_alpha
        self.lora_enabled = False
        self.bias = None
        self.full_output_shape = None

    def build(self, input_shape):
        input_shape = tuple(TensorShape(input_shape).as_list())
        kernel_shape, bias_shape, full_output_shape, input_axes, output_axes = \
            analyze_einsum_string(self.equation, self.bias_axes, input_shape,
                                  self.partial_output_shape)
        if any(d is None for d in kernel_shape):
            raise ValueError(f"Layer {self.name!r} (EinsumDense) cannot build its kernel of "
                             f"shape {tuple(kernel_shape)} from the input shape "
                             f"{input_shape}: give the missing sizes in `output_shape`.")
        self.full_output_shape = tuple(full_output_shape)
        self.input_spec = InputSpec(ndim=len(input_shape))
        kernel_initializer = self.kernel_initializer
        if isinstance(kernel_initializer, initializers.VarianceScaling):
            kernel_initializer = _AxesInitializer(kernel_initializer, input_axes, output_axes)
        self._kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape),
                                       initializer=kernel_initializer,
                                       regularizer=self.kernel_regularizer,
                                       constraint=self.kernel_constraint)
        if bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(bias_shape),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        super().build(input_shape)

    @property
    def kernel(self):
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        return self._kernel

    def compute_output_shape(self, input_shape):
        return tuple(analyze_einsum_string(self.equation, self.bias_axes,
                                           tuple(TensorShape(input_shape).as_list()),
                                           self.partial_output_shape)[2])

    def call(self, inputs, training=None):
        x = tf.einsum(self.equation, inputs, self._kernel)
        if self.bias is not None:
            x = x + self.bias
        if self.activation is not None:
            x = self.activation(x)
        return x

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": serialize_initializer(self.kernel_initializer),
            "bias_initializer": serialize_initializer(self.bias_initializer),
            "kernel_regularizer": _maybe_serialize(regularizers, self.kernel_regularizer),
            "bias_regularizer": _maybe_serialize(regularizers, self.bias_regularizer),
            "activity_regularizer": _maybe_serialize(regularizers, self.activity_regularizer),
            "kernel_constraint": _maybe_serialize(constraints, self.kernel_constraint),
            "bias_constraint": _maybe_serialize(constraints, self.bias_constraint),
            "quantization_config": None,
        })
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config

