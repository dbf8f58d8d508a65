# Cross-magnification: train at one magnification (both microscopes and
# cameras), test at each magnification (100x -> 40x -> 10x and back).
_base_ = './_base_/domain_transfer.py'
pairs = [
    ('*_100X_*', '*_100X_*'), ('*_100X_*', '*_40X_*'),
    ('*_100X_*', '*_10X_*'),
    ('*_40X_*', '*_100X_*'), ('*_40X_*', '*_40X_*'), ('*_40X_*', '*_10X_*'),
    ('*_10X_*', '*_100X_*'), ('*_10X_*', '*_40X_*'), ('*_10X_*', '*_10X_*'),
]
