"""Benchmark suites (pure-data configs) -> runs -> leaderboard tables.

A *suite* (``configs/benchmarks/*.py``) lists ``methods`` (configs under
``configs/``) and ``pairs`` of (train domain, test domain); the suite is
their product, one *entry* per (method, pair). A domain is an LLD subset
name (``H_100X_C1``) whose filters live in
``configs/_base_/datasets/domains/<name>.py``, or a pattern with ``*``
fields (``*_100X_*``: every 100x subset), the union of the files it
matches. ``tools/leaderboard.py`` runs each entry in its own subprocesses
(``tools/train.py`` then ``tools/test.py``) and writes one ``result.json``
per entry; the tables are always built from those files, so finished
entries are skipped on a rerun, failed ones are retried, and results made
elsewhere can be collected.
"""
import csv
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time
from fnmatch import fnmatch
from typing import Callable, Dict, List, Optional

from mmengine.config import Config

from ..datasets.domains import all_subsets

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs')
DOMAINS = osp.join(CONFIGS, '_base_', 'datasets', 'domains')
RESULT = 'result.json'
#: what ``PseudoLabelStatsHook`` logs during training and a leaderboard
#: summarises per entry (``pseudo_labels`` of its result)
PSEUDO_KEYS = ('pseudo_per_img', 'pseudo_precision', 'pseudo_recall',
               'fg_pseudo_per_img', 'fg_pseudo_precision', 'box_recall')


# ------------------------------------------------------------------ suites
def domain_filter(spec: str) -> dict:
    """LLDDataset filter kwargs of a domain spec.

    Args:
        spec (str): A subset name (``'L_40X_C2'``) or a pattern with ``*``
            fields (``'H_*_C1'``).

    Returns:
        dict: ``microscopes``, ``magnifications``, ``cameras`` lists (None
        for a field the pattern leaves free), read from the domain files.
    """
    names = [s for s in all_subsets() if fnmatch(s.upper(), spec.upper())]
    if not names or spec.count('_') != 2:
        raise ValueError(
            f'domain {spec!r} matches no LLD subset (use e.g. H_100X_C1 or '
            f'H_*_C1; subsets: {all_subsets()})')
    merged = dict(microscopes=[], magnifications=[], cameras=[])
    for name in names:
        cfg = Config.fromfile(osp.join(DOMAINS, f'{name}.py'))
        for key, values in cfg.domain_filter.items():
            merged[key] += [v for v in values if v not in merged[key]]
    free = [part == '*' for part in spec.split('_')]
    for key, is_free in zip(('microscopes', 'magnifications', 'cameras'),
                            free):
        if is_free:
            merged[key] = None
    return merged


def _method(entry, demo: bool, suite_file: str) -> Optional[tuple]:
    """(name, config path relative to configs/) of a suite method entry;
    None when the method sits out the demo (``demo=False``)."""
    if isinstance(entry, str):
        entry = dict(config=entry)
    config = entry.get('config')
    if demo and entry.get('demo', True) is False:
        return None
    if demo:
        config = entry.get('demo') or (
            'demo/' + config[len('lld/'):] if config.startswith('lld/') else
            None)
        if config is None:
            raise ValueError(f'{suite_file}: method {entry} has no demo '
                             "counterpart; give it a 'demo' config")
    if not osp.isfile(osp.join(CONFIGS, config)):  # absolute paths pass
        raise FileNotFoundError(f'{suite_file}: method config '
                                f'{osp.join(CONFIGS, config)} does not exist')
    name = entry.get('name') or osp.splitext(osp.basename(config))[0]
    return name, config


def expand_suite(suite_file: str, demo: bool = False) -> List[dict]:
    """The entries of a suite.

    A method is a config path under ``configs/`` or ``dict(config=...,
    name=..., demo=...)``; under ``demo`` it is replaced by ``demo`` (default:
    ``lld/X.py`` -> ``demo/X.py``), and ``demo=False`` leaves it out.

    Returns:
        list[dict]: ``name`` (unique, file-system safe), ``method``,
        ``config`` (relative to configs/), ``train``/``test`` (domain
        specs), ``train_filter``/``test_filter`` (LLDDataset kwargs) and
        ``overrides`` (top-level config keys replacing the method's, e.g.
        ``train_cfg`` and ``param_scheduler``: the suite's ``schedule``, with
        ``demo_schedule`` on top under ``demo``).
    """
    suite = Config.fromfile(suite_file)
    for key in ('methods', 'pairs'):
        if not suite.get(key):
            raise ValueError(f'{suite_file}: a suite needs a non-empty '
                             f'{key!r} list')
    schedule = dict(suite.get('schedule') or {})
    if demo:
        schedule.update(suite.get('demo_schedule') or {})
    entries, seen = [], set()
    for method in suite.methods:
        resolved = _method(method, demo, suite_file)
        if resolved is None:
            continue
        name, config = resolved
        for pair in suite.pairs:
            if len(pair) != 2:
                raise ValueError(f'{suite_file}: pair {pair} is not '
                                 '(train domain, test domain)')
            train, test = pair
            entry_name = f'{name}__{train}__{test}'.replace('*', 'all')
            if entry_name in seen:
                raise ValueError(f'{suite_file}: entry {entry_name} twice')
            seen.add(entry_name)
            entries.append(
                dict(name=entry_name, method=name, config=config, train=train,
                     test=test, train_filter=domain_filter(train),
                     test_filter=domain_filter(test), overrides=schedule))
    return entries


