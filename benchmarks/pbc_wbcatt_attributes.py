"""Real cells, real attributes: import PBC + WBCAtt, train the Faster R-CNN
attribute model (configs/pbc_wbcatt/faster_rcnn_attr.py), and compare its
per-attribute accuracy on the held-out cells with the majority-class
baseline (the most frequent training value of each attribute).

    python benchmarks/pbc_wbcatt_attributes.py

Writes benchmarks/results/pbc_wbcatt_attributes.md.
"""
import json
import os
import os.path as osp
import sys
from collections import Counter

from _common import REPO, run, train_and_test, write_results

CONFIG = 'configs/pbc_wbcatt/faster_rcnn_attr.py'
WORK = 'work_dirs/pbc_wbcatt_attr'


def main():
    run([sys.executable, 'tools/convert_pbc_wbcatt.py', '--out-dir',
         'work_dirs/pbc_wbcatt', '--overwrite'])
    res, minutes = train_and_test(CONFIG, WORK)
    with open(osp.join(REPO, 'work_dirs/pbc_wbcatt/train.json')) as f:
        train = json.load(f)
    with open(osp.join(REPO, 'work_dirs/pbc_wbcatt/test.json')) as f:
        test = json.load(f)
    names = list(train['info']['attribute_schema']['attributes'])
    lines = [
        '# PBC + WBCAtt: attribute accuracy on real cells', '',
        f'Command: `python benchmarks/pbc_wbcatt_attributes.py` (config '
        f'`{CONFIG}`, {len(train["images"])} training / '
        f'{len(test["images"])} held-out cells, class-stratified split, '
        f'seed 0; ResNet-18 from scratch, 24 epochs, {minutes:.1f} min on '
        f'{os.cpu_count()} CPU cores).', '',
        f'Box mAP50 on the held-out cells: {res["lld/bbox_mAP_50"]}.', '',
        'Accuracy per attribute: on GT boxes (detection-free) and on '
        'detections matched to GT (IoU >= 0.5, same class), next to the '
        'majority-class baseline.', '',
        '| attribute | values | majority baseline | model, GT boxes | '
        'model, matched detections | macro F1 (GT boxes) |',
        '|---|---|---|---|---|---|'
    ]
    wins = 0
    for attr in names:
        name = attr['name']
        train_vals = Counter(a['attributes'][name]
                             for a in train['annotations'])
        majority = train_vals.most_common(1)[0][0]
        test_vals = [a['attributes'][name] for a in test['annotations']]
        base = sum(v == majority for v in test_vals) / len(test_vals)
        gt_acc = res[f'lld/gtbox_attr_{name}_acc']
        det_acc = res[f'lld/attr_{name}_acc']
        wins += gt_acc > base
        lines.append(f'| {name} | {len(attr["values"])} | {base:.3f} '
                     f'({majority}) | {gt_acc:.3f} | {det_acc:.3f} | '
                     f'{res[f"lld/gtbox_attr_{name}_f1"]:.3f} |')
    lines += [
        f'| **mean** | | | **{res["lld/gtbox_attr_mean_acc"]:.3f}** | '
        f'{res["lld/attr_mean_acc"]:.3f} | '
        f'{res["lld/gtbox_attr_mean_f1"]:.3f} |', '',
        f'The model beats the majority baseline on {wins} of {len(names)} '
        'attributes.'
    ]
    write_results('pbc_wbcatt_attributes.md', lines)


if __name__ == '__main__':
    main()
