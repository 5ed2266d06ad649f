"""teenygrad.nn.utils.rnn: batching variable-length sequences (torch.nn.utils.rnn's names)."""
from ...tensor import Tensor
from ...tensor_join import stack


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
