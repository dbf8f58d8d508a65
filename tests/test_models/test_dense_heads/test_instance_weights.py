"""Per-instance GT weights (pseudo labels) reach the targets of the RPN,
the RoI head and the DINO head, and change nothing when absent."""
import copy

import pytest
import torch
from conftest import build_tiny_model, tiny_batch, tiny_coco, write_dataset
from mmdet.structures.bbox import get_box_tensor
from mmengine.structures import InstanceData

WEIGHTS = [1.0, 0.1, 0.5]  # of the three cells of a.png


def _sample(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    return tiny_batch(tmp_path, indices=(0, ))


def _weighted(gt):
    gt = copy.deepcopy(gt)
    gt.weights = torch.tensor(WEIGHTS)
    return gt


@pytest.mark.parametrize('allowed_border', [-1, 0])
def test_rpn_positive_anchors_take_their_gt_weight(tmp_path, allowed_border):
    model = build_tiny_model(
        'tiny_faster_rcnn', rpn_head=dict(type='LLDRPNHead'),
        train_cfg=dict(rpn=dict(allowed_border=allowed_border)))
    data = model.data_preprocessor(_sample(tmp_path), True)
    sample = data['data_samples'][0]
    head = model.rpn_head
    feats = model.extract_feat(data['inputs'])
    anchors, valid = head.get_anchors([f.shape[-2:] for f in feats],
                                      [sample.metainfo], device='cpu')
    gt = sample.gt_instances
    gt.labels = torch.zeros_like(gt.labels)  # as the RPN sees them

    def targets(gt_instances):
        torch.manual_seed(0)  # same random sampling both times
        out = head.get_targets(anchors, valid, [gt_instances],
                               [sample.metainfo],
                               return_sampling_results=True)
        return (torch.cat(out[1], 1)[0], torch.cat(out[3], 1)[0],
                out[-1][0])

    plain_lw, plain_bw, plain_res = targets(gt)
    lw, bw, res = targets(_weighted(gt))
    assert torch.equal(plain_res.pos_assigned_gt_inds,
                       res.pos_assigned_gt_inds)
    changed = lw != plain_lw
    # every anchor whose weight changed is a positive of a down-weighted GT
    ratios = lw[changed] / plain_lw[changed]
    assert torch.all(torch.isclose(ratios, torch.tensor(0.1))
                     | torch.isclose(ratios, torch.tensor(0.5)))
    for j, w in enumerate(WEIGHTS):
        n_pos = int((res.pos_assigned_gt_inds == j).sum())
        if w != 1.0:
            assert int((torch.isclose(lw, plain_lw * w) & changed).sum()
                       ) == n_pos
    assert changed.sum() == (res.pos_assigned_gt_inds > 0).sum()
    rows = (bw != plain_bw).any(1)
    assert torch.equal(rows, changed)
    assert torch.equal(torch.isclose(bw[rows, 0] / plain_bw[rows, 0],
                                     lw[rows] / plain_lw[rows]),
                       torch.ones(int(rows.sum()), dtype=torch.bool))


def test_roi_head_weights_positive_rois_and_their_attributes(tmp_path):
    model = build_tiny_model(
        'tiny_faster_rcnn_attr',
        train_cfg=dict(rcnn=dict(sampler=dict(_delete_=True,
                                              type='PseudoSampler'))))
    model.train()
    data = model.data_preprocessor(_sample(tmp_path), True)
    sample = data['data_samples'][0]
    feats = model.extract_feat(data['inputs'])
    head = model.roi_head
    captured = {}
    loss, attr_loss, get_targets = (head.bbox_head.loss, head.attr_head.loss,
                                    head.bbox_head.get_targets)

    def spy_loss(cls, box, rois, labels, lw, bt, bw, *a, **k):
        captured['lw'], captured['bw'] = lw, bw
        return loss(cls, box, rois, labels, lw, bt, bw, *a, **k)

    def spy_targets(results, *a, **k):
        captured['res'] = results
        return get_targets(results, *a, **k)

    def spy_attr(logits, targets, weight=None):
        captured['attr_weight'] = weight
        return attr_loss(logits, targets, weight)

    head.bbox_head.loss = spy_loss
    head.bbox_head.get_targets = spy_targets
    head.attr_head.loss = spy_attr
    boxes = get_box_tensor(sample.gt_instances.bboxes)
    proposals = InstanceData(bboxes=torch.cat([boxes + 1, boxes - 1]),
                             scores=torch.ones(2 * len(boxes)))

    def run(gt):
        s = copy.deepcopy(sample)
        s.gt_instances = gt
        head.loss(feats, [copy.deepcopy(proposals)], [s])
        return dict(captured)

    plain = run(sample.gt_instances)
    weighted = run(_weighted(sample.gt_instances))
    res = weighted['res'][0]
    expected = torch.ones(len(res.priors))
    expected[:len(res.pos_inds)] = torch.tensor(WEIGHTS)[
        res.pos_assigned_gt_inds]
    torch.testing.assert_close(weighted['lw'], plain['lw'] * expected)
    torch.testing.assert_close(weighted['bw'],
                               plain['bw'] * expected[:, None])
    assert plain['attr_weight'] is None
    torch.testing.assert_close(weighted['attr_weight'],
                               expected[:len(res.pos_inds)])


def test_dino_matched_and_denoising_queries_take_their_gt_weight():
    torch.manual_seed(0)
    head = build_tiny_model('tiny_dino_attr').bbox_head
    gt = InstanceData(
        bboxes=torch.tensor([[4., 4, 20, 20], [30, 30, 60, 50],
                             [10, 40, 20, 60]]),
        labels=torch.tensor([2, 5, 7]))
    meta = dict(img_shape=(64, 64))
    cls_score = torch.randn(20, 14)
    bbox_pred = torch.rand(20, 4) * 0.5 + 0.25
    plain = head._get_targets_single(cls_score, bbox_pred, gt, meta)
    gt_inds = head.assigner.last.gt_inds.clone()
    weighted = head._get_targets_single(cls_score, bbox_pred, _weighted(gt),
                                        meta)
    expected = torch.ones(20)
    pos = gt_inds > 0
    expected[pos] = torch.tensor(WEIGHTS)[gt_inds[pos] - 1]
    assert pos.sum() == 3
    torch.testing.assert_close(weighted[1], plain[1] * expected)
    torch.testing.assert_close(weighted[3], plain[3] * expected[:, None])

    dn_meta = dict(num_denoising_queries=2 * 3 * 2, num_denoising_groups=2)
    plain = head._get_dn_targets_single(gt, meta, dn_meta)
    weighted = head._get_dn_targets_single(_weighted(gt), meta, dn_meta)
    # group g holds the positives g*6 + i and the negatives g*6 + 3 + i
    expected = torch.tensor(WEIGHTS * 4)
    torch.testing.assert_close(weighted[1], plain[1] * expected)
    torch.testing.assert_close(weighted[3], plain[3] * expected[:, None])
