"""tf.train.Saver (TF1): saves and restores variable values.

Format: `<prefix>.npz` holding one array per variable name (NumPy's zip format, loaded with
allow_pickle=False, so a file never executes code), plus TF1's `checkpoint` state file in the
directory naming the latest checkpoints. Every write goes to a temporary file then is renamed.
"""
import os
import re
import tempfile
import zipfile
import zlib

import numpy as np

from tensorflux.framework import context, errors
from tensorflux.framework.graph import GraphKeys

__all__ = ["Saver", "latest_checkpoint", "checkpoint_exists", "get_checkpoint_state",
           "CheckpointState"]

_SUFFIX = ".npz"


def _atomic_write(path, write):
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


class Saver:
    """Saves/restores variables (default: all global variables) of the default graph.

    Args:
        var_list: a list of Variables or a dict {name: Variable}.
        max_to_keep: how many recent checkpoints to keep (older files are deleted).
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=2, pad_step_number=False, save_relative_paths=False,
                 filename=None):
        if var_list is None:
            var_list = context.get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES)
            if not var_list and not allow_empty:
                raise ValueError("No variables to save: create the variables before the "
                                 "Saver.")
        if isinstance(var_list, dict):
            self._variables = dict(var_list)
        else:
            self._variables = {}
            for v in var_list:
                key = v._op_name
                if key in self._variables:
                    raise ValueError(f"At least two variables have the same name: {key}")
                self._variables[key] = v
        self._max_to_keep = max_to_keep
        self._last_checkpoints = []

    @property
    def last_checkpoints(self):
        return list(self._last_checkpoints)

    def recover_last_checkpoints(self, checkpoint_paths):
        """Takes over `checkpoint_paths` (oldest first, e.g. from get_checkpoint_state) as
        the recent checkpoints, so max_to_keep also deletes an earlier Saver's files."""
        self._last_checkpoints = [p for p in checkpoint_paths if checkpoint_exists(p)]

    def save(self, sess, save_path, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True,
             strip_default_attrs=False, save_debug_info=False):
        """Writes the variables' values; returns the checkpoint prefix (path without suffix)."""
        if global_step is not None:
            step = global_step if isinstance(global_step, (int, np.integer)) else \
                int(sess.run(global_step) if sess is not None else global_step.numpy())
            save_path = f"{save_path}-{int(step)}"
        values = {}
        for key, v in self._variables.items():
            value = v._value
            if value is None:
                raise errors.FailedPreconditionError(
                    None, None, f"Attempting to save uninitialized variable {key}; run the "
                    "initializer first.")
            values[key] = np.asarray(value)
        _atomic_write(save_path + _SUFFIX, lambda handle: np.savez(handle, **values))
        if save_path in self._last_checkpoints:
            self._last_checkpoints.remove(save_path)
        self._last_checkpoints.append(save_path)
        while self._max_to_keep and len(self._last_checkpoints) > self._max_to_keep:
            old = self._last_checkpoints.pop(0)
            if os.path.exists(old + _SUFFIX):
                os.remove(old + _SUFFIX)
        if write_state:
            self._write_state(save_path, latest_filename or "checkpoint")
        return save_path

    def _write_state(self, save_path, filename):
        directory = os.path.dirname(os.path.abspath(save_path))
        lines = [f'model_checkpoint_path: "{os.path.basename(save_path)}"']
        lines += [f'all_model_checkpoint_paths: "{os.path.basename(p)}"'
                  for p in self._last_checkpoints]
        text = ("\n".join(lines) + "\n").encode()
        _atomic_write(os.path.join(directory, filename), lambda handle: handle.write(text))

    def restore(self, sess, save_path):
        """Loads the values saved at `save_path` into the variables (checking names/shapes)."""
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        path = save_path + _SUFFIX
        if not os.path.exists(path):
            raise errors.NotFoundError(None, None, f"Failed to find any matching files for "
                                       f"{save_path} (looked for {path}).")
        try:
            with np.load(path, allow_pickle=False) as data:
                stored = {key: data[key] for key in data.files}
        except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile,
                zlib.error) as error:
            raise errors.DataLossError(None, None, f"Checkpoint {path} is corrupt or truncated: "
                                       f"{error}") from error
        for key, v in self._variables.items():
            if key not in stored:
                raise errors.NotFoundError(None, None, f"Key {key} not found in checkpoint "
                                           f"{save_path}.")
            value = stored[key]
            if not v.shape.is_compatible_with(value.shape):
                raise errors.InvalidArgumentError(
                    None, None, f"Shape mismatch for variable {key}: the checkpoint has "
                    f"{tuple(value.shape)}, the variable {v.shape}.")
            if value.dtype != np.dtype(v.dtype.as_numpy_dtype):
                raise errors.InvalidArgumentError(
                    None, None, f"dtype mismatch for variable {key}: the checkpoint has "
                    f"{value.dtype}, the variable {v.dtype.name}.")
        for key, v in self._variables.items():
            v._value = np.array(stored[key], dtype=v.dtype.as_numpy_dtype, copy=True)

    def as_saver_def(self):
        return None


class CheckpointState:
    """The content of a `checkpoint` state file (TF1's CheckpointState)."""

    def __init__(self, model_checkpoint_path, all_model_checkpoint_paths):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)

    def __repr__(self):
        return (f"model_checkpoint_path: {self.model_checkpoint_path!r}\n"
                f"all_model_checkpoint_paths: {self.all_model_checkpoint_paths!r}")


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The CheckpointState recorded in `checkpoint_dir` (paths joined to it), or None."""
    state = os.path.join(checkpoint_dir, latest_filename or "checkpoint")
    if not os.path.exists(state):
        return None
    with open(state) as handle:
        text = handle.read()
    match = re.search(r'^model_checkpoint_path: "([^"]+)"', text, re.MULTILINE)
    if not match:
        return None

    def absolute(path):
        return path if os.path.isabs(path) else os.path.join(checkpoint_dir, path)
    return CheckpointState(absolute(match.group(1)),
                           [absolute(p) for p in
                            re.findall(r'^all_model_checkpoint_paths: "([^"]+)"', text,
                                       re.MULTILINE)])


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the latest checkpoint recorded in `checkpoint_dir`, or None."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is None:
        return None
    path = state.model_checkpoint_path
    return path if os.path.exists(path + _SUFFIX) else None


def checkpoint_exists(checkpoint_prefix):
    return os.path.exists(checkpoint_prefix + _SUFFIX)
