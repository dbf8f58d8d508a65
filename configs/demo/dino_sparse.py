# configs/lld/dino_sparse.py (the flagship) on the demo set: the CPU-sized
# demo DINO with attributes on the SPARSE labels, region ignore + teacher-
# student pseudo labels + similarity loss; 8 burn-in epochs, then 16 with the
# teacher (similarity in the first 8 of them).
_base_ = './dino_sparse_ignore.py'
detector = _base_.model
model = dict(
    _delete_=True,
    type='LLDSemiDetector',
    detector=detector,
    semi_train_cfg=dict(preset='dino', burn_in=8, by_epoch=True,
                        with_pseudo=True, with_similarity=True,
                        similarity=dict(end=16)),
    # evaluate the teacher (TeacherStudentValLoop validates both)
    semi_test_cfg=dict(predict_on='teacher'))
train_dataloader = dict(dataset=dict(pipeline=_base_.semi_train_pipeline))
custom_hooks = [
    dict(type='LLDMeanTeacherHook', momentum=0.01),
    dict(type='PseudoLabelStatsHook', full_ann_file=_base_.full_train_ann),
]
val_cfg = dict(type='TeacherStudentValLoop')
default_hooks = dict(checkpoint=dict(save_best='teacher/lld/bbox_mAP_50'))
