# The two-view training pipeline of the tiny semi configs (and tests).
semi_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadLLDAnnotations'),
    dict(type='MultiBranch',
         branch_field=['teacher', 'student'],
         teacher=[dict(type='Resize', scale=(64, 64), keep_ratio=True),
                  dict(type='PackLLDInputs')],
         student=[dict(type='Resize', scale=(64, 64), keep_ratio=True),
                  dict(type='RandomFlip', prob=0.5),
                  dict(type='SparseRegionIgnore'),
                  dict(type='PackLLDInputs')]),
]
