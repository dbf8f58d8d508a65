# tiny_dino_attr.py with region ignore, wrapped by LLDSemiDetector (opened-up
# thresholds, see tiny_faster_rcnn_semi.py).
_base_ = ['./tiny_dino_attr.py', './tiny_semi_pipeline.py']
detector = _base_.model
detector.bbox_head.region_ignore = dict(rule='centre')
model = dict(
    _delete_=True,
    type='LLDSemiDetector',
    detector=detector,
    semi_train_cfg=dict(preset='dino', score_thr=0.0, min_size=1.0,
                        with_similarity=True,
                        similarity=dict(score_range=(0.0, 1.0))),
    semi_test_cfg=dict(predict_on='teacher'))
train_dataloader = dict(dataset=dict(pipeline=_base_.semi_pipeline))
custom_hooks = [dict(type='LLDMeanTeacherHook', momentum=0.5),
                dict(type='PseudoLabelStatsHook')]
val_cfg = dict(type='TeacherStudentValLoop')
