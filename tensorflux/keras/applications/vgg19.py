"""keras.applications.vgg19: VGG19 and its preprocessing (built in vgg16.py)."""
from tensorflux.keras.applications.vgg16 import (VGG19, decode_predictions,  # noqa: F401
                                                 preprocess_input)

__all__ = ["VGG19", "preprocess_input", "decode_predictions"]
