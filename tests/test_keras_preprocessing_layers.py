"""Keras preprocessing layers: outputs, dtypes, configs and vocabularies equal to real Keras 3
on fixed inputs (tests/fixtures/preprocessing/, written by tools/make_fixtures_preprocessing.py;
the random layers are made deterministic there with degenerate ranges), statistical checks of
the random layers, training vs inference behaviour, use inside models, tf.function and
Dataset.map, adapt() on arrays / Datasets / iterables, and config round trips."""
import json
import os

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras.layers import preprocessing

keras = tf.keras
layers = keras.layers

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "preprocessing")
with open(os.path.join(FIXTURES, "cases.json")) as _handle:
    CASES = json.load(_handle)["cases"]
ARRAYS = np.load(os.path.join(FIXTURES, "arrays.npz"))
TUPLE_ARGUMENTS = ("factor", "height_factor", "width_factor", "value_range", "axis", "ngrams")


@pytest.fixture(autouse=True)
def fresh_session():
    keras.backend.clear_session()


def build_case(name):
    case = CASES[name]
    kwargs = {k: tuple(v) if isinstance(v, list) and k in TUPLE_ARGUMENTS else v
              for k, v in case["kwargs"].items()}
    layer = getattr(layers, case["layer"])(**kwargs)
    if case["adapt"]:
        layer.adapt(ARRAYS[case["adapt"]])
    return layer


def _plain(value):
    return json.loads(json.dumps(value, default=lambda v: list(v) if isinstance(v, tuple)
                                 else str(v)))


# ---- equality with real Keras ------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_keras(name):
    case = CASES[name]
    layer = build_case(name)
    call_kwargs = {k: ARRAYS[v] if isinstance(v, str) else v
                   for k, v in case["call_kwargs"].items()}
    output = layer(ARRAYS[case["input"]], **call_kwargs).numpy()
    expected = ARRAYS[f"out_{name}"]
    if case["dtype"] == "string":
        decoded = np.vectorize(lambda b: b.decode("utf-8"))(output)
        np.testing.assert_array_equal(decoded, expected)
    else:
        assert str(output.dtype) == case["dtype"]
        assert output.shape == expected.shape
        if output.dtype.kind in "iu" and case["layer"] == "Resizing":
            # rounding of values within float error of .5 may differ by one
            assert np.abs(output.astype(int) - expected.astype(int)).max() <= 1
            assert np.mean(output == expected) > 0.98
        else:
            np.testing.assert_allclose(output, expected, rtol=1e-5, atol=2e-4)
    config = _plain(layer.get_config())
    for key, value in case["config"].items():
        assert config.get(key) == value, (key, config.get(key), value)
    if "vocabulary" in case:
        assert layer.get_vocabulary() == case["vocabulary"]
        assert layer.vocabulary_size() == case["vocabulary_size"]
    if "bin_boundaries" in case:
        np.testing.assert_allclose(layer.bin_boundaries, case["bin_boundaries"], rtol=1e-6)
    if "weights" in case:
        for weight in layer.weights:
            np.testing.assert_allclose(weight.numpy(), case["weights"][weight.path.split("/")[-1]],
                                       rtol=1e-5, atol=1e-6)


AFFINE = sorted(k[len("affine_"):] for k in ARRAYS.files if k.startswith("affine_"))


@pytest.mark.parametrize("key", AFFINE)
def test_affine_transform_matches_keras(key):
    # key: <transform>_<fill mode>_<interpolation>
    parts = key.split("_")
    interpolation, fill, transform = parts[-1], parts[-2], "_".join(parts[:-2])
    got = preprocessing.affine_transform(tf.constant(ARRAYS["images"]),
                                         tf.constant(ARRAYS[f"transform_{transform}"]),
                                         interpolation, fill, 11.0).numpy()
    np.testing.assert_allclose(got, ARRAYS[f"affine_{key}"], rtol=1e-5, atol=1e-3)


# ---- random layers -------------------------------------------------------------------------------
IMAGES = ARRAYS["images"]


def test_random_flip_statistics():
    batch = np.repeat(IMAGES[:1], 64, axis=0)
    flipped = layers.RandomFlip("horizontal", seed=1)(batch).numpy()
    same = np.array([np.array_equal(f, batch[0]) for f in flipped])
    mirrored = np.array([np.array_equal(f, batch[0][:, ::-1]) for f in flipped])
    assert np.all(same | mirrored) and 10 < same.sum() < 54
    flipped = layers.RandomFlip("vertical", seed=2)(batch).numpy()
    mirrored = np.array([np.array_equal(f, batch[0][::-1]) for f in flipped])
    same = np.array([np.array_equal(f, batch[0]) for f in flipped])
    assert np.all(same | mirrored) and 10 < same.sum() < 54
    # Keras 3: one coin for both axes
    flipped = layers.RandomFlip(seed=3)(batch).numpy()
    turned = np.array([np.array_equal(f, batch[0][::-1, ::-1]) for f in flipped])
    same = np.array([np.array_equal(f, batch[0]) for f in flipped])
    assert np.all(same | turned) and 10 < same.sum() < 54
    single = layers.RandomFlip("horizontal")(IMAGES[0]).numpy()
    assert single.shape == IMAGES[0].shape


