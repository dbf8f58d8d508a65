"""Sparse annotation on the demo set: the same detector trained on (1)
the full hidden labels, (2) the sparse labels treating everything unlabelled
as background (naive), (3) the sparse labels with region ignore, (4) region
ignore + the teacher-student wrapper (pseudo labels + similarity loss) and
(5) the same without the similarity loss (and the variants and controls
added since; for DINO also self-training from the region-ignore row's
model as a frozen teacher, which this benchmark points at its own run of
that row); bbox mAP on the fully annotated
demo test split and the share of the naive-to-full gap each row closes,
(row - naive) / (full - naive). Also plots the pseudo-label precision /
recall of the semi run against the hidden labels.

    python benchmarks/sparse_ignore.py [--detectors faster_rcnn,dino]
    python benchmarks/sparse_ignore.py --seeds 0,1,2 [--skip ... | --only ...]
        [--no-train]
        [--train-options ... --tag _NAME] [--out NAME.md]

Each run is cached in its work dir (rerun = resume). Writes
benchmarks/results/sparse_ignore_{detectors}.md and
demo_pseudo_labels_{detector}.png; with
``--seeds`` (every row trained once per seed, ``randomness.seed``), the
per-seed values, their mean and standard deviation go to
benchmarks/results/sparse_ignore_seeds_{detectors}{tag}.md instead (or
``--out``). Rows added later are trained by the recorded commands of older
tables unless ``--skip`` names them. With ``--seeds``, ``--skip`` may also
name the full and naive rows (more seeds of one row when those are
recorded elsewhere); the table then has no gap shares. ``--only`` names
the rows to run instead (all others skipped).
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics

from _common import (HERE, REPO, check_out_name, frozen_teachers,
                     gap_closed, parse_names, parse_seeds, teacher_option,
                     train_and_test, write_results)

ROWS = {
    'faster_rcnn': [('full labels (upper bound)', 'faster_rcnn_attr'),
                    ('sparse, naive', 'faster_rcnn_sparse_naive'),
                    ('sparse, region ignore', 'faster_rcnn_sparse'),
                    ('sparse, region ignore + semi + similarity (flagship)',
                     'faster_rcnn_sparse_semi'),
                    ('sparse, region ignore + semi (no similarity)',
                     'faster_rcnn_sparse_semi_no_sim'),
                    ('sparse, region ignore + semi + similarity + '
                     'foreground pseudo labels', 'faster_rcnn_sparse_semi_fg'),
                    ('sparse, region ignore + semi + similarity + '
                     'foreground pseudo labels at weight 1',
                     'faster_rcnn_sparse_semi_fg_w1'),
                    ('sparse, region ignore + semi views + similarity, no '
                     'pseudo labels (ablation)',
                     'ablations/faster_rcnn_sparse_semi_no_pseudo'),
                    ('sparse, region ignore + semi + similarity, '
                     'foreground pseudo labels only (no class pseudo '
                     'labels)', 'faster_rcnn_sparse_semi_fg_only'),
                    ('sparse, region ignore + semi + similarity, '
                     'foreground pseudo labels only, with the teacher\'s '
                     'soft class targets', 'faster_rcnn_sparse_semi_fg_soft'),
                    ('sparse, region ignore + semi + similarity, '
                     'foreground pseudo labels only, soft class targets at '
                     'temperature 0.5', 'faster_rcnn_sparse_semi_fg_soft_t05'),
                    ('sparse, region ignore + semi + similarity, '
                     'foreground pseudo labels only, soft class targets, '
                     'foreground pseudo weight 0.3',
                     'faster_rcnn_sparse_semi_fg_soft_w03'),
                    ('sparse, region ignore + semi + similarity, '
                     'foreground pseudo labels only, soft class targets, '
                     'stronger student view (scale jitter, saturation)',
                     'faster_rcnn_sparse_semi_fg_soft_strong'),
                    ('sparse, region ignore + semi + similarity, '
                     'foreground pseudo labels only, soft class targets, '
                     'class-aware sampling',
                     'faster_rcnn_sparse_semi_fg_soft_cas'),
                    ('sparse, region ignore + semi + similarity, '
                     'foreground pseudo labels only, soft class targets '
                     'aligned to the labelled class frequencies',
                     'faster_rcnn_sparse_semi_fg_soft_align'),
                    ('sparse, region ignore + semi + similarity, '
                     'foreground pseudo labels only, soft class targets '
                     'aligned to the labelled class frequencies, '
                     'class-aware sampling',
                     'faster_rcnn_sparse_semi_fg_soft_cas_align'),
                    ('sparse, region ignore + semi + similarity, '
                     'foreground pseudo labels only, soft class targets '
                     'reweighted by the diagnosis prior, class-aware '
                     'sampling',
                     'faster_rcnn_sparse_semi_fg_soft_cas_diag'),
                    ('sparse, region ignore + semi + similarity, no '
                     'attribute branch (ablation; the full and naive rows '
                     'have the branch, so its gap share is not like for '
                     'like)',
                     'ablations/faster_rcnn_sparse_semi_no_attributes'),
                    ('full labels, no attribute branch (control)',
                     'ablations/faster_rcnn_attr_no_attributes'),
                    ('sparse, region ignore, no attribute branch (control)',
                     'ablations/faster_rcnn_sparse_no_attributes'),
                    ('sparse, region ignore + weight averaging (EMA, the '
                     'semi teacher\'s), no teacher-student wrapper (control)',
                     'faster_rcnn_sparse_ema'),
                    ('full labels + weight averaging (EMA; control)',
                     'faster_rcnn_attr_ema'),
                    ('sparse, naive + weight averaging (EMA; control)',
                     'faster_rcnn_sparse_naive_ema'),
                    ('sparse, region ignore + the semi student\'s '
                     'photometric jitter, no teacher-student wrapper '
                     '(control)', 'faster_rcnn_sparse_photo'),
                    ('full labels + photometric jitter (control)',
                     'faster_rcnn_attr_photo'),
                    ('sparse, naive + photometric jitter (control)',
                     'faster_rcnn_sparse_naive_photo')],
    'dino': [('full labels (upper bound)', 'dino_attr'),
             ('sparse, naive', 'dino_sparse_naive'),
             ('sparse, region ignore', 'dino_sparse_ignore'),
             ('sparse, region ignore + semi + similarity (flagship)',
              'dino_sparse'),
             ('sparse, region ignore + semi + similarity, score_thr 0.4',
              'dino_sparse_thr04'),
             ('sparse, region ignore + self-training (the region-ignore '
              'row\'s model as the frozen teacher, score 0.4, weight 1.0; '
              'student evaluated)', 'dino_sparse_self_train')],
}


def selected_rows(detector, skip):
    """The detector's rows not in ``skip``."""
    return [r for r in ROWS[detector] if r[1] not in skip]


