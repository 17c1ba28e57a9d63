"""Small standard data sets, loaded from local files in Keras' format.

Each module has a ``load_data()`` that returns ``(x_train, y_train), (x_test, y_test)``
as NumPy arrays, exactly like ``keras.datasets``. Files are looked up in Keras' cache
(``$KERAS_HOME/datasets`` or ``~/.keras/datasets``) and then in Debian's data directories;
mnist and fashion_mnist download nothing, the others then try Keras' URL with its checksum
(see ``_download``).
"""
from tensorflux.keras.datasets import fashion_mnist
from tensorflux.keras.datasets import mnist
from tensorflux.keras.datasets import boston_housing, cifar10, cifar100, imdb, reuters

__all__ = ["fashion_mnist", "mnist", "boston_housing", "cifar10", "cifar100", "imdb",
           "reuters"]
