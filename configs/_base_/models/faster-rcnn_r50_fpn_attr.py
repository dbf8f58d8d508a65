# Faster R-CNN R50-FPN (14 LLD classes) with the attribute branch: the box
# head is mmdet's, untouched; AttrRoIHead adds RoIAttributeHead on the same
# RoI features (attr_roi_extractor=None shares the bbox extractor).
_base_ = './faster-rcnn_r50_fpn.py'
model = dict(
    roi_head=dict(
        type='AttrRoIHead',
        predict_on_gt=True,
        # the attribute branch reads the bbox branch's RoI features of the
        # proposal behind each final detection (no second RoIAlign; what it
        # is trained on). 'final_boxes' pools again on the regressed boxes:
        # same demo accuracy (0.788 vs 0.785), 3-4% slower inference on CPU
        # (benchmarks/results/attr_overhead.md)
        attr_predict_feats='proposals',
        attr_head=dict(
            type='RoIAttributeHead',
            in_channels=256,
            roi_feat_size=7,
            # one 256-d FC on the shared 7x7 RoI features: the inference
            # cost stays small (benchmarks/results/attr_overhead.md); conv
            # blocks (num_convs, as the paper's AttriHead) and wide FCs cost
            # a few percent each
            num_convs=0,
            conv_out_channels=256,
            num_fcs=1,
            fc_out_channels=256,
            # attribute_schema: LLD's by default; method configs wire the
            # dataset's in: attr_head=dict(
            #     attribute_schema={{_base_.attribute_schema}})
            loss_attr=dict(type='AttributeLoss', loss_type='ce',
                           loss_weight=1.0))))
