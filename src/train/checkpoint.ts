/**
 * Training checkpoints: model weights (trainable and not, e.g. BatchNorm
 * moving statistics), optimizer state, early-stopping state, history and the
 * epoch, written after every epoch so a killed run resumes where it stopped
 * and ends with the same result as an uninterrupted one. Under the
 * keras-2.2.4-tf1 framework profile fit adds a `batchNorm` group: TensorFlow's
 * hidden zero-debias accumulators and step counts (./framework-profile.ts).
 *
 * Layout: `<dir>/epoch-<k>/` holds `state.json` and `tensors.bin`
 * (float32/int32 little-endian, concatenated, described in state.json);
 * `<dir>/latest.json` names the newest complete one. A checkpoint directory
 * is fully written before latest.json is replaced (write temp + rename), so
 * a kill at any moment leaves the previous checkpoint valid. RNG state: every
 * random stream of an epoch is derived from (seed, stream name, epoch), so
 * the epoch number is the whole RNG state.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { AudioAugLabError } from '../util/errors.js';

export interface TensorRecord {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  length: number;
}

export interface CheckpointState<S> {
  epoch: number;
  state: S;
  groups: Record<string, TensorRecord[]>;
}

function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Serialise named tensor groups (e.g. model, optimizer, best) into one
 * buffer plus records. */
function packGroups(groups: Record<string, { name: string; tensor: tf.Tensor }[]>): {
  records: Record<string, TensorRecord[]>;
  bytes: Uint8Array;
} {
  const records: Record<string, TensorRecord[]> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [group, list] of Object.entries(groups)) {
    records[group] = [];
    for (const { name, tensor } of list) {
      const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
      const data = dtype === 'int32' ? new Int32Array(tensor.dataSync() as Int32Array) : new Float32Array(tensor.dataSync() as Float32Array);
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      records[group].push({ name, shape: tensor.shape, dtype, offset, length: data.length });
      chunks.push(bytes);
      offset += bytes.byteLength;
    }
  }
  const out = new Uint8Array(offset);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return { records, bytes: out };
}

export function saveCheckpoint<S>(
  dir: string,
  epoch: number,
  state: S,
  groups: Record<string, { name: string; tensor: tf.Tensor }[]>,
  keep = 2,
): string {
  mkdirSync(dir, { recursive: true });
  const name = `epoch-${String(epoch).padStart(5, '0')}`;
  const final = join(dir, name);
  const tmp = join(dir, `${name}.${process.pid}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const { records, bytes } = packGroups(groups);
  writeFileSync(join(tmp, 'tensors.bin'), bytes);
  const payload: CheckpointState<S> = { epoch, state, groups: records };
  writeFileSync(join(tmp, 'state.json'), JSON.stringify(payload));
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  writeAtomic(join(dir, 'latest.json'), JSON.stringify({ checkpoint: name, epoch }));
  // Keep the newest `keep` checkpoints.
  const all = readdirSync(dir).filter((f) => /^epoch-\d+$/.test(f)).sort();
  for (const old of all.slice(0, Math.max(0, all.length - keep))) rmSync(join(dir, old), { recursive: true, force: true });
  return final;
}

export interface LoadedCheckpoint<S> {
  epoch: number;
  state: S;
  /** group -> tensors (caller disposes). */
  tensors: Record<string, { name: string; tensor: tf.Tensor }[]>;
}

/** The newest complete checkpoint in `dir`, or null when there is none. */
export function loadLatestCheckpoint<S>(dir: string): LoadedCheckpoint<S> | null {
  const latestPath = join(dir, 'latest.json');
  if (!existsSync(latestPath)) return null;
  let latest: { checkpoint: string };
  try {
    latest = JSON.parse(readFileSync(latestPath, 'utf8'));
  } catch (e) {
    throw new AudioAugLabError('CHECKPOINT', `unreadable (${(e as Error).message})`, latestPath);
  }
  const base = join(dir, latest.checkpoint);
  const statePath = join(base, 'state.json');
  const binPath = join(base, 'tensors.bin');
  if (!existsSync(statePath) || !existsSync(binPath)) {
    throw new AudioAugLabError('CHECKPOINT', `checkpoint ${latest.checkpoint} named by latest.json is incomplete`, base);
  }
  const payload = JSON.parse(readFileSync(statePath, 'utf8')) as CheckpointState<S>;
  const buf = readFileSync(binPath);
  const tensors: LoadedCheckpoint<S>['tensors'] = {};
  for (const [group, recs] of Object.entries(payload.groups)) {
    tensors[group] = recs.map((r) => {
      const bytes = r.dtype === 'int32' ? 4 : 4;
      if (r.offset + r.length * bytes > buf.byteLength) {
        throw new AudioAugLabError('CHECKPOINT', `tensors.bin is truncated (tensor ${r.name})`, binPath);
      }
      const slice = buf.buffer.slice(buf.byteOffset + r.offset, buf.byteOffset + r.offset + r.length * bytes);
      const data = r.dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice);
      return { name: r.name, tensor: tf.tensor(data, r.shape, r.dtype) };
    });
  }
  return { epoch: payload.epoch, state: payload.state, tensors };
}
