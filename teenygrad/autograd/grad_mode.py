"""Whether ops record a graph. One module-level flag, read by Function.apply on every op."""
import functools

_state = {"enabled": True}


def is_grad_enabled():
    return _state["enabled"]


def set_grad_enabled(mode):
    _state["enabled"] = mode


class _GradMode:
    """Context manager and decorator that sets grad mode and restores the previous one."""
    mode = True

    def __enter__(self):
        self.prev = _state["enabled"]
        _state["enabled"] = self.mode

    def __exit__(self, *exc):
        _state["enabled"] = self.prev

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    mode = False


class enable_grad(_GradMode):
    mode = True


class inference_mode(_GradMode):
    def __init__(self, mode=True):
        self.mode = not mode

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(not self.mode):
                return fn(*args, **kwargs)
        return wrapper
