# BCCD, simulated sparse labels: self-training with a frozen teacher. The
# teacher is the finished region-ignore model, loaded at the first
# iteration and never updated. Train it first, into the work dir that
# benchmarks/bccd_sparse.py uses (which trains both):
#   python tools/train.py configs/bccd/faster_rcnn_sparse.py \
#       --work-dir work_dirs/bccd_faster_rcnn_sparse
# (another checkpoint: --cfg-options custom_hooks.0.teacher_checkpoint=PATH).
# The student starts from scratch (no burn-in) and learns from the sparse
# labels plus that teacher's pseudo labels outside the region at weight 1.0
# (a frozen teacher does not follow the student into its own mistakes, so
# they can weigh as much as GT). No similarity loss. The student is the
# model this run makes: it is the one evaluated and kept.
_base_ = './faster_rcnn_sparse_semi_no_sim.py'
model = dict(
    semi_train_cfg=dict(burn_in=0, pseudo_weight=1.0),
    semi_test_cfg=dict(predict_on='student'))
custom_hooks = [
    dict(type='LLDMeanTeacherHook', freeze_after_burn_in=True,
         teacher_checkpoint='work_dirs/bccd_faster_rcnn_sparse/epoch_10.pth'),
    dict(type='PseudoLabelStatsHook', full_ann_file=_base_.full_train_ann),
]
default_hooks = dict(checkpoint=dict(save_best='student/lld/bbox_mAP_50'))
