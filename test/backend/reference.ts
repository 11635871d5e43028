/**
 * Plain-loop reference implementations (float64 accumulation, NHWC):
 * - the convolutions and pools whose gradients src/backend/kernels/
 *   replaces (conv2dRef, depthwiseRef, poolRef: forward and gradients in
 *   one call, for test/backend/);
 * - forward / backward pairs of every layer the paper models use, written
 *   from their defining equations (conv, depthwise conv, max / global
 *   average pool, batch norm in training and inference mode, element-wise
 *   activations incl. relu6 and hardSigmoid, softmax, dense, the Keras GRU,
 *   wei2018's attention pooling, the cross-entropy losses), for the float64
 *   model reference of test/fidelity/ (each backward is checked against
 *   central differences in test/fidelity/reference-ops.test.ts).
 * Padding follows TensorFlow's definition, written out here independently
 * of tfjs: 'same' -> out = ceil(in / s), total pad max((out-1)s + f - in, 0),
 * top = floor(total / 2); 'valid' -> out = ceil((in - f + 1) / s).
 */

export type PadSpec = 'same' | 'valid' | [[number, number], [number, number]];

export interface Geom {
  n: number;
  h: number;
  w: number;
  c: number;
  fh: number;
  fw: number;
  sh: number;
  sw: number;
  ho: number;
  wo: number;
  top: number;
  left: number;
}

function axis(size: number, f: number, s: number, pad: 'same' | 'valid' | [number, number]): [number, number] {
  if (pad === 'same') {
    const out = Math.ceil(size / s);
    const total = Math.max((out - 1) * s + f - size, 0);
    return [out, Math.floor(total / 2)];
  }
  if (pad === 'valid') return [Math.ceil((size - f + 1) / s), 0];
  return [Math.floor((size + pad[0] + pad[1] - f) / s) + 1, pad[0]];
}

export function geom(xShape: number[], fh: number, fw: number, strides: [number, number], pad: PadSpec): Geom {
  const [n, h, w, c] = xShape;
  const [sh, sw] = strides;
  const [ho, top] = axis(h, fh, sh, pad === 'same' || pad === 'valid' ? pad : pad[0]);
  const [wo, left] = axis(w, fw, sw, pad === 'same' || pad === 'valid' ? pad : pad[1]);
  return { n, h, w, c, fh, fw, sh, sw, ho, wo, top, left };
}

/**
 * Visits every (output position, tap) pair whose input position is inside
 * the image: cb(xIndexWithoutChannel, outIndexWithoutChannel, tapIndex).
 */
function forEachTap(g: Geom, cb: (xBase: number, oBase: number, tap: number) => void): void {
  for (let b = 0; b < g.n; b++)
    for (let p = 0; p < g.ho; p++)
      for (let q = 0; q < g.wo; q++)
        for (let i = 0; i < g.fh; i++) {
          const y = p * g.sh + i - g.top;
          if (y < 0 || y >= g.h) continue;
          for (let j = 0; j < g.fw; j++) {
            const x = q * g.sw + j - g.left;
            if (x < 0 || x >= g.w) continue;
            cb((b * g.h + y) * g.w + x, (b * g.ho + p) * g.wo + q, i * g.fw + j);
          }
        }
}

/** conv2d: y, dL/dx, dL/dW for filter [fh, fw, c, o] and upstream dy [n, ho, wo, o]. */
export function conv2dRef(x: Float32Array, wt: Float32Array, dy: Float32Array, g: Geom, o: number) {
  const y = new Float64Array(g.n * g.ho * g.wo * o);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(wt.length);
  forEachTap(g, (xb, ob, tap) => {
    for (let c = 0; c < g.c; c++) {
      const xv = x[xb * g.c + c];
      for (let k = 0; k < o; k++) {
        const wi = (tap * g.c + c) * o + k;
        const dyv = dy[ob * o + k];
        y[ob * o + k] += xv * wt[wi];
        dw[wi] += xv * dyv;
        dx[xb * g.c + c] += wt[wi] * dyv;
      }
    }
  });
  return { y, dx, dw };
}

