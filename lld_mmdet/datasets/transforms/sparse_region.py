"""Turn the annotated region of a sparse image into training-time ignore."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.registry import TRANSFORMS

from .region import current_region


def _far(img_shape) -> float:
    """How far beyond the image the complement strips reach (pixels)."""
    return max(1e4, 4.0 * max(img_shape[:2]))


def region_complement(region: np.ndarray, img_shape) -> np.ndarray:
    """Everything outside ``region`` as disjoint boxes.

    The strips reach far beyond the image (``max(1e4, 4 * image side)``
    pixels), so that the fraction of an anchor covered by them is exactly the
    fraction of it outside the region, also for anchors that stick out of
    the image.

    Args:
        region (np.ndarray): (4,) x1y1x2y2 in current pixels; all zeros (or
            empty) = nothing annotated.
        img_shape (tuple): (h, w) of the current image.

    Returns:
        np.ndarray: (k, 4) float32, k <= 4: the strips above, below, left of
        and right of the region (empty ones left out), or one box covering
        everything when the region is empty.
    """
    far = _far(img_shape)
    x1, y1, x2, y2 = (float(v) for v in region)
    if x2 <= x1 or y2 <= y1:
        return np.array([[-far, -far, far, far]], dtype=np.float32)
    strips = np.array([[-far, -far, far, y1], [-far, y2, far, far],
                       [-far, y1, x1, y2], [x2, y1, far, y2]],
                      dtype=np.float32)
    keep = (strips[:, 2] > strips[:, 0]) & (strips[:, 3] > strips[:, 1])
    return strips[keep]


def is_region_strip(boxes, img_shape):
    """(n,) bool: which ignore boxes are strips of :func:`region_complement`
    (they reach ``_far`` beyond the image; anything reaching half as far
    is one, as no image side exceeds a quarter of it).

    Args:
        boxes (Tensor | np.ndarray): (n, 4) x1y1x2y2, current pixels.
        img_shape (tuple): (h, w) of the current image.
    """
    half = _far(img_shape) / 2
    return ((boxes[:, :2] <= -half) | (boxes[:, 2:] >= half)).any(1)


@TRANSFORMS.register_module()
class SparseRegionIgnore(BaseTransform):
    """Mark everything outside the annotated region as "unknown", not
    background. Put it after the geometric transforms, before packing.

    For an image with an annotated region (sparse annotation):

    - the complement of the (transformed) region (:func:`region_complement`)
      is appended to the boxes as ignore boxes (``gt_ignore_flags`` True, so :class:`PackLLDInputs` puts
      them in ``ignored_instances``), which :class:`RegionAwareMaxIoUAssigner`
      uses to keep anchors/proposals there from becoming negatives;
    - ``valid_region`` ((4,) float32 x1y1x2y2, current pixels, all zeros if
      no annotated pixel is left in this view) is added for query-based heads
      (:class:`AttrDINOHead` with ``region_ignore``).

    A fully annotated image (no region) passes unchanged: nothing is ignored
    and no ``valid_region`` is set. A view whose crop missed the region is
    ignored as a whole (its complement is the whole image).

    Required Keys: img_shape, annotated_region (original pixels, from
    :class:`LoadLLDAnnotations`), homography_matrix (optional), gt_bboxes,
    gt_bboxes_labels, gt_ignore_flags, gt_attributes / gt_instances_ids
    (optional).

    Modified Keys: gt_bboxes, gt_bboxes_labels, gt_ignore_flags,
    gt_attributes, gt_instances_ids (ignore boxes appended; their attributes
    are all "not applicable").

    Added Keys: valid_region.
    """

    def transform(self, results: dict) -> dict:
        region = current_region(results)
        if region is None:
            return results
        results['valid_region'] = region
        strips = region_complement(region, results['img_shape'])
        n = len(strips)
        boxes = results['gt_bboxes']
        results['gt_bboxes'] = boxes.cat(
            [boxes, type(boxes)(strips)]) if len(boxes) else type(boxes)(
                strips)
        results['gt_bboxes_labels'] = np.concatenate(
            [results['gt_bboxes_labels'],
             np.zeros(n, dtype=np.int64)])
        results['gt_ignore_flags'] = np.concatenate(
            [results['gt_ignore_flags'],
             np.ones(n, dtype=bool)])
        if 'gt_attributes' in results:
            attrs = results['gt_attributes']
            results['gt_instances_ids'] = np.concatenate([
                results['gt_instances_ids'],
                np.arange(len(attrs), len(attrs) + n, dtype=np.int64)
            ])
            results['gt_attributes'] = np.concatenate(
                [attrs, np.full((n, attrs.shape[1]), -1, dtype=np.int64)])
        return results
