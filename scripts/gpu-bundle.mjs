#!/usr/bin/env node
/**
 * npm run gpu-bundle: builds build/gpu-bundle/ (ignored), everything
 * bench/gpu-check.sh needs on a GPU machine that has no Node, no npm and no
 * network (only the repository's working tree and named ignored folders
 * travel there, 64 MiB in all). Must stay under 40 MiB:
 *   node.xz              this machine's Node binary (xz)
 *   gpu-check.mjs        esbuild bundle of bench/gpu-check.ts (tfjs, the webgpu
 *                        backend, our kernels, the models, the references)
 *   dawn.node.xz         Dawn's Node module from the `webgpu` package (xz)
 *   wasm/*.wasm          tfjs-backend-wasm binaries (the CPU path)
 *   sysroot/             Vulkan / EGL / GL loader libraries from Debian packages
 *                        (apt-get download + dpkg -x): libvulkan1 libegl1
 *                        libglvnd0 libopengl0 libgl1 libglx0 libgles2
 *   versions.env         package versions the bundle cannot look up
 *
 * `npm run gpu-bundle -- --js` rebuilds only gpu-check.mjs in an existing
 * bundle (compressing Node takes minutes on a busy machine).
 *
 * The bundle must hold exactly one copy of tfjs-core's module (its engine
 * and kernel registry): the script reads esbuild's metafile and fails if a
 * second tfjs-core file (an ESM `dist/index.js` tree beside the CommonJS
 * `dist/tf-core.node.js`, or a nested copy) got in. tfjs-layers' and
 * tfjs-converter's node builds carry private copies of some core classes, as
 * they do under plain Node; they share the one engine through the global
 * namespace.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');
const OUT = join(ROOT, 'build/gpu-bundle');
const LIMIT = 40 * 2 ** 20;
const DEBS = ['libvulkan1', 'libegl1', 'libglvnd0', 'libopengl0', 'libgl1', 'libglx0', 'libgles2'];
const require = createRequire(join(ROOT, 'package.json'));

function step(what, f) {
  const t0 = Date.now();
  try {
    f();
  } catch (e) {
    console.error(`gpu-bundle: ${what} failed: ${e instanceof Error ? e.message.split('\n')[0] : e}`);
    process.exit(1);
  }
  console.log(`gpu-bundle: ${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

const pkgDir = (name) => dirname(require.resolve(`${name}/package.json`));
const xz = (src, dst) => writeFileSync(dst, execFileSync('xz', ['-T0', '-6', '-c', src], { maxBuffer: 1 << 30 }));

const jsOnly = process.argv.includes('--js');
if (jsOnly && !existsSync(join(OUT, 'node.xz'))) {
  console.error(`gpu-bundle: --js needs an existing bundle in ${OUT}; run without --js first`);
  process.exit(2);
}
if (!jsOnly) rmSync(OUT, { recursive: true, force: true });
mkdirSync(join(OUT, 'wasm'), { recursive: true });
const META = join(tmpdir(), `aal-gpu-bundle-meta-${process.pid}.json`);
step('bundle bench/gpu-check.ts with esbuild', () => {
  execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [
    join(ROOT, 'bench/gpu-check.ts'),
    '--bundle', '--platform=node', '--format=esm', '--target=node20', '--log-level=warning',
    // The packages' CommonJS entries, as Node resolves them (none of the
    // tfjs packages has an "exports" map), so every package shares one tfjs-core.
    '--main-fields=main',
    `--outfile=${join(OUT, 'gpu-check.mjs')}`,
    `--metafile=${META}`,
    // CommonJS packages inside an ES module bundle call require() and read
    // __dirname / __filename (tfjs-backend-wasm's Emscripten loader does).
    '--banner:js=' +
      "import { createRequire as __aalRequire } from 'node:module'; import { dirname as __aalDirname } from 'node:path'; " +
      "import { fileURLToPath as __aalPath } from 'node:url'; const require = __aalRequire(import.meta.url); " +
      'const __filename = __aalPath(import.meta.url); const __dirname = __aalDirname(__filename);',
  ], { stdio: 'inherit' });
  const inputs = Object.keys(JSON.parse(readFileSync(META, 'utf8')).inputs);
  rmSync(META, { force: true });
  const core = inputs.filter((p) => /(^|\/)@tensorflow\/tfjs-core\//.test(p));
  if (core.length !== 1) throw new Error(`expected one tfjs-core file in the bundle, found ${core.length}: ${core.slice(0, 5).join(', ')}`);
});
if (jsOnly) {
  console.log(`gpu-bundle: rebuilt ${join(OUT, 'gpu-check.mjs')} only`);
  process.exit(0);
}
step('compress Node ' + process.version, () => xz(process.execPath, join(OUT, 'node.xz')));
step('compress dawn.node (webgpu package)', () => xz(join(pkgDir('webgpu'), 'dist/linux-x64/dawn.node'), join(OUT, 'dawn.node.xz')));
step('copy the tfjs-backend-wasm binaries', () => {
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) copyFileSync(join(pkgDir('@tensorflow/tfjs-backend-wasm'), 'dist', f), join(OUT, 'wasm', f));
});
step(`fetch and unpack ${DEBS.join(' ')}`, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'aal-debs-'));
  try {
    execFileSync('apt-get', ['download', ...DEBS], { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] });
    for (const deb of readdirSync(tmp).filter((f) => f.endsWith('.deb'))) execFileSync('dpkg', ['-x', join(tmp, deb), join(OUT, 'sysroot')]);
    rmSync(join(OUT, 'sysroot/usr/share'), { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
writeFileSync(
  join(OUT, 'versions.env'),
  `AUDIO_AUG_LAB_WEBGPU_VERSION=${JSON.parse(readFileSync(join(pkgDir('webgpu'), 'package.json'), 'utf8')).version}\n` +
    `AUDIO_AUG_LAB_TFJS_WEBGPU_VERSION=${JSON.parse(readFileSync(join(pkgDir('@tensorflow/tfjs-backend-webgpu'), 'package.json'), 'utf8')).version}\n`,
);
let total = 0;
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.isFile()) total += statSync(p).size;
  }
};
walk(OUT);
console.log(`gpu-bundle: ${OUT} holds ${(total / 2 ** 20).toFixed(1)} MiB (limit 40 MiB)`);
if (total > LIMIT) {
  console.error('gpu-bundle: over the 40 MiB limit');
  process.exit(1);
}
