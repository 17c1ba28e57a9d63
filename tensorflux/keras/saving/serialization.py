"""Objects <-> JSON-compatible configs, in Keras 3's format.

An object becomes `{"module", "class_name", "config", "registered_name"}` (+ "build_config" for a
built layer); a functional model's config lists its layers with the calls that connect them
(`inbound_nodes`), so shared layers and several inputs/outputs are rebuilt exactly. Loading finds
classes by name (custom objects, the registry, then tensorflux's own modules) and never executes
code from a file: a `Lambda` layer is saved as the name of its function and loads only with
`safe_mode=False` and that function in `custom_objects`.
"""
import collections
import contextlib
import inspect
import re
import threading
import types

import numpy as np

from tensorflux.keras.saving import object_registration

__all__ = ["serialize_keras_object", "deserialize_keras_object", "functional_config",
           "functional_from_config", "loading_scope"]


class _LoadingState(threading.local):
    def __init__(self):
        self.stack = []      # (custom_objects, safe_mode)


_loading = _LoadingState()


@contextlib.contextmanager
def loading_scope(custom_objects=None, safe_mode=True):
    """Custom objects and safe mode for every nested `deserialize_keras_object` call."""
    _loading.stack.append((dict(custom_objects or {}), bool(safe_mode)))
    try:
        yield
    finally:
        _loading.stack.pop()


def _current_safe_mode():
    return _loading.stack[-1][1] if _loading.stack else True


def _custom_table(custom_objects):
    table = object_registration.scoped_objects()
    for scoped, _ in _loading.stack:
        table.update(scoped)
    table.update(custom_objects or {})
    return table


def _named(name, table):
    """A custom object by name: the given tables, the registry ("Package>name" or a unique
    plain name among registered objects)."""
    if name in table:
        return table[name]
    found = object_registration.get_registered_object(name)
    if found is not None:
        return found
    matches = [obj for key, obj in object_registration.get_custom_objects().items()
               if key.rsplit(">", 1)[-1] == name]
    return matches[0] if len(matches) == 1 else None


# ---- where built-in classes live --------------------------------------------------------------
def _namespaces():
    """(Keras module name, tensorflux namespace) pairs, most specific first."""
    from tensorflux.keras import constraints, initializers, layers, losses, regularizers
    from tensorflux.keras import metrics, optimizers
    from tensorflux.keras.optimizers import schedules
    return [("keras.optimizers.schedules", schedules), ("keras.optimizers", optimizers),
            ("keras.layers", layers), ("keras.losses", losses), ("keras.metrics", metrics),
            ("keras.initializers", initializers), ("keras.regularizers", regularizers),
            ("keras.constraints", constraints)]


def _model_classes():
    from tensorflux.keras.models import Model, Sequential
    return {"Sequential": Sequential, "Functional": Model, "Model": Model}


def _lookup(namespace, name):
    try:
        found = getattr(namespace, name)
    except Exception:       # namespaces raise AttributeError (or import errors) for unknowns
        return None
    return found if inspect.isclass(found) else None


def _builtin_module(obj):
    """Keras' module name for a built-in object (None for user classes)."""
    from tensorflux.keras.models import Model
    cls = type(obj)
    if isinstance(obj, Model):
        if not cls.__module__.startswith("tensorflux.") or cls.__name__ not in ("Model",
                                                                               "Sequential"):
            return None
        # Keras 3 spells these two differently (and checks the spelling when loading)
        return "keras.src.models.functional" if class_label(obj) == "Functional" else "keras"
    for module_name, namespace in _namespaces():
        if _lookup(namespace, cls.__name__) is cls:
            return module_name
    return None


def class_label(obj):
    """The class name Keras would record: a functional `Model` is a "Functional"."""
    from tensorflux.keras.models import Model
    if type(obj) is Model and getattr(obj, "_graph", None) is not None:
        return "Functional"
    return type(obj).__name__


