"""Indexing, gathering and scattering. Backward of a gather is a scatter-add and vice versa."""
import math
import numpy as np
from ..autograd.function import Function, PartialGrad
from ..backend.cpu import fused_for
from .._arrays import contiguous, ufunc_at, unbroadcast, xp_of, zeros_on
from ..autograd.graph_backward import const, sum_to, where
from .movement import Pad
from .elementwise import select


def scatter_add_rows(out, idx, rows):
    """out[idx[i]] += rows[i] for a 1-D index, with repeats summed. np.add.at is ~6x slower than
    sorting the index and summing each run with add.reduceat (measured at GPT embedding shapes)."""
    if idx.size == 0:
        return out
    k = fused_for(out, rows)
    if k is not None and out.flags.c_contiguous:  # one serial pass (numba): ~10x faster than either below
        return k.scatter_add_rows(out, idx, rows)
    if idx.size < 64 or type(out) is not np.ndarray:  # cupy: add.at is an atomic scatter (no reduceat)
        ufunc_at(np.add, out, idx, rows)
        return out
    order = np.argsort(idx, kind="stable")
    sidx = idx[order]
    starts = np.flatnonzero(np.concatenate(([True], sidx[1:] != sidx[:-1])))
    out[sidx[starts]] += np.add.reduceat(rows[order], starts, axis=0)
    return out


def _index_kernels(*arrays):
    """backend/_numba_index for numpy float32 arrays with numba on (imported on first use), else None."""
    if fused_for(*arrays) is None:
        return None
    from ..backend import _numba_index
    return _numba_index


def scatter_add_along(out, idx, src):
    """out[:, idx[i], :] += src[:, i, :] for out (P, N, Q) C-contiguous and src (P, K, Q), repeats summed: the
    gradient of x[:, ids] (index_select along a middle dim) and index_add's forward."""
    if idx.size == 0 or out.size == 0:
        return out
    if idx.min() < 0:
        idx = idx % out.shape[1]
    if out.shape[0] == 1:  # along the first dim: rows of Q
        scatter_add_rows(out[0], idx, src[0])
        return out
    k = _index_kernels(out, src)
    if k is not None:
        return k.scatter_add_mid(out, idx, src)
    # numpy: move the indexed dim to the front, so each index addresses one row of P*Q, and scatter those rows
    p, n, q = out.shape
    rows = zeros_on(out, (n, p * q))
    scatter_add_rows(rows, idx, src.transpose(1, 0, 2).reshape(idx.size, p * q))
    out += rows.reshape(n, p, q).transpose(1, 0, 2)
    return out


def _one_array_dim(index, ndim):
    """(dim, ids) when index's lone integer array ids indexes x's dim and every other entry is a full slice `:`
    or `...` (x[:, ids], x[..., ids]: what index_select and the reflect/replicate pads give), else None."""
    dim = None
    for j, i in enumerate(index):
        if type(i) is np.ndarray:
            if dim is not None or i.dtype == np.bool_:
                return None
            dim = j
        elif i is Ellipsis:
            if dim is not None:  # x[ids, ...]: the array sits before the ellipsis
                continue
            if any(e is Ellipsis for e in index[j + 1:]):
                return None
        elif type(i) is not slice or i != slice(None):
            return None
    if dim is None:
        return None
    ids = index[dim]
    if any(e is Ellipsis for e in index[:dim]):
        dim = ndim - (len(index) - dim)  # counted from the end
    return dim, ids


def _is_basic(index):
    """Only ints, slices, None and ...: a view, whose node saves no tensor (a bool is a mask, as torch's x[True])."""
    for i in index:
        t = type(i)
        if t is not int and t is not slice and i is not None and i is not Ellipsis and (t is bool or not isinstance(i, int)):
            return False
    return True


def c_order(z):
    """An array index's result as torch lays it out: C order. numpy builds x[:, ids] with the indexed axis outermost
    and hands back a transposed view of that (strides (3, 9, 1) for a (3, 3, 3) result), where torch's is
    contiguous (x[:, ids].view(-1) works)."""
    return z if z.flags.c_contiguous else xp_of(z).ascontiguousarray(z)


