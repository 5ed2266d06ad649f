"""Printing a tensor the way torch does: `tensor([0.1000, 2.0000e+03])`. One number format per tensor, chosen from
its finite nonzero magnitudes (whole floats print as `1.`, a wide range or tiny/huge values switch to scientific),
every element right-aligned to the widest one; rows nested in brackets; long tensors summarised with `...`.
Written from torch's documented behaviour (torch.set_printoptions) and checked against its output
(tests/test_compat_print.py)."""
import math
import numpy as np

# torch's defaults; set_printoptions changes them
options = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
_PROFILES = {"default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
             "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
             "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """torch.set_printoptions: digits after the point, the element count above which tensors are summarised, the
    rows/columns kept at each end when summarised, the line width; sci_mode True/False forces or forbids
    scientific notation (None: chosen per tensor)."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {list(_PROFILES)}, got {profile!r}")
        options.update(_PROFILES[profile])
    for k, v in dict(precision=precision, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth).items():
        if v is not None:
            options[k] = v
    options["sci_mode"] = sci_mode  # as in torch: every call sets it, None included


class _Formatter:
    """The format of every element of one tensor (a) and the width they are padded to."""

    def __init__(self, a):
        self.floating = a.dtype.kind == "f"
        self.int_mode, self.sci_mode = True, False
        vals = a.ravel()
        if self.floating:
            # torch sizes the columns by the finite nonzero values alone: nan, inf and zeros may stick out
            finite = vals = vals[np.isfinite(vals) & (vals != 0)]
            if finite.size:
                mags = np.abs(finite.astype(np.float64))
                lo, hi = mags.min(), mags.max()
                self.int_mode = bool((finite == np.ceil(finite)).all())
                self.sci_mode = hi / lo > 1000.0 or hi > 1e8 or (not self.int_mode and lo < 1e-4)
                if options["sci_mode"] is not None:  # torch: no finite nonzero value, no format to force
                    self.sci_mode = options["sci_mode"]
        self.width = max((len(self._plain(v)) for v in vals.tolist()), default=1)

    def _plain(self, v):
        if not self.floating:
            return str(v)
        p = options["precision"]
        if self.sci_mode:
            return f"{v:.{p}e}"
        if self.int_mode:
            s = f"{v:.0f}"
            return s if math.isinf(v) or math.isnan(v) else s + "."
        return f"{v:.{p}f}"

    def __call__(self, v):
        return self._plain(v).rjust(self.width)


class _ComplexFormatter:
    """torch's complex format: the real parts aligned as one float tensor, then the imaginary parts with their
    sign and a j, formatted as another (not padded: `tensor([ 1.5000+2.j, -3.0000-0.5000j])`)."""

    def __init__(self, a):
        self.re, self.im = _Formatter(a.real), _Formatter(a.imag)
        self.width = self.re.width + self.im.width + 1  # the j; torch counts no sign column of its own

    def __call__(self, v):
        im = self.im._plain(v.imag) + "j"
        return self.re(v.real) + (im if im[0] in "+-" else "+" + im)


def _summarised(a, edge):
    """The elements that show when a is summarised: edge items at each end of each dim longer than 2 * edge."""
    for d in range(a.ndim):
        if a.shape[d] > 2 * edge:
            keep = list(range(edge)) + list(range(a.shape[d] - edge, a.shape[d]))
            a = np.take(a, keep, axis=d)
    return a


def _vector(a, indent, summarise, fmt):
    edge = options["edgeitems"]
    vals = a.tolist()
    if summarise and a.shape[0] > 2 * edge:
        items = [fmt(v) for v in vals[:edge]] + [" ..."] + [fmt(v) for v in vals[len(vals) - edge:]]
    else:
        items = [fmt(v) for v in vals]
    per_line = max(1, int((options["linewidth"] - indent) // (fmt.width + 2)))
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a, indent, summarise, fmt):
    if a.ndim == 1:
        return _vector(a, indent, summarise, fmt)
    edge, n = options["edgeitems"], a.shape[0]
    if summarise and n > 2 * edge:
        rows = [_nested(a[i], indent + 1, summarise, fmt) for i in range(edge)] + ["..."] + \
               [_nested(a[i], indent + 1, summarise, fmt) for i in range(n - edge, n)]
    else:
        rows = [_nested(a[i], indent + 1, summarise, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def format_array(a, indent):
    """The bracketed body of a's repr, its first line starting at column indent (a: a host array, not empty)."""
    if a.dtype.kind == "f" and a.dtype.itemsize < 4 or a.dtype.name == "bfloat16":
        a = a.astype(np.float32)  # half types: numpy's repr of their values is not torch's
    summarise = a.size > options["threshold"]
    if summarise and not options["edgeitems"]:
        return "[...]"
    fmt = (_ComplexFormatter if a.dtype.kind == "c" else _Formatter)(_summarised(a, options["edgeitems"])
                                                                     if summarise else a)
    if a.ndim == 0:
        return fmt(a.item())
    return _nested(a, indent, summarise, fmt)


def with_suffixes(body, suffixes, indent):
    """body + ', suffix' for each, a suffix going to a new line (at indent) when it would pass the line width."""
    parts = [body]
    last = len(body) - body.rfind("\n") + 1  # torch's measure, which counts two more than the last line holds
    for s in suffixes:
        if last + len(s) + 2 > options["linewidth"]:
            parts.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            parts.append(", " + s)
            last += len(s) + 2
    return "".join(parts) + ")"
