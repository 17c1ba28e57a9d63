"""TensorBoard: writes training logs that TensorBoard shows (scalars, histograms, graphs,
images, profiles, embeddings), in the folders Keras uses: `<log_dir>/train` and
`<log_dir>/validation`."""
import logging
import os
import time

import numpy as np

from tensorflux.keras.callbacks.base import Callback

__all__ = ["TensorBoard"]

_log = logging.getLogger("tensorflux.keras")


class TensorBoard(Callback):
    """Writes TensorBoard event files during `fit` (and `evaluate`).

    What is written, with Keras' tags:
    - every epoch: `epoch_<metric>` (loss, metrics, `epoch_learning_rate`) in `train/`, and the
      validation metrics as `epoch_<metric>` in `validation/`;
    - after `evaluate` (or validation run with this callback): `evaluation_<metric>_vs_iterations`
      in `validation/`, at step `optimizer.iterations`;
    - with `update_freq="batch"` or an integer N: `batch_<metric>` every N batches in `train/`;
    - with `histogram_freq=N`: a histogram per weight every N epochs ("dense/kernel_0/histogram"),
      and with `write_images` the weights as images ("dense/kernel_0/image");
    - with `write_graph`: the model's Keras config (the "keras" conceptual graph) and the graph
      of the compiled train step (the op graph);
    - with `profile_batch`: a profile of those batches (Profile tab) and their traced graph;
    - with `embeddings_freq`: the embedding matrices as TSV files with a projector config.

    Args:
        log_dir: the directory of the logs.
        histogram_freq: epochs between weight histograms (0: none).
        write_graph: write the model and train-step graphs.
        write_images: write weights as images (with histogram_freq).
        write_steps_per_second: log training steps per second.
        update_freq: "epoch", "batch" or an integer number of batches.
        profile_batch: a batch number, or (first, last), to profile (0: none).
        embeddings_freq: epochs between embedding exports (0: none).
        embeddings_metadata: a metadata file name, or a dict from layer name to one.

    Raises:
        ImportError: the `tensorboard` package is not installed (it provides the event-file
            protobufs): pip install tensorboard.

    Example:
        >>> callback = tf.keras.callbacks.TensorBoard(log_dir=tempfile.mkdtemp())
        >>> callback.update_freq
        'epoch'
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None, **kwargs):
        super().__init__()
        from tensorflux.summary import _proto
        _proto.require()
        unknown = set(kwargs) - {"write_grads", "batch_size", "embeddings_layer_names",
                                 "embeddings_data"}
        if unknown:
            raise TypeError(f"TensorBoard() got unexpected keyword arguments {sorted(unknown)}.")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq or 0)
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (not isinstance(update_freq, int) or update_freq < 1):
            raise ValueError(f"update_freq must be 'epoch', 'batch' or a positive integer; "
                             f"received update_freq={update_freq!r}.")
        self.update_freq = update_freq
        self.embeddings_freq = int(embeddings_freq or 0)
        self.embeddings_metadata = embeddings_metadata
        self._start_batch, self._stop_batch = _profile_range(profile_batch)
        self._should_trace = not (self._start_batch == 0 and self._stop_batch == 0)
        self._is_tracing = False
        self._profiler_started = False
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._previous_epoch_iterations = 0
        self._epoch_start_time = None
        self._batch_start_time = None
        self._writers = {}
        self._should_write_train_graph = False
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")

    # ---- writers ---------------------------------------------------------------------------
    @property
    def _summary(self):
        from tensorflux import summary
        return summary

    @property
    def _train_writer(self):
        if "train" not in self._writers:
            self._writers["train"] = self._summary.create_file_writer(self._train_dir)
        return self._writers["train"]

    @property
    def _val_writer(self):
        if "val" not in self._writers:
            self._writers["val"] = self._summary.create_file_writer(self._val_dir)
        return self._writers["val"]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def set_model(self, model):
        super().set_model(model)
        self._close_writers()
        self._should_write_train_graph = False
        if self.write_graph:
            self._write_keras_model_summary()
            self._should_write_train_graph = True
        if self.embeddings_freq:
            self._configure_embeddings()

    def _write_keras_model_summary(self):
        """The model's config as JSON under tag "keras" (TensorBoard's conceptual graph);
        written for Sequential and functional models, as Keras does."""
        model = self.model
        if model is None or not _is_graph_network(model):
            return
        try:
            config = model.to_json()
        except Exception as error:  # noqa: BLE001 - never break training over the graph
            _log.warning("Model failed to serialize as JSON. Ignoring... %s", error)
            return
        from tensorflux.summary import _proto
        metadata = _proto.plugin_metadata("graph_keras_model", content=b"1")
        with self._train_writer.as_default():
            self._summary.write("keras", np.asarray(config.encode("utf-8"), dtype=object),
                                step=0, metadata=metadata)

    def _write_train_graph(self):
        function = getattr(self.model, "_train_function", None)
        cache = getattr(function, "_cache", None)
        if not cache:
            return
        with self._train_writer.as_default():
            self._summary.graph(next(iter(cache.values())).graph)

    # ---- training ------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0

    def on_train_end(self, logs=None):
        if self._is_tracing:
            self._stop_trace()
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._previous_epoch_iterations = self._iterations()
            self._epoch_start_time = time.time()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()
        if self._should_trace and self._global_train_batch == self._start_batch:
            self._start_trace()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_write_train_graph:
            self._write_train_graph()
            self._should_write_train_graph = False
        step = self._global_train_batch
        if self.write_steps_per_second and self._batch_start_time is not None:
            elapsed = max(time.time() - self._batch_start_time, 1e-9)
            with self._train_writer.as_default():
                self._summary.scalar("batch_steps_per_second", 1.0 / elapsed, step=step)
        if self.update_freq != "epoch" and isinstance(logs, dict) and \
                step % self.update_freq == 0:
            with self._train_writer.as_default():
                for name, value in logs.items():
                    if np.ndim(value) == 0:
                        self._summary.scalar("batch_" + name, value, step=step)
        if self._is_tracing and self._global_train_batch >= self._stop_batch:
            self._stop_trace()

    def on_test_batch_begin(self, batch, logs=None):
        self._global_test_batch += 1

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if not logs or optimizer is None or not hasattr(optimizer, "iterations"):
            return
        with self._val_writer.as_default():
            for name, value in logs.items():
                if np.ndim(value) == 0:
                    self._summary.scalar(f"evaluation_{name}_vs_iterations", value,
                                         step=self._iterations())
        self._val_writer.flush()

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._log_embeddings(epoch)

    # ---- epoch logs ------------------------------------------------------------------------------
    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        iterations = getattr(optimizer, "iterations", 0)
        return int(np.asarray(iterations.numpy() if hasattr(iterations, "numpy")
                              else iterations))

    def _learning_rate(self):
        optimizer = getattr(self.model, "optimizer", None)
        try:
            rate = optimizer.learning_rate
            if callable(rate) and not hasattr(rate, "numpy"):
                rate = rate(optimizer.iterations)
            return float(np.asarray(rate.numpy() if hasattr(rate, "numpy") else rate))
        except (AttributeError, TypeError, ValueError):
            return None

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        rate = self._learning_rate()
        if rate is not None and "learning_rate" not in train_logs:
            train_logs["learning_rate"] = rate
        if self.write_steps_per_second and self._epoch_start_time is not None:
            elapsed = max(time.time() - self._epoch_start_time, 1e-9)
            train_logs["steps_per_second"] = \
                (self._iterations() - self._previous_epoch_iterations) / elapsed
        for writer, values in ((self._train_writer, train_logs), (self._val_writer, val_logs)):
            values = {k: v for k, v in values.items() if np.ndim(v) == 0}
            if not values:
                continue
            with writer.as_default():
                for name, value in values.items():
                    self._summary.scalar("epoch_" + name, value, step=epoch)

    def _log_weights(self, epoch):
        with self._train_writer.as_default():
            for layer in self.model.layers:
                for weight in layer.weights:
                    name = weight.name.replace(":", "_")
                    values = np.asarray(weight.numpy())
                    self._summary.histogram(f"{name}/histogram", values, step=epoch)
                    if self.write_images:
                        image = _weight_image(values)
                        if image is not None:
                            self._summary.image(f"{name}/image", image, step=epoch)
        self._train_writer.flush()

    # ---- profiling -------------------------------------------------------------------------------
    def _start_trace(self):
        from tensorflux.profiler import experimental as profiler
        self._summary.trace_on(graph=True, profiler=False)
        if not profiler.is_running():
            try:
                profiler.start(self._train_dir)
                self._profiler_started = True
            except Exception as error:  # noqa: BLE001 - profiling must not stop training
                _log.error("Failed to start profiler: %s", error)
        self._is_tracing = True

    def _stop_trace(self):
        from tensorflux.profiler import experimental as profiler
        with self._train_writer.as_default():
            self._summary.trace_export(name=f"batch_{self._stop_batch}", step=self._stop_batch)
        if self._profiler_started:
            try:
                profiler.stop()
            except Exception as error:  # noqa: BLE001
                _log.error("Failed to stop profiler: %s", error)
            self._profiler_started = False
        self._is_tracing = False

    # ---- embeddings ------------------------------------------------------------------------------
    def _embedding_layers(self):
        from tensorflux.keras.layers import Embedding
        return [layer for layer in getattr(self.model, "layers", [])
                if isinstance(layer, Embedding)]

    def _configure_embeddings(self):
        """Writes `projector_config.pbtxt`: one embedding per Embedding layer, read by
        TensorBoard's projector from the TSV file `_log_embeddings` writes."""
        from google.protobuf import text_format
        from tensorboard.plugins.projector import projector_config_pb2
        config = projector_config_pb2.ProjectorConfig()
        metadata = self.embeddings_metadata
        remaining = dict(metadata) if isinstance(metadata, dict) else None
        for layer in self._embedding_layers():
            embedding = config.embeddings.add()
            embedding.tensor_name = f"{layer.name}/embeddings"
            embedding.tensor_path = f"{layer.name}_embeddings.tsv"
            if isinstance(metadata, str):
                embedding.metadata_path = metadata
            elif remaining and layer.name in remaining:
                embedding.metadata_path = remaining.pop(layer.name)
        if remaining:
            raise ValueError("Unrecognized `Embedding` layer names passed to "
                             "`keras.callbacks.TensorBoard` `embeddings_metadata` argument: "
                             f"{sorted(remaining)}")
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w") as handle:
            handle.write(text_format.MessageToString(config))

    def _log_embeddings(self, epoch):
        for layer in self._embedding_layers():
            matrix = np.asarray(layer.weights[0].numpy())
            path = os.path.join(self.log_dir, f"{layer.name}_embeddings.tsv")
            temporary = path + ".tmp"
            np.savetxt(temporary, matrix.reshape(matrix.shape[0], -1), delimiter="\t",
                       fmt="%.6g")
            os.replace(temporary, path)


