import numpy as np


def unbroadcast(g, shape):
    """Sum a broadcast gradient back down to the input's shape."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1)
    g = g.sum(axis=axes, keepdims=True) if axes else g
    return g.reshape(shape)


def xp_of(a):
    """The array module for an array: numpy, or cupy for GPU arrays."""
    if type(a) is np.ndarray or isinstance(a, np.generic):
        return np
    import cupy
    return cupy
