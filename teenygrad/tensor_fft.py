"""torch.stft / torch.istft (and x.stft / x.istft) built from differentiable Tensor ops: pad, unfold into frames,
multiply by the window, fft.rfft / fft.fft; istft inverts each frame and overlap-adds (ops/fft.OverlapAdd), divided
by the overlap-added squared window. Checks and defaults are torch 2.13's (return_complex required for real input)."""
import warnings
import numpy as np
from . import fft as _fft
from ._arrays import xp_of
from .ops.fft import OverlapAdd
from .tensor import Tensor


def _window(window, n_fft, win_length, like):
    """The window (ones of like's real dtype, on like's device, when None) zero-padded on both sides to n_fft,
    centred as torch does."""
    if window is None:  # torch: a rectangle win_length wide, padded like a given window
        window = Tensor._wrap(xp_of(like).ones(win_length, like.real.dtype))
    left = (n_fft - win_length) // 2
    return window.pad((left, n_fft - win_length - left)) if win_length < n_fft else window


def _int_args(op, **args):
    """torch's int arguments: n_fft, hop_length, win_length, length (None where optional) refuse floats and bools."""
    for what, v in args.items():
        if v is not None:
            _fft._int(v, op, what)


def _describe(op, x, n_fft, hop, win, window):
    return (f"{op}(tensor of shape {tuple(x.shape)} and dtype {x.dtype}, n_fft={n_fft}, hop_length={hop}, "
            f"win_length={win}, window={None if window is None else tuple(window.shape)})")


def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode="reflect",
         normalized=False, onesided=None, return_complex=None, align_to_window=None):
    """(b?, t) -> (b?, n_fft // 2 + 1 or n_fft, frames) complex: the fft of each hop_length-spaced, windowed frame."""
    if not isinstance(input, Tensor):
        raise TypeError(f"stft: argument 'input' must be Tensor, not {type(input).__name__}")
    cplx = input._data.dtype.kind == "c" or window is not None and window._data.dtype.kind == "c"
    if return_complex is None:
        if not cplx:
            raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will further "
                               "require that return_complex=True in a future PyTorch release.")
        return_complex = True
    if align_to_window:
        raise NotImplementedError("stft: align_to_window=True is not supported by teenygrad")
    _int_args("stft", n_fft=n_fft, hop_length=hop_length, win_length=win_length)
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    where = _describe("stft", input, n_fft, hop, win, window)
    if input.ndim not in (1, 2):
        raise RuntimeError(f"{where}: expected a 1D or 2D tensor")
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"{where}: expected a tensor of floating point or complex values")
    x = input
    if center:
        p = n_fft // 2
        lead = (1,) * (3 - x.ndim)
        x = x.reshape(*lead, *x.shape).pad((p, p), mode=pad_mode).reshape(*x.shape[:-1], -1)
    length = x.shape[-1]
    if not 0 < n_fft <= length:
        raise RuntimeError(f"{where}: expected 0 < n_fft <= {length} (the padded signal's length), but got "
                           f"n_fft={n_fft}")
    if hop <= 0:
        raise RuntimeError(f"{where}: expected hop_length > 0, but got hop_length={hop}")
    if not 0 < win <= n_fft:
        raise RuntimeError(f"{where}: expected 0 < win_length <= n_fft, but got win_length={win}")
    if window is not None and (window.ndim != 1 or window.shape[0] != win):
        raise RuntimeError(f"{where}: expected a 1D window tensor of size equal to win_length={win}, but got window "
                           f"with size {tuple(window.shape)}")
    if onesided is None:
        onesided = not cplx
    elif onesided and cplx:
        raise RuntimeError("stft: Cannot have onesided output if window or input is complex")
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied,which is known to cause "
                      "spectral leakage. Other windows such as torch.hann_window or torch.hamming_window are "
                      "recommended to reduce spectral leakage.", UserWarning, stacklevel=2)
    frames = x.unfold(-1, n_fft, hop) * _window(window, n_fft, win, x._data)  # (b?, frames, n_fft)
    norm = "ortho" if normalized else "backward"
    out = (_fft.rfft if onesided else _fft.fft)(frames, dim=-1, norm=norm).transpose(-1, -2)
    if not return_complex:
        warnings.warn("stft with return_complex=False is deprecated. In a future pytorch release, stft will return "
                      "complex tensors for all inputs, and return_complex=False will raise an error.", UserWarning,
                      stacklevel=2)
        from .tensor_complex import view_as_real
        return view_as_real(out)
    return out


