"""EmbeddingBag: a lookup table whose rows are summed, averaged or maxed over bags of ids (F.embedding_bag)."""
from ..functional_sparse import embedding_bag
from .linear import Embedding
from .module import Module


class EmbeddingBag(Module):
    """Table (num_embeddings, embedding_dim), init N(0, 1) with the padding_idx row at zero (it never joins a
    bag, so it gets no gradient). forward(input, offsets=None, per_sample_weights=None) -> (bags, embedding_dim)."""
    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                 mode="mean", sparse=False, _weight=None, include_last_offset=False, padding_idx=None, device=None,
                 dtype=None):
        super().__init__()
        self.max_norm, self.norm_type, self.scale_grad_by_freq, self.sparse = max_norm, norm_type, \
            scale_grad_by_freq, sparse  # sparse: a dense gradient, with a warning (F.warn_dense_sparse)
        self.mode, self.include_last_offset = mode, include_last_offset
        Embedding._init_table(self, num_embeddings, embedding_dim, padding_idx, _weight, dtype)
        self.to(device=device)  # torch's device= kwarg: built on the host, then moved

    reset_parameters = Embedding.reset_parameters  # N(0, 1), the padding_idx row at zero

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                             self.mode, self.sparse, per_sample_weights, self.include_last_offset, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                        mode="mean", sparse=False, include_last_offset=False, padding_idx=None):
        if embeddings.ndim != 2:
            raise ValueError(f"EmbeddingBag.from_pretrained: embeddings must be 2-D, got {embeddings.shape}")
        bag = cls(embeddings.shape[0], embeddings.shape[1], max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  embeddings, include_last_offset, padding_idx)
        bag.weight.requires_grad = not freeze
        return bag

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        s += f", max_norm={self.max_norm}" if self.max_norm is not None else ""
        s += f", norm_type={self.norm_type}" if self.norm_type != 2 else ""
        s += f", scale_grad_by_freq={self.scale_grad_by_freq}" if self.scale_grad_by_freq is not False else ""
        s += f", mode={self.mode!r}"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
