# Cross-microscope transfer: train on one microscope's subset, test on the
# other microscope's subset of the same magnification and camera (HCM -> LCM
# and LCM -> HCM), plus the in-domain pairs as reference.
# Run: python tools/leaderboard.py configs/benchmarks/cross_microscope.py
#      [--demo]
# Adding a method to the leaderboard = one line in `methods`.
methods = [
    'lld/faster_rcnn_attr.py',
    # the demo DINO costs seconds per step on CPU: left out of --demo
    dict(config='lld/dino_attr.py', demo=False),
]
pairs = [
    ('H_100X_C1', 'L_100X_C1'), ('L_100X_C1', 'H_100X_C1'),
    ('H_100X_C2', 'L_100X_C2'), ('L_100X_C2', 'H_100X_C2'),
    ('H_40X_C1', 'L_40X_C1'), ('L_40X_C1', 'H_40X_C1'),
    ('H_40X_C2', 'L_40X_C2'), ('L_40X_C2', 'H_40X_C2'),
    ('H_10X_C1', 'L_10X_C1'), ('L_10X_C1', 'H_10X_C1'),
    ('H_10X_C2', 'L_10X_C2'), ('L_10X_C2', 'H_10X_C2'),
]
# overrides of each method's train_cfg; demo_schedule applies with --demo
schedule = dict()
demo_schedule = dict(max_epochs=8, val_interval=8)
