# configs/lld/faster_rcnn_sparse_semi.py plus foreground pseudo labels: a
# teacher detection outside the region below score_thr (0.9) whose foreground
# score (1 - background probability) is >= 0.9 trains the RPN, the box
# regression and loss_fg ("a cell"), never the teacher's unsure class.
# 0.9 is a starting point: measure your teacher with
# benchmarks/pseudo_label_thresholds.py ... --score fg (README "Semi").
_base_ = './faster_rcnn_sparse_semi.py'
model = dict(semi_train_cfg=dict(fg_score_thr=0.9))
