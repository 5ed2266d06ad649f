"""A `clang` for tinygrad's CPU backend on machines without one, made from the clang that the `ziglang` pip package
bundles (`pip install tinygrad ziglang`). tinygrad compiles each kernel with

    clang -c -x c -O2 -fPIC -ffreestanding -fno-math-errno -nostdlib -fno-ident --target=x86_64-none-unknown-elf
          -march=native - -o -

(C source on stdin, the ELF object on stdout). `zig cc` takes the same flags except two: it spells the target
`-target <arch>-freestanding-none`, and it cannot write its output to stdout; this script translates both.

    install()                        # before tinygrad compiles anything: puts a `clang` on PATH if none is there
    python bench/tinygrad_clang.py   # the stand-in itself, called through that `clang` with tinygrad's arguments
"""
import atexit
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile


def _zig():
    """The zig executable inside the ziglang package, or None when ziglang is not installed."""
    spec = importlib.util.find_spec("ziglang")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], "zig")
    return path if os.access(path, os.X_OK) else None


def install():
    """Put a directory holding an executable `clang` (this script, run by this interpreter) first on PATH, for this
    process and its children, when PATH has no clang, CC is unset and ziglang is installed. Returns the directory,
    or None when nothing was needed or possible (tinygrad then reports its own error on the first compile)."""
    if shutil.which("clang") is not None or os.environ.get("CC") or _zig() is None:
        return None
    d = tempfile.mkdtemp(prefix="tinygrad_clang_")
    atexit.register(shutil.rmtree, d, True)
    wrapper = os.path.join(d, "clang")
    with open(wrapper, "w") as f:   # generated, so a fresh clone needs no executable bit and names the right python
        f.write(f'#!/bin/sh\nexec "{sys.executable}" "{os.path.abspath(__file__)}" "$@"\n')
    os.chmod(wrapper, 0o755)
    os.environ["PATH"] = d + os.pathsep + os.environ.get("PATH", "")
    return d


def translate(argv):
    """clang's arguments as tinygrad passes them -> (zig cc's arguments less the output, the output path or '-')."""
    args, out = [], "-"
    it = iter(argv)
    for a in it:
        if a.startswith("--target="):          # x86_64-none-unknown-elf: bare metal, ELF object
            args += ["-target", a.split("=", 1)[1].split("-")[0] + "-freestanding-none", "-g0"]
        elif a == "-o":
            out = next(it, "-")
        else:
            args.append(a)
    return args, out


def main(argv):
    zig = _zig()
    if zig is None:
        sys.exit("tinygrad_clang: the ziglang package is not installed for " + sys.executable)
    args, out = translate(argv)
    with tempfile.TemporaryDirectory(prefix="tinygrad_clang_") as d:
        obj = os.path.join(d, "out.o")
        src = sys.stdin.buffer.read() if "-" in args else None
        r = subprocess.run([zig, "cc", *args, "-o", obj], input=src)
        if r.returncode:
            sys.exit(r.returncode)
        with open(obj, "rb") as f:
            data = f.read()
    if out == "-":
        sys.stdout.buffer.write(data)
    else:
        with open(out, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1:])
