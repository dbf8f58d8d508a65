# Ablation of the flagship: no pseudo labels (region ignore + similarity
# loss only; the teacher still supplies the uncertain detections).
_base_ = '../lld/dino_sparse.py'
model = dict(semi_train_cfg=dict(with_pseudo=False))
