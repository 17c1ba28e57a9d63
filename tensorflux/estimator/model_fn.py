"""ModeKeys and EstimatorSpec: what a `model_fn` receives and returns."""
import collections

from tensorflux.framework import context
from tensorflux.framework.graph import Operation
from tensorflux.framework.tensor import Tensor

__all__ = ["ModeKeys", "EstimatorSpec"]


class ModeKeys:
    """The `mode` passed to a model_fn: which graph the Estimator is building."""
    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "infer"


_MODES = (ModeKeys.TRAIN, ModeKeys.EVAL, ModeKeys.PREDICT)
LOSS_METRIC_KEY = "loss"

_FIELDS = ["mode", "predictions", "loss", "train_op", "eval_metric_ops", "export_outputs",
           "training_chief_hooks", "training_hooks", "scaffold", "evaluation_hooks",
           "prediction_hooks"]


class EstimatorSpec(collections.namedtuple("EstimatorSpec", _FIELDS)):
    """What a model_fn returns: the ops of one mode, checked when the spec is created.

    Args:
        mode: a `ModeKeys` value.
        predictions: a Tensor or a dict of Tensors (required in PREDICT mode).
        loss: a scalar Tensor (required in TRAIN and EVAL modes).
        train_op: the Operation (or Tensor) of one training step (required in TRAIN mode).
        eval_metric_ops: a dict {name: (value_tensor, update_op)}, e.g. from
            `tf.metrics.accuracy`. "loss" is reserved (the Estimator adds the mean loss).
        export_outputs: kept for export (tensorflux does not export SavedModels).
        training_chief_hooks, training_hooks, evaluation_hooks, prediction_hooks: lists of
            `SessionRunHook` run in that mode.
        scaffold: accepted for compatibility (its `saver`, if any, is used for checkpoints).

    Raises:
        ValueError: a required field is missing, the mode is unknown, or the loss is not a
            scalar.
        TypeError: a field has the wrong type.

    Example:
        >>> def model_fn(features, labels, mode):
        ...     weights = tf.Variable(tf.zeros([4, 2]))
        ...     logits = tf.matmul(features, weights)
        ...     loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        ...         labels=labels, logits=logits))
        ...     train_op = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(
        ...         loss, global_step=tf.compat.v1.train.get_global_step())
        ...     return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    """

    def __new__(cls, mode, predictions=None, loss=None, train_op=None, eval_metric_ops=None,
                export_outputs=None, training_chief_hooks=None, training_hooks=None,
                scaffold=None, evaluation_hooks=None, prediction_hooks=None):
        from tensorflux.estimator.hooks import check_hooks
        if mode not in _MODES:
            raise ValueError(f"mode={mode!r} unrecognized: use tf.estimator.ModeKeys.TRAIN, "
                             "EVAL or PREDICT ('train', 'eval', 'infer').")
        graph = context.get_default_graph()

        loss = _check_loss(loss, mode, graph)
        train_op = _check_train_op(train_op, mode, graph)
        predictions = _check_predictions(predictions, mode, graph)
        eval_metric_ops = _check_metric_ops(eval_metric_ops, graph)
        if export_outputs is not None and not isinstance(export_outputs, dict):
            raise TypeError(f"export_outputs must be dict, given: {export_outputs!r}")
        hooks = [check_hooks(h) for h in (training_chief_hooks, training_hooks,
                                          evaluation_hooks, prediction_hooks)]
        return super().__new__(cls, mode, predictions, loss, train_op, eval_metric_ops,
                               export_outputs, *hooks[:2], scaffold, *hooks[2:])

    def _replace(self, **kwargs):
        if "mode" in kwargs and self.mode != kwargs["mode"]:
            raise ValueError("mode of EstimatorSpec cannot be changed.")
        values = self._asdict()
        values.update(kwargs)
        return EstimatorSpec(**values)


def _as_tensor(value):
    if hasattr(value, "_graph_node") and not isinstance(value, Tensor):  # a Variable
        return value.read_value()
    return value


