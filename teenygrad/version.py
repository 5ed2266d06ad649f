"""torch.version: what training scripts print about the build. teenygrad's GPU work goes through cupy: cuda is
cupy's CUDA runtime version ("12.4") when a GPU is there, else None, as a CPU-only torch build reports."""
from . import __version__  # noqa: F401  (torch.version.__version__)
from . import cuda as _cuda

hip = None
debug = False
git_version = None


def _cuda_version():
    if not _cuda.is_available():
        return None
    v = _cuda._backend.require("version.cuda").cuda.runtime.runtimeGetVersion()  # e.g. 12040
    return f"{v // 1000}.{v % 1000 // 10}"


cuda = _cuda_version()
