"""RPN head that honours per-instance GT weights (pseudo labels)."""
from typing import Optional, Union

from mmdet.models.dense_heads import RPNHead
from mmdet.models.task_modules.prior_generators import anchor_inside_flags
from mmdet.registry import MODELS
from mmdet.structures.bbox import BaseBoxes
from mmengine.structures import InstanceData
from torch import Tensor

from ..utils import gt_instance_weights, positive_weight_factors


@MODELS.register_module()
class LLDRPNHead(RPNHead):
    """``RPNHead`` whose positive anchors are weighted by the weight of the
    GT box they were assigned to (``gt_instances.weights``, e.g. 0.1 for the
    pseudo labels of :class:`LLDSemiDetector`): their objectness weight and
    their box-regression weights are multiplied by it. Negatives, the loss
    normaliser and images without ``weights`` are exactly ``RPNHead``'s.
    """

    def _get_targets_single(self,
                            flat_anchors: Union[Tensor, BaseBoxes],
                            valid_flags: Tensor,
                            gt_instances: InstanceData,
                            img_meta: dict,
                            gt_instances_ignore: Optional[InstanceData] = None,
                            unmap_outputs: bool = True) -> tuple:
        targets = super()._get_targets_single(flat_anchors, valid_flags,
                                              gt_instances, img_meta,
                                              gt_instances_ignore,
                                              unmap_outputs)
        weights = gt_instance_weights(gt_instances)
        if weights is None:
            return targets
        (labels, label_weights, bbox_targets, bbox_weights, pos_inds,
         neg_inds, sampling_result) = targets
        # pos_inds index the anchors inside the image; the targets are over
        # all anchors when unmapped
        rows = pos_inds
        if unmap_outputs:
            inside = anchor_inside_flags(flat_anchors, valid_flags,
                                         img_meta['img_shape'][:2],
                                         self.train_cfg['allowed_border'])
            rows = inside.nonzero().squeeze(1)[pos_inds]
        factors = positive_weight_factors(
            len(label_weights), rows, sampling_result.pos_assigned_gt_inds,
            weights, label_weights)
        return (labels, label_weights * factors, bbox_targets,
                bbox_weights * factors[:, None], pos_inds, neg_inds,
                sampling_result)
