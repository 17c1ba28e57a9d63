"""keras.utils (registry, serialization, split_dataset, pack/unpack, ...), the Keras 3
initializer and activation spellings, and keras.models.save_model.

Activation values are checked against real Keras 3 (tests/fixtures/keras_activations.json,
written by tools/make_fixtures_keras_activations.py) and against NumPy formulas."""
import json
import os

import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras
from tensorflux.keras import activations, initializers, layers, saving

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "keras_activations.json")

UTILS_NAMES = [
    "Config", "CustomObjectScope", "Progbar", "PyDataset", "Sequence", "array_to_img",
    "clear_session", "custom_object_scope", "deserialize_keras_object",
    "disable_interactive_logging", "enable_interactive_logging", "get_custom_objects",
    "get_file", "get_registered_name", "get_registered_object", "get_source_inputs",
    "image_dataset_from_directory", "img_to_array", "is_interactive_logging_enabled",
    "is_keras_tensor", "load_img", "model_to_dot", "normalize", "pack_x_y_sample_weight",
    "pad_sequences", "plot_model", "register_keras_serializable", "save_img",
    "serialize_keras_object", "set_random_seed", "split_dataset", "standardize_dtype",
    "text_dataset_from_directory", "timeseries_dataset_from_array", "to_categorical",
    "unpack_x_y_sample_weight"]


# ---- keras.utils namespace ----------------------------------------------------------------------
def test_keras_utils_exports_keras_3_names():
    for name in UTILS_NAMES:
        assert getattr(keras.utils, name) is not None, name
    for name in ("FeatureSpace", "audio_dataset_from_directory", "bounding_boxes", "legacy",
                 "no_such_helper"):
        with pytest.raises(AttributeError, match=name):
            getattr(keras.utils, name)


def test_utils_registry_is_the_saving_registry():
    for name in ("register_keras_serializable", "get_custom_objects", "custom_object_scope",
                 "CustomObjectScope", "serialize_keras_object", "deserialize_keras_object",
                 "get_registered_name", "get_registered_object"):
        assert getattr(keras.utils, name) is getattr(saving, name), name
    assert keras.utils.enable_interactive_logging is keras.config.enable_interactive_logging
    assert keras.utils.is_interactive_logging_enabled()


def test_clear_session_resets_layer_names():
    keras.utils.clear_session()
    assert layers.Dense(1).name == "dense"
    assert layers.Dense(1).name == "dense_1"
    keras.utils.clear_session()
    assert layers.Dense(1).name == "dense"
    keras.backend.clear_session()
    assert layers.Dense(1).name == "dense"


def test_serialize_deserialize_a_layer_round_trip():
    layer = layers.Dense(3, activation="celu", kernel_initializer="orthogonal", name="d")
    config = keras.utils.serialize_keras_object(layer)
    assert config["class_name"] == "Dense" and config["config"]["activation"] == "celu"
    json.dumps(config)
    again = keras.utils.deserialize_keras_object(config)
    assert isinstance(again, layers.Dense) and again.units == 3
    assert again.activation is activations.celu
    assert isinstance(again.kernel_initializer, initializers.Orthogonal)


def test_registered_custom_object_round_trip():
    @keras.utils.register_keras_serializable(package="UtilsExtra")
    class Offset(layers.Layer):
        def __init__(self, offset=1.0, **kwargs):
            super().__init__(**kwargs)
            self.offset = offset

        def call(self, x):
            return x + self.offset

        def get_config(self):
            return dict(super().get_config(), offset=self.offset)

    @keras.utils.register_keras_serializable(package="UtilsExtra", name="triple")
    def triple(x):
        return 3 * x

    assert keras.utils.get_registered_name(Offset) == "UtilsExtra>Offset"
    assert keras.utils.get_registered_name(triple) == "UtilsExtra>triple"
    assert keras.utils.get_registered_object("UtilsExtra>Offset") is Offset
    assert keras.utils.get_custom_objects()["UtilsExtra>triple"] is triple
    config = keras.utils.serialize_keras_object(Offset(2.5))
    assert config["registered_name"] == "UtilsExtra>Offset"
    restored = keras.utils.deserialize_keras_object(json.loads(json.dumps(config)))
    assert type(restored) is Offset and restored.offset == 2.5
    assert keras.utils.deserialize_keras_object(
        keras.utils.serialize_keras_object(triple)) is triple


