# Demo ablation: no pseudo labels (region ignore + similarity loss only).
_base_ = '../faster_rcnn_sparse_semi.py'
model = dict(semi_train_cfg=dict(with_pseudo=False))
