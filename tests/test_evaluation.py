"""tensorflux.evaluation against scikit-learn (random and edge-case inputs, warnings included),
the report and the PNG plots, and the Keras metrics Specificity and ConfusionMatrix."""
import warnings

import numpy as np
import pytest

import tensorflux as tf
from tensorflux import evaluation

sklearn_metrics = pytest.importorskip("sklearn.metrics", reason="scikit-learn (test extra) is "
                                      "the reference implementation")
from sklearn.exceptions import UndefinedMetricWarning as SklearnWarning  # noqa: E402


def caught(function, *args, **kwargs):
    """(result, sorted warning messages) of a call."""
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    return result, sorted(str(r.message) for r in records)


def assert_same(ours, theirs):
    if theirs is None:
        assert ours is None
        return
    np.testing.assert_allclose(np.asarray(ours, dtype=np.float64),
                               np.asarray(theirs, dtype=np.float64), rtol=1e-12, atol=1e-12,
                               equal_nan=True)


def random_case(rng):
    """Labels with some classes missing from y_true or never predicted."""
    classes = int(rng.integers(2, 6))
    size = int(rng.integers(1, 40))
    y_true = rng.integers(0, classes, size)
    y_pred = rng.integers(0, classes, size)
    if rng.random() < 0.3:
        y_pred[y_pred == classes - 1] = 0          # a class never predicted
    if rng.random() < 0.3:
        y_true[y_true == 1] = 0                    # a class never present
    weights = rng.random(size) if rng.random() < 0.3 else None
    return classes, y_true, y_pred, weights


# ---- confusion matrix ------------------------------------------------------------------------
def test_confusion_matrix_matches_sklearn_on_random_inputs():
    rng = np.random.default_rng(0)
    for _ in range(150):
        classes, y_true, y_pred, weights = random_case(rng)
        labels = None
        if rng.random() < 0.4:
            labels = rng.permutation(classes)[:int(rng.integers(1, classes + 1))]
            if not np.isin(y_true, labels).any():
                labels = np.r_[labels, y_true[0]]
        normalize = rng.choice([None, "true", "pred", "all"])
        expected, expected_warnings = caught(sklearn_metrics.confusion_matrix, y_true, y_pred,
                                             labels=labels, sample_weight=weights,
                                             normalize=normalize)
        result, _ = caught(evaluation.confusion_matrix, y_true, y_pred, labels=labels,
                           sample_weight=weights, normalize=normalize)
        assert_same(result, expected)
        assert result.dtype == expected.dtype


def test_confusion_matrix_inputs_and_errors():
    y_true, y_pred = ["cat", "dog", "dog"], ["cat", "cat", "dog"]
    np.testing.assert_array_equal(evaluation.confusion_matrix(y_true, y_pred),
                                  sklearn_metrics.confusion_matrix(y_true, y_pred))
    probabilities = np.eye(3)[[0, 2, 1, 1]] * 0.8 + 0.05
    one_hot = tf.one_hot([0, 2, 2, 1], 3)                 # tensors are accepted
    np.testing.assert_array_equal(evaluation.confusion_matrix(one_hot, probabilities),
                                  [[1, 0, 0], [0, 1, 0], [0, 1, 1]])
    with pytest.raises(ValueError, match="continuous values"):
        evaluation.confusion_matrix([0, 1], [0.2, 0.9])
    with pytest.raises(ValueError, match="At least one label specified must be in y_true"):
        evaluation.confusion_matrix([0, 1], [0, 1], labels=[5])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        evaluation.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="Mix of label input types"):
        evaluation.confusion_matrix([0, 1], ["a", "b"])
    assert evaluation.confusion_matrix([], [], labels=[0, 1]).shape == (2, 2)


