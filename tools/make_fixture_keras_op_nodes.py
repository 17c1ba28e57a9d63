"""Writes tests/fixtures/keras_op_nodes.{npz,*.keras}: Keras 3 functional models whose saved
config holds keras.ops nodes (an Embedding's mask `NotEqual`, operators and keras.ops calls
on KerasTensors), with their predictions. Run with the reference TensorFlow environment:

    /tmp/reftf/bin/python tools/make_fixture_keras_op_nodes.py
"""
import os

import keras
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")


def masked_lstm():
    keras.utils.set_random_seed(1)
    inputs = keras.Input((5,), dtype="int32")
    x = keras.layers.Embedding(10, 4, mask_zero=True)(inputs)
    x = keras.layers.LSTM(3)(x)
    return keras.Model(inputs, keras.layers.Dense(2)(x)), \
        np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 0]], "int32")


def operators():
    keras.utils.set_random_seed(2)
    inputs = keras.Input((4,))
    y = keras.ops.sum(inputs * 2.0 - 1.0, axis=-1, keepdims=True)
    z = keras.ops.concatenate([y, inputs[:, 1:3]], axis=-1)
    return keras.Model(inputs, keras.layers.Dense(1)(z)), \
        np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)


def main():
    arrays = {}
    for name, make in (("masked_lstm", masked_lstm), ("operators", operators)):
        model, x = make()
        model.save(os.path.join(OUT, f"keras_op_nodes_{name}.keras"))
        arrays[f"{name}_x"] = x
        arrays[f"{name}_y"] = model.predict(x, verbose=0)
    np.savez(os.path.join(OUT, "keras_op_nodes.npz"), **arrays)


if __name__ == "__main__":
    main()
