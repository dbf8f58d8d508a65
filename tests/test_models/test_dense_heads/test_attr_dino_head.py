"""AttrDINOHead: attribute losses reuse the Hungarian matching, N/A gives no
loss, and predicted attributes follow the boxes through top-k."""
import torch
from conftest import build_tiny_model, tiny_batch, tiny_coco, write_dataset


def _loss(tmp_path, coco=None):
    write_dataset(tmp_path, coco or tiny_coco())
    torch.manual_seed(0)
    model = build_tiny_model('tiny_dino_attr')
    model.train()
    data = model.data_preprocessor(tiny_batch(tmp_path), True)
    return model, model.loss(data['inputs'], data['data_samples'])


def test_every_decoder_layer_has_an_attr_loss_that_reaches_the_backbone(
        tmp_path):
    model, losses = _loss(tmp_path)
    assert {'loss_attr', 'd0.loss_attr'} <= set(losses)
    assert losses['loss_attr'] > 0
    losses['loss_attr'].backward()
    head = model.bbox_head
    assert head.attr_branches[-1][2].weight.grad.abs().sum() > 0
    assert head.attr_branches[0][2].weight.grad is None or \
        head.attr_branches[0][2].weight.grad.abs().sum() == 0
    assert model.backbone.layer2[0].downsample[0].weight.grad.abs().sum() > 0


