# BCCD, simulated sparse labels, with region ignore (assigner swap only).
_base_ = './faster_rcnn_sparse_naive.py'
model = dict(
    train_cfg=dict(
        rpn=dict(assigner=dict(type='RegionAwareMaxIoUAssigner',
                               region_iof_thr=0.5)),
        rcnn=dict(assigner=dict(type='RegionAwareMaxIoUAssigner',
                                region_iof_thr=0.5))))
