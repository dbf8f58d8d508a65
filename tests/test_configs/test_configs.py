"""Every shipped config resolves, and its model and datasets build."""
import glob
import os.path as osp

import pytest
from mmdet.registry import MODELS
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                       recursive=True)
    if '_base_' not in p and '/benchmarks/' not in p)


def test_there_are_method_configs():
    assert {'configs/demo/faster_rcnn_full.py', 'configs/demo/dino_attr.py',
            'configs/lld/faster_rcnn_attr.py',
            'configs/lld/dino_attr.py'} <= set(CONFIGS)


@pytest.mark.parametrize('config', CONFIGS)
def test_config_resolves_and_model_builds(config):
    cfg = Config.fromfile(osp.join(REPO, config))
    assert cfg.default_scope == 'mmdet'
    assert cfg.custom_imports['imports'] == ['lld_mmdet']
    model = MODELS.build(cfg.model)  # no init_weights: nothing downloaded
    detector = getattr(model, 'student', model)  # semi wrapper
    head = getattr(detector, 'roi_head', None) or detector.bbox_head
    schema = cfg.train_dataloader.dataset.attribute_schema
    loss = getattr(getattr(head, 'attr_head', head), 'loss_attr', None)
    if loss is not None:  # the model predicts the dataset's attributes
        assert loss.layout.num_attributes == len(schema['attributes'])


@pytest.mark.parametrize('config', [c for c in CONFIGS if '/demo/' in c])
def test_demo_configs_read_the_shipped_demo_set(config):
    from mmdet.registry import DATASETS
    cfg = Config.fromfile(osp.join(REPO, config))
    for split in ('train', 'val', 'test'):
        ds_cfg = cfg[f'{split}_dataloader'].dataset
        ds_cfg.data_root = osp.join(REPO, ds_cfg.data_root)
        ds = DATASETS.build(ds_cfg)
        assert len(ds) > 0


@pytest.mark.parametrize('config', [c for c in CONFIGS if 'semi' in c or
                                    'self_train' in c or
                                    c.endswith('dino_sparse.py')])
def test_semi_configs_train_both_views_and_evaluate_the_teacher(config):
    cfg = Config.fromfile(osp.join(REPO, config))
    assert cfg.model.type == 'LLDSemiDetector'
    assert cfg.val_cfg.type == 'TeacherStudentValLoop'
    ema = [h for h in cfg.custom_hooks if h.type == 'LLDMeanTeacherHook']
    assert len(ema) == 1
    if ema[0].get('teacher_checkpoint'):  # a loaded, frozen teacher: the
        # student is the model the run makes
        assert ema[0].freeze_after_burn_in
        assert cfg.model.semi_train_cfg.burn_in == 0
        assert cfg.model.semi_test_cfg.predict_on == 'student'
        assert cfg.default_hooks.checkpoint.save_best.startswith('student/')
    else:
        assert cfg.model.semi_test_cfg.predict_on == 'teacher'
    branch = cfg.train_dataloader.dataset.pipeline[-1]
    assert branch.type == 'MultiBranch'
    student = [t['type'] for t in branch.student]
    # region ignore in the student view, after every geometric transform
    assert student[-2:] == ['SparseRegionIgnore', 'PackLLDInputs']
    assert 'SparseRegionIgnore' not in [t['type'] for t in branch.teacher]


@pytest.mark.parametrize(
    'config', [c for c in CONFIGS if '/demo/' in c and 'faster_rcnn' in c])
def test_demo_faster_rcnn_configs_keep_their_hooks_and_run_channels_last(
        config):
    cfg = Config.fromfile(osp.join(REPO, config))
    hooks = cfg.default_hooks
    assert hooks.channels_last.type == 'ChannelsLastHook'
    # checkpoint settings of the demo base (a second default_hooks in one
    # file would silently replace them)
    assert hooks.checkpoint.interval == 6
    assert hooks.checkpoint.max_keep_ckpts == 2
    assert hooks.logger.interval == 12


