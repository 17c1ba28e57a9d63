"""keras.callbacks: ModelCheckpoint, EarlyStopping, CSVLogger, LearningRateScheduler,
ReduceLROnPlateau, TerminateOnNaN, BackupAndRestore, LambdaCallback, on tiny constant data.

The reference problem: Dense(1) from zero weights on x = ones((4, 2)), y = ones((4, 1)), mean
squared error, SGD with rate lr. Each full-batch step scales the error e = prediction - 1 by
(1 - 6 lr) (two inputs and a bias share the gradient 2e), so the loss history is
(1 - 6 lr) ** (2 k): 1, 0.16, 0.0256, ... for lr = 0.1, and grows 25x per epoch for lr = 1.
"""
import csv
import json
import os

import numpy as np
import pytest

import tensorflux as tf

keras = tf.keras
callbacks = keras.callbacks

X = np.ones((4, 2), "float32")
Y = np.ones((4, 1), "float32")


def make_model(lr=0.1, optimizer=None, with_input=True):
    stack = [keras.Input((2,))] if with_input else []
    model = keras.Sequential(stack + [keras.layers.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=optimizer or keras.optimizers.SGD(learning_rate=lr), loss="mse")
    return model


def fit(model, epochs, callback_list, batch_size=4, **kwargs):
    return model.fit(X, Y, batch_size=batch_size, epochs=epochs, verbose=0, shuffle=False,
                     callbacks=callback_list, **kwargs)


class Recorder(callbacks.Callback):
    """Keeps the weights at the end of every epoch."""

    def on_train_begin(self, logs=None):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append([w.copy() for w in self.model.get_weights()])


def test_reference_loss_history():
    history = fit(make_model(), 3, [])
    np.testing.assert_allclose(history.history["loss"], [1.0, 0.16, 0.0256], rtol=1e-5)


# ---- EarlyStopping -------------------------------------------------------------------------------
def test_early_stopping_min_delta_and_patience():
    stop = callbacks.EarlyStopping(monitor="loss", min_delta=10.0, patience=2)
    history = fit(make_model(), 20, [stop])
    assert history.epoch == [0, 1, 2] and stop.stopped_epoch == 2


def test_early_stopping_restores_best_weights(capsys):
    recorder = Recorder()
    stop = callbacks.EarlyStopping(monitor="loss", patience=1, restore_best_weights=True,
                                   verbose=1)
    model = make_model(lr=1.0)              # diverges: the loss grows after epoch 0
    history = fit(model, 10, [recorder, stop])
    assert history.epoch == [0, 1] and stop.stopped_epoch == 1 and stop.best_epoch == 0
    for restored, best in zip(model.get_weights(), recorder.weights[0]):
        np.testing.assert_array_equal(restored, best)
    output = capsys.readouterr().out
    assert "Epoch 2: early stopping" in output
    assert "Restoring model weights from the end of the best epoch: 1." in output


def test_early_stopping_baseline_and_warm_up():
    without = fit(make_model(lr=1.0), 10, [callbacks.EarlyStopping(monitor="loss", patience=2)])
    with_baseline = fit(make_model(lr=1.0), 10,
                        [callbacks.EarlyStopping(monitor="loss", patience=2, baseline=0.5)])
    assert without.epoch == [0, 1, 2] and with_baseline.epoch == [0, 1]
    warm = callbacks.EarlyStopping(monitor="loss", min_delta=10.0, patience=0,
                                   start_from_epoch=3)
    assert fit(make_model(), 10, [warm]).epoch == [0, 1, 2, 3, 4]


def test_early_stopping_modes():
    stop = callbacks.EarlyStopping(monitor="val_accuracy")
    stop.set_model(make_model())
    stop._set_monitor_op()
    assert stop.monitor_op is np.greater
    unknown = callbacks.EarlyStopping(monitor="wobble")
    unknown.set_model(make_model())
    with pytest.raises(ValueError, match="monitor='wobble'.*mode='max'"):
        unknown.on_epoch_end(0, {"wobble": 1.0})
    missing = callbacks.EarlyStopping(monitor="val_loss")
    with pytest.warns(UserWarning, match="`val_loss` which is not available"):
        fit(make_model(), 1, [missing])


# ---- ModelCheckpoint -----------------------------------------------------------------------------
def test_checkpoint_templates_and_reload(tmp_path, capsys):
    pattern = str(tmp_path / "ckpt" / "{epoch:02d}-{loss:.2f}.keras")
    model = make_model()
    fit(model, 3, [callbacks.ModelCheckpoint(pattern, verbose=1)])
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["01-1.00.keras", "02-0.16.keras",
                                                     "03-0.03.keras"]
    last = keras.models.load_model(tmp_path / "ckpt" / "03-0.03.keras")
    np.testing.assert_allclose(last.predict(X, verbose=0), model.predict(X, verbose=0),
                               rtol=1e-6)
    assert int(last.optimizer.iterations.numpy()) == 3
    assert f"Epoch 1: saving model to {tmp_path}" in capsys.readouterr().out


def test_checkpoint_save_best_only(tmp_path, capsys):
    recorder = Recorder()
    path = tmp_path / "best.weights.h5"
    checkpoint = callbacks.ModelCheckpoint(str(path), monitor="loss", save_best_only=True,
                                           save_weights_only=True, verbose=1)
    model = make_model(lr=1.0)              # only epoch 0 is the best
    fit(model, 3, [recorder, checkpoint])
    best = make_model()
    best.load_weights(path)
    for loaded, kept in zip(best.get_weights(), recorder.weights[0]):
        np.testing.assert_array_equal(loaded, kept)
    output = capsys.readouterr().out
    assert "Epoch 1: loss improved from None to 1.00000, saving model to" in output
    assert "Epoch 2: loss did not improve from 1.00000" in output


def test_checkpoint_initial_value_threshold_and_mode(tmp_path):
    pattern = str(tmp_path / "{epoch}.weights.h5")
    fit(make_model(), 3, [callbacks.ModelCheckpoint(pattern, monitor="loss", mode="min",
                                                    save_best_only=True,
                                                    save_weights_only=True,
                                                    initial_value_threshold=0.5)])
    assert sorted(os.listdir(tmp_path)) == ["2.weights.h5", "3.weights.h5"]


def test_checkpoint_every_n_batches(tmp_path):
    pattern = str(tmp_path / "e{epoch}-b{batch}.weights.h5")
    fit(make_model(), 2, [callbacks.ModelCheckpoint(pattern, save_weights_only=True,
                                                    save_freq=2)], batch_size=1)
    assert sorted(os.listdir(tmp_path)) == ["e1-b2.weights.h5", "e1-b4.weights.h5",
                                            "e2-b2.weights.h5", "e2-b4.weights.h5"]


def test_checkpoint_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        callbacks.ModelCheckpoint(str(tmp_path / "w.keras"), save_weights_only=True)
    with pytest.raises(ValueError, match="must end in `.keras`"):
        callbacks.ModelCheckpoint(str(tmp_path / "m.txt"))
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="often")
    bad = callbacks.ModelCheckpoint(str(tmp_path / "{nope}.keras"))
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        fit(make_model(), 1, [bad])


