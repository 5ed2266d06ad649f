"""teenygrad.compiler: torch.compile and torch.compiler's queries. teenygrad runs eagerly, so compiling changes
nothing that runs; a module still comes back wrapped as torch's OptimizedModule wraps it, because training scripts
read the wrapper: `model._orig_mod` is the uncompiled model, and the compiled model's state_dict keys start with
'_orig_mod.' (nanoGPT strips that prefix when it loads a checkpoint; a torch checkpoint saved from a compiled
model loads into a compiled model only with it)."""
import functools

from .nn.modules.module import Module


class OptimizedModule(Module):
    """A compiled module: calls, attributes and training mode are its _orig_mod's; its one child is _orig_mod."""
    _own = frozenset({"_orig_mod", "forward"})  # what is set on the wrapper itself; the rest goes to _orig_mod

    def __init__(self, mod):
        super().__init__()
        self._orig_mod = mod

    def forward(self, *args, **kwargs):
        return self._orig_mod(*args, **kwargs)

    @property
    def training(self):
        return self._orig_mod.training

    @training.setter
    def training(self, value):
        self._orig_mod.training = value

    def __getattr__(self, name):
        if name == "_orig_mod":
            return self.__dict__["_modules"]["_orig_mod"]
        return getattr(self._orig_mod, name)

    def __setattr__(self, name, value):
        if name in OptimizedModule._own or hasattr(type(self), name):
            super().__setattr__(name, value)
        else:
            setattr(self._orig_mod, name, value)

    def __delattr__(self, name):
        if name in OptimizedModule._own or hasattr(type(self), name):
            super().__delattr__(name)
        else:
            delattr(self._orig_mod, name)

    def __len__(self):
        return len(self._orig_mod)


def compile(model=None, **kwargs):
    """torch.compile's spelling: a module comes back as an OptimizedModule around it, a function unchanged; with no
    model, a decorator that does the same."""
    if model is None:
        return functools.partial(compile, **kwargs)
    return OptimizedModule(model) if isinstance(model, Module) else model


def is_compiling():
    """False: nothing is ever being traced."""
    return False


is_dynamo_compiling = is_exporting = is_compiling


def disable(fn=None, recursive=True, *, reason=None):
    """torch.compiler.disable: everything already runs eagerly, so the function itself (or, with no function, a
    decorator that gives it back)."""
    return (lambda f: f) if fn is None else fn


def reset():
    """Nothing is cached."""
