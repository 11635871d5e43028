/**
 * The waveform type the whole library shares. It lives with its owner, the
 * audio layer; augment, features, viz and the harness import it from here.
 */

/** A mono or multichannel waveform with its sample rate. */
export interface Waveform {
  /** One Float64Array per channel (mono: one). */
  channels: Float64Array[];
  sr: number;
}
