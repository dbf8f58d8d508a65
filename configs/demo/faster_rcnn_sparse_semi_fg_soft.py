# configs/demo/faster_rcnn_sparse_semi_fg_only.py with soft class targets:
# each foreground pseudo label also carries the teacher's class distribution
# given a cell, and its loss_fg is the cross-entropy against it (instead of
# only "a cell, class unknown"). The student learns how unsure the teacher
# is between classes, not its argmax (wrong about half the time on the demo
# set, benchmarks/results/pseudo_labels_demo_region_ignore_24e_seed0.md).
_base_ = './faster_rcnn_sparse_semi_fg_only.py'
model = dict(semi_train_cfg=dict(fg_soft_classes=True))
