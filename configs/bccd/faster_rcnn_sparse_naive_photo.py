# configs/bccd/faster_rcnn_sparse_naive.py (sparse labels, the outside of the
# region learnt as background) trained with the semi student's photometric
# jitter: the lower reference with the augmentation the teacher-student and
# self-training rows have (see faster_rcnn_sparse_photo.py).
_base_ = './faster_rcnn_sparse_naive.py'
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_photo}}))