/** depthwiseConv2d: y, dL/dx, dL/dW for filter [fh, fw, c, m], dy [n, ho, wo, c*m]. */
export function depthwiseRef(x: Float32Array, wt: Float32Array, dy: Float32Array, g: Geom, m: number) {
  const oc = g.c * m;
  const y = new Float64Array(g.n * g.ho * g.wo * oc);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(wt.length);
  forEachTap(g, (xb, ob, tap) => {
    for (let c = 0; c < g.c; c++) {
      const xv = x[xb * g.c + c];
      for (let k = 0; k < m; k++) {
        const wi = (tap * g.c + c) * m + k;
        const oi = ob * oc + c * m + k;
        y[oi] += xv * wt[wi];
        dw[wi] += xv * dy[oi];
        dx[xb * g.c + c] += wt[wi] * dy[oi];
      }
    }
  });
  return { y, dx, dw };
}

/**
 * Max / average pool (TensorFlow semantics: padding never wins a max and is
 * not counted in an average) and the input gradient for upstream dy. The
 * max gradient goes to the first maximum of the window in row-major order.
 */
export function poolRef(kind: 'max' | 'avg', x: Float32Array, dy: Float32Array, g: Geom) {
  const C = g.c;
  const y = new Float64Array(g.n * g.ho * g.wo * C);
  const dx = new Float64Array(x.length);
  for (let b = 0; b < g.n; b++)
    for (let p = 0; p < g.ho; p++)
      for (let q = 0; q < g.wo; q++)
        for (let c = 0; c < C; c++) {
          const oi = ((b * g.ho + p) * g.wo + q) * C + c;
          let best = -Infinity;
          let arg = -1;
          let sum = 0;
          const cells: number[] = [];
          for (let i = 0; i < g.fh; i++) {
            const yy = p * g.sh + i - g.top;
            if (yy < 0 || yy >= g.h) continue;
            for (let j = 0; j < g.fw; j++) {
              const xx = q * g.sw + j - g.left;
              if (xx < 0 || xx >= g.w) continue;
              const xi = ((b * g.h + yy) * g.w + xx) * C + c;
              cells.push(xi);
              sum += x[xi];
              if (arg < 0 || x[xi] > best) {
                best = x[xi];
                arg = xi;
              }
            }
          }
          if (kind === 'max') {
            y[oi] = best;
            dx[arg] += dy[oi];
          } else {
            y[oi] = sum / cells.length;
            for (const xi of cells) dx[xi] += dy[oi] / cells.length;
          }
        }
  return { y, dx };
}

// ---------------------------------------------------------------------------
// Float64 forward / backward pairs for the model-level fidelity tests
// (test/fidelity/). Each is written from the layer's defining equations
// (quoted above the function), not from the tfjs code; inputs may be float32
// or float64, results are float64. Layouts: NHWC for images, [rows, C] with
// the channel last for everything else, [batch, time, features] for
// sequences.
// ---------------------------------------------------------------------------

export type Arr = ArrayLike<number>;

/** y[b,p,q,k] = bias[k] + sum_{i,j,c} x[b, p*sh+i-top, q*sw+j-left, c] * w[i,j,c,k] (zero outside the image). */
export function conv2dForward(x: Arr, w: Arr, bias: Arr | null, g: Geom, o: number): Float64Array {
  const y = new Float64Array(g.n * g.ho * g.wo * o);
  if (bias) for (let p = 0; p < y.length; p += o) for (let k = 0; k < o; k++) y[p + k] = bias[k];
  forEachTap(g, (xb, ob, tap) => {
    const yo = ob * o;
    for (let c = 0; c < g.c; c++) {
      const xv = x[xb * g.c + c];
      const wo = (tap * g.c + c) * o;
      for (let k = 0; k < o; k++) y[yo + k] += xv * w[wo + k];
    }
  });
  return y;
}

