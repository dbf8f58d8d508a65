"""Flip fusion of a teacher's detections (``teacher_flip``)."""
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from lld_mmdet.models.utils.flip_fusion import (flip_images, fuse_detections,
                                                fuse_flip_results,
                                                normalize_flip_directions,
                                                unflip_boxes)

H, W = 30.0, 40.0


def dets(boxes, scores, labels, **extra):
    return InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        scores=torch.tensor(scores, dtype=torch.float32),
        labels=torch.tensor(labels, dtype=torch.long), **extra)


def seen_flipped(boxes, direction='horizontal'):
    """Boxes of the original image as its ``direction`` flip shows them."""
    return unflip_boxes(torch.tensor(boxes, dtype=torch.float32), (H, W),
                        direction).tolist()


def test_flip_images_flips_each_image_inside_its_own_extent():
    x = torch.arange(2 * 1 * 3 * 6, dtype=torch.float32).reshape(2, 1, 3, 6)
    shapes = [(2, 4), (3, 6)]
    for direction, dims in (('horizontal', (-1, )), ('vertical', (-2, )),
                            ('diagonal', (-2, -1))):
        out = flip_images(x, shapes, direction)
        # image 0 is 2x4 in a 3x6 padded tensor
        assert torch.equal(out[0, :, :2, :4], x[0, :, :2, :4].flip(dims))
        assert torch.equal(out[0, :, 2:], x[0, :, 2:])  # padding untouched
        assert torch.equal(out[0, :, :, 4:], x[0, :, :, 4:])
        assert torch.equal(out[1], x[1].flip(dims))
        assert torch.equal(flip_images(out, shapes, direction), x)
    assert torch.equal(flip_images(x, shapes),
                       flip_images(x, shapes, 'horizontal'))


def test_unflip_boxes_is_the_flip_map():
    box = torch.tensor([[2., 5., 10., 9.]])
    assert unflip_boxes(box, (H, W)).tolist() == [[30., 5., 38., 9.]]
    assert unflip_boxes(box, (H, W), 'vertical').tolist() == [[2., 21., 10.,
                                                                25.]]
    assert unflip_boxes(box, (H, W), 'diagonal').tolist() == [[30., 21., 38.,
                                                                25.]]
    for direction in ('horizontal', 'vertical', 'diagonal'):
        assert torch.equal(
            unflip_boxes(unflip_boxes(box, (H, W), direction), (H, W),
                         direction), box)


def test_agreeing_views_average_and_lone_detections_keep_half():
    orig = dets([[2, 2, 12, 12], [20, 20, 30, 30]], [0.9, 0.8], [1, 2],
                class_probs=torch.tensor([[0.1, 0.9], [0.6, 0.4]]))
    # the other view finds cell 0 (shifted by 1 px, score 0.7), cell 1
    # with another class, and one cell the first view missed
    other = dets([[3, 2, 13, 12], [20, 20, 30, 30], [30, 0, 38, 8]],
                 [0.7, 0.6, 0.5], [1, 3, 1],
                 class_probs=torch.tensor([[0.3, 0.7], [0.2, 0.8],
                                           [0.5, 0.5]]))
    out = fuse_detections([orig, other])
    assert out.labels.tolist() == [1, 2, 3, 1]
    torch.testing.assert_close(out.scores,
                               torch.tensor([0.8, 0.4, 0.3, 0.25]))
    # score-weighted box of the pair: 0.9 / 1.6 of x1 = 2, 0.7 / 1.6 of 3
    x1 = (0.9 * 2 + 0.7 * 3) / 1.6
    torch.testing.assert_close(
        out.bboxes, torch.tensor([[x1, 2, x1 + 10, 12], [20, 20, 30, 30],
                                  [20, 20, 30, 30], [30, 0, 38, 8]]))
    torch.testing.assert_close(  # probabilities: averaged or kept
        out.class_probs,
        torch.tensor([[0.2, 0.8], [0.6, 0.4], [0.2, 0.8], [0.5, 0.5]]))


def test_a_match_needs_half_overlap_and_takes_the_best_one():
    orig = dets([[0, 0, 10, 10]], [1.0], [0])
    other = dets([[6, 0, 16, 10], [1, 0, 11, 10]], [0.6, 0.4], [0, 0])
    out = fuse_detections([orig, other])
    # IoU 0.25 with the first (no match), 0.82 with the second
    torch.testing.assert_close(out.scores, torch.tensor([0.7, 0.3]))
    assert len(fuse_detections([orig, other[:1]])) == 2