class GetItem(Function):
    """z = x[index];  dx = zeros with dz added back at the indexed places (repeats summed)"""
    kept_after_op = ("src",)  # read right after the op: in-place write-through into the viewed array
    def forward(self, x, index):
        self.in_shape, self.dtype, self.index, self.src = x.shape, x.dtype, index, x
        if _is_basic(index):  # torch's slice/select/unsqueeze save nothing: a second backward may run through
            self.keeps_graph = True  # (an index array is freed, as torch's IndexBackward's saved indices)
        else:  # an array index copies: a later write to x does not reach z (Function._written)
            self.copied = True
        one = _one_array_dim(index, x.ndim) if len(index) > 1 and type(x) is np.ndarray else None
        if one is not None and one[1].ndim:  # x[:, ids]: take copies whole runs (x[..., ids] fancy-indexes ~6x slower)
            return xp_of(x).take(x, one[1], axis=one[0])
        z = x[index]
        if isinstance(z, np.generic) and not any(i is Ellipsis for i in index):
            self.index = index = index + (Ellipsis,)  # x[0] of a 1-D x: a 0-d view of x (as torch), not a copy
            z = x[index]
        return z if z.flags.c_contiguous or "copied" not in self.__dict__ else c_order(z)

    def view_of(self, a):
        return a[self.index]

    def view_kwargs(self):
        return {"index": self.index}

    def backward(self, g):
        index = self.index
        if len(index) == 1 and isinstance(index[0], np.ndarray) and index[0].dtype != np.bool_:
            # embedding-style lookup x[ids] (tested first, before _is_basic's scan: the hot case): a row scatter-add
            dx = zeros_on(g, self.in_shape)
            ids = index[0].reshape(-1)
            row = dx[0].size if self.in_shape[0] else 0  # explicit row size: -1 is ambiguous for empty arrays
            scatter_add_rows(dx.reshape(self.in_shape[0], row), ids, g.reshape(ids.size, row))
            return dx
        if _is_basic(index):  # a slice of x: zero elsewhere, added into its part by run_backward
            return PartialGrad(self.in_shape, index, g)
        one = _one_array_dim(index, len(self.in_shape)) if type(g) is np.ndarray else None
        dx = zeros_on(g, self.in_shape)
        if one is not None:  # x[:, ids]: a scatter-add along dim d of (before d, d, after d)
            d, ids, shape = one[0], one[1].reshape(-1), self.in_shape
            p, q = math.prod(shape[:d]), math.prod(shape[d + 1:])
            scatter_add_along(dx.reshape(p, shape[d], q), ids, g.reshape(p, ids.size, q))
            return dx
        ufunc_at(np.add, dx, index, g)
        return dx

    def backward_graph(self, g):
        # dense, unlike backward's PartialGrad: zeros with g added at the indexed places (repeats summed)
        zeros = const(zeros_on(g._data, self.in_shape))
        if _is_basic(self.index):  # no place is hit twice: a plain write into the part
            return SetItem.apply(zeros, g, index=self.index)
        return IndexPutAdd.apply(zeros, g, index=self.index)


class SetItem(Function):
    """z = x with z[index] = v (out of place, for the graph);  dx = dz zeroed at index, dv = dz[index].
    With `then`, the place is z[index][then] (index basic, so z[index] is a view): torch's int-first order."""
    saves_inputs = False
    def forward(self, x, v, index, then=None):
        self.index, self.then, self.vshape = index, then, v.shape
        return self._replaced(x, v)

    def _replaced(self, x, v):
        z = x.copy(order="K")  # keeps x's layout, as torch's in-place result keeps its memory
        self._put(z, v)
        return z

    def _put(self, a, v):
        if self.then is None:
            a[self.index] = v
        else:
            a[self.index][self.then] = v

    def _take(self, g):
        return unbroadcast(g[self.index] if self.then is None else g[self.index][self.then], self.vshape)

    def backward(self, g):
        n = self.needs_input_grad
        gx = gv = None
        if n[0]:
            gx = g.copy()
            self._put(gx, 0)
        if n[1]:
            gv = self._take(g)
        return gx, gv

    def backward_graph(self, g):
        n = self.needs_input_grad
        gx = gv = None
        if n[0]:
            keep = xp_of(g._data).ones(g.shape, np.bool_)
            self._put(keep, False)
            gx = where(keep, g, 0.0)
        if n[1]:
            gv = self._take_graph(g)
        return gx, gv

    def _take_graph(self, g):
        part = GetItem.apply(g, index=self.index)
        return sum_to(part if self.then is None else GetItem.apply(part, index=self.then), self.vshape)