# ---- CSVLogger -----------------------------------------------------------------------------------
def test_csv_logger_rows_and_append(tmp_path):
    path = tmp_path / "training.log"
    history = fit(make_model(), 3, [callbacks.CSVLogger(str(path))],
                  validation_data=(X, Y))
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose([float(r[key]) for r in rows], history.history[key],
                                   rtol=1e-6)
    fit(make_model(), 2, [callbacks.CSVLogger(str(path), append=True)], validation_data=(X, Y))
    with open(path, newline="") as handle:
        lines = handle.read().splitlines()
    assert len(lines) == 1 + 3 + 2 and lines[0] == "epoch,loss,val_loss"


def test_csv_logger_separator_and_missing_validation(tmp_path):
    path = tmp_path / "log.csv"
    fit(make_model(), 2, [callbacks.CSVLogger(str(path), separator=";")])
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch;loss;val_loss"
    assert lines[1] == "0;1.0;NA"


# ---- learning rate -------------------------------------------------------------------------------
def test_learning_rate_scheduler_changes_training(capsys):
    model = make_model(lr=0.1)
    history = fit(model, 3, [callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5,
                                                             verbose=1)])
    np.testing.assert_allclose(history.history["learning_rate"], [0.05, 0.025, 0.0125],
                               rtol=1e-6)
    # the compiled step reads the new rate: errors shrink by (1 - 6 lr) per epoch
    np.testing.assert_allclose(history.history["loss"], [1.0, 0.49, (0.7 * 0.85) ** 2],
                               rtol=1e-5)
    assert "Epoch 1: LearningRateScheduler setting learning rate to 0.05" in \
        capsys.readouterr().out


