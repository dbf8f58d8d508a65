# Ablation of the attribute branch's input: instead of the box branch's 7x7
# RoI features (which resample a 100x cell and an 8-px 10x cell alike and
# blur vacuoles and nucleoli away), RoIAlign each cell at 14x14 from the
# stride-4 level only, as the paper's AttriHead uses the stride-4/8 maps.
_base_ = './faster_rcnn_attr.py'
model = dict(
    roi_head=dict(
        # an own extractor: RoIAlign on the final boxes
        attr_predict_feats='final_boxes',
        attr_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=0),
            out_channels=64,
            featmap_strides=[4]),
        attr_head=dict(roi_feat_size=14, num_convs=3)))
