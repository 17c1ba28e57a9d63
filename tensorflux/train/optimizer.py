"""TF1 optimizers: `minimize(loss)` = `compute_gradients` + `apply_gradients`.

In a graph, `minimize` adds the gradient ops and one fused in-place update op per variable,
grouped into the returned training op (which also increments `global_step` if given). Slot
variables (momentum accumulators, Adam moments) are created next to each variable, named like
TF1's ("w/Momentum", "w/Adam", "w/Adam_1"), and are initialized by
`global_variables_initializer`. Eagerly, `minimize` takes a callable loss.
"""
import numpy as np

from tensorflux.framework import context, dtypes, errors
from tensorflux.framework.graph import GraphKeys
from tensorflux.framework.registry import not_differentiable, register_op
from tensorflux.framework.tensor import Tensor
from tensorflux.framework.variables import Variable
from tensorflux.kernels import optimizers as ok

__all__ = ["Optimizer", "GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer",
           "RMSPropOptimizer", "AdagradOptimizer", "AdadeltaOptimizer"]


def _variable_shape(inputs, attrs):
    return [attrs["variable"].shape]


def _variable_dtype(d, attrs):
    return [attrs["variable"].dtype]


for _name, _kernel in (("ApplyGradientDescent", ok.apply_gradient_descent),
                       ("ApplyMomentum", ok.apply_momentum), ("ApplyAdam", ok.apply_adam),
                       ("ApplyRMSProp", ok.apply_rms_prop), ("ApplyAdagrad", ok.apply_adagrad),
                       ("ScaleVariable", ok.scale_in_place)):
    register_op(_name, _kernel, _variable_shape, _variable_dtype, stateful=True)
    not_differentiable(_name)


