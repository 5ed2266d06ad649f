"""Whether ops record a graph. One module-level flag, read by Function.apply on every op."""
import functools

_state = {"enabled": True, "writes": 0}  # writes: count of in-place writes made without a graph (Function._written)


def is_grad_enabled():
    return _state["enabled"]


class _GradMode:
    """Context manager and decorator that sets grad mode and restores the previous one.
    Like torch, the decorator works with or without parentheses: @no_grad() and @no_grad."""
    mode = True

    def __new__(cls, *args):
        if len(args) == 1 and callable(args[0]):  # bare decorator: @no_grad
            return cls()(args[0])
        return super().__new__(cls)

    def __enter__(self):
        self.prev = _state["enabled"]
        _state["enabled"] = self.mode

    def __exit__(self, *exc):
        _state["enabled"] = self.prev

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _state["enabled"]
            _state["enabled"] = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _state["enabled"] = prev
        return wrapper


class no_grad(_GradMode):
    mode = False


class enable_grad(_GradMode):
    mode = True


class inference_mode(_GradMode):
    """inference_mode(True) turns grad off (teenygrad has no separate inference tensors)."""
    def __init__(self, mode=True):
        self.mode = not mode


class set_grad_enabled(_GradMode):
    """Sets the mode at once (a plain call works, as in torch); as a context manager it restores on exit."""
    def __new__(cls, mode):
        return object.__new__(cls)

    def __init__(self, mode):
        self.prev, self.mode = _state["enabled"], bool(mode)
        _state["enabled"] = self.mode

    def __enter__(self):
        pass
