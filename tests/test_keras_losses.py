"""keras.losses against real Keras 3 outputs (tests/fixtures/keras_losses_metrics.json, made by
tools/make_fixtures_losses_metrics.py), eagerly and inside tf.function; gradients against
finite differences; configs, lookup and error messages."""
import json
import warnings

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras import losses
from tensorflux.testing import check_gradients

from helpers import decode, load_losses_metrics_fixture

FIXTURE = load_losses_metrics_fixture()

RTOL, ATOL = 1e-5, 1e-6

DATA = {name: (decode(d["y_true"]), decode(d["y_pred"])) for name, d in FIXTURE["data"].items()}
WEIGHTS = {name: decode(w) for name, w in FIXTURE["loss_weights"].items()}
WEIGHTS[None] = None


def _group_loss_cases():
    groups = {}
    for case in FIXTURE["loss_cases"]:
        key = (case["class_name"], json.dumps(case["config"], sort_keys=True), case["data"])
        groups.setdefault(key, []).append(case)
    return groups


LOSS_GROUPS = _group_loss_cases()


def _compute(loss, y_true, y_pred, sample_weight, mode):
    if mode == "eager":
        return loss(y_true, y_pred, sample_weight=sample_weight)
    step = tf.function(lambda yt, yp, sw: loss(yt, yp, sample_weight=sw))
    weight = None if sample_weight is None else tf.constant(sample_weight)
    return step(tf.constant(y_true), tf.constant(y_pred), weight)


@pytest.mark.parametrize("mode", ["eager", "function"])
@pytest.mark.parametrize("key", sorted(LOSS_GROUPS), ids=lambda k: f"{k[0]}{k[1]}-{k[2]}")
def test_loss_classes_match_keras(key, mode):
    class_name, config, data = key
    y_true, y_pred = DATA[data]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in LOSS_GROUPS[key]:
            loss = getattr(losses, class_name)(reduction=case["reduction"],
                                               **json.loads(config))
            result = _compute(loss, y_true, y_pred, WEIGHTS[case["sample_weight"]], mode)
            np.testing.assert_allclose(
                np.asarray(result), np.asarray(case["expected"], dtype=np.float32), rtol=RTOL,
                atol=ATOL, err_msg=f"{class_name}({config}) on {data}, reduction="
                f"{case['reduction']}, sample_weight={case['sample_weight']}")


@pytest.mark.parametrize("mode", ["eager", "function"])
def test_loss_functions_match_keras(mode):
    from tensorflux.keras import metrics
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in FIXTURE["function_cases"]:
            module = losses if case["module"] == "losses" else metrics
            fn = getattr(module, case["name"])
            y_true, y_pred = DATA[case["data"]]
            kwargs = case["kwargs"]
            if mode == "eager":
                result = fn(y_true, y_pred, **kwargs)
            else:
                result = tf.function(lambda a, b: fn(a, b, **kwargs))(tf.constant(y_true),
                                                                      tf.constant(y_pred))
            np.testing.assert_allclose(np.asarray(result), np.asarray(case["expected"]),
                                       rtol=RTOL, atol=ATOL,
                                       err_msg=f"{case['name']}({kwargs}) on {case['data']}")


def test_loss_configs_match_keras():
    for entry in FIXTURE["loss_configs"]:
        loss = getattr(losses, entry["class_name"])(**entry["config"])
        config = loss.get_config()
        # Keras' items, plus the constructor arguments Keras leaves out (Huber's delta,
        # CosineSimilarity's axis), so from_config(get_config()) round-trips here.
        extra = {"Huber": {"delta"}, "CosineSimilarity": {"axis"},
                 "SparseCategoricalCrossentropy": {"axis"}}.get(entry["class_name"], set())
        assert {k: v for k, v in config.items() if k not in extra} == entry["keras_config"], \
            entry["class_name"]
        clone = type(loss).from_config(loss.get_config())
        assert clone.get_config() == loss.get_config()
        restored = losses.deserialize(losses.serialize(loss))
        assert type(restored) is type(loss) and restored.get_config() == loss.get_config()
        assert losses.get(losses.serialize(loss)).get_config() == loss.get_config()


