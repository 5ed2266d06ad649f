"""Module backward hooks (register_full_backward_hook, register_full_backward_pre_hook), built as torch builds them:
each call of a hooked module passes its Tensor arguments and its Tensor outputs through an identity node. The
outputs' node runs first in backward: it hands grad_output to the pre-hooks (which may replace it) and keeps it.
The inputs' node then has grad_input: it calls hook(module, grad_input, grad_output), which may replace grad_input."""
from ..autograd import Function, grad_mode
from ..tensor import Tensor


class BackwardHookFunction(Function):
    """y_i = x_i for every tensor argument, as one node, so that backward sees all their gradients at once;
    dx_i = on_grads(dy_1..dy_n)."""
    @staticmethod
    def forward(ctx, on_grads, materialize, *args):
        ctx.mark_non_differentiable(*[a for a in args if not a.requires_grad])
        # torch: grad_output holds None for an output no gradient reached; grad_input holds zeros for an input
        # no gradient reached (or that doesn't require grad, when another one does)
        ctx.set_materialize_grads(materialize)
        ctx.on_grads = on_grads
        return args

    @staticmethod
    def backward(ctx, *grads):
        return (None, None) + tuple(ctx.on_grads(grads))


class BackwardHook:
    """The hooks of one call of `module` (a new one per call: each call has its own grad_output)."""

    def __init__(self, module, hooks, pre_hooks):
        # the hooks registered when the module is called, as torch: removing or adding one before backward
        # doesn't change what this call's backward runs
        self.module, self.hooks, self.pre_hooks = module, tuple(hooks.values()), tuple(pre_hooks.values())
        self.grad_outputs = None
        self.input_index = None  # positions of the Tensor arguments, once they are wrapped

    def setup_input_hook(self, args):
        self.n_inputs = len(args)
        wrapped = _wrap(args, self._on_grad_inputs, True)
        if wrapped is not args:
            self.input_index = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        return wrapped

    def setup_output_hook(self, out):
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        self.n_outputs = len(outs)
        self.output_index = [i for i, a in enumerate(outs) if isinstance(a, Tensor)]
        outs = _wrap(outs, self._on_grad_outputs, False)
        return outs[0] if single else outs

    def _on_grad_outputs(self, grads):
        self.grad_outputs = _pack(self.output_index, grads, self.n_outputs)
        for hook in self.pre_hooks:
            r = hook(self.module, self.grad_outputs)
            if r is None:
                continue
            r = _as_tuple(r)
            if len(r) != len(self.grad_outputs):
                raise RuntimeError(f"Backward pre hook returned an invalid number of grad_output, got {len(r)}, "
                                   f"but expected {len(self.grad_outputs)}")
            self.grad_outputs = r
        grad_outputs = self.grad_outputs
        if self.input_index is None and self.hooks:  # no input requires grad: no input node will run: now
            import warnings
            warnings.warn("Full backward hook is firing when gradients are computed with respect to module outputs "
                          "since no inputs require gradients", stacklevel=2)
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                r = hook(self.module, grad_inputs, self.grad_outputs)
                if r is not None and not all(e is None for e in _as_tuple(r)):
                    raise RuntimeError("Backward hook for Modules where no input requires gradient should always "
                                       "return None or None for all gradients.")
            self.grad_outputs = None
        return [grad_outputs[i] for i in self.output_index]

    def _on_grad_inputs(self, grads):
        if self.grad_outputs is None:  # the gradient reached the inputs without passing through the outputs
            return grads
        res = _pack(self.input_index, grads, self.n_inputs)
        for hook in self.hooks:
            r = hook(self.module, res, self.grad_outputs)
            if r is None:
                continue
            r = _as_tuple(r)
            if len(r) != len(res):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got {len(r)}, but "
                                   f"expected {len(res)}")
            res = r
        self.grad_outputs = None
        return [res[i] for i in self.input_index]


def _wrap(values, on_grads, materialize):
    """values with their Tensors passed through one BackwardHookFunction node (values itself if none needs grad)."""
    index = [i for i, a in enumerate(values) if isinstance(a, Tensor)]
    if not (grad_mode.is_grad_enabled() and any(values[i].requires_grad for i in index)):
        return values
    new = BackwardHookFunction.apply(on_grads, materialize, *[values[i] for i in index])
    out = list(values)
    for i, t in zip(index, new):
        out[i] = t
    return tuple(out)


def _pack(index, grads, n):
    """The gradients of the Tensors at positions `index` spread over n positions (None elsewhere)."""
    out = [None] * n
    for i, g in zip(index, grads):
        out[i] = g
    return tuple(out)


def _as_tuple(r):
    return tuple(r) if isinstance(r, (tuple, list)) else (r,)
