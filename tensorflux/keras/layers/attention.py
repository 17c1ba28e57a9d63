"""Attention layers of Keras 3: MultiHeadAttention, GroupedQueryAttention (GroupQueryAttention),
Attention (Luong dot-product / concat) and AdditiveAttention (Bahdanau).

The computations follow Keras 3 step by step, including its two attention paths: without
dropout and attention scores (and with rank-4 projected queries) Keras runs a fused
dot-product attention, whose fully masked rows attend uniformly; otherwise it applies its
Softmax layer, which gives fully masked rows all-zero probabilities. Both are reproduced, so
outputs match Keras in every masking case.

Keras masks: as in Keras 3, `value_mask` / `key_mask` default to the Keras masks of `value` /
`key` (e.g. from `Embedding(mask_zero=True)`), MultiHeadAttention always takes `query_mask`
from the Keras mask of `query` (an explicit `query_mask=` is ignored, as in Keras) and puts it
on its output. Attention / AdditiveAttention take `mask=[query_mask, value_mask]` or the
inputs' Keras masks.

Weights are laid out as Keras': sublayers `query`, `key`, `value`, `attention_output`
(EinsumDense, kernels of shape (dim, num_heads, key_dim) etc.), so `.weights.h5` files
interchange with Keras.
"""
import inspect
import math
import string

import numpy as np

import tensorflux as tf
from tensorflux.framework import context, nest
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.keras import constraints, regularizers
from tensorflux.keras.engine.keras_tensor import KerasTensor
from tensorflux.keras.layers.base_layer import Layer
from tensorflux.keras.layers.core import Dropout
from tensorflux.keras.layers.einsum_dense import (EinsumDense, get_initializer,
                                                  serialize_initializer)

__all__ = ["MultiHeadAttention", "GroupedQueryAttention", "GroupQueryAttention", "Attention",
           "AdditiveAttention"]

_FUSED_LARGE_NEGATIVE = -0.7 * 3.38953e38   # keras' tensorflow dot_product_attention
_FUSED_LARGE_NEGATIVE_F16 = -0.7 * 65500.0


def _maybe_serialize(module, obj):
    return None if obj is None else module.serialize(obj)


def _clone_initializer(initializer):
    """A fresh initializer of the same config (Keras clones it for each sublayer)."""
    try:
        return type(initializer).from_config(initializer.get_config())
    except Exception:    # an initializer without a config round trip (a function)
        return initializer


def _shape_of(value):
    if value is None:
        return None
    shape = value.shape
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)


def _shape_list(shape):
    return None if shape is None else list(TensorShape(shape).as_list())


def _is_symbolic(*values):
    return any(isinstance(v, KerasTensor) for v in nest.flatten(list(values)))


def _keras_mask(value):
    return getattr(value, "_keras_mask", None) if value is not None else None


def _set_keras_mask(value, mask):
    if isinstance(value, Tensor) and mask is not None:
        try:
            value._keras_mask = mask
        except AttributeError:   # a tensor type that cannot carry attributes
            pass


def _as_bool(mask):
    if mask is None:
        return None
    mask = tf.convert_to_tensor(mask)
    return mask if mask.dtype == tf.bool else tf.cast(mask, tf.bool)


def _large_negative(dtype):
    """The fill value of Keras' Softmax layer for masked positions."""
    return -3e4 if dtype == tf.float16 else -1e9


def masked_softmax(scores, axis, mask=None):
    """Keras 3's Softmax layer: masked positions (mask False) get -1e9 before the softmax and
    probability 0 after it (so a fully masked row is all zeros)."""
    if mask is not None:
        mask = _as_bool(mask)
        scores = tf.where(mask, scores, tf.cast(_large_negative(scores.dtype), scores.dtype))
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if len(axes) > 1:
        outputs = tf.exp(scores - tf.reduce_logsumexp(scores, axis=axes, keepdims=True))
    else:
        outputs = tf.nn.softmax(scores, axis=axes[0])
    if mask is not None:
        outputs = tf.where(mask, outputs, tf.zeros_like(outputs))
    return outputs