# ---- precision, recall, F, support -----------------------------------------------------------
def test_precision_recall_fscore_support_matches_sklearn_with_warnings():
    rng = np.random.default_rng(1)
    for case in range(300):
        classes, y_true, y_pred, weights = random_case(rng)
        average = [None, "micro", "macro", "weighted", "binary"][case % 5]
        if average == "binary":
            y_true, y_pred = y_true % 2, y_pred % 2
        zero_division = ["warn", 0.0, 1.0, np.nan][(case // 5) % 4]
        beta = [1.0, 0.5, 2.0, 0.0, np.inf][(case // 20) % 5]
        labels = None
        if average != "binary" and rng.random() < 0.3:
            labels = list(rng.permutation(classes)[:int(rng.integers(1, classes + 1))])
        kwargs = dict(beta=beta, labels=labels, average=average, sample_weight=weights,
                      zero_division=zero_division)
        expected, expected_warnings = caught(
            sklearn_metrics.precision_recall_fscore_support, y_true, y_pred, **kwargs)
        result, result_warnings = caught(evaluation.precision_recall_fscore_support, y_true,
                                         y_pred, **kwargs)
        for ours, theirs in zip(result, expected):
            assert_same(ours, theirs)
        assert result_warnings == expected_warnings, (case, kwargs)


def test_zero_division_edge_cases_warn_like_sklearn():
    y_true, y_pred = [0, 0, 1, 1], [0, 0, 0, 0]        # class 1 never predicted
    with pytest.warns(evaluation.UndefinedMetricWarning,
                      match="Precision is ill-defined and being set to 0.0 due to no "
                            "predicted samples"):
        assert evaluation.precision(y_true, y_pred) == 0.0
    with pytest.warns(SklearnWarning, match="due to no predicted samples"):
        sklearn_metrics.precision_score(y_true, y_pred)
    assert evaluation.precision(y_true, y_pred, zero_division=1.0) == 1.0
    assert np.isnan(evaluation.precision(y_true, y_pred, zero_division=np.nan))
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # no warning when zero_division is set
        evaluation.precision(y_true, y_pred, zero_division=0.0)
    # nothing true nor predicted for class 2: F-score is ill-defined too
    _, messages = caught(evaluation.precision_recall_fscore_support, [0, 1], [0, 1],
                         labels=[0, 1, 2])
    _, expected = caught(sklearn_metrics.precision_recall_fscore_support, [0, 1], [0, 1],
                         labels=[0, 1, 2])
    assert messages == expected and any("F-score" in m for m in messages)
    with pytest.raises(ValueError, match="Target is multiclass but average='binary'"):
        evaluation.precision_recall_fscore_support([0, 1, 2], [0, 1, 1], average="binary")
    with pytest.raises(ValueError, match="pos_label=2 is not a valid label"):
        evaluation.precision_recall_fscore_support([0, 1], [0, 1], average="binary",
                                                   pos_label=2)
    with pytest.warns(UserWarning, match="pos_label .* is ignored"):
        evaluation.precision_recall_fscore_support([0, 1], [0, 1], average="macro",
                                                   pos_label=0)
    with pytest.raises(ValueError, match="zero_division"):
        evaluation.precision([0, 1], [0, 1], zero_division="ignore")
    # string labels, binary with a named positive class
    assert evaluation.recall(["spam", "ham", "spam"], ["spam", "spam", "ham"],
                             pos_label="spam") == 0.5


def test_convenience_scores_and_accuracy_match_sklearn():
    rng = np.random.default_rng(2)
    for _ in range(15):
        _, y_true, y_pred, weights = random_case(rng)
        for ours, theirs in ((evaluation.precision, sklearn_metrics.precision_score),
                             (evaluation.recall, sklearn_metrics.recall_score),
                             (evaluation.f1_score, sklearn_metrics.f1_score)):
            for average in ("macro", "weighted", "micro"):
                assert_same(caught(ours, y_true, y_pred, average=average,
                                   sample_weight=weights)[0],
                            caught(theirs, y_true, y_pred, average=average,
                                   sample_weight=weights)[0])
        assert_same(evaluation.accuracy(y_true, y_pred, sample_weight=weights),
                    sklearn_metrics.accuracy_score(y_true, y_pred, sample_weight=weights))
        assert_same(evaluation.accuracy(y_true, y_pred, normalize=False),
                    sklearn_metrics.accuracy_score(y_true, y_pred, normalize=False))
    assert evaluation.sensitivity is evaluation.recall


def test_specificity_and_false_positive_rate():
    rng = np.random.default_rng(3)
    for _ in range(60):
        classes, y_true, y_pred, weights = random_case(rng)
        matrices = sklearn_metrics.multilabel_confusion_matrix(
            y_true, y_pred, labels=list(range(classes)), sample_weight=weights)
        tn, fp = matrices[:, 0, 0].astype(float), matrices[:, 0, 1].astype(float)
        support = matrices[:, 1, 1] + matrices[:, 1, 0]
        with np.errstate(all="ignore"):
            expected = np.where(tn + fp > 0, tn / np.where(tn + fp > 0, tn + fp, 1), 0.0)
        result, _ = caught(evaluation.specificity, y_true, y_pred, labels=list(range(classes)),
                           average=None, sample_weight=weights)
        assert_same(result, expected)
        fpr, _ = caught(evaluation.false_positive_rate, y_true, y_pred,
                        labels=list(range(classes)), average=None, sample_weight=weights)
        assert_same(fpr, np.where(tn + fp > 0, 1 - expected, 0.0))
        assert_same(caught(evaluation.specificity, y_true, y_pred, labels=list(range(classes)),
                           average="macro", sample_weight=weights)[0], expected.mean())
        if support.sum() > 0:
            assert_same(caught(evaluation.specificity, y_true, y_pred,
                               labels=list(range(classes)), average="weighted",
                               sample_weight=weights)[0], np.average(expected, weights=support))
        assert_same(caught(evaluation.specificity, y_true, y_pred, labels=list(range(classes)),
                           average="micro", sample_weight=weights)[0],
                    tn.sum() / (tn.sum() + fp.sum()))
    # binary: the recall of the negative class
    y_true, y_pred = [0, 0, 0, 1, 1], [0, 1, 0, 1, 0]
    assert evaluation.specificity(y_true, y_pred) == \
        sklearn_metrics.recall_score(y_true, y_pred, pos_label=0)
    with pytest.warns(evaluation.UndefinedMetricWarning, match="Specificity is ill-defined .* "
                                                                 "no negative samples"):
        assert evaluation.specificity([1, 1], [1, 0]) == 0.0


# ---- ROC ---------------------------------------------------------------------------------------
def test_roc_curve_and_auc_match_sklearn():
    rng = np.random.default_rng(4)
    for case in range(80):
        size = int(rng.integers(2, 60))
        y_true = rng.integers(0, 2, size)
        if y_true.min() == y_true.max():
            y_true[0] = 1 - y_true[0]
        scores = np.round(rng.random(size), 1 if case % 2 else 6)   # with and without ties
        weights = rng.random(size) if case % 3 == 0 else None
        drop = bool(case % 4)
        expected = sklearn_metrics.roc_curve(y_true, scores, sample_weight=weights,
                                             drop_intermediate=drop)
        result = evaluation.roc_curve(y_true, scores, sample_weight=weights,
                                      drop_intermediate=drop)
        for ours, theirs in zip(result, expected):
            assert_same(ours, theirs)
        assert_same(evaluation.roc_auc_score(y_true, scores, sample_weight=weights),
                    sklearn_metrics.roc_auc_score(y_true, scores, sample_weight=weights))
        assert_same(evaluation.auc(result[0], result[1]),
                    sklearn_metrics.auc(expected[0], expected[1]))
        max_fpr = [None, 0.3, 0.8][case % 3]
        assert_same(evaluation.roc_auc_score(y_true, scores, max_fpr=max_fpr),
                    sklearn_metrics.roc_auc_score(y_true, scores, max_fpr=max_fpr))
    # labels other than {0, 1} need pos_label
    assert_same(evaluation.roc_curve(["n", "p", "p"], [0.1, 0.8, 0.4], pos_label="p")[1],
                sklearn_metrics.roc_curve(["n", "p", "p"], [0.1, 0.8, 0.4], pos_label="p")[1])
    with pytest.raises(ValueError, match="pos_label is not specified"):
        evaluation.roc_curve([1, 2, 2], [0.1, 0.8, 0.4])
    _, messages = caught(evaluation.roc_curve, [1, 1], [0.3, 0.4])
    assert messages == ["No negative samples in y_true, false positive value should be "
                        "meaningless"]
    result, messages = caught(evaluation.roc_auc_score, [1, 1], [0.3, 0.4])
    assert np.isnan(result) and "Only one class is present" in messages[0]


def test_multiclass_roc_auc_matches_sklearn():
    rng = np.random.default_rng(5)
    for case in range(10):
        classes = int(rng.integers(3, 6))
        size = int(rng.integers(classes * 3, 60))
        y_true = np.r_[np.arange(classes), rng.integers(0, classes, size - classes)]
        logits = rng.normal(size=(size, classes)) + 1.5 * np.eye(classes)[y_true]
        scores = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        for multi_class in ("ovr", "ovo"):
            for average in ("macro", "weighted"):
                assert_same(evaluation.roc_auc_score(y_true, scores, multi_class=multi_class,
                                                     average=average),
                            sklearn_metrics.roc_auc_score(y_true, scores,
                                                          multi_class=multi_class,
                                                          average=average))
        assert_same(evaluation.roc_auc_score(y_true, scores, multi_class="ovr", average=None),
                    sklearn_metrics.roc_auc_score(y_true, scores, multi_class="ovr",
                                                  average=None))
        assert_same(evaluation.roc_auc_score(y_true, scores, multi_class="ovr",
                                             average="micro"),
                    sklearn_metrics.roc_auc_score(y_true, scores, multi_class="ovr",
                                                  average="micro"))
    with pytest.raises(ValueError, match="multi_class must be in"):
        evaluation.roc_auc_score(y_true, scores)
    with pytest.raises(ValueError, match="should sum up to 1.0"):
        evaluation.roc_auc_score(y_true, scores * 2, multi_class="ovr")


# ---- report ------------------------------------------------------------------------------------
def test_classification_report_matches_sklearn_and_adds_specificity():
    rng = np.random.default_rng(6)
    for case in range(25):
        classes, y_true, y_pred, weights = random_case(rng)
        # (without any correct prediction scikit-learn's supports become floats, printed
        # "1.0": a quirk of its bincount code that tensorflux does not copy)
        y_pred[0] = y_true[0]
        names = [f"class {i}" for i in range(classes)] if case % 2 else None
        labels = list(range(classes)) if names else None
        kwargs = dict(labels=labels, target_names=names, sample_weight=weights,
                      digits=2 + case % 3, zero_division=[0.0, 1.0][case % 2])
        assert evaluation.classification_report(y_true, y_pred, specificity=False, **kwargs) \
            == sklearn_metrics.classification_report(y_true, y_pred, **kwargs)
        ours = evaluation.classification_report(y_true, y_pred, specificity=False,
                                                output_dict=True, **kwargs)
        theirs = sklearn_metrics.classification_report(y_true, y_pred, output_dict=True,
                                                       **kwargs)
        assert ours.keys() == theirs.keys()
        for key in theirs:
            if isinstance(theirs[key], dict):
                assert ours[key].keys() == theirs[key].keys()
                assert_same(list(ours[key].values()), list(theirs[key].values()))
            else:
                assert_same(ours[key], theirs[key])
    report = evaluation.classification_report([0, 0, 1, 1, 2], [0, 1, 1, 1, 0],
                                              target_names=["a", "b", "c"], zero_division=0)
    lines = report.splitlines()
    assert lines[0].split() == ["precision", "recall", "specificity", "f1-score", "support"]
    # class a: TN = 2 (samples of b, c not predicted a) of 3 negatives
    assert lines[2].split() == ["a", "0.50", "0.50", "0.67", "0.50", "2"]
    as_dict = evaluation.classification_report([0, 0, 1, 1, 2], [0, 1, 1, 1, 0],
                                               output_dict=True, zero_division=0)
    assert as_dict["1"]["specificity"] == pytest.approx(2 / 3)
    assert as_dict["accuracy"] == pytest.approx(0.6)


# ---- plots -------------------------------------------------------------------------------------
def test_plots_are_nontrivial_pngs(tmp_path):
    pytest.importorskip("matplotlib", reason="plots need matplotlib (test extra)")
    from PIL import Image
    rng = np.random.default_rng(7)
    y_true = rng.integers(0, 4, 200)
    y_pred = np.where(rng.random(200) < 0.7, y_true, rng.integers(0, 4, 200))
    matrix = evaluation.confusion_matrix(y_true, y_pred)
    path = evaluation.plot_confusion_matrix(matrix, ["T-shirt", "Trouser", "Pullover", "Dress"],
                                            tmp_path / "plots" / "confusion_matrix.png")
    history = {"loss": [1.2, 0.8, 0.6, 0.5], "val_loss": [1.3, 0.9, 0.8, 0.8],
               "accuracy": [0.5, 0.7, 0.8, 0.85], "val_accuracy": [0.45, 0.65, 0.7, 0.72]}
    history_path = evaluation.plot_history(history, str(tmp_path / "history.png"))
    for png, minimum in ((path, (700, 300)), (history_path, (600, 250))):
        with Image.open(png) as image:
            assert image.format == "PNG"
            assert image.size[0] >= minimum[0] and image.size[1] >= minimum[1]
            pixels = np.asarray(image.convert("L"), dtype=np.float64)
        assert pixels.std() > 10                              # drawn, not blank
        assert (pixels < 128).mean() > 0.01                    # has dark marks (text, curves)
    with pytest.raises(ValueError, match="square"):
        evaluation.plot_confusion_matrix(np.ones((2, 3)), path=str(tmp_path / "x.png"))


def test_plot_history_from_fit(tmp_path):
    pytest.importorskip("matplotlib", reason="plots need matplotlib (test extra)")
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=3, verbose=0,
                        validation_split=0.25)
    path = evaluation.plot_history(history, str(tmp_path / "fit.png"))
    from PIL import Image
    with Image.open(path) as image:
        assert image.size[0] > 800      # two panels: loss and mae


# ---- Keras metrics -------------------------------------------------------------------------------
def test_keras_specificity_metric():
    rng = np.random.default_rng(8)
    y_true = rng.integers(0, 2, 50)
    scores = rng.random(50).astype("float32")
    metric = tf.keras.metrics.Specificity()
    metric.update_state(y_true[:25], scores[:25])
    metric.update_state(y_true[25:], scores[25:])
    expected = evaluation.specificity(y_true, (scores > 0.5).astype(int))
    assert float(metric.result()) == pytest.approx(expected)
    several = tf.keras.metrics.Specificity(thresholds=[0.3, 0.7])
    several.update_state(y_true, scores)
    np.testing.assert_allclose(several.result().numpy(),
                               [evaluation.specificity(y_true, (scores > t).astype(int))
                                for t in (0.3, 0.7)], rtol=1e-6)
    one_hot = np.eye(3)[rng.integers(0, 3, 20)]
    probabilities = rng.random((20, 3)).astype("float32")
    per_class = tf.keras.metrics.Specificity(class_id=2)
    per_class.update_state(one_hot, probabilities)
    assert float(per_class.result()) == pytest.approx(
        evaluation.specificity(one_hot[:, 2], (probabilities[:, 2] > 0.5).astype(int)))
    metric.reset_state()
    assert float(metric.result()) == 0.0
    assert tf.keras.metrics.get("specificity").__class__.__name__ == "Specificity"


def test_keras_confusion_matrix_metric_eager_graph_and_fit():
    rng = np.random.default_rng(9)
    labels = rng.integers(0, 4, 30)
    probabilities = rng.random((30, 4)).astype("float32")
    metric = tf.keras.metrics.ConfusionMatrix(num_classes=4)
    metric.update_state(labels[:10], probabilities[:10])

    @tf.function
    def update(y_true, y_pred, weights):
        metric.update_state(y_true, y_pred, sample_weight=weights)

    update(np.eye(4, dtype="float32")[labels[10:]], probabilities[10:],
           np.ones(20, "float32"))
    np.testing.assert_array_equal(metric.result().numpy(),
                                  evaluation.confusion_matrix(labels, probabilities,
                                                              labels=range(4)))
    binary = tf.keras.metrics.ConfusionMatrix(num_classes=2)
    binary.update_state([0, 1, 1, 0], [[0.2], [0.7], [0.4], [0.9]])
    np.testing.assert_array_equal(binary.result().numpy(), [[1, 1], [1, 1]])
    with pytest.raises(ValueError, match="num_classes"):
        tf.keras.metrics.ConfusionMatrix(num_classes=0)

    model = tf.keras.Sequential([tf.keras.Input((3,)),
                                 tf.keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=[tf.keras.metrics.ConfusionMatrix(3, name="cm")])
    x, y = rng.random((12, 3)).astype("float32"), rng.integers(0, 3, 12)
    model.fit(x, y, epochs=1, verbose=0, batch_size=4)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    expected = evaluation.confusion_matrix(y, model.predict(x, verbose=0), labels=range(3))
    np.testing.assert_array_equal(np.asarray(logs["cm"]), expected)
    config = tf.keras.metrics.ConfusionMatrix(5, name="cm").get_config()
    assert config["num_classes"] == 5 and config["name"] == "cm"


@pytest.mark.parametrize("module", ["tensorflux.evaluation._metrics",
                                    "tensorflux.evaluation._report",
                                    "tensorflux.keras.metrics.evaluation_metrics"])
def test_docstring_examples(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(module), extraglobs={"tf": tf},
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
