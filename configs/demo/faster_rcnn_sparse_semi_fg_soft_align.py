# configs/demo/faster_rcnn_sparse_semi_fg_soft.py with distribution
# alignment of the soft class targets (semi_train_cfg.fg_soft_align): the
# teacher's class distribution given a cell is rescaled by the labelled
# cells' class frequencies over the teacher's running mean, so the classes
# it calls less often than the labels have them are scaled up.
_base_ = './faster_rcnn_sparse_semi_fg_soft.py'
model = dict(semi_train_cfg=dict(fg_soft_align=True))
