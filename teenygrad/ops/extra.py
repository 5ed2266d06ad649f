"""The inverse hyperbolic functions (acosh, asinh, atanh) and nextafter: the elementwise ops behind
teenygrad/tensor_extra_ops.py. Each is one Function with its backward beside its forward."""
import numpy as np
from ..autograd.function import Function
from .._arrays import unbroadcast, zeros_on
from ..autograd.graph_backward import const, sum_to


class Acosh(Function):
    """z = acosh x;  dx = dz / sqrt(x^2 - 1)"""
    def forward(self, x):
        self.x = x
        with np.errstate(invalid="ignore"):  # x < 1: NaN, as torch, without numpy's warning
            return np.arccosh(x)

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):
            return g / np.sqrt(self.x * self.x - 1)

    def backward_graph(self, g):
        x = self._input(0, self.x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return g / (x * x - 1.0).sqrt()


class Asinh(Function):
    """z = asinh x;  dx = dz / sqrt(x^2 + 1)"""
    def forward(self, x):
        self.x = x
        return np.arcsinh(x)

    def backward(self, g):
        return g / np.sqrt(self.x * self.x + 1)

    def backward_graph(self, g):
        x = self._input(0, self.x)
        return g / (x * x + 1.0).sqrt()


class Atanh(Function):
    """z = atanh x;  dx = dz / (1 - x^2)"""
    def forward(self, x):
        self.x = x
        with np.errstate(divide="ignore", invalid="ignore"):  # |x| >= 1: +-inf or NaN, as torch
            return np.arctanh(x)

    def backward(self, g):
        with np.errstate(divide="ignore"):
            return g / (1 - self.x * self.x)

    def backward_graph(self, g):
        x = self._input(0, self.x)
        with np.errstate(divide="ignore"):
            return g / (1.0 - x * x)


class Nextafter(Function):
    """z = the next float after x towards y;  dx = dz, dy = 0 (torch's choice: z is x to within one ulp)"""
    saves_inputs = False
    def forward(self, x, y):
        self.xs, self.ys = x.shape, y.shape
        return np.nextafter(x, y)

    def backward(self, g):
        return unbroadcast(g, self.xs), zeros_on(g, self.ys)

    def backward_graph(self, g):
        return sum_to(g, self.xs), const(zeros_on(g._data, self.ys))
