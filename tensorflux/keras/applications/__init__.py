"""keras.applications: ResNet50/101/152, VGG16/19 and MobileNetV2, built layer for layer as
Keras builds them, so Keras' weight files load into them.

tensorflux never downloads: `weights="imagenet"` reads Keras' pre-trained file from the Keras
cache (`$KERAS_HOME/models/` or `~/.keras/models/`) and explains where to put it when it is
missing; `weights=None` gives a randomly initialized model.
"""
from tensorflux.keras.applications import (imagenet_utils, mobilenet_v2, resnet, resnet50,
                                           vgg16, vgg19)
from tensorflux.keras.applications.mobilenet_v2 import MobileNetV2
from tensorflux.keras.applications.resnet import ResNet50, ResNet101, ResNet152
from tensorflux.keras.applications.vgg16 import VGG16, VGG19

__all__ = ["ResNet50", "ResNet101", "ResNet152", "VGG16", "VGG19", "MobileNetV2",
           "imagenet_utils", "resnet", "resnet50", "vgg16", "vgg19", "mobilenet_v2"]
