"""Calling built layers and models eagerly on a tensor (Layer.__call__'s fast path, Dense's and
Flatten's eager paths): the semantics every path keeps -- masks, the training flag, autocast,
input-spec errors naming the layer, losses, and the same numbers as the op path."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras
from tensorflux.keras import layers


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


def _mlp():
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(128, activation="relu"), layers.Dropout(0.2),
                              layers.Dense(10)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def _mlp_reference(model, x):
    _, d1, _, d2 = model.layers
    h = np.maximum(x.reshape(len(x), -1) @ d1.kernel.numpy() + d1.bias.numpy(), 0)
    return h @ d2.kernel.numpy() + d2.bias.numpy()


def test_model_call_matches_numpy_and_the_taped_op_path():
    model = _mlp()
    x = np.random.RandomState(0).rand(3, 28, 28).astype(np.float32)
    xt = tf.constant(x)
    eager = model(xt)
    assert eager.dtype == tf.float32 and eager.shape.as_list() == [3, 10]
    np.testing.assert_allclose(eager.numpy(), _mlp_reference(model, x), rtol=1e-5, atol=1e-6)
    with tf.GradientTape() as tape:          # a tape: every op runs through apply_op
        taped = model(xt)
        loss = tf.reduce_sum(taped)
    np.testing.assert_array_equal(taped.numpy(), eager.numpy())
    grads = tape.gradient(loss, model.trainable_variables)
    assert all(g is not None for g in grads)
    np.testing.assert_allclose(grads[3].numpy(), np.full(10, 3.0))   # d sum / d bias
    traced = tf.function(lambda t: model(t))(xt)
    np.testing.assert_allclose(traced.numpy(), eager.numpy(), rtol=1e-6, atol=1e-6)


def test_repeated_calls_are_recomputed_not_reused():
    model = _mlp()
    a = np.random.RandomState(1).rand(1, 28, 28).astype(np.float32)
    b = np.random.RandomState(2).rand(1, 28, 28).astype(np.float32)
    ya, yb = model(tf.constant(a)).numpy(), model(tf.constant(b)).numpy()
    assert not np.array_equal(ya, yb)
    dense = model.layers[-1]
    dense.bias.assign(dense.bias.numpy() + 1.0)      # a weight update shows at once
    np.testing.assert_allclose(model(tf.constant(a)).numpy(), ya + 1.0, rtol=1e-6)


def test_float64_input_is_cast_to_the_layer_dtype():
    model = _mlp()
    x = np.random.RandomState(0).rand(2, 28, 28)
    y = model(tf.constant(x))
    assert y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), model(tf.constant(x.astype(np.float32))).numpy())
    dense = layers.Dense(2, dtype="float64")
    assert dense(tf.ones((1, 3))).dtype == tf.float64
    assert dense(tf.ones((1, 3))).dtype == tf.float64          # built: the fast path


def test_training_flag_reaches_dropout_through_the_model():
    tf.random.set_seed(0)
    model = keras.Sequential([keras.Input((400,)), layers.Dropout(0.5)])
    x = tf.ones((2, 400))
    np.testing.assert_array_equal(model(x).numpy(), 1.0)
    np.testing.assert_array_equal(model(x, training=False).numpy(), 1.0)
    y = model(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and 0.3 < (y == 0).mean() < 0.7
    np.testing.assert_array_equal(model(x).numpy(), 1.0)      # the flag does not stick


class _Recorder(layers.Layer):
    """Records the training flag its call and a nested Dropout's call context see."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []
        self.inner = layers.Dropout(0.999)

    def call(self, inputs):
        from tensorflux.keras.engine import call_context
        self.seen.append(call_context.current_training())
        return self.inner(inputs)


class _Explicit(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, inputs, training=None):
        self.seen.append(training)
        return inputs


