#!/usr/bin/env python3
"""Generate synthetic TAU Urban Acoustic Scenes 2020 Mobile fold-1 lists (same
files, columns and line format as the dataset's evaluation-setup lists; the
location and segment numbers are synthetic, the 10 scene labels and the 10
city names are the dataset's vocabulary).

Writes, next to this script:
  fold1_train.csv     `filename<TAB>scene_label`, header, LF, no newline after the last row
  fold1_evaluate.csv  same columns, CRLF
  fold1_test.csv      header `filename`, the evaluate files, CRLF
File names: `audio/<scene>-<city>-<location>-<segment>-<device>.wav`.

Design (the real split's structure at a small scale): every recording
(scene-city-location-segment) exists for device a; b, c and s1-s3 are
parallel copies of some of them; s4-s6 appear only in evaluate (unseen
devices). Train: per scene 3 locations x 3 segments with device a, and one
segment per scene each for b, c, s1, s2, s3. Evaluate: per scene 2 recordings
at 2 other locations, each on all 9 devices (so 20 files per device, 18 per
scene, device groups A : B&C : s1-s3 : s4-s6 = 20 : 40 : 60 : 60, the 1:2:3:3
of the real 330 : 660 : 990 : 990). No location is on both sides.

Run: python3 generate.py   (NumPy only; seed fixed below)
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20200301
SCENES = ['airport', 'bus', 'metro', 'metro_station', 'park', 'public_square', 'shopping_mall',
          'street_pedestrian', 'street_traffic', 'tram']
CITIES = ['barcelona', 'helsinki', 'lisbon', 'london', 'lyon', 'milan', 'paris', 'prague', 'stockholm', 'vienna']
SEEN = ['b', 'c', 's1', 's2', 's3']
ALL = ['a', 'b', 'c', 's1', 's2', 's3', 's4', 's5', 's6']


def main():
    rng = np.random.default_rng(SEED)
    location = iter(range(9000, 10000))
    segment = iter(range(90000, 100000))
    train, evaluate = [], []
    for scene in SCENES:
        cities = rng.permutation(CITIES).tolist()
        recordings = []
        for city in cities[:3]:
            loc = next(location)
            for _ in range(3):
                recordings.append(f'{scene}-{city}-{loc}-{next(segment)}')
        train += [(f'audio/{r}-a.wav', scene) for r in recordings]
        for d in SEEN:
            r = recordings[int(rng.integers(0, len(recordings)))]
            train.append((f'audio/{r}-{d}.wav', scene))
        for city in cities[3:5]:
            r = f'{scene}-{city}-{next(location)}-{next(segment)}'
            evaluate += [(f'audio/{r}-{d}.wav', scene) for d in ALL]
    train = [train[i] for i in rng.permutation(len(train))]
    train.sort(key=lambda r: SCENES.index(r[1]))  # the real lists run scene by scene
    evaluate.sort(key=lambda r: (SCENES.index(r[1]), ALL.index(r[0].rsplit('-', 1)[1][:-4])))
    with open(os.path.join(HERE, 'fold1_train.csv'), 'w', newline='') as fh:
        fh.write('filename\tscene_label\n' + '\n'.join(f'{f}\t{s}' for f, s in train))
    with open(os.path.join(HERE, 'fold1_evaluate.csv'), 'w', newline='') as fh:
        fh.write('filename\tscene_label\r\n' + ''.join(f'{f}\t{s}\r\n' for f, s in evaluate))
    with open(os.path.join(HERE, 'fold1_test.csv'), 'w', newline='') as fh:
        fh.write('filename\r\n' + ''.join(f'{f}\r\n' for f, _ in evaluate))
    dev = lambda rows: {d: sum(f.endswith(f'-{d}.wav') for f, _ in rows) for d in ALL}
    print(f'train: {len(train)} files, devices {dev(train)}; first {train[0][0]}')
    print(f'evaluate: {len(evaluate)} files, devices {dev(evaluate)}')


if __name__ == '__main__':
    main()
