"""RegionAwareMaxIoUAssigner: nothing outside the annotated region becomes
background; inside, mmdet's rules hold."""
import numpy as np
import torch
from mmdet.registry import TASK_UTILS
from mmengine.structures import InstanceData

from lld_mmdet.datasets.transforms import region_complement

REGION = np.array([20, 20, 60, 60], np.float32)  # in a 100x100 image


def assign(priors, gt_boxes, region=REGION, **kw):
    assigner = TASK_UTILS.build(dict(
        type='RegionAwareMaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4,
        min_pos_iou=0.3, ignore_iof_thr=-1, **kw))
    gt = InstanceData(bboxes=torch.tensor(gt_boxes,
                                          dtype=torch.float32).reshape(-1, 4),
                      labels=torch.zeros(len(gt_boxes), dtype=torch.long))
    ignore = InstanceData(bboxes=torch.from_numpy(
        region_complement(region, (100, 100))))
    pred = InstanceData(priors=torch.tensor(priors, dtype=torch.float32))
    return assigner.assign(pred, gt, ignore).gt_inds.tolist()


GT = [[50, 40, 64, 56]]  # a cell on the region's right border
PRIORS = [
    [70, 70, 90, 90],  # entirely outside the region
    [25, 25, 35, 35],  # inside, away from the GT
    [50, 40, 64, 56],  # on the GT (29% outside the region)
    [54, 40, 70, 56],  # IoU 0.5 with the GT, 62.5% outside the region
    [55, -10, 75, 30],  # sticks out of the image, 94% outside, no GT
]


def test_outside_is_ignored_inside_is_background_and_gt_stays_positive():
    gt_inds = assign(PRIORS, GT)
    assert gt_inds == [-1, 0, 1, 1, -1]


def test_no_gt_in_region_still_ignores_outside():
    """mmdet's MaxIoUAssigner makes every prior background here."""
    assert assign(PRIORS, []) == [-1, 0, 0, -1, -1]


def test_empty_region_ignores_everything():
    assert assign(PRIORS, [], region=np.zeros(4, np.float32)) == [-1] * 5


def test_threshold_is_configurable():
    assert assign(PRIORS, [], region_iof_thr=0.95)[4] == 0
    assert assign(PRIORS, [], region_iof_thr=0.9)[4] == -1
    assert assign(PRIORS, [], region_iof_thr=0.2)[2] == -1
    assert assign(PRIORS, GT, region_iof_thr=0.2)[2] == 1  # positive stays


def test_threshold_one_is_exactly_mmdets_assigner():
    """region_iof_thr=1.0 is the naive ablation's switch."""
    plain = TASK_UTILS.build(dict(type='MaxIoUAssigner', pos_iou_thr=0.5,
                                  neg_iou_thr=0.4, min_pos_iou=0.3))
    gt = InstanceData(bboxes=torch.tensor(GT, dtype=torch.float32),
                      labels=torch.zeros(1, dtype=torch.long))
    pred = InstanceData(priors=torch.tensor(PRIORS, dtype=torch.float32))
    expected = plain.assign(pred, gt).gt_inds.tolist()
    assert assign(PRIORS, GT, region_iof_thr=1.0) == expected
