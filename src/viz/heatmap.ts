/**
 * Heatmaps (spectrograms, log-mel features, feature-map channels, spectral
 * images) as vega-lite charts. The cells are drawn into a PNG embedded as one
 * vega-lite `image` mark (see png.ts for why), with real axes (time in
 * seconds or frames, mel bin or Hz) and a colour legend from the same vega
 * scheme as the pixels (colormap.ts).
 *
 * Layout conventions:
 * - A `Matrix` is row-major `data[r * cols + c]`, as librosa's (nMels,
 *   nFrames) and this library's MelSpectrogram / FeatureMap planes.
 * - `origin: 'lower'` (default) puts row 0 at the bottom (low frequencies
 *   down, librosa.display's convention); `'upper'` puts row 0 at the top
 *   (image convention: spectral images and Keras TAA outputs).
 * - Values outside the colour domain are clipped to its ends; NaN and
 *   infinite values are drawn transparent.
 */
import { InvalidParameterError } from '../util/errors.js';
import type { FeatureMap } from '../features/types.js';
import { colorLut, type SchemeName } from './colormap.js';
import { encodePng, pngDataUri } from './png.js';
import { BASE_CONFIG, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './render.js';

export interface Matrix {
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}

/** An axis of a heatmap: value of cell i is start + i * step. */
export interface HeatmapAxis {
  title: string;
  start?: number;
  step?: number;
}

export interface HeatmapOptions {
  title?: string;
  subtitle?: string;
  /** Plot size in pixels (default 360 x 150). */
  width?: number;
  height?: number;
  /** Colour domain [low, high] (default: min and max of the finite values). */
  domain?: [number, number];
  scheme?: SchemeName;
  /** Legend title, e.g. 'dB' (default 'value'). */
  colorTitle?: string;
  x?: HeatmapAxis;
  y?: HeatmapAxis;
  origin?: 'lower' | 'upper';
}

function checkMatrix(m: Matrix, who: string): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 1 || m.cols < 1) {
    throw new InvalidParameterError(`${who}: rows and cols must be positive integers, got ${m.rows} x ${m.cols}`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new InvalidParameterError(`${who}: data has ${m.data.length} values, expected rows * cols = ${m.rows} * ${m.cols}`);
  }
}

/** Min and max of the finite values ([0, 1] if there are none; a constant
 * matrix gets a domain of width 1 around its value). */
export function finiteRange(data: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

/** The matrix as RGBA pixels (top row first) through a colour scheme. */
export function matrixPixels(m: Matrix, domain: [number, number], scheme: SchemeName = 'viridis', origin: 'lower' | 'upper' = 'lower'): Uint8Array {
  checkMatrix(m, 'matrixPixels');
  const [lo, hi] = domain;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) {
    throw new InvalidParameterError(`matrixPixels: domain must be two finite numbers low < high, got [${lo}, ${hi}]`);
  }
  const lut = colorLut(scheme);
  const px = new Uint8Array(m.rows * m.cols * 4);
  for (let r = 0; r < m.rows; r++) {
    const pr = origin === 'lower' ? m.rows - 1 - r : r;
    for (let c = 0; c < m.cols; c++) {
      const v = m.data[r * m.cols + c];
      const o = (pr * m.cols + c) * 4;
      if (!Number.isFinite(v)) continue; // transparent
      const t = Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
      const k = Math.round(t * 255) * 3;
      px[o] = lut[k];
      px[o + 1] = lut[k + 1];
      px[o + 2] = lut[k + 2];
      px[o + 3] = 255;
    }
  }
  return px;
}

/** The matrix as a PNG data URI. */
export function matrixPng(m: Matrix, domain: [number, number], scheme: SchemeName = 'viridis', origin: 'lower' | 'upper' = 'lower'): string {
  return pngDataUri(encodePng(matrixPixels(m, domain, scheme, origin), m.cols, m.rows, 4));
}

/** One channel of a FeatureMap (channel, freq, time) as a (freq, time) matrix. */
export function featureMapPlane(x: FeatureMap, channel = 0): Matrix {
  if (!Number.isInteger(channel) || channel < 0 || channel >= x.nChannels) {
    throw new InvalidParameterError(`featureMapPlane: channel ${channel} is not in 0..${x.nChannels - 1}`);
  }
  const plane = x.nFreq * x.nTime;
  return { data: x.data.subarray(channel * plane, (channel + 1) * plane), rows: x.nFreq, cols: x.nTime };
}

