"""keras.config (settings round trips, validation, compatibility switches), keras.random
(shapes, dtypes, Keras 3 seed rules: int seeds are stateless, SeedGenerators advance, unseeded
draws follow keras.utils.set_random_seed; eager and tf.function), keras.mixed_precision /
keras.dtype_policies (float policies work, mixed ones raise), keras.wrappers (scikit-learn
estimators) and the namespaces tensorflux does not provide (keras.export)."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras import config as keras_config

keras = tf.keras


@pytest.fixture(autouse=True)
def restore_settings():
    saved = (keras.config.floatx(), keras.config.epsilon(), keras.config.image_data_format(),
             dict(keras_config._state))
    yield
    keras.backend.set_floatx(saved[0])
    keras.backend.set_epsilon(saved[1])
    keras.backend.set_image_data_format(saved[2])
    keras_config._state.clear()
    keras_config._state.update(saved[3])
    keras.mixed_precision.set_global_policy(None)


# ---- keras.config -------------------------------------------------------------------------------
def test_config_defaults_and_round_trips():
    assert keras.config.floatx() == "float32"
    assert keras.config.epsilon() == 1e-7
    assert keras.config.image_data_format() == "channels_last"
    assert keras.config.backend() == "tensorflow"
    keras.config.set_floatx("float64")
    assert keras.config.floatx() == "float64" == keras.backend.floatx()   # one setting
    keras.config.set_epsilon(1e-4)
    assert keras.config.epsilon() == 1e-4 == keras.backend.epsilon()
    keras.config.set_image_data_format("CHANNELS_FIRST")
    assert keras.config.image_data_format() == "channels_first"
    keras.backend.set_floatx("float16")
    assert keras.config.floatx() == "float16"


def test_config_floatx_drives_defaults():
    keras.config.set_floatx("float64")
    assert keras.random.normal((2,)).dtype == tf.float64
    assert keras.preprocessing.image.img_to_array(np.zeros((2, 2, 3), "uint8")).dtype == \
        np.float64
    keras.config.set_image_data_format("channels_first")
    assert keras.preprocessing.image.img_to_array(np.zeros((2, 5, 3), "uint8")).shape == \
        (3, 2, 5)


def test_config_validation():
    with pytest.raises(ValueError, match="Unknown `floatx`"):
        keras.config.set_floatx("int32")
    with pytest.raises(NotImplementedError, match="bfloat16"):
        keras.config.set_floatx("bfloat16")
    with pytest.raises(ValueError, match="data_format"):
        keras.config.set_image_data_format("channels_middle")
    with pytest.raises(ValueError, match="tensorflow"):
        keras.config.set_backend("jax")
    keras.config.set_backend("tensorflow")
    with pytest.raises(NotImplementedError, match="set_max_epochs"):
        keras.config.set_max_epochs(3)
    keras.config.set_max_epochs(None)
    assert keras.config.max_epochs() is None and keras.config.max_steps_per_epoch() is None
    with pytest.raises(AttributeError, match="keras.config.bogus"):
        keras.config.bogus
    assert keras.config.floatx() == "float32"          # failed calls changed nothing


def test_config_compatibility_switches():
    assert keras.config.is_traceback_filtering_enabled() is True
    keras.config.disable_traceback_filtering()
    assert keras.config.is_traceback_filtering_enabled() is False
    keras.config.enable_traceback_filtering()
    assert keras.config.is_traceback_filtering_enabled() is True
    assert keras.config.is_interactive_logging_enabled() is True
    with pytest.warns(UserWarning, match="stdout"):
        keras.config.disable_interactive_logging()
    assert keras.config.is_interactive_logging_enabled() is False
    keras.config.enable_interactive_logging()
    assert keras.config.is_interactive_logging_enabled() is True
    assert keras.config.is_flash_attention_enabled() is None
    keras.config.disable_flash_attention()
    assert keras.config.is_flash_attention_enabled() is False
    keras.config.enable_flash_attention()
    assert keras.config.is_nnx_enabled() is False
    assert keras.config.dtype_policy().name == "float32"


def double(x):
    return x * 2


def test_enable_unsafe_deserialization(tmp_path):
    from tensorflux.keras.saving import serialization
    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(double)])
    path = str(tmp_path / "lambda.keras")
    model.save(path)
    with pytest.raises(ValueError, match="safe mode"):
        keras.models.load_model(path)
    keras.config.enable_unsafe_deserialization()
    assert serialization._current_safe_mode() is False
    with pytest.raises(ValueError, match="custom_objects"):     # no longer a safe-mode refusal
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, custom_objects={"double": double})
    np.testing.assert_allclose(loaded.predict(np.ones((1, 2)), verbose=0), [[2, 2]])
    keras_config._state["unsafe_deserialization"] = False
    assert serialization._current_safe_mode() is True


# ---- keras.random -------------------------------------------------------------------------------
DRAWS = {
    "normal": lambda seed: keras.random.normal((3, 4), seed=seed),
    "uniform": lambda seed: keras.random.uniform((3, 4), seed=seed),
    "truncated_normal": lambda seed: keras.random.truncated_normal((3, 4), seed=seed),
    "randint": lambda seed: keras.random.randint((3, 4), 0, 100, seed=seed),
    "gamma": lambda seed: keras.random.gamma((3, 4), 2.0, seed=seed),
    "binomial": lambda seed: keras.random.binomial((3, 4), 10, 0.3, seed=seed),
    "beta": lambda seed: keras.random.beta((3, 4), 2.0, 5.0, seed=seed),
    "shuffle": lambda seed: tf.reshape(keras.random.shuffle(np.arange(12), seed=seed), (3, 4)),
    "dropout": lambda seed: keras.random.dropout(np.ones((3, 4), "float32"), 0.5, seed=seed),
    "categorical": lambda seed: keras.random.categorical(np.zeros((3, 4)), 4, seed=seed),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_int_seed_is_stateless_and_generator_advances(name):
    draw = DRAWS[name]
    first, second = draw(42).numpy(), draw(42).numpy()
    assert first.shape == (3, 4)
    np.testing.assert_array_equal(first, second)          # same int seed -> same numbers
    generator = keras.random.SeedGenerator(7)
    a, b = draw(generator).numpy(), draw(generator).numpy()
    replay = keras.random.SeedGenerator(7)
    np.testing.assert_array_equal(draw(replay).numpy(), a)
    np.testing.assert_array_equal(draw(replay).numpy(), b)
    assert generator.state.numpy().tolist() == [7, 2]
    assert not np.array_equal(a, b)


def test_dtypes_and_ranges():
    assert keras.random.normal((2,)).dtype == tf.float32
    assert keras.random.normal((2,), dtype="float64").dtype == tf.float64
    assert keras.random.uniform((2,), dtype=tf.float16).dtype == tf.float16
    assert keras.random.randint((2,), 0, 5).dtype == tf.int32
    assert keras.random.randint((2,), 0, 5, dtype="int64").dtype == tf.int64
    assert keras.random.categorical(np.zeros((2, 3)), 5).dtype == tf.int32
    assert keras.random.categorical(np.zeros((2, 3)), 5, dtype="int64").dtype == tf.int64
    assert keras.random.gamma((2,), 1.0).dtype == tf.float32
    u = keras.random.uniform((2000,), minval=-2.0, maxval=3.0, seed=1).numpy()
    assert u.min() >= -2 and u.max() < 3 and abs(u.mean() - 0.5) < 0.15
    n = keras.random.normal((4000,), mean=5.0, stddev=0.5, seed=2).numpy()
    assert abs(n.mean() - 5) < 0.05 and abs(n.std() - 0.5) < 0.05
    t = keras.random.truncated_normal((4000,), mean=1.0, stddev=2.0, seed=3).numpy()
    assert t.min() >= -3 and t.max() <= 5
    r = keras.random.randint((2000,), 3, 7, seed=4).numpy()
    assert set(np.unique(r)) == {3, 4, 5, 6}
    b = keras.random.binomial((2000,), 10, 0.3, seed=5).numpy()
    assert b.dtype == np.float32 and abs(b.mean() - 3) < 0.2
    beta = keras.random.beta((2000,), 2.0, 2.0, seed=6).numpy()
    assert 0 <= beta.min() and beta.max() <= 1 and abs(beta.mean() - 0.5) < 0.03
    assert tuple(keras.random.normal([2, 3], seed=1).shape) == (2, 3)
    assert tuple(keras.random.normal(tf.constant([4]), seed=1).shape) == (4,)


def test_dropout_shuffle_categorical_semantics():
    x = np.ones((200, 10), "float32")
    y = keras.random.dropout(x, 0.25, seed=1).numpy()
    assert np.all(np.isclose(y, 0) | np.isclose(y, 1 / 0.75))
    assert abs((y == 0).mean() - 0.25) < 0.05
    shared = keras.random.dropout(x, 0.5, noise_shape=(200, 1), seed=2).numpy()
    assert all(len(set(row)) == 1 for row in shared)               # one decision per row
    partly = keras.random.dropout(x, 0.5, noise_shape=(None, 1), seed=2).numpy()
    np.testing.assert_array_equal(partly, shared)
    np.testing.assert_array_equal(keras.random.dropout(x, 0.0, seed=3).numpy(), x)
    with pytest.raises(ValueError, match="rate"):
        keras.random.dropout(x, 1.0)
    values = np.arange(24).reshape(4, 6)
    rows = keras.random.shuffle(values, seed=3).numpy()
    assert sorted(map(tuple, rows)) == sorted(map(tuple, values))
    columns = keras.random.shuffle(values, axis=1, seed=3).numpy()
    assert sorted(columns[0].tolist()) == list(range(6))
    np.testing.assert_array_equal(columns, values[:, columns[0]])   # one column order
    logits = np.log([[1e-9, 1.0, 1e-9], [1.0, 1e-9, 1e-9]])
    samples = keras.random.categorical(logits, 6, seed=4).numpy()
    np.testing.assert_array_equal(samples, [[1] * 6, [0] * 6])
    with pytest.raises(ValueError, match="2-D"):
        keras.random.categorical(np.zeros(3), 2)


def test_seed_argument_and_dtype_errors():
    with pytest.raises(ValueError, match="SeedGenerator"):
        keras.random.normal((2,), seed="abc")
    with pytest.raises(ValueError, match="must be an integer"):
        keras.random.SeedGenerator(1.5)
    with pytest.raises(ValueError, match="Unrecognized"):
        keras.random.SeedGenerator(1, bogus=True)
    with pytest.raises(ValueError, match="floating point"):
        keras.random.uniform((2,), dtype="int32")
    with pytest.raises(ValueError, match="floating point"):
        keras.random.normal((2,), dtype="int32")
    with pytest.raises(ValueError, match="integer"):
        keras.random.randint((2,), 0, 4, dtype="float32")
    generator = keras.random.SeedGenerator(3, name="gen")
    assert generator.get_config() == {"seed": 3, "name": "gen"}
    clone = keras.random.SeedGenerator.from_config(generator.get_config())
    np.testing.assert_array_equal(keras.random.normal((3,), seed=clone).numpy(),
                                  keras.random.normal((3,), seed=generator).numpy())


def test_unseeded_draws_follow_set_random_seed():
    keras.utils.set_random_seed(11)
    a = [keras.random.normal((3,)).numpy() for _ in range(2)]
    keras.utils.set_random_seed(11)
    b = [keras.random.normal((3,)).numpy() for _ in range(2)]
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], a[1])
    unseeded = keras.random.SeedGenerator()
    assert isinstance(unseeded.get_config()["seed"], type(None))


def test_random_inside_tf_function():
    generator = keras.random.SeedGenerator(5)

    @tf.function
    def draw():
        return keras.random.normal((2,), seed=generator), keras.random.uniform((2,), seed=9)

    first, second = draw(), draw()
    assert not np.array_equal(first[0].numpy(), second[0].numpy())   # the generator advanced
    np.testing.assert_array_equal(first[1].numpy(), second[1].numpy())  # an int seed did not
    np.testing.assert_array_equal(first[1].numpy(), keras.random.uniform((2,), seed=9).numpy())
    replay = keras.random.SeedGenerator(5)
    np.testing.assert_array_equal(first[0].numpy(), keras.random.normal((2,), seed=replay))
    assert generator.state.numpy().tolist() == [5, 2]


def test_random_ops_in_a_custom_layer_under_fit():
    keras.backend.clear_session()

    class Noise(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.generator = keras.random.SeedGenerator(1)

        def call(self, x, training=None):
            if training:
                return x + keras.random.normal(tf.shape(x), stddev=0.1, seed=self.generator)
            return x

    model = keras.Sequential([keras.Input((3,)), Noise(), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, batch_size=4, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


# ---- mixed precision / dtype policies -----------------------------------------------------------
def test_global_policy_float32_only():
    policy = keras.mixed_precision.global_policy()
    assert policy.name == policy.compute_dtype == policy.variable_dtype == "float32"
    keras.mixed_precision.set_global_policy("float32")
    keras.mixed_precision.set_global_policy(keras.mixed_precision.Policy("float32"))
    assert keras.mixed_precision.global_policy() == keras.dtype_policies.DTypePolicy("float32")
    keras.config.set_dtype_policy("float32")
    for name in ("mixed_float16", "mixed_bfloat16"):
        with pytest.raises(NotImplementedError, match="mixed precision"):
            keras.mixed_precision.set_global_policy(name)
        with pytest.raises(NotImplementedError, match=name):
            keras.mixed_precision.Policy(name)
    with pytest.raises(NotImplementedError, match="global policy"):
        keras.mixed_precision.set_global_policy("float64")
    with pytest.raises(ValueError, match="floating-point"):
        keras.mixed_precision.set_global_policy("int32")
    assert keras.mixed_precision.global_policy().name == "float32"
    with pytest.raises(AttributeError, match="LossScaleOptimizer"):
        keras.mixed_precision.LossScaleOptimizer


def test_dtype_policy_objects():
    policies = keras.dtype_policies
    policy = policies.DTypePolicy("float64")
    assert (policy.name, policy.compute_dtype, policy.variable_dtype) == ("float64",) * 3
    assert policy.quantization_mode is None and not policy.is_quantized
    assert repr(policy) == '<DTypePolicy "float64">'
    assert policies.DTypePolicy().name == "float32"
    assert policies.get("float16").name == "float16"
    assert policies.get(None).name == "float32"
    assert policies.get(policy) is policy
    assert policies.deserialize(policies.serialize(policy)) == policy
    assert policies.get({"name": "float64"}) == policy
    assert policies.DTypePolicy.from_config(policy.get_config()) == policy
    assert isinstance(policies.FloatDTypePolicy("float32"), policies.DTypePolicy)
    x = policy.convert_input(tf.constant([1.0, 2.0]), autocast=True, dtype="float64")
    assert x.dtype == tf.float64
    assert policy.convert_input(tf.constant([1, 2]), True, "float64").dtype == tf.int32
    with pytest.raises(ValueError, match="Cannot convert"):
        policies.DTypePolicy("floaty")
    with pytest.raises(NotImplementedError, match="bfloat16"):
        policies.DTypePolicy("bfloat16")
    with pytest.raises(NotImplementedError, match="int8_from_float32"):
        policies.DTypePolicy("int8_from_float32")
    with pytest.raises(AttributeError, match="quantization"):
        policies.QuantizedDTypePolicy


def test_policy_as_a_layer_dtype():
    keras.backend.clear_session()
    layer = keras.layers.Dense(2, dtype=keras.mixed_precision.Policy("float64"))
    out = layer(np.ones((1, 3)))
    assert layer.kernel.dtype == tf.float64 and out.dtype == tf.float64


# ---- wrappers -----------------------------------------------------------------------------------
def build_classifier(X, y, hidden=8):
    model = keras.Sequential([keras.Input((X.shape[1],)),
                              keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(y.shape[1], activation="softmax")])
    model.compile(keras.optimizers.Adam(0.05), "categorical_crossentropy")
    return model


def test_sklearn_classifier_and_regressor():
    pytest.importorskip("sklearn")
    keras.backend.clear_session()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2)).astype("float32")
    labels = np.where(X[:, 0] > 0, "pos", "neg")
    clf = keras.wrappers.SKLearnClassifier(model=build_classifier, model_kwargs={"hidden": 6},
                                           fit_kwargs={"epochs": 30, "verbose": 0})
    assert clf.fit(X, labels) is clf
    assert list(clf.classes_) == ["neg", "pos"]
    predicted = clf.predict(X)
    assert predicted.shape == (60,) and set(predicted) <= {"neg", "pos"}
    assert (predicted == labels).mean() > 0.8
    assert clf.decision_function(X).shape == (60, 2)
    assert clf.get_params()["model_kwargs"] == {"hidden": 6}

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    target = X @ np.array([1.5, -2.0], "float32") + 0.5
    reg = keras.wrappers.SKLearnRegressor(model=model, fit_kwargs={"epochs": 40, "verbose": 0})
    reg.fit(X, target)
    assert reg.model_ is not model                         # a compiled clone was trained
    assert reg.predict(X).shape == (60,)
    assert reg.score(X, target) > 0.9
    with pytest.raises(RuntimeError, match="compiled"):
        uncompiled = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        keras.wrappers.SKLearnRegressor(model=uncompiled).fit(X, target)
    with pytest.raises(ValueError, match="binary and multiclass"):
        keras.wrappers.SKLearnClassifier(model=build_classifier).fit(X, target)


def test_sklearn_transformer():
    pytest.importorskip("sklearn")
    keras.backend.clear_session()
    X = np.random.default_rng(1).normal(size=(20, 3)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("sgd", "mse")
    transformer = keras.wrappers.SKLearnTransformer(model=model,
                                                    fit_kwargs={"epochs": 1, "verbose": 0})
    assert transformer.fit(X, X[:, 0]).transform(X).shape == (20, 2)


# ---- namespaces ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["preprocessing", "config", "random", "mixed_precision",
                                  "dtype_policies", "wrappers"])
def test_lazy_namespaces_import(name):
    assert getattr(keras, name).__name__ == f"tensorflux.keras.{name}"


def test_export_is_a_clear_attribute_error():
    with pytest.raises(AttributeError, match=r"keras.export \(ExportArchive"):
        keras.export
    assert not hasattr(keras, "export")
    with pytest.raises(AttributeError, match="keras.bogus is not implemented"):
        keras.bogus
