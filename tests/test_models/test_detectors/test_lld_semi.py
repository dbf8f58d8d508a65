"""LLDSemiDetector: pseudo-label selection, per-instance weights, the frozen
EMA teacher, and whole training runs (train, evaluate, resume)."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import (build_tiny_model, run_train_tool, tiny_coco,
                      write_dataset, write_tiny_config)
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmdet.structures.bbox import get_box_tensor
from mmengine.structures import InstanceData

from lld_mmdet.models.utils import resolve_semi_train_cfg
from lld_mmdet.models.utils import unflip_boxes

REGION = [10, 8, 42, 40]  # image b.png (64x48) of tiny_coco
GT = [12, 10, 22, 20]  # its one cell, class 7


def semi_batch(root, indices=(1, ), flip=1.0):
    """A collated two-view batch of the tiny dataset; the student view is
    flipped horizontally with probability ``flip``."""
    from mmdet.registry import DATASETS
    pipeline = Config.fromfile(
        osp.join(osp.dirname(__file__), '..', '..', 'data', 'configs',
                 'tiny_semi_pipeline.py')).semi_pipeline
    pipeline[-1]['student'][1].update(prob=flip, direction='horizontal')
    ds = DATASETS.build(dict(
        type='LLDDataset', data_root=str(root), ann_file='ann.json',
        data_prefix=dict(img=''), filter_cfg=dict(filter_empty_gt=False),
        pipeline=pipeline))
    items = [ds[i] for i in indices]
    return dict(
        inputs={b: [it['inputs'][b] for it in items]
                for b in ('teacher', 'student')},
        data_samples={b: [it['data_samples'][b] for it in items]
                      for b in ('teacher', 'student')})


def fake_teacher(model, boxes, scores, labels, attributes=None,
                 fg_scores=None, class_probs=None, teacher=None,
                 rescale=False):
    """Make the teacher (or ``teacher``, e.g. an ensemble's extra one)
    'predict' fixed detections (teacher-view pixels, or original pixels
    with ``rescale``)."""
    expected_rescale = rescale

    def predict(inputs, samples, rescale=False):
        assert rescale == expected_rescale
        out = []
        for sample in samples:
            # the teacher gets bare samples: no GT to predict on
            assert 'gt_instances' not in sample
            res = DetDataSample(metainfo=sample.metainfo)
            res.pred_instances = InstanceData(
                bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(
                    -1, 4),
                scores=torch.tensor(scores, dtype=torch.float32),
                labels=torch.tensor(labels, dtype=torch.long))
            if attributes is not None:
                res.pred_instances.attributes = attributes
            if fg_scores is not None:
                res.pred_instances.fg_scores = torch.tensor(
                    fg_scores, dtype=torch.float32)
            if class_probs is not None:
                res.pred_instances.class_probs = class_probs
            out.append(res)
        return out

    (teacher or model.teacher).predict = predict


def semi_model(**semi_train_cfg):
    cfg = dict(preset='faster_rcnn', with_similarity=False)
    cfg.update(semi_train_cfg)
    torch.manual_seed(0)
    # distribution alignment and the group prior register their statistics
    # when built with them
    # (and an ensemble its extra teachers)
    stats = (cfg.get('fg_soft_align') or cfg.get('fg_soft_group_key')
             or cfg.get('num_teachers'))
    model = build_tiny_model('tiny_faster_rcnn_semi', semi_train_cfg={
        key: cfg[key]
        for key in ('fg_score_thr', 'fg_soft_classes', 'fg_soft_align',
                    'fg_soft_group_key', 'fg_soft_groups', 'num_teachers')
        if key in cfg
    }) if stats else build_tiny_model('tiny_faster_rcnn_semi')
    model.semi_train_cfg = resolve_semi_train_cfg(cfg)
    model.train()
    return model


def run_loss(model, batch):
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    return losses, data['data_samples']['student']


# crafted teacher detections in teacher-view pixels (= original pixels here)
CANDIDATES = dict(
    boxes=[
        [44, 10, 54, 20],  # 0: outside the region, confident -> pseudo
        [45, 10, 55, 20],  # 1: duplicate of 0 (class-agnostic NMS)
        [20, 20, 30, 30],  # 2: inside the region
        [2, 0, 14, 12],  # 3: mostly outside, but touches the GT cell
        [46, 30, 56, 40],  # 4: outside, uncertain -> similarity query
        [50, 2, 51, 3],  # 5: outside, confident, 1x1 px (too small)
        [0, 30, 9, 40],  # 6: outside, below every threshold
    ],
    scores=[0.97, 0.96, 0.99, 0.98, 0.7, 0.99, 0.3],
    labels=[3, 5, 3, 3, 3, 3, 3])


def test_pseudo_labels_only_outside_the_region_and_off_the_gt(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, flip=1.0)
    model = semi_model()
    fake_teacher(model, **CANDIDATES)
    _, samples = run_loss(model, batch)
    gt = samples[0].gt_instances
    boxes = get_box_tensor(gt.bboxes)
    # GT first (flipped: x -> 64 - x), then the one pseudo label (box 0)
    torch.testing.assert_close(
        boxes, torch.tensor([[64. - 22, 10, 64 - 12, 20], [10, 10, 20, 20]]))
    assert gt.labels.tolist() == [7, 3]
    torch.testing.assert_close(gt.weights, torch.tensor([1.0, 0.1]))
    assert gt.attributes[1].tolist() == [-1] * 7  # pseudo: not applicable
    assert gt.attributes[0].tolist() != [-1] * 7
    # the log is in original pixels, with the region
    (entry, ) = model.pseudo_log
    np.testing.assert_allclose(entry['bboxes'], [[44, 10, 54, 20]])
    np.testing.assert_allclose(entry['region'], REGION)
    assert entry['num_uncertain'] == 1  # box 4
    assert 'bg_bboxes' not in entry  # no pseudo background


def test_paper_preset_uses_an_overlap_area_and_the_regions_rule(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, flip=0.0)
    # sla_det: box 3 overlaps the GT by 4 px^2 (< 100) and is kept; box 1 is
    # still suppressed (NMS IoU 0.2)
    model = semi_model(preset='sla_det')
    fake_teacher(model, **CANDIDATES)
    _, samples = run_loss(model, batch)
    boxes = get_box_tensor(samples[0].gt_instances.bboxes)
    # by score: box 3 (0.98), box 0 (0.97)
    torch.testing.assert_close(
        boxes[1:], torch.tensor([[2., 0, 14, 12], [44, 10, 54, 20]]))


@pytest.mark.parametrize('gt_overlap_thr,kept', [(0.0, False), (0.01, False),
                                                 (0.3, True)])
def test_gt_overlap_iou_threshold_lets_a_touching_cell_through(
        tmp_path, gt_overlap_thr, kept):
    """Box 3 touches the GT cell (4 px^2 of 144 + 100: IoU 0.017): any
    overlap (the default) or IoU > 0.01 drops it; with 0.3 only a box
    overlapping like a second detection of the labelled cell is dropped,
    so box 3 is kept."""
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, flip=0.0)
    model = semi_model(gt_overlap_thr=gt_overlap_thr)
    fake_teacher(model, **CANDIDATES)
    _, samples = run_loss(model, batch)
    boxes = get_box_tensor(samples[0].gt_instances.bboxes)
    expected = [[2., 0, 14, 12], [44, 10, 54, 20]] if kept else [
        [44., 10, 54, 20]]
    torch.testing.assert_close(boxes[1:], torch.tensor(expected))


@pytest.mark.parametrize('score_thr,kept', [
    (0.9, []),
    ([0.9] * 3 + [0.5] + [0.9] * 10, [0, 2]),
    ([0.9] * 3 + [0.5] + [0.9] + [0.6] + [0.9] * 8, [0, 1, 2]),
])
def test_per_class_score_thr_takes_the_threshold_of_the_class(
        tmp_path, score_thr, kept):
    """A list ``score_thr`` holds one threshold per class: a candidate
    passes at the threshold of its class. Box 2 (0.55) is below the
    similarity band's floor (0.6), so it is a candidate at all only when
    the lowest per-class threshold reaches down to it."""
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, flip=0.0)
    model = build_tiny_model('tiny_faster_rcnn_semi', semi_train_cfg=dict(
        preset='faster_rcnn', with_similarity=False, score_thr=score_thr,
        similarity=dict(score_range=(0.6, 0.9))))
    model.train()
    boxes = [[44, 10, 54, 20], [46, 30, 56, 40], [0, 30, 9, 40]]
    fake_teacher(model, boxes=boxes, scores=[0.7, 0.65, 0.55],
                 labels=[3, 5, 3])
    _, samples = run_loss(model, batch)
    pseudo = samples[0].gt_instances[1:]
    torch.testing.assert_close(
        get_box_tensor(pseudo.bboxes),
        torch.tensor([boxes[i] for i in kept],
                     dtype=torch.float32).reshape(-1, 4))
    assert pseudo.labels.tolist() == [[3, 5, 3][i] for i in kept]


@pytest.mark.parametrize('score_thr', [[0.5] * 13, [0.5] * 13 + [1.5],
                                       [0.5] * 13 + [True], (0.5, ) * 15])
@pytest.mark.parametrize('config', ['tiny_faster_rcnn_semi', 'tiny_dino_semi'])
def test_per_class_score_thr_errors(score_thr, config):
    # 14 classes in either tiny detector (Faster R-CNN's RoI head, DINO's
    # head): a list of another length cannot be matched to the classes; a
    # value outside [0, 1] is a typo
    with pytest.raises(ValueError, match=r'semi_train_cfg.score_thr=.*one '
                       r'number in \[0, 1\] for each of the detector\'s 14 '
                       r'classes'):
        build_tiny_model(config, semi_train_cfg=dict(score_thr=score_thr))
    # one threshold per class builds
    model = build_tiny_model(config, semi_train_cfg=dict(
        score_thr=[0.5] * 14))
    assert model.class_score_thr(torch.tensor([0, 13])).tolist() == [0.5,
                                                                     0.5]


@pytest.mark.parametrize('teacher_flip', [False, True])
def test_teacher_flip_keeps_what_both_views_see(tmp_path, teacher_flip):
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, flip=0.0)
    model = semi_model(teacher_flip=teacher_flip)
    # the fake teacher finds the same boxes in the image and in its mirror
    # image (64 px wide): the box centred on x = 32 is the same cell in
    # both views, the other one is seen by one view only
    fake_teacher(model, boxes=[[26, 41, 38, 47], [44, 10, 54, 20]],
                 scores=[0.97, 0.96], labels=[3, 3])
    seen = []
    predict = model.teacher.predict
    model.teacher.predict = lambda x, s, rescale: seen.append(x) or predict(
        x, s, rescale)
    _, samples = run_loss(model, batch)
    pseudo = get_box_tensor(samples[0].gt_instances.bboxes)[1:]
    if not teacher_flip:
        assert len(seen) == 1
        torch.testing.assert_close(
            pseudo, torch.tensor([[26., 41, 38, 47], [44, 10, 54, 20]]))
        return
    assert len(seen) == 2
    torch.testing.assert_close(seen[1][..., :48, :64],
                               seen[0][..., :48, :64].flip(-1))
    # the one-view box keeps half its score (0.48 < score_thr 0.9); its
    # mirror copy lies inside the region
    torch.testing.assert_close(pseudo, torch.tensor([[26., 41, 38, 47]]))
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    (cand, ) = model.teacher_candidates(data['inputs']['teacher'],
                                        data['data_samples']['teacher'],
                                        data['data_samples']['student'])
    # 0.48 is below every threshold (the similarity band starts at 0.6)
    torch.testing.assert_close(cand.scores, torch.tensor([0.97]))


def test_teacher_flip_with_a_real_dino_teacher(tmp_path):
    """A DINO teacher's detections (with attributes) fuse too, and the step
    gives finite losses."""
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, indices=(1, 2))
    torch.manual_seed(0)
    model = build_tiny_model('tiny_dino_semi', semi_train_cfg=dict(
        preset='dino', teacher_flip=True, score_thr=0.0,
        similarity=dict(score_range=(0.0, 1.0))))
    model.train()
    calls = []
    predict = model.teacher.predict
    model.teacher.predict = lambda x, s, rescale: calls.append(x) or predict(
        x, s, rescale)
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    cand = model.teacher_candidates(data['inputs']['teacher'],
                                    data['data_samples']['teacher'],
                                    data['data_samples']['student'])
    assert len(calls) == 2  # the field, then its mirror image
    assert len(cand[0]) > 0 and cand[0].attributes.shape[0] == len(cand[0])
    losses, _ = run_loss(model, batch)
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)


@pytest.mark.parametrize('directions,kept', [
    (['horizontal', 'vertical', 'diagonal'], [0]), (['vertical'], [0, 1])])
def test_flipped_views_need_a_cell_in_nearly_all_of_them(
        tmp_path, directions, kept):
    """teacher_flip with a list of directions: one more teacher pass per
    direction, each on that flip of the field, and a pseudo label's score is
    the mean over all views."""
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, flip=0.0)
    model = semi_model(teacher_flip=directions)
    # two cells outside the region (original pixels of the 64x48 image):
    # cell 0 is seen by every view, cell 1 by the field and its vertical
    # flip only: with four views (0.99 + 0.99) / 4 < score_thr 0.9
    cells = torch.tensor([[44., 10, 54, 20], [0, 41, 8, 47]])
    seen = []

    def predict(inputs, samples, rescale=False):
        direction = ([None] + directions)[len(seen)]
        seen.append(inputs)
        out = []
        for sample in samples:
            boxes = cells if direction in (None, 'vertical') else cells[:1]
            if direction:  # where the flipped image shows them
                boxes = unflip_boxes(boxes, sample.metainfo['img_shape'],
                                     direction)
            res = DetDataSample(metainfo=sample.metainfo)
            res.pred_instances = InstanceData(
                bboxes=boxes, scores=torch.full((len(boxes), ), 0.99),
                labels=torch.full((len(boxes), ), 3))
            out.append(res)
        return out

    model.teacher.predict = predict
    _, samples = run_loss(model, batch)
    assert len(seen) == 1 + len(directions)
    dims = dict(horizontal=(-1, ), vertical=(-2, ), diagonal=(-2, -1))
    for image, direction in zip(seen[1:], directions):
        torch.testing.assert_close(image[..., :48, :64],
                                   seen[0][..., :48, :64].flip(
                                       dims[direction]))
    pseudo = get_box_tensor(samples[0].gt_instances.bboxes)[1:]
    expected = cells[kept]
    torch.testing.assert_close(pseudo[pseudo[:, 0].argsort()],
                               expected[expected[:, 0].argsort()])


def test_teacher_flip_must_be_a_bool_or_directions():
    # checked with the other keys when the config is resolved ...
    with pytest.raises(TypeError,
                       match='semi_train_cfg.teacher_flip must be True'):
        resolve_semi_train_cfg(dict(teacher_flip=1))
    with pytest.raises(ValueError, match="got \\['vertical', 'vertical'\\]"):
        resolve_semi_train_cfg(dict(teacher_flip=['vertical', 'vertical']))
    assert resolve_semi_train_cfg(dict(teacher_flip=['diagonal']))[
        'teacher_flip'] == ['diagonal']
    # ... so a model with a bad value is never built
    with pytest.raises(TypeError, match='teacher_flip must be True, False'):
        build_tiny_model('tiny_faster_rcnn_semi',
                         semi_train_cfg=dict(teacher_flip=1))
    with pytest.raises(ValueError, match="got \\['sideways'\\]"):
        build_tiny_model('tiny_faster_rcnn_semi',
                         semi_train_cfg=dict(teacher_flip=['sideways']))


@pytest.mark.parametrize('teacher_flip', [False, True])
def test_ensemble_teacher_keeps_what_its_teachers_agree_on(tmp_path,
                                                           teacher_flip):
    """num_teachers=2: each teacher predicts (on every flip too) and the
    views are fused, so a class score is the teachers' mean."""
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, flip=0.0)
    model = semi_model(num_teachers=2, teacher_flip=teacher_flip)
    assert len(model.teachers) == 2
    assert not any(p.requires_grad
                   for p in model.extra_teachers.parameters())
    # both see cell X as class 3 (0.95 / 0.93: mean 0.94 >= score_thr
    # 0.9); they disagree on cell Y's class (mean 0.475 for each class)
    cells = [[44, 10, 54, 20], [46, 30, 56, 40]]
    fake_teacher(model, boxes=cells, scores=[0.95, 0.95], labels=[3, 3])
    fake_teacher(model, boxes=cells, scores=[0.93, 0.95], labels=[3, 5],
                 teacher=model.extra_teachers[0])
    seen = {}
    for name, teacher in (('a', model.teacher),
                          ('b', model.extra_teachers[0])):
        predict = teacher.predict
        teacher.predict = (
            lambda x, s, rescale, name=name, predict=predict:
            seen.setdefault(name, []).append(x) or predict(x, s, rescale))
    _, samples = run_loss(model, batch)
    views = 2 if teacher_flip else 1
    assert [len(seen['a']), len(seen['b'])] == [views, views]
    torch.testing.assert_close(seen['a'][0], seen['b'][0])
    if teacher_flip:  # the fake teachers' boxes do not follow the flip
        return
    pseudo = samples[0].gt_instances[1:]
    torch.testing.assert_close(get_box_tensor(pseudo.bboxes),
                               torch.tensor([[44., 10, 54, 20]]))
    assert pseudo.labels.tolist() == [3]


