"""Save (or show) training samples as the model sees them.

    python tools/browse_dataset.py CONFIG --output-dir DIR [--num 20]

Each picture shows the transformed image with its boxes, class names, the
attribute code of each cell (one character per attribute: value index, '-'
for not applicable) and the annotated region (dashed) of sparse images.
"""
import argparse
import os
import os.path as osp

import mmcv
from mmdet.registry import DATASETS, VISUALIZERS
from mmdet.structures.bbox import BaseBoxes
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Browse a dataset')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--output-dir', help='save drawings here instead of showing them')
    parser.add_argument(
        '--split',
        default='train',
        choices=['train', 'val', 'test'],
        help='which dataloader\'s dataset to browse [default: train]')
    parser.add_argument(
        '--num', type=int, default=None, help='at most this many samples')
    parser.add_argument(
        '--show-interval', type=float, default=2, help='seconds per image')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    loader_cfg = cfg.get(f'{args.split}_dataloader')
    if not loader_cfg:
        raise SystemExit(f'{args.config} has no {args.split}_dataloader')
    dataset = DATASETS.build(loader_cfg.dataset)
    visualizer = VISUALIZERS.build(cfg.visualizer)
    visualizer.dataset_meta = dataset.metainfo
    if args.output_dir:
        os.makedirs(args.output_dir, exist_ok=True)

    num = len(dataset) if args.num is None else min(args.num, len(dataset))
    progress = ProgressBar(num)
    for idx in range(num):
        item = dataset[idx]
        data_sample = item['data_samples']
        gt_instances = data_sample.gt_instances
        if isinstance(gt_instances.get('bboxes'), BaseBoxes):
            gt_instances.bboxes = gt_instances.bboxes.tensor
        img = item['inputs'].permute(1, 2, 0).numpy()
        img = mmcv.bgr2rgb(img)
        name = osp.basename(data_sample.img_path)
        out_file = osp.join(args.output_dir, f'{idx:05d}_{name}') \
            if args.output_dir else None
        visualizer.add_datasample(
            name,
            img,
            data_sample,
            draw_pred=False,
            show=out_file is None,
            wait_time=args.show_interval,
            out_file=out_file)
        progress.update()


if __name__ == '__main__':
    main()