def test_round2_config_loads_what_the_first_round_writes():
    """The round-2 demo config's teacher is the last checkpoint that
    `tools/train.py` writes for the first-round config (default work dir)."""
    first = 'faster_rcnn_sparse_semi_fg_soft_cas'
    round1 = Config.fromfile(osp.join(REPO, 'configs', 'demo', first + '.py'))
    round2 = Config.fromfile(
        osp.join(REPO, 'configs', 'demo', first + '_round2.py'))
    assert round2.custom_hooks[0].teacher_checkpoint == (
        f'work_dirs/{first}/epoch_{round1.train_cfg.max_epochs}.pth')
    assert round2.model.semi_train_cfg.pseudo_weight == 1.0
    assert round2.model.detector == round1.model.detector


def test_ensemble_round2_config_loads_one_first_round_per_seed():
    """The ensemble round-2 config: one checkpoint per teacher, each the
    last one of the first-round config trained into the work dir its
    comment names, and otherwise the round-2 config."""
    first = 'faster_rcnn_sparse_semi_fg_soft_cas'
    round1 = Config.fromfile(osp.join(REPO, 'configs', 'demo', first + '.py'))
    round2 = Config.fromfile(
        osp.join(REPO, 'configs', 'demo', first + '_round2.py'))
    ensemble = Config.fromfile(
        osp.join(REPO, 'configs', 'demo', first + '_round2_ensemble.py'))
    files = ensemble.custom_hooks[0].teacher_checkpoint
    assert len(files) == ensemble.model.semi_train_cfg.num_teachers == 3
    assert files == [
        f'work_dirs/{first}_seed{seed}/epoch_{round1.train_cfg.max_epochs}'
        '.pth' for seed in range(3)]
    ensemble.model.semi_train_cfg.pop('num_teachers')
    assert ensemble.model == round2.model


def test_bccd_round2_ensemble_loads_two_first_round_students():
    """configs/bccd/faster_rcnn_sparse_self_train_round2_ensemble.py: the
    first-round self-training config trained into two work dirs, each
    run's student frozen as one teacher; otherwise the first round."""
    bccd = osp.join(REPO, 'configs', 'bccd')
    round1 = Config.fromfile(
        osp.join(bccd, 'faster_rcnn_sparse_self_train.py'))
    ensemble = Config.fromfile(
        osp.join(bccd, 'faster_rcnn_sparse_self_train_round2_ensemble.py'))
    hook = ensemble.custom_hooks[0]
    assert hook.freeze_after_burn_in
    assert hook.teacher_checkpoint_branch == 'student'
    assert len(hook.teacher_checkpoint) == (
        ensemble.model.semi_train_cfg.num_teachers) == 2
    epoch = round1.train_cfg.max_epochs
    assert hook.teacher_checkpoint == [
        f'work_dirs/bccd_faster_rcnn_sparse_self_train{run}/epoch_{epoch}.pth'
        for run in ('', '_run2')]
    ensemble.model.semi_train_cfg.pop('num_teachers')
    assert ensemble.model == round1.model
    assert ensemble.custom_hooks[1:] == round1.custom_hooks[1:]


@pytest.mark.parametrize('base', ['faster_rcnn_sparse', 'faster_rcnn_attr',
                                  'faster_rcnn_sparse_naive'])
def test_weight_averaging_controls_average_as_the_semi_teacher_does(base):
    """configs/demo/<base>_ema.py is <base>.py plus the flagship teacher's
    EMA (same momentum, buffers averaged, started after the same burn-in),
    with nothing else of the wrapper."""
    demo = osp.join(REPO, 'configs', 'demo')
    ema = Config.fromfile(osp.join(demo, f'{base}_ema.py'))
    plain = Config.fromfile(osp.join(demo, f'{base}.py'))
    semi = Config.fromfile(osp.join(demo, 'faster_rcnn_sparse_semi.py'))
    assert ema.model == plain.model
    assert ema.train_dataloader == plain.train_dataloader
    assert 'custom_hooks' not in plain
    [hook] = ema.custom_hooks
    [teacher_hook] = [h for h in semi.custom_hooks
                      if h.type == 'LLDMeanTeacherHook']
    assert hook.type == 'EMAHook'
    assert hook.momentum == teacher_hook.momentum
    assert hook.update_buffers
    # EMAHook averages from epoch index begin_epoch - 1 on; the semi
    # teacher from the first epoch after the burn-in
    assert semi.model.semi_train_cfg.by_epoch
    assert hook.begin_epoch - 1 == semi.model.semi_train_cfg.burn_in


