# BCCD self-training (faster_rcnn_sparse_self_train.py: the finished
# region-ignore model as the frozen teacher) with class pseudo labels from
# the paper's score threshold, 0.95 (the `sla_det` preset's), instead of
# the `faster_rcnn` preset's 0.9: fewer pseudo labels, more of them right.
_base_ = './faster_rcnn_sparse_self_train.py'
model = dict(semi_train_cfg=dict(score_thr=0.95))
