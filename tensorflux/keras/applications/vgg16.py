"""VGG16 and VGG19 (Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale
Image Recognition", 2014), built as keras.applications builds them: five blocks of 3x3 'same'
ReLU convolutions, each ending in 2x2 max pooling, then (with the top) Flatten and three
Dense layers. Layer names are Keras' (block1_conv1, ..., block5_pool, flatten, fc1, fc2,
predictions), so Keras' weight files load.
"""
from tensorflux.keras import backend, layers
from tensorflux.keras.applications import imagenet_utils
from tensorflux.keras.models import Model

__all__ = ["VGG16", "VGG19", "preprocess_input", "decode_predictions"]

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/{model}/{file}"
# convolutions per block
_DEPTHS = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
_FILTERS = (64, 128, 256, 512, 512)


def _vgg(model_key, include_top, weights, input_tensor, input_shape, pooling, classes,
         classifier_activation, name):
    imagenet_utils.check_weights_argument(weights, include_top, classes, name)
    weights_file = f"{model_key}_weights_tf_dim_ordering_tf_kernels" + \
        ("" if include_top else "_notop") + ".h5"
    url = _URL.format(model=model_key, file=weights_file)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    imagenet_utils.imagenet_file_or_raise(weights, weights_file, url, name)
    image = imagenet_utils.model_inputs(input_tensor, input_shape)

    x = image
    for block, (filters, depth) in enumerate(zip(_FILTERS, _DEPTHS[model_key]), start=1):
        for index in range(1, depth + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{index}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)

    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    inputs = image if input_tensor is None else imagenet_utils.source_inputs(input_tensor)
    model = Model(inputs, x, name=name)
    imagenet_utils.load_application_weights(model, weights, weights_file, url)
    return model


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg16"):
    """VGG16 (13 convolutions, 3 Dense layers; 138 M parameters with the top).

    Args:
        include_top: end with Flatten, fc1, fc2 (4096 units each) and the classifier.
        weights: None (random initialization), "imagenet" (Keras' pre-trained file, read
            from the Keras cache `~/.keras/models/`; tensorflux does not download it), or
            the path of a weights file.
        input_tensor: a KerasTensor to use as the image input.
        input_shape: (height, width, channels), at least 32x32; with the top and ImageNet
            weights it must be (224, 224, 3).
        pooling: without the top: None, "avg" or "max" (global pooling).
        classes: the classifier's size (1000 with ImageNet weights).
        classifier_activation: the classifier's activation ("softmax"; None for logits).
        name: the model's name.

    Returns:
        A functional keras Model.

    Raises:
        ValueError: invalid weights/classes/input_shape arguments.
        FileNotFoundError: weights="imagenet" and the weights file is not in the cache.

    Example:
        >>> VGG16(include_top=False, weights=None, input_shape=(32, 32, 3)).count_params()
        14714688
    """
    return _vgg("vgg16", include_top, weights, input_tensor, input_shape, pooling, classes,
                classifier_activation, name)


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg19"):
    """VGG19 (16 convolutions, 3 Dense layers). Arguments as VGG16."""
    return _vgg("vgg19", include_top, weights, input_tensor, input_shape, pooling, classes,
                classifier_activation, name)


def preprocess_input(x, data_format=None):
    """VGG preprocessing ("caffe"): RGB -> BGR, minus the ImageNet mean of each channel,
    without scaling. See imagenet_utils.preprocess_input."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """See imagenet_utils.decode_predictions."""
    return imagenet_utils.decode_predictions(preds, top=top)
