"""``semi_train_cfg`` of :class:`LLDSemiDetector`: presets, defaults and the
checks that need only the config (those that need the detector, such as a
per-class threshold list's length, are the detector's)."""
import copy
from typing import Dict, Optional

from .flip_fusion import normalize_flip_directions

#: Pseudo-label and similarity constants per preset (``semi_train_cfg``
#: ``preset``); keys given in ``semi_train_cfg`` override them.
#: ``faster_rcnn`` / ``dino``: the project's defaults (softmax scores of
#: Faster R-CNN are higher than DINO's sigmoid focal scores, hence the
#: thresholds). ``faster_rcnn_scratch``: Faster R-CNN trained from scratch
#: on a short schedule (the demo configs): its 15-way softmax rarely reaches
#: 0.9 (benchmarks/results/pseudo_labels_demo_region_ignore_24e_seed0_rerun.md:
#: 0.13 candidates per image at 0.9, 1.6 at 0.5 with precision 0.56), so
#: pseudo labels from 0.5 and a (0.3, 0.5] similarity band. ``sla_det``: the
#: constants of the paper's code
#: (lld_facts.md): score > 0.95, class-agnostic NMS IoU 0.2, max 300,
#: area > 10 px^2, dropped if it overlaps a GT box by more than 100 px^2,
#: weight 0.1; similarity on (0.6, 0.95], 4x4 RoIAlign of the stride-8 map,
#: pairs with IoU < 0.3, margin 0.05, weight 0.1.
_OURS = dict(
    score_thr=0.9,
    nms_iou_thr=0.5,
    max_per_img=100,
    min_size=4.0,
    min_area=0.0,
    region_iof_thr=0.5,
    gt_overlap_mode='iou',
    gt_overlap_thr=0.0,
    pseudo_weight=0.1,
    attr_score_thr=0.9,
    similarity=dict(score_range=(0.6, 0.9), margin=0.05, loss_weight=0.1,
                    pair_iou_thr=0.3, feat_stride=8, roi_size=4,
                    max_per_img=50, end=None))
# for detectors whose scores run lower (DINO, Faster R-CNN from scratch)
_LOW_SCORES = {
    **_OURS, 'score_thr': 0.5,
    'similarity': {
        **_OURS['similarity'], 'score_range': (0.3, 0.5)
    }
}
# The teacher's RPN keeps 100 proposals per image (not the 300 of the test
# config) when it pseudo-labels: a field holds a few dozen cells at most,
# and the RoI stage on 300 proposals was a third of the teacher's time
# (benchmarks/results/semi_overhead.md).
_TEACHER_RPN = dict(teacher_rpn_cfg=dict(nms_pre=300, max_per_img=100))
SEMI_PRESETS: Dict[str, dict] = dict(
    faster_rcnn={
        **_OURS,
        **_TEACHER_RPN
    },
    dino=_LOW_SCORES,
    faster_rcnn_scratch={
        **_LOW_SCORES,
        **_TEACHER_RPN
    },
    # the paper's code: where it differs from ours
    sla_det={
        **_OURS, 'score_thr': 0.95,
        'nms_iou_thr': 0.2,
        'max_per_img': 300,
        'min_size': 0.0,
        'min_area': 10.0,
        'gt_overlap_mode': 'area',
        'gt_overlap_thr': 100.0,
        'attr_score_thr': 0.95,
        'similarity': {
            **_OURS['similarity'], 'score_range': (0.6, 0.95),
            'max_per_img': 300
        }
    },
)

_SWITCHES = dict(preset='faster_rcnn', burn_in=0, by_epoch=True,
                 with_pseudo=True, with_similarity=False,
                 pseudo_attributes=False, teacher_rpn_cfg=None,
                 fg_score_thr=None, fg_pseudo_weight=None,
                 fg_soft_classes=False, fg_soft_temperature=1.0,
                 fg_soft_align=False, fg_soft_align_momentum=0.01,
                 fg_soft_group_key=None, fg_soft_groups=None,
                 fg_soft_group_shrink=0.5, bg_score_thr=None,
                 teacher_flip=False, num_teachers=1)


def _is_number(value) -> bool:
    """Whether ``value`` is an int or float (not a bool)."""
    return not isinstance(value, bool) and isinstance(value, (int, float))


def _is_unit_number(value) -> bool:
    """Whether ``value`` is a number (not a bool) in [0, 1]."""
    return _is_number(value) and 0 <= value <= 1


def _is_whole(value, low: int) -> bool:
    """Whether ``value`` is an int (not a bool) >= ``low``."""
    return (not isinstance(value, bool) and isinstance(value, int)
            and value >= low)


def _is_score_range(value) -> bool:
    """Whether ``value`` is a (lo, hi) pair with 0 <= lo < hi <= 1."""
    return (isinstance(value, (list, tuple)) and len(value) == 2
            and all(_is_unit_number(v) for v in value)
            and value[0] < value[1])


