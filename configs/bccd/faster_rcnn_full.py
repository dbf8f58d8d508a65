# design.md's reference setup on BCCD: Faster R-CNN ResNet-18 + FPN (96 ch)
# from scratch, trainable BN, 288x216, batch 4, SGD 0.02, 10 epochs (steps
# 7, 9), RPN proposals 1000/500, RoI sampler 256; full training labels.
_base_ = [
    '../_base_/models/faster-rcnn_r50_fpn.py',
    '../_base_/backbones/r18_scratch.py',
    '../_base_/datasets/bccd.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone={{_base_.backbone}},
    neck=dict(in_channels={{_base_.backbone_channels}}, out_channels=96),
    rpn_head=dict(in_channels=96, feat_channels=96),
    roi_head=dict(bbox_roi_extractor=dict(out_channels=96),
                  bbox_head=dict(in_channels=96, num_classes=3)),
    train_cfg=dict(rpn_proposal=dict(nms_pre=1000, max_per_img=500),
                   rcnn=dict(sampler=dict(num=256))),
    test_cfg=dict(rpn=dict(nms_pre=1000, max_per_img=500)))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4),
    # sparse labels from scratch diverge at lr 0.02 without it (demo set)
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=200),
    dict(type='MultiStepLR', begin=0, end=10, by_epoch=True,
         milestones=[7, 9], gamma=0.1)
]
default_hooks = dict(logger=dict(interval=25),
                     checkpoint=dict(interval=10, max_keep_ckpts=1))
