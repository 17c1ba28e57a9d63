"""Reference outputs of tf.keras' preprocessing utilities (keras.preprocessing.image /
sequence / text, keras.utils.timeseries_dataset_from_array) for
tests/test_keras_preprocessing.py.

Run with the reference interpreter (TensorFlow is not a test dependency):

    /tmp/reftf/bin/python tools/make_fixtures_keras_preprocessing.py
    # writes tests/fixtures/keras_preprocessing.{json,npz}

(tf.keras' affine transforms need SciPy in that environment: /tmp/reftf/bin/pip install scipy.)

Recorded: apply_affine_transform on a fixed float image for each fill mode and both
interpolation orders (rotations, shifts, shears, zooms and combinations, channels last and
first); ImageDataGenerator.flow batches with fixed seeds; Tokenizer vocabularies, sequences,
matrices and JSON; pad_sequences; hashing_trick(md5); make_sampling_table; a timeseries
dataset.
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, os.pardir, "tests", "fixtures")

image = tf.keras.preprocessing.image
text = tf.keras.preprocessing.text
sequence = tf.keras.preprocessing.sequence

AFFINE = [
    {"theta": 30},
    {"theta": -75.5},
    {"tx": 2, "ty": -3},
    {"tx": 1.5, "ty": 0.25},
    {"shear": 20},
    {"zx": 0.7, "zy": 1.3},
    {"zx": 1.6, "zy": 1.6},
    {"theta": 40, "tx": 1, "ty": 2, "shear": 10, "zx": 0.9, "zy": 1.2},
    {"theta": 180},
    {"tx": 11.5, "ty": -13},
]

GENERATORS = [
    {"horizontal_flip": True, "vertical_flip": True},
    {"width_shift_range": 0.3, "height_shift_range": 0.2, "fill_mode": "constant", "cval": -1.0},
    {"width_shift_range": 2, "height_shift_range": [1, 3], "fill_mode": "wrap"},
    {"rotation_range": 45, "zoom_range": 0.25, "shear_range": 15, "fill_mode": "reflect"},
    {"rotation_range": 20, "horizontal_flip": True, "rescale": 0.5,
     "samplewise_center": True, "samplewise_std_normalization": True,
     "interpolation_order": 0},
    {"channel_shift_range": 0.3, "vertical_flip": True},
]

TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "Cat & dog: friends?",
         "the THE the end", "", "mat mat cat"]


def main():
    os.makedirs(OUT, exist_ok=True)
    arrays, cases = {}, {}
    rng = np.random.default_rng(0)
    img = rng.uniform(0, 1, (7, 9, 2)).astype("float32")
    arrays["affine_input"] = img
    affine = []
    for k, params in enumerate(AFFINE):
        for mode in ("constant", "nearest", "reflect", "wrap"):
            for order in (0, 1):
                key = f"affine_{len(affine)}"
                arrays[key] = image.apply_affine_transform(
                    img, **params, row_axis=0, col_axis=1, channel_axis=2, fill_mode=mode,
                    cval=-0.5, order=order)
                affine.append({"params": params, "fill_mode": mode, "order": order,
                               "key": key, "channels_first": False})
        key = f"affine_{len(affine)}"
        arrays[key] = image.apply_affine_transform(
            img.transpose(2, 0, 1), **params, row_axis=1, col_axis=2, channel_axis=0,
            fill_mode="nearest", order=1)
        affine.append({"params": params, "fill_mode": "nearest", "order": 1, "key": key,
                       "channels_first": True})
    cases["affine"] = affine

    batch = rng.uniform(0, 1, (5, 6, 8, 3)).astype("float32")
    labels = np.arange(5)
    arrays["flow_input"] = batch
    generators = []
    for k, kwargs in enumerate(GENERATORS):
        gen = image.ImageDataGenerator(**kwargs)
        it = gen.flow(batch, labels, batch_size=3, shuffle=True, seed=7 + k)
        x0, y0 = it[0]
        x1, y1 = next(it)
        arrays[f"flow_{k}_x0"], arrays[f"flow_{k}_y0"] = x0, y0
        arrays[f"flow_{k}_x1"], arrays[f"flow_{k}_y1"] = x1, y1
        params = gen.get_random_transform(batch.shape[1:], seed=123)
        generators.append({"kwargs": kwargs, "params": {k: (None if v is None else float(v))
                                                        for k, v in params.items()}})
    cases["generators"] = generators
    fit_gen = image.ImageDataGenerator(featurewise_center=True,
                                       featurewise_std_normalization=True)
    fit_gen.fit(batch)
    arrays["fit_mean"], arrays["fit_std"] = fit_gen.mean, fit_gen.std
    arrays["fit_standardized"] = fit_gen.standardize(batch[0].copy())

    tokenizers = []
    for kwargs in ({}, {"num_words": 4}, {"num_words": 4, "oov_token": "<OOV>"},
                   {"oov_token": "<OOV>", "lower": False}, {"char_level": True},
                   {"filters": "", "split": " "}):
        tok = text.Tokenizer(**kwargs)
        tok.fit_on_texts(TEXTS)
        queries = ["the cat and the dog", "unknown words only", "mat"]
        sequences = tok.texts_to_sequences(queries)
        tokenizers.append({
            "kwargs": kwargs, "word_index": tok.word_index,
            "word_counts": list(tok.word_counts.items()),
            "word_docs": dict(tok.word_docs),
            "index_docs": {str(k): v for k, v in tok.index_docs.items()},
            "document_count": tok.document_count, "queries": queries,
            "sequences": sequences, "texts": tok.sequences_to_texts(sequences + [[1, 2, 99]]),
            "matrices": {mode: tok.texts_to_matrix(queries, mode=mode).tolist()
                         for mode in ("binary", "count", "tfidf", "freq")},
            "json": tok.to_json()})
    cases["tokenizers"] = tokenizers
    cases["text_to_word_sequence"] = [
        [t, text.text_to_word_sequence(t)] for t in TEXTS + ["a--b\tc\nD  e"]]
    cases["hashing_md5"] = [[t, text.hashing_trick(t, 17, hash_function="md5")]
                            for t in TEXTS]

    pads = []
    seqs = [[1], [2, 3], [4, 5, 6, 7], []]
    for kwargs in ({}, {"maxlen": 2}, {"maxlen": 3, "padding": "post"},
                   {"maxlen": 3, "truncating": "post"},
                   {"maxlen": 5, "padding": "post", "truncating": "post", "value": -1},
                   {"dtype": "float32", "value": 0.5}):
        out = sequence.pad_sequences(seqs, **kwargs)
        pads.append({"kwargs": kwargs, "out": out.tolist(), "dtype": out.dtype.name})
    cases["pad_sequences"] = {"sequences": seqs, "cases": pads}
    arrays["sampling_table"] = sequence.make_sampling_table(12, sampling_factor=0.01)

    ts = tf.keras.utils.timeseries_dataset_from_array(
        np.arange(20), np.arange(20) * 10, sequence_length=4, sequence_stride=2,
        sampling_rate=2, batch_size=3, start_index=1, end_index=17)
    cases["timeseries"] = [[x.numpy().tolist(), y.numpy().tolist()] for x, y in ts]

    with open(os.path.join(OUT, "keras_preprocessing.json"), "w") as f:
        json.dump(cases, f, indent=1, sort_keys=True)
    np.savez_compressed(os.path.join(OUT, "keras_preprocessing.npz"), **arrays)
    print(f"wrote {len(arrays)} arrays")


if __name__ == "__main__":
    main()
