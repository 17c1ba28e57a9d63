"""Writes tests/fixtures/keras_losses_metrics.json from real TensorFlow + Keras 3.

Run with the reference interpreter (TensorFlow is not a test dependency):

    /tmp/reftf/bin/python tools/make_fixtures_losses_metrics.py

Contents:
  data              small fixed inputs (float32 unless stated), shared by the cases below;
  loss_cases        every loss class x {reductions} x {no weights, sample weights}, from_logits
                    both ways, with the expected Keras value;
  function_cases    loss / metric functions called directly (per-sample values);
  marker_cases      softmax/sigmoid outputs carrying their logits fed to cross-entropies;
  metric_cases      every metric after two update_state calls (the second with sample
                    weights where the metric takes them), result() after each;
  loss_configs / metric configs   Keras' get_config() of each constructed object;
  identifiers       what keras.losses.get / keras.metrics.get return for each string name.
"""
import json
import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, os.pardir, "tests", "fixtures", "keras_losses_metrics.json")

rng = np.random.RandomState(1234)


def f32(x):
    return np.asarray(x, dtype=np.float32)


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return f32(e / e.sum(-1, keepdims=True))


def sigmoid(x):
    return f32(1.0 / (1.0 + np.exp(-x)))


# ---- shared inputs ---------------------------------------------------------------------------

LOGITS = f32(rng.normal(0, 2, (4, 3)))
BIN_LOGITS = f32(rng.normal(0, 2, (4, 2)))
DATA = {
    "reg": (f32(rng.uniform(0.1, 2.0, (4, 3))), f32(rng.uniform(0.1, 2.0, (4, 3)))),
    "reg_neg": (f32(rng.normal(0, 1.5, (4, 3))), f32(rng.normal(0, 1.5, (4, 3)))),
    "reg_zero": (f32([[0.0, 1.0, -2.0], [0.5, 0.0, 3.0]]),
                 f32([[0.1, 0.0, -1.0], [0.0, 0.0, 2.0]])),
    "reg_col": (f32(rng.normal(0, 1, (4,))), f32(rng.normal(0, 1, (4, 1)))),
    "rank3": (f32(rng.normal(0, 1, (2, 2, 3))), f32(rng.normal(0, 1, (2, 2, 3)))),
    "prob": (f32(np.eye(3)[[0, 2, 1, 2]]), softmax(LOGITS)),
    "logits": (f32(np.eye(3)[[0, 2, 1, 2]]), LOGITS),
    "soft": (softmax(f32(rng.normal(0, 1, (4, 3)))), softmax(LOGITS)),
    "prob_extreme": (f32(np.eye(3)[[0, 2, 1, 2]]),
                     f32([[1.0, 0.0, 0.0], [0.2, 0.8, 0.0], [0.0, 1.0, 0.0], [0.3, 0.3, 0.4]])),
    "bin": (f32(rng.randint(0, 2, (4, 2))), sigmoid(BIN_LOGITS)),
    "bin_logits": (f32(rng.randint(0, 2, (4, 2))), BIN_LOGITS),
    "bin_col": (f32([1, 0, 1, 1]), f32([[0.9], [0.2], [0.4], [0.7]])),
    "bin_extreme": (f32([[1, 0], [0, 1], [1, 1], [0, 0]]),
                    f32([[1.0, 0.0], [1.0, 0.0], [0.999, 0.5], [0.0, 0.0]])),
    "sparse": (np.asarray([0, 2, 1, 2], np.int32), softmax(LOGITS)),
    "sparse_logits": (np.asarray([0, 2, 1, 2], np.int32), LOGITS),
    "sparse_col": (np.asarray([[0], [2], [1], [2]], np.int32), softmax(LOGITS)),
    "sparse_ignore": (np.asarray([0, -1, 1, 2], np.int32), softmax(LOGITS)),
    "sparse_ignore_logits": (np.asarray([0, -1, 1, 2], np.int32), LOGITS),
    "hinge01": (f32(rng.randint(0, 2, (4, 3))), f32(rng.normal(0, 1, (4, 3)))),
    "hinge_pm": (f32(2 * rng.randint(0, 2, (4, 3)) - 1), f32(rng.normal(0, 1, (4, 3)))),
    "hinge_other": (f32([[0.0, 2.0, 1.0], [1.0, 0.0, 0.0]]),
                    f32([[0.3, -0.4, 0.8], [1.2, 0.1, -0.6]])),
}
SW = f32([0.5, 1.0, 2.0, 0.0])
SW_COL = f32([[1.5], [0.0], [1.0], [0.5]])
LOSS_WEIGHTS = {None: None, "sw": SW, "sw_col": SW_COL, "sw_2": SW[:2], "sw_col_2": SW_COL[:2]}

