# BCCD self-training (faster_rcnn_sparse_self_train.py: the finished
# region-ignore model as the frozen teacher) whose teacher also predicts on
# the mirror image of each field: a detection's score is the mean of its
# two views' scores, so a pseudo label (score >= 0.9) needs both views to
# be sure of the cell and its class. Twice the teacher's cost.
_base_ = './faster_rcnn_sparse_self_train.py'
model = dict(semi_train_cfg=dict(teacher_flip=True))
