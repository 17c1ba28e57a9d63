"""PNG plots of evaluation results with matplotlib (an optional extra), drawn on an Agg canvas
so that no GUI backend is needed and the global pyplot state is left alone."""
import os

import numpy as np

__all__ = ["plot_confusion_matrix", "plot_history"]


def _figure(width, height):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError("Plots need matplotlib: pip install matplotlib (or: pip install "
                          "'tensorflux[matplotlib]')") from error
    try:  # constrained layout keeps colorbars and axis labels apart (matplotlib >= 3.6)
        figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    except TypeError:
        figure = Figure(figsize=(width, height), dpi=100, constrained_layout=True)
    FigureCanvasAgg(figure)
    return figure


def _save(figure, path):
    path = os.fspath(path)
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    root, extension = os.path.splitext(path)
    temporary = f"{root}.tmp{extension or '.png'}"
    figure.savefig(temporary, format=(extension[1:] or "png"), bbox_inches="tight")
    os.replace(temporary, path)
    return path


def _heatmap(axes, values, labels, text, title, color_limit, cmap):
    image = axes.imshow(values, interpolation="nearest", cmap=cmap, vmin=0,
                        vmax=color_limit if color_limit > 0 else 1)
    count = len(labels)
    axes.set_xticks(range(count))
    axes.set_yticks(range(count))
    axes.set_xticklabels(labels, rotation=45 if max(map(len, labels), default=0) > 3 else 0,
                         ha="right" if max(map(len, labels), default=0) > 3 else "center")
    axes.set_yticklabels(labels)
    axes.set_xlabel("Predicted label")
    axes.set_ylabel("True label")
    axes.set_title(title)
    threshold = (color_limit if color_limit > 0 else 1) / 2.0
    size = max(6, min(12, 120 // max(count, 1)))
    for i in range(count):
        for j in range(count):
            axes.text(j, i, text[i][j], ha="center", va="center", fontsize=size,
                      color="white" if values[i, j] > threshold else "black")
    return image


def plot_confusion_matrix(matrix, class_names=None, path="confusion_matrix.png",
                          title="Confusion matrix", cmap="Blues"):
    """Saves a PNG with two heatmaps of a confusion matrix: the counts, and the rates per
    true class (each row divided by its total: the diagonal is each class's recall).

    Args:
        matrix: an (n, n) confusion matrix (rows: true class, columns: predicted class).
        class_names: n labels (default 0..n-1).
        path: the PNG file (its directory is created).
        title: the figure title.
        cmap: a matplotlib colormap name.

    Returns:
        The path written.
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"A confusion matrix must be square; got shape {matrix.shape}.")
    count = matrix.shape[0]
    names = [str(n) for n in (class_names if class_names is not None else range(count))]
    if len(names) != count:
        raise ValueError(f"{len(names)} class names for a {count}x{count} confusion matrix.")
    totals = matrix.sum(axis=1, keepdims=True).astype(np.float64)
    with np.errstate(all="ignore"):
        rates = np.nan_to_num(matrix / totals)
    integral = np.all(np.asarray(matrix) == np.round(matrix))
    counts_text = [[(f"{int(v)}" if integral else f"{v:.3g}") for v in row] for row in matrix]
    rates_text = [[f"{v:.2f}" for v in row] for row in rates]
    side = max(4.0, 0.55 * count + 2.5)
    figure = _figure(2 * side + 1.5, side)
    left, right = figure.subplots(1, 2)
    image = _heatmap(left, matrix, names, counts_text, "Counts", float(matrix.max()), cmap)
    figure.colorbar(image, ax=left, fraction=0.046, pad=0.04)
    image = _heatmap(right, rates, names, rates_text, "Rate per true class (row-normalised)",
                     1.0, cmap)
    figure.colorbar(image, ax=right, fraction=0.046, pad=0.04)
    total = matrix.sum()
    if total > 0:
        title = f"{title} (n = {total:g}, accuracy = {np.trace(matrix) / total:.3f})"
    figure.suptitle(title)
    return _save(figure, path)


def plot_history(history, path="history.png", metrics=None, title="Training history"):
    """Saves a PNG of the training curves of a Keras `History` (or its `.history` dict): one
    panel per metric (loss first), training and validation ("val_" keys) per epoch.

    Args:
        history: the History that `fit` returns, or a dict {name: [value per epoch]}.
        path: the PNG file (its directory is created).
        metrics: the metric names to plot (default: every one, loss first).
        title: the figure title.

    Returns:
        The path written.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError("plot_history needs a History from fit() or a non-empty dict of "
                         "per-epoch values.")
    epochs = getattr(history, "epoch", None)
    names = metrics or sorted({k[4:] if k.startswith("val_") else k for k in logs},
                              key=lambda k: (k != "loss", k))
    names = [n for n in names if n in logs or f"val_{n}" in logs]
    names = [n for n in names if np.ndim(np.asarray(logs.get(n, logs.get(f"val_{n}"))[0])) == 0]
    if not names:
        raise ValueError(f"No scalar metrics to plot among {sorted(logs)}.")
    from matplotlib.ticker import MaxNLocator
    columns = min(3, len(names))
    rows = (len(names) + columns - 1) // columns
    figure = _figure(5.0 * columns, 3.6 * rows)
    axes = np.atleast_1d(figure.subplots(rows, columns)).reshape(-1)
    for axis, name in zip(axes, names):
        for key, label, style in ((name, "training", "-o"), (f"val_{name}", "validation",
                                                              "--s")):
            if key not in logs:
                continue
            values = np.asarray(logs[key], dtype=np.float64)
            x = (np.asarray(epochs[:len(values)]) + 1) if epochs is not None and \
                len(epochs) >= len(values) else np.arange(1, len(values) + 1)
            axis.plot(x, values, style, label=label, markersize=4)
        axis.set_title(name)
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.grid(True, alpha=0.3)
        axis.legend()
    for axis in axes[len(names):]:
        axis.set_visible(False)
    figure.suptitle(title)
    return _save(figure, path)
