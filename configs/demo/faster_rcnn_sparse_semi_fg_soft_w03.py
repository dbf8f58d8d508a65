# configs/demo/faster_rcnn_sparse_semi_fg_soft.py with the foreground pseudo
# labels at weight 0.3 instead of 0.1: about four of them per image against
# one or two GT cells, so at 0.1 they carry a fraction of the GT signal.
# (Weight 1.0 with class pseudo labels fed the EMA teacher's own mistakes
# back: benchmarks/results/semi_diagnostics.md.)
_base_ = './faster_rcnn_sparse_semi_fg_soft.py'
model = dict(semi_train_cfg=dict(fg_pseudo_weight=0.3))
