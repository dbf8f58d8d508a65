# configs/bccd/faster_rcnn_sparse_semi.py without the similarity loss.
_base_ = './faster_rcnn_sparse_semi.py'
model = dict(semi_train_cfg=dict(with_similarity=False))
