"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization,
UnitNormalization.

Statistics are computed in float32 (or float64 for float64 layers), even for float16 inputs.
"""
import tensorflux as tf
from tensorflux.framework import context
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.keras import constraints, initializers, regularizers
from tensorflux.keras.layers.base_layer import InputSpec, Layer
from tensorflux.keras.layers.conv import serialize
from tensorflux.keras.layers.reshaping import reshape_keeping_static

__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization",
           "UnitNormalization"]


def _axes(axis, rank, layer):
    """Normalizes an int or list `axis` against `rank`, naming the layer on error."""
    items = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    result = []
    for item in items:
        if not isinstance(item, int) or not -rank <= item < rank:
            raise ValueError(f"Invalid axis {axis!r} for layer {layer.name!r} "
                             f"({type(layer).__name__}): the input has rank {rank}.")
        result.append(item % rank)
    return sorted(set(result))


def _compute_dtype(x):
    return tf.float64 if x.dtype == tf.float64 else tf.float32


class _AffineNormalization(Layer):
    """Holds the shared gamma/beta arguments (center, scale, initializers, ...)."""

    def __init__(self, epsilon, center, scale, beta_initializer, gamma_initializer,
                 beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                 **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def _make_gamma_beta(self, shape, gamma=None, beta=None):
        gamma = self.scale if gamma is None else gamma
        beta = self.center if beta is None else beta
        self.gamma = self.add_weight(name="gamma", shape=shape,
                                     initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if gamma else None
        self.beta = self.add_weight(name="beta", shape=shape,
                                    initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if beta else None

    def get_config(self):
        config = super().get_config()
        config.update({
            "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": serialize(regularizers, self.beta_regularizer),
            "gamma_regularizer": serialize(regularizers, self.gamma_regularizer),
            "beta_constraint": serialize(constraints, self.beta_constraint),
            "gamma_constraint": serialize(constraints, self.gamma_constraint),
        })
        return config


def _broadcast(parameter, shape, dtype):
    if parameter is None:
        return None
    return tf.reshape(tf.cast(parameter, dtype), shape)


class BatchNormalization(_AffineNormalization):
    """Normalizes each feature (along `axis`) with batch statistics in training and moving
    averages at inference: gamma * (x - mean) / sqrt(variance + epsilon) + beta.

    In training, moving_mean <- moving_mean * momentum + mean * (1 - momentum) (likewise the
    variance, the biased batch variance), through Variable.assign so the update also runs
    inside tf.function. A frozen layer (`trainable=False`) always runs in inference mode.
    Weights: gamma, beta (trainable), moving_mean, moving_variance.

    Args:
        axis: the feature axis (-1). momentum (0.99), epsilon (1e-3), center, scale,
        beta/gamma/moving_mean/moving_variance initializers, beta/gamma regularizers and
        constraints.

    Example:
        >>> bn = BatchNormalization()
        >>> print(bn(tf.constant([[1.0], [3.0]]), training=True).numpy().ravel().round(4))
        [-0.9995  0.9995]
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, renorm=False,
                 renorm_clipping=None, renorm_momentum=0.99, **kwargs):
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        if not isinstance(axis, (int, list, tuple)) or isinstance(axis, bool):
            raise TypeError(f"Expected an int or a list of ints for the argument 'axis', but "
                            f"received: axis={axis!r}")
        if renorm:
            raise NotImplementedError("BatchNormalization(renorm=True) is not implemented by "
                                      "tensorflux; use renorm=False.")
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.synchronized = bool(synchronized)
        self.renorm, self.renorm_clipping, self.renorm_momentum = \
            renorm, renorm_clipping, renorm_momentum

    def build(self, input_shape):
        shape = TensorShape(input_shape)
        if shape.rank is None:
            raise ValueError(f"Layer {self.name!r} (BatchNormalization) needs inputs of known "
                             "rank.")
        self._feature_axes = _axes(self.axis, shape.rank, self)
        sizes = [shape[a] for a in self._feature_axes]
        if any(size is None for size in sizes):
            raise ValueError(f"Axis {self.axis} of the input of layer {self.name!r} "
                             f"(BatchNormalization) should have a defined dimension, but the "
                             f"layer received an input with shape {tuple(shape.as_list())}.")
        param_shape = tuple(sizes)
        self._make_gamma_beta(param_shape)
        self.moving_mean = self.add_weight(name="moving_mean", shape=param_shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight(name="moving_variance", shape=param_shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self._reduction_axes = [a for a in range(shape.rank) if a not in self._feature_axes]
        self._broadcast_shape = [shape[a] if a in self._feature_axes else 1
                                 for a in range(shape.rank)]
        named = self.axis if isinstance(self.axis, list) else [self.axis]
        self.input_spec = InputSpec(ndim=shape.rank, axes={a: shape[a] for a in named})
        super().build(input_shape)

    def _moments(self, inputs, mask):
        if mask is None:
            return tf.nn.moments(inputs, self._reduction_axes, keepdims=True)
        if mask.shape.rank is not None and mask.shape.rank != inputs.shape.rank - 1:
            raise ValueError(f"The mask provided should be one dimension less than the inputs. "
                             f"Received: mask.shape={tuple(mask.shape.as_list())}, "
                             f"inputs.shape={tuple(inputs.shape.as_list())}")
        weights = tf.cast(tf.expand_dims(mask, -1), inputs.dtype) * tf.ones_like(inputs)
        # Keras adds its fuzz factor (1e-7) to the count, so an all-masked batch stays finite.
        count = tf.reduce_sum(weights, self._reduction_axes, keepdims=True) + 1e-7
        mean = tf.reduce_sum(inputs * weights, self._reduction_axes, keepdims=True) / count
        variance = tf.reduce_sum(tf.square(inputs - mean) * weights, self._reduction_axes,
                                 keepdims=True) / count
        return mean, variance

    def call(self, inputs, training=None, mask=None):
        dtype = _compute_dtype(inputs)
        x = tf.cast(inputs, dtype)
        shape = self._broadcast_shape
        if training and self.trainable:
            mean, variance = self._moments(x, mask)
            self._update_moving(tf.reshape(mean, [-1]), tf.reshape(variance, [-1]))
        else:
            mean = _broadcast(self.moving_mean, shape, dtype)
            variance = _broadcast(self.moving_variance, shape, dtype)
        outputs = tf.nn.batch_normalization(x, mean, variance, _broadcast(self.beta, shape, dtype),
                                            _broadcast(self.gamma, shape, dtype), self.epsilon)
        return tf.cast(outputs, inputs.dtype)

    def _update_moving(self, mean, variance):
        updates = []
        for variable, value in ((self.moving_mean, mean), (self.moving_variance, variance)):
            value = tf.reshape(tf.cast(value, variable.dtype), variable.shape.as_list())
            updates.append(variable.assign(variable * self.momentum +
                                           value * (1.0 - self.momentum)))
        if not context.executing_eagerly():
            # TF1 graphs: the updates run when the UPDATE_OPS collection is fetched.
            for update in updates:
                if update is not None and getattr(update, "graph", None) is not None and \
                        not _in_function(update.graph):
                    tf.compat.v1.add_to_collection(tf.compat.v1.GraphKeys.UPDATE_OPS, update)

    def compute_output_shape(self, input_shape):
        return tuple(TensorShape(input_shape).as_list())

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis, "momentum": self.momentum,
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            "synchronized": self.synchronized, "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping, "renorm_momentum": self.renorm_momentum,
        })
        return config


