"""Differences from torch found in the nineteenth landing by running teaching and research code (Karpathy's
micrograd / makemore / "Let's build GPT" / nanoGPT, PyTorch's quickstart and "Learning PyTorch with examples")
under `import teenygrad as torch`, each compared with torch directly."""
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg


def _lib(x):
    return torch if isinstance(x, torch.Tensor) else tg


# ---- torch.accelerator: PyTorch's quickstart picks its device with it -------------------------------------------
def test_quickstart_device_line():
    """`torch.accelerator` was missing: the quickstart's first line raised AttributeError"""
    for lib in (torch, tg):
        device = lib.accelerator.current_accelerator().type if lib.accelerator.is_available() else "cpu"
        assert device == "cpu"


def test_accelerator_without_a_gpu_answers_as_cpu_only_torch():
    for name in ("is_available", "device_count"):
        assert getattr(tg.accelerator, name)() == getattr(torch.accelerator, name)()
    assert tg.accelerator.current_accelerator() is None is torch.accelerator.current_accelerator()
    assert tg.accelerator.current_accelerator(check_available=True) is None
    for lib in (torch, tg):
        with pytest.raises(RuntimeError, match="none is available"):
            lib.accelerator.current_device_index()
        with pytest.raises(RuntimeError, match="none is available"):
            lib.accelerator.synchronize()
        with lib.accelerator.device_index(None):
            pass


