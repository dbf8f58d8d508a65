# The embedded synthetic demo set (data/demo, see data/README.md): 12 domains,
# 256x256 fields. Training labels: the full hidden annotation
# (train_full.json); sparse method configs switch to sparse_train_ann and
# sparse_train_pipeline (one region of ~1/5 of each field is labelled).
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
sparse_train_ann = 'annotations/train.json'
sparse_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadLLDAnnotations'),
    dict(type='Resize', scale=(256, 256), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    # after every geometric transform: the region's complement becomes
    # ignore boxes + a valid_region meta key (used by region-aware methods)
    dict(type='SparseRegionIgnore'),
    dict(type='PackLLDInputs'),
]
# the semi student's photometric jitter (lld_full.py) added to the
# supervised pipelines after the flip: the *_photo control configs
train_pipeline_photo = \
    train_pipeline[:4] + _base_.photometric_aug + train_pipeline[4:]
sparse_train_pipeline_photo = sparse_train_pipeline[:4] + \
    _base_.photometric_aug + sparse_train_pipeline[4:]
# semi-supervised methods (LLDSemiDetector): two views of each sparse field,
# a weak one for the teacher and a strong one (flips, brightness/contrast)
# with GT and region ignore for the student
semi_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadLLDAnnotations'),
    dict(type='MultiBranch',
         branch_field=['teacher', 'student'],
         teacher=[dict(type='Resize', scale=(256, 256), keep_ratio=True),
                  dict(type='PackLLDInputs')],
         student=[dict(type='Resize', scale=(256, 256), keep_ratio=True),
                  dict(type='RandomFlip', prob=0.5,
                       direction=['horizontal', 'vertical']),
                  *_base_.photometric_aug,
                  dict(type='SparseRegionIgnore'),
                  dict(type='PackLLDInputs')]),
]
# the hidden full labels of the sparse training split (for statistics only)
full_train_ann = data_root + train_ann
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
