"""Run a torch program on teenygrad: `python tests/tutorials/_as_torch.py prog.py [args]`.

Every `import torch` / `import torch.x` in the program (and in anything it imports) gives `teenygrad` /
`teenygrad.x`, the same module objects, so the program runs unchanged: this is the promise that typical
tutorial code works with only its import changed."""
import importlib
import importlib.abc
import importlib.util
import pathlib
import runpy
import sys


class _TorchAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        module = importlib.import_module("teenygrad" + spec.name[len("torch"):])
        self._real_spec = module.__spec__       # the import system overwrites __spec__ after this; put it back
        return module

    def exec_module(self, module):
        module.__spec__ = self._real_spec


if __name__ == "__main__":
    sys.meta_path.insert(0, _TorchAlias())
    sys.argv = sys.argv[1:]
    sys.path.insert(0, str(pathlib.Path(sys.argv[0]).resolve().parent))   # as `python prog.py` would
    runpy.run_path(sys.argv[0], run_name="__main__")
