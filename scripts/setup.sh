#!/usr/bin/env bash
# One-line set-up for a fresh clone: `bash scripts/setup.sh`.
# Installs the Debian packages the project uses (when run as root with apt),
# then the npm packages from package-lock.json.
#   python3-numpy   bench/features.ts compares against numpy in the same run
#   python3-scipy   regenerates the TAA reference values (scripts/ref_taa.py)
#   jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel
#                   run the tslab notebooks headless (npm run notebooks)
#   build-essential libopenblas-dev
#                   build the optional native kernels (src/backend/native:
#                   convolutions through OpenBLAS, fused batch norm / GRU /
#                   pooling loops). `npm ci` builds them through the package's
#                   install script when these are present and skips them
#                   cleanly when not; measured on the wei2018 CRNN (batch 44,
#                   2 cores, bench/train.ts) they take training from ~11 to
#                   ~60 samples/s.
#   libegl1         EGL loader: the optional webgpu backend's OpenGL ES route (Dawn over EGL)
#   libegl-mesa0    Mesa's EGL driver: gives that route a software adapter (llvmpipe)
#                   where there is no GPU, so the webgpu tests run (never chosen automatically)
#   libgl1-mesa-dri Mesa's llvmpipe driver itself
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(python3-numpy python3-scipy jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel build-essential libopenblas-dev libegl1 libegl-mesa0 libgl1-mesa-dri)

if [ "${SKIP_APT:-0}" != "1" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: apt-get install ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "setup: skipping apt packages (not root, no apt-get, or SKIP_APT=1): ${APT_PACKAGES[*]}"
fi

# tfjs-node is optional: its install script downloads libtensorflow, which
# fails on machines without that download; npm ci then goes on without it and
# the library falls back to tfjs-wasm (see README, "Substitutions").
npm ci --no-audit --no-fund
# Register the tslab kernel in a project-local Jupyter path (.cache/jupyter).
bash scripts/setup-notebooks.sh || echo "setup: notebooks kernel not registered (Jupyter missing; see above)"
echo "setup: done"
