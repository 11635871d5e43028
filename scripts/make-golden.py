#!/usr/bin/env python3
"""Build test/golden/ from the librosa 0.9.2 / resampy 0.4.2 reference outputs.

    python3 scripts/make-golden.py SOURCE [--out DIR]   build DIR (default test/golden)
    python3 scripts/make-golden.py --check [SOURCE]     verify test/golden

SOURCE is the folder that holds `librosa-0.9.2/` and `resampy-0.4.2/` as
they were made (during development: /work/shared/golden). The build keeps
only what the tests read, stores each array as compactly as the tolerance of
the test that reads it allows (see STORAGE below and the README it writes),
and is deterministic: the same SOURCE gives the same bytes on every run.

--check verifies SHA256SUMS (every file listed, nothing unlisted), decodes
every array the way the tests do and compares it with the manifests'
`decoded_sha256`; with SOURCE it also rebuilds into a temporary folder and
requires every file to be byte-identical (reproducibility).

Needs only python3 and numpy. The gzip streams come from Python's zlib at
level 9; a different deflate implementation (zlib-ng) could compress the
same arrays to other bytes, which --check SOURCE would report.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import math
import os
import shutil
import struct
import sys
import tempfile
import zlib

import numpy as np

LIBROSA = 'librosa-0.9.2'
RESAMPY = 'resampy-0.4.2'
SIGNALS_NOTE = {
    'chirp_16k_4s.wav': '4 s at 16 kHz, a chirp from 100 Hz to 7 kHz',
    'noise_16k_4s_m20dBFS.wav': '4 s at 16 kHz, white noise at -20 dBFS RMS',
    'tone_padded_16k_4s.wav': '16 kHz, a tone with 0.75 s of silence at each end (trim keeps samples 11264 to 53248)',
    'tones_22050_5s.wav': '5 s at 22050 Hz, 440 + 1000 + 3150 Hz',
    'dcaselike_44k1_10s.wav': '10 s at 44.1 kHz, the size of a DCASE clip (431 frames at hop 1024)',
}

# Each stored array keeps its rounding error at or below 1/100 of the
# tolerance the reading test asserts (STORAGE_MARGIN). Tolerances are copied
# from the tests; the tests also check the recorded error against their own
# constant, so the two cannot drift apart silently.
STORAGE_MARGIN = 100
PARITY = 'test/features/golden-parity.test.ts'
WAVEFORM = 'test/augment/waveform/librosa-parity.test.ts'
RESAMPLE = 'test/audio/resample.test.ts'
TOLERANCE = {  # op -> (kind, value, test)
    'librosa.feature.melspectrogram': ('rel', 1e-5, PARITY),
    'melspectrogram+power_to_db': ('abs', 1e-3, PARITY),
    'librosa.feature.delta': ('abs', 1e-5, PARITY),
    'librosa.feature.delta[:, 4:-4]': ('abs', 1e-5, PARITY),
    'hu_exact:scaled logmel': ('abs', 1e-4, PARITY),
    'hu_exact:cal_deltas(scaled)': ('abs', 1e-4, PARITY),
    'hu_exact:cal_deltas(d)': ('abs', 1e-4, PARITY),
    'hu_exact:concat(scaled[:,4:-4], d[:,2:-2], dd) axis=2': ('abs', 1e-4, PARITY),
    'librosa.effects.time_stretch': ('abs', 1e-4, WAVEFORM),
    'librosa.effects.pitch_shift': ('abs', 1e-4, WAVEFORM),
    'librosa.effects.trim': ('exact', 0, WAVEFORM),
    'librosa.load': ('exact', 0, 'test/audio/wav.test.ts'),
    'resample': ('abs', 1e-6, RESAMPLE),
    'kaiser_best table': ('abs', 1e-12, RESAMPLE),
}


# ---------------------------------------------------------------- helpers

def sha256(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def npy_bytes(a: np.ndarray) -> bytes:
    """A .npy (format 1.0) written byte by byte, so the header does not
    depend on the numpy version."""
    a = np.ascontiguousarray(a)
    descr = {np.dtype('<f8'): '<f8', np.dtype('<f4'): '<f4', np.dtype('uint8'): '|u1'}[a.dtype]
    shape = f'({a.shape[0]},)' if a.ndim == 1 else '(' + ', '.join(str(n) for n in a.shape) + ')'
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    pad = 64 - (10 + len(header) + 1) % 64
    header = (header + ' ' * (pad % 64) + '\n').encode('latin1')
    return b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header + a.tobytes()


def gz(b: bytes) -> bytes:
    return gzip.compress(b, compresslevel=9, mtime=0)


def planes(raw: np.ndarray) -> np.ndarray:
    """Little-endian byte planes: (itemsize, n) uint8, plane 0 = lowest byte."""
    return np.ascontiguousarray(raw).view(np.uint8).reshape(raw.size, raw.dtype.itemsize).T.copy()


def unplanes(p: np.ndarray, dtype: str) -> np.ndarray:
    return np.ascontiguousarray(p.T).view(dtype).ravel()


def f64_sha(x: np.ndarray) -> str:
    return sha256(np.ascontiguousarray(x, dtype='<f8').tobytes())


def read_npy_gz(path: str) -> np.ndarray:
    with gzip.open(path, 'rb') as f:
        return np.load(io.BytesIO(f.read()), allow_pickle=False)


def wav_pcm16(path: str) -> np.ndarray:
    """The int16 samples of a mono 16-bit PCM WAV (chunks walked, no library)."""
    b = open(path, 'rb').read()
    if b[:4] != b'RIFF' or b[8:12] != b'WAVE':
        raise SystemExit(f'{path}: not a RIFF/WAVE file')
    p, fmt = 12, None
    while p + 8 <= len(b):
        cid, n = b[p:p + 4], struct.unpack('<I', b[p + 4:p + 8])[0]
        if cid == b'fmt ':
            fmt = struct.unpack('<HHIIHH', b[p + 8:p + 24])
        if cid == b'data':
            if fmt is None or fmt[0] != 1 or fmt[1] != 1 or fmt[5] != 16:
                raise SystemExit(f'{path}: expected mono 16-bit PCM, fmt is {fmt}')
            return np.frombuffer(b[p + 8:p + 8 + n], dtype='<i2')
        p += 8 + n + (n & 1)
    raise SystemExit(f'{path}: no data chunk')


def apply_slices(x: np.ndarray, slices) -> np.ndarray:
    return x[tuple(slice(a, b) for a, b in slices)]


# ---------------------------------------------------------------- encoding

def step_for(tol: float) -> int:
    """log2 of the largest power-of-two step whose rounding error (step / 2)
    is at most tol / STORAGE_MARGIN."""
    return math.floor(math.log2(2 * tol / STORAGE_MARGIN))


def encode_fixed(x: np.ndarray, step_log2: int, base_q: np.ndarray | None):
    """Integers q = round(x / 2^step_log2) (minus the base array's integers),
    differenced `order` times (order 0..3, whichever compresses best), as
    int32 byte planes (int64 where a residual needs it). Returns
    (q, order, dtype, file bytes)."""
    q = np.round(np.ascontiguousarray(x, dtype=np.float64).ravel() * 2.0 ** -step_log2).astype(np.int64)
    if np.abs(q).max() >= 2 ** 50:
        raise SystemExit(f'step 2^{step_log2} too fine for values up to {np.abs(x).max()}')
    r0 = q - base_q if base_q is not None else q
    best = None
    for order in range(4):
        r = r0.copy()
        for _ in range(order):
            r = np.diff(r, prepend=0)
        dtype = '<i4' if np.abs(r).max() < 2 ** 31 else '<i8'
        data = gz(npy_bytes(planes(r.astype(dtype))))
        if best is None or len(data) < len(best[2]):
            best = (order, dtype, data)
    return q, best[0], best[1], best[2]


def decode_stored(root: str, entry: dict, q_of) -> np.ndarray:
    """The array a stored entry stands for, as float64 (what the tests see)."""
    st = entry['stored']
    p = read_npy_gz(os.path.join(root, st['file']))
    n = int(np.prod(entry['shape']))
    if st['encoding'] == 'float32':
        x = unplanes(p, '<f4').astype(np.float64)
    elif st['encoding'] == 'fixed':
        x = q_of(entry).astype(np.float64) * 2.0 ** st['step_log2']
    else:
        raise SystemExit(f"{st['file']}: unknown encoding {st['encoding']}")
    if x.size != n:
        raise SystemExit(f"{st['file']}: {x.size} values, manifest shape {entry['shape']}")
    return x.reshape(entry['shape'])


def fixed_ints(root: str, entry: dict, by_path: dict) -> np.ndarray:
    st = entry['stored']
    r = unplanes(read_npy_gz(os.path.join(root, st['file'])), st['dtype']).astype(np.int64)
    for _ in range(st['order']):
        r = np.cumsum(r)
    if 'base' in st:
        r = r + fixed_ints(root, by_path[st['base']], by_path)
    return r


def decode_entry(root: str, folder: str, entry: dict, by_path: dict, cache: dict) -> np.ndarray:
    """Decode or derive one manifest entry (float64), as the TypeScript helper does."""
    key = (folder, entry['path'])
    if key in cache:
        return cache[key]
    if 'stored' in entry:
        x = decode_stored(root, entry, lambda e: fixed_ints(root, e, by_path))
    else:
        d = entry['derived']
        if d['kind'] == 'pcm16':
            x = (wav_pcm16(os.path.join(root, d['wav'])).astype(np.float32) / np.float32(32768)).astype(np.float64)
        elif d['kind'] == 'slice':
            x = apply_slices(decode_entry(root, folder, by_path[d['from']], by_path, cache), d['slices'])
        elif d['kind'] == 'stack':
            x = np.stack([apply_slices(decode_entry(root, folder, by_path[s['from']], by_path, cache), s['slices'])
                          for s in d['from_slices']], axis=-1)
        else:
            raise SystemExit(f"{entry['path']}: unknown derivation {d['kind']}")
        x = np.ascontiguousarray(x)
    if list(x.shape) != entry['shape']:
        raise SystemExit(f"{entry['path']}: decoded shape {list(x.shape)}, manifest {entry['shape']}")
    cache[key] = x
    return x


# ---------------------------------------------------------------- build

def tol_of(op: str) -> dict:
    kind, value, test = TOLERANCE[op]
    return {'kind': kind, 'value': value, 'test': test}


def trim_entry(e: dict) -> dict:
    out = {k: e[k] for k in ('path', 'op', 'params') if k in e}
    if 'sr' in e:
        out['sr'] = e['sr']
    if 'index' in e:
        out['index'] = e['index']
    out['input'] = {k: e['input'][k] for k in ('file', 'sr', 'n_samples')}
    out['dtype'] = e['dtype']
    out['shape'] = e['shape']
    out['sha256'] = e['sha256']  # of librosa's array bytes, as in the source manifest
    return out


LOGMEL_BASE = {  # reflect-padded log-mel = constant-padded one except the edge frames
    'logmel_wei_reflect_f64.npy': 'logmel_wei_constant_f64.npy',
    'logmel_hu_reflect_f64.npy': 'logmel_hu_constant_f64.npy',
}


def build_librosa(src: str, out: str, log) -> dict:
    sdir = os.path.join(src, LIBROSA)
    odir = os.path.join(out, LIBROSA)
    manifests = {}
    for name in ('manifest.json', 'manifest_dcaselike.json'):
        m = json.load(open(os.path.join(sdir, name)))
        manifests[name] = m
    all_src = {e['path']: e for m in manifests.values() for e in m['outputs'] if e.get('path')}
    arrays = {p: np.load(os.path.join(sdir, p), allow_pickle=False) for p in all_src}
    for p, e in all_src.items():
        if sha256(np.ascontiguousarray(arrays[p]).tobytes()) != e['sha256']:
            raise SystemExit(f'{sdir}/{p}: sha256 differs from its manifest entry')

    entries: dict[str, dict] = {}
    quantised: dict[str, np.ndarray] = {}  # path -> integers of fixed entries (for bases)
    order_of_work = sorted(all_src, key=lambda p: (LOGMEL_BASE.get(p.split('/')[1]) is not None, p))
    for p in order_of_work:
        e = all_src[p]
        sig, fname = p.split('/')
        x = arrays[p]
        t = trim_entry(e)
        op = e['op']
        t['tolerance'] = tol_of(op)
        if op == 'librosa.load':
            wav = os.path.join('audio', e['input']['file'])
            y = wav_pcm16(os.path.join(sdir, wav)).astype(np.float32) / np.float32(32768)
            if x.dtype != np.float32 or not np.array_equal(y.view(np.uint32), x.view(np.uint32)):
                raise SystemExit(f'{p}: librosa.load is not int16 / 32768 in float32, bit for bit')
            t['derived'] = {'kind': 'pcm16', 'wav': wav, 'note': 'float32(int16 sample / 32768), verified bit-exact'}
        elif op == 'librosa.effects.trim':
            i0, i1 = e['index']
            if not np.array_equal(arrays[f'{sig}/load.npy'].astype(np.float64)[i0:i1].view(np.uint64), x.view(np.uint64)):
                raise SystemExit(f'{p}: trim output is not load.npy[{i0}:{i1}]')
            t['derived'] = {'kind': 'slice', 'from': f'{sig}/load.npy', 'slices': [[i0, i1]], 'note': 'verified bit-exact'}
        elif op == 'librosa.feature.delta[:, 4:-4]':
            full = p.replace('_valid.npy', '.npy')
            if not np.array_equal(arrays[full][:, 4:-4].view(np.uint64), x.view(np.uint64)):
                raise SystemExit(f'{p}: is not {full}[:, 4:-4]')
            t['derived'] = {'kind': 'slice', 'from': full, 'slices': [[0, None], [4, -4]], 'note': 'verified bit-exact'}
        elif op.startswith('hu_exact:concat'):
            parts = [(f'{sig}/huexact_scaled_reflect.npy', [[0, None], [4, -4]]),
                     (f'{sig}/huexact_d_reflect.npy', [[0, None], [2, -2]]),
                     (f'{sig}/huexact_dd_reflect.npy', [[0, None], [0, None]])]
            c = np.stack([apply_slices(arrays[q], s) for q, s in parts], axis=-1)
            if c.dtype != x.dtype or not np.array_equal(c.view(np.uint32), x.view(np.uint32)):
                raise SystemExit(f'{p}: is not the stack of scaled[:, 4:-4], d[:, 2:-2], dd')
            t['derived'] = {'kind': 'stack', 'from_slices': [{'from': q, 'slices': s} for q, s in parts],
                            'note': 'stacked on a new last axis; verified bit-exact'}
        elif op == 'librosa.feature.melspectrogram':
            f32 = x.astype('<f4')
            file = f'{LIBROSA}/{p[:-4]}.planes.npy.gz'
            data = gz(npy_bytes(planes(f32)))
            os.makedirs(os.path.dirname(os.path.join(out, file)), exist_ok=True)
            open(os.path.join(out, file), 'wb').write(data)
            t['stored'] = {'file': file, 'encoding': 'float32', 'dtype': '<f4'}
        elif op in TOLERANCE and TOLERANCE[op][0] == 'abs':
            step_log2 = step_for(TOLERANCE[op][1])
            base = LOGMEL_BASE.get(fname)
            base_path = f'{sig}/{base}' if base else None
            base_q = quantised.get(base_path) if base_path else None
            if base_path and base_q is None:
                raise SystemExit(f'{p}: its base {base_path} was not stored first')
            q, order, dtype, data = encode_fixed(x, step_log2, base_q)
            if base_q is not None:
                # keep the base only where it helps
                _, order0, dtype0, data0 = encode_fixed(x, step_log2, None)
                if len(data0) <= len(data):
                    base_path, order, dtype, data = None, order0, dtype0, data0
            quantised[p] = q
            file = f'{LIBROSA}/{p[:-4]}.planes.npy.gz'
            os.makedirs(os.path.dirname(os.path.join(out, file)), exist_ok=True)
            open(os.path.join(out, file), 'wb').write(data)
            t['stored'] = {'file': file, 'encoding': 'fixed', 'step_log2': step_log2, 'order': order, 'dtype': dtype}
            if base_path:
                t['stored']['base'] = base_path
        else:
            raise SystemExit(f'{p}: no storage rule for op {op!r}')
        entries[p] = t

    # decode everything as the tests will and record errors and hashes
    by_path = entries
    cache: dict = {}
    for p, t in entries.items():
        x = arrays[p].astype(np.float64)
        d = decode_entry(out, LIBROSA, t, by_path, cache)
        err = np.abs(d - x)
        t['max_abs_error'] = float(err.max())
        if t['tolerance']['kind'] == 'rel':
            nz = np.abs(x) > 0
            t['max_rel_error'] = float((err[nz] / np.abs(x[nz])).max())
            bound = t['max_rel_error']
        else:
            bound = t['max_abs_error']
        if bound * STORAGE_MARGIN > t['tolerance']['value'] and not (t['tolerance']['kind'] == 'exact' and bound == 0):
            raise SystemExit(f"{p}: storage error {bound:.3g} is more than 1/{STORAGE_MARGIN} of the tolerance {t['tolerance']['value']}")
        t['decoded_sha256'] = f64_sha(d)

    for name, m in manifests.items():
        keep = [entries[e['path']] for e in m['outputs'] if e.get('path')]
        dropped = [e for e in m['outputs'] if not e.get('path')]
        for e in dropped:
            log(f"{LIBROSA}/{name}: dropped entry without output ({e['op']} on {e['input']['file']}: {e.get('reason')})")
        doc = {'versions': m['versions'], 'outputs': keep}
        write_json(os.path.join(odir, name), doc)
    return {'entries': entries, 'manifests': manifests}


def build_eer(src: str, out: str) -> dict:
    sdir = os.path.join(src, LIBROSA)
    odir = os.path.join(out, LIBROSA, 'eer')
    os.makedirs(odir, exist_ok=True)
    man = json.load(open(os.path.join(sdir, 'eer_manifest.json')))
    kept = []
    for e in man['outputs']:
        p = e['path']
        t = {k: e[k] for k in ('path', 'op', 'params')}
        if p.endswith('_scores.npy'):
            b = open(os.path.join(sdir, p), 'rb').read()
            open(os.path.join(out, LIBROSA, p), 'wb').write(b)  # float64, byte-identical
            t.update(dtype=e['dtype'], shape=e['shape'], sha256=e['sha256'], stored={'file': f'{LIBROSA}/{p}', 'encoding': 'copy'})
        elif p.endswith('_labels.npy'):
            y = np.load(os.path.join(sdir, p), allow_pickle=False)
            if sha256(y.tobytes()) != e['sha256'] or not np.isin(y, (0, 1)).all():
                raise SystemExit(f'{sdir}/{p}: labels are not the 0/1 array its manifest hashes')
            open(os.path.join(out, LIBROSA, p), 'wb').write(npy_bytes(y.astype(np.uint8)))
            t.update(dtype=e['dtype'], shape=e['shape'], sha256=e['sha256'],
                     stored={'file': f'{LIBROSA}/{p}', 'encoding': 'uint8', 'note': 'int64 0/1 labels as uint8 (lossless)'})
        elif p.endswith('_eer.json'):
            v = json.load(open(os.path.join(sdir, p)))
            if v != e['value']:
                raise SystemExit(f'{sdir}/{p}: differs from its eer_manifest.json value')
            write_json(os.path.join(out, LIBROSA, p), v, compact=True)
            t['value'] = {'eer': v['eer']}
        else:
            raise SystemExit(f'{sdir}/eer_manifest.json: unexpected output {p}')
        kept.append(t)
    summary = json.load(open(os.path.join(sdir, 'eer_summary.json')))
    if summary != man['summary']:
        raise SystemExit(f'{sdir}: eer_summary.json differs from eer_manifest.json summary')
    write_json(os.path.join(out, LIBROSA, 'eer_manifest.json'),
               {'versions': man['versions'], 'convention': man['convention'], 'summary': man['summary'], 'outputs': kept})
    write_json(os.path.join(out, LIBROSA, 'eer_summary.json'), summary)
    n = {e['path'][len('eer/'):-len('_scores.npy')]: e['shape'][0] for e in man['outputs'] if e['path'].endswith('_scores.npy')}
    return {'manifest': man, 'kept': kept, 'n': n}


def build_resampy(src: str, out: str) -> dict:
    sdir = os.path.join(src, RESAMPY)
    odir = os.path.join(out, RESAMPY)
    os.makedirs(odir, exist_ok=True)
    m = json.load(open(os.path.join(sdir, 'manifest.json')))
    items = [{'path': 'kaiser_best_half_window.npy', 'op': 'kaiser_best table',
              'call': "resampy 0.4.2 data/kaiser_best.npz 'half_window'"}]
    items += [{k: o[k] for k in ('path', 'input', 'orig_sr', 'target_sr', 'call', 'sha256')} | {'op': 'resample'}
              for o in m['outputs']]
    for t in items:
        path = os.path.join(sdir, t['path'])
        x = np.load(path, allow_pickle=False)
        # the resampy manifest hashes the .npy file; ours hashes the array bytes
        if 'sha256' in t and sha256(open(path, 'rb').read()) != t['sha256']:
            raise SystemExit(f"{path}: sha256 differs from its manifest entry")
        t['sha256'] = sha256(x.tobytes())
        t['dtype'] = str(x.dtype)
        t['shape'] = list(x.shape)
        t['tolerance'] = tol_of(t['op'])
        step_log2 = step_for(TOLERANCE[t['op']][1])
        q, order, dtype, data = encode_fixed(x, step_log2, None)
        file = f"{RESAMPY}/{t['path'][:-4]}.planes.npy.gz"
        open(os.path.join(out, file), 'wb').write(data)
        t['stored'] = {'file': file, 'encoding': 'fixed', 'step_log2': step_log2, 'order': order, 'dtype': dtype}
        d = decode_entry(out, RESAMPY, t, {}, {})
        t['max_abs_error'] = float(np.abs(d - x).max())
        if t['max_abs_error'] * STORAGE_MARGIN > t['tolerance']['value']:
            raise SystemExit(f"{t['path']}: storage error too large")
        t['decoded_sha256'] = f64_sha(d)
    doc = {k: m[k] for k in ('filter', 'resampy', 'librosa', 'precision', 'rolloff', 'half_window_len', 'num_zeros')}
    doc['table'] = items[0]
    doc['outputs'] = items[1:]
    write_json(os.path.join(odir, 'manifest.json'), doc)
    return doc


def write_json(path: str, doc, compact: bool = False) -> None:
    """compact: one line. Otherwise one top-level key per line and, in lists
    of entries (`outputs`), one entry per line."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    one = lambda v: json.dumps(v, separators=(', ', ': '))
    if compact:
        text = json.dumps(doc, separators=(',', ':'))
    else:
        rows = []
        for k, v in doc.items():
            if isinstance(v, list) and v and isinstance(v[0], dict):
                rows.append(f'{json.dumps(k)}: [\n  ' + ',\n  '.join(one(x) for x in v) + '\n ]')
            else:
                rows.append(f'{json.dumps(k)}: {one(v)}')
        text = '{\n ' + ',\n '.join(rows) + '\n}'
    open(path, 'w', encoding='utf-8', newline='\n').write(text + '\n')


def fmt_err(t: dict) -> str:
    if 'max_rel_error' in t:
        return f"rel {t['max_rel_error']:.2g}"
    return '0 (exact)' if t['max_abs_error'] == 0 else f"{t['max_abs_error']:.2g}"


def storage_text(t: dict) -> str:
    if 'derived' in t:
        d = t['derived']
        if d['kind'] == 'pcm16':
            return f"derived: `{d['wav']}` int16 / 32768"
        if d['kind'] == 'slice':
            s = ', '.join(f"{a or ''}:{'' if b is None else b}" for a, b in d['slices'])
            return f"derived: `{d['from'].split('/')[-1]}[{s}]`"
        return 'derived: stack of scaled[:, 4:-4], d[:, 2:-2], dd'
    st = t['stored']
    if st['encoding'] == 'float32':
        return 'float32'
    s = f"fixed 2^{st['step_log2']}, order {st['order']}"
    if 'base' in st:
        s += f", minus `{st['base'].split('/')[-1]}`"
    return s


def readme(lib: dict, eer: dict, res: dict, sizes: dict) -> str:
    e0 = next(iter(lib['manifests'].values()))
    v = e0['versions']
    presets = e0['presets']
    lines = []
    w = lines.append
    w('# Reference outputs: librosa 0.9.2 and resampy 0.4.2')
    w('')
    w('<!-- Written by scripts/make-golden.py; edit the script, not this file. -->')
    w('')
    w('The parity tests compare our TypeScript against these arrays. They were')
    w(f"computed once in Python {v['python']} with librosa {v['librosa']}, numpy {v['numpy']}, scipy {v['scipy']},")
    w(f"resampy {v['resampy']}, numba {v['numba']}, scikit-learn {v['sklearn']} and soundfile {v['soundfile']},")
    w('from the 16-bit WAVs in `audio/`. This folder keeps what the tests read, stored as')
    w('compactly as each test\'s tolerance allows; it is rebuilt, byte for byte, with')
    w('')
    w('    python3 scripts/make-golden.py SOURCE        # SOURCE holds librosa-0.9.2/ and resampy-0.4.2/')
    w('    python3 scripts/make-golden.py --check       # SHA256SUMS + decode every array, compare decoded_sha256')
    w('    python3 scripts/make-golden.py --check SOURCE   # and rebuild, require identical bytes')
    w('')
    w('During development SOURCE was `/work/shared/golden` (32 MB, 151 files), made by')
    w('a Python script that is not part of this repository; its README and manifests')
    w('are summarised here. `SHA256SUMS` covers every file in this folder')
    w('(`cd test/golden && sha256sum -c SHA256SUMS`); `test/features/golden-files.test.ts`')
    w('checks it on every test run.')
    w('')
    w(f"Size: {sizes['total']} bytes in {sizes['files']} files (from 33,802,670 bytes in 151).")
    w('')
    w('## Signals (`audio/`, 16-bit PCM mono, copied unchanged)')
    w('')
    for f, note in SIGNALS_NOTE.items():
        w(f'- `{f}`: {note}')
    w('')
    w('## What was computed')
    w('')
    w('Features are `(n_mels, n_frames)` in C order; audio is `(n_samples,)`.')
    w('Frames are centred (`n_frames = 1 + len(y) // hop_length`). Windows are periodic')
    w("(`scipy.signal.get_window(window, win_length, fftbins=True)`), not symmetric.")
    w('')
    w('The two presets as the source manifest gives them (each entry\'s `params` repeats')
    w('the values used, with `pad_mode`):')
    w('')
    for name, p in presets.items():
        w(f"- `{name}`: " + ', '.join(f'{k} {json.dumps(x)}' for k, x in p.items()))
    w('')
    w('In words, and the other outputs:')
    w('')
    w('- `wei` (wei2018): sr 16000, n_fft 1024, hop 512, Hamming, 128 mel bands, Slaney mel')
    w('  scale and Slaney area norm, power 2; log-mel is `power_to_db(ref 1.0, amin 1e-10,')
    w('  top_db None)`. Only the 16 kHz signals have `wei` outputs (librosa was not asked')
    w('  to resample; the source manifest lists the 22050 Hz file as skipped).')
    w('- `hu` (hu2020): the file\'s own rate, n_fft 2048, hop 1024, Hann, 128 mel bands, HTK')
    w('  mel scale, no norm, fmax sr/2, power 2; log-mel as for `wei`.')
    w('- `constant` / `reflect` in a name: how the centred STFT pads the signal edges')
    w('  (zeros is librosa >= 0.9; reflect is librosa <= 0.8, which the hu2020 code used).')
    w('- `_f64` in a name: the float32 samples of `librosa.load` were cast to float64 before')
    w('  the STFT; librosa still builds the mel filterbank in float32.')
    w('- `delta_w9_o{1,2}_hu_constant_f64`: `librosa.feature.delta(width 9, order 1 / 2,')
    w('  mode interp)` of the `hu` constant log-mel; `_valid` is `[:, 4:-4]` of it.')
    w('- `huexact_*` (the hu2020 code\'s own pipeline): mel power as `hu` with reflect padding,')
    w('  then `log(float32(mel) + 1e-8)`, min-max scaled over the clip to [0, 1]')
    w('  (`huexact_scaled`); `huexact_d`, `huexact_dd`: the 5-point regression')
    w('  d[t] = (x[t+1] - x[t-1]) / 10 + (x[t+2] - x[t-2]) / 5 without padding, once and twice')
    w('  (T -> T-4 -> T-8); `huexact_stacked` = `[scaled[:, 4:-4], d[:, 2:-2], dd]` on a last')
    w('  axis of 3 (431 -> 423 frames for the 10 s clip). These were computed in float32.')
    w('- `time_stretch_r{0.7,1.2}`: `librosa.effects.time_stretch` (phase vocoder, n_fft 2048,')
    w('  hop 512, Hann). `pitch_shift_n2` / `_nm2`: `librosa.effects.pitch_shift` by +2 / -2')
    w('  semitones: time stretch by 2^(-n/12), resample from sr / 2^(-n/12) to sr with resampy')
    w('  `kaiser_best`, fix the length. `trim_top60`: `librosa.effects.trim(top_db 60,')
    w('  frame_length 2048, hop_length 512)`; the manifest entry\'s `index` is [start, end).')
    w('  All of these take the float64 cast of `load.npy`.')
    w('- `load.npy`: `librosa.load(sr=None, mono=True)` (float32).')
    w('')
    w('resampy (`resampy-0.4.2/`):')
    w('')
    w(f"- `kaiser_best_half_window`: the filter table resampy ships for `kaiser_best`, the right")
    w(f"  half of a Kaiser-windowed sinc, {res['half_window_len']} values, precision {res['precision']} entries per")
    w(f"  zero crossing ({res['num_zeros']} zero crossings), rolloff {res['rolloff']}.")
    w("- `<signal>_to_<rate>`: `librosa.resample(y, orig_sr, target_sr, res_type='kaiser_best')`")
    w('  of the float64 samples of `audio/<signal>.wav`: resampy\'s `resample` with that table,')
    w('  then the length fixed to ceil(n * target / orig). Each output sample at input time')
    w('  t = n_out * orig / target is a weighted sum of input samples on both sides of t, the')
    w('  weights read from the table with linear interpolation; when downsampling the table')
    w('  is stepped by target / orig and scaled by it, so the cut-off follows the lower rate.')
    w('')
    w('EER (`librosa-0.9.2/eer/`, the DCASE 2016 task 4 procedure):')
    w('')
    w('1. ROC points from the scores with a threshold at every distinct score, decreasing,')
    w("   pruned as scikit-learn's `roc_curve(drop_intermediate=True)` does, then (0, 0) in front.")
    w('2. i = the first point with fpr_i + 1e-6 >= 1 - tpr_i.')
    w('3. P1 = point i-1, P2 = point i. If |fpr2 - fpr1| < 1e-6 the EER is fpr1; otherwise')
    w('   m = (tpr2 - tpr1) / (fpr2 - fpr1), o = tpr1 - m * fpr1, EER = (1 - o) / (1 + m).')
    w('4. A label with no positives or no negatives has no EER (NaN); means ignore NaN.')
    w('')
    w('Cases: the seven labels (b c f m o p v) of the official fold-1 example (scores and')
    w('labels from its results_fold1.csv and fold1_evaluate.csv), and synthetic ones: perfect,')
    w('inverted, tiny, all tied, heavy ties (ties_quantized), 5 % positives, two pairs of')
    w('overlapping Gaussians. Per case `<case>_scores.npy`, `<case>_labels.npy` and')
    w('`<case>_eer.json` (eer, fpr, tpr, i, P1, P2); `eer_summary.json` has every EER and the')
    w('fold-1 mean.')
    w('')
    w('## How it is stored')
    w('')
    w('Each array is stored so that its rounding error is at most 1/100 of the tolerance the')
    w('test that reads it asserts; the manifests record the tolerance, the test, the largest')
    w('error measured against librosa\'s array (`max_abs_error`, `max_rel_error`) and the')
    w('sha256 of the decoded float64 array (`decoded_sha256`, checked by the test helper on')
    w('every read). `sha256` in an entry is that of librosa\'s original array bytes.')
    w('')
    w('- **float32**: mel power (`melpow_*`), whose test asserts a relative error of 1e-5;')
    w('  float32 rounding is at most 6e-8 relative.')
    w('- **fixed 2^k**: arrays whose test asserts an absolute difference. The value is')
    w('  round(x / 2^k) * 2^k with 2^k / 2 <= tolerance / 100, so 2^-16 for log-mel (1e-3 dB),')
    w('  2^-23 for deltas (1e-5), 2^-19 for `huexact_*` (1e-4), time stretch and pitch shift')
    w('  (1e-4), 2^-26 for resampled audio (1e-6), 2^-46 for the `kaiser_best` table (1e-12).')
    w('  The integers are differenced `order` times (0 to 3, whichever compresses best) and,')
    w('  for `*_reflect` log-mels, taken relative to the `*_constant` one (`base`; they differ')
    w('  only at the edge frames). Decoding is exact integer arithmetic in float64, so Python')
    w('  and the TypeScript helper get the same bits.')
    w('- **derived**, not stored: `load.npy` is float32(int16 sample / 32768) of the WAV;')
    w('  `trim_top60_f64` is `load[start:end]`; `*_valid` is `delta[:, 4:-4]`;')
    w('  `huexact_stacked` is the stack of the three parts. The build checks each of these')
    w('  against librosa\'s array bit for bit; the test helper rebuilds them.')
    w('- **copied**: the WAVs, the EER scores (float64: the EER depends on the order and ties')
    w('  of the scores, and the test asserts 1e-9), the EER labels as uint8 (they are 0/1).')
    w('')
    w('Apart from the EER scores no array is kept in float64. Float32 would not do for the')
    w('deltas (rounding up to 9e-7 against a tolerance of 1e-5), the resampled audio (3e-8')
    w('against 1e-6) or the `kaiser_best` table (3e-8 against 1e-12); the fixed-point forms')
    w('reach 1/100 of those tolerances in less space than float32, while whole float64')
    w('arrays would not fit the size budget (the time stretch and pitch shift outputs alone')
    w('are 10 MB in float64).')
    w('')
    w('Measured once against the full-precision source arrays, just before they were moved')
    w('here (issue 12), our implementation was within: log-mel 6.4e-10 dB, mel power')
    w('8.6e-12 relative, deltas 8.5e-11, `huexact_*` 1.8e-7 (a float32 pipeline), time stretch')
    w('1.1e-9, pitch shift 1.5e-10, resampling 1.0e-15, the `kaiser_best` table 1.7e-15; load,')
    w('trim and every EER exactly. Against these stored arrays the printed differences are')
    w('bounded below by the storage rounding instead; each test prints both.')
    w('')
    w('Stored files are `*.planes.npy.gz`: gzip of a .npy holding a `(itemsize, n)` uint8')
    w('array, the little-endian bytes of the values split into planes (lowest byte first),')
    w('which gzip compresses much better than interleaved bytes. In Python:')
    w('')
    w('    p = np.load(io.BytesIO(gzip.open(file).read()))')
    w("    raw = np.ascontiguousarray(p.T).view(entry['stored']['dtype']).ravel()")
    w("    # fixed: q = raw (int64), cumsum `order` times, + base's q; x = q * 2.0**step_log2")
    w('')
    w('Left out of the source: the source READMEs (summarised here); the `first5` / `stats`')
    w('fields and the two `skipped` entries of the manifests (`wei` log-mel of the 22050 Hz')
    w('file); the ROC arrays repeated inside `eer_manifest.json` (each `<case>_eer.json` has')
    w('them); `input_dtype`, `created_unix`, `conventions`, `presets` (all stated above).')
    w('')
    w('## Every kept output')
    w('')
    w('| output | op | shape | stored | max error | test tolerance |')
    w('|---|---|---|---|---|---|')
    for p, t in sorted(lib['entries'].items()):
        tol = t['tolerance']
        tv = 'exact' if tol['kind'] == 'exact' else f"{tol['value']:g}{' rel' if tol['kind'] == 'rel' else ''}"
        w(f"| `{LIBROSA}/{p}` | {t['op']} | {'x'.join(map(str, t['shape']))} | {storage_text(t)} | {fmt_err(t)} | {tv} |")
    for t in [res['table']] + res['outputs']:
        w(f"| `{RESAMPY}/{t['path']}` | {t['op']} | {'x'.join(map(str, t['shape']))} | {storage_text(t)} | {fmt_err(t)} | {t['tolerance']['value']:g} |")
    w('')
    w('Parameters of each output are in its manifest entry (`params`), as librosa was called.')
    w('')
    w('EER cases (`librosa-0.9.2/eer/`; scores copied, labels as uint8, both exact):')
    w('')
    w('| case | clips | EER |')
    w('|---|---|---|')
    for t in eer['kept']:
        if t['path'].endswith('_eer.json'):
            case = t['path'][len('eer/'):-len('_eer.json')]
            w(f"| `{case}` | {eer['n'][case]} | {t['value']['eer']!r} |")
    w(f"| fold-1 mean (b c f m o p v) | | {eer['manifest']['summary']['dcase2016_fold1_mean']!r} |")
    w('')
    return '\n'.join(lines)


def file_list(root: str) -> list[str]:
    out = []
    for d, _, files in os.walk(root):
        for f in files:
            out.append(os.path.relpath(os.path.join(d, f), root).replace(os.sep, '/'))
    return sorted(out)


def build(src: str, out: str, quiet: bool = False) -> None:
    log = (lambda s: None) if quiet else (lambda s: print(s, file=sys.stderr))
    for sub in (LIBROSA, RESAMPY):
        if not os.path.isdir(os.path.join(src, sub)):
            raise SystemExit(f'{src}: no {sub}/ folder (give the folder that holds {LIBROSA}/ and {RESAMPY}/)')
    tmp = tempfile.mkdtemp(prefix='golden-')
    try:
        os.makedirs(os.path.join(tmp, 'audio'))
        for f in SIGNALS_NOTE:
            shutil.copyfile(os.path.join(src, LIBROSA, 'audio', f), os.path.join(tmp, 'audio', f))
        lib = build_librosa(src, tmp, log)
        eer = build_eer(src, tmp)
        res = build_resampy(src, tmp)
        files = file_list(tmp)
        # README states the final size, which includes README and SHA256SUMS themselves:
        # iterate until the stated number is the size.
        total = sum(os.path.getsize(os.path.join(tmp, f)) for f in files)
        stated = total
        for _ in range(10):
            text = readme(lib, eer, res, {'total': f'{stated:,}', 'files': len(files) + 2})
            open(os.path.join(tmp, 'README.md'), 'w', encoding='utf-8', newline='\n').write(text)
            sums = ''.join(f"{sha256(open(os.path.join(tmp, f), 'rb').read())}  {f}\n"
                           for f in sorted(files + ['README.md']))
            open(os.path.join(tmp, 'SHA256SUMS'), 'w', encoding='utf-8', newline='\n').write(sums)
            actual = total + len(text.encode()) + len(sums.encode())
            if actual == stated:
                break
            stated = actual
        else:
            raise SystemExit('README size statement did not settle')
        if os.path.exists(out):
            if os.listdir(out) and not os.path.exists(os.path.join(out, 'SHA256SUMS')):
                raise SystemExit(f'{out}: exists, is not empty and has no SHA256SUMS; not replacing it')
            shutil.rmtree(out)
        shutil.copytree(tmp, out)
        log(f'wrote {out}: {len(file_list(out))} files, {sum(os.path.getsize(os.path.join(out, f)) for f in file_list(out))} bytes')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- check

def check(root: str, src: str | None) -> int:
    problems = []
    sums_path = os.path.join(root, 'SHA256SUMS')
    listed = {}
    for line in open(sums_path, encoding='utf-8'):
        h, f = line.rstrip('\n').split('  ', 1)
        listed[f] = h
    present = set(file_list(root)) - {'SHA256SUMS'}
    for f in sorted(present - set(listed)):
        problems.append(f'{f}: not listed in SHA256SUMS')
    for f, h in sorted(listed.items()):
        if f not in present:
            problems.append(f'{f}: listed in SHA256SUMS but missing')
        elif sha256(open(os.path.join(root, f), 'rb').read()) != h:
            problems.append(f'{f}: sha256 differs from SHA256SUMS')
    n = 0
    referenced = set()
    for folder, names in ((LIBROSA, ('manifest.json', 'manifest_dcaselike.json')), (RESAMPY, ('manifest.json',))):
        entries = []
        for name in names:
            m = json.load(open(os.path.join(root, folder, name)))
            entries += ([m['table']] + m['outputs']) if folder == RESAMPY else m['outputs']
        by_path = {e['path']: e for e in entries}
        cache: dict = {}
        for e in entries:
            if 'stored' in e:
                referenced.add(e['stored']['file'])
            try:
                x = decode_entry(root, folder, e, by_path, cache)
            except (OSError, SystemExit, ValueError, EOFError, zlib.error) as err:
                problems.append(f"{folder}/{e['path']}: cannot decode ({err})")
                continue
            n += 1
            if f64_sha(x) != e['decoded_sha256']:
                problems.append(f"{folder}/{e['path']}: decoded array differs from decoded_sha256")
    eer = json.load(open(os.path.join(root, LIBROSA, 'eer_manifest.json')))
    for e in eer['outputs']:
        if 'stored' in e:
            referenced.add(e['stored']['file'])
            y = np.load(os.path.join(root, e['stored']['file']), allow_pickle=False)
            orig = y.astype(np.int64) if e['stored']['encoding'] == 'uint8' else y
            if sha256(orig.tobytes()) != e['sha256']:
                problems.append(f"{e['path']}: differs from the source array (sha256)")
            n += 1
    for f in sorted(x for x in present if x.endswith('.npy.gz') or x.endswith('.npy')):
        if f not in referenced:
            problems.append(f'{f}: not referenced by any manifest')
    if src:
        tmp = tempfile.mkdtemp(prefix='golden-check-')
        try:
            build(src, os.path.join(tmp, 'g'), quiet=True)
            a, b = file_list(os.path.join(tmp, 'g')), file_list(root)
            if a != b:
                problems.append(f'rebuild from {src} gives other files: only rebuilt {sorted(set(a) - set(b))}, only here {sorted(set(b) - set(a))}')
            for f in sorted(set(a) & set(b)):
                if open(os.path.join(tmp, 'g', f), 'rb').read() != open(os.path.join(root, f), 'rb').read():
                    problems.append(f'{f}: rebuild from {src} gives other bytes')
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    for p in problems:
        print(f'{root}: {p}', file=sys.stderr)
    print(f"{root}: {len(listed)} files checked against SHA256SUMS, {n} arrays decoded"
          + (f', rebuilt from {src}' if src else '') + (': OK' if not problems else f': {len(problems)} problem(s)'))
    return 1 if problems else 0


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(os.path.dirname(here), 'test', 'golden')
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('source', nargs='?', help='folder holding librosa-0.9.2/ and resampy-0.4.2/')
    ap.add_argument('--out', default=default_out, help='folder to build or check (default: test/golden)')
    ap.add_argument('--check', action='store_true', help='verify the folder instead of building it')
    a = ap.parse_args()
    if a.check:
        return check(a.out, a.source)
    if not a.source:
        ap.error('give the source folder (or --check)')
    build(a.source, a.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
