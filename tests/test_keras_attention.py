"""keras.layers attention family against real Keras 3: MultiHeadAttention, GroupQueryAttention,
Attention, AdditiveAttention, EinsumDense, RMSNormalization, Hashing, Wrapper, and
keras.layers.serialize / deserialize.

The fixtures (tests/fixtures/keras_attention.{json,npz,weights.h5}) are written by
tools/make_fixtures_keras_attention.py with TensorFlow 2.21 / Keras 3: each case's weights are
loaded into a tensorflux layer and its outputs, attention scores and output mask compared,
eagerly and inside tf.function.
"""
import json
import os

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras import layers
from tensorflux.testing.gradient_check import check_gradients

from helpers import FIXTURE_DIR, check_config

FIXTURE = os.path.join(FIXTURE_DIR, "keras_attention")
with open(FIXTURE + ".json") as _handle:
    SPEC = json.load(_handle)
ARRAYS = np.load(FIXTURE + ".npz", allow_pickle=False)
CASES = {case["id"]: case for case in SPEC["cases"]}
HASH_CASES = {case["id"]: case for case in SPEC["hash_cases"]}
AUG_CASES = {case["id"]: case for case in SPEC["augmentation_cases"]}


# ---- running a fixture case ------------------------------------------------------------------

def _inputs(case):
    prefix = case["id"] + "/in_"
    return {name: ARRAYS[prefix + name] for name in case["inputs"]}


def _with_masks(tensors, case):
    """The input tensors with the case's Keras masks riding on them."""
    for name, mask in case["options"].get("keras_masks", {}).items():
        tensors[name]._keras_mask = tf.constant(np.asarray(mask, bool))
    return tensors


def _call(layer, tensors, case):
    options = case["options"]
    kwargs = {}
    for key, value in options.get("call", {}).items():
        if key == "mask":
            kwargs["mask"] = [tf.constant(np.asarray(m, bool)) for m in value]
        elif isinstance(value, list):
            kwargs[key] = tf.constant(np.asarray(value))
        else:
            kwargs[key] = value
    if options.get("list_input"):
        return layer([tensors[n] for n in case["inputs"]], **kwargs)
    if "inputs" in tensors:
        return layer(tensors["inputs"], **kwargs)
    if options.get("self"):
        return layer(tensors["query"], tensors["query"], **kwargs)
    return layer(tensors["query"], tensors["value"], key=tensors.get("key"), **kwargs)


def _weights(case):
    return [ARRAYS[f"{case['id']}/w{i}"] for i in range(len(case["weight_paths"]))]


def _make_layer(case, from_keras_config=False):
    if from_keras_config:
        layer = layers.deserialize(case["config"])
    else:
        layer = getattr(layers, case["class_name"])(**case["kwargs"])
    _call(layer, _with_masks({k: tf.constant(v) for k, v in _inputs(case).items()}, case),
          case)
    layer.set_weights(_weights(case))
    return layer


def _run(layer, case, mode):
    arrays = _inputs(case)
    names = list(arrays)
    if mode == "eager":
        outputs = _call(layer, _with_masks({k: tf.constant(v) for k, v in arrays.items()},
                                           case), case)
        outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        mask = getattr(outputs[0], "_keras_mask", None)
        return [o.numpy() for o in outputs], None if mask is None else mask.numpy()

    @tf.function
    def run(*tensors):
        result = _call(layer, _with_masks(dict(zip(names, tensors)), case), case)
        result = list(result) if isinstance(result, (list, tuple)) else [result]
        mask = getattr(result[0], "_keras_mask", None)
        return result + ([] if mask is None else [mask])
    values = [np.asarray(v) for v in run(*[tf.constant(arrays[n]) for n in names])]
    count = case["num_outputs"]
    return values[:count], values[count] if len(values) > count else None