/** A heatmap chart of a matrix. */
export function heatmapSpec(m: Matrix, opts: HeatmapOptions = {}): VegaLiteSpec {
  checkMatrix(m, 'heatmapSpec');
  const width = opts.width ?? 360;
  const height = opts.height ?? 150;
  const domain = opts.domain ?? finiteRange(m.data);
  const scheme = opts.scheme ?? 'viridis';
  const origin = opts.origin ?? 'lower';
  const xa = { title: 'frame', start: 0, step: 1, ...opts.x };
  const ya = { title: 'bin', start: 0, step: 1, ...opts.y };
  const x0 = xa.start;
  const x1 = xa.start + m.cols * xa.step;
  const y0 = ya.start;
  const y1 = ya.start + m.rows * ya.step;
  const url = matrixPng(m, domain, scheme, origin);
  const yDomain = origin === 'lower' ? [y0, y1] : [y1, y0];
  const title = opts.title === undefined ? undefined : opts.subtitle ? { text: opts.title, subtitle: opts.subtitle } : opts.title;
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(title !== undefined ? { title } : {}),
    width,
    height,
    config: BASE_CONFIG,
    layer: [
      {
        data: { values: [{ x: x0, y: origin === 'lower' ? y1 : y0, url }] },
        mark: { type: 'image', width, height, align: 'left', baseline: 'top', aspect: false },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: { domain: [x0, x1], nice: false, zero: false }, title: xa.title },
          y: { field: 'y', type: 'quantitative', scale: { domain: yDomain, nice: false, zero: false }, title: ya.title },
          url: { field: 'url', type: 'nominal' },
        },
      },
      {
        // invisible marks that carry the colour legend
        data: { values: [{ x: x0, y: y0, v: domain[0] }, { x: x0, y: y0, v: domain[1] }] },
        mark: { type: 'point', opacity: 0 },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
          color: { field: 'v', type: 'quantitative', scale: { scheme, domain }, title: opts.colorTitle ?? 'value' },
        },
      },
    ],
  };
}

export interface SpectrogramSpecOptions extends Omit<HeatmapOptions, 'x' | 'y'> {
  /** Sample rate and hop: the x axis in seconds (else frames). */
  sr?: number;
  hopLength?: number;
  /** y axis title (default 'mel bin'). */
  yTitle?: string;
  /** y axis values: start + row * step (default: row index), e.g. step sr / nFft for Hz. */
  yStart?: number;
  yStep?: number;
}

/** A (nMels, nFrames) log-mel or spectrogram matrix, time in seconds when
 * sr and hopLength are given. */
export function spectrogramSpec(S: { data: ArrayLike<number>; nMels?: number; nFreq?: number; nFrames?: number; nTime?: number }, opts: SpectrogramSpecOptions = {}): VegaLiteSpec {
  const rows = S.nMels ?? S.nFreq;
  const cols = S.nFrames ?? S.nTime;
  if (rows === undefined || cols === undefined) {
    throw new InvalidParameterError('spectrogramSpec: give a MelSpectrogram {data, nMels, nFrames} or a plane {data, nFreq, nTime}');
  }
  const { sr, hopLength, yTitle, yStart, yStep, ...rest } = opts;
  const seconds = sr !== undefined && hopLength !== undefined;
  return heatmapSpec(
    { data: S.data, rows, cols },
    {
      colorTitle: 'dB',
      ...rest,
      x: seconds ? { title: 'time (s)', start: 0, step: hopLength! / sr! } : { title: 'frame' },
      y: { title: yTitle ?? 'mel bin', start: yStart ?? 0, step: yStep ?? 1 },
    },
  );
}

/** Several charts side by side (or stacked with `columns`). */
export function concatSpecs(specs: VegaLiteSpec[], opts: { title?: string; columns?: number } = {}): VegaLiteSpec {
  const strip = (s: VegaLiteSpec): VegaLiteSpec => {
    const { $schema: _s, config: _c, ...rest } = s;
    return rest;
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(opts.title !== undefined ? { title: opts.title } : {}),
    config: BASE_CONFIG,
    columns: opts.columns ?? specs.length,
    concat: specs.map(strip),
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
  };
}

/** Every channel of a FeatureMap side by side, each with its own colour
 * scale: viridis, or a diverging red-blue scale centred on 0 for channels
 * with both signs (deltas). */
export function featureChannelsSpec(x: FeatureMap, titles: readonly string[] = [], opts: { width?: number; height?: number; columns?: number } = {}): VegaLiteSpec {
  const specs = Array.from({ length: x.nChannels }, (_, c) => {
    const plane = featureMapPlane(x, c);
    const [lo, hi] = finiteRange(plane.data);
    const signed = lo < 0 && hi > 0;
    const m = Math.max(-lo, hi);
    return heatmapSpec(plane, {
      title: titles[c] ?? `channel ${c}`,
      width: opts.width ?? 260,
      height: opts.height ?? 120,
      x: { title: 'frame' },
      y: { title: 'mel bin' },
      ...(signed ? { scheme: 'redblue' as const, domain: [-m, m] as [number, number] } : {}),
    });
  });
  return concatSpecs(specs, { columns: opts.columns ?? Math.min(3, x.nChannels) });
}
