"""Datasets and batching with torch.utils.data's names and layout: dataset.py (Dataset, TensorDataset, Subset,
ConcatDataset, StackDataset, IterableDataset, ChainDataset, random_split), sampler.py (the samplers),
distributed.py (DistributedSampler), dataloader.py (default_collate, default_convert and DataLoader), worker.py
(get_worker_info and the in-process workers), so `from torch.utils.data.dataloader import DataLoader` works as
written too."""
from .dataset import (Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, StackDataset, ChainDataset,
                      random_split)
from .sampler import (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler,
                      BatchSampler)
from .dataloader import default_collate, default_convert, DataLoader
from .distributed import DistributedSampler
from .worker import get_worker_info

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "Sampler",
           "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler",
           "default_collate", "DataLoader",
           "StackDataset", "ChainDataset", "default_convert", "DistributedSampler", "get_worker_info"]
