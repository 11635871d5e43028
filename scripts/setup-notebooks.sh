#!/usr/bin/env bash
# Registers the tslab (TypeScript) Jupyter kernel for this checkout in a
# PROJECT-LOCAL Jupyter path, so notebooks run headless (`npm run notebooks`)
# or in Jupyter with `JUPYTER_PATH=$PWD/.cache/jupyter jupyter lab`.
# Idempotent; nothing outside the repository is touched.
#
#   .cache/jupyter/kernels/tslab/kernel.json   (.cache/ is git-ignored)
#       node --import <tsx loader> --require scripts/notebook-kernel.cjs node_modules/tslab/bin/tslab kernel ...
#       (--import tsx registers tsx's ESM and CommonJS hooks: tslab's cells are
#       CommonJS, and library code that loads modules lazily with import()
#       goes through the ESM loader)
#   notebooks/node_modules/audio-aug-lab -> ../../src   (node_modules/ is git-ignored)
#       lets tslab's TypeScript (node10 module resolution, which ignores
#       package.json "exports") type-check `import ... from 'audio-aug-lab/...'`.
#
# Needs: node_modules installed (npm ci) and, for running notebooks, the
# Debian packages jupyter-nbconvert python3-nbclient jupyter-client
# python3-ipykernel (installed by scripts/setup.sh when run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

NODE_BIN="$(command -v node)"
TSLAB="$ROOT/node_modules/tslab/bin/tslab"
PRELOAD="$ROOT/scripts/notebook-kernel.cjs"
if [ ! -f "$TSLAB" ]; then
  echo "setup-notebooks: $TSLAB not found: run npm ci first" >&2
  exit 1
fi

# tsx's loader as a file URL, so the kernel finds it whatever its working directory.
TSX_LOADER="$("$NODE_BIN" -e 'console.log(require("node:url").pathToFileURL(require.resolve("tsx")).href)')"

KERNEL_DIR="$ROOT/.cache/jupyter/kernels/tslab"
mkdir -p "$KERNEL_DIR"
"$NODE_BIN" -e '
const [node, preload, tslab, out, tsx] = process.argv.slice(1);
const spec = {
  argv: [node, "--import", tsx, "--require", preload, tslab, "kernel", "--config-path", "{connection_file}"],
  display_name: "TypeScript (audio-aug-lab)",
  language: "typescript",
};
require("node:fs").writeFileSync(out, JSON.stringify(spec, null, 2) + "\n");
' "$NODE_BIN" "$PRELOAD" "$TSLAB" "$KERNEL_DIR/kernel.json.tmp" "$TSX_LOADER"
mv "$KERNEL_DIR/kernel.json.tmp" "$KERNEL_DIR/kernel.json"

mkdir -p "$ROOT/notebooks/node_modules"
ln -sfn ../../src "$ROOT/notebooks/node_modules/audio-aug-lab"

PY="${NOTEBOOK_PYTHON:-/usr/bin/python3}"
if ! "$PY" -c 'import nbclient, nbconvert, jupyter_client, ipykernel' >/dev/null 2>&1; then
  echo "setup-notebooks: kernel registered, but $PY lacks Jupyter; install the Debian packages:" >&2
  echo "  apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel" >&2
  exit 1
fi
echo "setup-notebooks: tslab kernel registered in $ROOT/.cache/jupyter (node $("$NODE_BIN" --version), $PY)"