/** Gradients of conv2dForward for upstream dy: dx, dw and (sum of dy per output channel) db. */
export function conv2dBackward(x: Arr, w: Arr, dy: Arr, g: Geom, o: number) {
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  const db = new Float64Array(o);
  for (let p = 0; p < dy.length; p += o) for (let k = 0; k < o; k++) db[k] += dy[p + k];
  forEachTap(g, (xb, ob, tap) => {
    const yo = ob * o;
    for (let c = 0; c < g.c; c++) {
      const xv = x[xb * g.c + c];
      const wo = (tap * g.c + c) * o;
      let s = 0;
      for (let k = 0; k < o; k++) {
        const d = dy[yo + k];
        dw[wo + k] += xv * d;
        s += w[wo + k] * d;
      }
      dx[xb * g.c + c] += s;
    }
  });
  return { dx, dw, db };
}

/** Depthwise: y[b,p,q,c*m+k] = bias[c*m+k] + sum_{i,j} x[b, p*sh+i-top, q*sw+j-left, c] * w[i,j,c,k]. */
export function depthwiseForward(x: Arr, w: Arr, bias: Arr | null, g: Geom, m: number): Float64Array {
  const oc = g.c * m;
  const y = new Float64Array(g.n * g.ho * g.wo * oc);
  if (bias) for (let p = 0; p < y.length; p += oc) for (let k = 0; k < oc; k++) y[p + k] = bias[k];
  forEachTap(g, (xb, ob, tap) => {
    for (let c = 0; c < g.c; c++) {
      const xv = x[xb * g.c + c];
      for (let k = 0; k < m; k++) y[ob * oc + c * m + k] += xv * w[(tap * g.c + c) * m + k];
    }
  });
  return y;
}

/** Gradients of depthwiseForward: dx, dw, db. */
export function depthwiseBackward(x: Arr, w: Arr, dy: Arr, g: Geom, m: number) {
  const oc = g.c * m;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  const db = new Float64Array(oc);
  for (let p = 0; p < dy.length; p += oc) for (let k = 0; k < oc; k++) db[k] += dy[p + k];
  forEachTap(g, (xb, ob, tap) => {
    for (let c = 0; c < g.c; c++) {
      const xv = x[xb * g.c + c];
      for (let k = 0; k < m; k++) {
        const wi = (tap * g.c + c) * m + k;
        const d = dy[ob * oc + c * m + k];
        dw[wi] += xv * d;
        dx[xb * g.c + c] += w[wi] * d;
      }
    }
  });
  return { dx, dw, db };
}

/**
 * Max pool (TensorFlow semantics: padding never wins; the gradient goes to
 * the FIRST maximum in row-major window order). Returns y, the winning
 * input index per output, `minGap`: the smallest (max - runner-up) /
 * max(1, |max|) over windows whose runner-up differs from the max, and
 * `near`: the windows with such a gap below `tau`, with the runner-up's
 * index. Exact ties of equal values are not counted: both precisions break
 * them alike, and where the tied values are the same function of the
 * weights (identical receptive fields) the routing does not change any
 * weight gradient. A float32 forward may route a window differently when
 * its gap is below float32 noise.
 */
export function maxPoolForward(x: Arr, g: Geom, tau = 0) {
  const C = g.c;
  const y = new Float64Array(g.n * g.ho * g.wo * C);
  const arg = new Int32Array(y.length);
  const near: { out: number; alt: number; margin: number }[] = [];
  let minGap = Infinity;
  for (let b = 0; b < g.n; b++)
    for (let p = 0; p < g.ho; p++)
      for (let q = 0; q < g.wo; q++)
        for (let c = 0; c < C; c++) {
          const oi = ((b * g.ho + p) * g.wo + q) * C + c;
          let best = -Infinity;
          let second = -Infinity;
          let at = -1;
          let alt = -1;
          for (let i = 0; i < g.fh; i++) {
            const yy = p * g.sh + i - g.top;
            if (yy < 0 || yy >= g.h) continue;
            for (let j = 0; j < g.fw; j++) {
              const xx = q * g.sw + j - g.left;
              if (xx < 0 || xx >= g.w) continue;
              const xi = ((b * g.h + yy) * g.w + xx) * C + c;
              const v = x[xi];
              if (at < 0 || v > best) {
                if (at >= 0 && best !== v) {
                  second = best;
                  alt = at;
                }
                best = v;
                at = xi;
              } else if (v !== best && v > second) {
                second = v;
                alt = xi;
              }
            }
          }
          y[oi] = best;
          arg[oi] = at;
          if (alt >= 0) {
            const gap = (best - second) / Math.max(1, Math.abs(best));
            minGap = Math.min(minGap, gap);
            if (gap < tau) near.push({ out: oi, alt, margin: gap });
          }
        }
  return { y, arg, minGap, near };
}