def test_custom_object_scope_affects_load_model(tmp_path):
    class Doubler(layers.Layer):          # not registered
        def call(self, x):
            return 2 * x

    inputs = keras.Input((2,))
    model = keras.Model(inputs, Doubler()(layers.Dense(2)(inputs)))
    path = tmp_path / "custom.keras"
    keras.models.save_model(model, path)
    with pytest.raises(ValueError, match="Could not locate class 'Doubler'"):
        keras.models.load_model(path)
    with keras.utils.custom_object_scope({"Doubler": Doubler}):
        assert keras.utils.get_registered_object("Doubler") is Doubler
        loaded = keras.models.load_model(path)
    assert type(loaded.layers[-1]) is Doubler
    assert keras.utils.get_registered_object("Doubler") is None
    with keras.utils.CustomObjectScope({"Doubler": Doubler}):
        loaded = keras.models.load_model(path)
    x = np.ones((1, 2), "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_models_save_model_matches_model_save(tmp_path):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, activation="squareplus")])
    model.compile("adam", "mse")
    keras.models.save_model(model, tmp_path / "a.keras")
    model.save(tmp_path / "b.keras")
    x = np.arange(6, dtype="float32").reshape(2, 3)
    for name in ("a.keras", "b.keras"):
        loaded = keras.models.load_model(tmp_path / name)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                                   rtol=1e-6)
    keras.models.save_model(model, tmp_path / "legacy.h5", include_optimizer=False)
    assert keras.models.load_model(tmp_path / "legacy.h5").count_params() == 8
    with pytest.raises(ValueError, match="extension"):
        keras.models.save_model(model, tmp_path / "model.txt")


def test_split_dataset_arrays_tuples_and_datasets():
    data = np.arange(10)
    left, right = keras.utils.split_dataset(data, left_size=0.8)
    assert [int(v) for v in left] == list(range(8))
    assert [int(v) for v in right] == [8, 9]
    x, y = np.arange(20).reshape(10, 2), np.arange(10) * 10
    left, right = keras.utils.split_dataset((x, y), left_size=3, right_size=2)
    pairs = [(a.numpy().tolist(), int(b)) for a, b in right]
    assert pairs == [([16, 17], 80), ([18, 19], 90)]
    assert int(left.cardinality()) == 3
    shuffled = [keras.utils.split_dataset(data, right_size=0.5, shuffle=True, seed=3)
                for _ in range(2)]
    firsts = [[int(v) for v in part[0]] for part in shuffled]
    assert firsts[0] == firsts[1] and sorted(firsts[0] + [int(v) for v in shuffled[0][1]]) == \
        list(range(10))
    batched = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    left, right = keras.utils.split_dataset(batched, left_size=0.6)
    assert [b[0].shape[0] for b in left] == [4, 2] and [b[0].shape[0] for b in right] == [4]
    with pytest.raises(ValueError, match="At least one"):
        keras.utils.split_dataset(data)
    with pytest.raises(ValueError, match="left_size"):
        keras.utils.split_dataset(data, left_size=1.5)
    with pytest.raises(TypeError, match="dataset"):
        keras.utils.split_dataset("not data", left_size=0.5)


def test_pack_and_unpack_x_y_sample_weight():
    x, y, w = np.ones(3), np.zeros(3), np.full(3, 2.0)
    assert keras.utils.pack_x_y_sample_weight(x) is x
    assert keras.utils.pack_x_y_sample_weight([x, x]) == ([x, x],)
    assert keras.utils.pack_x_y_sample_weight(x, y) == (x, y)
    assert keras.utils.pack_x_y_sample_weight(x, y, w) == (x, y, w)
    assert keras.utils.unpack_x_y_sample_weight(x)[0] is x
    assert keras.utils.unpack_x_y_sample_weight((x, y)) == (x, y, None)
    assert keras.utils.unpack_x_y_sample_weight([x, y, w]) == (x, y, w)
    with pytest.raises(ValueError, match="found a tuple of 4"):
        keras.utils.unpack_x_y_sample_weight((x, y, w, w))