def test_ensemble_of_real_dino_teachers(tmp_path):
    """A DINO ensemble: both teachers predict, their detections (with
    attributes) fuse, and the step gives finite losses."""
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, indices=(1, 2))
    torch.manual_seed(0)
    model = build_tiny_model('tiny_dino_semi', semi_train_cfg=dict(
        preset='dino', num_teachers=2, score_thr=0.0,
        similarity=dict(score_range=(0.0, 1.0))))
    model.train()
    calls = []
    for i, teacher in enumerate(model.teachers):
        predict = teacher.predict
        teacher.predict = (
            lambda x, s, rescale, i=i, predict=predict:
            calls.append(i) or predict(x, s, rescale))
    losses, _ = run_loss(model, batch)
    assert calls == [0, 1]
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()  # the student learns; no teacher gets a gradient
    assert any(p.grad is not None for p in model.student.parameters())
    assert all(p.grad is None for t in model.teachers
               for p in t.parameters())


def test_ensemble_teacher_is_evaluated_fused(tmp_path):
    """predict_on='teacher' with an ensemble: the fused detections, at most
    as many per image as one teacher gave; 'student' is unchanged."""
    from conftest import tiny_batch
    write_dataset(tmp_path, tiny_coco())
    model = semi_model(num_teachers=2)
    model.eval()
    data = model.data_preprocessor(tiny_batch(tmp_path, test_mode=True),
                                   False)
    fake_teacher(model, boxes=[[2, 2, 12, 12], [20, 20, 30, 30],
                               [40, 5, 50, 15]], scores=[0.9, 0.8, 0.3],
                 labels=[3, 3, 1], rescale=True)
    fake_teacher(model, boxes=[[2, 2, 12, 12], [20, 20, 30, 30]],
                 scores=[0.7, 0.6], labels=[3, 5], rescale=True,
                 teacher=model.extra_teachers[0])

    def forbidden(*args, **kwargs):
        raise AssertionError('the student predicted')

    student_predict = model.student.predict
    model.student.predict = forbidden
    results = model.predict(data['inputs'], data['data_samples'])
    # the samples it was given (their GT kept for the evaluator)
    assert results is data['data_samples']
    assert 'gt_instances' in results[0]
    # fused: (0.9 + 0.7) / 2, 0.8 / 2 (class 3), 0.6 / 2 (class 5), and
    # 0.3 / 2 (class 1): the fourth is one more than teacher 1's three
    for res in results:
        torch.testing.assert_close(res.pred_instances.scores,
                                   torch.tensor([0.8, 0.4, 0.3]))
        assert res.pred_instances.labels.tolist() == [3, 3, 5]
    model.student.predict = student_predict
    model.semi_test_cfg['predict_on'] = 'student'
    model.teacher.predict = model.extra_teachers[0].predict = forbidden
    assert len(model.predict(data['inputs'], data['data_samples'])) == 2


