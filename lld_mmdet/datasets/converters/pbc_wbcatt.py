"""Importer for the PBC single-cell images with WBCAtt attributes.

Joins, by image file name, the YOLO boxes of ``labels/`` (one centred white
cell per 360x363 crop) with the WBCAtt attribute rows
(``wbcatt_attributes/pbc_attr_v1_{train,val,test}.csv``), and writes the
lld_mmdet COCO schema with WBCAtt's 11 attributes (``attribute_schema=
'wbcatt'``). The two source repositories' splits disagree, so a seeded,
class-stratified split of the project's own is made.
"""
import csv
import glob
import os.path as osp
from typing import Dict, List, Tuple

import numpy as np

from ..schema import LLD_CLASSES, AttributeSchema
from .lld_yolo import LLDConversionError, _image_size

#: medmabcf YOLO class id -> LLD class name (PBC has no blasts; Erythroblast
#: and Ig (immature granulocytes) have no LLD class and are rejected).
PBC_TO_LLD = {0: 'Basophil', 1: 'Eosinophil', 4: 'Lymphocyte', 5: 'Monocyte',
              6: 'Neutrophil'}


def _read_attribute_rows(root: str) -> Dict[str, dict]:
    rows = {}
    pattern = osp.join(root, 'wbcatt_attributes', 'pbc_attr_v1_*.csv')
    for path in sorted(glob.glob(pattern)):
        with open(path, newline='') as f:
            for line_no, row in enumerate(csv.DictReader(f), start=2):
                rows[row['img_name']] = dict(row, _where=f'{path}:{line_no}')
    if not rows:
        raise LLDConversionError([f'{pattern}: no WBCAtt attribute files'])
    return rows


def import_pbc_wbcatt(root: str,
                      test_fraction: float = 0.2,
                      seed: int = 0) -> Tuple[dict, dict]:
    """Build (train, test) COCO dicts in the lld_mmdet schema.

    Args:
        root (str): The ``pbc_wbcatt`` folder (``images/``, ``labels/``,
            ``wbcatt_attributes/``, ``manifest.csv``).
        test_fraction (float): Held-out share of each class.
        seed (int): Seed of the split.

    Raises:
        LLDConversionError: listing every ``file:line: reason`` found.
    """
    schema = AttributeSchema.build('wbcatt')
    attributes = _read_attribute_rows(root)
    errors: List[str] = []
    records = []
    manifest = osp.join(root, 'manifest.csv')
    with open(manifest, newline='') as f:
        entries = list(csv.DictReader(f))
    for line_no, entry in enumerate(entries, start=2):
        name = entry['img_name']
        where = f'{manifest}:{line_no} ({name})'
        img_path = osp.join(root, 'images', name)
        label_path = osp.join(root, 'labels', osp.splitext(name)[0] + '.txt')
        if name not in attributes:
            errors.append(f'{where}: no WBCAtt attribute row')
            continue
        try:
            width, height = _image_size(img_path)
            with open(label_path) as lf:
                rows = [r.split() for r in lf if r.strip()]
        except OSError as err:
            errors.append(f'{where}: {err}')
            continue
        if len(rows) != 1 or len(rows[0]) != 5:
            errors.append(f'{label_path}: expected one row "cls xc yc w h"')
            continue
        cls = int(rows[0][0])
        if cls not in PBC_TO_LLD:
            errors.append(f'{label_path}:1: class {cls} has no LLD class')
            continue
        xc, yc, w, h = (float(v) for v in rows[0][1:])
        row = attributes[name]
        mapping = {a: row[a] for a in schema.names}
        try:
            schema.encode(mapping, row['_where'])
        except ValueError as err:
            errors.append(str(err))
            continue
        if row['label'] != PBC_TO_LLD[cls]:
            errors.append(f'{row["_where"]}: WBCAtt label {row["label"]} '
                          f'disagrees with the YOLO class of {label_path}')
            continue
        x1, y1 = (xc - w / 2) * width, (yc - h / 2) * height
        records.append(dict(
            image=dict(file_name=name, width=width, height=height),
            ann=dict(category_id=LLD_CLASSES.index(PBC_TO_LLD[cls]),
                     bbox=[round(x1, 2), round(y1, 2), round(w * width, 2),
                           round(h * height, 2)],
                     area=round(w * width * h * height, 2), iscrowd=0,
                     attributes=mapping)))
    if errors:
        raise LLDConversionError(errors)
    rng = np.random.default_rng(seed)
    test_names = set()
    by_class: Dict[int, List[str]] = {}
    for rec in records:
        by_class.setdefault(rec['ann']['category_id'], []).append(
            rec['image']['file_name'])
    for names in by_class.values():
        names = sorted(names)
        n_test = int(round(len(names) * test_fraction))
        test_names.update(rng.permutation(names)[:n_test].tolist())
    splits = {'train': [], 'test': []}
    for rec in records:
        split = 'test' if rec['image']['file_name'] in test_names else 'train'
        splits[split].append(rec)
    categories = [dict(id=i, name=n) for i, n in enumerate(LLD_CLASSES)]
    out = []
    for split in ('train', 'test'):
        images, anns = [], []
        for i, rec in enumerate(splits[split], start=1):
            images.append(dict(id=i, **rec['image']))
            anns.append(dict(id=i, image_id=i, **rec['ann']))
        out.append(dict(
            info=dict(description=f'PBC + WBCAtt, {split} split (seed '
                      f'{seed}, test fraction {test_fraction})',
                      attribute_schema=schema.to_dict()),
            images=images, annotations=anns, categories=categories))
    return out[0], out[1]
