"""Exceptions raised by cnnengine. All derive from CnnEngineError (and ValueError where the
problem is a bad value), so callers can catch engine errors in one place."""


class CnnEngineError(Exception):
    """Base class of every error cnnengine raises on purpose."""


class ModelFormatError(CnnEngineError, ValueError):
    """A model file is unreadable, corrupt, of an unknown version, or inconsistent."""


class GraphError(CnnEngineError, ValueError):
    """A graph is malformed: unknown op, dangling input, cycle, bad attribute or parameter."""


class InputError(CnnEngineError, ValueError):
    """An input given to predict/classify does not fit the model."""
