# BCCD, simulated sparse labels, with region ignore: assigner swap, and
# AttrRoIHead without attribute branch for its loss normaliser.
_base_ = './faster_rcnn_sparse_naive.py'
model = dict(
    # region ignore leaves ~1/5 of the RoIs: average the box losses over the
    # RoIs a fully annotated image would give, not over the few left (see
    # AttrRoIHead.sample_normalizer)
    roi_head=dict(type='AttrRoIHead', attr_head=None,
                  sample_normalizer='nominal'),
    train_cfg=dict(
        rpn=dict(assigner=dict(type='RegionAwareMaxIoUAssigner',
                               region_iof_thr=0.5)),
        rcnn=dict(assigner=dict(type='RegionAwareMaxIoUAssigner',
                                region_iof_thr=0.5))))
