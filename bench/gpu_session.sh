#!/usr/bin/env bash
# Every GPU check of the project in one command, for a machine with an NVIDIA GPU, cupy and triton:
#
#   OUT=out/gpu bash bench/gpu_session.sh
#
# 1. the device tests on the real cupy (TEENYGRAD_TEST_CUDA=1; $DEVICE_TESTS, pytest-xdist's -n $TEST_WORKERS when
#    it is installed): every op's forward and backward against the CPU with the fused Triton kernels on, module
#    moves, checkpoints, dropout made on the device, the CLI, the audit of the public API, complex tensors and fft;
# 2. bench/gpu.py: every kernel checked against CuPy/cuBLAS, then the GEMM ladder, the fused kernels and the
#    nanoGPT GPU-config training step against PyTorch eager on the same GPU;
# 3. the CLI as a user runs it: `teenygrad train gpt --preset shakespeare-gpu --device cuda` for a few hundred
#    iterations (needs tinyshakespeare.txt in $TEENYGRAD_DATA), then `teenygrad sample`;
# 4. bench/gpu_step_profile.py: that training step under cProfile, with and without dropout;
# 5. bench/gpu_step_breakdown.py: that step with our fp32 GEMM rung, with cuBLAS products and in tf32, beside
#    PyTorch eager, then its kernels by GPU time under torch.profiler (PARTS=breakdown; not in the default set).
# Each part has its own time cap (TESTS_S, BENCH_S, TRAIN_S, PROF_S, BREAKDOWN_S seconds), so a hang in one leaves time for the rest.
# Logs and JSON go to $OUT; the Triton cache (compiled kernels) is packed into $OUT/tritoncache.tgz so a later
# run on a fresh machine can unpack it into $TRITON_CACHE_DIR and skip the compiles.
set -u
OUT=${OUT:-out/gpu}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export TRITON_CACHE_DIR=${TRITON_CACHE_DIR:-$PWD/.tritoncache}
PY=${PY:-python3}
# Caps sized so that all four parts fit one 10-minute device call on a fresh machine (the bench's checks
# compile everything first: ~3 minutes); PARTS picks a subset, e.g. PARTS="bench profile" for a second call.
TESTS_S=${TESTS_S:-90} BENCH_S=${BENCH_S:-330} BENCH_BUDGET=${BENCH_BUDGET:-100} TRAIN_S=${TRAIN_S:-50}
TRAIN_ITERS=${TRAIN_ITERS:-300} PROF_S=${PROF_S:-45} BREAKDOWN_S=${BREAKDOWN_S:-240} PARTS=${PARTS:-"tests bench train profile"}
DEVICE_TESTS=${DEVICE_TESTS:-"tests/test_device.py tests/test_device_complex.py tests/test_device_fixes1.py
    tests/test_device_fixes2.py tests/test_device_audit.py tests/test_complex_unary15.py tests/test_inference_paths18.py"}
TEST_WORKERS=${TEST_WORKERS:-8} BREAKDOWN_ARGS=${BREAKDOWN_ARGS:-}
want() { case " $PARTS " in *" $1 "*) return 0;; esac; return 1; }
if [ -f .tritoncache.tgz ] && [ ! -d "$TRITON_CACHE_DIR" ]; then  # a cache packed by an earlier run
    mkdir -p "$TRITON_CACHE_DIR" && tar xzf .tritoncache.tgz -C "$TRITON_CACHE_DIR"
fi
t0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - t0 )) s] $*"; }

stamp "machine"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv \
    2>&1 | tee "$OUT/machine.txt"
$PY -c "import sys, numpy, cupy, triton; print('python', sys.version.split()[0], 'numpy', numpy.__version__,
'cupy', cupy.__version__, 'triton', triton.__version__)" 2>&1 | tee -a "$OUT/machine.txt"

if want tests; then
stamp "the device tests on the real GPU (cap ${TESTS_S} s)"
# cuBLAS for the products (the default since the thirteenth landing; named here so an older checkout does the same):
# a rung would autotune (and compile) eight GEMM configurations per new odd test shape. bench/gpu.py checks the
# rungs themselves. The fused kernels run as they do in training.
XDIST=; $PY -c "import xdist" 2>/dev/null && [ "$TEST_WORKERS" -gt 1 ] && XDIST="-n $TEST_WORKERS"
TEENYGRAD_MATMUL=cublas TEENYGRAD_TEST_CUDA=1 timeout "$TESTS_S" $PY -m pytest -q -rfE --maxfail=40 $XDIST \
    -p no:cacheprovider $DEVICE_TESTS >"$OUT/tests.log" 2>&1
echo "exit $?"; tail -n 25 "$OUT/tests.log"
fi

if want bench; then
stamp "bench/gpu.py (cap ${BENCH_S} s, ${BENCH_BUDGET} s of timings after the checks)"
timeout "$BENCH_S" $PY bench/gpu.py --budget "$BENCH_BUDGET" --json "$OUT/gpu_results.json" >"$OUT/bench.log" 2>&1
echo "exit $?"; grep -v "^  ok " "$OUT/bench.log" | tail -n 60
fi

if want train; then
stamp "teenygrad train gpt --preset shakespeare-gpu --device cuda, ${TRAIN_ITERS} iterations (cap ${TRAIN_S} s)"
rm -rf /tmp/tg-gpu-run
timeout "$TRAIN_S" $PY -m teenygrad train gpt --preset shakespeare-gpu --device cuda --max-iters "$TRAIN_ITERS" \
    --eval-interval 250 --eval-iters 20 --out-dir /tmp/tg-gpu-run >"$OUT/train.log" 2>&1
echo "exit $?"; grep -v "^ *[0-9]*/[0-9]* \[" "$OUT/train.log" | tail -n 12; grep "^ *[0-9]*/[0-9]* \[" "$OUT/train.log" | tail -n 2
timeout 30 $PY -m teenygrad sample --out-dir /tmp/tg-gpu-run --max-new-tokens 200 2>&1 | tail -n 8
fi

if want profile; then
stamp "bench/gpu_step_profile.py: the training step under cProfile, without and with dropout (cap 2 x ${PROF_S} s)"
for d in 0.0 0.2; do timeout "$PROF_S" $PY bench/gpu_step_profile.py $d >"$OUT/profile-$d.log" 2>&1; echo "exit $?"
    head -n 40 "$OUT/profile-$d.log" | cut -c1-150; done
fi

if want breakdown; then
stamp "bench/gpu_step_breakdown.py: the step's GEMM settings and its kernels by GPU time (cap ${BREAKDOWN_S} s)"
timeout "$BREAKDOWN_S" $PY bench/gpu_step_breakdown.py $BREAKDOWN_ARGS >"$OUT/breakdown.log" 2>&1
echo "exit $?"; grep -v "^USDT\|profiler_st" "$OUT/breakdown.log" | cut -c1-160
fi

stamp "packing the Triton cache"
tar czf "$OUT/tritoncache.tgz" -C "$TRITON_CACHE_DIR" . 2>/dev/null && ls -la "$OUT/tritoncache.tgz"
stamp "done"
