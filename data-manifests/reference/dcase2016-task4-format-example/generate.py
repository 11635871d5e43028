#!/usr/bin/env python3
"""Generate the synthetic DCASE 2016 task 4 format example, and its EERs.

Writes, next to this script:
  fold1_evaluate.csv  ground truth  `<chunk>.16kHz.wav,<majority-vote letters>`, CRLF, no header
  results_fold1.csv   system output `<chunk>.16kHz.wav,<label>,<score>`, 7 rows per chunk, CRLF
  eers.json           per-label EERs and their mean, computed below

Everything is synthetic: chunk names (segments `SYN_...`), labels and scores
come from a seeded NumPy generator; nothing is copied from CHiME-Home or from
a challenge submission. The EERs are computed here, independently of the
TypeScript library, with the official DCASE 2016 task 4 procedure written out
in NumPy (scikit-learn's roc_curve with drop_intermediate=True, then the
crossing of fpr = 1 - tpr as in the challenge's evaluation script).

`python3 generate.py --check-eer DIR` instead prints this script's EERs for
the pair fold1_evaluate.csv / results_fold1.csv in DIR (used once to check it
against the official EERs of a real challenge example).

Run: python3 generate.py        (NumPy only; seed fixed below)
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20160904
LABELS = ['c', 'b', 'f', 'm', 'o', 'p', 'v']  # row order of the official example output
NAMES = {
    'c': 'child speech', 'm': 'adult male speech', 'f': 'adult female speech',
    'v': 'video game/tv', 'p': 'percussive sound', 'b': 'broadband noise', 'o': 'other',
}


# ---------------------------------------------------------------- EER (official procedure)

def binary_clf_curve(y_true, y_score):
    """scikit-learn's _binary_clf_curve: cumulative fps, tps at each distinct threshold, decreasing."""
    order = np.argsort(y_score, kind='mergesort')[::-1]
    y_score = y_score[order]
    y_true = y_true[order]
    distinct = np.where(np.diff(y_score))[0]
    threshold_idxs = np.r_[distinct, y_true.size - 1]
    tps = np.cumsum(y_true, dtype=np.float64)[threshold_idxs]
    fps = 1 + threshold_idxs - tps
    return fps, tps


def roc_curve(y_true, y_score):
    """scikit-learn roc_curve(drop_intermediate=True), with (0, 0) first."""
    fps, tps = binary_clf_curve(y_true, y_score)
    if len(fps) > 2:
        keep = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])[0]
        fps, tps = fps[keep], tps[keep]
    if fps.size == 0 or fps[0] != 0 or tps[0] != 0:
        fps, tps = np.r_[0, fps], np.r_[0, tps]
    return fps / fps[-1], tps / tps[-1]


