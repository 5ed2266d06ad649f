"""teenygrad.optim: torch's optimizers and learning-rate schedulers, updating numpy arrays in place."""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad
from .adamax import Adamax
from .nadam import NAdam
from .radam import RAdam
from .adadelta import Adadelta
from .rprop import Rprop
from .asgd import ASGD
from .lbfgs import LBFGS
from .sparse_adam import SparseAdam
from . import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam", "Adadelta",
           "Rprop", "ASGD", "LBFGS", "SparseAdam", "lr_scheduler", "swa_utils"]


def __getattr__(name):
    # swa_utils needs teenygrad.nn: load it on first use so that importing optim alone stays light
    if name == "swa_utils":
        import importlib
        return importlib.import_module(".swa_utils", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
