# BCCD self-training with a frozen region-ignore teacher
# (faster_rcnn_sparse_self_train.py) whose teacher predicts on the field
# and on its horizontal, vertical and diagonal flips (a blood film has no
# orientation): a detection's score is the mean over the four views, so a
# pseudo label (score >= 0.9) needs the teacher to be sure of the cell and
# its class in nearly all of them. Four times the teacher's cost.
_base_ = './faster_rcnn_sparse_self_train.py'
model = dict(semi_train_cfg=dict(
    teacher_flip=['horizontal', 'vertical', 'diagonal']))