def _check(case, outputs, mask):
    assert len(outputs) == case["num_outputs"]
    for i, out in enumerate(outputs):
        expected = ARRAYS[f"{case['id']}/out{i}"]
        assert out.shape == expected.shape, (i, out.shape, expected.shape)
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5,
                                   err_msg=f"{case['id']} output {i}")
    if case["has_out_mask"]:
        assert mask is not None, "the output lost its Keras mask"
        np.testing.assert_array_equal(mask, ARRAYS[case["id"] + "/out_mask"])
    else:
        assert mask is None


# ---- outputs, scores and masks against Keras ---------------------------------------------------

@pytest.mark.parametrize("mode", ["eager", "function"])
@pytest.mark.parametrize("case_id", sorted(CASES))
def test_matches_keras(case_id, mode):
    case = CASES[case_id]
    layer = _make_layer(case)
    _check(case, *_run(layer, case, mode))


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_weights_and_config_match_keras(case_id):
    case = CASES[case_id]
    layer = _make_layer(case)
    assert [list(w.shape) for w in layer.weights] == case["weight_shapes"]
    ours = [w.path.split("/", 1)[-1] for w in layer.weights]
    assert ours == [p.split("/", 1)[-1] for p in case["weight_paths"]]
    check_config(layer, case["config"]["config"])


@pytest.mark.parametrize("case_id", ["mha_keras_masks_scores", "mha_cross_key", "gqa_masks",
                                     "attention_concat", "additive_attention",
                                     "einsum_dense_heads", "rms_norm_axes",
                                     "mha_attention_axes_2d"])
def test_deserializes_keras_config(case_id):
    """keras.layers.deserialize of the config real Keras wrote gives the same layer."""
    case = CASES[case_id]
    layer = _make_layer(case, from_keras_config=True)
    assert type(layer).__name__ == case["config"]["class_name"] or \
        case["class_name"] == "GroupQueryAttention"
    _check(case, *_run(layer, case, "eager"))


def test_serialize_round_trip():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, output_shape=(5,),
                                    attention_axes=1, dropout=0.1, seed=3,
                                    kernel_regularizer="l2")
    config = layers.serialize(mha)
    assert config["class_name"] == "MultiHeadAttention"
    assert config["module"] == "keras.layers"
    clone = layers.deserialize(config)
    assert isinstance(clone, layers.MultiHeadAttention)
    assert clone.get_config() == mha.get_config()
    with pytest.raises(ValueError, match="not a `keras.layers.Layer`"):
        layers.deserialize({"class_name": "MeanSquaredError", "module": "keras.losses",
                            "config": {}})


def test_build_config_round_trip():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    mha(tf.zeros([1, 4, 5]), tf.zeros([1, 6, 7]))
    assert mha.get_build_config() == {"shapes_dict": {"query_shape": [1, 4, 5],
                                                      "value_shape": [1, 6, 7]}}
    clone = layers.MultiHeadAttention.from_config(mha.get_config())
    clone.build_from_config(mha.get_build_config())
    assert [tuple(w.shape) for w in clone.weights] == [tuple(w.shape) for w in mha.weights]


# ---- gradients ---------------------------------------------------------------------------------

def _mha_function(layer, **call_kwargs):
    """f(query, value, query kernel, output kernel) = layer.call(...) with those weights
    replaced by the arguments."""
    def f(query, value, query_kernel, output_kernel):
        saved = layer.query_dense._kernel, layer.output_dense._kernel
        object.__setattr__(layer.query_dense, "_kernel", query_kernel)
        object.__setattr__(layer.output_dense, "_kernel", output_kernel)
        try:
            result = layer.call(query, value, **call_kwargs)
        finally:
            object.__setattr__(layer.query_dense, "_kernel", saved[0])
            object.__setattr__(layer.output_dense, "_kernel", saved[1])
        return list(result) if isinstance(result, tuple) else result
    return f


@pytest.mark.parametrize("scores", [False, True])
def test_mha_gradients_match_finite_differences(scores):
    rng = np.random.RandomState(0)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=2, dtype="float64")
    query, value = rng.normal(size=(1, 3, 3)), rng.normal(size=(1, 2, 3))
    layer(tf.constant(query), tf.constant(value))
    mask = tf.constant([[[True, False], [True, True], [False, True]]])
    f = _mha_function(layer, attention_mask=mask, return_attention_scores=scores,
                      use_causal_mask=not scores)
    check_gradients(f, [query, value, layer.query_dense._kernel.numpy(),
                        layer.output_dense._kernel.numpy()], rtol=1e-5, atol=1e-8)


