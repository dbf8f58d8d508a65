"""Test-time fusion of a teacher's detections over flips and models.

:class:`LLDSemiDetector` with ``semi_train_cfg.teacher_flip`` runs its
teacher on each image and on its mirror image(s) (a blood film has no
orientation: horizontal, vertical and diagonal flips are all valid views),
and keeps the detections the views agree on: a detection's score becomes
the mean of its score over all views (0 in a view that does not find it),
so a pseudo label at ``score_thr`` needs confidence in (nearly) all of them.
With ``semi_train_cfg.num_teachers`` > 1 each teacher of the ensemble is
one more view (times its flips), fused by the same rule: a per-class score
becomes the ensemble's mean class probability.
"""
from typing import Dict, List, Sequence, Tuple

import torch
from mmdet.structures.bbox import bbox_overlaps, get_box_tensor
from mmengine.structures import InstanceData
from torch import Tensor

#: Per-detection fields that are scores (averaged over all views, 0 where a
#: view has no match) and fields that are probabilities over values
#: (averaged over the views that have the cell).
SCORE_KEYS = ('scores', 'fg_scores')
PROB_KEYS = ('class_probs', 'attributes')
#: Fields that are the argmax of a probability field: recomputed from it.
ARGMAX_KEYS = {'attribute_labels': 'attributes'}
#: Flip directions (mmdet's ``RandomFlip`` names) -> flipped image axes of
#: a (C, H, W) image: horizontal mirrors columns, vertical rows, diagonal
#: both (a 180 degree rotation).
FLIP_DIMS = {'horizontal': (-1, ), 'vertical': (-2, ), 'diagonal': (-2, -1)}


def normalize_flip_directions(value, name: str = 'teacher_flip'
                              ) -> Tuple[str, ...]:
    """The flip directions a ``teacher_flip`` setting asks for.

    ``False`` -> ``()``, ``True`` -> ``('horizontal', )``, a list or tuple
    of distinct names of :data:`FLIP_DIMS` -> that tuple. Anything else
    raises a TypeError or ValueError that names ``name``.
    """
    if isinstance(value, bool):
        return ('horizontal', ) if value else ()
    if not isinstance(value, (list, tuple)) or not value:
        raise TypeError(f'{name} must be True, False or a non-empty list of '
                        f'flip directions {sorted(FLIP_DIMS)}, got {value!r}')
    unknown = [d for d in value if d not in FLIP_DIMS]
    if unknown or len(set(value)) != len(value):
        raise ValueError(f'{name} must list distinct flip directions out of '
                         f'{sorted(FLIP_DIMS)}, got {list(value)!r}')
    return tuple(value)


def flip_images(inputs: Tensor, img_shapes: Sequence[Tuple[int, int]],
                direction: str = 'horizontal') -> Tensor:
    """Flip each image of a padded batch inside its own extent.

    Args:
        inputs (Tensor): (N, C, H, W) batch, image ``i`` in the top-left
            ``img_shapes[i]`` = (h, w) corner, padding right and below.
        direction (str): A key of :data:`FLIP_DIMS`.

    Returns:
        Tensor: (N, C, H, W); for ``'horizontal'`` column ``x`` of image
        ``i`` moved to ``w_i - 1 - x`` (rows likewise for ``'vertical'``,
        both for ``'diagonal'``); the padding stays where it was.
    """
    dims = FLIP_DIMS[direction]
    out = inputs.clone()
    for i, (h, w) in enumerate(img_shapes):
        out[i, :, :h, :w] = inputs[i, :, :h, :w].flip(dims)
    return out


def unflip_boxes(boxes: Tensor, img_shape: Tuple[int, int],
                 direction: str = 'horizontal') -> Tensor:
    """(n, 4) x1y1x2y2 boxes of the ``direction`` flip of an image of
    ``img_shape`` = (h, w) pixels back in the frame of the original image
    (the map is its own inverse)."""
    h, w = img_shape
    x1, y1, x2, y2 = boxes.unbind(dim=1)
    if direction in ('horizontal', 'diagonal'):
        x1, x2 = w - x2, w - x1
    if direction in ('vertical', 'diagonal'):
        y1, y2 = h - y2, h - y1
    return torch.stack([x1, y1, x2, y2], dim=1)


