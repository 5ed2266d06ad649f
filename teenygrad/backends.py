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


class _Cuda:
    """The scaled_dot_product_attention backend switches (flash, mem_efficient, math, cudnn) are kept as set and
    read back, as torch's are; teenygrad's attention runs its own kernel whichever are on."""
    matmul = _Matmul()
    _sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}

    @staticmethod
    def is_built():
        return True

    def flash_sdp_enabled(self):
        return self._sdp["flash"]

    def enable_flash_sdp(self, enabled):
        self._sdp["flash"] = bool(enabled)

    def mem_efficient_sdp_enabled(self):
        return self._sdp["mem_efficient"]

    def enable_mem_efficient_sdp(self, enabled):
        self._sdp["mem_efficient"] = bool(enabled)

    def math_sdp_enabled(self):
        return self._sdp["math"]

    def enable_math_sdp(self, enabled):
        self._sdp["math"] = bool(enabled)

    def cudnn_sdp_enabled(self):
        return self._sdp["cudnn"]

    def enable_cudnn_sdp(self, enabled):
        self._sdp["cudnn"] = bool(enabled)

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