def test_learning_rate_scheduler_old_signature_and_errors():
    model = make_model()
    history = fit(model, 2, [callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))])
    np.testing.assert_allclose(history.history["learning_rate"], [0.01, 0.02], rtol=1e-6)
    with pytest.raises(ValueError, match="should be a float"):
        fit(make_model(), 1, [callbacks.LearningRateScheduler(lambda epoch, lr: "fast")])


def test_reduce_lr_on_plateau():
    # a rate this small leaves the loss flat (changes below min_delta): a plateau
    model = make_model(lr=1e-6)
    reduce = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
    history = fit(model, 4, [reduce])
    np.testing.assert_allclose(history.history["learning_rate"], [1e-6, 1e-6, 5e-7, 2.5e-7],
                               rtol=1e-5)
    np.testing.assert_allclose(float(model.optimizer.learning_rate.numpy()), 1.25e-7,
                               rtol=1e-5)


def test_reduce_lr_on_plateau_cooldown_and_min_lr():
    model = make_model(lr=1e-6)
    history = fit(model, 5, [callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5,
                                                          patience=1, cooldown=2,
                                                          min_lr=3e-7)])
    np.testing.assert_allclose(history.history["learning_rate"],
                               [1e-6, 1e-6, 5e-7, 5e-7, 3e-7], rtol=1e-5)
    with pytest.raises(ValueError, match="factor >= 1.0"):
        callbacks.ReduceLROnPlateau(factor=2.0)


# ---- TerminateOnNaN, LambdaCallback, RemoteMonitor ----------------------------------------------
def test_terminate_on_nan(capsys):
    x = X.copy()
    x[0, 0] = np.nan
    model = make_model()
    history = model.fit(x, Y, batch_size=2, epochs=3, verbose=0, shuffle=False,
                        callbacks=[callbacks.TerminateOnNaN()])
    assert history.epoch == [0] and model.stop_training
    assert "Batch 0: Invalid loss, terminating training" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 0"):
        model.fit(x, Y, batch_size=2, epochs=1, verbose=0, shuffle=False,
                  callbacks=[callbacks.TerminateOnNaN(raise_error=True)])


def test_lambda_callback():
    events = []
    callback = callbacks.LambdaCallback(
        on_train_begin=lambda logs: events.append("begin"),
        on_epoch_end=lambda epoch, logs: events.append(("epoch", epoch, round(logs["loss"],
                                                                                4))),
        on_train_batch_end=lambda batch, logs: events.append(("batch", batch)),
        on_train_end=lambda logs: events.append("end"))
    fit(make_model(), 2, [callback], batch_size=2)
    assert events == ["begin", ("batch", 0), ("batch", 1), ("epoch", 0, 0.58), ("batch", 0),
                      ("batch", 1), ("epoch", 1, 0.0148), "end"]
    quiet = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: None)
    hooks = callbacks.CallbackList([quiet])
    assert hooks.wants("on_epoch_end") and not hooks.wants("on_train_batch_end")
    with pytest.raises(TypeError, match="unknown hooks"):
        callbacks.LambdaCallback(on_epoch_finish=print)


def test_remote_monitor_is_not_implemented():
    with pytest.raises(NotImplementedError, match="RemoteMonitor"):
        callbacks.RemoteMonitor()


