# The sparse LLD (MedIA 2025; 40x, one annotated region per training image,
# converted from the 16-column YOLO files with tools/convert_lld_yolo.py
# --format sparse16): training images carry "annotated_region". Evaluation
# stays on the fully annotated test split.
_base_ = './lld_full.py'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadLLDAnnotations'),
    dict(type='Resize', scale=(640, 640), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    # after every geometric transform: the region's complement becomes
    # ignore boxes + a valid_region meta key (used by region-aware methods)
    dict(type='SparseRegionIgnore'),
    dict(type='PackLLDInputs'),
]
# semi-supervised methods (LLDSemiDetector): a weak view for the teacher, a
# strong one (flip, brightness/contrast) with GT and region ignore for the
# student
semi_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadLLDAnnotations'),
    dict(type='MultiBranch',
         branch_field=['teacher', 'student'],
         teacher=[dict(type='Resize', scale=(640, 640), keep_ratio=True),
                  dict(type='PackLLDInputs')],
         student=[dict(type='Resize', scale=(640, 640), keep_ratio=True),
                  dict(type='RandomFlip', prob=0.5),
                  *_base_.photometric_aug,
                  dict(type='SparseRegionIgnore'),
                  dict(type='PackLLDInputs')]),
]
train_dataloader = dict(
    dataset=dict(
        ann_file='Annotations/train_sparse.json',
        # a region without cells still teaches what background looks like
        filter_cfg=dict(filter_empty_gt=False),
        pipeline=train_pipeline))
