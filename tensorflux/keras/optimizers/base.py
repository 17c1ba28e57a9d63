"""The Keras 3 `Optimizer` base class.

An optimizer owns an int64 step counter (`iterations`), a learning rate (a float kept in a
Variable, a `LearningRateSchedule` evaluated at `iterations`, or a callable), and slot variables
created once per model variable by `build`. `apply_gradients` / `apply` run, in Keras' order:
drop None gradients, unscale (`loss_scale_factor`), clip (`clipnorm`, `global_clipnorm` or
`clipvalue`), decoupled weight decay (`w -= w * weight_decay * lr`), the update of each variable,
variable constraints, the moving average of the weights (`use_ema`), and `iterations += 1`.

Built-in optimizers update each variable with one fused in-place op (kernels in
`tensorflux.kernels.keras_optimizers`), which also applies the weight decay. Everything is made
of ops, so the same code runs eagerly, inside a `tf.function` (the ops join the traced graph and
read the step counter each call) and in a TF1 graph, where `apply_gradients` returns the
training op to run in a Session.

Custom optimizers follow Keras 3: subclass `Optimizer`, create slots in `build` with
`add_variable_from_reference`, and implement `update_step(gradient, variable, learning_rate)`
with `self.assign`, `self.assign_add` and `self.assign_sub`.
"""
import re
import warnings

import numpy as np

from tensorflux.framework import context, dtypes
from tensorflux.framework.registry import get_op, not_differentiable, register_op
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.framework.variables import Variable
from tensorflux.keras.optimizers import schedules as schedules_module
from tensorflux.kernels import keras_optimizers as kernels

__all__ = ["Optimizer"]


# ---- the fused update ops ---------------------------------------------------------------------

def _variable_shape(inputs, attrs):
    return [attrs["variable"].shape]


def _variable_dtype(input_dtypes, attrs):
    return [attrs["variable"].dtype]


_OPS = {"KerasApplySGD": kernels.sgd, "KerasApplyAdam": kernels.adam,
        "KerasApplyRMSprop": kernels.rmsprop, "KerasApplyAdagrad": kernels.adagrad,
        "KerasApplyAdadelta": kernels.adadelta, "KerasApplyAdamax": kernels.adamax,
        "KerasApplyNadam": kernels.nadam, "KerasNadamMomentumProduct": kernels.nadam_u_product,
        "KerasApplyFtrl": kernels.ftrl, "KerasApplyLion": kernels.lion,
        "KerasMovingAverage": kernels.moving_average, "KerasCopyVariable": kernels.copy_into}
for _name, _kernel in _OPS.items():
    try:
        get_op(_name)
    except LookupError:
        register_op(_name, _kernel, _variable_shape, _variable_dtype, stateful=True)
        not_differentiable(_name)
try:
    get_op("KerasApplyAdamMany")
except LookupError:
    # several variables in one update; its output only says that the update ran
    register_op("KerasApplyAdamMany", kernels.adam_many, lambda inputs, attrs: [TensorShape([])],
                lambda input_dtypes, attrs: [dtypes.bool], stateful=True)
    not_differentiable("KerasApplyAdamMany")


# ---- helpers ------------------------------------------------------------------------------------

_NAME_COUNTS = {}


