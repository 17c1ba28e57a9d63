"""keras.utils.timeseries_dataset_from_array and keras.utils.text_dataset_from_directory
(also under keras.preprocessing): tf.data pipelines built from arrays and text folders."""
import os

import numpy as np

__all__ = ["timeseries_dataset_from_array", "text_dataset_from_directory"]


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None, format="tf"):
    """A dataset of sliding windows over a time series.

    Window i starts at row `start_index + i * sequence_stride` and holds `sequence_length`
    rows `sampling_rate` apart; its target is `targets[start_index + i * sequence_stride]`
    (the target of the window's first row). Windows reaching past `end_index` (excluded;
    default len(data)) are dropped.

    Args:
        data: an array (or list) with time along axis 0.
        targets: one target per window start, or None for a dataset of windows only.
        sequence_length, sequence_stride, sampling_rate: as above.
        batch_size: windows per batch (None: unbatched).
        shuffle, seed: shuffle the windows (reproducibly with `seed`).
        start_index, end_index: the rows used.
        format: "tf" only (tensorflux has no grain).

    Returns:
        A Dataset of `windows` or `(windows, targets)` batches.
    """
    from tensorflux.data.dataset import Dataset
    if format != "tf":
        raise ValueError(f'`format` should be either "tf" or "grain". Received: '
                         f'format={format}' if format != "grain" else
                         'timeseries_dataset_from_array(format="grain") is not supported by '
                         'tensorflux (grain is not available); use format="tf".')
    length = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= length:
            raise ValueError(f"`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length "
                             f"{length}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= length:
            raise ValueError(f"`end_index` must be lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length {length}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: "
                             f"end_index={end_index}")
    if sampling_rate <= 0:
        raise ValueError(f"`sampling_rate` must be higher than 0. Received: "
                         f"sampling_rate={sampling_rate}")
    if sampling_rate >= length:
        raise ValueError(f"`sampling_rate` must be lower than the length of the data. "
                         f"Received: sampling_rate={sampling_rate}, for data of length "
                         f"{length}")
    if sequence_stride <= 0:
        raise ValueError(f"`sequence_stride` must be higher than 0. Received: "
                         f"sequence_stride={sequence_stride}")
    if sequence_stride >= length:
        raise ValueError(f"`sequence_stride` must be lower than the length of the data. "
                         f"Received: sequence_stride={sequence_stride}, for data of length "
                         f"{length}")
    start_index = start_index or 0
    end_index = length if end_index is None else end_index
    count = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        count = min(count, len(targets))
    starts = np.arange(0, max(count, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1_000_000)
        np.random.RandomState(seed).shuffle(starts)
    window = np.arange(sequence_length, dtype=np.int64) * sampling_rate
    rows = np.asarray(data)[start_index:end_index]
    if len(starts):
        windows = Dataset.from_tensor_slices(starts[:, None] + window[None, :]).map(
            lambda index: _gather(rows, index))
    else:
        windows = Dataset.from_tensor_slices(np.zeros((0,) + (sequence_length,) +
                                                      rows.shape[1:], rows.dtype))
    dataset = windows
    if targets is not None:
        target_rows = np.asarray(targets)[start_index:end_index]
        target_values = target_rows[starts] if len(starts) else target_rows[:0]
        dataset = Dataset.zip((windows, Dataset.from_tensor_slices(target_values)))
    from tensorflux.keras.utils.image_dataset import shuffled_batches
    return shuffled_batches(dataset, batch_size, shuffle, seed)


def _gather(rows, index):
    import tensorflux as tf
    return tf.gather(tf.constant(rows), index)


def _list_text_files(directory, labels, class_names, follow_links):
    def walk(folder):
        found = []
        for root, dirs, files in os.walk(folder, followlinks=follow_links):
            dirs.sort()
            found.extend(os.path.join(root, f) for f in sorted(files)
                         if f.lower().endswith(".txt"))
        return found
    if labels == "inferred":
        folders = sorted(d for d in os.listdir(directory)
                         if os.path.isdir(os.path.join(directory, d)))
        if class_names is not None:
            if sorted(set(class_names)) != sorted(folders) or \
                    len(set(class_names)) != len(class_names):
                raise ValueError(f"The `class_names` passed did not match the names of the "
                                 f"subdirectories of the target directory. Expected: "
                                 f"{folders}, but received: {list(class_names)}")
            folders = list(class_names)
        paths, label_list = [], []
        for index, name in enumerate(folders):
            found = walk(os.path.join(directory, name))
            paths.extend(found)
            label_list.extend([index] * len(found))
        return paths, label_list, folders
    paths = sorted(walk(directory))
    if labels is None:
        return paths, None, None
    if len(labels) != len(paths):
        raise ValueError(f"Expected the lengths of `labels` to match the number of files in "
                         f"the target directory. len(labels) is {len(labels)} while we found "
                         f"{len(paths)} files in directory {directory}.")
    names = [str(c) for c in range(int(max(labels)) + 1)] if len(labels) else []
    return paths, list(labels), names


def text_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                class_names=None, batch_size=32, max_length=None, shuffle=True,
                                seed=None, validation_split=None, subset=None,
                                follow_links=False, format="tf", verbose=True):
    """A dataset of (text, label) batches from `.txt` files in class subfolders.

    Args mirror `image_dataset_from_directory`: labels ("inferred", None or a list of
    integer labels in sorted file order), label_mode ("int", "categorical", "binary" or
    None), class_names, batch_size (None: unbatched), shuffle / seed, validation_split and
    subset ("training", "validation" or "both"). `max_length` truncates each text to that
    many bytes. Texts are string tensors of the files' raw bytes.

    Returns:
        A Dataset with a `class_names` attribute (a pair of them for subset="both").
    """
    from tensorflux.data.dataset import Dataset
    from tensorflux.keras.utils.image_dataset import _check_split, _labels_dataset
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError("`labels` argument should be a list/tuple of integer labels, of "
                             "the same size as the number of text files in the target "
                             "directory. If you wish to infer the labels from the "
                             "subdirectory names in the target directory, pass "
                             "`labels=\"inferred\"`. If you wish to get a dataset that only "
                             "contains text samples (no labels), pass `labels=None`. "
                             f"Received: labels={labels}")
        if class_names:
            raise ValueError(f"You can only pass `class_names` if `labels=\"inferred\"`. "
                             f"Received: labels={labels}, and class_names={class_names}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError('`label_mode` argument must be one of "int", "categorical", '
                         f'"binary", or None. Received: label_mode={label_mode}')
    if format != "tf":
        raise ValueError(f'`format` should be either "tf" or "grain". Received: '
                         f'format={format}' if format != "grain" else
                         'text_dataset_from_directory(format="grain") is not supported by '
                         'tensorflux (grain is not available); use format="tf".')
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    _check_split(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1_000_000)
    paths, label_list, class_names = _list_text_files(directory, labels, class_names,
                                                      follow_links)
    if verbose:
        if label_list is not None:
            print(f"Found {len(paths)} files belonging to {len(class_names)} classes.")
        else:
            print(f"Found {len(paths)} files.")
    if shuffle:
        order = np.random.RandomState(seed).permutation(len(paths))
        paths = [paths[i] for i in order]
        if label_list is not None:
            label_list = [label_list[i] for i in order]
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 '
                         f'class_names. Received: class_names={class_names}')
    num_classes = len(class_names) if class_names else 0

    def build(subset_paths, subset_labels, subset_shuffle):
        if not subset_paths:
            raise ValueError(f"No text files found in directory {directory}. Allowed format: "
                             ".txt")
        names = np.asarray([p.encode("utf-8") for p in subset_paths], dtype=object)
        dataset = Dataset.from_tensor_slices(names)
        if label_mode:
            dataset = Dataset.zip((dataset, _labels_dataset(subset_labels, label_mode,
                                                            num_classes)))
        if subset_shuffle:
            dataset = dataset.shuffle(buffer_size=batch_size * 8 if batch_size else 1024,
                                      seed=seed)
        if label_mode:
            dataset = dataset.map(lambda path, label: (_read_text(path, max_length), label))
        else:
            dataset = dataset.map(lambda path: _read_text(path, max_length))
        if batch_size is not None:
            dataset = dataset.batch(batch_size)
        dataset = dataset.prefetch(-1)
        dataset.class_names = class_names
        return dataset

    if not validation_split:
        return build(paths, label_list, shuffle)
    split = len(paths) - int(validation_split * len(paths))
    train = (paths[:split], None if label_list is None else label_list[:split])
    valid = (paths[split:], None if label_list is None else label_list[split:])
    if subset == "training":
        return build(*train, shuffle)
    if subset == "validation":
        return build(*valid, shuffle)
    return [build(*train, shuffle), build(*valid, False)]


def _read_text(path, max_length):
    import tensorflux as tf
    text = tf.io.read_file(path)
    if max_length is not None:
        text = tf.strings.substr(text, 0, max_length)
    return text
