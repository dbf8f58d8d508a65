"""Tiny LLD-schema datasets built on the fly for the tests."""
import copy
import json
import os
import os.path as osp

import numpy as np
import pytest

if os.environ.get('PYTEST_XDIST_WORKER'):
    # pytest.ini runs one xdist worker per core: one thread each (before
    # torch is imported; the training tools the tests start inherit it),
    # so the workers do not oversubscribe the cores.
    os.environ.setdefault('OMP_NUM_THREADS', '1')

from lld_mmdet.datasets.schema import LLD_CLASSES


def lld_categories():
    return [dict(id=i, name=name) for i, name in enumerate(LLD_CLASSES)]


def tiny_coco():
    """Three 64x48 images in three domains; image 2 is sparse."""
    images = [
        dict(id=1, file_name='a.png', width=64, height=48, microscope='HCM',
             magnification='100x', camera='C1', patient='4',
             diagnosis='ALL'),
        dict(id=2, file_name='b.png', width=64, height=48, microscope='LCM',
             magnification='40X', camera='C2',
             annotated_region=[10, 8, 42, 40]),
        dict(id=3, file_name='c.png', width=64, height=48, microscope='LCM',
             magnification='100x', camera='c1'),
    ]
    full_attrs = dict(cell_size=1, nuclear_chromatin=0, nuclear_shape=1,
                      nucleolus=1, cytoplasm=0, cytoplasmic_basophilia=1,
                      cytoplasmic_vacuoles=0)
    annotations = [
        dict(id=10, image_id=1, category_id=1, bbox=[2, 3, 10, 12],
             area=120, iscrowd=0, attributes=full_attrs),
        dict(id=11, image_id=1, category_id=0, bbox=[30, 20, 8, 8],
             area=64, iscrowd=0, attributes=dict(cell_size=4,
                                                 nucleolus=None)),
        dict(id=12, image_id=1, category_id=13, bbox=[50, 30, 12, 16],
             area=192, iscrowd=0,
             attributes=dict(cell_size='small', cytoplasm='abundant')),
        dict(id=20, image_id=2, category_id=7, bbox=[12, 10, 10, 10],
             area=100, iscrowd=0, attributes=full_attrs),
        dict(id=30, image_id=3, category_id=3, bbox=[5, 5, 20, 20],
             area=400, iscrowd=0),
    ]
    return dict(images=images, annotations=annotations,
                categories=lld_categories())


def write_dataset(root, coco, images=True):
    """Write ``coco`` as ``root/ann.json`` and (optionally) its images."""
    import cv2
    root = str(root)
    if images:
        rng = np.random.default_rng(0)
        for img in coco['images']:
            pixels = rng.integers(0, 255, (img['height'], img['width'], 3),
                                  dtype=np.uint8)
            cv2.imwrite(osp.join(root, img['file_name']), pixels)
    path = osp.join(root, 'ann.json')
    with open(path, 'w') as f:
        json.dump(coco, f)
    return path


@pytest.fixture
def tiny_dataset(tmp_path):
    """(root, ann_file, coco dict) of :func:`tiny_coco` on disk."""
    coco = tiny_coco()
    ann_file = write_dataset(tmp_path, coco)
    return str(tmp_path), ann_file, copy.deepcopy(coco)


TINY_CONFIG = osp.join(osp.dirname(osp.abspath(__file__)), 'data', 'configs',
                       'tiny_faster_rcnn.py')


def write_tiny_config(root, base='tiny_faster_rcnn', **overrides):
    """A child of tests/data/configs/<base>.py reading ``root``;
    ``overrides`` are merged into it as mmengine merges child configs."""
    from mmengine.config import Config
    root = str(root)
    child = Config(dict(
        train_dataloader=dict(dataset=dict(data_root=root)),
        val_dataloader=dict(dataset=dict(data_root=root)),
        test_dataloader=dict(dataset=dict(data_root=root)),
        val_evaluator=dict(ann_file=osp.join(root, 'ann.json')),
        test_evaluator=dict(ann_file=osp.join(root, 'ann.json'))))
    child.merge_from_dict(overrides)
    base_path = osp.join(osp.dirname(TINY_CONFIG), f'{base}.py')
    lines = [f'_base_ = {base_path!r}']
    lines += [f'{key} = {value!r}' for key, value in child.to_dict().items()]
    path = osp.join(root, 'tiny_config.py')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path


def run_train_tool(config, work_dir, *extra):
    """Run tools/train.py in a subprocess; assert success; return its log."""
    import subprocess
    import sys
    repo = osp.dirname(osp.dirname(osp.abspath(__file__)))
    cmd = [sys.executable, osp.join(repo, 'tools', 'train.py'), config,
           '--work-dir', str(work_dir), *extra]
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


@pytest.fixture(autouse=True, scope='session')
def _mmdet_scope():
    """Tests build modules by name in mmdet's scope, as configs do."""
    from mmdet.utils import register_all_modules

    import lld_mmdet  # noqa: F401  (registers lld_mmdet's modules)
    register_all_modules(init_default_scope=True)


def build_tiny_model(name, **model_overrides):
    """Build tests/data/configs/<name>.py's model (random init)."""
    from mmdet.registry import MODELS
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(osp.dirname(TINY_CONFIG), f'{name}.py'))
    cfg.model.merge_from_dict(model_overrides) if hasattr(
        cfg.model, 'merge_from_dict') else cfg.model.update(model_overrides)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def tiny_batch(root, test_mode=False, indices=(0, 1), sparse=False):
    """A collated batch of the tiny dataset at ``root`` (written by
    :func:`write_dataset`), as the data preprocessor wants it; ``sparse``
    adds SparseRegionIgnore."""
    from mmdet.registry import DATASETS
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(64, 64), keep_ratio=True),
        dict(type='LoadLLDAnnotations'),
        dict(type='PackLLDInputs')
    ]
    if sparse:
        pipeline.insert(3, dict(type='SparseRegionIgnore'))
    ds = DATASETS.build(dict(
        type='LLDDataset', data_root=str(root), ann_file='ann.json',
        data_prefix=dict(img=''), test_mode=test_mode,
        filter_cfg=dict(filter_empty_gt=False), pipeline=pipeline))
    items = [ds[i] for i in indices]
    return dict(inputs=[it['inputs'] for it in items],
                data_samples=[it['data_samples'] for it in items])
