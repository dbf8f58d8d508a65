# configs/bccd/faster_rcnn_full.py (full labels) trained with the semi
# student's photometric jitter: the upper reference with the augmentation
# the teacher-student and self-training rows have (see
# faster_rcnn_sparse_photo.py).
_base_ = './faster_rcnn_full.py'
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_photo}}))
