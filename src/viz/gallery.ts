/**
 * The augmentation gallery: every entry of the catalogue applied once to
 * real clips, with the spectrogram before and after, the drawn parameters,
 * and audio players. Used by notebooks/00-tour and the paper notebooks.
 *
 * What each kind of entry is shown on (choices for display, stated in each
 * item's note):
 * - waveform entries: clip A; before/after log-mel with the chosen preset
 *   (default mushtaq2020 = librosa defaults); a player for the output;
 * - spectrogram entries (hu2020): channel 0 (scaled log-mel) of hu2020's
 *   3-channel input of clip A; random_crop crops to 80% of the frames (its
 *   default 400 frames is for 10-s TAU clips, longer than an ESC-50 clip);
 *   channel_confusion gets a two-channel input made of clip A (left) and
 *   clip B (right), a stand-in for TAU 2020's binaural audio, with p = 1 so
 *   the swap shows;
 * - image entries (keras_taa): mushtaq2020's 128 x 128 spectral image of A;
 * - batch entries: clips A and B (different classes) as a batch of two, with
 *   one-hot labels. Mixing acts on log-mel features (chosen preset) as wei2018 does; the
 *   pairing is fixed to A<->B for the picture (with two items a random
 *   shuffle can pair a clip with itself) and lambda is drawn. The players
 *   apply the same drawn weights to the waveforms so the mix can be heard,
 *   which is not the same as mixing log-mel features (a log of a sum is not
 *   a sum of logs). same_class_mix mixes A with A2, a clip of A's class.
 *   sample_pairing draws its partner from a pool of the two clips; the
 *   partner is fixed to the other clip.
 * - spectrum_correction needs per-bin coefficients from device recordings;
 *   here they map clip A's average spectrum onto clip B's
 *   (correctionCoefficients(B, A)), a stand-in for a reference device.
 */
import type { CatalogueEntry, ParamValue } from '../augment/types.js';
import type { Waveform } from '../audio/types.js';
import type { FeatureMap } from '../features/types.js';
import { getEntry, listCatalogue } from '../augment/catalogue.js';
import { formatParamValue, resolveParams } from '../augment/params.js';
import { makeBatch, type Batch } from '../augment/mix/batch.js';
import type { PairDraw } from '../augment/mix/pairs.js';
import { poolFromArray, SamplePairing, type SamplePairingDraw } from '../augment/mix/sample-pairing.js';
import type { WaveformGroup } from '../augment/waveform/waveform-transform.js';
import { averageMagnitudeSpectrum, correctionCoefficients, referenceSpectrum } from '../augment/waveform/spectrum-correction.js';
import { logMel } from '../features/logmel.js';
import { presets, type PresetName } from '../features/presets.js';
import { hu2020BinauralFeatures, hu2020Features } from '../features/hu2020.js';
import { fixLength, spectralImage } from '../features/spectral-image.js';
import { Rng } from '../util/rng.js';
import { InvalidParameterError } from '../util/errors.js';
import { audioHtml, escapeHtml } from './audio.js';
import { concatSpecs, featureMapPlane, finiteRange, heatmapSpec, spectrogramSpec } from './heatmap.js';
import { renderSvg, type VegaLiteSpec } from './render.js';
import { clipAttribution, findClip, loadClip, type EscClipSource } from './clips.js';

export interface GalleryClip {
  wave: Waveform;
  /** Class name, e.g. 'dog'. */
  label: string;
  /** Attribution lines the clip's audio must carry (clips.ts clipAttribution). */
  attribution: string[];
}

export interface GalleryInput {
  /** The clip every single-clip augmentation is shown on. */
  a: GalleryClip;
  /** A clip of another class (mixing partner). */
  b: GalleryClip;
  /** Another clip of a's class (same_class_mix). */
  a2: GalleryClip;
}

export interface GalleryItem {
  name: string;
  target: string;
  papers: string;
  summary: string;
  params: string;
  drawn: string;
  note: string;
  before: VegaLiteSpec;
  after: VegaLiteSpec;
  /** Label vectors after mixing (batch entries). */
  labels?: string;
  audio: string[];
}


function mono(w: Waveform): Float64Array {
  if (w.channels.length !== 1) throw new InvalidParameterError(`gallery: expected mono clips, got ${w.channels.length} channels`);
  return w.channels[0];
}

