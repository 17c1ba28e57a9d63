"""keras.preprocessing (tf.keras): `image` (file <-> array helpers, ImageDataGenerator),
`sequence` (pad_sequences, TimeseriesGenerator, skipgrams), `text` (Tokenizer, one_hot,
hashing_trick), and the dataset builders image_dataset_from_directory,
text_dataset_from_directory and timeseries_dataset_from_array (the keras.utils functions)."""
from tensorflux.keras.preprocessing import image, sequence, text  # noqa: F401
from tensorflux.keras.preprocessing.dataset_utils import (  # noqa: F401
    text_dataset_from_directory, timeseries_dataset_from_array)
from tensorflux.keras.utils.image_dataset import image_dataset_from_directory  # noqa: F401


def __getattr__(name):
    raise AttributeError(f"keras.preprocessing.{name} is not implemented by tensorflux.")
