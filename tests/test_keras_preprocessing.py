"""keras.preprocessing (tf.keras): sequence.pad_sequences / TimeseriesGenerator / skipgrams,
text.Tokenizer / one_hot / hashing_trick, image file helpers, ImageDataGenerator with its
iterators (flow, flow_from_directory, use in model.fit), and the dataset builders.

Expectations are hand-computed from Keras' documented behaviour, plus reference outputs of real
tf.keras in tests/fixtures/keras_preprocessing.{json,npz} (written by
tools/make_fixtures_keras_preprocessing.py): affine transforms for every fill mode and
interpolation order, seeded ImageDataGenerator batches, Tokenizer vocabularies and matrices.
"""
import json
import math
import os

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras.preprocessing import image, sequence, text

keras = tf.keras

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fixtures", "keras_preprocessing.json")) as _handle:
    REF = json.load(_handle)
REF_ARRAYS = np.load(os.path.join(HERE, "fixtures", "keras_preprocessing.npz"))
REF_TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "Cat & dog: friends?",
             "the THE the end", "", "mat mat cat"]


# ---- pad_sequences ------------------------------------------------------------------------------
SEQS = [[1], [2, 3], [4, 5, 6]]


def test_pad_sequences_defaults_pre_padding_int32():
    out = sequence.pad_sequences(SEQS)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [[0, 0, 1], [0, 2, 3], [4, 5, 6]])


@pytest.mark.parametrize("kwargs, expected", [
    ({"padding": "post"}, [[1, 0, 0], [2, 3, 0], [4, 5, 6]]),
    ({"value": -1}, [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]]),
    ({"maxlen": 2}, [[0, 1], [2, 3], [5, 6]]),
    ({"maxlen": 2, "truncating": "post"}, [[0, 1], [2, 3], [4, 5]]),
    ({"maxlen": 2, "truncating": "post", "padding": "post"}, [[1, 0], [2, 3], [4, 5]]),
    ({"maxlen": 4, "padding": "post", "value": 9}, [[1, 9, 9, 9], [2, 3, 9, 9], [4, 5, 6, 9]]),
    ({"maxlen": 1}, [[1], [3], [6]]),
])
def test_pad_sequences_padding_and_truncation(kwargs, expected):
    np.testing.assert_array_equal(sequence.pad_sequences(SEQS, **kwargs), expected)


def test_pad_sequences_dtypes_and_values():
    out = sequence.pad_sequences([[1.7, 2.2], [3.9]], dtype="float32", value=0.5)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[1.7, 2.2], [0.5, 3.9]])
    truncated = sequence.pad_sequences([[1.7, 2.2], [3.9]])          # int32 truncates floats
    np.testing.assert_array_equal(truncated, [[1, 2], [0, 3]])
    strings = sequence.pad_sequences([["a", "bb"], ["ccc"]], dtype=object, value="<pad>")
    assert strings.tolist() == [["a", "bb"], ["<pad>", "ccc"]]
    fixed = sequence.pad_sequences([["a"], ["bc", "d"]], dtype="<U3", value="-")
    assert fixed.tolist() == [["-", "a"], ["bc", "d"]]
    assert sequence.pad_sequences([[1, 2]], dtype="int64").dtype == np.int64


def test_pad_sequences_empty_and_multidimensional_items():
    out = sequence.pad_sequences([[], [1, 2], np.array([3])], maxlen=3)
    np.testing.assert_array_equal(out, [[0, 0, 0], [0, 1, 2], [0, 0, 3]])
    vectors = [np.ones((1, 2)), np.full((3, 2), 2.0)]
    out = sequence.pad_sequences(vectors, dtype="float32", maxlen=2)
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out[0], [[0, 0], [1, 1]])
    np.testing.assert_array_equal(out[1], [[2, 2], [2, 2]])
    assert sequence.pad_sequences([]).shape == (0, 0)


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match="iterable"):
        sequence.pad_sequences(5)
    with pytest.raises(ValueError, match="non-iterable"):
        sequence.pad_sequences([[1], 2])
    with pytest.raises(ValueError, match="Padding type"):
        sequence.pad_sequences(SEQS, padding="middle")
    with pytest.raises(ValueError, match="Truncating type"):
        sequence.pad_sequences(SEQS, truncating="middle")
    with pytest.raises(ValueError, match="dtype=object"):
        sequence.pad_sequences([["a"]], value="x")
    with pytest.raises(ValueError, match="different from expected shape"):
        sequence.pad_sequences([np.ones((2, 2)), np.ones((2, 3))], dtype="float32")


def test_pad_sequences_is_also_keras_utils_pad_sequences():
    assert keras.utils.pad_sequences is sequence.pad_sequences
    assert keras.preprocessing.sequence.pad_sequences is sequence.pad_sequences


@pytest.mark.parametrize("index", range(6))
def test_pad_sequences_matches_keras(index):
    case = REF["pad_sequences"]["cases"][index]
    out = sequence.pad_sequences(REF["pad_sequences"]["sequences"], **case["kwargs"])
    assert out.dtype.name == case["dtype"]
    assert out.tolist() == case["out"]