def test_training_flag_propagates_through_the_call_context():
    recorder, explicit = _Recorder(), _Explicit()
    model = keras.Sequential([keras.Input((1000,)), recorder, explicit])
    x = tf.ones((1, 1000))
    recorder.seen.clear(), explicit.seen.clear()
    model(x)
    assert recorder.seen == [None] and explicit.seen == [None]
    out = model(x, training=True).numpy()
    assert recorder.seen[-1] is True and explicit.seen[-1] is True
    assert (out == 0).mean() > 0.9                # the nested Dropout saw training=True
    explicit(x, training=False)
    assert explicit.seen[-1] is False
    model(x, training=False)
    assert recorder.seen[-1] is False and explicit.seen[-1] is False


def test_masks_ride_through_built_layers():
    ids = np.array([[3, 0, 5, 0]])
    model = keras.Sequential([keras.Input((4,), dtype="int32"),
                              layers.Embedding(10, 3, mask_zero=True), layers.Dense(2),
                              layers.Dropout(0.1), layers.Dense(1)])
    for _ in range(2):                          # the first call builds nothing; both are eager
        out = model(tf.constant(ids))
        np.testing.assert_array_equal(np.asarray(out._keras_mask), ids != 0)
    masked = layers.Masking(0.0)(tf.constant([[[1.0], [0.0]]]))
    dense = layers.Dense(2)
    dense(masked)
    np.testing.assert_array_equal(np.asarray(dense(masked)._keras_mask), [[True, False]])
    assert getattr(layers.Flatten()(masked), "_keras_mask", None) is None
    assert getattr(dense(tf.ones((1, 2, 1))), "_keras_mask", None) is None


