# DINO with attributes on the sparse LLD, with region ignore: unmatched
# queries predicted outside the annotated region get no background loss.
_base_ = './dino_attr.py'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadLLDAnnotations'),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomChoice',
        transforms=[[dict(type='RandomChoiceResize',
                          scales={{_base_.scales}}, keep_ratio=True)],
                    [dict(type='RandomChoiceResize',
                          scales=[(400, 640), (500, 640), (600, 640)],
                          keep_ratio=True),
                     dict(type='RandomCrop', crop_type='absolute_range',
                          crop_size=(384, 600), allow_negative_crop=True),
                     dict(type='RandomChoiceResize',
                          scales={{_base_.scales}}, keep_ratio=True)]]),
    dict(type='SparseRegionIgnore'),
    dict(type='PackLLDInputs'),
]
train_dataloader = dict(
    dataset=dict(ann_file='Annotations/train_sparse.json',
                 filter_cfg=dict(filter_empty_gt=False),
                 pipeline=train_pipeline))
model = dict(bbox_head=dict(region_ignore=dict(rule='centre')))
