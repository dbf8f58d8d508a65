# faster_rcnn_attr.py with the swin-t backbone: only the backbone line of
# _base_ differs.
_base_ = [
    '../_base_/models/faster-rcnn_r50_fpn_attr.py',
    '../_base_/backbones/swin-t.py',
    '../_base_/datasets/lld_full.py',
    '../_base_/schedules/schedule_1x.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone={{_base_.backbone}},
    neck=dict(in_channels={{_base_.backbone_channels}}),
    roi_head=dict(
        attr_head=dict(attribute_schema={{_base_.attribute_schema}})))
default_hooks = dict(checkpoint=dict(save_best='lld/bbox_mAP_50'))