def test_ensemble_of_one_model_twice_predicts_as_that_model(tmp_path):
    """Fusing a real teacher with an identical copy changes nothing: every
    detection matches its copy (mean score = its score, same box)."""
    from conftest import tiny_batch
    write_dataset(tmp_path, tiny_coco())
    model = semi_model(num_teachers=2)
    model.extra_teachers[0].load_state_dict(model.teacher.state_dict())
    model.eval()
    data = model.data_preprocessor(tiny_batch(tmp_path, test_mode=True),
                                   False)
    with torch.no_grad():
        single = model.teacher.predict(data['inputs'], data['data_samples'])
    both = model.predict(data['inputs'], copy.deepcopy(data['data_samples']))
    for one, fused in zip(single, both):
        one, fused = one.pred_instances, fused.pred_instances
        assert len(one) > 0 and len(fused) == len(one)
        a, b = one.scores.argsort(), fused.scores.argsort()
        torch.testing.assert_close(fused.scores[b], one.scores[a])
        torch.testing.assert_close(fused.bboxes[b], one.bboxes[a])
        assert torch.equal(fused.labels[b], one.labels[a])


def test_fully_annotated_images_get_no_pseudo_labels(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, indices=(0, ), flip=0.0)  # a.png: no region
    model = semi_model()
    fake_teacher(model, **CANDIDATES)
    _, samples = run_loss(model, batch)
    gt = samples[0].gt_instances
    assert len(gt) == 3 and gt.weights.tolist() == [1.0] * 3


@pytest.mark.parametrize('bg_score_thr', [None, 0.5])
def test_pseudo_background_ignores_only_where_the_teacher_sees_a_cell(
        tmp_path, bg_score_thr):
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, flip=0.0)
    model = semi_model(bg_score_thr=bg_score_thr)
    fake_teacher(model, **CANDIDATES)
    losses, samples = run_loss(model, batch)
    assert all(torch.isfinite(v).all() for k, v in losses.items()
               if 'loss' in k and isinstance(v, torch.Tensor))
    ignored = samples[0].ignored_instances
    boxes = get_box_tensor(ignored.bboxes)
    if bg_score_thr is None:  # the region's complement, as strips
        assert len(boxes) == 4 and boxes.abs().max() >= 1e4
    else:
        # the candidates >= 0.5 outside the region, by score, pseudo label
        # (box 0) and the one touching the GT (box 3) included; not the
        # duplicate (NMS), the box in the region, the 1x1 one, box 6 (0.3)
        torch.testing.assert_close(
            boxes, torch.tensor([[2., 0, 14, 12], [44, 10, 54, 20],
                                 [46, 30, 56, 40]]))
        assert ignored.labels.tolist() == [0, 0, 0]
        assert (ignored.attributes == -1).all()
        (entry, ) = model.pseudo_log  # in original pixels (no flip here)
        np.testing.assert_allclose(entry['bg_bboxes'], boxes.numpy())
        np.testing.assert_allclose(entry['bg_scores'], [0.98, 0.97, 0.7])
    # the student's RoI assigner: a proposal where the teacher saw nothing
    # (box 6) is a negative only with pseudo background; one on an unsure
    # cell (box 4) stays ignored; one in the region is a negative
    priors = torch.tensor([[0., 30, 9, 40], [46, 30, 56, 40],
                           [28, 26, 38, 36]])
    result = model.student.roi_head.bbox_assigner.assign(
        InstanceData(priors=priors), samples[0].gt_instances,
        samples[0].ignored_instances)
    expected = [-1, -1, 0] if bg_score_thr is None else [0, -1, 0]
    assert result.gt_inds.tolist() == expected


def test_pseudo_background_keeps_crowd_boxes_and_full_images(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    model = semi_model(bg_score_thr=0.5)
    cand = InstanceData(bboxes=torch.tensor([[40., 2, 50, 12],
                                             [0, 30, 9, 40]]),
                        scores=torch.tensor([0.9, 0.2]),
                        labels=torch.tensor([1, 2]))
    strips = torch.tensor([[-1e4, -1e4, 1e4, 8], [-1e4, 8, 10, 40]])
    crowd = torch.tensor([[30., 30, 40, 40]])
    sample = DetDataSample(metainfo=dict(annotated_region=REGION,
                                         img_shape=(48, 64)))
    sample.ignored_instances = InstanceData(
        bboxes=torch.cat([crowd, strips]), labels=torch.tensor([4, 0, 0]))
    model.pseudo_background(sample, cand)
    torch.testing.assert_close(sample.ignored_instances.bboxes,
                               torch.tensor([[30., 30, 40, 40],
                                             [40, 2, 50, 12]]))
    assert sample.ignored_instances.labels.tolist() == [4, 0]
    full = DetDataSample(metainfo=dict(img_shape=(48, 64)))
    full.ignored_instances = InstanceData(bboxes=crowd,
                                          labels=torch.tensor([4]))
    model.pseudo_background(full, cand)
    torch.testing.assert_close(full.ignored_instances.bboxes, crowd)
    sample.ignored_instances.scores = torch.ones(2)
    with pytest.raises(KeyError, match=r"fields \['scores'\]"):
        model.pseudo_background(sample, cand)


def test_bg_score_thr_errors():
    # DINO has no ignore boxes to rewrite (the value itself is checked with
    # the config, tests/test_models/test_utils/test_semi_train_cfg.py)
    with pytest.raises(ValueError, match='bg_score_thr=0.1.*no RoI head'):
        build_tiny_model('tiny_dino_semi',
                         semi_train_cfg=dict(bg_score_thr=0.1))
    with pytest.raises(ValueError, match=r'bg_score_thr must be .*\(0, 1\]'):
        build_tiny_model('tiny_faster_rcnn_semi',
                         semi_train_cfg=dict(bg_score_thr=1.5))


def test_pseudo_attributes_above_their_threshold(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, flip=0.0)
    model = semi_model(pseudo_attributes=True, attr_score_thr=0.6)
    probs = torch.full((1, 7, 2), 0.5)  # unsure -> not applicable
    probs[0, 2] = torch.tensor([0.1, 0.9])  # sure: value 1
    fake_teacher(model, [[44, 10, 54, 20]], [0.97], [3], attributes=probs)
    _, samples = run_loss(model, batch)
    assert samples[0].gt_instances.attributes[1].tolist() == [
        -1, -1, 1, -1, -1, -1, -1
    ]


# foreground scores of CANDIDATES: box 4 (class score 0.7 < 0.9) is surely a
# cell; box 6 is not
FG_SCORES = [0.99, 0.99, 0.99, 0.99, 0.9, 0.99, 0.5]


@pytest.mark.parametrize('score_thr,fg_only', [
    (0.9, [False, True]),  # box 0 (0.97): a class pseudo label
    (None, [True, True]),  # no class pseudo labels: box 0 foreground too
])
def test_foreground_pseudo_labels_are_flagged(tmp_path, score_thr, fg_only):
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, flip=0.0)
    model = semi_model(fg_score_thr=0.8, score_thr=score_thr)
    fake_teacher(model, **CANDIDATES, fg_scores=FG_SCORES)
    losses, samples = run_loss(model, batch)
    gt = samples[0].gt_instances
    # GT, box 0, box 4 (class score 0.7: foreground pseudo label); the
    # region, GT-overlap and size rules still hold (boxes 2, 3, 5 dropped)
    torch.testing.assert_close(
        get_box_tensor(gt.bboxes),
        torch.tensor([[12., 10, 22, 20], [44, 10, 54, 20], [46, 30, 56, 40]]))
    assert gt.fg_only.tolist() == [False] + fg_only
    assert gt.labels.tolist() == [7, 3, 3]
    torch.testing.assert_close(gt.weights, torch.tensor([1.0, 0.1, 0.1]))
    assert model.pseudo_log[0]['fg_only'].tolist() == fg_only
    # GT boxes join the RoIs, so the foreground label gets its own loss
    assert torch.isfinite(losses['loss_fg']) and losses['loss_fg'] > 0


