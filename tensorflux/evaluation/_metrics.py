"""Classification metrics from labels and predictions, with scikit-learn's semantics.

Inputs are class labels (ints, strings, bools; any array-like, tensors included). A 2-D input
with several columns (one-hot labels, or class probabilities from a softmax) is read as the
argmax of each row, and an (n, 1) column as a vector. Continuous scores are refused by the
label metrics (threshold them first); `roc_curve`/`roc_auc_score` take scores.

Zero divisions (a class never predicted: precision = 0/0; never present: recall = 0/0) give
`zero_division` ("warn": 0.0 with an UndefinedMetricWarning, or 0.0, 1.0, nan without one),
exactly as scikit-learn does, and averages skip nan values.
"""
import warnings

import numpy as np

__all__ = ["UndefinedMetricWarning", "confusion_matrix", "multiclass_counts",
           "precision_recall_fscore_support", "precision", "recall", "f1_score",
           "fbeta_score", "sensitivity", "specificity", "false_positive_rate", "accuracy",
           "roc_curve", "auc", "roc_auc_score", "roc_auc", "unique_labels"]


class UndefinedMetricWarning(UserWarning):
    """A metric was 0/0 and was given the `zero_division` value."""


# ---- inputs ----------------------------------------------------------------------------------

def _array(values, name):
    array = np.asarray(values.numpy() if hasattr(values, "numpy") else values)
    if array.ndim == 2:
        array = array[:, 0] if array.shape[1] == 1 else np.argmax(array, axis=1)
    elif array.ndim == 0:
        raise ValueError(f"{name} must be a 1-D array of labels (one per sample); got a "
                         f"scalar {array!r}.")
    elif array.ndim > 2:
        raise ValueError(f"{name} must be 1-D labels (or 2-D one-hot/probabilities); got "
                         f"shape {array.shape}.")
    if array.dtype.kind == "O":
        array = np.asarray([v.decode() if isinstance(v, bytes) else v for v in array])
    if array.dtype.kind == "S":
        array = array.astype(str)
    return array


def _labels_of(values, name):
    array = _array(values, name)
    if array.dtype.kind == "f":
        finite = array[np.isfinite(array)] if array.size else array
        if finite.size != array.size or np.any(finite != np.round(finite)):
            raise ValueError(
                f"{name} holds continuous values (e.g. probabilities) but classification "
                "metrics need class labels: threshold binary scores, e.g. "
                "(y_prob > 0.5).astype(int), or pass class probabilities as a 2-D array "
                "(one column per class) to use their argmax.")
    return array


def unique_labels(*arrays):
    """The sorted union of the labels of the arrays (strings and numbers cannot be mixed)."""
    kinds = {"str" if a.dtype.kind in "USO" else "number" for a in arrays if a.size}
    if len(kinds) > 1:
        raise ValueError("Mix of label input types (string and number)")
    present = [a for a in arrays if a.size]
    if not present:
        return np.asarray([])
    return np.unique(np.concatenate(present))


def _check_targets(y_true, y_pred):
    y_true = _labels_of(y_true, "y_true")
    y_pred = _labels_of(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError("Found input variables with inconsistent numbers of samples: "
                         f"[{len(y_true)}, {len(y_pred)}]")
    labels = unique_labels(y_true, y_pred)
    kind = "binary" if len(labels) <= 2 else "multiclass"
    return kind, labels, y_true, y_pred


def _weights(sample_weight, size):
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight.numpy() if hasattr(sample_weight, "numpy")
                         else sample_weight, dtype=np.float64).reshape(-1)
    if len(weights) != size:
        raise ValueError(f"sample_weight has {len(weights)} values for {size} samples.")
    return weights


# ---- confusion matrices ----------------------------------------------------------------------

def _counts(y_true, y_pred, labels, weights):
    """Weighted counts [i, j] of (true labels[i], predicted labels[j]); samples with a label
    outside `labels` are ignored."""
    labels = np.asarray(labels)
    count = len(labels)
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]

    def index(values):
        position = np.searchsorted(sorted_labels, values)
        position = np.clip(position, 0, max(count - 1, 0))
        found = sorted_labels[position] == values if count else np.zeros(len(values), bool)
        return order[position], found

    true_index, true_found = index(y_true)
    pred_index, pred_found = index(y_pred)
    keep = true_found & pred_found
    flat = true_index[keep] * count + pred_index[keep]
    if weights is None:
        matrix = np.bincount(flat, minlength=count * count).astype(np.int64)
    else:
        matrix = np.bincount(flat, weights=weights[keep], minlength=count * count)
    return matrix.reshape(count, count)


def confusion_matrix(y_true, y_pred, labels=None, sample_weight=None, normalize=None):
    """The confusion matrix C: C[i, j] counts samples of true class i predicted as class j.

    Args:
        y_true, y_pred: labels (or 2-D one-hot/probabilities, read by argmax).
        labels: the classes, in the order of the rows/columns (default: every label seen,
            sorted). Samples with other labels are left out.
        sample_weight: per-sample weights (then C holds sums of weights).
        normalize: None (counts), "true" (each row sums to 1: rates per true class), "pred"
            (each column sums to 1) or "all" (everything sums to 1); 0/0 gives 0.

    Returns:
        An (n_classes, n_classes) int64 array (float64 with weights or normalization).

    Example:
        >>> confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1])
        array([[1, 0, 0],
               [0, 0, 1],
               [0, 1, 1]])
    """
    if normalize not in ("true", "pred", "all", None):
        raise ValueError("normalize must be one of {'true', 'pred', 'all', None}")
    kind, present, y_true, y_pred = _check_targets(y_true, y_pred)
    weights = _weights(sample_weight, len(y_true))
    integral = sample_weight is None or np.asarray(sample_weight).dtype.kind in "iub"
    if labels is None:
        labels = present
    else:
        labels = np.asarray(labels)
        if labels.size == 0:
            raise ValueError("'labels' should contains at least one label.")
        if y_true.size == 0:
            return np.zeros((len(labels), len(labels)), dtype=np.int64)
        if not np.isin(y_true, labels).any():
            raise ValueError("At least one label specified must be in y_true")
    matrix = _counts(y_true, y_pred, labels, weights)
    if integral:
        matrix = matrix.astype(np.int64)
    if normalize is None:
        return matrix
    matrix = matrix.astype(np.float64)
    with np.errstate(all="ignore"):
        if normalize == "true":
            matrix = matrix / matrix.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            matrix = matrix / matrix.sum(axis=0, keepdims=True)
        else:
            matrix = matrix / matrix.sum()
    return np.nan_to_num(matrix)


def multiclass_counts(y_true, y_pred, labels=None, sample_weight=None):
    """One-vs-rest counts per class: a dict of arrays "tp", "fp", "fn", "tn" and the labels.

    Every sample counts (also those whose labels are not in `labels`), as in scikit-learn's
    multilabel_confusion_matrix.
    """
    _, present, y_true, y_pred = _check_targets(y_true, y_pred)
    return _one_vs_rest(y_true, y_pred, present, labels, _weights(sample_weight, len(y_true)))


def _one_vs_rest(y_true, y_pred, present, labels, weights):
    if labels is None:
        labels = present
    labels = np.asarray(labels)
    extra = np.setdiff1d(present, labels) if labels.size else present
    every = np.concatenate([labels, extra]) if extra.size else labels
    order = np.argsort(every, kind="stable")
    sorted_every = every[order]
    count = len(every)
    # indices into `every` (all present labels are in it, so every sample is found)
    true_index = order[np.clip(np.searchsorted(sorted_every, y_true), 0, max(count - 1, 0))]
    pred_index = order[np.clip(np.searchsorted(sorted_every, y_pred), 0, max(count - 1, 0))]
    correct = y_true == y_pred
    # summed per class in sample order, as scikit-learn does, so that weighted sums agree
    # to the last bit
    tp = np.bincount(true_index[correct], weights=None if weights is None else
                     weights[correct], minlength=count).astype(np.float64)
    predicted = np.bincount(pred_index, weights=weights, minlength=count).astype(np.float64)
    true = np.bincount(true_index, weights=weights, minlength=count).astype(np.float64)
    total = float(len(y_true)) if weights is None else float(weights.sum())
    fp, fn = predicted - tp, true - tp
    tn = total - tp - fp - fn
    keep = slice(0, len(labels))
    return {"tp": tp[keep], "fp": fp[keep], "fn": fn[keep], "tn": tn[keep], "labels": labels}


# ---- precision, recall, F-beta, specificity ----------------------------------------------------

def _zero_division_value(zero_division):
    if isinstance(zero_division, str) and zero_division == "warn":
        return 0.0
    if isinstance(zero_division, (int, float)) and not isinstance(zero_division, bool) and \
            (zero_division in (0, 1) or np.isnan(zero_division)):
        return float(zero_division)
    raise ValueError(f"zero_division must be 'warn', 0.0, 1.0 or np.nan; got "
                     f"{zero_division!r}.")


def _warn(metric, modifier, size):
    where = "due to" if size == 1 else "in labels with"
    warnings.warn(f"{metric} is ill-defined and being set to 0.0 {where} no {modifier} "
                  "samples. Use `zero_division` parameter to control this behavior.",
                  UndefinedMetricWarning, stacklevel=4)


def _divide(numerator, denominator, metric, modifier, warn_for, zero_division):
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    zero = denominator == 0
    result = numerator / np.where(zero, 1.0, denominator)
    if not zero.any():
        return result
    result[zero] = _zero_division_value(zero_division)
    if isinstance(zero_division, str) and zero_division == "warn" and metric in warn_for:
        _warn(metric.capitalize() if metric != "f-score" else "F-score", modifier,
              result.shape[0])
    return result


def _nan_average(values, weights=None):
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return np.nan
    mask = np.isnan(values)
    if mask.all():
        return np.nan
    if weights is None:
        return float(np.mean(values[~mask]))
    weights = np.asarray(weights, dtype=np.float64)[~mask]
    if weights.sum() == 0:
        return float(np.mean(values[~mask]))
    return float(np.average(values[~mask], weights=weights))


_AVERAGES = (None, "micro", "macro", "weighted")


def _set_wise(y_true, y_pred, average, labels, pos_label, sample_weight):
    """Validated inputs and the one-vs-rest counts of the labels a metric reports."""
    if average not in _AVERAGES and average != "binary":
        if average == "samples":
            raise ValueError("average='samples' is for multilabel targets, which tensorflux's "
                             "metrics do not support; use None, 'micro', 'macro', "
                             "'weighted' or 'binary'.")
        raise ValueError("average has to be one of " + str(_AVERAGES + ("binary",)))
    kind, present, y_true, y_pred = _check_targets(y_true, y_pred)
    if average == "binary":
        if kind == "binary":
            if pos_label not in present and len(present) >= 2:
                raise ValueError(f"pos_label={pos_label} is not a valid label. It should be "
                                 f"one of {list(present)}")
            labels = [pos_label]
        else:
            raise ValueError(f"Target is {kind} but average='binary'. Please choose another "
                             f"average setting, one of {list(_AVERAGES)}.")
    elif pos_label not in (None, 1):
        warnings.warn(f"Note that pos_label (set to {pos_label!r}) is ignored when average != "
                      f"'binary' (got {average!r}). You may use labels=[pos_label] to specify "
                      "a single positive class.", UserWarning, stacklevel=3)
    weights = _weights(sample_weight, len(y_true))
    counts = _one_vs_rest(y_true, y_pred, present, labels, weights)
    if average == "micro":
        counts = {key: (np.asarray([value.sum()]) if key != "labels" else value)
                  for key, value in counts.items()}
    return counts


def _average(values, average, support):
    if average is None:
        return values
    return _nan_average(values, support if average == "weighted" else None)


def precision_recall_fscore_support(y_true, y_pred, beta=1.0, labels=None, pos_label=1,
                                    average=None, warn_for=("precision", "recall", "f-score"),
                                    sample_weight=None, zero_division="warn"):
    """Precision, recall, F-beta and support, per class or averaged (scikit-learn's rules).

    precision = TP / (TP + FP), recall = TP / (TP + FN),
    F-beta = (1 + beta^2) TP / ((1 + beta^2) TP + beta^2 FN + FP), support = TP + FN.

    Args:
        y_true, y_pred: labels (or 2-D one-hot/probabilities, read by argmax).
        beta: the weight of recall in the F-score (1: F1).
        labels: the classes to report, in order (default: all, sorted).
        pos_label: the positive class when `average="binary"`.
        average: None (per class), "binary" (the `pos_label` class only), "micro" (global
            counts), "macro" (unweighted mean over classes) or "weighted" (mean weighted by
            support).
        warn_for: which metrics warn on a zero division.
        sample_weight: per-sample weights.
        zero_division: the value of a 0/0: "warn" (0.0 and an UndefinedMetricWarning), 0.0,
            1.0 or np.nan (left out of averages).

    Returns:
        (precision, recall, fbeta, support): arrays per class, or floats (and support None)
        when averaged.

    Example:
        >>> p, r, f, s = precision_recall_fscore_support([0, 1, 1, 2], [0, 1, 2, 2])
        >>> p.tolist(), r.tolist(), s.tolist()
        ([1.0, 1.0, 0.5], [1.0, 0.5, 1.0], [1, 2, 1])
    """
    _zero_division_value(zero_division)
    if beta < 0:
        raise ValueError("beta should be >=0 in the F-beta score")
    counts = _set_wise(y_true, y_pred, average, labels, pos_label, sample_weight)
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    predicted, true = tp + fp, tp + fn
    precision_values = _divide(tp, predicted, "precision", "predicted", warn_for,
                               zero_division)
    recall_values = _divide(tp, true, "recall", "true", warn_for, zero_division)
    if np.isposinf(beta):
        f_values = recall_values
    elif beta == 0:
        f_values = precision_values
    else:
        beta2 = beta ** 2
        f_values = _divide((1 + beta2) * tp, beta2 * true + predicted, "f-score",
                           "true nor predicted", warn_for, zero_division)
    if average is None:
        support = true.astype(np.int64) if sample_weight is None else true
        return precision_values, recall_values, f_values, support
    return (_average(precision_values, average, true), _average(recall_values, average, true),
            _average(f_values, average, true), None)


def precision(y_true, y_pred, labels=None, pos_label=1, average="binary", sample_weight=None,
              zero_division="warn"):
    """TP / (TP + FP): how many predicted positives are right (default: binary)."""
    return precision_recall_fscore_support(y_true, y_pred, labels=labels, pos_label=pos_label,
                                           average=average, warn_for=("precision",),
                                           sample_weight=sample_weight,
                                           zero_division=zero_division)[0]


def recall(y_true, y_pred, labels=None, pos_label=1, average="binary", sample_weight=None,
           zero_division="warn"):
    """TP / (TP + FN), the sensitivity or true positive rate (default: binary)."""
    return precision_recall_fscore_support(y_true, y_pred, labels=labels, pos_label=pos_label,
                                           average=average, warn_for=("recall",),
                                           sample_weight=sample_weight,
                                           zero_division=zero_division)[1]


sensitivity = recall


def fbeta_score(y_true, y_pred, beta, labels=None, pos_label=1, average="binary",
                sample_weight=None, zero_division="warn"):
    """The F-beta score: (1 + beta^2) TP / ((1 + beta^2) TP + beta^2 FN + FP)."""
    return precision_recall_fscore_support(y_true, y_pred, beta=beta, labels=labels,
                                           pos_label=pos_label, average=average,
                                           warn_for=("f-score",),
                                           sample_weight=sample_weight,
                                           zero_division=zero_division)[2]


def f1_score(y_true, y_pred, labels=None, pos_label=1, average="binary", sample_weight=None,
             zero_division="warn"):
    """F1 = 2 TP / (2 TP + FP + FN), the harmonic mean of precision and recall."""
    return fbeta_score(y_true, y_pred, 1.0, labels, pos_label, average, sample_weight,
                       zero_division)


def _negative_rate(y_true, y_pred, labels, pos_label, average, sample_weight, zero_division,
                   numerator):
    _zero_division_value(zero_division)
    counts = _set_wise(y_true, y_pred, average, labels, pos_label, sample_weight)
    # a class's negatives are the samples of the other classes: TN + FP
    values = _divide(counts[numerator], counts["tn"] + counts["fp"],
                     "specificity" if numerator == "tn" else "false positive rate",
                     "negative", ("specificity", "false positive rate"), zero_division)
    if average is None:
        return values
    return _average(values, average, counts["tp"] + counts["fn"])


def specificity(y_true, y_pred, labels=None, pos_label=1, average="binary",
                sample_weight=None, zero_division="warn"):
    """TN / (TN + FP): how many negatives are recognised, the true negative rate.

    Per class (average=None) each class is one-vs-rest. Averages as for precision: "macro"
    is the unweighted mean, "weighted" weights each class by its support (its true
    positives + false negatives), "micro" pools the counts of all classes.

    Example:
        >>> float(specificity([0, 0, 1, 1], [0, 1, 1, 1]))
        0.5
    """
    return _negative_rate(y_true, y_pred, labels, pos_label, average, sample_weight,
                          zero_division, "tn")


def false_positive_rate(y_true, y_pred, labels=None, pos_label=1, average="binary",
                        sample_weight=None, zero_division="warn"):
    """FP / (FP + TN) = 1 - specificity: the fraction of negatives flagged positive."""
    return _negative_rate(y_true, y_pred, labels, pos_label, average, sample_weight,
                          zero_division, "fp")


def accuracy(y_true, y_pred, normalize=True, sample_weight=None):
    """The fraction (or, with normalize=False, the number) of correct predictions."""
    _, _, y_true, y_pred = _check_targets(y_true, y_pred)
    correct = (y_true == y_pred).astype(np.float64)
    weights = _weights(sample_weight, len(y_true))
    if normalize:
        return float(np.average(correct, weights=weights)) if correct.size else float("nan")
    return float(np.dot(correct, weights)) if weights is not None else float(correct.sum())


# ---- ROC -------------------------------------------------------------------------------------

def _scores(values, name):
    array = np.asarray(values.numpy() if hasattr(values, "numpy") else values,
                       dtype=np.float64)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D scores (one per sample); got shape "
                         f"{array.shape}.")
    return array


def _binary_curve(y_true, y_score, pos_label, sample_weight):
    """Cumulative false/true positive counts at each distinct score, from the highest."""
    y_true = _array(y_true, "y_true")
    y_score = _scores(y_score, "y_score")
    if len(y_true) != len(y_score):
        raise ValueError("Found input variables with inconsistent numbers of samples: "
                         f"[{len(y_true)}, {len(y_score)}]")
    weights = _weights(sample_weight, len(y_true))
    classes = np.unique(y_true)
    if pos_label is None:
        numeric = classes.dtype.kind in "iufb"
        allowed = ([0, 1], [-1, 1], [0], [-1], [1])
        if not numeric or not any(np.array_equal(classes, a) for a in allowed):
            raise ValueError(f"y_true takes value in {{{', '.join(map(repr, classes))}}} and "
                             "pos_label is not specified: either make y_true take value in "
                             "{0, 1} or {-1, 1} or pass pos_label explicitly.")
        pos_label = 1
    positive = (y_true == pos_label).astype(np.float64)
    order = np.argsort(y_score, kind="mergesort")[::-1]
    y_score, positive = y_score[order], positive[order]
    weight = weights[order] if weights is not None else 1.0
    distinct = np.where(np.diff(y_score))[0]
    ends = np.r_[distinct, positive.size - 1]
    tps = np.cumsum(positive * weight)[ends]
    if weights is not None:
        fps = np.cumsum((1.0 - positive) * weight)[ends]
    else:
        fps = 1 + ends - tps
    return fps, tps, y_score[ends]


def roc_curve(y_true, y_score, pos_label=None, sample_weight=None, drop_intermediate=True):
    """The ROC curve: false and true positive rates as the threshold goes down.

    Args:
        y_true: binary labels ({0, 1} or {-1, 1}, else give `pos_label`).
        y_score: scores, higher for the positive class (probabilities, logits, ...).
        drop_intermediate: drop points on straight segments (fewer points, same curve).

    Returns:
        (fpr, tpr, thresholds): the first threshold is inf (nothing predicted positive).
        Without positive (negative) samples tpr (fpr) is nan, with an
        UndefinedMetricWarning.
    """
    fps, tps, thresholds = _binary_curve(y_true, y_score, pos_label, sample_weight)
    if drop_intermediate and len(fps) > 2:
        keep = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)),
                              True])[0]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    tps = np.r_[0, tps]
    fps = np.r_[0, fps]
    thresholds = np.r_[np.inf, thresholds]
    if fps[-1] <= 0:
        warnings.warn("No negative samples in y_true, false positive value should be "
                      "meaningless", UndefinedMetricWarning, stacklevel=2)
        fpr = np.repeat(np.nan, fps.shape)
    else:
        fpr = fps / fps[-1]
    if tps[-1] <= 0:
        warnings.warn("No positive samples in y_true, true positive value should be "
                      "meaningless", UndefinedMetricWarning, stacklevel=2)
        tpr = np.repeat(np.nan, tps.shape)
    else:
        tpr = tps / tps[-1]
    return fpr, tpr, thresholds


def auc(x, y):
    """The area under a curve by the trapezoidal rule (x increasing or decreasing)."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if x.shape[0] < 2:
        raise ValueError("At least 2 points are needed to compute area under curve, but "
                         f"x.shape = {x.shape[0]}")
    direction = 1
    steps = np.diff(x)
    if np.any(steps < 0):
        if np.all(steps <= 0):
            direction = -1
        else:
            raise ValueError(f"x is neither increasing nor decreasing : {x}.")
    return float(direction * np.sum(steps * (y[1:] + y[:-1]) / 2.0))


def _binary_auc(y_true, y_score, sample_weight=None, max_fpr=None):
    if len(np.unique(y_true)) != 2:
        warnings.warn("Only one class is present in y_true. ROC AUC score is not defined in "
                      "that case.", UndefinedMetricWarning, stacklevel=3)
        return float("nan")
    fpr, tpr, _ = roc_curve(y_true, y_score, sample_weight=sample_weight)
    if max_fpr is None or max_fpr == 1:
        return auc(fpr, tpr)
    if max_fpr <= 0 or max_fpr > 1:
        raise ValueError(f"Expected max_fpr in range (0, 1], got: {max_fpr!r}")
    stop = np.searchsorted(fpr, max_fpr, "right")
    tpr = np.append(tpr[:stop], np.interp(max_fpr, fpr[stop - 1:stop + 1],
                                          tpr[stop - 1:stop + 1]))
    fpr = np.append(fpr[:stop], max_fpr)
    partial = auc(fpr, tpr)
    # McClish correction: 0.5 for a non-discriminant classifier, 1 for a perfect one
    low, high = 0.5 * max_fpr ** 2, max_fpr
    return 0.5 * (1 + (partial - low) / (high - low))


def roc_auc_score(y_true, y_score, average="macro", sample_weight=None, max_fpr=None,
                  multi_class="raise", labels=None):
    """The area under the ROC curve.

    Binary labels: `y_score` is the score of the greater label (a 2-column score array gives
    its second column). Several classes: `y_score` holds one probability column per class
    (rows sum to 1) and `multi_class` is "ovr" (each class against the rest, averaged
    "macro", "weighted" by prevalence, or "micro") or "ovo" (Hand & Till: every pair of
    classes, averaged "macro" or "weighted").
    """
    y_true = _array(y_true, "y_true")
    scores = np.asarray(y_score.numpy() if hasattr(y_score, "numpy") else y_score,
                        dtype=np.float64)
    classes = np.unique(y_true) if labels is None else np.asarray(labels)
    is_multiclass = len(np.unique(y_true)) > 2 or (scores.ndim == 2 and scores.shape[1] > 2)
    if not is_multiclass:
        if scores.ndim == 2:
            scores = scores[:, -1]
        present = np.unique(y_true)
        positive = present.max() if present.size else 1
        binary_true = (y_true == positive).astype(np.int64)
        return _binary_auc(binary_true, scores, sample_weight, max_fpr)
    if max_fpr is not None and max_fpr != 1.0:
        raise ValueError("Partial AUC computation not available in multiclass setting, "
                         f"'max_fpr' must be set to `None`, received `max_fpr={max_fpr}` "
                         "instead")
    if multi_class == "raise":
        raise ValueError("multi_class must be in ('ovo', 'ovr')")
    if multi_class not in ("ovo", "ovr"):
        raise ValueError(f"multi_class='{multi_class}' is not supported for multiclass ROC "
                         "AUC, multi_class must be in ('ovo', 'ovr')")
    if scores.ndim != 2 or scores.shape[1] != len(classes):
        raise ValueError(f"Number of classes in y_true not equal to the number of columns in "
                         f"'y_score' ({len(classes)} classes, y_score shape {scores.shape}).")
    if not np.allclose(1, scores.sum(axis=1)):
        raise ValueError("Target scores need to be probabilities for multiclass roc_auc, i.e. "
                         "they should sum up to 1.0 over classes")
    onehot = (y_true[:, None] == classes[None, :]).astype(np.int64)
    if multi_class == "ovo":
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported for multiclass one-vs-one ROC "
                             "AUC, 'sample_weight' must be None in this case.")
        if average not in ("macro", "weighted"):
            raise ValueError("average must be one of ('macro', 'weighted') for multiclass "
                             "'ovo'")
        pair_scores, prevalences = [], []
        for a in range(len(classes)):
            for b in range(a + 1, len(classes)):
                mask = (onehot[:, a] + onehot[:, b]) > 0
                score_a = _binary_auc(onehot[mask, a], scores[mask, a])
                score_b = _binary_auc(onehot[mask, b], scores[mask, b])
                pair_scores.append((score_a + score_b) / 2.0)
                prevalences.append(mask.mean())
        return float(np.average(pair_scores, weights=prevalences if average == "weighted"
                                else None))
    weights = _weights(sample_weight, len(y_true))
    if average == "micro":
        repeated = None if weights is None else np.repeat(weights, len(classes))
        return _binary_auc(onehot.ravel(), scores.ravel(), repeated)
    if average not in (None, "macro", "weighted"):
        raise ValueError("average must be one of ('micro', 'macro', 'weighted', None) for "
                         "multiclass 'ovr'")
    per_class = np.asarray([_binary_auc(onehot[:, k], scores[:, k], weights)
                            for k in range(len(classes))])
    if average is None:
        return per_class
    if average == "weighted":
        support = onehot.sum(axis=0) if weights is None else \
            (onehot * weights[:, None]).sum(axis=0)
        return float(np.average(per_class, weights=support))
    return float(np.mean(per_class))


roc_auc = roc_auc_score