REDUCTIONS = ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight", "mean"]

LOSS_CASES = [
    ("MeanSquaredError", {}, ["reg", "reg_neg", "rank3", "reg_col"]),
    ("MeanAbsoluteError", {}, ["reg", "reg_neg"]),
    ("MeanAbsolutePercentageError", {}, ["reg", "reg_zero"]),
    ("MeanSquaredLogarithmicError", {}, ["reg", "reg_neg"]),
    ("CosineSimilarity", {}, ["reg_neg", "reg_zero"]),
    ("CosineSimilarity", {"axis": 0}, ["reg_neg"]),
    ("Huber", {}, ["reg_neg"]),
    ("Huber", {"delta": 0.5}, ["reg_neg"]),
    ("LogCosh", {}, ["reg_neg"]),
    ("Hinge", {}, ["hinge01", "hinge_pm", "hinge_other"]),
    ("SquaredHinge", {}, ["hinge01", "hinge_pm"]),
    ("CategoricalHinge", {}, ["hinge01", "prob"]),
    ("KLDivergence", {}, ["soft", "prob_extreme"]),
    ("Poisson", {}, ["reg"]),
    ("BinaryCrossentropy", {}, ["bin", "bin_extreme", "bin_col"]),
    ("BinaryCrossentropy", {"from_logits": True}, ["bin_logits"]),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, ["bin"]),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, ["bin_logits"]),
    ("BinaryFocalCrossentropy", {}, ["bin"]),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5},
     ["bin"]),
    ("BinaryFocalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, ["bin_logits"]),
    ("CategoricalCrossentropy", {}, ["prob", "soft", "prob_extreme"]),
    ("CategoricalCrossentropy", {"from_logits": True}, ["logits"]),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, ["prob"]),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, ["logits"]),
    ("CategoricalFocalCrossentropy", {}, ["prob"]),
    ("CategoricalFocalCrossentropy", {"from_logits": True, "alpha": 0.5, "gamma": 1.0},
     ["logits"]),
    ("SparseCategoricalCrossentropy", {}, ["sparse", "sparse_col", "prob_extreme_sparse"]),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, ["sparse_logits"]),
    ("SparseCategoricalCrossentropy", {"ignore_class": -1}, ["sparse_ignore"]),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": -1},
     ["sparse_ignore_logits"]),
    ("Dice", {}, ["bin", "prob"]),
    ("Dice", {"axis": 1}, ["bin"]),
    ("Tversky", {"alpha": 0.3, "beta": 0.7}, ["bin"]),
    ("Tversky", {"axis": [1]}, ["prob"]),
    ("CategoricalGeneralizedCrossEntropy", {}, ["sparse"]),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.2}, ["sparse"]),
]
DATA["prob_extreme_sparse"] = (np.asarray([0, 2, 1, 2], np.int32), DATA["prob_extreme"][1])

