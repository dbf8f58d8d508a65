"""Demo learnability: train a demo config with tools/train.py, evaluate the
final checkpoint on the demo TEST split with tools/test.py, and write the
bbox mAP (per class too) to benchmarks/results/demo_baseline.md.

    python benchmarks/demo_baseline.py [--config configs/demo/faster_rcnn_full.py]
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(HERE)


def run(cmd):
    print('+', ' '.join(cmd), flush=True)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(proc.stdout[-4000:] + proc.stderr[-4000:])
    return proc.stdout + proc.stderr, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--config', default='configs/demo/faster_rcnn_full.py')
    parser.add_argument('--work-dir', default='work_dirs/demo_baseline')
    parser.add_argument('--out', default=osp.join(HERE, 'results',
                                                  'demo_baseline.md'))
    args = parser.parse_args()
    py = sys.executable
    _, train_s = run([py, 'tools/train.py', args.config, '--work-dir',
                      args.work_dir])
    ckpt = sorted(glob.glob(osp.join(REPO, args.work_dir, 'epoch_*.pth')),
                  key=lambda p: int(re.findall(r'epoch_(\d+)', p)[0]))[-1]
    log, test_s = run([py, 'tools/test.py', args.config, ckpt, '--work-dir',
                       args.work_dir, '--cfg-options',
                       'test_evaluator.classwise=True'])
    table = re.findall(r'(\|.*\|)\n', log)
    metrics = sorted(glob.glob(osp.join(REPO, args.work_dir, '*', '*.json')),
                     key=osp.getmtime)[-1]
    with open(metrics) as f:
        result = json.load(f)
    lines = [
        f'# Demo learnability: `{args.config}`', '',
        f'Command: `python benchmarks/demo_baseline.py --config '
        f'{args.config}`  ',
        f'Train {train_s / 60:.1f} min, test {test_s:.0f} s, on this '
        f'machine ({os.cpu_count()} CPU cores). Checkpoint: last epoch '
        f'(`{osp.relpath(ckpt, REPO)}`). Evaluated on the demo **test** '
        'split (96 images, 12 domains).', '',
        '| metric | value |', '|---|---|'
    ] + [f'| {k} | {v} |' for k, v in result.items()
         if k.startswith(('coco/', 'lld/'))] + ['', 'Per class (mmdet CocoMetric, '
                                      'classwise):', ''] + table
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
