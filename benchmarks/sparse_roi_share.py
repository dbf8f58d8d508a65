"""How much of the R-CNN sampling does region ignore leave, and how strongly
would the attribute loss outweigh the box losses without rescaling it?

For a sparse Faster R-CNN config (default: the demo region-ignore model) and
some of its checkpoints (none = the initialised model), the training
forward pass runs on the first ``--batches`` training batches (no backward)
and records, per batch, the share of the nominal RoIs the sampler kept,
``sampled / (num_images * sampler.num)`` (the factor
``AttrRoIHead(sample_normalizer='nominal')`` multiplies every RoI loss by),
and the positive RoIs per image. Without rescaling the attribute loss (a
mean over the positives) its weight relative to the box losses is
1 / share times what it is with full labels.

    python benchmarks/sparse_roi_share.py [--config C] [--batches 24]
        [CHECKPOINT ...]

Writes benchmarks/results/sparse_roi_share_demo.md.
"""
import argparse
import os
import os.path as osp
import statistics

import torch
from _common import REPO, write_results
from mmengine.config import Config
from mmengine.runner import Runner, load_checkpoint

from lld_mmdet.models.roi_heads import AttrRoIHead


def measure(runner, checkpoint, batches):
    """(shares, positives per image) over ``batches`` training batches."""
    model = runner.model
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu', logger=None)
    model.train()
    shares, positives = [], []
    original = AttrRoIHead.attr_loss

    def spy(head, x, sampling_results, batch_gt_instances):
        images = len(sampling_results)
        shares.append(sum(len(r.priors) for r in sampling_results) /
                      (images * head.bbox_sampler.num))
        positives.append(sum(len(r.pos_priors)
                             for r in sampling_results) / images)
        return original(head, x, sampling_results, batch_gt_instances)

    AttrRoIHead.attr_loss = spy
    try:
        for i, batch in enumerate(runner.train_dataloader):
            if i == batches:
                break
            data = model.data_preprocessor(batch, True)
            with torch.no_grad():
                model.loss(data['inputs'], data['data_samples'])
    finally:
        AttrRoIHead.attr_loss = original
    return shares, positives


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('checkpoints', nargs='*')
    parser.add_argument('--config',
                        default='configs/demo/faster_rcnn_sparse.py')
    parser.add_argument('--batches', type=int, default=24)
    args = parser.parse_args()
    for path in [args.config, *args.checkpoints]:
        if not osp.isfile(path):
            parser.error(f'{path}: no such file')
    cfg = Config.fromfile(args.config)
    cfg.work_dir = osp.join(REPO, 'work_dirs', 'sparse_roi_share')
    # the same crops and model initialisation on every run
    cfg.randomness = dict(seed=0)
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    runner = Runner.from_cfg(cfg)
    roi_head = getattr(runner.model, 'roi_head', None)
    if not isinstance(roi_head, AttrRoIHead) or roi_head.attr_head is None:
        parser.error(f'{args.config}: model.roi_head must be an AttrRoIHead '
                     'with an attribute branch (attr_head)')
    lines = ['# Share of the nominal R-CNN RoIs left by region ignore', '',
             'Command: `python benchmarks/sparse_roi_share.py '
             + ' '.join(['--config', args.config, '--batches',
                         str(args.batches), *args.checkpoints]) +
             f'`; training forward passes (no backward) on the first '
             f'{args.batches} training batches (seed 0); {os.cpu_count()} CPU '
             'cores.',
             '', '| weights | RoIs kept / nominal (mean, min-max) | positive '
             'RoIs per image | attribute loss weight vs full labels without '
             'rescaling |', '|---|---|---|---|']
    for ckpt in [None, *map(osp.abspath, args.checkpoints)]:
        shares, positives = measure(runner, ckpt, args.batches)
        mean = statistics.mean(shares)
        lines.append(
            f'| {osp.relpath(ckpt, REPO) if ckpt else "initialised"} | '
            f'{mean:.2f} ({min(shares):.2f}-{max(shares):.2f}) | '
            f'{statistics.mean(positives):.1f} | {1 / mean:.1f}x |')
        print(lines[-1], flush=True)
    write_results('sparse_roi_share_demo.md', lines)


if __name__ == '__main__':
    main()
