"""Demo learnability: train a demo config with tools/train.py, evaluate the
last checkpoint on the demo TEST split with tools/test.py, and write bbox mAP
(per class too) and, for attribute models, the attribute scores.

    python benchmarks/demo_baseline.py [--config configs/demo/faster_rcnn_full.py]
"""
import argparse
import os
import os.path as osp

from _common import HERE, train_and_test


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--config', default='configs/demo/faster_rcnn_full.py')
    parser.add_argument('--work-dir', default='work_dirs/demo_baseline')
    parser.add_argument('--out', default=osp.join(HERE, 'results',
                                                  'demo_baseline.md'))
    parser.add_argument('--no-reuse', action='store_true')
    args = parser.parse_args()
    metrics, minutes = train_and_test(args.config, args.work_dir,
                                      ['test_evaluator.classwise=True'],
                                      reuse=not args.no_reuse)
    lines = [
        f'# Demo set: `{args.config}`', '',
        f'Command: `python benchmarks/demo_baseline.py --config '
        f'{args.config} --work-dir {args.work_dir}`  ',
        f'Training: {minutes:.1f} min on {os.cpu_count()} CPU cores. Last '
        'checkpoint, evaluated on the demo **test** split (96 images, 12 '
        'domains, fully annotated).', '', '| metric | value |', '|---|---|'
    ]
    for key in ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'attr_mean_acc',
                'attr_mean_f1', 'attr_matched', 'gtbox_attr_mean_acc',
                'gtbox_attr_mean_f1'):
        if f'lld/{key}' in metrics:
            lines.append(f'| {key} | {metrics[f"lld/{key}"]} |')
    attrs = sorted({k[len('lld/attr_'):-len('_acc')] for k in metrics
                    if k.startswith('lld/attr_') and k.endswith('_acc')
                    and 'mean' not in k})
    if attrs:
        lines += ['', '| attribute | acc (matched) | F1 (matched) | '
                  'acc (GT boxes) |', '|---|---|---|---|']
        for a in attrs:
            lines.append(f'| {a} | {metrics[f"lld/attr_{a}_acc"]} | '
                         f'{metrics[f"lld/attr_{a}_f1"]} | '
                         f'{metrics.get(f"lld/gtbox_attr_{a}_acc", "-")} |')
    lines += ['', 'Tables printed by tools/test.py:', ''] + metrics['_table']
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
