"""Reference outputs of Keras 3's preprocessing layers, for
tests/test_keras_preprocessing_layers.py.

Run with the reference interpreter (TensorFlow is not a test dependency):

    /tmp/reftf/bin/python tools/make_fixtures_preprocessing.py
    # writes tests/fixtures/preprocessing/{cases.json, arrays.npz}

Each case (CASES) builds a layer from its keyword arguments, optionally adapts it, calls it on
one of the fixed inputs (INPUTS) and records the output (values and dtype), the layer's
get_config() and, for lookups, its vocabulary. The random layers are made deterministic with
degenerate ranges (factor=(0.1, 0.1) always rotates by 36 degrees, and so on), so their
transforms are compared exactly; `affine_*` cases record keras.ops.image.affine_transform.
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, os.pardir, "tests", "fixtures", "preprocessing")


def inputs():
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, 9)
    image = np.stack([np.outer(np.linspace(0, 1, 7), ramp), np.outer(np.ones(7), ramp ** 2),
                      rng.uniform(0, 1, (7, 9))], axis=-1)
    return {
        "images": (np.stack([image, image[::-1] * 0.5 + 0.25]) * 255).astype("float32"),
        "images_uint8": (np.stack([image, image[:, ::-1]]) * 255).round().astype("uint8"),
        "images_first": np.transpose(np.stack([image, image[::-1]]) * 255,
                                     (0, 3, 1, 2)).astype("float32"),
        "image": (image * 255).astype("float32"),
        "small": rng.uniform(0, 255, (2, 4, 5, 3)).astype("float32"),
        "features": rng.normal(3.0, 2.0, (6, 4)).astype("float32"),
        "volume": rng.normal(-1.0, 0.5, (5, 3, 4)).astype("float32"),
        "values": np.array([[-1.5, 0.0, 0.2, 1.0], [2.5, 0.99, -0.01, 3.0]], "float32"),
        "spread": rng.normal(0.0, 1.0, (200,)).astype("float32"),
        "ids": np.array([3, 0, 2, 1, 3], "int64"),
        "ids_2d": np.array([[0, 1, 1], [3, 3, 2]], "int64"),
        "ids_col": np.array([[2], [0], [1]], "int64"),
        "ids_weights": np.array([[0.5, 1.0, 2.0], [1.0, 1.5, 0.25]], "float32"),
        "words": np.array([["cat", "dog", "cat"], ["bird", "cat", "fish"],
                           ["dog", "emu", "ant"]]),
        "query": np.array([["cat", "zebra", "dog"], ["", "ant", "bird"]]),
        "indices": np.array([[0, 1, 2], [3, 4, 9]], "int64"),
        "numbers": np.array([[12, 7, 36], [36, 0, 12], [5, 12, 99]], "int64"),
        "corpus": np.array(["The cat sat on the mat.", "The dog ate my homework!",
                            "A cat, a dog; and the bird?", "Dogs and cats: the END"]),
        "sentences": np.array(["the cat ate the bird", "An UNKNOWN word, and a dog.",
                               "mat"]),
    }


def affine_cases():
    return {
        "rotate": np.array([[np.cos(0.5), -np.sin(0.5), 2.0, np.sin(0.5), np.cos(0.5), -1.5,
                             0.0, 0.0]] * 2, "float32"),
        "zoom_shift": np.array([[1.6, 0.1, -3.1, -0.2, 1.3, -2.4, 0.0, 0.0],
                                [0.7, 0.0, 4.5, 0.0, 0.5, 5.2, 0.0, 0.0]], "float32"),
        "projective": np.array([[0.9, 0.1, 1.5, -0.1, 1.1, 0.5, 0.02, -0.03]] * 2, "float32"),
    }


# (name, layer, kwargs, input, call kwargs, adapt input)
CASES = [
    ("rescaling", "Rescaling", {"scale": 1 / 255.0}, "images_uint8", {}, None),
    ("rescaling_offset", "Rescaling", {"scale": 1 / 127.5, "offset": -1.0}, "images", {}, None),
    ("rescaling_channels", "Rescaling", {"scale": [0.5, 1.0, 2.0], "offset": 1.0}, "small", {},
     None),
    ("resizing_bilinear", "Resizing", {"height": 4, "width": 5}, "images", {}, None),
    ("resizing_up", "Resizing", {"height": 11, "width": 13}, "images", {}, None),
    ("resizing_nearest", "Resizing", {"height": 4, "width": 6, "interpolation": "nearest"},
     "images", {}, None),
    ("resizing_bicubic", "Resizing", {"height": 5, "width": 4, "interpolation": "bicubic"},
     "images", {}, None),
    ("resizing_area", "Resizing", {"height": 3, "width": 4, "interpolation": "area"},
     "images", {}, None),
    ("resizing_lanczos3", "Resizing", {"height": 5, "width": 5, "interpolation": "lanczos3"},
     "images", {}, None),
    ("resizing_antialias", "Resizing", {"height": 3, "width": 4, "antialias": True},
     "images", {}, None),
    ("resizing_crop", "Resizing", {"height": 4, "width": 4, "crop_to_aspect_ratio": True},
     "images", {}, None),
    ("resizing_pad", "Resizing", {"height": 6, "width": 4, "pad_to_aspect_ratio": True,
                                  "fill_value": 7.0}, "images", {}, None),
    ("resizing_uint8", "Resizing", {"height": 5, "width": 6}, "images_uint8", {}, None),
    ("resizing_first", "Resizing", {"height": 4, "width": 5, "data_format": "channels_first"},
     "images_first", {}, None),
    ("resizing_single", "Resizing", {"height": 3, "width": 3}, "image", {}, None),
    ("center_crop", "CenterCrop", {"height": 4, "width": 5}, "images", {}, None),
    ("center_crop_uint8", "CenterCrop", {"height": 3, "width": 3}, "images_uint8", {}, None),
    ("center_crop_upscale", "CenterCrop", {"height": 9, "width": 6}, "images", {}, None),
    ("center_crop_first", "CenterCrop", {"height": 5, "width": 4,
                                         "data_format": "channels_first"}, "images_first", {},
     None),
    ("center_crop_single", "CenterCrop", {"height": 2, "width": 8}, "image", {}, None),
    ("rotation_reflect", "RandomRotation", {"factor": (0.1, 0.1)}, "images", {}, None),
    ("rotation_wrap_nearest", "RandomRotation", {"factor": (-0.2, -0.2), "fill_mode": "wrap",
                                                 "interpolation": "nearest"}, "images", {},
     None),
    ("rotation_constant", "RandomRotation", {"factor": (0.3, 0.3), "fill_mode": "constant",
                                             "fill_value": 9.0}, "images", {}, None),
    ("rotation_nearest_fill", "RandomRotation", {"factor": (0.05, 0.05),
                                                 "fill_mode": "nearest"}, "image", {}, None),
    ("rotation_first", "RandomRotation", {"factor": (0.1, 0.1),
                                          "data_format": "channels_first"}, "images_first", {},
     None),
    ("rotation_inference", "RandomRotation", {"factor": 0.4}, "images_uint8",
     {"training": False}, None),
    ("zoom_in", "RandomZoom", {"height_factor": (-0.3, -0.3)}, "images", {}, None),
    ("zoom_out_constant", "RandomZoom", {"height_factor": (0.4, 0.4), "width_factor": (0.2, 0.2),
                                         "fill_mode": "constant"}, "images", {}, None),
    ("zoom_wrap", "RandomZoom", {"height_factor": (0.5, 0.5), "width_factor": (-0.2, -0.2),
                                 "fill_mode": "wrap", "interpolation": "nearest"}, "images",
     {}, None),
    ("translation", "RandomTranslation", {"height_factor": (0.2, 0.2),
                                          "width_factor": (-0.3, -0.3)}, "images", {}, None),
    ("translation_constant", "RandomTranslation", {"height_factor": (-0.25, -0.25),
                                                   "width_factor": (0.4, 0.4),
                                                   "fill_mode": "constant",
                                                   "fill_value": 3.0}, "images", {}, None),
    ("translation_nearest", "RandomTranslation", {"height_factor": (0.5, 0.5),
                                                  "width_factor": (0.5, 0.5),
                                                  "fill_mode": "nearest"}, "image", {}, None),
    ("brightness", "RandomBrightness", {"factor": (0.1, 0.1)}, "images", {}, None),
    ("brightness_unit", "RandomBrightness", {"factor": (-0.3, -0.3), "value_range": (0, 1)},
     "images", {}, None),
    ("brightness_inference", "RandomBrightness", {"factor": 0.5}, "images_uint8",
     {"training": False}, None),
    ("contrast_inference", "RandomContrast", {"factor": 0.5}, "images_uint8",
     {"training": False}, None),
    ("flip_inference", "RandomFlip", {}, "images_uint8", {"training": False}, None),
    ("crop_resize", "RandomCrop", {"height": 8, "width": 8, "seed": 3}, "images", {}, None),
    ("crop_inference", "RandomCrop", {"height": 3, "width": 4, "seed": 3}, "images_uint8",
     {"training": False}, None),
    ("normalization", "Normalization", {}, "features", {}, "features"),
    ("normalization_all", "Normalization", {"axis": None}, "features", {}, "features"),
    ("normalization_axes", "Normalization", {"axis": (1, 2)}, "volume", {}, "volume"),
    ("normalization_middle", "Normalization", {"axis": 1}, "volume", {}, "volume"),
    ("normalization_given", "Normalization", {"mean": [1.0, 2.0, 3.0, 4.0],
                                              "variance": [1.0, 4.0, 0.25, 9.0]}, "features",
     {}, None),
    ("normalization_invert", "Normalization", {"mean": 2.0, "variance": 4.0, "invert": True},
     "features", {}, None),
    ("discretization", "Discretization", {"bin_boundaries": [0.0, 1.0, 2.0]}, "values", {},
     None),
    ("discretization_one_hot", "Discretization", {"bin_boundaries": [0.0, 1.0],
                                                  "output_mode": "one_hot"}, "ids_col", {},
     None),
    ("discretization_multi_hot", "Discretization", {"bin_boundaries": [0.0, 1.0, 2.0],
                                                    "output_mode": "multi_hot"}, "values", {},
     None),
    ("discretization_count", "Discretization", {"bin_boundaries": [0.0, 1.0, 2.0],
                                                "output_mode": "count"}, "values", {}, None),
    ("discretization_adapt", "Discretization", {"num_bins": 5}, "values", {}, "spread"),
    ("discretization_adapt_fine", "Discretization", {"num_bins": 3, "epsilon": 0.001},
     "values", {}, "spread"),
    ("category_one_hot", "CategoryEncoding", {"num_tokens": 4, "output_mode": "one_hot"},
     "ids", {}, None),
    ("category_one_hot_col", "CategoryEncoding", {"num_tokens": 3, "output_mode": "one_hot"},
     "ids_col", {}, None),
    ("category_multi_hot", "CategoryEncoding", {"num_tokens": 4}, "ids_2d", {}, None),
    ("category_multi_hot_1d", "CategoryEncoding", {"num_tokens": 5}, "ids", {}, None),
    ("category_count", "CategoryEncoding", {"num_tokens": 4, "output_mode": "count"},
     "ids_2d", {}, None),
    ("category_count_weights", "CategoryEncoding", {"num_tokens": 4, "output_mode": "count"},
     "ids_2d", {"count_weights": "ids_weights"}, None),
    ("string_lookup", "StringLookup", {}, "query", {}, "words"),
    ("string_lookup_vocab", "StringLookup", {"vocabulary": ["dog", "cat", "ant"]}, "query", {},
     None),
    ("string_lookup_mask", "StringLookup", {"mask_token": "", "max_tokens": 5}, "query", {},
     "words"),
    ("string_lookup_no_oov", "StringLookup", {"vocabulary": ["cat", "dog", "ant", "bird",
                                                             "emu", "fish"],
                                              "num_oov_indices": 0}, "words", {}, None),
    ("string_lookup_invert", "StringLookup", {"vocabulary": ["dog", "cat", "ant", "emu"],
                                              "invert": True, "mask_token": "[MASK]"},
     "indices", {}, None),
    ("string_lookup_one_hot", "StringLookup", {"vocabulary": ["dog", "cat"],
                                               "output_mode": "one_hot"}, "ids_col_words", {},
     None),
    ("string_lookup_multi_hot", "StringLookup", {"output_mode": "multi_hot"}, "query", {},
     "words"),
    ("string_lookup_count", "StringLookup", {"output_mode": "count", "mask_token": "",
                                             "pad_to_max_tokens": True, "max_tokens": 8},
     "query", {}, "words"),
    ("string_lookup_tf_idf", "StringLookup", {"output_mode": "tf_idf"}, "query", {}, "words"),
    ("integer_lookup", "IntegerLookup", {}, "numbers", {}, "numbers"),
    ("integer_lookup_vocab", "IntegerLookup", {"vocabulary": [12, 36, 5], "mask_token": 0,
                                               "num_oov_indices": 2}, "numbers", {}, None),
    ("integer_lookup_invert", "IntegerLookup", {"vocabulary": [12, 36, 5], "invert": True},
     "indices", {}, None),
    ("integer_lookup_multi_hot", "IntegerLookup", {"vocabulary": [12, 36, 5],
                                                   "output_mode": "multi_hot"}, "numbers", {},
     None),
    ("text_int", "TextVectorization", {}, "sentences", {}, "corpus"),
    ("text_int_length", "TextVectorization", {"output_sequence_length": 4, "max_tokens": 9},
     "sentences", {}, "corpus"),
    ("text_bigrams", "TextVectorization", {"ngrams": 2, "output_sequence_length": 12},
     "sentences", {}, "corpus"),
    ("text_lower", "TextVectorization", {"standardize": "lower", "split": "whitespace",
                                         "output_sequence_length": 6}, "sentences", {},
     "corpus"),
    ("text_characters", "TextVectorization", {"split": "character", "standardize": None,
                                              "output_sequence_length": 8}, "sentences", {},
     "corpus"),
    ("text_multi_hot", "TextVectorization", {"output_mode": "multi_hot"}, "sentences", {},
     "corpus"),
    ("text_count_padded", "TextVectorization", {"output_mode": "count", "max_tokens": 12,
                                                "pad_to_max_tokens": True}, "sentences", {},
     "corpus"),
    ("text_tf_idf", "TextVectorization", {"output_mode": "tf_idf", "ngrams": (1, 2)},
     "sentences", {}, "corpus"),
    ("text_vocab", "TextVectorization", {"vocabulary": ["the", "cat", "dog", "bird"],
                                         "output_sequence_length": 5}, "sentences", {}, None),
]


def jsonable(value):
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    return value


def main():
    os.makedirs(OUT, exist_ok=True)
    data = inputs()
    data["ids_col_words"] = np.array([["cat"], ["emu"], ["dog"]])
    arrays = dict(data)
    cases = {}
    for name, layer_name, kwargs, input_name, raw_call_kwargs, adapt_name in CASES:
        keras.backend.clear_session()
        layer = getattr(keras.layers, layer_name)(**kwargs)
        if adapt_name is not None:
            layer.adapt(data[adapt_name])
        call_kwargs = {k: data[v] if isinstance(v, str) else v
                       for k, v in raw_call_kwargs.items()}
        output = layer(data[input_name], **call_kwargs)
        output = output.numpy() if hasattr(output, "numpy") else np.asarray(output)
        dtype = str(output.dtype) if output.dtype != object else "string"
        if dtype == "string":
            output = np.vectorize(lambda b: b.decode("utf-8"), otypes=[object])(output)
            arrays[f"out_{name}"] = output.astype(str)
        else:
            arrays[f"out_{name}"] = output
        record = {"layer": layer_name, "kwargs": jsonable(kwargs), "input": input_name,
                  "call_kwargs": jsonable(raw_call_kwargs),
                  "adapt": adapt_name, "dtype": dtype,
                  "config": jsonable({k: v for k, v in layer.get_config().items()
                                      if k not in ("name", "dtype", "trainable")})}
        if hasattr(layer, "get_vocabulary"):
            record["vocabulary"] = jsonable(layer.get_vocabulary())
            record["vocabulary_size"] = int(layer.vocabulary_size())
        if layer_name == "Discretization":
            record["bin_boundaries"] = jsonable(layer.bin_boundaries)
        if layer_name == "Normalization" and layer.weights:
            record["weights"] = {w.path.split("/")[-1]: jsonable(np.asarray(w.numpy()))
                                 for w in layer.weights}
        cases[name] = record
    for name, transform in affine_cases().items():
        arrays[f"transform_{name}"] = transform
        for fill in ("reflect", "wrap", "constant", "nearest"):
            for interpolation in ("nearest", "bilinear"):
                arrays[f"affine_{name}_{fill}_{interpolation}"] = np.asarray(
                    keras.ops.image.affine_transform(data["images"], transform,
                                                     interpolation=interpolation,
                                                     fill_mode=fill, fill_value=11.0))
    with open(os.path.join(OUT, "cases.json"), "w") as handle:
        json.dump({"keras_version": keras.__version__, "cases": cases}, handle, indent=0)
    np.savez_compressed(os.path.join(OUT, "arrays.npz"), **arrays)
    print("wrote", OUT, len(cases), "cases")


if __name__ == "__main__":
    main()
