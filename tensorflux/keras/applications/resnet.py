"""ResNet50, ResNet101 and ResNet152 (He et al., "Deep Residual Learning for Image
Recognition", 2015), layer for layer as keras.applications builds them: the same layer names,
classes and weight order, so Keras' weight files (ImageNet or saved by `save_weights`) load.

Each stage is a stack of bottleneck blocks: 1x1 conv (reduce), 3x3 conv, 1x1 conv (expand to
4 x filters), each followed by batch normalization, added to a shortcut (a strided 1x1
convolution in the first block of a stage, else the block's input), then ReLU.
"""
from tensorflux.keras import backend, layers
from tensorflux.keras.applications import imagenet_utils
from tensorflux.keras.models import Model

__all__ = ["ResNet50", "ResNet101", "ResNet152", "preprocess_input", "decode_predictions"]

WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
# Keras' batch-norm epsilon for ResNets (the value of the original Caffe models).
_EPSILON = 1.001e-5


def _weights_file(weights_name, include_top):
    suffix = "" if include_top else "_notop"
    return f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"


def _bn_axis():
    return 3 if backend.image_data_format() == "channels_last" else 1


def _bottleneck(x, filters, stride, projection, name):
    """One residual block of a ResNet v1: its layers are named `{name}_0_conv` (shortcut),
    `{name}_1_conv` ... `{name}_3_bn`, `{name}_add`, `{name}_out`."""
    axis = _bn_axis()
    if projection:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=axis, epsilon=_EPSILON,
                                             name=f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    plan = ((filters, 1, stride, "valid"), (filters, 3, 1, "same"), (4 * filters, 1, 1, "valid"))
    for index, (size, kernel, strides, padding) in enumerate(plan, start=1):
        x = layers.Conv2D(size, kernel, strides=strides, padding=padding,
                          name=f"{name}_{index}_conv")(x)
        x = layers.BatchNormalization(axis=axis, epsilon=_EPSILON, name=f"{name}_{index}_bn")(x)
        if index < 3:
            x = layers.Activation("relu", name=f"{name}_{index}_relu")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def _stage(x, filters, blocks, stride, name):
    x = _bottleneck(x, filters, stride, True, f"{name}_block1")
    for index in range(2, blocks + 1):
        x = _bottleneck(x, filters, 1, False, f"{name}_block{index}")
    return x


def _resnet(blocks_per_stage, weights_name, include_top, weights, input_tensor, input_shape,
            pooling, classes, classifier_activation, name):
    imagenet_utils.check_weights_argument(weights, include_top, classes, name)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    weights_file = _weights_file(weights_name, include_top)
    imagenet_utils.imagenet_file_or_raise(weights, weights_file, WEIGHTS_URL + weights_file,
                                          name)
    image = imagenet_utils.model_inputs(input_tensor, input_shape)

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(image)
    x = layers.Conv2D(64, 7, strides=2, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=_bn_axis(), epsilon=_EPSILON, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, (filters, blocks) in enumerate(zip((64, 128, 256, 512), blocks_per_stage)):
        x = _stage(x, filters, blocks, 1 if stage == 0 else 2, f"conv{stage + 2}")

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)

    inputs = image if input_tensor is None else imagenet_utils.source_inputs(input_tensor)
    model = Model(inputs, x, name=name)
    imagenet_utils.load_application_weights(model, weights, weights_file,
                                            WEIGHTS_URL + weights_file)
    return model


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="resnet50"):
    """ResNet50 (stages of 3, 4, 6 and 3 bottleneck blocks; 25.6 M parameters).

    Args:
        include_top: end with global average pooling and a `classes`-way Dense classifier.
        weights: None (random initialization), "imagenet" (Keras' pre-trained file, read
            from the Keras cache `~/.keras/models/`; tensorflux does not download it), or
            the path of a weights file.
        input_tensor: a KerasTensor to use as the image input.
        input_shape: (height, width, 3), at least 32x32; with the top and ImageNet
            weights it must be (224, 224, 3). Default: (224, 224, 3) with the top, else
            (None, None, 3).
        pooling: without the top: None (4-D output of the last block), "avg" or "max"
            (global pooling, 2-D output).
        classes: the classifier's size (1000 with ImageNet weights).
        classifier_activation: the classifier's activation ("softmax"; None for logits).
        name: the model's name.

    Returns:
        A functional keras Model.

    Raises:
        ValueError: invalid weights/classes/input_shape arguments.
        FileNotFoundError: weights="imagenet" and the weights file is not in the cache.

    Example:
        >>> model = ResNet50(include_top=False, weights=None, input_shape=(32, 32, 3))
        >>> model.output_shape
        (None, 1, 1, 2048)
    """
    return _resnet((3, 4, 6, 3), "resnet50", include_top, weights, input_tensor, input_shape,
                   pooling, classes, classifier_activation, name)


def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name="resnet101"):
    """ResNet101 (stages of 3, 4, 23 and 3 bottleneck blocks). Arguments as ResNet50."""
    return _resnet((3, 4, 23, 3), "resnet101", include_top, weights, input_tensor, input_shape,
                   pooling, classes, classifier_activation, name)


def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name="resnet152"):
    """ResNet152 (stages of 3, 8, 36 and 3 bottleneck blocks). Arguments as ResNet50."""
    return _resnet((3, 8, 36, 3), "resnet152", include_top, weights, input_tensor, input_shape,
                   pooling, classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    """ResNet preprocessing ("caffe"): RGB -> BGR, minus the ImageNet mean of each channel,
    without scaling. See imagenet_utils.preprocess_input."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """See imagenet_utils.decode_predictions."""
    return imagenet_utils.decode_predictions(preds, top=top)
