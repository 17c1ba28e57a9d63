"""Iterators over datasets: the TF2 Python iterator and TF1's one-shot / initializable ones.

TF1 graph mode: `iterator.get_next()` adds an `IteratorGetNext` op, a stateful op whose kernel
pulls the next element from a Python iterator each time a Session runs it (raising
`tf.errors.OutOfRangeError` at the end), and one `IteratorComponent` op per component that
picks that component out of the element, with the element's static shape and dtype.
"""
import threading

import numpy as np

from tensorflux.data import _structure as structure
from tensorflux.framework import context, dtypes, errors, nest
from tensorflux.framework.execute import apply_op
from tensorflux.framework.registry import get_op, not_differentiable, register_op
from tensorflux.framework.tensor_shape import TensorShape

__all__ = ["OwnedIterator", "Iterator", "make_one_shot_iterator",
           "make_initializable_iterator"]


class OwnedIterator:
    """The iterator of `iter(dataset)`: yields elements as eager tensors."""

    def __init__(self, dataset):
        self._dataset = dataset
        self._spec = dataset.element_spec
        self._iterator = dataset._iter_flat()

    def __iter__(self):
        return self

    def __next__(self):
        return structure.pack_tensors(self._spec, next(self._iterator))

    next = __next__

    def get_next(self):
        try:
            return self.__next__()
        except StopIteration:
            raise errors.OutOfRangeError(None, None, "End of sequence") from None

    def get_next_as_optional(self):
        try:
            return _Optional(self.__next__())
        except StopIteration:
            return _Optional(None)

    @property
    def element_spec(self):
        return self._spec

    def close(self):
        close = getattr(self._iterator, "close", None)
        if close is not None:
            close()


class _Optional:
    def __init__(self, value):
        self._value = value

    def has_value(self):
        from tensorflux.framework.tensor import Tensor
        return Tensor._from_array(np.asarray(self._value is not None))

    def get_value(self):
        if self._value is None:
            raise errors.InvalidArgumentError(None, None, "The optional has no value.")
        return self._value


class _IteratorResource:
    """The Python side of a TF1 iterator: a dataset and its current Python iterator."""

    def __init__(self, dataset, started):
        self.dataset = dataset
        self._iterator = dataset._iter_flat() if started and dataset is not None else None
        self._lock = threading.Lock()

    def reset(self, dataset=None):
        with self._lock:
            if dataset is not None:
                self.dataset = dataset
            old, self._iterator = self._iterator, self.dataset._iter_flat()
        close = getattr(old, "close", None)
        if close is not None:
            close()

    def next_flat(self):
        with self._lock:
            if self._iterator is None:
                raise errors.FailedPreconditionError(
                    None, None, "GetNext() failed because the iterator has not been "
                    "initialized. Run the iterator's `initializer` op first, e.g. "
                    "sess.run(iterator.initializer), or use make_one_shot_iterator().")
            try:
                return next(self._iterator)
            except StopIteration:
                raise errors.OutOfRangeError(None, None, "End of sequence") from None

    def __deepcopy__(self, memo):
        return self

    def __repr__(self):
        return "<iterator resource>"


def _get_next_kernel(xp, resource):
    return resource.next_flat()


def _component_kernel(xp, element, index, shape, dtype):
    return element[index]


def _make_iterator_kernel(xp, resource, dataset):
    resource.reset(dataset)


register_op("IteratorGetNext", _get_next_kernel, lambda inputs, attrs: [TensorShape([])],
            lambda input_dtypes, attrs: [dtypes.variant], stateful=True)
register_op("IteratorComponent", _component_kernel, lambda inputs, attrs: [attrs["shape"]],
            lambda input_dtypes, attrs: [attrs["dtype"]])
register_op("MakeIterator", _make_iterator_kernel, lambda inputs, attrs: [], num_outputs=0,
            stateful=True)
not_differentiable("IteratorGetNext", "IteratorComponent", "MakeIterator")


