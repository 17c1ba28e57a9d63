"""MobileNetV2 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks",
2018), built as keras.applications builds it, with Keras' layer names (Conv1, bn_Conv1,
expanded_conv_depthwise, block_1_expand, ..., Conv_1, out_relu, predictions) and weight order,
so Keras' weight files load.

An inverted residual block expands the channels (1x1 conv, x6), filters each channel (3x3
depthwise conv), then projects linearly (1x1 conv, no activation); when the shapes allow it
the block's input is added back. `alpha` scales every layer's width (rounded to multiples
of 8).
"""
import warnings

from tensorflux.keras import backend, layers
from tensorflux.keras.applications import imagenet_utils
from tensorflux.keras.models import Model

__all__ = ["MobileNetV2", "preprocess_input", "decode_predictions"]

WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
_IMAGENET_ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
_IMAGENET_SIZES = (96, 128, 160, 192, 224)
# (filters, stride, expansion) of blocks 0 .. 16
_BLOCKS = ((16, 1, 1),
           (24, 2, 6), (24, 1, 6),
           (32, 2, 6), (32, 1, 6), (32, 1, 6),
           (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6),
           (96, 1, 6), (96, 1, 6), (96, 1, 6),
           (160, 2, 6), (160, 1, 6), (160, 1, 6),
           (320, 1, 6))


def _make_divisible(value, divisor=8):
    """The multiple of `divisor` nearest to `value`, not below `divisor`, and not more than
    10% below `value`."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def _batch_norm(name):
    axis = 1 if backend.image_data_format() == "channels_first" else -1
    return layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name=name)


def _inverted_residual(inputs, filters, stride, expansion, alpha, block_id):
    axis = 1 if backend.image_data_format() == "channels_first" else -1
    in_channels = inputs.shape[axis]
    out_channels = _make_divisible(int(filters * alpha))
    x = inputs
    if block_id:
        prefix = f"block_{block_id}_"
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same",
                          use_bias=False, activation=None, name=f"{prefix}expand")(x)
        x = _batch_norm(f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3),
                                 name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = _batch_norm(f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(out_channels, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=f"{prefix}project")(x)
    x = _batch_norm(f"{prefix}project_BN")(x)
    if in_channels == out_channels and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def _default_size(input_shape, input_tensor):
    """Keras sizes the model (and picks the ImageNet file) from a square input of a trained
    size; anything else counts as 224."""
    if input_shape is not None:
        shape = tuple(input_shape)
        sides = shape[1:3] if backend.image_data_format() == "channels_first" else shape[:2]
    elif input_tensor is not None and hasattr(input_tensor, "shape"):
        shape = tuple(input_tensor.shape)
        sides = shape[2:4] if backend.image_data_format() == "channels_first" else shape[1:3]
    else:
        return 224
    if len(sides) == 2 and sides[0] == sides[1] and sides[0] in _IMAGENET_SIZES:
        return sides[0]
    return 224


def _check_input_tensor(input_tensor, input_shape):
    if input_tensor is None or input_shape is None:
        return
    if not hasattr(input_tensor, "_keras_history"):
        raise ValueError(f"input_tensor is not a Keras tensor; Received "
                         f"`input_tensor={input_tensor!r}`")
    column = 3 if backend.image_data_format() == "channels_first" else 2
    if tuple(input_tensor.shape)[column] != tuple(input_shape)[1]:
        raise ValueError("input_tensor.shape[2] must equal input_shape[1]; Received "
                         f"`input_tensor.shape={tuple(input_tensor.shape)}`, "
                         f"`input_shape={tuple(input_shape)}`")


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet",
                input_tensor=None, pooling=None, classes=1000,
                classifier_activation="softmax", name=None):
    """MobileNetV2 (3.5 M parameters at alpha=1.0 with the top).

    Args:
        input_shape: (height, width, 3), at least 32x32. Default: (224, 224, 3), or the
            size of `input_tensor`. ImageNet weights exist for square 96, 128, 160, 192 and
            224 inputs (other sizes load the 224 weights, with a warning).
        alpha: the width multiplier: < 1.0 thins every layer, > 1.0 widens it. ImageNet
            weights exist for 0.35, 0.5, 0.75, 1.0, 1.3 and 1.4.
        include_top: end with global average pooling and a `classes`-way Dense classifier.
        weights: None (random initialization), "imagenet" (Keras' pre-trained file, read
            from the Keras cache `~/.keras/models/`; tensorflux does not download it), or
            the path of a weights file.
        input_tensor: a KerasTensor to use as the image input.
        pooling: without the top: None, "avg" or "max" (global pooling).
        classes: the classifier's size (1000 with ImageNet weights).
        classifier_activation: the classifier's activation ("softmax"; None for logits).
        name: the model's name (default `mobilenetv2_{alpha:.2f}_{rows}`).

    Returns:
        A functional keras Model.

    Raises:
        ValueError: invalid weights/alpha/classes/input arguments.
        FileNotFoundError: weights="imagenet" and the weights file is not in the cache.

    Example:
        >>> model = MobileNetV2(input_shape=(96, 96, 3), alpha=0.35, weights=None)
        >>> model.name, model.count_params()
        ('mobilenetv2_0.35_96', 1691208)
    """
    imagenet_utils.check_weights_argument(weights, include_top, classes, "MobileNetV2")
    _check_input_tensor(input_tensor, input_shape)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=_default_size(input_shape, input_tensor), min_size=32,
        data_format=backend.image_data_format(), require_flatten=include_top,
        weights=weights)
    channels_first = backend.image_data_format() == "channels_first"
    rows, cols = (input_shape[1], input_shape[2]) if channels_first else \
        (input_shape[0], input_shape[1])
    if weights == "imagenet":
        if alpha not in _IMAGENET_ALPHAS:
            raise ValueError("If imagenet weights are being loaded, alpha must be one of "
                             "`0.35`, `0.50`, `0.75`, `1.0`, `1.3` or `1.4` only; Received "
                             f"`alpha={alpha}`")
        if rows != cols or rows not in _IMAGENET_SIZES:
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in "
                          "[96, 128, 160, 192, 224]. Weights for input shape (224, 224) will "
                          "be loaded as the default.", stacklevel=2)
    weights_file = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}" + \
        ("" if include_top else "_no_top") + ".h5"
    imagenet_utils.imagenet_file_or_raise(weights, weights_file, WEIGHTS_URL + weights_file,
                                          "MobileNetV2")
    image = imagenet_utils.model_inputs(input_tensor, input_shape)

    x = layers.Conv2D(_make_divisible(32 * alpha), kernel_size=3, strides=(2, 2),
                      padding="same", use_bias=False, name="Conv1")(image)
    x = _batch_norm("bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_residual(x, filters, stride, expansion, alpha, block_id)
    last_filters = _make_divisible(1280 * alpha) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = _batch_norm("Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    inputs = image if input_tensor is None else imagenet_utils.source_inputs(input_tensor)
    if name is None:
        name = f"mobilenetv2_{alpha:0.2f}_{rows}"
    model = Model(inputs, x, name=name)
    imagenet_utils.load_application_weights(model, weights, weights_file,
                                            WEIGHTS_URL + weights_file)
    return model


def preprocess_input(x, data_format=None):
    """MobileNetV2 preprocessing ("tf"): pixels scaled from [0, 255] to [-1, 1]. See
    imagenet_utils.preprocess_input."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """See imagenet_utils.decode_predictions."""
    return imagenet_utils.decode_predictions(preds, top=top)