# ---- TimeseriesGenerator, skipgrams, make_sampling_table ----------------------------------------
def test_timeseries_generator_windows_and_targets():
    data = np.arange(10).reshape(10, 1)
    targets = np.arange(10) * 10
    gen = sequence.TimeseriesGenerator(data, targets, length=3, sampling_rate=1, stride=2,
                                       batch_size=2)
    # window ends 3, 5, 7, 9 -> two batches of two
    assert len(gen) == 2
    x, y = gen[0]
    np.testing.assert_array_equal(x[..., 0], [[0, 1, 2], [2, 3, 4]])
    np.testing.assert_array_equal(y, [30, 50])
    x, y = gen[1]
    np.testing.assert_array_equal(x[..., 0], [[4, 5, 6], [6, 7, 8]])
    np.testing.assert_array_equal(y, [70, 90])
    reverse = sequence.TimeseriesGenerator(data, targets, length=4, sampling_rate=2,
                                           reverse=True, batch_size=10)
    x, y = reverse[0]
    np.testing.assert_array_equal(x[0, :, 0], [2, 0])
    np.testing.assert_array_equal(y[:2], [40, 50])
    with pytest.raises(ValueError, match="same length"):
        sequence.TimeseriesGenerator(data, targets[:5], length=2)
    with pytest.raises(ValueError, match="start_index"):
        sequence.TimeseriesGenerator(data, targets, length=20)
    assert json.loads(gen.to_json())["config"]["length"] == 3


