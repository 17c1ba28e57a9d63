"""keras.saving: weights files (Keras 3 and legacy layouts), .keras / .h5 / directory models,
config serialization, atomic writes, error cases, and compatibility with real Keras files
(tests/fixtures/saving/, written by tools/make_fixtures_saving.py)."""
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras import saving
from tensorflux.keras.saving import h5_format

h5py = pytest.importorskip("h5py")
keras = tf.keras
layers = keras.layers

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "saving")
TOOL = os.path.join(HERE, os.pardir, "tools", "make_fixtures_saving.py")
REFERENCE_PYTHON = "/tmp/reftf/bin/python"


def build(name):
    """The architectures of tools/make_fixtures_saving.py."""
    if name == "sequential":
        return keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="relu"),
                                 layers.Dropout(0.1), layers.Dense(2, name="out")],
                                name="seq")
    if name == "trained":
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


def sample(name, rng=None):
    rng = rng or np.random.default_rng(7)
    if name == "functional":
        return [rng.normal(size=(3, 3)).astype("float32"),
                rng.normal(size=(3, 2)).astype("float32")]
    return rng.normal(size=(3, 4)).astype("float32")


def randomize(model, seed=3):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


def predict(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in out] if isinstance(out, list) else np.asarray(out)


def assert_same_outputs(a, b, **tolerance):
    tolerance = tolerance or {"rtol": 1e-6, "atol": 1e-6}
    if isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, **tolerance)
    else:
        np.testing.assert_allclose(a, b, **tolerance)


def h5_structure(path, with_names=False):
    """{object path: (shape, dtype)} of an HDF5 file (groups map to None)."""
    found = {}
    with h5py.File(path, "r") as handle:
        def visit(name, item):
            if isinstance(item, h5py.Dataset):
                found[name] = (item.shape, item.dtype.str)
            else:
                found[name] = item.attrs.get("name") if with_names else None
        handle.visititems(visit)
    return found


def expected_fixtures():
    with open(os.path.join(FIXTURES, "expected.json")) as handle:
        return json.load(handle)


def as_arrays(x):
    return [np.asarray(a, "float32") for a in x] if isinstance(x[0][0], list) else \
        np.asarray(x, "float32")


def compiled_trained_model(name="trained", epochs=2):
    model = randomize(build(name))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    x, y = train_data()
    model.fit(x, y, batch_size=4, epochs=epochs, verbose=0, shuffle=False)
    return model