def _in_function(graph):
    from tensorflux.framework.function import FuncGraph
    return isinstance(graph, FuncGraph)


class LayerNormalization(_AffineNormalization):
    """Normalizes each sample over `axis` (the last by default):
    gamma * (x - mean) / sqrt(variance + epsilon) + beta. With `rms_scaling`, x is divided by
    sqrt(variance + epsilon) without centering (Keras' formula) and only gamma is used.

    Example:
        >>> print(LayerNormalization()(tf.constant([[1.0, 3.0]])).numpy().round(4))
        [[-0.9995  0.9995]]
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        if not isinstance(axis, (int, list, tuple)) or isinstance(axis, bool):
            raise TypeError(f"Expected an int or a list/tuple of ints for the argument "
                            f"'axis', but received: {axis!r}")
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.rms_scaling = bool(rms_scaling)

    def build(self, input_shape):
        shape = TensorShape(input_shape)
        self._norm_axes = _axes(self.axis, shape.rank, self)
        param_shape = tuple(shape[a] for a in self._norm_axes)
        if any(size is None for size in param_shape):
            raise ValueError(f"Layer {self.name!r} (LayerNormalization) needs the normalized "
                             f"axes {self.axis} of its input to be known; got shape "
                             f"{tuple(shape.as_list())}.")
        self._make_gamma_beta(param_shape, gamma=self.scale or self.rms_scaling,
                              beta=self.center and not self.rms_scaling)
        self._broadcast_shape = [shape[a] if a in self._norm_axes else 1
                                 for a in range(shape.rank)]
        if not isinstance(self.axis, list):
            self.axis = [self.axis]        # as Keras: the config then shows a list
        super().build(input_shape)

    def call(self, inputs):
        dtype = _compute_dtype(inputs)
        x = tf.cast(inputs, dtype)
        mean, variance = tf.nn.moments(x, self._norm_axes, keepdims=True)
        gamma = _broadcast(self.gamma, self._broadcast_shape, dtype)
        if self.rms_scaling:
            outputs = x * tf.math.rsqrt(variance + self.epsilon)
            if gamma is not None:
                outputs = outputs * gamma
        else:
            outputs = tf.nn.batch_normalization(
                x, mean, variance, _broadcast(self.beta, self._broadcast_shape, dtype), gamma,
                self.epsilon)
        return tf.cast(outputs, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(TensorShape(input_shape).as_list())

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, rms_scaling=self.rms_scaling)
        return config


class GroupNormalization(_AffineNormalization):
    """Splits the channels (`axis`) into `groups` and normalizes each group of each sample
    over its channels and all other non-batch axes; gamma and beta are per channel.
    groups=-1 means one group per channel (instance normalization).
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        if not isinstance(groups, int) or isinstance(groups, bool) or \
                (groups <= 0 and groups != -1):
            raise ValueError(f"`groups` must be a positive integer or -1. Received: "
                             f"groups={groups!r}")
        self.groups, self.axis = groups, axis

    def build(self, input_shape):
        shape = TensorShape(input_shape)
        self._channel_axis = _axes(self.axis, shape.rank, self)[0]
        channels = shape[self._channel_axis]
        if channels is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined "
                             f"dimension but the layer received an input with shape "
                             f"{tuple(shape.as_list())}.")
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number "
                             f"of channels ({channels}).")
        if channels % self.groups:
            raise ValueError(f"Number of channels ({channels}) must be a multiple of the number "
                             f"of groups ({self.groups}).")
        self._channels = channels
        self._make_gamma_beta((channels,))
        self.input_spec = InputSpec(ndim=shape.rank, axes={self._channel_axis: channels})
        super().build(input_shape)

    def call(self, inputs):
        dtype = _compute_dtype(inputs)
        x = tf.cast(inputs, dtype)
        rank, axis = inputs.shape.rank, self._channel_axis
        channels = self._channels
        dims = inputs.shape.as_list()
        dims[axis] = channels
        dynamic = tf.shape(x)
        dims = [d if d is not None else dynamic[i] for i, d in enumerate(dims)]
        grouped_dims = dims[:axis] + [self.groups, channels // self.groups] + dims[axis + 1:]
        grouped = reshape_keeping_static(x, grouped_dims)
        reduce_axes = [a for a in range(1, rank + 1) if a != axis]
        mean, variance = tf.nn.moments(grouped, reduce_axes, keepdims=True)
        param_shape = [1] * (rank + 1)
        param_shape[axis], param_shape[axis + 1] = self.groups, channels // self.groups
        outputs = tf.nn.batch_normalization(grouped, mean, variance,
                                            _broadcast(self.beta, param_shape, dtype),
                                            _broadcast(self.gamma, param_shape, dtype),
                                            self.epsilon)
        return tf.cast(reshape_keeping_static(outputs, dims), inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(TensorShape(input_shape).as_list())

    def get_config(self):
        config = super().get_config()
        config.update(groups=self.groups, axis=self.axis)
        return config


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over `axis`: x / max(||x||, 1e-12).

    Example:
        >>> UnitNormalization()(tf.constant([[3.0, 4.0]])).numpy().tolist()
        [[0.6000000238418579, 0.800000011920929]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, (int, list, tuple)) or isinstance(axis, bool):
            raise TypeError(f"Invalid value for `axis` argument: expected an int or a list/tuple "
                            f"of ints. Received: axis={axis!r}")
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.supports_masking = True

    def call(self, inputs):
        dtype = _compute_dtype(inputs)
        x = tf.cast(inputs, dtype)
        axes = _axes(self.axis, inputs.shape.rank, self)
        square_sum = tf.reduce_sum(tf.square(x), axis=axes, keepdims=True)
        # rsqrt capped at 1 / epsilon: zero vectors stay zero (no inf * 0).
        inverse_norm = tf.minimum(tf.math.rsqrt(square_sum), 1e12)
        return tf.cast(x * inverse_norm, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(TensorShape(input_shape).as_list())

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
