"""Reference data from real TensorFlow + Keras 3 for tests/test_keras_applications.py.

Run with the reference interpreter (TensorFlow is not a test dependency):

    /tmp/reftf/bin/python tools/make_fixtures_applications.py        # tests/fixtures/applications/
    /tmp/reftf/bin/python tools/make_fixtures_applications.py weights DIR

The default command writes
- `architectures.json`: for each application configuration (CONFIGS), the model's name, its
  parameter counts and output shape, and every layer as [name, class, output shape,
  [[weight path, weight shape], ...]] in `model.layers` order;
- `preprocess.npz`: preprocess_input of fixed images in each mode and data format;
- `mobilenet_v2_0.35_96_c10.weights.h5.gz` + `mobilenet_v2_0.35_96_c10.npz`: the weights of a
  small MobileNetV2 (alpha=0.35, 96x96, 10 classes, logits) saved by Keras' `save_weights`, gzipped
  (about 1 MB: the weights are float16 values), and its predictions on fixed images
  (`pixels`, uint8, go through mobilenet_v2.preprocess_input first).

`weights DIR` writes files too big to commit, for the test to make in a temporary directory:
MobileNetV2(alpha=0.35, input_shape=(96, 96, 3)) with 1000 classes, as a Keras 3
`.weights.h5` file and as a legacy tf.keras `.h5` file under the name of Keras' ImageNet file
(the layout of the files Keras downloads for weights="imagenet"), plus its predictions
(`mobilenet_v2_0.35_96.npz`). If DIR also holds `tensorflux.weights.h5` and `tensorflux.npz`
(written by the test), real Keras loads that file and checks tensorflux's predictions.

Weights are Keras' seeded initialization with the gammas, betas and biases replaced by seeded
random values and the batch-norm statistics set near those of the test images (so a weight
loaded into the wrong place shows, and the outputs depend on the input).
"""
import gzip
import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, os.pardir, "tests", "fixtures", "applications")

# key -> (application, keyword arguments); the test builds the same ones
CONFIGS = {
    "resnet50_top": ("ResNet50", {}),
    "resnet50_notop_224": ("ResNet50", {"include_top": False, "input_shape": (224, 224, 3)}),
    "resnet50_notop_avg": ("ResNet50", {"include_top": False, "pooling": "avg"}),
    "resnet50_notop_max_64": ("ResNet50", {"include_top": False, "pooling": "max",
                                           "input_shape": (64, 64, 3)}),
    "resnet50_c10_logits": ("ResNet50", {"classes": 10, "classifier_activation": None}),
    "resnet101_notop": ("ResNet101", {"include_top": False}),
    "resnet152_notop": ("ResNet152", {"include_top": False}),
    "vgg16_top": ("VGG16", {}),
    "vgg16_notop_avg": ("VGG16", {"include_top": False, "pooling": "avg"}),
    "vgg19_top": ("VGG19", {}),
    "vgg19_notop_48": ("VGG19", {"include_top": False, "input_shape": (48, 64, 3)}),
    "mobilenet_v2_top": ("MobileNetV2", {}),
    "mobilenet_v2_0.35_96": ("MobileNetV2", {"alpha": 0.35, "input_shape": (96, 96, 3)}),
    "mobilenet_v2_1.4_notop": ("MobileNetV2", {"alpha": 1.4, "include_top": False}),
    "mobilenet_v2_0.5_notop_avg_128": ("MobileNetV2", {"alpha": 0.5, "include_top": False,
                                                        "pooling": "avg",
                                                        "input_shape": (128, 128, 3)}),
    "mobilenet_v2_0.75_notop_odd": ("MobileNetV2", {"alpha": 0.75, "include_top": False,
                                                     "input_shape": (75, 81, 3)}),
}


def build(key):
    application, kwargs = CONFIGS[key]
    keras.backend.clear_session()
    return getattr(keras.applications, application)(weights=None, **kwargs)


def _shape(shape):
    return [None if d is None else int(d) for d in shape]


def describe(model):
    layers = []
    for layer in model.layers:
        weights = [[w.path, _shape(w.shape)] for w in layer.weights]
        layers.append([layer.name, type(layer).__name__, _shape(layer.output.shape), weights])
    return {"name": model.name, "params": int(model.count_params()),
            "trainable": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
            "non_trainable": int(sum(np.prod(w.shape) for w in model.non_trainable_weights)),
            "input_shape": _shape(model.input.shape), "output_shape": _shape(model.output.shape),
            "layers": layers}