def train_data():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(8, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64")


# ---- weights files: round trips ---------------------------------------------------------------
@pytest.mark.parametrize("name", ["sequential", "functional", "nested"])
@pytest.mark.parametrize("suffix", [".weights.h5", ".h5"])
def test_weights_round_trip(tmp_path, name, suffix):
    source = randomize(build(name))
    path = tmp_path / f"model{suffix}"
    source.save_weights(path)
    with open(path, "rb") as handle:
        assert handle.read(8) == b"\x89HDF\r\n\x1a\n"
    target = build(name)
    target.load_weights(str(path))
    for a, b in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert_same_outputs(predict(source, sample(name)), predict(target, sample(name)))
    assert os.listdir(tmp_path) == [path.name]          # no temporary file left behind


@pytest.mark.parametrize("name", ["sequential", "functional", "nested"])
def test_weights_layout_is_keras_3(tmp_path, name):
    """Same groups, dataset paths, shapes and dtypes as the file real Keras wrote."""
    model = build(name)
    model.save_weights(tmp_path / "w.weights.h5")
    ours = h5_structure(tmp_path / "w.weights.h5")
    theirs = h5_structure(os.path.join(FIXTURES, f"keras_{name}.weights.h5"))
    assert ours == theirs


def test_weights_layout_names_and_optimizer(tmp_path):
    model = compiled_trained_model()
    model.save_weights(tmp_path / "w.weights.h5")
    structure = h5_structure(tmp_path / "w.weights.h5", with_names=True)
    assert structure["vars"] == "trained"
    assert structure["layers/dense_1/vars"] == "out"
    assert structure["layers/dense/vars/0"] == ((4, 3), "<f4")
    # iterations, learning rate, then (momentum, velocity) per weight: as Keras 3 writes them
    assert structure["optimizer/vars/0"] == ((), "<i8")
    assert structure["optimizer/vars/1"] == ((), "<f4")
    assert structure["optimizer/vars/9"] == ((2,), "<f4")
    assert h5_structure(tmp_path / "w.weights.h5") == h5_structure(
        os.path.join(FIXTURES, "keras_trained.weights.h5"))


def test_legacy_h5_layout(tmp_path):
    model = randomize(build("functional"))
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as handle:
        names = [n.decode() for n in handle.attrs["layer_names"]]
        assert names == [layer.name for layer in model.layers]
        assert [n.decode() for n in handle["shared"].attrs["weight_names"]] == \
            ["shared/kernel:0", "shared/bias:0"]
        np.testing.assert_array_equal(handle["shared/shared/kernel:0"][()],
                                      model.get_layer("shared").kernel.numpy())
        assert len(handle["a"].attrs["weight_names"]) == 0


def test_legacy_h5_by_name(tmp_path):
    source = randomize(build("trained"))
    source.save_weights(tmp_path / "w.h5")
    # another model sharing only the layer named "out": by_name loads just that one
    other = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="different"),
                              layers.Dense(2, name="out")])
    before = other.get_layer("different").get_weights()
    other.load_weights(tmp_path / "w.h5", by_name=True)
    np.testing.assert_array_equal(other.get_layer("out").kernel.numpy(),
                                  source.get_layer("out").kernel.numpy())
    np.testing.assert_array_equal(other.get_layer("different").get_weights()[0], before[0])


