"""`make demo`: the lecture decks' Keras workflow, end to end, on the real Fashion-MNIST.

prepare data -> create the model -> compile -> fit (progress bar, ModelCheckpoint) ->
save weights -> reload them into a fresh model -> evaluate -> wrap it in a probability model
-> predict one image -> classification report (precision, recall, specificity, F1 per class),
confusion-matrix and training-curve PNGs, TensorBoard logs.

    python -m tensorflux.demo [--epochs 5] [--output demo_output]
"""
import argparse
import os
import time

import numpy as np

import tensorflux as tf
from tensorflux import evaluation, keras
from tensorflux.keras.datasets import fashion_mnist

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def create_model():
    """The decks' MLP: Flatten, Dense(128, relu), Dropout(0.2), Dense(10) logits."""
    model = keras.Sequential([
        keras.layers.Flatten(input_shape=(28, 28)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10),
    ], name="fashion_mlp")
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--output", default="demo_output", help="folder for the files written")
    args = parser.parse_args(argv)
    os.makedirs(args.output, exist_ok=True)

    # 1. data
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    print(f"Fashion-MNIST from {fashion_mnist.find_data_dir()}: {len(x_train)} training and "
          f"{len(x_test)} test images of 28x28 pixels, 10 classes")
    x_train, x_test = x_train / 255.0, x_test / 255.0

    # 2-4. model, compile, fit with a checkpoint of the best epoch
    tf.random.set_seed(0)
    model = create_model()
    model.summary()
    best = os.path.join(args.output, "best.weights.h5")
    checkpoint = keras.callbacks.ModelCheckpoint(best, monitor="val_accuracy",
                                                 save_best_only=True, save_weights_only=True)
    logs = os.path.join(args.output, "logs")
    tensorboard = keras.callbacks.TensorBoard(log_dir=logs, histogram_freq=1)
    start = time.time()
    history = model.fit(x_train, y_train, epochs=args.epochs, validation_split=0.1,
                        callbacks=[checkpoint, tensorboard])
    seconds = time.time() - start

    # 5. save the weights, 6. reload them into a fresh model
    weights_path = os.path.join(args.output, "fashion_mlp.weights.h5")
    model.save_weights(weights_path)
    fresh = create_model()
    fresh.load_weights(weights_path)

    # 7. evaluate both: the reloaded model must score exactly the same
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    fresh_loss, fresh_accuracy = fresh.evaluate(x_test, y_test, verbose=2)
    if fresh_accuracy != accuracy:
        raise SystemExit(f"reloaded model differs: {fresh_accuracy} != {accuracy}")

    # 8. probability model, 9. predict one image
    probability_model = keras.Sequential([fresh, keras.layers.Softmax()])
    probabilities = probability_model.predict(np.expand_dims(x_test[0], 0), verbose=0)[0]
    predicted_class = int(np.argmax(probabilities))

    # 10. evaluation report and pictures
    predictions = np.argmax(fresh.predict(x_test, verbose=0), axis=1)
    report = evaluation.classification_report(y_test, predictions, target_names=CLASS_NAMES,
                                              digits=3)
    pictures = []
    try:
        matrix = evaluation.confusion_matrix(y_test, predictions)
        pictures.append(evaluation.plot_confusion_matrix(
            matrix, CLASS_NAMES, os.path.join(args.output, "confusion_matrix.png")))
        pictures.append(evaluation.plot_history(history,
                                                os.path.join(args.output, "history.png")))
    except ImportError as error:  # matplotlib is an optional extra
        print(f"(no plots: {error})")

    print()
    print(f"training        {args.epochs} epochs in {seconds:.1f} s "
          f"({seconds / args.epochs:.1f} s/epoch); final loss {history.history['loss'][-1]:.4f}")
    print(f"test accuracy   {accuracy:.4f} (loss {loss:.4f}); reloaded model: "
          f"{fresh_accuracy:.4f}, identical")
    print(f"weights         {weights_path} (best epoch by val_accuracy: {best})")
    print(f"first test image: predicted {CLASS_NAMES[predicted_class]!r} "
          f"(p={probabilities[predicted_class]:.3f}), true {CLASS_NAMES[int(y_test[0])]!r}")
    print("probabilities   " + ", ".join(f"{name} {p:.3f}" for name, p in
                                          zip(CLASS_NAMES, probabilities)))
    print()
    print(report)
    for picture in pictures:
        print(f"picture         {picture}")
    print(f"TensorBoard     tensorboard --logdir {logs}")


if __name__ == "__main__":
    main()
