# BCCD, simulated sparse labels, everything unlabelled treated as background.
_base_ = './faster_rcnn_full.py'
train_dataloader = dict(
    dataset=dict(ann_file='work_dirs/bccd/trainval_sparse.json'))
