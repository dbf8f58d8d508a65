# Demo ablation: no attribute branch.
_base_ = '../faster_rcnn_sparse_semi.py'
model = dict(detector=dict(roi_head=dict(attr_head=None)))
