"""Whether ops record a graph. One module-level flag, read by Function.apply on every op."""
import functools
import inspect

_state = {"enabled": True, "writes": 0,  # writes: count of in-place writes made without a graph (Function._written)
          "func_level": 0,  # how many torch.func transforms are running their function (func._differentiate)
          "numpy_refused": None}  # the custom Function whose backward such a transform runs (Tensor.numpy refuses)


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
        if inspect.isgeneratorfunction(fn):
            return _generator_in_mode(fn, mode)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _state["enabled"]
            _state["enabled"] = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _state["enabled"] = prev
        return wrapper


def _generator_in_mode(fn, mode, inference=None):
    """A decorated generator function runs its body in `mode` (and, for inference_mode, with the inference flag
    `inference`) at every resume (as torch), not just while the call builds the generator; the caller's mode is
    back in force at each yield."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        gen, sent = fn(*args, **kwargs), None
        while True:
            prev, prev_inference = _state["enabled"], _state.get("inference", False)
            _state["enabled"] = mode
            if inference is not None:
                _state["inference"] = inference
            try:
                item = gen.send(sent)
            except StopIteration as stop:
                return stop.value
            finally:
                _state["enabled"], _state["inference"] = prev, prev_inference
            sent = yield item
    return wrapper


class no_grad(_GradMode):
    mode = False


class enable_grad(_GradMode):
    mode = True


class inference_mode(_GradMode):
    """inference_mode(True) turns grad off (teenygrad has no separate inference tensors)."""
    def __new__(cls, mode=True):  # mode by keyword too: inference_mode(mode=False), as torch's signature
        return cls()(mode) if callable(mode) else object.__new__(cls)

    def __init__(self, mode=True):
        self.mode, self.inference = not mode, bool(mode)

    def __enter__(self):
        super().__enter__()
        self.prev_inference, _state["inference"] = _state.get("inference", False), self.inference

    def __exit__(self, *exc):
        super().__exit__()
        _state["inference"] = self.prev_inference

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            return _generator_in_mode(fn, self.mode, self.inference)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(self.inference):
                return fn(*args, **kwargs)
        return wrapper


def is_inference_mode_enabled():
    return _state.get("inference", False)


class set_grad_enabled(_GradMode):
    """Sets the mode at once (a plain call works, as in torch); as a context manager it restores on exit."""
    def __new__(cls, mode):
        return object.__new__(cls)

    def __init__(self, mode):
        if not isinstance(mode, bool):  # set_grad_enabled(None) would turn grad off for good
            raise TypeError(f"set_grad_enabled(): argument 'enabled' must be bool, not {type(mode).__name__}")
        self.prev, self.mode = _state["enabled"], mode
        _state["enabled"] = self.mode

    def __enter__(self):
        pass

    def __call__(self, fn):
        _state["enabled"] = self.prev  # used as a decorator: the mode applies inside fn only, as in torch
        return super().__call__(fn)