def dot_product_attention(query, key, value, mask=None, scale=None, is_causal=False):
    """keras.ops.dot_product_attention as the TensorFlow backend computes it: inputs
    (B, T, N, H) / (B, S, N, H); masked logits get -0.7 * max-float (so a fully masked row
    attends uniformly); the softmax runs in float32 (at least)."""
    num_query_heads, num_kv_heads = query.shape[2], key.shape[2]
    if num_query_heads is not None and num_kv_heads is not None and \
            num_query_heads > num_kv_heads > 1:
        groups = num_query_heads // num_kv_heads
        key = tf.repeat(key, groups, axis=2)
        value = tf.repeat(value, groups, axis=2)
    if scale is None:
        scale = 1.0 / tf.sqrt(tf.cast(tf.shape(key)[-1], tf.float32))
    logits_dtype = tf.float64 if query.dtype == tf.float64 else tf.float32
    logits = tf.cast(tf.einsum("BTNH,BSNH->BNTS", query, key), logits_dtype)
    logits = logits * tf.cast(scale, logits_dtype)
    if mask is not None or is_causal:
        combined = None
        if mask is not None:
            combined = _as_bool(mask)
        if is_causal:
            shape = tf.shape(logits)
            causal = _lower_triangle(shape[2], shape[3])[None, None, :, :]
            combined = causal if combined is None else tf.logical_and(combined, causal)
        combined = tf.logical_and(tf.ones_like(logits, dtype=tf.bool), combined)
        fill = _FUSED_LARGE_NEGATIVE_F16 if logits.dtype == tf.float16 else \
            _FUSED_LARGE_NEGATIVE
        logits = tf.where(combined, logits, tf.cast(fill, logits.dtype))
    probs = tf.cast(tf.nn.softmax(logits, axis=-1), key.dtype)
    return tf.einsum("BNTS,BSNH->BTNH", probs, value)


def _lower_triangle(rows, cols):
    """(rows, cols) bool: True where row >= col."""
    return tf.greater_equal(tf.range(rows)[:, None], tf.range(cols)[None, :])


def causal_mask(query, value=None):
    """Keras' `_compute_causal_mask`: (1, T, S), True where the query step >= the key step."""
    q_length = tf.shape(query)[1]
    v_length = q_length if value is None else tf.shape(value)[1]
    return _lower_triangle(q_length, v_length)[None, :, :]


def sliding_window_mask(query, value, window):
    """(1, T, S): True where |query step - key step| < window."""
    q_length = tf.shape(query)[1]
    v_length = q_length if value is None else tf.shape(value)[1]
    rows = tf.reshape(tf.range(q_length), [1, -1, 1])
    cols = tf.reshape(tf.range(v_length), [1, 1, -1])
    return tf.less(tf.abs(rows - cols), window)


# ---- the einsum equations of MultiHeadAttention (Keras' helpers) -----------------------------

def _index_to_einsum_variable(i):
    return string.ascii_lowercase[i]


def _build_attention_equation(rank, attn_axes):
    target_notation = "".join(_index_to_einsum_variable(i) for i in range(rank))
    batch_dims = tuple(np.delete(range(rank), attn_axes + (rank - 1,)))
    letter_offset = rank
    source_notation = ""
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source_notation += target_notation[i]
        else:
            source_notation += _index_to_einsum_variable(letter_offset)
            letter_offset += 1
    product_notation = "".join([target_notation[i] for i in batch_dims] +
                               [target_notation[i] for i in attn_axes] +
                               [source_notation[i] for i in attn_axes])
    dot_product_equation = f"{source_notation},{target_notation}->{product_notation}"
    combine_equation = f"{product_notation},{source_notation}->{target_notation}"
    return dot_product_equation, combine_equation, len(product_notation)


def _build_proj_equation(free_dims, bound_dims, output_dims):
    input_str = kernel_str = output_str = bias_axes = ""
    letter_offset = 0
    for i in range(free_dims):
        char = _index_to_einsum_variable(i + letter_offset)
        input_str += char
        output_str += char
    letter_offset += free_dims
    for i in range(bound_dims):
        char = _index_to_einsum_variable(i + letter_offset)
        input_str += char
        kernel_str += char
    letter_offset += bound_dims
    for i in range(output_dims):
        char = _index_to_einsum_variable(i + letter_offset)
        kernel_str += char
        output_str += char
        bias_axes += char
    return f"{input_str},{kernel_str}->{output_str}", bias_axes, len(output_str)


def _get_output_shape(output_rank, known_last_dims):
    return [None] * (output_rank - len(known_last_dims)) + list(known_last_dims)


# ---- the shared machinery of the (query, value, key) layers -----------------------------------

