# Ablation of the flagship: the paper's pseudo-label and similarity constants
# (SEMI_PRESETS['sla_det']: score 0.95, NMS IoU 0.2, area > 10 px^2, GT
# overlap > 100 px^2, band (0.6, 0.95]) instead of the DINO defaults.
_base_ = '../lld/dino_sparse.py'
model = dict(semi_train_cfg=dict(preset='sla_det'))