FUNCTION_CASES = [
    ("losses", "mean_squared_error", {}, "reg_neg"),
    ("losses", "mean_absolute_error", {}, "reg_col"),
    ("losses", "mean_absolute_percentage_error", {}, "reg_zero"),
    ("losses", "mean_squared_logarithmic_error", {}, "reg"),
    ("losses", "cosine_similarity", {"axis": -1}, "reg_neg"),
    ("losses", "huber", {"delta": 2.0}, "reg_neg"),
    ("losses", "log_cosh", {}, "reg_neg"),
    ("losses", "kl_divergence", {}, "soft"),
    ("losses", "poisson", {}, "reg"),
    ("losses", "hinge", {}, "hinge01"),
    ("losses", "squared_hinge", {}, "hinge_other"),
    ("losses", "categorical_hinge", {}, "prob"),
    ("losses", "binary_crossentropy", {}, "bin"),
    ("losses", "binary_crossentropy", {"from_logits": True, "axis": 0}, "bin_logits"),
    ("losses", "binary_crossentropy", {"label_smoothing": 0.3}, "bin_extreme"),
    ("losses", "binary_focal_crossentropy", {"gamma": 3.0}, "bin"),
    ("losses", "categorical_crossentropy", {}, "prob_extreme"),
    ("losses", "categorical_crossentropy", {"from_logits": True, "axis": 0}, "logits"),
    ("losses", "categorical_crossentropy", {"label_smoothing": 0.3}, "soft"),
    ("losses", "categorical_focal_crossentropy", {}, "soft"),
    ("losses", "sparse_categorical_crossentropy", {}, "sparse"),
    ("losses", "sparse_categorical_crossentropy", {"from_logits": True}, "sparse_logits"),
    ("losses", "sparse_categorical_crossentropy", {"ignore_class": -1}, "sparse_ignore"),
    ("losses", "dice", {"axis": -1}, "prob"),
    ("losses", "tversky", {"alpha": 0.8, "beta": 0.2}, "bin"),
    ("losses", "categorical_generalized_cross_entropy", {"q": 0.7}, "sparse"),
    ("metrics", "pearson_correlation", {}, "reg_neg"),
    ("metrics", "concordance_correlation", {"axis": 0}, "reg_neg"),
    ("metrics", "binary_accuracy", {}, "bin"),
    ("metrics", "binary_accuracy", {"threshold": 0.3}, "bin_col"),
    ("metrics", "categorical_accuracy", {}, "prob"),
    ("metrics", "sparse_categorical_accuracy", {}, "sparse"),
    ("metrics", "sparse_categorical_accuracy", {}, "sparse_col"),
    ("metrics", "top_k_categorical_accuracy", {"k": 2}, "prob"),
    ("metrics", "sparse_top_k_categorical_accuracy", {"k": 2}, "sparse"),
    ("metrics", "sparse_top_k_categorical_accuracy", {"k": 1}, "sparse_col"),
]

# ---- metric inputs ------------------------------------------------------------------------------

