"""Loading of LLD annotations: boxes, labels, attributes, annotated region."""
from typing import Optional

import numpy as np
from mmdet.datasets.transforms import FilterAnnotations, LoadAnnotations
from mmdet.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadLLDAnnotations(LoadAnnotations):
    """``LoadAnnotations`` plus per-cell attributes and the annotated region.

    Attributes are not filtered by the box-dropping transforms themselves.
    Instead each box gets its index in the image (``gt_instances_ids``),
    which ``RandomCrop`` keeps in step with the boxes (so does
    :class:`LLDFilterAnnotations`), and :class:`PackLLDInputs` looks the
    attributes up by those ids. A transform that drops boxes without their
    ids is detected at packing time and reported.

    Required Keys (from :class:`LLDDataset`):

    - instances: each with ``bbox``, ``bbox_label``, ``ignore_flag``,
      ``attributes``
    - num_attributes (int)
    - annotated_region (list | None)

    Added Keys:

    - gt_bboxes, gt_bboxes_labels, gt_ignore_flags (as LoadAnnotations)
    - gt_attributes (np.int64): (N, A) value indices, -1 = not applicable,
      indexed by ``gt_instances_ids``; never filtered
    - gt_instances_ids (np.int64): (N,) row of each box in gt_attributes
    - annotated_region (np.float32 | None): (4,) x1y1x2y2 in ORIGINAL image
      pixels, all zeros if nothing is annotated, None if fully annotated

    Args:
        with_attributes (bool): Load attributes. Defaults to True.
        with_region (bool): Load the annotated region. Defaults to True.
        **kwargs: Passed to :class:`LoadAnnotations`.
    """

    def __init__(self,
                 with_attributes: bool = True,
                 with_region: bool = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.with_attributes = with_attributes
        self.with_region = with_region

    def transform(self, results: dict) -> dict:
        results = super().transform(results)
        if self.with_attributes:
            self._load_attributes(results)
        if self.with_region:
            self._load_region(results)
        return results

    def _load_attributes(self, results: dict) -> None:
        instances = results.get('instances', [])
        num_attrs = results.get('num_attributes')
        if num_attrs is None:
            num_attrs = len(instances[0]['attributes']) if instances else 0
        results['gt_attributes'] = np.array(
            [inst['attributes'] for inst in instances],
            dtype=np.int64).reshape(len(instances), num_attrs)
        results['gt_instances_ids'] = np.arange(len(instances), dtype=np.int64)

    def _load_region(self, results: dict) -> None:
        region: Optional[list] = results.get('annotated_region')
        if region is None:
            return
        if len(region) == 0:  # nothing annotated in this image
            region = [0, 0, 0, 0]
        results['annotated_region'] = np.asarray(region, dtype=np.float32)

    def __repr__(self) -> str:
        return (f'{super().__repr__()[:-1]}, '
                f'with_attributes={self.with_attributes}, '
                f'with_region={self.with_region})')


@TRANSFORMS.register_module()
class LLDFilterAnnotations(FilterAnnotations):
    """``FilterAnnotations`` that also keeps ``gt_instances_ids`` (and so the
    attributes) paired with the boxes it keeps.

    mmdet's version filters a fixed tuple of keys; instead of copying its
    rules, this runs it with the labels temporarily replaced by row numbers
    and reads back which rows survived.

    Modified Keys: gt_bboxes, gt_bboxes_labels, gt_masks, gt_ignore_flags,
    gt_instances_ids.
    """

    def transform(self, results: dict) -> Optional[dict]:
        labels = results.get('gt_bboxes_labels')
        ids = results.get('gt_instances_ids')
        if labels is None or ids is None:
            return super().transform(results)
        results['gt_bboxes_labels'] = np.arange(len(labels), dtype=np.int64)
        out = super().transform(results)
        if out is None:
            return None
        kept = out['gt_bboxes_labels']
        out['gt_bboxes_labels'] = labels[kept]
        out['gt_instances_ids'] = ids[kept]
        return out
