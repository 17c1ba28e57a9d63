"""`make demo`: softmax regression on Fashion-MNIST, TensorFlow 1 style, on tensorflux.

Builds the graph with placeholders and Variables, trains it in a Session with
GradientDescentOptimizer over the whole training set for a few epochs, evaluates it on
the test set, saves it with Saver, restores it into a fresh Session and checks that the
restored model scores exactly the same.

    python -m tensorflux.demo [--epochs 3] [--batch-size 100] [--output demo_output]
"""
import argparse
import os
import sys
import time

import numpy as np

import tensorflux as tf
from tensorflux.keras.datasets import fashion_mnist

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
BAR_WIDTH = 30


def load_fashion_mnist():
    """Flattened float32 images in [0, 1] and one-hot float32 labels."""
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    one_hot = np.eye(10, dtype=np.float32)
    return ((x_train.reshape(-1, 784).astype(np.float32) / 255.0, one_hot[y_train]),
            (x_test.reshape(-1, 784).astype(np.float32) / 255.0, one_hot[y_test]),
            y_test)


def progress_line(epoch, epochs, done, total, loss, seconds):
    filled = BAR_WIDTH * done // total
    bar = "=" * filled + (">" if filled < BAR_WIDTH else "") + "." * (BAR_WIDTH - filled - 1)
    return "epoch %d/%d [%s] %5d/%d  loss %.4f  %5.1fs" % (
        epoch, epochs, bar, done, total, loss, seconds)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--output", default="demo_output", help="checkpoint folder")
    args = parser.parse_args(argv)
    interactive = sys.stdout.isatty()

    tf.compat.v1.disable_eager_execution()
    (x_train, y_train), (x_test, y_test), test_labels = load_fashion_mnist()
    print("Fashion-MNIST: %d training and %d test images of 28x28 pixels, 10 classes"
          % (len(x_train), len(x_test)))

    # The model: y = softmax(x W + b), trained on the cross-entropy.
    x = tf.compat.v1.placeholder(tf.float32, [None, 784], name="x")
    y_ = tf.compat.v1.placeholder(tf.float32, [None, 10], name="y_")
    W = tf.Variable(tf.zeros([784, 10]), name="W")
    b = tf.Variable(tf.zeros([10]), name="b")
    logits = tf.matmul(x, W) + b
    y = tf.nn.softmax(logits)
    cross_entropy = tf.reduce_mean(
        tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=logits))
    train_step = tf.compat.v1.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)
    predicted_class = tf.argmax(y, 1)
    correct = tf.equal(predicted_class, tf.argmax(y_, 1))
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    saver = tf.compat.v1.train.Saver()

    rng = np.random.default_rng(0)
    steps_per_epoch = len(x_train) // args.batch_size
    test_feed = {x: x_test, y_: y_test}
    started = time.time()
    with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        for epoch in range(1, args.epochs + 1):
            order = rng.permutation(len(x_train))
            epoch_start = time.time()
            loss_sum = 0.0
            for step in range(steps_per_epoch):
                batch = order[step * args.batch_size:(step + 1) * args.batch_size]
                _, loss = sess.run([train_step, cross_entropy],
                                   feed_dict={x: x_train[batch], y_: y_train[batch]})
                loss_sum += float(loss)
                if interactive and (step % 20 == 0 or step == steps_per_epoch - 1):
                    line = progress_line(epoch, args.epochs, step + 1, steps_per_epoch,
                                         loss_sum / (step + 1), time.time() - epoch_start)
                    print("\r" + line, end="", flush=True)
            line = progress_line(epoch, args.epochs, steps_per_epoch, steps_per_epoch,
                                 loss_sum / steps_per_epoch, time.time() - epoch_start)
            print(("\r" + line) if interactive else line, flush=True)
        train_seconds = time.time() - started

        test_accuracy, test_loss, predictions = sess.run(
            [accuracy, cross_entropy, predicted_class], feed_dict=test_feed)
        os.makedirs(args.output, exist_ok=True)
        checkpoint = saver.save(sess, os.path.join(args.output, "softmax_regression.ckpt"))

    with tf.compat.v1.Session() as fresh:
        saver.restore(fresh, checkpoint)
        restored_accuracy = fresh.run(accuracy, feed_dict=test_feed)

    per_class = [float(np.mean(predictions[test_labels == k] == k)) for k in range(10)]
    print()
    print("test accuracy   %.4f   (test loss %.4f)" % (test_accuracy, test_loss))
    print("training time   %.1f s for %d epochs of %d steps"
          % (train_seconds, args.epochs, steps_per_epoch))
    print("per class       " + ", ".join("%s %.2f" % (name, acc)
                                         for name, acc in zip(CLASS_NAMES, per_class)))
    print("checkpoint      %s (%s)" % (checkpoint, ", ".join(sorted(os.listdir(args.output)))))
    if restored_accuracy != test_accuracy:
        print("restored model  accuracy %.6f differs from %.6f: FAILED"
              % (restored_accuracy, test_accuracy))
        return 1
    print("restored model  accuracy %.4f in a fresh Session: identical" % restored_accuracy)
    return 0


if __name__ == "__main__":
    sys.exit(main())