def test_timeseries_generator_trains_a_model():
    data = np.random.default_rng(0).normal(size=(40, 2)).astype("float32")
    gen = sequence.TimeseriesGenerator(data, data[:, :1], length=5, batch_size=8)
    model = keras.Sequential([keras.Input((5, 2)), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(gen, epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1


def test_skipgrams_pairs_and_negatives():
    import random
    random.seed(0)
    couples, labels = sequence.skipgrams([1, 2, 0, 3], vocabulary_size=5, window_size=1,
                                         negative_samples=1.0, shuffle=False)
    positives = [c for c, l in zip(couples, labels) if l == 1]
    assert positives == [[1, 2], [2, 1]]       # 0 is a non-word, 3 has no word neighbour
    negatives = [c for c, l in zip(couples, labels) if l == 0]
    assert len(negatives) == 2 and all(1 <= c[1] <= 4 for c in negatives)
    couples, labels = sequence.skipgrams([1, 2], 3, negative_samples=0, categorical=True,
                                         seed=1)
    assert sorted(couples) == [[1, 2], [2, 1]] and labels == [[0, 1], [0, 1]]


def test_make_sampling_table_matches_keras():
    np.testing.assert_allclose(sequence.make_sampling_table(12, sampling_factor=0.01),
                               REF_ARRAYS["sampling_table"])


# ---- text ---------------------------------------------------------------------------------------
def test_text_to_word_sequence():
    assert text.text_to_word_sequence("Hello, World!  Hi") == ["hello", "world", "hi"]
    assert text.text_to_word_sequence("a-b c", filters="", lower=False) == ["a-b", "c"]
    assert text.text_to_word_sequence("A,B", split=",", filters="") == ["a", "b"]
    for sentence, words in REF["text_to_word_sequence"]:
        assert text.text_to_word_sequence(sentence) == words


def test_one_hot_uses_python_hash():
    words = ["the", "cat", "sat"]
    expected = [hash(w) % 9 + 1 for w in words]
    assert text.one_hot("The cat, sat!", 10) == expected
    assert text.hashing_trick("The cat, sat!", 10) == expected
    assert all(1 <= i <= 9 for i in text.one_hot("a b c d e f g h", 10))


def test_hashing_trick_md5_and_custom_function():
    for sentence, indices in REF["hashing_md5"]:
        assert text.hashing_trick(sentence, 17, hash_function="md5") == indices
    assert text.hashing_trick("ab c", 5, hash_function=len) == [2 % 4 + 1, 1 % 4 + 1]
    assert text.hashing_trick("x y", 5, hash_function=len, analyzer=lambda t: ["xyz"]) == [4]


def fitted_tokenizer(**kwargs):
    tok = text.Tokenizer(**kwargs)
    tok.fit_on_texts(["the cat sat", "the cat", "a dog"])
    return tok


def test_tokenizer_vocabulary_order_and_counts():
    tok = fitted_tokenizer()
    # by count (the: 2, cat: 2), ties in order of first appearance
    assert tok.word_index == {"the": 1, "cat": 2, "sat": 3, "a": 4, "dog": 5}
    assert tok.index_word == {1: "the", 2: "cat", 3: "sat", 4: "a", 5: "dog"}
    assert list(tok.word_counts.items()) == [("the", 2), ("cat", 2), ("sat", 1), ("a", 1),
                                             ("dog", 1)]
    assert dict(tok.word_docs) == {"the": 2, "cat": 2, "sat": 1, "a": 1, "dog": 1}
    assert dict(tok.index_docs) == {1: 2, 2: 2, 3: 1, 4: 1, 5: 1}
    assert tok.document_count == 3


def test_tokenizer_sequences_num_words_and_oov():
    tok = fitted_tokenizer()
    assert tok.texts_to_sequences(["The dog sat!", "a cat flew"]) == [[1, 5, 3], [4, 2]]
    assert tok.sequences_to_texts([[1, 2, 99], [5]]) == ["the cat", "dog"]
    limited = fitted_tokenizer(num_words=3)           # keeps indices 1 and 2
    assert limited.texts_to_sequences(["the dog sat", "a cat flew"]) == [[1], [2]]
    oov = fitted_tokenizer(num_words=3, oov_token="<OOV>")
    assert oov.word_index["<OOV>"] == 1 and oov.word_index["the"] == 2
    assert oov.texts_to_sequences(["the dog sat", "a cat flew"]) == [[2, 1, 1], [1, 1, 1]]
    assert oov.sequences_to_texts([[2, 3, 42]]) == ["the <OOV> <OOV>"]
    generator = oov.texts_to_sequences_generator(["the"])
    assert next(generator) == [2]


def test_tokenizer_char_level_and_pretokenized_lists():
    tok = text.Tokenizer(char_level=True)
    tok.fit_on_texts(["aAb", "b!"])
    assert tok.word_index == {"a": 1, "b": 2, "!": 3}
    assert tok.texts_to_sequences(["Ba!"]) == [[2, 1, 3]]
    words = text.Tokenizer()
    words.fit_on_texts([["Hello", "World"], ["hello"]])
    assert words.word_index == {"hello": 1, "world": 2}


def test_tokenizer_matrices_all_modes():
    tok = fitted_tokenizer()
    texts = ["the the cat", "dog"]
    np.testing.assert_array_equal(tok.texts_to_matrix(texts, "binary"),
                                  [[0, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 1]])
    np.testing.assert_array_equal(tok.texts_to_matrix(texts, "count"),
                                  [[0, 2, 1, 0, 0, 0], [0, 0, 0, 0, 0, 1]])
    np.testing.assert_allclose(tok.texts_to_matrix(texts, "freq"),
                               [[0, 2 / 3, 1 / 3, 0, 0, 0], [0, 0, 0, 0, 0, 1]])
    tfidf = tok.texts_to_matrix(texts, "tfidf")
    # (1 + ln count) * ln(1 + documents / (1 + documents containing the word))
    np.testing.assert_allclose(tfidf[0, 1], (1 + math.log(2)) * math.log(2))
    np.testing.assert_allclose(tfidf[0, 2], math.log(2))
    np.testing.assert_allclose(tfidf[1, 5], math.log(2.5))
    assert tok.texts_to_matrix(texts).dtype == np.float64
    assert fitted_tokenizer(num_words=3).texts_to_matrix(texts, "count").tolist() == \
        [[0, 2, 1], [0, 0, 0]]
    with pytest.raises(ValueError, match="Unknown vectorization mode"):
        tok.texts_to_matrix(texts, "bogus")
    with pytest.raises(ValueError, match="Specify a dimension"):
        text.Tokenizer().texts_to_matrix(["a"])
    with pytest.raises(ValueError, match="tfidf"):
        text.Tokenizer(num_words=4).sequences_to_matrix([[1]], mode="tfidf")


def test_tokenizer_fit_on_sequences_and_json_round_trip():
    tok = fitted_tokenizer(oov_token="?")
    restored = text.tokenizer_from_json(tok.to_json())
    assert restored.word_index == tok.word_index
    assert restored.index_word == tok.index_word
    assert restored.document_count == 3 and restored.oov_token == "?"
    assert restored.texts_to_sequences(["the zebra"]) == tok.texts_to_sequences(["the zebra"])
    np.testing.assert_array_equal(restored.texts_to_matrix(["cat"], "tfidf"),
                                  tok.texts_to_matrix(["cat"], "tfidf"))
    seq_tok = text.Tokenizer(num_words=5)
    seq_tok.fit_on_sequences([[1, 2, 2], [2, 3]])
    assert seq_tok.document_count == 2 and dict(seq_tok.index_docs) == {1: 1, 2: 2, 3: 1}
    with pytest.raises(TypeError, match="Unrecognized keyword"):
        text.Tokenizer(bogus=1)


@pytest.mark.parametrize("index", range(6))
def test_tokenizer_matches_keras(index):
    case = REF["tokenizers"][index]
    tok = text.Tokenizer(**case["kwargs"])
    tok.fit_on_texts(REF_TEXTS)
    assert tok.word_index == case["word_index"]
    assert [list(item) for item in tok.word_counts.items()] == case["word_counts"]
    assert dict(tok.word_docs) == case["word_docs"]
    assert {str(k): v for k, v in tok.index_docs.items()} == case["index_docs"]
    assert tok.document_count == case["document_count"]
    sequences = tok.texts_to_sequences(case["queries"])
    assert sequences == case["sequences"]
    assert tok.sequences_to_texts(sequences + [[1, 2, 99]]) == case["texts"]
    for mode, matrix in case["matrices"].items():
        np.testing.assert_allclose(tok.texts_to_matrix(case["queries"], mode=mode), matrix)
    # a tokenizer saved by Keras loads here
    from_keras = text.tokenizer_from_json(case["json"])
    assert from_keras.texts_to_sequences(case["queries"]) == case["sequences"]
    ours, theirs = json.loads(tok.to_json()), json.loads(case["json"])
    assert ours["class_name"] == theirs["class_name"] == "Tokenizer"
    for key, value in theirs["config"].items():
        mine = ours["config"][key]
        if key in ("word_counts", "word_docs", "index_docs", "index_word", "word_index"):
            mine, value = json.loads(mine), json.loads(value)
        assert mine == value, key


# ---- image files <-> arrays ---------------------------------------------------------------------
PIL = pytest.importorskip("PIL.Image")


def test_array_img_round_trip_and_modes(tmp_path):
    rgb = np.arange(2 * 3 * 3, dtype="float32").reshape(2, 3, 3) * 10
    img = image.array_to_img(rgb, scale=False)
    assert img.mode == "RGB" and img.size == (3, 2)
    back = image.img_to_array(img)
    assert back.dtype == np.float32 and back.shape == (2, 3, 3)
    np.testing.assert_array_equal(back, rgb)
    scaled = image.img_to_array(image.array_to_img(rgb))      # min -> 0, max -> 255
    assert scaled.min() == 0 and scaled.max() == 255
    assert image.array_to_img(np.zeros((2, 2, 1))).mode == "L"
    assert image.array_to_img(np.zeros((2, 2, 4))).mode == "RGBA"
    assert image.array_to_img(np.full((2, 2, 1), 300.0), scale=False).mode == "I"
    first = image.img_to_array(img, data_format="channels_first")
    assert first.shape == (3, 2, 3)
    np.testing.assert_array_equal(first, rgb.transpose(2, 0, 1))
    assert image.img_to_array(image.array_to_img(np.zeros((2, 2, 1))),
                              dtype="uint8").dtype == np.uint8
    with pytest.raises(ValueError, match="rank 3"):
        image.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="channel number"):
        image.array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="data_format"):
        image.img_to_array(img, data_format="channels_middle")


def test_save_and_load_img(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (6, 8, 3)).astype("float32")
    path = tmp_path / "a.png"
    image.save_img(path, rgb, scale=False)
    loaded = image.load_img(path)
    assert loaded.size == (8, 6) and loaded.mode == "RGB"
    np.testing.assert_array_equal(image.img_to_array(loaded), rgb)
    gray = image.load_img(str(path), color_mode="grayscale")
    assert gray.mode == "L" and image.img_to_array(gray).shape == (6, 8, 1)
    assert image.load_img(path, color_mode="rgba").mode == "RGBA"
    resized = image.load_img(path, target_size=(3, 4))
    assert image.img_to_array(resized).shape == (3, 4, 3)
    nearest = image.img_to_array(image.load_img(path, target_size=(3, 4)))
    np.testing.assert_array_equal(nearest, rgb[1::2, 1::2])    # PIL nearest: pixel centers
    cropped = image.load_img(path, target_size=(6, 6), keep_aspect_ratio=True)
    np.testing.assert_array_equal(image.img_to_array(cropped), rgb[:, 1:7])
    import io
    with open(path, "rb") as f:
        assert image.load_img(io.BytesIO(f.read())).size == (8, 6)
    with pytest.warns(UserWarning, match="RGBA"):                  # RGBA -> RGB for JPEG
        image.save_img(tmp_path / "b.jpg", np.zeros((4, 4, 4)))
    assert image.load_img(tmp_path / "b.jpg").size == (4, 4)
    with pytest.raises(ValueError, match="color_mode"):
        image.load_img(path, color_mode="cmyk")
    with pytest.raises(ValueError, match="interpolation"):
        image.load_img(path, target_size=(2, 2), interpolation="magic")
    with pytest.raises(TypeError, match="path"):
        image.load_img(42)
    assert keras.utils.load_img is image.load_img and keras.utils.save_img is image.save_img


def test_smart_resize_crops_to_aspect_ratio():
    x = np.arange(4 * 8, dtype="float32").reshape(4, 8, 1)
    out = image.smart_resize(x, (4, 4))
    assert isinstance(out, np.ndarray) and out.shape == (4, 4, 1)
    np.testing.assert_allclose(out, x[:, 2:6])          # the centered 4x4 crop, unresized
    batch = image.smart_resize(np.stack([x, x]), (2, 2))
    assert batch.shape == (2, 2, 2, 1)
    tensor = image.smart_resize(tf.constant(x), (2, 4))
    assert isinstance(tensor, tf.Tensor) and tuple(tensor.shape) == (2, 4, 1)
    with pytest.raises(ValueError, match="rank"):
        image.smart_resize(np.zeros((4, 4)), (2, 2))


# ---- affine transforms --------------------------------------------------------------------------
GRID = np.arange(20, dtype="float32").reshape(4, 5, 1)


def affine(x, **kwargs):
    kwargs.setdefault("fill_mode", "constant")
    kwargs.setdefault("cval", -1.0)
    kwargs.setdefault("order", 0)
    return image.apply_affine_transform(x, row_axis=0, col_axis=1, channel_axis=2,
                                        **kwargs)[..., 0]


def test_affine_shifts_by_whole_pixels():
    # tf.keras' convention: with rows before columns, tx moves along columns, ty along rows
    np.testing.assert_array_equal(affine(GRID, tx=1), [[1, 2, 3, 4, -1], [6, 7, 8, 9, -1],
                                                       [11, 12, 13, 14, -1],
                                                       [16, 17, 18, 19, -1]])
    np.testing.assert_array_equal(affine(GRID, ty=-1), [[-1] * 5, [0, 1, 2, 3, 4],
                                                        [5, 6, 7, 8, 9],
                                                        [10, 11, 12, 13, 14]])
    np.testing.assert_array_equal(affine(GRID, tx=-2, order=1)[0], [-1, -1, 0, 1, 2])


def test_affine_fill_modes_on_a_known_row():
    row = np.arange(5, dtype="float32").reshape(1, 5, 1)
    assert affine(row, tx=-2, fill_mode="nearest").tolist() == [[0, 0, 0, 1, 2]]
    assert affine(row, tx=-2, fill_mode="reflect").tolist() == [[1, 0, 0, 1, 2]]
    assert affine(row, tx=-2, fill_mode="wrap").tolist() == [[2, 3, 0, 1, 2]]
    assert affine(row, tx=3, fill_mode="reflect").tolist() == [[3, 4, 4, 3, 2]]
    assert affine(row, tx=0.5, order=1, fill_mode="nearest").tolist() == \
        [[0.5, 1.5, 2.5, 3.5, 4]]


def test_affine_rotation_of_a_square_and_identity():
    square = np.arange(9, dtype="float32").reshape(3, 3, 1)
    # (fill "nearest": rounding puts some edge coordinates a hair outside the image, where
    # "constant" would give cval, as in SciPy)
    np.testing.assert_allclose(affine(square, theta=90, fill_mode="nearest"),
                               np.rot90(square[..., 0], 1), atol=1e-6)
    np.testing.assert_allclose(affine(square, theta=180, fill_mode="nearest"),
                               square[::-1, ::-1, 0], atol=1e-6)
    assert image.apply_affine_transform(square) is square
    channels_first = image.apply_affine_transform(square.transpose(2, 0, 1), theta=-90,
                                                  fill_mode="nearest", order=0)
    np.testing.assert_allclose(channels_first[0], np.rot90(square[..., 0], -1), atol=1e-6)


def test_affine_argument_errors():
    with pytest.raises(ValueError, match="distinct"):
        image.apply_affine_transform(GRID, theta=1, row_axis=0, col_axis=0, channel_axis=2)
    with pytest.raises(ValueError, match="multi-channel"):
        image.apply_affine_transform(GRID[..., 0], theta=1)
    with pytest.raises(ValueError, match="fill_mode"):
        affine(GRID, theta=1, fill_mode="mirror")
    with pytest.raises(NotImplementedError, match="order"):
        affine(GRID, theta=1, order=3)


@pytest.mark.parametrize("index", range(len(REF["affine"])))
def test_affine_matches_keras(index):
    case = REF["affine"][index]
    source = REF_ARRAYS["affine_input"]
    if case["channels_first"]:
        out = image.apply_affine_transform(source.transpose(2, 0, 1), **case["params"],
                                           row_axis=1, col_axis=2, channel_axis=0,
                                           fill_mode=case["fill_mode"], order=case["order"])
    else:
        out = image.apply_affine_transform(source, **case["params"], row_axis=0, col_axis=1,
                                           channel_axis=2, fill_mode=case["fill_mode"],
                                           cval=-0.5, order=case["order"])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, REF_ARRAYS[case["key"]], atol=1e-5)


