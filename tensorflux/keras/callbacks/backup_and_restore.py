"""BackupAndRestore: resume an interrupted `fit` where its last backup left off."""
import json
import os
import shutil

from tensorflux.keras.callbacks.base import Callback

__all__ = ["BackupAndRestore"]


class BackupAndRestore(Callback):
    """Backs up weights and optimizer state to `backup_dir` at the end of every epoch (or
    every `save_freq` batches); a later `fit` with the same directory restores them and starts
    at the epoch after the last backup. The backup is deleted when training completes.

    Args:
        backup_dir: the directory of the backup (`latest.weights.h5` and
            `training_metadata.json`).
        save_freq: "epoch", or an integer: back up every that many batches.
        double_checkpoint: also keep the previous backup (`*.bkp`), used if the latest is
            unreadable.
        delete_checkpoint: delete the backup when `fit` finishes normally.

    Raises:
        ValueError: an empty `backup_dir` or a bad `save_freq`.
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (not isinstance(save_freq, int) or
                                     isinstance(save_freq, bool) or save_freq < 1):
            raise ValueError("Invalid value for argument `save_freq`. Received: save_freq="
                             f"{save_freq!r}. Expected either 'epoch' or a positive integer.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._previous_weights_path = self._weights_path + ".bkp"
        self._previous_metadata_path = self._metadata_path + ".bkp"
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        self._pending_restore = None

    # ---- restore ------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self.model._initial_epoch = None
        self._pending_restore = None
        if not os.path.exists(self._weights_path) and \
                not os.path.exists(self._previous_weights_path):
            return
        try:
            self._restore(self._weights_path, self._metadata_path)
        except (OSError, ValueError):
            if not os.path.exists(self._previous_weights_path):
                raise
            self._restore(self._previous_weights_path, self._previous_metadata_path)

    def _restore(self, weights_path, metadata_path):
        epoch = 0
        if os.path.exists(metadata_path):
            with open(metadata_path) as handle:
                epoch = int(json.load(handle).get("epoch", 0))
        if self.model.built:
            self._load_weights(weights_path)
        else:
            # The model builds on its first batch; the weights are restored just before it
            # trains on that batch.
            self._pending_restore = weights_path
        self.model._initial_epoch = epoch
        self._current_epoch = epoch

    def _load_weights(self, weights_path):
        from tensorflux.keras.saving.keras_format import build_optimizer
        build_optimizer(self.model)
        self.model.load_weights(weights_path)

    def on_train_batch_begin(self, batch, logs=None):
        if self._pending_restore is not None:
            path, self._pending_restore = self._pending_restore, None
            self._load_weights(path)

    # ---- back up ------------------------------------------------------------------------
    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save()

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        if batch <= self._last_batch_seen:
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            self._save()

    def _save(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for source, target in ((self._weights_path, self._previous_weights_path),
                                   (self._metadata_path, self._previous_metadata_path)):
                if os.path.exists(source):
                    shutil.copyfile(source, target)
        self.model.save_weights(self._weights_path, overwrite=True)
        from tensorflux.keras.saving.file_utils import atomic_file
        with atomic_file(self._metadata_path) as temporary:
            with open(temporary, "w") as handle:
                json.dump({"epoch": self._current_epoch, "batch": self._last_batch_seen},
                          handle)

    def on_train_end(self, logs=None):
        self.model._initial_epoch = None
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
