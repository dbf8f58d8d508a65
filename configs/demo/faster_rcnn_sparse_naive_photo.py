# configs/demo/faster_rcnn_sparse_naive.py (sparse labels, everything
# unlabelled is background) trained with the semi student's photometric
# jitter: the naive baseline with the augmentation the teacher-student rows
# have (see faster_rcnn_sparse_photo.py).
_base_ = './faster_rcnn_sparse_naive.py'
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.sparse_train_pipeline_photo}}))