def teacher_options(config, work_dir, work_dir_of):
    """``--cfg-options`` that point a row's frozen teacher(s) at this
    benchmark's run of the row that trains them: a config's
    ``work_dirs/<config>/<file>`` (the teacher row's tools/train.py default
    work dir, as its header says) becomes ``work_dir_of(<config>)/<file>``.
    Empty for a row without a frozen teacher or whose run in ``work_dir``
    is finished (read back, not retrained); an error when the teacher is
    no row of this benchmark or its run has not made the file."""
    if osp.isfile(osp.join(REPO, work_dir, 'test_metrics.json')):
        return []
    index, files = frozen_teachers(f'configs/demo/{config}.py')
    rows = {c for detector in ROWS.values() for _, c in detector}
    mapped = []
    for path in files:
        parts = path.split('/')
        if len(parts) != 3 or parts[0] != 'work_dirs' or parts[1] not in rows:
            raise SystemExit(f'row {config}: its teacher {path} is no run '
                             'of this benchmark (expected work_dirs/<row '
                             'config>/<checkpoint>)')
        mapped.append(f'{work_dir_of(parts[1])}/{parts[2]}')
        if not osp.isfile(osp.join(REPO, mapped[-1])):
            raise SystemExit(f'row {config}: its teacher {mapped[-1]} is '
                             f'missing; run the row {parts[1]} first (it is '
                             'trained before this one when both are run)')
    return [teacher_option(index, mapped)] if mapped else []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--detectors', default='faster_rcnn')
    parser.add_argument('--skip', default='',
                        help='comma-separated configs of rows to leave out '
                        '(the full and naive rows only with --seeds: the '
                        'table then has no gap shares)')
    parser.add_argument('--only', default='',
                        help='comma-separated configs of the rows to run, '
                        'all others left out (the opposite of --skip; '
                        'without the full and naive rows only with '
                        '--seeds)')
    parser.add_argument('--no-train', action='store_true',
                        help='with --seeds: tabulate the finished runs only '
                        '("-" for the others) instead of training them')
    parser.add_argument('--train-options', nargs='*', default=[],
                        help='with --seeds: extra tools/train.py '
                        '--cfg-options for every run (e.g. '
                        'optim_wrapper.clip_grad.max_norm=5)')
    parser.add_argument('--tag', default='',
                        help='with --seeds: suffix of the work dirs and the '
                        'results file, for runs with --train-options')
    parser.add_argument('--seeds', default='',
                        help='comma-separated seeds: every row is trained '
                        'once per seed (default: one unseeded run)')
    parser.add_argument('--out', default='',
                        help='with --seeds: results file name in '
                        'benchmarks/results (default: '
                        'sparse_ignore_seeds_{detectors}{tag}.md), e.g. to '
                        'keep a recorded table when running more seeds')
    args = parser.parse_args()
    parse_names(parser, '--detectors', args.detectors, ROWS)
    # a misspelt --skip would silently train a row (minutes per run)
    configs = [config for detector in args.detectors.split(',')
               for _, config in ROWS[detector]]
    skip = parse_names(parser, '--skip', args.skip, configs)
    if args.only:
        if args.skip:
            parser.error('--only and --skip: give one of them')
        only = parse_names(parser, '--only', args.only, configs)
        skip = set(configs) - only
    references = skip & {config for detector in args.detectors.split(',')
                         for _, config in ROWS[detector][:2]}
    if references and not args.seeds:
        option = '--only' if args.only else '--skip'
        parser.error(f'{option}: the full and naive rows {sorted(references)} '
                     'can be left out only with --seeds (the unseeded table '
                     'reports gap shares)')
    # results files are named after the detectors compared
    args.name = '_'.join(args.detectors.split(','))
    if not args.seeds and (args.no_train or args.train_options or args.tag
                           or args.out):
        parser.error('--no-train, --train-options, --tag and --out need '
                     '--seeds')
    check_out_name(parser, args.out)
    if args.seeds:
        args.seed_list = parse_seeds(parser, args.seeds)
        return seeded(args, skip)
    lines = ['# Sparse annotation on the demo set', '',
             f'Command: `python benchmarks/sparse_ignore.py --detectors '
             f'{args.detectors}'
             + (f' --skip {args.skip}' if args.skip else '')
             + (f' --only {args.only}' if args.only else '') +
             '`. Same schedule for every row '
             '(configs/demo/...); test split fully annotated (96 images); '
             f'one seed each; {os.cpu_count()} CPU cores.', '']
    for detector in args.detectors.split(','):
        lines += [f'## {detector}', '',
                  '| training labels | config | mAP | mAP50 | train min |',
                  '|---|---|---|---|---|']
        results = []
        rows = selected_rows(detector, skip)
        for name, config in rows:
            work_dir = f'work_dirs/demo_{config}'
            metrics, minutes = train_and_test(
                f'configs/demo/{config}.py', work_dir,
                train_options=teacher_options(
                    config, work_dir, lambda c: f'work_dirs/demo_{c}'))
            results.append(metrics)
            lines.append(f'| {name} | `configs/demo/{config}.py` | '
                         f'{metrics["lld/bbox_mAP"]} | '
                         f'{metrics["lld/bbox_mAP_50"]} | {minutes:.1f} |')
        full, naive = (r['lld/bbox_mAP_50'] for r in results[:2])
        lines += ['', 'Share of the naive-to-full mAP50 gap closed, '
                  '(row - naive) / (full - naive):', '']
        for (name, _), r in zip(rows[2:], results[2:]):
            value = r['lld/bbox_mAP_50']
            ratio = gap_closed(value, naive, full)
            lines.append(f'- {name}: ({value} - {naive}) / ({full} - '
                         f'{naive}) = **{ratio:.2f}**')
        lines += pseudo_curve_lines(detector, '', '')
        lines.append('')
    write_results(f'sparse_ignore_{args.name}.md', lines)


