"""tensorflux.evaluation: how good is a classifier? Metrics, reports and plots computed from
labels and predictions (NumPy arrays or tensors), beyond what Keras metrics give.

    from tensorflux import evaluation
    y_pred = model.predict(x_test).argmax(axis=1)
    print(evaluation.classification_report(y_test, y_pred, target_names=class_names))
    matrix = evaluation.confusion_matrix(y_test, y_pred)
    evaluation.plot_confusion_matrix(matrix, class_names, "confusion_matrix.png")
    evaluation.plot_history(history, "history.png")

The metric functions follow scikit-learn's definitions and edge cases (zero divisions,
averages, ROC thresholds), checked against it in the tests; specificity (true negative rate)
and the false positive rate, which scikit-learn does not provide, follow the same rules.
Plots need matplotlib (optional extra: pip install 'tensorflux[matplotlib]').
"""
from tensorflux.evaluation._metrics import (UndefinedMetricWarning, accuracy, auc,
                                            confusion_matrix, f1_score, false_positive_rate,
                                            fbeta_score, multiclass_counts, precision,
                                            precision_recall_fscore_support, recall, roc_auc,
                                            roc_auc_score, roc_curve, sensitivity, specificity,
                                            unique_labels)
from tensorflux.evaluation._plots import plot_confusion_matrix, plot_history
from tensorflux.evaluation._report import classification_report

__all__ = ["UndefinedMetricWarning", "accuracy", "auc", "classification_report",
           "confusion_matrix", "f1_score", "false_positive_rate", "fbeta_score",
           "multiclass_counts", "plot_confusion_matrix", "plot_history", "precision",
           "precision_recall_fscore_support", "recall", "roc_auc", "roc_auc_score",
           "roc_curve", "sensitivity", "specificity", "unique_labels"]