# ---- serialize ----------------------------------------------------------------------------------
def serialize_keras_object(obj):
    """A JSON-compatible description of `obj` (a layer, model, optimizer, loss, metric, ...).

    Args:
        obj: any object with `get_config`, a function, or plain data (numbers, strings,
            lists, dicts, NumPy arrays).

    Returns:
        Plain data; objects become `{"module", "class_name", "config", "registered_name"}`.

    Raises:
        TypeError: `obj` cannot be described (no `get_config`).

    Example:
        >>> config = tf.keras.saving.serialize_keras_object(tf.keras.layers.Dense(2))
        >>> config["class_name"], config["config"]["units"]
        ('Dense', 2)
    """
    from tensorflux.framework.dtypes import DType
    from tensorflux.framework.tensor import Tensor
    from tensorflux.framework.tensor_shape import TensorShape
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (np.bool_, np.integer, np.floating)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(),
                                                      "dtype": str(obj.dtype)}}
    if isinstance(obj, Tensor):
        try:
            value = np.asarray(obj.numpy())
        except Exception as error:
            raise TypeError(f"Cannot serialize the symbolic tensor {obj!r}.") from error
        return {"class_name": "__tensor__", "config": {"value": value.tolist(),
                                                       "dtype": str(value.dtype)}}
    if isinstance(obj, TensorShape):
        return obj.as_list() if obj.rank is not None else None
    if isinstance(obj, DType):
        return obj.name
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(item) for item in obj]
    if isinstance(obj, dict):
        return {str(key): serialize_keras_object(value) for key, value in obj.items()}
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        return _serialize_function(obj)
    if isinstance(obj, type):
        raise TypeError(f"Cannot serialize the class {obj.__name__!r}; pass an instance.")
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r} of type {type(obj).__name__}: it has no "
                        "get_config() method. Define get_config() (returning the arguments "
                        "of __init__) to make it saveable.")
    config = obj.get_config()
    module = _builtin_module(obj)
    registered = object_registration.registered_name_or_none(type(obj))
    result = {"module": module or type(obj).__module__, "class_name": class_label(obj),
              "config": serialize_keras_object(config),
              "registered_name": registered if registered else (
                  None if module else type(obj).__name__)}
    build_config = _build_config(obj)
    if build_config is not None:
        result["build_config"] = serialize_keras_object(build_config)
    return result


def _build_config(obj):
    from tensorflux.keras.layers import InputLayer, Layer
    if not isinstance(obj, Layer) or isinstance(obj, InputLayer) or not obj.built:
        return None
    try:
        return obj.get_build_config()
    except Exception:      # a custom layer's build config is optional
        return None


def _serialize_function(function):
    name = getattr(function, "__name__", None)
    registered = object_registration.registered_name_or_none(function)
    return {"module": "builtins", "class_name": "function",
            "config": registered or name, "registered_name": "function"}


# ---- deserialize --------------------------------------------------------------------------------
# Keys Keras 3 writes that tensorflux layers do not take; dropped when they hold a default.
_KERAS_ONLY_KEYS = ("quantization_config", "optional", "ragged", "lora_alpha")


def deserialize_keras_object(config, custom_objects=None, safe_mode=None, **kwargs):
    """Recreates the object described by `config` (the output of `serialize_keras_object`).

    Args:
        config: plain data from `serialize_keras_object` (or a Keras 2 `{"class_name",
            "config"}` dict).
        custom_objects: dict name -> class or function, for custom classes and functions.
        safe_mode: refuse to load objects that need code from outside the file (`Lambda`
            layers); None inherits the enclosing `load_model` setting (True by default).

    Returns:
        The object (plain data is returned as plain data).

    Raises:
        ValueError: an unknown class or function name, or a `Lambda` in safe mode.
    """
    if safe_mode is None:
        safe_mode = _current_safe_mode()
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        found = _custom_table(custom_objects).get(config)
        return found if found is not None else config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(item, custom_objects, safe_mode) for item in config]
    if not isinstance(config, dict):
        return config
    if "class_name" not in config:
        return {key: deserialize_keras_object(value, custom_objects, safe_mode)
                for key, value in config.items()}
    class_name = config["class_name"]
    inner = config.get("config")
    if class_name in ("__numpy__", "__tensor__"):
        value = np.asarray(inner["value"], dtype=inner.get("dtype"))
        if class_name == "__tensor__":
            import tensorflux as tf
            return tf.constant(value)
        return value
    if class_name == "__keras_tensor__":
        raise ValueError("A KerasTensor config can only appear inside a functional model's "
                         "config (its `inbound_nodes`).")
    if class_name == "__lambda__":
        raise ValueError(_lambda_bytecode_message(config))
    if class_name == "function":
        return _resolve_function(inner, config.get("module"), custom_objects)
    with loading_scope(_custom_table(custom_objects), safe_mode):
        cls = _resolve_class(class_name, config.get("registered_name"), config.get("module"),
                             custom_objects, config)
        inner = _prepare_config(cls, dict(inner or {}), custom_objects, safe_mode)
        obj = _instantiate(cls, inner, custom_objects)
        build_config = config.get("build_config")
        if build_config:
            _build(obj, build_config)
    return obj


