"""Packing of LLD samples: attributes into gt_instances, region into meta."""
import numpy as np
from mmdet.datasets.transforms import PackDetInputs
from mmdet.registry import TRANSFORMS

from .region import current_region


@TRANSFORMS.register_module()
class PackLLDInputs(PackDetInputs):
    """``PackDetInputs`` plus attributes, the annotated region and domains.

    Required Keys: as PackDetInputs, plus optionally ``gt_attributes`` and
    ``gt_instances_ids`` (from :class:`LoadLLDAnnotations`),
    ``annotated_region`` (original pixels) and ``homography_matrix``.

    Output, beyond PackDetInputs:

    - ``gt_instances.attributes`` / ``ignored_instances.attributes``:
      (N, A) int64 value indices (-1 = not applicable), row i belonging to
      ``bboxes[i]``.
    - meta ``annotated_region``: (4,) float32 x1y1x2y2 in the CURRENT
      (transformed, unpadded) image, all zeros when nothing of this view is
      annotated; None for a fully annotated image.
    - meta ``valid_region``: set by :class:`SparseRegionIgnore` when region
      ignore is on (the same rectangle as ``annotated_region``).
    - meta ``homography_matrix`` (original -> current pixels) and the domain
      metadata ``microscope``, ``magnification``, ``camera``, ``patient``,
      ``diagnosis`` when the sample has them.

    Raises:
        RuntimeError: if a transform dropped boxes without keeping
            ``gt_instances_ids`` in step (the attributes would desync).
    """

    mapping_table = {
        **PackDetInputs.mapping_table,
        'gt_attributes': 'attributes',
    }

    def __init__(self,
                 meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                            'scale_factor', 'flip', 'flip_direction',
                            'homography_matrix', 'annotated_region',
                            'valid_region', 'microscope', 'magnification', 'camera',
                            'patient', 'diagnosis')):
        super().__init__(meta_keys=meta_keys)

    def transform(self, results: dict) -> dict:
        results = dict(results)
        if 'gt_attributes' in results:
            results['gt_attributes'] = self._paired_attributes(results)
        if 'annotated_region' in results:
            results['annotated_region'] = current_region(results)
        if 'homography_matrix' not in results:
            results['homography_matrix'] = np.eye(3, dtype=np.float32)
        return super().transform(results)

    @staticmethod
    def _paired_attributes(results: dict) -> np.ndarray:
        """Rows of gt_attributes for the boxes that survived the pipeline."""
        attributes = results['gt_attributes']
        ids = results.get('gt_instances_ids')
        num_boxes = len(results['gt_bboxes']) if 'gt_bboxes' in results else 0
        if ids is None or len(ids) != num_boxes:
            raise RuntimeError(
                f'{results.get("img_path")}: {num_boxes} boxes but '
                f'{None if ids is None else len(ids)} gt_instances_ids after '
                'the pipeline: a transform dropped boxes without their '
                'instance ids, so attributes cannot be paired. Use '
                'LLDFilterAnnotations instead of FilterAnnotations (RandomCrop '
                'is fine); other box-dropping transforms are not supported.')
        return attributes[ids]
