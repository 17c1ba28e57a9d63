"""Writes tests/fixtures/keras_activations.json from real Keras 3 (TensorFlow backend).

Run with the reference interpreter (TensorFlow is not a test dependency):

    /tmp/reftf/bin/python tools/make_fixtures_keras_activations.py

Contents: `inputs` (a small float32 matrix with values around the kinks at -1, -0.5, 0, 0.5
and 1) and `cases`: for each keras.activations function added in Keras 3 (celu, glu,
hard_shrink, ...), the keyword arguments used and Keras' output for `inputs`.

sparsemax is left out: Keras 3.15 computes its threshold from the sum of the cumulative sums
over the support instead of the k-th cumulative sum (keras-team/keras#23425, fixed upstream
by #23469), so its outputs do not sum to 1 whenever two or more logits are in the support.
tensorflux implements the correct projection; tests check it against a NumPy reference.
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, os.pardir, "tests", "fixtures", "keras_activations.json")

INPUTS = np.array([[-3.0, -1.0, -0.75, -0.5, -0.25, 0.0],
                   [0.25, 0.5, 0.75, 1.0, 1.5, 3.0],
                   [-2.2, 0.1, 0.3, -0.6, 2.5, -0.05]], dtype=np.float32)

CASES = [
    ("celu", {}), ("celu", {"alpha": 0.5}),
    ("glu", {}),
    ("hard_shrink", {}), ("hard_shrink", {"threshold": 1.0}),
    ("hard_tanh", {}),
    ("log_sigmoid", {}),
    ("soft_shrink", {}), ("soft_shrink", {"threshold": 0.25}),
    ("sparse_plus", {}),
    ("sparse_sigmoid", {}),
    ("squareplus", {}), ("squareplus", {"b": 1}),
    ("tanh_shrink", {}),
    ("threshold", {"threshold": 0.3, "default_value": -1.0}),
]


def main():
    cases = []
    for name, kwargs in CASES:
        value = keras.ops.convert_to_numpy(getattr(keras.activations, name)(INPUTS, **kwargs))
        cases.append({"name": name, "kwargs": kwargs,
                      "expected": np.asarray(value, dtype=np.float32).tolist()})
    with open(OUT, "w") as handle:
        json.dump({"keras_version": keras.__version__, "inputs": INPUTS.tolist(),
                   "cases": cases}, handle, indent=1)
        handle.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
