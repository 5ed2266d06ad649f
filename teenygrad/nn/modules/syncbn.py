"""nn.SyncBatchNorm: batch norm over (N, C, *) whose statistics torch gathers across the processes of a
distributed run. teenygrad runs one process, so the statistics are this batch's, which is also what torch computes
when torch.distributed is not initialised; convert_sync_batchnorm lets DDP scripts keep their usual line."""
from .normalization import _BatchNorm
from .spatial import _InstanceNorm


class SyncBatchNorm(_BatchNorm):
    _ndims = range(2, 64)      # any input with a channel dim; forward names the bad case itself

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def forward(self, input):
        if input.ndim < 2:
            raise ValueError(f"SyncBatchNorm: expected at least 2D input (got {input.ndim}D input)")
        return super().forward(input)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """module with every BatchNorm*d (not the instance norms) replaced by a SyncBatchNorm that shares its
        parameters and running statistics."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, (_InstanceNorm, cls)):
            out = cls(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats,
                      process_group)
            for name in ("weight", "bias"):
                if name in module._parameters:
                    out._parameters[name] = module._parameters[name]
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                out._buffers[name] = module._buffers.get(name)
            out.training = module.training
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
