"""torch.autograd.Variable, the pre-0.4 wrapper that old tutorials still use: since 0.4 every Tensor is a Variable,
so Variable(t) makes a new leaf Tensor sharing t's data (as t.detach() does), and isinstance(t, Variable) holds for
any Tensor."""
import warnings


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        from ..tensor import Tensor
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    def __new__(cls, data=None, requires_grad=False, volatile=False):
        from ..tensor import Tensor
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                          stacklevel=2)
        if data is None:
            from .. import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)
