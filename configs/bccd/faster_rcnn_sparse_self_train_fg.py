# BCCD self-training (faster_rcnn_sparse_self_train.py: the finished
# region-ignore model as the frozen teacher) plus foreground pseudo labels
# at the shipped threshold 0.8: a teacher detection below the class
# threshold (0.9) whose foreground score is >= 0.8 joins the targets as a
# cell with the teacher's class distribution (soft class targets), weight
# 1.0 like the class pseudo labels.
_base_ = './faster_rcnn_sparse_self_train.py'
model = dict(semi_train_cfg=dict(fg_score_thr=0.8, fg_soft_classes=True))
