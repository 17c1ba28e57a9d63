"""What the ImageNet applications share: input preprocessing, decoding of predictions, input
shape checks, and finding pre-trained files in the Keras cache.

tensorflux never downloads. `weights="imagenet"` and `decode_predictions` look for the file
Keras would have downloaded, under Keras' exact name, in Keras' cache folder
(`$KERAS_HOME/models/`, else `~/.keras/models/`, else `/tmp/.keras/models/`), so a file
fetched once by real Keras (or copied there by hand) is used as is.
"""
import json
import os
import warnings

import numpy as np

import tensorflux as tf
from tensorflux.framework.tensor import Tensor
from tensorflux.keras import backend
from tensorflux.keras.engine.keras_tensor import KerasTensor
from tensorflux.keras.layers.base_layer import Layer

__all__ = ["preprocess_input", "decode_predictions", "obtain_input_shape", "correct_pad",
           "validate_activation", "cached_file", "load_application_weights",
           "source_inputs", "check_weights_argument"]

CLASS_INDEX_FILE = "imagenet_class_index.json"
CLASS_INDEX_URL = ("https://storage.googleapis.com/download.tensorflow.org/data/"
                   "imagenet_class_index.json")
_class_index = None

# ImageNet channel statistics, in the channel order each mode uses.
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)
_MODES = ("caffe", "tf", "torch")


# ---- the Keras cache -------------------------------------------------------------------------
def cache_dirs():
    """Where Keras keeps downloaded models, in the order Keras would use them."""
    dirs = []
    keras_home = os.environ.get("KERAS_HOME")
    if keras_home:
        dirs.append(os.path.join(os.path.expanduser(keras_home), "models"))
    dirs.append(os.path.join(os.path.expanduser("~"), ".keras", "models"))
    dirs.append(os.path.join("/tmp", ".keras", "models"))
    unique = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def cached_file(file_name, url, what):
    """The path of `file_name` in the Keras cache.

    Raises:
        FileNotFoundError: the file is in none of the cache folders; the message names the
            file, the URL Keras downloads it from and the folder to put it in.
    """
    searched = cache_dirs()
    for directory in searched:
        path = os.path.join(directory, file_name)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(
        f"{what} needs the file {file_name!r}, which Keras downloads from {url} . tensorflux "
        f"does not download files (it works offline). Download it on a machine with network "
        f"access and put it in {searched[0]}/ (searched: {', '.join(searched)}); or pass "
        "weights=None (random initialization) or weights=<path to a weights file>.")


def check_weights_argument(weights, include_top, classes, model_name):
    """Keras' checks of `weights` and `classes`, before anything is built."""
    if not (weights in ("imagenet", None) or (isinstance(weights, (str, os.PathLike)) and
                                               os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either `None` (random "
                         "initialization), 'imagenet' (pre-training on ImageNet), or the path "
                         f"to the weights file to be loaded. Received: weights={weights!r} "
                         f"(for {model_name}; no such file)")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using `weights='imagenet'` with `include_top=True`, `classes` "
                         f"should be 1000. Received classes={classes}")


def load_application_weights(model, weights, file_name, url):
    """Loads `weights` into a freshly built application model.

    `weights` is None (keep the random initialization), "imagenet" (Keras' file `file_name`
    from the Keras cache; the legacy tf.keras layout, matched layer by layer in order) or the
    path of any weights file `model.load_weights` reads.
    """
    if weights is None:
        return
    if weights == "imagenet":
        path = cached_file(file_name, url, f"{model.name} with weights='imagenet'")
        model.load_weights(path)
    else:
        model.load_weights(os.fspath(weights))


def imagenet_file_or_raise(weights, file_name, url, model_name):
    """Fails before building when the ImageNet file is missing (building is the slow part)."""
    if weights == "imagenet":
        cached_file(file_name, url, f"{model_name} with weights='imagenet'")


# ---- input shapes ----------------------------------------------------------------------------
def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None):
    """The image input shape (without batch) an application is built for.

    None gives the default: (default_size, default_size, 3) with the top, else
    (None, None, 3) (channels first: the channels lead). A given shape is checked: three
    dimensions, 3 channels with ImageNet weights, sides at least `min_size`; with ImageNet
    weights and the top it must be the default.

    Raises:
        ValueError: a shape the model cannot take, naming the received shape.
    """
    channels_first = data_format == "channels_first"
    if input_shape is not None:
        input_shape = tuple(input_shape)
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels not in (1, 3):
            warnings.warn(f"This model usually expects 1 or 3 input channels. However, it was "
                          f"passed an input_shape with {channels} input channels.",
                          stacklevel=3)
        default_shape = (channels, default_size, default_size) if channels_first else \
            (default_size, default_size, channels)
    else:
        default_shape = (3, default_size, default_size) if channels_first else \
            (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError(f"When setting `include_top=True` and loading `imagenet` weights, "
                             f"`input_shape` should be {default_shape}. Received: "
                             f"input_shape={input_shape}")
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers (height, width, "
                             f"channels). Received: input_shape={input_shape}")
        channels = input_shape[0] if channels_first else input_shape[-1]
        sides = input_shape[1:] if channels_first else input_shape[:2]
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received "
                             f"`input_shape={input_shape}`")
        if any(side is not None and side < min_size for side in sides):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                             f"input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static "
                         f"`input_shape`. Received: input_shape={input_shape}")
    return input_shape


