/**
 * Spectral features with librosa 0.9.2 parity: FFT, windows, STFT/ISTFT,
 * mel filterbanks, (mel) spectrograms, dB / log scaling, deltas, the
 * hu2020 input pipeline and the named log-mel presets.
 */
export * from './fft.js';
export * from './window.js';
export * from './stft.js';
export * from './mel.js';
export * from './spectrogram.js';
export * from './db.js';
export * from './delta.js';
export * from './hu2020.js';
export * from './presets.js';
export * from './logmel.js';
export type { FeatureMap } from './types.js';
