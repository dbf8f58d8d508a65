"""Sparse-region ignore on the demo set: the same detector trained on (1)
the full hidden labels, (2) the sparse labels treating everything unlabelled
as background (naive), (3) the sparse labels with region ignore; bbox mAP on
the fully annotated demo test split and the recovery ratio (3-2)/(1-2).

    python benchmarks/sparse_ignore.py [--detectors faster_rcnn,dino]

Each run is cached in its work dir (rerun = resume). Writes
benchmarks/results/sparse_ignore.md.
"""
import argparse
import os
import os.path as osp

from _common import HERE, train_and_test

ROWS = {
    'faster_rcnn': [('full labels (upper bound)', 'faster_rcnn_attr'),
                    ('sparse, naive', 'faster_rcnn_sparse_naive'),
                    ('sparse, region ignore', 'faster_rcnn_sparse')],
    'dino': [('full labels (upper bound)', 'dino_attr'),
             ('sparse, naive', 'dino_sparse_naive'),
             ('sparse, region ignore', 'dino_sparse_ignore')],
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--detectors', default='faster_rcnn')
    args = parser.parse_args()
    lines = ['# Sparse-region ignore on the demo set', '',
             f'Command: `python benchmarks/sparse_ignore.py --detectors '
             f'{args.detectors}`. Same schedule for every row '
             '(configs/demo/...); test split fully annotated (96 images); '
             f'one seed each; {os.cpu_count()} CPU cores.', '']
    for detector in args.detectors.split(','):
        lines += [f'## {detector}', '',
                  '| training labels | config | mAP | mAP50 | train min |',
                  '|---|---|---|---|---|']
        results = []
        for name, config in ROWS[detector]:
            metrics, minutes = train_and_test(f'configs/demo/{config}.py',
                                              f'work_dirs/demo_{config}')
            results.append(metrics)
            lines.append(f'| {name} | `configs/demo/{config}.py` | '
                         f'{metrics["lld/bbox_mAP"]} | '
                         f'{metrics["lld/bbox_mAP_50"]} | {minutes:.1f} |')
        full, naive, ignore = (r['lld/bbox_mAP_50'] for r in results)
        gap = full - naive
        ratio = (ignore - naive) / gap if gap > 0 else float('nan')
        lines += ['', f'Recovery ratio (mAP50): (ignore - naive) / (full - '
                  f'naive) = ({ignore} - {naive}) / ({full} - {naive}) = '
                  f'**{ratio:.2f}**', '']
    with open(osp.join(HERE, 'results', 'sparse_ignore.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
