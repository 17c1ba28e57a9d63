"""Word-index sequence data sets (imdb, reuters): Keras' npz files and its preprocessing.

In the files, a text is a list of word ranks (1 = the most frequent word). `load_data`
shifts them by `index_from`, marks starts with `start_char`, drops texts of `maxlen` words
or more, and replaces the words outside [skip_top, num_words) by `oov_char` (or drops them
when oov_char is None), exactly as Keras does, including its off-by-one: with
num_words=None, num_words becomes the largest index, so that index itself becomes oov_char.
"""
import json
import os

import numpy as np

from tensorflux.keras.datasets._idx import DatasetFileError
from tensorflux.keras.datasets._restricted_pickle import load_npz

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
DEFAULT_SEED = 113


def read_npz(path, keys):
    """The arrays `keys` of a Keras sequence npz, checked: ragged sequences of ints and
    integer labels of the same length."""
    try:
        arrays = load_npz(path)
    except ValueError as error:
        raise DatasetFileError(f"{path}: {error}") from error
    missing = [key for key in keys if key not in arrays]
    if missing:
        raise DatasetFileError(f"{path}: arrays {', '.join(missing)} are missing (found "
                               f"{', '.join(sorted(arrays)) or 'none'})")
    return {key: arrays[key] for key in keys}


def check_pair(sequences, labels, where):
    if sequences.ndim != 1 or not all(_is_int_sequence(s) for s in sequences):
        raise DatasetFileError(f"{where}: expected a 1-D array of integer sequences, found "
                               f"{sequences.dtype} of shape {sequences.shape}")
    if labels.ndim != 1 or labels.dtype.kind not in "iu" or len(labels) != len(sequences):
        raise DatasetFileError(f"{where}: expected {len(sequences)} integer labels, found "
                               f"{labels.dtype} of shape {labels.shape}")


def _is_int_sequence(sequence):
    if isinstance(sequence, np.ndarray):
        return sequence.ndim == 1 and (sequence.dtype.kind in "iu" or sequence.size == 0)
    return isinstance(sequence, list) and all(isinstance(w, (int, np.integer))
                                              for w in sequence)


def shuffled(rng, *arrays):
    indices = np.arange(len(arrays[0]))
    rng.shuffle(indices)
    return [array[indices] for array in arrays]


def add_markers(sequences, start_char, index_from):
    if start_char is not None:
        return [[start_char] + [int(w) + index_from for w in s] for s in sequences]
    if index_from:
        return [[int(w) + index_from for w in s] for s in sequences]
    return [[int(w) for w in s] for s in sequences]


def remove_long(maxlen, sequences, labels):
    """Keeps the sequences shorter than `maxlen` (Keras' rule: `len < maxlen`)."""
    kept = [i for i, s in enumerate(sequences) if len(s) < maxlen]
    return [sequences[i] for i in kept], labels[np.asarray(kept, dtype=np.int64)]


def limit_vocabulary(sequences, num_words, skip_top, oov_char):
    if not num_words:
        num_words = max(max(s) for s in sequences if s)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in s] for s in sequences]
    return [[w for w in s if skip_top <= w < num_words] for s in sequences]


def object_array(sequences):
    """A 1-D object array of lists (never 2-D, even when all lists have one length)."""
    array = np.empty(len(sequences), dtype=object)
    for index, sequence in enumerate(sequences):
        array[index] = sequence
    return array


def read_word_index(path):
    try:
        with open(path, encoding="utf-8") as handle:
            index = json.load(handle)
    except (ValueError, UnicodeDecodeError) as error:
        raise DatasetFileError(f"{path}: not a JSON word index ({error})") from error
    if not isinstance(index, dict) or not all(isinstance(k, str) and isinstance(v, int)
                                              for k, v in index.items()):
        raise DatasetFileError(f"{path}: expected a JSON object mapping words to integers")
    return index


def cache_path(path):
    """Keras' `path` argument: a file name in Keras' cache (an absolute path is kept)."""
    from tensorflux.keras.datasets._download import keras_cache_dir
    path = os.fspath(path)
    return path if os.path.isabs(path) else os.path.join(keras_cache_dir(), path)


def check_unknown_arguments(kwargs):
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
