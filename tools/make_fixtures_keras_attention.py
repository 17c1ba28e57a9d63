"""Writes tests/fixtures/keras_attention.{json,npz} (+ keras_attention.weights.h5) from real
TensorFlow + Keras 3.

Run with the reference interpreter (TensorFlow is not a test dependency):

    /tmp/reftf/bin/python tools/make_fixtures_keras_attention.py

Each case builds a layer from (class, kwargs), calls it once to build it, gives it random
weights (in `layer.weights` order, biases too), and records the outputs (and attention scores,
and the output's Keras mask) of a call on small random inputs with the case's call arguments:
explicit masks (attention_mask, query_mask, value_mask, `mask=[...]`), Keras masks riding on
the inputs (as Embedding(mask_zero=True) puts them), use_causal_mask, return_attention_scores.
Both of Keras' attention paths are covered (the fused dot-product path, taken without dropout
and scores, and the Softmax-layer path), with fully masked rows, where they differ.
The JSON also holds each layer's `keras.layers.serialize` config and weight paths.

Hashing cases record Keras' bins for strings, ints and floats (FarmHash and salted SipHash).
Color augmentations (RandomGrayscale, RandomInvert, Solarization) are recorded with factors
that make their random draws certain. A small functional model (Embedding(mask_zero) ->
MultiHeadAttention + residual -> LayerNormalization -> GroupQueryAttention -> RMSNormalization
-> pooling -> Dense) is saved as Keras 3 `.weights.h5` with its predictions, to check that
Keras weight files load, and a model with MultiHeadAttention and EinsumDense as a whole
`.keras` file.
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras.src import backend  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, os.pardir, "tests", "fixtures", "keras_attention")

QMASK = [[1, 1, 1, 0], [1, 0, 1, 1]]                 # (batch 2, T=4)
VMASK = [[1, 1, 0, 0, 0], [0, 1, 1, 1, 1]]           # (batch 2, S=5)
VMASK_EMPTY = [[0, 0, 0, 0, 0], [1, 1, 0, 1, 1]]     # a fully masked batch row
ATTN_MASK = np.array([[[1, 0, 1, 0, 1], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 0, 0]],
                      [[1, 1, 0, 0, 0], [0, 0, 1, 1, 0], [0, 0, 0, 0, 0], [1, 0, 0, 0, 1]]],
                     "int32")                           # (2, T=4, S=5), empty rows


def mha(**kwargs):
    return ("MultiHeadAttention", dict({"num_heads": 2, "key_dim": 3}, **kwargs))


def gqa(**kwargs):
    return ("GroupQueryAttention", dict({"head_dim": 3, "num_query_heads": 4,
                                         "num_key_value_heads": 2}, **kwargs))


# (case id, (class, kwargs), inputs {name: shape}, options)
#   options: "keras_masks" {input name: mask}, "call" {kwarg: value (lists -> arrays)},
#   "list_input" (Attention layers: inputs passed as a list in the given order).
QV = {"query": (2, 4, 5), "value": (2, 5, 5)}
QVK = {"query": (2, 4, 5), "value": (2, 5, 6), "key": (2, 5, 7)}
SELF = {"query": (2, 4, 5)}
CASES = [
    ("mha_self_scores", mha(), SELF, {"self": True, "call": {"return_attention_scores": True}}),
    ("mha_self", mha(), SELF, {"self": True}),
    ("mha_cross_key", mha(value_dim=2, use_bias=False, output_shape=7), QVK,
     {"call": {"return_attention_scores": True}}),
    ("mha_output_shape_2d", mha(output_shape=(2, 3)), QV, {}),
    ("mha_attention_mask_fused", mha(), QV, {"call": {"attention_mask": ATTN_MASK}}),
    ("mha_attention_mask_scores", mha(), QV,
     {"call": {"attention_mask": ATTN_MASK, "return_attention_scores": True}}),
    ("mha_causal_fused", mha(), SELF, {"self": True, "call": {"use_causal_mask": True}}),
    ("mha_causal_scores", mha(), SELF,
     {"self": True, "call": {"use_causal_mask": True, "return_attention_scores": True}}),
    ("mha_causal_cross", mha(), QV, {"call": {"use_causal_mask": True}}),
    ("mha_keras_masks_fused", mha(), QV, {"keras_masks": {"query": QMASK, "value": VMASK}}),
    ("mha_keras_masks_scores", mha(), QV,
     {"keras_masks": {"query": QMASK, "value": VMASK_EMPTY},
      "call": {"return_attention_scores": True}}),
    ("mha_keras_masks_causal_and_attention_mask", mha(), QV,
     {"keras_masks": {"value": VMASK},
      "call": {"use_causal_mask": True, "attention_mask": ATTN_MASK}}),
    ("mha_explicit_query_mask_ignored", mha(), QV,
     {"call": {"query_mask": QMASK, "value_mask": VMASK}}),
    ("mha_key_mask", mha(), QVK, {"call": {"key_mask": VMASK_EMPTY, "value_mask": VMASK}}),
    ("mha_dropout_inference", mha(dropout=0.5), QV,
     {"call": {"attention_mask": ATTN_MASK, "training": False}}),
    ("mha_attention_axes_2d", mha(attention_axes=(2,)), {"query": (2, 3, 4, 5),
                                                         "value": (2, 3, 2, 5)},
     {"call": {"return_attention_scores": True}}),
    ("mha_attention_axes_both", mha(attention_axes=(1, 2)), {"query": (2, 3, 2, 4),
                                                             "value": (2, 2, 3, 4)},
     {"call": {"return_attention_scores": True}}),
    ("mha_sliding_window", mha(sliding_window=2), SELF,
     {"self": True, "call": {"use_causal_mask": True}}),
    ("mha_gate", mha(use_gate=True), QV, {}),
    ("gqa", gqa(), {"query": (2, 4, 6), "value": (2, 5, 6)}, {}),
    ("gqa_scores_causal", gqa(), {"query": (2, 4, 6)},
     {"self": True, "call": {"use_causal_mask": True, "return_attention_scores": True}}),
    ("gqa_masks", gqa(num_key_value_heads=1, use_bias=False),
     {"query": (2, 4, 6), "value": (2, 5, 6)},
     {"keras_masks": {"query": QMASK, "value": VMASK_EMPTY}}),
    ("gqa_attention_mask_key", gqa(), {"query": (2, 4, 6), "value": (2, 5, 6),
                                       "key": (2, 5, 6)},
     {"call": {"attention_mask": ATTN_MASK, "return_attention_scores": True}}),
    ("attention_dot", ("Attention", {}), {"query": (2, 4, 5), "value": (2, 5, 5)},
     {"list_input": True, "call": {"return_attention_scores": True}}),
    ("attention_scale_key", ("Attention", {"use_scale": True}),
     {"query": (2, 4, 5), "value": (2, 5, 3), "key": (2, 5, 5)}, {"list_input": True}),
    ("attention_concat", ("Attention", {"score_mode": "concat", "use_scale": True}),
     {"query": (2, 4, 5), "value": (2, 5, 5)},
     {"list_input": True, "call": {"mask": [QMASK, VMASK], "return_attention_scores": True}}),
    ("attention_concat_noscale", ("Attention", {"score_mode": "concat"}),
     {"query": (2, 4, 5), "value": (2, 5, 5)}, {"list_input": True}),
    ("attention_causal_keras_masks", ("Attention", {}), {"query": (2, 4, 5),
                                                        "value": (2, 5, 5)},
     {"list_input": True, "keras_masks": {"query": QMASK, "value": VMASK},
      "call": {"use_causal_mask": True, "return_attention_scores": True}}),
    ("additive_attention", ("AdditiveAttention", {}), {"query": (2, 4, 5), "value": (2, 5, 5)},
     {"list_input": True, "call": {"mask": [QMASK, VMASK], "return_attention_scores": True}}),
    ("additive_attention_noscale", ("AdditiveAttention", {"use_scale": False}),
     {"query": (2, 4, 5), "value": (2, 5, 3), "key": (2, 5, 5)}, {"list_input": True}),
    ("einsum_dense_2d", ("EinsumDense", {"equation": "ab,bc->ac", "output_shape": 4,
                                         "bias_axes": "c"}), {"inputs": (3, 5)}, {}),
    ("einsum_dense_seq", ("EinsumDense", {"equation": "abc,cd->abd", "output_shape": (None, 4),
                                          "bias_axes": "d", "activation": "tanh"}),
     {"inputs": (2, 3, 5)}, {}),
    ("einsum_dense_heads", ("EinsumDense", {"equation": "abc,cde->abde",
                                            "output_shape": (None, 2, 3),
                                            "bias_axes": "de"}), {"inputs": (2, 3, 5)}, {}),
    ("einsum_dense_ellipsis_left", ("EinsumDense", {"equation": "...b,bc->...c",
                                                    "output_shape": 4, "bias_axes": "c"}),
     {"inputs": (2, 3, 5)}, {}),
    ("einsum_dense_ellipsis_right", ("EinsumDense", {"equation": "ab...,bc->ac...",
                                                     "output_shape": 4, "bias_axes": "c"}),
     {"inputs": (2, 5, 3)}, {}),
    ("einsum_dense_no_bias", ("EinsumDense", {"equation": "abcd,cde->abe",
                                              "output_shape": (None, 4)}),
     {"inputs": (2, 3, 2, 5)}, {}),
    ("einsum_dense_bias_first_axis", ("EinsumDense", {"equation": "abc,cd->abd",
                                                      "output_shape": (3, 4),
                                                      "bias_axes": "b"}),
     {"inputs": (2, 3, 5)}, {}),
    ("rms_norm", ("RMSNormalization", {}), {"inputs": (2, 3, 5)}, {}),
    ("rms_norm_axes", ("RMSNormalization", {"axis": [1, 2], "epsilon": 0.1}),
     {"inputs": (2, 3, 5)}, {}),
]

STRINGS = [["A", "hello"], ["", "a somewhat longer string of more than sixty-four bytes, "
                                "to reach the long path"], ["x" * 20, "y" * 40]]
INTS = [[0, 1, -1], [12345, 7, 2 ** 40]]
FLOATS = [[0.0, 1.7, -2.5], [3.0, 99.9, 7.0]]
HASH_CASES = [
    ("hash_strings", {"num_bins": 7}, STRINGS, "string"),
    ("hash_strings_mask", {"num_bins": 7, "mask_value": ""}, STRINGS, "string"),
    ("hash_strings_salt", {"num_bins": 100, "salt": 1337}, STRINGS, "string"),
    ("hash_strings_salt_pair", {"num_bins": 100, "salt": [133, 7]}, STRINGS, "string"),
    ("hash_ints", {"num_bins": 10}, INTS, "int64"),
    ("hash_ints_mask_salt", {"num_bins": 10, "mask_value": 0, "salt": 5}, INTS, "int64"),
    ("hash_floats", {"num_bins": 10, "mask_value": 1.7}, FLOATS, "float32"),
    ("hash_one_hot", {"num_bins": 5, "output_mode": "one_hot"}, [["a"], ["b"], ["c"]],
     "string"),
    ("hash_multi_hot", {"num_bins": 5, "output_mode": "multi_hot"}, STRINGS, "string"),
    ("hash_count", {"num_bins": 3, "output_mode": "count"}, [["a", "a", "b"], ["c", "d", "a"]],
     "string"),
]


# (case id, class, kwargs, image shape, value range): draws that are certain, so the outputs
# are Keras' computation, whatever the random generator
AUG_CASES = [
    ("grayscale", "RandomGrayscale", {"factor": 1.0}, (2, 4, 5, 3), (0, 255)),
    ("grayscale_channels_first", "RandomGrayscale",
     {"factor": 1.0, "data_format": "channels_first"}, (2, 3, 4, 5), (0, 255)),
    ("grayscale_never", "RandomGrayscale", {"factor": 0.0}, (2, 4, 5, 3), (0, 255)),
    ("invert", "RandomInvert", {"factor": [1.0, 1.0], "value_range": [0, 1]}, (2, 4, 5, 3),
     (0, 1)),
    ("invert_never", "RandomInvert", {"factor": 0.0}, (2, 4, 5, 3), (0, 255)),
    ("solarization", "Solarization", {}, (2, 4, 5, 3), (0, 255)),
    ("solarization_unit_range", "Solarization", {"value_range": [0, 1]}, (2, 4, 5, 3),
     (0, 1)),
]


def layer_class(name):
    return getattr(keras.layers, name)


def random_weights(rng, layer):
    values = [rng.normal(0, 0.5, size=tuple(w.shape)).astype("float32") for w in layer.weights]
    layer.set_weights(values)
    return values


def to_json(value):
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def make_inputs(arrays, options):
    tensors = {name: tf.constant(value) for name, value in arrays.items()}
    for name, mask in options.get("keras_masks", {}).items():
        backend.set_keras_mask(tensors[name], tf.constant(np.asarray(mask, bool)))
    return tensors


def call_layer(layer, tensors, options):
    kwargs = {}
    for key, value in options.get("call", {}).items():
        if key == "mask":
            kwargs["mask"] = [tf.constant(np.asarray(m, bool)) for m in value]
        elif isinstance(value, (list, np.ndarray)):
            kwargs[key] = tf.constant(np.asarray(value))
        else:
            kwargs[key] = value
    if options.get("list_input"):
        return layer([tensors[n] for n in tensors], **kwargs)
    if "inputs" in tensors:
        return layer(tensors["inputs"], **kwargs)
    if options.get("self"):
        return layer(tensors["query"], tensors["query"], **kwargs)
    return layer(tensors["query"], tensors["value"], key=tensors.get("key"), **kwargs)


def run_case(rng, case_id, spec, shapes, options, arrays):
    class_name, kwargs = spec
    inputs = {name: rng.normal(size=shape).astype("float32") for name, shape in shapes.items()}
    layer = layer_class(class_name)(**kwargs)
    call_layer(layer, make_inputs(inputs, options), options)
    weights = random_weights(rng, layer)
    outputs = call_layer(layer, make_inputs(inputs, options), options)
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    prefix = case_id + "/"
    for name, value in inputs.items():
        arrays[prefix + "in_" + name] = value
    for i, w in enumerate(weights):
        arrays[f"{prefix}w{i}"] = w
    for i, out in enumerate(outputs):
        arrays[f"{prefix}out{i}"] = np.asarray(out)
    mask = backend.get_keras_mask(outputs[0])
    if mask is not None:
        arrays[prefix + "out_mask"] = np.asarray(mask)
    return {"id": case_id, "class_name": class_name, "kwargs": to_json(kwargs),
            "inputs": list(shapes), "options": to_json(options),
            "weight_paths": [w.path for w in layer.weights],
            "weight_shapes": [list(w.shape) for w in layer.weights],
            "num_outputs": len(outputs), "has_out_mask": mask is not None,
            "config": to_json(keras.layers.serialize(layer))}


def run_hash_case(case_id, kwargs, values, dtype, arrays):
    layer = keras.layers.Hashing(**kwargs)
    data = np.array(values, dtype=object if dtype == "string" else dtype)
    out = np.asarray(layer(tf.constant(data.tolist() if dtype == "string" else data,
                                       dtype=tf.string if dtype == "string" else dtype)))
    arrays[case_id + "/out"] = out
    return {"id": case_id, "kwargs": kwargs, "values": values, "dtype": dtype,
            "config": to_json(keras.layers.serialize(layer))}


def hash_functions_case(rng):
    """TensorFlow's FarmHash Fingerprint64 / SipHash-2-4 (via to_hash_bucket_fast / _strong
    with 2**63 - 1 buckets) of random byte strings of every length path (0..130, 200, 257)."""
    strings = [bytes(rng.randint(0, 256, size=n).astype(np.uint8))
               for n in list(range(0, 131)) + [200, 257]]
    buckets = 2 ** 63 - 1
    key = [123, 456789]
    return {"strings_hex": [s.hex() for s in strings], "buckets": buckets, "key": key,
            "fast": tf.strings.to_hash_bucket_fast(strings, buckets).numpy().tolist(),
            "strong": tf.strings.to_hash_bucket_strong(strings, buckets,
                                                       key=key).numpy().tolist()}


def run_aug_case(rng, case_id, class_name, kwargs, shape, value_range, arrays):
    layer = layer_class(class_name)(**kwargs)
    images = rng.uniform(value_range[0], value_range[1], size=shape).astype("float32")
    arrays[case_id + "/x"] = images
    arrays[case_id + "/y"] = np.asarray(layer(images, training=True))
    return {"id": case_id, "class_name": class_name, "kwargs": kwargs,
            "config": to_json(keras.layers.serialize(layer))}


def keras_file_case(rng, arrays):
    """A whole model with MultiHeadAttention (scores as a second output) saved as .keras."""
    tokens = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(20, 8)(tokens)
    attn, scores = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)(
        x, x, return_attention_scores=True, use_causal_mask=True)
    x = keras.layers.LayerNormalization()(keras.layers.Add()([x, attn]))
    x = keras.layers.EinsumDense("abc,cd->abd", output_shape=(None, 3), bias_axes="d")(x)
    model = keras.Model(tokens, [keras.layers.GlobalAveragePooling1D()(x), scores])
    for layer in model.layers:
        if layer.weights:
            random_weights(rng, layer)
    data = np.array([[3, 5, 7, 0, 0, 0], [1, 2, 3, 4, 5, 6]], "int32")
    y, s = model.predict(data, verbose=0)
    arrays["keras_model/x"], arrays["keras_model/y"], arrays["keras_model/scores"] = data, y, s
    model.save(OUT + ".keras")


def weights_file_case(rng, arrays):
    """A transformer-ish functional model saved as Keras 3 .weights.h5, with predictions."""
    keras.utils.set_random_seed(7)
    tokens = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(20, 8, mask_zero=True)(tokens)
    attn = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
    x = keras.layers.Add()([x, attn])
    x = keras.layers.LayerNormalization(epsilon=1e-6)(x)
    x = keras.layers.GroupQueryAttention(head_dim=4, num_query_heads=2,
                                         num_key_value_heads=1)(x, x, use_causal_mask=True)
    x = keras.layers.RMSNormalization()(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(3)(x)
    model = keras.Model(tokens, outputs)
    for layer in model.layers:
        if layer.weights:
            random_weights(rng, layer)
    data = np.array([[3, 5, 7, 0, 0, 0], [1, 2, 3, 4, 5, 6], [9, 0, 0, 0, 0, 0]], "int32")
    arrays["h5_model/x"] = data
    arrays["h5_model/y"] = np.asarray(model.predict(data, verbose=0))
    model.save_weights(OUT + ".weights.h5")
    return {"layers": [layer.name for layer in model.layers]}


def main():
    rng = np.random.RandomState(1234)
    arrays = {}
    cases = [run_case(rng, *case, arrays) for case in CASES]
    hash_cases = [run_hash_case(*case, arrays) for case in HASH_CASES]
    h5 = weights_file_case(rng, arrays)
    hash_functions = hash_functions_case(rng)
    aug_cases = [run_aug_case(rng, *case, arrays) for case in AUG_CASES]
    keras_file_case(rng, arrays)
    with open(OUT + ".json", "w") as f:
        json.dump({"keras_version": keras.__version__, "cases": cases,
                   "hash_cases": hash_cases, "hash_functions": hash_functions,
                   "augmentation_cases": aug_cases,
                   "h5_model": h5}, f, indent=1, sort_keys=True)
    np.savez_compressed(OUT + ".npz", **arrays)
    print(f"wrote {len(cases)} + {len(hash_cases)} cases, {len(arrays)} arrays to "
          f"{OUT}.{{json,npz}}")


if __name__ == "__main__":
    main()
