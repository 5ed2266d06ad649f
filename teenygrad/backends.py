"""teenygrad.backends: the flags training scripts set through torch.backends (nanoGPT's train.py, tutorials).
cuda.matmul.allow_tf32 reaches teenygrad's GEMM choice (backend.cuda); the cudnn flags are kept but change
nothing (teenygrad has no cuDNN); mps is never available."""
import contextlib
import warnings

from .backend import cuda as _cuda


class _Matmul:
    @property
    def allow_tf32(self):
        return _cuda.allow_tf32()

    @allow_tf32.setter
    def allow_tf32(self, flag):
        _cuda.set_allow_tf32(flag)


def _sdp_switch(name):
    """torch.backends.cuda's <name>_sdp_enabled() and enable_<name>_sdp(enabled), as a pair of methods"""
    def enabled(self):
        return self._sdp[name]

    def enable(self, enabled):
        self._sdp[name] = bool(enabled)
    return enabled, enable


class _Cuda:
    """The scaled_dot_product_attention backend switches (flash, mem_efficient, math, cudnn) are kept as set and
    read back, as torch's are; teenygrad's attention runs its own kernel whichever are on."""
    matmul = _Matmul()
    _sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}

    @staticmethod
    def is_built():
        return True

    flash_sdp_enabled, enable_flash_sdp = _sdp_switch("flash")
    mem_efficient_sdp_enabled, enable_mem_efficient_sdp = _sdp_switch("mem_efficient")
    math_sdp_enabled, enable_math_sdp = _sdp_switch("math")
    cudnn_sdp_enabled, enable_cudnn_sdp = _sdp_switch("cudnn")

    @contextlib.contextmanager
    def sdp_kernel(self, enable_flash=True, enable_math=True, enable_mem_efficient=True, enable_cudnn=True):
        """torch's deprecated context manager: the switches as given inside, as they were after."""
        warnings.warn("`torch.backends.cuda.sdp_kernel()` is deprecated. In the future, this context manager will "
                      "be removed. Please see `torch.nn.attention.sdpa_kernel()` for the new context manager, with "
                      "updated signature.", FutureWarning, stacklevel=3)
        saved = dict(self._sdp)
        self._sdp.update(flash=bool(enable_flash), math=bool(enable_math), mem_efficient=bool(enable_mem_efficient),
                         cudnn=bool(enable_cudnn))
        try:
            yield
        finally:
            self._sdp.update(saved)


class _Cudnn:
    enabled, benchmark, deterministic, allow_tf32 = True, False, False, True

    @staticmethod
    def is_available():
        return False


class _Mps:
    @staticmethod
    def is_available():
        return False

    @staticmethod
    def is_built():
        return False


cuda, cudnn, mps = _Cuda(), _Cudnn(), _Mps()
