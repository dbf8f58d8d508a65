"""Geometry of the annotated region through mmdet's geometric transforms."""
from typing import Optional, Tuple

import numpy as np


def project_region(region: np.ndarray, homography: Optional[np.ndarray],
                   img_shape: Tuple[int, int]) -> np.ndarray:
    """Map an annotated region from the original image into the current one.

    mmdet's geometric transforms (``Resize``, ``RandomFlip``, ``RandomCrop``,
    ``RandomChoiceResize``, ``RandomAffine`` ...) accumulate
    ``results['homography_matrix']``, which maps original-image pixels to
    current-image pixels. The region's four corners are mapped with it, their
    bounding box is taken and clipped to the current image.

    Args:
        region (np.ndarray): (4,) x1y1x2y2 in original-image pixels.
        homography (np.ndarray | None): (3, 3) original -> current; None is
            the identity (no geometric transform ran).
        img_shape (tuple[int, int]): (h, w) of the current image.

    Returns:
        np.ndarray: (4,) float32 x1y1x2y2 in current-image pixels. An empty
        result (the region was cropped away, or was empty) is all zeros.
    """
    region = np.asarray(region, dtype=np.float32).reshape(4)
    x1, y1, x2, y2 = region
    if x2 <= x1 or y2 <= y1:
        return np.zeros(4, dtype=np.float32)
    if homography is not None:
        corners = np.array([[x1, y1, 1], [x2, y1, 1], [x1, y2, 1],
                            [x2, y2, 1]], dtype=np.float64)
        mapped = corners @ np.asarray(homography, dtype=np.float64).T
        mapped = mapped[:, :2] / mapped[:, 2:3]
        x1, y1 = mapped.min(axis=0)
        x2, y2 = mapped.max(axis=0)
    h, w = img_shape[:2]
    out = np.array(
        [np.clip(x1, 0, w),
         np.clip(y1, 0, h),
         np.clip(x2, 0, w),
         np.clip(y2, 0, h)],
        dtype=np.float32)
    if out[2] <= out[0] or out[3] <= out[1]:
        return np.zeros(4, dtype=np.float32)
    return out


def current_region(results: dict) -> Optional[np.ndarray]:
    """The annotated region of a pipeline ``results`` dict in current-image
    pixels, or None if the image is fully annotated.

    Reads ``annotated_region`` (original pixels, written by
    :class:`LoadLLDAnnotations`), ``homography_matrix`` and ``img_shape``.
    """
    region = results.get('annotated_region')
    if region is None:
        return None
    return project_region(region, results.get('homography_matrix'),
                          results['img_shape'])
