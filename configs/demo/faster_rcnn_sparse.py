# configs/lld/faster_rcnn_sparse.py on the demo set: the demo Faster R-CNN
# with attributes, trained on the SPARSE labels, with region ignore.
_base_ = './faster_rcnn_attr.py'
train_dataloader = dict(
    dataset=dict(ann_file={{_base_.sparse_train_ann}},
                 pipeline={{_base_.sparse_train_pipeline}}))
model = dict(
    # region ignore leaves ~1/5 of the RoIs: average the box losses over the
    # RoIs a fully annotated image would give, not over the few left (see
    # AttrRoIHead.sample_normalizer)
    roi_head=dict(sample_normalizer='nominal'),
    train_cfg=dict(
        rpn=dict(assigner=dict(type='RegionAwareMaxIoUAssigner',
                               region_iof_thr=0.5)),
        rcnn=dict(assigner=dict(type='RegionAwareMaxIoUAssigner',
                                region_iof_thr=0.5))))
