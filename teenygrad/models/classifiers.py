"""The book's first classifiers.

XORNet              2 -> n_hidden (tanh) -> 2: the smallest problem a linear model cannot solve
BagOfWordsNet       bag-of-words counts -> n_hidden (ReLU, dropout) -> 2 classes (UCI sentiment sentences)
LogisticRegression  bag-of-words counts -> 2 classes: the linear baseline on the same split

Key: b batch, f input features (2, or the vocabulary size for bag-of-words), h hidden width.
"""
from teenygrad import nn

from ._common import check_positive_int, check_probability


class XORNet(nn.Module):
    def __init__(self, n_features: int = 2, n_hidden: int = 8, n_classes: int = 2):
        super().__init__()
        for name, value in [("n_features", n_features), ("n_hidden", n_hidden), ("n_classes", n_classes)]:
            check_positive_int(name, value, "XORNet")
        self.net = nn.Sequential(nn.Linear(n_features, n_hidden), nn.Tanh(), nn.Linear(n_hidden, n_classes))

    def forward(self, x):
        return self.net(x)                                   # (b, 2) -> (b, classes)


class BagOfWordsNet(nn.Module):
    def __init__(self, n_features: int, n_hidden: int = 64, dropout: float = 0.5, n_classes: int = 2):
        super().__init__()
        for name, value in [("n_features", n_features), ("n_hidden", n_hidden), ("n_classes", n_classes)]:
            check_positive_int(name, value, "BagOfWordsNet")
        check_probability("dropout", dropout, "BagOfWordsNet")
        self.net = nn.Sequential(nn.Dropout(dropout), nn.Linear(n_features, n_hidden), nn.ReLU(),
                                 nn.Dropout(dropout), nn.Linear(n_hidden, n_classes))

    def forward(self, x):
        return self.net(x)                                   # (b, f) -> (b, h) -> (b, classes)


class LogisticRegression(nn.Module):
    def __init__(self, n_features: int, n_classes: int = 2):
        super().__init__()
        check_positive_int("n_features", n_features, "LogisticRegression")
        check_positive_int("n_classes", n_classes, "LogisticRegression")
        self.linear = nn.Linear(n_features, n_classes)

    def forward(self, x):
        return self.linear(x)                                # (b, f) -> (b, classes)
