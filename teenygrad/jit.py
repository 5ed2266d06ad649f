"""torch.jit's spellings, so scripts that decorate with @torch.jit.script or trace a model for speed run unchanged.
teenygrad has no TorchScript: script and trace hand back what they were given (as torch.compile does here), and
saving a scripted program, which would need the compiled graph, says what to do instead."""
import typing

Final = typing.Final    # `x: torch.jit.Final[int]` in a module's class body is only an annotation here


def script(obj=None, *args, **kwargs):
    """The function, module or class itself: Python runs it as written."""
    return obj


def trace(func, example_inputs=None, *args, **kwargs):
    """The function or module itself (torch records one run's graph; here every call runs the Python)."""
    return func


def trace_module(mod, inputs=None, *args, **kwargs):
    return mod


def _identity_decorator(fn=None, **kwargs):
    # @torch.jit.ignore and @torch.jit.ignore(drop=True) both mark a method to keep in Python: it always is here
    return (lambda f: f) if fn is None else fn


ignore = unused = export = script_if_tracing = script_method = interface = _identity_decorator


def is_scripting():
    return False


def is_tracing():
    return False


def annotate(the_type, the_value):
    return the_value


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    return mod


def optimize_for_inference(mod, other_methods=None):
    return mod


class _Done:
    """What fork returns: the call already ran (teenygrad runs it at once, in this thread)."""
    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value


def fork(func, *args, **kwargs):
    return _Done(func(*args, **kwargs))


def wait(future):
    return future.wait()


def save(m, f, *args, **kwargs):
    raise RuntimeError("torch.jit.save: teenygrad has no TorchScript, so there is no compiled program to save; "
                       "save the weights with torch.save(model.state_dict(), f) and rebuild the model in Python")


def load(f, *args, **kwargs):
    raise RuntimeError("torch.jit.load: teenygrad can't read TorchScript archives; load a state_dict saved with "
                       "torch.save into the model's Python class instead")