def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
          onesided=None, length=None, return_complex=False):
    """(b?, freq, frames) complex -> (b?, t): each frame inverted, windowed and overlap-added, divided by the
    overlap-added squared window (which must not vanish anywhere kept: torch's NOLA check)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"istft: argument 'input' must be Tensor, not {type(input).__name__}")
    if input._data.dtype.kind != "c":
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    _int_args("istft", n_fft=n_fft, hop_length=hop_length, win_length=win_length, length=length)
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    where = _describe("istft", input, n_fft, hop, win, window)
    if input.ndim < 2:
        raise IndexError(f"{where}: Dimension out of range (expected a (freq, frames) or (batch, freq, frames) "
                         f"tensor, got {input.ndim} dimensions)")
    if input.ndim > 3:
        raise RuntimeError(f"{where}: expected a tensor with 2 or 3 dimensions of complex dtype, got shape "
                           f"{tuple(input.shape)}")
    if input.numel() == 0:
        raise RuntimeError(f"{where}: istft input tensor cannot be empty")
    n_freq, n_frames = input.shape[-2:]
    if onesided is None:
        onesided = n_freq != n_fft
    want = n_fft // 2 + 1 if onesided else n_fft
    if n_freq != want:
        raise RuntimeError(f"{where}: expected the frequency dimension (second to last) of the input tensor to match "
                           f"n_fft / 2 + 1 when onesided=True, n_fft otherwise: {n_freq} != {want}")
    if not 0 < hop <= win:
        raise RuntimeError(f"{where}: expected 0 < hop_length <= win_length")
    if not 0 < win <= n_fft:
        raise RuntimeError(f"{where}: expected 0 < win_length <= n_fft")
    if window is not None and (window.ndim != 1 or window.shape[0] != win):
        raise RuntimeError(f"{where}: Invalid window shape. window has to be 1D and length of `win_length`")
    if length is not None and length <= 0:  # torch fails on the empty overlap-add envelope
        raise RuntimeError(f"{where}: expected length > 0, but got length={length}")
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied.Please provide the same "
                      "window used by stft to make the inversion lossless.", UserWarning, stacklevel=2)
    norm = "ortho" if normalized else "backward"
    spec = input.transpose(-1, -2)  # (b?, frames, freq)
    if return_complex:
        if onesided:
            raise RuntimeError("istft: Cannot have onesided output if window or input is complex")
        frames = _fft.ifft(spec, n_fft, dim=-1, norm=norm)
    else:
        if window is not None and window._data.dtype.kind == "c":
            raise RuntimeError("istft: Complex windows are incompatible with return_complex=False")
        if not onesided:
            spec = spec[..., :n_fft // 2 + 1]
        frames = _fft.irfft(spec, n_fft, dim=-1, norm=norm)
    w = _window(window, n_fft, win, input._data)
    y = OverlapAdd.apply(frames * w, hop=hop)                                      # (b?, n_fft + hop (frames-1))
    env = OverlapAdd.apply((w * w).expand(n_frames, n_fft), hop=hop)
    full = n_fft + hop * (n_frames - 1)
    start = n_fft // 2 if center else 0
    end = start + length if length is not None else (-(n_fft // 2) if center else full)
    y, env = y[..., start:end], env[..., start:end]
    if env.numel() and float(np.abs(env._data).min()) < 1e-11:
        raise RuntimeError(f"{where}: window overlap add min: {float(np.abs(env._data).min())} < 1e-11 (the window "
                           f"must overlap-add to nonzero everywhere: NOLA)")
    y = y / env
    if end > full:
        warnings.warn("The length of signal is shorter than the length parameter. Result is being padded with zeros "
                      "in the tail. Please check your center and hop_length settings.", UserWarning, stacklevel=2)
        y = y.pad((0, end - full))
    return y