class Optimizer:
    """Base class of the TF1 optimizers."""

    GATE_NONE, GATE_OP, GATE_GRAPH = 0, 1, 2

    def __init__(self, use_locking=False, name="Optimizer"):
        self._name = name
        self._use_locking = use_locking
        self._slots = {}   # (slot name, id(variable)) -> slot Variable

    def get_name(self):
        return self._name

    # ---- gradients ----------------------------------------------------------------------------
    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        """A list of (gradient, variable) pairs; the gradient is None for unconnected ones."""
        from tensorflux.framework import backprop
        from tensorflux.framework.tape import GradientTape
        if callable(loss) and not isinstance(loss, Tensor):
            if context.executing_eagerly():
                with GradientTape() as tape:
                    value = loss()
                variables = var_list if var_list is not None else tape.watched_variables()
                variables = list(variables() if callable(variables) else variables)
                grads = tape.gradient(value, variables, output_gradients=grad_loss)
                return list(zip(grads, variables))
            loss = loss()
        if context.executing_eagerly():
            raise RuntimeError("`loss` passed to Optimizer.compute_gradients should be a "
                               "function when eager execution is enabled.")
        if var_list is None:
            graph = loss.op.graph if isinstance(loss, Tensor) and loss._value is None else \
                context.get_default_graph()
            var_list = graph.get_collection(GraphKeys.TRAINABLE_VARIABLES) + \
                graph.get_collection("trainable_resource_variables")
        var_list = list(var_list)
        if not var_list:
            raise ValueError("No variables to optimize: create tf.Variables (trainable=True) "
                             "before calling minimize().")
        grads = backprop.gradients([loss], var_list,
                                   grad_ys=None if grad_loss is None else [grad_loss])
        return list(zip(grads, var_list))

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None, tape=None):
        """Adds the ops that update `var_list` (default: all trainable variables) to lower
        `loss`; returns the training op (run it in a Session)."""
        grads_and_vars = self.compute_gradients(loss, var_list=var_list, grad_loss=grad_loss)
        connected = [(g, v) for g, v in grads_and_vars if g is not None]
        if not connected:
            names = [v.name for _, v in grads_and_vars]
            raise ValueError(f"No gradients provided for any variable, check your graph for ops "
                             f"that do not support gradients, between variables {names} and "
                             f"loss {loss!r}.")
        return self.apply_gradients(connected, global_step=global_step, name=name)

    # ---- updates ------------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        from tensorflux.ops import array_ops
        from tensorflux import ops as tfops
        grads_and_vars = [(g, v) for g, v in grads_and_vars]
        for g, v in grads_and_vars:
            if not isinstance(v, Variable):
                raise TypeError(f"apply_gradients expects (gradient, Variable) pairs, got "
                                f"{type(v).__name__}.")
        if not grads_and_vars:
            raise ValueError("No gradients provided for any variable.")
        eager = context.executing_eagerly()
        with _null() if eager else context.get_default_graph().name_scope(
                name or self._name):
            self._create_slots([v for _, v in grads_and_vars])
            self._prepare()
            updates = []
            for grad, var in grads_and_vars:
                if grad is None:
                    continue
                grad = tfops.convert_to_tensor(grad)
                if grad.dtype != var.dtype:
                    grad = tfops.cast(grad, var.dtype)
                updates.append(self._apply_dense(grad, var))
            updates.extend(self._finish())
            if global_step is not None:
                updates.append(global_step.assign_add(np.int64(1) if global_step.dtype ==
                                                      dtypes.int64 else 1))
        if eager:
            return None
        return array_ops.group(*updates, name=name or self._name)

    def _prepare(self):
        pass

    def _finish(self):
        return []

    def _create_slots(self, var_list):
        pass

    def _zeros_slot(self, var, slot_name, op_name, initial=0.0):
        key = (slot_name, id(var))
        slot = self._slots.get(key)
        if slot is None:
            value = np.full(var.shape.as_list(), initial, dtype=var.dtype.as_numpy_dtype)
            with _outside_function():
                slot = Variable(value, trainable=False, name=f"{var._op_name}/{op_name}")
            self._slots[key] = slot
        return slot

    def get_slot(self, var, name):
        return self._slots.get((name, id(var)))

    def get_slot_names(self):
        return sorted({name for name, _ in self._slots})

    def variables(self):
        return list(self._slots.values())

    def _lr(self, value, var):
        from tensorflux import ops as tfops
        value = value() if callable(value) else value
        if isinstance(value, (Tensor,)) or hasattr(value, "_as_tensor"):
            return tfops.cast(tfops.convert_to_tensor(value), var.dtype)
        return tfops.constant(np.asarray(value, dtype=var.dtype.as_numpy_dtype))

    def _apply(self, op_type, inputs, attrs):
        from tensorflux import ops as tfops
        return tfops._apply(op_type, inputs, attrs, name=op_type)


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * gradient"""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _apply_dense(self, grad, var):
        return self._apply("ApplyGradientDescent", [self._lr(self._learning_rate, var), grad],
                           {"variable": var})


class MomentumOptimizer(Optimizer):
    """accum = momentum * accum + g; var -= lr * accum (Nesterov: lr * (g + momentum * accum))"""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _apply_dense(self, grad, var):
        return self._apply("ApplyMomentum", [self._lr(self._learning_rate, var), grad,
                                             self._lr(self._momentum, var)],
                           {"variable": var, "accum": self.get_slot(var, "momentum"),
                            "use_nesterov": self._use_nesterov})


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba) in TF1's form, with bias correction folded into the step size."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._beta1, self._beta2, self._epsilon = beta1, beta2, epsilon
        self._beta1_power = self._beta2_power = None

    def _create_slots(self, var_list):
        if self._beta1_power is None:
            dtype = var_list[0].dtype.as_numpy_dtype
            with _outside_function():
                self._beta1_power = Variable(np.asarray(self._beta1, dtype=dtype),
                                             trainable=False, name="beta1_power")
                self._beta2_power = Variable(np.asarray(self._beta2, dtype=dtype),
                                             trainable=False, name="beta2_power")
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name + "_1")

    def _apply_dense(self, grad, var):
        return self._apply("ApplyAdam", [self._lr(self._learning_rate, var),
                                         self._lr(self._beta1, var), self._lr(self._beta2, var),
                                         self._lr(self._epsilon, var), grad],
                           {"variable": var, "m": self.get_slot(var, "m"),
                            "v": self.get_slot(var, "v"), "beta1_power": self._beta1_power,
                            "beta2_power": self._beta2_power})

    def _finish(self):
        dtype = self._beta1_power.dtype
        return [self._apply("ScaleVariable", [self._lr(self._beta1, self._beta1_power)],
                            {"variable": self._beta1_power}),
                self._apply("ScaleVariable", [self._lr(self._beta2, self._beta2_power)],
                            {"variable": self._beta2_power})] if dtype else []

    def variables(self):
        extra = [self._beta1_power, self._beta2_power] if self._beta1_power is not None else []
        return extra + super().variables()


class RMSPropOptimizer(Optimizer):
    """TF1 RMSProp: the mean-square slot starts at 1.0; decay 0.9, epsilon 1e-10."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10,
                 use_locking=False, centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._decay, self._momentum, self._epsilon = decay, momentum, epsilon
        self._centered = centered

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "rms", self._name, initial=1.0)
            self._zeros_slot(v, "momentum", self._name + "_1")
            if self._centered:
                self._zeros_slot(v, "mg", self._name + "_2")

    def _apply_dense(self, grad, var):
        return self._apply("ApplyRMSProp", [self._lr(self._learning_rate, var),
                                            self._lr(self._decay, var),
                                            self._lr(self._momentum, var),
                                            self._lr(self._epsilon, var), grad],
                           {"variable": var, "ms": self.get_slot(var, "rms"),
                            "mom": self.get_slot(var, "momentum"), "centered": self._centered,
                            "mg": self.get_slot(var, "mg")})