def test_random_helpers_and_channel_shift():
    np.random.seed(0)
    x = np.random.rand(1, 4, 4).astype("float32")
    for out in (image.random_rotation(x, 30), image.random_shift(x, 0.2, 0.2),
                image.random_shear(x, 10), image.random_zoom(x, (0.8, 1.2))):
        assert out.shape == x.shape
    np.testing.assert_allclose(image.apply_channel_shift(x, 0.5),
                               np.clip(x + 0.5, x.min(), x.max()))   # clipped to the range
    np.testing.assert_array_equal(image.flip_axis(GRID, 1), GRID[:, ::-1])
    bright = image.apply_brightness_shift(np.full((2, 2, 3), 100.0), 0.5, scale=False)
    np.testing.assert_allclose(bright, 50.0)


# ---- ImageDataGenerator -------------------------------------------------------------------------
def test_generator_flips_are_exact():
    gen = image.ImageDataGenerator(horizontal_flip=True, vertical_flip=True)
    x = GRID.copy()
    np.testing.assert_array_equal(gen.apply_transform(x, {"flip_horizontal": True}),
                                  x[:, ::-1])
    np.testing.assert_array_equal(gen.apply_transform(x, {"flip_vertical": True}), x[::-1])
    np.testing.assert_array_equal(gen.apply_transform(x, {}), x)
    batch = np.stack([GRID] * 12)
    seen = set()
    for images in [gen.flow(batch, batch_size=12, shuffle=False, seed=3)[0]]:
        for img in images:
            match = [np.array_equal(img, variant) for variant in
                     (GRID, GRID[:, ::-1], GRID[::-1], GRID[::-1, ::-1])]
            assert sum(match) == 1
            seen.add(match.index(True))
    assert len(seen) > 1


