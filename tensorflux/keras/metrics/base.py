"""Metric base class and the reduction metrics `Mean`, `Sum` and `MeanMetricWrapper`.

A metric keeps its state in non-trainable Variables and changes it only with `assign`/
`assign_add`, so `update_state` works eagerly, in TF1 graphs and inside `tf.function`.
"""
import numpy as np

import tensorflux as tf
from tensorflux.keras import losses as losses_module
from tensorflux.keras.losses import squeeze_or_expand_to_same_rank

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "reduce_to_samplewise_values"]

_NAME_COUNTS = {}


def _to_snake_case(name):
    return losses_module._to_snake_case(name)


def _auto_name(class_name):
    base = _to_snake_case(class_name)
    count = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def as_metric_dtype(dtype):
    """A DType from None (floatx), a name, a DType, or Keras' generic "int"/"float"."""
    if dtype is None:
        return losses_module._floatx()
    if hasattr(dtype, "compute_dtype"):
        dtype = dtype.compute_dtype
    if dtype == "int":
        return tf.int64
    if dtype == "float":
        return tf.float32
    return tf.as_dtype(dtype)


def _initial_value(initializer, shape, dtype):
    if initializer is None or initializer == "zeros":
        return np.zeros(shape, dtype=dtype.as_numpy_dtype)
    if initializer == "ones":
        return np.ones(shape, dtype=dtype.as_numpy_dtype)
    if isinstance(initializer, (str, dict)):
        from tensorflux.keras import initializers
        initializer = initializers.get(initializer)
    if callable(initializer):
        value = initializer(shape, dtype=dtype)
        return np.asarray(value, dtype=dtype.as_numpy_dtype)
    return np.broadcast_to(np.asarray(initializer, dtype=dtype.as_numpy_dtype), shape).copy()


def _convert(x, dtype=None):
    return losses_module._convert(x, dtype)


class Metric:
    """Base class of metrics: state variables, `update_state`, `result`, `reset_state`.

    Subclasses create their state with `add_variable`/`add_weight` in `__init__` and implement
    `update_state(y_true, y_pred, sample_weight=None)` (with `assign`/`assign_add`) and
    `result()`.

    Args:
        name: the metric name (default: the class name in snake_case).
        dtype: the dtype of the state and result (default float32).

    Example:
        >>> m = tf.keras.metrics.Mean()
        >>> m.update_state([1., 2., 3.])
        >>> float(m.result())
        2.0
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or _auto_name(type(self).__name__)
        self._metric_dtype = as_metric_dtype(dtype)
        self._variables = []
        self._metrics = []

    @property
    def dtype(self):
        return self._metric_dtype.name

    def __setattr__(self, name, value):
        if isinstance(value, Metric) and name != "_metrics" and "_metrics" in self.__dict__:
            if value not in self._metrics:
                self._metrics.append(value)
        object.__setattr__(self, name, value)

    def _check_super_called(self):
        if "_variables" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: you forgot to call "
                               "`super().__init__()` in the `__init__()` method.")

    # ---- state ----------------------------------------------------------------------------
    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                     name=None):
        """Creates a non-trainable state Variable of this metric (zeros by default)."""
        self._check_super_called()
        if isinstance(shape, str) and name is None:  # add_variable("total", ...) (TF-Keras 2)
            shape, name = (), shape
        shape = tuple(int(d) for d in (shape or ()))
        dtype = as_metric_dtype(dtype) if dtype is not None else self._metric_dtype
        value = _initial_value(initializer, shape, dtype)
        variable = tf.Variable(value, trainable=False, dtype=dtype,
                               name=f"{self.name}/{name or 'variable'}".replace(":", "_"))
        variable._metric_name = name
        self._variables.append(variable)
        return variable

    def add_weight(self, name=None, shape=(), initializer="zeros", dtype=None,
                   aggregation="sum", **kwargs):
        """Alias of `add_variable` (name first, as in TF-Keras)."""
        if not isinstance(name, (str, type(None))):  # add_weight(shape, ...) (Keras 3 order)
            name, shape = None, name
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype,
                                 aggregation=aggregation, name=name)

    @property
    def variables(self):
        variables = list(self._variables)
        for metric in self._metrics:
            variables.extend(metric.variables)
        return variables

    @property
    def weights(self):
        return self.variables

    @property
    def non_trainable_variables(self):
        return self.variables

    @property
    def non_trainable_weights(self):
        return self.variables

    @property
    def trainable_variables(self):
        return []

    @property
    def trainable_weights(self):
        return []

    def reset_state(self):
        """Sets every state variable back to zeros."""
        for variable in self.variables:
            variable.assign(np.zeros(tuple(variable.shape.as_list()),
                                     dtype=variable.dtype.as_numpy_dtype))

    def reset_states(self):
        return self.reset_state()

    # ---- computation ------------------------------------------------------------------------
    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def __call__(self, *args, **kwargs):
        """update_state(...) then result(); in a TF1 graph the result waits for the update."""
        self._check_super_called()
        if tf.executing_eagerly():
            self.update_state(*args, **kwargs)
            return self.result()
        graph = tf.get_default_graph()
        start = len(graph._operations)
        self.update_state(*args, **kwargs)
        updates = [op for op in graph._operations[start:] if op.op_def.stateful]
        with graph.control_dependencies(updates):
            return tf.identity(self.result())

    # ---- config -------------------------------------------------------------------------------
    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    __str__ = __repr__


def _assign_add(variable, delta):
    delta = _convert(delta)
    if delta.dtype != variable.dtype:
        delta = tf.cast(delta, variable.dtype)
    return variable.assign_add(delta)


def _reduce(reduce_fn, values, first_axis):
    rank = values.shape.rank
    if rank is None or rank <= first_axis:
        return values
    return reduce_fn(values, axis=list(range(first_axis, rank)))


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Per-sample values (reduced with `reduce_fn` over all but the first axis) and weights.

    Weights of lower rank than the values first reduce the values down to the weights' rank;
    the weights are then broadcast to the values, multiplied in, and reduced the same way.
    """
    values = tf.cast(_convert(values), dtype)
    if sample_weight is not None:
        sample_weight = _convert(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_rank = sample_weight.shape.rank
        values = _reduce(reduce_fn, values, weight_rank)
        sample_weight = tf.broadcast_to(sample_weight, tf.shape(values))
        values = values * sample_weight
        if weight_rank > 1:
            sample_weight = _reduce(reduce_fn, sample_weight, 1)
    values = _reduce(reduce_fn, values, 1)
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of the given values.

    Example:
        >>> m = tf.keras.metrics.Sum()
        >>> m.update_state([1., 3., 5., 7.])
        >>> float(m.result())
        16.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, tf.reduce_sum,
                                                self._metric_dtype)
        _assign_add(self.total, tf.reduce_sum(values))

    def result(self):
        return tf.identity(self.total)


