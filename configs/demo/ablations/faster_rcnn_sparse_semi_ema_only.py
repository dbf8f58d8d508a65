# Demo ablation: neither pseudo labels nor the similarity loss: the
# wrapper's EMA teacher alone over region ignore.
_base_ = './faster_rcnn_sparse_semi_no_pseudo.py'
model = dict(semi_train_cfg=dict(with_similarity=False))
