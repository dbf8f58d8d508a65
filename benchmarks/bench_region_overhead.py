"""Train-step cost of the sparse-region logic: the demo Faster R-CNN and DINO
with region ignore (SparseRegionIgnore + RegionAwareMaxIoUAssigner /
AttrDINOHead region_ignore) vs the same models and batches without it
(mmdet's MaxIoUAssigner, DINO's targets), timed side by side in one process
(forward + backward of one batch of 4 sparse demo images).

    python benchmarks/bench_region_overhead.py [--reps 10]

Writes benchmarks/results/region_overhead.md. Goal: <= 1.02x.
"""
import argparse
import copy
import os
import os.path as osp
import time

import torch
from mmdet.registry import DATASETS, MODELS
from mmdet.utils import register_all_modules
from mmengine.config import Config

import lld_mmdet  # noqa: F401

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(HERE)


def batch(cfg, with_region):
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.data_root = osp.join(REPO, ds_cfg.data_root)
    ds_cfg.pipeline = [t for t in ds_cfg.pipeline
                       if with_region or t['type'] != 'SparseRegionIgnore']
    ds_cfg.pipeline = [t for t in ds_cfg.pipeline if t['type'] != 'RandomFlip']
    ds = DATASETS.build(ds_cfg)
    items = [ds[i] for i in range(4)]
    return dict(inputs=[it['inputs'] for it in items],
                data_samples=[it['data_samples'] for it in items])


def step_time(model, data, reps):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        processed = model.data_preprocessor(copy.deepcopy(data), True)
        losses = model.loss(processed['inputs'], processed['data_samples'])
        loss, _ = model.parse_losses(losses)
        loss.backward()
        model.zero_grad()
        times.append(time.perf_counter() - start)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--reps', type=int, default=10)
    args = parser.parse_args()
    register_all_modules()
    torch.set_num_threads(2)
    rows = []
    for name, config in (('Faster R-CNN (demo)',
                          'configs/demo/faster_rcnn_sparse.py'),
                         ('DINO (demo)', 'configs/demo/dino_sparse_ignore.py')):
        cfg = Config.fromfile(osp.join(REPO, config))
        torch.manual_seed(0)
        plain_cfg = copy.deepcopy(cfg.model)  # DINO mutates its config
        with_region = MODELS.build(copy.deepcopy(cfg.model))
        if plain_cfg.type == 'DINO':
            plain_cfg.bbox_head.region_ignore = None
        else:
            for key in ('rpn', 'rcnn'):
                assigner = plain_cfg.train_cfg[key].assigner
                assigner.type = 'MaxIoUAssigner'
                assigner.pop('region_iof_thr')
        plain = MODELS.build(plain_cfg)
        plain.load_state_dict(with_region.state_dict())
        with_region.train()
        plain.train()
        data_on, data_off = batch(cfg, True), batch(cfg, False)
        step_time(with_region, data_on, 1)
        step_time(plain, data_off, 1)
        t_on, t_off = [], []
        for _ in range(args.reps):
            torch.manual_seed(1)
            t_off += step_time(plain, data_off, 1)
            torch.manual_seed(1)
            t_on += step_time(with_region, data_on, 1)
        mo, mn = sorted(t_off)[len(t_off) // 2], sorted(t_on)[len(t_on) // 2]
        rows.append((name, mo, mn, mn / mo))
        print(rows[-1], flush=True)
    lines = [
        '# Train-step overhead of the sparse-region logic', '',
        f'Command: `python benchmarks/bench_region_overhead.py --reps '
        f'{args.reps}`; {os.cpu_count()} CPU cores, 2 threads; one batch of '
        '4 sparse demo images, forward + backward, median of '
        f'{args.reps} interleaved steps.', '',
        '| model | without region logic (s) | with (s) | ratio |',
        '|---|---|---|---|'
    ] + [f'| {n} | {a:.3f} | {b:.3f} | **{r:.3f}x** |' for n, a, b, r in rows
         ] + ['', 'Goal: <= 1.02x. Random sampling inside the RPN/R-CNN '
              'samplers makes single steps vary by a few percent.']
    with open(osp.join(HERE, 'results', 'region_overhead.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