def _build(obj, build_config):
    """Creates the weights of a deserialized layer (before its weights are loaded)."""
    from tensorflux.keras.layers import Layer
    from tensorflux.keras.models import Model
    if not isinstance(obj, Layer) or obj.built:
        return
    shape = build_config.get("input_shape")
    if isinstance(obj, Model) and getattr(obj, "_graph", None) is None and shape is not None:
        obj.build(shape)      # a subclassed model builds by tracing its call
    else:
        obj.build_from_config(build_config)


def _resolve_class(class_name, registered_name, module, custom_objects, config):
    table = _custom_table(custom_objects)
    for key in (registered_name, class_name):
        if key and key in table and inspect.isclass(table[key]):
            return table[key]
    for key in (registered_name, class_name):
        found = object_registration.get_registered_object(key) if key else None
        if found is not None and inspect.isclass(found):
            return found
    module = module or ""
    models = _model_classes()
    if class_name in models and (not module or module == "keras" or
                                 module.startswith(("keras.models", "keras.src.models",
                                                    "tensorflux"))):
        return models[class_name]
    namespaces = _namespaces()
    specific = [ns for name, ns in namespaces
                if module == name or module.startswith(name + ".") or
                module.startswith(name.replace("keras.", "keras.src.") + ".") or
                module == name.replace("keras.", "keras.src.")]
    for namespace in specific + [ns for _, ns in namespaces if ns not in specific]:
        found = _lookup(namespace, class_name)
        if found is not None:
            return found
    if class_name in models:
        return models[class_name]
    raise ValueError(
        f"Could not locate class {class_name!r}. Make sure custom classes are decorated with "
        "`@keras.saving.register_keras_serializable()` or passed in "
        f"`custom_objects={{'{class_name}': {class_name}}}`. Full object config: {config}")


def _resolve_function(name, module, custom_objects):
    if not isinstance(name, str):
        raise ValueError(f"Could not interpret the function config {name!r}.")
    found = _named(name, _custom_table(custom_objects))
    if found is None:
        from tensorflux.keras import activations, losses, metrics
        for namespace in (losses, metrics, activations):
            candidate = getattr(namespace, name, None)
            if callable(candidate) and not inspect.isclass(candidate):
                found = candidate
                break
    if found is None:
        raise ValueError(f"Could not locate function {name!r}. Pass it in "
                         f"`custom_objects={{'{name}': {name}}}` or decorate it with "
                         "`@keras.saving.register_keras_serializable()`.")
    return found


def _prepare_config(cls, config, custom_objects, safe_mode):
    from tensorflux.keras.layers import Lambda, Layer
    if not issubclass(cls, Layer):
        return config
    parameters = _init_parameters(cls)
    dtype = config.get("dtype")
    if isinstance(dtype, dict):         # Keras 3 DTypePolicy config
        config["dtype"] = (dtype.get("config") or {}).get("name", "float32")
    for key in _KERAS_ONLY_KEYS:
        if key in config and key not in parameters and not config[key]:
            del config[key]
    table = _custom_table(custom_objects)
    for key, value in list(config.items()):
        if key == "name":
            continue
        if isinstance(value, dict) and isinstance(value.get("config"), dict):
            value = config[key] = _without_unknown_defaults(value)
        if isinstance(value, str) and inspect.isfunction(_named(value, table)):
            config[key] = _named(value, table)
        elif isinstance(value, dict) and value.get("class_name") == "function" and \
                key != "function":
            config[key] = _resolve_function(value.get("config"), value.get("module"),
                                            custom_objects)
        elif isinstance(value, dict) and (value.get("registered_name") in table or
                                          value.get("class_name") in table):
            config[key] = deserialize_keras_object(value, custom_objects, safe_mode)
    if issubclass(cls, Lambda):
        config["function"] = _lambda_function(config, table, safe_mode)
    return config


def _without_unknown_defaults(spec):
    """A nested initializer/regularizer/constraint config minus the arguments newer Keras
    versions add with their default value (e.g. GlorotUniform's input_axes=None)."""
    try:
        cls = _resolve_class(spec["class_name"], spec.get("registered_name"),
                             spec.get("module"), None, spec)
    except (ValueError, KeyError):
        return spec
    try:
        parameters = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return spec
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return spec
    config = {key: value for key, value in spec["config"].items()
              if key in parameters or value not in (None, False)}
    return dict(spec, config=config)


def _init_parameters(cls):
    try:
        return set(inspect.signature(cls.__init__).parameters)
    except (TypeError, ValueError):
        return set()


