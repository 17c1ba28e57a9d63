"""Writes tests/fixtures/keras_optimizers.json from real TensorFlow + Keras 3.

Run with the reference interpreter (TensorFlow is not a test dependency):

    /tmp/reftf/bin/python tools/make_fixtures_optimizers.py

For each optimizer case: two small variables, three steps of fixed gradients applied with
`optimizer.apply_gradients`, then the variables' values and every optimizer variable (slots,
iterations). For each schedule: its values at a handful of steps. Also the `get_config()` of
each optimizer and schedule, to pin the configuration keys and defaults.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, os.pardir, "tests", "fixtures", "keras_optimizers.json")

KERNEL = [[1.0, -2.0, 3.0], [0.5, -0.25, 2.0]]
BIAS = [0.1, -0.3, 0.0]
KERNEL_GRAD = np.array([[0.1, -0.2, 0.3], [-0.4, 0.5, 0.05]])
BIAS_GRAD = np.array([0.3, 0.0, -0.2])
SCALES = [1.0, -0.5, 2.0]          # gradient of step k = base gradient * SCALES[k]

SCHEDULE_CASES = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10,
                          "decay_rate": 0.5}),
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10,
                          "decay_rate": 0.5, "staircase": True}),
    ("PiecewiseConstantDecay", {"boundaries": [5, 20], "values": [1.0, 0.5, 0.1]}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 50,
                         "end_learning_rate": 0.01, "power": 0.5}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 50, "cycle": True}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5,
                          "staircase": True}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 100}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 100, "alpha": 0.1}),
    ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 100, "warmup_target": 0.1,
                     "warmup_steps": 10}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 10}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 10,
                             "t_mul": 1.0, "m_mul": 0.5, "alpha": 0.1}),
]
SCHEDULE_STEPS = [0, 1, 2, 5, 9, 10, 11, 25, 50, 75, 100, 110, 1000]

# (optimizer class, config); a "learning_rate" given as [schedule class, config] is a schedule.
OPTIMIZER_CASES = [
    ("SGD", {}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"learning_rate": 0.1, "clipnorm": 0.3}),
    ("SGD", {"learning_rate": 0.1, "clipvalue": 0.25}),
    ("SGD", {"learning_rate": 0.1, "global_clipnorm": 0.5}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.5, "weight_decay": 0.1}),
    ("SGD", {"learning_rate": ["PiecewiseConstantDecay",
                               {"boundaries": [1], "values": [0.1, 0.01]}]}),
    ("SGD", {"learning_rate": 0.1, "use_ema": True, "ema_momentum": 0.9,
             "ema_overwrite_frequency": 2}),
    ("Adam", {}),
    ("Adam", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-3,
              "amsgrad": True}),
    ("Adam", {"learning_rate": ["ExponentialDecay",
                                {"initial_learning_rate": 0.01, "decay_steps": 1,
                                 "decay_rate": 0.5}]}),
    ("Adam", {"learning_rate": 0.01, "weight_decay": 0.05, "clipnorm": 0.2}),
    ("Adam", {"learning_rate": ["CosineDecay",
                                {"initial_learning_rate": 0.0, "decay_steps": 4,
                                 "warmup_target": 0.02, "warmup_steps": 2}]}),
    ("AdamW", {}),
    ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {}),
    ("RMSprop", {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.9}),
    ("RMSprop", {"learning_rate": 0.01, "centered": True}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True, "epsilon": 1e-4}),
    ("Adagrad", {}),
    ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5, "epsilon": 1e-3}),
    ("Adadelta", {}),
    ("Adadelta", {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-4}),
    ("Adamax", {}),
    ("Adamax", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.9}),
    ("Nadam", {}),
    ("Nadam", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99}),
    ("Ftrl", {}),
    ("Ftrl", {"learning_rate": 0.1, "learning_rate_power": -0.7,
              "initial_accumulator_value": 0.2, "l1_regularization_strength": 0.01,
              "l2_regularization_strength": 0.02,
              "l2_shrinkage_regularization_strength": 0.03, "beta": 0.1}),
    ("Lion", {}),
    ("Lion", {"learning_rate": 0.01, "beta_1": 0.95, "beta_2": 0.9, "weight_decay": 0.1}),
]


def make_schedule(class_name, config):
    return getattr(keras.optimizers.schedules, class_name)(**config)


def make_optimizer(class_name, config):
    config = dict(config)
    if isinstance(config.get("learning_rate"), list):
        config["learning_rate"] = make_schedule(*config["learning_rate"])
    return getattr(keras.optimizers, class_name)(**config)


def run_case(class_name, config, dtype):
    optimizer = make_optimizer(class_name, config)
    kernel = tf.Variable(np.array(KERNEL, dtype=dtype), name="kernel")
    bias = tf.Variable(np.array(BIAS, dtype=dtype), name="bias")
    for scale in SCALES:
        grads = [tf.constant(KERNEL_GRAD * scale, dtype=dtype),
                 tf.constant(BIAS_GRAD * scale, dtype=dtype)]
        optimizer.apply_gradients(zip(grads, [kernel, bias]))
    config_out = optimizer.get_config()
    config_out.pop("name")
    return {
        "class_name": class_name,
        "config": config,
        "dtype": dtype,
        "kernel": kernel.numpy().tolist(),
        "bias": bias.numpy().tolist(),
        "optimizer_variables": {v.name: np.asarray(v.numpy()).tolist()
                                for v in optimizer.variables},
        "get_config": _jsonable(config_out),
    }


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def main():
    fixture = {
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "kernel": KERNEL, "bias": BIAS,
        "kernel_grad": KERNEL_GRAD.tolist(), "bias_grad": BIAS_GRAD.tolist(),
        "scales": SCALES,
        "schedule_steps": SCHEDULE_STEPS,
        "schedules": [],
        "optimizers": [],
    }
    for class_name, config in SCHEDULE_CASES:
        schedule = make_schedule(class_name, config)
        values = [float(schedule(step)) for step in SCHEDULE_STEPS]
        # the step as an int64 variable, as an optimizer passes it
        step_variable = tf.Variable(0, dtype=tf.int64)
        variable_values = []
        for step in SCHEDULE_STEPS:
            step_variable.assign(step)
            variable_values.append(float(schedule(step_variable)))
        fixture["schedules"].append({
            "class_name": class_name, "config": config, "values": values,
            "values_at_int64_step": variable_values,
            "get_config": _jsonable(schedule.get_config()),
            "serialized": _jsonable(keras.optimizers.schedules.serialize(schedule)),
        })
    for class_name, config in OPTIMIZER_CASES:
        fixture["optimizers"].append(run_case(class_name, config, "float32"))
    for class_name, config in (("Adam", {"learning_rate": 0.01}),
                               ("SGD", {"learning_rate": 0.1, "momentum": 0.9,
                                        "nesterov": True}),
                               ("RMSprop", {"learning_rate": 0.01, "centered": True})):
        fixture["optimizers"].append(run_case(class_name, config, "float64"))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    text = json.dumps(fixture, indent=1, sort_keys=True)
    with open(OUT + ".tmp", "w") as handle:
        handle.write(text + "\n")
    os.replace(OUT + ".tmp", OUT)
    print(f"wrote {os.path.normpath(OUT)}: {len(fixture['optimizers'])} optimizer cases, "
          f"{len(fixture['schedules'])} schedules, {len(text) // 1024} KB", file=sys.stderr)


if __name__ == "__main__":
    main()