def eer(y_true, y_score):
    """The challenge's compute_eer: (0, 0) put in front of the ROC points, first
    point with fpr + eps >= 1 - tpr, straight line through it and the one before."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_score = np.asarray(y_score, dtype=np.float64)
    if y_true.sum() == 0 or y_true.sum() == y_true.size:
        return float('nan'), 'no positives or no negatives'
    fpr, tpr = roc_curve(y_true, y_score)
    eps = 1e-6
    points = [(0.0, 0.0)] + list(zip(fpr.tolist(), tpr.tolist()))
    for i, (f, t) in enumerate(points):
        if f + eps >= 1 - t:
            break
    (f1, t1), (f2, t2) = points[i - 1], points[i]
    if abs(f2 - f1) < eps:
        return f1, 'vertical segment: EER = fpr of the point before'
    m = (t2 - t1) / (f2 - f1)
    o = t1 - m * f1
    return (1 - o) / (1 + m), 'interpolated'


def read_pair(d):
    truth = {}
    with open(os.path.join(d, 'fold1_evaluate.csv'), newline='') as fh:
        for line in fh.read().splitlines():
            if line.strip():
                f, v = line.split(',')
                truth[f] = v
    scores = {}
    with open(os.path.join(d, 'results_fold1.csv'), newline='') as fh:
        for line in fh.read().splitlines():
            if line.strip():
                f, l, s = line.split(',')
                scores[(f, l)] = float(s)
    return truth, scores


def eers_of(truth, scores):
    files = list(truth)
    out = {}
    for l in sorted(LABELS):
        y = np.array([1 if l in truth[f] else 0 for f in files])
        s = np.array([scores[(f, l)] for f in files])
        e, how = eer(y, s)
        out[l] = {'name': NAMES[l], 'positives': int(y.sum()), 'negatives': int(y.size - y.sum()), 'eer': e, 'how': how}
    vals = [v['eer'] for v in out.values() if not np.isnan(v['eer'])]
    return out, float(np.mean(vals))


# ---------------------------------------------------------------- synthetic example

def generate():
    rng = np.random.default_rng(SEED)
    # 10 synthetic recording segments, 28 chunks each (chunk numbers 0-74 of a 5-minute segment)
    chunks = []
    for s in range(10):
        seg = f'SYN_lounge_0101{70 + s // 5:02d}_{9 + s:02d}{(s * 7) % 60:02d}.s{(s % 3) * 300}'
        for n in sorted(rng.choice(75, size=28, replace=False).tolist()):
            chunks.append(f'{seg}_chunk{n}.16kHz.wav')
    rng.shuffle(chunks)
    # label prevalences of the same order as the development set; b is rare
    prevalence = {'c': 0.6, 'm': 0.1, 'f': 0.2, 'v': 0.6, 'p': 0.4, 'o': 0.2}
    votes = []
    b_chunks = set(rng.choice(len(chunks), size=5, replace=False).tolist())
    silent = set(rng.choice([i for i in range(len(chunks)) if i not in b_chunks], size=6, replace=False).tolist())
    for i in range(len(chunks)):
        if i in silent:
            votes.append('S')  # silence only: no task-4 label
            continue
        letters = {l for l, p in prevalence.items() if rng.random() < p}
        if i in b_chunks:
            letters.add('b')
        if not letters:
            letters.add('v')
        votes.append(''.join(sorted(letters)))
    # scores on the scale of GMM log-likelihood differences; separation differs per label;
    # o is quantized to integers and v to steps of 250 so that tied scores occur
    separation = {'c': 1.7, 'b': 1.2, 'f': 1.1, 'm': 1.4, 'o': 0.9, 'p': 1.0, 'v': 2.6}
    scale = {'c': 900.0, 'b': 2500.0, 'f': 600.0, 'm': 700.0, 'o': 300.0, 'p': 800.0, 'v': 1200.0}
    rows = []
    for f, v in zip(chunks, votes):
        for l in LABELS:
            z = rng.standard_normal() + (separation[l] / 2 if l in v else -separation[l] / 2)
            score = float(z * scale[l] - 0.3 * scale[l])
            if l == 'o':
                score = float(np.round(score))
            elif l == 'v':
                score = float(np.round(score / 250.0) * 250.0)
            rows.append((f, l, score))
    with open(os.path.join(HERE, 'fold1_evaluate.csv'), 'w', newline='') as fh:
        fh.write(''.join(f'{f},{v}\r\n' for f, v in zip(chunks, votes)))
    with open(os.path.join(HERE, 'results_fold1.csv'), 'w', newline='') as fh:
        fh.write(''.join(f'{f},{l},{s!r}\r\n' for f, l, s in rows))
    truth, scores = read_pair(HERE)  # score what was written, as a reader would
    per, mean = eers_of(truth, scores)
    with open(os.path.join(HERE, 'eers.json'), 'w') as fh:
        json.dump({
            'about': 'EERs of this synthetic example, computed by generate.py (NumPy, the official DCASE 2016 task 4 procedure), not by the library',
            'chunks': len(chunks),
            'perLabel': per,
            'mean': mean,
        }, fh, indent=1)
        fh.write('\n')
    for l, r in per.items():
        print(f"{l} {r['eer']:.9f} ({r['positives']} positives, {r['how']})")
    print(f'mean {mean:.9f}')


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == '--check-eer':
        per, mean = eers_of(*read_pair(sys.argv[2]))
        for l, r in per.items():
            print(f"{l} {r['eer']!r} ({r['how']})")
        print(f'mean {mean!r}')
    else:
        generate()