def test_subclassed_model_weights(tmp_path):
    class Blocks(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = layers.Dense(3)
            self.blocks = [layers.Dense(2), layers.Dense(2)]
            self.out = layers.Dense(1)

        def call(self, x):
            x = self.d1(x)
            for block in self.blocks:
                x = block(x)
            return self.out(x)

    x = sample("sequential")
    source = Blocks()
    source(x)
    randomize(source)
    source.save_weights(tmp_path / "w.weights.h5")
    # the paths real Keras 3.15 writes for this class
    paths = {p for p, v in h5_structure(tmp_path / "w.weights.h5").items()
             if p.endswith("/vars") or p == "vars"}
    assert paths == {"vars", "d1/vars", "blocks/dense/vars", "blocks/dense_1/vars",
                     "layers/dense_3/vars"}
    target = Blocks()
    target(x)
    target.load_weights(tmp_path / "w.weights.h5")
    assert_same_outputs(predict(source, x), predict(target, x))


def test_load_weights_from_keras_archive(tmp_path):
    source = randomize(build("trained"))
    source.save(tmp_path / "m.keras")
    target = build("trained")
    target.load_weights(tmp_path / "m.keras")
    assert_same_outputs(predict(source, sample("trained")), predict(target, sample("trained")))


# ---- compatibility with files written by real Keras 3 -----------------------------------------
@pytest.mark.parametrize("name", ["sequential", "functional", "nested"])
def test_loads_real_keras_weights(name):
    expected = expected_fixtures()[name]
    model = build(name)
    model.load_weights(os.path.join(FIXTURES, f"keras_{name}.weights.h5"))
    y = predict(model, as_arrays(expected["x"]))
    want = [np.asarray(v) for v in expected["y"]] if name == "functional" else \
        np.asarray(expected["y"])
    assert_same_outputs(y, want, rtol=1e-5, atol=1e-6)


def test_loads_real_keras_model_and_resumes_training():
    expected = expected_fixtures()["trained"]
    model = keras.models.load_model(os.path.join(FIXTURES, "keras_trained.keras"))
    assert type(model).__name__ == "Sequential" and model.name == "trained"
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert int(model.optimizer.iterations.numpy()) == expected["iterations"] == 4
    for variable, value in zip(model.optimizer.variables, expected["optimizer_variables"]):
        np.testing.assert_allclose(variable.numpy(), value, rtol=1e-6)
    assert_same_outputs(predict(model, as_arrays(expected["x"])), np.asarray(expected["y"]),
                        rtol=1e-5, atol=1e-6)
    x, y = np.asarray(expected["fit_x"], "float32"), np.asarray(expected["fit_y"])
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    for ours, theirs in zip(model.get_weights(), expected["after_more"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)


def test_loads_real_keras_legacy_h5():
    expected = expected_fixtures()["trained"]
    path = os.path.join(FIXTURES, "keras_trained.h5")
    model = build("trained")
    model.load_weights(path)
    assert_same_outputs(predict(model, as_arrays(expected["x"])), np.asarray(expected["y"]),
                        rtol=1e-5, atol=1e-6)
    loaded = keras.models.load_model(path)
    assert int(loaded.optimizer.iterations.numpy()) == 4
    assert_same_outputs(predict(loaded, as_arrays(expected["x"])), np.asarray(expected["y"]),
                        rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(not os.path.exists(REFERENCE_PYTHON),
                    reason="needs real TensorFlow + Keras at /tmp/reftf")
def test_real_keras_loads_tensorflux_files(tmp_path):
    cases = {}
    for name in ("sequential", "functional", "nested"):
        model = randomize(build(name))
        x = sample(name)
        y = predict(model, x)
        entry = {"architecture": name, "multi": name == "functional",
                 "x": [a.tolist() for a in x] if name == "functional" else x.tolist(),
                 "y": [a.tolist() for a in y] if name == "functional" else y.tolist()}
        model.save_weights(tmp_path / f"{name}.weights.h5")
        cases[f"{name}.weights.h5"] = entry
        model.save_weights(tmp_path / f"{name}.h5")
        cases[f"{name}.h5"] = entry
    for name in ("trained", "functional"):
        model = randomize(build(name))
        model.compile(optimizer="adam", loss="mse")
        x = sample(name)
        y = predict(model, x)
        model.save(tmp_path / f"{name}.keras")
        cases[f"{name}.keras"] = {"kind": "model", "multi": name == "functional",
                                  "x": [a.tolist() for a in x] if name == "functional"
                                  else x.tolist(),
                                  "y": [a.tolist() for a in y] if name == "functional"
                                  else y.tolist()}
    with open(tmp_path / "expected.json", "w") as handle:
        json.dump(cases, handle)
    result = subprocess.run([REFERENCE_PYTHON, TOOL, "check", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert result.stdout.count("OK ") == len(cases), result.stdout


# ---- whole models -------------------------------------------------------------------------------
def test_keras_archive_round_trip_functional(tmp_path):
    source = randomize(build("functional"))
    source.compile(optimizer="adam", loss=["mse", "categorical_crossentropy"])
    source.save(tmp_path / "m.keras")
    assert zipfile.is_zipfile(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json",
                                              "model.weights.h5"]
        config = json.loads(archive.read("config.json"))
    assert config["class_name"] == "Functional" and config["compile_config"]["loss"] == \
        ["mse", "categorical_crossentropy"]
    shared = next(l for l in config["config"]["layers"] if l["name"] == "shared")
    assert len(shared["inbound_nodes"]) == 2
    assert shared["inbound_nodes"][1]["args"][0]["config"]["keras_history"] == ["pb", 0, 0]
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert [l.name for l in loaded.layers] == [l.name for l in source.layers]
    assert loaded.get_layer("shared") is loaded.layers[4] and \
        len(loaded.get_layer("shared")._inbound_nodes) == 2
    assert_same_outputs(predict(source, sample("functional")),
                        predict(loaded, sample("functional")))
    assert loaded.compiled and loaded.loss == ["mse", "categorical_crossentropy"]


@pytest.mark.parametrize("name", ["sequential", "nested", "functional"])
@pytest.mark.parametrize("filename", ["m.keras", "m.h5", "folder"])
def test_model_round_trip(tmp_path, name, filename):
    source = randomize(build(name))
    source.save(tmp_path / filename)
    loaded = keras.models.load_model(tmp_path / filename)
    assert type(loaded) is type(source) and loaded.name == source.name
    assert [l.name for l in loaded.layers] == [l.name for l in source.layers]
    assert_same_outputs(predict(source, sample(name)), predict(loaded, sample(name)))


def test_subclassed_model_round_trip(tmp_path):
    @saving.register_keras_serializable(package="Tests")
    class Net(keras.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = layers.Dense(units, activation="relu")
            self.head = layers.Dense(1)

        def call(self, x):
            return self.head(self.hidden(x))

        def get_config(self):
            return {"units": self.units, "name": self.name}

    x, y = np.ones((4, 4), "float32"), np.ones((4, 1), "float32")
    built_by_call, built_by_build = Net(units=5), Net(units=5)
    built_by_call(x)
    built_by_build.build((None, 4))
    for model in (built_by_call, built_by_build):
        randomize(model)
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y, epochs=2, verbose=0)
        model.save(tmp_path / "net.keras")
        loaded = keras.models.load_model(tmp_path / "net.keras")
        assert type(loaded) is Net and loaded.units == 5
        assert int(loaded.optimizer.iterations.numpy()) == 2
        assert_same_outputs(predict(model, x), predict(loaded, x))


def test_saved_model_resumes_training_exactly(tmp_path):
    model = compiled_trained_model()
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert int(loaded.optimizer.iterations.numpy()) == 4
    assert abs(float(loaded.optimizer.learning_rate.numpy()) - 0.01) < 1e-9
    assert isinstance(loaded.loss, keras.losses.SparseCategoricalCrossentropy)
    assert loaded.loss.get_config()["from_logits"] is True
    x, y = train_data()
    for m in (model, loaded):
        m.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert int(loaded.optimizer.iterations.numpy()) == 6
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0),
                               rtol=1e-6)


def test_save_without_extension_makes_a_directory(tmp_path):
    model = compiled_trained_model()
    path = tmp_path / "path_to_my_model"
    model.save(str(path))
    assert path.is_dir()
    assert sorted(os.listdir(path)) == ["config.json", "metadata.json", "model.weights.h5"]
    model.save(str(path))                 # overwriting a directory works too
    assert sorted(os.listdir(tmp_path)) == ["path_to_my_model"]
    loaded = keras.models.load_model(str(path))
    assert int(loaded.optimizer.iterations.numpy()) == 4
    assert_same_outputs(predict(model, sample("trained")), predict(loaded, sample("trained")))


def test_h5_full_model_round_trip(tmp_path):
    model = compiled_trained_model()
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as handle:
        assert "model_config" in handle.attrs and "training_config" in handle.attrs
        assert "model_weights" in handle and "optimizer_weights" in handle
    loaded = keras.models.load_model(tmp_path / "m.h5")
    assert int(loaded.optimizer.iterations.numpy()) == 4
    assert_same_outputs(predict(model, sample("trained")), predict(loaded, sample("trained")))
    uncompiled = keras.models.load_model(tmp_path / "m.h5", compile=False)
    assert not uncompiled.compiled


def test_model_config_and_clone(tmp_path):
    source = randomize(build("functional"))
    config = source.get_config()
    rebuilt = keras.Model.from_config(config)
    assert rebuilt.get_config() == config
    rebuilt.set_weights(source.get_weights())
    assert_same_outputs(predict(source, sample("functional")),
                        predict(rebuilt, sample("functional")))
    from_json = keras.models.model_from_json(source.to_json())
    assert [l.name for l in from_json.layers] == [l.name for l in source.layers]
    clone = keras.models.clone_model(build("sequential"))
    assert [type(l).__name__ for l in clone.layers] == ["Dense", "Dropout", "Dense"]


def test_single_input_structure_is_kept(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Dense(2)(inputs))
    config = model.get_config()
    assert config["input_layers"] == [model.layers[0].name, 0, 0]
    rebuilt = keras.Model.from_config(config)
    assert not isinstance(rebuilt.input, list)


def test_custom_objects_and_registration(tmp_path):
    @saving.register_keras_serializable(package="Tests")
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            config = super().get_config()
            config["factor"] = self.factor
            return config

    class Unregistered(Scale):
        pass

    inputs = keras.Input((4,))
    model = keras.Model(inputs, Scale(3.0)(layers.Dense(2)(inputs)))
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.layers[-1], Scale) and loaded.layers[-1].factor == 3.0
    assert saving.get_registered_name(Scale) == "Tests>Scale"

    model = keras.Model(inputs, Unregistered(3.0)(layers.Dense(2)(inputs)))
    model.save(tmp_path / "u.keras")
    with pytest.raises(ValueError, match="Could not locate class 'Unregistered'"):
        keras.models.load_model(tmp_path / "u.keras")
    loaded = keras.models.load_model(tmp_path / "u.keras",
                                     custom_objects={"Unregistered": Unregistered})
    assert type(loaded.layers[-1]) is Unregistered
    with saving.custom_object_scope({"Unregistered": Unregistered}):
        assert type(keras.models.load_model(tmp_path / "u.keras").layers[-1]) is Unregistered


def double(x):
    return x * 2.0


def test_lambda_layer_needs_unsafe_mode_and_the_function(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Lambda(double)(layers.Dense(2)(inputs)))
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert b'"function": "double"' in archive.read("config.json")
    with pytest.raises(ValueError, match="Lambda.*'double'.*safe_mode=False"):
        keras.models.load_model(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="custom_objects=.*'double'"):
        keras.models.load_model(tmp_path / "m.keras", safe_mode=False)
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=False,
                                     custom_objects={"double": double})
    assert_same_outputs(predict(model, sample("trained")), predict(loaded, sample("trained")))


def test_keras_bytecode_lambda_is_refused():
    config = {"class_name": "Lambda", "module": "keras.layers",
              "config": {"name": "l", "function": {"class_name": "__lambda__",
                                                   "config": {"code": "AAAA"}}}}
    with pytest.raises(ValueError, match="never executes code"):
        saving.deserialize_keras_object(config, safe_mode=False)


# ---- atomic writes ------------------------------------------------------------------------------
def test_interrupted_weights_write_keeps_the_old_file(tmp_path, monkeypatch):
    model = randomize(build("trained"))
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    original = path.read_bytes()

    def failing(model, h5file, include_optimizer=True):
        h5file.create_group("layers/partial")
        raise KeyboardInterrupt("simulated interruption")
    monkeypatch.setattr(h5_format, "write_weights", failing)
    randomize(model, seed=9)
    with pytest.raises(KeyboardInterrupt):
        model.save_weights(path)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["w.weights.h5"]


def test_interrupted_model_writes_keep_the_old_files(tmp_path, monkeypatch):
    model = compiled_trained_model()
    model.save(tmp_path / "m.keras")
    model.save(tmp_path / "folder")
    model.save(tmp_path / "m.h5")
    before = {name: (tmp_path / name).read_bytes() for name in ("m.keras", "m.h5")}
    folder_before = (tmp_path / "folder" / "config.json").read_bytes()

    def failing(*args, **kwargs):
        raise OSError("disk full (simulated)")
    monkeypatch.setattr(h5_format, "write_weights", failing)
    monkeypatch.setattr(h5_format, "write_legacy_weights", failing)
    for name in ("m.keras", "folder", "m.h5"):
        with pytest.raises(OSError, match="disk full"):
            model.save(tmp_path / name)
    for name, content in before.items():
        assert (tmp_path / name).read_bytes() == content
    assert (tmp_path / "folder" / "config.json").read_bytes() == folder_before
    assert sorted(os.listdir(tmp_path)) == ["folder", "m.h5", "m.keras"]


def test_overwrite_false_refuses(tmp_path):
    model = build("trained")
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(FileExistsError, match="already exists"):
        model.save_weights(tmp_path / "w.weights.h5", overwrite=False)


# ---- errors -------------------------------------------------------------------------------------
def test_missing_files(tmp_path):
    model = build("trained")
    with pytest.raises(FileNotFoundError, match="nothing.weights.h5"):
        model.load_weights(tmp_path / "nothing.weights.h5")
    with pytest.raises(FileNotFoundError, match="nothing.keras"):
        keras.models.load_model(tmp_path / "nothing.keras")


@pytest.mark.parametrize("filename", ["w.weights.h5", "w.h5", "m.keras"])
def test_truncated_files(tmp_path, filename):
    model = compiled_trained_model()
    path = tmp_path / filename
    if filename.endswith(".keras"):
        model.save(path)
    else:
        model.save_weights(path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    target = build("trained")
    with pytest.raises(saving.InvalidFileError, match=filename) as info:
        if filename.endswith(".keras"):
            keras.models.load_model(path)
        else:
            target.load_weights(path)
    assert isinstance(info.value, OSError) and isinstance(info.value, ValueError)
    path.write_bytes(b"not a weights file at all")
    with pytest.raises(saving.InvalidFileError, match=filename):
        target.load_weights(path)


def test_corrupt_config(tmp_path):
    model = build("trained")
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        weights = archive.read("model.weights.h5")
    with zipfile.ZipFile(tmp_path / "bad.keras", "w") as archive:
        archive.writestr("config.json", "{not json")
        archive.writestr("model.weights.h5", weights)
    with pytest.raises(saving.InvalidFileError, match="bad.keras.*not valid JSON"):
        keras.models.load_model(tmp_path / "bad.keras")


def test_other_architecture_is_refused_and_leaves_weights_unchanged(tmp_path):
    randomize(build("trained")).save_weights(tmp_path / "w.weights.h5")
    other = keras.Sequential([keras.Input((4,)), layers.Dense(5, activation="relu"),
                              layers.Dense(2, name="out")])
    before = [w.copy() for w in other.get_weights()]
    with pytest.raises(ValueError, match=r"Layer 'dense_\d+' \(Dense\) at 'layers/dense': "
                                         r"weight 0 \(kernel\) has shape \(4, 5\) in the "
                                         r"model, but shape \(4, 3\) in the file"):
        other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_extra_and_missing_layers_are_reported(tmp_path):
    bigger = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(3),
                               layers.Dense(2)])
    bigger.save_weights(tmp_path / "big.weights.h5")
    smaller = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(3)])
    with pytest.raises(ValueError, match=r"weights at \['layers/dense_2'\] that match no "
                                         "layer"):
        smaller.load_weights(tmp_path / "big.weights.h5")
    smaller.save_weights(tmp_path / "small.weights.h5")
    with pytest.raises(ValueError, match="the file has no weights for it"):
        bigger.load_weights(tmp_path / "small.weights.h5")


