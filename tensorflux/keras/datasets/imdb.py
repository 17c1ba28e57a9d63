"""IMDB: 50,000 movie reviews (25,000 train, 25,000 test) labelled positive (1) or negative
(0), each a sequence of word indices.

Files: Keras' `imdb.npz` (object arrays of word-rank lists, read with a restricted unpickler:
see `_restricted_pickle`) and `imdb_word_index.json`. Search order: Keras' cache, then
`SYSTEM_DIRS`, then a download from Keras' URL with Keras' checksum.
"""
import os

import numpy as np

from tensorflux.keras.datasets import _download, _sequences

NPZ_NAME = "imdb.npz"
NPZ_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_NAME = "imdb_word_index.json"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"
ORIGIN_FOLDER = _sequences.ORIGIN_FOLDER
# No Debian package ships IMDB today; a folder here with Keras' files is used.
SYSTEM_DIRS = ["/usr/share/datasets/imdb"]


def _read(path):
    arrays = _sequences.read_npz(path, ("x_train", "y_train", "x_test", "y_test"))
    for split in ("train", "test"):
        _sequences.check_pair(arrays["x_" + split], arrays["y_" + split], path)
    return arrays


def _find(name, expected_hash, read, title, cache_file):
    places = [_download.Candidate(cache_file, read, expected_hash)]
    places += [_download.Candidate(os.path.join(d, name), read, expected_hash)
               for d in SYSTEM_DIRS]
    download = _download.Download(ORIGIN_FOLDER + name, cache_file, expected_hash, read)
    return _download.load_first(title, places, download, [
        f"or put {name} in one of: {', '.join(SYSTEM_DIRS)}"])


def load_data(path=NPZ_NAME, num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """Load IMDB in Keras' format.

    Args:
        path: the file name in Keras' cache (default "imdb.npz").
        num_words: keep the `num_words` most frequent words (others become oov_char);
            None keeps all.
        skip_top: also replace the `skip_top` most frequent words by oov_char.
        maxlen: drop the reviews of `maxlen` words or more (after adding start_char).
        seed: the seed of the shuffle of each split.
        start_char: put first in every review (None: nothing).
        oov_char: replaces the words cut by num_words/skip_top (None: they are dropped).
        index_from: added to every word rank.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: 1-D object arrays of lists of ints, and
        int64 label arrays.

    Raises:
        ValueError: maxlen leaves no review in a split.
        TypeError: an unknown keyword argument.
        DatasetNotFoundError / DatasetFileError: the file is nowhere to be found, or only
            damaged copies (the message lists the places, the URL and what to do).
    """
    if "nb_words" in kwargs:   # Keras 1's name
        num_words = kwargs.pop("nb_words")
    _sequences.check_unknown_arguments(kwargs)
    arrays = _find(NPZ_NAME, NPZ_HASH, _read, "IMDB (imdb.npz)",
                   _sequences.cache_path(path))
    rng = np.random.RandomState(seed)
    x_train, labels_train = _sequences.shuffled(rng, arrays["x_train"], arrays["y_train"])
    x_test, labels_test = _sequences.shuffled(rng, arrays["x_test"], arrays["y_test"])
    x_train = _sequences.add_markers(x_train, start_char, index_from)
    x_test = _sequences.add_markers(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = _sequences.remove_long(maxlen, x_train, labels_train)
        x_test, labels_test = _sequences.remove_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, "
                             "no sequence was kept. Increase maxlen.")
    sequences = _sequences.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    count = len(x_train)
    labels = np.concatenate([labels_train, labels_test])
    return ((_sequences.object_array(sequences[:count]), labels[:count]),
            (_sequences.object_array(sequences[count:]), labels[count:]))


def get_word_index(path=WORD_INDEX_NAME):
    """The dict {word: rank} of the IMDB vocabulary (rank 1 = most frequent); add
    `index_from` (3) to a rank to get its index in load_data's sequences."""
    return _find(WORD_INDEX_NAME, WORD_INDEX_HASH, _sequences.read_word_index,
                 "The IMDB word index (imdb_word_index.json)", _sequences.cache_path(path))
