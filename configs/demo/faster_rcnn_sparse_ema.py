# configs/demo/faster_rcnn_sparse.py (region ignore, supervised) plus an
# exponential moving average of its weights: the model validated, tested and
# saved is the average, as the teacher of the teacher-student configs is.
# No teacher-student wrapper, no second view, no pseudo labels: the control
# that says how much of the wrapper's gain over region ignore is the weight
# averaging alone (the `_ema_only` ablation keeps the wrapper's views).
_base_ = './faster_rcnn_sparse.py'
custom_hooks = [
    # the EMA of faster_rcnn_sparse_semi.py's LLDMeanTeacherHook: momentum
    # 0.01, buffers (BN running statistics) averaged too, and a copy of the
    # model during the 8 burn-in epochs (mmengine's EMAHook starts at
    # epoch index begin_epoch - 1, i.e. the 9th epoch)
    dict(type='EMAHook', ema_type='ExponentialMovingAverage', momentum=0.01,
         update_buffers=True, begin_epoch=9),
]
