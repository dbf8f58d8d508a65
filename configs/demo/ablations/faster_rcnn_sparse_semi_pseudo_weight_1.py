# Demo ablation: pseudo labels weigh as much as GT (paper: 0.1).
_base_ = '../faster_rcnn_sparse_semi.py'
model = dict(semi_train_cfg=dict(pseudo_weight=1.0))
