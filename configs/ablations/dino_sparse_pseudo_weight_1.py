# Ablation of the flagship: pseudo labels weigh as much as GT (paper: 0.1).
_base_ = '../lld/dino_sparse.py'
model = dict(semi_train_cfg=dict(pseudo_weight=1.0))