/** Scatter of dy to the winners recorded by maxPoolForward. */
export function maxPoolBackward(arg: Int32Array, dy: Arr, xLength: number): Float64Array {
  const dx = new Float64Array(xLength);
  for (let i = 0; i < arg.length; i++) dx[arg[i]] += dy[i];
  return dx;
}

/** Mean over the spatial axes of NHWC [n, h, w, c] -> [n, c]. */
export function globalAvgPoolForward(x: Arr, n: number, hw: number, c: number): Float64Array {
  const y = new Float64Array(n * c);
  for (let b = 0; b < n; b++) for (let s = 0; s < hw; s++) for (let k = 0; k < c; k++) y[b * c + k] += x[(b * hw + s) * c + k];
  for (let i = 0; i < y.length; i++) y[i] /= hw;
  return y;
}

export function globalAvgPoolBackward(dy: Arr, n: number, hw: number, c: number): Float64Array {
  const dx = new Float64Array(n * hw * c);
  for (let b = 0; b < n; b++) for (let s = 0; s < hw; s++) for (let k = 0; k < c; k++) dx[(b * hw + s) * c + k] = dy[b * c + k] / hw;
  return dx;
}

/**
 * Batch normalisation in training mode over all rows of x [rows, C]
 * (Ioffe & Szegedy 2015, Alg. 1, with Keras' biased batch variance):
 *   mean_c = (1/N) sum_r x[r,c],  var_c = (1/N) sum_r (x[r,c] - mean_c)^2  (two passes)
 *   xhat = (x - mean) / sqrt(var + eps),  y = gamma * xhat + beta
 * gamma / beta null: 1 / 0 (Keras scale=False / center=False).
 */
export function batchNormTrainForward(x: Arr, C: number, gamma: Arr | null, beta: Arr | null, eps: number) {
  const rows = x.length / C;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) mean[c] += x[r * C + c];
  for (let c = 0; c < C; c++) mean[c] /= rows;
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) variance[c] += (x[r * C + c] - mean[c]) ** 2;
  for (let c = 0; c < C; c++) variance[c] /= rows;
  const invStd = variance.map((v) => 1 / Math.sqrt(v + eps));
  const xhat = new Float64Array(x.length);
  const y = new Float64Array(x.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      xhat[i] = (x[i] - mean[c]) * invStd[c];
      y[i] = (gamma ? gamma[c] : 1) * xhat[i] + (beta ? beta[c] : 0);
    }
  return { y, mean, variance, invStd, xhat };
}

/**
 * Gradient of batchNormTrainForward through the batch statistics:
 *   dbeta = sum_r dy,  dgamma = sum_r dy * xhat,
 *   dx = gamma * invStd / N * (N dy - dbeta - xhat * dgamma).
 */
export function batchNormTrainBackward(dy: Arr, xhat: Arr, invStd: Arr, gamma: Arr | null, C: number) {
  const rows = dy.length / C;
  const dbeta = new Float64Array(C);
  const dgamma = new Float64Array(C);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < C; c++) {
      dbeta[c] += dy[r * C + c];
      dgamma[c] += dy[r * C + c] * xhat[r * C + c];
    }
  const dx = new Float64Array(dy.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      dx[i] = (((gamma ? gamma[c] : 1) * invStd[c]) / rows) * (rows * dy[i] - dbeta[c] - xhat[i] * dgamma[c]);
    }
  return { dx, dgamma, dbeta };
}

/** Inference mode: y = gamma * (x - movingMean) / sqrt(movingVariance + eps) + beta. */
export function batchNormInferForward(x: Arr, C: number, movingMean: Arr, movingVariance: Arr, gamma: Arr | null, beta: Arr | null, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % C;
    y[i] = ((gamma ? gamma[c] : 1) * (x[i] - movingMean[c])) / Math.sqrt(movingVariance[c] + eps) + (beta ? beta[c] : 0);
  }
  return y;
}

