"""keras.wrappers: scikit-learn estimators around a compiled Keras model
(SKLearnClassifier, SKLearnRegressor, SKLearnTransformer). They need scikit-learn.

    clf = keras.wrappers.SKLearnClassifier(model=build_model, fit_kwargs={"epochs": 5})
    clf.fit(X, y).predict(X)

`model` is a compiled Model (cloned, with its compile settings, at each fit unless
`warm_start`) or a callable `model(X=..., y=..., **model_kwargs)` returning a compiled Model.
The classifier one-hot encodes the labels (so the model ends with one unit per class) and
`predict` returns the labels back; targets of shape (n,) are reshaped to (n, 1) for the model
and back.
"""
import copy

import numpy as np

try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError:                           # scikit-learn is optional
    sklearn = None

    class BaseEstimator:
        pass

    class ClassifierMixin:
        pass

    class RegressorMixin:
        pass

    class TransformerMixin:
        pass

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


def _require_sklearn(name):
    if sklearn is None:
        raise ImportError(f"{name} requires `scikit-learn` to be installed. Run `pip install "
                          "scikit-learn` to install it.")


def _validate_data(estimator, *args, **kwargs):
    try:
        from sklearn.utils.validation import validate_data      # scikit-learn >= 1.6
    except ImportError:
        return estimator._validate_data(*args, **kwargs)
    return validate_data(estimator, *args, **kwargs)


def _type_of_target(y):
    from sklearn.utils.multiclass import type_of_target
    kind = type_of_target(y)
    if kind == "unknown":
        raise ValueError(f"Unknown label type for data: {y!r}")
    return kind


def _check_model(model):
    if not getattr(model, "compiled", False) or not model.loss or not model.optimizer:
        raise RuntimeError("Given model needs to be compiled, and have a loss and an "
                           "optimizer.")


def _clone_compiled(model):
    """clone_model plus the original's compile settings (as Keras 3's clone_model does)."""
    from tensorflux.keras.models import clone_model
    clone = clone_model(model)
    if getattr(model, "compiled", False) and not getattr(clone, "compiled", False):
        optimizer = model.optimizer
        if hasattr(optimizer, "get_config"):
            optimizer = type(optimizer).from_config(optimizer.get_config())
        config = getattr(model, "compile_config", None) or {}
        clone.compile(optimizer=optimizer, loss=model.loss, metrics=config.get("metrics"),
                      loss_weights=config.get("loss_weights"))
    return clone


class _SKReshaper(TransformerMixin, BaseEstimator):
    """(n,) targets <-> (n, 1) model targets, as a scikit-learn transformer."""

    def fit(self, y, *args):
        self.ndim_ = np.asarray(y).ndim
        return self

    def transform(self, y):
        y = np.asarray(y)
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y):
        if self.ndim_ == 1 and y.ndim == 2:
            return np.squeeze(y, axis=1)
        return y


class _SKLBase(BaseEstimator):
    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        _require_sklearn(type(self).__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def _more_tags(self):
        return {"non_deterministic": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    def __sklearn_clone__(self):
        model = self.model if callable(self.model) else copy.deepcopy(self.model)
        return type(self)(model=model, warm_start=self.warm_start,
                          model_kwargs=self.model_kwargs, fit_kwargs=self.fit_kwargs)

    @property
    def epoch_(self):
        """The number of epochs trained by the last fit."""
        history = getattr(self, "history_", None)
        return len(history.epoch) if history is not None and hasattr(history, "epoch") else 0

    def _get_model(self, X, y):
        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        from tensorflux.keras.models import Model
        if isinstance(self.model, Model):
            return _clone_compiled(self.model)
        return self.model(X=X, y=y, **(self.model_kwargs or {}))

    def fit(self, X, y, **kwargs):
        """Trains a (fresh, unless warm_start) model on X, y; returns self."""
        X, y = _validate_data(self, X, y)
        y = self._process_target(y, reset=True)
        model = self._get_model(X, y)
        _check_model(model)
        fit_kwargs = dict(self.fit_kwargs or {})
        fit_kwargs.update(kwargs)
        self.history_ = model.fit(X, y, **fit_kwargs)
        self.model_ = model
        return self

    def predict(self, X):
        """The model's predictions, with the target encoding undone."""
        from sklearn.utils.validation import check_is_fitted
        check_is_fitted(self)
        X = _validate_data(self, X, reset=False)
        return self._reverse_process_target(self.model_.predict(X))

    def _process_target(self, y, reset=False):
        _type_of_target(y)
        if reset:
            self._target_encoder = _SKReshaper().fit(y)
        return self._target_encoder.transform(y)

    def _reverse_process_target(self, y):
        return self._target_encoder.inverse_transform(y)


class SKLearnClassifier(ClassifierMixin, _SKLBase):
    """A scikit-learn classifier around a Keras model whose output has one unit per class
    (softmax / sigmoid): labels are one-hot encoded for training, `predict` returns labels.

    Args:
        model: a compiled Model, or a callable(X=, y=, **model_kwargs) -> compiled Model
            (y is the one-hot target).
        warm_start: keep training the model of the previous fit.
        model_kwargs: extra keyword arguments for the model callable.
        fit_kwargs: keyword arguments for `model.fit` (epochs, batch_size, ...).

    Attributes (after fit): `model_`, `history_`, `classes_`, `n_features_in_`.
    """

    def decision_function(self, X):
        """The model's raw outputs (class scores)."""
        from sklearn.utils.validation import check_is_fitted
        check_is_fitted(self)
        X = _validate_data(self, X, reset=False)
        return self.model_.predict(X)

    def _process_target(self, y, reset=False):
        kind = _type_of_target(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(f"Only binary and multiclass target types are supported. Target "
                             f"type: {kind}")
        if reset:
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import OneHotEncoder
            self._target_encoder = make_pipeline(
                _SKReshaper(), OneHotEncoder(sparse_output=False)).fit(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError("Classifier can't train when only one class is present.")
        return self._target_encoder.transform(y)

    def _more_tags(self):
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags


class SKLearnRegressor(RegressorMixin, _SKLBase):
    """A scikit-learn regressor around a compiled Keras model (see SKLearnClassifier for the
    arguments); `predict` returns the model's outputs (shape (n,) for a 1-D target)."""

    def _more_tags(self):
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(TransformerMixin, _SKLBase):
    """A scikit-learn transformer around a compiled Keras model: `fit` trains it on (X, y),
    `transform(X)` returns the model's outputs (e.g. an encoder's features)."""

    def transform(self, X):
        from sklearn.utils.validation import check_is_fitted
        check_is_fitted(self)
        X = _validate_data(self, X, reset=False)
        return self.model_.predict(X)

    def _more_tags(self):
        return {"preserves_dtype": []}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags


def __getattr__(name):
    raise AttributeError(f"keras.wrappers.{name} is not implemented by tensorflux.")
