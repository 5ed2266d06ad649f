"""Backends: where arrays live. cpu (numpy, plus allocator tuning and optional numba kernels) and cuda
(cupy + Triton). Each loads on first use, so importing this package costs nothing."""