class ViewScatter(SetItem):
    """z = x with the part that a view node selects (view.view_of) replaced by v: writing through a view in place
    (v = y[0]; v.mul_(2)) as a graph op;  dx = dz zeroed in that part, dv = that part of dz"""
    def forward(self, x, v, view):
        self.view = view
        return self._replaced(x, v)

    def _put(self, a, v):
        self.view.view_of(a)[...] = v

    def _take(self, g):
        return self.view.view_of(g).copy()

    def _take_graph(self, g):
        return type(self.view).apply(g, **self.view.view_kwargs())


class Gather(Function):
    """z = take_along_axis(x, idx, axis);  dx = scatter-add of dz at idx"""
    saves_inputs = False
    def forward(self, x, idx, axis):
        self.in_shape, self.idx, self.axis = x.shape, idx, axis
        k = _index_kernels(x)
        s = idx.shape
        if k is not None and idx.size and s[:axis] + s[axis + 1:] == x.shape[:axis] + x.shape[axis + 1:]:
            # one pass, with no index grids (take_along_axis builds one per dim)
            p, q = math.prod(s[:axis]), math.prod(s[axis + 1:])
            ix = idx % x.shape[axis] if idx.min() < 0 else idx
            return k.take_along(x.reshape(p, x.shape[axis], q), ix.reshape(p, s[axis], q)).reshape(s)
        return np.take_along_axis(x, idx, axis=axis)

    def backward(self, g):
        if g.dtype.kind == "V" and type(g) is np.ndarray:  # bfloat16: summed in float32, as torch (numpy's add.at
            return self.backward(g.astype(np.float32))[0].astype(g.dtype), None  # would stall at 256)
        dx = zeros_on(g, self.in_shape)
        k = _index_kernels(dx, g)
        if k is not None and dx.size:  # one pass, no index grids: np.add.at takes ~15 ns an element
            a, s = self.axis, self.idx.shape
            p, q = math.prod(s[:a]), math.prod(s[a + 1:])
            idx = self.idx % self.in_shape[a] if self.idx.size and self.idx.min() < 0 else self.idx
            k.gather_add(dx.reshape(p, self.in_shape[a], q), idx.reshape(p, s[a], q), g.reshape(p, s[a], q))
            return dx, None
        ufunc_at(np.add, dx, _along_axis_index(self.idx, self.axis), g)
        return dx, None

    def backward_graph(self, g):
        zeros = const(zeros_on(g._data, self.in_shape))
        return IndexPutAdd.apply(zeros, g, index=_along_axis_index(self.idx, self.axis)), None


def _along_axis_index(idx, axis):
    """Full fancy index that addresses idx's positions along `axis` (other axes by position)."""
    xp = xp_of(idx)  # the grids live with idx (on the GPU for cupy)
    grids = [xp.arange(n).reshape([n if j == i else 1 for j in range(idx.ndim)]) for i, n in enumerate(idx.shape)]
    grids[axis] = idx
    return tuple(grids)


def _flat_index(idx, axis, shape):
    """The positions in a C-contiguous array of `shape` that idx addresses along axis (by position along the
    others), as one flat int64 index."""
    strides = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]
    flat = idx * strides[axis]
    for d, n in enumerate(idx.shape):
        if d != axis and n > 1:
            flat += (np.arange(n) * strides[d]).reshape([n if j == d else 1 for j in range(idx.ndim)])
    return flat.reshape(-1)


def _along_axis_kernels(z, src, idx, axis):
    """(backend/_numba_scatter, p, q) when z (the output, C-contiguous numpy float32) and src take the one-pass
    kernels along axis: idx (in range) has z's shape apart from axis, so all three view as (p, n or k, q);
    else (None, 0, 0): the numpy path."""
    if (_index_kernels(z, src) is None or not z.flags.c_contiguous
            or idx.shape[:axis] + idx.shape[axis + 1:] != z.shape[:axis] + z.shape[axis + 1:]):
        return None, 0, 0
    from ..backend import _numba_scatter
    return _numba_scatter, math.prod(z.shape[:axis]), math.prod(z.shape[axis + 1:])