/** Gradient of batchNormInferForward (statistics are constants): dx, dgamma, dbeta. */
export function batchNormInferBackward(dy: Arr, x: Arr, C: number, movingMean: Arr, movingVariance: Arr, gamma: Arr | null, eps: number) {
  const dx = new Float64Array(x.length);
  const dgamma = new Float64Array(C);
  const dbeta = new Float64Array(C);
  for (let i = 0; i < x.length; i++) {
    const c = i % C;
    const inv = 1 / Math.sqrt(movingVariance[c] + eps);
    dx[i] = dy[i] * (gamma ? gamma[c] : 1) * inv;
    dgamma[c] += dy[i] * (x[i] - movingMean[c]) * inv;
    dbeta[c] += dy[i];
  }
  return { dx, dgamma, dbeta };
}

/**
 * Element-wise activations (Keras definitions):
 *   linear x; relu max(x, 0); relu6 min(max(x, 0), 6);
 *   elu x > 0 ? x : alpha (e^x - 1); sigmoid 1 / (1 + e^-x); tanh;
 *   hardSigmoid clip(0.2 x + 0.5, 0, 1) (Keras 2 / tfjs).
 */
export type ElementwiseActivation = 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid' | 'tanh' | 'hardSigmoid';

export function activation(name: ElementwiseActivation, v: number, alpha = 1): number {
  switch (name) {
    case 'linear':
      return v;
    case 'relu':
      return v > 0 ? v : 0;
    case 'relu6':
      return v > 0 ? (v < 6 ? v : 6) : 0;
    case 'elu':
      return v > 0 ? v : alpha * Math.expm1(v);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'tanh':
      return Math.tanh(v);
    case 'hardSigmoid':
      return Math.min(1, Math.max(0, 0.2 * v + 0.5));
  }
}

/**
 * Derivative at pre-activation v. At the kinks (relu/relu6 at 0 and 6,
 * hardSigmoid at +-2.5), which a float64 input meets with probability 0,
 * the one-sided value TensorFlow uses: relu' 0 at 0; relu6' 1 inside (0, 6);
 * hardSigmoid' 0.2 on the closed interval [-2.5, 2.5].
 */
export function activationDerivative(name: ElementwiseActivation, v: number, alpha = 1): number {
  switch (name) {
    case 'linear':
      return 1;
    case 'relu':
      return v > 0 ? 1 : 0;
    case 'relu6':
      return v > 0 && v < 6 ? 1 : 0;
    case 'elu':
      return v > 0 ? 1 : alpha * Math.exp(v);
    case 'sigmoid': {
      const s = 1 / (1 + Math.exp(-v));
      return s * (1 - s);
    }
    case 'tanh': {
      const t = Math.tanh(v);
      return 1 - t * t;
    }
    case 'hardSigmoid': {
      const a = 0.2 * v + 0.5;
      return a >= 0 && a <= 1 ? 0.2 : 0;
    }
  }
}

/** Distance of the nearest pre-activation to a kink of `name` (Infinity for smooth ones). */
export function kinkDistance(name: ElementwiseActivation, x: Arr): number {
  const kinks = name === 'relu' ? [0] : name === 'relu6' ? [0, 6] : name === 'hardSigmoid' ? [-2.5, 2.5] : [];
  let d = Infinity;
  for (const k of kinks) for (let i = 0; i < x.length; i++) d = Math.min(d, Math.abs(x[i] - k));
  return d;
}

/** Softmax over the last axis (size C): p = e^(z - max) / sum e^(z - max). */
export function softmaxForward(z: Arr, C: number): Float64Array {
  const p = new Float64Array(z.length);
  for (let r = 0; r < z.length; r += C) {
    let m = -Infinity;
    for (let k = 0; k < C; k++) m = Math.max(m, z[r + k]);
    let s = 0;
    for (let k = 0; k < C; k++) s += p[r + k] = Math.exp(z[r + k] - m);
    for (let k = 0; k < C; k++) p[r + k] /= s;
  }
  return p;
}