def test_generator_shift_pixels_through_get_random_transform():
    gen = image.ImageDataGenerator(height_shift_range=[1], fill_mode="constant", cval=-1)
    params = gen.get_random_transform(GRID.shape, seed=0)
    assert params["ty"] == 0 and abs(params["tx"]) == 1
    out = gen.apply_transform(GRID, params)[..., 0]
    expected = affine(GRID, tx=params["tx"])
    np.testing.assert_array_equal(out, expected)
    assert gen.get_random_transform(GRID.shape, seed=0) == params     # seeded draws repeat


def test_generator_standardization_and_fit():
    x = np.random.default_rng(1).uniform(0, 255, (6, 4, 4, 3)).astype("float32")
    gen = image.ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                                   rescale=1 / 255)
    gen.fit(x)
    scaled = x / 255
    np.testing.assert_allclose(gen.mean.reshape(-1), scaled.mean(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(gen.std.reshape(-1), scaled.std(axis=(0, 1, 2)), rtol=1e-4)
    batch = gen.flow(x, batch_size=6, shuffle=False)[0]
    np.testing.assert_allclose(batch.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(batch.std(axis=(0, 1, 2)), 1, atol=1e-4)
    sample = image.ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True)
    out = sample.standardize(x[0].copy())
    assert abs(out.mean()) < 1e-5 and abs(out.std() - 1) < 1e-4
    pre = image.ImageDataGenerator(preprocessing_function=lambda a: a * 0 + 2, rescale=3)
    np.testing.assert_array_equal(pre.standardize(x[0].copy()), 6)
    with pytest.warns(UserWarning, match="hasn't been fit"):
        image.ImageDataGenerator(featurewise_center=True).standardize(x[0].copy())
    with pytest.raises(ValueError, match="rank 4"):
        gen.fit(x[0])
    with pytest.warns(UserWarning, match="overrides"):
        zca = image.ImageDataGenerator(zca_whitening=True)
    zca.fit(x)
    assert zca.zca_whitening_matrix.shape == (48, 48) and zca.featurewise_center


def test_generator_fit_matches_keras():
    gen = image.ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    gen.fit(REF_ARRAYS["flow_input"])
    np.testing.assert_allclose(gen.mean, REF_ARRAYS["fit_mean"], rtol=1e-6)
    np.testing.assert_allclose(gen.std, REF_ARRAYS["fit_std"], rtol=1e-6)
    np.testing.assert_allclose(gen.standardize(REF_ARRAYS["flow_input"][0].copy()),
                               REF_ARRAYS["fit_standardized"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("index", range(len(REF["generators"])))
def test_seeded_flow_matches_keras(index):
    case = REF["generators"][index]
    gen = image.ImageDataGenerator(**case["kwargs"])
    params = gen.get_random_transform(REF_ARRAYS["flow_input"].shape[1:], seed=123)
    for key, value in case["params"].items():
        assert (params[key] is None) == (value is None), key
        if value is not None:
            assert float(params[key]) == pytest.approx(value, abs=1e-12), key
    iterator = gen.flow(REF_ARRAYS["flow_input"], np.arange(5), batch_size=3, shuffle=True,
                        seed=7 + index)
    x0, y0 = iterator[0]
    x1, y1 = next(iterator)
    np.testing.assert_allclose(x0, REF_ARRAYS[f"flow_{index}_x0"], atol=1e-5)
    np.testing.assert_array_equal(y0, REF_ARRAYS[f"flow_{index}_y0"])
    np.testing.assert_allclose(x1, REF_ARRAYS[f"flow_{index}_x1"], atol=1e-5)
    np.testing.assert_array_equal(y1, REF_ARRAYS[f"flow_{index}_y1"])


def test_flow_batches_order_subsets_and_extras():
    x = np.arange(10, dtype="float32").reshape(10, 1, 1, 1) * np.ones((1, 2, 2, 1), "float32")
    y = np.arange(10) % 2
    gen = image.ImageDataGenerator(validation_split=0.2)
    it = gen.flow(x, y, batch_size=4, shuffle=False)
    assert len(it) == 3 and it.n == 10
    bx, by = it[2]
    assert bx.shape == (2, 2, 2, 1) and bx.dtype == np.float32
    np.testing.assert_array_equal(bx[:, 0, 0, 0], [8, 9])
    np.testing.assert_array_equal(by, [0, 1])
    walked = [next(it)[1].tolist() for _ in range(4)]          # endless, wraps around
    assert walked == [[0, 1, 0, 1], [0, 1, 0, 1], [0, 1], [0, 1, 0, 1]]
    assert iter(it) is it
    with pytest.raises(ValueError, match="length"):
        it[3]
    valid = gen.flow(x, y, batch_size=10, shuffle=False, subset="validation")
    train = gen.flow(x, y, batch_size=10, shuffle=False, subset="training")
    np.testing.assert_array_equal(valid[0][0][:, 0, 0, 0], [0, 1])
    np.testing.assert_array_equal(train[0][0][:, 0, 0, 0], np.arange(2, 10))
    with pytest.raises(ValueError, match="different number of classes"):
        gen.flow(x, np.array([0] * 2 + [1] * 8), subset="validation")
    weighted = gen.flow(x, y, sample_weight=np.arange(10.0), batch_size=3, shuffle=False)
    assert len(weighted[0]) == 3 and weighted[0][2].tolist() == [0, 1, 2]
    multi = gen.flow((x, np.arange(10)), y, batch_size=3, shuffle=False)
    inputs, labels = multi[0]
    assert isinstance(inputs, list) and inputs[1].tolist() == [0, 1, 2]
    assert isinstance(gen.flow(x, batch_size=3)[0], np.ndarray)
    first = [b.copy() for b in gen.flow(x, y, batch_size=5, seed=4)[0]]
    again = gen.flow(x, y, batch_size=5, seed=4)[0]
    np.testing.assert_array_equal(first[0], again[0])
    with pytest.raises(ValueError, match="rank 4"):
        gen.flow(x[:, 0], y)
    with pytest.raises(ValueError, match="same length"):
        gen.flow(x, y[:3])


def test_generator_argument_errors():
    with pytest.raises(ValueError, match="data_format"):
        image.ImageDataGenerator(data_format="channels_middle")
    with pytest.raises(ValueError, match="validation_split"):
        image.ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="zoom_range"):
        image.ImageDataGenerator(zoom_range=(1, 2, 3))
    with pytest.raises(ValueError, match="brightness_range"):
        image.ImageDataGenerator(brightness_range=0.5)
    with pytest.raises(NotImplementedError, match="interpolation_order"):
        image.ImageDataGenerator(interpolation_order=3)
    with pytest.raises(NotImplementedError, match="flow_from_dataframe"):
        image.ImageDataGenerator().flow_from_dataframe(None)
    assert image.ImageDataGenerator(zoom_range=0.2).zoom_range == [0.8, 1.2]


@pytest.fixture
def image_tree(tmp_path):
    """dogs/ (3 png + a nested jpg) and cats/ (2 png), 10x12 RGB."""
    rng = np.random.default_rng(0)
    for name, count in (("dogs", 3), ("cats", 2)):
        (tmp_path / name).mkdir()
        for i in range(count):
            PIL.fromarray(rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)).save(
                tmp_path / name / f"img{i}.png")
    (tmp_path / "dogs" / "nested").mkdir()
    PIL.fromarray(rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)).save(
        tmp_path / "dogs" / "nested" / "deep.jpg")
    (tmp_path / "dogs" / "notes.txt").write_text("not an image")
    return tmp_path


def test_flow_from_directory_listing_and_labels(image_tree, capsys):
    gen = image.ImageDataGenerator(rescale=1 / 255)
    it = gen.flow_from_directory(str(image_tree), target_size=(5, 6), batch_size=4,
                                 shuffle=False)
    assert "Found 6 images belonging to 2 classes." in capsys.readouterr().out
    assert it.class_indices == {"cats": 0, "dogs": 1}
    assert it.filenames == [os.path.join("cats", "img0.png"), os.path.join("cats", "img1.png"),
                            os.path.join("dogs", "img0.png"), os.path.join("dogs", "img1.png"),
                            os.path.join("dogs", "img2.png"),
                            os.path.join("dogs", "nested", "deep.jpg")]
    assert it.classes.tolist() == [0, 0, 1, 1, 1, 1] and it.classes.dtype == np.int32
    assert it.samples == 6 and it.num_classes == 2 and len(it) == 2
    assert it.filepaths[0] == os.path.join(str(image_tree), "cats", "img0.png")
    x, y = it[0]
    assert x.shape == (4, 5, 6, 3) and x.dtype == np.float32 and 0 <= x.min() <= x.max() <= 1
    np.testing.assert_array_equal(y, [[1, 0], [1, 0], [0, 1], [0, 1]])
    expected = image.img_to_array(image.load_img(it.filepaths[1], target_size=(5, 6))) / 255
    np.testing.assert_allclose(x[1], expected, rtol=1e-6)
    for mode, label in (("binary", [0, 0, 1, 1]), ("sparse", [0, 0, 1, 1])):
        y = gen.flow_from_directory(str(image_tree), target_size=(5, 6), batch_size=4,
                                    shuffle=False, class_mode=mode)[0][1]
        assert y.tolist() == label and y.dtype == np.float32
    auto = gen.flow_from_directory(str(image_tree), target_size=(5, 6), class_mode="input",
                                   batch_size=2, shuffle=False)[0]
    np.testing.assert_array_equal(auto[0], auto[1])
    alone = gen.flow_from_directory(str(image_tree), target_size=(5, 6), class_mode=None,
                                    color_mode="grayscale", batch_size=2)[0]
    assert isinstance(alone, np.ndarray) and alone.shape == (2, 5, 6, 1)
    only_dogs = gen.flow_from_directory(str(image_tree), classes=["dogs"], target_size=(5, 6))
    assert only_dogs.samples == 4 and only_dogs.class_indices == {"dogs": 0}
    with pytest.raises(ValueError, match="class_mode"):
        gen.flow_from_directory(str(image_tree), class_mode="bogus")
    with pytest.raises(ValueError, match="color mode"):
        gen.flow_from_directory(str(image_tree), color_mode="cmyk")


def test_flow_from_directory_subsets_and_seed(image_tree):
    gen = image.ImageDataGenerator(validation_split=0.5, horizontal_flip=True)
    train = gen.flow_from_directory(str(image_tree), target_size=(4, 4), subset="training",
                                    seed=1, batch_size=2)
    valid = gen.flow_from_directory(str(image_tree), target_size=(4, 4), subset="validation",
                                    seed=1, batch_size=2)
    # per class: validation is the first half of the files, training the rest
    assert valid.filenames == [os.path.join("cats", "img0.png"),
                               os.path.join("dogs", "img0.png"),
                               os.path.join("dogs", "img1.png")]
    assert train.samples == 3 and not set(train.filenames) & set(valid.filenames)
    again = gen.flow_from_directory(str(image_tree), target_size=(4, 4), subset="training",
                                    seed=1, batch_size=2)
    np.testing.assert_array_equal(train[0][0], again[0][0])
    with pytest.raises(ValueError, match="subset"):
        gen.flow_from_directory(str(image_tree), subset="test")


def test_model_fit_on_directory_iterator(image_tree):
    keras.backend.clear_session()
    gen = image.ImageDataGenerator(rescale=1 / 255, horizontal_flip=True, rotation_range=10)
    it = gen.flow_from_directory(str(image_tree), target_size=(8, 8), batch_size=2, seed=0)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(it, epochs=1, steps_per_epoch=2, verbose=0)
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["loss"][0])
    history = model.fit(it, epochs=2, validation_data=it, verbose=0)   # len(it) steps
    assert len(history.history["val_loss"]) == 2
    assert len(model.evaluate(it, verbose=0)) == 2
    predictions = model.predict(gen.flow_from_directory(str(image_tree), target_size=(8, 8),
                                                        class_mode=None, shuffle=False),
                                verbose=0)
    assert predictions.shape == (6, 2)


