# Ablation of the flagship: no similarity loss.
_base_ = '../lld/dino_sparse.py'
model = dict(semi_train_cfg=dict(with_similarity=False))