/** dz = p * (dp - sum_k dp_k p_k) per row. */
export function softmaxBackward(p: Arr, dp: Arr, C: number): Float64Array {
  const dz = new Float64Array(p.length);
  for (let r = 0; r < p.length; r += C) {
    let s = 0;
    for (let k = 0; k < C; k++) s += dp[r + k] * p[r + k];
    for (let k = 0; k < C; k++) dz[r + k] = p[r + k] * (dp[r + k] - s);
  }
  return dz;
}

/** Dense on the last axis: y[r, :] = x[r, :] W + b, W [nIn, nOut]. */
export function denseForward(x: Arr, w: Arr, b: Arr | null, nIn: number, nOut: number): Float64Array {
  const rows = x.length / nIn;
  const y = new Float64Array(rows * nOut);
  for (let r = 0; r < rows; r++) {
    const yo = r * nOut;
    if (b) for (let k = 0; k < nOut; k++) y[yo + k] = b[k];
    for (let i = 0; i < nIn; i++) {
      const xv = x[r * nIn + i];
      for (let k = 0; k < nOut; k++) y[yo + k] += xv * w[i * nOut + k];
    }
  }
  return y;
}

export function denseBackward(x: Arr, w: Arr, dy: Arr, nIn: number, nOut: number) {
  const rows = x.length / nIn;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  const db = new Float64Array(nOut);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < nIn; i++) {
      const xv = x[r * nIn + i];
      let s = 0;
      for (let k = 0; k < nOut; k++) {
        const d = dy[r * nOut + k];
        dw[i * nOut + k] += xv * d;
        s += w[i * nOut + k] * d;
      }
      dx[r * nIn + i] = s;
    }
  for (let r = 0; r < rows; r++) for (let k = 0; k < nOut; k++) db[k] += dy[r * nOut + k];
  return { dx, dw, db };
}

export interface GruRefSpec {
  units: number;
  activation: ElementwiseActivation;
  recurrentActivation: ElementwiseActivation;
  /** Process the sequence from the last step; outputs stay in processing order (Keras go_backwards). */
  goBackwards: boolean;
}

/**
 * Keras 2 GRU with reset_after = False (Cho et al. 2014 with the reset gate
 * applied before the recurrent product), kernels [D, 3U] / [U, 3U] with
 * column blocks (z, r, h), bias [3U], h_0 = 0:
 *   z_t = ract(x_t Wz + h_{t-1} Uz + bz)
 *   r_t = ract(x_t Wr + h_{t-1} Ur + br)
 *   hh_t = act(x_t Wh + (r_t * h_{t-1}) Uh + bh)
 *   h_t = z_t * h_{t-1} + (1 - z_t) * hh_t
 * x [B, T, D]; returns all h_t [B, T, U] in processing order, and what the
 * backward pass needs.
 */
export function gruForward(x: Arr, B: number, T: number, D: number, w: Arr, u: Arr, bias: Arr | null, spec: GruRefSpec) {
  const U = spec.units;
  const U3 = 3 * U;
  const hs = new Float64Array(B * (T + 1) * U); // h_{s} for s = 0..T (processing order), h_0 = 0
  const az = new Float64Array(B * T * U);
  const ar = new Float64Array(B * T * U);
  const ah = new Float64Array(B * T * U);
  const out = new Float64Array(B * T * U);
  const xin = new Float64Array(U3);
  const rh = new Float64Array(U);
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < T; s++) {
      const t = spec.goBackwards ? T - 1 - s : s;
      const hp = (b * (T + 1) + s) * U;
      const hn = hp + U;
      for (let k = 0; k < U3; k++) xin[k] = bias ? bias[k] : 0;
      for (let i = 0; i < D; i++) {
        const xv = x[(b * T + t) * D + i];
        for (let k = 0; k < U3; k++) xin[k] += xv * w[i * U3 + k];
      }
      const o = (b * T + s) * U;
      for (let k = 0; k < U; k++) {
        let sz = xin[k];
        let sr = xin[U + k];
        for (let j = 0; j < U; j++) {
          sz += hs[hp + j] * u[j * U3 + k];
          sr += hs[hp + j] * u[j * U3 + U + k];
        }
        az[o + k] = sz;
        ar[o + k] = sr;
      }
      for (let j = 0; j < U; j++) rh[j] = activation(spec.recurrentActivation, ar[o + j]) * hs[hp + j];
      for (let k = 0; k < U; k++) {
        let sh = xin[2 * U + k];
        for (let j = 0; j < U; j++) sh += rh[j] * u[j * U3 + 2 * U + k];
        ah[o + k] = sh;
        const z = activation(spec.recurrentActivation, az[o + k]);
        const hh = activation(spec.activation, sh);
        hs[hn + k] = z * hs[hp + k] + (1 - z) * hh;
        out[o + k] = hs[hn + k];
      }
    }
  }
  return { y: out, cache: { hs, az, ar, ah } };
}