def test_foreground_pseudo_labels_weight_threshold_and_default(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, flip=0.0)
    # their own weight, if set
    model = semi_model(fg_score_thr=0.8, fg_pseudo_weight=1.0)
    fake_teacher(model, **CANDIDATES, fg_scores=FG_SCORES)
    _, samples = run_loss(model, batch)
    torch.testing.assert_close(samples[0].gt_instances.weights,
                               torch.tensor([1.0, 0.1, 1.0]))
    # without class pseudo labels, a candidate below fg_score_thr is no
    # pseudo label whatever its class score (box 0: 0.99, foreground 0.5)
    model = semi_model(fg_score_thr=0.8, score_thr=None)
    cand = copy.deepcopy(CANDIDATES)
    cand['scores'] = [0.99] + [0.1] * (len(cand['scores']) - 1)
    fake_teacher(model, **cand, fg_scores=[0.5] * len(FG_SCORES))
    _, samples = run_loss(model, batch)
    assert len(samples[0].gt_instances) == 1
    # off by default: no flag, no loss_fg
    model = semi_model()
    fake_teacher(model, **CANDIDATES, fg_scores=FG_SCORES)
    losses, samples = run_loss(model, batch)
    assert 'fg_only' not in samples[0].gt_instances
    assert len(samples[0].gt_instances) == 2 and 'loss_fg' not in losses


def test_score_thr_errors():
    with pytest.raises(ValueError, match='score_thr=None.*with_pseudo=False'):
        build_tiny_model('tiny_faster_rcnn_semi',
                         semi_train_cfg=dict(score_thr=None))
    with pytest.raises(ValueError, match=r'score_thr must be .*\[0, 1\]'):
        build_tiny_model('tiny_faster_rcnn_semi',
                         semi_train_cfg=dict(score_thr=1.5))
    # no pseudo labels at all is what with_pseudo=False says
    build_tiny_model('tiny_faster_rcnn_semi', semi_train_cfg=dict(
        score_thr=None, with_pseudo=False))


def test_foreground_pseudo_labels_do_not_teach_the_teachers_class(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, flip=0.0)

    def class_losses(fg_score_thr, score_thr, label):
        model = semi_model(fg_score_thr=fg_score_thr, score_thr=score_thr)
        cand = copy.deepcopy(CANDIDATES)
        cand['labels'][4] = label
        fake_teacher(model, **cand, fg_scores=FG_SCORES)
        torch.manual_seed(1)  # same RoI sampling
        losses, _ = run_loss(model, batch)
        return [losses[k].item() for k in ('loss_cls', 'loss_fg')
                if k in losses]

    # box 4 as a foreground label (class score 0.7 < 0.9): its class does
    # not matter; as a class label (0.7 >= 0.6) it does
    as_fg = class_losses(0.8, 0.9, 3)
    assert len(as_fg) == 2 and as_fg == class_losses(0.8, 0.9, 5)
    assert class_losses(None, 0.6, 3) != class_losses(None, 0.6, 5)


def class_probs_of(fg_scores, second=5, share=0.25):
    """(n, 14) teacher class probabilities: each candidate's foreground
    score split between its CANDIDATES label (3) and class ``second``."""
    fg = torch.tensor(fg_scores)
    probs = torch.zeros(len(fg_scores), 14)
    probs[:, 3] = fg * (1 - share)
    probs[:, second] = fg * share
    return probs


def test_soft_class_targets_of_foreground_pseudo_labels(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, flip=0.0)
    model = semi_model(fg_score_thr=0.8, fg_soft_classes=True)
    fake_teacher(model, **CANDIDATES, fg_scores=FG_SCORES,
                 class_probs=class_probs_of(FG_SCORES))
    losses, samples = run_loss(model, batch)
    gt = samples[0].gt_instances
    assert gt.fg_only.tolist() == [False, False, True]
    targets = gt.class_targets
    assert targets.shape == (3, 14)
    # GT (class 7) and the class pseudo label (box 0, class 3): one-hot
    assert targets[0].argmax() == 7 and targets[1].argmax() == 3
    assert targets[:2].max(-1).values.tolist() == [1.0, 1.0]
    # the foreground pseudo label (box 4): the teacher's distribution
    # given a cell, 0.75 / 0.25
    expected = torch.zeros(14)
    expected[3], expected[5] = 0.75, 0.25
    torch.testing.assert_close(targets[2], expected)
    assert torch.isfinite(losses['loss_fg'])
    # sharpened by the temperature: q ~ p^(1/T)
    model = semi_model(fg_score_thr=0.8, fg_soft_classes=True,
                       fg_soft_temperature=0.5)
    fake_teacher(model, **CANDIDATES, fg_scores=FG_SCORES,
                 class_probs=class_probs_of(FG_SCORES))
    _, samples = run_loss(model, batch)
    sharp = samples[0].gt_instances.class_targets[2]
    torch.testing.assert_close(sharp[[3, 5]], torch.tensor([0.9, 0.1]))


def test_soft_class_targets_teach_the_teachers_distribution(tmp_path):
    """Plain foreground pseudo labels ignore the teacher's classes; with
    ``fg_soft_classes`` the loss follows its distribution."""
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, flip=0.0)

    def loss_fg(soft, second):
        model = semi_model(fg_score_thr=0.8, fg_soft_classes=soft)
        fake_teacher(model, **CANDIDATES, fg_scores=FG_SCORES,
                     class_probs=class_probs_of(FG_SCORES, second=second))
        torch.manual_seed(1)  # same RoI sampling
        losses, _ = run_loss(model, batch)
        return losses['loss_fg'].item()

    assert loss_fg(False, 5) == loss_fg(False, 9)
    assert loss_fg(True, 5) != loss_fg(True, 9)
    # the cross-entropy includes -log(1 - p_background)
    assert loss_fg(True, 5) > loss_fg(False, 5)


def test_aligned_soft_targets_follow_the_labelled_class_frequencies(
        tmp_path):
    """``fg_soft_align``: the teacher's distribution is rescaled by the
    labelled class frequencies over its own running mean."""
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, flip=0.0)
    model = semi_model(fg_score_thr=0.8, fg_soft_classes=True,
                       fg_soft_align=True)
    # every foreground candidate: class 3 0.75, class 5 0.25 given a cell
    fake_teacher(model, **CANDIDATES, fg_scores=FG_SCORES,
                 class_probs=class_probs_of(FG_SCORES))
    _, samples = run_loss(model, batch)
    # one labelled cell (class 7) counted, one teacher update
    expected_counts = torch.zeros(14)
    expected_counts[7] = 1
    torch.testing.assert_close(model.labelled_class_counts, expected_counts)
    assert int(model.teacher_class_updates) == 1
    expected_mean = torch.zeros(14)
    expected_mean[3], expected_mean[5] = 0.75, 0.25
    torch.testing.assert_close(model.teacher_class_mean, expected_mean)
    # aligned: p * prior / mean with prior 1/15 for both: 0.5 / 0.5, not
    # the teacher's 0.75 / 0.25
    target = samples[0].gt_instances.class_targets[2]
    torch.testing.assert_close(target[[3, 5]], torch.tensor([0.5, 0.5]))
    assert torch.isclose(target.sum(), torch.tensor(1.0))
    # the running mean is exact over the first 1 / momentum updates
    fake_teacher(model, **CANDIDATES, fg_scores=FG_SCORES,
                 class_probs=class_probs_of(FG_SCORES, share=0.5))
    run_loss(model, batch)
    torch.testing.assert_close(model.teacher_class_mean[[3, 5]],
                               torch.tensor([0.625, 0.375]))
    torch.testing.assert_close(model.labelled_class_counts[7],
                               torch.tensor(2.0))
    # the statistics are checkpointed (resume aligns as before)
    state = model.state_dict()
    fresh = semi_model(fg_score_thr=0.8, fg_soft_classes=True,
                       fg_soft_align=True)
    assert int(fresh.teacher_class_updates) == 0
    fresh.load_state_dict(state)
    torch.testing.assert_close(fresh.teacher_class_mean,
                               model.teacher_class_mean)
    assert int(fresh.teacher_class_updates) == 2


