"""torch.return_types: the named tuples that max(dim), sort, topk, ... return. They print as torch's do, one field a
line under the type's full name (`teenygrad.return_types.max(\nvalues=tensor(...),\nindices=tensor(...))`), and
each class is kept here under its name, as torch.return_types.max is."""
import collections


def _repr(self):
    fields = ",\n".join(f"{k}={v!r}" for k, v in zip(self._fields, self))
    return f"{__name__}.{type(self).__name__}(\n{fields})"


def make(name, fields):
    """The named tuple class `name` with `fields`, printed as torch prints its return types."""
    cls = globals().get(name)
    if cls is None:
        cls = type(name, (collections.namedtuple(name, fields),), {"__slots__": (), "__repr__": _repr})
        cls.__module__ = __name__
        globals()[name] = cls
    return cls
