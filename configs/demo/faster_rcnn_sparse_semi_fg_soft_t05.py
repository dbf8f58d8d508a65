# configs/demo/faster_rcnn_sparse_semi_fg_soft.py with sharper soft class
# targets (temperature 0.5: q ~ p^2, renormalised over the cell classes):
# closer to the teacher's argmax where it is sure, still a distribution where
# it hesitates.
_base_ = './faster_rcnn_sparse_semi_fg_soft.py'
model = dict(semi_train_cfg=dict(fg_soft_temperature=0.5))
