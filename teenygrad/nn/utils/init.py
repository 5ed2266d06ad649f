"""torch.nn.utils.init.skip_init."""
import inspect


def skip_init(module_cls, *args, **kwargs):
    """torch builds the module on the meta device and then allocates it uninitialized. teenygrad has no meta
    device, so this builds it normally: the values are just not promised to mean anything, as with torch."""
    try:
        params = inspect.signature(module_cls).parameters
    except (TypeError, ValueError):
        params = {}
    if "device" not in params:
        raise RuntimeError(f"skip_init: Module must support a 'device' arg to skip initialization "
                           f"({getattr(module_cls, '__name__', module_cls)} takes none)")
    return module_cls(*args, **kwargs)
