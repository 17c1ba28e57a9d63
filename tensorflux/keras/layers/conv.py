"""Convolution layers: Conv1D/2D/3D, their transposes, depthwise and separable convolutions.

Kernels are laid out as TensorFlow's: (*kernel_size, in_channels // groups, filters) for a
convolution, (*kernel_size, filters, in_channels) for a transposed one and
(*kernel_size, in_channels, depth_multiplier) for a depthwise one, so Keras weight files load.
All arithmetic goes through the public tf.nn convolutions.
"""
import tensorflux as tf
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.keras import activations, constraints, initializers, regularizers
from tensorflux.keras.layers.base_layer import InputSpec, Layer

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
           "Conv3DTranspose", "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D",
           "DepthwiseConv2D", "Convolution1D", "Convolution2D", "Convolution3D",
           "Convolution1DTranspose", "Convolution2DTranspose", "Convolution3DTranspose",
           "SeparableConvolution1D", "SeparableConvolution2D"]


# ---- argument normalization (shared with pooling and reshaping) -------------------------------

def normalize_tuple(value, n, name, allow_zero=False):
    """An int or n ints -> a tuple of n ints; anything else is a ValueError naming `name`."""
    if isinstance(value, int) and not isinstance(value, bool):
        result = (value,) * n
    else:
        try:
            result = tuple(value)
        except TypeError:
            result = None
        if result is None or len(result) != n or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in result):
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                             f"Received {name}={value!r}")
    smallest = 0 if allow_zero else 1
    if any(v < smallest for v in result):
        raise ValueError(f"The `{name}` argument must be a tuple of {n} "
                         f"{'non-negative' if allow_zero else 'positive'} integers. "
                         f"Received {name}={value!r}")
    return result


def normalize_data_format(value):
    if value is None:
        return "channels_last"
    lowered = str(value).lower()
    if lowered not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of 'channels_first', "
                         f"'channels_last'. Received: data_format={value!r}")
    return lowered


def normalize_padding(value, allow_causal=False):
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    lowered = value.lower() if isinstance(value, str) else None
    if lowered not in allowed:
        raise ValueError(f"The `padding` argument must be one of {list(allowed)}. "
                         f"Received: padding={value!r}")
    return lowered


def tf_data_format(data_format, rank):
    """'channels_last' / 'channels_first' -> NWC, NHWC, NDHWC or NCW, NCHW, NCDHW."""
    spatial = {1: "W", 2: "HW", 3: "DHW"}[rank]
    return f"N{spatial}C" if data_format == "channels_last" else f"NC{spatial}"


def conv_output_length(size, kernel, padding, stride, dilation=1):
    if size is None:
        return None
    effective = (kernel - 1) * dilation + 1
    if padding in ("same", "causal"):
        return -(-size // stride)
    return (size - effective) // stride + 1


def transpose_output_length(size, kernel, padding, stride, output_padding, dilation=1):
    """Keras' transposed-convolution length (TensorFlow padding conventions)."""
    if size is None:
        return None
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(stride - effective, 0) if output_padding is None else output_padding
        return (size - 1) * stride + effective + extra
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + effective % 2 + output_padding


def serialize(module, obj):
    return None if obj is None else module.serialize(obj)


def channel_axis(data_format):
    return -1 if data_format == "channels_last" else 1


def spatial_shape(input_shape, data_format, rank):
    dims = TensorShape(input_shape).as_list()
    return dims[1:1 + rank] if data_format == "channels_last" else dims[2:2 + rank]


def with_spatial(input_shape, data_format, spatial, channels):
    dims = TensorShape(input_shape).as_list()
    if data_format == "channels_last":
        return tuple([dims[0]] + list(spatial) + [channels])
    return tuple([dims[0], channels] + list(spatial))


def input_channels(layer, input_shape):
    shape = TensorShape(input_shape)
    if shape.rank is None or shape.rank < layer.rank + 2:
        raise ValueError(f"Layer {layer.name!r} ({type(layer).__name__}) expects inputs of "
                         f"rank {layer.rank + 2}, but got shape "
                         f"{tuple(shape.as_list()) if shape.rank is not None else None}.")
    channels = shape[channel_axis(layer.data_format)]
    if channels is None:
        raise ValueError(f"Layer {layer.name!r} ({type(layer).__name__}) needs the channel "
                         f"dimension of its inputs to be known (data_format="
                         f"{layer.data_format!r}); got input shape {tuple(shape.as_list())}.")
    return channels


def _positive_int(value, name):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"Invalid value for argument `{name}`. Expected a strictly positive "
                         f"value. Received {name}={value!r}.")
    return value


