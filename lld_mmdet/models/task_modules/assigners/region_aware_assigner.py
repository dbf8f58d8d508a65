"""MaxIoUAssigner whose negatives never come from unannotated areas."""
from typing import Optional

import torch
from mmdet.models.task_modules.assigners import AssignResult, MaxIoUAssigner
from mmdet.registry import TASK_UTILS
from mmengine.structures import InstanceData


@TASK_UTILS.register_module()
class RegionAwareMaxIoUAssigner(MaxIoUAssigner):
    """``MaxIoUAssigner`` for sparsely annotated images.

    After mmdet's assignment, every prior assigned to background (0) whose
    area lies more than ``region_iof_thr`` in the ignore boxes
    (``gt_instances_ignore.bboxes``: the complement of the annotated region
    made by :class:`SparseRegionIgnore`, plus any crowd boxes) becomes
    ignored (-1). Positives are left alone, so a GT cell at the region's
    border still trains its anchors. Unlike mmdet's ``ignore_iof_thr`` this
    also holds on images whose region holds no GT box, where mmdet turns
    every prior into background.

    The covered fraction is the sum of the prior's IoF with each ignore box
    (clamped to 1): exact for the disjoint strips of a region's complement,
    an over-estimate (more ignoring, never more negatives) where crowd boxes
    overlap them.

    Args:
        region_iof_thr (float): Covered fraction above which a negative is
            ignored. Defaults to 0.5.
        **kwargs: Passed to :class:`MaxIoUAssigner` (leave its
            ``ignore_iof_thr`` at -1: that rule also drops positives).
    """

    def __init__(self, *args, region_iof_thr: float = 0.5, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.region_iof_thr = region_iof_thr

    def assign(self,
               pred_instances: InstanceData,
               gt_instances: InstanceData,
               gt_instances_ignore: Optional[InstanceData] = None,
               **kwargs) -> AssignResult:
        result = super().assign(pred_instances, gt_instances,
                                gt_instances_ignore, **kwargs)
        if gt_instances_ignore is None or len(gt_instances_ignore) == 0:
            return result
        priors = pred_instances.priors
        ignore = gt_instances_ignore.bboxes
        if len(priors) == 0:
            return result
        covered = self.iou_calculator(
            priors, ignore.to(priors.device), mode='iof').sum(1).clamp(max=1)
        unannotated = (result.gt_inds == 0) & (
            covered.to(result.gt_inds.device) > self.region_iof_thr)
        result.gt_inds[unannotated] = -1
        if result.labels is not None:
            result.labels[unannotated] = -1
        return result


def region_covered_fraction(boxes: torch.Tensor,
                            region: torch.Tensor) -> torch.Tensor:
    """Fraction of each box's area inside ``region``.

    Args:
        boxes (Tensor): (n, 4) x1y1x2y2.
        region (Tensor): (4,) x1y1x2y2 (all zeros = empty).

    Returns:
        Tensor: (n,) in [0, 1]; 0 for degenerate boxes.
    """
    lt = torch.maximum(boxes[:, :2], region[:2])
    rb = torch.minimum(boxes[:, 2:], region[2:])
    inter = (rb - lt).clamp(min=0).prod(1)
    area = (boxes[:, 2:] - boxes[:, :2]).clamp(min=0).prod(1)
    return torch.where(area > 0, inter / area.clamp(min=1e-6),
                       torch.zeros_like(area))
