"""Weights in HDF5: Keras 3's `.weights.h5` layout and the legacy tf.keras `.h5` layout.

Keras 3 layout: every layer (and the optimizer) owns a group named by where it sits in the
model - `layers/dense/vars/0`, `layers/dense_1/vars/1`, `optimizer/vars/0` - found by walking
the model as Keras does: a Sequential or functional model's `layers` first, then the object's
attributes in sorted order (private ones last); a list of layers names its items by snake-cased
class name (dense, dense_1, ...). Each `vars` group holds the layer's own variables in order
(trainable first) and the layer name as attribute `name`.

Legacy layout (tf.keras 2, `model.save_weights("w.h5")`): attribute `layer_names` on the root
(or on `model_weights` in a full-model file); one group per layer with attribute
`weight_names` ("dense/kernel:0", ...) naming its datasets; loaded in layer order or by name.

Loading reads and checks every array before assigning any, so a file for another architecture
raises a ValueError (naming the layer and both shapes) and leaves the model unchanged.
"""
import json
import re
import warnings

import numpy as np

from tensorflux.keras.saving import file_utils

__all__ = ["walk", "own_variables", "write_weights", "read_weights", "load_weights_into",
           "write_legacy_weights", "read_legacy_weights", "load_legacy_weights_into",
           "is_legacy_layout", "snake_case"]

# Attributes of tensorflux's own Layer/Model/Sequential that hold layers for bookkeeping (the
# layers are reached through `layers` or user attributes instead).
_SKIP_ATTRIBUTES = frozenset({"_sublayers", "_stack", "_input_layer", "_graph",
                              "_inbound_nodes", "_own_weights", "_regularized",
                              "_activity_losses", "_added_losses", "_initial_weights"})
_HDF5_OBJECT_HEADER_LIMIT = 64512


