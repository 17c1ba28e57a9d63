"""keras.utils.image_dataset_from_directory: a tf.data.Dataset of images read from class
subfolders (`directory/<class name>/**/<image>`), with labels inferred from the folder names."""
import os

import numpy as np

__all__ = ["image_dataset_from_directory"]

ALLOWED_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}


def _list_files(directory, class_names, follow_links):
    paths, labels = [], []
    for label, name in enumerate(class_names):
        folder = os.path.join(directory, name)
        found = []
        for root, dirs, files in os.walk(folder, followlinks=follow_links):
            dirs.sort()
            for file in sorted(files):
                if file.lower().endswith(ALLOWED_FORMATS):
                    found.append(os.path.join(root, file))
        paths.extend(found)
        labels.extend([label] * len(found))
    return paths, labels


def _flat_files(directory, follow_links):
    found = []
    for root, dirs, files in os.walk(directory, followlinks=follow_links):
        dirs.sort()
        for file in sorted(files):
            if file.lower().endswith(ALLOWED_FORMATS):
                found.append(os.path.join(root, file))
    return sorted(found)


def _load_image(path, image_size, channels, interpolation, crop_to_aspect_ratio,
                pad_to_aspect_ratio):
    import tensorflux as tf
    image = tf.io.decode_image(tf.io.read_file(path), channels=channels,
                               expand_animations=False)
    height, width = image_size
    if crop_to_aspect_ratio:
        image = _crop_to_aspect(image, height, width)
    elif pad_to_aspect_ratio:
        image = _pad_to_aspect(image, height, width)
    return tf.image.resize(image, image_size, method=interpolation)


def _box(image, target_height, target_width, crop):
    import tensorflux as tf
    shape = tf.shape(image)
    height = tf.cast(shape[0], tf.float32)
    width = tf.cast(shape[1], tf.float32)
    ratio = target_width / target_height
    if crop:
        box_h = tf.minimum(height, width / ratio)
        box_w = tf.minimum(width, height * ratio)
    else:
        box_h = tf.maximum(height, width / ratio)
        box_w = tf.maximum(width, height * ratio)
    return shape, tf.cast(box_h, tf.int32), tf.cast(box_w, tf.int32)


def _crop_to_aspect(image, target_height, target_width):
    """The largest centered window with the target aspect ratio (Keras' smart_resize)."""
    import tensorflux as tf
    shape, box_h, box_w = _box(image, target_height, target_width, crop=True)
    top = (shape[0] - box_h) // 2
    left = (shape[1] - box_w) // 2
    return tf.slice(image, tf.stack([top, left, 0]), tf.stack([box_h, box_w, shape[2]]))


