"""torch.autograd.profiler: the older spelling of torch.profiler (`with torch.autograd.profiler.profile() as prof`);
see teenygrad/profiler.py for what is recorded."""
from .. import profiler as _profiler
from ..profiler import record_function, EventList, FunctionEventAvg  # noqa: F401


class profile(_profiler.profile):
    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, **kwargs):
        super().__init__(record_shapes=record_shapes)
        self.enabled = enabled

    def __enter__(self):
        if self.enabled:
            self.start()
        return self

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self.key_averages())
