# Faster R-CNN (ResNet-18 from scratch, slim heads) with the attribute
# branch on PBC + WBCAtt: WBCAtt's 11 attributes come from the dataset
# config, the model follows it. Made for 2 CPU cores (about 10 minutes).
_base_ = [
    '../_base_/models/faster-rcnn_r50_fpn_attr.py',
    '../_base_/backbones/r18_scratch.py',
    '../_base_/datasets/pbc_wbcatt.py',
    '../_base_/schedules/demo.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone={{_base_.backbone}},
    neck=dict(in_channels={{_base_.backbone_channels}}, out_channels=64),
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=64),
        bbox_head=dict(in_channels=64, fc_out_channels=256),
        # CPU-sized: two 64-ch conv blocks and one 256-d FC
        attr_head=dict(in_channels=64, num_convs=2, conv_out_channels=64,
                       num_fcs=1, fc_out_channels=256,
                       attribute_schema={{_base_.attribute_schema}})),
    train_cfg=dict(rpn_proposal=dict(nms_pre=600, max_per_img=300),
                   rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=600, max_per_img=300)))
default_hooks = dict(logger=dict(interval=20),
                     checkpoint=dict(interval=6, max_keep_ckpts=1))
