#!/usr/bin/env bash
# The GPU check of docs/cost-model.md ("Prediction against measurement on an H100"), run on the
# device machine from the repo root, with everything it needs under .gpu-carry/ (the machine has
# CUDA, cmake and ninja, but no node and no network; bench/gpu/pack-carry.sh fills .gpu-carry):
#   node.xz             node 20's binary
#   llama-src.tar.xz    llama.cpp's source, the release node-llama-cpp builds (docs, vocab files dropped)
#   dist/               the compiled synthetic-model writer and probe shapes
#   write-models.mjs    this folder's model writer
# It writes the models, builds llama-bench with CUDA for sm_90, and runs decode (tg) and prefill
# (pp) at every GPU-layer count, appending llama-bench's JSON lines to $OUT/bench.jsonl. Work is
# ordered by value and skipped once DEADLINE_S seconds have passed, so results come back.
set -u
C=.gpu-carry
START=$(date +%s)
DEADLINE_S=${DEADLINE_S:-520}
MODELS=/tmp/models
exec > >(tee -a "$OUT/log.txt") 2>&1
elapsed() { echo $(($(date +%s) - START)); }
left() { echo $((DEADLINE_S - $(elapsed))); }
say() { echo "[$(elapsed) s] $*"; }
unxz_to() { xz -dc "$1" > "$2" 2>/dev/null || python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; }

{
  date -u; uname -r; nproc; lscpu | grep -E 'Model name|^CPU\(s\)|Thread|Core|Socket|L3'
  free -g | head -2; df -h /tmp | tail -1
  nvidia-smi --query-gpu=name,driver_version,memory.total,pcie.link.gen.max,pcie.link.width.max,clocks.max.sm,clocks.max.mem --format=csv
  nvcc --version | tail -2; cmake --version | head -1
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

say "unpacking node and llama.cpp"
unxz_to $C/node.xz /tmp/node && chmod +x /tmp/node && /tmp/node --version || exit 1
mkdir -p /tmp/src && { tar -C /tmp/src -xJf $C/llama-src.tar.xz 2>/dev/null ||
  python3 -c 'import tarfile,sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' $C/llama-src.tar.xz /tmp/src; } || exit 1

say "building llama-bench (CUDA, sm_90) in the background"
(
  cd /tmp/src/llama.cpp || exit 1
  b0=$(date +%s)
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DGGML_CUDA_FA=OFF -DGGML_CUDA_NCCL=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF \
    > /tmp/configure.log 2>&1 || { tail -30 /tmp/configure.log; exit 1; }
  cmake --build build --target llama-bench -j16 > /tmp/build.log 2>&1 || { grep -m5 -A5 error /tmp/build.log; tail -20 /tmp/build.log; exit 1; }
  echo "build: $(($(date +%s) - b0)) s"
) > /tmp/build.out 2>&1 &
BUILD=$!

say "writing models"
nice -n 5 /tmp/node $C/write-models.mjs $C/dist $MODELS host-probe-overhead host-probe synth-50m synth-850m synth-300m synth-3b &
WRITE=$!

wait $BUILD; build_rc=$?
cat /tmp/build.out
[ $build_rc -eq 0 ] || { say "build failed"; cp /tmp/build.log "$OUT/build.log" 2>/dev/null; exit 1; }
BENCH=/tmp/src/llama.cpp/build/bin/llama-bench
wait $WRITE || { say "model writing failed"; exit 1; }
say "models written"; ls -l $MODELS

# bench LABEL TIMEOUT ARGS...: one llama-bench call, its JSON lines tagged and appended
bench() {
  local label=$1 limit=$2; shift 2
  local budget; budget=$(left)
  if [ "$budget" -lt 20 ]; then say "skipped $label (deadline)"; return; fi
  [ "$limit" -gt "$budget" ] && limit=$budget
  say "$label: llama-bench $*"
  timeout "$limit" $BENCH -fa off -o jsonl "$@" 2>/tmp/bench.err \
    | python3 -c 'import json,sys
for line in sys.stdin:
    row = json.loads(line); row["label"] = sys.argv[1]; print(json.dumps(row), flush=True)' "$label" \
    | tee -a "$OUT/bench.jsonl" \
    | python3 -c 'import json,sys
for line in sys.stdin:
    r = json.loads(line); k = ("n_gpu_layers", "n_threads", "n_prompt", "n_gen", "avg_ts", "stddev_ts")
    print("  ngl %2d t %2d pp %3d tg %3d: %10.1f tok/s +- %.1f" % tuple(r.get(x, -1) for x in k), flush=True)'
  grep -iE "error|failed" /tmp/bench.err | head -5
}

# 1. The host's CPU side, as the host probe measures it: decode of the overhead and bandwidth
#    models with all layers on the host, at several thread counts.
for t in 4 8 16; do
  bench "host-probe t$t" 60 -m $MODELS/host-probe-overhead.gguf,$MODELS/host-probe.gguf -ngl 0 -t $t -p 0 -n 64 -r 3
done
# 2. The offload curves: prefill 256 tokens in micro-batches of 64 (the worker's chunk) and
#    decode 64 tokens, at every GPU-layer count from 0 to layers + 1.
T=${THREADS:-8}
bench synth-50m 90 -m $MODELS/synth-50m.gguf -ngl 0-13 -t $T -p 256 -n 64 -b 64 -ub 64 -r 3
bench synth-850m 150 -m $MODELS/synth-850m.gguf -ngl 0-17 -t $T -p 256 -n 64 -b 64 -ub 64 -r 3
bench synth-300m 120 -m $MODELS/synth-300m.gguf -ngl 0-25 -t $T -p 256 -n 64 -b 64 -ub 64 -r 3
bench synth-3b 150 -m $MODELS/synth-3b.gguf -ngl 29,28,24,20,16,12,8,4,0 -t $T -p 256 -n 32 -b 64 -ub 64 -r 2
# 3. The default micro-batch, for the prefill formula's GPU rate.
bench "ub512" 40 -m $MODELS/synth-850m.gguf,$MODELS/synth-3b.gguf -ngl 99 -p 512 -n 0 -r 3
say "done"
