# configs/demo/faster_rcnn_sparse.py (region ignore, supervised) with the
# semi teacher's weight averaging (../_base_/ema_demo.py) and nothing else of
# the teacher-student wrapper: no second view, no pseudo labels. The control
# that says how much of the wrapper's gain over region ignore is the
# averaging alone (the `_ema_only` ablation keeps the wrapper's views).
_base_ = ['./faster_rcnn_sparse.py', '../_base_/ema_demo.py']
