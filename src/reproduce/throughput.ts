/**
 * A quick measurement of the ACTIVE backend's training throughput, for the
 * plan's wall-time estimates: forward + backward of a 3x3 convolution layer
 * (64x64 maps, 32 -> 32 channels), timed over about `seconds`, as effective
 * GFLOP/s (2 FLOPs per multiply-add; forward x 3 for training).
 *
 * Results are read with `await data()`, never dataSync: webgpu has no
 * synchronous read in Node, and an asynchronous read waits for the GPU's
 * queue, so the time includes the work, not only its submission.
 *
 * On a GPU a small batch is launch-bound and would understate what it does
 * with a real batch: there the batch starts at 2 and doubles (up to 128, and
 * never past a quarter of the device's storage-binding limit) until one step
 * takes at least 50 ms (a software adapter such as llvmpipe stays at 2). On
 * the CPU backends it is 8 (one thread's rate; the plan divides by the
 * parallel jobs). At least 2 steps are timed after a warm-up.
 */
import * as tf from '@tensorflow/tfjs';

export interface ThroughputProbe {
  /** Effective GFLOP/s of the probe layer's forward + backward. */
  gflops: number;
  /** The tfjs backend the probe ran on (tf.getBackend()). */
  backend: string;
  /** The probe's batch (grown on a GPU, see the header). */
  batch: number;
  /** Timed steps and their seconds (after one warm-up step). */
  steps: number;
  seconds: number;
}

const [H, W, CIN, COUT] = [64, 64, 32, 32];
const GPU_BACKENDS = new Set(['webgpu', 'webgl']);

/** FLOPs of one probe training step at `batch`. */
export function probeFlops(batch: number): number {
  return 3 * 2 * batch * H * W * CIN * COUT * 9;
}

/** One step's tensors, each read with await data(). */
async function step(x: tf.Tensor4D, k: tf.Variable): Promise<void> {
  const g = tf.tidy(() => tf.grads((xx: tf.Tensor, kk: tf.Tensor) => tf.sum(tf.conv2d(xx as tf.Tensor4D, kk as tf.Tensor4D, 1, 'same')))([x, k]));
  try {
    await Promise.all(g.map((t) => t.data()));
  } finally {
    tf.dispose(g);
  }
}

/**
 * Measures the probe on the active backend. `gpu` says whether it computes
 * on a GPU (default: webgpu or webgl; tfjs-node-gpu's backend is named
 * 'tensorflow' like the CPU one, so say it). `maxBindingBytes` (webgpu: the
 * adapter's maxStorageBufferBindingSize) bounds the grown batch.
 */
export async function measureThroughput(seconds = 1, opts: { gpu?: boolean; maxBindingBytes?: number } = {}): Promise<ThroughputProbe> {
  const backend = tf.getBackend();
  const gpu = opts.gpu ?? GPU_BACKENDS.has(backend);
  const perSampleBytes = H * W * CIN * 4;
  const maxBatch = gpu ? Math.max(2, Math.min(128, Math.floor((opts.maxBindingBytes ?? 2 ** 31) / 4 / perSampleBytes))) : 8;
  const k = tf.variable(tf.randomNormal([3, 3, CIN, COUT], 0, 0.1, 'float32', 2));
  let batch = gpu ? 2 : 8;
  let x = tf.randomNormal([batch, H, W, CIN], 0, 1, 'float32', 1) as tf.Tensor4D;
  try {
    await step(x, k); // warm-up (kernel compilation, allocation)
    let steps = 0;
    let t0 = performance.now();
    for (;;) {
      const t = performance.now();
      await step(x, k);
      steps++;
      // a GPU step under 50 ms is launch-bound: double the batch (a new warm-up) and start over
      if (gpu && steps === 1 && performance.now() - t < 50 && batch * 2 <= maxBatch) {
        batch *= 2;
        x.dispose();
        x = tf.randomNormal([batch, H, W, CIN], 0, 1, 'float32', 1) as tf.Tensor4D;
        await step(x, k);
        steps = 0;
        t0 = performance.now();
        continue;
      }
      if (performance.now() - t0 >= seconds * 1000 && steps >= 2) break;
    }
    const elapsed = (performance.now() - t0) / 1000;
    return { gflops: (probeFlops(batch) * steps) / elapsed / 1e9, backend, batch, steps, seconds: elapsed };
  } finally {
    x.dispose();
    k.dispose();
  }
}

/** The probe's effective GFLOP/s on the active backend (measureThroughput's `gflops`). */
export async function measureConvGflops(seconds = 1): Promise<number> {
  return (await measureThroughput(seconds)).gflops;
}
