"""Writes tests/fixtures/keras_layers.{json,npz} from real TensorFlow + Keras 3.

Run with the reference interpreter (TensorFlow is not a test dependency):

    /tmp/reftf/bin/python tools/make_fixtures_layers.py

For each case: a layer built from (class, kwargs), called once on a small random input, given
random weights (in Keras' `layer.weights` order), then called again; the fixture holds the
input, the weights, the output (and, in training mode, the weights after the call, e.g.
BatchNormalization's moving statistics), the output mask when there is one, and the layer's
`get_config()`. Plus one small CNN trained for two steps with `fit`, to pin the whole training
path (gradients through conv/batch-norm/pooling, moving-statistics updates).

A case Keras cannot run on this CPU build (channels_first convolutions need a GPU or XLA), or
runs wrongly (channels_first Conv3D, see its case), is computed with a channels_last twin given
the same weights, transposing input and output; a dilated transposed convolution (no CPU
kernel) runs through XLA.
"""
import json
import os
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, os.pardir, "tests", "fixtures", "keras_layers")

# (case id, layer class, kwargs, input shape, options)
CASES = [
    # ---- convolutions
    ("conv1d", "Conv1D", {"filters": 3, "kernel_size": 3}, (2, 7, 2), {}),
    ("conv1d_same_stride", "Conv1D", {"filters": 3, "kernel_size": 3, "strides": 2,
                                      "padding": "same"}, (2, 7, 2), {}),
    ("conv1d_causal_dilated", "Conv1D", {"filters": 2, "kernel_size": 3, "padding": "causal",
                                         "dilation_rate": 2, "activation": "tanh"},
     (2, 8, 2), {}),
    ("conv1d_groups", "Conv1D", {"filters": 4, "kernel_size": 2, "groups": 2}, (2, 6, 4), {}),
    ("conv1d_channels_first", "Conv1D", {"filters": 3, "kernel_size": 3,
                                         "data_format": "channels_first"}, (2, 2, 7), {}),
    ("conv2d", "Conv2D", {"filters": 3, "kernel_size": (3, 2)}, (2, 6, 5, 2), {}),
    ("conv2d_same_stride_relu", "Conv2D", {"filters": 4, "kernel_size": 3, "strides": 2,
                                           "padding": "same", "activation": "relu"},
     (2, 7, 6, 3), {}),
    ("conv2d_dilated", "Conv2D", {"filters": 2, "kernel_size": 3, "dilation_rate": 2,
                                  "padding": "same"}, (1, 7, 7, 2), {}),
    ("conv2d_groups", "Conv2D", {"filters": 6, "kernel_size": 3, "groups": 3},
     (1, 5, 5, 3), {}),
    ("conv2d_channels_first", "Conv2D", {"filters": 3, "kernel_size": 3, "strides": (2, 1),
                                         "padding": "same", "data_format": "channels_first"},
     (2, 2, 6, 5), {}),
    ("conv2d_no_bias", "Conv2D", {"filters": 2, "kernel_size": 1, "use_bias": False},
     (1, 3, 3, 2), {}),
    ("conv3d", "Conv3D", {"filters": 2, "kernel_size": 2}, (1, 4, 4, 3, 2), {}),
    ("conv3d_same_stride", "Conv3D", {"filters": 2, "kernel_size": 3, "strides": 2,
                                      "padding": "same"}, (1, 5, 4, 4, 1), {}),
    # Keras 3.15's CPU path for channels_first Conv3D (XLA) adds the bias along the last
    # spatial axis instead of the channel axis: use the channels_last twin.
    ("conv3d_channels_first", "Conv3D", {"filters": 2, "kernel_size": 2,
                                         "data_format": "channels_first"}, (1, 2, 3, 4, 3),
     {"twin": True}),
    ("conv1d_transpose", "Conv1DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2},
     (2, 4, 3), {}),
    ("conv1d_transpose_same_outpad", "Conv1DTranspose", {
        "filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1},
     (2, 4, 3), {}),
    ("conv2d_transpose_same", "Conv2DTranspose", {"filters": 3, "kernel_size": 3,
                                                  "strides": 2, "padding": "same"},
     (1, 4, 4, 2), {}),
    ("conv2d_transpose_valid", "Conv2DTranspose", {"filters": 2, "kernel_size": (3, 2),
                                                   "strides": (2, 3)}, (1, 3, 3, 2), {}),
    ("conv2d_transpose_outpad", "Conv2DTranspose", {"filters": 2, "kernel_size": 3,
                                                    "strides": 3, "output_padding": (1, 2)},
     (1, 2, 3, 2), {}),
    ("conv2d_transpose_same_outpad_even", "Conv2DTranspose", {
        "filters": 2, "kernel_size": 4, "strides": 2, "padding": "same", "output_padding": 1},
     (1, 3, 3, 2), {}),
    ("conv2d_transpose_dilated", "Conv2DTranspose", {"filters": 2, "kernel_size": 3,
                                                     "dilation_rate": 2}, (1, 4, 4, 2),
     {"dilated_transpose": True}),
    ("conv2d_transpose_channels_first", "Conv2DTranspose", {
        "filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
        "data_format": "channels_first"}, (1, 2, 3, 3), {}),
    ("conv3d_transpose", "Conv3DTranspose", {"filters": 2, "kernel_size": 2, "strides": 2},
     (1, 2, 2, 2, 2), {}),
    ("conv3d_transpose_same", "Conv3DTranspose", {"filters": 2, "kernel_size": 3,
                                                  "strides": (1, 2, 2), "padding": "same"},
     (1, 2, 3, 3, 1), {}),
    ("depthwise2d", "DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2},
     (2, 5, 5, 3), {}),
    ("depthwise2d_same_stride", "DepthwiseConv2D", {"kernel_size": 3, "strides": 2,
                                                    "padding": "same"}, (1, 6, 5, 2), {}),
    ("depthwise2d_stride_dilation", "DepthwiseConv2D", {
        "kernel_size": 3, "strides": 2, "dilation_rate": 2, "padding": "same"},
     (1, 9, 8, 2), {}),
    ("depthwise2d_channels_first", "DepthwiseConv2D", {
        "kernel_size": 2, "depth_multiplier": 2, "data_format": "channels_first"},
     (1, 2, 4, 4), {}),
    ("depthwise1d", "DepthwiseConv1D", {"kernel_size": 3, "depth_multiplier": 2,
                                        "padding": "same"}, (2, 6, 3), {}),
    ("depthwise1d_stride", "DepthwiseConv1D", {"kernel_size": 2, "strides": 2},
     (2, 7, 2), {}),
    ("separable2d", "SeparableConv2D", {"filters": 4, "kernel_size": 3,
                                        "depth_multiplier": 2}, (1, 5, 5, 2), {}),
    ("separable2d_same_stride_relu", "SeparableConv2D", {
        "filters": 3, "kernel_size": 3, "strides": 2, "padding": "same", "activation": "relu"},
     (2, 6, 6, 3), {}),
    ("separable2d_stride_dilation", "SeparableConv2D", {
        "filters": 3, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, (1, 9, 9, 2), {}),
    ("separable1d", "SeparableConv1D", {"filters": 3, "kernel_size": 3, "padding": "same"},
     (2, 6, 2), {}),
    ("separable1d_channels_first", "SeparableConv1D", {
        "filters": 3, "kernel_size": 2, "data_format": "channels_first"}, (2, 2, 6), {}),
    # ---- pooling
    ("maxpool1d", "MaxPooling1D", {"pool_size": 2}, (2, 7, 3), {}),
    ("maxpool1d_same", "MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"},
     (2, 7, 3), {}),
    ("avgpool1d_same", "AveragePooling1D", {"pool_size": 3, "strides": 2, "padding": "same"},
     (2, 7, 3), {}),
    ("maxpool2d", "MaxPooling2D", {}, (2, 5, 4, 2), {}),
    ("maxpool2d_same", "MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"},
     (2, 5, 6, 2), {}),
    ("avgpool2d_same", "AveragePooling2D", {"pool_size": (3, 2), "strides": (2, 2),
                                            "padding": "same"}, (2, 5, 5, 2), {}),
    ("avgpool2d_channels_first", "AveragePooling2D", {"pool_size": 2,
                                                      "data_format": "channels_first"},
     (1, 2, 4, 4), {}),
    ("maxpool2d_channels_first_same", "MaxPooling2D", {
        "pool_size": 2, "padding": "same", "data_format": "channels_first"}, (1, 2, 5, 5), {}),
    ("maxpool3d", "MaxPooling3D", {"pool_size": 2}, (1, 4, 4, 4, 2), {}),
    ("avgpool3d_same", "AveragePooling3D", {"pool_size": 2, "strides": (1, 2, 2),
                                            "padding": "same"}, (1, 3, 3, 3, 1), {}),
    ("global_maxpool1d", "GlobalMaxPooling1D", {}, (2, 5, 3), {}),
    ("global_avgpool1d_channels_first", "GlobalAveragePooling1D", {
        "data_format": "channels_first"}, (2, 3, 5), {}),
    ("global_avgpool1d_mask", "GlobalAveragePooling1D", {}, (2, 5, 3), {"mask": True}),
    ("global_maxpool2d_keepdims", "GlobalMaxPooling2D", {"keepdims": True}, (2, 3, 4, 2), {}),
    ("global_avgpool2d", "GlobalAveragePooling2D", {}, (2, 3, 4, 2), {}),
    ("global_avgpool2d_channels_first", "GlobalAveragePooling2D", {
        "data_format": "channels_first"}, (2, 2, 3, 4), {}),
    ("global_maxpool3d", "GlobalMaxPooling3D", {}, (1, 2, 3, 2, 2), {}),
    ("global_avgpool3d_keepdims", "GlobalAveragePooling3D", {"keepdims": True},
     (1, 2, 3, 2, 2), {}),
    # ---- reshaping
    ("zero_padding1d", "ZeroPadding1D", {"padding": (1, 2)}, (2, 3, 2), {}),
    ("zero_padding2d", "ZeroPadding2D", {"padding": ((1, 0), (2, 1))}, (1, 3, 3, 2), {}),
    ("zero_padding2d_channels_first", "ZeroPadding2D", {"padding": 1,
                                                        "data_format": "channels_first"},
     (1, 2, 2, 3), {}),
    ("zero_padding3d", "ZeroPadding3D", {"padding": (1, 0, 2)}, (1, 2, 2, 2, 1), {}),
    ("cropping1d", "Cropping1D", {"cropping": (1, 2)}, (2, 6, 2), {}),
    ("cropping2d", "Cropping2D", {"cropping": ((1, 0), (0, 2))}, (1, 4, 5, 2), {}),
    ("cropping2d_channels_first", "Cropping2D", {"cropping": 1,
                                                 "data_format": "channels_first"},
     (1, 2, 4, 5), {}),
    ("cropping3d", "Cropping3D", {"cropping": 1}, (1, 4, 4, 4, 1), {}),
    ("upsampling1d", "UpSampling1D", {"size": 3}, (2, 3, 2), {}),
    ("upsampling2d", "UpSampling2D", {"size": (2, 3)}, (1, 2, 3, 2), {}),
    ("upsampling2d_bilinear", "UpSampling2D", {"size": 2, "interpolation": "bilinear"},
     (1, 3, 4, 2), {}),
    ("upsampling2d_bilinear_3x2", "UpSampling2D", {"size": (3, 2),
                                                   "interpolation": "bilinear"},
     (1, 3, 3, 1), {}),
    ("upsampling2d_bilinear_channels_first", "UpSampling2D", {
        "size": 2, "interpolation": "bilinear", "data_format": "channels_first"},
     (1, 2, 3, 3), {}),
    ("upsampling3d", "UpSampling3D", {"size": (1, 2, 2)}, (1, 2, 2, 2, 1), {}),
    ("permute", "Permute", {"dims": (2, 1)}, (2, 3, 4), {}),
    ("permute3", "Permute", {"dims": (3, 1, 2)}, (2, 2, 3, 4), {}),
    ("repeat_vector", "RepeatVector", {"n": 3}, (2, 4), {}),
    # ---- normalization
    ("batchnorm_inference", "BatchNormalization", {}, (4, 3), {"training": False}),
    ("batchnorm_training", "BatchNormalization", {"momentum": 0.9}, (6, 3),
     {"training": True}),
    ("batchnorm_axis1_training", "BatchNormalization", {"axis": 1}, (3, 2, 4, 4),
     {"training": True}),
    ("batchnorm_axis1_inference", "BatchNormalization", {"axis": 1, "epsilon": 0.01},
     (3, 2, 4, 4), {"training": False}),
    ("batchnorm_no_affine_training", "BatchNormalization", {"center": False, "scale": False},
     (5, 2), {"training": True}),
    ("batchnorm_4d_training", "BatchNormalization", {}, (2, 3, 3, 2), {"training": True}),
    ("batchnorm_mask_training", "BatchNormalization", {}, (2, 4, 3),
     {"training": True, "mask": True}),
    ("batchnorm_frozen", "BatchNormalization", {}, (4, 3), {"training": True, "frozen": True}),
    ("layernorm", "LayerNormalization", {}, (2, 5), {}),
    ("layernorm_axes", "LayerNormalization", {"axis": [1, 2]}, (2, 3, 4), {}),
    ("layernorm_rms", "LayerNormalization", {"rms_scaling": True}, (2, 5), {}),
    ("layernorm_no_center", "LayerNormalization", {"center": False, "epsilon": 1e-5},
     (2, 3, 4), {}),
    ("groupnorm", "GroupNormalization", {"groups": 2}, (2, 4, 4), {}),
    ("groupnorm_axis1", "GroupNormalization", {"groups": 3, "axis": 1}, (2, 6, 3, 3), {}),
    ("groupnorm_instance", "GroupNormalization", {"groups": -1}, (2, 5, 3), {}),
    ("unitnorm", "UnitNormalization", {}, (3, 4), {}),
    ("unitnorm_axes", "UnitNormalization", {"axis": [1, 2]}, (2, 3, 4), {}),
    # ---- regularization (inference: the identity) and embeddings
    ("spatial_dropout1d", "SpatialDropout1D", {"rate": 0.5}, (2, 3, 4), {}),
    ("spatial_dropout2d", "SpatialDropout2D", {"rate": 0.5, "data_format": "channels_first"},
     (2, 3, 2, 2), {}),
    ("spatial_dropout3d", "SpatialDropout3D", {"rate": 0.3}, (1, 2, 2, 2, 3), {}),
    ("gaussian_noise", "GaussianNoise", {"stddev": 0.3, "seed": 3}, (2, 3), {}),
    ("gaussian_dropout", "GaussianDropout", {"rate": 0.4}, (2, 3), {}),
    ("alpha_dropout", "AlphaDropout", {"rate": 0.2}, (2, 3), {}),
    ("activity_regularization", "ActivityRegularization", {"l1": 0.1, "l2": 0.02}, (4, 3),
     {"losses": True}),
    ("embedding", "Embedding", {"input_dim": 7, "output_dim": 3}, (2, 4), {"ids": 7}),
    ("embedding_mask_zero", "Embedding", {"input_dim": 7, "output_dim": 3, "mask_zero": True},
     (2, 4), {"ids": 7}),
    ("masking", "Masking", {"mask_value": 0.5}, (2, 4, 3), {"masking": 0.5}),
]