def write_entry_config(entry: dict, entry_dir: str) -> str:
    """The entry's config: its method config with the domain filters and
    the schedule overrides (dicts merge into the method's, lists such as
    ``param_scheduler`` replace them); saved in ``entry_dir`` for
    reproducibility."""
    os.makedirs(entry_dir, exist_ok=True)
    lines = [
        '# generated by tools/leaderboard.py',
        f'_base_ = {osp.join(CONFIGS, entry["config"])!r}',
        f'train_dataloader = dict(dataset={entry["train_filter"]!r})',
        f'val_dataloader = dict(dataset={entry["test_filter"]!r})',
        f'test_dataloader = dict(dataset={entry["test_filter"]!r})',
        'test_evaluator = dict(classwise=True)',
    ]
    for key, value in entry['overrides'].items():
        lines.append(f'{key} = {value!r}')
    path = osp.join(entry_dir, 'entry_config.py')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path


# ----------------------------------------------------------------- running
def _run(cmd: List[str], log_path: str) -> None:
    with open(log_path, 'w') as log:
        proc = subprocess.run(cmd, cwd=REPO, stdout=log,
                              stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        with open(log_path) as f:
            tail = f.read()[-2000:]
        raise RuntimeError(f'{" ".join(cmd[1:3])} failed (exit '
                           f'{proc.returncode}), see {log_path}:\n{tail}')


def find_checkpoint(directory: str, name: str) -> str:
    """A checkpoint for entry ``name`` in ``directory``: ``<name>.pth``, or
    ``<name>/last_checkpoint``'s target, or the newest ``<name>/*.pth``."""
    direct = osp.join(directory, f'{name}.pth')
    if osp.isfile(direct):
        return direct
    pointer = osp.join(directory, name, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            target = f.read().strip()
        if osp.isfile(target):
            return target
    ckpts = glob.glob(osp.join(directory, name, '*.pth'))
    if not ckpts:
        raise FileNotFoundError(f'no checkpoint for entry {name} in '
                                f'{directory} (<name>.pth or <name>/*.pth)')
    return max(ckpts, key=osp.getmtime)


def read_test_metrics(test_dir: str) -> dict:
    """The metrics JSON that tools/test.py wrote under ``test_dir``."""
    files = glob.glob(osp.join(test_dir, '*', '*.json'))
    if not files:
        raise FileNotFoundError(f'no test metrics under {test_dir}')
    with open(max(files, key=osp.getmtime)) as f:
        return json.load(f)


def summarise_metrics(raw: dict, batch_size: int = 1) -> dict:
    """Leaderboard metrics from tools/test.py's flat keys (``lld/...``).

    Returns:
        dict: ``mAP``, ``mAP50``, ``mAP75``, ``per_class_AP`` ({class: AP}),
        ``attr_mean_f1`` and ``attr_f1`` ({attribute: F1}) when the model
        predicts attributes, and ``latency_ms`` (test time per image).
    """
    out = dict(mAP=raw.get('lld/bbox_mAP'), mAP50=raw.get('lld/bbox_mAP_50'),
               mAP75=raw.get('lld/bbox_mAP_75'), per_class_AP={},
               attr_mean_f1=raw.get('lld/attr_mean_f1'), attr_f1={})
    for key, value in raw.items():
        match = re.fullmatch(r'lld/attr_(.+)_f1', key)
        if match and match.group(1) != 'mean':
            out['attr_f1'][match.group(1)] = value
            continue
        match = re.fullmatch(r'lld/(.+)_precision', key)
        if match and not match.group(1).startswith(('attr_', 'gtbox_')):
            out['per_class_AP'][match.group(1)] = value
    if 'time' in raw:
        out['latency_ms'] = 1000.0 * raw['time'] / max(batch_size, 1)
    return out


def read_pseudo_label_stats(entry_dir: str,
                            last_epochs: int = 2) -> Optional[dict]:
    """What the teacher's pseudo labels were at the end of an entry's
    training: the mean of each :data:`PSEUDO_KEYS` scalar that
    ``PseudoLabelStatsHook`` logged in the last ``last_epochs`` epochs of
    the newest training run under ``entry_dir``
    (``<timestamp>/vis_data/scalars.json``, one JSON line per logged
    iteration; the logger keeps the value of the logged iteration, so this
    is a mean over those iterations, not over every step).

    Returns:
        dict | None: ``{key: mean}`` for the keys logged in those epochs,
        plus ``epochs`` ([first, last]); None when the run logged no
        pseudo-label statistics (a supervised method) or left no scalars.
    """
    if isinstance(last_epochs, bool) or not isinstance(
            last_epochs, int) or last_epochs < 1:
        raise ValueError(f'last_epochs must be an int >= 1, got '
                         f'{last_epochs!r}')
    runs = glob.glob(osp.join(entry_dir, '*', 'vis_data', 'scalars.json'))
    if not runs:
        return None
    path = max(runs, key=osp.getmtime)
    rows = []
    with open(path) as f:
        for num, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f'{path}, line {num}: not a JSON record '
                                 f'({err})') from None
            if 'epoch' in row and any(k in row for k in PSEUDO_KEYS):
                rows.append(row)
    if not rows:
        return None
    last = max(row['epoch'] for row in rows)
    first = max(last - last_epochs + 1, min(row['epoch'] for row in rows))
    rows = [row for row in rows if row['epoch'] >= first]
    out = {key: sum(row[key] for row in rows if key in row) /
           sum(key in row for row in rows)
           for key in PSEUDO_KEYS if any(key in row for row in rows)}
    out['epochs'] = [first, last]
    return out


def run_entry(entry: dict, entry_dir: str,
              checkpoint: Optional[str] = None) -> dict:
    """Train (unless ``checkpoint``) and test one entry; returns its result
    record (also written to ``entry_dir/result.json``). Raises on failure.
    """
    config = write_entry_config(entry, entry_dir)
    record = {k: entry[k] for k in ('name', 'method', 'config', 'train',
                                    'test')}
    train_minutes = None
    if checkpoint is None:
        start = time.perf_counter()
        _run([sys.executable, osp.join(REPO, 'tools', 'train.py'), config,
              '--work-dir', entry_dir], osp.join(entry_dir, 'train.log'))
        train_minutes = (time.perf_counter() - start) / 60
        checkpoint = find_checkpoint(osp.dirname(entry_dir),
                                     osp.basename(entry_dir))
    test_dir = osp.join(entry_dir, 'test')
    _run([sys.executable, osp.join(REPO, 'tools', 'test.py'), config,
          checkpoint, '--work-dir', test_dir], osp.join(entry_dir,
                                                         'test.log'))
    batch = Config.fromfile(config).test_dataloader.get('batch_size', 1)
    record.update(status='done', checkpoint=checkpoint,
                  train_minutes=train_minutes,
                  pseudo_labels=read_pseudo_label_stats(entry_dir),
                  **summarise_metrics(read_test_metrics(test_dir), batch))
    with open(osp.join(entry_dir, RESULT), 'w') as f:
        json.dump(record, f, indent=1)
    return record


def run_suite(entries: List[dict],
              work_dir: str,
              only: Optional[str] = None,
              checkpoints: Optional[str] = None,
              runner: Callable = run_entry,
              echo: Callable = print) -> List[dict]:
    """Run every entry not finished yet (no ``result.json`` with status
    done); a failure is recorded (``result.json`` with status ``failed``
    and the error) and the others continue. Returns all records.

    ``only``: a shell pattern; only the entries whose name
    (``<method>__<train>__<test>``) or method matches it run. A pattern
    that matches none raises a ValueError naming it and some names.
    """
    if only:
        matched = [e for e in entries
                   if fnmatch(e['name'], only) or fnmatch(e['method'], only)]
        if not matched:
            names = ', '.join(e['name'] for e in entries[:3])
            raise ValueError(
                f'--only {only!r} matches no entry of the suite (neither a '
                f'name <method>__<train>__<test> nor a method), e.g. '
                f'{names}')
        entries = matched
    records = []
    for i, entry in enumerate(entries, 1):
        entry_dir = osp.join(work_dir, entry['name'])
        done = load_record(entry_dir)
        prefix = f'[{i}/{len(entries)}] {entry["name"]}'
        if done and done.get('status') == 'done':
            echo(f'{prefix}: done before (mAP50 {done.get("mAP50")})')
            records.append(done)
            continue
        echo(f'{prefix}: {"testing" if checkpoints else "training + testing"}'
             ' ...')
        start = time.perf_counter()
        try:
            ckpt = (find_checkpoint(checkpoints, entry['name'])
                    if checkpoints else None)
            record = runner(entry, entry_dir, ckpt)
            echo(f'{prefix}: mAP50 {record.get("mAP50")} '
                 f'({(time.perf_counter() - start) / 60:.1f} min)')
        except Exception as err:  # recorded; the suite goes on
            record = {k: entry[k] for k in ('name', 'method', 'config',
                                            'train', 'test')}
            record.update(status='failed', error=str(err)[-2000:])
            os.makedirs(entry_dir, exist_ok=True)
            with open(osp.join(entry_dir, RESULT), 'w') as f:
                json.dump(record, f, indent=1)
            echo(f'{prefix}: FAILED: {str(err).splitlines()[0]}')
        records.append(record)
    return records


def load_record(entry_dir: str) -> Optional[dict]:
    """``entry_dir/result.json``, or None. A finished entry recorded before
    results held ``pseudo_labels`` gets them from its training logs."""
    path = osp.join(entry_dir, RESULT)
    if not osp.isfile(path):
        return None
    with open(path) as f:
        record = json.load(f)
    if record.get('status') == 'done' and 'pseudo_labels' not in record:
        record['pseudo_labels'] = read_pseudo_label_stats(entry_dir)
    return record


def collect(work_dir: str) -> List[dict]:
    """Every entry result under ``work_dir`` (one folder per entry)."""
    return [
        load_record(osp.dirname(p))
        for p in sorted(glob.glob(osp.join(work_dir, '*', RESULT)))
    ]


# --------------------------------------------------------------- rendering
def _fmt(value, digits=3):
    return '-' if value is None else (f'{value:.{digits}f}' if isinstance(
        value, float) else str(value))


def write_leaderboard(records: List[dict], out_dir: str,
                      title: str = 'Leaderboard') -> Dict[str, str]:
    """Write ``leaderboard.json``, ``.csv``, a ranked ``.md`` and a chart
    into ``out_dir``: the domain-transfer heat map
    ``leaderboard_heatmap.png`` (train domain x test domain, mAP50, one
    panel per method), or, when every entry has the same (train, test)
    pair (an ablation suite), ``leaderboard_bars.png`` (mAP50 per
    method)."""
    os.makedirs(out_dir, exist_ok=True)
    paths = {k: osp.join(out_dir, f'leaderboard.{k}')
             for k in ('json', 'csv', 'md')}
    with open(paths['json'], 'w') as f:
        json.dump(records, f, indent=1)

    done = [r for r in records if r.get('status') == 'done']
    failed = [r for r in records if r.get('status') != 'done']
    classes = sorted({c for r in done for c in r.get('per_class_AP', {})})
    attrs = sorted({a for r in done for a in r.get('attr_f1', {})})
    columns = ['name', 'method', 'train', 'test', 'status', 'mAP', 'mAP50',
               'mAP75', 'attr_mean_f1', 'train_minutes', 'latency_ms']
    with open(paths['csv'], 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(columns + [f'AP_{c}' for c in classes] +
                        [f'F1_{a}' for a in attrs] +
                        [f'last_epochs_{k}' for k in PSEUDO_KEYS] +
                        ['error'])
        for r in records:
            pseudo = r.get('pseudo_labels') or {}
            writer.writerow([r.get(c) for c in columns] + [
                r.get('per_class_AP', {}).get(c) for c in classes
            ] + [r.get('attr_f1', {}).get(a) for a in attrs] +
                            [pseudo.get(k) for k in PSEUDO_KEYS] +
                            [r.get('error', '')])

    ranked = sorted(done, key=lambda r: -(r.get('mAP50') or -1))
    by_method: Dict[str, List[float]] = {}
    for r in done:
        by_method.setdefault(r['method'], []).append(r.get('mAP50') or 0.0)
    lines = [f'# {title}', '',
             f'{len(done)} entries done, {len(failed)} failed.', '',
             '## Methods (mean test mAP50 over their entries)', '',
             '| rank | method | entries | mean mAP50 |', '|---|---|---|---|']
    for rank, (method, values) in enumerate(
            sorted(by_method.items(), key=lambda kv: -sum(kv[1]) /
                   len(kv[1])), 1):
        lines.append(f'| {rank} | {method} | {len(values)} | '
                     f'{sum(values) / len(values):.3f} |')
    with_pseudo = any(r.get('pseudo_labels') for r in done)
    lines += ['', '## Entries', '',
              '| rank | method | train | test | mAP50 | mAP | attr F1 | '
              'train min | ms / image |' +
              (' pseudo labels / img, precision, recall |'
               if with_pseudo else ''),
              '|---|---|---|---|---|---|---|---|---|' +
              ('---|' if with_pseudo else '')]
    for rank, r in enumerate(ranked, 1):
        pseudo = r.get('pseudo_labels') or {}
        lines.append(
            f'| {rank} | {r["method"]} | {r["train"]} | {r["test"]} | '
            f'{_fmt(r.get("mAP50"))} | {_fmt(r.get("mAP"))} | '
            f'{_fmt(r.get("attr_mean_f1"))} | '
            f'{_fmt(r.get("train_minutes"), 1)} | '
            f'{_fmt(r.get("latency_ms"), 1)} |' +
            (' ' + ', '.join(_fmt(pseudo.get(k), 2) for k in PSEUDO_KEYS[:3])
             + ' |' if with_pseudo else ''))
    if with_pseudo:
        lines += ['', 'Pseudo labels: what the teacher gave in the last '
                  'two training epochs (the mean of the values '
                  '`PseudoLabelStatsHook` logged; precision and recall '
                  'against the hidden full labels, where the data set has '
                  'them); `-` = not logged (a supervised method, or no '
                  'pseudo label to score).']
    if failed:
        lines += ['', '## Failed (rerun to retry)', '']
        lines += [f'- {r["name"]}: {r.get("error", "").splitlines()[0]}'
                  if r.get('error') else f'- {r["name"]}' for r in failed]
    pairs = {(r['train'], r['test']) for r in done}
    if len(pairs) == 1:  # e.g. an ablation suite: one bar per method
        png = write_bars(done, osp.join(out_dir, 'leaderboard_bars.png'))
        caption = 'test mAP50 per method'
    else:
        png = write_heatmap(done,
                            osp.join(out_dir, 'leaderboard_heatmap.png'))
        caption = 'train x test mAP50'
    if png:
        paths['png'] = png
        lines += ['', f'![{caption}]({osp.basename(png)})']
    with open(paths['md'], 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return paths


def write_bars(records: List[dict], path: str) -> Optional[str]:
    """Horizontal bars of test mAP50, one per method, best on top."""
    if not records:
        return None
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    ranked = sorted(records, key=lambda r: r.get('mAP50') or 0.0)
    values = [r.get('mAP50') or 0.0 for r in ranked]
    fig, ax = plt.subplots(figsize=(6, 0.4 * len(ranked) + 1.2))
    ax.barh(range(len(ranked)), values, color='tab:blue')
    for i, value in enumerate(values):
        ax.text(value + 0.005, i, f'{value:.3f}', va='center', fontsize=8)
    ax.set_yticks(range(len(ranked)), [r['method'] for r in ranked],
                  fontsize=8)
    ax.set_xlim(0, max(max(values) * 1.2, 0.05))
    ax.set_xlabel('test mAP50')
    ax.set_title(f"train {ranked[0]['train']} -> test {ranked[0]['test']}",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_heatmap(records: List[dict], path: str) -> Optional[str]:
    """Train domain x test domain mAP50, one panel per method."""
    if not records:
        return None
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np
    methods = sorted({r['method'] for r in records})
    fig, axes = plt.subplots(
        1, len(methods), figsize=(4.5 * len(methods), 4), squeeze=False)
    for ax, method in zip(axes[0], methods):
        rows = [r for r in records if r['method'] == method]
        trains = sorted({r['train'] for r in rows})
        tests = sorted({r['test'] for r in rows})
        grid = np.full((len(trains), len(tests)), np.nan)
        for r in rows:
            grid[trains.index(r['train']),
                 tests.index(r['test'])] = r.get('mAP50') or 0.0
        ax.imshow(grid, vmin=0, vmax=1, cmap='viridis')
        for i in range(len(trains)):
            for j in range(len(tests)):
                if not np.isnan(grid[i, j]):
                    ax.text(j, i, f'{grid[i, j]:.2f}', ha='center',
                            va='center', color='w', fontsize=7)
        ax.set_xticks(range(len(tests)), tests, rotation=60, fontsize=7)
        ax.set_yticks(range(len(trains)), trains, fontsize=7)
        ax.set_xlabel('test domain')
        ax.set_ylabel('train domain')
        ax.set_title(method, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
