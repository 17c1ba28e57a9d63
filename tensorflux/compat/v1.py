"""tf.compat.v1: the TF1 API. Its graph-only entry points (placeholder, Session, variable
scopes, initializers, reset_default_graph) switch the program into graph mode when first used,
so TF1 code runs without an explicit `disable_eager_execution()`. Every other name is the
TF2 one (`tf.compat.v1.nn.relu is tf.nn.relu`)."""
import functools
import logging as _py_logging

import numpy as np

from tensorflux.framework import context, variables as _variables
from tensorflux.framework.context import disable_eager_execution, enable_eager_execution
from tensorflux.framework.session import Session as _Session, InteractiveSession as \
    _InteractiveSession, get_default_session
from tensorflux.framework.tensor_shape import Dimension
from tensorflux.framework import dtypes as _dtypes
from tensorflux.ops import array_ops, math_ops, random_ops, initializers as _initializers
from tensorflux.ops.variable_scope import (variable_scope, get_variable, get_variable_scope,
                                           AUTO_REUSE, VariableScope, get_local_variable,
                                           make_template)


def _enter_graph_mode():
    if context.state.eager_enabled and not context.state.graph_stack:
        disable_eager_execution()


def _graph_entry(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        _enter_graph_mode()
        return function(*args, **kwargs)
    return wrapper


def disable_v2_behavior():
    disable_eager_execution()


def enable_v2_behavior():
    enable_eager_execution()


placeholder = array_ops.placeholder
placeholder_with_default = array_ops.placeholder_with_default


class Session(_Session):
    __doc__ = _Session.__doc__

    def __init__(self, target="", graph=None, config=None):
        if graph is None:  # a session on an explicit graph leaves the global mode alone
            _enter_graph_mode()
        super().__init__(target, graph, config)


class InteractiveSession(_InteractiveSession):
    __doc__ = _InteractiveSession.__doc__

    def __init__(self, target="", graph=None, config=None):
        if graph is None:  # a session on an explicit graph leaves the global mode alone
            _enter_graph_mode()
        super().__init__(target, graph, config)


@_graph_entry
def reset_default_graph():
    """Clears the default graph (and with it every op, variable and collection)."""
    context.reset_default_graph()
    # the graph-level seed goes with the graph (TF1): a new graph starts unseeded
    random_ops._SeedState.global_seed = None
    random_ops._SeedState.streams = {}
    random_ops._SeedState.op_counter = 0


global_variables_initializer = _graph_entry(_variables.global_variables_initializer)
initialize_all_variables = global_variables_initializer
local_variables_initializer = _graph_entry(_variables.local_variables_initializer)
variables_initializer = _graph_entry(_variables.variables_initializer)
global_variables = _variables.global_variables
all_variables = global_variables
trainable_variables = _variables.trainable_variables
local_variables = _variables.local_variables
model_variables = _variables.model_variables
is_variable_initialized = _variables.is_variable_initialized
report_uninitialized_variables = _variables.report_uninitialized_variables


# ---- session configuration: accepted and kept, nothing to tune on one CPU ------------------
class _Options:
    """A protobuf-like bag of options: keyword arguments become attributes."""

    _nested = {}

    def __init__(self, **kwargs):
        for name, kind in self._nested.items():
            setattr(self, name, kind())
        for name, value in kwargs.items():
            setattr(self, name, value)

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


class GPUOptions(_Options):
    """tf.GPUOptions(allow_growth=..., per_process_gpu_memory_fraction=...): no GPU is used."""


class OptimizerOptions(_Options):
    L1, L0, DEFAULT, OFF, ON_1, ON_2 = 0, -1, 0, -1, 1, 2


class GraphOptions(_Options):
    _nested = {"optimizer_options": OptimizerOptions}


class ConfigProto(_Options):
    """tf.ConfigProto(...) for tf.Session(config=...): accepted; tensorflux runs on the CPU
    in this process, so placement, thread and memory options have no effect."""
    _nested = {"gpu_options": GPUOptions, "graph_options": GraphOptions}


class RunOptions(_Options):
    NO_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, FULL_TRACE = 0, 1, 2, 3


class RunMetadata(_Options):
    """Filled by nothing: tensorflux records no step statistics."""


# ---- initializers (TF1 names; the instances are callables `(shape, dtype=None)`) ------------
zeros_initializer = _initializers.zeros_initializer
ones_initializer = _initializers.ones_initializer
constant_initializer = _initializers.constant_initializer
random_normal_initializer = _initializers.random_normal_initializer
truncated_normal_initializer = _initializers.truncated_normal_initializer
glorot_uniform_initializer = _initializers.glorot_uniform_initializer
glorot_normal_initializer = _initializers.glorot_normal_initializer


class random_uniform_initializer(_initializers.random_uniform_initializer):
    """TF1 defaults: U(0, 1) for floats (TF2's tf.random_uniform_initializer uses +-0.05)."""

    def __init__(self, minval=0, maxval=None, seed=None, dtype=_dtypes.float32):
        super().__init__(minval, 1.0 if maxval is None else maxval, seed, dtype)


class variance_scaling_initializer(_initializers._Initializer):
    """Samples with variance scale / n, n = fan_in, fan_out or their mean (`mode`).

    distribution "truncated_normal" (or TF1's older "normal") draws from a normal truncated
    at two standard deviations, rescaled so the variance is scale / n; "uniform" draws from
    U(-limit, limit) with limit = sqrt(3 scale / n).
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=_dtypes.float32):
        if scale <= 0.0:
            raise ValueError(f"`scale` must be a positive float, got {scale}.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` {mode!r}: use 'fan_in', 'fan_out' or 'fan_avg'.")
        if distribution not in ("normal", "truncated_normal", "untruncated_normal",
                                "uniform"):
            raise ValueError(f"Invalid `distribution` {distribution!r}: use "
                             "'truncated_normal', 'untruncated_normal' or 'uniform'.")
        super().__init__(seed, dtype)
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None, partition_info=None):
        fan_in, fan_out = _initializers._fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out,
             "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        dtype = dtype or self.dtype
        if self.distribution in ("normal", "truncated_normal"):
            # 0.8796... is the standard deviation of a unit normal truncated at +-2
            return random_ops.truncated_normal(shape, 0.0, np.sqrt(variance) / .87962566103423978,
                                               dtype, self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.random_normal(shape, 0.0, np.sqrt(variance), dtype, self.seed)
        limit = np.sqrt(3.0 * variance)
        return random_ops.random_uniform(shape, -limit, limit, dtype, self.seed)


def tables_initializer(name="init_all_tables"):
    return array_ops.no_op(name=name)


def get_collection(key, scope=None):
    return context.get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return context.get_default_graph().get_collection_ref(key)


def add_to_collection(name, value):
    context.get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    context.get_default_graph().add_to_collections(names, value)


truncated_normal = random_ops.truncated_normal
random_normal = random_ops.random_normal
random_uniform = random_ops.random_uniform
random_shuffle = random_ops.random_shuffle
multinomial = random_ops.categorical
set_random_seed = random_ops.set_seed
div = math_ops.div
mod = math_ops.floormod
floor_div = math_ops.floordiv
to_float = math_ops.to_float
to_int32 = math_ops.to_int32
to_int64 = math_ops.to_int64
log_sigmoid = math_ops.log_sigmoid
arg_max = math_ops.argmax
arg_min = math_ops.argmin


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    return ref.assign(value, name=name)


def assign_add(ref, value, use_locking=None, name=None):
    return ref.assign_add(value, name=name)


def assign_sub(ref, value, use_locking=None, name=None):
    return ref.assign_sub(value, name=name)


def Print(input_, data, message=None, first_n=None, summarize=None, name=None):
    """TF1 tf.Print: passes `input_` through, printing `data` when it runs."""
    from tensorflux.ops.logging_ops import print_v2
    if context.executing_eagerly():
        print_v2(*( [message] if message else []), *data)
        return input_
    printed = print_v2(*([message] if message else []), *data)
    with context.get_default_graph().control_dependencies([printed]):
        return array_ops.identity(input_, name=name)


class _Logging:
    """tf.logging (TF1): thin wrapper over Python's logging under the "tensorflow" logger."""
    DEBUG, INFO, WARN, ERROR, FATAL = (_py_logging.DEBUG, _py_logging.INFO,
                                       _py_logging.WARNING, _py_logging.ERROR,
                                       _py_logging.CRITICAL)
    WARNING = WARN

    def __init__(self):
        self._logger = _py_logging.getLogger("tensorflow")
        if not self._logger.handlers:
            handler = _py_logging.StreamHandler()
            handler.setFormatter(_py_logging.Formatter("%(levelname)s:tensorflow:%(message)s"))
            self._logger.addHandler(handler)
            self._logger.setLevel(_py_logging.WARNING)
            self._logger.propagate = False

    def set_verbosity(self, level):
        self._logger.setLevel(level)

    def get_verbosity(self):
        return self._logger.level

    def debug(self, msg, *args):
        self._logger.debug(msg, *args)

    def info(self, msg, *args):
        self._logger.info(msg, *args)

    def warning(self, msg, *args):
        self._logger.warning(msg, *args)

    warn = warning

    def error(self, msg, *args):
        self._logger.error(msg, *args)

    def fatal(self, msg, *args):
        self._logger.critical(msg, *args)

    def log(self, level, msg, *args):
        self._logger.log(level, msg, *args)


logging = _Logging()


def string_split(source, sep=None, skip_empty=True, delimiter=None):
    """TF1 tf.string_split: a SparseTensor of tokens (empty tokens skipped by default)."""
    from tensorflux import strings
    return strings.string_split_v1(source, sep=sep, skip_empty=skip_empty,
                                   delimiter=delimiter)


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):  # noqa: A002
    from tensorflux import strings
    return strings.regex_replace(input, pattern, rewrite, replace_global, name)


def string_join(inputs, separator="", name=None):
    from tensorflux import strings
    return strings.join(inputs, separator, name)


def substr(input, pos, len, name=None, unit="BYTE"):  # noqa: A002
    from tensorflux import strings
    return strings.substr(input, pos, len, unit=unit, name=name)



def read_file(filename, name=None):
    import tensorflux
    return tensorflux.io.read_file(filename, name=name)


def __getattr__(name):
    import tensorflux
    try:
        return getattr(tensorflux, name)
    except AttributeError:
        raise AttributeError(f"tf.compat.v1.{name} is not implemented by tensorflux.") from None
