import copy
import os
import re

import numpy as np
import pytest
from conftest import tiny_coco, write_dataset
from mmdet.registry import DATASETS

from lld_mmdet.datasets import LLDAnnotationError


def build(root, **kwargs):
    cfg = dict(type='LLDDataset', data_root=root, ann_file='ann.json',
               data_prefix=dict(img=''), pipeline=[], test_mode=True)
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_loads_boxes_attributes_region_and_domains(tiny_dataset):
    root, _, _ = tiny_dataset
    ds = build(root)
    assert len(ds) == 3
    info = {d['img_id']: d for d in ds.load_data_list()}
    a, b, c = info[1], info[2], info[3]
    assert [i['bbox'] for i in a['instances']] == [[2, 3, 12, 15],
                                                   [30, 20, 38, 28],
                                                   [50, 30, 62, 46]]
    assert [i['bbox_label'] for i in a['instances']] == [1, 0, 13]
    np.testing.assert_array_equal(a['instances'][0]['attributes'],
                                  [1, 0, 1, 1, 0, 1, 0])
    # cell_size=4 (na_value) and nucleolus=null -> ignore; others missing
    np.testing.assert_array_equal(a['instances'][1]['attributes'], [-1] * 7)
    np.testing.assert_array_equal(a['instances'][2]['attributes'],
                                  [0, -1, -1, -1, 1, -1, -1])
    np.testing.assert_array_equal(c['instances'][0]['attributes'], [-1] * 7)
    assert a['annotated_region'] is None
    assert b['annotated_region'] == [10.0, 8.0, 42.0, 40.0]
    assert (a['microscope'], a['magnification'], a['camera']) == ('HCM',
                                                                  '100x',
                                                                  'C1')
    assert (b['magnification'], c['camera']) == ('40x', 'C1')
    assert (a['patient'], a['diagnosis']) == ('4', 'ALL')
    assert ds.metainfo['attribute_schema']['name'] == 'lld'
    assert len(ds.metainfo['classes']) == 14


def test_patient_and_diagnosis_fall_back_to_the_lld_file_name(tmp_path):
    """The LLD's own COCO files carry them only in the file name."""
    coco = tiny_coco()
    coco['images'][1]['file_name'] = '7_3_400_apml.png'
    coco['images'][2]['file_name'] = '8_1_1000_CLL.png'
    coco['images'][2]['diagnosis'] = 'CML'  # a record's own field wins
    write_dataset(tmp_path, coco)
    info = {d['img_id']: d for d in build(str(tmp_path)).load_data_list()}
    assert (info[2]['patient'], info[2]['diagnosis']) == ('7', 'APML')
    assert (info[3]['patient'], info[3]['diagnosis']) == ('8', 'CML')
    assert (info[1]['patient'], info[1]['diagnosis']) == ('4', 'ALL')


def test_crowd_boxes_become_ignored_with_their_attributes(tmp_path):
    coco = tiny_coco()
    coco['annotations'][0]['iscrowd'] = 1
    write_dataset(tmp_path, coco)
    ds = build(str(tmp_path), pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='LoadLLDAnnotations'),
        dict(type='PackLLDInputs')
    ])
    sample = ds[0]['data_samples']
    assert len(sample.ignored_instances) == 1
    assert sample.ignored_instances.attributes.tolist() == [[1, 0, 1, 1, 0,
                                                             1, 0]]
    assert sample.gt_instances.labels.tolist() == [0, 13]
    assert sample.gt_instances.attributes.shape == (2, 7)


@pytest.mark.parametrize('filters, expected_ids', [
    (dict(microscopes=['LCM']), [2, 3]),
    (dict(microscopes=['h']), [1]),
    (dict(magnifications=['100X']), [1, 3]),
    (dict(cameras=['C2']), [2]),
    (dict(microscopes=['LCM'], magnifications=['100x'], cameras=['C1']), [3]),
])
def test_domain_filters_select_images(tiny_dataset, filters, expected_ids):
    root, _, _ = tiny_dataset
    ds = build(root, **filters)
    assert sorted(ds.get_data_info(i)['img_id']
                  for i in range(len(ds))) == expected_ids


def test_domain_filter_that_keeps_nothing_lists_what_exists(tiny_dataset):
    root, _, _ = tiny_dataset
    with pytest.raises(ValueError, match=r"keeps none of 3.*'HCM', '100x'"):
        build(root, magnifications=['10x'])
    with pytest.raises(ValueError, match='is not one of'):
        build(root, cameras=['C3'])