/** Before and after share one colour domain, so levels can be compared. */
function union(a: ArrayLike<number>, b: ArrayLike<number>): [number, number] {
  const [lo1, hi1] = finiteRange(a);
  const [lo2, hi2] = finiteRange(b);
  return [Math.min(lo1, lo2), Math.max(hi1, hi2)];
}

function melPair(preset: PresetName, y0: Float64Array, y1: Float64Array, sr: number, t0: string, t1: string, sr1 = sr): [VegaLiteSpec, VegaLiteSpec] {
  const S0 = logMel(y0, preset, { sr });
  const S1 = logMel(y1, preset, { sr: sr1 });
  const domain = union(S0.data, S1.data);
  const o = { width: 300, height: 120, hopLength: presets[preset].hopLength, domain, colorTitle: presets[preset].log.type === 'db' ? 'dB' : 'log' };
  return [spectrogramSpec(S0, { ...o, title: t0, sr }), spectrogramSpec(S1, { ...o, title: t1, sr: sr1 })];
}

function planePair(x0: FeatureMap, x1: FeatureMap, t0: string, t1: string, colorTitle = 'value', origin: 'lower' | 'upper' = 'lower', channel = 0): [VegaLiteSpec, VegaLiteSpec] {
  const p0 = featureMapPlane(x0, channel);
  const p1 = featureMapPlane(x1, channel);
  const o = { width: 300, height: 120, colorTitle, origin, domain: union(p0.data, p1.data), x: { title: 'frame' }, y: { title: origin === 'upper' ? 'image row' : 'mel bin' } };
  return [heatmapSpec(p0, { ...o, title: t0 }), heatmapSpec(p1, { ...o, title: t1 })];
}

const PLAYBACK_SR = 16000;

function player(x: Waveform | Float64Array, caption: string, attribution: string[], sr?: number): string {
  return x instanceof Float64Array
    ? audioHtml(x, sr!, { caption, attribution, playbackSr: PLAYBACK_SR })
    : audioHtml(x, { caption, attribution, playbackSr: PLAYBACK_SR });
}

function derived(...clips: GalleryClip[]): string[] {
  const sources = clips.map((c) => c.attribution[0]);
  const licences = [...new Set(clips.flatMap((c) => c.attribution.slice(1)))];
  return [`Derived from ${sources.join(' and ')}`, ...licences];
}

/** Short JSON of drawn parameters (long arrays summarised). */
export function describeDrawn(d: unknown): string {
  return JSON.stringify(d, (_k, v: unknown) => {
    if (v instanceof Float64Array || v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array) {
      const a = Array.from(v as ArrayLike<number>);
      return a.length > 8 ? `[${a.length} values]` : a.map((x) => Number(x.toPrecision(4)));
    }
    if (Array.isArray(v) && v.length > 8 && v.every((x) => typeof x === 'number')) return `[${v.length} values]`;
    if (typeof v === 'number' && !Number.isInteger(v)) return Number(v.toPrecision(4));
    return v;
  });
}

function paramsText(entry: CatalogueEntry, given: Record<string, ParamValue>): string {
  const p = resolveParams(entry.name, entry.params, given);
  return entry.params
    .map((s) => {
      const v = p[s.name];
      const text = Array.isArray(v) && v.length > 8 ? `[${v.length} values]` : formatParamValue(v);
      return `${s.name}=${text}${s.name in given ? ' (set here)' : ''}`;
    })
    .join(' ');
}

function flatten(x: FeatureMap): Float32Array {
  return x.data;
}

function melMap(preset: PresetName, y: Float64Array, sr: number): FeatureMap {
  const S = logMel(y, preset, { sr });
  return { data: Float32Array.from(S.data), nChannels: 1, nFreq: S.nMels, nTime: S.nFrames };
}

function labelText(y: Float32Array, names: readonly string[], row: number): string {
  return names.map((n, j) => `${n} ${y[row * names.length + j].toFixed(2)}`).join(', ');
}

function base(entry: CatalogueEntry, given: Record<string, ParamValue>) {
  return {
    name: entry.name,
    target: entry.target,
    papers: entry.papers.map((p) => `${p.paper}: ${p.where}`).join('; '),
    summary: entry.summary,
    params: paramsText(entry, given),
  };
}