def test_align_class_probs_scales_up_what_the_teacher_under_calls():
    model = semi_model(fg_score_thr=0.8, fg_soft_classes=True,
                       fg_soft_align=True)
    probs = torch.full((2, 14), 1 / 14)
    probs[1, :2] = torch.tensor([0.6, 0.4]) * (1 - 12 / 14)
    # before any update: unchanged (up to the renormalisation)
    torch.testing.assert_close(model.align_class_probs(probs), probs)
    model.labelled_class_counts[:2] = torch.tensor([49.0, 49.0])
    model.teacher_class_mean.fill_(0.01)
    model.teacher_class_mean[:2] = torch.tensor([0.8, 0.08])
    model.teacher_class_updates.fill_(5)
    aligned = model.align_class_probs(probs)
    # prior 50/112 for classes 0 and 1: class 1, called 10x less often than
    # class 0, gains 10x on it
    assert aligned[1, 1] / aligned[1, 0] == pytest.approx(10 * 0.4 / 0.6)
    torch.testing.assert_close(aligned.sum(-1), torch.ones(2))
    # a distribution equal to the teacher's mean maps to the prior
    mean = model.teacher_class_mean / model.teacher_class_mean.sum()
    prior = (model.labelled_class_counts + 1) / (98 + 14)
    torch.testing.assert_close(model.align_class_probs(mean[None])[0], prior)


GROUPS = dict(fg_score_thr=0.8, fg_soft_classes=True,
              fg_soft_group_key='diagnosis', fg_soft_groups=['ALL', 'AML'])


def test_group_prior_reweights_soft_targets_by_the_image_diagnosis(
        tmp_path):
    """``fg_soft_group_key``: the teacher's distribution of an AML field's
    unsure cell is multiplied by the AML class frequency over the overall
    one (shrunk towards 1 by ``fg_soft_group_shrink``)."""
    coco = tiny_coco()
    coco['images'][1]['diagnosis'] = 'AML'  # the sparse image
    write_dataset(tmp_path, coco)
    batch = semi_batch(tmp_path, flip=0.0)
    model = semi_model(**GROUPS)
    assert model.group_class_counts.shape == (2, 14)
    # labelled cells so far: ALL fields 10 x class 3, AML 9 x class 5
    model.group_class_counts[0, 3] = 10
    model.group_class_counts[1, 5] = 9
    # every foreground candidate: class 3 0.75, class 5 0.25 given a cell
    fake_teacher(model, **CANDIDATES, fg_scores=FG_SCORES,
                 class_probs=class_probs_of(FG_SCORES))
    _, samples = run_loss(model, batch)
    # the batch's labelled cell (class 7) is counted under AML
    assert model.group_class_counts[1].tolist() == [0.0] * 5 + [9.0] + [
        0.0] + [1.0] + [0.0] * 6
    # f_AML = (5: 0.9, 7: 0.1), f = (3: 0.45, 5: 0.45, 7: 0.05):
    # r_3 = 0.5 * 0 + 0.5 = 0.5, r_5 = 0.5 * 2 + 0.5 = 1.5
    ratio = model.group_prior_ratio(1)
    torch.testing.assert_close(ratio[[3, 5, 7]],
                               torch.tensor([0.5, 1.5, 1.5]))
    assert (ratio[[0, 1, 2, 4, 6, 8, 9, 10, 11, 12, 13]] == 1).all()
    # 0.75 * 0.5 : 0.25 * 1.5 -> 0.5 / 0.5, not the teacher's 0.75 / 0.25
    target = samples[0].gt_instances.class_targets[2]
    torch.testing.assert_close(target[[3, 5]], torch.tensor([0.5, 0.5]))
    assert torch.isclose(target.sum(), torch.tensor(1.0))
    # the counts are checkpointed
    fresh = semi_model(**GROUPS)
    fresh.load_state_dict(model.state_dict())
    torch.testing.assert_close(fresh.group_class_counts,
                               model.group_class_counts)


def test_group_prior_leaves_images_without_a_group_alone(tmp_path):
    write_dataset(tmp_path, tiny_coco())  # the sparse image: no diagnosis
    batch = semi_batch(tmp_path, flip=0.0)
    model = semi_model(**GROUPS)
    model.group_class_counts[0, 3] = 9
    model.group_class_counts[1, 5] = 9
    before = model.group_class_counts.clone()
    fake_teacher(model, **CANDIDATES, fg_scores=FG_SCORES,
                 class_probs=class_probs_of(FG_SCORES))
    _, samples = run_loss(model, batch)
    torch.testing.assert_close(model.group_class_counts, before)
    target = samples[0].gt_instances.class_targets[2]
    torch.testing.assert_close(target[[3, 5]], torch.tensor([0.75, 0.25]))
    assert model._warned_no_group  # the log says so, once


def test_group_prior_ratio_bounds():
    model = semi_model(**GROUPS, fg_soft_group_shrink=0.2)
    # no labelled cell yet: no reweighting
    assert (model.group_prior_ratio(0) == 1).all()
    model.group_class_counts[0, :2] = torch.tensor([8.0, 2.0])
    model.group_class_counts[1, 1] = 10.0
    ratio = model.group_prior_ratio(0)
    # f_ALL = (0.8, 0.2), f = (0.4, 0.6): 0.8 * 2 + 0.2, 0.8 / 3 + 0.2
    torch.testing.assert_close(ratio[:2], torch.tensor([1.8, 0.8 / 3 + 0.2]))
    # classes never labelled: 1
    assert (ratio[2:] == 1).all()
    # a class a group never has keeps the shrink as its floor
    assert model.group_prior_ratio(1)[0] == pytest.approx(0.2)


def test_group_prior_names_an_unknown_group(tmp_path):
    coco = tiny_coco()
    coco['images'][1]['diagnosis'] = 'MDS'
    write_dataset(tmp_path, coco)
    batch = semi_batch(tmp_path, flip=0.0)
    model = semi_model(**GROUPS)
    fake_teacher(model, **CANDIDATES, fg_scores=FG_SCORES,
                 class_probs=class_probs_of(FG_SCORES))
    with pytest.raises(ValueError,
                       match=r"b\.png: metainfo 'diagnosis' is 'MDS'.*"
                       r"fg_soft_groups \['ALL', 'AML'\]"):
        run_loss(model, batch)


def test_group_prior_errors():
    # the keys' values are checked with the config (test_semi_train_cfg.py);
    # a model with a bad one is never built
    with pytest.raises(ValueError, match='fg_soft_groups must be a'):
        build_tiny_model('tiny_faster_rcnn_semi', semi_train_cfg={
            **GROUPS, 'fg_soft_groups': ['ALL', 'ALL']})


def test_teacher_reports_foreground_scores_for_pseudo_labelling_only(
        tmp_path):
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path)
    model = build_tiny_model('tiny_faster_rcnn_semi', semi_train_cfg=dict(
        fg_score_thr=0.01, score_thr=0.01))
    model.eval()
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    (cand, ) = model.teacher_candidates(data['inputs']['teacher'],
                                        data['data_samples']['teacher'],
                                        data['data_samples']['student'])
    assert len(cand) and model.teacher.roi_head.with_fg_scores is False
    # a cell of any class is at least as likely as of the best class
    assert (cand.fg_scores >= cand.scores - 1e-6).all()
    assert (cand.fg_scores <= 1).all()
    # the flag adds fg_scores and changes no detection
    inputs = data['inputs']['teacher']
    samples = [DetDataSample(metainfo=s.metainfo)
               for s in data['data_samples']['teacher']]
    plain = model.teacher.predict(inputs, samples)[0].pred_instances
    model.teacher.roi_head.with_fg_scores = True
    with_fg = model.teacher.predict(inputs, samples)[0].pred_instances
    assert 'fg_scores' not in plain and len(with_fg.fg_scores) == len(plain)
    assert 'class_probs' not in plain
    assert with_fg.class_probs.shape == (len(plain), 14)
    # the candidates carry the class probabilities along
    assert cand.class_probs.shape == (len(cand), 14)
    for key in ('bboxes', 'scores', 'labels'):
        torch.testing.assert_close(with_fg[key], plain[key])


