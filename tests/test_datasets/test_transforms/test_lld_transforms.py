"""Attributes stay paired with boxes and the region follows the image
through mmdet's geometric transforms."""
import numpy as np
import pytest
from mmcv.transforms import Compose
from mmdet.registry import TRANSFORMS

from lld_mmdet.datasets.transforms import project_region


def make_results(region=(10, 20, 50, 60)):
    """A 100x80 (w x h) image with 4 cells whose attribute rows encode the
    cell's index, so a mis-pairing is visible."""
    boxes = [[5, 5, 25, 25], [60, 10, 90, 40], [30, 50, 45, 75],
             [70, 55, 95, 78]]
    instances = [
        dict(bbox=b, bbox_label=i + 1, ignore_flag=0,
             attributes=np.array([i, i % 2, -1], dtype=np.int64))
        for i, b in enumerate(boxes)
    ]
    return dict(
        img=np.zeros((80, 100, 3), dtype=np.uint8),
        img_shape=(80, 100),
        ori_shape=(80, 100),
        img_path='x.png',
        img_id=0,
        instances=instances,
        num_attributes=3,
        annotated_region=list(region) if region is not None else None)


def run(pipeline, results):
    return Compose([
        t if callable(t) else TRANSFORMS.build(t) for t in pipeline
    ])(results)


def pinned_crop(offset_hw, **kwargs):
    """mmdet's RandomCrop with its random (y, x) offset pinned."""
    crop = TRANSFORMS.build(dict(type='RandomCrop', **kwargs))
    crop._rand_offset = lambda margin: offset_hw
    return crop


def assert_paired(sample):
    """Each box's attribute row is its original cell's row: label-1 == a0."""
    labels = sample.gt_instances.labels.tolist()
    attrs = sample.gt_instances.attributes.tolist()
    assert [a[0] for a in attrs] == [label - 1 for label in labels]
    assert [a[1] for a in attrs] == [(label - 1) % 2 for label in labels]


def test_region_after_flip_resize_crop_has_exact_coordinates():
    out = run([
        dict(type='LoadLLDAnnotations'),
        dict(type='RandomFlip', prob=1.0, direction='horizontal'),
        dict(type='Resize', scale_factor=2.0, keep_ratio=True),
        pinned_crop((10, 30), crop_size=(120, 100)),  # offset (y, x), size (w, h)
        dict(type='PackLLDInputs'),
    ], make_results())
    meta = out['data_samples'].metainfo
    # flip: x -> 100 - x  => [50, 20, 90, 60]; x2 => [100, 40, 180, 120];
    # crop offset (x 30, y 10) => [70, 30, 150, 110]; clip to 120x100
    np.testing.assert_allclose(meta['annotated_region'], [70, 30, 120, 100])
    assert meta['img_shape'] == (100, 120)
    assert_paired(out['data_samples'])


def test_crop_that_misses_the_region_yields_an_empty_region():
    out = run([
        dict(type='LoadLLDAnnotations'),
        pinned_crop((0, 60), crop_size=(80, 40), allow_negative_crop=True),
        dict(type='PackLLDInputs'),
    ], make_results())
    np.testing.assert_array_equal(
        out['data_samples'].metainfo['annotated_region'], [0, 0, 0, 0])


def test_fully_annotated_image_has_no_region_and_nothing_annotated_is_empty():
    out = run([dict(type='LoadLLDAnnotations'),
               dict(type='PackLLDInputs')], make_results(region=None))
    assert out['data_samples'].metainfo['annotated_region'] is None
    out = run([dict(type='LoadLLDAnnotations'),
               dict(type='PackLLDInputs')], make_results(region=[]))
    np.testing.assert_array_equal(
        out['data_samples'].metainfo['annotated_region'], [0, 0, 0, 0])


def test_crop_keeps_attributes_paired_with_surviving_boxes():
    out = run([
        dict(type='LoadLLDAnnotations'),
        pinned_crop((0, 50), crop_size=(50, 80)),
        dict(type='PackLLDInputs'),
    ], make_results())
    sample = out['data_samples']
    assert sample.gt_instances.labels.tolist() == [2, 4]
    assert_paired(sample)


def test_filter_annotations_keeps_pairing_only_in_the_lld_version():
    pipeline = [
        dict(type='LoadLLDAnnotations'),
        dict(type='LLDFilterAnnotations', min_gt_bbox_wh=(16, 16)),
        dict(type='PackLLDInputs'),
    ]
    sample = run(pipeline, make_results())['data_samples']
    # box 2 is 15 px wide: dropped
    assert sample.gt_instances.labels.tolist() == [1, 2, 4]
    assert_paired(sample)
    pipeline[1]['type'] = 'FilterAnnotations'
    with pytest.raises(RuntimeError, match='LLDFilterAnnotations'):
        run(pipeline, make_results())


def test_dino_style_pipeline_keeps_pairing_and_region_inside_image():
    """mmdet's DINO train pipeline (flip, choice of resizes and crop)."""
    scales = [(80, 160), (96, 160), (112, 160)]
    pipeline = [
        dict(type='LoadLLDAnnotations'),
        dict(type='RandomFlip', prob=0.5),
        dict(type='RandomChoice', transforms=[
            [dict(type='RandomChoiceResize', scales=scales,
                  keep_ratio=True)],
            [dict(type='RandomChoiceResize', scales=[(60, 120), (70, 120)],
                  keep_ratio=True),
             dict(type='RandomCrop', crop_type='absolute_range',
                  crop_size=(40, 50), allow_negative_crop=True),
             dict(type='RandomChoiceResize', scales=scales,
                  keep_ratio=True)]
        ]),
        dict(type='PackLLDInputs'),
    ]
    np.random.seed(0)
    for _ in range(30):
        out = run(pipeline, make_results())
        sample = out['data_samples']
        assert_paired(sample)
        h, w = sample.metainfo['img_shape']
        region = sample.metainfo['annotated_region']
        assert 0 <= region[0] <= region[2] <= w
        assert 0 <= region[1] <= region[3] <= h
        # the region maps back onto the original one (up to clipping)
        hom = sample.metainfo['homography_matrix']
        expected = project_region(np.array([10, 20, 50, 60]), hom, (h, w))
        np.testing.assert_allclose(region, expected)


def test_project_region_identity_and_flip():
    np.testing.assert_allclose(
        project_region(np.array([1, 2, 3, 4]), None, (10, 10)), [1, 2, 3, 4])
    flip_v = np.array([[1, 0, 0], [0, -1, 10], [0, 0, 1]], dtype=np.float32)
    np.testing.assert_allclose(
        project_region(np.array([1, 2, 3, 4]), flip_v, (10, 10)),
        [1, 6, 3, 8])


def test_images_without_annotations_load_and_pack():
    """Inference pipelines (mmdet's inference_detector) have no instances."""
    res = make_results()
    res.pop('instances')
    res.pop('num_attributes')
    out = run([dict(type='LoadLLDAnnotations'),
               dict(type='PackLLDInputs')], res)
    assert len(out['data_samples'].gt_instances) == 0
