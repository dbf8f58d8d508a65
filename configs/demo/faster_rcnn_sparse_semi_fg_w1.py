# configs/demo/faster_rcnn_sparse_semi_fg.py with the foreground pseudo labels
# weighing as much as GT (fg_pseudo_weight 1.0; class pseudo labels stay at
# 0.1): they carry no class, so the confirmation bias that weight 1.0 gave the
# class pseudo labels (benchmarks/results/semi_diagnostics.md) has no class
# to amplify.
_base_ = './faster_rcnn_sparse_semi_fg.py'
model = dict(semi_train_cfg=dict(fg_pseudo_weight=1.0))