class _QueryValueKeyLayer(Layer):
    """Calls of the form layer(query, value, key=None, ...): builds from the three shapes,
    fills `<arg>_mask` from the Keras masks of the arguments (as Keras 3's Layer.__call__
    does for a call signature with `<arg>_mask` parameters) and records its build shapes."""

    _query_mask_from_query_only = False

    def __call__(self, *args, **kwargs):
        try:
            bound = inspect.signature(self.call).bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{type(self).__name__}: {error}") from None
        arguments = dict(bound.arguments)
        query = arguments.pop("query")
        value = arguments.get("value")
        key = arguments.get("key")
        if value is None:
            raise TypeError(f"{type(self).__name__} needs a `value` argument: "
                            "layer(query, value).")
        if not _is_symbolic(query, value, key):
            query_mask = _keras_mask(query)
            value = self._convert_input(value)
            arguments["value"] = value
            if key is not None:
                key = self._convert_input(key)
                arguments["key"] = key
            if self._query_mask_from_query_only:
                arguments["query_mask"] = query_mask
            elif arguments.get("query_mask") is None and query_mask is not None:
                arguments["query_mask"] = query_mask
            if arguments.get("value_mask") is None and _keras_mask(value) is not None:
                arguments["value_mask"] = _keras_mask(value)
            if key is not None and arguments.get("key_mask") is None and \
                    _keras_mask(key) is not None:
                arguments["key_mask"] = _keras_mask(key)
        if not self.built:
            shapes = {"query_shape": _shape_of(query), "value_shape": _shape_of(value)}
            if key is not None:
                shapes["key_shape"] = _shape_of(key)
            self._build_with_shapes(shapes)
        # the arguments given by position stay positional (as a functional model records them)
        names = list(inspect.signature(self.call).parameters)[1:len(args)]
        positional = [arguments.pop(name) for name in names]
        return super().__call__(query, *positional, **arguments)

    def _build_with_shapes(self, shapes):
        shapes = {name: _shape_list(shape) for name, shape in shapes.items()}
        with context.init_scope():
            self.build(**shapes)
        self.built = True
        self._build_shapes_dict = shapes
        for variable in self.weights:   # Keras' paths: "multi_head_attention/query/kernel"
            path = getattr(variable, "path", None)
            if path and not path.startswith(self.name + "/"):
                variable.path = f"{self.name}/{path}"

    def get_build_config(self):
        shapes = getattr(self, "_build_shapes_dict", None)
        if shapes is None:
            return None
        return {"shapes_dict": {name: list(shape) if shape is not None else None
                                for name, shape in shapes.items()}}

    def build_from_config(self, config):
        if not config or self.built:
            return
        if "shapes_dict" in config:
            shapes = dict(config["shapes_dict"])
        else:
            shape = config.get("input_shape")
            shapes = {"query_shape": shape, "value_shape": shape}
        self._build_with_shapes(shapes)

    def _common_sublayer_kwargs(self, kernel_initializer, bias_initializer,
                                kernel_regularizer, bias_regularizer, activity_regularizer,
                                kernel_constraint, bias_constraint):
        return dict(kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                    activity_regularizer=activity_regularizer,
                    kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                    dtype=self.dtype,
                    kernel_initializer=_clone_initializer(kernel_initializer),
                    bias_initializer=_clone_initializer(bias_initializer))

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask, sliding_window, cast_explicit):
        """Keras' `_compute_attention_mask`: the AND of the query mask [B, T, 1], the value and
        key masks [B, 1, S], the causal and sliding-window masks [1, T, S] and
        `attention_mask` [B, T, S]."""
        auto_mask = None
        if query_mask is not None:
            auto_mask = tf.expand_dims(_as_bool(query_mask), -1)
        if value_mask is not None:
            mask = tf.expand_dims(_as_bool(value_mask), -2)
            auto_mask = mask if auto_mask is None else tf.logical_and(auto_mask, mask)
        if key_mask is not None:
            mask = tf.expand_dims(_as_bool(key_mask), -2)
            auto_mask = mask if auto_mask is None else tf.logical_and(auto_mask, mask)
        if use_causal_mask:
            mask = causal_mask(query, value)
            auto_mask = mask if auto_mask is None else tf.logical_and(auto_mask, mask)
        if sliding_window is not None:
            mask = sliding_window_mask(query, value, sliding_window)
            auto_mask = mask if auto_mask is None else tf.logical_and(auto_mask, mask)
        if attention_mask is not None and (cast_explicit or auto_mask is not None):
            attention_mask = _as_bool(attention_mask)
        if auto_mask is not None:
            attention_mask = auto_mask if attention_mask is None else \
                tf.logical_and(attention_mask, auto_mask)
        return attention_mask


