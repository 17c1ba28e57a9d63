"""keras.applications: architectures identical to real Keras (layer names, classes, output
shapes, weight paths and shapes, parameter counts), weights written by real Keras load and
reproduce its predictions, weights="imagenet" from the Keras cache (and the error without it),
preprocess_input and decode_predictions.

Reference data: tests/fixtures/applications/, written by tools/make_fixtures_applications.py
with real TensorFlow + Keras 3.
"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras import applications
from tensorflux.keras.applications import imagenet_utils

h5py = pytest.importorskip("h5py")
keras = tf.keras

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "applications")
TOOL = os.path.join(HERE, os.pardir, "tools", "make_fixtures_applications.py")
REFERENCE_PYTHON = "/tmp/reftf/bin/python"

with open(os.path.join(FIXTURES, "architectures.json")) as _handle:
    REFERENCE = json.load(_handle)


@pytest.fixture(autouse=True)
def fresh_session():
    keras.backend.clear_session()
    yield


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """An empty Keras cache: KERAS_HOME and HOME point into tmp_path."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(imagenet_utils, "cache_dirs", lambda: [
        str(tmp_path / "keras_home" / "models"), str(tmp_path / "home" / ".keras" / "models")])
    models = tmp_path / "keras_home" / "models"
    models.mkdir(parents=True)
    return models


def _shape(shape):
    return [None if d is None else int(d) for d in shape]


def build(key):
    application, kwargs = REFERENCE["configs"][key]
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    return getattr(applications, application)(weights=None, **kwargs)


def describe(model):
    return [[layer.name, type(layer).__name__, _shape(layer.output.shape),
             [[w.path, _shape(w.shape)] for w in layer.weights]] for layer in model.layers]


def weight_count(weights):
    return int(sum(np.prod(w.shape.as_list()) for w in weights))


# ---- architectures ---------------------------------------------------------------------------
# VGG with its top holds 138 M / 144 M weights: allocating them takes seconds.
SLOW_CONFIGS = {"vgg16_top", "vgg19_top"}


@pytest.mark.parametrize("key", [pytest.param(k, marks=pytest.mark.slow) if k in SLOW_CONFIGS
                                 else k for k in REFERENCE["configs"]])
def test_architecture_matches_keras(key, monkeypatch):
    # Only the structure is compared: zero kernels spare drawing VGG's 138 M random numbers.
    monkeypatch.setattr(keras.initializers.VarianceScaling, "__call__",
                        lambda self, shape, dtype=None: tf.zeros(shape, dtype or tf.float32))
    expected = REFERENCE["architectures"][key]
    model = build(key)
    assert model.name == expected["name"]
    assert _shape(model.input.shape) == expected["input_shape"]
    assert _shape(model.output.shape) == expected["output_shape"]
    got = describe(model)
    assert len(got) == len(expected["layers"])
    for mine, theirs in zip(got, expected["layers"]):
        assert mine == theirs
    assert model.count_params() == expected["params"]
    assert weight_count(model.trainable_weights) == expected["trainable"]
    assert weight_count(model.non_trainable_weights) == expected["non_trainable"]


def test_resnet50_transfer_learning_setup():
    """Seed program 002g: ResNet50 without its top, a Dense layer on the 4-D output."""
    base = applications.ResNet50(input_shape=(224, 224, 3), weights=None, include_top=False)
    out = keras.layers.Dense(2, activation="softmax")(base.output)
    model = keras.Model(inputs=base.input, outputs=out)
    assert tuple(base.output.shape) == (None, 7, 7, 2048)
    assert tuple(model.output.shape) == (None, 7, 7, 2)
    assert base.count_params() == 23587712
    assert model.count_params() == 23591810
    counts = {}
    for layer in base.layers:
        counts[type(layer).__name__] = counts.get(type(layer).__name__, 0) + 1
    assert (counts["Conv2D"], counts["BatchNormalization"], counts["Add"]) == (53, 53, 16)
    base.trainable = False
    assert len(model.trainable_weights) == 2
    assert weight_count(model.trainable_weights) == 2048 * 2 + 2


def test_resnet50_builds_fast():
    start = time.perf_counter()
    model = applications.ResNet50(weights=None, include_top=False,
                                  input_shape=(224, 224, 3))
    elapsed = time.perf_counter() - start
    assert len(model.layers) == 175
    assert elapsed < 5.0, f"building ResNet50 took {elapsed:.1f} s"