def _lambda_function(config, table, safe_mode):
    spec = config.get("function")
    layer = config.get("name", "lambda")
    if isinstance(spec, dict):
        if spec.get("class_name") == "__lambda__":
            raise ValueError(_lambda_bytecode_message(spec, layer))
        spec = spec.get("config")
    if callable(spec):
        return spec
    name = spec
    if safe_mode:
        raise ValueError(
            f"Layer {layer!r} (Lambda) wraps the Python function {name!r}, which is not stored "
            "in the file. Loading it would run code from outside the file, which is refused "
            f"in safe mode. If you trust this model, pass safe_mode=False and "
            f"custom_objects={{'{name}': {name}}}.")
    function = _named(name, table)
    if function is None:
        raise ValueError(f"Layer {layer!r} (Lambda) wraps the function {name!r}; pass it in "
                         f"custom_objects={{'{name}': {name}}} to load the model.")
    return function


def _lambda_bytecode_message(spec, layer="lambda"):
    return (f"Layer {layer!r} (Lambda) holds a Python lambda stored as bytecode. tensorflux "
            "never executes code read from a file: rewrite the lambda as a named function, "
            "or rebuild the model in Python and load only its weights.")


def _instantiate(cls, config, custom_objects):
    from_config = getattr(cls, "from_config", None)
    try:
        if from_config is None:
            return cls(**config)
        if "custom_objects" in _parameters(from_config):
            return from_config(config, custom_objects=custom_objects)
        return from_config(config)
    except _ConfigError:
        raise
    except TypeError as error:
        raise _ConfigError(
            f"{cls.__name__}.from_config() could not recreate the object from its config "
            f"{config}: {error}. A custom class should define get_config() returning the "
            "arguments of its __init__ (and from_config() when __init__ needs more).") from error


class _ConfigError(TypeError):
    """An object could not be recreated from its config."""


def _parameters(function):
    try:
        return inspect.signature(function).parameters
    except (TypeError, ValueError):
        return {}


# ---- functional models --------------------------------------------------------------------------
def _model_nodes(model):
    """{(id(layer), original node index): index among the model's own nodes of that layer}."""
    graph = model._graph
    in_model = {id(node) for node in graph.nodes}
    renumbered = {}
    for layer in model.layers:
        kept = 0
        for index, node in enumerate(layer._inbound_nodes):
            if id(node) in in_model:
                renumbered[(id(layer), index)] = kept
                kept += 1
    return in_model, renumbered


def functional_config(model):
    """The config of a functional model: layers, the calls connecting them, inputs, outputs."""
    from tensorflux.keras.engine.keras_tensor import KerasTensor
    from tensorflux.keras.layers import InputLayer
    in_model, renumbered = _model_nodes(model)

    def tensor_ref(tensor):
        layer, node_index, tensor_index = tensor._keras_history
        return [layer.name, renumbered.get((id(layer), node_index), node_index), tensor_index]

    def call_value(value):
        if isinstance(value, KerasTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": value.shape.as_list() if value.shape.rank is not None
                               else None, "dtype": value.dtype.name,
                               "keras_history": tensor_ref(value)}}
        if isinstance(value, (list, tuple)):
            return [call_value(item) for item in value]
        if isinstance(value, dict):
            return {str(key): call_value(item) for key, item in value.items()}
        return serialize_keras_object(value)

    layers = []
    for layer in model.layers:
        entry = serialize_keras_object(layer)
        entry["name"] = layer.name
        nodes = []
        if not isinstance(layer, InputLayer):
            for node in layer._inbound_nodes:
                if id(node) in in_model:
                    nodes.append({"args": call_value(list(node.call_args)),
                                  "kwargs": call_value(dict(node.call_kwargs))})
        entry["inbound_nodes"] = nodes
        layers.append(entry)

    def structure(value):
        if isinstance(value, KerasTensor):
            return tensor_ref(value)
        if isinstance(value, dict):
            return {key: structure(item) for key, item in value.items()}
        return [structure(item) for item in value]

    graph = model._graph
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": structure(graph.structured_inputs),
            "output_layers": structure(graph.structured_outputs)}


def _is_tensor_ref(value):
    return isinstance(value, (list, tuple)) and len(value) == 3 and isinstance(value[0], str) \
        and isinstance(value[1], int) and isinstance(value[2], int)


def _legacy_node(node):
    """Keras 2's node format [[name, node, tensor, kwargs], ...] -> {"args", "kwargs"}."""
    refs = [{"class_name": "__keras_tensor__", "config": {"keras_history": list(item[:3])}}
            for item in node]
    kwargs = node[0][3] if node and len(node[0]) > 3 and isinstance(node[0][3], dict) else {}
    return {"args": [refs[0]] if len(refs) == 1 else [refs], "kwargs": dict(kwargs)}