def _pad_to_aspect(image, target_height, target_width):
    import tensorflux as tf
    shape, box_h, box_w = _box(image, target_height, target_width, crop=False)
    top = (box_h - shape[0]) // 2
    left = (box_w - shape[1]) // 2
    paddings = tf.stack([tf.stack([top, box_h - shape[0] - top]),
                         tf.stack([left, box_w - shape[1] - left]),
                         tf.constant([0, 0])])
    return tf.pad(image, paddings)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, verbose=True):
    """A dataset of (images, labels) batches from an image folder tree.

    Args:
        directory: with labels="inferred", one subfolder per class (sorted names give the
            class indices); images may be nested below them. Formats: bmp, gif, jpeg, png.
        labels: "inferred", None (images only), or a list of integer labels, one per image
            file in sorted path order.
        label_mode: "int" (int32), "categorical" (one-hot float32), "binary" (float32 of
            shape (1,), two classes) or None.
        color_mode: "grayscale", "rgb" or "rgba" (1, 3 or 4 channels).
        image_size: (height, width) every image is resized to (float32 output).
        shuffle, seed: shuffle the file order (and batches); `seed` makes it reproducible
            and is required with `validation_split`.
        validation_split, subset: hold out the last fraction of the (shuffled) files;
            subset "training", "validation" or "both" (returns a pair).

    Returns:
        A Dataset with attributes `class_names` and `file_paths`.
    """
    from tensorflux.data.dataset import Dataset
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError("`labels` argument should be a list/tuple of integer labels, of the "
                         "same size as the number of image files in the target directory, "
                         f"or 'inferred' or None. Received: labels={labels!r}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError("`label_mode` argument must be one of 'int', 'categorical', "
                         f"'binary', or None. Received: label_mode={label_mode!r}")
    if labels is None:
        label_mode = None
    if color_mode not in _CHANNELS:
        raise ValueError("`color_mode` must be one of {'rgb', 'rgba', 'grayscale'}. "
                         f"Received: color_mode={color_mode!r}")
    channels = _CHANNELS[color_mode]
    image_size = tuple(int(s) for s in image_size)
    if len(image_size) != 2:
        raise ValueError(f"`image_size` must be (height, width), got {image_size!r}.")
    if not os.path.isdir(directory):
        raise ValueError(f"Directory {directory!r} does not exist or is not a directory.")
    _check_split(validation_split, subset, shuffle, seed)

    if labels == "inferred":
        folders = sorted(d for d in os.listdir(directory)
                         if os.path.isdir(os.path.join(directory, d)))
        if class_names is not None:
            missing = set(class_names) - set(folders)
            if missing or len(class_names) != len(set(class_names)):
                raise ValueError(f"The `class_names` passed did not match the names of the "
                                 f"subdirectories of the target directory. Expected: "
                                 f"{folders}, but received: {list(class_names)}")
            folders = list(class_names)
        class_names = folders
        paths, label_list = _list_files(directory, class_names, follow_links)
    else:
        paths = _flat_files(directory, follow_links)
        label_list = list(labels) if labels is not None else None
        if label_list is not None and len(label_list) != len(paths):
            raise ValueError(f"Expected the lengths of `labels` to match the number of files "
                             f"in the target directory. len(labels) is {len(label_list)} "
                             f"while we found {len(paths)} files in directory {directory}.")
        class_names = None if label_list is None else \
            [str(c) for c in range(int(max(label_list)) + 1 if label_list else 0)]
    num_classes = len(class_names) if class_names is not None else 0
    if label_mode == "binary" and num_classes != 2:
        raise ValueError(f"When passing `label_mode=\"binary\"`, there must be exactly 2 "
                         f"class_names. Received: class_names={class_names}")
    if verbose:
        if label_list is not None:
            print(f"Found {len(paths)} files belonging to {num_classes} classes.")
        else:
            print(f"Found {len(paths)} files.")
    if not paths:
        raise ValueError(f"No images found in directory {directory}. Allowed formats: "
                         f"{ALLOWED_FORMATS}")

    if shuffle:
        if seed is None:
            seed = np.random.randint(1_000_000)
        order = np.random.RandomState(seed).permutation(len(paths))
        paths = [paths[i] for i in order]
        if label_list is not None:
            label_list = [label_list[i] for i in order]

    def build(subset_name, subset_paths, subset_labels):
        if verbose and validation_split:
            print(f"Using {len(subset_paths)} files for {subset_name}.")
        names = np.asarray([p.encode("utf-8") for p in subset_paths], dtype=object)
        images = Dataset.from_tensor_slices(names).map(
            lambda path: _load_image(path, image_size, channels, interpolation,
                                     crop_to_aspect_ratio, pad_to_aspect_ratio))
        if label_mode is None:
            dataset = images
        else:
            dataset = Dataset.zip((images, _labels_dataset(subset_labels, label_mode,
                                                           num_classes)))
        dataset = shuffled_batches(dataset, batch_size, shuffle, seed)
        dataset.class_names = class_names
        dataset.file_paths = list(subset_paths)
        return dataset

    if not validation_split:
        return build("training", paths, label_list)
    num_validation = int(validation_split * len(paths))
    split = len(paths) - num_validation
    train = (paths[:split], None if label_list is None else label_list[:split])
    valid = (paths[split:], None if label_list is None else label_list[split:])
    if subset == "training":
        return build("training", *train)
    if subset == "validation":
        return build("validation", *valid)
    return build("training", *train), build("validation", *valid)


def shuffled_batches(dataset, batch_size, shuffle, seed):
    """The dataset builders' tail: shuffle (a buffer of 8 batches, or 1024 elements when
    unbatched), batch, prefetch."""
    if shuffle:
        dataset = dataset.shuffle(buffer_size=batch_size * 8 if batch_size else 1024, seed=seed)
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    return dataset.prefetch(-1)


def _labels_dataset(labels, label_mode, num_classes):
    from tensorflux.data.dataset import Dataset
    values = np.asarray(labels, dtype=np.int32)
    if label_mode == "int":
        return Dataset.from_tensor_slices(values)
    if label_mode == "binary":
        return Dataset.from_tensor_slices(values.astype(np.float32)[:, None])
    one_hot = np.zeros((len(values), num_classes), dtype=np.float32)
    one_hot[np.arange(len(values)), values] = 1.0
    return Dataset.from_tensor_slices(one_hot)


def _check_split(validation_split, subset, shuffle, seed):
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if subset is not None and subset not in ("training", "validation", "both"):
        raise ValueError(f"`subset` must be either \"training\", \"validation\" or \"both\", "
                         f"received: {subset}")
    if (validation_split is None) != (subset is None):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must "
                         "provide a `seed` argument, to make sure that there is no overlap "
                         "between the training and validation subset.")
