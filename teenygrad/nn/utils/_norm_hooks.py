"""torch.nn.utils.weight_norm / spectral_norm, the deprecated hook-based forms: the weight parameter is replaced
by stored tensors (weight_g and weight_v, or weight_orig with the power-iteration vectors weight_u and weight_v),
and a forward pre-hook recomputes module.weight (a plain tensor attribute, in the graph) before each call."""
from ...tensor import Tensor
from ...autograd import no_grad
from ..parameter import Parameter
from .. import functional as F


def _norm_except_dim(v, dim):
    """The 2-norm of v over every dim but `dim`, keeping v's rank (dim=-1 or None: one norm of the whole)."""
    if dim is None or dim == -1:
        return v.norm()
    others = tuple(d for d in range(v.ndim) if d != dim)
    return v.norm(2, others, keepdim=True) if others else v.abs()  # a 1-D v: each entry its own norm


def _weight_norm(v, g, dim):
    """w = g * v / ||v|| (the norm over every dim but dim)."""
    return v * (g / _norm_except_dim(v, dim))


def _check_dim(op, weight, dim):
    if dim is not None and dim != -1 and not -weight.ndim <= dim < weight.ndim:
        raise IndexError(f"{op}: dim {dim} is out of range for a weight of shape {tuple(weight.shape)}")
    return dim + weight.ndim if dim is not None and dim < -1 else dim


def _find_hook(module, kind, name):
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, kind) and hook.name == name:
            return k, hook
    return None, None


def _weight_of(op, module, name):
    weight = module._parameters.get(name)
    if not isinstance(weight, Tensor):
        raise AttributeError(f"{op}: {type(module).__name__} has no parameter '{name}'")
    return weight


class WeightNorm:
    def __init__(self, name, dim):
        self.name, self.dim = name, -1 if dim is None else dim

    def compute_weight(self, module):
        return _weight_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"), self.dim)

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))

    def remove(self, module):
        with no_grad():
            weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))


def weight_norm(module, name="weight", dim=0):
    """Reparametrize module.<name> as weight_g * weight_v / ||weight_v|| (norm over all dims but dim)."""
    if _find_hook(module, WeightNorm, name)[1] is not None:
        raise RuntimeError(f"weight_norm: Cannot register two weight_norm hooks on the same parameter {name}")
    weight = _weight_of("weight_norm", module, name)
    fn = WeightNorm(name, _check_dim("weight_norm", weight, dim))
    with no_grad():
        g = _norm_except_dim(weight, fn.dim)
    del module._parameters[name]
    module.register_parameter(name + "_g", Parameter(g.detach()))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    setattr(module, name, fn.compute_weight(module))
    module.register_forward_pre_hook(fn)
    return module


def _remove_hook(op, module, kind, name):
    """Undo a weight_norm / spectral_norm: the hook restores the plain parameter, then leaves the module."""
    k, hook = _find_hook(module, kind, name)
    if hook is None:
        raise ValueError(f"remove_{op}: {op} of '{name}' not found in {type(module).__name__}")
    hook.remove(module)
    del module._forward_pre_hooks[k]
    return module


def remove_weight_norm(module, name="weight"):
    return _remove_hook("weight_norm", module, WeightNorm, name)


class SpectralNorm:
    def __init__(self, name, n_power_iterations, dim, eps):
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def reshape_weight_to_matrix(self, weight):
        if self.dim != 0:
            weight = weight.permute(self.dim, *[d for d in range(weight.ndim) if d != self.dim])
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module, do_power_iteration):
        """weight_orig / sigma, sigma = u^T W v; in training, power iterations first refine u and v in place."""
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    v._data[...] = F.normalize(mat.t() @ u, dim=0, eps=self.eps)._data
                    u._data[...] = F.normalize(mat @ v, dim=0, eps=self.eps)._data
                u._mark_written()
                v._mark_written()
        # copies: the next call's power iteration rewrites u and v, which this graph's backward still needs
        sigma = u.detach().clone() @ (mat @ v.detach().clone())
        return weight / sigma

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    def remove(self, module):
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))


def _default_dim(module):
    """0, but 1 for the transposed convolutions (their weight is (in, out, ...))."""
    return 1 if type(module).__name__ in ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d") else 0


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Reparametrize module.<name> as weight_orig / sigma, sigma its largest singular value estimated by
    n_power_iterations power iterations per training-mode call (none in eval mode)."""
    if _find_hook(module, SpectralNorm, name)[1] is not None:
        raise RuntimeError(f"spectral_norm: Cannot register two spectral_norm hooks on the same parameter {name}")
    if n_power_iterations <= 0:
        raise ValueError(f"spectral_norm: Expected n_power_iterations to be positive, but got "
                         f"n_power_iterations={n_power_iterations}")
    weight = _weight_of("spectral_norm", module, name)
    dim = _default_dim(module) if dim is None else dim
    if not -weight.ndim <= dim < weight.ndim:
        raise IndexError(f"spectral_norm: dim {dim} is out of range for a weight of shape {tuple(weight.shape)}")
    fn = SpectralNorm(name, n_power_iterations, dim % weight.ndim, eps)
    with no_grad():
        mat = fn.reshape_weight_to_matrix(weight)
        h, w = mat.shape
        u = F.normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=eps)
        v = F.normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=eps)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, Tensor._wrap(weight._data))
    module.register_buffer(name + "_u", u.detach())
    module.register_buffer(name + "_v", v.detach())
    module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module, name="weight"):
    return _remove_hook("spectral_norm", module, SpectralNorm, name)
