# Weight averaging for a supervised demo config, as a second base:
#   _base_ = ['./faster_rcnn_sparse.py', '../_base_/ema_demo.py']
# The model validated, tested and saved (`state_dict`) is an exponential
# moving average of the trained weights (mmengine's EMAHook; the raw weights
# go to the checkpoint's `ema_state_dict` and come back on --resume). It is
# the averaging of configs/demo/faster_rcnn_sparse_semi.py's teacher
# (LLDMeanTeacherHook): momentum 0.01, buffers (BN running statistics)
# averaged too, and a plain copy during the 8 burn-in epochs (EMAHook
# averages from epoch index begin_epoch - 1 on, i.e. the 9th epoch).
custom_hooks = [
    dict(type='EMAHook', ema_type='ExponentialMovingAverage', momentum=0.01,
         update_buffers=True, begin_epoch=9),
]
