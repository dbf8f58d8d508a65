# Control for the no-attributes ablation: region ignore alone
# (configs/demo/faster_rcnn_sparse.py) without the attribute branch.
_base_ = '../faster_rcnn_sparse.py'
model = dict(roi_head=dict(attr_head=None))
