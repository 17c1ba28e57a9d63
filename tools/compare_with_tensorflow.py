"""Seed program 002c's network trained from identical initial weights and batches in real
TensorFlow (TF1 graph mode) and in tensorflux: the loss trajectories must agree.

    /tmp/reftf/bin/python tools/compare_with_tensorflow.py tf 1
    python3 tools/compare_with_tensorflow.py flux 1

Both print: <framework> <mean loss of the first 100 steps> <mean loss of the last 100 steps>.
Measured 2026-11-22, seeds 1, 2, 3: identical to all printed digits.
"""
import sys, numpy as np
which = sys.argv[1]
if which == "tf":
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
else:
    sys.path.insert(0, __import__("os").path.join(__import__("os").path.dirname(__file__), ".."))
    import tensorflux as tf
    tf = tf.compat.v1
    tf.disable_eager_execution()
import gzip
def load(path, offset):
    with gzip.open(path) as f: return np.frombuffer(f.read(), np.uint8, offset=offset)
d = "/usr/share/datasets/fashion-mnist/"
x_train = load(d+"train-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255.0
y_train = load(d+"train-labels-idx1-ubyte.gz", 8)
y1h = np.eye(10, dtype=np.float32)[y_train]
rng0 = np.random.RandomState(int(sys.argv[2]))
def tn(shape):
    v = rng0.standard_normal(shape)
    while (np.abs(v) > 2).any():
        bad = np.abs(v) > 2; v[bad] = rng0.standard_normal(bad.sum())
    return v.astype(np.float32)
x = tf.placeholder(tf.float32, [None, 784]); y = tf.placeholder(tf.float32, [None, 10])
prev, size = x, 784
for out in [64, 32, 16, 10]:
    w = tf.Variable(tn([size, out])); b = tf.Variable(np.zeros(out, np.float32))
    z = tf.nn.bias_add(tf.matmul(prev, w), b)
    prev = tf.nn.softmax(z) if out == 10 else tf.nn.sigmoid(z)
    size = out
loss = tf.reduce_mean(-tf.reduce_sum(y * tf.log(prev), axis=-1))
step = tf.train.GradientDescentOptimizer(1e-3).minimize(loss)
rng = np.random.RandomState(0); losses = []
with tf.Session() as s:
    s.run(tf.global_variables_initializer())
    for i in range(1000):
        idx = rng.randint(0, 60000, 128)
        l, _ = s.run([loss, step], {x: x_train[idx], y: y1h[idx]})
        losses.append(l)
print(which, np.mean(losses[:100]), np.mean(losses[-100:]))
