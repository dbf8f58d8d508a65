"""``semi_train_cfg``: presets, defaults and the checks that need only the
config (those that need the detector are in test_lld_semi.py)."""
import pytest

from lld_mmdet.models.utils import SEMI_PRESETS, resolve_semi_train_cfg

@pytest.mark.parametrize('cfg,match', [
    (dict(gt_overlap_thr=-0.1), r'IoU in \[0, 1\).*got -0.1'),
    (dict(gt_overlap_thr=1.0), r'IoU in \[0, 1\).*got 1.0'),
    (dict(gt_overlap_thr='0.3'), r"IoU in \[0, 1\).*got '0.3'"),
    (dict(gt_overlap_thr=True), 'got True'),
    (dict(preset='sla_det', gt_overlap_thr=-1), r'area >= 0.*got -1'),
])
def test_gt_overlap_thr_errors(cfg, match):
    # a negative value would silently drop every pseudo label on an image
    # with GT, an IoU of 1 or more would let duplicates of GT cells through
    with pytest.raises(ValueError, match='semi_train_cfg.gt_overlap_thr'):
        resolve_semi_train_cfg(cfg)
    with pytest.raises(ValueError, match=match):
        resolve_semi_train_cfg(cfg)
    # large areas are fine in area mode
    assert resolve_semi_train_cfg(dict(
        preset='sla_det', gt_overlap_thr=400))['gt_overlap_thr'] == 400


@pytest.mark.parametrize('value', [0, 1.5, True, '2'])
def test_num_teachers_errors(value):
    with pytest.raises(ValueError, match='semi_train_cfg.num_teachers must '
                       'be a whole number >= 1'):
        resolve_semi_train_cfg(dict(num_teachers=value))


def test_semi_train_cfg_presets_and_typos():
    cfg = resolve_semi_train_cfg(dict(preset='sla_det', burn_in=3))
    assert cfg['score_thr'] == 0.95 and cfg['nms_iou_thr'] == 0.2
    assert cfg['gt_overlap_mode'] == 'area' and cfg['gt_overlap_thr'] == 100
    assert cfg['similarity']['score_range'] == (0.6, 0.95)
    assert cfg['similarity']['margin'] == 0.05 and cfg['burn_in'] == 3
    assert resolve_semi_train_cfg(dict(preset='dino'))['score_thr'] < \
        SEMI_PRESETS['faster_rcnn']['score_thr']
    # the demo's from-scratch Faster R-CNN shares DINO's lower thresholds;
    # overriding one preset's key leaves the shared constants alone
    scratch = resolve_semi_train_cfg(
        dict(preset='faster_rcnn_scratch',
             similarity=dict(score_range=(0.2, 0.5))))
    assert scratch['score_thr'] == 0.5
    assert scratch['similarity']['score_range'] == (0.2, 0.5)
    assert SEMI_PRESETS['dino']['similarity']['score_range'] == (0.3, 0.5)
    with pytest.raises(KeyError, match='score_thrs'):
        resolve_semi_train_cfg(dict(score_thrs=0.5))
    with pytest.raises(KeyError, match='margins'):
        resolve_semi_train_cfg(dict(similarity=dict(margins=0.1)))
    with pytest.raises(ValueError, match='preset'):
        resolve_semi_train_cfg(dict(preset='soft_teacher'))


@pytest.mark.parametrize('cfg, match', [
    (dict(pseudo_weight=-0.1), r'pseudo_weight must be a number >= 0, '
     r'got -0.1'),
    (dict(pseudo_weight='0.1'), r"pseudo_weight must be .* got '0.1'"),
    (dict(with_pseudo='False'), r"with_pseudo must be True or False, "
     r"got 'False'"),
    (dict(burn_in=1.5), r'burn_in must be a whole number >= 0'),
    (dict(max_per_img=0), r'max_per_img must be a whole number >= 1'),
    (dict(nms_iou_thr=0), r'nms_iou_thr must be an IoU in \(0, 1\]'),
    (dict(region_iof_thr=1.5), r'region_iof_thr must be a fraction'),
    (dict(min_size=-1), r'min_size must be a number >= 0'),
    (dict(attr_score_thr=True), r'attr_score_thr must be .* got True'),
    (dict(similarity=dict(score_range=(0.95, 0.6))),
     r'similarity.score_range must be a pair \(lo, hi\) with 0 <= lo < '
     r'hi <= 1, got \(0.95, 0.6\)'),
    (dict(similarity=dict(score_range=0.6)), r'similarity.score_range'),
    (dict(similarity=dict(margin=-0.05)), r'similarity.margin must be'),
    (dict(similarity=dict(roi_size=0)), r'similarity.roi_size must be'),
    (dict(similarity=dict(end=8.5)), r'similarity.end must be a whole '
     r'number >= 0 .* or None'),
])
def test_semi_train_cfg_rejects_bad_values(cfg, match):
    """A value of the wrong type or range fails when the config is read,
    naming the key, instead of training on it (a negative pseudo weight
    would reward the student for missing pseudo labels; the string
    'False' is a true switch)."""
    with pytest.raises(ValueError, match='semi_train_cfg.' + match):
        resolve_semi_train_cfg(cfg)