def test_import_torch_accelerator_through_the_alias():
    """`import torch.accelerator` under tests/tutorials/_as_torch.py's alias gives teenygrad's module"""
    code = "import torch.accelerator; print(torch.accelerator.is_available())"
    out = subprocess.run([sys.executable, "-c", "import sys, runpy; sys.path.insert(0, 'tests/tutorials');"
                          "from _as_torch import _TorchAlias; sys.meta_path.insert(0, _TorchAlias());"
                          f"exec({code!r})"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---- grad_fn names, as tutorials print them ---------------------------------------------------------------------
_X = torch.randn(2, 4, 3, generator=torch.Generator().manual_seed(0))

# name: f(x) with x a (2, 4, 3) tensor that requires grad, in either library
_NAMED = {
    # class names ending in a digit read Log1Backward0, LogBackward2, ExpmBackward1, AtanBackward2, IBackward0
    "log10": lambda x: x.abs().log10(), "log2": lambda x: x.abs().log2(), "exp2": lambda x: x.exp2(),
    "expm1": lambda x: x.expm1(), "atan2": lambda x: x.atan2(x + 1), "i0": lambda x: x.i0(),
    "log1p": lambda x: x.abs().log1p(), "special.i1": lambda x: _lib(x).special.i1(x),
    "special.i0e": lambda x: _lib(x).special.i0e(x), "special.i1e": lambda x: _lib(x).special.i1e(x),
    "special.xlog1py": lambda x: _lib(x).special.xlog1py(x, x.abs()), "nansum": lambda x: x.nansum(),
    "median()": lambda x: x.median(), "pow": lambda x: x.abs() ** x, "clamp": lambda x: x.clamp(-1, 1),
    # one teenygrad node standing for several of torch's
    "squeeze()": lambda x: x[:1].squeeze(), "squeeze(0)": lambda x: x[:1].squeeze(0),
    "squeeze((0,))": lambda x: x[:1].squeeze((0,)), "unsqueeze": lambda x: x.unsqueeze(1),
    "transpose": lambda x: x.transpose(0, 2), "swapaxes": lambda x: x.swapaxes(0, 1), "mT": lambda x: x.mT,
    "t": lambda x: x[0].t(), "T": lambda x: x[0].T, "permute": lambda x: x.permute(2, 0, 1),
    "sum()": lambda x: x.sum(), "sum(1)": lambda x: x.sum(1), "sum(keepdim)": lambda x: x.sum(-1, keepdim=True),
    "sum([0, 1])": lambda x: x.sum([0, 1]), "mean()": lambda x: x.mean(), "mean(0)": lambda x: x.mean(0),
    "topk": lambda x: x.topk(2).values, "topk(largest=False)": lambda x: x.topk(2, largest=False).values,
    "sort": lambda x: x.sort().values, "msort": lambda x: x.msort(), "kthvalue": lambda x: x.kthvalue(2).values,
    "median(0)": lambda x: x.median(0).values, "mode": lambda x: x.mode().values,
    "cummax": lambda x: x.cummax(0).values, "cummin": lambda x: x.cummin(1).values,
    "split": lambda x: x.split(1)[1], "split([1, 3], 1)": lambda x: x.split([1, 3], 1)[0],
    "chunk": lambda x: x.chunk(2)[0], "unbind": lambda x: x.unbind(1)[0],
    "stack": lambda x: _lib(x).stack([x, x], 1), "clone": lambda x: x.clone(), "repeat": lambda x: x.repeat(2, 1, 1),
    "index_select": lambda x: x.index_select(1, _lib(x).tensor([0, 2])), "tril": lambda x: x.tril(),
    "triu": lambda x: x.triu(1), "number ** x": lambda x: 2 ** x, "square": lambda x: x.square(),
    "linear 2-d": lambda x: _lib(x).nn.functional.linear(x[0], x[1, :2], x[1, 2, :2]),
    "linear 2-d no bias": lambda x: _lib(x).nn.functional.linear(x[0], x[1, :2]),
    "linear 3-d": lambda x: _lib(x).nn.functional.linear(x, x[1, :2], x[1, 2, :2]),
    "linear 3-d no bias": lambda x: _lib(x).nn.functional.linear(x, x[1, :2]),
}
for _r in ("mean", "sum", "none"):
    _NAMED.update({
        f"mse_loss {_r}": lambda x, r=_r: _lib(x).nn.functional.mse_loss(x, x.detach() * 0.5, reduction=r),
        f"binary_cross_entropy {_r}": lambda x, r=_r: _lib(x).nn.functional.binary_cross_entropy(
            x.sigmoid(), x.detach().sigmoid(), reduction=r),
        f"binary_cross_entropy_with_logits {_r}": lambda x, r=_r: _lib(x).nn.functional.binary_cross_entropy_with_logits(
            x, x.detach().sigmoid(), reduction=r),
        f"nll_loss {_r}": lambda x, r=_r: _lib(x).nn.functional.nll_loss(
            x.view(-1, 3).log_softmax(1), _lib(x).tensor([0, 1, 2, 0, 1, 2, 0, 1]), reduction=r),
        f"cross_entropy {_r}": lambda x, r=_r: _lib(x).nn.functional.cross_entropy(
            x.view(-1, 3), _lib(x).tensor([0, 1, 2, 0, 1, 2, 0, 1]), reduction=r),
        f"smooth_l1_loss {_r}": lambda x, r=_r: _lib(x).nn.functional.smooth_l1_loss(x, x.detach() * 0.5, reduction=r),
        f"soft_margin_loss {_r}": lambda x, r=_r: _lib(x).nn.functional.soft_margin_loss(
            x, x.detach().sign(), reduction=r),
        f"multi_margin_loss {_r}": lambda x, r=_r: _lib(x).nn.functional.multi_margin_loss(
            x.view(-1, 3), _lib(x).tensor([0, 1, 2, 0, 1, 2, 0, 1]), reduction=r),
    })


@pytest.mark.parametrize("name", list(_NAMED))
def test_grad_fn_name_as_torch(name):
    """print(loss) shows grad_fn=<...>: torch's autograd tutorial prints BinaryCrossEntropyWithLogitsBackward0
    (MeanBackward0 here), and squeeze / transpose / sum(dim) / topk / stack / ... read View, Permute, Gather, Cat"""
    f = _NAMED[name]
    want = f(_X.clone().requires_grad_()).grad_fn.name()
    got = f(tg.tensor(_X.numpy()).requires_grad_()).grad_fn.name()
    assert got == want


def test_autograd_tutorial_prints():
    """PyTorch's "Automatic differentiation with torch.autograd" page prints z's and loss's grad_fn"""
    names = {}
    for lib in (torch, tg):
        x, y = lib.ones(5), lib.zeros(3)
        w = lib.tensor(_X.numpy().reshape(-1)[:15].reshape(5, 3), requires_grad=True)
        b = lib.tensor(_X.numpy().reshape(-1)[15:18], requires_grad=True)
        z = lib.matmul(x, w) + b
        loss = lib.nn.functional.binary_cross_entropy_with_logits(z, y)
        names[lib] = (z.grad_fn.name(), loss.grad_fn.name())
    assert names[tg] == names[torch] == ("AddBackward0", "BinaryCrossEntropyWithLogitsBackward0")


# ---- numpy's floating-point warnings: torch computes inf / nan silently ------------------------------------------
_QUIET = {
    "log": lambda x: x.log(), "log2": lambda x: x.log2(), "log10": lambda x: x.log10(), "log1p": lambda x: x.log1p(),
    "sqrt": lambda x: x.sqrt(), "rsqrt": lambda x: x.rsqrt(), "reciprocal": lambda x: x.reciprocal(),
    "x ** 0.5": lambda x: x ** 0.5, "x ** -0.5": lambda x: x ** -0.5, "x ** 2.5": lambda x: x ** 2.5,
    "x ** -1": lambda x: x ** -1, "number / x": lambda x: 1.0 / x,
}


@pytest.mark.parametrize("name", list(_QUIET))
def test_no_numpy_warning_at_zero_or_below(name):
    """makemore's bigram loss takes log(0) = -inf for a pair it never saw: teenygrad added numpy's 'divide by zero
    encountered in log' RuntimeWarning (and 'invalid value' for sqrt / log of a negative), forward and backward"""
    f = _QUIET[name]
    vals = [-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 4.0]
    want_x = torch.tensor(vals, requires_grad=True)
    want = f(want_x)
    want.backward(torch.ones(len(vals)))
    x = tg.tensor(vals, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = f(x)
        got.backward(tg.ones(len(vals)))
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6, equal_nan=True)
    np.testing.assert_allclose(x.grad.numpy(), want_x.grad.numpy(), rtol=1e-6, equal_nan=True)


def test_bigram_nll_with_an_unseen_pair():
    """Karpathy's makemore part 1: the average negative log likelihood is inf for a word with an unseen bigram"""
    counts = [[0, 3, 1], [2, 0, 0], [1, 1, 1]]
    out = {}
    for lib in (torch, tg):
        P = lib.tensor(counts).float()
        P /= P.sum(1, keepdims=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            nll = -sum(lib.log(P[a, b]) for a, b in [(0, 1), (1, 2), (2, 0)]) / 3
        out[lib] = nll.item()
    assert out[tg] == out[torch] == float("inf")


def test_exp_overflow_without_a_warning():
    """makemore part 2 shows logits of 100 making counts = logits.exp() inf (and the probabilities nan): numpy's
    'overflow encountered in exp' RuntimeWarning came with it"""
    vals = [-100.0, -3.0, 0.0, 100.0]
    want_x = torch.tensor(vals, requires_grad=True)
    want = want_x.exp()
    want.backward(torch.tensor([1.0, 1.0, 1.0, 0.0]))
    x = tg.tensor(vals, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = x.exp()
        got.backward(tg.tensor([1.0, 1.0, 1.0, 0.0]))
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), want_x.grad.numpy(), rtol=1e-6, equal_nan=True)


# ---- torch.compile: the model comes back wrapped, as torch's OptimizedModule ------------------------------------
class _Net:
    """the same small model in either library, with an extra method and a plain attribute"""
    @staticmethod
    def make(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = lib.nn.Linear(3, 2)
                self.drop = lib.nn.Dropout(0.5)
                self.scale = 2.0

            def forward(self, x):
                return self.drop(self.lin(x)) * self.scale

            def shapes(self):
                return [tuple(p.shape) for p in self.parameters()]
        lib.manual_seed(0)
        return Net()


def test_compiled_model_wraps_the_model():
    """torch.compile(model) gave the model itself: `model._orig_mod` (the uncompiled model, which training scripts
    keep as raw_model) raised AttributeError, and state_dict keys lacked torch's '_orig_mod.' prefix. (torch's
    answers are written out: compiling with torch here would import dynamo, which changes torch's global state for
    the tests that run after this file.)"""
    raw = _Net.make(tg)
    m = tg.compile(raw)
    m.scale = 3.0  # set on the model inside, as torch does
    m.eval()
    assert m._orig_mod is raw and type(m).__name__ == "OptimizedModule" and isinstance(m, tg.nn.Module)
    assert list(m.state_dict()) == ["_orig_mod.lin.weight", "_orig_mod.lin.bias"]
    assert [n for n, _ in m.named_modules()] == ["", "_orig_mod", "_orig_mod.lin", "_orig_mod.drop"]
    assert m.shapes() == [(2, 3), (2,)] and raw.scale == 3.0 and "scale" not in m.__dict__
    assert not raw.training and not m.training and not raw.drop.training
    m.train()
    assert raw.drop.training
    assert repr(m) == "OptimizedModule(\n  (_orig_mod): " + repr(raw).replace("\n", "\n  ") + "\n)"
    x = tg.ones(2, 3)
    m.eval()
    np.testing.assert_array_equal(m(x).numpy(), raw(x).numpy())


def test_torch_checkpoint_of_a_compiled_model_loads_into_a_compiled_model():
    """a state_dict saved from a compiled torch model has '_orig_mod.' keys: a compiled teenygrad model refused it"""
    sd = {"_orig_mod." + k: tg.tensor(v.numpy()) for k, v in _Net.make(torch).state_dict().items()}
    m = tg.compile(_Net.make(tg))
    m.load_state_dict(sd)
    np.testing.assert_array_equal(m._orig_mod.lin.weight.detach().numpy(), sd["_orig_mod.lin.weight"].numpy())
    # and nanoGPT's prefix strip gives the plain model's keys
    plain = {k[len("_orig_mod."):]: v for k, v in sd.items()}
    _Net.make(tg).load_state_dict(plain)


def test_compile_of_a_function_and_the_compiler_queries():
    f = lambda a: a + 1  # noqa: E731
    assert tg.compile(f) is f and tg.compile(mode="max-autotune")(f) is f
    assert tg.compiler.is_compiling() is False and tg.compiler.is_dynamo_compiling() is False
    assert tg.compiler.disable(f) is f



def test_module_compile_in_place():
    """nn.Module.compile() (torch 2.2's in-place form, which returns None and leaves the module's type and keys)
    was missing"""
    m = _Net.make(tg)
    assert m.compile() is None and type(m).__name__ == "Net" and list(m.state_dict()) == ["lin.weight", "lin.bias"]


# ---- printing max(dim) / sort / topk results ---------------------------------------------------------------------
_RESULTS = {
    "max": lambda L, x: L.max(x, 1), "min": lambda L, x: x.min(dim=0, keepdim=True), "sort": lambda L, x: x.sort(),
    "topk": lambda L, x: x.topk(2), "aminmax": lambda L, x: L.aminmax(x, dim=1), "kthvalue": lambda L, x: x.kthvalue(2),
    "median": lambda L, x: x.median(1), "mode": lambda L, x: x.round().mode(0), "cummax": lambda L, x: x.cummax(1),
    "cummin": lambda L, x: L.cummin(x, 0), "histogram": lambda L, x: L.histogram(x, 3),
    "nanmedian": lambda L, x: L.nanmedian(x, 1),
}


@pytest.mark.parametrize("name", list(_RESULTS))
def test_result_tuple_prints_as_torch(name):
    """print(torch.max(x, 1)) shows torch.return_types.max(\\nvalues=...,\\nindices=...); teenygrad printed a plain
    namedtuple, max(values=..., indices=...)"""
    x = _X[0]
    want = repr(_RESULTS[name](torch, x))
    got = _RESULTS[name](tg, tg.tensor(x.numpy()))
    assert repr(got).replace("teenygrad.", "torch.") == want
    assert str(got) == repr(got) and isinstance(got, getattr(tg.return_types, name))


# ---- what training scripts ask about the machine -----------------------------------------------------------------
@pytest.mark.skipif(tg.cuda.is_available(), reason="the answers of a machine without a GPU")
def test_cuda_memory_and_version_queries_without_a_gpu():
    """torch.cuda.max_memory_allocated() (logged by training loops), memory_allocated, memory_reserved,
    is_initialized and torch.version.cuda raised AttributeError; a CPU-only torch answers 0 / False / None"""
    for name in ("memory_allocated", "max_memory_allocated", "memory_reserved", "max_memory_reserved",
                 "is_initialized"):
        assert getattr(tg.cuda, name)() == getattr(torch.cuda, name)(), name
    assert tg.version.cuda is torch.version.cuda is None and tg.version.hip is None
    assert isinstance(tg.version.__version__, str)
    with pytest.raises(RuntimeError, match="no CUDA GPU"):
        tg.cuda.get_device_name(0)


def test_sdp_backend_switches():
    """torch.backends.cuda.enable_flash_sdp / flash_sdp_enabled / sdp_kernel(...) (set by nanoGPT forks) were
    missing: they are kept as set, and sdp_kernel restores them, with torch's deprecation warning"""
    for lib in (torch, tg):
        b = lib.backends.cuda
        assert (b.flash_sdp_enabled(), b.mem_efficient_sdp_enabled(), b.math_sdp_enabled()) == (True, True, True)
        b.enable_flash_sdp(False)
        assert not b.flash_sdp_enabled()
        b.enable_flash_sdp(True)
        with pytest.warns(FutureWarning, match="sdp_kernel"):
            with b.sdp_kernel(enable_flash=False, enable_math=True, enable_mem_efficient=False):
                assert (b.flash_sdp_enabled(), b.math_sdp_enabled(), b.mem_efficient_sdp_enabled()) == \
                    (False, True, False)
        assert b.flash_sdp_enabled() and b.mem_efficient_sdp_enabled()


def test_optimizer_repr_with_two_groups():
    """print(optimizer) for weight-decay / no-decay groups: torch leaves a blank line between the groups"""
    reprs = {}
    for lib in (torch, tg):
        m = lib.nn.Linear(3, 2)
        opt = lib.optim.AdamW([{"params": [m.weight], "weight_decay": 0.1}, {"params": [m.bias], "weight_decay": 0.0}],
                              lr=6e-4, betas=(0.9, 0.95))
        reprs[lib] = repr(opt)
    assert reprs[tg] == reprs[torch]


# ---- DataLoader's sampler and batch_sampler ------------------------------------------------------------------------
def _loader_parts(lib, **kw):
    data = lib.utils.data
    ds = data.TensorDataset(lib.arange(10.0), lib.arange(10))
    dl = data.DataLoader(ds, **kw)
    return (type(dl.sampler).__name__, type(dl.batch_sampler).__name__, dl.batch_size, len(dl.sampler), len(dl))


@pytest.mark.parametrize("kw", [dict(batch_size=4), dict(batch_size=4, shuffle=True, drop_last=True),
                                dict(batch_size=None), dict(batch_size=3, sampler=[9, 1, 5, 2])],
                         ids=["sequential", "shuffle", "unbatched", "given sampler"])
def test_dataloader_sampler_attributes(kw):
    """DataLoader.sampler and .batch_sampler were None unless passed in (len(loader.sampler) raised TypeError);
    torch builds a SequentialSampler / RandomSampler and a BatchSampler over it"""
    assert _loader_parts(tg, **kw) == _loader_parts(torch, **kw)


def test_dataloader_epochs_through_its_samplers():
    """the batches come from those samplers: seeded shuffles and the global random stream stay torch's"""
    out = {}
    for lib in (torch, tg):
        lib.manual_seed(3)
        dl = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(lib.arange(10)), batch_size=3, shuffle=True)
        out[lib] = ([b[0].tolist() for b in dl], [list(b) for b in dl.batch_sampler], lib.rand(2).tolist())
    assert out[tg][:2] == out[torch][:2]
    np.testing.assert_allclose(out[tg][2], out[torch][2])


def test_dataloader_shuffle_of_an_empty_dataset_refused_when_built():
    for lib in (torch, tg):
        with pytest.raises(ValueError, match="num_samples"):
            lib.utils.data.DataLoader(lib.utils.data.TensorDataset(lib.zeros(0)), batch_size=2, shuffle=True)