@pytest.mark.parametrize("layer", [
    lambda: layers.RandomFlip(seed=1), lambda: layers.RandomRotation(0.3, seed=1),
    lambda: layers.RandomZoom(0.3, seed=1), lambda: layers.RandomTranslation(0.2, 0.2, seed=1),
    lambda: layers.RandomContrast(0.5, seed=1), lambda: layers.RandomBrightness(0.3, seed=1),
])
def test_random_layers_identity_at_inference(layer):
    layer = layer()
    images = np.concatenate([IMAGES] * 8)
    out = layer(images, training=False).numpy()
    np.testing.assert_array_equal(out, images)
    trained = layer(images).numpy()          # called directly: augments (Keras 3 default)
    assert trained.shape == images.shape and not np.array_equal(trained, images)
    model = keras.Sequential([keras.Input(images.shape[1:]), layer])
    np.testing.assert_array_equal(model.predict(images, verbose=0), images)


def test_random_rotation_angles_stay_in_range():
    # a 90 degree turn of a square image is exact: factor 0.25 always turns by +-90 deg
    square = np.arange(2 * 5 * 5, dtype="float32").reshape(2, 5, 5, 1)
    out = layers.RandomRotation((0.25, 0.25), interpolation="nearest")(square).numpy()
    np.testing.assert_array_equal(out[0, :, :, 0], np.rot90(square[0, :, :, 0]))
    out = layers.RandomRotation(0.1, fill_mode="constant", seed=4)(IMAGES).numpy()
    assert out.shape == IMAGES.shape and np.isfinite(out).all()


def test_random_contrast_factor_range():
    images = np.random.default_rng(0).uniform(50, 200, (32, 6, 6, 3)).astype("float32")
    out = layers.RandomContrast((0.3, 0.6), seed=1)(images).numpy()
    mean = images.mean(axis=(1, 2), keepdims=True)
    far = np.abs(images - mean) > 20          # where the ratio is well conditioned
    factors = np.where(far, (out - mean) / np.where(far, images - mean, 1.0), np.nan)
    per_image = np.nanmedian(factors.reshape(32, -1), axis=1)
    assert np.nanmax(np.abs(factors.reshape(32, -1) - per_image[:, None])) < 1e-3
    assert per_image.min() >= 0.7 - 1e-3 and per_image.max() <= 1.6 + 1e-3
    assert np.ptp(per_image) > 0.2
    clipped = layers.RandomContrast((1.0, 1.0))(images * 2).numpy()
    assert clipped.min() >= 0 and clipped.max() <= 255


def test_random_brightness_range():
    images = np.full((64, 2, 2, 3), 100.0, "float32")
    out = layers.RandomBrightness(0.2, seed=1)(images).numpy()
    deltas = out[:, 0, 0, 0] - 100.0
    assert np.allclose(out, out[:, :1, :1, :1])
    assert deltas.min() >= -51.0 - 1e-4 and deltas.max() <= 51.0 + 1e-4
    assert deltas.min() < -20 and deltas.max() > 20
    with pytest.raises(ValueError, match="factor"):
        layers.RandomBrightness(1.5)


def test_random_zoom_and_translation_vary():
    zoomed = layers.RandomZoom((-0.5, 0.5), seed=3)(np.repeat(IMAGES[:1], 8, 0)).numpy()
    assert len({zoomed[i].tobytes() for i in range(8)}) == 8
    # width 9, factor 1/3: the content moves 3 pixels right; the left is filled
    moved = layers.RandomTranslation(0.0, (1 / 3, 1 / 3), fill_mode="constant",
                                     interpolation="nearest")(IMAGES).numpy()
    np.testing.assert_allclose(moved[:, :, 3:], IMAGES[:, :, :-3])
    assert np.all(moved[:, :, :3] == 0)
    with pytest.raises(ValueError, match="height_factor"):
        layers.RandomZoom(-1.0)
    with pytest.raises(NotImplementedError, match="fill_mode"):
        layers.RandomTranslation(0.1, 0.1, fill_mode="mirror")


def test_random_crop():
    layer = layers.RandomCrop(3, 4, seed=5)
    crops = [layer(IMAGES).numpy() for _ in range(6)]
    for crop in crops:
        assert crop.shape == (2, 3, 4, 3)
        found = [(i, j) for i in range(5) for j in range(6)
                 if np.array_equal(IMAGES[:, i:i + 3, j:j + 4], crop)]
        assert found
    assert len({c.tobytes() for c in crops}) > 1
    np.testing.assert_array_equal(layer(IMAGES, training=False).numpy(), IMAGES)
    inputs = keras.Input((7, 9, 3))
    assert tuple(layer(inputs).shape) == (None, 3, 4, 3)


