"""Where the demo set's naive-to-full gap lies, and what pseudo labels from
a trained teacher add: demo Faster R-CNN with attributes, sparse labels.

    python benchmarks/semi_diagnostics.py [--seeds 0,1,2] [--rows a,b]
                                          [--no-train] [--out NAME.md]

Rows (test mAP50 / mAP on the fully annotated demo test split):

- ``region_ignore``: `configs/demo/faster_rcnn_sparse.py`, 24 epochs (the
  seeded runs of ``sparse_ignore.py --seeds``, reused when present).
- ``oracle_negatives``: the same, but trained on the hidden full labels
  with every cell outside the annotated region an ignore box (COCO
  ``iscrowd``) and no region: outside the region, the hidden cells are
  ignored and everything else is background. The upper bound of what
  background certified by a teacher could add to region ignore.
- ``oracle_negatives_ub3``: the same with the R-CNN sampler's negatives
  capped at 3 per positive RoI (``RandomSampler(neg_pos_ub=3)``: the ratio
  its ``pos_fraction`` 0.25 gives a fully labelled image, where the
  positives fill their quota). Measured on the seed-0 checkpoints
  (benchmarks/results/sparse_roi_share_oracle_background_seed0.md): 4.7
  negatives per positive with full labels, 3.4 with region ignore, 20.9
  with the oracle background, 3.1 with the cap.
- ``finetune_*``: 12 more epochs from the seed's ``region_ignore``
  checkpoint (``load_from``; SGD lr 0.005, x0.1 after epoch 8):
  ``finetune_ignore`` supervised only (the control for the extra epochs),
  ``finetune_semi_w01`` / ``finetune_semi_w1`` with `LLDSemiDetector`
  (`configs/demo/faster_rcnn_sparse_semi.py`: EMA teacher initialised
  from the checkpoint, no burn-in, ``faster_rcnn_scratch`` thresholds, no
  similarity loss) and ``pseudo_weight`` 0.1 / 1.0; and
  ``finetune_semi_w1_frozen``: weight 1.0 with the teacher frozen at the
  checkpoint (no EMA drift towards the student's own pseudo labels; the
  student is evaluated); ``finetune_semi_w1_frozen_fg``: the same plus
  foreground pseudo labels (``fg_score_thr`` 0.8, their weight 1.0 too).
  Otherwise the teacher is evaluated.
- ``oracle_teacher``: the ceiling of pseudo labelling with a near-perfect
  teacher: `configs/demo/faster_rcnn_sparse_semi_fg_soft_cas_round2.py`
  (class-aware sampling and soft class targets, the best 24-epoch demo row,
  with a frozen teacher loaded by ``LLDMeanTeacherHook(teacher_checkpoint=
  ...)``, ``burn_in=0``; the student trains from scratch for 24 epochs on
  the sparse labels plus the teacher's pseudo labels and is evaluated) with
  the seed's full-label model as the teacher (`configs/demo/
  faster_rcnn_attr.py`, 24 epochs, as trained by ``sparse_ignore.py``:
  work_dirs/demo_faster_rcnn_attr_seed<seed>) and pseudo weights 0.1 (the
  shipped default); ``oracle_teacher_w1``: the same at the config's 1.0.
- ``oracle_teacher_w1_bg``: ``oracle_teacher_w1`` with pseudo background
  (``semi_train_cfg.bg_score_thr=0.05``, the teacher's test score floor):
  outside the region only the teacher's detections stay ignored and
  everything else may become a negative, as with full labels;
  ``oracle_teacher_w1_bg_ub3``: the same with the R-CNN sampler capped at 3
  negatives per positive, as ``oracle_negatives_ub3``;
  ``oracle_teacher_w1_ub3``: the cap alone, no pseudo background.
- ``self_teacher`` / ``self_teacher_w1``: the same two rows with the
  teacher of the seed's finished class-aware sampling run instead
  (``sparse_ignore.py``'s row: work_dirs/
  demo_faster_rcnn_sparse_semi_fg_soft_cas_seed<seed>, trained on the
  sparse labels only): a second round of self-training, whose student
  starts from scratch again and learns from a teacher that no longer
  follows it (``self_teacher_w1`` is the round-2 config as shipped). The
  pseudo
  labels of the last 3 logged iterations (one per epoch) come from the
  training log (PseudoLabelStatsHook).
- ``self_teacher_w1_bg_ub3`` / ``self_teacher_w1_ub3``: ``self_teacher_w1``
  with the pseudo background and the negative cap / with the cap alone.
- ``round3_w1``: a third round: the same again with the student of the
  seed's ``self_teacher_w1`` run as the frozen teacher
  (``teacher_checkpoint_branch='student'``), pseudo weights 1.0.
- ``self_teacher_w1_flip``: ``self_teacher_w1`` with
  ``semi_train_cfg.teacher_flip=True`` (the teacher's detections fused
  with those of the mirror image).
- ``ensemble_teacher_w1``: ``self_teacher_w1`` with an ensemble teacher
  (`configs/demo/faster_rcnn_sparse_semi_fg_soft_cas_round2_ensemble.py`,
  ``num_teachers=3``): the frozen teachers of the class-aware sampling runs
  of seeds 0, 1 and 2, their detections fused, whatever the row's seed.

Each run is cached in work_dirs/semi_diagnostics/<row>_seed<seed> (rerun =
resume); ``--rows`` trains only those rows, ``--no-train`` only tabulates
finished runs ("-" for the others). Writes
benchmarks/results/semi_diagnostics.md (or ``--out``).
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics

from _common import (REPO, parse_names, parse_seeds, train_and_test,
                     write_results)

OUT = 'work_dirs/semi_diagnostics'
FINETUNE = """load_from = {load_from!r}
train_cfg = dict(max_epochs=12, val_interval=6)
optim_wrapper = dict(optimizer=dict(lr=0.005))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8],
         gamma=0.1)
]
"""
SEMI = ('model = dict(semi_train_cfg=dict(burn_in=0, with_similarity=False,'
        ' pseudo_weight={weight}{fg}){test})\n')
ROWS = {
    'region_ignore': 'region ignore, 24 epochs',
    'oracle_negatives': 'region ignore + oracle background outside the '
    'region (hidden cells ignored), 24 epochs',
    'oracle_negatives_ub3': 'the same, R-CNN negatives capped at 3 per '
    'positive (neg_pos_ub=3)',
    'finetune_ignore': '+ 12 epochs, supervised (region ignore)',
    'finetune_semi_w01': '+ 12 epochs, semi, pseudo_weight 0.1',
    'finetune_semi_w1': '+ 12 epochs, semi, pseudo_weight 1.0',
    'finetune_semi_w1_frozen': '+ 12 epochs, semi, pseudo_weight 1.0, '
    'frozen teacher (student evaluated)',
    'finetune_semi_w1_frozen_fg': '+ 12 epochs, semi, pseudo_weight 1.0, '
    'frozen teacher, + foreground pseudo labels (fg_score_thr 0.8, weight '
    '1.0; student evaluated)',
    'oracle_teacher': 'class-aware sampling + soft class targets (24 '
    'epochs from scratch), teacher = the frozen full-label model, weight '
    '0.1 (student evaluated)',
    'oracle_teacher_w1': 'the same, pseudo weights 1.0 (student evaluated)',
    'oracle_teacher_w1_bg': 'oracle_teacher_w1 + pseudo background '
    '(bg_score_thr 0.05: outside the region, negatives wherever the teacher '
    'sees nothing; student evaluated)',
    'oracle_teacher_w1_bg_ub3': 'the same, R-CNN negatives capped at 3 per '
    'positive (neg_pos_ub=3; student evaluated)',
    'oracle_teacher_w1_ub3': 'oracle_teacher_w1 with the R-CNN negatives '
    'capped at 3 per positive only (no pseudo background; student '
    'evaluated)',
    'self_teacher': 'class-aware sampling + soft class targets (24 epochs '
    'from scratch), teacher = the frozen teacher of the same row\'s '
    'finished run (sparse labels only), weight 0.1 (student evaluated)',
    'self_teacher_w1': 'the same, pseudo weights 1.0 (student evaluated)',
    'self_teacher_w1_bg_ub3': 'self_teacher_w1 + pseudo background '
    '(bg_score_thr 0.05), R-CNN negatives capped at 3 per positive '
    '(neg_pos_ub=3; student evaluated)',
    'self_teacher_w1_ub3': 'self_teacher_w1 with the R-CNN negatives '
    'capped at 3 per positive only (no pseudo background; student '
    'evaluated)',
    'round3_w1': 'third round: the same, teacher = the frozen student of '
    'the row above (student evaluated)',
    'self_teacher_w1_flip': 'second round (self_teacher_w1) with the '
    'teacher\'s detections fused with its mirror image\'s (teacher_flip; '
    'student evaluated)',
    'ensemble_teacher_w1': 'second round (self_teacher_w1) with an '
    'ensemble teacher: the teachers of the class-aware sampling runs of '
    'seeds 0, 1 and 2, fused (num_teachers=3; student evaluated)',
}
# the frozen teachers of the rows built on the round-2 config: (checkpoint,
# or a tuple of them for an ensemble; its branch; how to make it)
TEACHERS = dict(
    oracle_teacher=('work_dirs/demo_faster_rcnn_attr_seed{seed}/epoch_24.pth',
                    'teacher', 'benchmarks/sparse_ignore.py --seeds {seed}'),
    self_teacher=('work_dirs/demo_faster_rcnn_sparse_semi_fg_soft_cas_seed'
                  '{seed}/epoch_24.pth', 'teacher',
                  'benchmarks/sparse_ignore.py --seeds {seed}'),
    round3=(OUT + '/self_teacher_w1_seed{seed}/epoch_24.pth', 'student',
            'benchmarks/semi_diagnostics.py --seeds {seed} --rows '
            'self_teacher_w1'),
    ensemble_teacher=(tuple(
        f'work_dirs/demo_faster_rcnn_sparse_semi_fg_soft_cas_seed{s}/'
        'epoch_24.pth' for s in range(3)), 'teacher',
        'benchmarks/sparse_ignore.py --seeds 0,1,2'))
# the teacher stays the 24-epoch model: the EMA hook never fires again (the
# same as LLDMeanTeacherHook(freeze_after_burn_in=True) with burn_in=0; the
# recorded runs used this form)
FROZEN = """custom_hooks = [
    dict(type='LLDMeanTeacherHook', momentum=0.01, interval=10**9),
    dict(type='PseudoLabelStatsHook',
         full_ann_file='data/demo/annotations/train_full.json'),
]
default_hooks = dict(checkpoint=dict(save_best='student/lld/bbox_mAP_50'))
"""
# the oracle_teacher* and self_teacher* rows: the shipped round-2 config
# with the seed's teacher (and weight 0.1 for the rows without _w1)
TEACHER = """custom_hooks = [
    dict(type='LLDMeanTeacherHook', teacher_checkpoint={teacher!r},
         teacher_checkpoint_branch={branch!r}, freeze_after_burn_in=True),
    dict(type='PseudoLabelStatsHook',
         full_ann_file='data/demo/annotations/train_full.json'),
]
"""


def oracle_ann_file():
    """The hidden full labels of the sparse training split with the cells
    the sparse file does not label turned into ``iscrowd`` ignore boxes and
    the regions dropped; returns its path."""
    path = osp.join(REPO, OUT, 'train_oracle_negatives.json')
    if osp.isfile(path):
        return path
    ann_dir = osp.join(REPO, 'data', 'demo', 'annotations')
    with open(osp.join(ann_dir, 'train.json')) as f:
        sparse = json.load(f)
    with open(osp.join(ann_dir, 'train_full.json')) as f:
        full = json.load(f)
    sparse_ids = {im['file_name']: im['id'] for im in sparse['images']}
    labelled = {}
    for ann in sparse['annotations']:
        labelled.setdefault(ann['image_id'], set()).add(
            tuple(round(v, 1) for v in ann['bbox']))
    names = {im['id']: im['file_name'] for im in full['images']}
    for ann in full['annotations']:
        key = tuple(round(v, 1) for v in ann['bbox'])
        if key not in labelled.get(sparse_ids[names[ann['image_id']]], ()):
            ann['iscrowd'] = 1
    for im in full['images']:
        im.pop('annotated_region', None)
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(full, f)
    return path


def row_teacher(row):
    """The TEACHERS entry a row is built on, or None."""
    return TEACHERS.get(
        row.removesuffix('_ub3').removesuffix('_bg').removesuffix(
            '_flip').removesuffix('_w1'))


# the R-CNN sampler capped at 3 negatives per positive (a detector's or a
# semi wrapper's ``detector`` model override)
CAPPED_NEGATIVES = 'train_cfg=dict(rcnn=dict(sampler=dict(neg_pos_ub=3)))'


def teacher_files(teacher, seed):
    """The checkpoint path(s) of a TEACHERS entry for ``seed``, as a list
    relative to the repo."""
    files = teacher[0] if isinstance(teacher[0], tuple) else (teacher[0], )
    return [f.format(seed=seed) for f in files]


def row_config(row, seed):
    """(config path relative to the repo, work dir) of a row and seed."""
    if row == 'region_ignore':
        return ('configs/demo/faster_rcnn_sparse.py',
                f'work_dirs/demo_faster_rcnn_sparse_seed{seed}')
    work_dir = f'{OUT}/{row}_seed{seed}'
    teacher = row_teacher(row)
    base = 'faster_rcnn_sparse_semi_fg_soft_cas_round2' if teacher else \
        'faster_rcnn_sparse_semi' if 'semi' in row else 'faster_rcnn_sparse'
    lines = [f"_base_ = {osp.join(REPO, 'configs', 'demo', base + '.py')!r}",
             f'randomness = dict(seed={seed})']
    if teacher:
        files = [osp.join(REPO, f) for f in teacher_files(teacher, seed)]
        lines.append(TEACHER.format(
            teacher=files if len(files) > 1 else files[0], branch=teacher[1]))
        # one ``model =`` line: a second one would replace the first in
        # the config file before it is merged into the base
        semi, model = [], []
        if len(files) > 1:
            semi.append(f'num_teachers={len(files)}')
        if row.endswith('_flip'):
            semi.append('teacher_flip=True')
        elif '_w1' not in row:
            semi.append('pseudo_weight=0.1, fg_pseudo_weight=0.1')
        if '_bg' in row:
            semi.append('bg_score_thr=0.05')
        if semi:
            model.append(f"semi_train_cfg=dict({', '.join(semi)})")
        if row.endswith('_ub3'):
            model.append(f'detector=dict({CAPPED_NEGATIVES})')
        if model:
            lines.append(f"model = dict({', '.join(model)})")
    elif row.startswith('oracle_negatives'):
        lines.append('train_dataloader = dict(dataset=dict(ann_file='
                     f'{oracle_ann_file()!r}))')
        if row.endswith('_ub3'):
            lines.append(f'model = dict({CAPPED_NEGATIVES})')
    else:
        start = osp.join(REPO, f'work_dirs/demo_faster_rcnn_sparse_seed'
                         f'{seed}', 'epoch_24.pth')
        lines.append(FINETUNE.format(load_from=start))
    if row.startswith('finetune_semi'):
        lines.append(SEMI.format(
            weight=0.1 if row == 'finetune_semi_w01' else 1.0,
            fg=', fg_score_thr=0.8' if row.endswith('_fg') else '',
            test=", semi_test_cfg=dict(predict_on='student')"
            if 'frozen' in row else ''))
    if 'frozen' in row:
        lines.append(FROZEN)
    path = f'{OUT}/configs/{row}_seed{seed}.py'
    os.makedirs(osp.join(REPO, OUT, 'configs'), exist_ok=True)
    with open(osp.join(REPO, path), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path, work_dir


def last_pseudo_stats(work_dir, n=3):
    """Table cell: mean pseudo labels per image and precision over the
    last ``n`` logged iterations of a semi run (the demo logs once per
    epoch), and the same for the foreground pseudo labels if any; None
    when there are none."""
    files = glob.glob(osp.join(REPO, work_dir, '*', 'vis_data',
                               'scalars.json'))
    records = []
    for path in files:
        with open(path) as f:
            records += [json.loads(line) for line in f]

    def last(key):
        values = [r[key] for r in records if key in r][-n:]
        return statistics.mean(values) if values else float('nan')

    if not any('pseudo_per_img' in r for r in records):
        return None
    precision = last('pseudo_precision')  # nan: no class pseudo labels
    cell = f"{last('pseudo_per_img'):.2f}, " + (
        '-' if precision != precision else f'{precision:.2f}')
    if any('fg_pseudo_per_img' in r for r in records):
        cell += (f" (of which foreground {last('fg_pseudo_per_img'):.2f}, "
                 f"box precision {last('fg_pseudo_precision'):.2f})")
    return cell


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--seeds', default='0')
    parser.add_argument('--rows', default=','.join(ROWS),
                        help='rows to train (the others are tabulated when '
                        'finished)')
    parser.add_argument('--no-train', action='store_true')
    parser.add_argument('--out', default='semi_diagnostics.md',
                        help='results file name in benchmarks/results')
    args = parser.parse_args()
    seeds = parse_seeds(parser, args.seeds)
    train_rows = parse_names(parser, '--rows', args.rows, ROWS)
    results, pseudo = {}, {}
    for seed in seeds:
        for row in ROWS:
            config, work_dir = row_config(row, seed)
            done = osp.isfile(osp.join(REPO, work_dir, 'test_metrics.json'))
            if not done and (args.no_train or row not in train_rows):
                continue
            teacher = row_teacher(row)
            missing = [f for f in teacher_files(teacher, seed)
                       if not osp.isfile(osp.join(REPO, f))
                       ] if teacher and not done else []
            if missing:
                raise SystemExit(
                    f'--rows {row} --seeds {seed}: its teacher '
                    f'{", ".join(missing)} is missing; train it '
                    f'first with python {teacher[2].format(seed=seed)}')
            metrics, _ = train_and_test(config, work_dir,
                                        train_options=[
                                            f'randomness.seed={seed}'])
            results[row, seed] = (metrics['lld/bbox_mAP_50'],
                                  metrics['lld/bbox_mAP'])
            pseudo[row, seed] = last_pseudo_stats(work_dir)
            print(row, seed, results[row, seed], flush=True)

    lines = [
        '# Sparse demo set: where the gap lies, what pseudo labels add', '',
        f'Command: `python benchmarks/semi_diagnostics.py --seeds '
        f'{args.seeds} --rows {args.rows} --out {args.out}` (rows trained per seed: see the table; "-" = not '
        f'run). Demo Faster R-CNN with attributes, test split; '
        f'{os.cpu_count()} CPU cores. See the script docstring for each '
        'row.', '',
        '| row | ' + ' | '.join(f'seed {s} mAP50 (mAP)' for s in seeds) +
        ' | mean mAP50 | pseudo labels / image, precision (last 3 logged '
        'iterations) |',
        '|---|' + '---|' * (len(seeds) + 2)
    ]
    for row, label in ROWS.items():
        cells, values = [], []
        for seed in seeds:
            if (row, seed) in results:
                m50, m = results[row, seed]
                cells.append(f'{m50:.3f} ({m:.3f})')
                values.append(m50)
            else:
                cells.append('-')
        stats = [pseudo[row, s] for s in seeds
                 if pseudo.get((row, s)) is not None]
        mean = f'**{statistics.mean(values):.3f}**' if values else '-'
        lines.append(f'| {label} | ' + ' | '.join(cells) + f' | {mean} | ' +
                     ('; '.join(stats) if stats else '') + ' |')
    write_results(args.out, lines)


if __name__ == '__main__':
    main()
