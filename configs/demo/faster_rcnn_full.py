# Vanilla mmdet Faster R-CNN (no attribute head) on the demo set with the full
# (hidden) training labels: the demo's learnability check and upper bound.
_base_ = [
    '../_base_/models/faster-rcnn_r50_fpn.py',
    '../_base_/backbones/r18_scratch.py',
    '../_base_/datasets/demo.py',
    '../_base_/schedules/demo.py',
    '../_base_/default_runtime.py',
]
# Slim FPN/RPN/RoI widths: on CPU the 256-channel neck, not the backbone,
# dominates the step time (design.md).
model = dict(
    backbone={{_base_.backbone}},
    neck=dict(in_channels={{_base_.backbone_channels}}, out_channels=64),
    rpn_head=dict(in_channels=64, feat_channels=64,
                  anchor_generator=dict(scales=[3], ratios=[1.0])),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=64),
        bbox_head=dict(in_channels=64, fc_out_channels=256)),
    train_cfg=dict(rpn_proposal=dict(nms_pre=600, max_per_img=300),
                   rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=600, max_per_img=300)))
default_hooks = dict(logger=dict(interval=12),
                     checkpoint=dict(interval=6, max_keep_ckpts=2,
                                     save_best='lld/bbox_mAP_50'),
                     # channels-last backbone: faster CPU convolutions,
                     # same values (benchmarks/results/semi_overhead.md)
                     channels_last=dict(type='ChannelsLastHook'))