class Iterator:
    """A TF1 iterator over a dataset (`make_one_shot_iterator`,
    `make_initializable_iterator`, `Iterator.from_structure`).

    `get_next()` returns the next element: symbolic tensors in graph mode (each Session.run
    draws a new element; `tf.errors.OutOfRangeError` at the end), eager tensors otherwise.
    """

    def __init__(self, dataset, initialized=True, element_spec=None):
        self._element_spec = element_spec if element_spec is not None else \
            dataset.element_spec
        self._resource = _IteratorResource(dataset, initialized)
        self._initializer = None

    @staticmethod
    def from_structure(output_types, output_shapes=None, shared_name=None,
                       output_classes=None):
        types = output_types
        if output_shapes is None:
            spec = nest.map_structure(lambda t: structure.TensorSpec(None, t), types)
        else:
            spec = nest.map_structure(lambda t, s: structure.TensorSpec(s, t), types,
                                      _shapes_like(types, output_shapes))
        return Iterator(None, initialized=False, element_spec=spec)

    @property
    def element_spec(self):
        return self._element_spec

    @property
    def output_types(self):
        return nest.map_structure(lambda s: s.dtype, self._element_spec)

    @property
    def output_shapes(self):
        return nest.map_structure(lambda s: s.shape, self._element_spec)

    @property
    def initializer(self):
        if self._initializer is None:
            if self._resource.dataset is None:
                raise ValueError("This iterator was created with Iterator.from_structure; "
                                 "use iterator.make_initializer(dataset).")
            self._initializer = self.make_initializer(None)
        return self._initializer

    def make_initializer(self, dataset, name=None):
        if dataset is not None and not structure.specs_compatible(dataset.element_spec,
                                                                   self._element_spec):
            raise TypeError(f"Expected output types {self.output_types!r} but got dataset "
                            f"with output types {dataset.output_types!r}.")
        if context.executing_eagerly():
            self._resource.reset(dataset)
            return None
        graph = context.get_default_graph()
        op = graph.create_op(get_op("MakeIterator"), [], {"resource": self._resource,
                                                           "dataset": dataset},
                             name or "MakeIterator")
        op.outputs = ()
        return op

    def get_next(self, name=None):
        spec = self._element_spec
        if context.executing_eagerly():
            return structure.pack_tensors(spec, self._resource.next_flat())
        element = apply_op(get_op("IteratorGetNext"), [], {"resource": self._resource},
                           name or "IteratorGetNext")
        components = []
        for index, s in enumerate(structure.flatten(spec)):
            components.append(apply_op(get_op("IteratorComponent"), [element],
                                       {"index": index, "shape": s.shape, "dtype": s.dtype},
                                       "IteratorComponent"))
        return structure.pack(spec, components)

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return self.get_next()
        except errors.OutOfRangeError:
            raise StopIteration from None

    def string_handle(self, name=None):
        raise errors.UnimplementedError(None, None, "Iterator.string_handle (feedable "
                                        "iterators) is not implemented by tensorflux.")


def _shapes_like(types, shapes):
    if isinstance(types, dict):
        return {k: _shapes_like(types[k], shapes[k]) for k in types}
    if isinstance(types, tuple):
        return tuple(_shapes_like(t, s) for t, s in zip(types, shapes))
    return TensorShape(shapes)


def make_one_shot_iterator(dataset):
    """tf.compat.v1.data.make_one_shot_iterator."""
    return dataset.make_one_shot_iterator()


def make_initializable_iterator(dataset, shared_name=None):
    """tf.compat.v1.data.make_initializable_iterator."""
    return dataset.make_initializable_iterator()


def get_output_types(dataset):
    return dataset.output_types


def get_output_shapes(dataset):
    return dataset.output_shapes


def get_output_classes(dataset):
    return dataset.output_classes


__all__ += ["get_output_types", "get_output_shapes", "get_output_classes"]
