"""torch.nn.utils.stateless.functional_call: call a module with some of its parameters and buffers replaced by
the given tensors (for that call only; gradients flow to the given tensors, not to the module's own)."""
import contextlib
from ...tensor import Tensor


def _slots(module):
    """name -> (owning module, table, attribute name, original tensor) for every parameter and buffer, tied names
    included."""
    slots = {}
    for prefix, m in module.named_modules(remove_duplicate=False):
        for table in ("_parameters", "_buffers"):
            for name, t in m.__dict__[table].items():
                slots[prefix + ("." if prefix else "") + name] = (m, table, name, t)
    return slots


@contextlib.contextmanager
def _reparametrize(module, values, tie_weights, strict):
    slots = _slots(module)
    unexpected = sorted(k for k in values if k not in slots)  # torch lists the keys sorted
    if tie_weights:  # a value given under one name of a tied tensor replaces it under all of its names
        by_id = {}
        for k, (_, _, _, t) in slots.items():
            if t is not None:
                by_id.setdefault(id(t), []).append(k)
        values = dict(values)
        for k in list(values):
            if k not in slots or slots[k][3] is None:
                continue
            for other in by_id[id(slots[k][3])]:
                if other in values and values[other] is not values[k]:
                    raise ValueError(f"functional_call got multiple values for keys {k} and {other}, which are "
                                     f"tied. Consider using tie_weights=False")
                values[other] = values[k]
    if strict:
        missing = sorted(k for k in slots if k not in values and slots[k][3] is not None)
        if missing or unexpected:
            errors = ([f"Unexpected key(s): {', '.join(map(repr, unexpected))}."] if unexpected else []) + \
                     ([f"Missing key(s): {', '.join(map(repr, missing))}."] if missing else [])
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t" + "\n\t".join(errors))
    missing = object()
    saved = []
    try:
        for k, v in values.items():
            if not isinstance(v, Tensor) and v is not None:
                raise TypeError(f"functional_call: the value for '{k}' must be a Tensor, got {type(v).__name__}")
            if k in slots:
                m, table, name, _ = slots[k]
                table = m.__dict__[table]
            else:  # not a parameter or buffer: a plain attribute for this call, as torch (non-strict)
                prefix, _, name = k.rpartition(".")
                table = module.get_submodule(prefix).__dict__
            saved.append((table, name, table.get(name, missing)))
            table[name] = v  # straight into the table: a plain (non-Parameter) tensor is allowed here
        yield
    finally:
        for table, name, t in reversed(saved):
            if t is missing:
                del table[name]
            else:
                table[name] = t


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True,
                    strict=False):
    """module(*args, **kwargs) with the named parameters/buffers ("layer.weight", ...) swapped for the given
    tensors; several dicts are merged (a key in more than one is an error)."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, dict):
        values = dicts
    else:
        values = {}
        for d in dicts:
            repeated = set(values) & set(d)
            if repeated:
                raise ValueError(f"functional_call: {sorted(repeated)} appeared in multiple dictionaries; "
                                 "behavior of functional call is ambiguous")
            values.update(d)
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    with _reparametrize(module, values, tie_weights, strict):
        return module(*args, **(kwargs or {}))
