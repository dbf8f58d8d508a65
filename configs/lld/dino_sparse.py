# The flagship: DINO with attributes on the sparse LLD, with region ignore,
# the teacher-student wrapper (pseudo labels outside the region, weight 0.1,
# merged with the GT inside it; one student pass) and the similarity loss for
# uncertain detections. Ablations: configs/ablations/dino_sparse_*.py.
_base_ = './dino_sparse_ignore.py'
detector = _base_.model
model = dict(
    _delete_=True,
    type='LLDSemiDetector',
    detector=detector,
    # thresholds: the 'dino' preset (sigmoid focal scores: pseudo labels at
    # 0.5, similarity band (0.3, 0.5]); see SEMI_PRESETS / README
    semi_train_cfg=dict(preset='dino', burn_in=2, by_epoch=True,
                        with_pseudo=True, with_similarity=True,
                        pseudo_attributes=False,
                        similarity=dict(end=8)),
    # evaluate the teacher (TeacherStudentValLoop validates both)
    semi_test_cfg=dict(predict_on='teacher'))
# teacher: weak view (one scale); student: DINO's multi-scale/crop pipeline
# with region ignore
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='LoadLLDAnnotations'),
        dict(type='MultiBranch',
             branch_field=['teacher', 'student'],
             teacher=[dict(type='Resize', scale=(640, 640), keep_ratio=True),
                      dict(type='PackLLDInputs')],
             student=_base_.train_pipeline[2:]),
    ]))
custom_hooks = [dict(type='LLDMeanTeacherHook', momentum=0.001),
                dict(type='PseudoLabelStatsHook')]
val_cfg = dict(type='TeacherStudentValLoop')
default_hooks = dict(checkpoint=dict(save_best='teacher/lld/bbox_mAP_50'))