class IndexAdd(Function):
    """z = x with src's slices added at idx along axis (repeats summed: index_add);  dx = dz, dsrc = dz[idx along
    axis] (index_select). One scatter of whole slices: no index grid the size of src."""
    saves_inputs = False
    def forward(self, x, src, idx, axis):
        self.idx, self.axis = idx, axis
        z = x.copy()  # C order: viewed below as (before axis, axis, after axis)
        p, q = math.prod(x.shape[:axis]), math.prod(x.shape[axis + 1:])
        scatter_add_along(z.reshape(p, x.shape[axis], q), idx, src.reshape(p, idx.size, q))
        return z

    def backward(self, g):
        n = self.needs_input_grad
        return (g if n[0] else None), (xp_of(g).take(g, self.idx, axis=self.axis) if n[1] else None)

    def backward_graph(self, g):
        n = self.needs_input_grad
        return (g if n[0] else None), (GetItem.apply(g, index=(slice(None),) * self.axis + (self.idx,))
                                       if n[1] else None)


def _add_rows(out, to, src, frm):
    """out[to[i]] += src[frm[i]] (repeats summed): one pass with numba, else a gather then a row scatter-add."""
    k = _index_kernels(out, src)
    if k is not None and out.flags.c_contiguous and to.size:
        return k.add_rows(out, to, src, frm)
    return scatter_add_rows(out, to, src[frm])


class BagSum(Function):
    """z[b] = sum of w[ids[i]] over the i with bag[i] == b (embedding_bag's sum, z (nbags, e));  dw[ids[i]] +=
    dz[bag[i]]. Rows go straight from w to their bag and back, never through a (len(ids), e) array."""
    saves_inputs = False
    def forward(self, w, ids, bag, nbags):
        self.ids, self.bag, self.w_shape = ids, bag, w.shape
        return _add_rows(zeros_on(w, (nbags, w.shape[1])), bag, w, ids)

    def backward(self, g):
        return _add_rows(zeros_on(g, self.w_shape), self.ids, g, self.bag)

    def backward_graph(self, g):
        rows = GetItem.apply(g, index=(self.bag,))
        return IndexPutAdd.apply(const(zeros_on(g._data, self.w_shape)), rows, index=(self.ids,))


def _full_grid(node):
    """The index grid of a scatter node's places (_along_axis_index of its idx), built on first use: the fast
    forwards need none."""
    f = node.__dict__.get("_full")
    if f is None:
        f = node._full = _along_axis_index(node.idx, node.axis)
    return f


class Scatter(Function):
    """z = x with z[idx along axis] = src;  dx = dz zeroed where written, dsrc = dz gathered"""
    saves_inputs = False  # the backward reads only the indices, never x's or src's values
    def forward(self, x, src, idx, axis, reduce=None):
        self.idx, self.axis, self.reduce = idx, axis, reduce
        self.src_shape = src.shape
        self.src_part = tuple(slice(0, s) for s in idx.shape)  # torch uses only src's leading idx-shaped block
        return scatter_into(x.copy(order="K"), src, idx, axis, reduce)  # x's layout, as torch's in-place result

    full = property(_full_grid)

    def backward(self, g):
        n = self.needs_input_grad
        gx = gsrc = None
        if n[0]:
            gx = g
            if self.reduce != "add":
                gx = g.copy()
                gx[self.full] = 0
        if n[1]:
            gsrc = zeros_on(g, self.src_shape)
            if gsrc.ndim:
                gsrc[self.src_part] = g[self.full]
            else:
                gsrc = g[self.full].sum().astype(g.dtype)
        return gx, gsrc

    def backward_graph(self, g):
        n = self.needs_input_grad
        gx = gsrc = None
        if n[0]:
            gx = g
            if self.reduce != "add":
                keep = xp_of(g._data).ones(g.shape, np.bool_)
                keep[self.full] = False
                gx = where(keep, g, 0.0)
        if n[1]:
            gsrc = _to_src_shape(GetItem.apply(g, index=self.full), self.src_shape)
        return gx, gsrc