def test_skip_mismatch_loads_what_fits(tmp_path):
    source = randomize(build("trained"))
    source.save_weights(tmp_path / "w.weights.h5")
    other = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="relu"),
                              layers.Dense(7)])
    with pytest.warns(UserWarning, match="Skipping loading"):
        other.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(other.layers[0].kernel.numpy(),
                                  source.layers[0].kernel.numpy())


def test_unbuilt_model_is_explained(tmp_path):
    randomize(build("trained")).save_weights(tmp_path / "w.weights.h5")
    randomize(build("trained")).save_weights(tmp_path / "w.h5")
    unbuilt = keras.Sequential([layers.Dense(3, activation="relu"), layers.Dense(2)])
    with pytest.raises(ValueError, match="not built.*model.build"):
        unbuilt.load_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="Layer count mismatch.*not built"):
        unbuilt.load_weights(tmp_path / "w.h5")


def test_legacy_layer_count_mismatch(tmp_path):
    build("trained").save_weights(tmp_path / "w.h5")
    bigger = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(3),
                               layers.Dense(2)])
    with pytest.raises(ValueError, match="Layer count mismatch.*3 layers.*the file has 2"):
        bigger.load_weights(tmp_path / "w.h5")


def test_bad_extensions_and_arguments(tmp_path):
    model = build("trained")
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        model.save_weights(tmp_path / "w.keras")
    with pytest.raises(ValueError, match="Invalid filepath extension"):
        model.save(tmp_path / "m.pkl")
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="`by_name` only works with legacy"):
        model.load_weights(tmp_path / "w.weights.h5", by_name=True)
    with pytest.raises(ValueError, match="holds only weights"):
        keras.models.load_model(tmp_path / "w.weights.h5")


