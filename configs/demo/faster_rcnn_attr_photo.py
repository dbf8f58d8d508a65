# configs/demo/faster_rcnn_attr.py (full labels) trained with the semi
# student's photometric jitter: the upper bound with the augmentation the
# teacher-student rows have (see faster_rcnn_sparse_photo.py).
_base_ = './faster_rcnn_attr.py'
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_photo}}))