def _add_bias(outputs, bias, data_format):
    return tf.nn.bias_add(outputs, bias,
                          data_format="NCHW" if data_format == "channels_first" else "NHWC")


class _ConvBase(Layer):
    """What every convolution layer shares: kernel_size, strides, padding, data_format,
    dilation_rate, activation, use_bias and the bias weight."""

    _allow_causal = False

    def __init__(self, rank, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, bias_initializer="zeros",
                 bias_regularizer=None, bias_constraint=None, activity_regularizer=None,
                 check_stride_dilation=True, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = normalize_padding(padding, allow_causal=self._allow_causal and rank == 1)
        self.data_format = normalize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        if check_stride_dilation and max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"`strides > 1` not supported in conjunction with "
                             f"`dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.input_spec = InputSpec(min_ndim=rank + 2)

    def _make_bias(self, size):
        if not self.use_bias:
            return None
        return self.add_weight(name="bias", shape=(size,), initializer=self.bias_initializer,
                               regularizer=self.bias_regularizer,
                               constraint=self.bias_constraint)

    def _finish(self, outputs):
        if self.use_bias:
            outputs = _add_bias(outputs, self.bias, self.data_format)
        return self.activation(outputs)

    def _output_spatial(self, input_shape):
        return [conv_output_length(size, k, self.padding, s, d) for size, k, s, d in zip(
            spatial_shape(input_shape, self.data_format, self.rank), self.kernel_size,
            self.strides, self.dilation_rate)]

    def _causal_pad(self, inputs):
        """'causal' (1-D): pad (kernel - 1) * dilation steps on the left, then run 'valid'."""
        if self.padding != "causal":
            return inputs, self.padding.upper()
        amount = (self.kernel_size[0] - 1) * self.dilation_rate[0]
        pads = [[0, 0], [amount, 0], [0, 0]] if self.data_format == "channels_last" else \
            [[0, 0], [0, 0], [amount, 0]]
        return tf.pad(inputs, pads), "VALID"

    def get_config(self):
        config = super().get_config()
        config.update({
            "kernel_size": self.kernel_size, "strides": self.strides, "padding": self.padding,
            "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "bias_regularizer": serialize(regularizers, self.bias_regularizer),
            "activity_regularizer": serialize(regularizers, self.activity_regularizer),
            "bias_constraint": serialize(constraints, self.bias_constraint),
        })
        return config


class _Conv(_ConvBase):
    """N-d convolution: activation(conv(inputs, kernel) + bias), optionally grouped."""

    _allow_causal = True

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        _positive_int(filters, "filters")
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"The number of groups must be a positive integer. Received: "
                             f"groups={groups!r}.")
        if filters % groups:
            raise ValueError(f"The number of filters must be evenly divisible by the number "
                             f"of groups. Received: groups={groups}, filters={filters}.")
        super().__init__(rank, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         bias_constraint, activity_regularizer, **kwargs)
        self.filters = filters
        self.groups = groups
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def build(self, input_shape):
        channels = input_channels(self, input_shape)
        if channels % self.groups:
            raise ValueError(f"The number of input channels must be evenly divisible by the "
                             f"number of groups. Received groups={self.groups}, but the input "
                             f"has {channels} channels (full input shape is "
                             f"{tuple(TensorShape(input_shape).as_list())}).")
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.bias = self._make_bias(self.filters)
        self.input_spec = InputSpec(min_ndim=self.rank + 2,
                                    axes={channel_axis(self.data_format): channels})
        super().build(input_shape)

    def call(self, inputs):
        inputs, padding = self._causal_pad(inputs)
        data_format = tf_data_format(self.data_format, self.rank)

        def convolve(x, kernel):
            return tf.nn.convolution(x, kernel, strides=list(self.strides), padding=padding,
                                     data_format=data_format,
                                     dilations=list(self.dilation_rate))
        if self.groups == 1:
            outputs = convolve(inputs, self.kernel)
        else:
            axis = inputs.shape.rank - 1 if self.data_format == "channels_last" else 1
            pieces = tf.split(inputs, self.groups, axis=axis)
            kernels = tf.split(self.kernel, self.groups, axis=self.rank + 1)
            outputs = tf.concat([convolve(x, k) for x, k in zip(pieces, kernels)], axis=axis)
        return self._finish(outputs)

    def compute_output_shape(self, input_shape):
        return with_spatial(input_shape, self.data_format, self._output_spatial(input_shape),
                            self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "groups": self.groups,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": serialize(regularizers, self.kernel_regularizer),
            "kernel_constraint": serialize(constraints, self.kernel_constraint),
        })
        return config


