"""Trained models reach the accuracy real TensorFlow reaches (full Fashion-MNIST; slow).

Reference figures are real TensorFlow 2.21 / Keras 3.15 on the same data (issue texts and
../shared/seed_programs/README.md).
"""
import os

import numpy as np
import pytest

from tensorflux import keras
from tensorflux.keras import layers

pytestmark = pytest.mark.slow

DATA = "/usr/share/datasets/fashion-mnist"


@pytest.fixture(scope="module")
def fashion():
    if not os.path.isdir(DATA):
        pytest.skip(f"Fashion-MNIST not installed in {DATA} (apt-get install "
                    "dataset-fashion-mnist)")
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    return (x_train / 255.0, y_train), (x_test / 255.0, y_test)


def test_seed_mlp_reaches_tensorflow_accuracy(fashion):
    """Issue 3: Flatten, Dense 128 relu, Dropout 0.2, Dense 10; Adam; batch 32; 5 epochs.

    One run's test accuracy moves by about half a point with the seed, so the test averages
    three seeded runs (keras.utils.set_random_seed seeds the initial weights, dropout and the
    shuffling). Measured on 2026-11-22 with seeds 1-6 and this very script: real TensorFlow
    2.21 reached 86.8-87.5% (mean 87.1%), tensorflux 86.3-87.4% (mean 87.1%)."""
    (x_train, y_train), (x_test, y_test) = fashion
    accuracies = []
    for seed in (1, 2, 3):
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([layers.Flatten(input_shape=(28, 28)),
                                  layers.Dense(128, activation="relu"), layers.Dropout(0.2),
                                  layers.Dense(10)])
        model.compile(optimizer="adam",
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=5, batch_size=32, verbose=0)
        accuracies.append(model.evaluate(x_test, y_test, verbose=0)[1])
    assert np.mean(accuracies) >= 0.865, accuracies


def _seed_cnn(num_classes=10):
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2, 2, padding="same"),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2, 2, padding="same"),
        layers.Flatten(),
        layers.Dense(32, activation="relu"),
        layers.Dense(16, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ])


def test_seed_cnn_reaches_tensorflow_accuracy(fashion):
    """Issue 4: the seed CNN, Adam, batch 32, 2 epochs: at least 88% (real TF 2.21: 88.6%)."""
    (x_train, y_train), (x_test, y_test) = fashion
    keras.utils.set_random_seed(2)
    model = _seed_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train[..., None], y_train, epochs=2, batch_size=32, verbose=0)
    _, accuracy = model.evaluate(x_test[..., None], y_test, verbose=0)
    assert accuracy >= 0.88, accuracy


def test_transfer_learning_beats_random_frozen_base(fashion):
    """Issue 4: a CNN trained on classes 0-4, frozen, with a new head trained on classes 5-9,
    beats the same head on a randomly initialised frozen base."""
    (x_train, y_train), (x_test, y_test) = fashion
    first, second = y_train < 5, y_train >= 5
    first_test, second_test = y_test < 5, y_test >= 5
    x_a, y_a = x_train[first][:12000, ..., None], y_train[first][:12000]
    x_b, y_b = x_train[second][:3000, ..., None], y_train[second][:3000] - 5
    x_bt, y_bt = x_test[second_test][..., None], y_test[second_test] - 5
    del first_test

    def base():
        return keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Flatten(), layers.Dense(32, activation="relu")])

    def head_accuracy(feature_extractor):
        feature_extractor.trainable = False
        model = keras.Sequential([feature_extractor, layers.Dense(5)])
        model.compile(optimizer=keras.optimizers.Adam(1e-2),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        frozen = [w.numpy() for w in feature_extractor.weights]
        model.fit(x_b, y_b, epochs=5, batch_size=32, verbose=0)
        for before, after in zip(frozen, feature_extractor.weights):
            np.testing.assert_array_equal(before, after.numpy())  # the base stayed frozen
        return model.evaluate(x_bt, y_bt, verbose=0)[1]

    keras.utils.set_random_seed(3)
    pretrained = base()
    source = keras.Sequential([pretrained, layers.Dense(5)])
    source.compile(optimizer="adam",
                   loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    source.fit(x_a, y_a, epochs=1, batch_size=32, verbose=0)
    transferred = head_accuracy(pretrained)
    random_base = head_accuracy(base())
    print(f"transferred base {transferred:.3f}, random frozen base {random_base:.3f}")
    assert transferred > random_base + 0.02, (transferred, random_base)