def seeded(args, skip):
    """Every row once per seed; mean and standard deviation of mAP50 and
    the gap closed by the means."""
    seeds = args.seed_list
    lines = ['# Sparse annotation on the demo set, several seeds', '',
             f'Command: `python benchmarks/sparse_ignore.py --detectors '
             f'{args.detectors} --seeds {args.seeds}'
             + (f' --skip {args.skip}' if args.skip else '')
             + (f' --only {args.only}' if args.only else '')
             + (f' --train-options {" ".join(args.train_options)}'
                if args.train_options else '')
             + (f' --tag {args.tag}' if args.tag else '')
             + (f' --out {args.out}' if args.out else '') +
             f'`. Same configs as sparse_ignore_{args.name}.md, '
             + ('with the `--train-options` above, ' if args.train_options
                else 'same schedule, ')
             + 'each row trained once per seed (`randomness.seed`); test '
             f'mAP50 on the fully annotated demo test split; '
             f'{os.cpu_count()} CPU cores.', '']
    missing = False
    for detector in args.detectors.split(','):
        rows = selected_rows(detector, skip)
        lines += [f'## {detector}', '', '| training labels | ' + ' | '.join(
            f'seed {s}' for s in seeds) + ' | mean | sd |',
            '|---|' + '---|' * (len(seeds) + 2)]
        results = {config: [] for _, config in rows}
        for seed in seeds:  # a whole replicate per seed first
            for name, config in rows:
                work_dir = f'work_dirs/demo_{config}_seed{seed}{args.tag}'
                if args.no_train and not osp.isfile(
                        osp.join(REPO, work_dir, 'test_metrics.json')):
                    results[config].append(None)  # not run yet
                    missing = True
                    continue
                teacher = teacher_options(
                    config, work_dir,
                    lambda c: f'work_dirs/demo_{c}_seed{seed}{args.tag}')
                metrics, _ = train_and_test(
                    f'configs/demo/{config}.py', work_dir,
                    train_options=[f'randomness.seed={seed}',
                                   *args.train_options, *teacher])
                results[config].append(metrics['lld/bbox_mAP_50'])
                print(detector, name, seed, results[config][-1], flush=True)
        means = []
        for name, config in rows:
            values = [v for v in results[config] if v is not None]
            mean = statistics.mean(values) if values else float('nan')
            # one value has no spread: '-', not a misleading 0.000
            sd = (f'{statistics.stdev(values):.3f}' if len(values) > 1
                  else '-')
            means.append(mean)
            lines.append(f'| {name} | ' + ' | '.join(
                '-' if v is None else f'{v:.3f}' for v in results[config])
                + f' | **{mean:.3f}** | {sd} |')
        by_config = {config: mean for (_, config), mean in zip(rows, means)}
        full_cfg, naive_cfg = (config for _, config in ROWS[detector][:2])
        if set(by_config) == {full_cfg, naive_cfg}:
            lines += ['', 'No gap shares: only the full and naive rows were '
                      'run (the references of rows recorded elsewhere).']
        elif full_cfg in by_config and naive_cfg in by_config:
            full, naive = by_config[full_cfg], by_config[naive_cfg]
            lines += ['', 'Share of the naive-to-full gap closed by the '
                      'mean mAP50s, (row - naive) / (full - naive):', '']
            for (name, _), mean in zip(rows[2:], means[2:]):
                lines.append(
                    f'- {name}: **{gap_closed(mean, naive, full):.2f}**')
        else:
            lines += ['', 'No gap shares: the full and naive rows were left '
                      'out of this table (`'
                      + ('--only' if args.only else '--skip') + '`).']
        lines += pseudo_curve_lines(detector, f'_seed{seeds[0]}', args.tag)
        lines.append('')
    if missing:
        lines[2] += (' Partial: "-" = not run yet (the table came from '
                     '`--no-train`; the same command without it trains the '
                     'rest).')
    write_results(args.out or f'sparse_ignore_seeds_{args.name}{args.tag}.md',
                  lines)


