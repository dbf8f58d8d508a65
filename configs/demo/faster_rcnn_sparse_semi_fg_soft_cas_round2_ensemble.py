# The second round (./faster_rcnn_sparse_semi_fg_soft_cas_round2.py) with an
# ensemble teacher: the first-round teachers of three seeds, each loaded and
# frozen, their detections fused (a class score is the three teachers' mean
# class probability, the soft class targets their mean distribution). Train
# the first round three times first:
#   python tools/train.py configs/demo/faster_rcnn_sparse_semi_fg_soft_cas.py \
#       --work-dir work_dirs/faster_rcnn_sparse_semi_fg_soft_cas_seed0 \
#       --cfg-options randomness.seed=0
# (and seed1 / seed2 likewise), then this one. Each teacher costs one more
# teacher pass per step. tools/test.py with
#   --cfg-options model.semi_test_cfg.predict_on=teacher
# evaluates the fused ensemble itself. Measured in
# benchmarks/results/semi_diagnostics_ensemble_teacher.md.
_base_ = './faster_rcnn_sparse_semi_fg_soft_cas_round2.py'
model = dict(semi_train_cfg=dict(num_teachers=3))
custom_hooks = [
    dict(type='LLDMeanTeacherHook', freeze_after_burn_in=True,
         teacher_checkpoint=[
             'work_dirs/faster_rcnn_sparse_semi_fg_soft_cas_seed0/'
             'epoch_24.pth',
             'work_dirs/faster_rcnn_sparse_semi_fg_soft_cas_seed1/'
             'epoch_24.pth',
             'work_dirs/faster_rcnn_sparse_semi_fg_soft_cas_seed2/'
             'epoch_24.pth',
         ]),
    dict(type='PseudoLabelStatsHook', full_ann_file=_base_.full_train_ann),
]
