"""Per-instance loss weights (``gt_instances.weights``) for target builders.

:class:`LLDSemiDetector` merges ground truth (weight 1) and pseudo labels
(weight ``pseudo_weight``) into one ``gt_instances`` with a ``weights`` field.
Every head that builds targets scales the weights of a positive prior (anchor,
RoI, query) by the weight of the GT instance it was assigned to. Without a
``weights`` field nothing changes, so the heads stay plain mmdet heads for
supervised training.
"""
from typing import Optional

from mmengine.structures import InstanceData
from torch import Tensor


def gt_instance_weights(gt_instances: InstanceData) -> Optional[Tensor]:
    """(m,) float weights of the GT instances, or None when they have none
    (all weights 1)."""
    if 'weights' not in gt_instances:
        return None
    return gt_instances.weights


def positive_weight_factors(num_priors: int, pos_inds: Tensor,
                            pos_assigned_gt_inds: Tensor, weights: Tensor,
                            like: Tensor) -> Tensor:
    """Multiplicative factor per prior: ``weights[gt]`` for the positives,
    1 for everything else.

    Args:
        num_priors (int): Number of priors (rows of the target tensors).
        pos_inds (Tensor): (p,) indices of the positive priors.
        pos_assigned_gt_inds (Tensor): (p,) 0-based GT index of each.
        weights (Tensor): (m,) per-GT weights.
        like (Tensor): Gives dtype and device of the result.

    Returns:
        Tensor: (num_priors,) factors.
    """
    factors = like.new_ones(num_priors)
    if len(pos_inds):
        factors[pos_inds] = weights[pos_assigned_gt_inds].to(factors.dtype)
    return factors