def fuse_detections(views: Sequence[InstanceData],
                    iou_thr: float = 0.5) -> InstanceData:
    """Fuse the detections of several views of one image (all boxes in the
    frame of the image).

    The views are taken in turn. The detections of the first start one
    cluster each; each cluster then takes the same-class detection of the
    next view with the highest IoU against its current box, if that IoU is
    at least ``iou_thr``, and that view's detections no cluster took start
    clusters of their own (one detection may join several clusters; the
    class-agnostic NMS that follows in :class:`LLDSemiDetector` keeps the
    best). A cluster becomes one detection: box = score-weighted mean of
    its members' boxes, scores (``SCORE_KEYS``) = sum over its members / the
    number of views (a view without a member counts 0), probabilities
    (``PROB_KEYS``) = mean over its members, argmax fields (``ARGMAX_KEYS``)
    recomputed from them. With two views: a matched pair gets the mean
    score, a detection the other view misses half its score.

    Args:
        views (list[InstanceData]): Detections of each view: ``bboxes``
            (n, 4) x1y1x2y2 pixels of the image, ``scores`` (n,), ``labels``
            (n,) and optional extras (any (n, ...) field), the same fields
            in every view.
        iou_thr (float): Least IoU of a match.

    Returns:
        InstanceData: The fused detections, in no score order; the same
        fields as ``views[0]``.
    """
    first = views[0]
    keys = [k for k in first.keys()
            if k not in ('bboxes', 'labels') and k not in ARGMAX_KEYS]
    for key in keys:
        if key not in SCORE_KEYS + PROB_KEYS:
            raise KeyError(f'fuse_detections: no rule to fuse the {key!r} '
                           f'field; known: bboxes, labels, '
                           f'{", ".join(SCORE_KEYS + PROB_KEYS)}')
    for view in views[1:]:
        for key in keys:
            if key not in view:
                raise KeyError(f'fuse_detections: a view (a flip or '
                               f'another teacher) has no {key!r} field, '
                               f'the first has')
    for key, probs in ARGMAX_KEYS.items():
        if key in first and probs not in first:
            raise KeyError(f'fuse_detections: {key!r} needs the {probs!r} '
                           f'field it is the argmax of')

    def start(view: InstanceData) -> Dict[str, Tensor]:
        boxes = get_box_tensor(view.bboxes)
        return dict(box_sum=boxes * view.scores[:, None],
                    weight=view.scores.clone(), labels=view.labels,
                    count=boxes.new_ones(len(view)),
                    **{k: view[k].clone() for k in keys})

    acc = start(first)
    for view in views[1:]:
        boxes = get_box_tensor(view.bboxes)
        n, m = len(acc['labels']), len(view)
        best = boxes.new_full((n, ), -1, dtype=torch.long)
        if n and m:
            current = acc['box_sum'] / acc['weight'].clamp(min=1e-12)[:, None]
            iou = bbox_overlaps(current, boxes)
            iou[acc['labels'][:, None] != view.labels[None, :]] = 0
            best_iou, best_j = iou.max(dim=1)
            best = torch.where(best_iou >= iou_thr, best_j, best)
        matched = best >= 0
        j = best[matched]
        acc['box_sum'][matched] += boxes[j] * view.scores[j][:, None]
        acc['weight'][matched] += view.scores[j]
        acc['count'][matched] += 1
        for key in keys:
            acc[key][matched] += view[key][j]
        lone = torch.ones(m, dtype=torch.bool, device=boxes.device)
        lone[j] = False
        new = start(view[lone])
        acc = {k: torch.cat([acc[k], new[k]]) for k in acc}

    out = InstanceData(
        bboxes=acc['box_sum'] / acc['weight'].clamp(min=1e-12)[:, None],
        labels=acc['labels'])
    for key in keys:
        if key in SCORE_KEYS:
            out[key] = acc[key] / len(views)
        else:
            count = acc['count'].view(-1, *([1] * (acc[key].dim() - 1)))
            out[key] = acc[key] / count
    for key, probs in ARGMAX_KEYS.items():
        if key in first:
            out[key] = out[probs].argmax(-1)
    return out


def unflipped_views(results: List, flipped: Dict[str, List],
                    img_shapes: Sequence[Tuple[int, int]]
                    ) -> List[List[InstanceData]]:
    """Per image, the ``pred_instances`` of ``results[i]`` followed by those
    of ``flipped[direction][i]`` for every direction, their boxes mapped
    back into the frame of the image by :func:`unflip_boxes` (DetDataSamples
    of a detector's ``predict`` with ``rescale=False``; not modified)."""
    out = []
    for i, (res, shape) in enumerate(zip(results, img_shapes)):
        views = [res.pred_instances]
        for direction, preds in flipped.items():
            view = preds[i].pred_instances.clone()
            view.bboxes = unflip_boxes(get_box_tensor(view.bboxes),
                                       shape, direction)
            views.append(view)
        out.append(views)
    return out


def fuse_flip_results(results: List, flipped: Dict[str, List],
                      img_shapes: Sequence[Tuple[int, int]],
                      iou_thr: float = 0.5) -> None:
    """Replace each ``results[i].pred_instances`` by its fusion
    (:func:`fuse_detections`) with ``flipped[direction][i].pred_instances``
    of every direction (:func:`unflipped_views`; in place)."""
    for res, views in zip(results,
                          unflipped_views(results, flipped, img_shapes)):
        res.pred_instances = fuse_detections(views, iou_thr)
