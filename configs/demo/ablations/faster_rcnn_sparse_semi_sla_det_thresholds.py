# Demo ablation: the paper's pseudo-label and similarity constants.
_base_ = '../faster_rcnn_sparse_semi.py'
model = dict(semi_train_cfg=dict(preset='sla_det'))
