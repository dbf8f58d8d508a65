# tiny_faster_rcnn.py with the attribute branch.
_base_ = './tiny_faster_rcnn.py'
model = dict(
    roi_head=dict(
        type='AttrRoIHead',
        attr_head=dict(type='RoIAttributeHead', in_channels=16,
                       roi_feat_size=7, num_convs=1, conv_out_channels=16,
                       num_fcs=1, fc_out_channels=32)))