def correct_pad(inputs, kernel_size):
    """((top, bottom), (left, right)) zero padding before a strided 'valid' convolution, so
    that it samples the same pixels as TensorFlow's 'same' padding would."""
    axis = 2 if backend.image_data_format() == "channels_first" else 1
    sizes = tuple(inputs.shape)[axis:axis + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if sizes[0] is None else (1 - sizes[0] % 2, 1 - sizes[1] % 2)
    half = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((half[0] - adjust[0], half[0]), (half[1] - adjust[1], half[1]))


def validate_activation(classifier_activation, weights):
    """Pre-trained weights only fit a softmax (or linear, i.e. logits) classifier.

    Raises:
        ValueError: another activation with weights.
    """
    if weights is None:
        return
    name = classifier_activation
    if callable(name):
        name = getattr(name, "__name__", name)
    if name not in (None, "softmax", "linear"):
        raise ValueError("Only `None` and `softmax` activations are allowed for the "
                         "`classifier_activation` argument when using pretrained weights, "
                         f"with `include_top=True`; Received: classifier_activation="
                         f"{classifier_activation!r}")


def model_inputs(input_tensor, input_shape):
    """The model's image input: a new keras.Input, or the given KerasTensor."""
    if input_tensor is None:
        return tf.keras.Input(shape=input_shape)
    if not isinstance(input_tensor, KerasTensor):
        raise ValueError("`input_tensor` must be a KerasTensor (the output of keras.Input() "
                         "or of a layer called on one). Received: input_tensor of type "
                         f"{type(input_tensor).__name__}")
    return input_tensor


def source_inputs(tensor):
    """The keras.Input tensors a KerasTensor is computed from (Keras' get_source_inputs)."""
    from tensorflux.keras.layers.core import InputLayer
    found, stack, seen = [], [tensor], set()
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        layer, node_index, _ = t._keras_history
        if isinstance(layer, InputLayer):
            found.append(t)
            continue
        stack.extend(reversed(layer._inbound_nodes[node_index].input_tensors))
    return found[0] if len(found) == 1 else found


# ---- preprocessing ---------------------------------------------------------------------------
def preprocess_input(x, data_format=None, mode="caffe"):
    """Preprocesses a batch of images (values in [0, 255]) for an ImageNet model.

    Args:
        x: a NumPy array, a tf Tensor or a KerasTensor; 3-D or 4-D with 3 channels. A float
            NumPy array is modified in place (as Keras does; pass `np.copy(x)` to keep it).
        data_format: "channels_last" / "channels_first"; None: keras.backend's setting.
        mode: "caffe": RGB -> BGR, then subtract the ImageNet mean of each channel;
            "tf": scale to [-1, 1]; "torch": scale to [0, 1], then normalize each channel with
            the ImageNet mean and standard deviation.

    Returns:
        The preprocessed images (float; a KerasTensor gives a KerasTensor).

    Raises:
        ValueError: an unknown mode or data_format.

    Example:
        >>> x = np.full((1, 2, 2, 3), 255.0, "float32")
        >>> print(preprocess_input(x, mode="tf")[0, 0, 0])
        [1. 1. 1.]
    """
    if mode not in _MODES:
        raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: "
                         f"mode={mode}")
    if data_format is None:
        data_format = backend.image_data_format()
    elif data_format not in ("channels_first", "channels_last"):
        raise ValueError("Expected data_format to be one of `channels_first` or "
                         f"`channels_last`. Received: data_format={data_format}")
    if isinstance(x, KerasTensor):
        return ImagePreprocessing(mode=mode, data_format=data_format)(x)
    if isinstance(x, Tensor) or hasattr(x, "_as_tensor"):
        return _preprocess_tensor(tf.convert_to_tensor(x), data_format, mode)
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    return _preprocess_array(x, data_format, mode)