def test_attention_layers_gradients():
    rng = np.random.RandomState(1)
    q, v = rng.normal(size=(1, 3, 2)), rng.normal(size=(1, 2, 2))
    mask = [tf.constant([[True, True, False]]), tf.constant([[True, False]])]
    for layer in (layers.Attention(use_scale=True, score_mode="concat", dtype="float64"),
                  layers.AdditiveAttention(dtype="float64")):
        layer([tf.constant(q), tf.constant(v)])
        check_gradients(lambda a, b: layer.call([a, b], mask=mask), [q, v], rtol=1e-5,
                        atol=1e-8)
    norm = layers.RMSNormalization(dtype="float64")
    norm(tf.constant(q))
    check_gradients(lambda x: norm.call(x), [q], rtol=1e-5, atol=1e-8)


def test_trainable_weights_get_gradients():
    layer = layers.GroupQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=1,
                                       use_gate=True)
    x = tf.constant(np.random.RandomState(2).normal(size=(2, 3, 4)).astype("float32"))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, x, use_causal_mask=True) ** 2)
    grads = tape.gradient(loss, layer.trainable_weights)
    assert len(grads) == 10 and all(g is not None for g in grads)


# ---- behaviour --------------------------------------------------------------------------------

def test_mha_dropout_in_training_only():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5, seed=1)
    x = tf.constant(np.random.RandomState(3).normal(size=(2, 5, 8)).astype("float32"))
    inference = layer(x, x, training=False).numpy()
    np.testing.assert_allclose(layer(x, x).numpy(), inference)
    _, scores = layer(x, x, training=True, return_attention_scores=True)
    np.testing.assert_allclose(scores.numpy().sum(-1), 1.0, rtol=1e-5)  # before dropout
    trained = layer(x, x, training=True).numpy()
    assert not np.allclose(trained, inference)


def test_mha_functional_model_and_masks():
    tokens = tf.keras.Input((5,), dtype="int32")
    x = layers.Embedding(10, 8, mask_zero=True)(tokens)
    out, scores = layers.MultiHeadAttention(num_heads=2, key_dim=4)(
        x, x, return_attention_scores=True)
    assert tuple(out.shape.as_list()) == (None, 5, 8)
    assert tuple(scores.shape.as_list()) == (None, 2, 5, 5)
    model = tf.keras.Model(tokens, [out, scores])
    y, s = model(np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 7]]))
    s = s.numpy()
    assert np.all(s[0, :, :2, 2:] == 0)            # padded keys get no attention
    assert np.all(s[0, :, 2:, :] == 0)             # padded queries: all-masked rows
    np.testing.assert_allclose(s[1].sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(y._keras_mask.numpy(),
                                  [[True, True, False, False, False], [True] * 5])


def test_compute_output_shape():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, output_shape=(4, 5))
    assert mha.compute_output_shape((None, 7, 6), (None, 3, 2)) == (None, 7, 4, 5)
    dense = layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de")
    assert dense.compute_output_shape((None, 4, 5)) == (None, None, 2, 3)  # as Keras
    att = layers.Attention()
    assert att.compute_output_shape([(None, 4, 5), (None, 6, 3)]) == (None, 4, 3)


def test_errors():
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(num_heads=0, key_dim=2)
    with pytest.raises(ValueError, match="divisible"):
        layers.GroupQueryAttention(head_dim=2, num_query_heads=3, num_key_value_heads=2)
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="bad")
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Attention()(tf.zeros([1, 2, 3]))
    with pytest.raises(ValueError, match="Invalid einsum equation"):
        layers.EinsumDense("ab->b", output_shape=3)(tf.zeros([1, 2]))
    with pytest.raises(ValueError, match="value` and `key`"):
        layers.MultiHeadAttention(2, 2)(tf.zeros([1, 3, 4]), tf.zeros([1, 5, 4]),
                                        key=tf.zeros([1, 6, 4]))


