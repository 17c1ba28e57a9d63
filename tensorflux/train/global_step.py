"""The TF1 global step: an int64 variable counting training steps, in its own collection."""
import numpy as np

from tensorflux.framework import context, dtypes
from tensorflux.framework.graph import GraphKeys

__all__ = ["get_global_step", "get_or_create_global_step", "create_global_step", "global_step"]


def get_global_step(graph=None):
    graph = graph or context.get_default_graph()
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(found) > 1:
        raise TypeError("There are several global step variables in the graph.")
    return found[0] if found else None


def create_global_step(graph=None):
    from tensorflux.framework.variables import Variable
    graph = graph or context.get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError("The global step already exists.")
    with graph.as_default() if not context.executing_eagerly() else _null():
        step = Variable(np.int64(0), trainable=False, name="global_step", dtype=dtypes.int64,
                        collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])
    if context.executing_eagerly():
        graph.add_to_collection(GraphKeys.GLOBAL_STEP, step)
    return step


def get_or_create_global_step(graph=None):
    step = get_global_step(graph)
    return step if step is not None else create_global_step(graph)


def global_step(sess, global_step_tensor):
    """The global step's current value (TF1 `tf.train.global_step(sess, step)`)."""
    if context.executing_eagerly():
        return int(global_step_tensor.numpy())
    return int(sess.run(global_step_tensor))


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False
