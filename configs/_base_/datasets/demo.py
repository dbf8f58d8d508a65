# The embedded synthetic demo set (data/demo, see data/README.md): 12 domains,
# 256x256 fields. Training labels: the full hidden annotation
# (train_full.json); the sparse variants switch ann_file (demo_sparse.py).
_base_ = './lld_full.py'
data_root = 'data/demo/'
train_ann = 'annotations/train_full.json'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadLLDAnnotations'),
    dict(type='Resize', scale=(256, 256), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackLLDInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(256, 256), keep_ratio=True),
    dict(type='LoadLLDAnnotations'),
    dict(type='PackLLDInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    batch_sampler=None,
    dataset=dict(
        data_root=data_root,
        ann_file=train_ann,
        data_prefix=dict(img='images/train/'),
        filter_cfg=dict(filter_empty_gt=False),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/val.json',
        data_prefix=dict(img='images/val/'),
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=4,
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/test.json',
        data_prefix=dict(img='images/test/'),
        pipeline=test_pipeline))
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = dict(ann_file=data_root + 'annotations/test.json')
