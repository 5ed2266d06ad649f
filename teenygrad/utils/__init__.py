"""teenygrad.utils: torch.utils's data loading (teenygrad.utils.data) and activation checkpointing
(teenygrad.utils.checkpoint)."""
from . import data, checkpoint

__all__ = ["data", "checkpoint"]
