"""tensorflux: the TensorFlow + Keras programming model on NumPy.

    import tensorflux as tf

Eager execution by default (TF2); TF1 graph mode with placeholders and Sessions; `tf.function`;
`tf.keras`. Subpackages mirror TensorFlow's (`tf.nn`, `tf.math`, `tf.random`, `tf.train`,
`tf.compat.v1`, ...). Heavier namespaces (`keras`, `data`, `summary`, ...) load on first use.
"""
import importlib as _importlib

from tensorflux.framework.memory import tune_allocator as _tune_allocator

from tensorflux.framework.dtypes import (DType, as_dtype, float16, half, float32, float64,
                                         double, int8, int16, int32, int64, uint8, uint16,
                                         uint32, uint64, bool, complex64, complex128, string,
                                         resource, variant)
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape, Dimension
from tensorflux.framework.graph import (Graph, Operation, GraphKeys, name_scope,
                                       get_current_name_scope)
from tensorflux.framework.context import (executing_eagerly, device, init_scope,
                                          get_default_graph)
from tensorflux.framework.variables import Variable
from tensorflux.framework.tape import GradientTape
from tensorflux.framework.function import function, TensorSpec
from tensorflux.framework.nest import map_structure as _map_structure
from tensorflux.framework.custom_gradient import custom_gradient, RegisterGradient
from tensorflux.framework import errors
from tensorflux.ops import *  # noqa: F401,F403
from tensorflux.ops import nn_ops as _nn_ops
from tensorflux import nn, math, random, linalg, dtypes, train, nest, compat, config, \
    debugging, autograph, sparse, bitwise  # noqa: F401
from tensorflux.ops.math_ops import (add, subtract, multiply, divide, truediv, floordiv,
                                     negative, abs, sqrt, exp, log, square, pow, maximum,
                                     minimum, sigmoid, tanh, cos, sin, equal, not_equal, less,
                                     greater, less_equal, greater_equal, logical_and,
                                     logical_or, logical_not, cast, argmax, argmin, matmul,
                                     reduce_sum, reduce_mean, reduce_max, reduce_min,
                                     reduce_prod, reduce_all, reduce_any, reduce_logsumexp,
                                     round, sign, add_n, cumsum, clip_by_value, where)
from tensorflux.framework.backprop import gradients as _gradients, UnconnectedGradients
from tensorflux.framework.execute import convert_to_tensor

__version__ = "0.1.0"
_tune_allocator()
newaxis = None
Module = None  # replaced below (tf.Module lives with Keras' tracking utilities)


def gradients(ys, xs, grad_ys=None, name="gradients", stop_gradients=None,
              unconnected_gradients="none", **kwargs):
    """Symbolic gradients of sum(ys) w.r.t. xs (graph mode; use GradientTape eagerly)."""
    return _gradients(ys, xs, grad_ys, name, stop_gradients, unconnected_gradients, **kwargs)


from tensorflux.compat.v1 import (placeholder, Session, InteractiveSession,  # noqa: E402
                                  reset_default_graph, global_variables_initializer,
                                  local_variables_initializer, variables_initializer,
                                  global_variables, trainable_variables, local_variables,
                                  variable_scope, get_variable, get_variable_scope,
                                  get_collection, add_to_collection, get_default_session,
                                  truncated_normal, random_normal, random_uniform,
                                  set_random_seed, div, to_float, to_int32, to_int64,
                                  disable_eager_execution, enable_eager_execution,
                                  disable_v2_behavior, AUTO_REUSE, assign, assign_add,
                                  assign_sub, Print, string_split, read_file, log_sigmoid,
                                  random_shuffle, multinomial, Dimension as _Dim,
                                  placeholder_with_default, is_variable_initialized,
                                  report_uninitialized_variables, logging,
                                  make_template, VariableScope, get_local_variable,
                                  initialize_all_variables, arg_max, arg_min, mod, floor_div,
                                  tables_initializer, model_variables)
from tensorflux.compat.v1 import (zeros_initializer, ones_initializer,  # noqa: E402
                                  constant_initializer, random_normal_initializer,
                                  random_uniform_initializer, truncated_normal_initializer,
                                  glorot_uniform_initializer, glorot_normal_initializer,
                                  variance_scaling_initializer, ConfigProto, GPUOptions,
                                  RunOptions, RunMetadata, GraphOptions, OptimizerOptions)
from tensorflux.framework.module import Module  # noqa: E402,F811
from tensorflux.ops.logging_ops import print_v2 as print  # noqa: E402,A001

# Namespaces loaded on first use (keep `import tensorflux` fast).
_LAZY = {"keras": "tensorflux.keras", "data": "tensorflux.data", "summary": "tensorflux.summary",
         "io": "tensorflux.io", "image": "tensorflux.image", "strings": "tensorflux.strings",
         "estimator": "tensorflux.estimator", "metrics": "tensorflux.metrics",
         "losses": "tensorflux.losses", "saved_model": "tensorflux.saved_model",
         "profiler": "tensorflux.profiler", "contrib": "tensorflux.contrib",
         "layers": "tensorflux.layers", "initializers": "tensorflux.initializers",
         "optimizers": "tensorflux.optimizers", "test": "tensorflux.test",
         "experimental": "tensorflux.experimental", "lite": "tensorflux.lite",
         "distribute": "tensorflux.distribute", "audio": "tensorflux.audio",
         "signal": "tensorflux.signal", "types": "tensorflux.types",
         "tpu": "tensorflux.tpu", "xla": "tensorflux.xla", "app": "tensorflux.app",
         "flags": "tensorflux.flags", "gfile": "tensorflux.gfile",
         "feature_column": "tensorflux.feature_column", "sysconfig": "tensorflux.sysconfig",
         "ragged": "tensorflux.ragged", "version": "tensorflux.version",
         "python_io": "tensorflux.python_io"}


# TF1's protobuf message classes, from the optional `tensorboard` package that also writes
# event files (tf.Summary(value=[tf.Summary.Value(tag=..., simple_value=...)]) and so on).
_PROTOS = {"Summary": "summary_pb2", "GraphDef": "graph_pb2", "Event": "event_pb2",
           "HistogramProto": "summary_pb2", "SummaryMetadata": "summary_pb2",
           "NodeDef": "node_def_pb2", "AttrValue": "attr_value_pb2",
           "TensorProto": "tensor_pb2", "TensorShapeProto": "tensor_shape_pb2"}


def __getattr__(name):
    if name in _PROTOS:
        from tensorflux.summary import _proto
        return getattr(_proto.proto(_PROTOS[name]), name)
    module_name = _LAZY.get(name)
    if module_name is not None:
        try:
            module = _importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            raise AttributeError(
                f"tf.{name} is not implemented by tensorflux yet (module {module_name} does "
                "not exist).") from None
        globals()[name] = module
        return module
    raise AttributeError(f"module 'tensorflux' has no attribute {name!r}: tf.{name} is not "
                         "implemented by tensorflux (or is not a TensorFlow name).")
