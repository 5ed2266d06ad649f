"""The book's first classifiers.

XORNet              2 -> n_hidden (tanh) -> 2: the smallest problem a linear model cannot solve
BagOfWordsNet       sentence features -> n_hidden (ReLU, dropout) -> 2 classes (UCI sentiment sentences)
LogisticRegression  sentence features -> 2 classes: the linear baseline on the same split

Sentence features (`features`, built by tasks.ClassifyTask from the training sentences only):
    'words'   a binary bag of words: one column per training word, 1 if the sentence has it
    'ngrams'  words + word bigrams + character 3-5-grams of each word (the n-grams of >= 2 training
              sentences), binary, each row scaled to unit length (teenygrad.data.datasets.NgramVocabulary)

On these rows the first layer of BagOfWordsNet is fastText's embedding bag: x @ W adds up one learned
h-wide vector per word and n-gram of the sentence (divided by the square root of their number); a ReLU
and a linear read-out follow. The network only records `features` so that a checkpoint says what its input columns mean.
On the UCI sentences, 'ngrams' lifts both models by ~4 points of validation accuracy over 'words';
the hidden layer itself adds nothing measurable over logistic regression on the same features
(docs/results.md, Classifiers).

Key: b batch, f input features (2, or the size of the word / n-gram vocabulary), h hidden width.
"""
from teenygrad import nn

from ._common import check_positive_int, check_probability

FEATURES = ("words", "ngrams")          # the sentence features tasks.ClassifyTask can build


class XORNet(nn.Module):
    def __init__(self, n_features: int = 2, n_hidden: int = 8, n_classes: int = 2):
        super().__init__()
        for name, value in [("n_features", n_features), ("n_hidden", n_hidden), ("n_classes", n_classes)]:
            check_positive_int(name, value, "XORNet")
        self.net = nn.Sequential(nn.Linear(n_features, n_hidden), nn.Tanh(), nn.Linear(n_hidden, n_classes))

    def forward(self, x):
        return self.net(x)                                   # (b, 2) -> (b, classes)


def check_features(features, owner: str):
    if features not in FEATURES:
        raise ValueError(f"{owner}: features must be one of {', '.join(FEATURES)}, got {features!r}")


class BagOfWordsNet(nn.Module):
    def __init__(self, n_features: int, n_hidden: int = 64, dropout: float = 0.5, n_classes: int = 2,
                 features: str = "ngrams"):
        super().__init__()
        for name, value in [("n_features", n_features), ("n_hidden", n_hidden), ("n_classes", n_classes)]:
            check_positive_int(name, value, "BagOfWordsNet")
        check_probability("dropout", dropout, "BagOfWordsNet")
        check_features(features, "BagOfWordsNet")
        self.features = features
        self.net = nn.Sequential(nn.Dropout(dropout), nn.Linear(n_features, n_hidden), nn.ReLU(),
                                 nn.Dropout(dropout), nn.Linear(n_hidden, n_classes))

    def forward(self, x):
        return self.net(x)                                   # (b, f) -> (b, h) -> (b, classes)


class LogisticRegression(nn.Module):
    def __init__(self, n_features: int, n_classes: int = 2, features: str = "words"):
        super().__init__()
        check_positive_int("n_features", n_features, "LogisticRegression")
        check_positive_int("n_classes", n_classes, "LogisticRegression")
        check_features(features, "LogisticRegression")
        self.features = features
        self.linear = nn.Linear(n_features, n_classes)

    def forward(self, x):
        return self.linear(x)                                # (b, f) -> (b, classes)
