"""tools/convert_lld_yolo.py on hand-written label files."""
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
from mmdet.registry import DATASETS

from lld_mmdet.datasets.converters import (LLDConversionError, coco_to_yolo,
                                           yolo_to_coco)

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', '..', 'tools'))
import convert_lld_yolo  # noqa: E402

MICCAI = {
    # cls xc yc w h a0..a6 ; 640x640 image
    '4_15_1000_ALL': ['1 0.5 0.5 0.1 0.2 1 0 1 1 0 1 0',
                      '0 0.25 0.125 0.05 0.05 2 2 2 2 2 2 2'],
    '7_2_1000_AML': ['13 0.9 0.9 0.2 0.2 0 1 0 2 1 0 1'],
}
SPARSE = {
    # cls xc yc w h x1 y1 x2 y2 a0..a6
    '4_15_400_CLL': ['7 0.5 0.5 0.1 0.1 256 256 384 384 0 1 0 0 1 0 0',
                     '3 0.55 0.45 0.05 0.05 256 256 384 384 1 1 1 1 1 1 1'],
    '9_1_400_APML': [],  # nothing annotated in this image
}


def make_split(root, rows_by_stem, subset='H_100X_C1', size=(640, 640)):
    images = osp.join(root, subset, 'images')
    labels = osp.join(root, subset, 'labels')
    os.makedirs(images)
    os.makedirs(labels)
    for stem, rows in rows_by_stem.items():
        cv2.imwrite(osp.join(images, stem + '.png'),
                    np.zeros((size[1], size[0], 3), np.uint8))
        with open(osp.join(labels, stem + '.txt'), 'w') as f:
            f.write(''.join(r + '\n' for r in rows))
    return images, labels


def read_rows(labels_dir):
    out = {}
    for name in sorted(os.listdir(labels_dir)):
        with open(osp.join(labels_dir, name)) as f:
            out[name] = [[float(v) for v in line.split()] for line in f]
    return out


def test_miccai12_rows_become_schema_records(tmp_path):
    images, labels = make_split(str(tmp_path), MICCAI)
    coco = yolo_to_coco(images, labels, 'miccai12')
    img = coco['images'][0]
    assert img == dict(id=1, file_name='4_15_1000_ALL.png', width=640,
                       height=640, microscope='HCM', magnification='100x',
                       camera='C1', patient='4', diagnosis='ALL')
    first, second = coco['annotations'][:2]
    assert first['category_id'] == 1
    assert first['bbox'] == [288.0, 256.0, 64.0, 128.0]
    assert first['attributes'] == dict(
        cell_size=1, nuclear_chromatin=0, nuclear_shape=1, nucleolus=1,
        cytoplasm=0, cytoplasmic_basophilia=1, cytoplasmic_vacuoles=0)
    assert set(second['attributes'].values()) == {None}  # YOLO 2 = N/A
    assert coco['annotations'][2]['attributes']['nucleolus'] is None
    assert [c['name'] for c in coco['categories']][:2] == ['None',
                                                           'Myeloblast']


def test_sparse16_region_and_image_without_rows(tmp_path):
    images, labels = make_split(str(tmp_path), SPARSE, subset='L_40X_C2')
    coco = yolo_to_coco(images, labels, 'sparse16')
    by_name = {i['file_name']: i for i in coco['images']}
    assert by_name['4_15_400_CLL.png']['annotated_region'] == [256, 256, 384,
                                                              384]
    assert by_name['9_1_400_APML.png']['annotated_region'] == []
    assert by_name['4_15_400_CLL.png']['microscope'] == 'LCM'
    assert by_name['4_15_400_CLL.png']['magnification'] == '40x'


@pytest.mark.parametrize('fmt, rows', [('miccai12', MICCAI),
                                       ('sparse16', SPARSE)])
def test_round_trip_yolo_to_json_to_yolo_and_dataset_loads_it(
        tmp_path, fmt, rows):
    images, labels = make_split(str(tmp_path), rows)
    coco = yolo_to_coco(images, labels, fmt)
    out_labels = str(tmp_path / 'again')
    coco_to_yolo(coco, out_labels, fmt)
    original, again = read_rows(labels), read_rows(out_labels)
    assert original.keys() == again.keys()
    for name in original:
        np.testing.assert_allclose(again[name], original[name], atol=1e-6)
    ann_file = str(tmp_path / 'ann.json')
    with open(ann_file, 'w') as f:
        json.dump(coco, f)
    ds = DATASETS.build(dict(type='LLDDataset', ann_file=ann_file,
                             data_prefix=dict(img=images), test_mode=True,
                             check_image_files=True, pipeline=[]))
    assert sum(len(ds.get_data_info(i)['instances'])
               for i in range(len(ds))) == len(coco['annotations'])