BIN_TRUE = f32([1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1])
BIN_SCORE = f32(rng.uniform(0, 1, (12,)))
BIN_SCORE[[2, 7]] = [0.0, 1.0]          # exact 0 and 1 hit the bucket edge cases
BIN_SCORE[5] = 0.5                      # a score equal to the default threshold
MC_LABELS = rng.randint(0, 4, (8,))
MC_TRUE = f32(np.eye(4)[MC_LABELS])
MC_SCORE = softmax(f32(rng.normal(0, 1.5, (8, 4))))
ML_TRUE = f32(rng.randint(0, 2, (6, 3)))
ML_SCORE = f32(rng.uniform(0, 1, (6, 3)))
METRIC_DATA = {
    "values": (f32(rng.normal(0, 1, (4,))), None),
    "values2d": (f32(rng.normal(0, 1, (4, 2))), None),
    "bin_a": (BIN_TRUE[:6], BIN_SCORE[:6]),
    "bin_b": (BIN_TRUE[6:], BIN_SCORE[6:]),
    "bin2d_a": (BIN_TRUE[:6].reshape(3, 2), BIN_SCORE[:6].reshape(3, 2)),
    "bin2d_b": (BIN_TRUE[6:].reshape(3, 2), BIN_SCORE[6:].reshape(3, 2)),
    "binlogit_a": (BIN_TRUE[:6], f32((BIN_SCORE[:6] - 0.5) * 6)),
    "binlogit_b": (BIN_TRUE[6:], f32((BIN_SCORE[6:] - 0.5) * 6)),
    "binlogit2d_a": (BIN_TRUE[:6].reshape(3, 2), f32((BIN_SCORE[:6] - 0.5) * 6).reshape(3, 2)),
    "binlogit2d_b": (BIN_TRUE[6:].reshape(3, 2), f32((BIN_SCORE[6:] - 0.5) * 6).reshape(3, 2)),
    "mc_a": (MC_TRUE[:4], MC_SCORE[:4]),
    "mc_b": (MC_TRUE[4:], MC_SCORE[4:]),
    "mcs_a": (MC_LABELS[:4].astype(np.int32), MC_SCORE[:4]),
    "mcs_b": (MC_LABELS[4:].reshape(4, 1).astype(np.int32), MC_SCORE[4:]),
    "ml_a": (ML_TRUE[:3], ML_SCORE[:3]),
    "ml_b": (ML_TRUE[3:], ML_SCORE[3:]),
    "reg_a": (DATA["reg"][0][:2], DATA["reg"][1][:2]),
    "reg_b": (DATA["reg"][0][2:], DATA["reg"][1][2:]),
    "regn_a": (DATA["reg_neg"][0][:2], DATA["reg_neg"][1][:2]),
    "regn_b": (DATA["reg_neg"][0][2:], DATA["reg_neg"][1][2:]),
    "soft_a": (DATA["soft"][0][:2], DATA["soft"][1][:2]),
    "soft_b": (DATA["soft"][0][2:], DATA["soft"][1][2:]),
    "hinge_a": (DATA["hinge01"][0][:2], DATA["hinge01"][1][:2]),
    "hinge_b": (DATA["hinge01"][0][2:], DATA["hinge01"][1][2:]),
    "exact_a": (np.asarray([[1], [2], [3], [4]], np.int32), f32([[0], [2], [3], [4]])),
    "exact_b": (np.asarray([[1], [2], [3], [4]], np.int32), f32([[1], [2], [0], [0]])),
    "seg_a": (np.asarray([0, 1, 2, 2, 1, 0], np.int32), np.asarray([0, 1, 1, 2, 0, 0], np.int32)),
    "seg_b": (np.asarray([[2, 1], [0, 0]], np.int32), np.asarray([[2, 2], [0, 1]], np.int32)),
    "segbin_a": (np.asarray([0, 1, 1, 0, 1, 0], np.int32), BIN_SCORE[:6]),
    "segbin_b": (np.asarray([1, 1, 0, 0, 1, 0], np.int32), BIN_SCORE[6:]),
    "sci_a": (np.asarray([0, -1, 2, 1], np.int32), MC_SCORE[:4, :3]),
    "sci_b": (np.asarray([2, 1, -1, 0], np.int32), MC_SCORE[4:, :3]),
}
SW4 = f32([1.0, 0.5, 2.0, 0.0])
SW2 = f32([2.0, 0.5])
SW3 = f32([0.5, 2.0, 1.0])
SW6 = f32([1.0, 0.0, 2.0, 0.5, 1.5, 1.0])

