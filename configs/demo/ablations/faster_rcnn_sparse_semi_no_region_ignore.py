# Demo ablation: no region ignore (negatives outside the region that are not
# pseudo labels are trained as background; region_iof_thr=1.0 = mmdet's
# MaxIoUAssigner).
_base_ = '../faster_rcnn_sparse_semi.py'
model = dict(detector=dict(train_cfg=dict(
    rpn=dict(assigner=dict(region_iof_thr=1.0)),
    rcnn=dict(assigner=dict(region_iof_thr=1.0)))))