class MaskedFill(Function):
    """z = where(mask, value, x);  dx = dz where not mask"""
    saves_inputs = False
    def forward(self, x, mask, value):
        self.mask = mask
        self.in_shape = x.shape
        if fused_for(x) is not None and x.flags.c_contiguous and mask.dtype == np.bool_ and mask.shape != x.shape:
            self.mask = np.ascontiguousarray(np.broadcast_to(mask, x.shape))  # so the select kernel takes it
        return contiguous(select(self.mask, x.dtype.type(value), x))  # torch: a C-order clone, filled

    def backward(self, g):
        return unbroadcast(select(self.mask, 0, g), self.in_shape)

    def backward_graph(self, g):
        return sum_to(where(self.mask, 0.0, g), self.in_shape)


class IndexPutAdd(Function):
    """z = x with v added at index (repeats summed: index_put_(accumulate=True));  dx = dz, dv = dz[index]"""
    saves_inputs = False
    def forward(self, x, v, index):
        self.index, self.vshape = index, v.shape
        return index_put_add_into(x.copy(order="K"), v, index)  # x's layout, as torch's in-place result

    def backward(self, g):
        return g, unbroadcast(g[self.index], self.vshape) if self.needs_input_grad[1] else None

    def backward_graph(self, g):
        n = self.needs_input_grad
        return (g if n[0] else None,
                sum_to(GetItem.apply(g, index=self.index), self.vshape) if n[1] else None)


def _index_rows(index, z):
    """(flat, shape) when index is only integer arrays, on z's leading dims, and z is a C-contiguous numpy array:
    flat (1-D int64) numbers the rows of z (z.reshape(-1, size of the dims not indexed)) that index picks, in index
    order, and shape is z[index]'s; else None. The caller checked the bounds (negative indices count from the end)."""
    if type(z) is not np.ndarray or not z.flags.c_contiguous or not 0 < len(index) <= z.ndim:
        return None
    for i in index:
        if type(i) is not np.ndarray or i.dtype.kind not in "iu":
            return None
    ids = np.broadcast_arrays(*index)
    flat = np.ravel_multi_index(ids, z.shape[:len(index)], mode="wrap").reshape(-1)
    return flat, ids[0].shape + z.shape[len(index):]


_REDUCE_AT = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}
_KERNEL_OP = {"sum": 0, "mean": 0, "prod": 1, "amax": 2, "amin": 3}  # _numba_scatter's SUM, PROD, AMAX, AMIN