# ---- in models, functions and pipelines ----------------------------------------------------
def test_augmentation_in_a_trained_model():
    x = np.random.default_rng(0).uniform(0, 255, (16, 8, 8, 3)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 127).astype("float32")
    model = keras.Sequential([
        keras.Input((8, 8, 3)), layers.Rescaling(1 / 255.0), layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.1), layers.RandomZoom(0.1), layers.RandomContrast(0.2),
        layers.Conv2D(4, 3, activation="relu"), layers.GlobalAveragePooling2D(),
        layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    first = model.predict(x, verbose=0)
    np.testing.assert_array_equal(first, model.predict(x, verbose=0))


def test_layers_in_tf_function_and_dataset_map():
    resize = layers.Resizing(4, 5)
    flip = layers.RandomFlip("horizontal", seed=7)

    @tf.function
    def augment(images):
        return flip(resize(images), training=True)
    out = augment(tf.constant(IMAGES)).numpy()
    assert out.shape == (2, 4, 5, 3)
    normalize = layers.Normalization(mean=2.0, variance=4.0)
    dataset = tf.data.Dataset.from_tensor_slices(ARRAYS["features"]).batch(3).map(
        lambda x: normalize(x))
    batches = [b.numpy() for b in dataset]
    np.testing.assert_allclose(np.concatenate(batches), (ARRAYS["features"] - 2.0) / 2.0,
                               rtol=1e-6)
    lookup = layers.StringLookup(vocabulary=["a", "b"])
    words = tf.data.Dataset.from_tensor_slices(np.array(["a", "c", "b", "a"])).batch(2).map(
        lookup)
    assert [b.numpy().tolist() for b in words] == [[1, 0], [2, 1]]


@pytest.mark.parametrize("name", ["resizing_crop", "resizing_pad", "center_crop",
                                  "rotation_reflect", "zoom_in", "translation"])
def test_unknown_image_size(name):
    """In a model on keras.Input((None, None, 3)) the sizes are only known at run time."""
    layer = build_case(name)
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, layer(inputs))
    np.testing.assert_allclose(model(IMAGES, training=True).numpy(), ARRAYS[f"out_{name}"],
                               rtol=1e-5, atol=2e-4)


def test_text_vectorization_in_a_model():
    vectorize = layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    vectorize.adapt(ARRAYS["corpus"])
    inputs = keras.Input((1,), dtype="string")
    x = vectorize(inputs)
    assert tuple(x.shape) == (None, 5)
    x = layers.Embedding(20, 4)(x)
    outputs = layers.Dense(1)(layers.GlobalAveragePooling1D()(x))
    model = keras.Model(inputs, outputs)
    predictions = model.predict(ARRAYS["sentences"][:, None], verbose=0)
    assert predictions.shape == (3, 1)


# ---- adapt -----------------------------------------------------------------------------------
def test_normalization_adapt_sources_agree():
    data = ARRAYS["features"]
    reference = layers.Normalization()
    reference.adapt(data)
    from_tensor = layers.Normalization()
    from_tensor.adapt(tf.constant(data))
    from_dataset = layers.Normalization()
    from_dataset.adapt(tf.data.Dataset.from_tensor_slices(data).batch(4))
    from_unbatched = layers.Normalization()
    from_unbatched.adapt(tf.data.Dataset.from_tensor_slices(data))
    from_batches = layers.Normalization()
    from_batches.adapt([data[:1], data[1:4], data[4:]])
    for layer in (from_tensor, from_dataset, from_unbatched, from_batches):
        np.testing.assert_allclose(layer.adapt_mean.numpy(), reference.adapt_mean.numpy(),
                                   rtol=1e-5)
        np.testing.assert_allclose(layer.adapt_variance.numpy(),
                                   reference.adapt_variance.numpy(), rtol=1e-5)
    np.testing.assert_allclose(reference.adapt_mean.numpy(), data.mean(0), rtol=1e-5)
    with pytest.raises(ValueError, match="incompatible shape"):
        reference.adapt(np.zeros((3, 5)))


def test_normalization_weights_save_and_load(tmp_path):
    norm = layers.Normalization()
    norm.adapt(ARRAYS["features"])
    model = keras.Sequential([keras.Input((4,)), norm, layers.Dense(2)])
    path = str(tmp_path / "model.weights.h5")
    model.save_weights(path)
    keras.backend.clear_session()
    other = keras.Sequential([keras.Input((4,)), layers.Normalization(), layers.Dense(2)])
    other.load_weights(path)
    np.testing.assert_allclose(other.predict(ARRAYS["features"], verbose=0),
                               model.predict(ARRAYS["features"], verbose=0), rtol=1e-6)