function waveformItem(entry: CatalogueEntry, input: GalleryInput, rng: Rng, preset: PresetName, opts: GalleryOptions): GalleryItem {
  const { a, b } = input;
  const given: Record<string, ParamValue> = { ...opts.params };
  let note = `Applied to clip A (${a.label}); log-mel with the ${preset} preset.`;
  if (entry.name === 'spectrum_correction') {
    const ref = referenceSpectrum([averageMagnitudeSpectrum([mono(b.wave)])]);
    given.coefficients = Array.from(correctionCoefficients(ref, averageMagnitudeSpectrum([mono(a.wave)])));
    note += ` Coefficients map A's average spectrum onto clip B's (${b.label}), a stand-in for a reference device.`;
  }
  const t = entry.create(given);
  const drawn = t.draw(rng, a.wave);
  const out = t.apply(a.wave, drawn) as Waveform;
  const y = out.channels[0];
  let before: VegaLiteSpec;
  let after: VegaLiteSpec;
  if (opts.view === 'spectral-image') {
    const img = (z: Float64Array): FeatureMap => {
      const S = logMel(fixLength(z, mono(a.wave).length), 'mushtaq2020', { sr: a.wave.sr });
      const im = spectralImage(S.data, S.nMels, S.nFrames, { height: 128, width: 128 });
      return { data: im.data, nChannels: 1, nFreq: im.height, nTime: im.width };
    };
    [before, after] = planePair(img(mono(a.wave)), img(y), `before: ${a.label}`, `after: ${entry.name}`, 'grey level', 'upper');
    note = `Applied to clip A (${a.label}); shown as mushtaq2020's 128 x 128 spectral image, the output brought back to the input length first (fix_length).`;
  } else {
    [before, after] = melPair(preset, mono(a.wave), y, a.wave.sr, `before: ${a.label}`, `after: ${entry.name}`, out.sr);
  }
  return {
    ...base(entry, given),
    drawn: describeDrawn(drawn),
    note: `${note} Output: ${y.length} samples (input ${mono(a.wave).length}).`,
    before,
    after,
    audio: [player(out, `after ${entry.name}`, derived(a))],
  };
}

function spectrogramItem(entry: CatalogueEntry, input: GalleryInput, rng: Rng, opts: GalleryOptions): GalleryItem {
  const { a, b } = input;
  const given: Record<string, ParamValue> = { ...opts.params };
  let x: FeatureMap;
  let note: string;
  if (entry.name === 'channel_confusion') {
    x = hu2020BinauralFeatures(mono(a.wave), mono(b.wave), a.wave.sr);
    given.p ??= 1;
    note = `Input: hu2020's 6-channel task 1b features of a two-channel clip (left = A ${a.label}, right = B ${b.label}), a stand-in for binaural TAU 2020 audio; p = 1 so the swap shows. Channel 0 (left, scaled log-mel) is drawn.`;
  } else {
    x = hu2020Features(mono(a.wave), a.wave.sr);
    note = `Input: hu2020's 3-channel features of clip A (${a.label}); channel 0 (scaled log-mel) is drawn.`;
    if (entry.name === 'random_crop' && given.cropLength === undefined) {
      given.cropLength = Math.round(0.8 * x.nTime);
      note += ` cropLength is 80% of the ${x.nTime} frames (the default 400 is for 10-s TAU clips).`;
    }
  }
  const t = entry.create(given);
  const drawn = t.draw(rng, x);
  const out = t.apply(x, drawn) as FeatureMap;
  const [before, after] = planePair(x, out, `before: ${a.label}`, `after: ${entry.name}`);
  return {
    ...base(entry, given),
    drawn: describeDrawn(drawn),
    note: `${note} The augmentation acts on features: there is no audio after it (listen to the input clips above).`,
    before,
    after,
    audio: [],
  };
}

function imageItem(entry: CatalogueEntry, input: GalleryInput, rng: Rng, opts: GalleryOptions): GalleryItem {
  const { a } = input;
  const S = logMel(mono(a.wave), 'mushtaq2020', { sr: a.wave.sr });
  const img = spectralImage(S.data, S.nMels, S.nFrames, { height: 128, width: 128 });
  const x: FeatureMap = { data: img.data, nChannels: 1, nFreq: img.height, nTime: img.width };
  const given: Record<string, ParamValue> = { ...opts.params };
  const t = entry.create(given);
  const drawn = t.draw(rng, x);
  const out = t.apply(x, drawn) as FeatureMap;
  const [before, after] = planePair(x, out, `before: ${a.label}`, `after: ${entry.name}`, 'grey level', 'upper');
  return {
    ...base(entry, given),
    drawn: describeDrawn(drawn),
    note: `Input: mushtaq2020's 128 x 128 spectral image of clip A (${a.label}), row 0 at the top. The augmentation acts on the image: there is no audio after it (listen to the input clips above).`,
    before,
    after,
    audio: [],
  };
}