/**
 * Back-propagation through time for gruForward, dOut [B, T, U] in
 * processing order:
 *   dz = dh (h_{t-1} - hh), dhh = dh (1 - z), dh_{t-1} = dh z + ...
 *   dah = dhh act'(ah); d(r h) = dah Uh^T; dr = d(r h) h_{t-1}; dh_{t-1} += d(r h) r
 *   daz = dz ract'(az); dar = dr ract'(ar); dh_{t-1} += daz Uz^T + dar Ur^T
 *   dW += x^T [daz dar dah], dU += [h^T daz, h^T dar, (r h)^T dah], db += [daz dar dah]
 */
export function gruBackward(
  x: Arr, B: number, T: number, D: number, w: Arr, u: Arr, spec: GruRefSpec,
  cache: { hs: Float64Array; az: Float64Array; ar: Float64Array; ah: Float64Array }, dOut: Arr,
  /** Gate pre-activations (indices into az / ar) whose hardSigmoid derivative takes the other one-sided value. */
  flips?: { z: Set<number>; r: Set<number> },
) {
  const ractD = (which: 'z' | 'r', i: number, a: number): number => {
    const d = activationDerivative(spec.recurrentActivation, a);
    return flips && flips[which].has(i) ? (d === 0 ? 0.2 : 0) : d;
  };
  const U = spec.units;
  const U3 = 3 * U;
  const { hs, az, ar, ah } = cache;
  const dx = new Float64Array(B * T * D);
  const dw = new Float64Array(D * U3);
  const du = new Float64Array(U * U3);
  const db = new Float64Array(U3);
  const dh = new Float64Array(U);
  const dprev = new Float64Array(U);
  const da = new Float64Array(U3);
  const drh = new Float64Array(U);
  const ract = spec.recurrentActivation;
  for (let b = 0; b < B; b++) {
    dh.fill(0);
    for (let s = T - 1; s >= 0; s--) {
      const t = spec.goBackwards ? T - 1 - s : s;
      const o = (b * T + s) * U;
      const hp = (b * (T + 1) + s) * U;
      for (let k = 0; k < U; k++) dh[k] += dOut[o + k];
      dprev.fill(0);
      for (let k = 0; k < U; k++) {
        const z = activation(ract, az[o + k]);
        const hh = activation(spec.activation, ah[o + k]);
        const dz = dh[k] * (hs[hp + k] - hh);
        dprev[k] += dh[k] * z;
        da[2 * U + k] = dh[k] * (1 - z) * activationDerivative(spec.activation, ah[o + k]);
        da[k] = dz * ractD('z', o + k, az[o + k]);
      }
      for (let j = 0; j < U; j++) {
        let s2 = 0;
        for (let k = 0; k < U; k++) s2 += da[2 * U + k] * u[j * U3 + 2 * U + k];
        drh[j] = s2;
        const r = activation(ract, ar[o + j]);
        dprev[j] += s2 * r;
        da[U + j] = s2 * hs[hp + j] * ractD('r', o + j, ar[o + j]);
      }
      for (let j = 0; j < U; j++) {
        const hj = hs[hp + j];
        const rhj = activation(ract, ar[o + j]) * hj;
        let s3 = 0;
        for (let k = 0; k < U; k++) {
          s3 += da[k] * u[j * U3 + k] + da[U + k] * u[j * U3 + U + k];
          du[j * U3 + k] += hj * da[k];
          du[j * U3 + U + k] += hj * da[U + k];
          du[j * U3 + 2 * U + k] += rhj * da[2 * U + k];
        }
        dprev[j] += s3;
      }
      for (let k = 0; k < U3; k++) db[k] += da[k];
      for (let i = 0; i < D; i++) {
        const xi = (b * T + t) * D + i;
        const xv = x[xi];
        let s4 = 0;
        for (let k = 0; k < U3; k++) {
          dw[i * U3 + k] += xv * da[k];
          s4 += w[i * U3 + k] * da[k];
        }
        dx[xi] += s4;
      }
      dh.set(dprev);
    }
  }
  return { dx, dw, du, db };
}