def test_resnet50_summary(capsys):
    applications.ResNet50(weights=None).summary()
    text = capsys.readouterr().out
    assert "resnet50" in text and "conv5_block3_out" in text and "predictions" in text
    assert "Total params: 25,636,712" in text
    assert "Non-trainable params: 53,120" in text


@pytest.mark.parametrize("application", ["ResNet50", "VGG16", "MobileNetV2"])
def test_forward_on_small_images(application):
    model = getattr(applications, application)(weights=None, include_top=False,
                                               input_shape=(32, 32, 3), pooling="avg")
    images = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    first = model.predict(images, verbose=0)
    assert first.shape == (2, model.output.shape[-1])
    assert np.all(np.isfinite(first))
    np.testing.assert_allclose(model(images, training=False).numpy(), first, rtol=1e-5,
                               atol=1e-5)


def test_classifier_head_is_a_softmax():
    model = applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), alpha=0.35,
                                     classes=7)
    probabilities = model.predict(np.ones((3, 32, 32, 3), "float32"), verbose=0)
    assert probabilities.shape == (3, 7)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_input_tensor():
    image = keras.Input((64, 64, 3), name="image")
    model = applications.ResNet50(input_tensor=image, include_top=False, weights=None)
    assert model.inputs[0] is image
    assert tuple(model.output.shape) == (None, 2, 2, 2048)
    # a tensor computed from an Input: the model starts at that Input
    raw = keras.Input((64, 64, 3), name="raw")
    scaled = keras.layers.Rescaling(1.0 / 255)(raw) if hasattr(keras.layers, "Rescaling") \
        else keras.layers.Activation("linear")(raw)
    model = applications.VGG16(input_tensor=scaled, include_top=False, weights=None)
    assert model.inputs[0] is raw
    assert model.layers[1].name in ("rescaling", "activation")
    with pytest.raises(ValueError, match="KerasTensor"):
        applications.ResNet50(input_tensor=np.zeros((1, 32, 32, 3)), weights=None,
                              include_top=False)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="weights.*Received: weights='/no/such/file.h5'"):
        applications.ResNet50(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        applications.VGG16(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="at least 32x32"):
        applications.ResNet50(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="tuple of three integers"):
        applications.VGG16(weights=None, include_top=False, input_shape=(32, 32))
    with pytest.raises(ValueError, match="alpha must be one of"):
        applications.MobileNetV2(weights="imagenet", alpha=0.6)
    with pytest.raises(ValueError, match="should be \\(224, 224, 3\\)"):
        applications.ResNet50(weights="imagenet", input_shape=(200, 200, 3))


# ---- weights written by real Keras -------------------------------------------------------
def _predict_mobilenet(model, pixels):
    x = applications.mobilenet_v2.preprocess_input(pixels.astype("float32"))
    return model.predict(x, verbose=0)


def test_loads_keras_weights_file(tmp_path):
    """A `.weights.h5` file saved by Keras' save_weights (committed, gzipped)."""
    path = tmp_path / "mobilenet.weights.h5"
    with gzip.open(os.path.join(FIXTURES, "mobilenet_v2_0.35_96_c10.weights.h5.gz")) as source:
        path.write_bytes(source.read())
    expected = np.load(os.path.join(FIXTURES, "mobilenet_v2_0.35_96_c10.npz"))
    model = applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), weights=str(path),
                                     classes=10, classifier_activation=None)
    got = _predict_mobilenet(model, expected["pixels"])
    np.testing.assert_allclose(got, expected["predictions"], rtol=1e-4, atol=1e-4)
    # the logits depend on the image (a misplaced weight would show)
    assert np.ptp(expected["predictions"][:, 0]) > 0.1