def test_attribute_names_reorder_columns(tmp_path):
    images, labels = make_split(str(tmp_path), {'a': [
        '2 0.5 0.5 0.1 0.1 1 0 0 0 0 0 0']})
    names = ['cytoplasmic_vacuoles', 'cell_size', 'nuclear_chromatin',
             'nuclear_shape', 'nucleolus', 'cytoplasm',
             'cytoplasmic_basophilia']
    coco = yolo_to_coco(images, labels, 'miccai12', attribute_names=names,
                        microscope='LCM', magnification='10X', camera='c2')
    attrs = coco['annotations'][0]['attributes']
    assert attrs['cytoplasmic_vacuoles'] == 1 and attrs['cell_size'] == 0
    assert coco['images'][0]['magnification'] == '10x'  # flag beats folder
    assert coco['images'][0]['microscope'] == 'LCM'


@pytest.mark.parametrize('row, reason', [
    ('1 0.5 0.5 0.1 0.2 1 0 1 1 0 1', 'expected 12 columns'),
    ('14 0.5 0.5 0.1 0.2 1 0 1 1 0 1 0', 'class 14 out of range'),
    ('1 0.5 0.5 0 0.2 1 0 1 1 0 1 0', 'width/height must be > 0'),
    ('1 0.95 0.5 0.2 0.2 1 0 1 1 0 1 0', 'not inside the normalised image'),
    ('1 0.5 0.5 0.1 0.2 3 0 1 1 0 1 0', "'cell_size' value 3 out of range"),
    ('1 0.5 0.5 0.1 0.2 1.5 0 1 1 0 1 0', "'1.5' is not an integer"),
    ('x 0.5 0.5 0.1 0.2 1 0 1 1 0 1 0', 'could not convert'),
])
def test_malformed_row_is_reported_with_file_and_line_and_nothing_written(
        tmp_path, row, reason, capsys):
    good = '1 0.5 0.5 0.1 0.2 1 0 1 1 0 1 0'
    images, labels = make_split(str(tmp_path), {'a': [good, good, row]})
    out = str(tmp_path / 'out.json')
    code = convert_lld_yolo.main(['--images', images, '--labels', labels,
                                  '--format', 'miccai12', '--out', out])
    assert code == 1
    assert not osp.exists(out)
    err = capsys.readouterr().err
    assert f'{osp.join(labels, "a.txt")}:3: ' in err and reason in err, err


def test_sparse16_rows_disagreeing_on_the_region_are_an_error(tmp_path):
    images, labels = make_split(str(tmp_path), {'a': [
        '7 0.5 0.5 0.1 0.1 256 256 384 384 0 1 0 0 1 0 0',
        '7 0.5 0.5 0.1 0.1 256 256 380 384 0 1 0 0 1 0 0']})
    with pytest.raises(LLDConversionError, match=r'a\.txt:2: annotated '
                       r'region .* differs from line 1'):
        yolo_to_coco(images, labels, 'sparse16')


def test_label_file_without_image_and_existing_output_are_refused(tmp_path):
    images, labels = make_split(str(tmp_path), MICCAI)
    with open(osp.join(labels, 'orphan.txt'), 'w') as f:
        f.write('1 0.5 0.5 0.1 0.1 0 0 0 0 0 0 0\n')
    with pytest.raises(LLDConversionError, match=r'orphan\.txt: no image'):
        yolo_to_coco(images, labels, 'miccai12')
    os.remove(osp.join(labels, 'orphan.txt'))
    out = tmp_path / 'out.json'
    out.write_text('precious')
    args = ['--images', images, '--labels', labels, '--format', 'miccai12',
            '--out', str(out)]
    assert convert_lld_yolo.main(args) == 1
    assert out.read_text() == 'precious'
    assert convert_lld_yolo.main(args + ['--overwrite']) == 0
    assert len(json.loads(out.read_text())['annotations']) == 3