def test_fg_score_thr_errors():
    # DINO's head reports no foreground scores (the values of the fg_* keys
    # are checked with the config, test_semi_train_cfg.py)
    with pytest.raises(ValueError, match='fg_score_thr=0.5.*AttrRoIHead'):
        build_tiny_model('tiny_dino_semi',
                         semi_train_cfg=dict(fg_score_thr=0.5))
    with pytest.raises(ValueError, match=r'fg_score_thr must be .*\(0, 1\]'):
        build_tiny_model('tiny_faster_rcnn_semi',
                         semi_train_cfg=dict(fg_score_thr=1.5))


def test_no_pseudo_label_gives_finite_losses_and_a_frozen_teacher(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, indices=(1, 2), flip=0.5)
    model = semi_model(with_similarity=True)
    fake_teacher(model, [], [], [])
    before = copy.deepcopy(model.teacher.state_dict())
    losses, _ = run_loss(model, batch)
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    assert losses['loss_sim'] == 0
    total.backward()
    assert all(not p.requires_grad and p.grad is None
               for p in model.teacher.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.student.parameters())
    for key, value in model.teacher.state_dict().items():
        torch.testing.assert_close(value, before[key], msg=key)


def test_without_pseudo_labels_the_semi_step_equals_the_supervised_step(
        tmp_path):
    """After burn-in, a teacher that yields nothing leaves the student's
    losses and gradients exactly those of the supervised (burn-in) step:
    empty pseudo labels (all-one GT weights) and an empty similarity term
    change nothing."""
    from mmengine.logging import MessageHub
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, indices=(1, 2), flip=0.0)
    model = semi_model(burn_in=1, with_similarity=True)
    fake_teacher(model, [], [], [])
    hub = MessageHub.get_current_instance()
    results = []
    for epoch in (0, 1):  # burn-in, then semi
        hub.update_info('epoch', epoch)
        model.zero_grad()
        torch.manual_seed(1)  # the RoI samplers draw at random
        losses, _ = run_loss(model, batch)
        total, _ = model.parse_losses(losses)
        total.backward()
        results.append((losses, [p.grad.clone() for p in
                                 model.student.parameters()
                                 if p.grad is not None]))
    hub.update_info('epoch', 0)
    (sup, sup_grads), (semi, semi_grads) = results
    assert semi.pop('loss_sim') == 0 and 'loss_sim' not in sup
    assert sup.keys() == semi.keys()
    for key in sup:
        torch.testing.assert_close(semi[key], sup[key], msg=key)
    assert len(sup_grads) == len(semi_grads) > 0
    for a, b in zip(sup_grads, semi_grads):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize('teacher_flip', [False, True])
def test_real_teacher_predicts_without_gradients(tmp_path, teacher_flip):
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, indices=(1, 2))
    model = semi_model(score_thr=0.0, min_size=1.0, with_similarity=True,
                       similarity=dict(score_range=(0.0, 1.0)),
                       teacher_flip=teacher_flip)
    losses, samples = run_loss(model, batch)
    assert len(samples[0].gt_instances) > 1  # pseudo labels were made
    assert not model.teacher.training
    total, _ = model.parse_losses(losses)
    total.backward()
    assert all(p.grad is None for p in model.teacher.parameters())


def test_similarity_features_come_from_the_students_single_pass(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, indices=(0, 1), flip=0.0)
    model = semi_model(with_similarity=True,
                       similarity=dict(score_range=(0.5, 0.99)))
    # an uncertain detection of class 0 outside b.png's region; a.png has
    # GT cells of class 0 (same) and 1, 13 (other)
    fake_teacher(model, [[44, 24, 56, 36]], [0.8], [0])
    calls = []
    original = model.student.extract_feat
    model.student.extract_feat = lambda x: calls.append(1) or original(x)
    losses, _ = run_loss(model, batch)
    assert len(calls) == 1  # one student pass for all losses
    assert losses['loss_sim'].requires_grad
    assert losses['loss_sim'] > 0  # random features: triplets violated


def test_similarity_loss_stops_after_its_end(tmp_path):
    from mmengine.logging import MessageHub
    write_dataset(tmp_path, tiny_coco())
    model = semi_model(with_similarity=True, similarity=dict(end=3))
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', 2)
    assert model.similarity_active()
    hub.update_info('epoch', 3)
    assert not model.similarity_active()
    hub.update_info('epoch', 0)


def test_burn_in_trains_the_student_on_gt_only(tmp_path):
    from mmengine.logging import MessageHub
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path, flip=0.0)
    model = semi_model(burn_in=1)
    fake_teacher(model, **CANDIDATES)
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', 0)
    _, samples = run_loss(model, batch)
    assert len(samples[0].gt_instances) == 1 and model.pseudo_log is None
    hub.update_info('epoch', 1)
    _, samples = run_loss(model, batch)
    assert len(samples[0].gt_instances) == 2
    hub.update_info('epoch', 0)


def test_teacher_rpn_cfg_applies_to_pseudo_labelling_only(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path)
    model = build_tiny_model('tiny_faster_rcnn_semi', semi_train_cfg=dict(
        teacher_rpn_cfg=dict(nms_pre=50, max_per_img=3)))
    full = model.teacher.rpn_head.test_cfg.max_per_img
    assert full > 3
    counts = []
    roi_predict = model.teacher.roi_head.predict

    def spy(x, proposals, *args, **kwargs):
        counts.append([len(p) for p in proposals])
        return roi_predict(x, proposals, *args, **kwargs)

    model.teacher.roi_head.predict = spy
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    model.teacher_candidates(data['inputs']['teacher'],
                             data['data_samples']['teacher'],
                             data['data_samples']['student'])
    assert counts[-1] == [3]  # the teacher pseudo-labels from 3 proposals
    assert model.teacher.rpn_head.test_cfg.max_per_img == full  # restored
    model.eval()  # evaluating the teacher uses the whole test config
    test = model.data_preprocessor(
        dict(inputs=batch['inputs']['teacher'],
             data_samples=batch['data_samples']['teacher']), False)
    model.predict(test['inputs'], test['data_samples'])
    assert counts[-1][0] > 3


def test_teacher_rpn_cfg_errors():
    with pytest.raises(ValueError, match='teacher_rpn_cfg.*DINO'):
        build_tiny_model('tiny_dino_semi', semi_train_cfg=dict(
            teacher_rpn_cfg=dict(max_per_img=100)))
    with pytest.raises(TypeError, match='teacher_rpn_cfg must be a dict'):
        build_tiny_model('tiny_faster_rcnn_semi', semi_train_cfg=dict(
            teacher_rpn_cfg=100))
    with pytest.raises(KeyError, match="max_per_image.*max_per_img"):
        build_tiny_model('tiny_faster_rcnn_semi', semi_train_cfg=dict(
            teacher_rpn_cfg=dict(max_per_image=100)))
    # the DINO preset needs no override; Faster R-CNN's trims proposals
    assert resolve_semi_train_cfg(dict(preset='dino'))[
        'teacher_rpn_cfg'] is None
    assert resolve_semi_train_cfg({})['teacher_rpn_cfg']['max_per_img'] == 100


def test_channels_last_teacher_gives_the_same_pseudo_label_candidates(
        tmp_path):
    from lld_mmdet.models.utils import channels_last_detectors
    write_dataset(tmp_path, tiny_coco())
    batch = semi_batch(tmp_path)
    low = dict(score_thr=0.0, similarity=dict(score_range=(0.0, 0.5)))
    plain = build_tiny_model('tiny_faster_rcnn_semi', semi_train_cfg=low)
    fast = copy.deepcopy(plain)
    assert channels_last_detectors(fast) == 2  # student and teacher
    assert channels_last_detectors(fast) == 2  # idempotent
    for model in (fast.student, fast.teacher):
        w = model.backbone.conv1.weight
        assert w.is_contiguous(memory_format=torch.channels_last) and \
            not w.is_contiguous()
    assert plain.teacher.backbone.conv1.weight.is_contiguous()
    data = fast.data_preprocessor(copy.deepcopy(batch), True)
    args = (data['inputs']['teacher'], data['data_samples']['teacher'],
            data['data_samples']['student'])
    ref, out = plain.teacher_candidates(*args), fast.teacher_candidates(*args)
    assert len(ref[0]) > 0
    torch.testing.assert_close(out[0].bboxes, ref[0].bboxes, atol=1e-3,
                               rtol=1e-4)
    torch.testing.assert_close(out[0].scores, ref[0].scores, atol=1e-4,
                               rtol=1e-4)
    assert torch.equal(out[0].labels, ref[0].labels)


def test_student_and_teacher_are_built_from_separate_configs():
    model = build_tiny_model('tiny_dino_semi')
    assert model.student is not model.teacher
    s_params = dict(model.student.named_parameters())
    t_params = dict(model.teacher.named_parameters())
    assert s_params.keys() == t_params.keys()
    assert all(s_params[k].data_ptr() != t_params[k].data_ptr()
               for k in s_params)


def test_predict_uses_the_teacher_by_default(tmp_path):
    from conftest import tiny_batch
    write_dataset(tmp_path, tiny_coco())
    model = semi_model()
    model.eval()

    def forbidden(*args, **kwargs):
        raise AssertionError('the student predicted')

    model.student.predict = forbidden
    data = model.data_preprocessor(tiny_batch(tmp_path, test_mode=True),
                                   False)
    results = model.predict(data['inputs'], data['data_samples'])
    assert len(results) == 2 and 'attributes' in results[0].pred_instances