def test_einsum_dense_kernel_fans():
    """A glorot-uniform kernel's limit uses fan_in = the contracted axes and fan_out = the
    output axes (Keras 3's input_axes / output_axes), not the conv-style fans."""
    layer = layers.EinsumDense("abc,cde->abde", output_shape=(None, 50, 4),
                               kernel_initializer=tf.keras.initializers.GlorotUniform(seed=1))
    layer.build((None, 3, 100))
    limit = np.sqrt(6.0 / (100 + 50 * 4))
    kernel = layer.kernel.numpy()
    assert kernel.shape == (100, 50, 4)
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit


# ---- a transformer block: training, saving, Keras weight files --------------------------------

class TransformerBlock(layers.Layer):
    """The TF "Text classification with Transformer" tutorial's block."""

    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = tf.keras.Sequential([layers.Dense(ff_dim, activation="relu"),
                                        layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs, training=None):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


def _transformer_classifier(vocab=12, length=6, embed_dim=8):
    inputs = tf.keras.Input((length,), dtype="int32")
    x = layers.Embedding(vocab, embed_dim)(inputs)
    x = TransformerBlock(embed_dim, 2, 16)(x)
    x = layers.GlobalAveragePooling1D()(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return tf.keras.Model(inputs, outputs)


def test_transformer_block_trains_and_saves(tmp_path):
    tf.keras.utils.set_random_seed(0)
    rng = np.random.RandomState(0)
    x = rng.randint(1, 12, size=(64, 6)).astype("int32")
    y = (np.sum(x == 3, axis=1) > 0).astype("int32")          # does token 3 occur?
    model = _transformer_classifier()
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=4, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] * 0.9, losses
    path = str(tmp_path / "transformer.weights.h5")
    model.save_weights(path)
    fresh = _transformer_classifier()
    fresh.load_weights(path)
    np.testing.assert_allclose(fresh.predict(x[:8], verbose=0),
                               model.predict(x[:8], verbose=0), rtol=1e-5, atol=1e-6)


def test_loads_keras_weights_file():
    """A .weights.h5 written by Keras 3 for a model with MultiHeadAttention, GroupQueryAttention
    and RMSNormalization loads and predicts as Keras did."""
    tokens = tf.keras.Input((6,), dtype="int32")
    x = layers.Embedding(20, 8, mask_zero=True)(tokens)
    attn = layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
    x = layers.Add()([x, attn])
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    x = layers.GroupQueryAttention(head_dim=4, num_query_heads=2, num_key_value_heads=1)(
        x, x, use_causal_mask=True)
    x = layers.RMSNormalization()(x)
    x = layers.GlobalAveragePooling1D()(x)
    model = tf.keras.Model(tokens, layers.Dense(3)(x))
    model.load_weights(FIXTURE + ".weights.h5")
    np.testing.assert_allclose(model.predict(ARRAYS["h5_model/x"], verbose=0),
                               ARRAYS["h5_model/y"], rtol=1e-5, atol=1e-5)


def test_loads_keras_model_file(tmp_path):
    """A whole .keras model written by Keras 3 (MultiHeadAttention returning its scores,
    EinsumDense) loads, predicts as Keras did, and saves / reloads in tensorflux."""
    model = tf.keras.models.load_model(FIXTURE + ".keras")
    y, scores = model.predict(ARRAYS["keras_model/x"], verbose=0)
    np.testing.assert_allclose(y, ARRAYS["keras_model/y"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(scores, ARRAYS["keras_model/scores"], rtol=1e-5, atol=1e-6)
    path = str(tmp_path / "again.keras")
    model.save(path)
    again = tf.keras.models.load_model(path)
    np.testing.assert_allclose(again.predict(ARRAYS["keras_model/x"], verbose=0)[0], y,
                               rtol=1e-6, atol=1e-7)


# ---- Hashing ------------------------------------------------------------------------------------

def _hash_input(case):
    if case["dtype"] == "string":
        return tf.constant(np.array(case["values"], dtype=object))
    return tf.constant(np.array(case["values"], dtype=case["dtype"]))


@pytest.mark.parametrize("case_id", sorted(HASH_CASES))
def test_hashing_matches_keras(case_id):
    case = HASH_CASES[case_id]
    layer = layers.Hashing(**case["kwargs"])
    expected = ARRAYS[case_id + "/out"]
    out = layer(_hash_input(case))
    assert out.dtype.name == str(expected.dtype)
    np.testing.assert_array_equal(out.numpy(), expected)
    graph_out = tf.function(lambda t: layer(t))(_hash_input(case))
    np.testing.assert_array_equal(graph_out.numpy(), expected)
    check_config(layer, case["config"]["config"])
    np.testing.assert_array_equal(layers.deserialize(case["config"])(
        _hash_input(case)).numpy(), expected)


def test_hash_functions_match_tensorflow():
    """FarmHash Fingerprint64 / SipHash-2-4 equal TensorFlow's (to_hash_bucket_fast /
    _strong with 2**63 - 1 buckets) on random byte strings of every length path."""
    from tensorflux.keras.layers.hashing import hash_bucket_fast, hash_bucket_strong
    spec = SPEC["hash_functions"]
    strings = [bytes.fromhex(s) for s in spec["strings_hex"]]
    buckets, key = spec["buckets"], spec["key"]
    assert [hash_bucket_fast(s, buckets) for s in strings] == spec["fast"]
    assert [hash_bucket_strong(s, buckets, key) for s in strings] == spec["strong"]


# ---- color augmentations ------------------------------------------------------------------------

@pytest.mark.parametrize("case_id", sorted(AUG_CASES))
def test_augmentation_matches_keras(case_id):
    case = AUG_CASES[case_id]
    layer = getattr(layers, case["class_name"])(**case["kwargs"])
    x, expected = ARRAYS[case_id + "/x"], ARRAYS[case_id + "/y"]
    np.testing.assert_allclose(layer(x, training=True).numpy(), expected, rtol=1e-5,
                               atol=1e-4)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    check_config(layer, case["config"]["config"])


def test_augmentation_draws_per_image():
    images = np.random.RandomState(4).uniform(0, 255, size=(200, 2, 2, 3)).astype("float32")
    gray = layers.RandomGrayscale(factor=0.5, seed=3)(images, training=True).numpy()
    changed = np.any(gray != images, axis=(1, 2, 3))
    assert 60 < changed.sum() < 140
    assert np.allclose(gray[changed][..., 0], gray[changed][..., 2])
    inverted = layers.RandomInvert(factor=(0.5, 0.5), seed=3)(images, training=True).numpy()
    flipped = np.all(np.isclose(inverted, 255 - images), axis=(1, 2, 3))
    assert 60 < flipped.sum() < 140
    assert np.all(flipped | np.all(inverted == images, axis=(1, 2, 3)))
    solar = layers.Solarization(threshold_factor=(0.5, 0.5), seed=1)(images[:1],
                                                                     training=True).numpy()
    assert np.all((solar == images[:1]) | np.isclose(solar, 255 - images[:1]))


# ---- Wrapper ------------------------------------------------------------------------------------

class _Twice(layers.Wrapper):
    def call(self, inputs):
        return self.layer(self.layer(inputs))


def test_wrapper():
    wrapper = _Twice(layers.Dense(3, use_bias=False))
    out = wrapper(tf.ones([2, 3]))
    assert out.shape == (2, 3)
    assert wrapper.weights == wrapper.layer.weights and len(wrapper.trainable_weights) == 1
    config = wrapper.get_config()
    assert config["layer"]["class_name"] == "Dense"
    clone = _Twice.from_config(config)
    assert isinstance(clone.layer, layers.Dense) and clone.layer.units == 3
    with pytest.raises(ValueError, match="supported layer type"):
        _Twice("not a layer")
