# Ablation of the flagship: no attribute branch (plain DINO head).
_base_ = '../lld/dino_sparse.py'
model = dict(detector=dict(bbox_head=dict(loss_attr=None)))
