"""Pascal VOC folders (e.g. BCCD) to the lld_mmdet COCO schema, optionally
simulating sparse annotation (one labelled region per image)."""
import os.path as osp
import xml.etree.ElementTree as ET
from typing import List, Optional, Sequence

import numpy as np

from ..synthetic.generator import centre_inside, sample_region
from .lld_yolo import LLDConversionError


def voc_to_coco(root: str,
                split: str,
                classes: Sequence[str],
                sparse_fraction: Optional[float] = None,
                seed: int = 0) -> dict:
    """Convert ``root/ImageSets/Main/{split}.txt``.

    Args:
        root (str): VOC folder with ``Annotations/``, ``JPEGImages/``,
            ``ImageSets/Main/``.
        split (str): Image-set name, e.g. ``'trainval'``.
        classes (list[str]): Class names to keep, in label order; objects of
            other classes are left out.
        sparse_fraction (float, optional): If given, each image gets a random
            ``annotated_region`` of about this fraction of its area (seeded
            per image) and keeps only the boxes whose centre lies in it (the
            rule of the LLD sparse release).
        seed (int): Seed of the regions.

    Returns:
        dict: COCO dict; ``info.dropped`` lists degenerate boxes (zero width
        or height) that were left out, with file and object index.
    """
    list_file = osp.join(root, 'ImageSets', 'Main', f'{split}.txt')
    if not osp.isfile(list_file):
        raise LLDConversionError([f'{list_file}: image set not found'])
    with open(list_file) as f:
        names = [line.strip() for line in f if line.strip()]
    images, annotations, dropped = [], [], []
    errors: List[str] = []
    for img_id, name in enumerate(names, start=1):
        xml_path = osp.join(root, 'Annotations', f'{name}.xml')
        try:
            tree = ET.parse(xml_path).getroot()
        except (OSError, ET.ParseError) as err:
            errors.append(f'{xml_path}: {err}')
            continue
        size = tree.find('size')
        width = int(size.find('width').text)
        height = int(size.find('height').text)
        image = dict(id=img_id, file_name=tree.find('filename').text,
                     width=width, height=height)
        region = None
        if sparse_fraction is not None:
            rng = np.random.default_rng([seed, img_id])
            side = min(width, height)
            # sample on a square of the short side, stretched to the image
            x1, y1, x2, y2 = sample_region(rng, side, sparse_fraction)
            sx, sy = width / side, height / side
            region = [round(x1 * sx), round(y1 * sy), round(x2 * sx),
                      round(y2 * sy)]
            image['annotated_region'] = region
        images.append(image)
        for k, obj in enumerate(tree.findall('object')):
            cls = obj.find('name').text
            if cls not in classes:
                continue
            box = obj.find('bndbox')
            x1, y1, x2, y2 = (float(box.find(t).text)
                              for t in ('xmin', 'ymin', 'xmax', 'ymax'))
            if x2 <= x1 or y2 <= y1:
                dropped.append(f'{xml_path}: object {k} ({cls}) '
                               f'{[x1, y1, x2, y2]} has zero area')
                continue
            if region is not None and not centre_inside([x1, y1, x2, y2],
                                                        region):
                continue
            annotations.append(dict(
                id=len(annotations) + 1, image_id=img_id,
                category_id=list(classes).index(cls),
                bbox=[x1, y1, x2 - x1, y2 - y1], area=(x2 - x1) * (y2 - y1),
                iscrowd=0))
    if errors:
        raise LLDConversionError(errors)
    return dict(info=dict(description=f'{root} {split} (VOC)',
                          sparse_fraction=sparse_fraction, seed=seed,
                          dropped=dropped),
                images=images, annotations=annotations,
                categories=[dict(id=i, name=n)
                            for i, n in enumerate(classes)])
