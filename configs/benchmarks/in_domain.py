# In-domain: train and test on each of the 12 LLD subsets.
methods = [
    'lld/faster_rcnn_attr.py',
    # the demo DINO costs seconds per step on CPU: left out of --demo
    dict(config='lld/dino_attr.py', demo=False),
]
pairs = [
    ('H_100X_C1', 'H_100X_C1'), ('H_100X_C2', 'H_100X_C2'),
    ('H_40X_C1', 'H_40X_C1'), ('H_40X_C2', 'H_40X_C2'),
    ('H_10X_C1', 'H_10X_C1'), ('H_10X_C2', 'H_10X_C2'),
    ('L_100X_C1', 'L_100X_C1'), ('L_100X_C2', 'L_100X_C2'),
    ('L_40X_C1', 'L_40X_C1'), ('L_40X_C2', 'L_40X_C2'),
    ('L_10X_C1', 'L_10X_C1'), ('L_10X_C2', 'L_10X_C2'),
]
# config overrides of every entry (e.g. train_cfg, param_scheduler);
# demo_schedule applies on top with --demo: a subset has 16 demo training
# images (4 iterations per epoch)
schedule = dict()
demo_schedule = dict(
    train_cfg=dict(max_epochs=48, val_interval=48),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
             end=40),
        dict(type='MultiStepLR', begin=0, end=48, by_epoch=True,
             milestones=[40], gamma=0.1)
    ])