def test_wbcatt_schema_given_in_config_is_used(tmp_path):
    coco = tiny_coco()
    for ann in coco['annotations']:
        ann['attributes'] = {'granule_type': 'coarse', 'cell_size': 'big'}
    write_dataset(tmp_path, coco, images=False)
    ds = build(str(tmp_path), attribute_schema='wbcatt')
    inst = ds.get_data_info(0)['instances'][0]
    assert len(inst['attributes']) == 11
    assert inst['attributes'][0] == 1 and inst['attributes'][8] == 3
    assert ds.metainfo['attribute_schema']['name'] == 'wbcatt'


def _mutate(coco, where, key, value):
    target = coco['images'][1] if where == 'image' else \
        coco['annotations'][3]
    if value is KeyError:
        del target[key]
    else:
        target[key] = value
    return coco


@pytest.mark.parametrize('where, key, value, match', [
    ('ann', 'category_id', 99, r', annotation id 20: field "category_id": '
     r'unknown category 99'),
    ('ann', 'attributes', {'cell_size': 3}, r', annotation id 20: field '
     r'"attributes.cell_size": value 3 out of range'),
    ('ann', 'attributes', {'size': 1}, r', annotation id 20: field '
     r'"attributes.size": unknown attribute'),
    ('ann', 'bbox', [60, 10, 20, 10], r', annotation id 20: field "bbox" .* '
     r'outside the 64x48 image'),
    ('ann', 'bbox', [12, 10, 0, 10], r', annotation id 20: field "bbox" .*zero '
     r'or negative area'),
    ('ann', 'bbox', [12, 10, 5], r', annotation id 20: field "bbox" must be'),
    ('image', 'annotated_region', [10, 8, 80, 40], r': '
     r'field "annotated_region" .* outside the 64x48 image'),
    ('image', 'annotated_region', [10, 8, 10, 40], r': '
     r'field "annotated_region" .* is empty'),
    ('image', 'annotated_region', [10, 8], r': field '
     r'"annotated_region" must be'),
    ('image', 'width', 0, r': field "width"'),
    ('image', 'microscope', 'XCM', r': field '
     r'"microscope": .*not one of'),
])
def test_invalid_record_names_file_image_annotation_and_field(
        tmp_path, where, key, value, match):
    write_dataset(tmp_path, _mutate(tiny_coco(), where, key, value),
                  images=False)
    with pytest.raises(LLDAnnotationError) as err:
        build(str(tmp_path))
    message = str(err.value)
    assert message.startswith(str(tmp_path / 'ann.json')), message
    assert re.search(r'ann\.json: image id 2 \(b\.png\)' + match, message), \
        message


def test_misspelt_category_name_is_an_error_unless_skipped(tmp_path):
    coco = tiny_coco()
    coco['categories'][7]['name'] = 'Lymphocytes'
    write_dataset(tmp_path, coco, images=False)
    with pytest.raises(LLDAnnotationError,
                       match=r"annotation id 20.*'Lymphocytes'.*not one of"):
        build(str(tmp_path))
    ds = build(str(tmp_path), skip_unlisted_categories=True)
    assert ds.get_data_info(1)['instances'] == []


def test_missing_image_file_is_reported_when_checking(tiny_dataset):
    root, _, _ = tiny_dataset
    os.remove(os.path.join(root, 'c.png'))
    build(root)  # not checked by default
    with pytest.raises(LLDAnnotationError,
                       match=r'image id 3 \(c.png\): field "file_name": '
                       r'image file .*c.png does not exist'):
        build(root, check_image_files=True)


def test_box_within_tolerance_is_clipped_and_empty_region_list_is_kept(
        tmp_path):
    coco = tiny_coco()
    coco['annotations'][0]['bbox'] = [-0.5, 3, 10, 45.8]
    coco['images'][2]['annotated_region'] = []
    write_dataset(tmp_path, copy.deepcopy(coco), images=False)
    ds = build(str(tmp_path))
    assert ds.get_data_info(0)['instances'][0]['bbox'] == [0.0, 3.0, 9.5,
                                                           48.0]
    assert ds.get_data_info(2)['annotated_region'] == []


def test_malformed_json_files_are_reported_with_their_path(tmp_path):
    (tmp_path / 'ann.json').write_text('{"images": [')
    with pytest.raises(LLDAnnotationError, match=r'ann\.json: not valid JSON'):
        build(str(tmp_path))
    coco = tiny_coco()
    del coco['annotations'][0]['image_id']
    write_dataset(tmp_path, coco, images=False)
    with pytest.raises(LLDAnnotationError,
                       match=r"ann\.json: not a COCO file .*'image_id'"):
        build(str(tmp_path))
