"""Horizontal-flip test-time fusion of a teacher's detections.

:class:`LLDSemiDetector` with ``semi_train_cfg.teacher_flip`` runs its
teacher on each image and on its mirror image, and keeps the detections the
two views agree on: a detection's score becomes the mean of its score in the
two views (0 in a view that does not find it), so a pseudo label at
``score_thr`` needs confidence in both.
"""
from typing import List, Sequence, Tuple

import torch
from mmdet.structures.bbox import bbox_overlaps, get_box_tensor
from mmengine.structures import InstanceData
from torch import Tensor

#: Per-detection fields that are scores (averaged with 0 where a view has
#: no match) and fields that are probabilities over values (averaged where
#: both views have the cell, kept where only one has it).
SCORE_KEYS = ('scores', 'fg_scores')
PROB_KEYS = ('class_probs', 'attributes')
#: Fields that are the argmax of a probability field: recomputed from it.
ARGMAX_KEYS = {'attribute_labels': 'attributes'}


def flip_images(inputs: Tensor, img_shapes: Sequence[Tuple[int,
                                                           int]]) -> Tensor:
    """Mirror each image of a padded batch inside its own width.

    Args:
        inputs (Tensor): (N, C, H, W) batch, image ``i`` in the top-left
            ``img_shapes[i]`` = (h, w) corner, padding right and below.

    Returns:
        Tensor: (N, C, H, W), column ``x`` of image ``i`` moved to
        ``w_i - 1 - x``; the padding stays where it was.
    """
    out = inputs.clone()
    for i, (h, w) in enumerate(img_shapes):
        out[i, :, :h, :w] = inputs[i, :, :h, :w].flip(-1)
    return out


def unflip_boxes(boxes: Tensor, width: float) -> Tensor:
    """(n, 4) x1y1x2y2 boxes of the mirror image of width ``width`` back in
    the frame of the original image."""
    return torch.stack([width - boxes[:, 2], boxes[:, 1],
                        width - boxes[:, 0], boxes[:, 3]], dim=1)


def fuse_flip_detections(orig: InstanceData, flipped: InstanceData,
                         width: float, iou_thr: float = 0.5) -> InstanceData:
    """Fuse the detections of an image and of its mirror image.

    A detection of ``orig`` is matched to the same-class detection of
    ``flipped`` (boxes already mapped back by :func:`unflip_boxes` here)
    with the highest IoU, if that IoU is at least ``iou_thr``. A matched
    pair becomes one detection: box = score-weighted mean of the two boxes,
    scores (``SCORE_KEYS``) and probabilities (``PROB_KEYS``) averaged.
    A detection without a match keeps its box and probabilities and half
    its scores (the other view scores it 0). Detections of ``flipped`` that
    no ``orig`` detection matched are added the same way (a mirror
    detection may pair with several ``orig`` ones; the class-agnostic NMS
    that follows in :class:`LLDSemiDetector` keeps the best). Argmax fields
    (``ARGMAX_KEYS``) are recomputed from the fused probabilities.

    Args:
        orig (InstanceData): Detections of the image: ``bboxes`` (n, 4)
            x1y1x2y2 pixels of the image, ``scores`` (n,), ``labels`` (n,)
            and optional extras (any (n, ...) field).
        flipped (InstanceData): Detections of its mirror image, same fields,
            boxes in the mirror image's pixels.
        width (float): Width of the image (its ``img_shape[1]``).
        iou_thr (float): Least IoU of a match.

    Returns:
        InstanceData: The fused detections, matched pairs first, in no
        score order; the same fields as ``orig``.
    """
    fboxes = unflip_boxes(get_box_tensor(flipped.bboxes), width)
    oboxes = get_box_tensor(orig.bboxes)
    n, m = len(orig), len(flipped)
    best = oboxes.new_full((n, ), -1, dtype=torch.long)
    if n and m:
        iou = bbox_overlaps(oboxes, fboxes)
        iou[orig.labels[:, None] != flipped.labels[None, :]] = 0
        best_iou, best_j = iou.max(dim=1)
        best = torch.where(best_iou >= iou_thr, best_j, best)
    matched = best >= 0
    j = best[matched]
    lone_f = torch.ones(m, dtype=torch.bool, device=fboxes.device)
    lone_f[j] = False

    so, sf = orig.scores[matched], flipped.scores[j]
    w = (so / (so + sf).clamp(min=1e-12))[:, None]
    fields = {'bboxes': [w * oboxes[matched] + (1 - w) * fboxes[j],
                         oboxes[~matched], fboxes[lone_f]],
              'labels': [orig.labels[matched], orig.labels[~matched],
                         flipped.labels[lone_f]]}
    for key in orig.keys():
        if key in ('bboxes', 'labels') or key in ARGMAX_KEYS:
            continue
        if key not in flipped:
            raise KeyError(f'fuse_flip_detections: the mirror view has no '
                           f'{key!r} field')
        a, b = orig[key], flipped[key]
        if key in SCORE_KEYS:
            parts = [(a[matched] + b[j]) / 2, a[~matched] / 2, b[lone_f] / 2]
        elif key in PROB_KEYS:
            parts = [(a[matched] + b[j]) / 2, a[~matched], b[lone_f]]
        else:
            raise KeyError(f'fuse_flip_detections: no rule to fuse the '
                           f'{key!r} field; known: bboxes, labels, '
                           f'{", ".join(SCORE_KEYS + PROB_KEYS)}')
        fields[key] = parts
    out = InstanceData(**{k: torch.cat(v) for k, v in fields.items()})
    for key, probs in ARGMAX_KEYS.items():
        if key in orig:
            if probs not in out:
                raise KeyError(f'fuse_flip_detections: {key!r} needs the '
                               f'{probs!r} field it is the argmax of')
            out[key] = out[probs].argmax(-1)
    return out


def fuse_flip_results(results: List, flipped: List,
                      img_shapes: Sequence[Tuple[int, int]],
                      iou_thr: float = 0.5) -> None:
    """Replace each ``results[i].pred_instances`` by its fusion with
    ``flipped[i].pred_instances`` (in place; DetDataSamples of the
    teacher's ``predict`` with ``rescale=False``)."""
    for res, flp, (_, w) in zip(results, flipped, img_shapes):
        res.pred_instances = fuse_flip_detections(
            res.pred_instances, flp.pred_instances, float(w), iou_thr)
