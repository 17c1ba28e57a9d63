"""Merge layers: combine a list of inputs (Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot) and their functional spellings (add, concatenate, ...)."""
import tensorflux as tf
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.keras.layers.base_layer import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]


class _Merge(Layer):
    _multi_input = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"A merge layer ({type(self).__name__} {self.name!r}) should be "
                             f"called on a list of at least 2 inputs. Received: {inputs!r}")

    def build(self, input_shape):
        self._check(input_shape)
        shapes = [TensorShape(s) for s in input_shape]
        if type(self)._requires_same_shape:
            known = [s for s in shapes if s.rank is not None]
            for a in known:
                for b in known:
                    if a.rank == b.rank and not a[1:].is_compatible_with(b[1:]) and \
                            not _broadcastable(a, b):
                        raise ValueError(f"Inputs have incompatible shapes. Received shapes "
                                         f"{tuple(a.as_tuple())} and {tuple(b.as_tuple())}")
        super().build(input_shape)

    _requires_same_shape = True

    def call(self, inputs):
        self._check(inputs)
        return self._merge(list(inputs))


def _broadcastable(a, b):
    return all(x is None or y is None or x == y or x == 1 or y == 1
               for x, y in zip(a.as_tuple()[1:], b.as_tuple()[1:]))


class Add(_Merge):
    def _merge(self, inputs):
        result = inputs[0]
        for x in inputs[1:]:
            result = result + x
        return result


class Subtract(_Merge):
    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A Subtract layer should be called on exactly 2 inputs, got "
                             f"{len(inputs)}.")
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    def _merge(self, inputs):
        result = inputs[0]
        for x in inputs[1:]:
            result = result * x
        return result


class Average(_Merge):
    def _merge(self, inputs):
        return tf.add_n(inputs) / float(len(inputs))


class Maximum(_Merge):
    def _merge(self, inputs):
        result = inputs[0]
        for x in inputs[1:]:
            result = tf.maximum(result, x)
        return result


class Minimum(_Merge):
    def _merge(self, inputs):
        result = inputs[0]
        for x in inputs[1:]:
            result = tf.minimum(result, x)
        return result


class Concatenate(_Merge):
    """Joins inputs along `axis` (the last by default)."""

    _requires_same_shape = False

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        self._check(input_shape)
        shapes = [TensorShape(s) for s in input_shape]
        ranks = {s.rank for s in shapes if s.rank is not None}
        if len(ranks) > 1:
            raise ValueError(f"A Concatenate layer requires inputs with matching shapes except "
                             f"for the concatenation axis. Received: input_shape="
                             f"{[tuple(s.as_tuple()) for s in shapes]}")
        for a in shapes:
            for b in shapes:
                if a.rank is None or b.rank is None:
                    continue
                axis = self.axis % a.rank
                for i, (x, y) in enumerate(zip(a.as_tuple(), b.as_tuple())):
                    if i != axis and i != 0 and x is not None and y is not None and x != y:
                        raise ValueError(
                            f"A Concatenate layer requires inputs with matching shapes except "
                            f"for the concatenation axis. Received: input_shape="
                            f"{[tuple(s.as_tuple()) for s in shapes]}")
        Layer.build(self, input_shape)

    def _merge(self, inputs):
        return tf.concat(inputs, axis=self.axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(_Merge):
    """Dot product of two inputs along `axes` (optionally L2-normalized: cosine similarity)."""

    _requires_same_shape = False

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = axes
        self.normalize = normalize

    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError("A Dot layer should be called on exactly 2 inputs.")
        x, y = inputs
        axes = self.axes if isinstance(self.axes, (list, tuple)) else (self.axes, self.axes)
        axes = [a % t.shape.rank for a, t in zip(axes, (x, y))]
        if self.normalize:
            x = tf.nn.l2_normalize(x, axis=axes[0])
            y = tf.nn.l2_normalize(y, axis=axes[1])
        return _batch_dot(x, y, axes)

    def get_config(self):
        config = super().get_config()
        config.update(axes=self.axes, normalize=self.normalize)
        return config


def _move_last(x, axis):
    rank = x.shape.rank
    perm = [i for i in range(rank) if i != axis] + [axis]
    return tf.transpose(x, perm)


def _batch_dot(x, y, axes):
    """Contracts x's axis axes[0] with y's axes[1], batched over axis 0."""
    x = _move_last(x, axes[0])           # (batch, ..., k)
    y = _move_last(y, axes[1])           # (batch, ..., k)
    x_rank, y_rank = x.shape.rank, y.shape.rank
    if x_rank == 2 and y_rank == 2:
        return tf.reduce_sum(x * y, axis=-1, keepdims=True)
    x3 = tf.reshape(x, [tf.shape(x)[0], -1, x.shape[-1]])
    y3 = tf.reshape(y, [tf.shape(y)[0], -1, y.shape[-1]])
    out = tf.matmul(x3, y3, transpose_b=True)
    shape = [tf.shape(x)[0]] + x.shape.as_list()[1:-1] + y.shape.as_list()[1:-1]
    return tf.reshape(out, [d if d is not None else -1 for d in shape])


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
