"""model.fit / evaluate / predict on Python generators, iterators and keras.utils.PyDataset
(Keras 3 data adapters), and tf.keras 2's fit_generator / evaluate_generator /
predict_generator."""
import itertools
import warnings

import numpy as np
import pytest

from tensorflux import keras
from tensorflux.keras.preprocessing import image, sequence

RNG = np.random.default_rng(0)
X = RNG.normal(size=(24, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")).astype("float32")


def make_model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


def batches(n_batches=6, batch_size=4, with_weights=False):
    """A finite generator over the first n_batches * batch_size samples, in order."""
    for i in range(n_batches):
        part = slice(i * batch_size, (i + 1) * batch_size)
        if with_weights:
            yield X[part], Y[part], np.linspace(0.5, 1.5, batch_size).astype("float32")
        else:
            yield X[part], Y[part]


def endless(batch_size=4, counter=None):
    for i in itertools.count():
        if counter is not None:
            counter.append(i)
        part = slice((i * batch_size) % 24, (i * batch_size) % 24 + batch_size)
        yield X[part], Y[part]


class CountBatches(keras.callbacks.Callback):
    def __init__(self, stop_after=None):
        super().__init__()
        self.per_epoch = []
        self.stop_after = stop_after

    def on_epoch_begin(self, epoch, logs=None):
        self.per_epoch.append(0)

    def on_train_batch_end(self, batch, logs=None):
        self.per_epoch[-1] += 1
        if self.stop_after is not None and self.per_epoch[-1] >= self.stop_after:
            self.model.stop_training = True


def caught(function, *args, **kwargs):
    with warnings.catch_warnings(record=True) as found:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    return result, [str(w.message) for w in found]


# ---- Python generators --------------------------------------------------------------------------
def test_fit_finite_generator_without_steps_runs_until_exhausted():
    model = make_model()
    counter = CountBatches()
    history = model.fit(batches(5), epochs=1, verbose=0, callbacks=[counter])
    assert counter.per_epoch == [5]
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["loss"][0])


def test_generator_training_equals_array_training():
    model_a, model_b = make_model(), make_model()
    model_a.fit(batches(6), verbose=0)
    model_b.fit(X, Y, batch_size=4, shuffle=False, verbose=0)
    for a, b in zip(model_a.get_weights(), model_b.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_exhausted_generator_stops_training_with_a_warning():
    model = make_model()
    history, messages = caught(model.fit, batches(3), epochs=4, verbose=0)
    assert len(history.history["loss"]) == 1
    assert any("ran out of data" in m and "after epoch 1 of 4" in m for m in messages)


def test_steps_per_epoch_continues_the_generator_across_epochs():
    model = make_model()
    produced = []
    counter = CountBatches()
    history = model.fit(endless(counter=produced), steps_per_epoch=4, epochs=3, verbose=0,
                        callbacks=[counter])
    assert counter.per_epoch == [4, 4, 4]
    assert len(history.history["loss"]) == 3
    # Keras reads one batch ahead of the first epoch; nothing is skipped or repeated
    assert 12 <= len(produced) <= 14 and produced[:12] == list(range(12))


def test_generator_running_out_mid_epoch_warns_and_stops():
    model = make_model()
    counter = CountBatches()
    history, messages = caught(model.fit, batches(5), steps_per_epoch=2, epochs=4, verbose=0,
                               callbacks=[counter])
    assert counter.per_epoch == [2, 2, 1]
    assert len(history.history["loss"]) == 3
    assert sum("ran out of data" in m for m in messages) == 1
    assert any("1 of the 2 batches" in m for m in messages)


def test_infinite_generator_without_steps_is_one_endless_epoch():
    # Keras' behaviour: without steps_per_epoch the first epoch lasts until the generator ends,
    # so an endless generator trains until a callback stops it
    model = make_model()
    counter = CountBatches(stop_after=7)
    history = model.fit(endless(), epochs=3, verbose=0, callbacks=[counter])
    assert counter.per_epoch == [7]
    assert len(history.history["loss"]) == 1


def test_evaluate_and_predict_on_generators():
    model = make_model()
    expected = model.evaluate(X, Y, batch_size=4, verbose=0)
    assert model.evaluate(batches(6), verbose=0) == pytest.approx(expected, rel=1e-6)
    first_two = model.evaluate(X[:8], Y[:8], batch_size=4, verbose=0)
    assert model.evaluate(endless(), steps=2, verbose=0) == pytest.approx(first_two, rel=1e-6)
    reference = model.predict(X, verbose=0)
    np.testing.assert_allclose(model.predict(batches(6), verbose=0), reference, rtol=1e-6)
    np.testing.assert_allclose(model.predict(endless(), steps=3, verbose=0), reference[:12],
                               rtol=1e-6)
    only_x = (X[i:i + 4] for i in range(0, 24, 4))             # bare arrays: inputs only
    np.testing.assert_allclose(model.predict(only_x, verbose=0), reference, rtol=1e-6)
    one_tuples = ((X[i:i + 12],) for i in range(0, 24, 12))    # (x,) tuples
    np.testing.assert_allclose(model.predict(one_tuples, verbose=0), reference, rtol=1e-6)


def test_sample_weights_from_a_generator():
    model = make_model()
    weights = np.tile(np.linspace(0.5, 1.5, 4).astype("float32"), 6)
    expected = model.evaluate(X, Y, sample_weight=weights, batch_size=4, verbose=0)
    assert model.evaluate(batches(6, with_weights=True), verbose=0) == \
        pytest.approx(expected, rel=1e-6)
    history = model.fit(batches(6, with_weights=True), verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_iterators_lists_and_class_weight():
    model = make_model()
    pairs = [(X[i:i + 6], Y[i:i + 6]) for i in range(0, 24, 6)]
    counter = CountBatches()
    model.fit(iter(pairs), verbose=0, callbacks=[counter])
    assert counter.per_epoch == [4]
    as_lists = ([X[i:i + 6], Y[i:i + 6]] for i in range(0, 24, 6))   # lists work like tuples
    assert np.isfinite(model.evaluate(as_lists, verbose=0))
    labels = (np.arange(24) % 2).astype("float32")[:, None]
    classifier = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, "sigmoid")])
    classifier.compile("sgd", "binary_crossentropy")
    history = classifier.fit(((X[i:i + 8], labels[i:i + 8]) for i in range(0, 24, 8)),
                             class_weight={0: 1.0, 1: 3.0}, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_validation_generator_with_validation_steps():
    model = make_model()
    history = model.fit(endless(), steps_per_epoch=3, epochs=3, verbose=0,
                        validation_data=endless(batch_size=6), validation_steps=2)
    assert len(history.history["val_loss"]) == 3
    assert all(np.isfinite(v) for v in history.history["val_loss"])


def test_finite_validation_generator_is_used_once():
    model = make_model()
    history, messages = caught(model.fit, endless(), steps_per_epoch=2, epochs=2, verbose=0,
                               validation_data=batches(2))
    assert len(history.history["loss"]) == 2
    assert len(history.history["val_loss"]) == 1
    assert any("validation data gave no batch for epoch 2" in m for m in messages)


def test_parallelism_arguments_are_accepted():
    model = make_model()
    history = model.fit(batches(2), workers=4, use_multiprocessing=True, max_queue_size=3,
                        verbose=0)
    assert len(history.history["loss"]) == 1
    assert np.isfinite(model.evaluate(batches(2), workers=2, verbose=0))
    assert model.predict(batches(2), workers=2, verbose=0).shape == (8, 1)


def test_generator_errors_are_explicit():
    model = make_model()

    def strings():
        yield "not a batch"
    with pytest.raises(ValueError, match=r"generator must give batches as a tuple \(x,\), "
                                         r"\(x, y\) or \(x, y, sample_weight\).*gave a str"):
        model.fit(strings(), verbose=0)

    def quadruples():
        yield X[:4], Y[:4], Y[:4], Y[:4]
    with pytest.raises(ValueError, match="tuple of 4 elements"):
        model.fit(quadruples(), verbose=0)
    with pytest.raises(ValueError, match="yielded no batch"):
        model.fit((b for b in []), verbose=0)
    with pytest.raises(ValueError, match=r"generator function: call it"):
        model.fit(batches, verbose=0)
    with pytest.raises(ValueError, match="`y` should not be passed"):
        model.fit(batches(), Y, verbose=0)
    with pytest.raises(ValueError, match="`sample_weight` should not be passed"):
        model.evaluate(batches(), sample_weight=np.ones(24), verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(batches(), validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="Unrecognized data type: x is .*object"):
        model.fit(object(), Y, verbose=0)


def test_lists_of_numbers_are_arrays():
    model = make_model()
    history = model.fit(X.tolist(), Y.tolist(), batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])


# ---- PyDataset ----------------------------------------------------------------------------------
class Batches(keras.utils.PyDataset):
    def __init__(self, batch_size=4, **kwargs):
        super().__init__(**kwargs)
        self.batch_size = batch_size
        self.read = []
        self.begins = self.ends = 0

    def __len__(self):
        return -(-len(X) // self.batch_size)

    def __getitem__(self, index):
        self.read.append(index)
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return X[part], Y[part]

    def on_epoch_begin(self):
        self.begins += 1

    def on_epoch_end(self):
        self.ends += 1


def test_py_dataset_fit_calls_epoch_hooks_and_shuffles_batch_order():
    model = make_model()
    data = Batches(workers=2, use_multiprocessing=False, max_queue_size=4)
    assert (data.workers, data.use_multiprocessing, data.max_queue_size) == (2, False, 4)
    history = model.fit(data, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    assert data.begins == data.ends == 3
    epochs = [data.read[i * 6:(i + 1) * 6] for i in range(3)]
    assert all(sorted(order) == list(range(6)) for order in epochs)
    data.read.clear()
    model.fit(data, epochs=2, shuffle=False, verbose=0)
    assert data.read == list(range(6)) * 2


def test_py_dataset_training_equals_array_training():
    model_a, model_b = make_model(), make_model()
    model_a.fit(Batches(), shuffle=False, epochs=2, verbose=0)
    model_b.fit(X, Y, batch_size=4, shuffle=False, epochs=2, verbose=0)
    for a, b in zip(model_a.get_weights(), model_b.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_py_dataset_evaluate_predict_keep_order_and_validation():
    model = make_model()
    data = Batches()
    np.testing.assert_allclose(model.predict(data, verbose=0), model.predict(X, verbose=0),
                               rtol=1e-6)
    assert data.read == list(range(6)) and data.ends == 1
    assert model.evaluate(data, verbose=0) == \
        pytest.approx(model.evaluate(X, Y, batch_size=4, verbose=0), rel=1e-6)
    history = model.fit(X, Y, epochs=2, validation_data=Batches(batch_size=12), verbose=0)
    assert len(history.history["val_loss"]) == 2


def test_py_dataset_steps_per_epoch_continues_then_restarts():
    model = make_model()
    data = Batches()
    with pytest.warns(UserWarning, match="ran out of data after 2 of the 4 batches asked for; "
                                         "the epoch ends early"):
        model.fit(data, steps_per_epoch=4, epochs=3, shuffle=False, verbose=0)
    # epoch 1: 0-3; epoch 2: 4, 5 then the pass ends (Keras warns and ends the epoch);
    # epoch 3 starts a new pass
    assert data.read == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3]
    assert data.ends == 3


def test_endless_py_dataset_needs_steps():
    class Endless(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()

        @property
        def num_batches(self):
            return None

        def __getitem__(self, index):
            part = slice((index * 4) % 24, (index * 4) % 24 + 4)
            return X[part], Y[part]

    model = make_model()
    counter = CountBatches()
    model.fit(Endless(), steps_per_epoch=5, epochs=2, verbose=0, callbacks=[counter])
    assert counter.per_epoch == [5, 5]


def test_py_dataset_errors_and_warnings():
    model = make_model()
    with pytest.raises(ValueError, match="`y` should not be passed.*PyDataset"):
        model.fit(Batches(), Y, verbose=0)

    class Wrong(keras.utils.Sequence):
        def __init__(self):
            super().__init__()

        def __len__(self):
            return 2

        def __getitem__(self, index):
            return {"not": "a batch"}.items()
    with pytest.raises(ValueError, match=r"Wrong.__getitem__\(\) must give batches as a "
                                         r"tuple.*gave a dict_items"):
        model.fit(Wrong(), verbose=0)

    class NoSuper(keras.utils.Sequence):       # tf.keras 2 style: no super().__init__()
        def __init__(self):
            self.size = 1

        def __len__(self):
            return 1

        def __getitem__(self, index):
            return X[:4], Y[:4]
    history, messages = caught(model.fit, NoSuper(), verbose=0)
    assert len(history.history["loss"]) == 1
    assert any("should call `super().__init__(**kwargs)`" in m for m in messages)


def test_sequence_is_py_dataset_and_preprocessing_iterators_are_py_datasets():
    assert keras.utils.Sequence is keras.utils.PyDataset
    it = image.ImageDataGenerator().flow(np.zeros((6, 4, 4, 1)), np.zeros(6), batch_size=4)
    assert isinstance(it, keras.utils.PyDataset) and len(it) == 2
    ts = sequence.TimeseriesGenerator(np.zeros((20, 2)), np.zeros(20), length=3, batch_size=5)
    assert isinstance(ts, keras.utils.Sequence)
    model = keras.Sequential([keras.Input((3, 2)), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    counter = CountBatches()
    model.fit(ts, epochs=2, verbose=0, callbacks=[counter])
    assert counter.per_epoch == [len(ts)] * 2


# ---- tf.keras 2 spellings -----------------------------------------------------------------------
def test_fit_generator_warns_and_trains():
    model = make_model()
    before = model.get_weights()[0].copy()
    with pytest.warns(UserWarning, match="`Model.fit_generator` is deprecated"):
        history = model.fit_generator(endless(), steps_per_epoch=3, epochs=2, verbose=0,
                                      validation_data=endless(), validation_steps=1,
                                      workers=2, use_multiprocessing=False)
    assert len(history.history["loss"]) == 2 and len(history.history["val_loss"]) == 2
    assert not np.allclose(before, model.get_weights()[0])
    with pytest.warns(UserWarning, match="`Model.evaluate_generator` is deprecated"):
        loss = model.evaluate_generator(batches(6))
    assert loss == pytest.approx(model.evaluate(X, Y, batch_size=4, verbose=0), rel=1e-6)
    with pytest.warns(UserWarning, match="`Model.predict_generator` is deprecated"):
        predictions = model.predict_generator(endless(), steps=2)
    np.testing.assert_allclose(predictions, model.predict(X[:8], verbose=0), rtol=1e-6)


def test_fit_generator_with_a_sequence():
    model = make_model()
    data = Batches()
    with pytest.warns(UserWarning, match="fit_generator"):
        model.fit_generator(data, epochs=2, verbose=0)
    assert data.ends == 2


def test_train_and_test_on_batch_still_take_arrays():
    model = make_model()
    loss = model.train_on_batch(X, Y)
    assert np.isfinite(loss)
    assert model.test_on_batch(X, Y) == pytest.approx(model.evaluate(X, Y, batch_size=24,
                                                                     verbose=0), rel=1e-6)