def test_hungarian_matching_runs_once_per_layer_and_image(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    model = build_tiny_model('tiny_dino_attr')
    model.train()
    calls = []
    inner = model.bbox_head.assigner.assigner
    original = inner.assign
    inner.assign = lambda *a, **k: calls.append(1) or original(*a, **k)
    data = model.data_preprocessor(tiny_batch(tmp_path), True)
    model.loss(data['inputs'], data['data_samples'])
    # 2 decoder layers + the encoder proposals, 2 images: no extra matching
    assert len(calls) == (2 + 1) * 2


def test_all_na_attributes_give_exactly_zero_attr_loss(tmp_path):
    coco = tiny_coco()
    for ann in coco['annotations']:
        ann['attributes'] = None
    _, losses = _loss(tmp_path, coco)
    assert losses['loss_attr'].item() == 0.0
    assert losses['d0.loss_attr'].item() == 0.0


def test_denoising_queries_can_be_supervised_too(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    model = build_tiny_model('tiny_dino_attr')
    model.bbox_head.attr_on_denoising = True
    pos, gt = model.bbox_head._dn_positives(
        3, dict(num_denoising_groups=2, num_denoising_queries=12), 'cpu')
    # group size 6: GT i is query i (group 0) and 6 + i (group 1)
    assert pos.tolist() == [0, 1, 2, 6, 7, 8]
    assert gt.tolist() == [0, 1, 2, 0, 1, 2]
    model.train()
    data = model.data_preprocessor(tiny_batch(tmp_path), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert torch.isfinite(losses['loss_attr'])


def test_predicted_attributes_follow_their_query_through_topk():
    """Attribute 0 of query q says whether q's box centre x > 0.5: after
    top-k over (query, class) scores every detection must agree."""
    model = build_tiny_model('tiny_dino_attr')
    head = model.bbox_head
    torch.manual_seed(1)
    layers, nq = 2, 20
    cls = torch.randn(layers, 1, nq, 14)
    boxes = torch.rand(layers, 1, nq, 4) * 0.5 + 0.25
    attrs = torch.zeros(layers, 1, nq, head.loss_attr.num_logits)
    attrs[..., 1] = (boxes[..., 0] > 0.5).float() * 10
    meta = dict(img_shape=(64, 64), scale_factor=(1.0, 1.0))
    (res, ) = head.predict_by_feat(cls, boxes, attrs, [meta], rescale=False)
    assert len(res) == 10  # max_per_img
    cx = (res.bboxes[:, 0] + res.bboxes[:, 2]) / 2 / 64
    assert torch.equal(res.attribute_labels[:, 0], (cx > 0.5).long())
    assert res.attributes.shape == (10, 7, 2)


# ------------------------------------------------------------ region ignore
def _region_head(rule='centre'):
    model = build_tiny_model('tiny_dino_attr')
    head = model.bbox_head
    head.region_ignore = dict(rule=rule, thr=0.5)
    return head


def _queries():
    """5 queries in a 100x100 image, normalised cxcywh; GT at query 0."""
    boxes = torch.tensor([[0.30, 0.30, 0.2, 0.2],   # on the GT (inside)
                          [0.40, 0.45, 0.1, 0.1],   # inside, unmatched
                          [0.85, 0.85, 0.1, 0.1],   # outside
                          [0.10, 0.85, 0.1, 0.1],   # outside
                          [0.58, 0.30, 0.2, 0.2]])  # centre in, 40% out
    return boxes


META = dict(img_shape=(100, 100), valid_region=[10, 10, 60, 60])


def _gt():
    from mmengine.structures import InstanceData
    return InstanceData(bboxes=torch.tensor([[20., 20., 40., 40.]]),
                        labels=torch.tensor([3]),
                        attributes=torch.zeros(1, 7, dtype=torch.long))


def test_unmatched_query_outside_region_has_zero_cls_weight():
    head = _region_head()
    cls = torch.full((5, 14), -4.0)
    cls[0, 3] = 4.0
    labels, weights = head._get_targets_single(cls, _queries(), _gt(),
                                               META)[:2]
    assert labels[0] == 3 and weights[0] == 1  # the GT stays positive
    assert weights.tolist() == [1, 1, 0, 0, 1]  # centre rule
    head.region_ignore = dict(rule='iof', thr=0.7)
    weights = head._get_targets_single(cls, _queries(), _gt(), META)[1]
    assert weights.tolist() == [1, 1, 0, 0, 0]  # query 4 is 60% inside
    head.region_ignore = None
    weights = head._get_targets_single(cls, _queries(), _gt(), META)[1]
    assert weights.tolist() == [1] * 5  # off: DINO's targets


def test_cls_loss_is_invariant_to_predictions_outside_the_region():
    """An unlabelled cell outside the region, whatever the model says about
    it, costs nothing; with region ignore off it is trained as background."""
    head = _region_head()
    boxes = _queries()[None]
    cls = torch.full((1, 5, 14), -4.0)
    cls[0, 0, 3] = 4.0
    metas = [dict(META)]
    loss_a = head.loss_by_feat_single(cls, boxes, [_gt()], metas)[0]
    cls_b = cls.clone()
    cls_b[0, 2, 5] = 6.0  # a confident "cell" outside the region
    boxes_b = boxes.clone()
    boxes_b[0, 3] = torch.tensor([0.9, 0.1, 0.15, 0.15])  # moved, outside
    loss_b = head.loss_by_feat_single(cls_b, boxes_b, [_gt()], metas)[0]
    torch.testing.assert_close(loss_a, loss_b)
    head.region_ignore = None
    loss_c = head.loss_by_feat_single(cls, boxes, [_gt()], metas)[0]
    loss_d = head.loss_by_feat_single(cls_b, boxes_b, [_gt()], metas)[0]
    assert loss_d > loss_c


def test_head_without_attributes_is_plain_dino_plus_region_rule(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    model = build_tiny_model('tiny_dino_attr', bbox_head=dict(
        loss_attr=None, region_ignore=dict(rule='centre')))
    assert not hasattr(model.bbox_head, 'attr_branches')
    model.train()
    data = model.data_preprocessor(tiny_batch(tmp_path), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert 'loss_attr' not in losses and torch.isfinite(losses['loss_cls'])
    model.eval()
    with torch.no_grad():
        out = model.predict(data['inputs'], data['data_samples'])
    assert 'attributes' not in out[0].pred_instances