# (class name, config, [(data key, sample weight or None), ...])
METRIC_CASES = [
    ("Mean", {}, [("values", None), ("values2d", SW4)]),
    ("Sum", {}, [("values", None), ("values2d", SW4)]),
    ("Accuracy", {}, [("exact_a", None), ("exact_b", SW4)]),
    ("BinaryAccuracy", {}, [("bin_a", None), ("bin_b", SW6)]),
    ("BinaryAccuracy", {"threshold": 0.7}, [("bin2d_a", None), ("bin2d_b", SW3)]),
    ("CategoricalAccuracy", {}, [("mc_a", None), ("mc_b", SW4)]),
    ("SparseCategoricalAccuracy", {}, [("mcs_a", None), ("mcs_b", SW4)]),
    ("TopKCategoricalAccuracy", {"k": 2}, [("mc_a", None), ("mc_b", SW4)]),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, [("mcs_a", None), ("mcs_b", SW4)]),
    ("TruePositives", {}, [("bin_a", None), ("bin_b", SW6)]),
    ("FalsePositives", {"thresholds": [0.15, 0.5, 0.85]}, [("bin_a", None), ("bin_b", SW6)]),
    ("TrueNegatives", {"thresholds": [0.0, 0.5, 1.0]}, [("bin_a", None), ("bin_b", SW6)]),
    ("FalseNegatives", {"thresholds": 0.3}, [("bin2d_a", None), ("bin2d_b", SW3)]),
    ("Precision", {}, [("bin_a", None), ("bin_b", SW6)]),
    ("Precision", {"thresholds": [0.2, 0.4, 0.6]}, [("bin_a", None), ("bin_b", SW6)]),
    ("Precision", {"top_k": 2}, [("mc_a", None), ("mc_b", SW4)]),
    ("Precision", {"class_id": 1}, [("mc_a", None), ("mc_b", SW4)]),
    ("Precision", {"top_k": 1, "class_id": 2}, [("mc_a", None), ("mc_b", SW4)]),
    ("Recall", {}, [("bin_a", None), ("bin_b", SW6)]),
    ("Recall", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, [("bin_a", None), ("bin_b", SW6)]),
    ("Recall", {"top_k": 2}, [("mc_a", None), ("mc_b", SW4)]),
    ("Recall", {"class_id": 3}, [("mc_a", None), ("mc_b", SW4)]),
    ("AUC", {}, [("bin_a", None), ("bin_b", SW6)]),
    ("AUC", {"num_thresholds": 11}, [("bin_a", None), ("bin_b", SW6)]),
    ("AUC", {"curve": "PR"}, [("bin_a", None), ("bin_b", SW6)]),
    ("AUC", {"curve": "PR", "num_thresholds": 7}, [("bin_a", None), ("bin_b", SW6)]),
    ("AUC", {"curve": "PR", "summation_method": "majoring"}, [("bin_a", None), ("bin_b", SW6)]),
    ("AUC", {"summation_method": "minoring"}, [("bin_a", None), ("bin_b", SW6)]),
    ("AUC", {"curve": "PRGAIN"}, [("bin_a", None), ("bin_b", SW6)]),
    ("AUC", {"thresholds": [0.1, 0.35, 0.5, 0.8]}, [("bin_a", None), ("bin_b", SW6)]),
    ("AUC", {"curve": "PR", "thresholds": [0.25, 0.5, 0.75]}, [("bin_a", None), ("bin_b", SW6)]),
    ("AUC", {"from_logits": True}, [("binlogit_a", None), ("binlogit_b", SW6)]),
    ("AUC", {"multi_label": True}, [("ml_a", None), ("ml_b", SW3)]),
    ("AUC", {"multi_label": True, "num_labels": 3, "curve": "PR"}, [("ml_a", None), ("ml_b", SW3)]),
    ("AUC", {"multi_label": True, "label_weights": [0.2, 1.0, 0.5]},
     [("ml_a", None), ("ml_b", SW3)]),
    ("AUC", {"label_weights": [0.3, 1.0, 2.0]}, [("ml_a", None), ("ml_b", SW3)]),
    ("AUC", {}, [("mc_a", None), ("mc_b", SW4)]),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, [("bin_a", None), ("bin_b", SW6)]),
    ("SensitivityAtSpecificity", {"specificity": 0.8, "num_thresholds": 1},
     [("bin_a", None), ("bin_b", SW6)]),
    ("SpecificityAtSensitivity", {"sensitivity": 0.6}, [("bin_a", None), ("bin_b", SW6)]),
    ("PrecisionAtRecall", {"recall": 0.7}, [("bin_a", None), ("bin_b", SW6)]),
    ("RecallAtPrecision", {"precision": 0.6}, [("bin_a", None), ("bin_b", SW6)]),
    ("RecallAtPrecision", {"precision": 0.5, "num_thresholds": 11, "class_id": 1},
     [("mc_a", None), ("mc_b", SW4)]),
    ("F1Score", {}, [("mc_a", None), ("mc_b", SW4)]),
    ("F1Score", {"average": "micro", "threshold": 0.5}, [("ml_a", None), ("ml_b", SW3)]),
    ("F1Score", {"average": "macro", "threshold": 0.4}, [("ml_a", None), ("ml_b", SW3)]),
    ("F1Score", {"average": "weighted"}, [("mc_a", None), ("mc_b", SW4)]),
    ("FBetaScore", {"beta": 2.0, "threshold": 0.5}, [("ml_a", None), ("ml_b", SW3)]),
    ("FBetaScore", {"beta": 0.5, "average": "macro"}, [("mc_a", None), ("mc_b", SW4)]),
    ("MeanSquaredError", {}, [("reg_a", None), ("reg_b", SW2)]),
    ("MeanAbsoluteError", {}, [("regn_a", None), ("regn_b", SW2)]),
    ("MeanAbsolutePercentageError", {}, [("reg_a", None), ("reg_b", SW2)]),
    ("MeanSquaredLogarithmicError", {}, [("reg_a", None), ("reg_b", SW2)]),
    ("RootMeanSquaredError", {}, [("regn_a", None), ("regn_b", SW2)]),
    ("CosineSimilarity", {}, [("regn_a", None), ("regn_b", SW2)]),
    ("LogCoshError", {}, [("regn_a", None), ("regn_b", SW2)]),
    ("PearsonCorrelation", {}, [("regn_a", None), ("regn_b", SW2)]),
    ("ConcordanceCorrelation", {}, [("regn_a", None), ("regn_b", SW2)]),
    ("R2Score", {}, [("regn_a", None), ("regn_b", SW2)]),
    ("R2Score", {"class_aggregation": "variance_weighted_average"},
     [("regn_a", None), ("regn_b", SW2)]),
    ("R2Score", {"class_aggregation": None}, [("regn_a", None), ("regn_b", SW2)]),
    ("BinaryCrossentropy", {}, [("bin2d_a", None), ("bin2d_b", SW3)]),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1},
     [("binlogit2d_a", None), ("binlogit2d_b", SW3)]),
    ("CategoricalCrossentropy", {}, [("mc_a", None), ("mc_b", SW4)]),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}, [("soft_a", None), ("soft_b", SW2)]),
    ("SparseCategoricalCrossentropy", {}, [("mcs_a", None), ("mcs_b", SW4)]),
    ("SparseCategoricalCrossentropy", {"ignore_class": -1}, [("sci_a", None), ("sci_b", SW4)]),
    ("KLDivergence", {}, [("soft_a", None), ("soft_b", SW2)]),
    ("Poisson", {}, [("reg_a", None), ("reg_b", SW2)]),
    ("Hinge", {}, [("hinge_a", None), ("hinge_b", SW2)]),
    ("SquaredHinge", {}, [("hinge_a", None), ("hinge_b", SW2)]),
    ("CategoricalHinge", {}, [("hinge_a", None), ("hinge_b", SW2)]),
    ("MeanIoU", {"num_classes": 3}, [("seg_a", None), ("seg_b", np.asarray([[1, 2], [0, 1]]))]),
    ("MeanIoU", {"num_classes": 3, "ignore_class": 0}, [("seg_a", None), ("seg_b", None)]),
    ("IoU", {"num_classes": 3, "target_class_ids": [0, 2]}, [("seg_a", None), ("seg_b", None)]),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.4},
     [("segbin_a", None), ("segbin_b", None)]),
    ("OneHotMeanIoU", {"num_classes": 4}, [("mc_a", None), ("mc_b", None)]),
    ("OneHotIoU", {"num_classes": 4, "target_class_ids": [1, 3]},
     [("mc_a", None), ("mc_b", None)]),
]


