# Shared by the domain-transfer suites (in_domain, cross_microscope,
# cross_magnification, cross_camera): the methods on the leaderboard and the
# schedules. Adding a method to every domain leaderboard = one line here.
methods = [
    'lld/faster_rcnn_attr.py',
    # the demo DINO costs seconds per step on CPU: left out of --demo
    dict(config='lld/dino_attr.py', demo=False),
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