class MultiHeadAttention(_QueryValueKeyLayer):
    """Multi-head attention ("Attention is all you need"), as Keras 3's layer.

    query [B, T, dim], value [B, S, dim] (key defaults to value) are projected to
    [B, T, num_heads, key_dim] / [B, S, num_heads, key_dim|value_dim]; the scaled dot products
    of query and key go through a (masked) softmax over the key steps, weigh the values, and
    the heads are projected back to the query's last dimension (or `output_shape`).

    Args:
        num_heads, key_dim, value_dim (key_dim), dropout (on the attention probabilities, in
        training), use_bias, output_shape, attention_axes (None: all axes but batch, heads and
        features), sliding_window (None, or attend only within that distance),
        flash_attention (ignored: tensorflux has no flash kernel), kernel/bias initializers,
        regularizers, activity_regularizer, constraints, use_gate (a sigmoid gate on the
        heads, from the query), seed (of the dropout).

    Call arguments:
        query, value, key=None, query_mask, value_mask, key_mask, attention_mask [B, T, S]
        (True = attend), return_attention_scores, training, use_causal_mask.

    Example:
        >>> mha = MultiHeadAttention(num_heads=2, key_dim=4)
        >>> mha(tf.zeros([1, 3, 8]), tf.zeros([1, 5, 8])).shape
        TensorShape([1, 3, 8])
    """

    _query_mask_from_query_only = True

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        if not isinstance(num_heads, int) or isinstance(num_heads, bool) or num_heads <= 0:
            raise ValueError("Received an invalid value for argument `num_heads`, expected a "
                             f"positive integer. Received: num_heads={num_heads}")
        if not isinstance(key_dim, int) or isinstance(key_dim, bool) or key_dim <= 0:
            raise ValueError("Received an invalid value for argument `key_dim`, expected a "
                             f"positive integer. Received: key_dim={key_dim}")
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError("Received an invalid value for argument `value_dim`, expected a "
                             f"positive integer or `None`. Received: value_dim={value_dim}")
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, the "
                                 "`output_shape` should be of type tuple, list, or int.")
        self._output_shape = output_shape
        # tensorflux has no flash-attention kernel: the flag is recorded and otherwise ignored
        self._flash_attention = bool(flash_attention)
        self._kernel_initializer = get_initializer(kernel_initializer)
        self._bias_initializer = get_initializer(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError("`attention_axes` must be an int, list, or tuple."
                             f"Received: attention_axes={attention_axes}")
        self._attention_axes = attention_axes
        if sliding_window is not None and (not isinstance(sliding_window, int) or
                                           sliding_window <= 0):
            raise ValueError("`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        self._sliding_window = sliding_window
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    # the sublayers under Keras' private names too (Keras saves them under the public ones)
    _query_dense = property(lambda self: self.query_dense)
    _key_dense = property(lambda self: self.key_dense)
    _value_dense = property(lambda self: self.value_dense)
    _output_dense = property(lambda self: self.output_dense)

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads, "key_dim": self._key_dim,
            "value_dim": self._value_dim, "dropout": self._dropout,
            "use_bias": self._use_bias, "use_gate": self._use_gate,
            "output_shape": self._output_shape, "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": serialize_initializer(self._kernel_initializer),
            "bias_initializer": serialize_initializer(self._bias_initializer),
            "kernel_regularizer": _maybe_serialize(regularizers, self._kernel_regularizer),
            "bias_regularizer": _maybe_serialize(regularizers, self._bias_regularizer),
            "activity_regularizer": _maybe_serialize(regularizers,
                                                     self._activity_regularizer),
            "kernel_constraint": _maybe_serialize(constraints, self._kernel_constraint),
            "bias_constraint": _maybe_serialize(constraints, self._bias_constraint),
            "seed": self.seed,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("output_shape", "attention_axes"):
            if isinstance(config.get(key), list):
                config[key] = tuple(config[key])
        return cls(**config)

    def _sublayer_kwargs(self):
        return self._common_sublayer_kwargs(
            self._kernel_initializer, self._bias_initializer, self._kernel_regularizer,
            self._bias_regularizer, self._activity_regularizer, self._kernel_constraint,
            self._bias_constraint)

    def build(self, query_shape, value_shape=None, key_shape=None):
        """Builds the projections from the shapes of query, value (and key)."""
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        query_shape, value_shape, key_shape = (tuple(TensorShape(s).as_list()) for s in
                                               (query_shape, value_shape, key_shape))
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError("All dimensions of `value` and `key`, except the last one, must "
                             f"be equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        query_rank, value_rank, key_rank = len(query_shape), len(value_shape), len(key_shape)
        equation, bias_axes, output_rank = _build_proj_equation(query_rank - 1, bound_dims=1,
                                                                output_dims=2)
        self.query_dense = EinsumDense(
            equation, output_shape=_get_output_shape(output_rank - 1,
                                                     [self._num_heads, self._key_dim]),
            bias_axes=bias_axes if self._use_bias else None, name="query",
            **self._sublayer_kwargs())
        self.query_dense._maybe_build(TensorShape(query_shape))
        equation, bias_axes, output_rank = _build_proj_equation(key_rank - 1, bound_dims=1,
                                                                output_dims=2)
        self.key_dense = EinsumDense(
            equation, output_shape=_get_output_shape(output_rank - 1,
                                                     [self._num_heads, self._key_dim]),
            bias_axes=bias_axes if self._use_bias else None, name="key",
            **self._sublayer_kwargs())
        self.key_dense._maybe_build(TensorShape(key_shape))
        if self._use_gate:
            equation, bias_axes, gate_rank = _build_proj_equation(query_rank - 1,
                                                                  bound_dims=1, output_dims=2)
            self._gate_dense = EinsumDense(
                equation, output_shape=_get_output_shape(gate_rank - 1,
                                                         [self._num_heads, self._value_dim]),
                bias_axes=bias_axes if self._use_bias else None, activation="sigmoid",
                name="gate", **self._sublayer_kwargs())
            self._gate_dense._maybe_build(TensorShape(query_shape))
        equation, bias_axes, output_rank = _build_proj_equation(value_rank - 1, bound_dims=1,
                                                                output_dims=2)
        self.value_dense = EinsumDense(
            equation, output_shape=_get_output_shape(output_rank - 1,
                                                     [self._num_heads, self._value_dim]),
            bias_axes=bias_axes if self._use_bias else None, name="value",
            **self._sublayer_kwargs())
        self.value_dense._maybe_build(TensorShape(value_shape))
        self._build_attention(output_rank)
        self.output_dense = self._make_output_dense(query_shape, self._sublayer_kwargs(),
                                                    "attention_output")
        output_dense_input_shape = list(self.query_dense.compute_output_shape(query_shape))
        output_dense_input_shape[-1] = self._value_dim
        self.output_dense._maybe_build(TensorShape(output_dense_input_shape))
        self.built = True

    def _make_output_dense(self, query_shape, common_kwargs, name=None):
        query_rank = len(query_shape)
        output_shape = self._output_shape if self._output_shape else [query_shape[-1]]
        equation, bias_axes, output_rank = _build_proj_equation(
            query_rank - 1, bound_dims=2, output_dims=len(output_shape))
        return EinsumDense(equation,
                           output_shape=_get_output_shape(output_rank - 1, output_shape),
                           bias_axes=bias_axes if self._use_bias else None, name=name,
                           **common_kwargs)

    def _build_attention(self, rank):
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(axis if axis >= 0 else (rank - 1) + axis
                                         for axis in self._attention_axes)
        self._dot_product_equation, self._combine_equation, attn_scores_rank = \
            _build_attention_equation(rank, attn_axes=self._attention_axes)
        self._norm_axes = tuple(range(attn_scores_rank - len(self._attention_axes),
                                      attn_scores_rank))
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype, seed=self.seed)

    def _masked_softmax(self, attention_scores, attention_mask=None):
        if attention_mask is not None:
            mask_expansion_axis = -len(self._attention_axes) * 2 - 1
            for _ in range(attention_scores.shape.rank - attention_mask.shape.rank):
                attention_mask = tf.expand_dims(attention_mask, axis=mask_expansion_axis)
        return masked_softmax(attention_scores, self._norm_axes, attention_mask)

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False, use_causal_mask=False):
        """Dot-product attention of the projected query [B, T, N, H], key and value
        [B, S, N, H]: (attention output [B, T, N, H], scores [B, N, T, S] or None)."""
        use_dot_product_attention = not (self._dropout > 0.0 or return_attention_scores or
                                         query.shape.rank != 4)
        if use_dot_product_attention:
            if attention_mask is not None:
                mask_expansion_axis = -len(self._attention_axes) * 2 - 1
                for _ in range(4 - attention_mask.shape.rank):
                    attention_mask = tf.expand_dims(attention_mask, axis=mask_expansion_axis)
                attention_mask = _as_bool(attention_mask)
            output = dot_product_attention(query, key, value, mask=attention_mask,
                                           scale=self._inverse_sqrt_key_dim,
                                           is_causal=use_causal_mask)
            return output, None
        if use_causal_mask:
            mask = causal_mask(query, value)
            attention_mask = mask if attention_mask is None else \
                tf.logical_and(_as_bool(attention_mask), mask)
        query = query * tf.cast(self._inverse_sqrt_key_dim, query.dtype)
        attention_scores = tf.einsum(self._dot_product_equation, key, query)
        attention_scores = self._masked_softmax(attention_scores, attention_mask)
        if self._dropout > 0.0:
            final_scores = self._dropout_layer(attention_scores, training=training)
        else:
            final_scores = attention_scores
        output = tf.einsum(self._combine_equation, final_scores, value)
        return output, attention_scores

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if key is None:
            key = value
        causal_only = (use_causal_mask and query_mask is None and value_mask is None and
                       key_mask is None and attention_mask is None and
                       self._sliding_window is None and
                       type(self)._compute_attention is MultiHeadAttention._compute_attention)
        if causal_only:
            attention_mask = None
        else:
            attention_mask = self._attention_mask(
                query, value, query_mask, value_mask, key_mask, attention_mask,
                use_causal_mask, self._sliding_window, cast_explicit=True)
        if self._use_gate:
            gate = self._gate_dense(query)
        projected_query = self.query_dense(query)
        projected_key = self.key_dense(key)
        projected_value = self.value_dense(value)
        extra = {"use_causal_mask": True} if causal_only else {}
        attention_output, attention_scores = self._compute_attention(
            projected_query, projected_key, projected_value, attention_mask, training,
            return_attention_scores, **extra)
        if self._use_gate:
            attention_output = self.output_dense(attention_output * gate)
        else:
            attention_output = self.output_dense(attention_output)
        if query_mask is not None:
            _set_keras_mask(attention_output, query_mask)
        if return_attention_scores:
            return attention_output, attention_scores
        return attention_output

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(TensorShape(query_shape).as_list())
        value_shape = query_shape if value_shape is None else \
            tuple(TensorShape(value_shape).as_list())
        key_shape = value_shape if key_shape is None else \
            tuple(TensorShape(key_shape).as_list())
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError("All dimensions of `value` and `key`, except the last one, must "
                             f"be equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        if self._output_shape:
            query_shape = query_shape[:-1] + tuple(self._output_shape)
        return query_shape


class GroupedQueryAttention(_QueryValueKeyLayer):
    """Grouped-query attention (Keras 3's `GroupQueryAttention`): `num_query_heads` query
    heads share `num_key_value_heads` key/value heads (each repeated num_query_heads //
    num_key_value_heads times), all of size `head_dim`; the output has the query's last
    dimension.

    Args:
        head_dim, num_query_heads, num_key_value_heads, dropout, use_bias, sliding_window,
        flash_attention (ignored), kernel/bias initializers, regularizers, constraints,
        use_gate, seed.

    Call arguments: as MultiHeadAttention's (query, value, key, query_mask, value_mask,
    key_mask, attention_mask, return_attention_scores, training, use_causal_mask).
    """

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`.")
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_gate = use_gate
        if sliding_window is not None and (not isinstance(sliding_window, int) or
                                           sliding_window <= 0):
            raise ValueError("`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        self.sliding_window = sliding_window
        self._flash_attention = bool(flash_attention)
        self.kernel_initializer = get_initializer(kernel_initializer)
        self.bias_initializer = get_initializer(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        # applied by the projections (as in Keras), not to this layer's output
        self._sublayer_activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(self.head_dim))
        self._return_attention_scores = False

    def _sublayer_kwargs(self):
        return self._common_sublayer_kwargs(
            self.kernel_initializer, self.bias_initializer, self.kernel_regularizer,
            self.bias_regularizer, self._sublayer_activity_regularizer,
            self.kernel_constraint, self.bias_constraint)

    def build(self, query_shape, value_shape=None, key_shape=None):
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        query_shape = tuple(TensorShape(query_shape).as_list())
        self.feature_dim = query_shape[-1]
        self._query_dense = EinsumDense(
            "bqm,muh->bquh", output_shape=(None, self.num_query_heads, self.head_dim),
            bias_axes="uh" if self.use_bias else None, name="query",
            **self._sublayer_kwargs())
        self._query_dense._maybe_build(TensorShape(query_shape))
        self._key_dense = EinsumDense(
            "bkm,mvh->bkvh", output_shape=(None, self.num_key_value_heads, self.head_dim),
            bias_axes="vh" if self.use_bias else None, name="key", **self._sublayer_kwargs())
        self._key_dense._maybe_build(TensorShape(key_shape))
        if self.use_gate:
            self._gate_dense = EinsumDense(
                "bqm,muh->bquh", output_shape=(None, self.num_query_heads, self.head_dim),
                bias_axes="uh" if self.use_bias else None, activation="sigmoid",
                name="gate", **self._sublayer_kwargs())
            self._gate_dense._maybe_build(TensorShape(query_shape))
        self._value_dense = EinsumDense(
            "bkm,mvh->bkvh", output_shape=(None, self.num_key_value_heads, self.head_dim),
            bias_axes="vh" if self.use_bias else None, name="value",
            **self._sublayer_kwargs())
        self._value_dense._maybe_build(TensorShape(value_shape))
        self._dropout_layer = Dropout(rate=self.dropout, dtype=self.dtype, seed=self.seed)
        self._dot_product_equation = "bquh,bkuh->buqk"
        self._combine_equation = "buqk,bkuh->bquh"
        self._output_dense = EinsumDense(
            "bquh,uhm->bqm", output_shape=(None, self.feature_dim),
            bias_axes="m" if self.use_bias else None, name="attention_output",
            **self._sublayer_kwargs())
        self._output_dense._maybe_build(
            TensorShape((None, None, self.num_query_heads, self.head_dim)))
        self.built = True

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        self._return_attention_scores = return_attention_scores
        if key is None:
            key = value
        causal_only = (use_causal_mask and query_mask is None and value_mask is None and
                       key_mask is None and attention_mask is None and
                       self.sliding_window is None and
                       type(self)._compute_attention is
                       GroupedQueryAttention._compute_attention)
        if causal_only:
            attention_mask = None
        else:
            attention_mask = self._attention_mask(
                query, value, query_mask, value_mask, key_mask, attention_mask,
                use_causal_mask, self.sliding_window, cast_explicit=False)
        if self.use_gate:
            gate = self._gate_dense(query)
        query = self._query_dense(query)
        key = self._key_dense(key)
        value = self._value_dense(value)
        key = tf.repeat(key, self.num_repeats, axis=2)
        value = tf.repeat(value, self.num_repeats, axis=2)
        extra = {"use_causal_mask": True} if causal_only else {}
        output, scores = self._compute_attention(query, key, value,
                                                 attention_mask=attention_mask,
                                                 training=training, **extra)
        if self.use_gate:
            output = self._output_dense(output * gate)
        else:
            output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           use_causal_mask=False):
        use_dot_product_attention = not (self.dropout > 0.0 or
                                         self._return_attention_scores or
                                         query.shape.rank != 4)
        if use_dot_product_attention:
            if attention_mask is not None:
                for _ in range(4 - attention_mask.shape.rank):
                    attention_mask = tf.expand_dims(attention_mask, axis=-3)
                attention_mask = _as_bool(attention_mask)
            output = dot_product_attention(query, key, value, mask=attention_mask,
                                           scale=self._inverse_sqrt_head_dim,
                                           is_causal=use_causal_mask)
            return output, None
        if use_causal_mask:
            mask = causal_mask(query, value)
            attention_mask = mask if attention_mask is None else \
                tf.logical_and(_as_bool(attention_mask), mask)
        query = query * tf.cast(self._inverse_sqrt_head_dim, query.dtype)
        scores = tf.einsum(self._dot_product_equation, query, key)
        scores = self._masked_softmax(scores, attention_mask)
        if self.dropout > 0.0:
            scores_dropout = self._dropout_layer(scores, training=training)
        else:
            scores_dropout = scores
        output = tf.einsum(self._combine_equation, scores_dropout, value)
        return output, scores

    def _masked_softmax(self, scores, attention_mask=None):
        if attention_mask is not None:
            for _ in range(scores.shape.rank - attention_mask.shape.rank):
                attention_mask = tf.expand_dims(attention_mask, axis=-3)
        return masked_softmax(scores, -1, attention_mask)

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(TensorShape(query_shape).as_list())
        value_shape = query_shape if value_shape is None else \
            tuple(TensorShape(value_shape).as_list())
        key_shape = value_shape if key_shape is None else \
            tuple(TensorShape(key_shape).as_list())
        if query_shape[-1] != value_shape[-1]:
            raise ValueError("The last dimension of `query_shape` and `value_shape` must be "
                             f"equal, but are {query_shape[-1]}, {value_shape[-1]}. Received: "
                             f"query_shape={query_shape}, value_shape={value_shape}")
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError("All dimensions of `value` and `key`, except the last one, must "
                             f"be equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        return query_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads, "use_bias": self.use_bias,
            "use_gate": self.use_gate, "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": serialize_initializer(self.kernel_initializer),
            "bias_initializer": serialize_initializer(self.bias_initializer),
            "kernel_regularizer": _maybe_serialize(regularizers, self.kernel_regularizer),
            "bias_regularizer": _maybe_serialize(regularizers, self.bias_regularizer),
            "activity_regularizer": _maybe_serialize(regularizers,
                                                     self._sublayer_activity_regularizer),
            "kernel_constraint": _maybe_serialize(constraints, self.kernel_constraint),
            "bias_constraint": _maybe_serialize(constraints, self.bias_constraint),
            "seed": self.seed,
        })
        return config


