# configs/demo/faster_rcnn_sparse_semi_fg.py without the class pseudo labels
# (score_thr=None): every teacher detection outside the region with
# foreground score >= 0.8 is a "cell, class unknown" target, however sure
# the teacher is of its class. The demo teacher's class is wrong about half
# the time while its boxes are mostly right (benchmarks/results/
# pseudo_labels_demo_region_ignore_24e_seed0_fg.md), and the class pseudo
# labels cost the flagship part of its finding
# (benchmarks/results/class_agnostic_ap_demo.md).
_base_ = './faster_rcnn_sparse_semi_fg.py'
model = dict(semi_train_cfg=dict(score_thr=None))