def _non_negative(value) -> bool:
    """Whether ``value`` is a number (not a bool) >= 0."""
    return _is_number(value) and value >= 0


def _open_unit_number(value) -> bool:
    """Whether ``value`` is a number (not a bool) in (0, 1]."""
    return _is_unit_number(value) and value > 0


_BOOL = (lambda v: isinstance(v, bool), 'True or False')
_NON_NEGATIVE = (_non_negative, 'a number >= 0')
#: What each plain key of ``semi_train_cfg`` (and of its ``similarity``)
#: must hold, checked by :func:`resolve_semi_train_cfg`; the keys that
#: depend on each other are checked there after these, those that depend on
#: the detector by :class:`LLDSemiDetector`.
_KEY_RULES = dict(
    burn_in=(lambda v: _is_whole(v, 0), 'a whole number >= 0'),
    by_epoch=_BOOL,
    with_pseudo=_BOOL,
    with_similarity=_BOOL,
    pseudo_attributes=_BOOL,
    nms_iou_thr=(lambda v: v is None or _open_unit_number(v),
                 'an IoU in (0, 1] or None (no NMS)'),
    max_per_img=(lambda v: _is_whole(v, 1), 'a whole number >= 1'),
    min_size=(_non_negative, 'a number >= 0 (px)'),
    min_area=(_non_negative, 'a number >= 0 (px^2)'),
    region_iof_thr=(_open_unit_number, 'a fraction in (0, 1]'),
    pseudo_weight=_NON_NEGATIVE,
    attr_score_thr=(_is_unit_number, 'a number in [0, 1]'))
_SIMILARITY_RULES = dict(
    score_range=(_is_score_range, 'a pair (lo, hi) with 0 <= lo < hi <= 1'),
    margin=_NON_NEGATIVE,
    loss_weight=_NON_NEGATIVE,
    pair_iou_thr=(_is_unit_number, 'an IoU in [0, 1]'),
    feat_stride=(lambda v: _is_number(v) and v > 0, 'a number > 0'),
    roi_size=(lambda v: _is_whole(v, 1), 'a whole number >= 1'),
    max_per_img=(lambda v: _is_whole(v, 0), 'a whole number >= 0'),
    end=(lambda v: v is None or _is_whole(v, 0),
         'a whole number >= 0 (epochs or iterations, as by_epoch) or None '
         '(all of training)'))


def _check_rules(cfg: dict, rules: dict, prefix: str) -> None:
    for key, (valid, what) in rules.items():
        if not valid(cfg[key]):
            raise ValueError(f'{prefix}{key} must be {what}, got '
                             f'{cfg[key]!r}')


def resolve_semi_train_cfg(cfg: Optional[dict]) -> dict:
    """``semi_train_cfg`` with its preset filled in and checked: unknown
    keys raise ``KeyError``, a value of the wrong type or range (or a key
    set without the switch it needs) raises ``ValueError``/``TypeError``
    naming the key."""
    cfg = dict(cfg or {})
    preset = cfg.get('preset', _SWITCHES['preset'])
    if preset not in SEMI_PRESETS:
        raise ValueError(f'semi_train_cfg.preset must be one of '
                         f'{sorted(SEMI_PRESETS)}, got {preset!r}')
    out = copy.deepcopy({**_SWITCHES, **SEMI_PRESETS[preset]})
    for key, value in cfg.items():
        if key not in out:
            raise KeyError(f'unknown semi_train_cfg key {key!r}; valid keys: '
                           f'{sorted(out)}')
        if key == 'similarity':
            unknown = set(value or {}) - set(out['similarity'])
            if unknown:
                raise KeyError(
                    f'unknown semi_train_cfg.similarity keys '
                    f'{sorted(unknown)}; valid: {sorted(out["similarity"])}')
            out['similarity'].update(value or {})
        else:
            out[key] = value
    _check_rules(out, _KEY_RULES, 'semi_train_cfg.')
    _check_rules(out['similarity'], _SIMILARITY_RULES,
                 'semi_train_cfg.similarity.')
    if out['gt_overlap_mode'] not in ('iou', 'area'):
        raise ValueError("semi_train_cfg.gt_overlap_mode must be 'iou' or "
                         f"'area', got {out['gt_overlap_mode']!r}")
    thr = out['gt_overlap_thr']
    iou_mode = out['gt_overlap_mode'] == 'iou'
    if not _is_number(thr) or not (0 <= thr < 1 if iou_mode else thr >= 0):
        raise ValueError(
            'semi_train_cfg.gt_overlap_thr must be ' +
            ('an IoU in [0, 1) with gt_overlap_mode=\'iou\'' if iou_mode
             else 'an area >= 0 (px^2) with gt_overlap_mode=\'area\'') +
            f' (a pseudo label overlapping a GT box by more is dropped), '
            f'got {thr!r}')
    normalize_flip_directions(out['teacher_flip'],
                              'semi_train_cfg.teacher_flip')
    num = out['num_teachers']
    if not _is_whole(num, 1):
        raise ValueError(f'semi_train_cfg.num_teachers must be a whole '
                         f'number >= 1 (the teachers of an ensemble, each '
                         f'loaded from a checkpoint), got {num!r}')
    _check_fg_pseudo_labels(out)
    _check_fg_soft_classes(out)
    _check_fg_soft_groups(out)
    bg_thr = out['bg_score_thr']
    if bg_thr is not None and not _open_unit_number(bg_thr):
        raise ValueError(f'semi_train_cfg.bg_score_thr must be a number in '
                         f'(0, 1] or None, got {bg_thr!r}')
    return out