/** Reverse [B, T, F] along time. */
export function reverseTime(x: Arr, B: number, T: number, F: number): Float64Array {
  const y = new Float64Array(B * T * F);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let f = 0; f < F; f++) y[(b * T + t) * F + f] = x[(b * T + (T - 1 - t)) * F + f];
  return y;
}

/**
 * wei2018 attention pooling (the authors' `outfunc`): with
 * a = clip(att, eps, 1), out[b,k] = sum_t cla[b,t,k] a[b,t,k] / sum_t a[b,t,k].
 */
export function attentionPoolingForward(cla: Arr, att: Arr, B: number, T: number, K: number, eps: number): Float64Array {
  const out = new Float64Array(B * K);
  for (let b = 0; b < B; b++)
    for (let k = 0; k < K; k++) {
      let num = 0;
      let den = 0;
      for (let t = 0; t < T; t++) {
        const i = (b * T + t) * K + k;
        const a = Math.min(1, Math.max(eps, att[i]));
        num += cla[i] * a;
        den += a;
      }
      out[b * K + k] = num / den;
    }
  return out;
}

/** dcla = dout a / S; datt = dout (cla - out) / S where eps <= att <= 1 (clip passes), else 0. */
export function attentionPoolingBackward(cla: Arr, att: Arr, out: Arr, dout: Arr, B: number, T: number, K: number, eps: number) {
  const dcla = new Float64Array(cla.length);
  const datt = new Float64Array(att.length);
  for (let b = 0; b < B; b++)
    for (let k = 0; k < K; k++) {
      let den = 0;
      for (let t = 0; t < T; t++) den += Math.min(1, Math.max(eps, att[(b * T + t) * K + k]));
      const d = dout[b * K + k] / den;
      for (let t = 0; t < T; t++) {
        const i = (b * T + t) * K + k;
        const a = Math.min(1, Math.max(eps, att[i]));
        dcla[i] = d * a;
        datt[i] = att[i] >= eps && att[i] <= 1 ? d * (cla[i] - out[b * K + k]) : 0;
      }
    }
  return { dcla, datt };
}

/**
 * Losses on probabilities p clipped to [eps, 1 - eps] (src/train/losses.ts's
 * definitions): categorical -mean_b sum_k y log p; binary -mean_{b,k}
 * (y log p + (1 - y) log(1 - p)). Returns the loss and dL/dp (0 where p is
 * outside the clip range).
 */
export function crossEntropy(kind: 'categorical' | 'binary', y: Arr, p: Arr, K: number, eps = 1e-7) {
  const rows = p.length / K;
  const dp = new Float64Array(p.length);
  let loss = 0;
  for (let i = 0; i < p.length; i++) {
    const inside = p[i] >= eps && p[i] <= 1 - eps;
    const pc = Math.min(1 - eps, Math.max(eps, p[i]));
    if (kind === 'categorical') {
      loss -= (y[i] * Math.log(pc)) / rows;
      dp[i] = inside ? -y[i] / pc / rows : 0;
    } else {
      loss -= (y[i] * Math.log(pc) + (1 - y[i]) * Math.log(1 - pc)) / p.length;
      dp[i] = inside ? -(y[i] / pc - (1 - y[i]) / (1 - pc)) / p.length : 0;
    }
  }
  return { loss, dp };
}