def snake_case(name):
    """Keras' class-name -> snake case (Dense -> dense, InputLayer -> input_layer,
    Conv2D -> conv2d, BatchNormalization -> batch_normalization)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


# ---- the walk ---------------------------------------------------------------------------------
def _classes():
    from tensorflux.keras.layers import Layer
    from tensorflux.keras.models import Model, Sequential
    from tensorflux.keras.optimizers import Optimizer
    return Layer, Model, Sequential, Optimizer


def _is_saveable(value):
    Layer, _, _, Optimizer = _classes()
    return isinstance(value, (Layer, Optimizer))


def _children(obj):
    Layer, Model, Sequential, Optimizer = _classes()
    if not isinstance(obj, Layer):
        return []
    items = []
    graph_model = isinstance(obj, Sequential) or (isinstance(obj, Model) and
                                                  getattr(obj, "_graph", None) is not None)
    if graph_model:
        items.append(("layers", obj.layers))
    attributes = {key: value for key, value in vars(obj).items()
                  if key not in _SKIP_ATTRIBUTES and not key.startswith("__")}
    if isinstance(obj, Model) and not graph_model:
        attributes["layers"] = obj.layers
    for key in sorted(attributes, key=lambda k: "~" + k if k.startswith("_") else k):
        items.append((key, attributes[key]))
    return items


def walk(model):
    """[(path, layer or optimizer)] in Keras 3's order; the root's path is ""."""
    from tensorflux.keras.saving.serialization import class_label
    entries, visited = [], set()

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        entries.append((path, obj))
        for attribute, child in _children(obj):
            child_path = f"{path}/{attribute}" if path else attribute
            if _is_saveable(child):
                visit(child, child_path)
            elif isinstance(child, (list, tuple, dict)):
                used = {}
                for item in (child.values() if isinstance(child, dict) else child):
                    if not _is_saveable(item):
                        continue
                    base = snake_case(class_label(item))
                    if base in used:
                        used[base] += 1
                        name = f"{base}_{used[base]}"
                    else:
                        used[base] = 0
                        name = base
                    visit(item, f"{child_path}/{name}")

    visit(model, "")
    # Layers reachable only through tensorflux's bookkeeping (e.g. nested in a list of lists)
    # still get a place, so that no weight is silently left out.
    Layer = _classes()[0]
    if isinstance(model, Layer):
        for layer in model._flatten_layers():
            if id(layer) not in visited and own_variables(layer):
                visit(layer, f"_untracked/{layer.name}")
    return entries


def own_variables(obj):
    """The variables a layer (not its sublayers) or an optimizer stores, in file order."""
    Layer, _, _, Optimizer = _classes()
    if isinstance(obj, Optimizer):
        return list(obj.variables)
    if isinstance(obj, Layer):
        weights = list(obj._own_weights)
        return [v for v in weights if v.trainable] + [v for v in weights if not v.trainable]
    return []


def _short_name(variable):
    name = getattr(variable, "path", None) or variable.name
    return name.rsplit("/", 1)[-1].split(":")[0]


def _shape(variable):
    return tuple(variable.shape.as_list())


def _describe(layer):
    return f"Layer {layer.name!r} ({type(layer).__name__})"


# ---- Keras 3 layout -----------------------------------------------------------------------------
def write_weights(model, h5file, include_optimizer=True):
    """Writes every layer's (and the optimizer's) variables into an open h5py.File."""
    Optimizer = _classes()[3]
    for path, obj in walk(model):
        if not include_optimizer and isinstance(obj, Optimizer):
            continue
        group = h5file.require_group(path) if path else h5file
        vars_group = group.create_group("vars")
        vars_group.attrs["name"] = obj.name
        for index, variable in enumerate(own_variables(obj)):
            vars_group.create_dataset(str(index), data=np.asarray(variable.numpy()))


def read_weights(h5file):
    """{owner path: [arrays]} for every `vars` group of a Keras 3 weights file."""
    h5py = file_utils.h5py()
    found = {}

    def visit(name, item):
        if isinstance(item, h5py.Group) and (name == "vars" or name.endswith("/vars")):
            keys = sorted((k for k in item.keys() if k.isdigit()), key=int)
            found[name[:-len("/vars")] if name != "vars" else ""] = [
                np.asarray(item[k][()]) for k in keys]
    h5file.visititems(visit)
    return found


def load_weights_into(model, found, source, skip_mismatch=False):
    """Checks every array of `found` (from read_weights) against the model, then assigns.

    Raises:
        ValueError: the file's arrays do not fit the model (nothing is assigned).
    """
    Optimizer = _classes()[3]
    plan, problems, consumed = [], [], set()
    optimizer_entries = []
    for path, obj in walk(model):
        if isinstance(obj, Optimizer):
            optimizer_entries.append((path, obj))
            continue
        consumed.add(path)
        expected = own_variables(obj)
        arrays = found.get(path, [])
        if not expected and not arrays:
            continue
        problem = _compare(obj, path, expected, arrays, path in found)
        if problem:
            problems.append(problem)
        else:
            plan.extend(zip(expected, arrays))
    extra = sorted(p for p, arrays in found.items() if arrays and p not in consumed and
                   p != "optimizer" and not p.startswith("optimizer/"))
    if extra:
        problems.append(f"the file has weights at {extra} that match no layer of the model.")
    for path, optimizer in optimizer_entries:
        plan.extend(_optimizer_plan(optimizer, found.get(path), source))
    if problems:
        _report(problems, model, source, skip_mismatch)
    _assign(plan)


def _compare(obj, path, expected, arrays, present):
    where = f"{_describe(obj)} at {path or '/'!r}"
    if not expected:
        return (f"{where} has no weights yet (it is not built), but the file has "
                f"{len(arrays)} arrays for it with shapes {[a.shape for a in arrays]}. Build "
                "the model first: call it on a batch of data or use model.build(input_shape).")
    if not present:
        return (f"{where}: the file has no weights for it (expected {len(expected)} arrays "
                f"with shapes {[_shape(v) for v in expected]}).")
    if len(arrays) != len(expected):
        return (f"{where} expects {len(expected)} weights with shapes "
                f"{[_shape(v) for v in expected]}, but the file has {len(arrays)} with "
                f"shapes {[a.shape for a in arrays]}.")
    for index, (variable, array) in enumerate(zip(expected, arrays)):
        if _shape(variable) != tuple(array.shape):
            return (f"{where}: weight {index} ({_short_name(variable)}) has shape "
                    f"{_shape(variable)} in the model, but shape {tuple(array.shape)} in the "
                    "file.")
    return None


def _optimizer_plan(optimizer, arrays, source):
    if arrays is None:
        return []
    variables = own_variables(optimizer)
    if len(variables) == len(arrays) and all(
            _shape(v) == tuple(a.shape) for v, a in zip(variables, arrays)):
        return list(zip(variables, arrays))
    if len(arrays) == 2 and len(variables) > 2 and all(
            _shape(v) == tuple(a.shape) == () for v, a in zip(variables, arrays)):
        # saved before its first step: only `iterations` and the learning rate exist
        return list(zip(variables[:2], arrays))
    if getattr(optimizer, "built", False):
        warnings.warn(f"Skipping the optimizer state in {source!r}: optimizer "
                      f"{optimizer.name!r} has {len(variables)} variables, but the file has "
                      f"{len(arrays)}. The optimizer starts from its current state.",
                      stacklevel=4)
    return []


def _report(problems, model, source, skip_mismatch):
    if skip_mismatch:
        for problem in problems:
            warnings.warn(f"Skipping loading of weights from {source!r}: {problem}",
                          stacklevel=4)
        return
    details = "\n".join(f"  - {p}" for p in problems)
    raise ValueError(f"Cannot load the weights in {source!r} into model {model.name!r} "
                     f"({type(model).__name__}): they do not fit its architecture, so no "
                     f"weight was changed.\n{details}\nPass skip_mismatch=True to load the "
                     "layers that do fit.")


def _assign(plan):
    for variable, array in plan:
        variable.assign(np.asarray(array).astype(variable.dtype.as_numpy_dtype, copy=False))


# ---- legacy (tf.keras 2) layout ------------------------------------------------------------------
def legacy_weights(layer):
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _write_names(attrs, key, names):
    data = np.array([n.encode("utf8") for n in names]) if names else np.zeros((0,), "S1")
    chunks = 1
    parts = [data]
    while any(part.nbytes > _HDF5_OBJECT_HEADER_LIMIT for part in parts):
        chunks += 1
        parts = np.array_split(data, chunks)
    if chunks == 1:
        attrs[key] = data
    else:
        for index, part in enumerate(parts):
            attrs[f"{key}{index}"] = part


def read_names(attrs, key):
    def decode(values):
        return [v.decode("utf8") if isinstance(v, bytes) else str(v)
                for v in np.atleast_1d(values)]
    if key in attrs:
        return decode(attrs[key])
    names, index = [], 0
    while f"{key}{index}" in attrs:
        names.extend(decode(attrs[f"{key}{index}"]))
        index += 1
    return names


def is_legacy_layout(h5file):
    return "layer_names" in h5file.attrs or "model_weights" in h5file


def _legacy_names(weights):
    names, used = [], set()
    for variable in weights:
        base = (getattr(variable, "path", None) or variable.name).split(":")[0]
        name, count = f"{base}:0", 0
        while name in used:
            count += 1
            name = f"{base}_{count}:0"
        used.add(name)
        names.append(name)
    return names


def write_legacy_weights(model, group):
    """tf.keras 2's layout into an h5py group (the file root, or `model_weights`)."""
    from tensorflux import keras
    layers = model.layers
    _write_names(group.attrs, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = b"tensorflow"
    group.attrs["keras_version"] = str(keras.__version__).encode("utf8")
    for layer in sorted(layers, key=lambda l: l.name):
        layer_group = group.create_group(layer.name)
        weights = legacy_weights(layer)
        names = _legacy_names(weights)
        _write_names(layer_group.attrs, "weight_names", names)
        for name, variable in zip(names, weights):
            layer_group.create_dataset(name, data=np.asarray(variable.numpy()))


def read_legacy_weights(group):
    """[(layer name, [arrays])] in the file's layer order."""
    if "layer_names" not in group.attrs and "model_weights" in group:
        group = group["model_weights"]
    saved = []
    for name in read_names(group.attrs, "layer_names"):
        layer_group = group[name]
        saved.append((name, [np.asarray(layer_group[w][()])
                             for w in read_names(layer_group.attrs, "weight_names")]))
    return saved


def load_legacy_weights_into(model, saved, source, by_name=False, skip_mismatch=False):
    """Assigns legacy-layout arrays layer by layer (in order, or matching names)."""
    plan, problems = [], []
    saved = [(name, arrays) for name, arrays in saved if arrays]
    if by_name:
        layers = {}
        for layer in model.layers:
            layers.setdefault(layer.name, []).append(layer)
        pairs = [(layer, name, arrays) for name, arrays in saved
                 for layer in layers.get(name, [])]
    else:
        with_weights = [layer for layer in model.layers if legacy_weights(layer)]
        if len(with_weights) != len(saved):
            unbuilt = [layer.name for layer in model.layers if not layer.built]
            hint = (f" Layers {unbuilt} are not built yet: build the model (call it on data or "
                    "model.build(input_shape)) before loading." if unbuilt else "")
            raise ValueError(
                f"Layer count mismatch when loading weights from {source!r} into model "
                f"{model.name!r}: the model has {len(with_weights)} layers with weights "
                f"({[l.name for l in with_weights]}), the file has {len(saved)} "
                f"({[name for name, _ in saved]}).{hint} No weight was changed.")
        pairs = [(layer, name, arrays) for layer, (name, arrays) in zip(with_weights, saved)]
    for layer, name, arrays in pairs:
        expected = legacy_weights(layer)
        problem = _compare(layer, f"model_weights/{name}", expected, arrays, True)
        if problem:
            problems.append(problem)
        else:
            plan.extend(zip(expected, arrays))
    if problems:
        _report(problems, model, source, skip_mismatch)
    _assign(plan)


# ---- legacy full-model file (model.save("model.h5")) ---------------------------------------
def write_model_file(model, h5file, include_optimizer=True):
    from tensorflux import keras
    from tensorflux.keras.saving import keras_format
    from tensorflux.keras.saving.serialization import serialize_keras_object
    h5file.attrs["model_config"] = json.dumps(serialize_keras_object(model))
    h5file.attrs["keras_version"] = str(keras.__version__)
    h5file.attrs["backend"] = "tensorflow"
    compile_config = keras_format.compile_config_of(model)
    if compile_config is not None:
        training = {key: value for key, value in compile_config.items() if key != "optimizer"}
        training["optimizer_config"] = compile_config["optimizer"]
        h5file.attrs["training_config"] = json.dumps(training)
    write_legacy_weights(model, h5file.create_group("model_weights"))
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None and compile_config is not None:
        variables = list(optimizer.variables)
        group = h5file.create_group("optimizer_weights")
        names = [f"{optimizer.name}/{n[:-2]}" for n in _legacy_names(variables)]
        _write_names(group.attrs, "weight_names", names)
        for name, variable in zip(names, variables):
            group.create_dataset(name, data=np.asarray(variable.numpy()))


def read_model_file(h5file, source, custom_objects=None, compile=True, safe_mode=True):
    from tensorflux.keras.saving import keras_format
    from tensorflux.keras.saving.serialization import deserialize_keras_object, loading_scope
    raw = h5file.attrs.get("model_config")
    if raw is None:
        raise ValueError(f"{source!r} holds only weights, not a model (no model_config). "
                         "Create the model in Python and call model.load_weights() on it.")
    config = _json(raw, source)
    with loading_scope(custom_objects, safe_mode):
        model = deserialize_keras_object(config, custom_objects)
        training = h5file.attrs.get("training_config")
        if compile and training is not None:
            training = _json(training, source)
            compile_config = dict(training)
            compile_config["optimizer"] = compile_config.pop("optimizer_config", None)
            keras_format.compile_from_config(model, compile_config, source)
    load_legacy_weights_into(model, read_legacy_weights(h5file["model_weights"]), source)
    optimizer = getattr(model, "optimizer", None) if compile else None
    if optimizer is not None and "optimizer_weights" in h5file:
        group = h5file["optimizer_weights"]
        arrays = [np.asarray(group[n][()]) for n in read_names(group.attrs, "weight_names")]
        keras_format.build_optimizer(model)
        _assign(_optimizer_plan(optimizer, arrays, source))
    return model


def _json(raw, source):
    if isinstance(raw, bytes):
        raw = raw.decode("utf8")
    try:
        return json.loads(raw)
    except ValueError as error:
        raise file_utils.InvalidFileError(f"The model configuration in {source!r} is not valid "
                                          f"JSON ({error}); the file is corrupt.") from None
