# Faster R-CNN with attributes on the sparse LLD: region ignore + the
# teacher-student wrapper (LLDSemiDetector). The EMA teacher's confident
# detections outside the annotated region become pseudo labels (weight 0.1)
# merged with the GT inside it; one student pass per step. README "Semi".
_base_ = './faster_rcnn_sparse.py'
detector = _base_.model
# honours per-instance weights (pseudo labels); identical to RPNHead otherwise
detector.rpn_head.type = 'LLDRPNHead'
model = dict(
    _delete_=True,
    type='LLDSemiDetector',
    detector=detector,
    # thresholds: the 'faster_rcnn' preset (lld_mmdet.models.detectors.
    # SEMI_PRESETS, README table); 2 supervised epochs before pseudo labels
    semi_train_cfg=dict(preset='faster_rcnn', burn_in=2, by_epoch=True,
                        with_pseudo=True, with_similarity=True,
                        similarity=dict(end=8)),
    # evaluate the teacher (TeacherStudentValLoop validates both)
    semi_test_cfg=dict(predict_on='teacher'))
train_dataloader = dict(dataset=dict(pipeline=_base_.semi_train_pipeline))
custom_hooks = [dict(type='LLDMeanTeacherHook', momentum=0.001),
                dict(type='PseudoLabelStatsHook')]
val_cfg = dict(type='TeacherStudentValLoop')
default_hooks = dict(checkpoint=dict(save_best='teacher/lld/bbox_mAP_50'))