class ScatterReduce(Function):
    """z = x with src reduced into it at idx along axis (sum, prod, mean, amax, amin; x itself too if include_self).
    dx, dsrc: sum -> dz; mean -> dz / count; prod -> dz * product of the other contributors;
    amax/amin -> dz shared evenly by the contributors equal to the result, as torch."""
    saves_output = True
    def forward(self, x, src, idx, axis, reduce, include_self):
        self.reduce, self.include_self, self.x = reduce, include_self, x
        self.idx, self.axis = idx, axis
        self.src_shape, self.src_part = src.shape, tuple(slice(0, s) for s in idx.shape)
        self.src = src = src[self.src_part]
        z = x.copy(order="K")  # keeps x's layout, as torch's in-place result keeps its memory
        count = scatter_reduce_into(z, src, idx, axis, reduce, include_self)
        if reduce == "mean":
            self.count = count
        self.z = z
        return z

    full = property(_full_grid)

    @property
    def hit(self):
        """x's places that src reduces into (a bool mask of x's shape), built on first use."""
        h = self.__dict__.get("_hit")
        if h is None:
            h = self._hit = xp_of(self.x).zeros(self.x.shape, np.bool_)
            h[self.full] = True
        return h

    def backward(self, g):
        full, hit, r = self.full, self.hit, self.reduce
        if r == "sum":
            gx, gs = g, g[full]
        elif r == "mean":
            gx, gs = g / self.count, (g / self.count)[full]
        elif r == "prod":
            x, s = self.x, self.src  # each contributor's gradient: dz times the product of the others
            zeros = xp_of(x).zeros(x.shape, np.int64)
            ufunc_at(np.add, zeros, full, s == 0)
            nz = np.where(x == 0, 1, x) if self.include_self else np.ones_like(x)
            ufunc_at(np.multiply, nz, full, np.where(s == 0, 1, s))
            zeros += (x == 0) & self.include_self
            gx = np.where(zeros == 0, g * nz / np.where(x == 0, 1, x), np.where((zeros == 1) & (x == 0), g * nz, 0))
            gs = np.where(zeros[full] == 0, g[full] * nz[full] / np.where(s == 0, 1, s),
                          np.where((zeros[full] == 1) & (s == 0), g[full] * nz[full], 0))
        else:  # amax, amin: the tied winners share dz
            ties = xp_of(g).zeros(g.shape, g.dtype)
            ufunc_at(np.add, ties, full, self.src == self.z[full])
            ties += self.x == self.z  # x counts as a tie even when excluded (its share then goes nowhere), as torch
            share = g / np.where(ties == 0, 1, ties)
            gx, gs = share * (self.x == self.z), np.where(self.src == self.z[full], share[full], 0)
        if not self.include_self:
            gx = np.where(hit, 0, g)
        elif r != "sum":
            gx = np.where(hit, gx, g)
        gsrc = zeros_on(g, self.src_shape)
        gsrc[self.src_part] = gs
        return gx.astype(g.dtype, copy=False), gsrc

    def backward_graph(self, g):
        full, hit, r = self.full, self.hit, self.reduce
        if r == "sum":
            gx, gs = g, GetItem.apply(g, index=full)
        elif r == "mean":
            gx = g / const(self.count.astype(g.dtype, copy=False))
            gs = GetItem.apply(gx, index=full)
        elif r == "prod":
            if not (self.x.all() and self.src.all()):
                raise NotImplementedError("scatterreduce: double backward (create_graph=True) of reduce='prod' "
                                          "is not supported where x or src has zeros; its first-order backward is")
            # no zeros: each contributor's gradient is dz * z / itself
            padded = zeros_on(self.src, self.src_shape)
            padded[self.src_part] = self.src
            s = GetItem.apply(self._input(1, padded), index=self.src_part)
            gz = g * self._output(self.z)
            gx, gs = gz / self._input(0, self.x), GetItem.apply(gz, index=full) / s
        else:  # amax, amin: the tied winners share dz (which places tie is piecewise constant)
            ties = zeros_on(g._data, g.shape)
            ufunc_at(np.add, ties, full, self.src == self.z[full])
            ties += self.x == self.z
            share = g / const(np.where(ties == 0, 1, ties).astype(g.dtype, copy=False))
            gx = where(self.x == self.z, share, 0.0)
            gs = where(self.src == self.z[full], GetItem.apply(share, index=full), 0.0)
        if not self.include_self:
            gx = where(hit, 0.0, g)
        elif r != "sum":
            gx = where(hit, gx, g)
        return gx, _to_src_shape(gs, self.src_shape)


def _to_src_shape(gs, src_shape):
    """The gradient gs of the leading idx-shaped block of a scatter's src, zero-padded out to src's whole shape
    (summed, for a 0-d src broadcast to every place)."""
    if not src_shape:
        return gs.sum()
    pads = tuple((0, n - m) for n, m in zip(src_shape, gs.shape))
    return Pad.apply(gs, pads=pads) if any(a for _, a in pads) else gs


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind in "fV":  # V: bfloat16
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce == "amin"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


# ---- the scatters into a given array: the forwards above run them on a copy of x; tensor_index's in-place ops
# (scatter_, scatter_add_, scatter_reduce_, index_put_) on self's own memory when no graph is recorded ----------
def scatter_into(z, src, idx, axis, reduce=None):
    """z[idx along axis] = src (reduce "add": += , repeats summed), in z's memory; src only its leading
    idx-shaped block (or 0-d). Returns z."""
    src = src[tuple(slice(0, s) for s in idx.shape)] if src.ndim else src
    if idx.size == 0:
        return z
    if reduce == "add" and z.dtype.kind == "V" and type(z) is np.ndarray:  # bfloat16: summed in float32, as torch
        z[...] = scatter_into(z.astype(np.float32), np.asarray(src, np.float32), idx, axis, reduce)  # (add.at
        return z                                                                                   # stalls at 256)
    k, p, q = _along_axis_kernels(z, src, idx, axis)
    if k is not None:  # one pass along the axis, no index grids
        n, s = z.shape[axis], np.ascontiguousarray(np.broadcast_to(src, idx.shape)).reshape(p, -1, q)
        zv, iv = z.reshape(p, n, q), np.ascontiguousarray(idx).reshape(p, -1, q)
        if reduce == "add":
            _index_kernels(z).gather_add(zv, iv, s)
        else:
            k.scatter_set(zv, iv, s)
        return z
    if z.flags.c_contiguous and type(z) is np.ndarray:  # one flat index: ufunc.at runs ~2.5x faster on it
        flat, zf = _flat_index(idx, axis, z.shape), z.reshape(-1)
        s = src.reshape(-1) if src.ndim else src
        if reduce == "add":
            ufunc_at(np.add, zf, flat, s)
        else:
            zf[flat] = s
        return z
    full = _along_axis_index(idx, axis)
    if reduce == "add":
        ufunc_at(np.add, z, full, src)
    else:
        z[full] = src
    return z


