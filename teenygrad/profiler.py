"""torch.profiler, so scripts that profile a few training steps run unchanged. teenygrad doesn't trace its ops:
a profile records the regions named with record_function (wall time on the CPU, call counts), follows torch's
step schedule (wait / warmup / active), and prints or exports those regions in torch's layouts."""
import enum
import json
import os
import socket
import threading
import time
import warnings


class ProfilerActivity(enum.Enum):
    CPU = 0
    CUDA = 1
    XPU = 2
    MTIA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """step -> ProfilerAction: skip_first steps off, then cycles of wait (off), warmup, active steps, the last
    active step of each cycle saving the trace; repeat=0 cycles forever."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} "
                             f"(need >= 0), active={active} (need > 0), repeat={repeat} (need >= 0), "
                             f"skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)
    cycle = wait + warmup + active

    def action(step):
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step = step - skip_first + (wait if skip_first_wait else 0)   # skip_first_wait: the first cycle waits not
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        pos = step % cycle
        if pos < wait:
            return ProfilerAction.NONE
        if pos < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if pos < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return action


_active = []       # the profiles inside whose `with` block we are, innermost last
_open = threading.local()   # .regions: this thread's record_function regions entered and not yet left, innermost last


def _open_regions():
    regions = getattr(_open, "regions", None)
    if regions is None:
        regions = _open.regions = []
    return regions


class record_function:
    """Names a region (context manager or decorator); the active profile records its CPU wall time, and its self
    time: the wall time less that of the regions opened inside it."""
    def __init__(self, name, args=None):
        self.name, self.args = name, args

    def __enter__(self):
        self._children_ns = 0
        _open_regions().append(self)
        self._start = time.perf_counter_ns()
        return self

    def __exit__(self, *exc):
        end = time.perf_counter_ns()
        regions = _open_regions()
        for i in range(len(regions) - 1, -1, -1):  # normally the last; left out of order, wherever it is
            if regions[i] is self:
                del regions[i]
                if i:  # the region it was opened in (this thread's) counts it as a child
                    regions[i - 1]._children_ns += end - self._start
                break
        for prof in _active:
            prof._record(self.name, self._start, end, self._children_ns)
        return False

    def __call__(self, fn):
        def wrapped(*args, **kwargs):
            with record_function(self.name, self.args):
                return fn(*args, **kwargs)
        wrapped.__name__, wrapped.__doc__ = fn.__name__, fn.__doc__
        return wrapped


class FunctionEventAvg:
    """One row of key_averages(): times in microseconds, as torch reports them."""
    def __init__(self, key):
        self.key, self.count, self.cpu_time_total, self.self_cpu_time_total = key, 0, 0.0, 0.0

    @property
    def cpu_time(self):
        return self.cpu_time_total / self.count if self.count else 0.0

    device_time_total = cuda_time_total = self_device_time_total = 0.0

    def __repr__(self):
        return f"<FunctionEventAvg key={self.key} cpu_time_total={_fmt_us(self.cpu_time_total)} count={self.count}>"


def _fmt_us(us):
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    return f"{us / 1e3:.3f}ms" if us >= 1e3 else f"{us:.3f}us"


class EventList(list):
    def table(self, sort_by=None, row_limit=100, max_name_column_width=55, header=None, top_level_events_only=False,
              **kwargs):
        """torch's table layout for the recorded regions (sorted by sort_by's time, descending)."""
        attr = {"cpu_time_total": "cpu_time_total", "self_cpu_time_total": "self_cpu_time_total",
                "cpu_time": "cpu_time", "count": "count"}.get(sort_by)
        rows = sorted(self, key=lambda e: getattr(e, attr), reverse=True) if attr else list(self)
        rows = rows[:row_limit] if row_limit is not None and row_limit >= 0 else rows
        total = sum(e.self_cpu_time_total for e in self) or 1.0   # torch: percentages of the total self time
        width = max([len("Name")] + [len(e.key) for e in rows])
        width = min(width, max_name_column_width)
        cols = ("Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls")
        rule = "-" * width + "  " + "  ".join("-" * 12 for _ in cols) + "  "
        lines = ([header] if header else []) + [rule, f"{'Name':>{width}}  " +
                                                 "  ".join(f"{c:>12}" for c in cols) + "  ", rule]
        for e in rows:
            vals = (f"{100 * e.self_cpu_time_total / total:.2f}%", _fmt_us(e.self_cpu_time_total),
                    f"{100 * e.cpu_time_total / total:.2f}%", _fmt_us(e.cpu_time_total), _fmt_us(e.cpu_time),
                    str(e.count))
            lines.append(f"{e.key[:width]:>{width}}  " + "  ".join(f"{v:>12}" for v in vals) + "  ")
        lines += [rule, f"Self CPU time total: {_fmt_us(sum(e.self_cpu_time_total for e in self))}", ""]
        return "\n".join(lines)


class profile:
    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False, **kwargs):
        self.activities = set(activities) if activities is not None else {ProfilerActivity.CPU}
        self.schedule, self.on_trace_ready = schedule, on_trace_ready
        self.step_num, self._events = 0, []

    def _action(self):
        return self.schedule(self.step_num) if self.schedule else ProfilerAction.RECORD

    def _record(self, name, start_ns, end_ns, children_ns=0):
        if self._action() in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE):
            self._events.append((name, start_ns, end_ns, children_ns))

    def start(self):
        _active.append(self)

    def stop(self):
        if self in _active:
            _active.remove(self)
        if self.on_trace_ready is not None and (self.schedule is None or self._action() in
                                                (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)):
            self.on_trace_ready(self)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def step(self):
        """End one training step: a cycle's last active step hands its trace to on_trace_ready, the next starts
        with no events."""
        if self.schedule is not None and self._action() is ProfilerAction.RECORD_AND_SAVE:
            if self.on_trace_ready is not None:
                self.on_trace_ready(self)
            self._events = []
        self.step_num += 1
        if self.schedule is not None and self._action() is ProfilerAction.WARMUP:
            self._events = []

    def events(self):
        return list(self._events)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, **kwargs):
        rows = {}
        for name, start, end, children in self._events:
            row = rows.setdefault(name, FunctionEventAvg(name))
            row.count += 1
            row.cpu_time_total += (end - start) / 1e3
            row.self_cpu_time_total += (end - start - children) / 1e3
        return EventList(rows.values())

    def export_chrome_trace(self, path):
        """The regions as complete ('X') events in the Chrome trace-event format (chrome://tracing, Perfetto)."""
        pid = os.getpid()
        events = [{"ph": "X", "cat": "user_annotation", "name": name, "pid": pid, "tid": 0,
                   "ts": start / 1e3, "dur": (end - start) / 1e3} for name, start, end, _ in self._events]
        with open(path, "w") as f:
            json.dump({"traceEvents": events}, f)


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    """An on_trace_ready that writes each trace into dir_name as <worker>.<time>.pt.trace.json."""
    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        name = f"{worker}.{time.time_ns() // 1_000_000}.pt.trace.json"
        if use_gzip:
            import gzip
            import tempfile
            with tempfile.TemporaryDirectory() as tmp:
                prof.export_chrome_trace(os.path.join(tmp, "t.json"))
                with open(os.path.join(tmp, "t.json"), "rb") as src, gzip.open(os.path.join(dir_name, name + ".gz"),
                                                                                 "wb") as dst:
                    dst.write(src.read())
        else:
            prof.export_chrome_trace(os.path.join(dir_name, name))
    return handler