def test_source_inputs_keras_tensors_and_dtypes():
    a, b = keras.Input((2,)), keras.Input((3,))
    hidden = layers.Dense(2)(a)
    out = layers.Concatenate()([hidden, layers.Dense(4)(b)])
    sources = keras.utils.get_source_inputs(out)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    assert keras.utils.get_source_inputs(a) == [a]
    assert keras.utils.is_keras_tensor(out) and not keras.utils.is_keras_tensor(np.ones(2))
    assert not keras.utils.is_keras_tensor(tf.constant(1.0))
    standardize = keras.utils.standardize_dtype
    assert [standardize(d) for d in (None, "float64", np.float16, tf.int32, int, float, bool)] \
        == ["float32", "float64", "float16", "int32", "int64", "float32", "bool"]


def test_model_to_dot_is_plot_models_code():
    from tensorflux.keras.utils import plotting
    assert keras.utils.model_to_dot is plotting.model_to_dot
    pytest.importorskip("pydot")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="only_dense")])
    dot = keras.utils.model_to_dot(model, show_shapes=True)
    assert "only_dense" in dot.to_string()


def test_config_container():
    config = keras.utils.Config(units=3)
    config.rate = 0.5
    config["name"] = "x"
    assert config.units == 3 and config["rate"] == 0.5 and len(config) == 3
    assert config.as_dict() == {"units": 3, "rate": 0.5, "name": "x"}
    assert json.loads(config.to_json())["name"] == "x"
    config.freeze()
    with pytest.raises(ValueError, match="frozen"):
        config.units = 4
    config.unfreeze()
    config.update(units=5)
    assert config.units == 5
    with pytest.raises(AttributeError, match="missing"):
        config.missing


# ---- initializers -------------------------------------------------------------------------------
ALIASES = {"random_normal": "RandomNormal", "random_uniform": "RandomUniform",
           "truncated_normal": "TruncatedNormal", "variance_scaling": "VarianceScaling",
           "orthogonal": "Orthogonal", "lecun_normal": "LecunNormal",
           "lecun_uniform": "LecunUniform", "identity": "Identity", "zeros": "Zeros",
           "ones": "Ones", "constant": "Constant", "glorot_uniform": "GlorotUniform",
           "glorot_normal": "GlorotNormal", "he_uniform": "HeUniform", "he_normal": "HeNormal",
           "OrthogonalInitializer": "Orthogonal", "IdentityInitializer": "Identity"}


def test_initializer_aliases_are_the_classes():
    for alias, name in ALIASES.items():
        assert getattr(initializers, alias) is getattr(initializers, name), alias
        assert isinstance(initializers.get(alias), getattr(initializers, name)), alias
    assert isinstance(initializers.get("orthogonal"), initializers.Orthogonal)
    assert initializers.serialize(initializers.get("OrthogonalInitializer"))["class_name"] == \
        "Orthogonal"


@pytest.mark.parametrize("alias", ["random_normal", "random_uniform", "truncated_normal",
                                   "variance_scaling", "orthogonal", "lecun_normal",
                                   "lecun_uniform"])
def test_initializer_alias_draws_like_the_class(alias):
    tf.random.set_seed(11)
    a = getattr(initializers, alias)(seed=7)((64, 32)).numpy()
    tf.random.set_seed(11)
    b = getattr(initializers, ALIASES[alias])(seed=7)((64, 32)).numpy()
    assert a.shape == (64, 32) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    tf.random.set_seed(12)
    other_seed = getattr(initializers, alias)(seed=8)((64, 32)).numpy()
    assert not np.array_equal(a, other_seed)


def test_identity_alias_and_dense_with_string_initializer():
    np.testing.assert_array_equal(initializers.identity(gain=2.0)((2, 3)).numpy(),
                                  2 * np.eye(2, 3))
    layer = layers.Dense(4, kernel_initializer="orthogonal")
    layer.build((None, 4))
    kernel = layer.kernel.numpy()
    np.testing.assert_allclose(kernel.T @ kernel, np.eye(4), atol=1e-5)


# ---- activations --------------------------------------------------------------------------------
NEW_ACTIVATIONS = ["celu", "glu", "hard_shrink", "hard_tanh", "log_sigmoid", "soft_shrink",
                   "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink",
                   "threshold"]