function batchOfTwo(xa: Float32Array, xb: Float32Array): Batch {
  const x = new Float32Array(xa.length * 2);
  x.set(xa, 0);
  x.set(xb, xa.length);
  return makeBatch(x, Float32Array.of(1, 0, 0, 1), 2, xa.length, 2);
}

function batchItem(entry: CatalogueEntry, input: GalleryInput, rng: Rng, preset: PresetName, opts: GalleryOptions): GalleryItem {
  const { a, b, a2 } = input;
  const given: Record<string, ParamValue> = { ...opts.params };
  if (entry.name === 'same_class_mix') {
    const t = entry.create(given);
    const group: WaveformGroup = { items: [a.wave, a2.wave], labels: [a.label, a2.label] };
    const drawn = t.draw(rng, group);
    const out = t.apply(group, drawn) as WaveformGroup;
    const [before, after] = melPair(preset, mono(a.wave), out.items[0].channels[0], a.wave.sr, `before: A (${a.label})`, `after: ${entry.name}`);
    return {
      ...base(entry, given),
      drawn: describeDrawn(drawn),
      note: `A group of two ${a.label} clips (A and A2); each is mixed with a partner of its own class with gains g1, g2. Output 0 (A mixed with A2) is shown; the label stays '${a.label}'.`,
      before,
      after,
      labels: `output 0: ${a.label} (unchanged)`,
      audio: [player(out.items[0], `after ${entry.name}, output 0`, derived(a, a2))],
    };
  }
  const ya = mono(a.wave);
  const yb = mono(b.wave);
  const n = Math.min(ya.length, yb.length);
  const fa = melMap(preset, ya.subarray(0, n), a.wave.sr);
  const fb = melMap(preset, yb.subarray(0, n), a.wave.sr);
  const feat = batchOfTwo(flatten(fa), flatten(fb));
  const wave = batchOfTwo(Float32Array.from(ya.subarray(0, n)), Float32Array.from(yb.subarray(0, n)));
  let t = entry.create(given);
  let drawn: unknown;
  let note: string;
  if (t instanceof SamplePairing) {
    t = t.withPool(poolFromArray(feat.x, 2, feat.xSize));
    const d = (t as SamplePairing).draw(rng, feat);
    drawn = { active: d.active, partners: Int32Array.of(1, 0) } satisfies SamplePairingDraw;
    note = 'Batch of two (A, B). Each item is averaged 50/50 with a partner from the training pool (here the other clip) and keeps its own label.';
  } else {
    const d = t.draw(rng, feat) as PairDraw;
    if (d.first.length === 2) drawn = { lambdas: d.lambdas, first: Int32Array.of(0, 1), second: Int32Array.of(1, 0) } satisfies PairDraw;
    else drawn = d; // 'halves' pairing: A with B already
    note = 'Batch of two (A, B) with one-hot labels; the pairing is fixed to A<->B for the picture and lambda is drawn.';
  }
  const outF = t.apply(feat, drawn as never) as Batch;
  const wavePool = poolFromArray(wave.x, 2, wave.xSize);
  const tw = t instanceof SamplePairing ? t.withPool(wavePool) : t;
  const outW = tw.apply(wave, drawn as never) as Batch;
  const mixed: FeatureMap = { data: outF.x.subarray(0, feat.xSize), nChannels: 1, nFreq: fa.nFreq, nTime: fa.nTime };
  const names = [a.label, b.label];
  const [before, after] = planePair(fa, mixed, `before: A (${a.label})`, `after: ${entry.name}, output 0`, presets[preset].log.type === 'db' ? 'dB' : 'log');
  return {
    ...base(entry, given),
    drawn: describeDrawn(drawn),
    note: `${note} The player applies the same weights to the waveforms (mixing audio is not the same as mixing log-mel features).`,
    before,
    after,
    labels: Array.from({ length: outF.n }, (_, k) => `output ${k}: ${labelText(outF.y, names, k)}`).join('; '),
    audio: [player(Float64Array.from(outW.x.subarray(0, wave.xSize)), `after ${entry.name}, output 0 (waveforms)`, derived(a, b), a.wave.sr)],
  };
}

/** The gallery's clips from a clip source: A = first clip of `classA`,
 * A2 = its second clip, B = first clip of `classB`, all at `sr`. */
