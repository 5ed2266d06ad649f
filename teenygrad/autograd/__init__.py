from .grad_mode import (no_grad, enable_grad, inference_mode, is_grad_enabled, set_grad_enabled,
                        is_inference_mode_enabled)
from .function import Function, once_differentiable
from .custom import FunctionCtx
from .engine import grad, backward
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["no_grad", "enable_grad", "inference_mode", "is_grad_enabled", "set_grad_enabled",
           "is_inference_mode_enabled", "Function", "FunctionCtx", "once_differentiable", "grad", "backward", "gradcheck",
           "gradgradcheck"]


def __getattr__(name):  # autograd.functional (jacobian, vjp, jvp) loads on first use
    if name in ("set_detect_anomaly", "detect_anomaly"):  # with the other top-level switches (tensor_top_api
        from .. import tensor_top_api                       # imports Tensor, which imports this package)
        return getattr(tensor_top_api, name)
    if name == "Variable":  # the pre-0.4 wrapper: now a new leaf Tensor
        from .variable import Variable
        return Variable
    if name in ("functional", "profiler", "forward_ad", "graph"):
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'teenygrad.autograd' has no attribute {name!r}")

