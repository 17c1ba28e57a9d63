"""TensorFlow's error types. Each message says what happened, what was expected and the fix."""

__all__ = ["OpError", "InvalidArgumentError", "FailedPreconditionError", "NotFoundError",
           "UnimplementedError", "OutOfRangeError", "ResourceExhaustedError", "InternalError",
           "UnknownError", "AlreadyExistsError", "AbortedError", "CancelledError",
           "DataLossError", "DeadlineExceededError", "PermissionDeniedError",
           "UnauthenticatedError", "UnavailableError"]


class OpError(Exception):
    """Base class of errors raised while running an op (eagerly or in a Session)."""

    def __init__(self, node_def=None, op=None, message="", *args):
        if not message and isinstance(node_def, str) and op is None:
            message, node_def = node_def, None
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message

    def __str__(self):
        return self.message


class InvalidArgumentError(OpError, ValueError):
    """An op received an argument it cannot use (wrong shape, dtype or value)."""


class FailedPreconditionError(OpError):
    """The system is not in a state to run the op, e.g. a variable is uninitialized."""


class NotFoundError(OpError):
    """A file or named entity does not exist."""


class UnimplementedError(OpError, NotImplementedError):
    """The operation is not implemented by tensorflux; the message names it."""


class OutOfRangeError(OpError):
    """An iterator or queue is exhausted."""


class ResourceExhaustedError(OpError):
    pass


class InternalError(OpError):
    pass


class UnknownError(OpError):
    pass


class AlreadyExistsError(OpError):
    pass


class AbortedError(OpError):
    pass


class CancelledError(OpError):
    pass


class DataLossError(OpError):
    """A file is corrupt or truncated."""


class DeadlineExceededError(OpError):
    pass


class PermissionDeniedError(OpError):
    pass


class UnauthenticatedError(OpError):
    pass


class UnavailableError(OpError):
    pass