class AdagradOptimizer(Optimizer):
    """accum += g^2; var -= lr g / sqrt(accum); accumulators start at 0.1"""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad"):
        super().__init__(use_locking, name)
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        self._learning_rate = learning_rate
        self._initial = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accumulator", self._name, initial=self._initial)

    def _apply_dense(self, grad, var):
        return self._apply("ApplyAdagrad", [self._lr(self._learning_rate, var), grad],
                           {"variable": var, "accum": self.get_slot(var, "accumulator")})


def _apply_adadelta_kernel(xp, lr, rho, epsilon, grad, variable, accum, accum_update):
    """TF1 Adadelta: accum = rho accum + (1 - rho) g^2;
    update = sqrt(accum_update + eps) / sqrt(accum + eps) g;
    accum_update = rho accum_update + (1 - rho) update^2; var -= lr update."""
    w, a, u = ok._storage(variable), ok._storage(accum), ok._storage(accum_update)
    a *= rho
    a += (1 - rho) * grad * grad
    update = np.sqrt(u + epsilon) / np.sqrt(a + epsilon) * grad
    u *= rho
    u += (1 - rho) * update * update
    w -= (lr * update).astype(w.dtype, copy=False)
    return w


register_op("ApplyAdadelta", _apply_adadelta_kernel, _variable_shape, _variable_dtype,
            stateful=True)
not_differentiable("ApplyAdadelta")


class AdadeltaOptimizer(Optimizer):
    """Adadelta (Zeiler 2012) with TF1's defaults: learning_rate 0.001, rho 0.95, eps 1e-8."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-08, use_locking=False,
                 name="Adadelta"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._rho, self._epsilon = rho, epsilon

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum", self._name)
            self._zeros_slot(v, "accum_update", self._name + "_1")

    def _apply_dense(self, grad, var):
        return self._apply("ApplyAdadelta", [self._lr(self._learning_rate, var),
                                             self._lr(self._rho, var),
                                             self._lr(self._epsilon, var), grad],
                           {"variable": var, "accum": self.get_slot(var, "accum"),
                            "accum_update": self.get_slot(var, "accum_update")})


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


class _outside_function:
    """Slots are created outside any name scope of the update (TF1 puts them by the var)."""

    def __enter__(self):
        self._scope = None
        if not context.executing_eagerly():
            graph = context.get_default_graph()
            self._graph = graph
            self._scope = graph._scope
            graph._scope = ""
        return self

    def __exit__(self, *exc):
        if self._scope is not None:
            self._graph._scope = self._scope
        return False


del errors
