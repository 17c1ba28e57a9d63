"""tensorflux.keras: the Keras API of tensorflux."""
from tensorflux.keras import datasets
