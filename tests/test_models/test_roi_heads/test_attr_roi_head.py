"""AttrRoIHead: training signal reaches the branch and the backbone, and
predictions stay aligned with the final boxes."""
import torch
from conftest import build_tiny_model, tiny_batch, tiny_coco, write_dataset


def test_loss_has_attr_term_and_gradients_reach_branch_and_backbone(
        tmp_path):
    write_dataset(tmp_path, tiny_coco())
    model = build_tiny_model('tiny_faster_rcnn_attr')
    model.train()
    data = model.data_preprocessor(tiny_batch(tmp_path), True)
    losses = model.loss(data["inputs"], data["data_samples"])
    assert 'loss_attr' in losses and torch.isfinite(losses['loss_attr'])
    assert losses['loss_attr'] > 0
    losses['loss_attr'].backward()  # the attribute loss alone
    head = model.roi_head.attr_head
    assert head.fc_attr.weight.grad.abs().sum() > 0
    # (residual convs start with zero-init BN after them; the shortcut
    # conv shows the gradient reaches the backbone)
    assert model.backbone.layer2[0].downsample[0].weight.grad.abs().sum() > 0
    assert model.roi_head.bbox_head.fc_cls.weight.grad is None


def test_cells_with_all_attributes_na_give_zero_attr_loss(tmp_path):
    coco = tiny_coco()
    for ann in coco['annotations']:
        ann['attributes'] = None
    write_dataset(tmp_path, coco)
    model = build_tiny_model('tiny_faster_rcnn_attr')
    model.train()
    data = model.data_preprocessor(tiny_batch(tmp_path), True)
    losses = model.loss(data["inputs"], data["data_samples"])
    assert losses['loss_attr'].item() == 0.0


def test_predicted_attributes_belong_to_the_final_boxes(tmp_path):
    """Stub the branch so that a box's attribute 0 says whether the box's
    x1 (network-input pixels) is > 20: after NMS and rescaling each final
    box must still carry its own answer."""
    write_dataset(tmp_path, tiny_coco())
    model = build_tiny_model('tiny_faster_rcnn_attr')
    model.eval()
    head = model.roi_head
    num_logits = head.attr_head.loss_attr.num_logits

    def stub_forward(x, rois):
        logits = torch.zeros(len(rois), num_logits)
        logits[:, 1] = (rois[:, 1] > 20).float() * 10  # value 1 if x1 > 20
        return logits

    head._attr_forward = stub_forward
    model.roi_head.test_cfg.score_thr = 0.0
    data = model.data_preprocessor(tiny_batch(tmp_path, test_mode=True),
                                   False)
    with torch.no_grad():
        samples = model.predict(data["inputs"], data["data_samples"], rescale=True)
    total = 0
    for sample in samples:
        pred = sample.pred_instances
        n = len(pred.bboxes)
        total += n
        assert pred.attributes.shape == (n, 7, 2)
        assert pred.attribute_labels.shape == (n, 7)
        scale = pred.bboxes.new_tensor(sample.scale_factor[0])
        expected = (pred.bboxes[:, 0] * scale > 20).long()
        assert torch.equal(pred.attribute_labels[:, 0], expected)
        gt = sample.gt_instances
        assert gt.attribute_scores.shape == (len(gt), 7, 2)
    assert total > 0


def test_proposal_features_mode_keeps_mmdet_boxes_and_each_detections_own_proposal(  # noqa: E501
        tmp_path):
    """attr_predict_feats='proposals': boxes, scores and labels equal the
    default mode's (mmdet's NMS), and each detection's attributes are the
    branch's output on the bbox-branch RoI features of the proposal it was
    decoded from (found here by brute force: the proposal whose decoded box
    and score for the detection's class are the detection's)."""
    from mmdet.structures.bbox import bbox2roi
    write_dataset(tmp_path, tiny_coco())
    model = build_tiny_model('tiny_faster_rcnn_attr')
    model.eval()
    head = model.roi_head
    head.test_cfg.score_thr = 0.0
    data = model.data_preprocessor(tiny_batch(tmp_path, test_mode=True),
                                   False)
    samples = data['data_samples']
    with torch.no_grad():
        x = model.extract_feat(data['inputs'])
        rpn = model.rpn_head.predict(x, samples, rescale=False)
        head.attr_predict_feats = 'final_boxes'
        pooled = head.predict(x, rpn, samples, rescale=True)
        head.attr_predict_feats = 'proposals'
        reused = head.predict(x, rpn, samples, rescale=True)
        head.with_fg_scores = True  # also the teacher's foreground scores
        with_fg = head.predict(x, rpn, samples, rescale=True)
        head.with_fg_scores = False
        rois = bbox2roi([r.bboxes for r in rpn])
        fwd = head._bbox_forward(x, rois)
        counts = [len(r.bboxes) for r in rpn]
        raw = head.bbox_head.predict_by_feat(
            rois=rois.split(counts), cls_scores=fwd['cls_score'].split(counts),
            bbox_preds=fwd['bbox_pred'].split(counts),
            batch_img_metas=[s.metainfo for s in samples],
            rcnn_test_cfg=None, rescale=True)
        checked, start, checked_probs = 0, 0, []
        for a, b, f, r, n in zip(pooled, reused, with_fg, raw, counts):
            start_probs = len(checked_probs)
            # the class distribution given a cell sums to the fg score
            assert f.class_probs.shape == (len(f), head.bbox_head.num_classes)
            torch.testing.assert_close(f.class_probs.sum(-1), f.fg_scores)
            for key in ('bboxes', 'scores', 'labels'):
                assert torch.equal(a[key], b[key])
            for key in ('bboxes', 'scores', 'labels', 'attributes'):
                assert torch.equal(f[key], b[key])
            assert b.attributes.shape == a.attributes.shape
            decoded = r.bboxes.view(n, -1, 4)
            for box, score, label, probs, fg in zip(
                    b.bboxes, b.scores, b.labels, b.attributes, f.fg_scores):
                match = ((decoded[:, label] == box).all(1)
                         & (r.scores[:, label] == score)).nonzero()[:, 0]
                assert len(match) >= 1
                # foreground score = 1 - that proposal's background prob.
                assert torch.isclose(fg, 1 - r.scores[match[0], -1])
                checked_probs.append(torch.equal(
                    f.class_probs[len(checked_probs) - start_probs],
                    r.scores[match[0], :-1]))
                feats = fwd['bbox_feats'][start + match[:1]]
                expected = head.attr_head.predict_probs(head.attr_head(feats))
                assert torch.allclose(probs, expected[0], atol=1e-6)
                checked += 1
            start += n
    assert checked > 0 and all(checked_probs)
    assert len(checked_probs) == checked