class Conv1D(_Conv):
    """1-D convolution over (batch, steps, channels) inputs ("causal" padding allowed).

    Args:
        filters: number of output channels. kernel_size, strides, dilation_rate: an int or
        a 1-tuple. padding: "valid", "same" or "causal". data_format: "channels_last"
        (default) or "channels_first". groups: split channels into independent groups.
        activation, use_bias, kernel/bias initializer, regularizer and constraint.

    Example:
        >>> layer = Conv1D(4, 3, padding="causal")
        >>> layer(tf.ones((2, 10, 3))).shape
        TensorShape([2, 10, 4])
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, groups, activation, use_bias, **kwargs)


class Conv2D(_Conv):
    """2-D convolution over (batch, height, width, channels) inputs (channels_last).

    Args: as Conv1D, with 2-tuples; padding "valid" or "same".

    Example:
        >>> Conv2D(8, 3, padding="same")(tf.ones((1, 9, 9, 2))).shape
        TensorShape([1, 9, 9, 8])
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), groups=1, activation=None,
                 use_bias=True, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, groups, activation, use_bias, **kwargs)


class Conv3D(_Conv):
    """3-D convolution over (batch, depth, height, width, channels) inputs."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, groups, activation, use_bias, **kwargs)


class _ConvTranspose(_ConvBase):
    """Transposed convolution (the gradient of a convolution with respect to its input)."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        _positive_int(filters, "filters")
        super().__init__(rank, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         bias_constraint, activity_regularizer, **kwargs)
        self.filters = filters
        self.output_padding = None if output_padding is None else normalize_tuple(
            output_padding, rank, "output_padding", allow_zero=True)
        for i, (pad, stride) in enumerate(zip(self.output_padding or (), self.strides)):
            if pad >= stride:
                raise ValueError(f"`output_padding` must be strictly less than `strides` for "
                                 f"all dimensions. At dimension {i}, `output_padding` is {pad} "
                                 f"but `strides` is {stride}. Received: output_padding="
                                 f"{output_padding}, strides={strides}")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def build(self, input_shape):
        channels = input_channels(self, input_shape)
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.bias = self._make_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    axes={channel_axis(self.data_format): channels})
        super().build(input_shape)

    def _spatial_out(self, sizes):
        pads = self.output_padding or (None,) * self.rank
        return [transpose_output_length(size, k, self.padding, s, p, d) for size, k, s, p, d
                in zip(sizes, self.kernel_size, self.strides, pads, self.dilation_rate)]

    def call(self, inputs):
        static = spatial_shape(inputs.shape, self.data_format, self.rank)
        dynamic = tf.shape(inputs)
        offset = 1 if self.data_format == "channels_last" else 2
        sizes = [size if size is not None else dynamic[offset + i]
                 for i, size in enumerate(static)]
        spatial = self._spatial_out(sizes)
        batch = inputs.shape[0] if inputs.shape[0] is not None else dynamic[0]
        output_shape = [batch] + spatial + [self.filters] if self.data_format == \
            "channels_last" else [batch, self.filters] + spatial
        function = {1: tf.nn.conv1d_transpose, 2: tf.nn.conv2d_transpose,
                    3: tf.nn.conv3d_transpose}[self.rank]
        outputs = function(inputs, self.kernel, output_shape, strides=list(self.strides),
                           padding=self.padding.upper(),
                           data_format=tf_data_format(self.data_format, self.rank),
                           dilations=list(self.dilation_rate))
        return self._finish(outputs)

    def compute_output_shape(self, input_shape):
        return with_spatial(input_shape, self.data_format, self._spatial_out(
            spatial_shape(input_shape, self.data_format, self.rank)), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "output_padding": self.output_padding,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": serialize(regularizers, self.kernel_regularizer),
            "kernel_constraint": serialize(constraints, self.kernel_constraint),
        })
        return config


