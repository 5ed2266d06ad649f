"""teenygrad.utils: torch.utils's data loading (teenygrad.utils.data), activation checkpointing
(teenygrad.utils.checkpoint) and DLPack exchange (teenygrad.utils.dlpack)."""
from . import data, checkpoint, dlpack

__all__ = ["data", "checkpoint", "dlpack"]
