# Ablation: the same sparse data, every unmatched query trained as background.
_base_ = '../lld/dino_sparse_ignore.py'
model = dict(bbox_head=dict(region_ignore=None))