# ---- BackupAndRestore ----------------------------------------------------------------------------
class Interrupt(callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt("simulated crash")


def adam_model(seed=0, with_input=True):
    model = make_model(optimizer=keras.optimizers.Adam(learning_rate=0.05),
                       with_input=with_input)
    if with_input:
        rng = np.random.default_rng(seed)
        model.set_weights([rng.normal(size=w.shape).astype("float32")
                           for w in model.get_weights()])
    return model


@pytest.mark.parametrize("built", [True, False])
def test_backup_and_restore_resumes_exactly(tmp_path, built):
    reference = adam_model()
    fit(reference, 4, [], batch_size=2)
    backup = str(tmp_path / "backup")
    crashed = adam_model()
    with pytest.raises(KeyboardInterrupt):
        fit(crashed, 4, [callbacks.BackupAndRestore(backup), Interrupt(1)], batch_size=2)
    with open(os.path.join(backup, "training_metadata.json")) as handle:
        assert json.load(handle)["epoch"] == 2
    # a new process: a fresh model (other weights, unbuilt optimizer) and the same directory
    resumed = adam_model(seed=5) if built else adam_model(with_input=False)
    history = fit(resumed, 4, [callbacks.BackupAndRestore(backup)], batch_size=2)
    assert history.epoch == [2, 3]
    assert int(resumed.optimizer.iterations.numpy()) == 8
    for a, b in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not os.path.exists(backup)          # deleted after a completed fit
    assert fit(resumed, 1, []).epoch == [0]     # later fits start from epoch 0 again


def test_backup_every_n_batches_and_double_checkpoint(tmp_path):
    backup = str(tmp_path / "backup")
    model = adam_model()
    with pytest.raises(KeyboardInterrupt):
        fit(model, 4, [callbacks.BackupAndRestore(backup, save_freq=1, double_checkpoint=True),
                       Interrupt(0)], batch_size=2)
    assert sorted(os.listdir(backup)) == ["latest.weights.h5", "latest.weights.h5.bkp",
                                          "training_metadata.json",
                                          "training_metadata.json.bkp"]
    with open(os.path.join(backup, "training_metadata.json")) as handle:
        assert json.load(handle) == {"epoch": 0, "batch": 1}
    with open(os.path.join(backup, "latest.weights.h5"), "wb") as handle:
        handle.write(b"corrupt")               # the previous backup is used instead
    history = fit(adam_model(), 2, [callbacks.BackupAndRestore(backup)], batch_size=2)
    assert history.epoch == [0, 1]
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        callbacks.BackupAndRestore("")


# ---- the deck's combination (seed 004l in miniature) ---------------------------------------------
def test_callbacks_together(tmp_path):
    class Monitor(callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.batches = 0

        def on_train_batch_end(self, batch, logs=None):
            self.batches += 1

    monitor = Monitor()
    stop = callbacks.EarlyStopping(monitor="val_loss", min_delta=10.0, patience=2)
    model = make_model()
    history = fit(model, 20, [
        callbacks.ModelCheckpoint(str(tmp_path / "model_{epoch:02d}.keras")),
        callbacks.ModelCheckpoint(str(tmp_path / "best.weights.h5"), save_weights_only=True,
                                  save_best_only=True, monitor="val_loss", mode="min"),
        stop, callbacks.CSVLogger(str(tmp_path / "training.log")), monitor],
        batch_size=2, validation_data=(X, Y))
    assert history.epoch == [0, 1, 2] and stop.stopped_epoch == 2 and monitor.batches == 6
    assert sorted(os.listdir(tmp_path)) == ["best.weights.h5", "model_01.keras",
                                            "model_02.keras", "model_03.keras",
                                            "training.log"]
    best = keras.models.clone_model(model)
    best.load_weights(str(tmp_path / "best.weights.h5"))
    np.testing.assert_allclose(best.predict(X, verbose=0), model.predict(X, verbose=0),
                               rtol=1e-6)


@pytest.mark.parametrize("module", ["early_stopping", "model_checkpoint", "csv_logger",
                                    "learning_rate", "lambda_callback"])
def test_docstring_examples(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(f"tensorflux.keras.callbacks.{module}"),
                             extraglobs={"tf": tf}, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_fit_validation_calls_the_test_hooks_of_its_callbacks(capsys):
    events = []

    class Recorder(keras.callbacks.Callback):
        def on_test_begin(self, logs=None):
            events.append("test_begin")

        def on_test_batch_begin(self, batch, logs=None):
            events.append(f"test_batch_begin {batch}")

        def on_test_batch_end(self, batch, logs=None):
            events.append(f"test_batch_end {batch}")

        def on_test_end(self, logs=None):
            events.append(f"test_end {sorted(logs)}")

        def on_epoch_end(self, epoch, logs=None):
            events.append(f"epoch_end {sorted(logs)}")

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((12, 2)), np.ones((12, 1)), batch_size=4, epochs=1, verbose=1,
              validation_data=(np.ones((8, 2)), np.ones((8, 1))), callbacks=[Recorder()])
    assert events == ["test_begin", "test_batch_begin 0", "test_batch_end 0",
                      "test_batch_begin 1", "test_batch_end 1", "test_end ['loss']",
                      "epoch_end ['loss', 'val_loss']"]
    printed = capsys.readouterr().out
    assert printed.count("val_loss") == 1  # one epoch line; no separate validation bar


def test_predict_calls_batch_begin_and_end():
    seen = []

    class Recorder(keras.callbacks.Callback):
        def on_predict_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_predict_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs["outputs"].shape))

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    model.predict(np.ones((5, 2)), batch_size=4, verbose=0, callbacks=[Recorder()])
    assert seen == [("begin", 0), ("end", 0, (4, 3)), ("begin", 1), ("end", 1, (1, 3))]
