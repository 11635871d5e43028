#!/usr/bin/env python3
"""Generate the synthetic CHiME-Home metadata lists (same files, columns and
line format as the dataset's own lists; every name and label synthetic).

Writes, next to this script:
  development_chunks_refined_crossval_dcase2016.csv  `index,chunkname,set_id`, no header, LF
  evaluation_chunks_refined.csv                      `index,chunkname`, no header, LF
  dev_refined_1946_labels_folds.csv                  `chunkname,dcase2016_fold,majorityvote`, header, LF
  eval_refined_816_labels.csv                        `chunkname,majorityvote`, header, LF
  chunk-annotations-sample/<chunk>.csv               11 `key,value` lines, as the per-chunk files
(The two label tables keep the real file names so that the folder can stand
in for the real one; their row counts are NOT 1946 and 816.)

Design: 7 development and 3 evaluation recording segments (`SYN_...`), 4-s
chunks numbered 0-74 within a 5-minute segment; development set ids 0-4 by
segment, except two segments whose chunks are split over two set ids (the real
official folds do that for 3 segments); majority votes drawn per chunk with
letters c m f v p b o (sorted, as in the real lists) and a few `S` (silence);
each annotation file has three annotators whose letters give that vote by
majority (a letter counts when at least 2 of 3 annotators give it).

Run: python3 generate.py   (NumPy only; seed fixed below)
"""
import os
from collections import Counter

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20150601
LETTERS = 'bcfmopv'
PREVALENCE = {'c': 0.6, 'm': 0.1, 'f': 0.2, 'v': 0.6, 'p': 0.4, 'o': 0.2, 'b': 0.03}


def vote(rng):
    if rng.random() < 0.04:
        return 'S'
    letters = {l for l, p in PREVALENCE.items() if rng.random() < p} or {'v'}
    return ''.join(sorted(letters))


def segment_name(k):
    return f'SYN_lounge_0302{80 + k // 4:02d}_{8 + k:02d}{(k * 13) % 60:02d}.s{(k % 4) * 300}'


def annotators(rng, v):
    """Three annotation strings whose 2-of-3 majority is v."""
    ann = [set(), set(), set()]
    for l in v:
        for a in (rng.choice(3, size=int(rng.integers(2, 4)), replace=False)):
            ann[a].add(l)
    for l in LETTERS + 'S':
        if l not in v and rng.random() < 0.15:
            ann[int(rng.integers(0, 3))].add(l)
    out = [''.join(sorted(a)) for a in ann]
    majority = ''.join(sorted(l for l in set(''.join(out)) if sum(l in a for a in out) >= 2))
    assert majority == v, (majority, v, out)
    return out


def main():
    rng = np.random.default_rng(SEED)
    dev, ev = [], []  # (chunkname, set_id or None, vote, segment, chunknumber)
    sizes = [12, 9, 14, 8, 11, 10, 13]
    set_of_segment = [0, 1, 2, 3, 4, 0, 2]
    split_into = {2: 3, 5: 1}  # segment -> second set id for the last third of its chunks
    for k, n in enumerate(sizes):
        seg = segment_name(k)
        numbers = sorted(rng.choice(75, size=n, replace=False).tolist())
        for j, c in enumerate(numbers):
            sid = split_into[k] if k in split_into and j >= 2 * n // 3 else set_of_segment[k]
            dev.append((f'{seg}_chunk{c}', sid, vote(rng), seg, c))
    for k, n in enumerate([10, 8, 9], start=len(sizes)):
        seg = segment_name(k)
        for c in sorted(rng.choice(75, size=n, replace=False).tolist()):
            ev.append((f'{seg}_chunk{c}', None, vote(rng), seg, c))
    dev.sort(key=lambda r: r[1])  # the real list runs fold by fold
    order = rng.permutation(len(ev))
    ev = [ev[i] for i in order]

    with open(os.path.join(HERE, 'development_chunks_refined_crossval_dcase2016.csv'), 'w', newline='') as fh:
        fh.write(''.join(f'{i},{r[0]},{r[1]}\n' for i, r in enumerate(dev)))
    with open(os.path.join(HERE, 'evaluation_chunks_refined.csv'), 'w', newline='') as fh:
        fh.write(''.join(f'{i},{r[0]}\n' for i, r in enumerate(ev)))
    with open(os.path.join(HERE, 'dev_refined_1946_labels_folds.csv'), 'w', newline='') as fh:
        fh.write('chunkname,dcase2016_fold,majorityvote\n' + ''.join(f'{r[0]},{r[1]},{r[2]}\n' for r in dev))
    with open(os.path.join(HERE, 'eval_refined_816_labels.csv'), 'w', newline='') as fh:
        fh.write('chunkname,majorityvote\n' + ''.join(f'{r[0]},{r[2]}\n' for r in ev))

    # annotation files: 5 development chunks, 2 evaluation chunks, 1 chunk in no refined list
    ann_dir = os.path.join(HERE, 'chunk-annotations-sample')
    for f in os.listdir(ann_dir):
        os.remove(os.path.join(ann_dir, f))
    picked = [dev[i] for i in sorted(rng.choice(len(dev), size=5, replace=False).tolist())]
    picked += [ev[i] for i in sorted(rng.choice(len(ev), size=2, replace=False).tolist())]
    seg0 = segment_name(0)
    used = {r[4] for r in dev if r[3] == seg0}
    spare = min(c for c in range(75) if c not in used)
    picked.append((f'{seg0}_chunk{spare}', None, vote(rng), seg0, spare))
    for name, _, v, seg, c in picked:
        a = annotators(rng, v)
        lines = [('segmentname', seg), ('chunknumber', c), ('framestart', c * 4 * 48000)]
        for i in range(3):
            lines += [(f'annotation_a{i + 1}', a[i]), (f'session_a{i + 1}', f'{float(rng.integers(1, 8))}')]
        lines += [('majorityvote', v), ('chunkname', name)]
        with open(os.path.join(ann_dir, f'{name}.csv'), 'w', newline='') as fh:
            fh.write(''.join(f'{k},{x}\n' for k, x in lines))

    folds = Counter(r[1] + 1 for r in dev)
    labels = {l: sum(l in r[2] for r in dev) for l in 'cmfvpbo'}
    spread = {seg for seg in {r[3] for r in dev} if len({r[1] for r in dev if r[3] == seg}) > 1}
    print(f'development: {len(dev)} chunks, folds 1-5 {[folds[k] for k in range(1, 6)]}, '
          f'{len({r[3] for r in dev})} segments, {len(spread)} in more than one fold')
    print('development label counts:', labels, '; chunks with no task-4 label:', sum(r[2] == "S" for r in dev))
    print(f'evaluation: {len(ev)} chunks, {len({r[3] for r in ev})} segments')
    print(f'annotation files: {len(picked)}')


if __name__ == '__main__':
    main()
