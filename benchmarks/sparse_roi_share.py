"""How much of the R-CNN sampling does region ignore leave, and how strongly
would the attribute loss outweigh the box losses without rescaling it?

For a sparse Faster R-CNN config (default: the demo region-ignore model) and
some of its checkpoints (none = the initialised model), the training
forward pass runs on the first ``--batches`` training batches (no backward)
and records, per batch, the share of the nominal RoIs the sampler kept,
``sampled / (num_images * sampler.num)`` (the factor
``AttrRoIHead(sample_normalizer='nominal')`` multiplies every RoI loss by),
the positive RoIs per image and the negative RoIs per positive (the
classifier's balance of background to cells). Without rescaling the
attribute loss (a mean over the positives) its weight relative to the box
losses is 1 / share times what it is with full labels.

    python benchmarks/sparse_roi_share.py [--config C] [--batches 24]
        [CHECKPOINT ...] [--pair CONFIG CHECKPOINT ...] [--out NAME.md]

``--pair`` (repeatable) adds a checkpoint measured under its own config
(other training labels or sampler); with ``--pair`` and no positional
checkpoint the initialised model is left out. Writes
benchmarks/results/sparse_roi_share_demo.md (or ``--out``).
"""
import argparse
import os
import os.path as osp
import statistics

import torch
from _common import REPO, check_out_name, write_results
from mmengine.config import Config
from mmengine.runner import Runner, load_checkpoint

from lld_mmdet.models.roi_heads import AttrRoIHead


def measure(runner, checkpoint, batches):
    """(shares, positives per image, negatives per image) over ``batches``
    training batches, one value per batch each."""
    model = runner.model
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu', logger=None)
    model.train()
    shares, positives, negatives = [], [], []
    original = AttrRoIHead.attr_loss

    def spy(head, x, sampling_results, batch_gt_instances):
        images = len(sampling_results)
        sampled = sum(len(r.priors) for r in sampling_results)
        pos = sum(len(r.pos_priors) for r in sampling_results)
        shares.append(sampled / (images * head.bbox_sampler.num))
        positives.append(pos / images)
        negatives.append((sampled - pos) / images)
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
    return shares, positives, negatives


def build_runner(parser, config):
    """A runner of ``config`` with the same crops and initialisation on
    every call (seed 0, no workers); exits naming the config when its model
    has no attribute RoI head."""
    cfg = Config.fromfile(config)
    cfg.work_dir = osp.join(REPO, 'work_dirs', 'sparse_roi_share')
    cfg.randomness = dict(seed=0)
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    runner = Runner.from_cfg(cfg)
    roi_head = getattr(runner.model, 'roi_head', None)
    if not isinstance(roi_head, AttrRoIHead) or roi_head.attr_head is None:
        parser.error(f'{config}: model.roi_head must be an AttrRoIHead '
                     'with an attribute branch (attr_head)')
    return runner


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('checkpoints', nargs='*')
    parser.add_argument('--config',
                        default='configs/demo/faster_rcnn_sparse.py')
    parser.add_argument('--pair', nargs=2, action='append', default=[],
                        metavar=('CONFIG', 'CHECKPOINT'),
                        help='a checkpoint measured under its own config')
    parser.add_argument('--batches', type=int, default=24)
    parser.add_argument('--out', default='sparse_roi_share_demo.md',
                        help='results file name in benchmarks/results')
    args = parser.parse_args()
    check_out_name(parser, args.out)
    rows = [(args.config, osp.abspath(c)) for c in args.checkpoints]
    if rows or not args.pair:
        rows.insert(0, (args.config, None))
    rows += [(c, osp.abspath(p)) for c, p in args.pair]
    for config, ckpt in rows:
        for path in (config, ckpt):
            if path and not osp.isfile(path):
                parser.error(f'{path}: no such file')
    command = ['--config', args.config, '--batches', str(args.batches),
               *args.checkpoints]
    for config, ckpt in args.pair:
        command += ['--pair', config, ckpt]
    lines = ['# Share of the nominal R-CNN RoIs left by region ignore', '',
             'Command: `python benchmarks/sparse_roi_share.py '
             + ' '.join(command + ['--out', args.out]) +
             f'`; training forward passes (no backward) on the first '
             f'{args.batches} training batches (seed 0) of each row\'s '
             f'config; {os.cpu_count()} CPU cores.',
             '', '| config | weights | RoIs kept / nominal (mean, min-max) | '
             'positive RoIs per image | negative RoIs per positive | '
             'attribute loss weight vs full labels without rescaling |',
             '|---|---|---|---|---|---|']
    runners = {}
    for config, ckpt in rows:
        if config not in runners:
            runners[config] = build_runner(parser, config)
        shares, positives, negatives = measure(runners[config], ckpt,
                                               args.batches)
        mean = statistics.mean(shares)
        lines.append(
            f'| {osp.relpath(osp.abspath(config), REPO)} | '
            f'{osp.relpath(ckpt, REPO) if ckpt else "initialised"} | '
            f'{mean:.2f} ({min(shares):.2f}-{max(shares):.2f}) | '
            f'{statistics.mean(positives):.1f} | '
            f'{sum(negatives) / max(sum(positives), 1e-9):.1f} | '
            f'{1 / mean:.1f}x |')
        print(lines[-1], flush=True)
    write_results(args.out, lines)


if __name__ == '__main__':
    main()