def test_saved_model_with_preprocessing_layers(tmp_path):
    model = keras.Sequential([keras.Input((7, 9, 3)), layers.Rescaling(1 / 255.0),
                              layers.RandomFlip(), layers.CenterCrop(5, 5),
                              layers.Normalization(mean=0.5, variance=0.04),
                              layers.Flatten(), layers.Dense(2)])
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(IMAGES, verbose=0),
                               model.predict(IMAGES, verbose=0), rtol=1e-5)


def test_lookup_adapt_from_dataset_and_file(tmp_path):
    words = ARRAYS["words"]
    from_array = layers.StringLookup()
    from_array.adapt(words)
    from_dataset = layers.StringLookup()
    from_dataset.adapt(tf.data.Dataset.from_tensor_slices(words).batch(2))
    assert from_dataset.get_vocabulary() == from_array.get_vocabulary()
    path = tmp_path / "vocab.txt"
    path.write_text("dog\ncat\nant\n")
    from_file = layers.StringLookup(vocabulary=str(path))
    assert from_file.get_vocabulary() == ["[UNK]", "dog", "cat", "ant"]
    np.testing.assert_array_equal(from_file(np.array(["ant", "x"])).numpy(), [3, 0])
    with pytest.raises(ValueError, match="repeated"):
        layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="after setting a static vocabulary"):
        from_file.adapt(words)
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_oov_indices=0"):
        layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(np.array(["b"]))


def test_discretization_adapt_from_batches():
    data = ARRAYS["spread"]
    whole = layers.Discretization(num_bins=4)
    whole.adapt(data)
    assert len(whole.bin_boundaries) == 3
    quartiles = np.quantile(data, [0.25, 0.5, 0.75])
    np.testing.assert_allclose(whole.bin_boundaries, quartiles, atol=0.1)
    with pytest.raises(ValueError, match="bin_boundaries"):
        layers.Discretization(bin_boundaries=[0.0]).adapt(data)


# ---- configuration ------------------------------------------------------------------------------
ROUND_TRIP = [
    lambda: layers.Rescaling(0.5, offset=0.25),
    lambda: layers.Resizing(3, 4, interpolation="nearest", crop_to_aspect_ratio=True),
    lambda: layers.CenterCrop(2, 3, data_format="channels_first"),
    lambda: layers.RandomFlip("vertical", seed=3),
    lambda: layers.RandomRotation((-0.2, 0.1), fill_mode="constant", fill_value=2.0, seed=1),
    lambda: layers.RandomZoom(0.2, (0.1, 0.3), interpolation="nearest"),
    lambda: layers.RandomTranslation(0.1, 0.2, fill_mode="wrap"),
    lambda: layers.RandomContrast(0.4, value_range=(0, 1)),
    lambda: layers.RandomBrightness((-0.2, 0.1), seed=9),
    lambda: layers.RandomCrop(4, 5, seed=2),
    lambda: layers.Normalization(axis=(1, 2), invert=True),
    lambda: layers.Normalization(mean=[1.0, 2.0], variance=[3.0, 4.0]),
    lambda: layers.Discretization(bin_boundaries=[0.0, 1.5], output_mode="count"),
    lambda: layers.CategoryEncoding(5, output_mode="count"),
    lambda: layers.StringLookup(vocabulary=["a", "b"], mask_token="", output_mode="int"),
    lambda: layers.IntegerLookup(vocabulary=[3, 7], num_oov_indices=2, output_mode="multi_hot"),
    lambda: layers.TextVectorization(max_tokens=50, ngrams=2, output_mode="tf_idf",
                                     vocabulary=["a", "b"], idf_weights=[0.5, 0.25]),
]


@pytest.mark.parametrize("make", ROUND_TRIP)
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert _plain(clone.get_config()) == _plain(config)
    serialized = keras.saving.serialize_keras_object(layer)
    again = keras.saving.deserialize_keras_object(serialized)
    assert type(again) is type(layer)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="interpolation"):
        layers.Resizing(2, 2, interpolation="cubic")
    with pytest.raises(ValueError, match="rank 3"):
        layers.Resizing(2, 2)(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="mode"):
        layers.RandomFlip("diagonal")
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="num_tokens"):
        layers.CategoryEncoding()
    with pytest.raises(ValueError, match="either `num_bins` or `bin_boundaries`"):
        layers.Discretization()
    with pytest.raises(ValueError, match="output_sequence_length"):
        layers.TextVectorization(output_mode="multi_hot", output_sequence_length=3)


def test_docstring_examples_run():
    import doctest
    result = doctest.testmod(preprocessing, extraglobs={"tf": tf, "np": np},
                             optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