def _channel_axis(ndim, data_format):
    if data_format == "channels_last":
        return ndim - 1
    return 0 if ndim == 3 else 1


def _statistics(ndim, data_format, mode):
    """(mean, std or None) shaped to broadcast over the channel axis."""
    shape = [1] * ndim
    shape[_channel_axis(ndim, data_format)] = 3
    if mode == "torch":
        return (np.reshape(_TORCH_MEAN, shape), np.reshape(_TORCH_STD, shape))
    return np.reshape(_CAFFE_MEAN_BGR, shape), None


def _preprocess_array(x, data_format, mode):
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(backend.floatx())
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
    else:
        x = np.flip(x, axis=_channel_axis(x.ndim, data_format))   # RGB -> BGR (a view)
    mean, std = _statistics(x.ndim, data_format, mode)
    x -= mean
    if std is not None:
        x /= std
    return x


def _preprocess_tensor(x, data_format, mode):
    if not x.dtype.is_floating:
        x = tf.cast(x, backend.floatx())
    if mode == "tf":
        return x / 127.5 - 1.0
    ndim = x.shape.rank
    if mode == "torch":
        x = x / 255.0
    else:
        x = tf.reverse(x, [_channel_axis(ndim, data_format)])
    mean, std = _statistics(ndim, data_format, mode)
    x = x - tf.constant(mean.astype(x.dtype.as_numpy_dtype))
    if std is not None:
        x = x / tf.constant(std.astype(x.dtype.as_numpy_dtype))
    return x


class ImagePreprocessing(Layer):
    """preprocess_input as a layer, so it can be applied to a KerasTensor in a functional
    model (Keras records the same computation as operations of the model)."""

    def __init__(self, mode="caffe", data_format=None, **kwargs):
        super().__init__(**kwargs)
        if mode not in _MODES:
            raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: "
                             f"mode={mode}")
        self.mode = mode
        self.data_format = data_format or backend.image_data_format()

    def call(self, inputs):
        return _preprocess_tensor(inputs, self.data_format, self.mode)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(mode=self.mode, data_format=self.data_format)
        return config


# ---- decoding predictions --------------------------------------------------------------------
def _load_class_index():
    global _class_index
    if _class_index is None:
        path = cached_file(CLASS_INDEX_FILE, CLASS_INDEX_URL, "decode_predictions")
        try:
            with open(path, encoding="utf8") as handle:
                index = json.load(handle)
        except ValueError as error:
            raise ValueError(f"{path} is not valid JSON ({error}); the file is truncated or "
                             f"corrupt. Replace it with a fresh copy of {CLASS_INDEX_URL} ."
                             ) from None
        if not isinstance(index, dict) or len(index) != 1000:
            raise ValueError(f"{path} should map the 1000 ImageNet class numbers (\"0\" .. "
                             "\"999\") to [wordnet id, name] pairs; it does not. Replace it "
                             f"with a fresh copy of {CLASS_INDEX_URL} .")
        _class_index = index
    return _class_index


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each prediction, as (wordnet id, class name, score).

    Reads `imagenet_class_index.json` from the Keras cache (`~/.keras/models/`); tensorflux
    does not download it.

    Args:
        preds: a (samples, 1000) array or tensor of class scores.
        top: how many classes to return per sample, best first.

    Returns:
        One list of (class_name, class_description, score) tuples per sample.

    Raises:
        ValueError: preds is not of shape (samples, 1000).
        FileNotFoundError: the class index file is not in the Keras cache.
    """
    if hasattr(preds, "numpy"):
        preds = preds.numpy()
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D "
                         "array of shape (samples, 1000)). Received array with shape: "
                         f"{preds.shape}")
    index = _load_class_index()
    results = []
    for scores in preds:
        best = np.argsort(scores, kind="stable")[-top:][::-1]
        rows = [tuple(index[str(int(i))]) + (scores[i],) for i in best]
        rows.sort(key=lambda row: row[2], reverse=True)
        results.append(rows)
    return results