def _json(value):
    return json.loads(json.dumps(value, default=lambda o: o.tolist() if hasattr(o, "tolist")
                                 else str(o)))


def _random_weights(layer, rng):
    values = []
    for w in layer.weights:
        name = w.path.split("/")[-1]
        if name == "moving_variance":
            values.append(rng.uniform(0.5, 1.5, size=w.shape))
        elif name == "gamma":
            values.append(rng.uniform(0.5, 1.5, size=w.shape))
        else:
            values.append(rng.normal(size=w.shape) * 0.5)
    return [v.astype("float32") for v in values]


def _input(shape, options, rng):
    if "ids" in options:
        ids = rng.randint(0, options["ids"], size=shape)
        ids[:, -1] = 0            # a padding id
        return ids.astype("int32")
    x = rng.normal(size=shape).astype("float32")
    if "masking" in options:
        x[0, 1, :] = options["masking"]
        x[1, 3, :] = options["masking"]
        x[1, 0, 0] = options["masking"]      # one equal feature does not mask the step
    return x


def _channels_last_twin(cls, kwargs):
    twin = dict(kwargs, data_format="channels_last")
    return cls(**twin)


def _move_channels(x, to_last):
    rank = x.ndim
    if to_last:
        return np.transpose(x, [0] + list(range(2, rank)) + [1])
    return np.transpose(x, [0, rank - 1] + list(range(1, rank - 1)))


