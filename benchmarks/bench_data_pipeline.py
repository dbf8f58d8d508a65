"""Data-loading throughput: LLDDataset (attributes + region) vs mmdet's
CocoDataset, same images, same geometric pipeline, measured side by side in
one process; plus the YOLO converter's rows/s at two sizes (linear time).

    python benchmarks/bench_data_pipeline.py [--images 60] [--rounds 5]

Writes benchmarks/results/data_pipeline.md.
"""
import argparse
import json
import os
import os.path as osp
import platform
import sys
import tempfile
import time

import cv2
import numpy as np
import torch
from mmdet.registry import DATASETS
from mmdet.utils import register_all_modules

import lld_mmdet  # noqa: F401
from lld_mmdet.datasets.converters import coco_to_yolo, yolo_to_coco
from lld_mmdet.datasets.schema import LLD_CLASSES

HERE = osp.dirname(osp.abspath(__file__))


def make_dataset(root, num_images, cells_per_image=12, size=640, seed=0):
    rng = np.random.default_rng(seed)
    images, annotations = [], []
    for img_id in range(1, num_images + 1):
        name = f'{img_id:05d}.png'
        pixels = rng.integers(0, 255, (size // 8, size // 8, 3), np.uint8)
        cv2.imwrite(osp.join(root, name),
                    cv2.resize(pixels, (size, size)))
        x0, y0 = rng.integers(0, size // 2, 2)
        images.append(dict(id=img_id, file_name=name, width=size,
                           height=size, microscope='HCM',
                           magnification='100x', camera='C1',
                           annotated_region=[int(x0), int(y0),
                                             int(x0) + size // 2,
                                             int(y0) + size // 2]))
        for _ in range(cells_per_image):
            x, y = rng.uniform(0, size - 60, 2)
            w, h = rng.uniform(20, 60, 2)
            annotations.append(dict(
                id=len(annotations) + 1, image_id=img_id,
                category_id=int(rng.integers(0, 14)),
                bbox=[float(x), float(y), float(w), float(h)],
                area=float(w * h), iscrowd=0,
                attributes=dict(
                    cell_size=int(rng.integers(0, 2)),
                    nuclear_chromatin=int(rng.integers(0, 2)),
                    nucleolus=None)))
    coco = dict(images=images, annotations=annotations,
                categories=[dict(id=i, name=n)
                            for i, n in enumerate(LLD_CLASSES)])
    path = osp.join(root, 'ann.json')
    with open(path, 'w') as f:
        json.dump(coco, f)
    return coco, path


def pipeline(lld):
    load = 'LoadLLDAnnotations' if lld else 'LoadAnnotations'
    pack = 'PackLLDInputs' if lld else 'PackDetInputs'
    return [
        dict(type='LoadImageFromFile'),
        dict(type=load, with_bbox=True),
        dict(type='RandomFlip', prob=0.5),
        dict(type='RandomChoiceResize', scales=[(480, 480), (640, 640)],
             keep_ratio=True),
        dict(type='RandomCrop', crop_size=(400, 400),
             allow_negative_crop=True),
        dict(type=pack),
    ]


def build(root, lld):
    cfg = dict(type='LLDDataset' if lld else 'CocoDataset', data_root=root,
               ann_file='ann.json', data_prefix=dict(img=''),
               pipeline=pipeline(lld),
               filter_cfg=dict(filter_empty_gt=False))
    if not lld:
        cfg['metainfo'] = dict(classes=LLD_CLASSES)
    start = time.perf_counter()
    ds = DATASETS.build(cfg)
    return ds, time.perf_counter() - start


def iterate(ds):
    start = time.perf_counter()
    for i in range(len(ds)):
        ds[i]
    return time.perf_counter() - start


def bench_converter(tmp, rows):
    images = osp.join(tmp, f'conv{rows}', 'images')
    labels = osp.join(tmp, f'conv{rows}', 'labels')
    os.makedirs(images)
    per_image = 20
    coco_images, anns = [], []
    for i in range(rows // per_image):
        name = f'{i:06d}.png'
        cv2.imwrite(osp.join(images, name), np.zeros((8, 8, 3), np.uint8))
        coco_images.append(dict(id=i + 1, file_name=name, width=8, height=8,
                                annotated_region=[0, 0, 4, 4]))
        for j in range(per_image):
            anns.append(dict(id=len(anns) + 1, image_id=i + 1,
                             category_id=j % 14, bbox=[1, 1, 2, 2],
                             attributes=dict(cell_size=j % 2)))
    coco_to_yolo(dict(images=coco_images, annotations=anns), labels,
                 'sparse16')
    start = time.perf_counter()
    out = yolo_to_coco(images, labels, 'sparse16')
    seconds = time.perf_counter() - start
    assert len(out['annotations']) == rows
    return rows / seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--images', type=int, default=60)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--out', default=osp.join(HERE, 'results',
                                                  'data_pipeline.md'))
    args = parser.parse_args()
    register_all_modules()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        make_dataset(tmp, args.images)
        (coco_ds, coco_init), (lld_ds, lld_init) = build(tmp, False), build(
            tmp, True)
        iterate(coco_ds), iterate(lld_ds)  # warm the page cache
        coco_t, lld_t = [], []
        for r in range(args.rounds):  # interleaved, seeded alike
            np.random.seed(r)
            coco_t.append(iterate(coco_ds))
            np.random.seed(r)
            lld_t.append(iterate(lld_ds))
        rows_small = bench_converter(tmp, 4000)
        rows_large = bench_converter(tmp, 40000)
    coco_med, lld_med = float(np.median(coco_t)), float(np.median(lld_t))
    ratio = coco_med / lld_med
    n = args.images
    lines = [
        '# Data pipeline throughput: LLDDataset vs CocoDataset',
        '',
        f'Command: `python benchmarks/bench_data_pipeline.py --images {n} '
        f'--rounds {args.rounds}`  ',
        f'Machine: {platform.processor() or platform.machine()}, '
        f'{os.cpu_count()} cores, Python {sys.version.split()[0]}, torch '
        f'{torch.__version__}, 1 thread, no workers.',
        '',
        f'{n} images 640x640 PNG, 12 cells each, pipeline: load, annotations,'
        ' RandomFlip, RandomChoiceResize, RandomCrop, pack. Median of '
        f'{args.rounds} interleaved rounds over all images.',
        '',
        '| dataset | load + validate (s) | pipeline s/round | images/s |',
        '|---|---|---|---|',
        f'| CocoDataset + LoadAnnotations + PackDetInputs | {coco_init:.3f} '
        f'| {coco_med:.3f} | {n / coco_med:.1f} |',
        f'| LLDDataset + LoadLLDAnnotations + PackLLDInputs | {lld_init:.3f}'
        f' | {lld_med:.3f} | {n / lld_med:.1f} |',
        '',
        f'**Throughput ratio LLD / COCO: {ratio:.3f}x** (goal >= 0.95x).',
        '',
        '## YOLO converter (sparse16), linear time',
        '',
        '| rows | rows/s |',
        '|---|---|',
        f'| 4,000 | {rows_small:,.0f} |',
        f'| 40,000 | {rows_large:,.0f} |',
        '',
        f'rows/s ratio 40k / 4k: {rows_large / rows_small:.2f} '
        '(1.0 = linear).',
    ]
    text = '\n'.join(lines) + '\n'
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
