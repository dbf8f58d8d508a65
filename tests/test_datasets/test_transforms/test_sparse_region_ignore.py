import numpy as np
from mmcv.transforms import Compose
from mmdet.registry import TRANSFORMS

from lld_mmdet.datasets.transforms import region_complement


def results(region=(10, 20, 50, 60)):
    return dict(
        img=np.zeros((80, 100, 3), np.uint8), img_shape=(80, 100),
        ori_shape=(80, 100), img_path='x.png', img_id=0, num_attributes=2,
        instances=[dict(bbox=[15, 25, 30, 40], bbox_label=3, ignore_flag=0,
                        attributes=np.array([1, 0]))],
        annotated_region=list(region) if region is not None else None)


def pinned_crop(offset_hw, **kwargs):
    crop = TRANSFORMS.build(dict(type='RandomCrop', **kwargs))
    crop._rand_offset = lambda margin: offset_hw
    return crop


def run(pipeline, res):
    return Compose([t if callable(t) else TRANSFORMS.build(t)
                    for t in pipeline])(res)


def test_complement_after_flip_resize_crop_has_exact_strips():
    out = run([
        dict(type='LoadLLDAnnotations'),
        dict(type='RandomFlip', prob=1.0, direction='horizontal'),
        dict(type='Resize', scale_factor=2.0, keep_ratio=True),
        pinned_crop((10, 30), crop_size=(120, 100)),
        dict(type='SparseRegionIgnore'),
        dict(type='PackLLDInputs'),
    ], results())
    sample = out['data_samples']
    # region: flip [50,20,90,60] -> x2 [100,40,180,120] -> crop (30,10)
    # -> [70,30,150,110] -> clipped to the 120x100 view: [70,30,120,100]
    np.testing.assert_allclose(sample.metainfo['valid_region'],
                               [70, 30, 120, 100])
    strips = sample.ignored_instances.bboxes.tensor.numpy()
    far = 1e4  # strips reach beyond the image
    np.testing.assert_allclose(strips, [[-far, -far, far, 30],
                                        [-far, 100, far, far],
                                        [-far, 30, 70, 100],
                                        [120, 30, far, 100]])
    assert sample.ignored_instances.attributes.tolist() == [[-1, -1]] * 4
    assert sample.gt_instances.attributes.tolist() == [[1, 0]]
    assert sample.gt_instances.labels.tolist() == [3]


def test_fully_annotated_image_is_untouched():
    out = run([dict(type='LoadLLDAnnotations'),
               dict(type='SparseRegionIgnore'),
               dict(type='PackLLDInputs')], results(region=None))
    sample = out['data_samples']
    assert 'valid_region' not in sample.metainfo
    assert len(sample.ignored_instances) == 0


def test_view_without_annotated_pixels_is_ignored_whole():
    out = run([dict(type='LoadLLDAnnotations'),
               pinned_crop((0, 60), crop_size=(40, 80),
                           allow_negative_crop=True),
               dict(type='SparseRegionIgnore'),
               dict(type='PackLLDInputs')], results())
    sample = out['data_samples']
    np.testing.assert_array_equal(sample.metainfo['valid_region'], [0] * 4)
    np.testing.assert_allclose(sample.ignored_instances.bboxes.tensor,
                               [[-1e4, -1e4, 1e4, 1e4]])
    assert len(sample.gt_instances) == 0


def test_region_complement_strips_are_disjoint_and_cover_the_rest():
    strips = region_complement(np.array([10, 20, 50, 60]), (80, 100))
    clipped = strips.copy()
    clipped[:, 0::2] = clipped[:, 0::2].clip(0, 100)
    clipped[:, 1::2] = clipped[:, 1::2].clip(0, 80)
    area = ((clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1]))
    assert area.sum() == 100 * 80 - 40 * 40  # inside the image: the rest
    assert len(region_complement(np.array([-1e4, -1e4, 1e4, 1e4]),
                                 (80, 100))) == 0