class Conv1DTranspose(_ConvTranspose):
    """1-D transposed convolution; the kernel is (kernel_size, filters, in_channels).

    output length: "same" -> steps * stride, "valid" -> (steps - 1) * stride + kernel
    (+ max(stride - kernel, 0)); with `output_padding` p: (steps - 1) * stride + p plus
    kernel ("valid") or kernel % 2 ("same").
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, output_padding,
                         data_format, dilation_rate, activation, use_bias, **kwargs)


class Conv2DTranspose(_ConvTranspose):
    """2-D transposed convolution; the kernel is (kh, kw, filters, in_channels).

    Example:
        >>> Conv2DTranspose(3, 3, strides=2, padding="same")(tf.ones((1, 4, 4, 2))).shape
        TensorShape([1, 8, 8, 3])
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, output_padding,
                         data_format, dilation_rate, activation, use_bias, **kwargs)


class Conv3DTranspose(_ConvTranspose):
    """3-D transposed convolution; the kernel is (kd, kh, kw, filters, in_channels)."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1, 1),
                 activation=None, use_bias=True, **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, output_padding,
                         data_format, dilation_rate, activation, use_bias, **kwargs)


class _DepthwiseBase(_ConvBase):
    """Depthwise convolution (1-D runs as 2-D with a unit height): each input channel gets
    `depth_multiplier` filters of its own; output channel c * depth_multiplier + m."""

    def __init__(self, rank, kernel_size, strides, padding, depth_multiplier, data_format,
                 dilation_rate, activation, use_bias, depthwise_initializer, bias_initializer,
                 depthwise_regularizer, bias_regularizer, activity_regularizer,
                 depthwise_constraint, bias_constraint, **kwargs):
        _positive_int(depth_multiplier, "depth_multiplier")
        # Strides and dilations together are allowed here (Keras emulates them on TF, whose
        # kernel refuses them; the tensorflux kernel computes them directly).
        super().__init__(rank, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, bias_initializer, bias_regularizer,
                         bias_constraint, activity_regularizer, check_stride_dilation=False,
                         **kwargs)
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def _build_depthwise(self, input_shape, name):
        channels = input_channels(self, input_shape)
        self.depthwise_kernel = self.add_weight(
            name=name, shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    axes={channel_axis(self.data_format): channels})
        return channels

    def _depthwise(self, inputs):
        kernel, strides, dilations = self.depthwise_kernel, self.strides, self.dilation_rate
        if self.rank == 1:
            inputs = tf.expand_dims(inputs, 1 if self.data_format == "channels_last" else 2)
            kernel = tf.expand_dims(kernel, 0)
            strides, dilations = (1,) + strides, (1,) + dilations
        data_format = tf_data_format(self.data_format, 2)
        full_strides = [1] + list(strides) + [1] if self.data_format == "channels_last" else \
            [1, 1] + list(strides)
        outputs = tf.nn.depthwise_conv2d(inputs, kernel, full_strides, self.padding.upper(),
                                         data_format=data_format, dilations=list(dilations))
        if self.rank == 1:
            outputs = tf.squeeze(outputs, [1 if self.data_format == "channels_last" else 2])
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "depthwise_regularizer": serialize(regularizers, self.depthwise_regularizer),
            "depthwise_constraint": serialize(constraints, self.depthwise_constraint),
        })
        return config


class _Depthwise(_DepthwiseBase):
    def __init__(self, rank, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)

    def build(self, input_shape):
        # Keras 3 names this weight "kernel" (TF-Keras: the `depthwise_kernel` attribute).
        channels = self._build_depthwise(input_shape, "kernel")
        self.kernel = self.depthwise_kernel
        self.bias = self._make_bias(channels * self.depth_multiplier)
        super().build(input_shape)

    def call(self, inputs):
        return self._finish(self._depthwise(inputs))

    def compute_output_shape(self, input_shape):
        channels = TensorShape(input_shape)[channel_axis(self.data_format)]
        return with_spatial(input_shape, self.data_format, self._output_spatial(input_shape),
                            None if channels is None else channels * self.depth_multiplier)


class DepthwiseConv1D(_Depthwise):
    """Depthwise 1-D convolution: kernel (kernel_size, in_channels, depth_multiplier)."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, **kwargs):
        super().__init__(1, kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, **kwargs)