def test_proposal_features_mode_needs_the_shared_extractor():
    import pytest
    with pytest.raises(ValueError, match='attr_roi_extractor=None'):
        build_tiny_model(
            'tiny_faster_rcnn_attr',
            roi_head=dict(attr_predict_feats='proposals',
                          attr_roi_extractor=dict(
                              type='SingleRoIExtractor',
                              roi_layer=dict(type='RoIAlign', output_size=7,
                                             sampling_ratio=0),
                              out_channels=16, featmap_strides=[4])))


def test_no_test_cfg_returns_every_rois_class_boxes_like_mmdet(tmp_path):
    """With ``test_cfg=None`` StandardRoIHead.predict returns each RoI's
    per-class boxes and scores (mmdet's SoftTeacher jitters pseudo boxes
    through it); the attribute head must pass them through untouched in
    both modes."""
    write_dataset(tmp_path, tiny_coco())
    model = build_tiny_model('tiny_faster_rcnn_attr')
    model.eval()
    head = model.roi_head
    head.test_cfg = None
    data = model.data_preprocessor(tiny_batch(tmp_path, test_mode=True),
                                   False)
    samples = data['data_samples']
    num_classes = head.bbox_head.num_classes
    for mode in ('final_boxes', 'proposals'):
        head.attr_predict_feats = mode
        with torch.no_grad():
            x = model.extract_feat(data['inputs'])
            rpn = model.rpn_head.predict(x, samples, rescale=False)
            results = head.predict(x, rpn, samples, rescale=False)
        for res, props in zip(results, rpn):
            assert res.bboxes.shape == (len(props), 4 * num_classes)
            assert res.scores.shape == (len(props), num_classes + 1)
            assert 'attributes' not in res


def test_fg_loss_is_the_weighted_probability_of_any_cell_class():
    head = build_tiny_model('tiny_faster_rcnn_attr').roi_head
    logits = torch.tensor([[2.0, 0.0, 1.0], [0.0, 0.0, 3.0], [5.0, 5.0, 5.0]])
    # tiny model: pad to its num_classes + 1 columns, background last
    n_cls = head.bbox_head.num_classes
    cls_score = torch.full((3, n_cls + 1), -30.0)
    cls_score[:, :2], cls_score[:, -1] = logits[:, :2], logits[:, 2]
    weights = torch.tensor([0.5, 1.0, 0.0])
    p_bg = cls_score.softmax(-1)[:, -1]
    expected = -(torch.log1p(-p_bg) * weights).sum() / 4
    torch.testing.assert_close(head.fg_loss(cls_score, weights, 4.0),
                               expected)
    # only the background logit is pushed: the class logits' gradients
    # keep the model's own class preference
    cls_score.requires_grad_(True)
    head.fg_loss(cls_score, weights, 4.0).backward()
    grad = cls_score.grad[0]
    assert grad[-1] > 0 and (grad[:2] < 0).all()
    probs = cls_score.detach().softmax(-1)[0, :2]
    torch.testing.assert_close(grad[:2] / grad[:2].sum(), probs / probs.sum())


def test_fg_loss_with_class_targets_is_the_cross_entropy_against_them():
    head = build_tiny_model('tiny_faster_rcnn_attr').roi_head
    n_cls = head.bbox_head.num_classes
    torch.manual_seed(0)
    cls_score = torch.randn(4, n_cls + 1)
    weights = torch.tensor([1.0, 0.5, 1.0, 1.0])
    targets = torch.zeros(4, n_cls)
    targets[0, 3] = 1.0  # one-hot: the ordinary cross-entropy
    targets[1, [2, 5]] = torch.tensor([0.25, 0.75])  # a distribution
    # row 2: all zero = no distribution, plain loss_fg
    targets[3] = torch.full((n_cls, ), 1.0 / n_cls)
    log_p = cls_score.log_softmax(-1)
    per_roi = torch.stack([
        -log_p[0, 3], -(0.25 * log_p[1, 2] + 0.75 * log_p[1, 5]),
        -torch.log1p(-log_p[2, -1].exp()),
        -log_p[3, :-1].mean()
    ])
    expected = (per_roi * weights).sum() / 3
    torch.testing.assert_close(
        head.fg_loss(cls_score, weights, 3.0, class_targets=targets),
        expected)
    # the distribution's second class is pulled up more than the first
    cls_score.requires_grad_(True)
    head.fg_loss(cls_score, weights, 3.0, class_targets=targets).backward()
    assert cls_score.grad[1, 5] < cls_score.grad[1, 2] < 0
