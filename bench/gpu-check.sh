#!/usr/bin/env bash
# GPU check on a machine without Node, npm or network: uses build/gpu-bundle/
# (npm run gpu-bundle) and the repository's bench/ files; writes one log.
#   bash bench/gpu-check.sh [--quick] [--batch N]
#     --quick: for a software adapter (llvmpipe): batch 2, 1 timed step per
#     backend, and hu2020-small-fcnn (task 1b) in place of hu2020-fcnn; the
#     node part then gets 15 minutes instead of 280 s (GPU_CHECK_TIMEOUT=SECONDS
#     overrides either).
# Prints the adapter, runs the webgpu correctness subset, states the batch that
# fits each model, times wei2018-crnn, mushtaq2020-cnn7 and hu2020-fcnn at
# full size on webgpu and on the CPU path (wasm) with ratios, and the same
# CRNN in PyTorch on the GPU when `python3 -c 'import torch'` works (else says
# skipped). Log: build/gpu-check.log (GPU_CHECK_LOG).
set -uo pipefail
cd "$(dirname "$0")/.."
B="$PWD/build/gpu-bundle"
LOG="${GPU_CHECK_LOG:-$PWD/build/gpu-check.log}"
[ -f "$B/gpu-check.mjs" ] || { echo "gpu-check: $B/gpu-check.mjs missing: run 'npm run gpu-bundle' first"; exit 2; }
command -v xz >/dev/null || { echo "gpu-check: xz is needed to unpack the bundle"; exit 2; }
W="$(mktemp -d /tmp/aal-gpu-check-XXXXXX)"
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/dist/linux-x64" "$(dirname "$LOG")"
{
  t0=$SECONDS
  echo "gpu-check: $(date -u +%FT%TZ) on $(hostname); repo $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  xz -dc "$B/node.xz" > "$W/node" && chmod +x "$W/node"
  xz -dc "$B/dawn.node.xz" > "$W/dist/linux-x64/dawn.node"
  cp "$B/gpu-check.mjs" "$W/"
  set -a; . "$B/versions.env"; set +a
  export LD_LIBRARY_PATH="$B/sysroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export AUDIO_AUG_LAB_WASM_DIR="$B/wasm" AUDIO_AUG_LAB_BACKEND=webgpu
  echo "node $("$W/node" --version); GPUs: $(nvidia-smi -L 2>/dev/null | tr '\n' ';' || echo 'nvidia-smi not found')"
  if python3 -c 'import torch' 2>/dev/null; then
    echo "== PyTorch: wei2018 CRNN, batch 44, 124 frames, 20 s"
    if timeout 120 python3 bench/gpu-check-torch.py 44 20 124 > "$W/torch.json"; then
      cat "$W/torch.json"; export AUDIO_AUG_LAB_TORCH_JSON="$W/torch.json"
    else echo "PyTorch run failed"; export AUDIO_AUG_LAB_TORCH_SKIPPED="bench/gpu-check-torch.py failed"; fi
  else
    echo "== PyTorch: not available (python3 -c 'import torch' failed); skipped"
    export AUDIO_AUG_LAB_TORCH_SKIPPED="skipped: python3 -c 'import torch' failed"
  fi
  limit=280
  case " $* " in *" --quick "*) limit=900 ;; esac
  timeout "${GPU_CHECK_TIMEOUT:-$limit}" "$W/node" "$W/gpu-check.mjs" "$@"
  rc=$?
  [ "$rc" = 124 ] && echo "gpu-check: the node part ran past its limit of ${GPU_CHECK_TIMEOUT:-$limit} s (the lines above are what it finished)"
  echo "gpu-check: exit $rc after $((SECONDS - t0)) s"
  exit $rc
} 2>&1 | tee "$LOG"
exit "${PIPESTATUS[0]}"
