# BCCD, simulated sparse labels: region ignore + the teacher-student wrapper
# (pseudo labels outside the region, similarity loss). 4 supervised burn-in
# epochs, then 6 with the teacher (similarity in the first 3 of them).
_base_ = './faster_rcnn_sparse.py'
detector = _base_.model
detector.rpn_head.type = 'LLDRPNHead'
model = dict(
    _delete_=True,
    type='LLDSemiDetector',
    detector=detector,
    semi_train_cfg=dict(preset='faster_rcnn', burn_in=4, by_epoch=True,
                        with_pseudo=True, with_similarity=True,
                        similarity=dict(end=7)),
    # evaluate the teacher (TeacherStudentValLoop validates both)
    semi_test_cfg=dict(predict_on='teacher'))
train_dataloader = dict(dataset=dict(pipeline=_base_.semi_train_pipeline))
custom_hooks = [
    dict(type='LLDMeanTeacherHook', momentum=0.01),
    dict(type='PseudoLabelStatsHook', full_ann_file=_base_.full_train_ann),
]
val_cfg = dict(type='TeacherStudentValLoop')
