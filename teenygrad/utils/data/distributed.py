"""torch.utils.data.distributed.DistributedSampler: each of num_replicas processes reads its own slice of one
shared (shuffled) order. teenygrad runs in one process, so num_replicas and rank must be given; the per-rank index
lists equal torch's, which lets one process reproduce (or test) what each rank of a torch job would load."""
import math

from ...random import Generator
from .sampler import Sampler


class DistributedSampler(Sampler):
    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:  # torch asks the default process group, which never exists here
            raise ValueError("DistributedSampler: Default process group has not been initialized, please make sure "
                             "to call init_process_group (or pass num_replicas and rank)")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"DistributedSampler: Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank, self.epoch = dataset, num_replicas, rank, 0
        self.drop_last, self.shuffle, self.seed = drop_last, shuffle, seed
        n = len(dataset)
        if drop_last and n % num_replicas != 0:  # drop the tail so every rank gets the same count
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:  # pad by repeating the start of the order
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:  # every rank draws the same order from seed + epoch, then takes its stride of it
            indices = Generator().manual_seed(self.seed + self.epoch).randperm(n).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            pad = self.total_size - len(indices)
            indices += (indices * math.ceil(pad / len(indices)))[:pad] if pad > len(indices) else indices[:pad]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Reshuffle: call before each epoch's loop, or every epoch repeats the same order."""
        self.epoch = epoch
