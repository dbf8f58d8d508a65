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
