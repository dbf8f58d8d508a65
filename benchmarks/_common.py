"""Shared by the benchmark scripts: run a tool, train + test a config and
read back the test metrics. Each run is its own subprocess, as a user runs
it."""
import datetime
import glob
import json
import os.path as osp
import re
import subprocess
import sys
import time

from mmengine.config import Config

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(HERE)


def run(cmd):
    print('+', ' '.join(cmd), flush=True)
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(proc.stdout[-4000:] + proc.stderr[-4000:])
    return proc.stdout + proc.stderr


def write_results(name, lines):
    """Write ``lines`` to ``benchmarks/results/<name>`` and print them."""
    with open(osp.join(HERE, 'results', name), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


def gap_closed(value, naive, full):
    """(value - naive) / (full - naive); nan without a gap."""
    return (value - naive) / (full - naive) if full > naive else float('nan')


def parse_seeds(parser, text):
    """``--seeds`` value ``'0,1,2'`` -> ``[0, 1, 2]``; a parser error
    otherwise."""
    try:
        return [int(v) for v in text.split(',')]
    except ValueError:
        parser.error(f'--seeds must be comma-separated integers, got '
                     f'{text!r}')


def check_out_name(parser, text):
    """``--out`` must be a bare ``.md`` file name (results files are
    written to benchmarks/results); a parser error otherwise."""
    if text and (osp.dirname(text) or not text.endswith('.md')):
        parser.error(f'--out must be a file name ending in .md (it is '
                     f'written to benchmarks/results), got {text!r}')


def parse_names(parser, option, text, valid):
    """Comma-separated names of ``option`` (e.g. ``'--rows'``) as a set;
    a parser error listing the valid ones if any is unknown."""
    names = set(filter(None, text.split(',')))
    unknown = names - set(valid)
    if unknown:
        parser.error(f'{option}: unknown {sorted(unknown)}; choose from '
                     f'{list(valid)}')
    return names


def last_checkpoint(work_dir):
    ckpts = glob.glob(osp.join(REPO, work_dir, 'epoch_*.pth'))
    return max(ckpts, key=lambda p: int(re.findall(r'epoch_(\d+)', p)[-1]))


def logged_train_minutes(work_dir):
    """Training time from the first to the last ``Epoch(train)`` line of the
    training log in ``work_dir`` (for runs trained before)."""
    stamps = []
    for log in glob.glob(osp.join(REPO, work_dir, '*', '*.log')):
        with open(log) as f:
            for line in f:
                if 'Epoch(train)' in line:
                    stamps.append(datetime.datetime.strptime(
                        line[:19], '%Y/%m/%d %H:%M:%S'))
    return (max(stamps) - min(stamps)).total_seconds() / 60 if stamps else 0


def train_and_test(config, work_dir, test_options=(), reuse=True,
                   train_options=()):
    """Train ``config`` into ``work_dir`` (``train_options``: extra
    ``--cfg-options`` of tools/train.py, e.g. ``randomness.seed=1``), test
    its last checkpoint, and return ``(metrics, train_minutes)``. With
    ``reuse``, a finished training (checkpoint of the last epoch present;
    ``train_cfg.max_epochs`` of ``train_options`` counts) is not repeated
    and a finished test (``work_dir/test_metrics.json``) is read back, so a
    benchmark resumes where it stopped (an unfinished training resumes from
    its last checkpoint)."""
    cache = osp.join(REPO, work_dir, 'test_metrics.json')
    if reuse and osp.isfile(cache):
        with open(cache) as f:
            cached = json.load(f)
        return cached['metrics'], cached['train_minutes']
    max_epochs = Config.fromfile(osp.join(REPO, config)).train_cfg.max_epochs
    for option in train_options:  # e.g. a longer schedule
        if option.startswith('train_cfg.max_epochs='):
            value = option.split('=', 1)[1]
            if not value.isdigit():
                raise SystemExit(f'--train-options {option}: max_epochs '
                                 'must be a whole number')
            max_epochs = int(value)
    final = osp.join(REPO, work_dir, f'epoch_{max_epochs}.pth')
    if reuse and osp.isfile(final):
        minutes = logged_train_minutes(work_dir)
    else:
        # an interrupted training (e.g. a session that ended) resumes from
        # its last checkpoint; the minutes are then this part's only
        resume = (['--resume'] if reuse and osp.isfile(
            osp.join(REPO, work_dir, 'last_checkpoint')) else [])
        start = time.perf_counter()
        extra = ['--cfg-options', *train_options] if train_options else []
        run([sys.executable, 'tools/train.py', config, '--work-dir',
             work_dir, *resume, *extra])
        minutes = (time.perf_counter() - start) / 60
    ckpt = last_checkpoint(work_dir)
    options = ['--cfg-options', *test_options] if test_options else []
    log = run([sys.executable, 'tools/test.py', config, ckpt, '--work-dir',
               work_dir, *options])
    metrics_file = sorted(glob.glob(osp.join(REPO, work_dir, '*', '*.json')),
                          key=osp.getmtime)[-1]
    with open(metrics_file) as f:
        metrics = json.load(f)
    metrics['_table'] = re.findall(r'(\|.*\|)\n', log)
    with open(cache, 'w') as f:
        json.dump(dict(metrics=metrics, train_minutes=minutes,
                       checkpoint=osp.relpath(ckpt, REPO)), f)
    return metrics, minutes


def frozen_teachers(config):
    """``(index, files)``: the position of the config's LLDMeanTeacherHook in
    ``custom_hooks`` and its ``teacher_checkpoint`` files (frozen teachers
    trained by other rows or runs) as a list; ``(None, [])`` when it loads
    none. ``config`` is relative to the repository."""
    hooks = Config.fromfile(osp.join(REPO, config)).get('custom_hooks', [])
    for index, hook in enumerate(hooks):
        files = hook.get('teacher_checkpoint')
        if hook['type'] == 'LLDMeanTeacherHook' and files is not None:
            return index, [files] if isinstance(files, str) else list(files)
    return None, []


def teacher_option(index, files):
    """The tools/train.py ``--cfg-options`` entry that sets the frozen
    teacher(s) of the LLDMeanTeacherHook at ``custom_hooks[index]``."""
    value = files[0] if len(files) == 1 else '[' + ','.join(files) + ']'
    return f'custom_hooks.{index}.teacher_checkpoint={value}'
