"""The synthetic demo generator and the shipped demo set (data/demo)."""
import filecmp
import json
import os
import os.path as osp

import pytest
from mmdet.registry import DATASETS

from lld_mmdet.datasets.converters import yolo_to_coco
from lld_mmdet.datasets.domains import all_subsets
from lld_mmdet.datasets.synthetic import centre_inside, make_demo_data

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO, 'data', 'demo')


def load(root, name):
    with open(osp.join(root, 'annotations', f'{name}.json')) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def small_set(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('demo'))
    make_demo_data(out, seed=3, images_per_domain=2, size=128)
    return out


def test_same_seed_gives_identical_files(small_set, tmp_path):
    make_demo_data(str(tmp_path), seed=3, images_per_domain=2, size=128)
    for name in ('train', 'train_full', 'val', 'test'):
        assert load(small_set, name) == load(str(tmp_path), name)
    first = load(small_set, 'train')['images'][0]['file_name']
    assert filecmp.cmp(osp.join(small_set, 'images', 'train', first),
                       osp.join(str(tmp_path), 'images', 'train', first),
                       shallow=False)
    other = str(tmp_path / 'other')
    make_demo_data(other, seed=4, images_per_domain=2, size=128)
    assert load(other, 'train_full') != load(small_set, 'train_full')


@pytest.mark.parametrize('split', ['train', 'train_full', 'val', 'test'])
def test_every_split_loads_with_validation_and_image_check(small_set, split):
    folder = 'train' if split.startswith('train') else split
    ds = DATASETS.build(dict(
        type='LLDDataset', data_root=small_set,
        ann_file=f'annotations/{split}.json',
        data_prefix=dict(img=f'images/{folder}/'), test_mode=True,
        check_image_files=True, pipeline=[]))
    assert len(ds) == {'val': 12, 'test': 12}.get(split, 24)


def check_sparse_split(train, full):
    hidden = {a['id']: a for a in full['annotations']}
    regions = {i['id']: i.get('annotated_region') for i in train['images']}
    assert all(r is not None and len(r) == 4 for r in regions.values())
    for ann in train['annotations']:
        x, y, w, h = ann['bbox']
        assert centre_inside([x, y, x + w, y + h], regions[ann['image_id']])
        assert hidden[ann['id']] == ann  # visible labels are hidden ones
    # every hidden cell whose centre is in the region is visible
    visible = {a['id'] for a in train['annotations']}
    for ann in full['annotations']:
        x, y, w, h = ann['bbox']
        inside = centre_inside([x, y, x + w, y + h], regions[ann['image_id']])
        assert inside == (ann['id'] in visible)
    assert all('annotated_region' not in i for i in full['images'])


def test_train_is_sparse_inside_its_regions_and_hidden_labels_contain_it(
        small_set):
    check_sparse_split(load(small_set, 'train'), load(small_set,
                                                      'train_full'))


@pytest.mark.parametrize('split', ['train', 'test'])
def test_generated_yolo_converts_back_to_the_generated_json(small_set, split):
    coco = load(small_set, split)
    for subset in all_subsets():
        converted = yolo_to_coco(
            osp.join(small_set, 'images', split, subset),
            osp.join(small_set, 'labels', split, subset), 'sparse16')
        mine = [i for i in coco['images']
                if i['file_name'].startswith(subset + '/')]
        assert len(converted['images']) == len(mine) > 0
        by_name = {i['file_name']: i for i in converted['images']}
        for img in mine:
            conv = by_name[img['file_name'].split('/', 1)[1]]
            for key in ('width', 'height', 'microscope', 'magnification',
                        'camera', 'patient', 'diagnosis'):
                assert conv[key] == img[key], key
            anns = [a for a in coco['annotations']
                    if a['image_id'] == img['id']]
            # 16-column files carry the region on their rows only: a file
            # without rows reads back as "nothing annotated" ([]).
            expected_region = img.get('annotated_region', [
                0, 0, img['width'], img['height']]) if anns else []
            assert conv['annotated_region'] == expected_region
            back = [a for a in converted['annotations']
                    if a['image_id'] == conv['id']]
            assert len(anns) == len(back)
            for a, b in zip(anns, back):
                assert a['category_id'] == b['category_id']
                assert a['attributes'] == b['attributes']
                assert b['bbox'] == pytest.approx(a['bbox'], abs=1e-3)


# ----------------------------------------------------------- shipped set
def test_shipped_set_has_all_classes_and_domains_and_is_sparse():
    full, test = load(DEMO, 'train_full'), load(DEMO, 'test')
    for coco in (full, test, load(DEMO, 'val')):
        assert {a['category_id'] for a in coco['annotations']} == set(
            range(14))
        domains = {(i['microscope'][0], i['magnification'].upper(),
                    i['camera']) for i in coco['images']}
        assert {'_'.join(d) for d in domains} == set(all_subsets())
    check_sparse_split(load(DEMO, 'train'), full)


def test_regenerating_the_shipped_set_gives_identical_annotations(tmp_path):
    info = load(DEMO, 'train')['info']
    assert info['command'].startswith('python tools/make_demo_data.py')
    make_demo_data(str(tmp_path), seed=info['seed'],
                   images_per_domain=info['images_per_domain'],
                   size=info['size'],
                   region_fraction=info['region_fraction'],
                   image_format=info['image_format'])
    for name in ('train', 'train_full', 'val', 'test'):
        shipped, again = load(DEMO, name), load(str(tmp_path), name)
        for key in ('images', 'annotations', 'categories'):
            assert shipped[key] == again[key], (name, key)
    shipped_files = sorted(
        osp.relpath(osp.join(d, f), DEMO)
        for d, _, files in os.walk(osp.join(DEMO, 'images')) for f in files)
    again_files = sorted(
        osp.relpath(osp.join(d, f), str(tmp_path))
        for d, _, files in os.walk(str(tmp_path / 'images')) for f in files)
    assert shipped_files == again_files