GroupQueryAttention = GroupedQueryAttention


# ---- Attention (Luong) and AdditiveAttention (Bahdanau) ---------------------------------------

class Attention(Layer):
    """Dot-product (Luong-style) attention of Keras 3.

    Called on [query (B, Tq, dim), value (B, Tv, dim)] or [query, value, key]: scores are
    query . key (times a trainable `scale` when `use_scale`; with score_mode="concat",
    concat_score_weight * sum(tanh(scale * (query + key)))), the masked value steps get -1e9,
    the softmax of the scores weighs the values, and padded query steps output zeros.

    Args:
        use_scale (False), score_mode ("dot" or "concat"), dropout (on the attention
        distribution, in training), seed.

    Call arguments:
        inputs: [query, value] or [query, value, key].
        mask: [query_mask, value_mask] (or the inputs' Keras masks).
        training, return_attention_scores, use_causal_mask.
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if self.score_mode not in ["dot", "concat"]:
            raise ValueError("Invalid value for argument score_mode. Expected one of "
                             f"{{'dot', 'concat'}}. Received: score_mode={score_mode}")
        self.supports_masking = True
        self.scale = None
        self.concat_score_weight = None

    def __call__(self, inputs=None, *args, **kwargs):
        if inputs is None and "inputs" in kwargs:
            inputs = kwargs.pop("inputs")
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(inputs, list) and kwargs.get("mask") is None and \
                not _is_symbolic(inputs):
            masks = [_keras_mask(t) for t in inputs]
            if any(m is not None for m in masks):
                kwargs["mask"] = masks
        return super().__call__(inputs, *args, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones")
        self.built = True

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = tf.matmul(query, key, transpose_b=True)
            if self.scale is not None:
                scores = scores * self.scale
            return scores
        q_reshaped = tf.expand_dims(query, axis=-2)
        k_reshaped = tf.expand_dims(key, axis=-3)
        if self.scale is not None:
            return self.concat_score_weight * tf.reduce_sum(
                tf.tanh(self.scale * (q_reshaped + k_reshaped)), axis=-1)
        return self.concat_score_weight * tf.reduce_sum(tf.tanh(q_reshaped + k_reshaped),
                                                        axis=-1)

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        if scores_mask is not None:
            padding_mask = tf.logical_not(_as_bool(scores_mask))
            max_value = 65504.0 if scores.dtype == tf.float16 else 1.0e9
            if padding_mask.shape.rank == 2:
                padding_mask = tf.expand_dims(padding_mask, axis=-2)
            scores = tf.where(padding_mask, scores - max_value, scores)
        weights = tf.nn.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = tf.nn.dropout(weights, rate=self.dropout, seed=self.seed)
        return tf.matmul(weights, value), weights

    def _calculate_score_mask(self, scores, v_mask, use_causal_mask):
        if use_causal_mask:
            shape = tf.shape(scores)
            causal = _lower_triangle(shape[-2], shape[-1])[None, :, :]
            if v_mask is not None:
                v_mask = tf.expand_dims(_as_bool(v_mask), axis=-2)
                return tf.logical_and(v_mask, causal)
            return causal
        return v_mask

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._validate_inputs(inputs=inputs, mask=mask)
        q = inputs[0]
        v = self._convert_input(inputs[1])
        k = self._convert_input(inputs[2]) if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._calculate_scores(query=q, key=k)
        scores_mask = self._calculate_score_mask(scores, v_mask, use_causal_mask)
        attention_output, attention_scores = self._apply_scores(
            scores=scores, value=v, scores_mask=scores_mask, training=training)
        if q_mask is not None:
            q_mask = tf.expand_dims(_as_bool(q_mask), axis=-1)
            attention_output = tf.where(q_mask, attention_output,
                                        tf.zeros_like(attention_output))
            _set_keras_mask(attention_output, _as_bool(mask[0]))
        if return_attention_scores:
            return attention_output, attention_scores
        return attention_output

    def compute_mask(self, inputs, mask=None):
        self._validate_inputs(inputs=inputs, mask=mask)
        if mask is None or mask[0] is None:
            return None
        return tf.convert_to_tensor(mask[0])

    def compute_output_shape(self, input_shape):
        query_shape = tuple(TensorShape(input_shape[0]).as_list())
        value_shape = tuple(TensorShape(input_shape[1]).as_list())
        return (*query_shape[:-1], value_shape[-1])

    def _validate_inputs(self, inputs, mask=None):
        class_name = type(self).__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{class_name} layer must be called on a list of inputs, namely "
                             f"[query, value] or [query, value, key]. Received: "
                             f"inputs={inputs}.")
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(f"{class_name} layer accepts inputs list of length 2 or 3, "
                             "namely [query, value] or [query, value, key]. Received length: "
                             f"{len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(f"{class_name} layer mask must be a list, namely "
                                 f"[query_mask, value_mask]. Received: mask={mask}.")
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(f"{class_name} layer accepts mask list of length 2 or 3. "
                                 f"Received: inputs={inputs}, mask={mask}.")

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode,
                       "dropout": self.dropout, "seed": self.seed})
        return config


class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention of Keras 3: scores are
    sum(scale * tanh(query + key)) over the features, with a trainable `scale` vector of the
    query's last dimension (glorot-uniform initialized) when `use_scale` (default True).

    Args and call arguments: as Attention's (without score_mode).
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        dim = TensorShape(input_shape[0])[-1]
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=[dim],
                                         initializer="glorot_uniform")
        self.built = True

    def _calculate_scores(self, query, key):
        q_reshaped = tf.expand_dims(query, axis=-2)
        k_reshaped = tf.expand_dims(key, axis=-3)
        scale = self.scale if self.use_scale else 1.0
        return tf.reduce_sum(scale * tf.tanh(q_reshaped + k_reshaped), axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