def _check_fg_pseudo_labels(cfg: dict) -> None:
    thr = cfg['fg_score_thr']
    if thr is None:
        if cfg['fg_pseudo_weight'] is not None:
            raise ValueError(
                'semi_train_cfg.fg_pseudo_weight is set but fg_score_thr is '
                'None: there are no foreground pseudo labels to weigh; set '
                'fg_score_thr')
        return
    if not _open_unit_number(thr):
        raise ValueError(f'semi_train_cfg.fg_score_thr must be a number in '
                         f'(0, 1] or None, got {thr!r}')
    weight = cfg['fg_pseudo_weight']
    if weight is not None and not _non_negative(weight):
        raise ValueError(f'semi_train_cfg.fg_pseudo_weight must be a number '
                         f'>= 0 or None, got {weight!r}')


def _check_fg_soft_classes(cfg: dict) -> None:
    if not isinstance(cfg['fg_soft_classes'], bool):
        raise TypeError(f'semi_train_cfg.fg_soft_classes must be True or '
                        f'False, got {cfg["fg_soft_classes"]!r}')
    temperature = cfg['fg_soft_temperature']
    if not (_is_number(temperature) and temperature > 0):
        raise ValueError(f'semi_train_cfg.fg_soft_temperature must be a '
                         f'number > 0, got {temperature!r}')
    if cfg['fg_soft_classes'] and cfg['fg_score_thr'] is None:
        raise ValueError(
            'semi_train_cfg.fg_soft_classes=True gives foreground pseudo '
            'labels the teacher\'s class distribution, but fg_score_thr is '
            'None: there are none; set fg_score_thr')
    if not isinstance(cfg['fg_soft_align'], bool):
        raise TypeError(f'semi_train_cfg.fg_soft_align must be True or '
                        f'False, got {cfg["fg_soft_align"]!r}')
    if cfg['fg_soft_align'] and not cfg['fg_soft_classes']:
        raise ValueError(
            'semi_train_cfg.fg_soft_align=True aligns the soft class targets '
            'of foreground pseudo labels, but fg_soft_classes is False: '
            'there are none; set fg_soft_classes=True')
    momentum = cfg['fg_soft_align_momentum']
    if not _open_unit_number(momentum):
        raise ValueError(f'semi_train_cfg.fg_soft_align_momentum must be a '
                         f'number in (0, 1], got {momentum!r}')


def _check_fg_soft_groups(cfg: dict) -> None:
    key, groups = cfg['fg_soft_group_key'], cfg['fg_soft_groups']
    if key is None:
        if groups is not None:
            raise ValueError(
                'semi_train_cfg.fg_soft_groups is set but fg_soft_group_key '
                'is None: name the metainfo key whose values they are (e.g. '
                "fg_soft_group_key='diagnosis')")
        return
    if not isinstance(key, str):
        raise TypeError(f'semi_train_cfg.fg_soft_group_key must be a '
                        f'metainfo key (str) or None, got {key!r}')
    if not cfg['fg_soft_classes']:
        raise ValueError(
            f'semi_train_cfg.fg_soft_group_key={key!r} reweights the soft '
            'class targets of foreground pseudo labels, but fg_soft_classes '
            'is False: there are none; set fg_soft_classes=True')
    if (isinstance(groups, (str, bytes))
            or not isinstance(groups, (list, tuple)) or not groups
            or len(set(groups)) != len(groups)):
        raise ValueError(
            f'semi_train_cfg.fg_soft_groups must be a non-empty list of the '
            f'distinct values of {key!r} (e.g. the diagnoses), got '
            f'{groups!r}')
    shrink = cfg['fg_soft_group_shrink']
    if not (_is_unit_number(shrink) and shrink < 1):
        raise ValueError(f'semi_train_cfg.fg_soft_group_shrink must be a '
                         f'number in [0, 1), got {shrink!r}')


def in_burn_in(semi_train_cfg: dict, epoch: int, iteration: int) -> bool:
    """Whether training is still in the supervised burn-in: the first
    ``burn_in`` epochs (``by_epoch``) or iterations (0-based counters)."""
    progress = epoch if semi_train_cfg.get('by_epoch', True) else iteration
    return progress < semi_train_cfg.get('burn_in', 0)