def _is_keras_operation(layer_data):
    """A node of a Keras 3 functional model that is a keras.ops call, not a layer (e.g. the
    `NotEqual` computing an Embedding's mask): its module is keras.src.ops.<family>."""
    module = layer_data.get("module") or ""
    return module.startswith(("keras.src.ops.", "keras.ops"))


class _KerasOperation:
    """Rebuilds a saved keras.ops node: calling it on the node's saved arguments calls the
    keras.ops function, with the operation's config (its constructor arguments, e.g.
    `Sum(axis=-1, keepdims=True)`) as keyword arguments, which records it in the model."""

    def __init__(self, layer_data):
        from tensorflux.keras.ops._common import _resolve_op
        class_name = layer_data.get("class_name") or ""
        function_name = re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()
        try:
            self.function = _resolve_op(function_name)
        except ValueError:
            raise ValueError(f"The saved model uses the keras.ops operation {class_name!r} "
                             f"(keras.ops.{function_name}), which tensorflux does not "
                             "implement.") from None
        self.kwargs = {key: value for key, value in (layer_data.get("config") or {}).items()
                       if key != "name"}
        self.name = layer_data.get("name") or function_name

    def __call__(self, *args, **kwargs):
        if self.function.__name__ == "get_item" and len(args) == 2 and isinstance(args[1], list):
            args = (args[0], tuple(args[1]))  # JSON keeps x[a, b]'s index tuple as a list
        return self.function(*args, **{**self.kwargs, **kwargs})


def functional_from_config(cls, config, custom_objects=None):
    """Rebuilds a functional model from `functional_config` output (or Keras 2's format)."""
    from tensorflux.keras.layers import InputLayer
    from tensorflux.framework import nest
    layers, order, pending = {}, [], {}
    for layer_data in config["layers"]:
        if _is_keras_operation(layer_data):
            layer = _KerasOperation(layer_data)
        else:
            layer = deserialize_keras_object(layer_data, custom_objects)
        name = layer_data.get("name") or layer.name
        layers[name] = layer
        order.append(name)
        nodes = layer_data.get("inbound_nodes") or []
        pending[name] = collections.deque(node if isinstance(node, dict) else
                                          _legacy_node(node) for node in nodes)
    outputs = {}        # (layer name, node index) -> flat list of output KerasTensors
    for name in order:
        if isinstance(layers[name], InputLayer):
            outputs[(name, 0)] = [layers[name].output]
    made = collections.Counter()

    def lookup(ref):
        key = (ref[0], ref[1])
        if key not in outputs or ref[2] >= len(outputs[key]):
            raise LookupError(key)
        return outputs[key][ref[2]]

    def rebuild(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            return lookup(value["config"]["keras_history"])
        if isinstance(value, dict) and value.get("class_name") == "__slice__":
            return slice(*(value["config"].get(k) for k in ("start", "stop", "step")))
        if isinstance(value, list):
            return [rebuild(item) for item in value]
        if isinstance(value, dict) and "class_name" not in value:
            return {key: rebuild(item) for key, item in value.items()}
        return deserialize_keras_object(value, custom_objects)

    while any(pending.values()):
        progressed = False
        for name in order:
            queue = pending[name]
            while queue:
                try:
                    args = rebuild(queue[0].get("args", []))
                    kwargs = rebuild(queue[0].get("kwargs", {}))
                except LookupError:
                    break
                result = layers[name](*args, **kwargs)
                outputs[(name, made[name])] = nest.flatten(result)
                made[name] += 1
                queue.popleft()
                progressed = True
        if not progressed:
            stuck = {name: len(queue) for name, queue in pending.items() if queue}
            raise ValueError(f"Cannot rebuild functional model {config.get('name')!r}: the "
                             f"calls of layers {sorted(stuck)} refer to tensors that no layer "
                             "produces (the config is inconsistent).")

    def resolve(spec):
        if _is_tensor_ref(spec):
            return lookup(spec)
        if isinstance(spec, dict):
            return {key: resolve(item) for key, item in spec.items()}
        return [resolve(item) for item in spec]

    try:
        inputs = resolve(config["input_layers"])
        model_outputs = resolve(config["output_layers"])
    except LookupError as error:
        raise ValueError(f"Cannot rebuild functional model {config.get('name')!r}: its "
                         f"inputs/outputs refer to the unknown tensor {error.args[0]}.") from None
    from tensorflux.keras.models import Model
    try:
        model = cls(inputs=inputs, outputs=model_outputs, name=config.get("name"))
    except TypeError:
        model = Model(inputs=inputs, outputs=model_outputs, name=config.get("name"))
    if config.get("trainable") is False:
        model.trainable = False
    return model
