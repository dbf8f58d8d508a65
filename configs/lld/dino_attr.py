# DINO 4-scale R50 with the attribute branch on the real LLD (fully
# annotated), mmdet's DINO pipeline (flip, multi-scale resize, random crop)
# at LLD's 640 px, 12 epochs.
_base_ = [
    '../_base_/models/dino-4scale_r50_attr.py',
    '../_base_/datasets/lld_full.py',
    '../_base_/schedules/dino_12e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    bbox_head=dict(attribute_schema={{_base_.attribute_schema}}))

scales = [(480, 640), (512, 640), (544, 640), (576, 640), (608, 640),
          (640, 640)]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadLLDAnnotations'),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomChoice',
        transforms=[[dict(type='RandomChoiceResize', scales=scales,
                          keep_ratio=True)],
                    [dict(type='RandomChoiceResize',
                          scales=[(400, 640), (500, 640), (600, 640)],
                          keep_ratio=True),
                     dict(type='RandomCrop', crop_type='absolute_range',
                          crop_size=(384, 600), allow_negative_crop=True),
                     dict(type='RandomChoiceResize', scales=scales,
                          keep_ratio=True)]]),
    dict(type='PackLLDInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
default_hooks = dict(checkpoint=dict(save_best='lld/bbox_mAP_50'))
