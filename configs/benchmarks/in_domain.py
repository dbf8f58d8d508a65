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
schedule = dict()
demo_schedule = dict(max_epochs=8, val_interval=8)