export function galleryInput(src: EscClipSource, classA: string, classB: string, sr = 22050): GalleryInput {
  const clip = (category: string, n: number): GalleryClip => {
    const rec = findClip(src, category, n);
    return { wave: loadClip(rec, sr), label: category, attribution: clipAttribution(src, rec) };
  };
  return { a: clip(classA, 0), b: clip(classB, 0), a2: clip(classA, 1) };
}

export interface GalleryOptions {
  /** Seed of the draws (default 0): same seed, same pictures. */
  seed?: number;
  /** Log-mel preset for waveform and batch entries (default 'mushtaq2020');
   * the clips must be at the preset's rate if it has one. */
  preset?: PresetName;
  /** Parameters given to the entry (others take their defaults). */
  params?: Record<string, ParamValue>;
  /** Waveform entries: show log-mel (default) or mushtaq2020's 128 x 128
   * spectral image of the output brought back to the input length
   * (librosa.util.fix_length), as the mushtaq2020 pipeline feeds its CNNs. */
  view?: 'logmel' | 'spectral-image';
}

/** One gallery item for a catalogue entry. */
export function galleryItem(entry: CatalogueEntry, input: GalleryInput, opts: GalleryOptions = {}): GalleryItem {
  const preset = opts.preset ?? 'mushtaq2020';
  const rate = presets[preset].sr;
  if (rate !== null && rate !== input.a.wave.sr) {
    throw new InvalidParameterError(`gallery: preset '${preset}' is for ${rate} Hz audio, the clips are at ${input.a.wave.sr} Hz (galleryInput(..., sr))`);
  }
  const rng = new Rng(`gallery:${opts.seed ?? 0}:${entry.name}`);
  switch (entry.target) {
    case 'waveform':
      return waveformItem(entry, input, rng, preset, opts);
    case 'spectrogram':
      return spectrogramItem(entry, input, rng, opts);
    case 'image':
      return imageItem(entry, input, rng, opts);
    case 'batch':
      return batchItem(entry, input, rng, preset, opts);
    default:
      throw new InvalidParameterError(`gallery: unknown target '${String(entry.target)}' of '${entry.name}'`);
  }
}

/** Items for the catalogue entries selected by `filter` (default: all). */
export function augmentationGallery(input: GalleryInput, filter: (e: CatalogueEntry) => boolean = () => true, opts: GalleryOptions = {}): GalleryItem[] {
  return listCatalogue()
    .filter(filter)
    .map((e) => galleryItem(e, input, opts));
}

/** The item for one entry by name (e.g. with `params` or a `seed`). */
export function galleryItemFor(name: string, input: GalleryInput, opts: GalleryOptions = {}): GalleryItem {
  return galleryItem(getEntry(name), input, opts);
}

/** The catalogue entries with these names, in catalogue order. */
export function named(...names: string[]): (e: CatalogueEntry) => boolean {
  return (e) => names.includes(e.name);
}

/** Players for the gallery's input clips (shown once, above the items). */
export function galleryInputsHtml(input: GalleryInput): string {
  const clips: [string, GalleryClip][] = [
    ['A', input.a],
    ['B', input.b],
    ['A2', input.a2],
  ];
  return `<div>${clips.map(([k, c]) => player(c.wave, `${k}: ${c.label}`, c.attribution)).join('')}</div>`;
}

/** A gallery item as one HTML block: heading, facts, before/after chart, players. */
export async function galleryItemHtml(item: GalleryItem): Promise<string> {
  const svg = await renderSvg(concatSpecs([item.before, item.after]));
  const fact = (k: string, v: string) => `<div style="font-size:0.8em"><b>${escapeHtml(k)}:</b> ${escapeHtml(v)}</div>`;
  return [
    '<div class="audio-aug-lab-gallery" style="border-top:1px solid #ccc;padding:6px 0;margin:6px 0">',
    `<div style="font-weight:700">${escapeHtml(item.name)} <span style="font-weight:400;color:#666">(${escapeHtml(item.target)})</span></div>`,
    fact('what', item.summary),
    fact('from', item.papers),
    fact('parameters', item.params),
    fact('drawn', item.drawn),
    item.labels ? fact('labels after', item.labels) : '',
    fact('shown', item.note),
    `<div>${svg}</div>`,
    `<div>${item.audio.join('')}</div>`,
    '</div>',
  ].join('');
}
