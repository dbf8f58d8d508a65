# BCCD, simulated sparse labels: a second round of self-training. The
# frozen teacher is the student of the first round
# (faster_rcnn_sparse_self_train.py), trained first into the work dir that
# benchmarks/bccd_sparse.py uses:
#   python tools/train.py configs/bccd/faster_rcnn_sparse_self_train.py \
#       --work-dir work_dirs/bccd_faster_rcnn_sparse_self_train
# Everything else is the first round's recipe: a student from scratch,
# class pseudo labels outside the region at weight 1.0, the student
# evaluated and kept.
_base_ = './faster_rcnn_sparse_self_train.py'
custom_hooks = [
    dict(type='LLDMeanTeacherHook', freeze_after_burn_in=True,
         teacher_checkpoint='work_dirs/bccd_faster_rcnn_sparse_self_train/'
         'epoch_10.pth', teacher_checkpoint_branch='student'),
    dict(type='PseudoLabelStatsHook', full_ann_file=_base_.full_train_ann),
]
