"""teenygrad.backends: the flags training scripts set through torch.backends (nanoGPT's train.py, tutorials).
cuda.matmul.allow_tf32 reaches teenygrad's GEMM choice (backend.cuda); the cudnn flags are kept but change
nothing (teenygrad has no cuDNN); mps is never available."""
from .backend import cuda as _cuda


class _Matmul:
    @property
    def allow_tf32(self):
        return _cuda.allow_tf32()

    @allow_tf32.setter
    def allow_tf32(self, flag):
        _cuda.set_allow_tf32(flag)


class _Cuda:
    matmul = _Matmul()

    @staticmethod
    def is_built():
        return True


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