# ----------------------------------------------------------- EMA teacher
class _Runner:

    def __init__(self, model, epoch=0, iteration=0):
        self.model, self.epoch, self.iter = model, epoch, iteration


def test_ema_update_formula_includes_bn_buffers():
    from lld_mmdet.engine.hooks import LLDMeanTeacherHook
    model = semi_model()
    with torch.no_grad():
        for p in model.student.parameters():
            p.add_(torch.randn_like(p))
        for name, b in model.student.named_buffers():
            if b.dtype.is_floating_point:
                b.add_(1.0)
    teacher = copy.deepcopy(model.teacher.state_dict())
    student = copy.deepcopy(model.student.state_dict())
    hook = LLDMeanTeacherHook(momentum=0.25)
    hook.after_train_iter(_Runner(model), 0)
    checked_buffer = False
    for key, value in model.teacher.state_dict().items():
        if not value.dtype.is_floating_point:
            continue
        expected = 0.75 * teacher[key] + 0.25 * student[key]
        torch.testing.assert_close(value, expected, msg=key)
        checked_buffer |= key.endswith('running_mean')
    assert checked_buffer


def test_teacher_copies_the_student_during_burn_in():
    from lld_mmdet.engine.hooks import LLDMeanTeacherHook
    model = semi_model(burn_in=2)
    with torch.no_grad():
        for p in model.student.parameters():
            p.add_(1.0)
    hook = LLDMeanTeacherHook(momentum=0.01)
    hook.after_train_iter(_Runner(model, epoch=1), 0)
    for (name, s), t in zip(model.student.state_dict().items(),
                            model.teacher.state_dict().values()):
        torch.testing.assert_close(t, s, msg=name)
    with torch.no_grad():
        for p in model.student.parameters():
            p.add_(1.0)
    hook.after_train_iter(_Runner(model, epoch=2), 0)  # EMA from now on
    s = next(model.student.parameters())
    t = next(model.teacher.parameters())
    torch.testing.assert_close(t, s - 0.99)


def test_frozen_teacher_copies_during_burn_in_then_stays():
    from lld_mmdet.engine.hooks import LLDMeanTeacherHook
    model = semi_model(burn_in=1)
    hook = LLDMeanTeacherHook(momentum=0.5, freeze_after_burn_in=True)
    with torch.no_grad():
        for p in model.student.parameters():
            p.add_(1.0)
    hook.after_train_iter(_Runner(model, epoch=0), 0)  # burn-in: a copy
    burnt_in = copy.deepcopy(model.teacher.state_dict())
    for key, value in model.student.state_dict().items():
        torch.testing.assert_close(burnt_in[key], value, msg=key)
    with torch.no_grad():
        for p in model.student.parameters():
            p.add_(1.0)
    hook.after_train_iter(_Runner(model, epoch=1, iteration=5), 0)
    for key, value in model.teacher.state_dict().items():
        torch.testing.assert_close(value, burnt_in[key], msg=key)
    # the same step without the switch moves the teacher halfway
    LLDMeanTeacherHook(momentum=0.5).after_train_iter(
        _Runner(model, epoch=1, iteration=5), 0)
    t, s = next(model.teacher.parameters()), next(model.student.parameters())
    torch.testing.assert_close(t, s - 0.5)


def _other_detector_checkpoint(model, path, semi=False):
    """A checkpoint of a model of the same architecture with other weights
    (a plain detector one, or teacher-student keys whose ``semi`` branch
    holds them, the other branch zeros); returns those weights."""
    other = {k: v + 1.0 if v.dtype.is_floating_point else v.clone()
             for k, v in model.student.state_dict().items()}
    keys = {f'{branch}.{k}': (v if branch == semi else v * 0)
            for branch in ('teacher', 'student')
            for k, v in other.items()} if semi else other
    torch.save(dict(meta={}, state_dict=keys), str(path))
    return other


@pytest.mark.parametrize('semi', [False, 'teacher', 'student'])
def test_teacher_checkpoint_loads_the_teacher_only_then_stays(tmp_path, semi):
    from lld_mmdet.engine.hooks import LLDMeanTeacherHook
    model = semi_model()
    student = copy.deepcopy(model.student.state_dict())
    other = _other_detector_checkpoint(model, tmp_path / 'full.pth', semi)
    hook = LLDMeanTeacherHook(momentum=0.5, freeze_after_burn_in=True,
                              teacher_checkpoint=str(tmp_path / 'full.pth'),
                              teacher_checkpoint_branch=semi or 'teacher')
    hook.before_train(_Runner(model))
    hook.after_train_iter(_Runner(model, iteration=1), 0)
    for key, value in model.teacher.state_dict().items():
        torch.testing.assert_close(value, other[key], msg=key)
    for key, value in model.student.state_dict().items():  # its own init
        torch.testing.assert_close(value, student[key], msg=key)
    # without the checkpoint, mmdet's start copies the student
    LLDMeanTeacherHook().before_train(_Runner(model))
    for key, value in model.teacher.state_dict().items():
        torch.testing.assert_close(value, student[key], msg=key)


def test_teacher_checkpoint_is_not_reloaded_on_resume(tmp_path):
    from lld_mmdet.engine.hooks import LLDMeanTeacherHook
    model = semi_model()
    _other_detector_checkpoint(model, tmp_path / 'full.pth')
    resumed = copy.deepcopy(model.teacher.state_dict())
    LLDMeanTeacherHook(teacher_checkpoint=str(
        tmp_path / 'full.pth')).before_train(_Runner(model, iteration=7))
    for key, value in model.teacher.state_dict().items():
        torch.testing.assert_close(value, resumed[key], msg=key)


def test_teacher_checkpoint_errors_name_the_file(tmp_path):
    from lld_mmdet.engine.hooks import LLDMeanTeacherHook
    with pytest.raises(ValueError, match="'ema'"):
        LLDMeanTeacherHook(teacher_checkpoint_branch='ema')
    model = semi_model()
    hook = LLDMeanTeacherHook(teacher_checkpoint=str(tmp_path / 'no.pth'))
    hook.before_train(_Runner(model, iteration=3))  # resumed: not needed
    with pytest.raises(FileNotFoundError, match='no.pth'):
        hook.before_train(_Runner(model))
    path = tmp_path / 'full.pth'
    _other_detector_checkpoint(model, path)
    with pytest.raises(ValueError, match='full.pth.*burn_in=2'):
        LLDMeanTeacherHook(teacher_checkpoint=str(path)).before_train(
            _Runner(semi_model(burn_in=2)))
    state = torch.load(str(path))['state_dict']
    state.pop(next(iter(state)))
    state['roi_head.extra.weight'] = torch.zeros(1)
    torch.save(dict(state_dict=state), str(tmp_path / 'other.pth'))
    with pytest.raises(ValueError, match=r'other.pth.*1 missing keys.*'
                       r'1 unexpected \(roi_head.extra.weight\)'):
        LLDMeanTeacherHook(teacher_checkpoint=str(
            tmp_path / 'other.pth')).before_train(_Runner(model))


def test_ensemble_teacher_checkpoints_load_in_order(tmp_path):
    from lld_mmdet.engine.hooks import LLDMeanTeacherHook
    model = semi_model(num_teachers=2)
    student = copy.deepcopy(model.student.state_dict())
    first = _other_detector_checkpoint(model, tmp_path / 'a.pth')
    # a teacher-student checkpoint whose student holds other weights again
    second = {k: v + 2.0 if v.dtype.is_floating_point else v
              for k, v in student.items()}
    torch.save(dict(state_dict={
        **{f'student.{k}': v for k, v in second.items()},
        **{f'teacher.{k}': v * 0 for k, v in second.items()}}),
        str(tmp_path / 'b.pth'))
    hook = LLDMeanTeacherHook(
        freeze_after_burn_in=True,
        teacher_checkpoint=[str(tmp_path / 'a.pth'), str(tmp_path / 'b.pth')],
        teacher_checkpoint_branch=['teacher', 'student'])
    hook.before_train(_Runner(model))
    hook.after_train_iter(_Runner(model, iteration=1), 0)
    for teacher, expected in zip(model.teachers, (first, second)):
        for key, value in teacher.state_dict().items():
            torch.testing.assert_close(value, expected[key], msg=key)
    for key, value in model.student.state_dict().items():
        torch.testing.assert_close(value, student[key], msg=key)
    # resumed: the run's checkpoint held both teachers
    model.extra_teachers[0].load_state_dict(model.student.state_dict())
    hook.before_train(_Runner(model, iteration=4))
    for key, value in model.extra_teachers[0].state_dict().items():
        torch.testing.assert_close(value, student[key], msg=key)