def test_imagenet_weights_from_cache(keras_home):
    """weights="imagenet" reads Keras' file (legacy tf.keras layout) from the cache."""
    source = applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), weights=None,
                                      include_top=False)
    rng = np.random.default_rng(5)
    source.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32")
                        for w in source.get_weights()])
    source.save_weights(str(keras_home / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_"
                                         "0.35_96_no_top.h5"))
    keras.backend.clear_session()
    loaded = applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), weights="imagenet",
                                      include_top=False)
    for a, b in zip(source.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("call, file_name, url_part", [
    (lambda: applications.ResNet50(include_top=False),
     "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", "keras-applications/resnet/"),
    (lambda: applications.ResNet152(),
     "resnet152_weights_tf_dim_ordering_tf_kernels.h5", "keras-applications/resnet/"),
    (lambda: applications.VGG16(),
     "vgg16_weights_tf_dim_ordering_tf_kernels.h5", "keras-applications/vgg16/"),
    (lambda: applications.VGG19(include_top=False),
     "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", "keras-applications/vgg19/"),
    (lambda: applications.MobileNetV2(alpha=0.5, input_shape=(128, 128, 3)),
     "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.5_128.h5",
     "keras-applications/mobilenet_v2/"),
])
def test_imagenet_weights_missing(keras_home, call, file_name, url_part):
    with pytest.raises(FileNotFoundError) as info:
        call()
    message = str(info.value)
    assert file_name in message
    assert f"https://storage.googleapis.com/tensorflow/{url_part}{file_name}" in message
    assert "does not download" in message
    assert str(keras_home) in message


def test_keras_cache_locations(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert imagenet_utils.cache_dirs()[0] == str(tmp_path / "kh" / "models")
    monkeypatch.delenv("KERAS_HOME")
    assert imagenet_utils.cache_dirs()[0] == os.path.join(os.path.expanduser("~"), ".keras",
                                                          "models")


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(REFERENCE_PYTHON),
                    reason="needs real TensorFlow + Keras at /tmp/reftf to write the 7 MB "
                           "weights files of MobileNetV2(alpha=0.35, 96x96, 1000 classes)")
def test_full_mobilenet_round_trip_with_keras(tmp_path, keras_home):
    """Real Keras writes MobileNetV2(alpha=0.35, input_shape=(96, 96, 3)) weights (Keras 3
    file, and a legacy file under the ImageNet file name); tensorflux loads both and
    reproduces Keras' predictions; real Keras loads a file written by tensorflux."""
    mine = applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), weights=None)
    rng = np.random.default_rng(11)
    mine.set_weights([w * rng.uniform(0.9, 1.1, w.shape).astype("float32")
                      for w in mine.get_weights()])
    pixels = np.random.default_rng(12).integers(0, 256, (2, 96, 96, 3)).astype("uint8")
    mine.save_weights(str(tmp_path / "tensorflux.weights.h5"))
    np.savez(tmp_path / "tensorflux.npz", pixels=pixels,
             predictions=_predict_mobilenet(mine, pixels))
    result = subprocess.run([REFERENCE_PYTHON, TOOL, "weights", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "OK tensorflux.weights.h5" in result.stdout, result.stdout
    expected = np.load(tmp_path / "mobilenet_v2_0.35_96.npz")

    keras.backend.clear_session()
    model = applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3),
                                     weights=str(tmp_path / "mobilenet_v2_0.35_96.weights.h5"))
    np.testing.assert_allclose(_predict_mobilenet(model, expected["pixels"]),
                               expected["predictions"], rtol=1e-4, atol=1e-6)

    name = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96.h5"
    shutil.move(str(tmp_path / name), str(keras_home / name))
    keras.backend.clear_session()
    model = applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), weights="imagenet")
    np.testing.assert_allclose(_predict_mobilenet(model, expected["pixels"]),
                               expected["predictions"], rtol=1e-4, atol=1e-6)