class DepthwiseConv2D(_Depthwise):
    """Depthwise 2-D convolution: kernel (kh, kw, in_channels, depth_multiplier).

    Example:
        >>> DepthwiseConv2D(3, depth_multiplier=2)(tf.ones((1, 5, 5, 3))).shape
        TensorShape([1, 3, 3, 6])
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), **kwargs):
        super().__init__(2, kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, **kwargs)


class _Separable(_DepthwiseBase):
    """A depthwise convolution followed by a 1x1 convolution mixing channels into `filters`;
    weights depthwise_kernel, pointwise_kernel (1, ..., C * depth_multiplier, filters), bias."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, depth_multiplier=1, activation=None,
                 use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        _positive_int(filters, "filters")
        super().__init__(rank, kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)
        self.filters = filters
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        channels = self._build_depthwise(input_shape, "depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self.bias = self._make_bias(self.filters)
        super().build(input_shape)

    def call(self, inputs):
        depthwise = self._depthwise(inputs)
        outputs = tf.nn.convolution(depthwise, self.pointwise_kernel, strides=1,
                                    padding="VALID",
                                    data_format=tf_data_format(self.data_format, self.rank))
        return self._finish(outputs)

    def compute_output_shape(self, input_shape):
        return with_spatial(input_shape, self.data_format, self._output_spatial(input_shape),
                            self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "pointwise_regularizer": serialize(regularizers, self.pointwise_regularizer),
            "pointwise_constraint": serialize(constraints, self.pointwise_constraint),
        })
        return config


class SeparableConv1D(_Separable):
    """Depthwise-separable 1-D convolution."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, depth_multiplier, **kwargs)


class SeparableConv2D(_Separable):
    """Depthwise-separable 2-D convolution.

    Example:
        >>> SeparableConv2D(4, 3, padding="same")(tf.ones((1, 5, 5, 2))).shape
        TensorShape([1, 5, 5, 4])
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), depth_multiplier=1, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, depth_multiplier, **kwargs)


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = \
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
