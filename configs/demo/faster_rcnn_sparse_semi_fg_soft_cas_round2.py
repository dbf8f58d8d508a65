# A second round of self-training on top of
# configs/demo/faster_rcnn_sparse_semi_fg_soft_cas.py. Train that first:
#   python tools/train.py configs/demo/faster_rcnn_sparse_semi_fg_soft_cas.py
# then this one. Its teacher is the first run's teacher (epoch 24), loaded
# and frozen; the student starts from scratch and learns from the sparse
# labels plus that teacher's pseudo labels at weight 1.0 (a frozen teacher
# does not follow the student into its own mistakes, so they can weigh as
# much as GT; with the EMA teacher, weight 1.0 fed on itself). The student
# is the model this run produces, so it is the one evaluated and kept.
# Another first-round checkpoint:
#   --cfg-options custom_hooks.0.teacher_checkpoint=PATH
# A third round takes this run's student as its teacher:
#   custom_hooks.0.teacher_checkpoint=<this run>/epoch_24.pth
#   custom_hooks.0.teacher_checkpoint_branch=student
# Measured in benchmarks/results/semi_diagnostics_teacher_checkpoint.md.
_base_ = './faster_rcnn_sparse_semi_fg_soft_cas.py'
model = dict(
    semi_train_cfg=dict(burn_in=0, pseudo_weight=1.0, fg_pseudo_weight=1.0),
    semi_test_cfg=dict(predict_on='student'))
custom_hooks = [
    dict(type='LLDMeanTeacherHook', freeze_after_burn_in=True,
         teacher_checkpoint='work_dirs/faster_rcnn_sparse_semi_fg_soft_cas/'
         'epoch_24.pth'),
    dict(type='PseudoLabelStatsHook', full_ann_file=_base_.full_train_ann),
]
default_hooks = dict(checkpoint=dict(save_best='student/lld/bbox_mAP_50'))