def _is_graph_network(model):
    from tensorflux.keras.models.model import Model
    name = type(model).__name__
    return name in ("Sequential", "Functional") or (type(model) is Model and
                                                     getattr(model, "inputs", None))


def _profile_range(profile_batch):
    message = ("profile_batch must be a non-negative integer or 2-tuple of positive integers. "
               "A pair of positive integers signifies a range of batches to profile. "
               f"Found: {profile_batch}")
    if isinstance(profile_batch, str):
        try:
            profile_batch = [int(part) for part in profile_batch.split(",")]
        except ValueError:
            raise ValueError(message) from None
        if len(profile_batch) == 1:
            profile_batch = profile_batch[0]
    if isinstance(profile_batch, bool):
        raise ValueError(message)
    if isinstance(profile_batch, int):
        start = stop = profile_batch
    elif isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2:
        start, stop = (int(v) for v in profile_batch)
    else:
        raise ValueError(message)
    if start < 0 or stop < start:
        raise ValueError(message)
    return start, stop


def _weight_image(values):
    """A weight as images [k, h, w, 1] scaled to [0, 1] (Keras' layout: a bias is a column, a
    dense kernel one image (transposed to be wide), a conv kernel one image per filter)."""
    image = np.squeeze(values)
    if image.ndim == 1:
        image = image.reshape(1, -1, 1, 1)
    elif image.ndim == 2:
        if image.shape[0] > image.shape[1]:
            image = image.T
        image = image.reshape(1, image.shape[0], image.shape[1], 1)
    elif image.ndim == 3:
        image = np.transpose(image, (2, 0, 1))[..., None]
    else:
        return None
    low, high = float(image.min()), float(image.max())
    return (image - low) / (high - low) if high > low else np.zeros_like(image)
