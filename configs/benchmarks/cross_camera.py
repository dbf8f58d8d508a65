# Cross-camera: train on one camera's subset, test on the other camera's
# subset of the same microscope and magnification.
_base_ = './_base_/domain_transfer.py'
pairs = [
    ('H_100X_C1', 'H_100X_C2'), ('H_100X_C2', 'H_100X_C1'),
    ('H_40X_C1', 'H_40X_C2'), ('H_40X_C2', 'H_40X_C1'),
    ('H_10X_C1', 'H_10X_C2'), ('H_10X_C2', 'H_10X_C1'),
    ('L_100X_C1', 'L_100X_C2'), ('L_100X_C2', 'L_100X_C1'),
    ('L_40X_C1', 'L_40X_C2'), ('L_40X_C2', 'L_40X_C1'),
    ('L_10X_C1', 'L_10X_C2'), ('L_10X_C2', 'L_10X_C1'),
]
