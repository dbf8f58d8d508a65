# Control for the no-attributes ablation: the full-label demo model
# (configs/demo/faster_rcnn_attr.py) without its attribute branch.
_base_ = '../faster_rcnn_attr.py'
model = dict(roi_head=dict(attr_head=None))
