# Ablation: the same sparse data, everything unlabelled treated as background.
# region_iof_thr=1.0 never ignores (a covered fraction is at most 1), which
# makes the assigners plain MaxIoUAssigners.
_base_ = '../lld/faster_rcnn_sparse.py'
model = dict(train_cfg=dict(rpn=dict(assigner=dict(region_iof_thr=1.0)),
                            rcnn=dict(assigner=dict(region_iof_thr=1.0))))
