# configs/demo/faster_rcnn_sparse_semi_fg_soft.py drawing its training fields
# class by class (mmdet's ClassAwareSampler: each draw picks a class
# uniformly, then a field with a labelled cell of it). Each rare class (9-16
# labelled cells in the sparse demo labels) is then seen about as often as a
# common one (25-39), where the soft-target row is furthest behind the full
# labels (benchmarks/results/class_agnostic_ap_demo_per_class_seed0.md).
# Fields with no labelled cell in their region (59 of 192) are never drawn.
_base_ = './faster_rcnn_sparse_semi_fg_soft.py'
train_dataloader = dict(sampler=dict(_delete_=True, type='ClassAwareSampler',
                                     num_sample_class=1))