# ---- preprocess_input / decode_predictions ---------------------------------------------------
PREPROCESS = np.load(os.path.join(FIXTURES, "preprocess.npz"))


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_preprocess_input_matches_keras(mode):
    p = imagenet_utils.preprocess_input
    np.testing.assert_allclose(p(np.copy(PREPROCESS["last"]), mode=mode),
                               PREPROCESS[f"{mode}_last"], rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(p(np.copy(PREPROCESS["first"]), mode=mode,
                                 data_format="channels_first"),
                               PREPROCESS[f"{mode}_first"], rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(p(np.copy(PREPROCESS["single"]), mode=mode),
                               PREPROCESS[f"{mode}_single"], rtol=1e-6, atol=1e-5)
    out = p(np.copy(PREPROCESS["uint8"]), mode=mode)
    assert out.dtype == PREPROCESS[f"{mode}_uint8"].dtype == np.float32
    np.testing.assert_allclose(out, PREPROCESS[f"{mode}_uint8"], rtol=1e-6, atol=1e-5)
    tensor = p(tf.constant(PREPROCESS["last"]), mode=mode)
    assert isinstance(tensor, tf.Tensor)
    np.testing.assert_allclose(tensor.numpy(), PREPROCESS[f"{mode}_tensor"], rtol=1e-6,
                               atol=1e-5)


def test_preprocess_input_per_model_and_in_place():
    images = np.copy(PREPROCESS["last"])
    out = applications.resnet50.preprocess_input(images)
    np.testing.assert_allclose(out, PREPROCESS["caffe_last"], atol=1e-5)
    assert not np.allclose(images, PREPROCESS["last"])      # Keras writes over float input
    np.testing.assert_allclose(applications.vgg16.preprocess_input(np.copy(PREPROCESS["last"])),
                               PREPROCESS["caffe_last"], atol=1e-5)
    np.testing.assert_allclose(applications.vgg19.preprocess_input(np.copy(PREPROCESS["last"])),
                               PREPROCESS["caffe_last"], atol=1e-5)
    np.testing.assert_allclose(
        applications.mobilenet_v2.preprocess_input(np.copy(PREPROCESS["last"])),
        PREPROCESS["tf_last"], atol=1e-6)
    with pytest.raises(ValueError, match="mode"):
        imagenet_utils.preprocess_input(images, mode="bgr")
    with pytest.raises(ValueError, match="data_format"):
        imagenet_utils.preprocess_input(images, data_format="nhwc")


def test_preprocess_input_in_a_functional_model():
    inputs = keras.Input((4, 5, 3))
    outputs = applications.resnet.preprocess_input(inputs)
    model = keras.Model(inputs, outputs)
    np.testing.assert_allclose(model.predict(PREPROCESS["last"], verbose=0),
                               PREPROCESS["caffe_last"], atol=1e-4)


def _fake_class_index(directory):
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    (directory / "imagenet_class_index.json").write_text(json.dumps(index))


def test_decode_predictions(keras_home, monkeypatch):
    monkeypatch.setattr(imagenet_utils, "_class_index", None)
    preds = np.zeros((2, 1000), "float32")
    preds[0, [5, 17, 900]] = [0.2, 0.5, 0.3]
    preds[1, 999] = 1.0
    with pytest.raises(FileNotFoundError, match="imagenet_class_index.json.*storage"):
        applications.resnet50.decode_predictions(preds)
    _fake_class_index(keras_home)
    decoded = applications.resnet50.decode_predictions(preds, top=3)
    assert [(w, n) for w, n, _ in decoded[0]] == [("n00000017", "class_17"),
                                                  ("n00000900", "class_900"),
                                                  ("n00000005", "class_5")]
    assert decoded[0][0][2] == pytest.approx(0.5)
    assert decoded[1][0][:2] == ("n00000999", "class_999")
    assert len(applications.mobilenet_v2.decode_predictions(tf.constant(preds))[1]) == 5
    with pytest.raises(ValueError, match=r"\(samples, 1000\).*\(2, 10\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


def test_keras_namespace_and_drop_in_import(tmp_path):
    assert keras.applications.ResNet50 is applications.resnet.ResNet50
    assert keras.applications.resnet50.ResNet50 is applications.ResNet50
    assert keras.applications.vgg19.VGG19 is applications.VGG19
    assert keras.applications.mobilenet_v2.MobileNetV2 is applications.MobileNetV2
    script = tmp_path / "script.py"
    script.write_text("from keras.applications import MobileNetV2\n"
                      "from tensorflow.keras.applications.resnet50 import preprocess_input\n"
                      "m = MobileNetV2(weights=None, alpha=0.35, input_shape=(32, 32, 3))\n"
                      "print('OK', m.count_params())\n")
    result = subprocess.run([sys.executable, "-m", "tensorflux", "run", str(script)],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path,
                            env=dict(os.environ, PYTHONPATH=os.path.join(HERE, os.pardir)))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "OK 1691208" in result.stdout


@pytest.mark.parametrize("module", ["imagenet_utils", "resnet", "vgg16", "mobilenet_v2"])
def test_docstring_examples_run(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(f"tensorflux.keras.applications.{module}"),
                             extraglobs={"tf": tf, "np": np}, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
