# configs/demo/faster_rcnn_attr.py (full labels) with the semi teacher's
# weight averaging (../_base_/ema_demo.py): the upper bound's counterpart of
# faster_rcnn_sparse_ema.py, so that the gap to close can be measured between
# models that are all evaluated as weight averages.
_base_ = ['./faster_rcnn_attr.py', '../_base_/ema_demo.py']
