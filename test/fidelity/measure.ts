/**
 * Training-fidelity measurement (issue 13): for each model, backend (wasm,
 * cpu) and path (default = fused layers; stock = AUDIO_AUG_LAB_FUSED=0's
 * stock tfjs layers), three optimizer steps as fit() takes them (the
 * model's registry optimizer, data loss + weight penalties), and at every
 * step, at the weights tfjs has reached:
 *   grad  worst per-tensor gradient error against the float64 reference
 *         (./compare.ts: max |a - ref| over the layer's largest |ref|);
 *         at decisions within 1e-5 of a kink / pool tie the reference may
 *         take the side tfjs took (resolveAmbiguities), and says so
 *   perm  the same measure between tfjs' gradients for the batch and for
 *         the batch with its rows shuffled (mathematically identical)
 *   fwd   worst output error of the training-mode forward
 * and after the steps the inference-mode forward (moving statistics).
 *
 *   npx tsx test/fidelity/measure.ts [--stock-mean] [--backends wasm,cpu]
 *     [--paths default,stock] [--cases wei2018-crnn,...] [--batch 10]
 *     [--width 0.25] [--steps 3] [--seed 7]
 *
 * --stock-mean puts tfjs-backend-wasm's own Mean kernel back (float32
 * accumulation) to show the state before src/backend/kernels/mean.ts.
 * Input sizes: CRNN 124 frames (the paper's 4 s clips), CNN-7 64 x 64
 * images, Mobnet 64 frames (override with --frames).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { displacedKernel } from '../../src/backend/kernels/register.js';
import { installFusedLayers, uninstallFusedLayers } from '../../src/backend/fused/layers.js';
import { nativeStatus } from '../../src/backend/native/index.js';
import { makeOptimizer, trainableVariables } from '../../src/train/optimizers.js';
import { Rng } from '../../src/util/rng.js';
import { CASE_NAMES, fidelityCase, type CaseName } from './cases.js';
import { fmtErr, gradientErrors, permuteRows, referenceGraph, relErr, resolveAmbiguities, tfjsGradients, worst } from './compare.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const stockMean = process.argv.includes('--stock-mean');
const backends = arg('backends', 'wasm,cpu').split(',') as ('wasm' | 'cpu')[];
const paths = arg('paths', 'default,stock').split(',') as ('default' | 'stock')[];
const cases = arg('cases', CASE_NAMES.join(',')).split(',') as CaseName[];
const batch = Number(arg('batch', '10'));
const width = Number(arg('width', '0.25'));
const steps = Number(arg('steps', '3'));
const seed = Number(arg('seed', '7'));
const FRAMES: Record<CaseName, number> = { 'wei2018-crnn': 124, 'mushtaq2020-cnn7': 64, 'hu2020-mobnet': 64 };

await initBackend({ prefer: 'wasm', quiet: true });
if (stockMean) {
  const wasmStockMean = displacedKernel('wasm', tf.Mean);
  if (!wasmStockMean) throw new Error('measure.ts: tfjs-backend-wasm has no Mean kernel to restore');
  tf.unregisterKernel(tf.Mean, 'wasm');
  tf.registerKernel(wasmStockMean);
}
await tf.setBackend('cpu');
(tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;

console.log(`fidelity measurement: wasm Mean ${stockMean ? 'STOCK (float32 accumulation)' : 'audio-aug-lab (float64 accumulation)'}; native kernels: ${nativeStatus().reason}`);
console.log(`batch ${batch}, width ${width}, ${steps} steps, seed ${seed}; errors: gradients max|a-ref| / layer max|ref|, outputs max|a-ref| / max|ref|`);
for (const name of cases) {
  const frames = Number(arg('frames', String(FRAMES[name])));
  const c = fidelityCase(name, { batch, frames, width, seed });
  console.log(`\n${name}: ${c.describe}; optimizer ${JSON.stringify(c.optimizer)}`);
  for (const backend of backends) {
    for (const path of paths) {
      await tf.setBackend(backend);
      if (path === 'stock') uninstallFusedLayers();
      else installFusedLayers();
      const model = c.build();
      const optimizer = makeOptimizer(c.optimizer);
      const vars = trainableVariables(model);
      const rng = new Rng(`perm|${seed}`);
      const parts: string[] = [];
      let worstPerm = 0;
      const t0 = Date.now();
      for (let s = 1; s <= steps; s++) {
        const ref = referenceGraph(model, c);
        const step = tfjsGradients(model, c);
        const perm = rng.shuffle([...Array(batch).keys()]) as number[];
        const permuted = tfjsGradients(model, c, permuteRows(c, perm));
        const res = resolveAmbiguities(step, ref);
        const ge = worst(res.errors);
        const pe = worst(gradientErrors(permuted, ref, step));
        worstPerm = Math.max(worstPerm, pe.err);
        const pred = tf.tidy(() => (model.apply(tf.tensor(c.x, c.xShape), { training: true }) as tf.Tensor).dataSync().slice());
        const fe = relErr(pred, ref.output.value);
        const amb = res.ambiguous ? ` [${res.ambiguous} decisions within 1e-5, ${res.flipped.length} taken the other way: ${res.flipped.map((a) => `${a.kind} ${a.node} margin ${a.margin.toExponential(1)}`).join(', ')}]` : '';
        parts.push(`step ${s}: grad ${fmtErr(ge)}${amb} perm ${pe.err.toExponential(2)} fwd ${fe.err.toExponential(2)} loss ${step.loss.toFixed(5)}`);
        tf.tidy(() => {
          const grads: Record<string, tf.Tensor> = {};
          for (const v of vars) grads[v.name] = tf.tensor(step.grads.get(v.name)!, v.shape);
          optimizer.applyGradients(grads);
        });
      }
      const inf = referenceGraph(model, c, false);
      const out = tf.tidy(() => (model.predict(tf.tensor(c.x, c.xShape)) as tf.Tensor).dataSync().slice());
      const ie = relErr(out, inf.output.value);
      console.log(`  ${backend} ${path} (${((Date.now() - t0) / 1000).toFixed(1)} s): perm worst ${worstPerm.toExponential(2)}, inference fwd ${ie.err.toExponential(2)}`);
      for (const p of parts) console.log(`    ${p}`);
      optimizer.dispose();
      model.dispose();
    }
  }
}
installFusedLayers();
