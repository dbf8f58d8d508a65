# Ablation on the demo set: sparse labels, every unmatched query trained as
# background.
_base_ = './dino_sparse_ignore.py'
model = dict(bbox_head=dict(region_ignore=None))
