"""Class and attribute histograms of the demo set, per split and domain.

    python benchmarks/demo_data_stats.py [--root data/demo]

Writes benchmarks/results/demo_data_stats.md (tables) and
benchmarks/results/demo_data_stats.png (plots).
"""
import argparse
import json
import os.path as osp
from collections import Counter

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from lld_mmdet.datasets.domains import all_subsets, subset_name  # noqa: E402
from lld_mmdet.datasets.schema import (LLD_ATTRIBUTE_SCHEMA,  # noqa: E402
                                       LLD_CLASSES)

HERE = osp.dirname(osp.abspath(__file__))
SPLITS = ('train', 'train_full', 'val', 'test')
ATTRS = [a['name'] for a in LLD_ATTRIBUTE_SCHEMA['attributes']]


def load(root, split):
    with open(osp.join(root, 'annotations', f'{split}.json')) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--root', default='data/demo')
    parser.add_argument('--out', default=osp.join(HERE, 'results',
                                                  'demo_data_stats'))
    args = parser.parse_args()
    data = {s: load(args.root, s) for s in SPLITS}
    lines = [f'# Demo set statistics (`{args.root}`)', '',
             f'Command: `python benchmarks/demo_data_stats.py --root '
             f'{args.root}`', '', '## Cells per class and split', '',
             '| class | ' + ' | '.join(SPLITS) + ' |',
             '|---|' + '---|' * len(SPLITS)]
    class_counts = {s: Counter(a['category_id'] for a in d['annotations'])
                    for s, d in data.items()}
    for k, name in enumerate(LLD_CLASSES):
        lines.append(f'| {k} {name} | ' + ' | '.join(
            str(class_counts[s][k]) for s in SPLITS) + ' |')
    lines.append('| **images** | ' + ' | '.join(
        str(len(data[s]['images'])) for s in SPLITS) + ' |')

    lines += ['', '## Images / cells per domain (train_full, val, test)', '',
              '| domain | images | cells | cells per image |', '|---|---|---|---|']
    per_domain = {}
    for s in ('train_full', 'val', 'test'):
        img_dom = {i['id']: subset_name(i['microscope'], i['magnification'],
                                        i['camera'])
                   for i in data[s]['images']}
        for i in data[s]['images']:
            per_domain.setdefault(img_dom[i['id']], [0, 0])[0] += 1
        for a in data[s]['annotations']:
            per_domain[img_dom[a['image_id']]][1] += 1
    for dom in all_subsets():
        n_img, n_cell = per_domain[dom]
        lines.append(f'| {dom} | {n_img} | {n_cell} | {n_cell / n_img:.1f} |')

    lines += ['', '## Cells per class and domain (train_full + val + test)',
              '', '| class | ' + ' | '.join(all_subsets()) + ' |',
              '|---|' + '---|' * 12]
    class_domain = Counter()
    for s in ('train_full', 'val', 'test'):
        dom = {i['id']: subset_name(i['microscope'], i['magnification'],
                                    i['camera']) for i in data[s]['images']}
        for a in data[s]['annotations']:
            class_domain[(a['category_id'], dom[a['image_id']])] += 1
    for k, name in enumerate(LLD_CLASSES):
        lines.append(f'| {k} {name} | ' + ' | '.join(
            str(class_domain[(k, d)]) for d in all_subsets()) + ' |')

    lines += ['', '## Attribute values per split', '',
              '| attribute | split | value 0 | value 1 | N/A |',
              '|---|---|---|---|---|']
    for a in ATTRS:
        for s in SPLITS:
            c = Counter(ann['attributes'].get(a)
                        for ann in data[s]['annotations'])
            lines.append(f'| {a} | {s} | {c[0]} | {c[1]} | {c[None]} |')

    lines += ['', '## Attribute values (train_full + val + test)', '',
              '| attribute | value 0 | value 1 | N/A |', '|---|---|---|---|']
    attr_counts = {a: Counter() for a in ATTRS}
    for s in ('train_full', 'val', 'test'):
        for ann in data[s]['annotations']:
            for a in ATTRS:
                attr_counts[a][ann['attributes'].get(a)] += 1
    for a in ATTRS:
        c = attr_counts[a]
        lines.append(f'| {a} | {c[0]} | {c[1]} | {c[None]} |')
    visible = len(data['train']['annotations'])
    hidden = len(data['train_full']['annotations'])
    lines += ['', f'Sparse train split: {visible} of {hidden} cells '
              f'({visible / hidden:.0%}) are labelled (inside the regions).']

    fig, axes = plt.subplots(1, 3, figsize=(17, 4.5))
    x = np.arange(len(LLD_CLASSES))
    for j, s in enumerate(('train_full', 'val', 'test')):
        axes[0].bar(x + (j - 1) * 0.27,
                    [class_counts[s][k] for k in x], 0.27, label=s)
    axes[0].set_xticks(x, [n[:10] for n in LLD_CLASSES], rotation=70,
                       fontsize=7)
    axes[0].set_title('cells per class')
    axes[0].legend()
    doms = all_subsets()
    axes[1].bar(np.arange(12), [per_domain[d][1] for d in doms])
    axes[1].set_xticks(np.arange(12), doms, rotation=70, fontsize=7)
    axes[1].set_title('cells per domain (all splits)')
    xa = np.arange(len(ATTRS))
    for j, v in enumerate((0, 1, None)):
        axes[2].bar(xa + (j - 1) * 0.27, [attr_counts[a][v] for a in ATTRS],
                    0.27, label='N/A' if v is None else f'value {v}')
    axes[2].set_xticks(xa, ATTRS, rotation=40, fontsize=7, ha='right')
    axes[2].set_title('attribute values')
    axes[2].legend()
    fig.tight_layout()
    fig.savefig(args.out + '.png', dpi=80)
    with open(args.out + '.md', 'w') as f:
        f.write('\n'.join(lines) + '\n\n![histograms](demo_data_stats.png)\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