# ---- helpers ------------------------------------------------------------------------------------

def jsonable(x):
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, (int, float)):
        return x
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if hasattr(x, "numpy"):
        x = x.numpy()
    array = np.asarray(x)
    if array.dtype.kind == "f":
        # 9 significant digits round-trip float32 exactly and keep the file small
        return np.vectorize(lambda v: float(f"{v:.9g}"), otypes=[object])(array).tolist() \
            if array.ndim else float(f"{float(array):.9g}")
    if array.dtype.kind in "iub":
        return array.tolist()
    return str(x)


def encode_array(x):
    if x is None:
        return None
    array = np.asarray(x)
    return {"dtype": str(array.dtype), "value": jsonable(array)}


def value(x):
    return jsonable(np.asarray(x))


# ---- build -------------------------------------------------------------------------------------

def build_losses():
    cases, configs = [], {}
    for class_name, config, datasets in LOSS_CASES:
        for data in datasets:
            y_true, y_pred = DATA[data]
            for reduction in REDUCTIONS:
                for weights in (None, "sw", "sw_col"):
                    if weights == "sw_col" and reduction not in ("sum_over_batch_size", "none"):
                        continue
                    loss = getattr(keras.losses, class_name)(reduction=reduction, **config)
                    if weights and len(y_true) == 2:
                        weights += "_2"
                    sample_weight = LOSS_WEIGHTS[weights]
                    if config.get("axis", -1) not in (-1, None, 1, [1]) and weights:
                        continue  # per-sample values are not per batch row then
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        result = loss(y_true, y_pred, sample_weight=sample_weight)
                    cases.append({"class_name": class_name, "config": config, "data": data,
                                  "reduction": reduction,
                                  "sample_weight": weights, "expected": value(result)})
                    key = class_name + json.dumps(config, sort_keys=True)
                    configs.setdefault(key, {"class_name": class_name, "config": config,
                                             "keras_config": jsonable(
                                                 getattr(keras.losses, class_name)(**config)
                                                 .get_config())})
    return cases, list(configs.values())