def randomize(model, seed):
    """Seeded values for every weight that Keras initializes to a constant; then every weight
    is rounded to a float16 value (still stored as float32), so that the weights file
    compresses to half its size with gzip."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        name = weight.path.rsplit("/", 1)[-1]
        shape = tuple(weight.shape)
        value = np.asarray(weight.numpy())
        if name in ("gamma", "moving_variance"):
            value = rng.uniform(0.5, 1.5, shape)
        elif name in ("beta", "moving_mean", "bias"):
            value = rng.normal(0.0, 0.1, shape)
        weight.assign(value.astype("float16").astype("float32"))


def calibrate(model, x, seed):
    """Batch-norm moving statistics near the real statistics of `x` at each layer (random
    ones let activations saturate, so that the output no longer depends on the input). In
    training mode every batch normalization normalizes with the batch's own statistics, so
    one pass gives the input statistics of each layer as if all the layers before it were
    calibrated."""
    rng = np.random.default_rng(seed)
    norms = [layer for layer in model.layers
             if isinstance(layer, keras.layers.BatchNormalization)]
    probe = keras.Model(model.input, [layer.input for layer in norms])
    values = probe(x, training=True)
    for layer, value in zip(norms, values):
        value = np.asarray(value).reshape(-1, value.shape[-1])
        mean, variance = value.mean(axis=0), value.var(axis=0)
        size = mean.shape
        layer.moving_mean.assign((mean + rng.normal(0, 0.05, size) * np.sqrt(variance))
                                 .astype("float16").astype("float32"))
        layer.moving_variance.assign((variance * rng.uniform(0.8, 1.2, size) + 1e-3)
                                     .astype("float16").astype("float32"))


def images(size, seed):
    """Four differently structured images (noise alone averages out to the same features):
    noise, a dark noisy horizontal gradient, a colored vertical gradient, a checkerboard.
    Whole pixel values, stored as uint8."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0.0, 1.0, size)
    noise = rng.uniform(0, 255, (size, size, 3))
    horizontal = np.clip(ramp[None, :, None] * 120 + rng.normal(0, 10, (size, size, 3)), 0, 255)
    vertical = ramp[:, None, None] * np.array([255.0, 60.0, 180.0]) + np.zeros((size, size, 3))
    squares = ((np.arange(size)[:, None] // 12 + np.arange(size)[None, :] // 12) % 2) * 255.0
    checker = np.repeat(squares[:, :, None], 3, axis=2)
    return np.round(np.stack([noise, horizontal, vertical, checker])).astype("uint8")


def small_mobilenet(classes, classifier_activation="softmax"):
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    model = keras.applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), weights=None,
                                           classes=classes,
                                           classifier_activation=classifier_activation)
    randomize(model, 1)
    pixels = images(96, 2)
    x = keras.applications.mobilenet_v2.preprocess_input(pixels.astype("float32"))
    calibrate(model, x, 4)
    return model, pixels, model.predict(x, verbose=0)


def write_preprocess(path):
    rng = np.random.default_rng(3)
    arrays = {"last": rng.uniform(0, 255, (2, 4, 5, 3)).astype("float32"),
              "first": rng.uniform(0, 255, (2, 3, 4, 5)).astype("float32"),
              "single": rng.uniform(0, 255, (4, 5, 3)).astype("float32"),
              "uint8": rng.integers(0, 256, (1, 2, 2, 3)).astype("uint8")}
    out = dict(arrays)
    from keras.applications import imagenet_utils
    for mode in ("caffe", "tf", "torch"):
        out[f"{mode}_last"] = imagenet_utils.preprocess_input(np.copy(arrays["last"]), mode=mode)
        out[f"{mode}_first"] = imagenet_utils.preprocess_input(
            np.copy(arrays["first"]), mode=mode, data_format="channels_first")
        out[f"{mode}_single"] = imagenet_utils.preprocess_input(np.copy(arrays["single"]),
                                                                mode=mode)
        out[f"{mode}_uint8"] = imagenet_utils.preprocess_input(np.copy(arrays["uint8"]),
                                                               mode=mode)
        import tensorflow as tf
        out[f"{mode}_tensor"] = np.asarray(imagenet_utils.preprocess_input(
            tf.constant(arrays["last"]), mode=mode))
    np.savez(path, **out)


def main():
    os.makedirs(OUT, exist_ok=True)
    architectures = {key: describe(build(key)) for key in CONFIGS}
    with open(os.path.join(OUT, "architectures.json"), "w") as handle:
        json.dump({"keras_version": keras.__version__, "configs": {
            key: [CONFIGS[key][0], {k: list(v) if isinstance(v, tuple) else v
                                    for k, v in CONFIGS[key][1].items()}]
            for key in CONFIGS}, "architectures": architectures}, handle,
            separators=(",", ":"))
    write_preprocess(os.path.join(OUT, "preprocess.npz"))
    model, pixels, predictions = small_mobilenet(10, classifier_activation=None)
    path = os.path.join(OUT, "mobilenet_v2_0.35_96_c10.weights.h5")
    model.save_weights(path)
    with open(path, "rb") as source, gzip.GzipFile(path + ".gz", "wb", mtime=0) as target:
        shutil.copyfileobj(source, target)
    os.remove(path)
    np.savez_compressed(os.path.join(OUT, "mobilenet_v2_0.35_96_c10.npz"), pixels=pixels,
                        predictions=predictions)
    print("wrote", OUT)


def weights(directory):
    from keras.src.legacy.saving import legacy_h5_format
    import h5py
    os.makedirs(directory, exist_ok=True)
    model, pixels, predictions = small_mobilenet(1000)
    model.save_weights(os.path.join(directory, "mobilenet_v2_0.35_96.weights.h5"))
    legacy = os.path.join(directory,
                          "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96.h5")
    with h5py.File(legacy, "w") as handle:
        legacy_h5_format.save_weights_to_hdf5_group(handle, model)
    np.savez(os.path.join(directory, "mobilenet_v2_0.35_96.npz"), pixels=pixels,
             predictions=predictions)
    print("OK wrote", directory)
    check(directory)


def check(directory):
    """The other direction: `tensorflux.weights.h5` (MobileNetV2 alpha=0.35 96x96, saved by
    tensorflux) and `tensorflux.npz` (its pixels and predictions) load into real Keras."""
    path = os.path.join(directory, "tensorflux.weights.h5")
    if not os.path.exists(path):
        return
    expected = np.load(os.path.join(directory, "tensorflux.npz"))
    keras.backend.clear_session()
    model = keras.applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), weights=None)
    model.load_weights(path)
    x = keras.applications.mobilenet_v2.preprocess_input(
        expected["pixels"].astype("float32"))
    got = model.predict(x, verbose=0)
    error = float(np.abs(got - expected["predictions"]).max())
    print(("OK" if error < 1e-5 else "MISMATCH"), "tensorflux.weights.h5", error)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "weights":
        weights(sys.argv[2])
    else:
        main()
