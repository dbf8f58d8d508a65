# Self-training for the demo DINO (the Faster R-CNN recipe of
# configs/bccd/faster_rcnn_sparse_self_train.py and the demo's round-2
# configs, on DINO). The teacher is the finished region-ignore DINO, loaded
# at the first iteration and never updated. Train it first:
#   python tools/train.py configs/demo/dino_sparse_ignore.py
# (into its default work dir; another checkpoint:
#   --cfg-options custom_hooks.0.teacher_checkpoint=PATH,
# benchmarks/sparse_ignore.py --detectors dino points it at its own run).
# The student starts from scratch (no burn-in) and learns from the sparse
# labels plus that teacher's pseudo labels outside the regions at weight 1.0
# and at the score threshold measured for this teacher (0.4,
# configs/demo/dino_sparse_thr04.py). No similarity loss. The student is the
# model this run makes: it is the one evaluated and kept.
_base_ = './dino_sparse_thr04.py'
model = dict(
    semi_train_cfg=dict(burn_in=0, pseudo_weight=1.0,
                        with_similarity=False),
    semi_test_cfg=dict(predict_on='student'))
custom_hooks = [
    dict(type='LLDMeanTeacherHook', freeze_after_burn_in=True,
         teacher_checkpoint='work_dirs/dino_sparse_ignore/epoch_24.pth'),
    dict(type='PseudoLabelStatsHook', full_ann_file=_base_.full_train_ann),
]
default_hooks = dict(checkpoint=dict(save_best='student/lld/bbox_mAP_50'))
