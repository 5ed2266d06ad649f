"""teenygrad.utils: torch.utils's data loading (teenygrad.utils.data)."""
from . import data

__all__ = ["data"]