def run_case(case_id, class_name, kwargs, shape, options, arrays):
    rng = np.random.RandomState(zlib.crc32(case_id.encode()))
    cls = getattr(keras.layers, class_name)
    layer = cls(**kwargs)
    x = _input(shape, options, rng)
    call_kwargs = {}
    if "training" in options:
        call_kwargs["training"] = options["training"]
    mask = None
    if options.get("mask"):
        mask = np.ones(shape[:2], dtype=bool)
        mask[0, -2:] = False
        mask[1, 0] = False
        call_kwargs["mask"] = tf.constant(mask)
    via = None
    if options.get("dilated_transpose"):
        return _dilated_transpose_case(case_id, class_name, cls, kwargs, x, rng, arrays)
    try:
        if options.get("twin"):
            raise RuntimeError("channels_last twin requested")
        layer(x, **{k: v for k, v in call_kwargs.items() if k != "training"})
        weights = _random_weights(layer, rng)
        layer.set_weights(weights)
        if options.get("frozen"):
            layer.trainable = False
        y = layer(x, **call_kwargs)
        y = np.asarray(y)
        after = [np.asarray(w) for w in layer.get_weights()]
    except Exception as error:  # channels_first on a CPU-only TensorFlow
        if kwargs.get("data_format") != "channels_first":
            raise
        via = f"channels_last twin ({type(error).__name__})"
        twin = _channels_last_twin(cls, kwargs)
        x_last = _move_channels(x, to_last=True)
        twin(x_last)
        weights = _random_weights(twin, rng)
        twin.set_weights(weights)
        y = _move_channels(np.asarray(twin(x_last)), to_last=False)
        after = weights
        layer = cls(**kwargs)
        layer.build(x.shape)
    entry = {"id": case_id, "class_name": class_name, "kwargs": _json(kwargs),
             "training": options.get("training"), "frozen": bool(options.get("frozen")),
             "weight_names": [w.path.split("/")[-1] for w in layer.weights],
             "config": _json(layer.get_config()), "via": via,
             "output_shape": list(y.shape)}
    arrays[f"{case_id}/x"] = x
    arrays[f"{case_id}/y"] = y.astype("float32") if y.dtype != bool else y
    for i, w in enumerate(weights):
        arrays[f"{case_id}/w{i}"] = w
    if options.get("training"):
        for i, w in enumerate(after):
            arrays[f"{case_id}/after{i}"] = w
    if mask is not None:
        arrays[f"{case_id}/mask"] = mask
    if class_name in ("Embedding", "Masking"):
        out_mask = layer.compute_mask(x)
        entry["has_mask"] = out_mask is not None
        if out_mask is not None:
            arrays[f"{case_id}/out_mask"] = np.asarray(out_mask)
    if options.get("losses"):
        entry["losses"] = [float(np.asarray(loss)) for loss in layer.losses]
    return entry


