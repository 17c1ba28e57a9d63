"""What compile() configures: the loss of each output (with weights) and the metrics of each
output, resolved lazily once the outputs' shapes are known (so 'accuracy' picks its variant)."""
import tensorflux as tf
from tensorflux.framework import nest

__all__ = ["CompiledLoss", "CompiledMetrics"]


def per_output(values, count):
    """Targets or predictions as one entry per model output (a model built with
    `outputs=[x]` has one output given as a list of one)."""
    if count == 1:
        if isinstance(values, (list, tuple)) and len(values) == 1:
            return [values[0]]
        return [values]
    return nest.flatten(values)


def _per_output(spec, output_names, what):
    """A loss/metrics spec (single, list or dict) -> a list aligned with the outputs."""
    n = len(output_names)
    if isinstance(spec, dict):
        unknown = set(spec) - set(output_names)
        if unknown:
            raise ValueError(f"Unknown entries in {what} dictionary: {sorted(unknown)}. Only "
                             f"the model's output names are allowed: {output_names}.")
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)) and what == "loss":
        if len(spec) != n:
            raise ValueError(f"When passing a list as loss, it should have one entry per model "
                             f"output. The model has {n} output(s), but you passed "
                             f"loss={spec!r}.")
        return list(spec)
    if what == "metrics" and isinstance(spec, (list, tuple)) and n > 1 and spec and \
            all(isinstance(s, (list, tuple)) for s in spec):
        return [list(s) for s in spec]
    return [spec] * n


class CompiledLoss:
    def __init__(self, loss, loss_weights, output_names):
        from tensorflux.keras import losses as losses_module
        self.output_names = output_names
        specs = _per_output(loss, output_names, "loss")
        self.losses = [None if s is None else _as_loss_object(losses_module, s)
                       for s in specs]
        if loss_weights is None:
            self.weights = [1.0] * len(output_names)
        elif isinstance(loss_weights, dict):
            self.weights = [loss_weights.get(name, 1.0) for name in output_names]
        else:
            self.weights = list(loss_weights)
        self.specs = specs

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=()):
        y_true = per_output(y_true, len(self.output_names))
        y_pred = per_output(y_pred, len(self.output_names))
        sample_weights = sample_weight if isinstance(sample_weight, (list, tuple)) else \
            [sample_weight] * len(y_pred)
        total, parts = None, []
        for loss, weight, yt, yp, sw in zip(self.losses, self.weights, y_true, y_pred,
                                            sample_weights):
            if loss is None or yt is None:
                parts.append(None)
                continue
            value = _call_loss(loss, yt, yp, sw)
            parts.append(value)
            term = value * weight if weight != 1.0 else value
            total = term if total is None else total + term
        for penalty in regularization_losses:
            total = penalty if total is None else total + tf.cast(penalty, total.dtype)
        if total is None:
            raise ValueError("No loss to compute: provide `y` and a loss in compile() (or "
                             "add losses with add_loss).")
        return total, parts


def _as_loss_object(losses_module, spec):
    """As Keras' compile: a plain loss function is wrapped in a Loss object, which matches
    the ranks of labels and predictions and applies sample weights and the reduction."""
    loss = losses_module.get(spec)
    if hasattr(loss, "reduction"):
        return loss
    return losses_module.LossFunctionWrapper(loss, name=getattr(loss, "__name__", "loss"))


def _call_loss(loss, y_true, y_pred, sample_weight):
    return loss(y_true, y_pred, sample_weight=sample_weight)


class CompiledMetrics:
    def __init__(self, metrics, weighted_metrics, output_names, loss_specs):
        self.output_names = output_names
        self._metric_specs = _per_output(metrics, output_names, "metrics") if metrics else \
            [[] for _ in output_names]
        self._weighted_specs = _per_output(weighted_metrics, output_names, "metrics") \
            if weighted_metrics else [[] for _ in output_names]
        self._loss_specs = loss_specs
        self.metrics = None       # [(output index, metric, weighted)]

    @property
    def built(self):
        return self.metrics is not None

    def build(self, y_pred):
        from tensorflux.keras import metrics as metrics_module
        outputs = per_output(y_pred, len(self.output_names))
        self.metrics = []
        multi = len(self.output_names) > 1
        for index, (specs, weighted_specs) in enumerate(zip(self._metric_specs,
                                                            self._weighted_specs)):
            for weighted, group in ((False, specs), (True, weighted_specs)):
                group = group if isinstance(group, (list, tuple)) else [group]
                for spec in group:
                    if spec is None:
                        continue
                    metric = _resolve_metric(metrics_module, spec, self._loss_specs[index],
                                             outputs[index])
                    if multi:
                        metric._log_name = f"{self.output_names[index]}_{metric.name}"
                    else:
                        metric._log_name = metric.name
                    self.metrics.append((index, metric, weighted))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = per_output(y_true, len(self.output_names))
        y_pred = per_output(y_pred, len(self.output_names))
        for index, metric, weighted in self.metrics:
            if y_true[index] is None:
                continue
            sw = sample_weight[index] if isinstance(sample_weight, (list, tuple)) else \
                sample_weight
            metric.update_state(y_true[index], y_pred[index],
                                sample_weight=sw if weighted or sw is not None else None)

    def results(self):
        return {metric._log_name: metric.result() for _, metric, _ in self.metrics}

    def reset_state(self):
        for _, metric, _ in self.metrics or []:
            metric.reset_state()


def _resolve_metric(metrics_module, spec, loss_spec, output):
    if isinstance(spec, str) and spec in ("accuracy", "acc", "crossentropy", "ce"):
        if spec in ("accuracy", "acc"):
            return metrics_module.resolve_accuracy(loss_spec, output.shape, name=spec)
        return metrics_module.resolve_crossentropy(loss_spec, output.shape, name=spec)
    metric = metrics_module.get(spec)
    if not hasattr(metric, "update_state"):
        metric = metrics_module.MeanMetricWrapper(metric, name=getattr(metric, "__name__",
                                                                       "metric"))
    return metric
