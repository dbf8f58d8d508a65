"""Whole detectors on sparse images: finite losses even when the region holds
no cell, or when nothing of the image is annotated."""
import pytest
import torch
from conftest import build_tiny_model, tiny_batch, tiny_coco, write_dataset

from lld_mmdet.models.task_modules import region_covered_fraction


def sparse_coco(region):
    coco = tiny_coco()
    # image 2 is sparse: its region holds no cell now
    coco['annotations'] = [a for a in coco['annotations']
                           if a['image_id'] != 2]
    coco['images'][1]['annotated_region'] = region
    return coco


@pytest.mark.parametrize('region', [[10, 8, 42, 40], []])
@pytest.mark.parametrize('name, overrides', [
    ('tiny_faster_rcnn_sparse', {}),
    ('tiny_dino_attr', dict(bbox_head=dict(region_ignore=dict(
        rule='centre')))),
])
def test_sparse_image_without_cells_gives_finite_losses(
        tmp_path, region, name, overrides):
    write_dataset(tmp_path, sparse_coco(region))
    torch.manual_seed(0)
    model = build_tiny_model(name, **overrides)
    model.train()
    batch = tiny_batch(tmp_path, indices=(1, ), sparse=True)
    sample = batch['data_samples'][0]
    assert len(sample.gt_instances) == 0 and len(
        sample.ignored_instances) > 0
    data = model.data_preprocessor(batch, True)
    losses = model.loss(data['inputs'], data['data_samples'])
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()


def test_rpn_trains_no_anchor_outside_the_region_as_background(tmp_path):
    write_dataset(tmp_path, sparse_coco([10, 8, 42, 40]))
    model = build_tiny_model('tiny_faster_rcnn_sparse')
    batch = tiny_batch(tmp_path, indices=(1, ), sparse=True)
    data = model.data_preprocessor(batch, True)
    sample = data['data_samples'][0]
    feats = model.extract_feat(data['inputs'])
    head = model.rpn_head
    featmap_sizes = [f.shape[-2:] for f in feats]
    anchors, valid = head.get_anchors(featmap_sizes, [sample.metainfo],
                                      device='cpu')
    targets = head.get_targets(anchors, valid, [sample.gt_instances],
                               [sample.metainfo],
                               [sample.ignored_instances])
    labels = torch.cat(targets[0], 1)[0]
    weights = torch.cat(targets[1], 1)[0]
    flat = torch.cat(anchors[0])
    region = torch.tensor(sample.metainfo['valid_region'])
    far_outside = (flat[:, 0] >= region[2]) | (flat[:, 2] <= region[0]) | (
        flat[:, 1] >= region[3]) | (flat[:, 3] <= region[1])
    assert far_outside.any()
    assert torch.all(weights[far_outside] == 0)
    inside = region_covered_fraction(flat, region) > 0.5
    # mostly inside the region, sampled anchors are trained as background
    assert (weights[inside] > 0).any()
    assert torch.all(labels[inside & (weights > 0)] == 1)  # bg label = 1


def test_nominal_normaliser_keeps_the_per_roi_weight(tmp_path, monkeypatch):
    from mmdet.models.roi_heads import StandardRoIHead

    from lld_mmdet.models.roi_heads import AttrRoIHead
    write_dataset(tmp_path, tiny_coco())
    # 256 RoIs per image nominally; 100 proposals, partly ignored, remain
    model = build_tiny_model(
        'tiny_faster_rcnn_sparse', roi_head=dict(sample_normalizer='nominal'),
        train_cfg=dict(rcnn=dict(sampler=dict(num=256))))
    model.train()
    captured = {}
    original = StandardRoIHead.bbox_loss

    def spy(self, x, sampling_results):
        out = original(self, x, sampling_results)
        captured['raw'] = {k: v.detach().clone()
                           for k, v in out['loss_bbox'].items()}
        captured['sampled'] = sum(len(r.priors) for r in sampling_results)
        return out

    original_attr = AttrRoIHead.attr_loss

    def spy_attr(self, *args):
        out = original_attr(self, *args)
        captured['raw']['loss_attr'] = out['loss_attr'].detach().clone()
        return out

    monkeypatch.setattr(StandardRoIHead, 'bbox_loss', spy)
    monkeypatch.setattr(AttrRoIHead, 'attr_loss', spy_attr)
    data = model.data_preprocessor(tiny_batch(tmp_path, indices=(1, 0),
                                              sparse=True), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    scale = captured['sampled'] / (2 * model.roi_head.bbox_sampler.num)
    assert 0 < scale < 1  # region ignore left fewer RoIs than nominal
    # the attribute loss (a mean over the positive RoIs) is a per-RoI loss
    # too: scaled like the box losses
    assert captured['raw']['loss_attr'] > 0
    for key in ('loss_cls', 'loss_bbox', 'loss_attr'):
        torch.testing.assert_close(losses[key].detach(),
                                   captured['raw'][key] * scale)
    torch.testing.assert_close(losses['acc'], captured['raw']['acc'])


def test_attr_roi_head_without_attribute_branch(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    model = build_tiny_model('tiny_faster_rcnn_sparse',
                             roi_head=dict(attr_head=None))
    model.train()
    data = model.data_preprocessor(tiny_batch(tmp_path, sparse=True), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert 'loss_attr' not in losses and 'loss_cls' in losses
    model.eval()
    with torch.no_grad():
        out = model.predict(data['inputs'], data['data_samples'])
    assert 'attributes' not in out[0].pred_instances