def test_semi_train_cfg_accepts_edge_values():
    cfg = resolve_semi_train_cfg(
        dict(pseudo_weight=0, nms_iou_thr=None, burn_in=0, min_area=0,
             similarity=dict(score_range=[0.0, 1.0], end=0, max_per_img=0)))
    assert cfg['pseudo_weight'] == 0 and cfg['nms_iou_thr'] is None
    assert cfg['similarity']['score_range'] == [0.0, 1.0]
    for preset in SEMI_PRESETS:  # every preset passes its own rules
        resolve_semi_train_cfg(dict(preset=preset))



GROUPS = dict(fg_score_thr=0.8, fg_soft_classes=True,
              fg_soft_group_key='diagnosis', fg_soft_groups=['ALL', 'AML'])


@pytest.mark.parametrize('cfg, error, match', [
    # foreground pseudo labels (True is no threshold, not 1)
    (dict(fg_score_thr=1.5), ValueError, r'fg_score_thr must be .*\(0, 1\]'),
    (dict(fg_score_thr=0), ValueError, r'fg_score_thr must be .*\(0, 1\]'),
    (dict(fg_score_thr=True), ValueError, r'fg_score_thr must be .*got True'),
    (dict(fg_pseudo_weight=1.0), ValueError, 'fg_pseudo_weight is set but'),
    (dict(fg_score_thr=0.8, fg_pseudo_weight=-1), ValueError,
     'fg_pseudo_weight must be'),
    # their soft class targets and distribution alignment
    (dict(fg_soft_classes=True), ValueError,
     'fg_soft_classes=True.*set fg_score_thr'),
    (dict(fg_score_thr=0.8, fg_soft_classes=True, fg_soft_temperature=0),
     ValueError, 'fg_soft_temperature must be'),
    (dict(fg_score_thr=0.8, fg_soft_classes=True, fg_soft_temperature=True),
     ValueError, 'fg_soft_temperature must be'),
    (dict(fg_score_thr=0.8, fg_soft_classes='yes'), TypeError,
     "fg_soft_classes must be.*'yes'"),
    (dict(fg_score_thr=0.8, fg_soft_align=True), ValueError,
     'fg_soft_align=True.*set fg_soft_classes=True'),
    (dict(fg_score_thr=0.8, fg_soft_classes=True, fg_soft_align='on'),
     TypeError, "fg_soft_align must be.*'on'"),
    (dict(fg_score_thr=0.8, fg_soft_classes=True, fg_soft_align=True,
          fg_soft_align_momentum=0), ValueError,
     r'fg_soft_align_momentum must be.*\(0, 1\], got 0'),
    # the diagnosis prior
    (dict(fg_soft_groups=['ALL']), ValueError, 'fg_soft_groups is set but'),
    ({**GROUPS, 'fg_soft_group_key': 3}, TypeError,
     'fg_soft_group_key must be a'),
    ({**GROUPS, 'fg_soft_classes': False}, ValueError,
     "fg_soft_group_key='diagnosis' .*fg_soft_classes is False"),
    ({**GROUPS, 'fg_soft_groups': None}, ValueError,
     'fg_soft_groups must be a'),
    ({**GROUPS, 'fg_soft_groups': []}, ValueError, 'fg_soft_groups must be a'),
    ({**GROUPS, 'fg_soft_groups': 'ALL'}, ValueError,
     'fg_soft_groups must be a'),
    ({**GROUPS, 'fg_soft_groups': ['ALL', 'ALL']}, ValueError,
     'fg_soft_groups must be a'),
    ({**GROUPS, 'fg_soft_group_shrink': 1}, ValueError,
     r'fg_soft_group_shrink .*\[0, 1\)'),
    # pseudo background
    *[(dict(bg_score_thr=bad), ValueError, r'bg_score_thr must be .*\(0, 1\]')
      for bad in (0, 1.5, True, '0.1')],
])
def test_semi_train_cfg_rejects_keys_that_need_another(cfg, error, match):
    """The optional pseudo-label keys: a bad value, or a key set without the
    switch it needs (a weight for foreground pseudo labels that are off),
    fails naming the key."""
    with pytest.raises(error, match='semi_train_cfg.' + match):
        resolve_semi_train_cfg(cfg)


def test_semi_train_cfg_accepts_the_optional_keys_together():
    cfg = resolve_semi_train_cfg(dict(
        **GROUPS, fg_pseudo_weight=0, fg_soft_align=True,
        fg_soft_align_momentum=1, fg_soft_group_shrink=0, bg_score_thr=1))
    assert cfg['fg_soft_groups'] == ['ALL', 'AML']
    assert cfg['fg_pseudo_weight'] == 0 and cfg['bg_score_thr'] == 1
