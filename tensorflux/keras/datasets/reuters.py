"""Reuters newswires: 11,228 texts labelled with 46 topics, each a sequence of word indices.

Files: Keras' `reuters.npz` (arrays `x`, object array of word-rank lists, and `y`) and
`reuters_word_index.json`. Search order: Keras' cache, then `SYSTEM_DIRS`, then a download
from Keras' URL with Keras' checksum.
"""
import os

import numpy as np

from tensorflux.keras.datasets import _download, _sequences

NPZ_NAME = "reuters.npz"
NPZ_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_NAME = "reuters_word_index.json"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"
ORIGIN_FOLDER = _sequences.ORIGIN_FOLDER
SYSTEM_DIRS = ["/usr/share/datasets/reuters"]

# The 46 topics, in label order.
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead")


def _read(path):
    arrays = _sequences.read_npz(path, ("x", "y"))
    _sequences.check_pair(arrays["x"], arrays["y"], path)
    return arrays


def _find(name, expected_hash, read, title, cache_file):
    places = [_download.Candidate(cache_file, read, expected_hash)]
    places += [_download.Candidate(os.path.join(d, name), read, expected_hash)
               for d in SYSTEM_DIRS]
    download = _download.Download(ORIGIN_FOLDER + name, cache_file, expected_hash, read)
    return _download.load_first(title, places, download, [
        f"or put {name} in one of: {', '.join(SYSTEM_DIRS)}"])


def load_data(path=NPZ_NAME, num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3, **kwargs):
    """Load the Reuters newswires in Keras' format.

    Args:
        path: the file name in Keras' cache (default "reuters.npz").
        num_words, skip_top, maxlen, seed, start_char, oov_char, index_from: as for
            `imdb.load_data` (one shuffle of all texts, before the split).
        test_split: the fraction of texts (after the shuffle) put in the test split.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: 1-D object arrays of lists of ints, and
        int64 topic labels (see `get_label_names`).

    Raises:
        ValueError: test_split is not in [0, 1).
        TypeError: an unknown keyword argument.
        DatasetNotFoundError / DatasetFileError: as for imdb.load_data.
    """
    if "nb_words" in kwargs:
        num_words = kwargs.pop("nb_words")
    _sequences.check_unknown_arguments(kwargs)
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1), got {test_split}.")
    arrays = _find(NPZ_NAME, NPZ_HASH, _read, "Reuters (reuters.npz)",
                   _sequences.cache_path(path))
    rng = np.random.RandomState(seed)
    sequences, labels = _sequences.shuffled(rng, arrays["x"], arrays["y"])
    sequences = _sequences.add_markers(sequences, start_char, index_from)
    if maxlen:
        sequences, labels = _sequences.remove_long(maxlen, sequences, labels)
    sequences = _sequences.limit_vocabulary(sequences, num_words, skip_top, oov_char)
    count = int(len(sequences) * (1 - test_split))
    return ((_sequences.object_array(sequences[:count]), np.array(labels[:count])),
            (_sequences.object_array(sequences[count:]), np.array(labels[count:])))


def get_word_index(path=WORD_INDEX_NAME):
    """The dict {word: rank} of the Reuters vocabulary; add `index_from` (3) to a rank to
    get its index in load_data's sequences."""
    return _find(WORD_INDEX_NAME, WORD_INDEX_HASH, _sequences.read_word_index,
                 "The Reuters word index (reuters_word_index.json)",
                 _sequences.cache_path(path))


def get_label_names():
    """The 46 topic names, indexed by label."""
    return LABEL_NAMES
