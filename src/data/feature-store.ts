/**
 * The feature rows of one run, kept in memory or, when they would not fit
 * (more than `IN_MEMORY_BYTES`), read back from the feature cache one row at
 * a time. Every row has the same length; a cached entry of another length is
 * an error naming the cache file.
 */
import { readFileSync, statSync } from 'node:fs';
import { AudioAugLabError } from '../util/errors.js';
import { audioFileSha256, decodeEntry, type FeatureCache, type FeatureCacheKey } from './feature-cache.js';

/** Feature sets larger than this are read back from the feature cache per row. */
export const IN_MEMORY_BYTES = 2 * 1024 ** 3;

export class FeatureStore {
  private readonly mem: Float32Array[] = [];
  private readonly files: { path: string; hash: string }[] = [];
  readonly inMemory: boolean;

  /** `rows`: how many rows the run will add (decides memory or cache); `noCache` keeps them in memory. */
  constructor(
    private readonly cache: FeatureCache,
    readonly size: number,
    rows: number,
    noCache = false,
  ) {
    this.inMemory = noCache || rows * size * 4 <= IN_MEMORY_BYTES;
  }

  get length(): number {
    return this.inMemory ? this.mem.length : this.files.length;
  }

  /** Add a row (from the cache, else computed and cached); returns its index. */
  async add(key: FeatureCacheKey, compute: () => Float32Array): Promise<number> {
    const v = await this.cache.getOrCompute(key, () => ({ data: compute(), shape: [this.size] }));
    if (v.data.length !== this.size) {
      throw new AudioAugLabError('FEATURES', `cached features have ${v.data.length} values, expected ${this.size}`, this.cache.pathFor(this.cache.keyHash(key)));
    }
    if (this.inMemory) {
      this.mem.push(v.data);
      return this.mem.length - 1;
    }
    const hash = this.cache.keyHash(key);
    this.files.push({ path: this.cache.pathFor(hash), hash });
    return this.files.length - 1;
  }

  get(i: number): Float32Array {
    if (this.inMemory) return this.mem[i];
    const { path, hash } = this.files[i];
    const v = decodeEntry(readFileSync(path), hash);
    if ('corrupt' in v) throw new AudioAugLabError('FEATURES', `feature cache entry became unreadable (${v.corrupt})`, path);
    return v.data;
  }
}

const fileShaMemo = new Map<string, string>();

/** SHA-256 of an audio file's content, remembered per (path, size, mtime) for the process. */
export async function fileSha256(path: string): Promise<string> {
  const st = statSync(path);
  const key = `${path}|${st.size}|${st.mtimeMs}`;
  let h = fileShaMemo.get(key);
  if (!h) {
    h = await audioFileSha256(path);
    fileShaMemo.set(key, h);
  }
  return h;
}
