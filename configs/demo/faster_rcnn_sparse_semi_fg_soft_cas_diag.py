# configs/demo/faster_rcnn_sparse_semi_fg_soft_cas.py (class-aware sampling)
# with a diagnosis prior on the soft class targets: an unsure cell of an
# APML field leans towards the classes that the labelled cells of APML fields
# have (the diagnosis is in every LLD file name, e.g. 4_15_1000_APML.png).
# Only the teacher's targets use it; the detector never sees the diagnosis.
_base_ = './faster_rcnn_sparse_semi_fg_soft_cas.py'
model = dict(
    semi_train_cfg=dict(fg_soft_group_key='diagnosis',
                        fg_soft_groups=['ALL', 'AML', 'CML', 'CLL', 'APML']))
