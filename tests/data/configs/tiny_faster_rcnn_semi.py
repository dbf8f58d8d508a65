# tiny_faster_rcnn_sparse.py wrapped by LLDSemiDetector. Thresholds are
# opened up so that a randomly initialised teacher still yields pseudo labels
# and similarity queries in the few iterations a test trains.
_base_ = ['./tiny_faster_rcnn_sparse.py', './tiny_semi_pipeline.py']
detector = _base_.model
detector.rpn_head.type = 'LLDRPNHead'
detector.test_cfg.rcnn.score_thr = 0.0
model = dict(
    _delete_=True,
    type='LLDSemiDetector',
    detector=detector,
    semi_train_cfg=dict(preset='faster_rcnn', score_thr=0.0, min_size=1.0,
                        with_similarity=True,
                        similarity=dict(score_range=(0.0, 1.0))),
    semi_test_cfg=dict(predict_on='teacher'))
train_dataloader = dict(dataset=dict(pipeline=_base_.semi_pipeline))
custom_hooks = [dict(type='LLDMeanTeacherHook', momentum=0.5),
                dict(type='PseudoLabelStatsHook')]
val_cfg = dict(type='TeacherStudentValLoop')
