"""Layer: the unit of a Keras model. It owns weights (created in `build`), computes `call`,
and, called on KerasTensors, records itself into a functional model's graph."""
import inspect
import threading

import numpy as np

import tensorflux as tf
from tensorflux.framework import context, nest
from tensorflux.framework.module import Module
from tensorflux.framework.tensor import _NP_TO_DTYPE, Tensor
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.framework.variables import Variable
from tensorflux.keras import constraints, initializers, regularizers
from tensorflux.keras._registry import snake_case
from tensorflux.keras.engine import call_context
from tensorflux.keras.engine.keras_tensor import KerasTensor, Node

__all__ = ["Layer", "InputSpec", "unique_layer_name", "reset_names"]


class _Names(threading.local):
    def __init__(self):
        self.counts = {}


_names = _Names()


def unique_layer_name(base):
    """dense, dense_1, dense_2, ... (Keras' per-session naming)."""
    count = _names.counts.get(base, 0)
    _names.counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def reset_names():
    _names.counts.clear()


class InputSpec:
    """What a layer accepts: ndim / min_ndim / axes {axis: size} / dtype."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None):
        self.dtype = dtype
        self.shape = shape
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = axes or {}


_ALLOWED_KWARGS = {"input_shape", "batch_input_shape", "batch_size", "input_dim", "weights",
                   "activity_regularizer", "autocast", "dynamic", "input_length",
                   "implementation"}


class Layer(Module):
    """Base class of layers.

    Subclasses create weights in `build(input_shape)` with `add_weight`, compute in
    `call(inputs, training=None)` with tensorflux ops, and describe themselves in `get_config`.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: the layer's name (unique by default: dense, dense_1, ...).
        dtype: the dtype of weights and computations (float32 by default).
    """

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        unknown = set(kwargs) - _ALLOWED_KWARGS
        if unknown:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected keyword "
                            f"argument(s) {sorted(unknown)}. Check the spelling against the "
                            "layer's documented arguments.")
        object.__setattr__(self, "_sublayers", [])
        super().__init__(name=name or unique_layer_name(snake_case(type(self).__name__)))
        self._trainable = bool(trainable)
        self.built = False
        self._own_weights = []
        self._regularized = []          # (variable, regularizer) pairs
        self._activity_losses = []
        self._added_losses = []
        self._inbound_nodes = []
        self.supports_masking = False
        self.input_spec = None
        self._build_input_shape = None
        self.dtype = _dtype_name(dtype)
        self.activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        self._initial_weights = kwargs.get("weights")
        batch_input_shape = kwargs.get("batch_input_shape")
        if batch_input_shape is None:
            input_shape = kwargs.get("input_shape")
            if input_shape is None and kwargs.get("input_dim") is not None:
                input_shape = (kwargs["input_dim"],)
            if input_shape is not None:
                if isinstance(input_shape, int):
                    input_shape = (input_shape,)
                batch_input_shape = (kwargs.get("batch_size"),) + tuple(input_shape)
        self._batch_input_shape = None if batch_input_shape is None else tuple(
            batch_input_shape)
        self._call_accepts_training = "training" in _call_parameters(self.call)
        self._call_accepts_mask = "mask" in _call_parameters(self.call)

    @property
    def name(self):
        return self._module_name

    @name.setter
    def name(self, value):
        self._module_name = value

    # ---- tracking ---------------------------------------------------------------------------
    def __setattr__(self, name, value):
        if not name.startswith("_sublayers"):
            sublayers = self.__dict__.get("_sublayers")
            if sublayers is not None:
                for item in _layers_in(value):
                    if item is not self and all(item is not s for s in sublayers):
                        sublayers.append(item)
        object.__setattr__(self, name, value)

    @property
    def _layers(self):
        return list(self._sublayers)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._sublayers:
            layer.trainable = value

    # ---- weights ----------------------------------------------------------------------------
    def add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None,
                   trainable=True, constraint=None, use_resource=None, synchronization=None,
                   aggregation=None, **kwargs):
        """Creates a weight Variable owned by this layer (created eagerly, once)."""
        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = tf.as_dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating else "zeros"
        initializer = initializers.get(initializer)
        with context.init_scope():
            value = initializer(shape, dtype=dtype)
            variable = Variable(value, trainable=trainable, dtype=dtype,
                                name=f"{self.name}/{name or 'variable'}",
                                constraint=constraints.get(constraint))
        variable.path = f"{self.name}/{name or 'variable'}"
        variable.regularizer = regularizers.get(regularizer)
        self._own_weights.append(variable)
        if variable.regularizer is not None:
            self._regularized.append((variable, variable.regularizer))
        return variable

    add_variable = add_weight

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        own = [v for v in self._own_weights if v.trainable]
        return _unique(own + [w for layer in self._sublayers for w in layer.trainable_weights])

    @property
    def non_trainable_weights(self):
        if self._trainable:
            own = [v for v in self._own_weights if not v.trainable]
            nested = [w for layer in self._sublayers for w in layer.non_trainable_weights]
        else:
            own = list(self._own_weights)
            nested = [w for layer in self._sublayers for w in layer.weights]
        return _unique(own + nested)

    @property
    def weights(self):
        # Keras 3: layer order (own weights, then sublayers'), whatever is frozen, so
        # get_weights()/set_weights() keep their order when `trainable` changes
        own = [v for v in self._own_weights if v.trainable] + \
            [v for v in self._own_weights if not v.trainable]
        return _unique(own + [w for layer in self._sublayers for w in layer.weights])

    @property
    def variables(self):
        return self.weights

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights

    def get_weights(self):
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights):
        """Sets weights from NumPy arrays, in the order of `layer.weights`.

        Raises:
            ValueError: a count or shape mismatch (naming the layer, weight and shapes).
        """
        current = self.weights
        if len(weights) != len(current):
            raise ValueError(f"Layer {self.name!r} ({type(self).__name__}) expects "
                             f"{len(current)} weight arrays, but received {len(weights)}.")
        arrays = []
        for variable, value in zip(current, weights):
            array = np.asarray(value)
            if tuple(array.shape) != tuple(variable.shape.as_list()):
                raise ValueError(f"Layer {self.name!r} ({type(self).__name__}) weight "
                                 f"{variable.path!r} has shape {tuple(variable.shape)}, but "
                                 f"the provided array has shape {tuple(array.shape)}.")
            arrays.append(array)
        for variable, array in zip(current, arrays):
            variable.assign(array.astype(variable.dtype.as_numpy_dtype))

    def count_params(self):
        if not self.built and not self.weights:
            raise ValueError(f"You tried to call `count_params` on layer {self.name!r}, but "
                             "the layer isn't built. Build it first (call it on data or "
                             "call `build(input_shape)`).")
        return int(sum(np.prod(w.shape.as_list()) for w in self.weights))

    # ---- losses -----------------------------------------------------------------------------
    @property
    def losses(self):
        """Regularization penalties of the weights and activity losses of the last call."""
        found = []
        for layer in self._flatten_layers():
            for variable, regularizer in layer._regularized:
                found.append(regularizer(variable))
            found.extend(layer._activity_losses)
            found.extend(layer._added_losses)
        return found

    def add_loss(self, loss):
        self._added_losses.append(loss)
        _call_context.with_losses.append(self)

    def _clear_call_losses(self):
        """Forgets the add_loss / activity losses of this layer and its sublayers: as in
        Keras, `losses` holds those of the latest outermost call only."""
        holders = {id(layer) for layer in _call_context.with_losses}
        for layer in self._flatten_layers():
            if id(layer) in holders:
                layer._added_losses = []
                layer._activity_losses = []
        _call_context.with_losses = [layer for layer in _call_context.with_losses
                                     if layer._added_losses or layer._activity_losses]

    def _flatten_layers(self):
        result, stack, seen = [], [self], set()
        while stack:
            layer = stack.pop(0)
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            result.append(layer)
            stack.extend(layer._sublayers)
        return result

    # ---- building and calling ---------------------------------------------------------------
    def build(self, input_shape):
        self._build_input_shape = input_shape
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return inputs

    def _maybe_build(self, input_shapes):
        if self.built:
            return
        self._check_input_spec_shapes(input_shapes)
        with context.init_scope():
            shapes = input_shapes
            if isinstance(shapes, list) and len(shapes) == 1 and not _is_multi_input(self):
                shapes = shapes[0]
            self.build(shapes)
        self.built = True
        if self._build_input_shape is None:
            self._build_input_shape = input_shapes
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _check_input_spec_shapes(self, shapes):
        spec = self.input_spec
        if spec is None or isinstance(spec, (list, tuple)):
            return
        shape = shapes if isinstance(shapes, TensorShape) else None
        if shape is None or shape.rank is None:
            return
        _check_spec(self, spec, shape)

    def __call__(self, *args, **kwargs):
        context = _call_context
        if not context.depth and context.with_losses:
            self._clear_call_losses()  # an outermost call starts with no call losses
        context.depth += 1
        try:
            if args and type(args[0]) is Tensor and self.built:
                return self._call_tensor(args, kwargs)
            return self._call_general(args, kwargs)
        finally:
            context.depth -= 1

    def _call_general(self, args, kwargs):
        if not args and "inputs" in kwargs:
            args = (kwargs.pop("inputs"),)
        if not args:
            raise TypeError(f"Layer {self.name!r} was called without inputs.")
        inputs = args[0]
        flat = nest.flatten(inputs)
        if any(isinstance(t, KerasTensor) for t in flat):
            return self._symbolic_call(args, kwargs)
        # A Keras mask rides on a single input tensor (read before any dtype cast).
        previous_mask = getattr(inputs, "_keras_mask", None) if isinstance(inputs, Tensor) \
            else None
        inputs = nest.map_structure(self._convert_input, inputs)
        args = (inputs,) + args[1:]
        shapes = nest.map_structure(lambda t: t.shape, inputs)
        if not self.built:
            self._maybe_build(shapes)
        if self.input_spec is not None and not isinstance(self.input_spec, (list, tuple)) \
                and isinstance(inputs, Tensor):
            _check_spec(self, self.input_spec, inputs.shape)
        if self._call_accepts_training:
            training = kwargs.get("training")
            if training is None:
                training = call_context.current_training()
            kwargs["training"] = training
        else:
            kwargs.pop("training", None)
            training = call_context.current_training()
        if not self._call_accepts_mask:
            kwargs.pop("mask", None)
        elif kwargs.get("mask") is None and previous_mask is not None:
            kwargs["mask"] = previous_mask
        with call_context.training_scope(kwargs.get("training", training)):
            try:
                outputs = self.call(*args, **kwargs)
            except (tf.errors.OpError, ValueError, TypeError) as error:
                raise _in_layer_error(self, inputs, error) from error
        _propagate_mask(self, inputs, outputs, previous_mask)
        if self.activity_regularizer is not None:
            self._activity_losses = [self.activity_regularizer(o) / tf.cast(
                tf.shape(o)[0], o.dtype) for o in nest.flatten(outputs)]
            _call_context.with_losses.append(self)
        return outputs

    def _call_tensor(self, args, kwargs):
        """`__call__` on a built layer whose first argument is a plain Tensor (the common
        eager case): the same steps as the general path, each in its cheapest form.

        - the input's mask is read before any dtype cast; a floating input of another dtype
          than the layer's is cast (`_convert_input`, which a subclass may override, runs
          whenever the dtype differs or is overridden);
        - the input spec is checked on the eager value's shape tuple; only an input it does
          not accept goes through `_check_spec`, which raises the error naming the layer;
        - the training scope is entered only when it changes the training flag (entering
          one that pushes the current flag again is a no-op);
        - the mask is computed only when there is one or `compute_mask` is overridden.
        """
        inputs = args[0]
        previous_mask = getattr(inputs, "_keras_mask", None)
        value = inputs._value
        # the tensor's dtype (for an eager value, looked up without computing `inputs.dtype`)
        dtype = _NP_TO_DTYPE.get(value.dtype) if value is not None else inputs.dtype
        if dtype is None or dtype.name != self.dtype or \
                type(self)._convert_input is not _BASE_CONVERT:
            inputs = self._convert_input(inputs)
            args = (inputs,) + args[1:]
        spec = self.input_spec
        if spec is not None and not isinstance(spec, (list, tuple)) and \
                isinstance(inputs, Tensor):
            value = inputs._value
            if value is None or not _spec_accepts(spec, value.shape):
                _check_spec(self, spec, inputs.shape)
        stack = _call_context.training
        current = stack[-1] if stack else None
        if self._call_accepts_training:
            training = kwargs.get("training")
            if training is None:
                training = current
            kwargs["training"] = training
        else:
            if "training" in kwargs:
                del kwargs["training"]
            training = current
        if not self._call_accepts_mask:
            if "mask" in kwargs:
                del kwargs["mask"]
        elif previous_mask is not None and kwargs.get("mask") is None:
            kwargs["mask"] = previous_mask
        try:
            if training is current:
                outputs = self.call(*args, **kwargs)
            else:
                stack.append(training)
                try:
                    outputs = self.call(*args, **kwargs)
                finally:
                    stack.pop()
        except (tf.errors.OpError, ValueError, TypeError) as error:
            raise _in_layer_error(self, inputs, error) from error
        if previous_mask is not None or type(self).compute_mask is not _BASE_COMPUTE_MASK:
            _propagate_mask(self, inputs, outputs, previous_mask)
        if self.activity_regularizer is not None:
            self._activity_losses = [self.activity_regularizer(o) / tf.cast(
                tf.shape(o)[0], o.dtype) for o in nest.flatten(outputs)]
            _call_context.with_losses.append(self)
        return outputs

    def compute_mask(self, inputs, mask=None):
        """The mask of the outputs: the input mask when `supports_masking`, else None."""
        return mask if self.supports_masking else None

    def _convert_input(self, x):
        if isinstance(x, (Tensor, KerasTensor)) or x is None:
            if isinstance(x, Tensor) and x.dtype.is_floating and self.dtype and \
                    x.dtype.name != self.dtype and tf.as_dtype(self.dtype).is_floating:
                return tf.cast(x, self.dtype)
            return x
        if hasattr(x, "_as_tensor"):
            return x._as_tensor()
        array = np.asarray(x)
        if array.dtype.kind == "f" and tf.as_dtype(self.dtype).is_floating:
            array = array.astype(self.dtype, copy=False)
        return tf.convert_to_tensor(array)

    def _symbolic_call(self, args, kwargs):
        """Called on KerasTensors: trace `call` once in a scratch graph for output shapes."""
        from tensorflux.framework.function import FuncGraph
        inputs = args[0]
        shapes = nest.map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else None,
                                    inputs)
        if not self.built:
            self._maybe_build(shapes)
        graph = FuncGraph(f"{self.name}_symbolic")

        def placeholder(t):
            if isinstance(t, KerasTensor):
                return tf.compat.v1.placeholder(t.dtype, t.shape)
            return t
        with graph.as_default():
            traced_args = nest.map_structure(placeholder, list(args))
            traced_kwargs = nest.map_structure(placeholder, dict(kwargs))
            if self._call_accepts_training:
                traced_kwargs.setdefault("training", False)
            else:
                traced_kwargs.pop("training", None)
            if not self._call_accepts_mask:
                traced_kwargs.pop("mask", None)
            with call_context.training_scope(False):
                try:
                    outputs = self.call(*traced_args, **traced_kwargs)
                except (tf.errors.OpError, ValueError, TypeError) as error:
                    raise _in_layer_error(self, inputs, error) from error
        if _call_context.with_losses and _call_context.depth == 1:
            self._clear_call_losses()  # losses of the scratch trace are not the model's
        node_index = len(self._inbound_nodes)
        flat = nest.flatten(outputs)
        keras_outputs = []
        for i, t in enumerate(flat):
            kt = KerasTensor(t.shape, t.dtype, name=f"{self.name}/output_{i}" if len(flat) > 1
                             else f"{self.name}/output")
            kt._keras_history = (self, node_index, i)
            keras_outputs.append(kt)
        structured = nest.pack_sequence_as(outputs, keras_outputs)
        node = Node(self, list(args), dict(kwargs), structured)
        self._inbound_nodes.append(node)
        return structured

    # ---- functional-model views -----------------------------------------------------------
    def _node_tensors(self, attribute):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name!r} has never been called and thus has no "
                                 f"defined {attribute}.")
        if len(self._inbound_nodes) > 1:
            raise AttributeError(f"Layer {self.name!r} has multiple inbound nodes; its "
                                 f"{attribute} is ill-defined. Use get_{attribute}_at(index).")
        node = self._inbound_nodes[0]
        if attribute == "output":
            return node.outputs
        tensors = node.input_tensors
        return tensors[0] if len(tensors) == 1 else tensors

    @property
    def output(self):
        return self._node_tensors("output")

    @property
    def input(self):
        return self._node_tensors("input")

    def get_output_at(self, node_index):
        return self._inbound_nodes[node_index].outputs

    def get_input_at(self, node_index):
        tensors = self._inbound_nodes[node_index].input_tensors
        return tensors[0] if len(tensors) == 1 else tensors

    @property
    def output_shape(self):
        out = self.output
        return tuple(out.shape.as_tuple()) if isinstance(out, KerasTensor) else \
            [tuple(o.shape.as_tuple()) for o in nest.flatten(out)]

    @property
    def input_shape(self):
        inp = self.input
        return tuple(inp.shape.as_tuple()) if isinstance(inp, KerasTensor) else \
            [tuple(i.shape.as_tuple()) for i in inp]

    def compute_output_shape(self, input_shape):
        """Output shape for `input_shape`, found by tracing `call` symbolically."""
        shapes = nest.map_structure(
            lambda s: KerasTensor(TensorShape(s), self.dtype), input_shape,
        ) if not isinstance(input_shape, TensorShape) else KerasTensor(input_shape, self.dtype)
        saved = list(self._inbound_nodes)
        try:
            outputs = self._symbolic_call((shapes,), {})
        finally:
            self._inbound_nodes = saved
        return nest.map_structure(lambda kt: tuple(kt.shape.as_tuple()), outputs)

    # ---- configuration ----------------------------------------------------------------------
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(**config)

    def get_build_config(self):
        if self._build_input_shape is None:
            return None
        return {"input_shape": _shape_to_list(self._build_input_shape)}

    def build_from_config(self, config):
        if config and not self.built:
            shape = config.get("input_shape")
            self._maybe_build(_list_to_shape(shape))

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


_BASE_CONVERT = Layer._convert_input
_BASE_COMPUTE_MASK = Layer.compute_mask
_call_context = call_context._context


def _spec_accepts(spec, dims):
    """Whether `_check_spec` accepts a shape given as a tuple of ints (an eager value's
    shape): the same tests, without building a TensorShape. False means "ask _check_spec"."""
    rank = len(dims)
    if spec.ndim is not None and rank != spec.ndim:
        return False
    if spec.min_ndim is not None and rank < spec.min_ndim:
        return False
    axes = spec.axes
    if axes:
        for axis, size in axes.items():
            if size is not None and -rank <= axis < rank and dims[axis] != size:
                return False
    return True


def _propagate_mask(layer, inputs, outputs, previous_mask):
    """Gives a single output tensor without a mask `layer.compute_mask(...)`, as Keras does."""
    if not isinstance(outputs, Tensor) or getattr(outputs, "_keras_mask", None) is not None:
        return
    if previous_mask is None and type(layer).compute_mask is Layer.compute_mask:
        return
    mask = layer.compute_mask(inputs, previous_mask)
    if mask is not None:
        outputs._keras_mask = mask


def _dtype_name(dtype):
    """A layer dtype argument (None, a name, a DType, a policy or its config) -> a name."""
    if dtype is None or isinstance(dtype, dict):
        return "float32"
    if isinstance(dtype, tf.DType):
        return dtype.name
    name = getattr(dtype, "name", dtype)
    return "float32" if name in ("mixed_float16", "mixed_bfloat16") else tf.as_dtype(name).name


def _call_parameters(function):
    try:
        return inspect.signature(function).parameters
    except (TypeError, ValueError):
        return {}


def _is_multi_input(layer):
    return getattr(layer, "_multi_input", False)


def _layers_in(value):
    if isinstance(value, Layer):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, Layer)]
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, Layer)]
    return []


def _unique(items):
    seen, out = set(), []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out


def _check_spec(layer, spec, shape):
    rank = shape.rank
    if rank is None:
        return
    where = f'Input 0 of layer "{layer.name}" ({type(layer).__name__})'
    if spec.ndim is not None and rank != spec.ndim:
        raise ValueError(f"{where} is incompatible with the layer: expected ndim={spec.ndim}, "
                         f"found ndim={rank}. Full shape received: {tuple(shape.as_tuple())}")
    if spec.min_ndim is not None and rank < spec.min_ndim:
        raise ValueError(f"{where} is incompatible with the layer: expected min_ndim="
                         f"{spec.min_ndim}, found ndim={rank}. Full shape received: "
                         f"{tuple(shape.as_tuple())}")
    for axis, size in (spec.axes or {}).items():
        actual = shape[axis] if -rank <= axis < rank else None
        if size is not None and actual is not None and actual != size:
            raise ValueError(f"{where} is incompatible with the layer: expected axis {axis} of "
                             f"input shape to have value {size}, but received input with "
                             f"shape {tuple(shape.as_tuple())}")


def _describe(inputs):
    parts = []
    for t in nest.flatten(inputs):
        if hasattr(t, "shape") and hasattr(t, "dtype"):
            shape = t.shape.as_tuple() if hasattr(t.shape, "as_tuple") else tuple(t.shape)
            parts.append(f"shape={tuple(shape) if shape is not None else None}, "
                         f"dtype={getattr(t.dtype, 'name', t.dtype)}")
    return "; ".join(parts)


def _in_layer_error(layer, inputs, error):
    message = str(error)
    if message.startswith("Exception encountered when calling layer"):
        return error
    text = (f"Exception encountered when calling layer {layer.name!r} "
            f"({type(layer).__name__}).\n\n{message}\n\nArguments received by "
            f"{type(layer).__name__}.call(): inputs: {_describe(inputs)}")
    if isinstance(error, tf.errors.OpError):
        return type(error)(None, None, text)
    return type(error)(text)


def _shape_to_list(shape):
    if isinstance(shape, TensorShape):
        return None if shape.rank is None else list(shape.as_tuple())
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (TensorShape, list,
                                                                            tuple)):
        return [_shape_to_list(s) for s in shape]
    return list(shape) if shape is not None else None


def _list_to_shape(value):
    if value is None:
        return None
    if value and isinstance(value[0], list):
        return [TensorShape(v) for v in value]
    return TensorShape(value)