def _dilated_transpose_case(case_id, class_name, cls, kwargs, x, rng, arrays):
    """TensorFlow's CPU kernels have no dilated transposed convolution; XLA has one."""
    layer = cls(**kwargs)
    layer.build(x.shape)
    weights = _random_weights(layer, rng)
    layer.set_weights(weights)
    y = np.asarray(tf.function(lambda t: layer(t), jit_compile=True)(tf.constant(x)))
    arrays[f"{case_id}/x"], arrays[f"{case_id}/y"] = x, y.astype("float32")
    for i, w in enumerate(weights):
        arrays[f"{case_id}/w{i}"] = w
    return {"id": case_id, "class_name": class_name, "kwargs": _json(kwargs),
            "training": None, "frozen": False,
            "weight_names": [w.path.split("/")[-1] for w in layer.weights],
            "config": _json(layer.get_config()), "via": "XLA",
            "output_shape": list(y.shape)}


def train_model(arrays):
    """A small CNN: two SGD steps with fit (batch 4, no shuffling), weights before/after."""
    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        keras.Input(shape=(6, 6, 2)),
        keras.layers.Conv2D(3, 3, padding="same"),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.SeparableConv2D(2, 2, padding="same"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(2),
    ])
    rng = np.random.RandomState(7)
    x = rng.normal(size=(8, 6, 6, 2)).astype("float32")
    y = rng.normal(size=(8, 2)).astype("float32")
    before = [w.copy() for w in model.get_weights()]
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    after = model.get_weights()
    arrays["model/x"], arrays["model/y"] = x, y
    for i, (b, a) in enumerate(zip(before, after)):
        arrays[f"model/before{i}"], arrays[f"model/after{i}"] = b, a
    predictions = model.predict(x, verbose=0)
    arrays["model/predictions"] = predictions
    return {"loss": history.history["loss"], "num_weights": len(before),
            "weight_paths": [w.path for w in model.weights]}


def main():
    arrays, entries = {}, []
    for case in CASES:
        entries.append(run_case(*case, arrays))
    model = train_model(arrays)
    np.savez_compressed(OUT + ".npz", **arrays)
    with open(OUT + ".json", "w") as handle:
        json.dump({"keras_version": keras.__version__, "tensorflow_version": tf.__version__,
                   "cases": entries, "model": model}, handle, indent=1, sort_keys=True)
    print(f"wrote {len(entries)} cases; "
          f"{os.path.getsize(OUT + '.npz') + os.path.getsize(OUT + '.json')} bytes")
    for entry in entries:
        if entry["via"]:
            print(f"  {entry['id']}: {entry['via']}")


if __name__ == "__main__":
    main()