# ---- softmax / sigmoid outputs fed to cross-entropies ---------------------------------------

MARKER_CASES = FIXTURE["marker_cases"]


@pytest.mark.parametrize("case", MARKER_CASES,
                         ids=lambda c: f"{c['class_name']}-from_logits={c['from_logits']}")
def test_activation_output_with_logits_eager(case):
    """An eager softmax/sigmoid output carrying `_keras_logits` is scored from the logits."""
    logits = tf.constant(decode(case["logits"]))
    activation = tf.nn.softmax if case["activation"] == "softmax" else tf.sigmoid
    output = activation(logits)
    output._keras_logits = logits
    loss = getattr(losses, case["class_name"])(from_logits=case["from_logits"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = loss(decode(case["y_true"]), output)
    warned = any("does not represent logits" in str(w.message) for w in caught)
    assert warned == case["warned"]
    np.testing.assert_allclose(float(value), case["expected"], rtol=RTOL)
    plain = loss(decode(case["y_true"]), tf.constant(output.numpy()))
    np.testing.assert_allclose(float(plain), case["expected_without_marker"], rtol=RTOL)


@pytest.mark.parametrize("case", MARKER_CASES,
                         ids=lambda c: f"{c['class_name']}-from_logits={c['from_logits']}")
def test_activation_output_in_graph_uses_its_logits(case):
    """Inside tf.function the Softmax/Sigmoid op that made y_pred gives the logits."""
    activation = tf.nn.softmax if case["activation"] == "softmax" else tf.sigmoid
    loss = getattr(losses, case["class_name"])(from_logits=case["from_logits"])
    step = tf.function(lambda y, z: loss(y, activation(z)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = step(tf.constant(decode(case["y_true"])), tf.constant(decode(case["logits"])))
    assert any("does not represent logits" in str(w.message) for w in caught) == \
        case["warned"]
    np.testing.assert_allclose(float(value), case["expected"], rtol=RTOL)


def test_softmax_output_in_tf1_graph():
    graph = tf.Graph()
    with graph.as_default():
        logits = tf.compat.v1.placeholder(tf.float32, [None, 3])
        labels = tf.compat.v1.placeholder(tf.int32, [None])
        with pytest.warns(UserWarning, match="produced by a Softmax activation"):
            value = losses.sparse_categorical_crossentropy(labels, tf.nn.softmax(logits),
                                                           from_logits=True)
        with tf.compat.v1.Session(graph=graph) as sess:
            result = sess.run(value, {logits: [[30.0, 0.0, -10.0]], labels: [2]})
    np.testing.assert_allclose(result, [40.0], rtol=RTOL)


def test_seed_program_pattern_softmax_with_from_logits_trains_on_logits():
    """001f: Dense(10, 'softmax') + SparseCategoricalCrossentropy(from_logits=True): the loss
    and its gradient are those of the logits, not of a double softmax."""
    logits = tf.constant([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]])
    labels = tf.constant([0, 1])
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    expected = losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        probabilities = tf.nn.softmax(logits)
        probabilities._keras_logits = logits
        with pytest.warns(UserWarning):
            value = loss(labels, probabilities)
    gradient = tape.gradient(value, logits)
    np.testing.assert_allclose(float(value), float(expected), rtol=RTOL)
    softmax = tf.nn.softmax(logits).numpy()
    np.testing.assert_allclose(gradient.numpy(), (softmax - np.eye(3)[[0, 1]]) / 2, rtol=1e-5,
                               atol=1e-7)


# ---- gradients --------------------------------------------------------------------------------

def _f64(name):
    y_true, y_pred = DATA[name]
    return y_true.astype(np.float64) if y_true.dtype.kind == "f" else y_true, \
        y_pred.astype(np.float64)


GRADIENT_CASES = [
    ("mean_squared_error", {}, "reg_neg"),
    ("mean_absolute_error", {}, "reg_neg"),
    ("mean_absolute_percentage_error", {}, "reg"),
    ("mean_squared_logarithmic_error", {}, "reg"),
    ("cosine_similarity", {}, "reg_neg"),
    ("huber", {"delta": 1.0}, "reg_neg"),
    ("log_cosh", {}, "reg_neg"),
    ("kl_divergence", {}, "soft"),
    ("poisson", {}, "reg"),
    ("hinge", {}, "hinge01"),
    ("squared_hinge", {}, "hinge_pm"),
    ("categorical_hinge", {}, "hinge01"),
    ("binary_crossentropy", {}, "bin"),
    ("binary_crossentropy", {"from_logits": True, "label_smoothing": 0.1}, "bin_logits"),
    ("binary_focal_crossentropy", {"apply_class_balancing": True}, "bin"),
    ("binary_focal_crossentropy", {"from_logits": True}, "bin_logits"),
    ("categorical_crossentropy", {}, "soft"),
    ("categorical_crossentropy", {"from_logits": True, "label_smoothing": 0.2}, "logits"),
    ("categorical_focal_crossentropy", {}, "prob"),
    ("categorical_focal_crossentropy", {"from_logits": True}, "logits"),
    ("sparse_categorical_crossentropy", {}, "sparse"),
    ("sparse_categorical_crossentropy", {"from_logits": True}, "sparse_logits"),
    ("sparse_categorical_crossentropy", {"from_logits": True, "ignore_class": -1},
     "sparse_ignore_logits"),
    ("dice", {}, "bin"),
    ("tversky", {"alpha": 0.2, "beta": 0.8, "axis": -1}, "prob"),
    ("categorical_generalized_cross_entropy", {"q": 0.4}, "sparse"),
]


@pytest.mark.parametrize("name,kwargs,data", GRADIENT_CASES,
                         ids=[f"{c[0]}{c[1]}" for c in GRADIENT_CASES])
def test_loss_gradients_match_finite_differences(name, kwargs, data):
    y_true, y_pred = _f64(data)
    fn = getattr(losses, name)
    check_gradients(lambda p: fn(tf.constant(y_true), p, **kwargs), [y_pred])


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none",
                                       "mean_with_sample_weight"])
def test_loss_class_gradient_with_weights(reduction):
    y_true, y_pred = _f64("prob")
    loss = losses.CategoricalCrossentropy(reduction=reduction, dtype="float64")
    weights = np.array([0.5, 1.0, 2.0, 0.25])
    check_gradients(lambda p: loss(tf.constant(y_true), p, sample_weight=weights), [y_pred])


# ---- API -------------------------------------------------------------------------------------

UNSUPPORTED_LOSSES = {"CTC", "Circle", "circle", "ctc"}  # not implemented yet


def test_get_matches_keras_for_every_identifier():
    for name, (kind, target) in FIXTURE["identifiers"]["losses"].items():
        if name in UNSUPPORTED_LOSSES:
            continue
        obj = losses.get(name)
        if kind == "function":
            assert callable(obj) and obj.__name__ == target, name
        else:
            assert type(obj).__name__ == target, name


def test_public_names_cover_tf_keras_losses():
    missing = set(FIXTURE["identifiers"]["public"]["losses"]) - set(dir(losses))
    assert missing <= UNSUPPORTED_LOSSES, sorted(missing - UNSUPPORTED_LOSSES)


def test_get_variants():
    assert losses.get(None) is None
    assert losses.get("sparse_categorical_crossentropy") is \
        losses.sparse_categorical_crossentropy
    assert losses.get("mse") is losses.mean_squared_error
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    assert losses.get(losses.MeanSquaredError) is not None
    loss = losses.get({"class_name": "CategoricalCrossentropy",
                       "config": {"from_logits": True}})
    assert loss.from_logits is True
    custom = lambda y_true, y_pred: y_pred  # noqa: E731
    assert losses.get(custom) is custom
    assert losses.deserialize(losses.serialize(losses.mean_absolute_error)) is \
        losses.mean_absolute_error


def test_unknown_identifier_lists_valid_names():
    with pytest.raises(ValueError, match=r"Could not interpret loss identifier: 'foo'.*"
                                         r"mean_squared_error"):
        losses.get("foo")
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        losses.get(42)


def test_invalid_reduction():
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`.*'avg'"):
        losses.MeanSquaredError(reduction="avg")
    assert losses.MeanSquaredError(reduction=losses.Reduction.AUTO).reduction == \
        "sum_over_batch_size"


@pytest.mark.parametrize("loss,y_true,y_pred", [
    (losses.MeanSquaredError(), np.zeros((2, 3)), np.zeros((2, 4))),
    (losses.mean_absolute_error, np.zeros((2, 3)), np.zeros((2, 4))),
    (losses.CategoricalCrossentropy(), np.zeros((2, 3)), np.full((2, 4), 0.25)),
    (losses.BinaryCrossentropy(), np.zeros((2, 3)), np.full((2, 4), 0.5)),
    (losses.SparseCategoricalCrossentropy(), np.zeros((3,)), np.full((2, 4), 0.25)),
])
def test_shape_mismatch_names_both_shapes(loss, y_true, y_pred):
    with pytest.raises(ValueError) as info:
        loss(y_true, y_pred)
    message = str(info.value)
    assert str(y_true.shape) in message and str(y_pred.shape) in message, message


def test_sample_weight_shape_mismatch():
    with pytest.raises(ValueError, match=r"sample_weight of shape \(3,\).*\(2,\)"):
        losses.MeanSquaredError()(np.zeros((2, 3)), np.ones((2, 3)), sample_weight=[1., 2., 3.])


def test_custom_loss_subclass_and_wrapper():
    class Doubled(losses.Loss):
        def call(self, y_true, y_pred):
            return 2.0 * tf.reduce_mean(tf.square(y_pred - y_true), axis=-1)

    loss = Doubled(reduction="sum")
    assert loss.name == "doubled"
    np.testing.assert_allclose(float(loss([[0., 0.]], [[1., 3.]])), 10.0)
    wrapper = losses.LossFunctionWrapper(losses.huber, name="h", delta=0.5)
    config = wrapper.get_config()
    assert config["fn"]["config"] == "huber" and config["delta"] == 0.5
    clone = losses.LossFunctionWrapper.from_config(config)
    np.testing.assert_allclose(float(clone([[0.]], [[2.]])), float(wrapper([[0.]], [[2.]])))


def test_keras_mask_on_predictions_excludes_entries():
    y_pred = tf.constant([[1.0], [3.0], [5.0]])
    y_pred._keras_mask = tf.constant([True, False, True])
    value = losses.MeanSquaredError()(tf.zeros((3, 1)), y_pred)
    np.testing.assert_allclose(float(value), (1.0 + 25.0) / 2, rtol=RTOL)


def test_losses_in_tf1_session():
    graph = tf.Graph()
    with graph.as_default():
        y_pred = tf.compat.v1.placeholder(tf.float32, [None, 3])
        value = losses.CategoricalCrossentropy(from_logits=True)(
            tf.constant([[0., 1., 0.]]), y_pred)
        grad = tf.gradients(value, y_pred)[0]
        with tf.compat.v1.Session(graph=graph) as sess:
            loss_value, grad_value = sess.run([value, grad], {y_pred: [[1.0, 2.0, 3.0]]})
    softmax = np.exp([1., 2., 3.]) / np.exp([1., 2., 3.]).sum()
    np.testing.assert_allclose(loss_value, -np.log(softmax[1]), rtol=RTOL)
    np.testing.assert_allclose(grad_value, [softmax - [0, 1, 0]], rtol=1e-5)


def test_softmax_marker_without_logits():
    """A tensor marked `_keras_from_softmax` (no logits attached) is turned back into logits
    when the loss was told from_logits=True, so softmax is not applied twice."""
    class Marked(tf.Tensor):  # eager tensors have __slots__; a subclass can carry the marker
        pass

    probabilities = tf.nn.softmax(tf.constant([[3.0, 0.0, -1.0]])).numpy()
    marked = Marked._from_array(probabilities)
    marked._keras_from_softmax = True
    with pytest.warns(UserWarning, match="does not represent logits"):
        value = losses.SparseCategoricalCrossentropy(from_logits=True)([0], marked)
    np.testing.assert_allclose(float(value), -np.log(probabilities[0, 0]), rtol=1e-5)
