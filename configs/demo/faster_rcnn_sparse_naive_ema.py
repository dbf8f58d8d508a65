# configs/demo/faster_rcnn_sparse_naive.py (sparse labels, everything
# unlabelled is background) with the semi teacher's weight averaging
# (../_base_/ema_demo.py): the naive baseline's counterpart of
# faster_rcnn_sparse_ema.py.
_base_ = ['./faster_rcnn_sparse_naive.py', '../_base_/ema_demo.py']
