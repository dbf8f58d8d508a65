# Cross-microscope transfer: train on one microscope's subset, test on the
# other microscope's subset of the same magnification and camera (HCM -> LCM
# and LCM -> HCM); configs/benchmarks/in_domain.py gives the reference.
# Run: python tools/leaderboard.py configs/benchmarks/cross_microscope.py
#      [--demo]
_base_ = './_base_/domain_transfer.py'
pairs = [
    ('H_100X_C1', 'L_100X_C1'), ('L_100X_C1', 'H_100X_C1'),
    ('H_100X_C2', 'L_100X_C2'), ('L_100X_C2', 'H_100X_C2'),
    ('H_40X_C1', 'L_40X_C1'), ('L_40X_C1', 'H_40X_C1'),
    ('H_40X_C2', 'L_40X_C2'), ('L_40X_C2', 'H_40X_C2'),
    ('H_10X_C1', 'L_10X_C1'), ('L_10X_C1', 'H_10X_C1'),
    ('H_10X_C2', 'L_10X_C2'), ('L_10X_C2', 'H_10X_C2'),
]
