"""teenygrad.nn: torch.nn's layers, containers and losses, built only on Tensor and teenygrad.ops."""
from .parameter import Parameter, Buffer, UninitializedParameter, UninitializedBuffer  # noqa: F401
from .modules.module import Module
from .modules.container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from .modules.linear import Identity, Linear, LazyLinear, Bilinear, Embedding
from .modules.normalization import LayerNorm, RMSNorm, GroupNorm, BatchNorm1d, BatchNorm2d, BatchNorm3d
from .modules.normalization import LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d  # noqa: F401
from .modules.activation import (ReLU, Tanh, Sigmoid, SiLU, ReLU6, LogSigmoid, GELU, LeakyReLU, ELU, Softplus,
                                 Hardtanh, Softmax, LogSoftmax, Softmin, Dropout, Dropout1d, Dropout2d, Dropout3d,
                                 Flatten, Unflatten)
from .modules.loss import (CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss,
                           BCEWithLogitsLoss, KLDivLoss, CTCLoss, NLLLoss2d, LinearCrossEntropyLoss,
                           LinearCrossEntropyOptions)
from .modules.distance import CosineSimilarity, PairwiseDistance
from .modules.activation import (Mish, Hardswish, Hardsigmoid, SELU, CELU, PReLU, RReLU, GLU, Softsign,  # noqa: F401
                                 Tanhshrink, Threshold, Softshrink, Hardshrink, Softmax2d, AlphaDropout,
                                 FeatureAlphaDropout)
from .modules.loss import (PoissonNLLLoss, GaussianNLLLoss, MarginRankingLoss, HingeEmbeddingLoss,  # noqa: F401
                           SoftMarginLoss, MultiLabelSoftMarginLoss, MultiLabelMarginLoss, MultiMarginLoss,
                           CosineEmbeddingLoss, TripletMarginLoss, TripletMarginWithDistanceLoss)
from . import functional, init

_LAZY = {"Conv1d": "conv", "Conv2d": "conv", "RNN": "rnn", "GRU": "rnn", "LSTM": "rnn", "RNNCell": "rnn",
         "GRUCell": "rnn", "LSTMCell": "rnn", "RNNBase": "rnn", "RNNCellBase": "rnn", "MultiheadAttention": "attention",
         "MaxPool1d": "pooling", "MaxPool2d": "pooling", "AvgPool1d": "pooling", "AvgPool2d": "pooling",
         "AdaptiveAvgPool1d": "pooling", "AdaptiveAvgPool2d": "pooling",
         "TransformerEncoderLayer": "transformer", "TransformerEncoder": "transformer"}
_LAZY.update({n: "conv" for n in ("ConvTranspose1d", "ConvTranspose2d")})  # spatial layers
_LAZY.update({n: "pooling" for n in ("AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "LPPool1d", "LPPool2d")})
_LAZY.update({n: "spatial" for n in ("Unfold", "Fold", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d",
                                      "PixelShuffle", "PixelUnshuffle", "ChannelShuffle", "InstanceNorm1d",
                                      "InstanceNorm2d", "LocalResponseNorm")})
_LAZY.update({f"{kind}Pad{d}d": "padding" for kind in ("Zero", "Constant", "Reflection", "Replication", "Circular")
              for d in (1, 2, 3)})
_LAZY.update({"MaxUnpool1d": "pooling", "MaxUnpool2d": "pooling"})
_LAZY.update({n: "conv" for n in ("Conv3d", "ConvTranspose3d")})  # the 3-D (N, C, D, H, W) layers
_LAZY.update({n: "pooling" for n in ("MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "LPPool3d")})
_LAZY["InstanceNorm3d"] = "spatial"
_LAZY.update({n: "pooling_fractional" for n in ("FractionalMaxPool2d", "FractionalMaxPool3d", "CrossMapLRN2d")})
_LAZY["SyncBatchNorm"] = "syncbn"
_LAZY.update({"TransformerDecoderLayer": "transformer", "TransformerDecoder": "transformer",
              "Transformer": "transformer", "EmbeddingBag": "sparse"})  # decoder, whole model, bags of embeddings
_LAZY.update({f"Lazy{n}": "conv" for n in ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
                                             "ConvTranspose3d")})  # in_channels from the first input
_LAZY.update({f"LazyInstanceNorm{d}d": "spatial" for d in (1, 2, 3)})
_LAZY["MaxUnpool3d"] = "pooling"
_LAZY["AdaptiveLogSoftmaxWithLoss"] = "adaptive"  # the large-vocabulary softmax of word-level language models


def __getattr__(name):
    # recurrent, conv, pooling, attention and transformer layers (and nn.utils) load on first use
    import importlib
    if name in _LAZY:
        return getattr(importlib.import_module(f".modules.{_LAZY[name]}", __name__), name)
    if name in ("utils", "parallel", "attention", "grad"):
        return importlib.import_module(f".{name}", __name__)
    if name == "DataParallel":  # torch.nn.DataParallel is torch.nn.parallel.DataParallel
        return importlib.import_module(".parallel", __name__).DataParallel
    raise AttributeError(f"module 'teenygrad.nn' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | {"utils", "grad"})