def build_functions():
    cases = []
    for module, name, kwargs, data in FUNCTION_CASES:
        fn = getattr(getattr(keras, module), name)
        y_true, y_pred = DATA[data]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn(tf.constant(y_true), tf.constant(y_pred), **kwargs)
        cases.append({"module": module, "name": name, "kwargs": kwargs, "data": data,
                      "expected": value(result)})
    return cases


def build_markers():
    """Softmax/sigmoid outputs that carry their logits (keras.activations), as a Keras model's
    output does, fed to cross-entropies with from_logits=True and False."""
    extreme = f32([[30.0, 0.0, -10.0], [1.0, 2.0, 0.5]])
    labels = np.asarray([2, 1], np.int32)
    onehot = f32(np.eye(3)[labels])
    bin_logits = f32([[25.0, -3.0], [0.5, -30.0]])
    bin_labels = f32([[0.0, 1.0], [1.0, 1.0]])
    cases = []
    for class_name, y_true, logits, activation in (
            ("SparseCategoricalCrossentropy", labels, extreme, "softmax"),
            ("CategoricalCrossentropy", onehot, extreme, "softmax"),
            ("BinaryCrossentropy", bin_labels, bin_logits, "sigmoid")):
        for from_logits in (True, False):
            output = getattr(keras.activations, activation)(tf.constant(logits))
            assert hasattr(output, "_keras_logits")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = getattr(keras.losses, class_name)(from_logits=from_logits)(
                    y_true, output)
            plain = getattr(keras.losses, class_name)(from_logits=from_logits)(
                y_true, tf.constant(np.asarray(output)))
            cases.append({"class_name": class_name, "activation": activation,
                          "from_logits": from_logits, "y_true": encode_array(y_true),
                          "logits": encode_array(logits), "expected": value(result),
                          "expected_without_marker": value(plain),
                          "warned": any("does not represent logits" in str(w.message)
                                        for w in caught)})
    return cases