def _check_in_graph(value, graph, what):
    if isinstance(value, Tensor) and value._value is None and value.op.graph is not graph:
        raise ValueError(f"{what} must be from the default graph: the Estimator builds its "
                         "own graph for each call, so create every tensor inside model_fn "
                         f"(or input_fn). Got {value!r}.")
    if isinstance(value, Operation) and value.graph is not graph:
        raise ValueError(f"{what} must be from the default graph. Got {value!r}.")


def _check_loss(loss, mode, graph):
    if loss is None:
        if mode in (ModeKeys.TRAIN, ModeKeys.EVAL):
            raise ValueError(f"Missing loss: EstimatorSpec in mode {mode!r} needs loss= (a "
                             "scalar Tensor).")
        return None
    loss = _as_tensor(loss)
    if not isinstance(loss, Tensor):
        raise TypeError(f"loss must be Tensor, given: {loss!r}")
    _check_in_graph(loss, graph, "loss")
    shape = loss.shape
    if shape.rank is not None and not (shape.rank == 0 or (shape.rank == 1 and
                                                           shape[0] in (1, None))):
        raise ValueError(f"Loss must be scalar, given: {loss!r} of shape {shape}. Reduce it, "
                         "e.g. with tf.reduce_mean.")
    if shape.rank != 0:
        from tensorflux.ops import array_ops
        loss = array_ops.reshape(loss, [])
    return loss


def _check_train_op(train_op, mode, graph):
    if train_op is None:
        if mode == ModeKeys.TRAIN:
            raise ValueError("Missing train_op: EstimatorSpec in TRAIN mode needs train_op= "
                             "(e.g. optimizer.minimize(loss, "
                             "global_step=tf.train.get_global_step())).")
        return None
    train_op = _as_tensor(train_op)
    if not isinstance(train_op, (Operation, Tensor)):
        raise TypeError(f"train_op must be Operation or Tensor, given: {train_op!r}")
    _check_in_graph(train_op, graph, "train_op")
    return train_op


def _check_predictions(predictions, mode, graph):
    if predictions is None:
        if mode == ModeKeys.PREDICT:
            raise ValueError("Missing predictions: EstimatorSpec in PREDICT mode needs "
                             "predictions= (a Tensor or a dict of Tensors).")
        return {}
    if isinstance(predictions, dict):
        checked = {}
        for key, value in predictions.items():
            value = _as_tensor(value)
            if not isinstance(value, Tensor):
                raise TypeError(f"predictions[{key!r}] must be Tensor, given: {value!r}")
            _check_in_graph(value, graph, f"predictions[{key!r}]")
            checked[key] = value
        return checked
    predictions = _as_tensor(predictions)
    if not isinstance(predictions, Tensor):
        raise TypeError(f"predictions must be Tensor or dict of Tensor, given: "
                        f"{predictions!r}")
    _check_in_graph(predictions, graph, "predictions")
    return predictions


def _check_metric_ops(eval_metric_ops, graph):
    if eval_metric_ops is None:
        return {}
    if not isinstance(eval_metric_ops, dict):
        raise TypeError(f"eval_metric_ops must be a dict, given: {eval_metric_ops!r}")
    checked = {}
    for key, pair in eval_metric_ops.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(
                "Values of eval_metric_ops must be (metric_value, update_op) tuples, given: "
                f"{pair!r} for key: {key!r}. Streaming metrics such as "
                "tf.compat.v1.metrics.accuracy(labels, predictions) return such tuples.")
        value, update = (_as_tensor(x) for x in pair)
        for part, what in ((value, "metric value"), (update, "update op")):
            if not isinstance(part, (Tensor, Operation)):
                raise TypeError(f"The {what} of eval_metric_ops[{key!r}] must be a Tensor or "
                                f"Operation, given: {part!r}")
            _check_in_graph(part, graph, f"eval_metric_ops[{key!r}]")
        checked[key] = (value, update)
    return checked