def test_model_fit_on_numpy_iterator():
    keras.backend.clear_session()
    x = np.random.default_rng(0).uniform(size=(12, 4, 4, 1)).astype("float32")
    y = (np.arange(12) % 2).astype("float32")
    it = image.ImageDataGenerator(width_shift_range=0.25).flow(x, y, batch_size=4, seed=0)
    spec = it.element_spec
    assert tuple(spec[0].shape.as_list()) == (None, 4, 4, 1)
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy")
    history = model.fit(it, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


# ---- dataset builders ---------------------------------------------------------------------------
def test_timeseries_dataset_from_array():
    data, targets = np.arange(10), np.arange(10) * 10
    ds = keras.utils.timeseries_dataset_from_array(data, targets, sequence_length=3,
                                                   batch_size=4)
    batches = [(x.numpy().tolist(), y.numpy().tolist()) for x, y in ds]
    assert batches == [([[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]], [0, 10, 20, 30]),
                       ([[4, 5, 6], [5, 6, 7], [6, 7, 8], [7, 8, 9]], [40, 50, 60, 70])]
    strided = keras.preprocessing.timeseries_dataset_from_array(
        data, None, sequence_length=2, sequence_stride=3, sampling_rate=2, batch_size=None)
    assert [w.numpy().tolist() for w in strided] == [[0, 2], [3, 5], [6, 8]]
    ref = keras.utils.timeseries_dataset_from_array(
        np.arange(20), np.arange(20) * 10, sequence_length=4, sequence_stride=2,
        sampling_rate=2, batch_size=3, start_index=1, end_index=17)
    assert [[x.numpy().tolist(), y.numpy().tolist()] for x, y in ref] == REF["timeseries"]
    shuffled = keras.utils.timeseries_dataset_from_array(data, targets, 3, shuffle=True,
                                                         seed=1, batch_size=None)
    pairs = sorted((x.numpy().tolist(), int(y)) for x, y in shuffled)
    assert pairs == [([i, i + 1, i + 2], 10 * i) for i in range(8)]
    with pytest.raises(ValueError, match="sampling_rate"):
        keras.utils.timeseries_dataset_from_array(data, None, 3, sampling_rate=0)
    with pytest.raises(ValueError, match="grain"):
        keras.utils.timeseries_dataset_from_array(data, None, 3, format="grain")


def test_text_dataset_from_directory(tmp_path):
    for name, texts in (("neg", ["bad", "awful movie"]), ("pos", ["good", "great", "fine"])):
        (tmp_path / name).mkdir()
        for i, content in enumerate(texts):
            (tmp_path / name / f"{i}.txt").write_text(content)
    (tmp_path / "pos" / "skip.md").write_text("ignored")
    ds = keras.utils.text_dataset_from_directory(str(tmp_path), batch_size=None,
                                                 shuffle=False, max_length=4, verbose=False)
    assert ds.class_names == ["neg", "pos"]
    items = [(t.numpy(), int(label)) for t, label in ds]
    assert items == [(b"bad", 0), (b"awfu", 0), (b"good", 1), (b"grea", 1), (b"fine", 1)]
    train, valid = keras.preprocessing.text_dataset_from_directory(
        str(tmp_path), validation_split=0.4, subset="both", seed=3, batch_size=2,
        label_mode="categorical", verbose=False)
    n_train = sum(int(x.shape[0]) for x, _ in train)
    n_valid = sum(int(x.shape[0]) for x, _ in valid)
    assert (n_train, n_valid) == (3, 2)
    assert next(iter(valid))[1].shape[-1] == 2
    with pytest.raises(ValueError, match="label_mode"):
        keras.utils.text_dataset_from_directory(str(tmp_path), label_mode="bogus")


def test_preprocessing_namespace():
    assert keras.preprocessing.image_dataset_from_directory is \
        keras.utils.image_dataset_from_directory
    assert keras.preprocessing.image.ImageDataGenerator is image.ImageDataGenerator
    assert keras.preprocessing.text.Tokenizer is text.Tokenizer
    with pytest.raises(AttributeError, match="not implemented"):
        keras.preprocessing.bogus
