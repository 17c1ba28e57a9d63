"""RMSNormalization (Keras 3): x / sqrt(mean(x**2 over `axis`) + epsilon) * scale."""
import tensorflux as tf
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.keras.layers.base_layer import Layer

__all__ = ["RMSNormalization"]


class RMSNormalization(Layer):
    """Root-mean-square normalization with a trainable `scale` (initialized to ones) over
    `axis`, computed in float32 (at least), as `keras.ops.rms_normalization`.

    Args:
        axis: an int or a list of ints (-1).
        epsilon: added to the mean square (1e-6).

    Example:
        >>> RMSNormalization()(tf.constant([[3.0, 4.0]])).numpy().round(4)
        array([[0.8485, 1.1314]], dtype=float32)
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon
        # as in Keras 3, no masking support: a Keras mask does not pass through this layer
        self.supports_masking = False

    def build(self, input_shape):
        input_shape = TensorShape(input_shape).as_list()
        if isinstance(self.axis, (list, tuple)):
            self.axis = sorted(self.axis)
            shape = tuple(input_shape[dim] for dim in self.axis)
        else:
            shape = (input_shape[self.axis],)
            self.axis = [self.axis]
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")
        super().build(input_shape)

    def call(self, x):
        original_dtype = x.dtype
        compute_dtype = tf.float64 if x.dtype == tf.float64 else tf.float32
        x = tf.cast(x, compute_dtype)
        scale = tf.cast(self.scale, compute_dtype)
        if x.shape.rank == 0:
            x = tf.expand_dims(x, 0)
        rrms = tf.math.rsqrt(tf.reduce_mean(tf.square(x), axis=self.axis, keepdims=True) +
                             self.epsilon)
        outputs = x * rrms * scale
        return tf.cast(outputs, original_dtype)

    def compute_output_shape(self, input_shape):
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        rank = len(input_shape)
        for axis in axes:
            if axis >= rank or axis < -rank:
                raise ValueError(f"Axis {axis} is out of bounds for input shape "
                                 f"{input_shape}. Received: axis={self.axis}")
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config