def build_metrics():
    cases = []
    for class_name, config, updates in METRIC_CASES:
        metric = getattr(keras.metrics, class_name)(**config)
        results = []
        encoded = []
        for data, sample_weight in updates:
            y_true, y_pred = METRIC_DATA[data]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if y_pred is None:
                    metric.update_state(y_true, sample_weight=sample_weight)
                else:
                    metric.update_state(y_true, y_pred, sample_weight=sample_weight)
            results.append(value(metric.result()))
            encoded.append({"data": data, "sample_weight": encode_array(sample_weight)})
        metric.reset_state()
        cases.append({"class_name": class_name, "config": config, "updates": encoded,
                      "expected": results, "keras_config": jsonable(metric.get_config()),
                      "variables": [v.name for v in metric.variables],
                      "after_reset": value(metric.result()) if class_name not in (
                          "F1Score", "FBetaScore", "R2Score") else None})
    return cases


def build_identifiers():
    from keras.src.losses import ALL_OBJECTS_DICT as loss_names
    from keras.src.metrics import ALL_OBJECTS_DICT as metric_names
    losses_out, metrics_out = {}, {}
    for name in sorted(loss_names):
        if name in ("Loss", "LossFunctionWrapper"):
            continue
        obj = keras.losses.get(name)
        losses_out[name] = ["function", obj.__name__] if callable(obj) and \
            not isinstance(obj, keras.losses.Loss) else ["instance", type(obj).__name__]
    for name in sorted(metric_names):
        if name in ("Metric", "MeanMetricWrapper", "metric", "mean_metric_wrapper"):
            continue
        try:
            obj = keras.metrics.get(name)
        except TypeError:  # needs constructor arguments (IoU classes)
            metrics_out[name] = ["class", metric_names[name].__name__]
            continue
        metrics_out[name] = ["instance", type(obj).__name__]
    public = {"losses": sorted(n for n in dir(tf.keras.losses) if not n.startswith("_")),
              "metrics": sorted(n for n in dir(tf.keras.metrics) if not n.startswith("_"))}
    return {"losses": losses_out, "metrics": metrics_out, "public": public}


def main():
    loss_cases, loss_configs = build_losses()
    fixture = {
        "meta": {"tensorflow": tf.__version__, "keras": keras.__version__,
                 "generator": "tools/make_fixtures_losses_metrics.py"},
        "data": {name: {"y_true": encode_array(y_true), "y_pred": encode_array(y_pred)}
                 for name, (y_true, y_pred) in DATA.items()},
        "loss_weights": {name: encode_array(w) for name, w in LOSS_WEIGHTS.items() if name},
        "metric_data": {name: {"y_true": encode_array(y_true), "y_pred": encode_array(y_pred)}
                        for name, (y_true, y_pred) in METRIC_DATA.items()},
        "loss_cases": loss_cases,
        "loss_configs": loss_configs,
        "function_cases": build_functions(),
        "marker_cases": build_markers(),
        "metric_cases": build_metrics(),
        "identifiers": build_identifiers(),
    }
    text = json.dumps(fixture, separators=(",", ":"), sort_keys=True)
    with open(OUT + ".tmp", "w") as handle:
        handle.write(text)
    os.replace(OUT + ".tmp", OUT)
    print(f"wrote {OUT}: {len(text) / 1024:.1f} KB, {len(loss_cases)} loss cases, "
          f"{len(fixture['function_cases'])} function cases, "
          f"{len(fixture['metric_cases'])} metric cases")


if __name__ == "__main__":
    main()
