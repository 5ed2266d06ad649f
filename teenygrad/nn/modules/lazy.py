"""LazyModuleMixin: a module whose parameter shapes come from its first input (torch.nn.modules.lazy). Until then
its parameters (and buffers) are UninitializedParameters (UninitializedBuffers); the first forward calls
initialize_parameters(input), which materializes and initialises them (drawing from the generator at that moment,
as torch), and the module becomes cls_to_become. Lazy classes list the mixin first, so its forward runs until then.
load_state_dict into a lazy module materializes its parameters and buffers from the checkpoint's shapes."""
import numpy as np
from ..parameter import is_lazy


class LazyModuleMixin:
    cls_to_become = None

    def has_uninitialized_params(self):
        return any(is_lazy(t) for t in list(self._parameters.values()) + list(self._buffers.values()))

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def forward(self, *args, **kwargs):
        """The first call: infer the shapes, become cls_to_become, then run its forward."""
        self._infer_parameters(*args, **kwargs)
        return self.forward(*args, **kwargs)

    def _infer_parameters(self, *args, **kwargs):
        self.initialize_parameters(*args, **kwargs)
        if self.has_uninitialized_params():
            raise RuntimeError(f"module {type(self).__name__} has not been fully initialized")
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become

    def _lazy_load_hook(self, state_dict, prefix):
        """Before load_state_dict copies: each uninitialised parameter/buffer found in state_dict takes its shape."""
        for name, t in list(self._parameters.items()) + list(self._buffers.items()):
            v = state_dict.get(prefix + name)
            if t is not None and is_lazy(t) and v is not None and not is_lazy(v):
                t.materialize(tuple(v.shape) if hasattr(v, "shape") else np.shape(v))
