"""The importers of the real data shipped beside the repository
(../shared/data): PBC + WBCAtt and BCCD (VOC)."""
import os.path as osp

import pytest
from mmdet.registry import DATASETS

from lld_mmdet.datasets.converters.pbc_wbcatt import import_pbc_wbcatt
from lld_mmdet.datasets.converters.voc import voc_to_coco
from lld_mmdet.datasets.synthetic import centre_inside

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SHARED = osp.join(REPO, '..', 'shared', 'data')
needs_shared = pytest.mark.skipif(
    not osp.isdir(SHARED), reason='../shared/data is not beside the repo')


@needs_shared
def test_pbc_wbcatt_import_is_stratified_and_loads_with_the_wbcatt_schema(
        tmp_path):
    import json
    root = osp.join(SHARED, 'pbc_wbcatt')
    train, test = import_pbc_wbcatt(root, test_fraction=0.2, seed=0)
    assert len(train['images']) == 240 and len(test['images']) == 60
    per_class = {}
    for ann in test['annotations']:
        per_class[ann['category_id']] = per_class.get(ann['category_id'],
                                                      0) + 1
    assert sorted(per_class.values()) == [12] * 5
    ann = train['annotations'][0]
    assert len(ann['attributes']) == 11
    path = str(tmp_path / 'train.json')
    with open(path, 'w') as f:
        json.dump(train, f)
    ds = DATASETS.build(dict(
        type='LLDDataset', ann_file=path, attribute_schema='wbcatt',
        data_prefix=dict(img=osp.join(root, 'images')), test_mode=True,
        check_image_files=True, pipeline=[]))
    attrs = ds.get_data_info(0)['instances'][0]['attributes']
    assert len(attrs) == 11 and (attrs >= 0).all()


@needs_shared
def test_bccd_voc_conversion_and_sparse_simulation():
    root = osp.join(SHARED, 'bccd', 'BCCD')
    full = voc_to_coco(root, 'test', ['WBC', 'RBC', 'Platelets'])
    assert len(full['images']) == 72
    sparse = voc_to_coco(root, 'trainval', ['WBC', 'RBC', 'Platelets'],
                         sparse_fraction=0.2, seed=0)
    dense = voc_to_coco(root, 'trainval', ['WBC', 'RBC', 'Platelets'])
    assert len(sparse['annotations']) < len(dense['annotations']) / 2
    regions = {i['id']: i['annotated_region'] for i in sparse['images']}
    for ann in sparse['annotations']:
        x, y, w, h = ann['bbox']
        assert centre_inside([x, y, x + w, y + h], regions[ann['image_id']])
    area = [(r[2] - r[0]) * (r[3] - r[1]) / (640 * 480)
            for r in regions.values()]
    assert 0.15 < sum(area) / len(area) < 0.25
    # BCCD's two zero-area RBC boxes are reported, not kept
    assert len(dense['info']['dropped']) == 2
