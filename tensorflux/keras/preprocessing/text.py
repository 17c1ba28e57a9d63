"""keras.preprocessing.text: Tokenizer, text_to_word_sequence, one_hot, hashing_trick and
tokenizer_from_json (tf.keras' deprecated Keras-1 text utilities; `keras.layers.TextVectorization`
is the modern replacement).

Note on hashing: `one_hot` (and `hashing_trick` without a `hash_function`) use Python's
built-in `hash`, exactly as Keras does. String hashes are salted per interpreter process unless
the environment variable PYTHONHASHSEED is set, so their indices differ from run to run; pass
`hash_function="md5"` to `hashing_trick` for stable indices.
"""
import collections
import hashlib
import json
import warnings

import numpy as np

__all__ = ["text_to_word_sequence", "one_hot", "hashing_trick", "Tokenizer",
           "tokenizer_from_json"]

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(input_text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Splits a text into words: optionally lower-cases it, replaces every character of
    `filters` by `split`, splits on `split` and drops empty strings.

    >>> text_to_word_sequence("Hello, World!  Hi")
    ['hello', 'world', 'hi']
    """
    if lower:
        input_text = input_text.lower()
    if filters:
        input_text = input_text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in input_text.split(split) if word]


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                  analyzer=None):
    """Hashes the words of `text` to indices in [1, n - 1]: `hash(w) % (n - 1) + 1`.

    Args:
        text: the input text.
        n: the hashing space size (index 0 is never produced).
        hash_function: None for Python's `hash` (salted per process, see the module doc),
            "md5" for a stable hash, or any callable str -> int.
        filters, lower, split: as `text_to_word_sequence`. analyzer: a callable text ->
            list of words used instead of them.
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(word):
            return int(hashlib.md5(word.encode()).hexdigest(), 16)
    if analyzer is None:
        words = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    else:
        words = analyzer(text)
    return [hash_function(word) % (n - 1) + 1 for word in words]


def one_hot(input_text, n, filters=DEFAULT_FILTERS, lower=True, split=" ", analyzer=None):
    """Word indices of a text by hashing (despite the name, not a one-hot encoding):
    `hashing_trick(input_text, n, hash_function=hash, ...)`. Python's `hash` is salted per
    process, so the indices are only reproducible with a fixed PYTHONHASHSEED."""
    return hashing_trick(input_text, n, hash_function=hash, filters=filters, lower=lower,
                         split=split, analyzer=analyzer)


class Tokenizer:
    """Turns texts into sequences of word indices, or into bag-of-words matrices.

    Words are indexed by decreasing frequency over the texts seen by `fit_on_texts` (ties
    in order of first appearance), starting at 1; index 0 is reserved (padding). With an
    `oov_token`, it takes index 1 and replaces unknown words.

    Args:
        num_words: keep only the words of index < num_words (the num_words - 1 most frequent)
            in `texts_to_sequences` and the matrices; None keeps all.
        filters: characters removed from texts. lower: lower-case texts. split: the word
            separator.
        char_level: every character is a token.
        oov_token: the out-of-vocabulary token, or None to drop unknown words.
        analyzer: a callable text -> list of tokens replacing filters/lower/split.

    Attributes: `word_counts` (OrderedDict word -> count), `word_docs` (word -> number of
    texts containing it), `index_docs` (index -> number of texts), `word_index`,
    `index_word`, `document_count`.
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, analyzer=None, **kwargs):
        if "nb_words" in kwargs:
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed "
                          "`num_words`.")
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
        self.word_counts = collections.OrderedDict()
        self.word_docs = collections.defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = collections.defaultdict(int)
        self.word_index = {}
        self.index_word = {}
        self.analyzer = analyzer

    def _tokens(self, text):
        """A text (or an already tokenized list of strings) -> its tokens."""
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return text
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, filters=self.filters, lower=self.lower,
                                     split=self.split)

    def fit_on_texts(self, texts):
        """Updates the vocabulary from a list of texts (strings, or lists of strings)."""
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text)
            for token in tokens:
                self.word_counts[token] = self.word_counts.get(token, 0) + 1
            for token in set(tokens):
                self.word_docs[token] += 1
        # a stable sort: equally frequent words keep their order of first appearance
        by_count = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = ([] if self.oov_token is None else [self.oov_token]) + \
            [word for word, _ in by_count]
        self.word_index = {word: i for i, word in enumerate(vocabulary, start=1)}
        self.index_word = {i: word for word, i in self.word_index.items()}
        for word, count in list(self.word_docs.items()):
            self.index_docs[self.word_index[word]] = count

    def fit_on_sequences(self, sequences):
        """Updates `document_count` and `index_docs` (for tf-idf) from index sequences."""
        self.document_count += len(sequences)
        for sequence in sequences:
            for index in set(sequence):
                self.index_docs[index] += 1

    def texts_to_sequences(self, texts):
        """Each text -> its list of word indices (unknown or index >= num_words words become
        the oov index, or are dropped without an oov_token)."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        oov_index = self.word_index.get(self.oov_token)
        for text in texts:
            sequence = []
            for token in self._tokens(text):
                index = self.word_index.get(token)
                if index is not None and not (self.num_words and index >= self.num_words):
                    sequence.append(index)
                elif oov_index is not None:
                    sequence.append(oov_index)
            yield sequence

    def sequences_to_texts(self, sequences):
        """Each index sequence -> its words joined by spaces (the inverse mapping)."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        oov_index = self.word_index.get(self.oov_token)
        for sequence in sequences:
            words = []
            for index in sequence:
                word = self.index_word.get(index)
                if word is not None and not (self.num_words and index >= self.num_words):
                    words.append(word)
                elif oov_index is not None:
                    words.append(self.index_word[oov_index])
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode="binary"):
        """A (len(texts), num_words) float64 matrix; see `sequences_to_matrix`."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """Bag-of-words rows, one per sequence, of width `num_words` (or vocabulary size + 1).

        mode: "binary" (1 where the index occurs), "count" (occurrences), "freq"
        (occurrences / sequence length) or "tfidf" ((1 + ln count) *
        ln(1 + document_count / (1 + documents containing the index))).
        """
        if mode not in ("binary", "count", "tfidf", "freq"):
            raise ValueError("Unknown vectorization mode:", mode)
        if self.num_words:
            width = self.num_words
        elif self.word_index:
            width = len(self.word_index) + 1
        else:
            raise ValueError("Specify a dimension (`num_words` argument), or fit on some text "
                             "data first.")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        matrix = np.zeros((len(sequences), width))
        for row, sequence in enumerate(sequences):
            if not sequence:
                continue
            counts = collections.Counter(j for j in sequence if j < width)
            for j, count in counts.items():
                if mode == "binary":
                    matrix[row, j] = 1
                elif mode == "count":
                    matrix[row, j] = count
                elif mode == "freq":
                    matrix[row, j] = count / len(sequence)
                else:
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    matrix[row, j] = (1 + np.log(count)) * idf
        return matrix

    def get_config(self):
        """The tokenizer's settings and vocabulary (the dictionaries as JSON strings)."""
        return {"num_words": self.num_words, "filters": self.filters, "lower": self.lower,
                "split": self.split, "char_level": self.char_level,
                "oov_token": self.oov_token, "document_count": self.document_count,
                "word_counts": json.dumps(self.word_counts),
                "word_docs": json.dumps(self.word_docs),
                "index_docs": json.dumps(self.index_docs),
                "index_word": json.dumps(self.index_word),
                "word_index": json.dumps(self.word_index)}

    def to_json(self, **kwargs):
        """A JSON string for `tokenizer_from_json` (Keras' format; `kwargs` go to
        `json.dumps`)."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def tokenizer_from_json(json_string):
    """A Tokenizer from `Tokenizer.to_json()` output (also reads files written by Keras)."""
    config = dict(json.loads(json_string).get("config"))
    word_counts = json.loads(config.pop("word_counts"))
    word_docs = json.loads(config.pop("word_docs"))
    index_docs = {int(k): v for k, v in json.loads(config.pop("index_docs")).items()}
    index_word = {int(k): v for k, v in json.loads(config.pop("index_word")).items()}
    word_index = json.loads(config.pop("word_index"))
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = collections.OrderedDict(word_counts)
    tokenizer.word_docs = collections.defaultdict(int, word_docs)
    tokenizer.index_docs = collections.defaultdict(int, index_docs)
    tokenizer.word_index = word_index
    tokenizer.index_word = index_word
    return tokenizer
