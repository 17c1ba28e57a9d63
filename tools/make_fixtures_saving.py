"""Weights and model files written by real TensorFlow + Keras 3, for tests/test_keras_saving.py.

Run with the reference interpreter (TensorFlow is not a test dependency):

    /tmp/reftf/bin/python tools/make_fixtures_saving.py          # writes tests/fixtures/saving/
    /tmp/reftf/bin/python tools/make_fixtures_saving.py check DIR

`check DIR` is the other direction: DIR holds files written by tensorflux (the test writes them)
plus `expected.json`; real Keras builds the same architectures, loads each file and compares
its predictions with the ones tensorflux recorded. It prints one "OK <name>" line per file.

The architectures are defined once here (`build(name)`); the test builds the same ones with
tensorflux. Every model gets fixed weights (a seeded generator), so files stay reproducible.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, os.pardir, "tests", "fixtures", "saving")


def build(name):
    """The fixture architectures (tests/test_keras_saving.py builds the same ones)."""
    layers = keras.layers
    if name == "sequential":
        return keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="relu"),
                                 layers.Dropout(0.1), layers.Dense(2, name="out")],
                                name="seq")
    if name == "trained":           # no Dropout: continued training is deterministic
        return keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="relu"),
                                 layers.Dense(2, name="out")], name="trained")
    if name == "functional":
        a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
        shared = layers.Dense(4, activation="tanh", name="shared")
        left = shared(layers.Dense(3, name="pa")(a))
        right = shared(layers.Dense(3, name="pb")(b))
        merged = layers.concatenate([left, right])
        return keras.Model([a, b], [layers.Dense(1, name="o1")(merged),
                                    layers.Dense(2, activation="softmax", name="o2")(merged)],
                           name="multi")
    if name == "nested":
        inner = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="relu"),
                                  layers.Dense(2)], name="inner")
        return keras.Sequential([inner, layers.Softmax()], name="outer")
    raise ValueError(name)


def inputs(name):
    rng = np.random.default_rng(1)
    if name == "functional":
        return [rng.normal(size=(3, 3)).astype("float32"),
                rng.normal(size=(3, 2)).astype("float32")]
    return rng.normal(size=(3, 4)).astype("float32")


def set_fixed_weights(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(scale=0.5, size=w.shape).astype(w.dtype)
                       for w in model.get_weights()])


def predictions(model, x):
    out = model(x, training=False)
    out = [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else np.asarray(out)
    return [o.tolist() for o in out] if isinstance(out, list) else out.tolist()


def generate():
    os.makedirs(OUT, exist_ok=True)
    expected = {}
    for name in ("sequential", "functional", "nested"):
        keras.utils.set_random_seed(0)
        model = build(name)
        set_fixed_weights(model)
        model.save_weights(os.path.join(OUT, f"keras_{name}.weights.h5"))
        expected[name] = {"x": _listify(inputs(name)),
                          "y": predictions(model, inputs(name))}
    # A trained, compiled model: .keras (with optimizer state) and the legacy .h5 file.
    keras.utils.set_random_seed(0)
    model = build("trained")
    set_fixed_weights(model)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    rng = np.random.default_rng(2)
    x = rng.normal(size=(8, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
    model.save(os.path.join(OUT, "keras_trained.keras"))
    model.save(os.path.join(OUT, "keras_trained.h5"))
    model.save_weights(os.path.join(OUT, "keras_trained.weights.h5"))
    expected["trained"] = {
        "x": _listify(inputs("sequential")), "y": predictions(model, inputs("sequential")),
        "iterations": int(model.optimizer.iterations.numpy()),
        "optimizer_variables": [np.asarray(v.numpy()).tolist()
                                for v in model.optimizer.variables],
        "fit_x": x.tolist(), "fit_y": y.tolist(),
        # one more epoch continues from the saved optimizer state
        "after_more": _after_more_training(model, x, y)}
    with open(os.path.join(OUT, "expected.json"), "w") as handle:
        json.dump(expected, handle)
    print("wrote", sorted(os.listdir(OUT)))


def _after_more_training(model, x, y):
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    return [np.asarray(w).tolist() for w in model.get_weights()]


def _listify(x):
    return [a.tolist() for a in x] if isinstance(x, list) else x.tolist()


def _arrays(x):
    return [np.asarray(a, "float32") for a in x] if isinstance(x[0][0], list) else \
        np.asarray(x, "float32")


def check(directory):
    """Loads tensorflux-written files into real Keras and compares predictions."""
    with open(os.path.join(directory, "expected.json")) as handle:
        expected = json.load(handle)
    failures = 0
    for filename, case in sorted(expected.items()):
        path = os.path.join(directory, filename)
        try:
            if case.get("kind") == "model":
                model = keras.models.load_model(path)
            else:
                model = build(case["architecture"])
                model.load_weights(path)
            got = predictions(model, _arrays(case["x"]))
        except Exception as error:  # report every file, not just the first failure
            failures += 1
            print("FAILED", filename, f"{type(error).__name__}: {error}"[:2000])
            continue
        flat_got = np.concatenate([np.ravel(g) for g in got]) if case.get("multi") else \
            np.ravel(got)
        flat_want = np.concatenate([np.ravel(w) for w in case["y"]]) if case.get("multi") \
            else np.ravel(case["y"])
        if np.allclose(flat_got, flat_want, rtol=1e-5, atol=1e-6):
            print("OK", filename)
        else:
            failures += 1
            print("MISMATCH", filename, flat_got[:4], flat_want[:4])
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "check":
        check(sys.argv[2])
    else:
        generate()
