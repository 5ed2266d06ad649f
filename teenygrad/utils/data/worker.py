"""torch.utils.data.get_worker_info: which DataLoader worker process this code runs in. teenygrad's DataLoader
loads in the calling process whatever num_workers says, so no code ever runs inside a worker and the answer is
always torch's main-process answer, None (an IterableDataset that splits its stream by worker reads it whole)."""


def get_worker_info():
    return None
