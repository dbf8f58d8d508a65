# BCCD self-training (faster_rcnn_sparse_self_train.py: the finished
# region-ignore model as the frozen teacher) plus pseudo background: outside
# the region only what the teacher reports at all (its test score_thr, 0.05)
# stays ignored; anchors and proposals where it sees nothing become
# negatives, as they would with full labels.
_base_ = './faster_rcnn_sparse_self_train.py'
model = dict(semi_train_cfg=dict(bg_score_thr=0.05))
