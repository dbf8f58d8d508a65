"""Horizontal-flip fusion of a teacher's detections (``teacher_flip``)."""
import pytest
import torch
from mmengine.structures import InstanceData

from lld_mmdet.models.utils.flip_fusion import (flip_images,
                                                fuse_flip_detections,
                                                unflip_boxes)

W = 40.0


def dets(boxes, scores, labels, **extra):
    return InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        scores=torch.tensor(scores, dtype=torch.float32),
        labels=torch.tensor(labels, dtype=torch.long), **extra)


def mirrored(boxes):
    """Boxes of the original image as the mirror image shows them."""
    return unflip_boxes(torch.tensor(boxes, dtype=torch.float32), W).tolist()


def test_flip_images_mirrors_each_image_inside_its_own_width():
    x = torch.arange(2 * 1 * 3 * 6, dtype=torch.float32).reshape(2, 1, 3, 6)
    out = flip_images(x, [(2, 4), (3, 6)])
    # image 0 is 2x4 in a 3x6 padded tensor: column c -> 3 - c, rows < 2
    assert torch.equal(out[0, :, :2, :4], x[0, :, :2, :4].flip(-1))
    assert torch.equal(out[0, :, 2:], x[0, :, 2:])  # padding untouched
    assert torch.equal(out[0, :, :, 4:], x[0, :, :, 4:])
    assert torch.equal(out[1], x[1].flip(-1))
    assert torch.equal(flip_images(out, [(2, 4), (3, 6)]), x)


def test_unflip_boxes_is_the_mirror_map():
    box = torch.tensor([[2., 5., 10., 9.]])
    assert unflip_boxes(box, W).tolist() == [[30., 5., 38., 9.]]
    assert torch.equal(unflip_boxes(unflip_boxes(box, W), W), box)


def test_agreeing_views_average_and_lone_detections_keep_half():
    orig = dets([[2, 2, 12, 12], [20, 20, 30, 30]], [0.9, 0.8], [1, 2],
                class_probs=torch.tensor([[0.1, 0.9], [0.6, 0.4]]))
    # the mirror view finds cell 0 (shifted by 1 px, score 0.7), cell 1
    # with another class, and one cell the original view missed
    flipped = dets(
        mirrored([[3, 2, 13, 12], [20, 20, 30, 30], [30, 0, 38, 8]]),
        [0.7, 0.6, 0.5], [1, 3, 1],
        class_probs=torch.tensor([[0.3, 0.7], [0.2, 0.8], [0.5, 0.5]]))
    out = fuse_flip_detections(orig, flipped, W)
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
    flipped = dets(mirrored([[6, 0, 16, 10], [1, 0, 11, 10]]), [0.6, 0.4],
                   [0, 0])
    out = fuse_flip_detections(orig, flipped, W)
    # IoU 0.25 with the first (no match), 0.82 with the second
    torch.testing.assert_close(out.scores, torch.tensor([0.7, 0.3]))
    assert len(fuse_flip_detections(orig, flipped[:1], W)) == 2


@pytest.mark.parametrize('n_orig,n_flip', [(0, 0), (0, 2), (2, 0)])
def test_empty_views(n_orig, n_flip):
    boxes = [[0, 0, 10, 10], [20, 0, 30, 10]]
    orig = dets(boxes[:n_orig], [0.8, 0.6][:n_orig], [0, 1][:n_orig],
                fg_scores=torch.tensor([0.9, 0.7][:n_orig]))
    flipped = dets(boxes[:n_flip], [0.8, 0.6][:n_flip], [0, 1][:n_flip],
                   fg_scores=torch.tensor([0.9, 0.7][:n_flip]))
    out = fuse_flip_detections(orig, flipped, W)
    assert len(out) == n_orig + n_flip
    assert out.bboxes.shape == (n_orig + n_flip, 4)
    torch.testing.assert_close(out.fg_scores,
                               torch.tensor([0.45, 0.35][:len(out)]))


def test_attribute_labels_follow_the_fused_probabilities():
    # one attribute with two values: 0.6 / 0.4 here, 0.2 / 0.8 mirrored
    attrs = [torch.tensor([[[0.6, 0.4]]]), torch.tensor([[[0.2, 0.8]]])]
    views = [
        dets(boxes, [0.9], [0], attributes=a, attribute_labels=a.argmax(-1))
        for boxes, a in zip(([[0, 0, 10, 10]], mirrored([[0, 0, 10, 10]])),
                            attrs)
    ]
    out = fuse_flip_detections(*views, W)
    torch.testing.assert_close(out.attributes, torch.tensor([[[0.4, 0.6]]]))
    assert out.attribute_labels.tolist() == [[1]]


def test_unknown_or_missing_fields_are_named():
    orig = dets([[0, 0, 10, 10]], [0.9], [0], depth=torch.ones(1))
    with pytest.raises(KeyError, match="'depth'"):
        fuse_flip_detections(orig, dets([], [], [], depth=torch.ones(0)), W)
    orig = dets([[0, 0, 10, 10]], [0.9], [0], fg_scores=torch.ones(1))
    with pytest.raises(KeyError, match='mirror view has no .fg_scores'):
        fuse_flip_detections(orig, dets([], [], []), W)