def test_missing_h5py_is_explained(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match="pip install h5py"):
        build("trained").save_weights(tmp_path / "w.weights.h5")


def test_unserializable_custom_layer(tmp_path):
    class NoConfig:
        pass
    with pytest.raises(TypeError, match="no get_config"):
        saving.serialize_keras_object(NoConfig())
    with pytest.raises(ValueError, match="has no get_config"):
        saving.register_keras_serializable()(NoConfig)


def test_tensorflow_checkpoint_prefix_is_explained(tmp_path):
    (tmp_path / "ckpt.index").write_bytes(b"")
    with pytest.raises(ValueError, match="TensorFlow checkpoint"):
        build("trained").load_weights(tmp_path / "ckpt")


def test_saved_model_directory_is_explained(tmp_path):
    (tmp_path / "exported").mkdir()
    (tmp_path / "exported" / "saved_model.pb").write_bytes(b"")
    with pytest.raises(ValueError, match="TensorFlow SavedModel"):
        keras.models.load_model(tmp_path / "exported")


def test_keras_config_extras_are_tolerated():
    # Keras 3.15 writes DTypePolicy dicts, quantization_config and initializer axes
    config = {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
              "config": {"name": "d", "trainable": True, "units": 2,
                         "dtype": {"module": "keras", "class_name": "DTypePolicy",
                                   "config": {"name": "float32"}, "registered_name": None},
                         "kernel_initializer": {"module": "keras.initializers",
                                                "class_name": "GlorotUniform",
                                                "config": {"seed": None, "input_axes": None,
                                                           "output_axes": None},
                                                "registered_name": None},
                         "quantization_config": None},
              "build_config": {"input_shape": [None, 3]}}
    layer = saving.deserialize_keras_object(config)
    assert layer.built and layer.kernel.shape.as_list() == [3, 2]


@pytest.mark.parametrize("module", ["tensorflux.keras.saving",
                                    "tensorflux.keras.saving.object_registration",
                                    "tensorflux.keras.saving.serialization"])
def test_docstring_examples(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(module), extraglobs={"tf": tf},
                             optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("name", ["masked_lstm", "operators"])
def test_keras_file_with_keras_ops_nodes_loads(name, tmp_path):
    """Keras 3 saves keras.ops calls on KerasTensors (an Embedding's mask `NotEqual`,
    `inputs * 2`, `x[:, 1:3]`, `ops.sum`) as nodes of module keras.src.ops.*; written by
    tools/make_fixture_keras_op_nodes.py with real Keras 3.15."""
    expected = np.load(os.path.join(HERE, "fixtures", "keras_op_nodes.npz"))
    model = keras.models.load_model(os.path.join(HERE, "fixtures",
                                                 f"keras_op_nodes_{name}.keras"))
    x = expected[f"{name}_x"]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected[f"{name}_y"],
                               rtol=1e-5, atol=1e-6)
    path = str(tmp_path / "again.keras")
    model.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).predict(x, verbose=0),
                               expected[f"{name}_y"], rtol=1e-5, atol=1e-6)