def load_cases():
    with open(FIXTURE) as handle:
        return json.load(handle)


@pytest.mark.parametrize("case", load_cases()["cases"],
                         ids=lambda c: f"{c['name']}-{'-'.join(map(str, c['kwargs'].values()))}")
def test_activation_matches_keras(case):
    inputs = np.asarray(load_cases()["inputs"], dtype="float32")
    function = activations.get(case["name"])
    assert function is getattr(activations, case["name"])
    result = function(tf.constant(inputs), **case["kwargs"])
    np.testing.assert_allclose(np.asarray(result), np.asarray(case["expected"]), rtol=1e-5,
                               atol=1e-6)


def test_activations_against_numpy_formulas():
    x = np.linspace(-3, 3, 25).astype("float32")
    t = tf.constant(x)

    def check(name, expected, **kwargs):
        np.testing.assert_allclose(np.asarray(getattr(activations, name)(t, **kwargs)),
                                   expected, rtol=1e-5, atol=1e-6, err_msg=name)

    check("celu", np.maximum(x, 0) + np.minimum(0.7 * np.expm1(x / 0.7), 0), alpha=0.7)
    check("hard_shrink", np.where(np.abs(x) > 0.5, x, 0))
    check("hard_tanh", np.clip(x, -1, 1))
    check("log_sigmoid", -np.log1p(np.exp(-x)))
    check("soft_shrink", np.sign(x) * np.maximum(np.abs(x) - 0.5, 0))
    check("sparse_plus", np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)))
    check("sparse_sigmoid", np.clip((x + 1) / 2, 0, 1))
    check("squareplus", (x + np.sqrt(x ** 2 + 4)) / 2)
    check("tanh_shrink", x - np.tanh(x))
    check("threshold", np.where(x > 0.5, x, -2.0), threshold=0.5, default_value=-2.0)
    pairs = x[:24].reshape(4, 6)
    a, b = pairs[:, :3], pairs[:, 3:]
    np.testing.assert_allclose(np.asarray(activations.glu(tf.constant(pairs))),
                               a / (1 + np.exp(-b)), rtol=1e-5)
    probabilities = np.asarray(activations.sparsemax(tf.constant(pairs)))
    np.testing.assert_allclose(probabilities, sparsemax_reference(pairs), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(probabilities.sum(-1), 1, rtol=1e-5)
    # the example of keras-team/keras#23425 (Keras 3.15 returns [0, 0, 0.25] there)
    np.testing.assert_allclose(np.asarray(activations.sparsemax(tf.constant(
        [[0.0, 0.5, 1.0]]))), [[0.0, 0.25, 0.75]], atol=1e-6)
    columns = np.asarray(activations.sparsemax(tf.constant(pairs), axis=0))
    np.testing.assert_allclose(columns, sparsemax_reference(pairs.T).T, rtol=1e-5, atol=1e-6)


def sparsemax_reference(z):
    """Martins & Astudillo (2016), Algorithm 1, row by row."""
    out = np.zeros_like(z)
    for row, values in enumerate(z):
        ordered = np.sort(values)[::-1]
        cumulative = np.cumsum(ordered)
        ks = np.arange(1, len(values) + 1)
        k = ks[1 + ks * ordered > cumulative].max()
        tau = (cumulative[k - 1] - 1) / k
        out[row] = np.maximum(values - tau, 0)
    return out


@pytest.mark.parametrize("name", [n for n in NEW_ACTIVATIONS if n not in ("glu", "threshold")])
def test_new_activations_by_name_in_layers(name):
    layer = layers.Dense(4, activation=name)
    out = layer(np.ones((2, 3), "float32"))
    assert out.shape == (2, 4)
    assert activations.serialize(layer.activation) == name
    assert layers.Dense.from_config(layer.get_config()).activation is getattr(activations,
                                                                             name)


def test_glu_halves_the_last_axis_in_a_model():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(6, activation="glu")])
    assert model.predict(np.ones((2, 3), "float32"), verbose=0).shape == (2, 3)


@pytest.mark.parametrize("module", ["tensorflux.keras.utils.general",
                                    "tensorflux.keras.utils.py_dataset"])
def test_docstring_examples(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(module), extraglobs={"tf": tf},
                             optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
