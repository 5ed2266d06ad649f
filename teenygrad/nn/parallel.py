"""torch.nn.parallel: DataParallel runs the module as it is; DistributedDataParallel is not supported.

DataParallel wraps and forwards, as torch's does with one device (or none): d2l's trainers write
`nn.DataParallel(net, device_ids=devices)` and then use `net.module`, and state_dict keys get torch's `module.`
prefix. DistributedDataParallel needs a process group, which teenygrad.distributed never has, so its
constructor raises the way torch's does without init_process_group."""

from ..distributed import _NOT_SUPPORTED
from .modules.module import Module


class DataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = [] if device_ids is None else list(device_ids)
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


class DistributedDataParallel(Module):
    def __init__(self, module, *args, **kwargs):
        raise ValueError(f"DistributedDataParallel: default process group has not been initialized "
                         f"({_NOT_SUPPORTED})")


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """torch.nn.parallel.data_parallel: the functional DataParallel, on the one device."""
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    return module(*inputs, **(module_kwargs or {}))
