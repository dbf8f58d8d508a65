"""The synthetic LLD-like demo set: fields, splits, sparse regions, files.

Layout written under ``out_dir``::

    annotations/train.json        sparse: one region per image, cells in it
    annotations/train_full.json   the same images, every cell (hidden labels)
    annotations/val.json          fully annotated
    annotations/test.json         fully annotated
    images/{split}/{subset}/{patient}_{n}_{total mag}_{diagnosis}.png
    labels/{split}/{subset}/*.txt the same labels in the authors' 16-column
                                  YOLO format (val/test: region = image)

Every image is a pure function of ``(seed, split, subset, index)``, so the
set is identical for a seed whatever the machine.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional

import cv2
import numpy as np

from ..converters.lld_yolo import coco_to_yolo
from ..domains import all_subsets, parse_subset_name
from ..schema import LLD_ATTRIBUTE_SCHEMA, LLD_CLASSES
from .morphology import DIAGNOSES, DIAGNOSIS_CLASS_WEIGHTS
from .render import render_field

GENERATOR_VERSION = 1
SPLITS = ('train', 'val', 'test')
#: 48 patients, as in the LLD; disjoint between splits.
PATIENTS = {
    'train': range(1, 31),
    'val': range(31, 39),
    'test': range(39, 49)
}
TOTAL_MAGNIFICATION = {'100x': 1000, '40x': 400, '10x': 100}
#: Every class appears in every film a little, the diagnosis' classes more.
BASE_CLASS_WEIGHT = 0.5


def split_sizes(images_per_domain: int) -> Dict[str, int]:
    """Images per domain in each split: K train, ceil(K/4) val, ceil(K/2)
    test."""
    k = images_per_domain
    return dict(train=k, val=-(-k // 4), test=-(-k // 2))


def patient_diagnosis(seed: int, patient: int) -> str:
    return DIAGNOSES[int(
        np.random.default_rng([seed, 7919, patient]).integers(
            len(DIAGNOSES)))]


def sample_region(rng: np.random.Generator, size: int,
                  fraction: float) -> List[int]:
    """A random rectangle of about ``fraction`` of the image area (x1 y1 x2
    y2, integer pixels), with aspect ratio between 0.6 and 1.67."""
    area = fraction * size * size * rng.uniform(0.9, 1.1)
    aspect = np.exp(rng.uniform(np.log(0.6), np.log(1 / 0.6)))
    w = int(round(min(size, np.sqrt(area * aspect))))
    h = int(round(min(size, area / max(w, 1))))
    x1 = int(rng.integers(0, size - w + 1))
    y1 = int(rng.integers(0, size - h + 1))
    return [x1, y1, x1 + w, y1 + h]


def centre_inside(bbox, region) -> bool:
    """The rule that decides which cells of a sparse image are labelled."""
    cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    return region[0] <= cx < region[2] and region[1] <= cy < region[3]


def _annotation(ann_id, img_id, cell):
    x1, y1, x2, y2 = (round(v, 2) for v in cell['bbox'])
    attrs = cell['attributes']
    names = [a['name'] for a in LLD_ATTRIBUTE_SCHEMA['attributes']]
    return dict(
        id=ann_id, image_id=img_id, category_id=cell['label'],
        bbox=[x1, y1, round(x2 - x1, 2), round(y2 - y1, 2)],
        area=round((x2 - x1) * (y2 - y1), 2), iscrowd=0,
        attributes={n: (None if attrs is None else attrs[i])
                    for i, n in enumerate(names)})


def make_demo_data(out_dir: str,
                   seed: int = 0,
                   images_per_domain: int = 10,
                   size: int = 256,
                   region_fraction: float = 0.2,
                   image_format: str = 'png',
                   command: Optional[str] = None) -> Dict[str, dict]:
    """Render and write the demo set (see the module docstring).

    Args:
        out_dir (str): Output folder (created; existing files with the same
            names are replaced, others are left alone).
        seed (int): Seed of the whole set.
        images_per_domain (int): Training images per domain (val and test
            get a quarter and a half of it, rounded up).
        size (int): Image side in pixels.
        region_fraction (float): Area of the annotated region of a training
            image, as a fraction of the image.
        image_format (str): ``'png'`` (lossless, like the LLD release) or
            ``'jpg'`` (quality 92, about 6x smaller; used for the shipped
            set to stay within the repository's size budget).
        command (str, optional): Recorded in each JSON's ``info``.

    Returns:
        dict: split name -> the COCO dict written (``train_full`` included).
    """
    if image_format not in ('png', 'jpg'):
        raise ValueError(f"image_format must be 'png' or 'jpg', got "
                         f'{image_format!r}')
    categories = [dict(id=i, name=n) for i, n in enumerate(LLD_CLASSES)]
    info = dict(description='lld_mmdet synthetic demo set (not medical '
                'data)', generator_version=GENERATOR_VERSION, seed=seed,
                images_per_domain=images_per_domain, size=size,
                region_fraction=region_fraction, image_format=image_format,
                command=command)
    outputs = {}
    for split_idx, split in enumerate(SPLITS):
        images, visible, hidden = [], [], []
        for dom_idx, subset in enumerate(all_subsets()):
            domain = parse_subset_name(subset)
            for n in range(split_sizes(images_per_domain)[split]):
                rng = np.random.default_rng([seed, split_idx, dom_idx, n])
                patient = int(rng.choice(list(PATIENTS[split])))
                diagnosis = patient_diagnosis(seed, patient)
                weights = {k: BASE_CLASS_WEIGHT for k in range(14)}
                for k, w in DIAGNOSIS_CLASS_WEIGHTS[diagnosis].items():
                    weights[k] += w
                img, cells = render_field(rng, size, domain['magnification'],
                                          domain['microscope'],
                                          domain['camera'], weights)
                total_mag = TOTAL_MAGNIFICATION[domain['magnification']]
                file_name = (f'{subset}/{patient}_{n + 1}_{total_mag}_'
                             f'{diagnosis}.{image_format}')
                path = osp.join(out_dir, 'images', split, file_name)
                os.makedirs(osp.dirname(path), exist_ok=True)
                cv2.imwrite(path, img, [cv2.IMWRITE_JPEG_QUALITY, 92]
                            if image_format == 'jpg' else [])
                img_id = len(images) + 1
                image = dict(id=img_id, file_name=file_name, width=size,
                             height=size, patient=str(patient),
                             diagnosis=diagnosis, **domain)
                region = (sample_region(rng, size, region_fraction)
                          if split == 'train' else None)
                for cell in cells:
                    ann = _annotation(len(hidden) + 1, img_id, cell)
                    hidden.append(ann)
                    if region is None or centre_inside(cell['bbox'], region):
                        visible.append(ann)
                if region is not None:
                    image = dict(image, annotated_region=region)
                images.append(image)
        outputs[split] = dict(info=info, images=images, annotations=visible,
                              categories=categories)
        if split == 'train':
            outputs['train_full'] = dict(
                info=info,
                images=[{k: v for k, v in img.items()
                         if k != 'annotated_region'} for img in images],
                annotations=hidden, categories=categories)
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    for name, coco in outputs.items():
        with open(osp.join(out_dir, 'annotations', f'{name}.json'), 'w') as f:
            json.dump(coco, f, indent=None, separators=(',', ':'))
        if name in SPLITS:
            coco_to_yolo(coco, osp.join(out_dir, 'labels', name), 'sparse16')
    return outputs