def test_four_views_score_the_mean_over_all_views():
    a = dets([[0, 0, 10, 10], [20, 0, 30, 10]], [0.8, 0.9], [0, 1],
             class_probs=torch.tensor([[0.8, 0.2], [0.1, 0.9]]))
    b = dets([[0, 0, 10, 10]], [0.6], [0],
             class_probs=torch.tensor([[0.6, 0.4]]))
    c = dets([[1, 0, 11, 10], [0, 20, 8, 28]], [1.0, 0.4], [0, 0],
             class_probs=torch.tensor([[1.0, 0.0], [0.6, 0.4]]))
    d = dets([[20, 0, 30, 10]], [0.7], [1],
             class_probs=torch.tensor([[0.3, 0.7]]))
    out = fuse_detections([a, b, c, d])
    assert out.labels.tolist() == [0, 1, 0]
    # cell 0 in views a, b, c; cell 1 in a and d; the third only in c
    torch.testing.assert_close(out.scores,
                               torch.tensor([2.4 / 4, 1.6 / 4, 0.4 / 4]))
    x1 = 1.0 / 2.4  # score-weighted: 0.8 * 0 + 0.6 * 0 + 1.0 * 1
    torch.testing.assert_close(
        out.bboxes, torch.tensor([[x1, 0, x1 + 10, 10], [20, 0, 30, 10],
                                  [0, 20, 8, 28]]))
    torch.testing.assert_close(  # mean over the views that have the cell
        out.class_probs, torch.tensor([[0.8, 0.2], [0.2, 0.8], [0.6, 0.4]]))


def test_fuse_flip_results_maps_each_flip_back_before_fusing():
    cell = [[2, 5, 10, 9]]

    def result(boxes, score):
        sample = DetDataSample()
        sample.pred_instances = dets(boxes, [score] * len(boxes),
                                     [0] * len(boxes))
        return sample

    results = [result(cell, 0.9)]
    flipped = {d: [result(seen_flipped(cell, d), 0.5)]
               for d in ('horizontal', 'vertical', 'diagonal')}
    fuse_flip_results(results, flipped, [(H, W)])
    out = results[0].pred_instances
    torch.testing.assert_close(out.bboxes, torch.tensor(cell,
                                                        dtype=torch.float32))
    torch.testing.assert_close(out.scores, torch.tensor([(0.9 + 1.5) / 4]))


@pytest.mark.parametrize('n_orig,n_other', [(0, 0), (0, 2), (2, 0)])
def test_empty_views(n_orig, n_other):
    boxes = [[0, 0, 10, 10], [20, 0, 30, 10]]
    orig = dets(boxes[:n_orig], [0.8, 0.6][:n_orig], [0, 1][:n_orig],
                fg_scores=torch.tensor([0.9, 0.7][:n_orig]))
    other = dets(boxes[:n_other], [0.8, 0.6][:n_other], [0, 1][:n_other],
                 fg_scores=torch.tensor([0.9, 0.7][:n_other]))
    out = fuse_detections([orig, other])
    assert len(out) == n_orig + n_other
    assert out.bboxes.shape == (n_orig + n_other, 4)
    torch.testing.assert_close(out.fg_scores,
                               torch.tensor([0.45, 0.35][:len(out)]))


def test_attribute_labels_follow_the_fused_probabilities():
    # one attribute with two values: 0.6 / 0.4 in one view, 0.2 / 0.8 in
    # the other
    views = [
        dets([[0, 0, 10, 10]], [0.9], [0], attributes=a,
             attribute_labels=a.argmax(-1))
        for a in (torch.tensor([[[0.6, 0.4]]]), torch.tensor([[[0.2, 0.8]]]))
    ]
    out = fuse_detections(views)
    torch.testing.assert_close(out.attributes, torch.tensor([[[0.4, 0.6]]]))
    assert out.attribute_labels.tolist() == [[1]]


def test_unknown_or_missing_fields_are_named():
    orig = dets([[0, 0, 10, 10]], [0.9], [0], depth=torch.ones(1))
    with pytest.raises(KeyError, match="'depth'"):
        fuse_detections([orig, dets([], [], [], depth=torch.ones(0))])
    orig = dets([[0, 0, 10, 10]], [0.9], [0], fg_scores=torch.ones(1))
    with pytest.raises(KeyError, match='another teacher. has no .fg_scores'):
        fuse_detections([orig, dets([], [], [])])
    orig = dets([[0, 0, 10, 10]], [0.9], [0],
                attribute_labels=torch.zeros(1, 1, dtype=torch.long))
    with pytest.raises(KeyError, match="needs the 'attributes'"):
        fuse_detections([orig, orig])


@pytest.mark.parametrize('value,expected', [
    (False, ()), (True, ('horizontal', )),
    (['vertical', 'diagonal'], ('vertical', 'diagonal')),
    (('horizontal', ), ('horizontal', ))])
def test_flip_directions(value, expected):
    assert normalize_flip_directions(value) == expected


@pytest.mark.parametrize('value,error', [
    (1, TypeError), ('horizontal', TypeError), ([], TypeError),
    (['sideways'], ValueError), (['vertical', 'vertical'], ValueError)])
def test_bad_flip_directions_name_the_option(value, error):
    with pytest.raises(error, match='semi_train_cfg.teacher_flip'):
        normalize_flip_directions(value, 'semi_train_cfg.teacher_flip')
