# BCCD (MIT; ../shared/data/bccd), real blood smears with VOC boxes, converted
# by tools/convert_voc.py into work_dirs/bccd/ (see benchmarks/bccd_sparse.py):
# trainval.json (full), trainval_sparse.json (one region of 1/5 of each image
# labelled, seed 0), test.json. RBCs are under-labelled even in "full".
_base_ = './lld_full.py'
# image folder; the converted annotations live in the repository's work_dirs
image_root = '../shared/data/bccd/BCCD/'
ann_root = 'work_dirs/bccd/'
metainfo = dict(classes=('WBC', 'RBC', 'Platelets'),
                palette=[(220, 20, 60), (255, 127, 14), (106, 0, 228)])
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadLLDAnnotations'),
    dict(type='Resize', scale=(288, 216), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='SparseRegionIgnore'),
    dict(type='PackLLDInputs'),
]
# the semi student's photometric jitter (lld_full.py) added to the
# supervised pipeline after the flip: the *_photo control configs
train_pipeline_photo = \
    train_pipeline[:4] + _base_.photometric_aug + train_pipeline[4:]
# semi-supervised methods: weak teacher view, strong student view with GT
# and region ignore
semi_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadLLDAnnotations'),
    dict(type='MultiBranch',
         branch_field=['teacher', 'student'],
         teacher=[dict(type='Resize', scale=(288, 216), keep_ratio=True),
                  dict(type='PackLLDInputs')],
         student=[dict(type='Resize', scale=(288, 216), keep_ratio=True),
                  dict(type='RandomFlip', prob=0.5),
                  *_base_.photometric_aug,
                  dict(type='SparseRegionIgnore'),
                  dict(type='PackLLDInputs')]),
]
# the full labels of the training split (pseudo-label statistics only)
full_train_ann = ann_root + 'trainval.json'
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(288, 216), keep_ratio=True),
    dict(type='LoadLLDAnnotations'),
    dict(type='PackLLDInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    batch_sampler=None,
    dataset=dict(
        data_root='',
        metainfo=metainfo,
        ann_file=ann_root + 'trainval.json',
        data_prefix=dict(img=image_root + 'JPEGImages/'),
        filter_cfg=dict(filter_empty_gt=False),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=2,
    dataset=dict(
        data_root='',
        metainfo=metainfo,
        ann_file=ann_root + 'test.json',
        data_prefix=dict(img=image_root + 'JPEGImages/'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=ann_root + 'test.json')
test_evaluator = val_evaluator
