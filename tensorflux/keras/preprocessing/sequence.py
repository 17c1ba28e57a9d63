"""keras.preprocessing.sequence: pad_sequences, TimeseriesGenerator, skipgrams and
make_sampling_table (tf.keras behaviour; `pad_sequences` is also `keras.utils.pad_sequences`)."""
import json
import random

import numpy as np

from tensorflux.keras.utils.py_dataset import PyDataset

__all__ = ["pad_sequences", "TimeseriesGenerator", "make_sampling_table", "skipgrams"]


def _is_text_dtype(dtype):
    if dtype is object:
        return False
    try:
        kind = np.dtype(dtype).kind
    except TypeError:
        return False
    return kind in "SU"


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pads (or truncates) a list of sequences to one length: a 2-D (or higher) NumPy array.

    Args:
        sequences: a list of sequences (lists or arrays; their items may themselves be
            arrays, which then must all have one shape).
        maxlen: the output length; None for the length of the longest sequence.
        dtype: of the output ("int32" by default, so float values are truncated; use
            `object` for variable-length strings).
        padding: "pre" (pad at the start, the default) or "post".
        truncating: "pre" (drop the first values of a long sequence, the default) or
            "post" (drop its last values).
        value: the padding value (0 by default).

    Returns:
        An array of shape `(len(sequences), maxlen) + item_shape`.

    Raises:
        ValueError: `sequences` or one of its items is not a sequence, `padding` or
            `truncating` is not "pre"/"post", a string `value` with a non-string `dtype`,
            or items of differing shapes.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    lengths = []
    item_shape = None
    for sequence in sequences:
        try:
            length = len(sequence)
        except TypeError as error:
            raise ValueError("`sequences` must be a list of iterables. Found non-iterable: "
                             f"{sequence!s}") from error
        lengths.append(length)
        if item_shape is None and length:
            item_shape = np.asarray(sequence).shape[1:]
    item_shape = item_shape or ()
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    maxlen = int(maxlen)
    if maxlen < 0:
        raise ValueError(f"`maxlen` must be a non-negative integer, received: maxlen={maxlen}")
    if isinstance(value, str) and dtype is not object and not _is_text_dtype(dtype):
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: "
                         f"{type(value)}\nYou should set `dtype=object` for variable length "
                         "strings.")
    result = np.full((len(lengths), maxlen) + tuple(item_shape), value, dtype=dtype)
    if maxlen == 0:
        return result
    for row, (sequence, length) in enumerate(zip(sequences, lengths)):
        if not length:
            continue
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != tuple(item_shape):
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position {row} "
                             f"is different from expected shape {tuple(item_shape)}")
        if padding == "post":
            result[row, :len(kept)] = kept
        else:
            result[row, maxlen - len(kept):] = kept
    return result


