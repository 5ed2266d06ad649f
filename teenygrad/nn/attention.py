"""torch.nn.attention: the backend switch for F.scaled_dot_product_attention (`with sdpa_kernel(SDPBackend.
FLASH_ATTENTION):`). teenygrad has one attention path per device, so choosing a backend changes nothing; the
names are here so code that pins a backend runs unchanged."""
import contextlib
import enum


class SDPBackend(enum.IntEnum):
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """A no-op context (and decorator) after checking its argument as torch does."""
    listed = list(backends) if isinstance(backends, (list, tuple, set)) else [backends]
    for b in listed:
        if not isinstance(b, SDPBackend):
            raise AssertionError(f"sdpa_kernel: backend must be an instance of SDPBackend, got {b!r}")
    yield {}
