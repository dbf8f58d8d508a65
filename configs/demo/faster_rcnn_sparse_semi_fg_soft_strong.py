# configs/demo/faster_rcnn_sparse_semi_fg_soft.py with a stronger student
# view: scale jitter (0.75-1.25 of the 256-pixel side) and saturation on top
# of the flips, brightness and contrast. The teacher's view stays the plain
# resize; pseudo labels reach the jittered view through the homography
# matrices like the flips. No rotation or shear: the annotated region would
# stop being an axis-aligned box. Seed 0: no better than without
# (benchmarks/results/sparse_ignore_seeds_faster_rcnn_strong_seed0.md).
_base_ = './faster_rcnn_sparse_semi_fg_soft.py'
semi_pipeline = _base_.semi_train_pipeline
student = semi_pipeline[-1].student  # Resize, RandomFlip, Brightness, ...
student[0] = dict(type='RandomResize', scale=(256, 256),
                  ratio_range=(0.75, 1.25), keep_ratio=True)
# after brightness and contrast, before SparseRegionIgnore and packing
student.insert(-2, dict(type='Color', prob=0.5, min_mag=0.8, max_mag=1.2))
train_dataloader = dict(dataset=dict(pipeline=semi_pipeline))