def pseudo_curve_lines(detector, seed, tag):
    """README lines with the pseudo-label curves of the detector's flagship
    run (work dir suffix ``seed`` + ``tag``), if it ran."""
    png = plot_pseudo_curves(
        f'work_dirs/demo_{ROWS[detector][3][1]}{seed}{tag}',
        f'demo_pseudo_labels_{detector}{seed}{tag}.png')
    if not png:
        return []
    return ['', f'Pseudo labels of the flagship run{seed.replace("_", " ")} '
            'against the hidden labels (PseudoLabelStatsHook, running mean '
            f'of 8 logged iterations): ![]({png})']


def smooth(xs, ys, n=8):
    """Running mean over ``n`` logged values: with a few pseudo labels per
    iteration the raw precision jumps between 0 and 1."""
    return xs, [statistics.mean(ys[max(0, i - n + 1):i + 1])
                for i in range(len(ys))]


def plot_pseudo_curves(work_dir, name):
    """Plot pseudo-label precision / recall / count per logged iteration of
    a semi run (its vis_data/scalars.json); returns the PNG's name."""
    files = [
        p for p in sorted(glob.glob(osp.join(REPO, work_dir, '*', 'vis_data',
                                             'scalars.json')),
                          key=osp.getmtime)
        if 'pseudo_per_img' in open(p).read()  # the training run's
    ]
    if not files:
        return None
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    series = {k: ([], []) for k in ('pseudo_precision', 'pseudo_recall',
                                    'pseudo_per_img')}
    with open(files[-1]) as f:
        for line in f:
            rec = json.loads(line)
            for key, (xs, ys) in series.items():
                if key in rec and 'step' in rec:
                    xs.append(rec['step'])
                    ys.append(rec[key])
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for key in ('pseudo_precision', 'pseudo_recall'):
        ax.plot(*smooth(*series[key]), label=key.replace('pseudo_', ''))
    ax.set_xlabel('iteration (running mean of 8 logged values)')
    ax.set_ylim(0, 1)
    ax.legend(loc='upper left')
    twin = ax.twinx()
    twin.plot(*smooth(*series['pseudo_per_img']), color='grey', alpha=0.5,
              label='pseudo labels / image')
    twin.set_ylabel('pseudo labels / image')
    twin.legend(loc='upper right')
    ax.set_title(f'{osp.basename(work_dir)}: pseudo labels vs hidden cells',
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(osp.join(HERE, 'results', name), dpi=100)
    plt.close(fig)
    return name


if __name__ == '__main__':
    main()