class _MaskUser(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.masks = []

    def call(self, inputs, mask=None):
        self.masks.append(None if mask is None else np.asarray(mask))
        return inputs


def test_input_mask_is_passed_to_call_unless_given():
    layer = _MaskUser()
    x = tf.ones((1, 2, 1))
    x._keras_mask = tf.constant([[True, False]])
    layer(x)
    layer(x)
    np.testing.assert_array_equal(layer.masks[-1], [[True, False]])
    layer(x, mask=tf.constant([[False, True]]))
    np.testing.assert_array_equal(layer.masks[-1], [[False, True]])
    layer(tf.ones((1, 2, 1)))
    assert layer.masks[-1] is None


def test_wrong_shapes_raise_errors_naming_the_layer():
    model = _mlp()
    model(tf.ones((1, 28, 28)))
    with pytest.raises(ValueError, match=r'Input 0 of layer "dense" \(Dense\) is incompatible '
                       r"with the layer: expected axis -1 of input shape to have value 784, "
                       r"but received input with shape \(1, 100\)"):
        model.layers[1](tf.ones((1, 100)))
    with pytest.raises(ValueError, match=r'Input 0 of layer "dense" \(Dense\) is incompatible '
                       r"with the layer: expected min_ndim=2, found ndim=1"):
        model.layers[1](tf.ones((784,)))
    with pytest.raises(ValueError, match=r'layer "flatten" \(Flatten\).*expected min_ndim=1, '
                       r"found ndim=0"):
        model.layers[0](tf.constant(1.0))
    with pytest.raises(ValueError, match=r"dense"):
        model(tf.ones((1, 27, 28)))
    model(tf.ones((1, 28, 28)))                   # still works after the errors


def test_errors_inside_call_are_wrapped_with_the_layer_name():
    class Broken(layers.Layer):
        def call(self, inputs):
            raise ValueError("boom")

    layer = Broken(name="broken")
    layer.built = True
    with pytest.raises(ValueError, match=r"(?s)Exception encountered when calling layer "
                       r"'broken' \(Broken\).*boom.*shape=\(2, 3\), dtype=float32"):
        layer(tf.ones((2, 3)))


def test_losses_of_eager_calls():
    class AddsLoss(layers.Layer):
        def call(self, inputs):
            self.add_loss(tf.reduce_sum(inputs))
            return inputs

    adds = AddsLoss()
    adds(tf.ones((2, 3)))
    adds(tf.ones((2, 3)))                      # built: the fast path
    assert float(adds.losses[-1]) == 6.0
    dense = layers.Dense(2, activity_regularizer="l2", kernel_initializer="ones")
    dense(tf.ones((2, 3)))
    # l2 activity of the last call: 0.01 * sum(outputs ** 2) / batch
    dense(tf.fill((2, 3), 2.0))
    activity = [float(l) for l in dense.losses]
    assert len(activity) == 1 and abs(activity[0] - 0.01 * 4 * 36.0 / 2) < 1e-4


def test_flatten_paths():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(layers.Flatten()(tf.constant(x)).numpy(), x.reshape(2, 12))
    first = layers.Flatten(data_format="channels_first")
    np.testing.assert_array_equal(first(tf.constant(x)).numpy(),
                                  x.transpose(0, 2, 1).reshape(2, 12))
    np.testing.assert_array_equal(layers.Flatten()(tf.constant([1.0, 2.0])).numpy(),
                                  [[1.0], [2.0]])
    assert layers.Flatten()(tf.zeros((0, 3, 4))).shape.as_list() == [0, 12]
    with tf.GradientTape() as tape:
        t = tf.constant(x)
        tape.watch(t)
        y = tf.reduce_sum(layers.Flatten()(t) * 2.0)
    np.testing.assert_array_equal(tape.gradient(y, t).numpy(), np.full_like(x, 2.0))


def test_dense_dtype_mismatch_still_reports_the_op_error():
    dense = layers.Dense(2)
    dense.build((None, 3))
    dense.bias = tf.Variable(np.zeros(2))            # float64 bias on a float32 layer
    with pytest.raises(Exception, match="dense"):
        dense(tf.ones((1, 3)))


def test_dense_on_rank_3_inputs():
    dense = layers.Dense(2, kernel_initializer="ones")
    y = dense(tf.ones((2, 5, 3)))
    assert y.shape.as_list() == [2, 5, 2]
    np.testing.assert_array_equal(y.numpy(), 3.0)


class _SquarePenalty(keras.layers.Layer):
    def call(self, x):
        self.add_loss(0.1 * tf.reduce_sum(x * x))
        return x


def _penalised_functional_model():
    inputs = keras.Input((2,))
    dense = keras.layers.Dense(1, kernel_initializer="ones", kernel_regularizer="l2")
    return keras.Model(inputs, _SquarePenalty()(dense(inputs)))


def test_add_loss_holds_only_the_latest_outermost_call():
    model = _penalised_functional_model()
    assert len(model.losses) == 1  # the kernel's L2; nothing from building the graph
    x = tf.ones((1, 2))
    for _ in range(3):
        model(x)
        values = [float(loss) for loss in model.losses]
        assert len(values) == 2
        np.testing.assert_allclose(values, [0.01 * 2, 0.1 * 4], rtol=1e-6)


def test_fit_trains_on_add_loss_of_a_functional_model():
    model = _penalised_functional_model()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(np.ones((8, 2)), np.ones((8, 1)), batch_size=8, epochs=1, verbose=0)
    # mse (2 - 1)^2 = 1, L2 0.01 * (1 + 1) = 0.02, added 0.1 * 8 samples * 2^2 = 3.2
    np.testing.assert_allclose(history.history["loss"], [4.22], rtol=1e-5)


def test_call_losses_of_a_nested_layer_are_cleared_by_the_outer_call():
    class Outer(keras.Model):
        def __init__(self):
            super().__init__()
            self.penalty = _SquarePenalty()

        def call(self, x):
            return self.penalty(x)

    model = Outer()
    model(tf.ones((1, 2)))
    model(tf.ones((1, 2)) * 2)
    [loss] = model.losses
    np.testing.assert_allclose(float(loss), 0.1 * 8)
