"""Speed of the synthetic field renderer (goal: >= 5 images/s at 320x320 on
one core), per magnification, rendering only and rendering + PNG writing.

    python benchmarks/bench_demo_generator.py [--n 60]

Writes benchmarks/results/demo_generator_speed.md.
"""
import argparse
import os
import os.path as osp
import tempfile
import time

import cv2
import numpy as np

from lld_mmdet.datasets.synthetic import make_demo_data, render_field

HERE = osp.dirname(osp.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--n', type=int, default=60)
    parser.add_argument('--size', type=int, default=320)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    weights = {k: 1.0 for k in range(14)}
    rows = []
    for mag in ('100x', '40x', '10x'):
        start = time.perf_counter()
        for i in range(args.n):
            render_field(np.random.default_rng(i), args.size, mag, 'LCM',
                         'C2', weights)
        rows.append((mag, args.n / (time.perf_counter() - start)))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        out = make_demo_data(tmp, seed=0, images_per_domain=4,
                             size=args.size)
        n = sum(len(out[s]['images']) for s in ('train', 'val', 'test'))
        end_to_end = n / (time.perf_counter() - start)
    lines = [
        '# Demo generator speed', '',
        f'Command: `python benchmarks/bench_demo_generator.py --n {args.n} '
        f'--size {args.size}` (one process, OpenCV 1 thread).', '',
        '| what | images/s |', '|---|---|'
    ] + [f'| render only, {m}, LCM/C2 | {r:.1f} |' for m, r in rows] + [
        f'| make_demo_data end to end (render + PNG + JSON + YOLO), '
        f'{n} images | {end_to_end:.1f} |', '',
        f'Goal: >= 5 images/s at {args.size}x{args.size} on one core.'
    ]
    os.makedirs(osp.join(HERE, 'results'), exist_ok=True)
    with open(osp.join(HERE, 'results', 'demo_generator_speed.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