@pytest.mark.parametrize('data,base,pipeline', [
    ('demo', 'faster_rcnn_sparse', 'sparse_train_pipeline'),
    ('demo', 'faster_rcnn_attr', 'train_pipeline'),
    ('demo', 'faster_rcnn_sparse_naive', 'sparse_train_pipeline'),
    ('bccd', 'faster_rcnn_sparse', 'train_pipeline'),
    ('bccd', 'faster_rcnn_full', 'train_pipeline'),
    ('bccd', 'faster_rcnn_sparse_naive', 'train_pipeline')])
def test_photometric_controls_add_the_semi_student_jitter(data, base,
                                                          pipeline):
    """configs/<data>/<base>_photo.py is <base>.py whose training pipeline
    has the semi student view's brightness / contrast jitter after the flip,
    and nothing else changed."""
    configs = osp.join(REPO, 'configs', data)
    photo = Config.fromfile(osp.join(configs, f'{base}_photo.py'))
    plain = Config.fromfile(osp.join(configs, f'{base}.py'))
    semi = Config.fromfile(osp.join(configs, 'faster_rcnn_sparse_semi.py'))
    assert photo.model == plain.model
    student = semi.train_dataloader.dataset.pipeline[-1].student
    jitter = [t for t in student if t.type in ('Brightness', 'Contrast')]
    assert len(jitter) == 2
    steps = photo.train_dataloader.dataset.pipeline
    assert plain.train_dataloader.dataset.pipeline == plain[pipeline]
    flip = [t.type for t in steps].index('RandomFlip')
    assert steps[flip + 1:flip + 3] == jitter
    assert steps[:flip + 1] + steps[flip + 3:] == plain[pipeline]
    photo.train_dataloader.dataset.pop('pipeline')
    plain.train_dataloader.dataset.pop('pipeline')
    assert photo.train_dataloader == plain.train_dataloader


@pytest.mark.parametrize('data', ['demo', 'bccd', 'lld'])
def test_semi_student_jitter_is_the_shared_photometric_aug(data):
    """Every dataset's semi student view uses the one `photometric_aug` of
    configs/_base_/datasets/lld_full.py, right after its flip."""
    shared = Config.fromfile(
        osp.join(REPO, 'configs', '_base_', 'datasets', 'lld_full.py'))
    assert [t.type for t in shared.photometric_aug] == [
        'Brightness', 'Contrast']
    semi = Config.fromfile(
        osp.join(REPO, 'configs', data, 'faster_rcnn_sparse_semi.py'))
    student = semi.train_dataloader.dataset.pipeline[-1].student
    flip = [t.type for t in student].index('RandomFlip')
    assert student[flip + 1:flip + 3] == shared.photometric_aug


