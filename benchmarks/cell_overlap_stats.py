"""How crowded are the cells? Data for choosing
``semi_train_cfg.gt_overlap_thr``: a pseudo label is dropped when it
overlaps a GT box by more than that IoU (the default 0.0 drops every box
that touches one), so on a crowded smear every cell touching a labelled
one can never become a pseudo label.

    python benchmarks/cell_overlap_stats.py FULL_JSON [--sparse SPARSE_JSON]
        [--name N]

FULL_JSON: fully labelled COCO-style annotations (the schema's). It gives
the share of cells whose highest IoU with another labelled cell of the same
image is above each threshold (two distinct cells rarely overlap much, so
this says how high ``gt_overlap_thr`` can go before a second detection of a
labelled cell gets through). With ``--sparse`` (the same images' sparse
annotations, an ``annotated_region`` per image, as
``tools/convert_voc.py --sparse-fraction`` writes them) it also counts, per
class, the hidden cells outside the region (less than half inside it, the
rule of PseudoLabelStatsHook) and how many of them overlap a labelled cell
of the sparse file by more than each threshold: the cells the rule keeps
from ever being pseudo labels. Writes
benchmarks/results/cell_overlap_<name>.md.
"""
import argparse
import json
import os.path as osp

import numpy as np
import torch
from mmdet.structures.bbox import bbox_overlaps

from _common import write_results
from lld_mmdet.models.task_modules.assigners import region_covered_fraction

THRESHOLDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)


def load(path):
    """{file name: (image record, (n, 4) x1y1x2y2 boxes, (n,) category
    ids)} and {category id: name}, from a COCO-style file (the sparse and
    the full file are matched by file name)."""
    with open(path) as f:
        coco = json.load(f)
    out = {img['id']: (img, [], []) for img in coco['images']}
    for ann in coco.get('annotations', []):
        if ann['image_id'] not in out:
            raise ValueError(f'{path}: annotation {ann.get("id")} has '
                             f'image_id {ann["image_id"]}, not an image of '
                             'the file')
        x, y, w, h = ann['bbox']
        out[ann['image_id']][1].append([x, y, x + w, y + h])
        out[ann['image_id']][2].append(ann['category_id'])
    names = {c['id']: c['name'] for c in coco.get('categories', [])}
    by_name = {}
    for img, b, c in out.values():
        if img['file_name'] in by_name:
            raise ValueError(f'{path}: file_name {img["file_name"]!r} is '
                             'used by more than one image')
        by_name[img['file_name']] = (img, np.asarray(
            b, np.float64).reshape(-1, 4), np.asarray(c, np.int64))
    return by_name, names


def iou(a, b):
    """(n, m) IoU of x1y1x2y2 boxes ``a`` (n, 4) and ``b`` (m, 4)."""
    return bbox_overlaps(torch.from_numpy(a), torch.from_numpy(b)).numpy()


def max_neighbour_iou(boxes):
    """(n,) highest IoU of each box with another box of the same image."""
    if len(boxes) < 2:
        return np.zeros(len(boxes))
    overlaps = iou(boxes, boxes)
    np.fill_diagonal(overlaps, 0)
    return overlaps.max(1)


def share_row(label, values):
    return f'| {label} | {len(values)} | ' + ' | '.join(
        f'{(values > t).mean():.3f}' if len(values) else '-'
        for t in THRESHOLDS) + ' |'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('full', help='fully labelled COCO-style json')
    parser.add_argument('--sparse', help='the same images, sparse labels '
                        'with an annotated_region each')
    parser.add_argument('--name', default='data')
    args = parser.parse_args()
    if not args.name or osp.basename(args.name) != args.name:
        parser.error(f'--name must be a plain name (it becomes '
                     f'benchmarks/results/cell_overlap_<name>.md), got '
                     f'{args.name!r}')
    full, names = load(args.full)
    header = ('| cells | n | ' + ' | '.join(f'> {t}' for t in THRESHOLDS) +
              ' |', '|---|---|' + '---|' * len(THRESHOLDS))
    command = f'python benchmarks/cell_overlap_stats.py {args.full}'
    if args.sparse:
        command += f' --sparse {args.sparse}'
    lines = [f'# Overlap between cells ({args.name})', '',
             f'Command: `{command} --name {args.name}`.', '',
             '## Share of labelled cells whose highest IoU with another '
             'labelled cell is above each value', '', *header]
    neighbour = {k: max_neighbour_iou(b) for k, (_, b, _) in full.items()}
    cats = sorted(names)
    lines.append(share_row('all', np.concatenate(list(neighbour.values()))))
    for cat in cats:
        lines.append(share_row(names[cat], np.concatenate(
            [neighbour[k][c == cat] for k, (_, _, c) in full.items()])))
    if args.sparse:
        sparse, _ = load(args.sparse)
        per_cat = {cat: [] for cat in cats}
        for key, (img, gt, _) in sparse.items():
            region = img.get('annotated_region')
            if not region or key not in full:
                continue
            hidden, hidden_cats = full[key][1], full[key][2]
            outside = region_covered_fraction(
                torch.from_numpy(hidden), torch.as_tensor(
                    region, dtype=torch.float64)).numpy() < 0.5
            best = iou(hidden[outside], gt).max(1) if len(gt) else np.zeros(
                int(outside.sum()))
            for cat, value in zip(hidden_cats[outside], best):
                per_cat[cat].append(value)
        lines += ['', '## Share of hidden cells outside the annotated region '
                  'that overlap a labelled cell of the sparse file by IoU '
                  'above each value (a pseudo label there is dropped at '
                  '`gt_overlap_thr` below that value)', '', *header]
        lines.append(share_row('all', np.asarray(
            [v for vals in per_cat.values() for v in vals])))
        for cat in cats:
            lines.append(share_row(names[cat], np.asarray(per_cat[cat])))
    write_results(f'cell_overlap_{args.name}.md', lines)


if __name__ == '__main__':
    main()
