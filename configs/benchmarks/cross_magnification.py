# Cross-magnification: train at one magnification (both microscopes and
# cameras), test at each magnification (100x -> 40x -> 10x and back).
methods = [
    'lld/faster_rcnn_attr.py',
    # the demo DINO costs seconds per step on CPU: left out of --demo
    dict(config='lld/dino_attr.py', demo=False),
]
pairs = [
    ('*_100X_*', '*_100X_*'), ('*_100X_*', '*_40X_*'),
    ('*_100X_*', '*_10X_*'),
    ('*_40X_*', '*_100X_*'), ('*_40X_*', '*_40X_*'), ('*_40X_*', '*_10X_*'),
    ('*_10X_*', '*_100X_*'), ('*_10X_*', '*_40X_*'), ('*_10X_*', '*_10X_*'),
]
schedule = dict()
demo_schedule = dict(max_epochs=8, val_interval=8)
