# configs/demo/faster_rcnn_sparse_semi_fg_soft_cas.py (class-aware sampling)
# with distribution alignment of the soft class targets
# (configs/demo/faster_rcnn_sparse_semi_fg_soft_align.py).
_base_ = './faster_rcnn_sparse_semi_fg_soft_cas.py'
model = dict(semi_train_cfg=dict(fg_soft_align=True))
