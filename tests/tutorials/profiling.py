"""The profiler recipe: record_function regions around forward / backward / step, torch.profiler.profile with a
wait/warmup/active schedule and tensorboard_trace_handler, prof.step() per iteration, key_averages().table(),
export_chrome_trace, and the older torch.autograd.profiler spelling. Only what both libraries record the same is
compared: the region names, call counts and trace files, not the times."""
import json
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile, record_function, schedule, tensorboard_trace_handler

torch.manual_seed(17)
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 4))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(16, 8), torch.randint(0, 4, (16,))
REGIONS = ("forward", "backward", "optimizer_step", "train_step")


def train_step():
    with record_function("train_step"):
        with record_function("forward"):
            loss = F.cross_entropy(model(x), y)
        with record_function("backward"):
            opt.zero_grad()
            loss.backward()
        with record_function("optimizer_step"):
            opt.step()
    return loss.item()


def regions(prof):
    return {e.key: e.count for e in prof.key_averages() if e.key in REGIONS}


with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
    losses = [train_step() for _ in range(3)]
table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
result = {"losses": losses, "plain": regions(prof), "table": ["train_step" in table, "Self CPU time total" in table]}

traces = []
with tempfile.TemporaryDirectory() as tmp:
    sched = schedule(skip_first=1, wait=1, warmup=1, active=2, repeat=2)
    result["schedule"] = [sched(i).name for i in range(12)]
    with profile(activities=[ProfilerActivity.CPU], schedule=sched,
                 on_trace_ready=lambda p: traces.append(regions(p))) as prof:
        for step in range(10):
            losses.append(train_step())
            prof.step()
    result["scheduled"] = traces
    logdir = os.path.join(tmp, "log")
    with profile(schedule=schedule(wait=0, warmup=1, active=1, repeat=1),
                 on_trace_ready=tensorboard_trace_handler(logdir)) as prof:
        for step in range(3):
            train_step()
            prof.step()
    files = os.listdir(logdir)
    with open(os.path.join(logdir, files[0])) as f:
        trace = json.load(f)
    names = {e["name"] for e in trace["traceEvents"] if e.get("name") in REGIONS}
    result["tensorboard"] = [len(files), files[0].endswith(".pt.trace.json"), sorted(names)]
    with profile() as prof:
        train_step()
    prof.export_chrome_trace(os.path.join(tmp, "trace.json"))
    with open(os.path.join(tmp, "trace.json")) as f:
        result["chrome"] = sorted({e["name"] for e in json.load(f)["traceEvents"] if e.get("name") in REGIONS})

with torch.autograd.profiler.profile(use_cuda=False) as prof:
    with torch.autograd.profiler.record_function("legacy"):
        train_step()
result["legacy"] = [e.count for e in prof.key_averages() if e.key == "legacy"]
result["losses"] = losses
print("RESULT " + json.dumps(result))
