# A deliberately tiny Faster R-CNN on tiny images, for tests that train.
# The tests write a child config that sets data_root (tests/conftest.py).
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    '../../../configs/_base_/datasets/lld_full.py',
    '../../../configs/_base_/default_runtime.py',
]
model = dict(
    backbone=dict(
        depth=18, init_cfg=None, norm_cfg=dict(type='BN', requires_grad=True)),
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=16),
    rpn_head=dict(in_channels=16, feat_channels=16),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=16),
        bbox_head=dict(in_channels=16, fc_out_channels=32, num_classes=14)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=200, max_per_img=100),
        rcnn=dict(sampler=dict(num=32))),
    test_cfg=dict(
        rpn=dict(nms_pre=200, max_per_img=100), rcnn=dict(max_per_img=20)))

tiny_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadLLDAnnotations'),
    dict(type='Resize', scale=(64, 64), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackLLDInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    batch_sampler=None,
    dataset=dict(
        ann_file='ann.json', data_prefix=dict(img=''),
        filter_cfg=dict(filter_empty_gt=False), pipeline=tiny_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        ann_file='ann.json',
        data_prefix=dict(img=''),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=(64, 64), keep_ratio=True),
            dict(type='LoadLLDAnnotations'),
            dict(type='PackLLDInputs'),
        ]))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file='ann.json')
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9,
                                    weight_decay=1e-4))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[1])]
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=1),
    visualization=dict(draw=False))
randomness = dict(seed=0)