def _snake_case(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _unique_name(class_name):
    """Keras' automatic names: "adam", "adam_1", ... (reset by `reset_names`)."""
    base = _snake_case(class_name)
    count = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def reset_names():
    """Restarts automatic optimizer names (for `keras.backend.clear_session`)."""
    _NAME_COUNTS.clear()


def _unwrap(variable):
    """The tf.Variable behind a model variable (a Keras variable wrapper exposes `.value`)."""
    if isinstance(variable, Variable):
        return variable
    inner = getattr(variable, "value", None)
    if isinstance(inner, Variable):
        return inner
    inner = getattr(variable, "_variable", None)
    if isinstance(inner, Variable):
        return inner
    raise TypeError(f"Optimizers update tf.Variable objects, but got {type(variable).__name__}: "
                    f"{variable!r}. Pass the model's `trainable_variables`.")


def _variable_label(variable):
    return getattr(variable, "path", None) or variable.name


class VariableList(list):
    """A list of variables that can also be called, for Keras 2 code that wrote
    `optimizer.variables()`."""

    def __call__(self):
        return self


def _ops():
    from tensorflux import ops as tfops
    return tfops


def _math():
    from tensorflux.ops import math_ops
    return math_ops


_LEGACY_IGNORED = ("decay", "schedule_decay", "jit_compile", "is_legacy_optimizer")


class Optimizer:
    """Base class of the Keras optimizers.

    Args:
        learning_rate: a float, a `keras.optimizers.schedules.LearningRateSchedule` (evaluated
            at `iterations` on every step) or a callable taking no arguments.
        weight_decay: if set, decoupled weight decay: `w -= w * weight_decay * lr` before each
            update.
        clipnorm: clip each gradient so that its L2 norm is at most this value.
        clipvalue: clip each gradient element to [-clipvalue, clipvalue].
        global_clipnorm: clip all gradients together so that their global norm is at most this.
        use_ema: keep an exponential moving average of the weights (`ema_momentum`), copied
            into the weights every `ema_overwrite_frequency` steps or by
            `finalize_variable_values`.
        loss_scale_factor: gradients are divided by it (see `scale_loss`).
        gradient_accumulation_steps: not supported by tensorflux (raises if set).
        name: the optimizer's name; default the class name in snake case ("adam", "adam_1").

    Keras 2 spellings are accepted: `lr=` (with a DeprecationWarning) and the removed `decay=`
    (ignored with a warning, as Keras 3 does).

    Example:
        >>> w = tf.Variable([1.0, 2.0])
        >>> optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)
        >>> _ = optimizer.apply_gradients([(tf.constant([1.0, 1.0]), w)])
        >>> w.numpy()
        array([0.9, 1.9], dtype=float32)
    """

    # Built-in optimizers fold the weight decay into their fused update op, and declare their
    # slots (`_slot_groups`), so that they can add slots for variables met after `build`.
    _fused_weight_decay = False
    _builtin = False

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if "lr" in kwargs:
            warnings.warn("The `lr` argument is deprecated, use `learning_rate` instead.",
                          DeprecationWarning, stacklevel=3)
            learning_rate = kwargs.pop("lr")
        for key in _LEGACY_IGNORED:
            value = kwargs.pop(key, None)
            if value not in (None, 0, 0.0, False):
                warnings.warn(f"Argument `{key}` is no longer supported and will be ignored.",
                              stacklevel=3)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if gradient_accumulation_steps:
            if not gradient_accumulation_steps >= 2:
                raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. "
                                 f"Received: gradient_accumulation_steps="
                                 f"{gradient_accumulation_steps}")
            raise NotImplementedError(
                f"{type(self).__name__}: gradient_accumulation_steps="
                f"{gradient_accumulation_steps} is not implemented in tensorflux. Use a larger "
                "batch size, or accumulate gradients yourself and call apply_gradients "
                "every N steps.")
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError("`ema_momentum` must be in the range [0, 1]. "
                                 f"Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                            or ema_overwrite_frequency < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                                 f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                             f"set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        self.name = name if name is not None else _unique_name(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables = VariableList()
        self._trainable_variables = []
        self._index = {}
        self._slots = {}
        self._model_variables_moving_average = []
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._update_ops = None
        self._iterations = self._new_variable(np.int64(0), "iteration")
        self._learning_rate = None
        self._set_learning_rate(learning_rate, initial=True)

    # ---- variables ---------------------------------------------------------------------------
    def _new_variable(self, value, name):
        variable = Variable(value, trainable=False, name=name)
        self._variables.append(variable)
        return variable

    @property
    def variables(self):
        """All optimizer variables: iterations, the learning rate (when a float), the slots."""
        return VariableList(self._variables)

    @property
    def iterations(self):
        """The number of steps applied: an int64 Variable."""
        return self._iterations

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none",
                     layout=None, name=None):
        """Creates and tracks a non-trainable optimizer variable."""
        dtype = dtypes.as_dtype(dtype or "float32")
        shape = tuple(int(d) for d in (shape.as_list() if hasattr(shape, "as_list") else shape))
        value = _initial_value(initializer, shape, dtype)
        return self._new_variable(value, name or "variable")

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A slot shaped and typed like `reference_variable`, named `<variable>_<name>`."""
        name = name or "var"
        path = getattr(reference_variable, "path", None)
        if path:
            name = f"{path.replace('/', '_')}_{name}"
        else:
            label = str(reference_variable.name).replace("/", "_").replace(":", "_")
            name = f"{label}_{name}"
        return self.add_variable(reference_variable.shape, initializer=initializer,
                                 dtype=reference_variable.dtype, name=name)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable and per name (interleaved as Keras creates them); a list,
        or a tuple of lists when `name` is a list."""
        names = [name] if isinstance(name, str) else list(name)
        inits = initializer if isinstance(initializer, (list, tuple)) else \
            [initializer] * len(names)
        if len(inits) != len(names):
            raise ValueError("The number of provided names must match the number of provided "
                             f"initializers. Received name='{name}', "
                             f"initializer='{initializer}'")
        created = tuple([] for _ in names)
        for variable in trainable_variables:
            for i, (slot_name, init) in enumerate(zip(names, inits)):
                created[i].append(self.add_variable_from_reference(variable, slot_name, init))
        return created[0] if isinstance(name, str) else created

    def build(self, var_list):
        """Creates the slot variables of `var_list` (once; later calls do nothing)."""
        if self.built:
            return
        var_list = [_unwrap(v) for v in var_list]
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(
                var_list, "average")
        for i, variable in enumerate(var_list):
            self._index[id(variable)] = i
        self._trainable_variables = var_list[:]
        self._build_slots(var_list)
        self.built = True

    def _slot_groups(self):
        """Slots of a built-in optimizer: groups of (name, initial value); each group is created
        for all variables, interleaved, as Keras' `add_optimizer_variables` does."""
        return []

    def _build_slots(self, var_list):
        self._create_slot_groups(var_list)
        self._build_extra(var_list)

    def _create_slot_groups(self, var_list):
        for group in self._slot_groups():
            names = [name for name, _ in group]
            made = self.add_optimizer_variables(var_list, names, [init for _, init in group])
            for name, slots in zip(names, made):
                self._slots.setdefault(name, []).extend(slots)

    def _build_extra(self, var_list):
        """Optimizer-wide variables created after the slots (Nadam's momentum product)."""

    def _extend(self, new_variables):
        """Slots for variables met after `build` (Keras 2 allowed reusing an optimizer)."""
        if type(self).build is not Optimizer.build or not self._builtin:
            raise ValueError(
                f"Unknown variable: {_variable_label(new_variables[0])}. This optimizer can "
                "only be called for the variables it was originally built with. When working "
                "with a new set of variables, you should recreate a new optimizer instance.")
        start = len(self._trainable_variables)
        for i, variable in enumerate(new_variables):
            self._index[id(variable)] = start + i
        self._trainable_variables.extend(new_variables)
        if self.use_ema:
            self._model_variables_moving_average.extend(
                self.add_optimizer_variables(new_variables, "average"))
        self._create_slot_groups(new_variables)

    def _get_variable_index(self, variable):
        return self._index[id(_unwrap(variable))]

    def _slot(self, name, variable):
        slots = self._slots.get(name)
        return None if not slots else slots[self._get_variable_index(variable)]

    # ---- learning rate -----------------------------------------------------------------------
    def _set_learning_rate(self, learning_rate, initial=False):
        previous = self._learning_rate if isinstance(self._learning_rate, Variable) else None
        if isinstance(learning_rate, schedules_module.LearningRateSchedule):
            self._learning_rate = learning_rate
        elif isinstance(learning_rate, Variable) and initial:
            self._learning_rate = learning_rate
            self._variables.append(learning_rate)
            return
        elif callable(learning_rate) and not isinstance(learning_rate, (Tensor, Variable)):
            self._learning_rate = learning_rate
        else:
            value = _as_float(learning_rate, type(self).__name__)
            if previous is not None:
                previous.assign(np.float32(value))
                return
            if isinstance(self._learning_rate, schedules_module.LearningRateSchedule):
                raise TypeError(
                    "This optimizer was created with a `LearningRateSchedule` object as its "
                    "`learning_rate` constructor argument, hence its learning rate is not "
                    "settable. If you need the learning rate to be settable, you should "
                    "instantiate the optimizer with a float `learning_rate` argument.")
            variable = Variable(np.float32(value), trainable=False, name="learning_rate")
            self._variables.insert(1, variable)
            self._learning_rate = variable
            return
        if previous is not None:
            self._variables.remove(previous)

    def _get_current_learning_rate(self):
        if isinstance(self._learning_rate, schedules_module.LearningRateSchedule):
            return self._learning_rate(self._iterations)
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate
        if callable(self._learning_rate):
            return self._learning_rate()
        return self._learning_rate

    @property
    def learning_rate(self):
        """The learning rate: its Variable (assignable) for a float rate, else the schedule's
        value at the current step. Setting it assigns a float or installs a schedule."""
        return self._get_current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self._set_learning_rate(learning_rate)

    @property
    def lr(self):
        """Keras 2 alias of `learning_rate`."""
        return self.learning_rate

    @lr.setter
    def lr(self, learning_rate):
        self.learning_rate = learning_rate

    # ---- applying gradients ------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars, name=None, **kwargs):
        """Applies (gradient, variable) pairs; returns `iterations` (in a TF1 graph, the
        training op)."""
        pairs = list(grads_and_vars)
        if not pairs:
            return self._iterations
        grads, variables = zip(*pairs)
        return self.apply(list(grads), list(variables))

    def apply(self, grads, trainable_variables=None):
        """Updates `trainable_variables` (default: those the optimizer was built with) with
        `grads`, one gradient per variable; None gradients are skipped with a warning."""
        grads = list(grads)
        if not grads:
            return self._iterations
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                 "already be built on a list of variables. Call "
                                 "`optimizer.build(trainable_variables)` first.")
            variables = list(self._trainable_variables)
            if len(grads) != len(variables):
                raise ValueError(
                    "When passing `grads` as a list of gradient tensors, the gradients must "
                    f"match `optimizer.variables` one-to-one. Received a list of {len(grads)} "
                    f"gradients, but the optimizer is tracking {len(variables)} trainable "
                    "variables.")
        else:
            variables = [_unwrap(v) for v in trainable_variables]
            if len(grads) != len(variables):
                raise ValueError(f"Got {len(grads)} gradients for {len(variables)} variables; "
                                 "pass one gradient (or None) per variable.")
            if not self.built:
                self.build(variables)
            unknown = [v for v in variables if id(v) not in self._index]
            if unknown:
                self._extend(unknown)
        grads, variables = self._filter_empty_gradients(grads, variables)
        tfops = _ops()
        graph_mode = not context.executing_eagerly()
        self._update_ops = [] if graph_mode else None
        grads = [self._dense(g) for g in grads]
        if self.loss_scale_factor is not None:
            grads = [g / self.loss_scale_factor for g in grads]
        grads = self._clip_gradients(grads)
        learning_rate = tfops.convert_to_tensor(self._get_current_learning_rate())
        if not learning_rate.dtype.is_floating:
            learning_rate = tfops.cast(learning_rate, dtypes.float32)
        if self.weight_decay is not None and not self._fused_weight_decay:
            self._apply_weight_decay(variables, learning_rate)
        self._backend_update_step(grads, variables, learning_rate)
        for variable in variables:
            constraint = getattr(variable, "constraint", None)
            if constraint is not None:
                self._record(variable.assign(constraint(variable)))
        if self.use_ema:
            self._update_model_variables_moving_average(self._trainable_variables)
        self._record(self._iterations.assign_add(np.int64(1)))
        updates, self._update_ops = self._update_ops, None
        if graph_mode and not getattr(context.get_default_graph(), "building_function", False):
            return tfops.group(*updates, name=self.name)
        return self._iterations

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        for grad, variable in zip(grads, trainable_variables):
            self.update_step(grad, variable, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        """Updates one variable; custom optimizers override this."""
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  "`update_step(gradient, variable, learning_rate)`.")

    def minimize(self, loss, var_list=None, tape=None, grad_loss=None, name=None):
        """Computes the gradients of `loss` and applies them (Keras 2 / TF2 API).

        `loss` is a callable (eager) or a tensor: recorded by `tape`, or symbolic (graph mode).
        `var_list` may be a callable returning the variables; by default, the trainable
        variables `loss` reads.
        """
        from tensorflux.framework.tape import GradientTape
        if callable(loss) and not isinstance(loss, Tensor):
            with GradientTape() as new_tape:
                if var_list is not None and not callable(var_list):
                    new_tape.watch(var_list)
                loss_value = loss()
            tape = new_tape
            loss = loss_value
        if callable(var_list):
            var_list = var_list()
        if tape is not None:
            variables = list(var_list) if var_list is not None else \
                list(tape.watched_variables())
            grads = tape.gradient(loss, variables, output_gradients=grad_loss)
        elif isinstance(loss, Tensor) and loss._value is None:
            from tensorflux.framework import backprop
            from tensorflux.framework.graph import GraphKeys
            if var_list is None:
                var_list = loss.op.graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
            variables = list(var_list)
            grads = backprop.gradients([loss], variables,
                                       grad_ys=None if grad_loss is None else [grad_loss])
        else:
            raise ValueError("`tape` is required when a `Tensor` loss is passed. Received: "
                             f"loss={loss!r}, tape={tape}. Pass a callable loss "
                             "(`lambda: loss_fn(...)`) or the GradientTape that recorded it.")
        return self.apply_gradients(zip(grads, variables))

    # ---- pieces of apply ---------------------------------------------------------------------
    def _record(self, result):
        if self._update_ops is not None and result is not None:
            self._update_ops.append(result)
        return result

    def _fused_update(self, op_type, gradient, variable, learning_rate, **attrs):
        """One fused in-place update of `variable` (built-in optimizers), with its weight
        decay folded in."""
        variable = _unwrap(variable)
        attrs["variable"] = variable
        attrs["weight_decay"] = self._weight_decay_for(variable)
        return self._apply_op(op_type, [learning_rate, gradient], attrs)

    def _apply_op(self, op_type, inputs, attrs):
        """Runs (eagerly) or adds (graph) one fused update op."""
        tfops = _ops()
        return self._record(tfops._apply(op_type, inputs, attrs, name=op_type))

    @staticmethod
    def _dense(gradient):
        """The gradient as a dense tensor (an IndexedSlices-like object is summed into rows)."""
        tfops = _ops()
        if isinstance(gradient, Tensor):
            return gradient
        values = getattr(gradient, "values", None)
        indices = getattr(gradient, "indices", None)
        dense_shape = getattr(gradient, "dense_shape", None)
        if values is not None and indices is not None and dense_shape is not None:
            rows = int(np.asarray(dense_shape.numpy() if hasattr(dense_shape, "numpy")
                                  else dense_shape)[0])
            return tfops.unsorted_segment_sum(values, indices, rows)
        return tfops.convert_to_tensor(gradient)

    def _filter_empty_gradients(self, grads, variables):
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        missing = [_variable_label(v) for g, v in zip(grads, variables) if g is None]
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          "loss. If using `model.compile()`, did you forget to provide a "
                          "`loss` argument?", stacklevel=3)
        return [g for g, _ in kept], [v for _, v in kept]

    def _clip_gradients(self, grads):
        m = _math()
        if self.clipnorm and self.clipnorm > 0:
            clipped = []
            for g in grads:
                norm = m.sqrt(m.reduce_sum(m.square(g)))
                clipped.append(g * self.clipnorm / m.maximum(norm, self.clipnorm))
            return clipped
        if self.global_clipnorm and self.global_clipnorm > 0:
            squares = [m.reduce_sum(m.square(g)) for g in grads]
            total = squares[0]
            for s in squares[1:]:
                total = total + m.cast(s, total.dtype)
            norm = m.sqrt(total)
            limit = self.global_clipnorm
            # clip / max(norm, clip), plus (norm - norm) so that an inf/NaN norm gives NaN as
            # in Keras
            scale = limit / m.maximum(norm, limit) + (norm - norm)
            return [g * m.cast(scale, g.dtype) for g in grads]
        if self.clipvalue and self.clipvalue > 0:
            v = self.clipvalue
            return [m.clip_by_value(g, -v, v) for g in grads]
        return grads

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Variables (or variables whose name contains one of `var_names`) that get no weight
        decay; call before the optimizer is built."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._exclude_ids = {id(_unwrap(v)) for v in var_list or []}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        if self._exclude_pattern is not None and \
                self._exclude_pattern.search(variable.name) is not None:
            return False
        return True

    def _weight_decay_for(self, variable):
        """The weight decay a fused update applies to `variable` (0.0 for none)."""
        if self.weight_decay is None or not self._use_weight_decay(variable):
            return 0.0
        return float(self.weight_decay)

    def _apply_weight_decay(self, variables, learning_rate):
        m = _math()
        for variable in variables:
            if self._use_weight_decay(variable):
                lr = m.cast(learning_rate, variable.dtype)
                self._record(variable.assign_sub(
                    variable * m.cast(self.weight_decay, variable.dtype) * lr))

    # ---- moving average of the weights -------------------------------------------------------
    def _update_model_variables_moving_average(self, trainable_variables):
        for variable, average in zip(trainable_variables, self._model_variables_moving_average):
            self._apply_op("KerasMovingAverage", [], {
                "variable": variable, "average": average, "iterations": self._iterations,
                "momentum": float(self.ema_momentum),
                "overwrite_frequency": int(self.ema_overwrite_frequency or 0)})

    def finalize_variable_values(self, var_list):
        """With `use_ema`, replaces the weights by their moving averages (end of `fit`)."""
        if self.use_ema:
            for variable, average in zip(var_list, self._model_variables_moving_average):
                self._apply_op("KerasCopyVariable", [], {"variable": _unwrap(variable),
                                                         "source": average})

    # ---- Keras' variable helpers ------------------------------------------------------------
    def assign(self, variable, value):
        self._record(_unwrap(variable).assign(_cast_like(value, variable)))

    def assign_add(self, variable, value):
        self._record(_unwrap(variable).assign_add(_cast_like(value, variable)))

    def assign_sub(self, variable, value):
        self._record(_unwrap(variable).assign_sub(_cast_like(value, variable)))

    def scale_loss(self, loss):
        """The loss times `loss_scale_factor` (when set)."""
        return loss * self.loss_scale_factor if self.loss_scale_factor is not None else loss

    # ---- state ---------------------------------------------------------------------------------
    def get_weights(self):
        """The optimizer variables' values (Keras 2)."""
        return [v.numpy() for v in self._variables]

    def set_weights(self, weights):
        if not self.built:
            raise ValueError("You are calling `set_weights()` on an optimizer that has not yet "
                             "been built. Please call `optimizer.build(trainable_variables)` "
                             "to create the optimizer weights before calling `set_weights()`.")
        for variable, weight in zip(self._variables, weights):
            weight = np.asarray(weight)
            if tuple(variable.shape.as_list()) != weight.shape:
                raise ValueError(f"Optimizer variable {variable.name} has shape "
                                 f"{tuple(variable.shape.as_list())} not compatible with "
                                 f"provided weight shape {weight.shape}.")
            variable.assign(weight.astype(variable.dtype.as_numpy_dtype))

    def save_own_variables(self, store):
        for i, variable in enumerate(self._variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        if len(store.keys()) != len(self._variables):
            message = (f"Skipping variable loading for optimizer '{self.name}', because it has "
                       f"{len(self._variables)} variables whereas the saved optimizer has "
                       f"{len(store.keys())} variables. ")
            if len(self._variables) == 0:
                message += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(message, stacklevel=2)
            return
        for i, variable in enumerate(self._variables):
            variable.assign(np.asarray(store[str(i)]).astype(variable.dtype.as_numpy_dtype))

    # ---- configuration -----------------------------------------------------------------------
    def get_config(self):
        rate = self._learning_rate
        if isinstance(rate, schedules_module.LearningRateSchedule):
            learning_rate = schedules_module.serialize(rate)
        elif isinstance(rate, Variable):
            learning_rate = float(rate.numpy())
        elif isinstance(rate, Tensor):
            learning_rate = float(rate)
        else:
            learning_rate = rate  # a callable: kept as is (not JSON-serializable)
        return {"name": self.name, "learning_rate": learning_rate,
                "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
                "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules_module.deserialize(
                config["learning_rate"], custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__module__.rsplit('.', 1)[0]}.{type(self).__name__} " \
               f"name={self.name!r}>"


def _as_float(value, owner):
    if isinstance(value, bool) or value is None:
        raise ValueError(_bad_learning_rate(value))
    if isinstance(value, (Tensor, Variable)):
        try:
            return float(np.asarray(value.numpy()))
        except Exception:
            raise ValueError(_bad_learning_rate(value)) from None
    try:
        array = np.asarray(value)
    except Exception:
        raise ValueError(_bad_learning_rate(value)) from None
    if array.shape != () or array.dtype.kind not in "fiu":
        raise ValueError(_bad_learning_rate(value))
    return float(array)


def _bad_learning_rate(value):
    return ("Argument `learning_rate` should be float, or an instance of LearningRateSchedule, "
            "or a callable (that takes in the current iteration value and returns the "
            f"corresponding learning rate value). Received instead: learning_rate={value!r}")


def _cast_like(value, variable):
    m = _math()
    tfops = _ops()
    value = tfops.convert_to_tensor(value, dtype_hint=variable.dtype) \
        if not isinstance(value, Tensor) else value
    if value.dtype != variable.dtype:
        value = m.cast(value, variable.dtype)
    return value


def _initial_value(initializer, shape, dtype):
    np_dtype = dtype.as_numpy_dtype
    if isinstance(initializer, str):
        key = initializer.lower()
        if key in ("zeros", "zero"):
            return np.zeros(shape, np_dtype)
        if key in ("ones", "one"):
            return np.ones(shape, np_dtype)
        try:
            from tensorflux.keras import initializers
        except ImportError:
            raise ValueError(f"Unknown initializer {initializer!r} for an optimizer variable; "
                             "use 'zeros', 'ones', a number or a callable.") from None
        initializer = initializers.get(initializer)
    if isinstance(initializer, (int, float, np.number)):
        return np.full(shape, initializer, np_dtype)
    if callable(initializer):
        value = initializer(shape, dtype=dtype)
        value = value.numpy() if hasattr(value, "numpy") else value
        return np.asarray(value, dtype=np_dtype).reshape(shape)
    return np.asarray(initializer, dtype=np_dtype).reshape(shape)
