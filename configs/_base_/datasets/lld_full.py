# The LLD in the lld_mmdet COCO schema (data/README.md), fully annotated.
# Convert the authors' YOLO release first (tools/convert_lld_yolo.py) or point
# data_root at your own copy:  --cfg-options data_root=/path/to/LLD/
dataset_type = 'LLDDataset'
data_root = 'data/LLD/'
backend_args = None

# LLD's 7 attributes (data/README.md) in the authors' code order; N/A is
# null, omitted, or na_value (4, as in the authors' COCO release). Another
# vocabulary is another dict (see configs/_base_/datasets/pbc_wbcatt.py).
attribute_schema = dict(
    name='lld',
    na_value=4,
    attributes=[
        dict(name='cell_size', values=['small', 'big']),
        dict(name='nuclear_chromatin', values=['open', 'coarse']),
        dict(name='nuclear_shape', values=['regular', 'irregular']),
        dict(name='nucleolus', values=['inconspicuous', 'prominent']),
        dict(name='cytoplasm', values=['scanty', 'abundant']),
        dict(name='cytoplasmic_basophilia', values=['slight', 'moderate']),
        dict(name='cytoplasmic_vacuoles', values=['absent', 'prominent']),
    ])

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadLLDAnnotations', with_bbox=True),
    dict(type='Resize', scale=(640, 640), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackLLDInputs'),
]
# the brightness / contrast jitter of the semi student's view; the dataset
# bases insert it after the flip (`_base_.photometric_aug`), in their semi
# pipelines and in the `*_photo` supervised pipelines that train a
# supervised model with the augmentation the semi rows have
photometric_aug = [
    dict(type='Brightness', prob=0.5, min_mag=0.8, max_mag=1.2),
    dict(type='Contrast', prob=0.5, min_mag=0.8, max_mag=1.2),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(640, 640), keep_ratio=True),
    dict(type='LoadLLDAnnotations', with_bbox=True),
    dict(type='PackLLDInputs'),
]

train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='Annotations/train.json',
        data_prefix=dict(img='Images/train/'),
        attribute_schema=attribute_schema,
        filter_cfg=dict(filter_empty_gt=True, min_size=8),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='Annotations/test.json',
        data_prefix=dict(img='Images/test/'),
        attribute_schema=attribute_schema,
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader

# COCO box mAP (pycocotools, as mmdet's CocoMetric) + per-attribute
# accuracy/P/R/F1 on matched cells; keys under lld/
val_evaluator = dict(
    type='LLDMetric',
    ann_file=data_root + 'Annotations/test.json',
    metric='bbox',
    format_only=False,
    backend_args=backend_args)
test_evaluator = val_evaluator
