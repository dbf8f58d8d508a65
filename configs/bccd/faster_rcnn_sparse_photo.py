# configs/bccd/faster_rcnn_sparse.py (region ignore, supervised) trained with
# the semi student's photometric jitter (brightness and contrast, each with
# probability 0.5; `photometric_aug` of configs/_base_/datasets/lld_full.py).
# No teacher, no pseudo labels: the control that says how much of the
# teacher-student and self-training rows' gain over region ignore is this
# augmentation.
_base_ = './faster_rcnn_sparse.py'
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_photo}}))
