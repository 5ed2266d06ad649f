"""teenygrad.nn.utils.rnn: batching variable-length sequences (torch.nn.utils.rnn's names)."""
import numpy as np
from ...tensor import Tensor
from ...tensor_join import stack, cat
from ...creation import tensor, full


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Tensors (L_i, *) -> (L_max, B, *), or (B, L_max, *) with batch_first; each padded with padding_value on
    padding_side. Differentiable: the gradient of each sequence is its slice of the output's gradient."""
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}")
    for s in sequences:
        if not isinstance(s, Tensor) or s.ndim < 1:
            raise RuntimeError(f"pad_sequence: expected tensors of at least 1 dim (L, *), got "
                               f"{getattr(s, 'shape', type(s).__name__)}")
        if s.dtype != sequences[0].dtype:  # stack would promote (float32 + float64 -> float64): torch refuses
            raise RuntimeError(f"pad_sequence: the sequences' dtypes must match, got {sequences[0].dtype} and "
                               f"{s.dtype}")
        if s.shape[1:] != sequences[0].shape[1:]:
            raise RuntimeError(f"pad_sequence: the sequences' trailing dims must match, got {sequences[0].shape} and "
                               f"{s.shape}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        extra = longest - s.shape[0]
        lo, hi = (0, extra) if padding_side == "right" else (extra, 0)
        padded.append(s.pad((0, 0) * (s.ndim - 1) + (lo, hi), value=padding_value) if extra else s)
    return stack(padded, 0 if batch_first else 1)


# ---- packed sequences ---------------------------------------------------------------------------------------
# A PackedSequence holds the steps of B sequences, sorted by length (longest first), time-major: the rows of step
# t are the batch_sizes[t] sequences still running at t. Packing and unpacking are gathers (Tensor indexing), so
# gradients flow through both.

class PackedSequence(tuple):
    """(data, batch_sizes, sorted_indices, unsorted_indices), a named tuple as torch's: data (sum of lengths, *),
    batch_sizes (max length,) int64 on the CPU, and the permutation that sorted the batch (None if it was sorted)."""
    __slots__ = ()
    _fields = ("data", "batch_sizes", "sorted_indices", "unsorted_indices")

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:  # torch also takes PackedSequence((data, batch_sizes))
            data, batch_sizes = data
        if not isinstance(batch_sizes, Tensor):
            batch_sizes = tensor(np.asarray(batch_sizes, dtype=np.int64))
        if batch_sizes.ndim != 1 or batch_sizes.dtype != np.int64 or batch_sizes.device != "cpu":
            raise ValueError(f"PackedSequence: batch_sizes should be a 1-D int64 CPU tensor, got shape "
                             f"{tuple(batch_sizes.shape)}, dtype {batch_sizes.dtype} on {batch_sizes.device}")
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert_permutation(sorted_indices)
        return tuple.__new__(cls, (data, batch_sizes, sorted_indices, unsorted_indices))

    data = property(lambda self: self[0])
    batch_sizes = property(lambda self: self[1])
    sorted_indices = property(lambda self: self[2])
    unsorted_indices = property(lambda self: self[3])

    def __repr__(self):
        return ("PackedSequence(" + ", ".join(f"{k}={v!r}" for k, v in zip(self._fields, self)) + ")")

    def _replace(self, **kw):
        return PackedSequence(*(kw.get(k, v) for k, v in zip(self._fields, self)))

    def _asdict(self):
        return dict(zip(self._fields, self))

    def __getnewargs__(self):
        return tuple(self)

    def to(self, *args, **kwargs):
        """data.to(...); the index tensors follow data to its device (batch_sizes stays on the CPU, as torch)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = (lambda t: None if t is None else t.to(data.device))
        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cuda(self, *args, **kwargs):
        return self.to("cuda")

    def cpu(self, *args, **kwargs):
        return self.to("cpu")

    def double(self):
        return self.to(dtype=np.float64)

    def float(self):
        return self.to(dtype=np.float32)

    def half(self):
        return self.to(dtype=np.float16)

    def long(self):
        return self.to(dtype=np.int64)

    def int(self):
        return self.to(dtype=np.int32)

    @property
    def is_cuda(self):
        return self.data.device != "cpu"

    def is_pinned(self):
        return False


def _invert_permutation(perm):
    inv = np.empty(perm.shape[0], dtype=np.int64)
    inv[np.asarray(perm.tolist(), dtype=np.int64)] = np.arange(perm.shape[0])
    return tensor(inv, device=perm.device)


def _lengths_of(batch_sizes):
    """batch_sizes (t,) -> each sorted sequence's length (b,): how many steps still include it."""
    bs = np.asarray(batch_sizes.tolist(), dtype=np.int64)
    return (bs[:, None] > np.arange(bs[0] if len(bs) else 0)[None, :]).sum(0)


def _packed_rows(lengths, T):
    """The flat (t * b + batch) positions of the packed steps in a (T, b) grid, in packed order."""
    return np.flatnonzero(np.arange(T)[:, None] < lengths[None, :])


def _pad_sorted(data, lengths, T, padding_value=0.0):
    """Packed data (n, *) -> (T, b, *) in the packed (sorted) batch order, padding_value past each length."""
    B, n = len(lengths), data.shape[0]
    src = np.full(T * B, n, dtype=np.int64)  # row n: the padding row appended below
    src[_packed_rows(lengths, T)] = np.arange(n)
    pad = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    return cat([data, pad], 0)[src].reshape((T, B) + tuple(data.shape[1:]))


def _pack_sorted(x, lengths):
    """(T, b, *) in sorted batch order -> (data, batch_sizes) of the steps within each length."""
    T = x.shape[0]
    data = x.reshape((-1,) + tuple(x.shape[2:]))[_packed_rows(lengths, T)]
    steps = int(lengths.max())
    return data, tensor((np.arange(steps)[:, None] < lengths[None, :]).sum(1).astype(np.int64))


def _sort_descending(lengths):
    """The permutation torch.sort(lengths, descending=True) gives on the CPU. Its unstable sort is libstdc++'s
    std::sort (introsort, then insertion sort), which orders ties by its own moves once there are more than 16
    lengths: replayed by backend/_std_sort in that case (numba, a dependency: used whatever TEENYGRAD_NUMBA says,
    as the order is torch's semantics, not a speed-up), so sorted_indices and the packed data's order are torch's."""
    if len(lengths) <= 16 or len(np.unique(lengths)) == len(lengths):  # insertion sort alone is stable; without
        return np.argsort(-lengths, kind="stable")                      # ties any sort agrees
    from ...backend import _std_sort
    return _std_sort.sort_positions(lengths[None], True)[0]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """(T, b, *) (or (b, T, *)) and each sequence's length -> PackedSequence. With enforce_sorted=False the batch
    is sorted by length first, and the permutation is kept to undo it."""
    if isinstance(lengths, Tensor):
        if lengths.ndim != 1:
            raise RuntimeError(f"pack_padded_sequence: 'lengths' should be a 1-D int64 tensor, got shape "
                               f"{tuple(lengths.shape)}")
        lengths = lengths.tolist()
    lengths = np.asarray(lengths, dtype=np.int64).reshape(-1)
    bdim = 0 if batch_first else 1
    if input.ndim < 2:
        raise IndexError(f"pack_padded_sequence: expected input of at least 2 dims (time and batch), got shape "
                         f"{tuple(input.shape)}")  # torch: IndexError, Dimension out of range
    B, T = input.shape[bdim], input.shape[1 - bdim]
    if len(lengths) != B:
        raise RuntimeError(f"pack_padded_sequence: Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lengths)} (batch_size={B})")
    sorted_indices = None
    if enforce_sorted:
        if np.any(lengths[1:] > lengths[:-1]):
            raise RuntimeError(f"pack_padded_sequence: `lengths` array must be sorted in decreasing order when "
                               f"`enforce_sorted` is True, got {lengths.tolist()}. You can pass "
                               "`enforce_sorted=False` to sidestep this requirement.")
    else:
        order = _sort_descending(lengths)
        lengths = lengths[order]
        sorted_indices = tensor(order, device=input.device)
        input = input.index_select(bdim, sorted_indices)
    if B and lengths.min() <= 0:
        raise RuntimeError(f"pack_padded_sequence: Length of all samples has to be greater than 0, but found an "
                           f"element in 'lengths' that is <= 0: {lengths.tolist()}")
    if B and lengths.max() > T:  # torch reads past the end of the input here
        raise RuntimeError(f"pack_padded_sequence: a length ({int(lengths.max())}) is longer than the input's "
                           f"{T} steps (input shape {tuple(input.shape)})")
    if B == 0:
        raise RuntimeError("pack_padded_sequence: cannot pack an empty batch")
    x = input.transpose(0, 1) if batch_first else input
    data, batch_sizes = _pack_sorted(x, lengths)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """PackedSequence -> (padded (T, b, *) or (b, T, *) in the original batch order, lengths (b,) int64)."""
    lengths = _lengths_of(sequence.batch_sizes)
    T = len(sequence.batch_sizes)
    if total_length is not None:
        if total_length < T:
            raise ValueError("pad_packed_sequence: Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max sequence length "
                             f"being {T}")
        T = total_length
    padded = _pad_sorted(sequence.data, lengths, T, padding_value)
    if batch_first:
        padded = padded.transpose(0, 1)
    if sequence.unsorted_indices is not None:
        unsorted = sequence.unsorted_indices
        padded = padded.index_select(0 if batch_first else 1, unsorted)
        lengths = lengths[np.asarray(unsorted.tolist(), dtype=np.int64)]
    return padded, tensor(lengths.astype(np.int64))


def pack_sequence(sequences, enforce_sorted=True):
    """A list of (L_i, *) tensors -> PackedSequence (pad_sequence, then pack_padded_sequence)."""
    sequences = list(sequences)
    lengths = [s.shape[0] if isinstance(s, Tensor) and s.ndim else 0 for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """PackedSequence -> the list of its (L_i, *) sequences, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return [padded[i, :n] for i, n in enumerate(lengths.tolist())]


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """(T, b, *) (or (b, T, *)) and lengths -> the list of the b sequences cut to their lengths."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    lengths = lengths.tolist() if isinstance(lengths, Tensor) else list(lengths)
    if len(lengths) != x.shape[0]:
        raise RuntimeError(f"unpad_sequence: got {len(lengths)} lengths for a batch of {x.shape[0]} "
                           f"(shape {tuple(padded_sequences.shape)})")
    return [x[i, :int(n)] for i, n in enumerate(lengths)]
