# Ablation of the flagship: no region ignore (unmatched queries outside the
# region that are not pseudo labels are trained as background).
_base_ = '../lld/dino_sparse.py'
model = dict(detector=dict(bbox_head=dict(region_ignore=None)))