class TimeseriesGenerator(PyDataset):
    """Batches of (window, target) pairs cut from a time series (tf.keras' deprecated
    `keras.preprocessing.sequence.TimeseriesGenerator`; prefer
    `keras.utils.timeseries_dataset_from_array`).

    Sample `i` of batch `b` ends just before row `r = start_index + length + (b * batch_size +
    i) * stride`: its window is `data[r - length:r:sampling_rate]` and its target `targets[r]`.

    Args:
        data: an indexable series (list or array), time along axis 0.
        targets: the targets, one per time step (same length as `data`).
        length: the window length in time steps (before sampling).
        sampling_rate: the period between the steps kept inside a window.
        stride: the period between the ends of consecutive windows.
        start_index, end_index: the rows that may be used as window ends (`end_index`
            defaults to the last row; `start_index + length` is the first end).
        shuffle: draw the window ends at random (with NumPy's global generator).
        reverse: each window in reverse time order.
        batch_size: windows per batch (the last batch may be smaller).

    A keras.utils.PyDataset: indexing gives a batch `(samples, targets)`; `len()` is the
    number of batches. Usable as `model.fit(generator)`.
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0,
                 end_index=None, shuffle=False, reverse=False, batch_size=128, **kwargs):
        unknown = set(kwargs) - {"workers", "use_multiprocessing", "max_queue_size"}
        if unknown:
            raise TypeError(f"TimeseriesGenerator() got unexpected keyword arguments "
                            f"{sorted(unknown)}")
        super().__init__(**kwargs)
        if len(data) != len(targets):
            raise ValueError(f"Data and targets have to be of same length. Data length is "
                             f"{len(data)} while target length is {len(targets)}")
        self.data = data
        self.targets = targets
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        self.start_index = start_index + length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size
        if self.start_index > self.end_index:
            raise ValueError(f"`start_index+length={self.start_index} > end_index="
                             f"{self.end_index}` is disallowed, as no part of the sequence "
                             "would be left to be used as current step.")

    def __len__(self):
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index):
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            first = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(first, min(first + self.batch_size * self.stride,
                                        self.end_index + 1), self.stride)
        samples = np.array([self.data[row - self.length:row:self.sampling_rate]
                            for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            samples = samples[:, ::-1, ...]
        return samples, targets

    @property
    def element_spec(self):
        """The structure of a batch, as TensorSpecs (batch axis None)."""
        from tensorflux.framework.function import TensorSpec
        samples, targets = self[0]
        return (TensorSpec((None,) + samples.shape[1:], samples.dtype.name),
                TensorSpec((None,) + targets.shape[1:], targets.dtype.name))

    def get_config(self):
        def to_json(values, what):
            if isinstance(values, np.ndarray):
                values = values.tolist()
            try:
                return json.dumps(values)
            except TypeError as error:
                raise TypeError(f"{what} not JSON Serializable: {values}") from error
        return {"data": to_json(self.data, "Data"), "targets": to_json(self.targets, "Targets"),
                "length": self.length, "sampling_rate": self.sampling_rate,
                "stride": self.stride, "start_index": self.start_index,
                "end_index": self.end_index, "shuffle": self.shuffle, "reverse": self.reverse,
                "batch_size": self.batch_size}

    def to_json(self, **kwargs):
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def make_sampling_table(size, sampling_factor=1e-5):
    """word2vec's keep-probabilities by word rank (Zipf-law frequency estimate), for
    `skipgrams(sampling_table=...)`: entry i is min(1, sqrt(f_i / sampling_factor) /
    (f_i / sampling_factor)) with f_i ~ 1 / (i (ln i + gamma) + 1/2 - 1/(12 i))."""
    gamma = 0.577
    rank = np.arange(size)
    rank[0] = 1
    inverse_frequency = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    scaled = sampling_factor * inverse_frequency
    return np.minimum(1.0, scaled / np.sqrt(scaled))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1.0, shuffle=True,
              categorical=False, sampling_table=None, seed=None):
    """Skip-gram pairs of a sequence of word indices (index 0 is skipped as a non-word).

    Returns `(couples, labels)`: `[word, context]` pairs within `window_size` of each other
    (label 1) followed by `negative_samples` times as many `[word, random word]` pairs
    (label 0; random words drawn from 1..vocabulary_size-1), shuffled together when
    `shuffle`. Labels are `[0, 1]` / `[1, 0]` when `categorical`. `sampling_table[w]` is
    the probability of keeping word w as a pair's first element. Uses Python's `random`
    module (seeded with `seed` for the final shuffle), as Keras does.
    """
    couples, labels = [], []
    positive, negative = ([0, 1], [1, 0]) if categorical else (1, 0)
    for i, word in enumerate(sequence):
        if not word:
            continue
        if sampling_table is not None and sampling_table[word] < random.random():
            continue
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j == i or not sequence[j]:
                continue
            couples.append([word, sequence[j]])
            labels.append(positive)
    if negative_samples > 0:
        count = int(len(labels) * negative_samples)
        words = [pair[0] for pair in couples]
        random.shuffle(words)
        couples += [[words[k % len(words)], random.randint(1, vocabulary_size - 1)]
                    for k in range(count)]
        labels += [negative] * count
    if shuffle:
        if seed is None:
            seed = random.randint(0, 10_000_000)
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels
