"""classification_report: a per-class table of precision, recall (sensitivity), specificity,
F1 and support, with accuracy and macro/weighted averages (scikit-learn's layout, plus the
specificity column)."""
import numpy as np

from tensorflux.evaluation import _metrics

__all__ = ["classification_report"]


def classification_report(y_true, y_pred, labels=None, target_names=None, sample_weight=None,
                          digits=2, output_dict=False, zero_division="warn",
                          specificity=True):
    """The text report (or a dict) of per-class and averaged classification metrics.

    Args:
        y_true, y_pred: labels (or 2-D one-hot/probabilities, read by argmax).
        labels: the classes to report, in order (default: all, sorted).
        target_names: display names of `labels`.
        sample_weight: per-sample weights.
        digits: decimals of the text report.
        output_dict: return {class name: {metric: value}, "accuracy": ..., "macro avg": ...}.
        zero_division: as in `precision_recall_fscore_support`.
        specificity: add the specificity column (False gives scikit-learn's exact table).

    Returns:
        The report text, or its dict.

    Example:
        >>> print(classification_report([0, 1, 1, 0], [0, 1, 0, 0], target_names=["cat", "dog"]))
                        precision      recall specificity    f1-score     support
        <BLANKLINE>
                 cat         0.67        1.00        0.50        0.80           2
                 dog         1.00        0.50        1.00        0.67           2
        <BLANKLINE>
            accuracy                                             0.75           4
           macro avg         0.83        0.75        0.75        0.73           4
        weighted avg         0.83        0.75        0.75        0.73           4
        <BLANKLINE>
    """
    kind, present, y_true, y_pred = _metrics._check_targets(y_true, y_pred)
    labels_given = labels is not None
    labels = present if labels is None else np.asarray(labels)
    micro_is_accuracy = not labels_given or set(labels.tolist()) >= set(present.tolist())
    if target_names is not None and len(labels) != len(target_names):
        if labels_given:
            import warnings
            warnings.warn(f"labels size, {len(labels)}, does not match size of target_names, "
                          f"{len(target_names)}")
        else:
            raise ValueError(f"Number of classes, {len(labels)}, does not match size of "
                             f"target_names, {len(target_names)}. Try specifying the labels "
                             "parameter")
    if target_names is None:
        target_names = [str(label) for label in labels]
    headers = ["precision", "recall"] + (["specificity"] if specificity else []) + \
        ["f1-score", "support"]
    common = dict(labels=labels, sample_weight=sample_weight, zero_division=zero_division)
    p, r, f1, support = _metrics.precision_recall_fscore_support(y_true, y_pred, average=None,
                                                                 **common)
    columns = [p, r] + ([_metrics.specificity(y_true, y_pred, average=None, **common)]
                        if specificity else []) + [f1]
    rows = [(name, [float(c[i]) for c in columns], support[i])
            for i, name in enumerate(target_names)]
    averages = []
    for average in ("micro", "macro", "weighted"):
        heading = "accuracy" if average == "micro" and micro_is_accuracy else f"{average} avg"
        ap, ar, af, _ = _metrics.precision_recall_fscore_support(y_true, y_pred,
                                                                 average=average, **common)
        values = [ap, ar] + ([_metrics.specificity(y_true, y_pred, average=average, **common)]
                             if specificity else []) + [af]
        averages.append((heading, [float(v) for v in values], np.sum(support)))

    if output_dict:
        report = {name: dict(zip(headers, values + [_number(count)]))
                  for name, values, count in rows}
        for heading, values, count in averages:
            if heading == "accuracy":
                report[heading] = values[0]
            else:
                report[heading] = dict(zip(headers, values + [_number(count)]))
        return report

    width = max(max(len(name) for name in target_names) if target_names else 0,
                len("weighted avg"), digits)
    column = max(9, max(len(h) for h in headers))
    text = f"{'':>{width}s} " + "".join(f" {h:>{column}}" for h in headers) + "\n\n"
    for name, values, count in rows:
        text += _row(name, values, count, width, column, digits)
    text += "\n"
    for heading, values, count in averages:
        if heading == "accuracy":
            blanks = "".join(f" {'':>{column}}" for _ in headers[:-2])
            text += (f"{heading:>{width}s} {blanks} {values[-1]:>{column}.{digits}f}"
                     f" {_number(count):>{column}}\n")
        else:
            text += _row(heading, values, count, width, column, digits)
    return text


def _number(count):
    """A support as scikit-learn prints it: an int for counts, a float for weight sums."""
    value = np.asarray(count)
    return int(value) if value.dtype.kind in "iub" else float(value)


def _row(name, values, count, width, column, digits):
    cells = "".join(f" {value:>{column}.{digits}f}" for value in values)
    return f"{name:>{width}s} {cells} {_number(count):>{column}}\n"
