"""Datasets and batching with torch.utils.data's names and layout: dataset.py (Dataset, TensorDataset, Subset,
ConcatDataset, IterableDataset, random_split), sampler.py (the samplers), dataloader.py (default_collate and a
single-process DataLoader), so `from torch.utils.data.dataloader import DataLoader` works as written too."""
from .dataset import Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, random_split
from .sampler import (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler,
                      BatchSampler)
from .dataloader import default_collate, DataLoader

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "Sampler",
           "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler",
           "default_collate", "DataLoader"]
