# tiny_faster_rcnn_attr.py with sparse-region ignore.
_base_ = './tiny_faster_rcnn_attr.py'
model = dict(
    train_cfg=dict(
        rpn=dict(assigner=dict(type='RegionAwareMaxIoUAssigner',
                               region_iof_thr=0.5)),
        rcnn=dict(assigner=dict(type='RegionAwareMaxIoUAssigner',
                                region_iof_thr=0.5))))
