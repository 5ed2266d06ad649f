"""`teenygrad env`: what this installation runs on, for a bug report or for "why is it slow here?"
(torch.utils.collect_env's job). It reports versions, the BLAS kernels numpy's matrix products run, the threads, which
optional pieces are installed (numba's fused kernels, CuPy and Triton for the GPU, matplotlib, ml_dtypes) and where
each data set would be read from. It never downloads anything and never starts a GPU computation."""
import importlib.metadata
import importlib.util
import os
import platform
import sys

AVX2_KERNELS = ("Haswell", "Zen", "SandyBridge")   # OpenBLAS kernel sets without AVX-512
BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def _version(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def blas_note(core, env, cpu_features):
    """A warning when OPENBLAS_CORETYPE holds numpy's OpenBLAS to AVX2 kernels on a CPU that has AVX-512, whose own
    kernels run float32 matrix products up to ~1.8x faster (docs/performance.md, "Machine"); else None."""
    forced = env.get("OPENBLAS_CORETYPE")
    if forced is None or core not in AVX2_KERNELS or not cpu_features.get("AVX512_SKX"):
        return None
    return (f"OPENBLAS_CORETYPE={forced} is set: numpy's OpenBLAS runs its {core} (AVX2) kernels on a CPU with "
            f"AVX-512, where its own choice would run matrix products up to ~1.8x faster. Some systems set it on "
            f"purpose (older OpenBLAS builds misbehave on new CPUs); with numpy's current OpenBLAS, unset "
            f"{' and '.join(BLAS_VARS)} to let it choose.")


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _usable_cpus():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


def collect(verify=False):
    """[(key, value), ...] in print order; notes (warnings) come as ("note", text)."""
    import numpy as np
    import teenygrad
    from teenygrad.backend import cpu
    rows = [("teenygrad", f"{teenygrad.__version__} ({os.path.dirname(teenygrad.__file__)})"),
            ("python", f"{platform.python_version()} ({sys.executable})"),
            ("platform", platform.platform()),
            ("cpu", f"{_cpu_name()}, {_usable_cpus()} usable")]
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas_name = f"{blas.get('name')} {blas.get('version')}"
    except Exception:   # numpy's config layout is not an API
        blas_name = "unknown"
    core = cpu.openblas_core()
    overrides = ", ".join(f"{k}={os.environ[k]}" for k in BLAS_VARS if k in os.environ)
    rows.append(("numpy", f"{np.__version__}, BLAS {blas_name}"))
    rows.append(("blas kernels", (core or "not OpenBLAS") + (f" (set by {overrides})" if overrides else "")))
    try:
        features = np._core._multiarray_umath.__cpu_features__
    except AttributeError:
        features = {}
    note = blas_note(core, os.environ, features)
    if note:
        rows.append(("note", note))
    pool = os.environ.get("TEENYGRAD_POOL", "0") == "1"
    rows.append(("threads", f"{cpu.get_num_threads()} ({'teenygrad pool, BLAS at 1' if pool else 'owned by BLAS'}; "
                            f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')})"))
    numba = _version("numba")
    if numba is None:
        kernels = "numba not installed: the numpy paths (slower; pip install numba)"
    elif os.environ.get("TEENYGRAD_NUMBA", "1") == "0":
        kernels = f"numba {numba} installed, switched off by TEENYGRAD_NUMBA=0"
    else:
        kernels = f"numba {numba} (compiled kernels cached in {os.environ.get('NUMBA_CACHE_DIR') or 'the package'})"
    rows.append(("fused kernels", kernels))
    rows.append(("gpu", _gpu()))
    for key, dist, what in (("plots", "matplotlib", "loss-curve PNGs"), ("bfloat16", "ml_dtypes", "bfloat16 tensors")):
        v = _version(dist)
        rows.append((key, f"{dist} {v}" if v else f"{dist} not installed: no {what} (pip install {dist})"))
    rows.extend(_data_rows(verify))
    return rows


def _gpu():
    cupy = _version("cupy-cuda13x") or _version("cupy-cuda12x") or _version("cupy")
    triton = _version("triton")
    if cupy is None:
        return "CuPy not installed: CPU only (pip install -e \".[cuda]\")"
    text = f"CuPy {cupy}, Triton {triton or 'not installed'}"
    try:
        import cupy as cp
        n = cp.cuda.runtime.getDeviceCount()
        name = cp.cuda.runtime.getDeviceProperties(0)["name"].decode() if n else None
        return text + (f"; {n} device(s), device 0: {name}" if n else "; no CUDA device visible")
    except Exception as e:   # no driver, no device: say so, don't fail the report
        return text + f"; no usable CUDA device ({type(e).__name__}: {' '.join(str(e).split())[:120]})"


def _data_rows(verify):
    from teenygrad.data import fetch
    folder = os.environ.get("TEENYGRAD_DATA")
    if folder and not os.path.isdir(folder):   # a typo here reads as 'not found' below, with no reason given
        folder += " (no such folder)"
    rows = [("data folder", folder or "TEENYGRAD_DATA not set"),
            ("data cache", str(fetch.cache_dir()))]
    for key, entry in fetch.REGISTRY.items():
        try:
            path = fetch.locate(key, download=False)
        except FileNotFoundError:
            rows.append((f"data {key}", f"not found: downloaded from {entry.url} on first use"))
            continue
        text = f"{path} ({path.stat().st_size:,} bytes)"
        if verify:
            text += " sha256 ok" if fetch.sha256_file(path) == entry.sha256 else " SHA256 MISMATCH (not the published file)"
        rows.append((f"data {key}", text))
    return rows


def report(verify=False):
    """The lines `teenygrad env` prints."""
    rows = collect(verify)
    width = max(len(k) for k, _ in rows)
    return [f"{k + ':':{width + 1}s} {v}" for k, v in rows]
