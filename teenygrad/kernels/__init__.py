"""Hand-written Triton kernels: the GEMM ladder (gemm_1..gemm_5) and fused ops with forward and backward.

Kernels take raw arrays: numpy arrays under Triton's interpreter (TRITON_INTERPRET=1, CPU, used by the
tests) or cupy arrays on a CUDA GPU. They know nothing of Tensor. Import the submodule you need, e.g.
`from teenygrad.kernels import gemm_2_tiled`; nothing here imports triton, so `import teenygrad` stays fast.
"""
GEMM_RUNGS = ("naive", "tiled", "scheduled", "tensorcore", "hopper")