class Mean(Metric):
    """The (weighted) mean of the given values: total / count.

    Example:
        >>> m = tf.keras.metrics.Mean()
        >>> m.update_state([1., 3., 5., 7.], sample_weight=[1., 1., 0., 0.])
        >>> float(m.result())
        2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), name="total")
        self.count = self.add_variable(shape=(), name="count")

    def update_state(self, values, sample_weight=None):
        dtype = self._metric_dtype
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight,
                                                            tf.reduce_mean, dtype)
        _assign_add(self.total, tf.reduce_sum(values))
        if sample_weight is not None:
            num_samples = tf.reduce_sum(sample_weight)
        elif values.shape.rank:
            num_samples = tf.shape(values)[0]
        else:
            num_samples = 1
        _assign_add(self.count, tf.cast(_convert(num_samples), dtype))

    def result(self):
        return tf.math.div_no_nan(tf.identity(self.total), tf.identity(self.count))


class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)` over all samples seen.

    Args:
        fn: a per-sample function such as `tf.keras.losses.mean_squared_error`.
        name, dtype: as for every metric.
        **kwargs: passed to `fn`.

    Example:
        >>> m = tf.keras.metrics.MeanMetricWrapper(tf.keras.losses.mean_absolute_error)
        >>> m.update_state([[0., 1.]], [[1., 1.]])
        >>> float(m.result())
        0.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if name is None:
            name = getattr(fn, "__name__", None) or getattr(fn, "name", None)
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        dtype = self._metric_dtype
        in_mask = getattr(y_pred, "_keras_mask", None)
        with_mask = getattr(self._fn, "_with_mask", None)
        if with_mask is not None:
            values, values_mask = with_mask(y_true, y_pred, **self._fn_kwargs)
        else:
            values, values_mask = self._fn(y_true, y_pred, **self._fn_kwargs), None
        if in_mask is not None:  # a mask on y_pred (e.g. from a Masking layer) always applies
            sample_weight = losses_module._apply_mask(
                None if sample_weight is None else _convert(sample_weight, dtype),
                tf.cast(in_mask, tf.bool), dtype, "sum")
        if values_mask is not None and sample_weight is not None:
            # Keras folds the mask of the values (ignore_class) into explicit sample weights
            # only; unweighted, masked entries count as zeros in the mean.
            sample_weight = losses_module._apply_mask(_convert(sample_weight, dtype),
                                                      values_mask, dtype, "sum")
        Mean.update_state(self, values, sample_weight=sample_weight)

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype}
        config["fn"] = losses_module.serialize(self._fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        fn = config.pop("fn", None)
        if isinstance(fn, (dict, str)):
            from tensorflux.keras.metrics import _deserialize_function
            fn = _deserialize_function(fn)
        if fn is None:
            return cls(**config)
        return cls(fn, **config)
