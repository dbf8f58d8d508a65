# Faster R-CNN with attributes on the sparse LLD, with region ignore: RPN and
# R-CNN assigners never make anchors/proposals outside the annotated region
# background (RegionAwareMaxIoUAssigner, a config swap only).
_base_ = [
    '../_base_/models/faster-rcnn_r50_fpn_attr.py',
    '../_base_/backbones/r50.py',
    '../_base_/datasets/lld_sparse.py',
    '../_base_/schedules/schedule_1x.py',
    '../_base_/default_runtime.py',
]
model = dict(
    # region ignore leaves ~1/5 of the RoIs: average the box losses over the
    # RoIs a fully annotated image would give, not over the few left (see
    # AttrRoIHead.sample_normalizer)
    backbone={{_base_.backbone}},
    neck=dict(in_channels={{_base_.backbone_channels}}),
    roi_head=dict(
        sample_normalizer='nominal',
        attr_head=dict(attribute_schema={{_base_.attribute_schema}})),
    train_cfg=dict(
        # a negative more than half outside the region is ignored
        rpn=dict(assigner=dict(type='RegionAwareMaxIoUAssigner',
                               region_iof_thr=0.5)),
        rcnn=dict(assigner=dict(type='RegionAwareMaxIoUAssigner',
                                region_iof_thr=0.5))))
default_hooks = dict(checkpoint=dict(save_best='lld/bbox_mAP_50'))
