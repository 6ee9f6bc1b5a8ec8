#!/usr/bin/env bash
# Fills DEST (default /work/main/.gpu-carry, a git-ignored folder of the checkout the device tool
# sends) with what bench/gpu/device-check.sh needs on a GPU machine without node or network.
# Run from the repo root after `npm run build`. LLAMA_SRC may name an existing llama-src.tar.xz.
set -eu
DEST=${1:-/work/main/.gpu-carry}
BUNDLE=node_modules/node-llama-cpp/llama/gitRelease.bundle
mkdir -p "$DEST/dist/libs/gguf/src" "$DEST/dist/libs/profiler/src"
cp bench/gpu/device-check.sh bench/gpu/write-models.mjs "$DEST/"
find dist/libs/gguf/src -maxdepth 1 -name '*.js' ! -name '*.spec.js' -exec cp {} "$DEST/dist/libs/gguf/src/" \;
cp dist/libs/profiler/src/probe-shapes.js "$DEST/dist/libs/profiler/src/"
[ -f "$DEST/node.xz" ] || xz -6 -T1 -c "$(command -v node)" > "$DEST/node.xz"
if [ ! -f "$DEST/llama-src.tar.xz" ]; then
  if [ -n "${LLAMA_SRC:-}" ]; then cp "$LLAMA_SRC" "$DEST/llama-src.tar.xz"; else
    tmp=$(mktemp -d)
    git clone -q "$BUNDLE" "$tmp/llama.cpp"
    # Vocabulary test files, docs and the web UI are three quarters of the tree and not built.
    tar -C "$tmp" --exclude=llama.cpp/.git --exclude=llama.cpp/models --exclude=llama.cpp/docs \
      --exclude=llama.cpp/media --exclude=llama.cpp/tools/ui --exclude=llama.cpp/benches \
      --exclude='llama.cpp/tests/*.gguf' \
      -cf - llama.cpp | xz -6 -T1 > "$DEST/llama-src.tar.xz"
    rm -rf "$tmp"
  fi
fi
du -sh "$DEST"