@pytest.mark.parametrize('student_config,teacher_config,branch', [
    ('faster_rcnn_sparse_self_train', 'faster_rcnn_sparse', 'teacher'),
    ('faster_rcnn_sparse_self_train_round2', 'faster_rcnn_sparse_self_train',
     'student'),
    ('faster_rcnn_sparse_self_train_fg', 'faster_rcnn_sparse', 'teacher'),
    ('faster_rcnn_sparse_self_train_bg', 'faster_rcnn_sparse', 'teacher'),
    ('faster_rcnn_sparse_self_train_t095', 'faster_rcnn_sparse', 'teacher'),
    ('faster_rcnn_sparse_self_train_class_thr', 'faster_rcnn_sparse',
     'teacher'),
    ('faster_rcnn_sparse_self_train_flip', 'faster_rcnn_sparse', 'teacher'),
    ('faster_rcnn_sparse_self_train_flip4', 'faster_rcnn_sparse', 'teacher'),
    ('faster_rcnn_sparse_self_train_gt_iou03', 'faster_rcnn_sparse',
     'teacher'),
])
def test_bccd_self_training_loads_the_run_before(student_config,
                                                  teacher_config, branch):
    """A BCCD self-training config's frozen teacher is the last checkpoint of
    the config before it, in the work dir that benchmarks/bccd_sparse.py
    trains it into, read from the right branch, same detector."""
    teacher = Config.fromfile(
        osp.join(REPO, 'configs', 'bccd', f'{teacher_config}.py'))
    student = Config.fromfile(
        osp.join(REPO, 'configs', 'bccd', f'{student_config}.py'))
    hook = student.custom_hooks[0]
    assert hook.teacher_checkpoint == (
        f'work_dirs/bccd_{teacher_config}/'
        f'epoch_{teacher.train_cfg.max_epochs}.pth')
    assert hook.get('teacher_checkpoint_branch', 'teacher') == branch
    assert student.model.semi_train_cfg.pseudo_weight == 1.0
    detector = student.model.detector
    teacher_detector = teacher.model.get('detector', teacher.model)
    assert detector.pop('rpn_head').pop('type') == 'LLDRPNHead'
    teacher_detector.pop('rpn_head').pop('type')
    assert detector == teacher_detector


def test_demo_dino_self_training_loads_the_region_ignore_dino():
    """configs/demo/dino_sparse_self_train.py: the frozen teacher is the last
    checkpoint of configs/demo/dino_sparse_ignore.py in its default work
    dir, the student is the same DINO, trained from scratch with pseudo
    labels at weight 1.0 and the threshold of dino_sparse_thr04.py, and it
    is the model evaluated."""
    demo = osp.join(REPO, 'configs', 'demo')
    teacher = Config.fromfile(osp.join(demo, 'dino_sparse_ignore.py'))
    thr04 = Config.fromfile(osp.join(demo, 'dino_sparse_thr04.py'))
    student = Config.fromfile(osp.join(demo, 'dino_sparse_self_train.py'))
    hook = student.custom_hooks[0]
    assert hook.type == 'LLDMeanTeacherHook' and hook.freeze_after_burn_in
    assert hook.teacher_checkpoint == (
        f'work_dirs/dino_sparse_ignore/epoch_{teacher.train_cfg.max_epochs}'
        '.pth')
    assert hook.get('teacher_checkpoint_branch', 'teacher') == 'teacher'
    cfg = student.model.semi_train_cfg
    assert (cfg.burn_in, cfg.pseudo_weight, cfg.with_similarity) == (
        0, 1.0, False)
    assert cfg.score_thr == thr04.model.semi_train_cfg.score_thr == 0.4
    assert student.model.semi_test_cfg.predict_on == 'student'
    assert student.model.detector == teacher.model
    assert student.train_dataloader == thr04.train_dataloader


def test_class_aware_demo_config_draws_fields_with_labelled_cells():
    """configs/demo/faster_rcnn_sparse_semi_fg_soft_cas.py: mmdet's
    ClassAwareSampler builds on the sparse demo set and evens out the
    classes drawn."""
    from mmdet.registry import DATA_SAMPLERS, DATASETS
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/demo/faster_rcnn_sparse_semi_fg_soft_cas.py'))
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.data_root = osp.join(REPO, ds_cfg.data_root)
    ds = DATASETS.build(ds_cfg)
    sampler = DATA_SAMPLERS.build(cfg.train_dataloader.sampler,
                                  default_args=dict(dataset=ds, seed=0))
    drawn = list(sampler)
    assert len(drawn) == len(ds)
    labelled = [len(ds.get_cat_ids(i)) > 0 for i in range(len(ds))]
    assert not all(labelled)  # some sparse fields have no labelled cell
    assert all(labelled[i] for i in drawn)  # ... and are never drawn

    def fields_per_class(indices):
        counts = [0] * len(ds.metainfo['classes'])
        for i in indices:
            for c in set(ds.get_cat_ids(i)):
                counts[c] += 1
        return counts

    balanced, plain = fields_per_class(drawn), fields_per_class(range(len(ds)))
    # the rarest class is drawn more often than it occurs, relative to the
    # most common one
    assert min(balanced) / max(balanced) > min(plain) / max(plain)