def scatter_reduce_into(z, src, idx, axis, reduce, include_self):
    """z with src (its leading idx-shaped block) reduced into it at idx along axis, in z's memory (see
    ScatterReduce). Returns the count of contributors per place for reduce="mean" (z is then divided by it),
    else None."""
    src = src[tuple(slice(0, s) for s in idx.shape)]
    if reduce == "sum" and z.dtype.kind == "V" and type(z) is np.ndarray:  # bfloat16: in float32, as torch
        z32 = z.astype(np.float32)                                         # (numpy's add.at stalls at 256)
        scatter_reduce_into(z32, src.astype(np.float32), idx, axis, reduce, include_self)
        z[...] = z32
        return None
    xp = xp_of(z)  # the masks and counts live where z does
    count = None
    k, p, q = _along_axis_kernels(z, src, idx, axis) if idx.size else (None, 0, 0)
    if k is not None:  # one pass along the axis (the identity first where include_self is off), no index grids
        n = z.shape[axis]
        count = np.zeros(z.shape if reduce == "mean" else (0, 0, 0), z.dtype)
        k.scatter_reduce(z.reshape(p, n, q), np.ascontiguousarray(idx).reshape(p, -1, q),
                         np.ascontiguousarray(src).reshape(p, -1, q), _KERNEL_OP[reduce],
                         np.nan if include_self else _identity(reduce, z.dtype), count.reshape(p, n, q)
                         if count.size else count)
    elif z.flags.c_contiguous and type(z) is np.ndarray:  # one flat index: ufunc.at runs ~2.5x faster on it
        flat, zf = _flat_index(idx, axis, z.shape), z.reshape(-1)
        if not include_self:  # start the scattered places from the reduction's identity
            zf[flat] = _identity(reduce, z.dtype)
        _REDUCE_AT[reduce].at(zf, flat, src.reshape(-1))
        if reduce == "mean":
            count = np.bincount(flat, minlength=z.size).reshape(z.shape).astype(z.dtype)
    else:
        full = _along_axis_index(idx, axis)
        if not include_self:
            z[full] = _identity(reduce, z.dtype)
        ufunc_at(_REDUCE_AT[reduce], z, full, src)
        if reduce == "mean":
            count = xp.zeros(z.shape, z.dtype)
            ufunc_at(np.add, count, full, 1)
    if reduce == "mean":
        count += include_self
        count[count == 0] = 1
        if z.dtype.kind in "iub":
            np.floor_divide(z, count, out=z)
        else:
            np.divide(z, count, out=z)
    return count


def index_put_add_into(z, v, index):
    """z[index] += v (v broadcast to z[index]'s shape, repeats summed), in z's memory; the caller checked the
    bounds. Returns z."""
    rows = _index_rows(index, z)
    if rows is not None:  # integer arrays on the leading dims: each index names a row of the rest
        flat, shape = rows
        if not flat.size or not z.size:  # nothing to add (reshape(0, -1) can't tell the row length)
            return z
        rv = np.broadcast_to(v, shape).reshape(flat.size, -1)
        if fused_for(z, rv) is not None:  # numba: one serial pass
            scatter_add_rows(z.reshape(-1, rv.shape[1]), flat, rv)
        elif rv.shape[1] == 1:  # numpy, single elements: ufunc.at's 1-D fast loop
            ufunc_at(np.add, z.reshape(-1), flat, rv.reshape(-1))
        else:  # numpy: ufunc.at on one 1-D index (scatter_add_rows' sort would copy every value row)
            ufunc_at(np.add, z.reshape(-1, rv.shape[1]), flat, rv)
        return z
    ufunc_at(np.add, z, index, np.broadcast_to(v, z[index].shape))
    return z
