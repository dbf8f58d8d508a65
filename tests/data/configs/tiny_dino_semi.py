# tiny_dino_attr.py with region ignore, wrapped by LLDSemiDetector (opened-up
# thresholds, see tiny_faster_rcnn_semi.py).
_base_ = ['./tiny_dino_attr.py']
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
semi_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadLLDAnnotations'),
    dict(type='MultiBranch',
         branch_field=['teacher', 'student'],
         teacher=[dict(type='Resize', scale=(64, 64), keep_ratio=True),
                  dict(type='PackLLDInputs')],
         student=[dict(type='Resize', scale=(64, 64), keep_ratio=True),
                  dict(type='RandomFlip', prob=0.5),
                  dict(type='SparseRegionIgnore'),
                  dict(type='PackLLDInputs')]),
]
train_dataloader = dict(dataset=dict(pipeline=semi_pipeline))
custom_hooks = [dict(type='LLDMeanTeacherHook', momentum=0.5),
                dict(type='PseudoLabelStatsHook')]
val_cfg = dict(type='TeacherStudentValLoop')
