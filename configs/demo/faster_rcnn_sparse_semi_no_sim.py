# configs/demo/faster_rcnn_sparse_semi.py without the similarity loss (pseudo
# labels + region ignore only).
_base_ = './faster_rcnn_sparse_semi.py'
model = dict(semi_train_cfg=dict(with_similarity=False))
