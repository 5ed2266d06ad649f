"""RNN, LSTM, GRU and their cells, with torch's parameter names, gate order and return values.
Each layer and direction is two graph nodes: one Linear for the input projection of every step, and one
fused scan (teenygrad.ops.rnn) for the recurrence."""
import math
import numbers
import warnings
import numpy as np
from ...tensor import dt  # dt: the dtype module (the package attribute `dtype` is the class, as torch)
from ...tensor_ops import cat, stack
from ...creation import empty, zeros
from ...ops import rnn as R
from ...ops import nn as N
from ..._arrays import on_device_of
from ..utils.rnn import PackedSequence, _lengths_of, _pack_sorted, _pad_sorted
from ..parameter import Parameter
from .. import functional as F, init
from .module import Module

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _input_gates(x, w_ih, b_ih):
    """x (t, b, i) -> (t, b, G h) in one GEMM."""
    return N.Linear.apply(x, w_ih) if b_ih is None else N.Linear.apply(x, w_ih, b_ih)


def _scan(mode, x, w_ih, b_ih, h0, c0, w_hh, b_hh, reverse, mask=None, w_hr=None):
    """Run one layer-direction on x (t, b, i). Returns (outputs (t, b, h), h_n (b, h), c_n or None); with an LSTM
    projection w_hr (p, h), outputs and h_n have size p. With a mask (packed sequences), a sequence's state stops
    changing past its length, so the last step holds its final state."""
    T = x.shape[0]
    last = 0 if reverse else T - 1
    if mode == "LSTM":
        if b_ih is not None:  # both biases add to every gate: the scan adds their sum in its cell pass, so the
            b_hh, b_ih = b_ih + b_hh, None  # input GEMM skips its (t b, 4h) broadcast add and column sums
        gi = _input_gates(x, w_ih, b_ih)
        bias = [b_hh] if b_hh is not None else []
        proj = [w_hr] if w_hr is not None else []
        out = R.LSTMScan.apply(gi, h0, c0, w_hh, *bias, *proj, proj=bool(proj), reverse=reverse, mask=mask)
        n = T * h0.shape[0] * h0.shape[1]  # out: all h_t flattened, then c_n
        hs = out[:n].reshape(T, *h0.shape)
        return hs, hs[last], out[n:].reshape(c0.shape)
    gi = _input_gates(x, w_ih, b_ih)
    bias = [b_hh] if b_hh is not None else []
    if mode == "GRU":
        hs = R.GRUScan.apply(gi, h0, w_hh, *bias, reverse=reverse, mask=mask)
    else:
        hs = R.RNNScan.apply(gi, h0, w_hh, *bias, relu=mode == "RNN_RELU", reverse=reverse, mask=mask)
    return hs, hs[last], None


class _InputDtypeError(ValueError, TypeError):
    """torch raises ValueError for an RNN input whose dtype isn't the weights'; earlier teenygrad raised TypeError,
    so the error is both."""


def _check_dtype(m, t, name):
    """The input and states must have the weights' dtype (torch refuses a mix; no silent upcast here). torch:
    ValueError for the input of RNN / LSTM / GRU, RuntimeError (from its matmul) for their states and for the
    cells."""
    w = m.weight_ih_l0 if isinstance(m, RNNBase) else m.weight_ih
    if t.dtype != w.dtype:
        if name == "input" and isinstance(m, RNNBase):
            raise _InputDtypeError(f"{type(m).__name__}: input dtype {t.dtype} doesn't match the weights' dtype "
                                   f"{w.dtype}. Convert input: input.to({w.dtype}), or convert model: "
                                   f"model.to({t.dtype})")
        raise RuntimeError(f"{type(m).__name__}: {name} dtype {t.dtype} doesn't match the weights' dtype {w.dtype}")


class RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if not isinstance(hidden_size, int):  # torch: TypeError for the type, ValueError for the values
            raise TypeError(f"{name}: hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0 or num_layers <= 0 or input_size <= 0:
            raise ValueError(f"{name}: input_size ({input_size}), hidden_size ({hidden_size}) and num_layers "
                             f"({num_layers}) must be greater than zero")
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1], got {dropout}")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}")
        if proj_size < 0:
            raise ValueError(f"{type(self).__name__}: proj_size should be a positive integer or zero to disable "
                             f"projections, got {proj_size}")
        if proj_size >= hidden_size:
            raise ValueError(f"{type(self).__name__}: proj_size has to be smaller than hidden_size, got proj_size="
                             f"{proj_size} and hidden_size={hidden_size}")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout, self.bidirectional = bias, batch_first, float(dropout), bidirectional
        self.proj_size = proj_size
        dtype = dtype or dt._default_float
        G, D = _GATES[mode], 2 if bidirectional else 1
        out_size = proj_size or hidden_size  # the size of h: the projection's, if any
        for layer in range(num_layers):
            for d in range(D):  # registered in torch's order, so named_parameters, init and state_dict match
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                in_size = input_size if layer == 0 else out_size * D
                setattr(self, "weight_ih" + sfx, Parameter(empty(G * hidden_size, in_size, dtype=dtype)))
                setattr(self, "weight_hh" + sfx, Parameter(empty(G * hidden_size, out_size, dtype=dtype)))
                if bias:
                    setattr(self, "bias_ih" + sfx, Parameter(empty(G * hidden_size, dtype=dtype)))
                    setattr(self, "bias_hh" + sfx, Parameter(empty(G * hidden_size, dtype=dtype)))
                if proj_size:
                    setattr(self, "weight_hr" + sfx, Parameter(empty(proj_size, hidden_size, dtype=dtype)))
        self.reset_parameters()
        self.to(device=device)  # torch's device= kwarg: built on the host, then moved

    def reset_parameters(self):
        """torch: every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -k, k)

    @property
    def _flat_weights_names(self):
        """torch's attribute: every parameter name, layer by layer and direction by direction."""
        return [n for n, _ in self.named_parameters(recurse=False)]

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    def flatten_parameters(self):
        """torch packs the weights into one cuDNN buffer here; ours are always used as they are."""

    def _layer_params(self, layer, d):
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        b_ih = getattr(self, "bias_ih" + sfx) if self.bias else None
        b_hh = getattr(self, "bias_hh" + sfx) if self.bias else None
        w_hr = getattr(self, "weight_hr" + sfx) if self.proj_size else None
        return getattr(self, "weight_ih" + sfx), getattr(self, "weight_hh" + sfx), b_ih, b_hh, w_hr

    def _state_shapes(self, B):
        """Expected (h_0, c_0) shapes: h has the projection's size, c always hidden_size."""
        L = self.num_layers * (2 if self.bidirectional else 1)
        return (L, B, self.proj_size or self.hidden_size), (L, B, self.hidden_size)

    def _initial_states(self, hx, x, B, batched=True):
        """hx (or zeros) -> (h0, c0 or None), checked against the expected shapes with torch's messages too."""
        lstm = self.mode == "LSTM"
        h_shape, c_shape = self._state_shapes(B)
        if hx is None:
            c0 = zeros(c_shape, dtype=x.dtype, device=x.device) if lstm else None
            return zeros(h_shape, dtype=x.dtype, device=x.device), c0
        if lstm and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            got = f"a Tensor of shape {tuple(hx.shape)}" if hasattr(hx, "shape") else f"{type(hx).__name__}"
            raise RuntimeError(f"{type(self).__name__}: hx must be a tuple (h_0, c_0), got {got}"
                               + (f" of length {len(hx)}" if isinstance(hx, (tuple, list)) else ""))
        states = tuple(hx) if lstm else (hx,)
        want = 3 if batched else 2
        if any(s.ndim != want for s in states):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            dims = ", ".join(f"{s.ndim}-D" for s in states)
            got = f"({dims}) tensors" if lstm else f"{dims} tensor"
            raise RuntimeError(f"{type(self).__name__}: For {kind} input, {'hx and cx' if lstm else 'hx'} should "
                               f"also be {want}-D but got {got}")
        if not batched:
            states = tuple(s.unsqueeze(1) for s in states)
        if lstm:
            self._check_state(states[0], "hidden state h_0", h_shape, "hidden[0]")
            self._check_state(states[1], "cell state c_0", c_shape, "hidden[1]")
            return states
        self._check_state(states[0], "hidden state", h_shape, "hidden")
        return states[0], None

    def _check_state(self, h, name, shape, torch_name):
        got = tuple(h.shape)
        if got != shape:
            raise RuntimeError(f"{type(self).__name__}: expected {name} of shape {shape}, got {got} "
                               f"(Expected {torch_name} size {shape}, got {list(got)})")
        _check_dtype(self, h, name)

    @property
    def all_weights(self):
        """torch's per layer-direction lists [w_ih, w_hh, b_ih, b_hh, w_hr] (no biases with bias=False, no w_hr
        without a projection)."""
        D = 2 if self.bidirectional else 1
        return [[p for p in self._layer_params(layer, d) if p is not None]
                for layer in range(self.num_layers) for d in range(D)]

    def forward(self, input, hx=None):
        name = type(self).__name__
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: expected 2-D (unbatched) or 3-D input, got shape {input.shape}")
        batched = input.ndim == 3
        x = input if batched else input.unsqueeze(1)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {x.shape[-1]} (input shape {input.shape})")
        if x.shape[0] == 0:
            raise RuntimeError(f"{name}: Expected sequence length to be larger than 0 in RNN (input shape "
                               f"{tuple(input.shape)})")
        _check_dtype(self, x, "input")
        lstm = self.mode == "LSTM"
        h0, c0 = self._initial_states(hx, x, x.shape[1], batched)
        x, h_n, c_n = self._layers(x, h0, c0)
        out = x.transpose(0, 1) if batched and self.batch_first else x
        if not batched:
            out, h_n = out.squeeze(1), h_n.squeeze(1)
            c_n = c_n.squeeze(1) if lstm else None
        return (out, (h_n, c_n)) if lstm else (out, h_n)

    def _layers(self, x, h0, c0, mask=None, lengths=None):
        """x (t, b, i) -> (output (t, b, D p), h_n (L D, b, p), c_n (L D, b, h) or None); p = proj_size or h.
        Packed sequences (mask and lengths given) take the dropout between layers on their packed steps, as torch:
        its draws are one per packed element, not per padded one."""
        D = 2 if self.bidirectional else 1
        lstm = self.mode == "LSTM"
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_params(layer, d)
                k = layer * D + d
                hs, h_last, c_last = _scan(self.mode, x, w_ih, b_ih, h0[k], c0[k] if lstm else None, w_hh, b_hh,
                                           reverse=d == 1, mask=mask, w_hr=w_hr)
                outs.append(hs)
                h_n.append(h_last)
                c_n.append(c_last)
            x = outs[0] if D == 1 else cat(outs, dim=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                if lengths is None:
                    x = F.dropout(x, self.dropout, True)
                else:
                    x = _pad_sorted(F.dropout(_pack_sorted(x, lengths)[0], self.dropout, True), lengths, x.shape[0])
        return x, stack(h_n, 0), stack(c_n, 0) if lstm else None

    def _forward_packed(self, packed, hx):
        """PackedSequence in -> (PackedSequence out, final states of each sequence at its own length), as torch:
        the states come in and go out in the caller's batch order (the packing's permutation undone)."""
        name = type(self).__name__
        data, batch_sizes, sorted_indices, unsorted_indices = packed
        if data.ndim != 2 or data.shape[1] != self.input_size:
            raise RuntimeError(f"{name}: packed data must be (steps, input_size={self.input_size}), got shape "
                               f"{tuple(data.shape)}")
        _check_dtype(self, data, "input")
        lengths = _lengths_of(batch_sizes)
        T, B = batch_sizes.shape[0], len(lengths)
        x = _pad_sorted(data, lengths, T)  # (t, b, i), sorted by length
        lstm = self.mode == "LSTM"
        h0, c0 = self._initial_states(hx, x, B)
        if hx is not None and sorted_indices is not None:
            h0 = h0.index_select(1, sorted_indices)
            c0 = c0.index_select(1, sorted_indices) if lstm else None
        mask = on_device_of(x._data, (np.arange(T)[:, None] < lengths[None, :])[..., None])
        out, h_n, c_n = self._layers(x, h0, c0, mask, lengths)
        out = PackedSequence(_pack_sorted(out, lengths)[0], batch_sizes, sorted_indices, unsorted_indices)
        if unsorted_indices is not None:
            h_n = h_n.index_select(1, unsorted_indices)
            c_n = c_n.index_select(1, unsorted_indices) if lstm else None
        return (out, (h_n, c_n)) if lstm else (out, h_n)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu)."""
    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r} (expected 'tanh' or 'relu')")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, dtype=dtype)
        self.to(device=device)  # torch's device= kwarg: built on the host, then moved


class LSTM(RNNBase):
    """Returns (output, (h_n, c_n)); gates i, f, g, o."""
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, dtype=dtype)
        self.to(device=device)  # torch's device= kwarg: built on the host, then moved


class GRU(RNNBase):
    """Gates r, z, n; h_t = (1 - z) n + z h_{t-1}."""
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype=dtype)
        self.to(device=device)  # torch's device= kwarg: built on the host, then moved


class RNNCellBase(Module):
    """torch.nn.RNNCellBase: the weights of one step, weight_ih (num_chunks * hidden, input) and weight_hh
    (num_chunks * hidden, hidden) with optional biases, uniform in +-1/sqrt(hidden). No forward of its own:
    RNNCell (1 chunk), GRUCell (3) and LSTMCell (4) give theirs."""
    __constants__ = ["input_size", "hidden_size", "bias"]
    _mode = None

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        dtype = dtype or dt._default_float
        self.weight_ih = Parameter(empty(num_chunks * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(empty(num_chunks * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()
        self.to(device=device)  # torch's device= kwarg: built on the host, then moved

    def reset_parameters(self):
        k = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -k, k)

    def _prepare(self, input, hx):
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: expected input to be 1-D or 2-D, got shape {input.shape}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got {input.shape[-1]}, expected "
                               f"{self.input_size} (input shape {input.shape})")
        _check_dtype(self, input, "input")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        shape = (x.shape[0], self.hidden_size)
        states = []
        for h in (hx if isinstance(hx, tuple) else (hx,)):
            if h is None:
                h = zeros(shape, dtype=x.dtype, device=x.device)
            elif not batched:
                h = h.unsqueeze(0)
            if tuple(h.shape) != shape:
                raise RuntimeError(f"{name}: hidden state has shape {tuple(h.shape)}, expected {shape}")
            _check_dtype(self, h, "hidden state")
            states.append(h)
        return batched, x, states

    def _run(self, x, h, c=None):
        _, h_last, c_last = _scan(self._mode, x.unsqueeze(0), self.weight_ih, self.bias_ih, h, c, self.weight_hh,
                                  self.bias_hh, reverse=False)
        return h_last, c_last

    def _forward_h(self, input, hx):  # one state h (RNNCell, GRUCell); LSTMCell carries (h, c)
        batched, x, (h,) = self._prepare(input, hx)
        h, _ = self._run(x, h)
        return h if batched else h.squeeze(0)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.__dict__.get("nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r} (expected 'tanh' or 'relu')")
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity
        self._mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"

    def forward(self, input, hx=None):
        return self._forward_h(input, hx)


class GRUCell(RNNCellBase):
    _mode = "GRU"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        return self._forward_h(input, hx)


class LSTMCell(RNNCellBase):
    _mode = "LSTM"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        batched, x, (h, c) = self._prepare(input, (None, None) if hx is None else tuple(hx))
        h, c = self._run(x, h, c)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))