def test_ensemble_teacher_checkpoint_errors(tmp_path):
    from lld_mmdet.engine.hooks import LLDMeanTeacherHook
    path = str(tmp_path / 'a.pth')
    pair = semi_model(num_teachers=2)
    _other_detector_checkpoint(pair, path)
    with pytest.raises(ValueError, match='1 teacher_checkpoint files for a '
                       'teacher of 2 model.*num_teachers=2'):
        LLDMeanTeacherHook(teacher_checkpoint=path,
                           freeze_after_burn_in=True).before_train(
                               _Runner(pair))
    with pytest.raises(ValueError, match='0 teacher_checkpoint files'):
        LLDMeanTeacherHook().before_train(_Runner(pair))
    with pytest.raises(ValueError, match='2 teacher_checkpoint files for a '
                       'teacher of 1 model'):
        LLDMeanTeacherHook(teacher_checkpoint=[path, path],
                           freeze_after_burn_in=True).before_train(
                               _Runner(semi_model()))
    with pytest.raises(ValueError, match='needs freeze_after_burn_in=True'):
        LLDMeanTeacherHook(teacher_checkpoint=[path, path]).before_train(
            _Runner(pair))
    # every file is checked before any is loaded
    before = copy.deepcopy(pair.teacher.state_dict())
    with pytest.raises(FileNotFoundError, match='no.pth'):
        LLDMeanTeacherHook(teacher_checkpoint=[path, str(tmp_path / 'no.pth')],
                           freeze_after_burn_in=True).before_train(
                               _Runner(pair))
    for key, value in pair.teacher.state_dict().items():
        torch.testing.assert_close(value, before[key], msg=key)
    with pytest.raises(ValueError, match='3 teacher_checkpoint_branch values '
                       'for 2 teacher_checkpoint files'):
        LLDMeanTeacherHook(teacher_checkpoint=[path, path],
                           teacher_checkpoint_branch=['teacher'] * 3)
    with pytest.raises(ValueError, match="not \\['teacher', 'ema'\\]"):
        LLDMeanTeacherHook(teacher_checkpoint=[path, path],
                           teacher_checkpoint_branch=['teacher', 'ema'])
    with pytest.raises(TypeError, match='teacher_checkpoint must be a str'):
        LLDMeanTeacherHook(teacher_checkpoint=[path, 3])


# ---------------------------------------------------------- whole runs
@pytest.mark.parametrize('base', ['tiny_faster_rcnn_semi', 'tiny_dino_semi'])
def test_semi_training_evaluates_and_resumes_teacher_and_student(
        tmp_path, base):
    from mmengine.config import Config
    from mmengine.runner import Runner
    write_dataset(tmp_path, tiny_coco())
    extra = {}
    if base == 'tiny_faster_rcnn_semi':
        deterministic = dict(sampler=dict(_delete_=True, type='PseudoSampler'))
        extra = dict(model=dict(detector=dict(train_cfg=dict(
            rpn=deterministic, rcnn=deterministic))))
    config = write_tiny_config(
        tmp_path, base=base,
        train_cfg=dict(max_epochs=2, val_interval=2),
        # as the demo schedule: checkpoints of channels-last backbones
        default_hooks=dict(channels_last=dict(type='ChannelsLastHook')),
        # no random flip: epoch 2 depends only on what the checkpoint holds
        train_dataloader=dict(dataset=dict(pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadLLDAnnotations'),
            dict(type='MultiBranch', branch_field=['teacher', 'student'],
                 teacher=[dict(type='Resize', scale=(64, 64),
                               keep_ratio=True),
                          dict(type='PackLLDInputs')],
                 student=[dict(type='Resize', scale=(64, 64),
                               keep_ratio=True),
                          dict(type='SparseRegionIgnore'),
                          dict(type='PackLLDInputs')])
        ])), **extra)
    straight = str(tmp_path / 'straight')
    log = run_train_tool(config, straight)
    assert 'teacher/lld/bbox_mAP_50' in log and 'student/lld/bbox_mAP' in log
    assert 'pseudo_per_img' in log
    assert 'ChannelsLastHook: 2 backbone(s)' in log
    first = torch.load(osp.join(straight, 'epoch_1.pth'), weights_only=True)
    last = torch.load(osp.join(straight, 'epoch_2.pth'), weights_only=True)
    keys = last['state_dict'].keys()
    assert any(k.startswith('teacher.') for k in keys)
    assert any(k.startswith('student.') for k in keys)
    # the teacher is an EMA of the student, not a copy
    assert not all(
        torch.equal(last['state_dict'][k], last['state_dict'][
            'student.' + k[len('teacher.'):]]) for k in keys
        if k.startswith('teacher.') and 'num_batches' not in k)

    # resume restores both models
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path / 'resumed')
    cfg.resume = True
    cfg.load_from = osp.join(straight, 'epoch_1.pth')
    # mmdet names its visualizer 'visualizer', a process-wide instance: a
    # second in-process Runner would reuse the first one's save_dir
    cfg.visualizer.name = f'visualizer_{tmp_path.name}'
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    assert runner.epoch == 1
    state = runner.model.state_dict()
    for key, value in first['state_dict'].items():
        torch.testing.assert_close(state[key], value, msg=key)
    if base == 'tiny_faster_rcnn_semi':
        # nothing random left: the resumed run ends where the straight one
        # did (DINO's denoising noise draws from the RNG, so not there)
        resumed = str(tmp_path / 'resumed_run')
        log = run_train_tool(config, resumed, '--resume',
                             osp.join(straight, 'epoch_1.pth'))
        assert 'resumed epoch: 1' in log
        again = torch.load(osp.join(resumed, 'epoch_2.pth'),
                           weights_only=True)
        for key, value in last['state_dict'].items():
            torch.testing.assert_close(again['state_dict'][key], value,
                                       rtol=1e-4, atol=1e-5, msg=key)


def test_ensemble_teacher_trains_and_is_evaluated(tmp_path):
    """tools/train.py with num_teachers=2 loaded from two checkpoints: the
    teachers stay those models, the checkpoint holds them, the validation
    scores the fused ensemble and the student."""
    write_dataset(tmp_path, tiny_coco())
    files = []
    for seed in (1, 2):
        torch.manual_seed(seed)
        plain = build_tiny_model('tiny_faster_rcnn_sparse')
        files.append(str(tmp_path / f'seed{seed}.pth'))
        torch.save(dict(state_dict=plain.state_dict()), files[-1])
    config = write_tiny_config(
        tmp_path, base='tiny_faster_rcnn_semi',
        train_cfg=dict(max_epochs=1, val_interval=1),
        model=dict(semi_train_cfg=dict(num_teachers=2)),
        custom_hooks=[dict(type='LLDMeanTeacherHook', momentum=0.5,
                           freeze_after_burn_in=True,
                           teacher_checkpoint=files),
                      dict(type='PseudoLabelStatsHook')])
    work = str(tmp_path / 'work')
    log = run_train_tool(config, work)
    assert 'teacher/lld/bbox_mAP_50' in log and 'student/lld/bbox_mAP' in log
    assert 'pseudo_per_img' in log
    state = torch.load(osp.join(work, 'epoch_1.pth'),
                       weights_only=True)['state_dict']
    for prefix, path in zip(('teacher.', 'extra_teachers.0.'), files):
        loaded = torch.load(path, weights_only=True)['state_dict']
        for key, value in loaded.items():
            torch.testing.assert_close(state[prefix + key], value,
                                       msg=prefix + key)


def test_plain_detector_checkpoint_initialises_teacher_and_student(tmp_path):
    plain = build_tiny_model('tiny_faster_rcnn_sparse')
    path = str(tmp_path / 'plain.pth')
    torch.save(dict(state_dict=plain.state_dict()), path)
    from mmengine.runner import load_checkpoint
    model = semi_model()
    load_checkpoint(model, path, map_location='cpu', strict=True)
    for key, value in plain.state_dict().items():
        torch.testing.assert_close(model.student.state_dict()[key], value)
        torch.testing.assert_close(model.teacher.state_dict()[key], value)


def test_unannotated_images_take_every_confident_detection(tmp_path):
    # "annotated_region": [] = nothing labelled (e.g. unlabelled images mixed
    # in by a multi-source sampler): no region to avoid, no GT to avoid
    coco = tiny_coco()
    coco['images'][1]['annotated_region'] = []
    coco['annotations'] = [a for a in coco['annotations']
                           if a['image_id'] != 2]
    write_dataset(tmp_path, coco)
    batch = semi_batch(tmp_path, flip=0.0)
    model = semi_model()
    fake_teacher(model, **CANDIDATES)
    _, samples = run_loss(model, batch)
    boxes = get_box_tensor(samples[0].gt_instances.bboxes)
    # boxes 2 (0.99), 3 (0.98), 0 (0.97) by score; 1 suppressed by NMS,
    # 5 too small, 4 and 6 below the threshold
    torch.testing.assert_close(
        boxes, torch.tensor([[20., 20, 30, 30], [2, 0, 14, 12],
                             [44, 10, 54, 20]]))
    assert samples[0].gt_instances.weights.tolist() == pytest.approx(
        [0.1] * 3)
